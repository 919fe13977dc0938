//! The `s3-access` command line: parses the arguments and hands each command to its file.
//! Each command is a thin call into the library; the library never prints, this binary does.

#![allow(
    clippy::print_stderr,
    reason = "the binary is the one place that writes to the terminal"
)]

mod catalog;
mod check;
mod completions;
mod diff;
mod lint;
mod man;
mod output;
mod public;
mod query;
mod rules;
mod who_can;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

/// mimalloc instead of the system allocator: the engine's searches allocate many small
/// values on several threads, where glibc's allocator spent a fifth of `who-can`'s
/// instructions (docs/performance.md, "Allocator").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Who can do what to an S3 bucket, and why: offline, explainable, fast.
#[derive(Parser)]
#[command(name = "s3-access", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: output::Global,
    #[command(flatten)]
    catalog: catalog::CatalogArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Validate policy files (grammar, actions, resources, conditions) and audit their S3 risks:
    /// prints every finding, then a summary
    Lint(lint::LintArgs),
    /// Decide one request: prints Allow, ExplicitDeny or ImplicitDeny, the statements that
    /// decided and why each other statement did not
    Query(Box<query::QueryArgs>),
    /// Run access tests (scenario files of documents and requests with expected decisions):
    /// prints a pass/fail table and the trace of each request that failed
    Check(check::CheckArgs),
    /// Say whether buckets are public, by AWS's definition and after Block Public Access:
    /// prints one verdict per bucket, path by path, with the statements and grants responsible
    Public(public::PublicArgs),
    /// List every kind of caller that can get into buckets, over all requests: prints each with
    /// its actions, resources, conditions, a witness request and what grants it
    WhoCan(who_can::WhoCanArgs),
    /// Show the access NEW grants that OLD did not (or a git revision): prints each finding
    /// with its witness request and the NEW statement responsible
    Diff(diff::DiffArgs),
    /// List every finding code: prints its name, default severity and summary
    Rules(rules::RulesArgs),
    /// Show the documentation of a finding code: prints its page (e.g. `s3-access explain P303`)
    Explain(rules::ExplainArgs),
    /// Generate shell completions: prints the script for bash, zsh, fish, powershell or elvish
    Completions(completions::CompletionsArgs),
    /// Write the manual pages (`s3-access.1` and one per command) into a directory
    #[command(hide = true)]
    Man(man::ManArgs),
}

/// Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or I/O error.
fn main() -> ExitCode {
    // clap's own help and errors follow `--color` too.
    let command = Cli::command().color(output::clap_color(std::env::args_os()));
    let cli = match command
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                output::EXIT_ERROR
            } else {
                0
            });
        }
    };
    output::set_global(cli.global);
    if let Err(e) = catalog::load(&cli.catalog) {
        eprintln!("error: {e}");
        return ExitCode::from(output::EXIT_ERROR);
    }
    let result = match cli.command {
        Command::Lint(args) => lint::run(args),
        Command::Query(args) => query::run(*args),
        Command::Check(args) => check::run(args),
        Command::Public(args) => public::run(args),
        Command::WhoCan(args) => who_can::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Rules(args) => rules::rules(args),
        Command::Explain(args) => rules::explain(args),
        Command::Completions(args) => completions::run(args, Cli::command()),
        Command::Man(args) => man::run(args, Cli::command()),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // A closed pipe (e.g. `| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", output::said(e));
            ExitCode::from(output::EXIT_ERROR)
        }
    }
}
