//! The `s3-access` command line: parses the arguments and hands each command to its file.
//! Each command is a thin call into the library; the library never prints, this binary does.

#![allow(
    clippy::print_stderr,
    reason = "the binary is the one place that writes to the terminal"
)]

mod check;
mod diff;
mod lint;
mod output;
mod public;
mod query;
mod rules;
mod who_can;

use clap::{Parser, Subcommand};
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
    Lint(lint::LintArgs),
    /// Decide one request: Allow, ExplicitDeny or ImplicitDeny, with the statements that decided
    Query(Box<query::QueryArgs>),
    /// Run access tests: scenario files of documents and requests with expected decisions
    Check(check::CheckArgs),
    /// Say whether buckets are public, by AWS's definition and after Block Public Access
    Public(public::PublicArgs),
    /// List every kind of caller that can get into buckets, over all requests, each with a witness
    WhoCan(who_can::WhoCanArgs),
    /// Show the access NEW grants that OLD did not (or a git revision), each with a witness
    Diff(diff::DiffArgs),
    /// List every finding code, with its name, default severity and summary
    Rules(rules::RulesArgs),
    /// Show the documentation of a finding code (e.g. `s3-access explain P303`)
    Explain(rules::ExplainArgs),
}

/// Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or I/O error.
fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
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
    let result = match cli.command {
        Command::Lint(args) => lint::run(args),
        Command::Query(args) => query::run(*args),
        Command::Check(args) => check::run(args),
        Command::Public(args) => public::run(args),
        Command::WhoCan(args) => who_can::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Rules(args) => rules::rules(args),
        Command::Explain(args) => rules::explain(args),
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
