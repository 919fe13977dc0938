//! Loading one file: read it within the size limit, recognise what it is, lower its policies to
//! the typed model, validate them and locate every finding (line, column, JSON pointer).
//!
//! Every command reads its inputs through here, so a file is judged the same way whether it is
//! linted, queried or part of a scenario. Checks of the layers above (the lint run's risk
//! audit) come in through [`LoadOptions::check`], so this layer depends on none of them.

pub use crate::contain::Root;
use crate::diagnostic::Finding;
pub use crate::diagnostic::MAX_FINDINGS;
use crate::document::{self, KindSource, Recognised};
use crate::json::{self, ErrorKind, Kind, Value};
use crate::policy::{Policy, PolicyKind, parse};
use crate::registry::{Code, Severity};
use crate::source::{LineCol, SourceFile, Span};
use crate::validate;
use std::path::{Path, PathBuf};

/// A check run on every policy that validates without an error, after validation; its
/// findings join the file's.
pub type PolicyCheck<'a> = &'a (dyn Fn(&Policy, &SourceFile) -> Vec<Finding> + Sync);

/// How to load.
#[derive(Clone, Copy, Default)]
pub struct LoadOptions<'a> {
    /// Treat every policy as this kind instead of detecting it.
    pub kind: Option<PolicyKind>,
    /// Run this on every policy AWS would accept (the lint run passes its risk audit; the
    /// loaders of `query` and `check` pass none: a public policy must still be evaluable).
    pub check: Option<PolicyCheck<'a>>,
}

impl std::fmt::Debug for LoadOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadOptions")
            .field("kind", &self.kind)
            .field("check", &self.check.is_some())
            .finish()
    }
}

impl LoadOptions<'_> {
    /// Policies of this kind, no further check.
    pub fn of_kind(kind: PolicyKind) -> LoadOptions<'static> {
        LoadOptions {
            kind: Some(kind),
            check: None,
        }
    }
}

/// What a file turned out to be.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FileKind {
    /// A policy of this kind.
    Policy {
        /// The kind.
        kind: PolicyKind,
        /// How it was decided.
        kind_source: KindSource,
        /// The AWS CLI output shape it was unwrapped from.
        #[serde(skip_serializing_if = "Option::is_none")]
        wrapper: Option<&'static str>,
    },
    /// A recognised AWS document that is not a policy; not linted.
    Other {
        /// What it is.
        what: &'static str,
    },
    /// An infrastructure-as-code file ([`crate::iac`]): its policies are linted, located in it.
    Iac {
        /// The format, e.g. `Terraform`.
        format: &'static str,
        /// How many policies the file declares (the lint summary counts them).
        #[serde(skip)]
        policies: usize,
    },
    /// Not readable as JSON, or not recognised.
    Unknown,
}

/// A finding placed in its file: JSON pointer and line/column range.
#[derive(Debug, Clone)]
pub struct Located {
    /// The finding.
    pub finding: Finding,
    /// JSON pointer to the offending value (inside an embedded policy: relative to the policy).
    pub path: String,
    /// Where it starts.
    pub start: LineCol,
    /// Where it ends (exclusive column).
    pub end: LineCol,
    /// The resource address or logical id the finding belongs to, in an IaC file
    /// (`aws_s3_bucket_policy.this`, `BucketPolicy`); `None` elsewhere.
    pub address: Option<String>,
}

impl Located {
    /// Places `finding` in `source`, with `path` as its JSON pointer.
    pub fn at(source: &SourceFile, finding: Finding, path: String) -> Located {
        Located {
            start: source.line_col(finding.span.start),
            end: source.line_col(finding.span.end),
            finding,
            path,
            address: None,
        }
    }

