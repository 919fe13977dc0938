//! `s3-access completions SHELL`: the shell completion script, generated from the same clap
//! definitions that parse the command line, so it cannot fall behind them.

use clap_complete::Shell;
use std::io::Write;

/// The arguments of `completions`.
#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    shell: Shell,
}

/// Writes the completion script of `cmd` for the shell to stdout.
pub fn run(args: CompletionsArgs, mut cmd: clap::Command) -> std::io::Result<u8> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "s3-access", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(0)
}
