//! The `s3-access` command line: a thin layer of commands over the library.

#![allow(
    clippy::print_stderr,
    reason = "the binary is the one place that writes to the terminal"
)]

use clap::{Parser, Subcommand, ValueEnum};
use rayon::prelude::*;
use s3_access::config::{self, Config};
use s3_access::eval::{self, Caller, Decision, Layer, Request};
use s3_access::lint::{self, FileReport, LintOptions};
use s3_access::policy::PolicyKind;
use s3_access::registry::{Code, Severity};
use s3_access::report::{self, Style, Summary};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Who can do what to an S3 bucket, and why: offline, explainable, fast.
#[derive(Parser)]
#[command(name = "s3-access", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate policy files (grammar, actions, resources, conditions) and audit their S3 risks
    Lint(LintArgs),
    /// Decide one request: Allow, ExplicitDeny or ImplicitDeny, with the statements that decided
    Query(Box<QueryArgs>),
    /// Run access tests: scenario files of documents and requests with expected decisions
    Check(CheckArgs),
    /// Say whether buckets are public, by AWS's definition and after Block Public Access
    Public(PublicArgs),
    /// List every finding code
    Rules,
    /// Show the documentation of a finding code (e.g. `s3-access explain P303`)
    Explain {
        /// A code (`P303`) or name (`resource-type-mismatch`)
        code: String,
    },
}

#[derive(clap::Args)]
struct LintArgs {
    /// Files or directories (directories are searched for `.json` files); `-` reads stdin
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = LintFormat::Human)]
    format: LintFormat,
    /// Lowest severity that makes the run fail (exit 1) [default: the configuration's
    /// `fail-on`, else error]
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Treat every policy as this kind instead of detecting it
    #[arg(long, value_parser = parse_kind)]
    kind: Option<PolicyKind>,
    /// Read this configuration file instead of searching for `.s3-access.toml` from the
    /// current directory upwards
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Use no configuration file
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LintFormat {
    /// Diagnostics with source snippets, a summary line and a table by code (colour on a
    /// terminal unless NO_COLOR is set)
    Human,
    /// One JSON document with every finding
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request)
    Github,
}

#[derive(clap::Args)]
struct QueryArgs {
    /// The caller: `anonymous`, an account id (its root user), an IAM user or role ARN, an
    /// assumed-role session ARN, a federated-user ARN, or a service principal
    #[arg(long)]
    principal: String,
    /// The action, e.g. `s3:GetObject`
    #[arg(long)]
    action: String,
    /// The resource ARN (`*` for actions without a resource)
    #[arg(long)]
    resource: String,
    /// The account that owns the bucket (default: the caller's account)
    #[arg(long, value_name = "ACCOUNT")]
    bucket_owner: Option<String>,
    /// A request context value `KEY=VALUE`; repeat a key to make it multi-valued
    #[arg(long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
    /// The caller's identity-based policy (repeatable)
    #[arg(long, value_name = "FILE")]
    identity_policy: Vec<PathBuf>,
    /// The bucket policy
    #[arg(long, value_name = "FILE")]
    bucket_policy: Option<PathBuf>,
    /// The caller's permissions boundary
    #[arg(long, value_name = "FILE")]
    permissions_boundary: Option<PathBuf>,
    /// The session policy of the caller's session
    #[arg(long, value_name = "FILE")]
    session_policy: Option<PathBuf>,
    /// SCPs of one organisation level, root first (repeatable; one policy or a JSON array)
    #[arg(long, value_name = "FILE")]
    scp: Vec<PathBuf>,
    /// RCPs of one organisation level, root first (repeatable; one policy or a JSON array)
    #[arg(long, value_name = "FILE")]
    rcp: Vec<PathBuf>,
    /// The request time (ISO 8601 or epoch seconds; default: now)
    #[arg(long)]
    time: Option<String>,
    /// A bucket folder (docs/bucket-folder.md): its policy, ACLs, Object Ownership, Block
    /// Public Access, access points, objects, and the account's IAM principals
    #[arg(long, value_name = "DIR")]
    bucket: Option<PathBuf>,
    /// The bucket ACL (`aws s3api get-bucket-acl` output)
    #[arg(long, value_name = "FILE")]
    bucket_acl: Option<PathBuf>,
    /// The ACL of the requested object (`aws s3api get-object-acl` output)
    #[arg(long, value_name = "FILE")]
    object_acl: Option<PathBuf>,
    /// The account that owns the requested object (default: the bucket owner)
    #[arg(long, value_name = "ACCOUNT")]
    object_owner: Option<String>,
    /// Object Ownership (`aws s3api get-bucket-ownership-controls` output)
    #[arg(long, value_name = "FILE")]
    ownership_controls: Option<PathBuf>,
    /// The bucket's Block Public Access (`aws s3api get-public-access-block` output)
    #[arg(long, value_name = "FILE")]
    public_access_block: Option<PathBuf>,
    /// The account's Block Public Access (`aws s3control get-public-access-block` output)
    #[arg(long, value_name = "FILE")]
    account_public_access_block: Option<PathBuf>,
    /// An access point folder (`access-point.json`, `policy.json`); repeatable
    #[arg(long, value_name = "DIR")]
    access_point: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Exit 1 unless the decision is this one
    #[arg(long, value_parser = parse_decision)]
    expect: Option<Decision>,
}

