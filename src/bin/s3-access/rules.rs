//! `s3-access rules` and `s3-access explain`: the registry of finding codes.

use crate::output::{EXIT_ERROR, style, write_out};
use s3_access::registry::Code;
use s3_access::report;

/// The arguments of `explain`.
#[derive(clap::Args)]
pub struct ExplainArgs {
    /// A code (`P303`) or name (`resource-type-mismatch`)
    code: String,
}

/// Lists every finding code.
pub fn rules() -> std::io::Result<u8> {
    write_out(&report::rules_table(style())).map(|()| 0)
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
