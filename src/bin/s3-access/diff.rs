//! `s3-access diff`: the access NEW grants that OLD did not, over all requests, each with a
//! witness and the NEW statement responsible. OLD and NEW are paths, or OLD is a git revision
//! of the working tree's paths (`--base`); the library pairs, compares and renders
//! ([`s3_access::compare`], [`s3_access::report::diff`]); this file prints.

use crate::output::{
    EXIT_ERROR, EXIT_FINDINGS, json_error, print_reports, print_walk_errors, style, write_out,
};
use s3_access::compare::{self, CompareOptions};
use s3_access::exact::who_can::WhoCanOptions;
use s3_access::report;
use std::path::PathBuf;

/// The arguments of `diff`.
#[derive(clap::Args)]
pub struct DiffArgs {
    /// OLD and NEW (files, bucket folders or directories matched by relative path); with
    /// `--base`, the working tree's paths to compare (default: the current directory)
    paths: Vec<PathBuf>,
    /// Compare the working tree with this git revision (e.g. `origin/main`)
    #[arg(long, value_name = "GIT_REF")]
    base: Option<String>,
    /// A Terraform plan (`terraform show -json`): the access the apply would add; a plan
    /// given as the only path is read the same way
    #[arg(long, value_name = "PLAN.json", conflicts_with = "base")]
    plan: Option<PathBuf>,
    /// Also list the access NEW takes away
    #[arg(long)]
    removed: bool,
    /// Only these actions (IAM wildcards allowed); repeat for several
    #[arg(long = "action", value_name = "ACTION")]
    actions: Vec<String>,
    /// Only this resource: an ARN or an ARN pattern (e.g. `arn:aws:s3:::bkt/public/*`)
    #[arg(long, value_name = "ARN|PATTERN")]
    resource: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    format: DiffFormat,
    #[command(flatten)]
    tree: crate::output::TreeArgs,
}

/// The output formats of `diff`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum DiffFormat {
    /// Findings grouped by bucket and stratum
    Human,
    /// One line per granting statement of NEW and per reason the answer is uncertain
    /// (`path:line:column: TITLE message`), then the summary line
    Concise,
    /// One JSON document
    Json,
    /// SARIF 2.1.0, one result on each granting statement of NEW
    Sarif,
    /// GitHub Actions annotations on each granting statement of NEW
    Github,
}

/// Compares; exit 1 when new access is found (or cannot be ruled out), 2 on bad input.
pub fn run(args: DiffArgs) -> std::io::Result<u8> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let options = CompareOptions {
        scope: WhoCanOptions {
            actions: args.actions,
            resource: args.resource,
            now,
        },
        removed: args.removed,
        widen: args.tree.root.clone(),
        follow: args.tree.follow,
    };
    let compared = match (&args.base, args.paths.as_slice()) {
        (_, [_, ..]) if args.plan.is_some() => {
            eprintln!("error: give either --plan PLAN.json or paths, not both");
            return Ok(EXIT_ERROR);
        }
        (_, []) if args.plan.is_some() => {
            let plan = args.plan.as_deref().unwrap_or(std::path::Path::new(""));
            compare::plan::plan(plan, &options)
        }
        (None, [one]) if compare::plan::is_plan(one) => compare::plan::plan(one, &options),
        (Some(rev), paths) => {
            match compare::against_revision(std::path::Path::new("."), rev, paths, &options) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {}", crate::output::said(e));
                    return Ok(EXIT_ERROR);
                }
            }
        }
        (None, [old, new]) => compare::paths(old, new, &options),
        (None, _) => {
            eprintln!("error: give OLD and NEW, --base GIT_REF [PATH...], or --plan PLAN.json");
            return Ok(EXIT_ERROR);
        }
    };
    print_walk_errors(&compared.walk_errors);
    let mut bad = crate::output::any_walk_error(&compared.walk_errors);
    for e in &compared.errors {
        print_reports(e.reports(), style());
        eprintln!("error: {}", crate::output::said(e));
        bad = true;
    }
    let pairs = &compared.pairs;
    match args.format {
        DiffFormat::Human => write_out(&report::escape_text(&report::diff::human(
            pairs,
            args.removed,
        )))?,
        DiffFormat::Concise => write_out(&report::escape_text(&report::diff::concise(pairs)))?,
        DiffFormat::Json => write_out(
            &report::json_text(&report::diff::json(pairs, args.removed)).map_err(json_error)?,
        )?,
        DiffFormat::Sarif => write_out(&report::diff::sarif(pairs, !bad).map_err(json_error)?)?,
        DiffFormat::Github => write_out(&report::escape_text(&report::diff::github(pairs)))?,
    }
    // Access that cannot be ruled out is not "no new access".
    let open = pairs
        .iter()
        .any(|p| !p.diff.added.is_empty() || !p.diff.reasons.is_empty());
    Ok(if bad {
        EXIT_ERROR
    } else if open {
        EXIT_FINDINGS
    } else {
        0
    })
}