fn parse_decision(s: &str) -> Result<Decision, String> {
    Decision::parse(s).ok_or_else(|| format!("`{s}` is not Allow, ExplicitDeny or ImplicitDeny"))
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Scenario files, or directories searched for `.json` scenario files
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Show the trace of every request, not only of those that fail
    #[arg(long)]
    verbose: bool,
}

#[derive(clap::Args)]
struct PublicArgs {
    /// Bucket folders, policy files, or directories searched for both
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Diagnostics with source snippets (colour on a terminal unless NO_COLOR is set)
    Human,
    /// One JSON document with every finding
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Note,
    /// Only usage, I/O and configuration errors fail the run
    Never,
}

fn parse_kind(s: &str) -> Result<PolicyKind, String> {
    PolicyKind::parse(s).ok_or_else(|| {
        let names: Vec<&str> = PolicyKind::ALL.iter().map(|k| k.as_str()).collect();
        format!("unknown kind `{s}`; kinds are: {}", names.join(", "))
    })
}

/// Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or I/O error.
const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Lint(args) => run_lint(args),
        Command::Query(args) => run_query(*args),
        Command::Check(args) => run_check(args),
        Command::Public(args) => run_public(args),
        Command::Rules => write_out(&report::rules_table(style())).map(|()| 0),
        Command::Explain { code } => match Code::lookup(&code) {
            Some(c) => write_out(c.info().doc).map(|()| 0),
            None => {
                eprintln!("error: unknown code `{code}`; `s3-access rules` lists them");
                Ok(EXIT_ERROR)
            }
        },
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // A closed pipe (e.g. `| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn style() -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if std::io::stdout().is_terminal() && !no_color {
        Style::Fancy
    } else {
        Style::Plain
    }
}

fn write_out(s: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())?;
    if !s.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Files are linted in parallel in ordered chunks, so output order is stable and memory is
/// bounded by one chunk of reports however many files there are.
const CHUNK: usize = 512;

