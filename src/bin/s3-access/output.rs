//! What the commands share: the look of human output, writing to stdout, printing problems to
//! stderr, and the exit codes.

use s3_access::lint::{FileReport, Links, Root, WalkError};
use s3_access::report::{self, Style};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Findings at or above `--fail-on`, a failed test, a public bucket, an unmet `--expect`.
pub const EXIT_FINDINGS: u8 = 1;
/// A usage, I/O or input error.
pub const EXIT_ERROR: u8 = 2;

/// The output formats of `query`, `check` and `who-can` (each command's `--format` help says
/// what it prints in each).
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Text for people (colour on a terminal unless NO_COLOR is set)
    Human,
    /// One JSON document for scripts
    Json,
}

/// When human output gets colour and Unicode graphics (`--color`).
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set; also when piped if CLICOLOR_FORCE is set (not 0)
    #[default]
    Auto,
    /// Always, even when piped and whatever NO_COLOR says
    Always,
    /// Never
    Never,
}

/// The options every command takes (`--color`, `--quiet`), set once by `main`.
#[derive(clap::Args, Clone, Copy, Default, Debug)]
pub struct Global {
    /// When to use colour and Unicode graphics in human output
    #[arg(long, value_enum, global = true, value_name = "WHEN", default_value_t)]
    pub color: ColorChoice,
    /// Print only findings, verdicts and errors: no summaries, notes or explanations (what
    /// each command drops: docs/output-formats.md); exit codes are unchanged
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

static GLOBAL: std::sync::OnceLock<Global> = std::sync::OnceLock::new();

/// Records the global options for the run (the first call wins).
pub fn set_global(global: Global) {
    let _ = GLOBAL.set(global);
}

/// The global options of the run (the defaults before `main` sets them).
fn global() -> Global {
    GLOBAL.get().copied().unwrap_or_default()
}

/// The `--color` of the raw arguments, for clap's own help and errors (written before the
/// arguments are parsed); clap's `auto` honours `NO_COLOR` and `CLICOLOR_FORCE` itself.
pub fn clap_color(args: impl IntoIterator<Item = std::ffi::OsString>) -> clap::ColorChoice {
    let mut value = None;
    let mut args = args.into_iter().skip(1);
    while let Some(arg) = args.next() {
        let arg = arg.to_string_lossy().into_owned();
        if arg == "--" {
            break;
        } else if arg == "--color" {
            value = args.next().map(|v| v.to_string_lossy().into_owned());
        } else if let Some(v) = arg.strip_prefix("--color=") {
            value = Some(v.to_string());
        }
    }
    match value.as_deref() {
        Some("always") => clap::ColorChoice::Always,
        Some("never") => clap::ColorChoice::Never,
        _ => clap::ColorChoice::Auto,
    }
}

/// Whether `--quiet` was given.
pub fn quiet() -> bool {
    global().quiet
}

/// Whether output to a stream gets colour: `--color always`/`never` decide; with `auto`, a
/// non-empty `NO_COLOR` turns it off (no-color.org), a `CLICOLOR_FORCE` other than `0` turns it
/// on even when piped (bixense.com/clicolors), else a terminal gets colour.
fn colour(choice: ColorChoice, terminal: bool, no_color: bool, force: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !no_color && (force || terminal),
    }
}

/// The one decision of the style of stdout and stderr, from `--color` and the environment.
fn style_for(terminal: bool) -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let force = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| v != "0");
    if colour(global().color, terminal, no_color, force) {
        Style::Fancy
    } else {
        Style::Plain
    }
}

/// The style of what goes to stdout.
pub fn style() -> Style {
    style_for(std::io::stdout().is_terminal())
}

/// The style of what goes to stderr.
pub fn stderr_style() -> Style {
    style_for(std::io::stderr().is_terminal())
}

/// Writes `s` to stdout, with a final newline if it has none.
pub fn write_out(s: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())?;
    if !s.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes `s` like [`write_out`], or nothing at all when it is empty (`--quiet` prints nothing
/// when there is nothing to report).
pub fn write_some(s: &str) -> std::io::Result<()> {
    if s.is_empty() { Ok(()) } else { write_out(s) }
}

/// Prints the findings of reports to stderr.
pub fn print_reports(reports: &[FileReport], style: Style) {
    for r in reports {
        eprint!("{}", report::human(r, style));
    }
}

/// Prints the entries that could not be listed (errors) and the symbolic links left alone
/// (notes, dropped by `--quiet`), paths escaped: a file name is input too.
pub fn print_walk_errors(errors: &[WalkError]) {
    for e in errors {
        let path = shown(&e.path);
        if e.skipped {
            if quiet() {
                continue;
            }
            eprintln!("note: skipped {path}: {}", e.error);
        } else {
            eprintln!("error: cannot read {path}: {}", e.error);
        }
    }
}

/// A path as printed: a file name is input, escaped like any ([`report::escape`]).
pub fn shown(path: &std::path::Path) -> String {
    let text = path.display().to_string();
    report::escape(&text, report::Keep::Nothing, report::Escape::Visible).into_owned()
}

/// A message that may quote input, escaped.
pub fn said(message: impl std::fmt::Display) -> String {
    report::escape_text(&message.to_string()).into_owned()
}

/// Whether a walk error fails the run (a skipped link does not).
pub fn any_walk_error(errors: &[WalkError]) -> bool {
    errors.iter().any(|e| !e.skipped)
}

/// What a run may read: the paths given, widened by `--root`; links followed with `--follow`
/// (docs/security.md).
#[derive(clap::Args)]
pub struct TreeArgs {
    /// Let paths that documents name (bucket folders' files, scenario policies) lead into DIR
    /// too; by default they must stay inside the paths given
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Follow symbolic links inside the root while walking directories (by default they are
    /// skipped, with a note)
    #[arg(long)]
    pub follow: bool,
}

impl TreeArgs {
    /// The root of `paths`.
    pub fn root(&self, paths: &[PathBuf]) -> Root {
        Root::new(paths, self.root.as_deref())
    }

    /// How the walk treats links, within `root`.
    pub fn links<'r>(&self, root: &'r Root) -> Links<'r> {
        if self.follow {
            Links::Follow(root)
        } else {
            Links::Skip
        }
    }
}

/// Serialisation errors as I/O errors (they cannot happen for these documents).
pub fn json_error(e: serde_json::Error) -> std::io::Error {
    std::io::Error::other(e)
}
