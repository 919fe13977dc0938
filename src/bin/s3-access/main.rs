//! The `s3-access` command line: a thin layer of commands over the library.

#![allow(
    clippy::print_stderr,
    reason = "the binary is the one place that writes to the terminal"
)]

use clap::{Parser, Subcommand, ValueEnum};
use rayon::prelude::*;
use s3_access::eval::{self, Caller, Decision, Graph, Layer, Request};
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
    /// Validate policy files: JSON syntax, grammar, actions, resources, conditions
    Lint(LintArgs),
    /// Decide one request: Allow, ExplicitDeny or ImplicitDeny, with the statements that decided
    Query(Box<QueryArgs>),
    /// Run access tests: scenario files of documents and requests with expected decisions
    Check(CheckArgs),
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
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Lowest severity that makes the run fail (exit 1)
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Treat every policy as this kind instead of detecting it
    #[arg(long, value_parser = parse_kind)]
    kind: Option<PolicyKind>,
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
    /// One file's counts and output, made by the worker that linted it (which also frees
    /// the report: memory is released by the thread that allocated it).
    struct Linted {
        counts: Summary,
        worst: Option<Severity>,
        rendered: Rendered,
    }
    enum Rendered {
        Human(String),
        /// The file's entry of `files` and its entries of `findings`, as pretty JSON at the
        /// depth they are written at.
        Json(serde_json::Result<(String, Vec<String>)>),
    }
    /// `value` as pretty JSON (keys sorted, as in a `serde_json::Value`) with every line after
    /// the first indented by `indent`.
    fn pretty_at(value: &impl serde::Serialize, indent: &str) -> serde_json::Result<String> {
        let text = serde_json::to_string_pretty(&serde_json::to_value(value)?)?;
        Ok(text.replace('\n', &format!("\n{indent}")))
    }
    let options = LintOptions { kind: args.kind };
    let mut walk_errors = Vec::new();
    let files = lint::collect_files(&args.paths, &mut walk_errors);
    let mut io_failed = false;
    for e in &walk_errors {
        eprintln!("error: cannot read {}: {}", e.path.display(), e.error);
        io_failed = true;
    }
    let threshold = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Note => Severity::Note,
    };
    let style = style();
    let mut summary = Summary::default();
    let mut failed = false;
    let mut out = std::io::stdout().lock();
    // JSON output is streamed: `files` entries are written as files are linted (serde_json
    // sorts the keys: files, findings, summary), only the findings wait for the end.
    let mut json_findings: Vec<String> = Vec::new();
    let mut json_files = 0usize;
    for chunk in files.chunks(CHUNK) {
        // Rendering is done by the workers too; the main thread only writes, in file order.
        let reports: Vec<Result<Linted, (PathBuf, std::io::Error)>> = chunk
            .par_iter()
            .map(|path| {
                let report = read_and_lint(path, &options).map_err(|e| (path.clone(), e))?;
                let rendered = match args.format {
                    Format::Human => Rendered::Human(report::human(&report, style)),
                    Format::Json => Rendered::Json((|| {
                        let entry = serde_json::json!({
                            "file": report.source.name(),
                            "document": report.file_kind,
                        });
                        let findings = report::json_findings(&report)
                            .iter()
                            .map(|f| pretty_at(f, "    "))
                            .collect::<serde_json::Result<_>>()?;
                        Ok((pretty_at(&entry, "    ")?, findings))
                    })()),
                };
                let mut counts = Summary::default();
                counts.add(&report);
                Ok(Linted {
                    counts,
                    worst: report.max_severity(),
                    rendered,
                })
            })
            .collect();
        let mut text = String::new();
        for r in reports {
            let Linted {
                counts,
                worst,
                rendered,
            } = match r {
                Ok(linted) => linted,
                Err((path, e)) => {
                    eprintln!("error: cannot read {}: {e}", path.display());
                    io_failed = true;
                    continue;
                }
            };
            summary.files += counts.files;
            summary.policies += counts.policies;
            summary.other_documents += counts.other_documents;
            summary.errors += counts.errors;
            summary.warnings += counts.warnings;
            summary.notes += counts.notes;
            if worst.is_some_and(|s| s >= threshold) {
                failed = true;
            }
            match rendered {
                Rendered::Human(human) => out.write_all(human.as_bytes())?,
                Rendered::Json(json) => {
                    let (entry, findings) = json.map_err(std::io::Error::other)?;
                    text.push_str(if json_files == 0 {
                        "{\n  \"files\": [\n    "
                    } else {
                        ",\n    "
                    });
                    text.push_str(&entry);
                    json_files += 1;
                    json_findings.extend(findings);
                }
            }
        }
        out.write_all(text.as_bytes())?;
    }
    match args.format {
        Format::Human => writeln!(out, "{}", summary.line())?,
        Format::Json => {
            let mut text = String::from(if json_files == 0 {
                "{\n  \"files\": [],\n"
            } else {
                "\n  ],\n"
            });
            if json_findings.is_empty() {
                text.push_str("  \"findings\": [],\n");
            } else {
                text.push_str("  \"findings\": [\n    ");
                text.push_str(&json_findings.join(",\n    "));
                text.push_str("\n  ],\n");
            }
            text.push_str("  \"summary\": ");
            text.push_str(&pretty_at(&summary, "  ").map_err(std::io::Error::other)?);
            text.push_str("\n}\n");
            out.write_all(text.as_bytes())?;
        }
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

fn read_and_lint(path: &std::path::Path, options: &LintOptions) -> std::io::Result<FileReport> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(s3_access::json::MAX_INPUT_BYTES as u64 + 1)
            .read_to_end(&mut bytes)?;
        return Ok(lint::lint_bytes("<stdin>", bytes, options));
    }
    lint::lint_path(path, options)
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
    let caller = match Caller::parse(&args.principal) {
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
    let now = match parse_time(args.time.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: --time {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let mut graph = Graph::new();
    let mut files: Vec<(&std::path::Path, Layer, usize)> = Vec::new();
    for p in &args.identity_policy {
        files.push((p, Layer::Identity, 0));
    }
    if let Some(p) = &args.bucket_policy {
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
    let style = style();
    let mut failed = false;
    for (path, layer, level) in files {
        match eval::add_file(&mut graph, path, layer, level) {
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
        args.bucket_owner.as_deref(),
        &given,
        now,
    );
    let response = eval::decide(&graph, &request, true);
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
        _ => 0,
    })
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
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(["scenario", "request", "expected", "got", "result"]);
    let mut details = String::new();
    let mut json_rows = Vec::new();
    for path in files {
        let text = match std::fs::read(&path).map(s3_access::json::decode_utf8) {
            Ok(Ok(t)) => t,
            Ok(Err(_)) => {
                eprintln!("error: {} is not valid UTF-8", path.display());
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
                    if ok {
                        passed += 1;
                    } else {
                        failed += 1;
                    }
                    table.add_row([
                        path.display().to_string(),
                        o.name.clone(),
                        o.expected.as_str().to_string(),
                        o.response.decision.as_str().to_string(),
                        if ok { "pass" } else { "FAIL" }.to_string(),
                    ]);
                    json_rows.push(serde_json::json!({
                        "scenario": path.display().to_string(),
                        "request": o.name,
                        "expected": o.expected.as_str(),
                        "decision": o.response.decision.as_str(),
                        "passed": ok,
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
            out.push_str(&format!("\n{passed} passed, {failed} failed\n"));
            write_out(&out)?;
        }
        Format::Json => {
            let doc = serde_json::json!({"results": json_rows, "passed": passed, "failed": failed, "invalid": invalid});
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
