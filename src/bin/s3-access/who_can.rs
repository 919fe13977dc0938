//! `s3-access who-can`: every kind of caller that can get into each bucket, found over all
//! requests by the exact engine. The inputs are found and loaded as `public` takes them
//! ([`s3_access::public::inputs`]); the library explores and renders; this file prints.

use crate::output::{
    EXIT_ERROR, EXIT_FINDINGS, json_error, print_reports, print_walk_errors, style, write_out,
};
use s3_access::exact::who_can::{WhoCanOptions, who_can};
use s3_access::public::inputs::{self, InputEntry, InputOutcome};
use s3_access::report;
use std::path::PathBuf;

/// The arguments of `who-can`.
#[derive(clap::Args)]
pub struct WhoCanArgs {
    /// Bucket folders, policy files, or directories searched for both
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Only these actions (IAM wildcards allowed); repeat for several
    #[arg(long = "action", value_name = "ACTION")]
    actions: Vec<String>,
    /// Only this resource: an ARN or an ARN pattern (e.g. `arn:aws:s3:::bkt/public/*`)
    #[arg(long, value_name = "ARN|PATTERN")]
    resource: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = WhoCanFormat::Human)]
    format: WhoCanFormat,
    #[command(flatten)]
    tree: crate::output::TreeArgs,
}

/// The output formats of `who-can`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum WhoCanFormat {
    /// Per bucket, each kind of caller that can get in with its actions, resources, a witness
    /// request and the grants, and a line per input not judged
    Human,
    /// One line per kind of caller (at its first granting statement), per reason the answer
    /// is uncertain and per input not judged (`path:line:column: TITLE message`), then the
    /// summary line
    Concise,
    /// One JSON document: `buckets` (each judged bucket's answer) and `inputs` (every input
    /// with its verdict, error or reason for being skipped)
    Json,
    /// SARIF 2.1.0: the lines of `concise` as results, public callers errors, other accounts
    /// warnings, AWS services notes, the owner's own account left out
    Sarif,
    /// GitHub Actions workflow commands: the lines of `sarif` as annotations, most severe
    /// first within GitHub's limit of 10 per type
    Github,
}

/// Explores every bucket found; exit 1 when someone outside the owner's account can get in.
pub fn run(args: WhoCanArgs) -> std::io::Result<u8> {
    let mut walk_errors = Vec::new();
    let root = args.tree.root(&args.paths);
    let found = inputs::discover(&args.paths, &root, args.tree.links(&root), &mut walk_errors);
    let mut bad = crate::output::any_walk_error(&walk_errors);
    print_walk_errors(&walk_errors);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let options = WhoCanOptions {
        actions: args.actions,
        resource: args.resource,
        now,
    };
    let mut entries = Vec::new();
    for input in found {
        let entry = InputEntry::judge(&input, &root, |b| who_can(&b, &options));
        if let InputOutcome::Failed(e) = &entry.outcome {
            print_reports(e.reports(), style());
            eprintln!("error: {}", crate::output::said(e));
            bad = true;
        }
        entries.push(entry);
    }
    let cwd = std::env::current_dir()?;
    match args.format {
        WhoCanFormat::Human if crate::output::quiet() => {
            crate::output::write_some(&report::who_can::callers(&entries))?
        }
        WhoCanFormat::Human => write_out(&report::who_can::human(&entries))?,
        WhoCanFormat::Concise => write_out(&report::who_can::concise(&entries, &cwd))?,
        WhoCanFormat::Json => {
            write_out(&report::json_text(&report::who_can::json(&entries)).map_err(json_error)?)?
        }
        WhoCanFormat::Sarif => {
            write_out(&report::who_can::sarif(&entries, &cwd, !bad).map_err(json_error)?)?
        }
        WhoCanFormat::Github => write_out(&report::who_can::github(&entries, &cwd))?,
    }
    let outside = entries
        .iter()
        .filter_map(InputEntry::judged)
        .any(report::who_can::outside);
    Ok(if bad {
        EXIT_ERROR
    } else if outside {
        EXIT_FINDINGS
    } else {
        0
    })
}
