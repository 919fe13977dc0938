//! Configuration: `.s3-access.toml`, found by walking up from the current directory.
//!
//! It sets per-rule levels, the accounts and organisations the risk rules trust, paths to
//! skip, and suppressions keyed by file, `Sid` and code (policy JSON has no comments to put
//! them in). Every problem in the file (an unknown key, a bad value) is a [`Code::InvalidConfig`]
//! finding at its line and column, rendered like any other finding. The format is documented
//! in `docs/configuration.md`.

use crate::audit::Trust;
use crate::diagnostic::Finding;
use crate::load::{FileKind, FileReport, Located};
use crate::policy::Policy;
use crate::registry::{Code, Severity};
use crate::source::{SourceFile, Span};
use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use toml::Spanned;

/// The file name searched for.
pub const FILE_NAME: &str = ".s3-access.toml";

/// The level a rule is configured to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The finding is not reported.
    Allow,
    /// Reported as a note.
    Note,
    /// Reported as a warning.
    Warning,
    /// Reported as an error.
    Error,
}

impl Level {
    /// The names accepted in the file.
    pub const NAMES: [&'static str; 4] = ["allow", "note", "warning", "error"];

    /// Parses a level name (exactly as in [`Level::NAMES`]).
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "note" => Some(Level::Note),
            "warning" => Some(Level::Warning),
            "error" => Some(Level::Error),
            _ => None,
        }
    }

    /// The severity findings get, or `None` for `allow`.
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Allow => None,
            Level::Note => Some(Severity::Note),
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

/// Which findings make the run fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Findings of this severity or higher.
    AtLeast(Severity),
    /// None: the run fails only on usage, I/O or configuration errors.
    Never,
}

impl FailOn {
    /// Parses `error`, `warning`, `note` or `never`.
    pub fn parse(s: &str) -> Option<FailOn> {
        match s {
            "error" => Some(FailOn::AtLeast(Severity::Error)),
            "warning" => Some(FailOn::AtLeast(Severity::Warning)),
            "note" => Some(FailOn::AtLeast(Severity::Note)),
            "never" => Some(FailOn::Never),
            _ => None,
        }
    }

    /// Whether a finding of this severity fails the run.
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::AtLeast(threshold) => severity >= threshold,
            FailOn::Never => false,
        }
    }
}

/// One `[[suppress]]` entry.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// The `file` glob as written.
    pub file: String,
    matcher: GlobMatcher,
    /// Only findings inside the statement with this `Sid`.
    pub sid: Option<String>,
    /// The code suppressed.
    pub code: Code,
    /// Why (required).
    pub reason: String,
    /// The entry's `[[suppress]]` header in the configuration file.
    pub span: Span,
}

/// A loaded configuration (or the defaults, when there is no file).
#[derive(Debug, Clone)]
pub struct Config {
    /// The configuration file, for locating its own findings; `None` for the defaults.
    pub source: Option<SourceFile>,
    /// The directory that `exclude` and `file` patterns are relative to: the file's directory.
    pub root: PathBuf,
    /// The directory that relative file names are resolved against (the current directory).
    pub cwd: PathBuf,
    /// `fail-on`, if set (the command line overrides it).
    pub fail_on: Option<FailOn>,
    /// Per-code levels.
    pub levels: BTreeMap<Code, Level>,
    /// Trusted accounts and organisations.
    pub trust: Trust,
    /// `[paths] exclude` globs as written.
    pub exclude: Vec<String>,
    exclude_matchers: Vec<GlobMatcher>,
    /// The suppressions, in file order.
    pub suppressions: Vec<Suppression>,
    /// `[output] help-uri-base`: where the rule pages are published (SARIF `helpUri` is this
    /// followed by `/docs/rules/CODE.md`), checked by [`help_uri_base`].
    pub help_uri_base: Option<String>,
}

/// Why a configuration could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
    /// The file has problems: every one is a [`Code::InvalidConfig`] finding.
    Invalid(Box<FileReport>),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io { path, error } => write!(f, "cannot read {}: {error}", path.display()),
            LoadError::Invalid(report) => write!(
                f,
                "{} is not a valid configuration ({} problem{})",
                report.source.name(),
                report.findings.len(),
                if report.findings.len() == 1 { "" } else { "s" }
            ),
        }
    }
}

impl std::error::Error for LoadError {}

/// The nearest `.s3-access.toml` in `start` or one of its ancestors.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|p| p.is_file())
}

impl Config {
    /// The defaults: every rule at its own level, nothing trusted, excluded or suppressed.
    pub fn defaults(cwd: &Path) -> Config {
        Config {
            source: None,
            root: normalize(cwd),
            cwd: normalize(cwd),
            fail_on: None,
            levels: BTreeMap::new(),
            trust: Trust::default(),
            exclude: Vec::new(),
            exclude_matchers: Vec::new(),
            suppressions: Vec::new(),
            help_uri_base: None,
        }
    }

