//! `s3-access lint`: validate policy files and audit their S3 risks. The run is the library's
//! ([`s3_access::lint::run`]), the output too ([`s3_access::report::lint_output`]); this file
//! loads the configuration and writes what they give.

use crate::output::{EXIT_ERROR, EXIT_FINDINGS, json_error, stderr_style, style};
use clap::ValueEnum;
use s3_access::config::{self, Config};
use s3_access::lint::baseline::{Baseline, BaselineError, BaselineWriter};
use s3_access::lint::run::{Event, LintRun, RunInput};
use s3_access::policy::PolicyKind;
use s3_access::registry::Severity;
use s3_access::report::{self, lint_output};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The arguments of `lint`.
#[derive(clap::Args)]
pub struct LintArgs {
    /// Files or directories; directories are searched for policy JSON, Terraform (`.tf`,
    /// a directory is one module; plans), CloudFormation templates (JSON, YAML,
    /// `.template`); `-` reads stdin
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// A Terraform variable file for the modules read (repeatable), after each module's
    /// `terraform.tfvars` and `*.auto.tfvars`, as `terraform plan -var-file` does
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// Skip files named here that are not AWS documents, as a directory walk does (for hooks
    /// that pass every changed `.json` and `.yaml` file)
    #[arg(long)]
    skip_unrecognised: bool,
    /// List the files skipped because they are not AWS documents (on stderr)
    #[arg(long, short)]
    verbose: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = LintFormat::Human)]
    format: LintFormat,
    /// Lowest severity that makes the run fail (exit 1) [default: the configuration's
    /// `fail-on`, else error]
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Treat every policy as this kind instead of detecting it
    #[arg(long, value_parser = parse_kind)]
    kind: Option<PolicyKind>,
    /// Read this configuration file instead of searching for `.s3-access.toml` from the
    /// current directory upwards
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Use no configuration file
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// Where the rule pages are published: SARIF rules link `URL/docs/rules/CODE.md`
    /// (default: `[output] help-uri-base` of the configuration; without one, no link)
    #[arg(long, value_name = "URL", value_parser = config::help_uri_base)]
    help_uri_base: Option<String>,
    /// Report only the findings this baseline file does not hold (written by
    /// `--write-baseline`); the summary counts the others
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write the fingerprints of every finding of this run to FILE (a baseline), and exit 0
    /// unless a file could not be read
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    #[command(flatten)]
    tree: crate::output::TreeArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LintFormat {
    /// Diagnostics with source snippets, a summary line and a table by code (colour on a
    /// terminal unless NO_COLOR is set)
    Human,
    /// One JSON document with every finding
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request)
    Github,
    /// One line per finding (`path:line:column: CODE message`) and the summary line: for
    /// editors, grep and quick terminal runs
    Concise,
}

impl From<LintFormat> for lint_output::LintFormat {
    fn from(f: LintFormat) -> Self {
        match f {
            LintFormat::Human => lint_output::LintFormat::Human,
            LintFormat::Json => lint_output::LintFormat::Json,
            LintFormat::Sarif => lint_output::LintFormat::Sarif,
            LintFormat::Github => lint_output::LintFormat::Github,
            LintFormat::Concise => lint_output::LintFormat::Concise,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Note,
    /// Only usage, I/O and configuration errors fail the run
    Never,
}

impl From<FailOn> for config::FailOn {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::Error => config::FailOn::AtLeast(Severity::Error),
            FailOn::Warning => config::FailOn::AtLeast(Severity::Warning),
            FailOn::Note => config::FailOn::AtLeast(Severity::Note),
            FailOn::Never => config::FailOn::Never,
        }
    }
}

fn parse_kind(s: &str) -> Result<PolicyKind, String> {
    PolicyKind::parse(s).ok_or_else(|| {
        let names: Vec<&str> = PolicyKind::ALL.iter().map(|k| k.as_str()).collect();
        format!("unknown kind `{s}`; kinds are: {}", names.join(", "))
    })
}