    /// Places `finding` in `source`, its pointer taken in the first of `roots` (JSON values of
    /// the file) that contains it.
    pub fn within(source: &SourceFile, roots: &[&Value], finding: Finding) -> Located {
        let path = roots
            .iter()
            .find(|r| r.span.start <= finding.span.start && finding.span.end <= r.span.end)
            .map(|r| pointer(r, finding.span))
            .unwrap_or_default();
        Located::at(source, finding, path)
    }
}

/// The lint result of one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The file (its text is kept for rendering).
    pub source: SourceFile,
    /// What it was.
    pub file_kind: FileKind,
    /// Findings, in source order.
    pub findings: Vec<Located>,
}

impl FileReport {
    /// Adds findings made after linting (by a folder's audit), located in this file.
    pub fn add(&mut self, findings: Vec<Finding>) {
        if findings.is_empty() {
            return;
        }
        let root = json::parse(self.source.text()).ok();
        let roots: Vec<&Value> = root.iter().collect();
        for finding in findings {
            self.findings
                .push(Located::within(&self.source, &roots, finding));
        }
        self.findings
            .sort_by_key(|f| (f.start.line, f.start.column, f.finding.code));
    }

    /// The highest severity among the findings.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.finding.severity).max()
    }
}

/// Loads bytes read from `name`: the findings only.
pub fn report_bytes(name: &str, bytes: Vec<u8>, options: &LoadOptions<'_>) -> FileReport {
    analyze_bytes(name, bytes, options).report
}

/// Loads bytes read from `name` and keeps the parsed policies.
pub fn analyze_bytes(name: &str, bytes: Vec<u8>, options: &LoadOptions<'_>) -> Analysis {
    let text = match json::decode_utf8(bytes) {
        Ok(t) => t,
        Err((err, lossy)) => {
            let source = SourceFile::new(name, lossy);
            let code = if err.kind == ErrorKind::TooLarge {
                Code::InputLimit
            } else {
                Code::InvalidUtf8
            };
            let mut f = Finding::new(code, err.span, err.message());
            if let Some(h) = err.help() {
                f = f.with_help(h);
            }
            return Analysis {
                report: finish(source, FileKind::Unknown, vec![f], &[]),
                policies: Vec::new(),
            };
        }
    };
    analyze(SourceFile::new(name, text), options)
}

/// Loads a source text: the findings only.
pub fn report_text(source: SourceFile, options: &LoadOptions<'_>) -> FileReport {
    analyze(source, options).report
}

/// A lint report together with the policies that were parsed (for evaluation).
#[derive(Debug)]
pub struct Analysis {
    /// The findings.
    pub report: FileReport,
    /// Every policy that could be lowered, in file order.
    pub policies: Vec<Policy>,
}

// rule: E006
/// Lints a source text and keeps the parsed policies. A top-level JSON array of policies (as
/// an organisation level holds several SCPs) is linted element by element.
pub fn analyze(source: SourceFile, options: &LoadOptions<'_>) -> Analysis {
    let text = source.text();
    let mut findings = Vec::new();
    let bom = json::bom_len(text);
    if bom > 0 {
        findings.push(
            Finding::new(Code::ByteOrderMark, Span::new(0, bom), "the file starts with a UTF-8 byte-order mark")
                .with_help("s3-access skips it; save the file as UTF-8 without BOM before passing it to AWS tools"),
        );
    }
    let root = match json::parse(text) {
        Ok(v) => v,
        Err(e) => {
            findings.push(json_error(&e, None));
            return Analysis {
                report: finish(source, FileKind::Unknown, findings, &[]),
                policies: Vec::new(),
            };
        }
    };
    analyze_value(source, &root, options, findings)
}

