//! `s3-access check`: run access tests. The library runs each scenario file
//! ([`s3_access::scenario`]) and renders the results ([`s3_access::report::check`]); this file
//! reads the files and says which cannot be run.

use crate::output::{
    EXIT_ERROR, EXIT_FINDINGS, Format, json_error, print_reports, print_walk_errors, style,
    write_out,
};
use crate::output::{said, shown};
use s3_access::report::{Style, check::CheckResults};
use s3_access::{json, lint, query, scenario, source::SourceFile};
use std::path::{Path, PathBuf};

/// The arguments of `check`.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// Scenario files, or directories searched for `.json` scenario files (other JSON found
    /// there, such as a policy kept beside its scenario, is skipped)
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format. human: the decision trace of each failing test (of every test with
    /// --verbose) and a pass/fail table, one row per test; json: the counts (`passed`,
    /// `failed`, `uncertain`, `invalid`) and every test's `results` with its request,
    /// expected and actual decision
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Show the trace of every request, not only of those that fail
    #[arg(long)]
    verbose: bool,
    #[command(flatten)]
    tree: crate::output::TreeArgs,
}

/// Runs every scenario file and writes the results.
pub fn run(args: CheckArgs) -> std::io::Result<u8> {
    let mut walk_errors = Vec::new();
    let root = args.tree.root(&args.paths);
    let files = lint::collect_files(&args.paths, args.tree.links(&root), &mut walk_errors);
    print_walk_errors(&walk_errors);
    let style = style();
    let now = query::parse_time(None).unwrap_or(0);
    let mut results = CheckResults::new(style, args.verbose);
    for _ in walk_errors.iter().filter(|e| !e.skipped) {
        results.add_invalid();
    }
    for path in files {
        // A file found in a directory that is JSON of another kind (a policy kept beside its
        // scenario) is skipped quietly; one named on the command line is run as asked.
        let named = args.paths.iter().any(|p| p == &path);
        match run_file(&path, now, &root, style, !named) {
            Run::Ran(run) => results.add(&path, &run),
            Run::Other => {}
            Run::Invalid => results.add_invalid(),
        }
    }
    match args.format {
        Format::Human if crate::output::quiet() => crate::output::write_some(&results.failures())?,
        Format::Human => write_out(&results.human())?,
        Format::Json => write_out(&results.json().map_err(json_error)?)?,
    }
    Ok(if results.any_invalid() {
        EXIT_ERROR
    } else if results.any_failed() {
        EXIT_FINDINGS
    } else {
        0
    })
}

/// What became of one file.
enum Run {
    Ran(scenario::Report),
    /// JSON that is not a scenario, found in a directory: skipped.
    Other,
    /// Said why it cannot be run.
    Invalid,
}

/// Reads and runs one scenario file; with `skip_other`, JSON that is not a scenario is
/// skipped.
fn run_file(path: &Path, now: i64, root: &lint::Root, style: Style, skip_other: bool) -> Run {
    let text = match lint::read_limited(path).map(json::decode_utf8) {
        Ok(Ok(t)) => t,
        Ok(Err((e, _))) => {
            eprintln!("error: {}: {}", shown(path), said(e.message()));
            return Run::Invalid;
        }
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", shown(path));
            return Run::Invalid;
        }
    };
    if skip_other && scenario::is_other_json(&text) {
        return Run::Other;
    }
    let source = SourceFile::new(path.display().to_string(), text);
    match scenario::run(source, path, now, root) {
        Ok(run) => Run::Ran(run),
        Err(bad) => {
            print_reports(&bad.reports, style);
            eprintln!("error: {} cannot be run: fix the errors above", shown(path));
            Run::Invalid
        }
    }
}
