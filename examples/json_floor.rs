//! The floor for `s3-access lint`: read every `.json` file under the given paths (the same walk
//! as the linter) and parse it with plain `serde_json`, in parallel in the same ordered chunks,
//! printing only a count. `bench/compare.sh` times it next to the linter.
//!
//! `cargo run --release --example json_floor -- DIR...`

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line measuring tool"
)]

use rayon::prelude::*;
use std::path::PathBuf;

fn main() -> std::process::ExitCode {
    let roots: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let mut errors = Vec::new();
    let files = s3_access::lint::collect_files(&roots, s3_access::lint::Links::Skip, &mut errors);
    let mut parsed = 0usize;
    let mut failed = errors.len();
    for chunk in files.chunks(512) {
        let ok: Vec<bool> = chunk
            .par_iter()
            .map(|p| {
                std::fs::read(p)
                    .is_ok_and(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).is_ok())
            })
            .collect();
        for b in ok {
            if b {
                parsed += 1;
            } else {
                failed += 1;
            }
        }
    }
    println!("{parsed} files parsed, {failed} failed");
    if failed > 0 {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}