    /// Reads and checks a configuration file; `cwd` resolves relative paths. The file is in
    /// the tree a pull request writes (docs/security.md): a symbolic link out of its folder
    /// or a kernel pseudo-file is not read, and the read is size-limited, since a parse error
    /// shows the file's lines.
    pub fn load(path: &Path, cwd: &Path) -> Result<Config, LoadError> {
        let io = |error| LoadError::Io {
            path: path.to_path_buf(),
            error,
        };
        let folder = path
            .parent()
            .map_or_else(|| cwd.to_path_buf(), |p| cwd.join(p));
        let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if link && !crate::contain::Root::new(&[folder], None).contains(&cwd.join(path)) {
            return Err(io(std::io::Error::other(
                "a symbolic link out of its folder; not read",
            )));
        }
        let bytes = crate::load::read_limited(path).map_err(io)?;
        if bytes.len() > crate::json::MAX_INPUT_BYTES {
            return Err(io(std::io::Error::other("over the 64 MiB input limit")));
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            io(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            ))
        })?;
        let absolute = normalize(&cwd.join(path));
        let root = absolute
            .parent()
            .map_or_else(|| normalize(cwd), Path::to_path_buf);
        let source = SourceFile::new(display_name(path, cwd), text);
        Config::parse(source, root, cwd).map_err(LoadError::Invalid)
    }

    /// Checks a configuration text; `root` is the directory patterns are relative to.
    pub fn parse(source: SourceFile, root: PathBuf, cwd: &Path) -> Result<Config, Box<FileReport>> {
        let mut problems = Problems::default();
        // First the syntax and every unknown key at once; then the types, through serde.
        let (table, syntax) = toml::de::DeTable::parse_recoverable(source.text());
        for e in &syntax {
            let span = e
                .span()
                .map_or(Span::new(0, 0), |r| Span::new(r.start, r.end));
            let word = source.slice(span);
            let help = (!word.is_empty()
                && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            .then(|| format!("strings are quoted in TOML: \"{word}\""));
            problems.push(span, "", toml_message(e), help);
        }
        if syntax.is_empty() {
            unknown_keys(table.get_ref(), &mut problems);
        }
        if !problems.findings.is_empty() {
            return Err(Box::new(problems.into_report(source)));
        }
        let raw: RawConfig = match toml::from_str(source.text()) {
            Ok(raw) => raw,
            Err(e) => {
                let span = e
                    .span()
                    .map_or(Span::new(0, 0), |r| Span::new(r.start, r.end));
                problems.push(span, "", toml_message(&e), toml_help(&e));
                return Err(Box::new(problems.into_report(source)));
            }
        };
        let mut config = Config::defaults(cwd);
        config.root = normalize(&root);

        config.read_fail_on(&raw, &mut problems);
        config.read_rules(&raw, &mut problems);
        config.read_trust(&raw, &mut problems);
        config.read_excludes(&raw, &mut problems);
        config.read_suppressions(&raw, &mut problems);
        config.read_output(&raw, &mut problems);

        if problems.findings.is_empty() {
            config.source = Some(source);
            Ok(config)
        } else {
            Err(Box::new(problems.into_report(source)))
        }
    }

    /// `fail-on`.
    fn read_fail_on(&mut self, raw: &RawConfig, problems: &mut Problems) {
        if let Some(f) = &raw.fail_on {
            match FailOn::parse(f.get_ref()) {
                Some(v) => self.fail_on = Some(v),
                None => problems.push(
                    span_of(f),
                    "/fail-on",
                    format!("`{}` is not a level that can fail the run", f.get_ref()),
                    Some(one_of(f.get_ref(), &["error", "warning", "note", "never"])),
                ),
            }
        }
    }

    /// `[rules]`: a level per code or name, each rule once.
    fn read_rules(&mut self, raw: &RawConfig, problems: &mut Problems) {
        let mut seen: BTreeMap<Code, (String, Span)> = BTreeMap::new();
        for (key, value) in &raw.rules {
            let pointer = format!("/rules/{}", key.get_ref());
            let Some(code) = Code::lookup(key.get_ref()) else {
                problems.push(
                    span_of(key),
                    &pointer,
                    format!("`{}` is not a rule code or name", key.get_ref()),
                    Some(unknown_code_help(key.get_ref())),
                );
                continue;
            };
            let Some(level) = Level::parse(value.get_ref()) else {
                problems.push(
                    span_of(value),
                    &pointer,
                    format!("`{}` is not a level", value.get_ref()),
                    Some(one_of(value.get_ref(), &Level::NAMES)),
                );
                continue;
            };
            if let Some((first, first_span)) = seen.get(&code) {
                problems.push_related(
                    span_of(key),
                    &pointer,
                    format!("{code} is already configured as `{first}`"),
                    Some(format!(
                        "`{first}` and `{}` name the same rule; keep one",
                        key.get_ref()
                    )),
                    *first_span,
                    "first configured here",
                );
                continue;
            }
            seen.insert(code, (key.get_ref().clone(), span_of(key)));
            self.levels.insert(code, level);
        }
    }

    /// `[trust]`: account and organisation ids.
    fn read_trust(&mut self, raw: &RawConfig, problems: &mut Problems) {
        for (i, account) in raw.trust.accounts.iter().enumerate() {
            let a = account.get_ref();
            if crate::arn::is_account_id(a) {
                self.trust.accounts.push(a.clone());
            } else {
                problems.push(
                    span_of(account),
                    &format!("/trust/accounts/{i}"),
                    format!("`{a}` is not an AWS account id"),
                    Some("an account id is exactly twelve digits, e.g. \"111122223333\"".into()),
                );
            }
        }
        for (i, org) in raw.trust.organizations.iter().enumerate() {
            let o = org.get_ref();
            let valid = o.strip_prefix("o-").is_some_and(|rest| {
                (10..=32).contains(&rest.len())
                    && rest
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
            if valid {
                self.trust.organizations.push(o.clone());
            } else {
                problems.push(
                span_of(org),
                &format!("/trust/organizations/{i}"),
                format!("`{o}` is not an AWS Organizations organisation id"),
                Some(
                    "an organisation id is `o-` and 10 to 32 lowercase letters or digits, e.g. \"o-a1b2c3d4e5\"; the id of an organisational unit (`ou-...`) or a root (`r-...`) does not go here"
                        .into(),
                ),
            );
            }
        }
    }

    /// `[paths] exclude`: globs.
    fn read_excludes(&mut self, raw: &RawConfig, problems: &mut Problems) {
        for (i, pattern) in raw.paths.exclude.iter().enumerate() {
            match glob(pattern.get_ref()) {
                Ok(m) => {
                    self.exclude.push(pattern.get_ref().clone());
                    self.exclude_matchers.push(m);
                }
                Err(e) => problems.push(
                    span_of(pattern),
                    &format!("/paths/exclude/{i}"),
                    format!("`{}` is not a valid glob: {e}", pattern.get_ref()),
                    Some(GLOB_HELP.into()),
                ),
            }
        }
    }

    /// `[[suppress]]` entries: file glob, code, reason, optional Sid.
    fn read_suppressions(&mut self, raw: &RawConfig, problems: &mut Problems) {
        for (i, entry) in raw.suppress.iter().enumerate() {
            let pointer = format!("/suppress/{i}");
            let s = entry.get_ref();
            let mut ok = true;
            let matcher = match glob(s.file.get_ref()) {
                Ok(m) => Some(m),
                Err(e) => {
                    problems.push(
                        span_of(&s.file),
                        &format!("{pointer}/file"),
                        format!("`{}` is not a valid glob: {e}", s.file.get_ref()),
                        Some(GLOB_HELP.into()),
                    );
                    None
                }
            };
            let code = Code::lookup(s.code.get_ref());
            if code.is_none() {
                ok = false;
                problems.push(
                    span_of(&s.code),
                    &format!("{pointer}/code"),
                    format!("`{}` is not a rule code or name", s.code.get_ref()),
                    Some(unknown_code_help(s.code.get_ref())),
                );
            }
            if s.reason.get_ref().trim().is_empty() {
                ok = false;
                problems.push(
                    span_of(&s.reason),
                    &format!("{pointer}/reason"),
                    "the reason is empty".into(),
                    Some("say why the finding is acceptable, for the next reader".into()),
                );
            }
            if let Some(sid) = &s.sid
                && sid.get_ref().is_empty()
            {
                ok = false;
                problems.push(
                    span_of(sid),
                    &format!("{pointer}/sid"),
                    "the Sid is empty".into(),
                    Some("name a statement's Sid, or remove `sid` to match the whole file".into()),
                );
            }
            if let (Some(matcher), Some(code), true) = (matcher, code, ok) {
                self.suppressions.push(Suppression {
                    file: s.file.get_ref().clone(),
                    matcher,
                    sid: s.sid.as_ref().map(|x| x.get_ref().clone()),
                    code,
                    reason: s.reason.get_ref().clone(),
                    span: span_of(entry),
                });
            }
        }
    }

    /// `[output]`: the base of the rule pages' addresses.
    fn read_output(&mut self, raw: &RawConfig, problems: &mut Problems) {
        if let Some(base) = &raw.output.help_uri_base {
            match help_uri_base(base.get_ref()) {
                Ok(b) => self.help_uri_base = Some(b),
                Err(e) => problems.push(
                    span_of(base),
                    "/output/help-uri-base",
                    e,
                    Some(HELP_URI_BASE_HELP.into()),
                ),
            }
        }
    }

    /// A path (as given on the command line or found in a walk) relative to [`Config::root`],
    /// with `/` separators; a path outside the root stays as given, with `/` separators.
    pub fn relative(&self, path: &Path) -> String {
        relative_path(path, &self.root, &self.cwd)
    }

    /// Whether `[paths] exclude` skips this file.
    pub fn is_excluded(&self, path: &Path) -> bool {
        if self.exclude_matchers.is_empty() {
            return false;
        }
        let rel = self.relative(path);
        self.exclude_matchers.iter().any(|m| matches(m, &rel))
    }

    /// The level configured for a code, if any.
    pub fn level(&self, code: Code) -> Option<Level> {
        self.levels.get(&code).copied()
    }

    /// Applies suppressions and levels to one file's findings and returns how many
    /// suppressions removed. `policies` are the file's parsed policies (from
    /// [`crate::load::Analysis`]), which give each finding its statement's `Sid`.
    pub fn apply(&self, report: &mut FileReport, policies: &[Policy], usage: &mut Usage) -> usize {
        usage.grow(self.suppressions.len());
        let rel = self.relative(Path::new(report.source.name()));
        let here: Vec<usize> = self
            .suppressions
            .iter()
            .enumerate()
            .filter(|(_, s)| matches(&s.matcher, &rel))
            .map(|(i, _)| i)
            .collect();
        for &i in &here {
            usage.files[i] += 1;
        }
        let mut suppressed = 0;
        report.findings.retain_mut(|item| {
            let f = &item.finding;
            if !f.code.on_by_default() && self.level(f.code).is_none() {
                return false;
            }
            let mut sid: Option<Option<&str>> = None;
            for &i in &here {
                let s = &self.suppressions[i];
                if s.code != f.code {
                    continue;
                }
                if let Some(wanted) = &s.sid {
                    let actual = *sid.get_or_insert_with(|| sid_of(policies, f.span));
                    if actual != Some(wanted.as_str()) {
                        continue;
                    }
                }
                usage.findings[i] += 1;
                suppressed += 1;
                return false;
            }
            match self.level(f.code) {
                None => {
                    item.finding.severity = crate::validate::severity::in_run(f, policies);
                    true
                }
                Some(level) => match level.severity() {
                    None => false,
                    Some(severity) => {
                        item.finding.severity = severity;
                        true
                    }
                },
            }
        });
        // S203 is folded into S201, which says the same (audit::fold_sse_c_into_transport):
        // it stands alone only where S201 was suppressed or turned off.
        if report
            .findings
            .iter()
            .any(|i| i.finding.code == Code::InsecureTransportAllowed)
        {
            report
                .findings
                .retain(|i| i.finding.code != Code::SseCOverHttp);
        }
        suppressed
    }

    // rule: C002
    /// The suppressions that removed nothing, as [`Code::UnusedSuppression`] findings in the
    /// configuration file (levels applied). An entry whose `file` matched no linted file is
    /// reported only when `whole_tree` (the run covered the configuration's whole directory);
    /// otherwise the file may simply not have been part of this run.
    pub fn unused_suppressions(&self, usage: &Usage, whole_tree: bool) -> Option<FileReport> {
        let source = self.source.as_ref()?;
        let severity = match self.level(Code::UnusedSuppression) {
            Some(level) => level.severity()?,
            None => Code::UnusedSuppression.severity(),
        };
        let mut problems = Problems::default();
        for (i, s) in self.suppressions.iter().enumerate() {
            let files = usage.files.get(i).copied().unwrap_or(0);
            let found = usage.findings.get(i).copied().unwrap_or(0);
            if found > 0 || (files == 0 && !whole_tree) {
                continue;
            }
            let target = match &s.sid {
                Some(sid) => format!("{} in Sid `{sid}` of `{}`", s.code, s.file),
                None => format!("{} in `{}`", s.code, s.file),
            };
            let (message, help) = if files == 0 {
                (
                    format!("this suppression of {target} matches no file"),
                    "the file was moved or deleted: fix `file` or remove the entry",
                )
            } else {
                (
                    format!("this suppression of {target} matches no finding"),
                    "the finding is gone: remove the entry, or fix its `file`, `sid` or `code`",
                )
            };
            problems.findings.push((
                Finding::new(Code::UnusedSuppression, s.span, message)
                    .with_help(help)
                    .with_severity(severity),
                format!("/suppress/{i}"),
            ));
        }
        if problems.findings.is_empty() {
            None
        } else {
            Some(problems.into_report(source.clone()))
        }
    }
}

/// How often each suppression matched, over a run.
#[derive(Debug, Clone, Default)]
pub struct Usage {
    files: Vec<usize>,
    findings: Vec<usize>,
}

impl Usage {
    fn grow(&mut self, n: usize) {
        if self.files.len() < n {
            self.files.resize(n, 0);
            self.findings.resize(n, 0);
        }
    }
}

/// The `Sid` of the statement containing a span, if any.
fn sid_of(policies: &[Policy], span: Span) -> Option<&str> {
    policies
        .iter()
        .flat_map(|p| &p.statements)
        .find(|s| s.span.start <= span.start && span.end <= s.span.end)
        .and_then(|s| s.sid.as_ref())
        .map(|sid| sid.value.as_str())
}

const GLOB_HELP: &str = "patterns are relative to the directory of the configuration file: `*` matches within one path segment, `**` across segments, `?` one character, `[abc]` a set, `{a,b}` alternatives";

fn glob(pattern: &str) -> Result<GlobMatcher, globset::Error> {
    let trimmed = pattern.trim_start_matches("./").trim_start_matches('/');
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    Ok(GlobBuilder::new(trimmed)
        .literal_separator(true)
        .backslash_escape(true)
        .build()?
        .compile_matcher())
}

/// Whether a pattern matches a relative path or one of its parent directories (so `vendor`
/// and `vendor/**` both exclude everything under `vendor/`).
fn matches(m: &GlobMatcher, rel: &str) -> bool {
    m.is_match(rel) || rel.match_indices('/').any(|(i, _)| m.is_match(&rel[..i]))
}

/// `path` (relative to `cwd`, or absolute) relative to `base`, with `/` separators; a path
/// outside `base` stays as given, with `/` separators.
pub fn relative_path(path: &Path, base: &Path, cwd: &Path) -> String {
    let absolute = normalize(&cwd.join(path));
    match absolute.strip_prefix(normalize(base)) {
        Ok(rel) => slashes(rel),
        Err(_) => slashes(path),
    }
}

/// Removes `.` and resolves `..` lexically (symbolic links are not followed).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn slashes(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".to_string()),
            _ => None,
        })
        .collect();
    let joined = parts.join("/");
    if path.has_root() {
        format!("/{joined}")
    } else {
        joined
    }
}