/// Lints `root`, a value inside `source` (the whole file, or a policy written inline in a
/// scenario file), after the file-level `findings` already made.
pub fn analyze_value(
    source: SourceFile,
    root: &Value,
    options: &LoadOptions<'_>,
    mut findings: Vec<Finding>,
) -> Analysis {
    let text = source.text();
    let mut policies = Vec::new();
    parse::all_duplicate_keys(root, &mut findings);
    let name = source.name().to_string();
    let elements: Vec<&Value> = match &root.kind {
        Kind::Array(items)
            if !items.is_empty() && items.iter().all(|i| i.get("Statement").is_some()) =>
        {
            items.iter().collect()
        }
        _ => vec![root],
    };
    let mut file_kind = FileKind::Unknown;
    let mut roots: Vec<std::borrow::Cow<'_, Value>> = Vec::new();
    for element in elements {
        if findings.len() > MAX_FINDINGS {
            break;
        }
        match document::recognise_borrowed(text, element, options.kind, &name) {
            Recognised::Policy {
                root: policy_root,
                kind,
                kind_source,
                wrapper,
            } => {
                if wrapper.is_some() && policy_root.span != element.span {
                    parse::all_duplicate_keys(&policy_root, &mut findings);
                }
                let before = findings.len();
                let parsed = parse::parse_policy(&policy_root, kind);
                findings.extend(parsed.findings);
                if let Some(policy) = parsed.policy {
                    validate::validate(&policy, &source, &mut findings);
                    // A policy AWS would reject is fixed first; its risks come after.
                    let rejected = findings
                        .get(before..)
                        .unwrap_or_default()
                        .iter()
                        .any(|f| f.severity == Severity::Error);
                    if let (Some(check), false) = (options.check, rejected) {
                        findings.extend(check(&policy, &source));
                    }
                    policies.push(policy);
                }
                file_kind = FileKind::Policy {
                    kind,
                    kind_source,
                    wrapper,
                };
                roots.push(policy_root);
            }
            Recognised::EmbeddedSyntaxError { error, wrapper } => {
                findings.push(json_error(&error, Some(wrapper)))
            }
            Recognised::Other { what } => file_kind = FileKind::Other { what },
            Recognised::Unrecognised => {
                let head = Span::new(element.span.start as usize, element.span.start as usize + 1);
                findings.push(not_a_policy(head, "JSON"));
            }
        }
    }
    // The whole file last (borrowed: cloning the tree would double the memory of a big file).
    let refs: Vec<&Value> = roots
        .iter()
        .map(|r| &**r)
        .chain(std::iter::once(root))
        .collect();
    Analysis {
        report: finish(source, file_kind, findings, &refs),
        policies,
    }
}

// rule: E007
/// The finding for a file that is neither a policy nor a recognised AWS document, at `head`;
/// `what` is what it was read as (`JSON`, `YAML`).
pub fn not_a_policy(head: Span, what: &str) -> Finding {
    Finding::new(
        Code::NotAPolicy,
        head,
        format!("this {what} is neither a policy nor a recognised AWS document"),
    )
    .with_help("a policy has a Statement; pass --kind to force one, or exclude the file")
}

// rule: E001 E004 E005
/// The finding for a JSON syntax, encoding or limit error; `wrapper` names the AWS CLI output
/// a policy was embedded in.
pub fn json_error(e: &json::Error, wrapper: Option<&str>) -> Finding {
    let code = match e.kind {
        ErrorKind::TooDeep | ErrorKind::TooLarge => Code::InputLimit,
        ErrorKind::InvalidUtf8 => Code::InvalidUtf8,
        _ => Code::JsonSyntax,
    };
    let message = match wrapper {
        Some(w) => format!("{} in the policy embedded in {w}", e.message()),
        None => e.message(),
    };
    let f = Finding::new(code, e.span, message);
    match e.help() {
        Some(h) => f.with_help(h),
        None => f,
    }
}

fn finish(
    source: SourceFile,
    file_kind: FileKind,
    findings: Vec<Finding>,
    roots: &[&Value],
) -> FileReport {
    FileReport {
        findings: locate(&source, findings, roots),
        source,
        file_kind,
    }
}