fn run_lint(args: LintArgs) -> std::io::Result<u8> {
    let cwd = std::env::current_dir()?;
    let config_path = match (&args.config, args.no_config) {
        (_, true) => None,
        (Some(p), false) => Some(p.clone()),
        (None, false) => config::discover(&cwd),
    };
    let config = match &config_path {
        None => Config::defaults(&cwd),
        Some(p) => match Config::load(p, &cwd) {
            Ok(c) => c,
            Err(config::LoadError::Invalid(report)) => {
                eprint!("{}", report::human(&report, stderr_style()));
                eprintln!("error: {}", config::LoadError::Invalid(report));
                return Ok(EXIT_ERROR);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(EXIT_ERROR);
            }
        },
    };
    let options = LintOptions {
        kind: args.kind,
        audit: true,
        trust: config.trust.clone(),
    };
    let mut walk_errors = Vec::new();
    let mut files = lint::collect_files(&args.paths, &mut walk_errors);
    files.retain(|f| f.as_os_str() == "-" || !config.is_excluded(f));
    let mut io_failed = false;
    for e in &walk_errors {
        eprintln!("error: cannot read {}: {}", e.path.display(), e.error);
        io_failed = true;
    }
    let fail_on = match args.fail_on {
        Some(FailOn::Error) => config::FailOn::AtLeast(Severity::Error),
        Some(FailOn::Warning) => config::FailOn::AtLeast(Severity::Warning),
        Some(FailOn::Note) => config::FailOn::AtLeast(Severity::Note),
        Some(FailOn::Never) => config::FailOn::Never,
        None => config
            .fail_on
            .unwrap_or(config::FailOn::AtLeast(Severity::Error)),
    };
    // The run covers the configuration's whole tree when a directory argument contains it;
    // only then is a suppression of a file that was not linted stale.
    let whole_tree = args
        .paths
        .iter()
        .any(|p| p.is_dir() && config.root.starts_with(config::normalize(&cwd.join(p))));
    let style = style();
    let mut summary = Summary::default();
    let mut usage = config::Usage::default();
    let mut failed = false;
    let mut out = std::io::stdout().lock();
    // JSON and SARIF stream their findings, so memory stays bounded by one file's findings
    // (only the short list of files is kept for the end).
    // The `files` array, rendered as it goes: a few hundred bytes per file.
    let mut json_files = String::new();
    let mut json_files_stream = report::stream::ArrayStream::new(2);
    let mut stream = report::stream::ArrayStream::new(match args.format {
        LintFormat::Sarif => 6,
        _ => 2,
    });
    let io = std::io::Error::other;
    match args.format {
        LintFormat::Json => out.write_all(b"{\n  \"findings\": [")?,
        LintFormat::Sarif => out.write_all(report::sarif::prefix().map_err(io)?.as_bytes())?,
        _ => {}
    }
    let mut emit =
        |report: &FileReport, out: &mut std::io::StdoutLock<'_>| -> std::io::Result<()> {
            if report
                .findings
                .iter()
                .any(|f| fail_on.fails(f.finding.severity))
            {
                failed = true;
            }
            let repo_path =
                || config::relative_path(std::path::Path::new(report.source.name()), &cwd, &cwd);
            match args.format {
                LintFormat::Human => out.write_all(report::human(report, style).as_bytes())?,
                LintFormat::Json => {
                    for f in report::json_findings(report) {
                        out.write_all(stream.item(&f).map_err(io)?.as_bytes())?;
                    }
                }
                LintFormat::Sarif => {
                    for r in report::sarif::results(report, &repo_path()) {
                        out.write_all(stream.item(&r).map_err(io)?.as_bytes())?;
                    }
                }
                LintFormat::Github => {
                    out.write_all(report::github::annotations(report, &repo_path()).as_bytes())?
                }
            }
            Ok(())
        };
    // Bucket folders are judged as units; their policies are audited with the folder.
    let mut folders = lint::folder::audit(&files, &options);
    let folder_policy_options = LintOptions {
        audit: false,
        ..options.clone()
    };
    for chunk in files.chunks(CHUNK) {
        let analyses: Vec<Result<lint::Analysis, (PathBuf, std::io::Error)>> = chunk
            .par_iter()
            .map(|path| {
                let o = if folders.is_folder_policy(path) {
                    &folder_policy_options
                } else {
                    &options
                };
                read_and_lint(path, o).map_err(|e| (path.clone(), e))
            })
            .collect();
        for a in analyses {
            let mut analysis = match a {
                Ok(analysis) => analysis,
                Err((path, e)) => {
                    eprintln!("error: cannot read {}: {e}", path.display());
                    io_failed = true;
                    continue;
                }
            };
            folders.attach(&mut analysis.report);
            summary.suppressed +=
                config.apply(&mut analysis.report, &analysis.policies, &mut usage);
            let report = analysis.report;
            summary.add(&report);
            if args.format == LintFormat::Json {
                let entry = serde_json::json!({
                    "file": report.source.name(),
                    "document": report.file_kind,
                });
                json_files.push_str(&json_files_stream.item(&entry).map_err(io)?);
            }
            emit(&report, &mut out)?;
        }
    }
    for mut report in folders.leftovers() {
        summary.suppressed += config.apply(&mut report, &[], &mut usage);
        summary.add(&report);
        emit(&report, &mut out)?;
    }
    if let Some(report) = config.unused_suppressions(&usage, whole_tree) {
        summary.add_findings(&report);
        emit(&report, &mut out)?;
    }
    match args.format {
        LintFormat::Human => {
            writeln!(out, "{}", summary.line())?;
            if let Some(table) = summary.table(style) {
                writeln!(out, "{table}")?;
            }
        }
        LintFormat::Json => {
            json_files.push_str(&json_files_stream.close());
            let files = format!("[{json_files}");
            let summary = report::stream::pretty_at(&summary, 2).map_err(io)?;
            let config = report::stream::pretty_at(&config.source.as_ref().map(|s| s.name()), 2)
                .map_err(io)?;
            writeln!(
                out,
                "{},\n  \"files\": {files},\n  \"summary\": {summary},\n  \"config\": {config}\n}}",
                stream.close()
            )?;
        }
        LintFormat::Sarif => {
            let end = report::sarif::suffix(!io_failed).map_err(io)?;
            writeln!(out, "{}{end}", stream.close())?;
        }
        LintFormat::Github => writeln!(out, "{}", summary.line())?,
    }
    out.flush()?;
    Ok(if io_failed {
        EXIT_ERROR
    } else if failed {
        EXIT_FINDINGS
    } else {
        0
    })
}