/// Lints the paths and writes every report as it is finished.
pub fn run(args: LintArgs) -> std::io::Result<u8> {
    let cwd = std::env::current_dir()?;
    let Some(config) = load_config(&args, &cwd) else {
        return Ok(EXIT_ERROR);
    };
    for f in &args.var_files {
        if let Err(e) = std::fs::File::open(f) {
            eprintln!("error: cannot read {}: {e}", crate::output::shown(f));
            return Ok(EXIT_ERROR);
        }
    }
    let baseline = match args.baseline.as_deref().map(Baseline::read).transpose() {
        Ok(b) => b,
        Err(e) => {
            if let BaselineError::Invalid(r) = &e {
                eprint!("{}", report::human(r, stderr_style()));
            }
            eprintln!("error: {}", crate::output::said(e));
            return Ok(EXIT_ERROR);
        }
    };
    let mut run = LintRun::collect(RunInput {
        paths: &args.paths,
        config: &config,
        cwd: &cwd,
        kind: args.kind,
        fail_on: args.fail_on.map(config::FailOn::from),
        follow: args.tree.follow,
        root: args.tree.root.as_deref(),
    })
    .var_files(&args.var_files)
    .skip_unrecognised(args.skip_unrecognised);
    if let Some(b) = &baseline {
        run = run.with_baseline(b);
    }
    let mut written = args
        .write_baseline
        .as_ref()
        .map(|_| BaselineWriter::default());
    crate::output::print_walk_errors(run.walk_errors());
    let help_uri_base = args.help_uri_base.clone().or(config.help_uri_base.clone());
    let mut output = lint_output::LintOutput::new(args.format.into(), style(), &cwd)
        .with_help_uri_base(help_uri_base);
    let mut out = std::io::stdout().lock();
    out.write_all(output.start().map_err(json_error)?.as_bytes())?;
    let outcome = run.run(|event| match event {
        Event::Unreadable { path, error } => {
            eprintln!("error: cannot read {}: {error}", crate::output::shown(path));
            Ok(())
        }
        Event::File(report) => {
            if let Some(w) = &mut written {
                w.add(
                    report,
                    &config::relative_path(Path::new(report.source.name()), &cwd, &cwd),
                );
            }
            out.write_all(output.file(report).map_err(json_error)?.as_bytes())
        }
        Event::Skipped(path) => {
            if args.verbose {
                eprintln!(
                    "skipped {}: not an AWS document",
                    crate::output::shown(path)
                );
            }
            Ok(())
        }
        Event::Extra(report) => {
            if let Some(w) = &mut written {
                w.add(
                    report,
                    &config::relative_path(Path::new(report.source.name()), &cwd, &cwd),
                );
            }
            out.write_all(output.findings(report).map_err(json_error)?.as_bytes())
        }
    })?;
    let config_file = config.source.as_ref().map(|s| s.name());
    let end = output.finish(&outcome, config_file).map_err(json_error)?;
    // `--quiet` drops the summary of the text formats; JSON and SARIF hold findings and counts.
    let summary_only = matches!(
        args.format,
        LintFormat::Human | LintFormat::Concise | LintFormat::Github
    );
    if !(summary_only && crate::output::quiet()) {
        out.write_all(end.as_bytes())?;
    }
    out.flush()?;
    if let (Some(path), Some(w)) = (&args.write_baseline, &written) {
        std::fs::write(path, w.text().map_err(json_error)?).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "cannot write the baseline {}: {e}",
                    crate::output::shown(path)
                ),
            )
        })?;
        eprintln!(
            "wrote {} finding{} to the baseline {}",
            w.len(),
            if w.len() == 1 { "" } else { "s" },
            crate::output::shown(path)
        );
    }
    Ok(if outcome.unreadable {
        EXIT_ERROR
    } else if outcome.failed && written.is_none() {
        EXIT_FINDINGS
    } else {
        0
    })
}

/// The configuration: the one given, the nearest `.s3-access.toml`, or the defaults; `None`
/// (after saying why) when it cannot be loaded.
fn load_config(args: &LintArgs, cwd: &Path) -> Option<Config> {
    let path = match (&args.config, args.no_config) {
        (_, true) => None,
        (Some(p), false) => Some(p.clone()),
        (None, false) => config::discover(cwd),
    };
    let Some(path) = path else {
        return Some(Config::defaults(cwd));
    };
    match Config::load(&path, cwd) {
        Ok(c) => Some(c),
        Err(config::LoadError::Invalid(r)) => {
            eprint!("{}", report::human(&r, stderr_style()));
            eprintln!(
                "error: {}",
                crate::output::said(config::LoadError::Invalid(r))
            );
            None
        }
        Err(e) => {
            eprintln!("error: {}", crate::output::said(e));
            None
        }
    }
}