/// Sorts `findings` by position, drops repeats, caps them at [`MAX_FINDINGS`] (saying so) and
/// places each in `source`, its JSON pointer taken in the root of `roots` that contains it
/// (the last root is the whole file).
pub fn locate(source: &SourceFile, mut findings: Vec<Finding>, roots: &[&Value]) -> Vec<Located> {
    findings.sort_by_key(|f| (f.span.start, f.span.end, f.code));
    findings.dedup_by(|a, b| a.code == b.code && a.span == b.span && a.message == b.message);
    // Producers stop one past the limit, so more than the limit means some were dropped.
    if findings.len() > MAX_FINDINGS {
        findings.truncate(MAX_FINDINGS);
        let after = findings.last().map_or(0, |f| f.span.end as usize);
        findings.push(
            Finding::new(
                Code::InputLimit,
                Span::new(after, after),
                format!("more than {MAX_FINDINGS} findings in this file; the rest are not listed"),
            )
            .with_help("fix the findings above and lint the file again"),
        );
    }
    // The policy roots of one file do not overlap (they are distinct elements of a top-level
    // array, or one document), so sorted by position the one containing a finding is found by
    // binary search; the last root is the whole file. A linear search per finding is
    // quadratic in a file of many policies with many findings.
    let contains = |r: &Value, span: Span| r.span.start <= span.start && span.end <= r.span.end;
    let (whole, mut sorted): (Option<&&Value>, Vec<&Value>) = match roots.split_last() {
        Some((last, rest)) => (Some(last), rest.to_vec()),
        None => (None, Vec::new()),
    };
    sorted.sort_by_key(|r| (r.span.start, std::cmp::Reverse(r.span.end)));
    let root_of = |span: Span| -> Option<&Value> {
        let i = sorted.partition_point(|r| r.span.start <= span.start);
        i.checked_sub(1)
            .and_then(|i| sorted.get(i).copied())
            .filter(|r| contains(r, span))
            .or_else(|| whole.copied().filter(|r| contains(r, span)))
    };
    findings
        .into_iter()
        .map(|finding| {
            let path = root_of(finding.span)
                .map(|r| pointer(r, finding.span))
                .unwrap_or_default();
            Located::at(source, finding, path)
        })
        .collect()
}

