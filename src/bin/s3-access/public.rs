//! `s3-access public`: say whether buckets are public. The library finds and loads the inputs
//! ([`s3_access::public::inputs`]), judges them and renders the verdicts; this file prints
//! what cannot be judged and writes the rest.

use crate::output::{
    EXIT_ERROR, EXIT_FINDINGS, Format, json_error, print_reports, print_walk_errors, style,
    write_out,
};
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
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    #[command(flatten)]
    tree: crate::output::TreeArgs,
}

/// Judges every bucket found and writes the verdicts.
pub fn run(args: PublicArgs) -> std::io::Result<u8> {
    let style = style();
    let mut walk_errors = Vec::new();
    let root = args.tree.root(&args.paths);
    let found = inputs::discover(&args.paths, args.tree.links(&root), &mut walk_errors);
    let mut bad = crate::output::any_walk_error(&walk_errors);
    print_walk_errors(&walk_errors);
    let mut results = Vec::new();
    for input in found {
        let b = match input.load(&root) {
            Ok(Some(b)) => b,
            Ok(None) => continue,
            Err(e) => {
                print_reports(e.reports(), style);
                eprintln!("error: {}", crate::output::said(&e));
                bad = true;
                continue;
            }
        };
        let source = input.path().display().to_string();
        let verdict = bucket::analyze(&b.graph, &b.known, &b.name, &source);
        results.push((b, verdict));
    }
    let any_public = results.iter().any(|(_, v)| v.public);
    match args.format {
        Format::Human if crate::output::quiet() => {
            let verdicts: Vec<_> = results.into_iter().map(|(_, v)| v).collect();
            crate::output::write_some(&report::public::verdicts(&verdicts))?
        }
        Format::Human => write_out(&report::public::human(&results, style))?,
        Format::Json => {
            let verdicts: Vec<_> = results.into_iter().map(|(_, v)| v).collect();
            let doc = report::public::json(&verdicts);
            write_out(&report::json_text(&doc).map_err(json_error)?)?
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