fn stderr_style() -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if std::io::stderr().is_terminal() && !no_color {
        Style::Fancy
    } else {
        Style::Plain
    }
}

fn read_and_lint(path: &std::path::Path, options: &LintOptions) -> std::io::Result<lint::Analysis> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(s3_access::json::MAX_INPUT_BYTES as u64 + 1)
            .read_to_end(&mut bytes)?;
        return Ok(lint::analyze_bytes("<stdin>", bytes, options));
    }
    lint::analyze_path(path, options)
}

/// Why a context value is not of its key's type, if it is not (the operators would then
/// never match it).
fn context_value_problem(key: &str, value: &str) -> Option<String> {
    use s3_access::catalog::KeyType;
    let info = s3_access::catalog::condition_key(key)?;
    let ok = match info.value_type() {
        KeyType::IpAddress => s3_access::values::parse_cidr(value).is_some(),
        KeyType::Date => s3_access::values::parse_date(value).is_some(),
        KeyType::Numeric => s3_access::values::parse_number(value).is_some(),
        KeyType::Bool => s3_access::values::parse_bool(value).is_some(),
        KeyType::Binary => s3_access::values::decode_base64(value).is_some(),
        KeyType::Arn => s3_access::arn::split(value).is_some(),
        KeyType::String => true,
    };
    (!ok).then(|| format!("not a valid {} value", info.value_type().as_str()))
}

/// Parses `--time`: epoch seconds or an ISO 8601 date.
fn parse_time(s: Option<&str>) -> Result<i64, String> {
    match s {
        None => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))),
        Some(t) => s3_access::values::parse_date(t)
            .map(|ms| ms.div_euclid(1000))
            .ok_or_else(|| format!("`{t}` is not a date (ISO 8601 or epoch seconds)")),
    }
}