/// The configuration's display name: relative to `cwd` when under it.
fn display_name(path: &Path, cwd: &Path) -> String {
    if path.is_relative() {
        return path.display().to_string();
    }
    match path.strip_prefix(cwd) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

fn span_of<T>(s: &Spanned<T>) -> Span {
    let r = s.span();
    Span::new(r.start, r.end)
}

fn one_of(value: &str, names: &[&'static str]) -> String {
    let list = names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ");
    // Words other tools use for the same levels.
    let alias = match value.to_ascii_lowercase().as_str() {
        "warn" => Some("warning"),
        "info" | "information" | "advice" => Some("note"),
        "err" | "deny" | "fail" => Some("error"),
        "off" | "ignore" | "none" | "disable" | "disabled" | "silence" => Some("allow"),
        _ => None,
    }
    .filter(|a| names.contains(a));
    match alias.or_else(|| crate::suggest::closest(value, names.iter().copied())) {
        Some(best) => format!("did you mean \"{best}\"? One of {list}"),
        None => format!("use one of {list}"),
    }
}

fn unknown_code_help(key: &str) -> String {
    let all = crate::registry::RULES.iter().flat_map(|r| [r.code, r.name]);
    match crate::suggest::closest(key, all) {
        Some(best) => format!("did you mean `{best}`? `s3-access rules` lists every code"),
        None => "`s3-access rules` lists every code and name".to_string(),
    }
}

const TOP_KEYS: &[&str] = &["fail-on", "rules", "trust", "paths", "suppress", "output"];
const OUTPUT_KEYS: &[&str] = &["help-uri-base", "help_uri_base"];

/// What a help URI base looks like, for the help of a bad one.
pub const HELP_URI_BASE_HELP: &str = "an http(s) address under which `docs/rules/CODE.md` is found, e.g. \
     \"https://github.com/OWNER/s3-access/blob/v0.1.0\"";

/// Checks a base for the rule pages' addresses (`--help-uri-base`, `[output] help-uri-base`):
/// an absolute `http` or `https` URI with a host and no query or fragment (the page's path is
/// appended to it), without spaces or control characters. Returns it without a final `/`.
pub fn help_uri_base(base: &str) -> Result<String, String> {
    let rest = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("http://"))
        .ok_or_else(|| format!("`{base}` is not an http or https address"))?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() {
        return Err(format!("`{base}` has no host"));
    }
    if let Some(c) = base
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '"' | '<' | '>'))
    {
        return Err(format!(
            "`{base}` has {c:?}, which cannot be in the base of an address"
        ));
    }
    Ok(base.trim_end_matches('/').to_string())
}
const TRUST_KEYS: &[&str] = &["accounts", "organizations", "organisations"];
const PATHS_KEYS: &[&str] = &["exclude"];
const SUPPRESS_KEYS: &[&str] = &["file", "sid", "code", "reason"];

