//! `s3-access public`: say whether buckets are public. The library finds and loads the inputs
//! ([`s3_access::public::inputs`]), judges them and renders the verdicts; this file prints
//! what cannot be judged and writes the rest.

use crate::output::{
    EXIT_ERROR, EXIT_FINDINGS, json_error, print_reports, print_walk_errors, style, write_out,
};
use s3_access::public::inputs::{InputEntry, InputOutcome};
use s3_access::public::{bucket, inputs};
use s3_access::report;
use std::path::PathBuf;

/// The arguments of `public`.
#[derive(clap::Args)]
pub struct PublicArgs {
    /// Bucket folders, policy files, or directories searched for both
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = PublicFormat::Human)]
    format: PublicFormat,
    #[command(flatten)]
    tree: crate::output::TreeArgs,
}

/// The output formats of `public`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum PublicFormat {
    /// Each bucket's paths with their status and reasons, the public statements shown in
    /// their files, a table with a row per input and the summary line (colour on a terminal
    /// unless NO_COLOR is set)
    Human,
    /// One line per public, uncertain or blocked statement, grant or path, and per error of an
    /// input that cannot be judged (`path:line:column: TITLE message`), then the summary line
    Concise,
    /// One JSON document: `buckets` (each judged bucket's verdict) and `inputs` (every input
    /// with its verdict, error or reason for being skipped)
    Json,
    /// GitHub Actions workflow commands: the lines of `concise` as annotations, most severe
    /// first within GitHub's limit of 10 per type
    Github,
}

/// Judges every bucket found and writes the verdicts.
pub fn run(args: PublicArgs) -> std::io::Result<u8> {
    let style = style();
    let mut walk_errors = Vec::new();
    let root = args.tree.root(&args.paths);
    let found = inputs::discover(&args.paths, &root, args.tree.links(&root), &mut walk_errors);
    let mut bad = crate::output::any_walk_error(&walk_errors);
    print_walk_errors(&walk_errors);
    let mut entries = Vec::new();
    for input in found {
        let source = input.path().display().to_string();
        let entry = InputEntry::judge(&input, &root, |b| {
            let verdict = bucket::analyze(&b.graph, &b.known, &b.name, &source);
            (b, verdict)
        });
        if let InputOutcome::Failed(e) = &entry.outcome {
            print_reports(e.reports(), style);
            eprintln!("error: {}", crate::output::said(e));
            bad = true;
        }
        entries.push(entry);
    }
    let any_public = entries
        .iter()
        .filter_map(InputEntry::judged)
        .any(|(_, v)| v.public);
    let cwd = std::env::current_dir()?;
    match args.format {
        PublicFormat::Human if crate::output::quiet() => {
            crate::output::write_some(&report::public::verdicts(&entries))?
        }
        PublicFormat::Human => write_out(&report::public::human(&entries, style))?,
        PublicFormat::Concise => write_out(&report::public::concise(&entries, &cwd))?,
        PublicFormat::Json => {
            let doc = report::public::json(&entries);
            write_out(&report::json_text(&doc).map_err(json_error)?)?
        }
        PublicFormat::Github => write_out(&report::public::github(&entries, &cwd))?,
    }
    Ok(if bad {
        EXIT_ERROR
    } else if any_public {
        EXIT_FINDINGS
    } else {
        0
    })
}