fn run_query(args: QueryArgs) -> std::io::Result<u8> {
    let mut caller = match Caller::parse(&args.principal) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: --principal {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let mut given = Vec::new();
    for kv in &args.context {
        match kv.split_once('=') {
            Some((k, v)) if !k.is_empty() => given.push((k.to_string(), v.to_string())),
            _ => {
                eprintln!("error: --context `{kv}` is not KEY=VALUE");
                return Ok(EXIT_ERROR);
            }
        }
    }
    for (k, v) in &given {
        if let Some(why) = context_value_problem(k, v) {
            eprintln!("warning: --context {k}={v}: {why}; conditions on it will not match");
        }
    }
    let now = match parse_time(args.time.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: --time {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let style = style();
    let mut bucket = match load_query_bucket(&args, style) {
        Ok(b) => b,
        Err(code) => return Ok(code),
    };
    let owner = match (&args.bucket_owner, &bucket.owner) {
        (Some(given), Some(folder)) if given != folder => {
            eprintln!(
                "error: --bucket-owner {given} contradicts the bucket folder, whose owner is {folder}"
            );
            return Ok(EXIT_ERROR);
        }
        (Some(given), _) => Some(given.clone()),
        (None, folder) => folder.clone(),
    };
    let mut notes = Vec::new();
    if args.bucket.is_some() && args.identity_policy.is_empty() {
        notes = bucket.add_identity_of(&mut caller, args.permissions_boundary.is_none());
    }
    let mut graph = std::mem::take(&mut bucket.graph);
    let mut files: Vec<(&std::path::Path, Layer, usize)> = Vec::new();
    for p in &args.identity_policy {
        files.push((p, Layer::Identity, 0));
    }
    if let Some(p) = &args.bucket_policy {
        if args.bucket.is_some() {
            eprintln!("error: --bucket-policy and --bucket both give the bucket policy; use one");
            return Ok(EXIT_ERROR);
        }
        files.push((p, Layer::Bucket, 0));
    }
    if let Some(p) = &args.permissions_boundary {
        files.push((p, Layer::PermissionsBoundary, 0));
    }
    if let Some(p) = &args.session_policy {
        files.push((p, Layer::Session, 0));
    }
    for (level, p) in args.scp.iter().enumerate() {
        files.push((p, Layer::Scp, level));
    }
    for (level, p) in args.rcp.iter().enumerate() {
        files.push((p, Layer::Rcp, level));
    }
    let mut failed = false;
    for r in bucket.reports.iter().filter(|r| !r.findings.is_empty()) {
        eprint!("{}", report::human(r, style));
    }
    for (path, layer, level) in files {
        match eval::add_file(&mut graph, path, layer, level) {
            // Warnings matter here: a misspelt key in a Deny is a warning, and a dead Deny.
            Ok(r) if !r.findings.is_empty() => eprint!("{}", report::human(&r, style)),
            Ok(_) => {}
            Err(eval::LoadError::Invalid(report) | eval::LoadError::NoPolicy(report)) => {
                eprint!("{}", report::human(&report, style));
                eprintln!(
                    "error: {} cannot be evaluated: fix the errors above",
                    path.display()
                );
                failed = true;
            }
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
    }
    if failed {
        return Ok(EXIT_ERROR);
    }
    let request = Request::new(
        caller,
        &args.action,
        &args.resource,
        owner.as_deref(),
        &given,
        now,
    );
    let mut response = eval::decide(&graph, &request, true);
    response.notes.extend(notes);
    let text = match args.format {
        Format::Human => report::query::human(&graph, &response, &request, style),
        Format::Json => {
            let doc = report::query::json(&graph, &response, &request);
            serde_json::to_string_pretty(&doc).map_err(std::io::Error::other)?
        }
    };
    write_out(&text)?;
    Ok(match args.expect {
        Some(expected) if expected != response.decision => {
            eprintln!(
                "expected {}, got {}",
                expected.as_str(),
                response.decision.as_str()
            );
            EXIT_FINDINGS
        }
        // An answer s3-access could not model never satisfies an expectation.
        Some(_) if !response.uncertain.is_empty() => {
            eprintln!("the answer is uncertain (see above): --expect cannot be satisfied");
            EXIT_FINDINGS
        }
        _ => 0,
    })
}

/// Reads one AWS document for a query flag, or prints its findings.
fn read_doc<T: s3_access::s3::AwsDocument>(
    path: &std::path::Path,
    style: Style,
) -> Result<s3_access::s3::Loaded<T>, u8> {
    let source = s3_access::s3::read::load_text(path, Code::DocumentShape).map_err(|r| {
        eprint!("{}", report::human(&r, style));
        EXIT_ERROR
    })?;
    s3_access::s3::read::read_source::<T>(&source).map_err(|r| {
        eprint!("{}", report::human(&r, style));
        eprintln!(
            "error: {} cannot be used: fix the errors above",
            path.display()
        );
        EXIT_ERROR
    })
}

/// Prints the reports that make `path` unusable, and says so; the exit code for bad input.
fn refuse(reports: &[FileReport], path: &std::path::Path, what: &str, style: Style) -> u8 {
    for r in reports {
        eprint!("{}", report::human(r, style));
    }
    eprintln!(
        "error: {} cannot be {what}: fix the errors above",
        path.display()
    );
    EXIT_ERROR
}

/// The bucket of a query: the folder given with --bucket, then the individual S3 flags.
fn load_query_bucket(
    args: &QueryArgs,
    style: Style,
) -> Result<s3_access::eval::bucket::Bucket, u8> {
    use s3_access::eval::bucket::Bucket;
    use s3_access::eval::s3::BpaLevel;
    let mut bucket = match &args.bucket {
        Some(dir) => {
            let folder = s3_access::s3::load_bucket(dir)
                .map_err(|reports| refuse(&reports, dir, "used", style))?;
            Bucket::from_folder(&folder)
                .map_err(|reports| refuse(&reports, dir, "evaluated", style))?
        }
        None => {
            let mut b = Bucket::new("");
            b.owner = args.bucket_owner.clone();
            // The bucket is the one the resource names, so ACLs apply to it only.
            if let Some(parts) = s3_access::arn::split(&args.resource) {
                if parts[2] == "s3" && parts[3].is_empty() && parts[4].is_empty() {
                    let name = parts[5].split('/').next().unwrap_or("").to_string();
                    b.name = name.clone();
                    b.graph.s3.bucket = Some(name);
                }
            }
            b
        }
    };
    if let Some(p) = &args.ownership_controls {
        let l = read_doc::<s3_access::s3::OwnershipControls>(p, style)?;
        bucket.set_ownership(&l);
    }
    if let Some(p) = &args.bucket_acl {
        let l = read_doc::<s3_access::s3::Acl>(p, style)?;
        bucket.set_bucket_acl(&l);
    }
    if let Some(p) = &args.public_access_block {
        let l = read_doc::<s3_access::s3::PublicAccessBlock>(p, style)?;
        bucket.set_bpa(BpaLevel::Bucket, &l);
    }
    if let Some(p) = &args.account_public_access_block {
        let l = read_doc::<s3_access::s3::PublicAccessBlock>(p, style)?;
        bucket.set_bpa(BpaLevel::Account, &l);
    }
    for dir in &args.access_point {
        let folder = s3_access::s3::folder::load_access_point(dir)
            .map_err(|reports| refuse(&reports, dir, "used", style))?;
        bucket
            .add_access_point(&folder)
            .map_err(|reports| refuse(&reports, dir, "evaluated", style))?;
    }
    if args.object_owner.is_some() || args.object_acl.is_some() {
        let s3 = &bucket.graph.s3;
        let key = match s3.target(&args.resource) {
            s3_access::eval::s3::Target::Object { key } => Some(key.to_string()),
            _ => s3
                .access_point_of(&args.resource)
                .and_then(|(_, k)| k.map(str::to_string)),
        };
        let Some(key) = key else {
            eprintln!(
                "error: --object-acl and --object-owner need an object resource (arn:aws:s3:::BUCKET/KEY)"
            );
            return Err(EXIT_ERROR);
        };
        if let Some(p) = &args.object_acl {
            let l = read_doc::<s3_access::s3::Acl>(p, style)?;
            bucket.set_object_acl(&key, &l);
        }
        if let Some(owner) = &args.object_owner {
            match bucket.graph.s3.objects.iter_mut().find(|o| o.key == key) {
                Some(o) => o.owner_account = Some(owner.clone()),
                None => bucket.graph.s3.object_owner = Some(owner.clone()),
            }
        }
    }
    Ok(bucket)
}

fn run_check(args: CheckArgs) -> std::io::Result<u8> {
    let mut walk_errors = Vec::new();
    let files = lint::collect_files(&args.paths, &mut walk_errors);
    for e in &walk_errors {
        eprintln!("error: cannot read {}: {}", e.path.display(), e.error);
    }
    let style = style();
    let now = parse_time(None).unwrap_or(0);
    let (mut passed, mut failed, mut invalid) = (0usize, 0usize, walk_errors.len());
    // Requests whose decision was the expected one but whose answer is uncertain: failed.
    let mut uncertain = 0usize;
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(["scenario", "request", "expected", "got", "result"]);
    let mut details = String::new();
    let mut json_rows = Vec::new();
    for path in files {
        let text = match lint::read_limited(&path).map(s3_access::json::decode_utf8) {
            Ok(Ok(t)) => t,
            Ok(Err((e, _))) => {
                eprintln!("error: {}: {}", path.display(), e.message());
                invalid += 1;
                continue;
            }
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", path.display());
                invalid += 1;
                continue;
            }
        };
        let source = s3_access::source::SourceFile::new(path.display().to_string(), text);
        match s3_access::scenario::run(source, &path, now) {
            Err(bad) => {
                invalid += 1;
                for r in &bad.reports {
                    eprint!("{}", report::human(r, style));
                }
                eprintln!(
                    "error: {} cannot be run: fix the errors above",
                    path.display()
                );
            }
            Ok(run) => {
                for o in &run.outcomes {
                    let ok = o.passed();
                    let unsure = !ok && o.uncertain() && o.expected == o.response.decision;
                    if ok {
                        passed += 1;
                    } else {
                        failed += 1;
                        uncertain += usize::from(unsure);
                    }
                    table.add_row([
                        path.display().to_string(),
                        o.name.clone(),
                        o.expected.as_str().to_string(),
                        o.response.decision.as_str().to_string(),
                        if ok {
                            "pass"
                        } else if unsure {
                            "UNCERTAIN"
                        } else {
                            "FAIL"
                        }
                        .to_string(),
                    ]);
                    json_rows.push(serde_json::json!({
                        "scenario": path.display().to_string(),
                        "request": o.name,
                        "expected": o.expected.as_str(),
                        "decision": o.response.decision.as_str(),
                        "passed": ok,
                        "uncertain": o.uncertain(),
                        "result": report::query::json(&o.graph, &o.response, &o.request),
                    }));
                    if !ok || args.verbose {
                        details.push_str(&format!("── {} :: {}\n", path.display(), o.name));
                        details.push_str(&report::query::human(
                            &o.graph,
                            &o.response,
                            &o.request,
                            style,
                        ));
                        details.push('\n');
                    }
                }
            }
        }
    }
    match args.format {
        Format::Human => {
            let mut out = String::new();
            if !details.is_empty() {
                out.push_str(&details);
            }
            out.push_str(&table.to_string());
            out.push_str(&format!("\n{passed} passed, {failed} failed"));
            if uncertain > 0 {
                out.push_str(&format!(
                    " ({uncertain} with the expected decision but an uncertain answer)"
                ));
            }
            out.push('\n');
            write_out(&out)?;
        }
        Format::Json => {
            let doc = serde_json::json!({"results": json_rows, "passed": passed, "failed": failed, "uncertain": uncertain, "invalid": invalid});
            write_out(&serde_json::to_string_pretty(&doc).map_err(std::io::Error::other)?)?;
        }
    }
    Ok(if invalid > 0 {
        EXIT_ERROR
    } else if failed > 0 {
        EXIT_FINDINGS
    } else {
        0
    })
}

/// What a `public` path holds.
enum PublicInput {
    Folder(PathBuf),
    Policy(PathBuf),
}

/// Finds bucket folders (directories with a bucket manifest) and policy files under `paths`.
fn public_inputs(paths: &[PathBuf], errors: &mut Vec<lint::WalkError>) -> Vec<PublicInput> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            if is_bucket_folder(p) {
                out.push(PublicInput::Folder(p.clone()));
                continue;
            }
            // Bucket folders below, and loose policy files outside them.
            let files = lint::collect_files(std::slice::from_ref(p), errors);
            let mut folders: Vec<PathBuf> = Vec::new();
            for f in files {
                let Some(dir) = f.parent() else { continue };
                if let Some(folder) = dir
                    .ancestors()
                    .take_while(|a| a.starts_with(p))
                    .find(|a| is_bucket_folder(a) || is_account_folder(a))
                {
                    if is_bucket_folder(folder) && !folders.iter().any(|x| x == folder) {
                        folders.push(folder.to_path_buf());
                        out.push(PublicInput::Folder(folder.to_path_buf()));
                    }
                    continue;
                }
                out.push(PublicInput::Policy(f));
            }
        } else {
            out.push(PublicInput::Policy(p.clone()));
        }
    }
    out
}