/// Reports every key that the format does not have (`[rules]` takes any key: codes are
/// checked later).
fn unknown_keys(top: &toml::de::DeTable<'_>, problems: &mut Problems) {
    check_keys(top, "", "at the top level", TOP_KEYS, problems);
    for (key, value) in top {
        match (key.get_ref().as_ref(), value.get_ref()) {
            ("trust", toml::de::DeValue::Table(t)) => {
                check_keys(t, "/trust", "in [trust]", TRUST_KEYS, problems)
            }
            ("paths", toml::de::DeValue::Table(t)) => {
                check_keys(t, "/paths", "in [paths]", PATHS_KEYS, problems)
            }
            ("output", toml::de::DeValue::Table(t)) => {
                check_keys(t, "/output", "in [output]", OUTPUT_KEYS, problems)
            }
            ("suppress", toml::de::DeValue::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    if let toml::de::DeValue::Table(t) = item.get_ref() {
                        let pointer = format!("/suppress/{i}");
                        check_keys(t, &pointer, "in [[suppress]]", SUPPRESS_KEYS, problems);
                    }
                }
            }
            _ => {}
        }
    }
}

fn check_keys(
    table: &toml::de::DeTable<'_>,
    pointer: &str,
    place: &str,
    known: &[&'static str],
    problems: &mut Problems,
) {
    for (key, _) in table {
        let k: &str = key.get_ref();
        if known.contains(&k) {
            continue;
        }
        let list = known
            .iter()
            .filter(|n| !matches!(**n, "organisations" | "help_uri_base"))
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let best = crate::suggest::closest(k, known.iter().copied()).map(|b| {
            if b == "organisations" {
                "organizations"
            } else {
                b
            }
        });
        let help = match best {
            Some(best) => format!("did you mean `{best}`? The keys {place} are {list}"),
            None => format!("the keys {place} are {list}; see docs/configuration.md"),
        };
        problems.push(
            span_of(key),
            &format!("{pointer}/{k}"),
            format!("unknown key `{k}` {place}"),
            Some(help),
        );
    }
}

/// The parser's message without its own rendering of the location (we render ours).
fn toml_message(e: &toml::de::Error) -> String {
    let m = e.message().trim();
    let m = m.strip_suffix('.').unwrap_or(m);
    m.replace('\n', " ")
}

fn toml_help(e: &toml::de::Error) -> Option<String> {
    let m = e.message();
    if m.contains("unknown field") {
        Some("see docs/configuration.md for every key".into())
    } else if m.contains("missing field `reason`") {
        Some("every suppression says why: add reason = \"...\"".into())
    } else {
        None
    }
}

#[derive(Default)]
struct Problems {
    findings: Vec<(Finding, String)>,
}

impl Problems {
    // rule: C001
    fn push(&mut self, span: Span, pointer: &str, message: String, help: Option<String>) {
        let mut f = Finding::new(Code::InvalidConfig, span, message);
        if let Some(h) = help {
            f = f.with_help(h);
        }
        self.findings.push((f, pointer.to_string()));
    }

    fn push_related(
        &mut self,
        span: Span,
        pointer: &str,
        message: String,
        help: Option<String>,
        related: Span,
        label: &str,
    ) {
        self.push(span, pointer, message, help);
        if let Some((f, _)) = self.findings.pop() {
            self.findings
                .push((f.with_related(related, label), pointer.to_string()));
        }
    }

    fn into_report(mut self, source: SourceFile) -> FileReport {
        self.findings
            .sort_by_key(|(f, _)| (f.span.start, f.span.end, f.code));
        let findings = self
            .findings
            .into_iter()
            .map(|(finding, path)| Located::at(&source, finding, path))
            .collect();
        FileReport {
            source,
            file_kind: FileKind::Other {
                what: "s3-access configuration",
            },
            findings,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    trust: RawTrust,
    #[serde(default)]
    paths: RawPaths,
    #[serde(default)]
    suppress: Vec<Spanned<RawSuppression>>,
    #[serde(default)]
    output: RawOutput,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    #[serde(default, rename = "help-uri-base", alias = "help_uri_base")]
    help_uri_base: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrust {
    #[serde(default)]
    accounts: Vec<Spanned<String>>,
    #[serde(default, alias = "organisations")]
    organizations: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPaths {
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppression {
    file: Spanned<String>,
    sid: Option<Spanned<String>>,
    code: Spanned<String>,
    reason: Spanned<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{self, LoadOptions};

    fn parse(text: &str) -> Result<Config, Box<FileReport>> {
        Config::parse(
            SourceFile::new(".s3-access.toml", text),
            PathBuf::from("/repo"),
            Path::new("/repo"),
        )
    }

    fn problems(text: &str) -> Vec<(u32, u32, String)> {
        let report = parse(text).expect_err("the configuration should be invalid");
        assert!(
            report
                .findings
                .iter()
                .all(|f| f.finding.code == Code::InvalidConfig)
        );
        report
            .findings
            .iter()
            .map(|f| (f.start.line, f.start.column, f.finding.message.clone()))
            .collect()
    }

    const FULL: &str = r#"
fail-on = "warning"

[rules]
P204 = "note"
resource-type-mismatch = "error"
redundant-action = "allow"

[trust]
accounts = ["111122223333"]
organizations = ["o-abc123defg"]

[paths]
exclude = ["vendor/**", "**/fixtures/**", "generated"]

[[suppress]]
file = "policies/bucket.json"
sid = "PublicRead"
code = "P303"
reason = "the website bucket is public on purpose"
"#;

    #[test]
    fn a_full_configuration_is_read() {
        let c = parse(FULL).unwrap();
        assert_eq!(c.fail_on, Some(FailOn::AtLeast(Severity::Warning)));
        assert_eq!(c.level(Code::UnknownAction), Some(Level::Note));
        assert_eq!(c.level(Code::ResourceTypeMismatch), Some(Level::Error));
        assert_eq!(c.level(Code::RedundantAction), Some(Level::Allow));
        assert_eq!(c.level(Code::InvalidEffect), None);
        assert!(c.trust.trusts_account("111122223333"));
        assert!(!c.trust.trusts_account("444455556666"));
        assert!(c.trust.trusts_organization("o-abc123defg"));
        assert_eq!(c.suppressions.len(), 1);
        assert_eq!(c.suppressions[0].sid.as_deref(), Some("PublicRead"));
        assert_eq!(c.suppressions[0].code, Code::ResourceTypeMismatch);
        assert_eq!(c.root, PathBuf::from("/repo"));
        assert!(parse("").unwrap().trust.is_empty());
    }

    #[test]
    fn unknown_keys_are_errors_at_their_line_and_column() {
        let report = parse("[trust]\naccounts = []\nacounts = [\"111122223333\"]\n").unwrap_err();
        let f = &report.findings[0];
        assert_eq!((f.start.line, f.start.column), (3, 1));
        assert_eq!(f.finding.message, "unknown key `acounts` in [trust]");
        assert!(
            f.finding
                .help
                .as_deref()
                .unwrap()
                .starts_with("did you mean `accounts`?")
        );
        assert_eq!(f.path, "/trust/acounts");
        // Every unknown key at once, at every level.
        let p = problems(
            "colour = 1\n[rule]\nP204 = \"note\"\n[paths]\nexcludes = []\n[[suppress]]\nfile = \"a.json\"\ncode = \"P204\"\nreason = \"r\"\ncomment = \"x\"\n",
        );
        let at: Vec<(u32, u32)> = p.iter().map(|(l, c, _)| (*l, *c)).collect();
        assert_eq!(at, vec![(1, 1), (2, 2), (5, 1), (10, 1)], "{p:?}");
        // A syntax error is located too.
        let syntax = problems("[rules]\nP204 = note\n");
        assert_eq!((syntax[0].0, syntax[0].1), (2, 8), "{syntax:?}");
    }

    #[test]
    fn bad_values_are_all_reported_with_their_location() {
        let p = problems(
            "fail-on = \"always\"\n[rules]\nP204 = \"off\"\nX999 = \"note\"\n[trust]\naccounts = [\"12345\"]\norganizations = [\"ou-abcd-12345678\"]\n[paths]\nexclude = [\"[a\"]\n",
        );
        let at: Vec<(u32, u32)> = p.iter().map(|(l, c, _)| (*l, *c)).collect();
        assert_eq!(
            at,
            vec![(1, 11), (3, 8), (4, 1), (6, 13), (7, 18), (9, 12)],
            "{p:?}"
        );
        assert!(p[1].2.contains("`off` is not a level"));
        assert!(p[2].2.contains("`X999` is not a rule code or name"));
    }

    #[test]
    fn the_help_uri_base_is_an_http_address_checked_where_it_is_written() {
        let c = parse("[output]\nhelp-uri-base = \"https://example.com/s3-access/blob/v1/\"\n")
            .unwrap();
        assert_eq!(
            c.help_uri_base.as_deref(),
            Some("https://example.com/s3-access/blob/v1")
        );
        let c = parse("[output]\nhelp_uri_base = \"http://docs.example\"\n").unwrap();
        assert_eq!(c.help_uri_base.as_deref(), Some("http://docs.example"));
        assert_eq!(parse("").unwrap().help_uri_base, None);
        for bad in [
            "docs/rules",
            "https:///x",
            "https://a b",
            "https://x/?q=1",
            "ftp://x",
        ] {
            let p = problems(&format!("[output]\nhelp-uri-base = \"{bad}\"\n"));
            assert_eq!((p[0].0, p[0].1), (2, 17), "{bad}: {p:?}");
        }
        let p = problems("[output]\nhelp-uri = \"https://x\"\n");
        assert!(
            p[0].2.contains("unknown key `help-uri` in [output]"),
            "{p:?}"
        );
    }

    #[test]
    fn a_suppression_needs_a_reason() {
        let p = problems("[[suppress]]\nfile = \"a.json\"\ncode = \"P204\"\n");
        assert_eq!(p, vec![(1, 1, "missing field `reason`".to_string())]);
        let empty = problems("[[suppress]]\nfile = \"a.json\"\ncode = \"P204\"\nreason = \" \"\n");
        assert_eq!(empty, vec![(4, 10, "the reason is empty".to_string())]);
    }

    #[test]
    fn a_rule_named_twice_is_an_error_pointing_at_both() {
        let report = parse("[rules]\nP204 = \"note\"\nunknown-action = \"error\"\n").unwrap_err();
        let f = &report.findings[0];
        assert_eq!(f.start.line, 3);
        assert_eq!(f.finding.related.len(), 1);
        assert_eq!(report.source.slice(f.finding.related[0].span), "P204");
    }

    #[test]
    fn excludes_match_files_and_directories_relative_to_the_root() {
        let mut c = parse(FULL).unwrap();
        for (path, excluded) in [
            ("vendor/aws/policy.json", true),
            ("./vendor/x.json", true),
            ("src/fixtures/bad.json", true),
            ("generated/deep/x.json", true),
            ("generated.json", false),
            ("policies/bucket.json", false),
            ("/repo/vendor/x.json", true),
            ("/elsewhere/vendor/x.json", false),
        ] {
            assert_eq!(c.is_excluded(Path::new(path)), excluded, "{path}");
        }
        // Run from a subdirectory: paths are resolved against it, patterns against the root.
        c.cwd = PathBuf::from("/repo/vendor");
        assert!(c.is_excluded(Path::new("x.json")));
        c.cwd = PathBuf::from("/repo/policies");
        assert!(!c.is_excluded(Path::new("bucket.json")));
        assert!(c.is_excluded(Path::new("../vendor/x.json")));
    }

    const BUCKET: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b"},
    {"Sid": "Other", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b"}
  ]
}"#;

    fn lint_as(name: &str, text: &str) -> load::Analysis {
        load::analyze(SourceFile::new(name, text), &LoadOptions::default())
    }

    fn codes(report: &FileReport) -> Vec<(Code, Severity, u32)> {
        report
            .findings
            .iter()
            .map(|f| (f.finding.code, f.finding.severity, f.start.line))
            .collect()
    }

    #[test]
    fn suppressions_match_file_sid_and_code() {
        let c = parse(FULL).unwrap();
        let mut usage = Usage::default();
        let mut a = lint_as("policies/bucket.json", BUCKET);
        let before = codes(&a.report);
        assert_eq!(
            before
                .iter()
                .filter(|f| f.0 == Code::ResourceTypeMismatch)
                .count(),
            2,
            "{before:?}"
        );
        assert_eq!(c.apply(&mut a.report, &a.policies, &mut usage), 1);
        // Only the finding in Sid `PublicRead` (line 4) is gone; `Other` (line 5) stays, at
        // the configured level.
        let after: Vec<_> = codes(&a.report)
            .into_iter()
            .filter(|f| f.0 == Code::ResourceTypeMismatch)
            .collect();
        assert_eq!(
            after,
            vec![(Code::ResourceTypeMismatch, Severity::Error, 5)]
        );
        assert!(c.unused_suppressions(&usage, true).is_none());

        // The same policy under another name is not suppressed.
        let mut other = lint_as("policies/other.json", BUCKET);
        let mut usage = Usage::default();
        assert_eq!(c.apply(&mut other.report, &other.policies, &mut usage), 0);
    }

    #[test]
    fn levels_change_severity_and_allow_removes() {
        let c = parse("[rules]\nunknown-action = \"error\"\nP102 = \"allow\"\n").unwrap();
        let text = r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObjects","Resource":"*"}]}"#;
        let mut a = lint_as("p.json", text);
        let found: Vec<Code> = codes(&a.report).iter().map(|f| f.0).collect();
        assert!(found.contains(&Code::MissingVersion) && found.contains(&Code::UnknownAction));
        c.apply(&mut a.report, &a.policies, &mut Usage::default());
        assert_eq!(
            codes(&a.report),
            vec![(Code::UnknownAction, Severity::Error, 1)]
        );
    }

    #[test]
    fn stale_suppressions_are_notes_at_their_entry() {
        let c = parse(
            "[[suppress]]\nfile = \"p.json\"\ncode = \"P204\"\nreason = \"fixed since\"\n\n[[suppress]]\nfile = \"gone.json\"\ncode = \"P204\"\nreason = \"deleted since\"\n",
        )
        .unwrap();
        let mut usage = Usage::default();
        let mut a = lint_as("p.json", BUCKET);
        c.apply(&mut a.report, &a.policies, &mut usage);
        // Only some files were linted (a pre-commit run): only the entry whose file was seen.
        let partial = c.unused_suppressions(&usage, false).unwrap();
        assert_eq!(
            codes(&partial),
            vec![(Code::UnusedSuppression, Severity::Note, 1)]
        );
        assert_eq!(partial.findings[0].path, "/suppress/0");
        // The whole tree was linted: the entry for a file that no longer exists too.
        let whole = c.unused_suppressions(&usage, true).unwrap();
        let lines: Vec<u32> = whole.findings.iter().map(|f| f.start.line).collect();
        assert_eq!(lines, vec![1, 6]);
        assert!(
            whole.findings[1]
                .finding
                .message
                .contains("matches no file")
        );
        // C002 can itself be configured.
        let quiet = parse("[rules]\nC002 = \"allow\"\n[[suppress]]\nfile = \"x\"\ncode = \"P204\"\nreason = \"r\"\n").unwrap();
        assert!(quiet.unused_suppressions(&Usage::default(), true).is_none());
    }

    #[test]
    fn the_nearest_file_is_found_walking_up() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(
            discover(&deep),
            None::<PathBuf>.or_else(|| discover(dir.path()))
        );
        std::fs::write(dir.path().join(FILE_NAME), "").unwrap();
        std::fs::write(dir.path().join("a").join(FILE_NAME), "").unwrap();
        assert_eq!(discover(&deep), Some(dir.path().join("a").join(FILE_NAME)));
        let c = Config::load(&dir.path().join("a").join(FILE_NAME), &deep).unwrap();
        assert_eq!(c.root, normalize(&dir.path().join("a")));
    }

    #[test]
    fn fail_on_parses_every_value() {
        assert_eq!(FailOn::parse("never"), Some(FailOn::Never));
        assert!(FailOn::AtLeast(Severity::Warning).fails(Severity::Error));
        assert!(!FailOn::AtLeast(Severity::Warning).fails(Severity::Note));
        assert!(!FailOn::Never.fails(Severity::Error));
        assert_eq!(FailOn::parse("Error"), None);
    }
}