/// The JSON pointer (RFC 6901) of the deepest value or key containing `span`.
pub fn pointer(root: &Value, span: Span) -> String {
    let mut path = String::new();
    let mut node = root;
    let inside = |s: Span| s.start <= span.start && span.end <= s.end;
    // Members and items are in source order and do not overlap, so the only candidate at
    // each level is the last one starting at or before the span (binary search: a linear
    // scan per finding is quadratic in an object with many findings).
    loop {
        let next = match &node.kind {
            Kind::Object(members) => {
                let i = members.partition_point(|m| m.key_span.start <= span.start);
                i.checked_sub(1)
                    .and_then(|i| members.get(i))
                    .filter(|m| inside(m.key_span) || inside(m.value.span))
                    .map(|m| (escape(&m.key), &m.value, inside(m.key_span)))
            }
            Kind::Array(items) => {
                let i = items.partition_point(|v| v.span.start <= span.start);
                i.checked_sub(1)
                    .and_then(|i| items.get(i).map(|v| (i, v)))
                    .filter(|(_, v)| inside(v.span))
                    .map(|(i, v)| (i.to_string(), v, false))
            }
            _ => None,
        };
        match next {
            Some((segment, child, at_key)) => {
                path.push('/');
                path.push_str(&segment);
                if at_key || child.span == span {
                    return path;
                }
                node = child;
            }
            None => return path,
        }
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Loads a file on disk and keeps the parsed policies.
pub fn analyze_path(path: &Path, options: &LoadOptions<'_>) -> Result<Analysis, std::io::Error> {
    use std::io::Read;
    let name = path.display().to_string();
    // One open and one fstat per file (what `fs::read` does anyway), not a second lookup.
    let mut file = std::fs::File::open(path)?;
    crate::contain::check_real_file(&file)?;
    let meta = file.metadata()?;
    if meta.len() > json::MAX_INPUT_BYTES as u64 {
        let source = SourceFile::new(name, String::new());
        let f = Finding::new(
            Code::InputLimit,
            Span::new(0, 0),
            format!(
                "the file is {} bytes, over the {} MiB limit",
                meta.len(),
                json::MAX_INPUT_BYTES >> 20
            ),
        );
        return Ok(Analysis {
            report: finish(source, FileKind::Unknown, vec![f], &[]),
            policies: Vec::new(),
        });
    }
    // At most one byte past the limit, even if the file grows while it is read.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0) + 1);
    (&mut file)
        .take(json::MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(analyze_bytes(&name, bytes, options))
}

/// Reads at most one byte more than [`json::MAX_INPUT_BYTES`] from `path`, so a device
/// (`/dev/zero`), a pipe or a file that grows while it is read cannot exhaust memory; the
/// caller reports an input that long as over the limit. A kernel pseudo-file is refused
/// ([`crate::contain::check_real_file`]).
pub fn read_limited(path: &Path) -> Result<Vec<u8>, std::io::Error> {
    let file = std::fs::File::open(path)?;
    crate::contain::check_real_file(&file)?;
    read_limited_from(file)
}

/// Reads standard input the same way: at most one byte past the size limit.
pub fn read_stdin() -> Result<Vec<u8>, std::io::Error> {
    read_limited_from(std::io::stdin().lock())
}

/// The one bounded read behind [`read_limited`] and [`read_stdin`].
fn read_limited_from(input: impl std::io::Read) -> Result<Vec<u8>, std::io::Error> {
    use std::io::Read;
    let mut bytes = Vec::new();
    input
        .take(json::MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// An entry that could not be listed while collecting files, or a symbolic link left alone.
#[derive(Debug)]
pub struct WalkError {
    /// The path.
    pub path: PathBuf,
    /// What went wrong, or why the link was not followed.
    pub error: std::io::Error,
    /// A symbolic link that was not followed: a note, which does not fail the run.
    pub skipped: bool,
}

/// What the walk of a directory does with symbolic links inside it.
#[derive(Debug, Clone, Copy)]
pub enum Links<'a> {
    /// Leave them alone and say so (the default, as ripgrep does): a link committed into a
    /// pull request could lead to any file of the machine that runs the check.
    Skip,
    /// Follow those whose target is inside this root (`--follow`); say so of the others.
    Follow(&'a Root),
}

/// Collects the `.json` files under `roots` (files are taken as given, even through a link:
/// the command line is the user's choice; directories are walked recursively in sorted
/// order). Inside a directory, symbolic links are handled as `links` says, and entries that
/// are not regular files (pipes, sockets, devices) are reported as errors and not read:
/// opening a pipe blocks until something writes to it.
pub fn collect_files(
    roots: &[PathBuf],
    links: Links<'_>,
    errors: &mut Vec<WalkError>,
) -> Vec<PathBuf> {
    collect_matching(roots, links, errors, is_json_name)
}

/// Collects what `lint` reads under `roots`, as [`collect_files`] does: `.json` files and
/// infrastructure as code ([`is_lint_input`]).
pub fn collect_lint_inputs(
    roots: &[PathBuf],
    links: Links<'_>,
    errors: &mut Vec<WalkError>,
) -> Vec<PathBuf> {
    collect_matching(roots, links, errors, is_lint_input)
}

/// What a directory walk of `lint` takes, by name: JSON (policies, AWS CLI outputs,
/// Terraform plans, `.tf.json`, CloudFormation JSON), Terraform (`.tf`) and YAML or
/// `.template` files (CloudFormation). Whether a JSON or YAML file is an AWS document at all
/// is decided on its content ([`looks_like_aws_json`], the template and plan readers).
pub fn is_lint_input(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["json", "tf", "yaml", "yml", "template"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

fn is_json_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// The policy element names (IAM JSON policy element reference, as `policy` lists them): a
/// JSON document with a key close to one of them is meant as a policy, however misspelt.
fn policy_elements() -> impl Iterator<Item = &'static str> + Clone {
    crate::policy::TOP_LEVEL_ELEMENTS
        .iter()
        .chain(crate::policy::STATEMENT_ELEMENTS)
        .copied()
}

/// Whether a JSON document the document reader does not recognise still looks like an AWS
/// policy meant to be one, so `lint` reports it (E007) rather than skipping it as some other
/// JSON (`package.json`, `tsconfig.json`). True when a key of the root object, of the objects
/// of a root array, or of the objects one level below them is a policy element name: for a
/// key starting with a capital letter within the usual misspelling distance ignoring case
/// (`Statment`, `effect`-cased `Effect`), for any other key equal ignoring case, except
/// `version` (every `package.json` has one; a policy's `Version` is capitalised).
pub fn looks_like_aws_json(root: &Value) -> bool {
    fn policy_key(key: &str) -> bool {
        if key.starts_with(|c: char| c.is_ascii_uppercase()) {
            crate::suggest::closest(key, policy_elements()).is_some()
        } else {
            key != "version" && policy_elements().any(|e| e.eq_ignore_ascii_case(key))
        }
    }
    fn objects<'v>(v: &'v Value, out: &mut Vec<&'v Value>) {
        match &v.kind {
            Kind::Object(_) => out.push(v),
            // A bounded look: real documents show their keys in the first elements.
            Kind::Array(items) => {
                out.extend(items.iter().take(64).filter(|i| i.as_object().is_some()))
            }
            _ => {}
        }
    }
    let mut level = Vec::new();
    objects(root, &mut level);
    for _ in 0..2 {
        let mut next = Vec::new();
        for o in &level {
            for m in o.as_object().unwrap_or_default().iter().take(256) {
                if policy_key(&m.key) {
                    return true;
                }
                objects(&m.value, &mut next);
            }
        }
        level = next;
    }
    false
}

/// [`collect_files`] with the file names `accept` takes.
fn collect_matching(
    roots: &[PathBuf],
    links: Links<'_>,
    errors: &mut Vec<WalkError>,
    accept: fn(&Path) -> bool,
) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut seen_dirs = std::collections::HashSet::new();
    for root in roots {
        if root.as_os_str() == "-" || !root.is_dir() {
            out.push(root.clone());
            continue;
        }
        walk(root, links, accept, &mut out, &mut seen_dirs, errors);
    }
    out
}

/// The note on a symbolic link the walk does not follow; `None` for a link that would not
/// have been read anyway (not `.json`, not a directory).
fn skipped_link(p: &Path, links: Links<'_>, accept: fn(&Path) -> bool) -> Option<WalkError> {
    let target_dir = std::fs::metadata(p).is_ok_and(|m| m.is_dir());
    let json = accept(p);
    let why = match links {
        Links::Skip => "a symbolic link, not followed (`--follow` follows links inside the root)",
        Links::Follow(root) if !root.contains(p) => {
            "a symbolic link out of the root (or broken), not followed"
        }
        Links::Follow(_) => return None,
    };
    (target_dir || json).then(|| WalkError {
        path: p.to_path_buf(),
        error: std::io::Error::other(why),
        skipped: true,
    })
}

fn walk(
    dir: &Path,
    links: Links<'_>,
    accept: fn(&Path) -> bool,
    out: &mut Vec<PathBuf>,
    seen: &mut std::collections::HashSet<PathBuf>,
    errors: &mut Vec<WalkError>,
) {
    let canonical = match std::fs::canonicalize(dir) {
        Ok(c) => c,
        Err(error) => {
            errors.push(WalkError {
                path: dir.to_path_buf(),
                error,
                skipped: false,
            });
            return;
        }
    };
    if !seen.insert(canonical) {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(error) => {
            errors.push(WalkError {
                path: dir.to_path_buf(),
                error,
                skipped: false,
            });
            return;
        }
    };
    // The entry's type comes with the listing on most file systems; only symbolic links
    // (and entries whose type is not known) need a `stat` to follow them.
    let mut paths: Vec<(PathBuf, Option<std::fs::FileType>)> = entries
        .filter_map(|e| e.ok().map(|e| (e.path(), e.file_type().ok())))
        .collect();
    paths.sort_by(|a, b| a.0.cmp(&b.0));
    for (p, file_type) in paths {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        let link = file_type.is_none_or(|t| t.is_symlink())
            && std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink());
        if link {
            if let Some(note) = skipped_link(&p, links, accept) {
                errors.push(note);
            }
            if !matches!(links, Links::Follow(r) if r.contains(&p)) {
                continue;
            }
        }
        // (is a directory, is a regular file)
        let kind = match file_type {
            Some(t) if !t.is_symlink() => Ok((t.is_dir(), t.is_file())),
            _ => std::fs::metadata(&p).map(|m| (m.is_dir(), m.is_file())),
        };
        match kind {
            Ok((true, _)) => walk(&p, links, accept, out, seen, errors),
            Ok((false, is_file)) => {
                if accept(&p) {
                    if is_file {
                        out.push(p);
                    } else {
                        errors.push(WalkError {
                            path: p,
                            error: std::io::Error::other(
                                "not a regular file (a pipe, socket or device); skipped",
                            ),
                            skipped: false,
                        });
                    }
                }
            }
            Err(error) => errors.push(WalkError {
                path: p,
                error,
                skipped: false,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint(text: &str) -> FileReport {
        report_text(SourceFile::new("t.json", text), &LoadOptions::default())
    }

    /// The file's report and its first P107 (invalid Effect) finding.
    fn invalid_effect(text: &str) -> (FileReport, Located) {
        let r = lint(text);
        let f = r
            .findings
            .iter()
            .find(|f| f.finding.code == Code::InvalidEffect)
            .cloned()
            .unwrap();
        (r, f)
    }

    #[test]
    fn findings_carry_pointer_and_position() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Alow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}\n  ]\n}";
        let (r, f) = invalid_effect(text);
        assert_eq!(f.path, "/Statement/0/Effect");
        assert_eq!((f.start.line, f.start.column), (4, 16));
        assert_eq!(r.source.slice(f.finding.span), "\"Alow\"");
    }

    #[test]
    fn embedded_policy_findings_point_into_the_cli_output() {
        let text = "{\n    \"Policy\": \"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Alow\\\",\\\"Principal\\\":\\\"*\\\",\\\"Action\\\":\\\"s3:GetObject\\\",\\\"Resource\\\":\\\"arn:aws:s3:::b/*\\\"}]}\"\n}";
        let (r, f) = invalid_effect(text);
        assert_eq!(r.source.slice(f.finding.span), "\\\"Alow\\\"");
        assert_eq!(f.start.line, 2);
        assert_eq!(f.path, "/Statement/0/Effect");
    }

    #[test]
    fn non_policies_are_recognised_not_reported() {
        let r = lint(r#"{"PublicAccessBlockConfiguration": {"BlockPublicAcls": true}}"#);
        assert!(r.findings.is_empty());
        assert!(matches!(r.file_kind, FileKind::Other { .. }));
    }

    #[test]
    fn pointer_escapes_special_characters() {
        let v = json::parse(r#"{"a/b": {"c~d": [1, 2]}}"#).unwrap();
        let two = v
            .get("a/b")
            .unwrap()
            .get("c~d")
            .unwrap()
            .as_array()
            .unwrap()[1]
            .span;
        assert_eq!(pointer(&v, two), "/a~1b/c~0d/1");
    }
}