fn manifest_root(dir: &std::path::Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join(s3_access::s3::folder::MANIFEST)).ok()?;
    serde_json::from_str(&text).ok()
}

fn is_bucket_folder(dir: &std::path::Path) -> bool {
    manifest_root(dir).is_some_and(|v| v.get("bucket").is_some())
}

fn is_account_folder(dir: &std::path::Path) -> bool {
    manifest_root(dir).is_some_and(|v| v.get("bucket").is_none())
}

fn run_public(args: PublicArgs) -> std::io::Result<u8> {
    use s3_access::eval::bucket::Bucket;
    let style = style();
    let mut walk_errors = Vec::new();
    let inputs = public_inputs(&args.paths, &mut walk_errors);
    let mut bad = !walk_errors.is_empty();
    for e in &walk_errors {
        eprintln!("error: cannot read {}: {}", e.path.display(), e.error);
    }
    let mut results = Vec::new();
    for input in inputs {
        let source = match &input {
            PublicInput::Folder(p) | PublicInput::Policy(p) => p.display().to_string(),
        };
        let bucket = match input {
            PublicInput::Folder(dir) => {
                let loaded = s3_access::s3::load_bucket(&dir).and_then(|f| Bucket::from_folder(&f));
                match loaded {
                    Ok(b) => b,
                    Err(reports) => {
                        for r in &reports {
                            eprint!("{}", report::human(r, style));
                        }
                        eprintln!(
                            "error: {} cannot be judged: fix the errors above",
                            dir.display()
                        );
                        bad = true;
                        continue;
                    }
                }
            }
            PublicInput::Policy(path) => {
                // Only bucket and access point policies can be public; other files are skipped.
                let report = match lint::lint_path(&path, &LintOptions::default()) {
                    Ok(r) => r,
                    Err(e) => {
                        eprintln!("error: cannot read {}: {e}", path.display());
                        bad = true;
                        continue;
                    }
                };
                let kind = match &report.file_kind {
                    _ if report.max_severity() == Some(Severity::Error) => None,
                    lint::FileKind::Policy { kind, .. } => Some(*kind),
                    lint::FileKind::Other { .. } => continue,
                    lint::FileKind::Iac { .. } | lint::FileKind::Unknown => None,
                };
                let Some(kind) = kind else {
                    refuse(std::slice::from_ref(&report), &path, "judged", style);
                    bad = true;
                    continue;
                };
                let access_point = match kind {
                    PolicyKind::Bucket => false,
                    PolicyKind::AccessPoint => true,
                    _ => continue,
                };
                match Bucket::from_policy(report.source.clone(), access_point) {
                    Ok(b) => b,
                    Err(eval::LoadError::Invalid(r) | eval::LoadError::NoPolicy(r)) => {
                        eprint!("{}", report::human(&r, style));
                        eprintln!(
                            "error: {} cannot be judged: fix the errors above",
                            path.display()
                        );
                        bad = true;
                        continue;
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        bad = true;
                        continue;
                    }
                }
            }
        };
        let verdict =
            s3_access::public::bucket::analyze(&bucket.graph, &bucket.known, &bucket.name, &source);
        results.push((bucket, verdict));
    }
    let any_public = results.iter().any(|(_, v)| v.public);
    match args.format {
        Format::Human => write_out(&report::public::human(&results, style))?,
        Format::Json => {
            let verdicts: Vec<_> = results.into_iter().map(|(_, v)| v).collect();
            write_out(
                &serde_json::to_string_pretty(&report::public::json(&verdicts))
                    .map_err(std::io::Error::other)?,
            )?
        }
    }
    Ok(if bad {
        EXIT_ERROR
    } else if any_public {
        EXIT_FINDINGS
    } else {
        0
    })
}
