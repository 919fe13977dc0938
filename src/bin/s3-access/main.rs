//! The `s3-access` command line: a thin layer of commands over the library.

#![allow(
    clippy::print_stderr,
    reason = "the binary is the one place that writes to the terminal"
)]

use clap::{Parser, Subcommand, ValueEnum};
use rayon::prelude::*;
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
    let mut json_findings: Vec<serde_json::Value> = Vec::new();
    let mut json_files: Vec<serde_json::Value> = Vec::new();
    for chunk in files.chunks(CHUNK) {
        let reports: Vec<Result<FileReport, (PathBuf, std::io::Error)>> = chunk
            .par_iter()
            .map(|path| read_and_lint(path, &options).map_err(|e| (path.clone(), e)))
            .collect();
        for r in reports {
            let report = match r {
                Ok(report) => report,
                Err((path, e)) => {
                    eprintln!("error: cannot read {}: {e}", path.display());
                    io_failed = true;
                    continue;
                }
            };
            summary.add(&report);
            if report.max_severity().is_some_and(|s| s >= threshold) {
                failed = true;
            }
            match args.format {
                Format::Human => out.write_all(report::human(&report, style).as_bytes())?,
                Format::Json => {
                    json_files.push(serde_json::json!({
                        "file": report.source.name(),
                        "document": report.file_kind,
                    }));
                    for f in report::json_findings(&report) {
                        json_findings.push(serde_json::to_value(f).map_err(std::io::Error::other)?);
                    }
                }
            }
        }
    }
    match args.format {
        Format::Human => writeln!(out, "{}", summary.line())?,
        Format::Json => {
            let doc = serde_json::json!({
                "findings": json_findings,
                "files": json_files,
                "summary": summary,
            });
            serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::other)?;
            writeln!(out)?;
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
