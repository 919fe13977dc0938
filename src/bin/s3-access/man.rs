//! `s3-access man DIR` (hidden): writes the manual pages generated from the clap definitions,
//! `s3-access.1` and `s3-access-COMMAND.1` for each command. The pages shipped in `man/` are
//! its output; a test fails when they are stale (README, "Manual pages").

use std::path::PathBuf;

/// The arguments of `man`.
#[derive(clap::Args)]
pub struct ManArgs {
    /// The directory to write the pages into (created if missing)
    #[arg(value_name = "DIR")]
    dir: PathBuf,
}

/// Writes every page of `cmd` into the directory.
pub fn run(args: ManArgs, cmd: clap::Command) -> std::io::Result<u8> {
    std::fs::create_dir_all(&args.dir)?;
    clap_mangen::generate_to(cmd, &args.dir)?;
    Ok(0)
}
