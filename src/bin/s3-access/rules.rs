//! `s3-access rules` and `s3-access explain`: the registry of finding codes.

use crate::output::{EXIT_ERROR, Format, json_error, style, write_out};
use s3_access::registry::Code;
use s3_access::report;

/// The arguments of `explain`.
#[derive(clap::Args)]
pub struct ExplainArgs {
    /// A code (`P303`) or name (`resource-type-mismatch`)
    code: String,
}

/// The arguments of `rules`.
#[derive(clap::Args)]
pub struct RulesArgs {
    /// Output format: a table, or a JSON array of `{code, name, severity, on_by_default,
    /// summary, page}`
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// Lists every finding code.
pub fn rules(args: RulesArgs) -> std::io::Result<u8> {
    let text = match args.format {
        Format::Human => report::rules_table(style()),
        Format::Json => report::json_text(&report::rules_list()).map_err(json_error)?,
    };
    write_out(&text).map(|()| 0)
}

/// Prints the documentation page of a code.
pub fn explain(args: ExplainArgs) -> std::io::Result<u8> {
    match Code::lookup(&args.code) {
        Some(c) => write_out(c.info().doc).map(|()| 0),
        None => {
            eprintln!(
                "error: unknown code `{}`; `s3-access rules` lists them",
                args.code
            );
            Ok(EXIT_ERROR)
        }
    }
}
