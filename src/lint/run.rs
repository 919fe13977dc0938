//! A lint run over many files: collect them, leave out the excluded ones, judge bucket folders
//! as units, lint in parallel, attach the folders' findings, apply the configuration's
//! suppressions and levels, and count. Reports are handed out one by one as they are finished
//! (memory stays bounded by one chunk of files, however many there are); the run never prints,
//! and files it cannot read are events, not errors.

use super::baseline::Baseline;
use super::folder::{self, FolderFindings};
use super::{Analysis, FileKind, FileReport, Links, LintOptions, Root, WalkError};
use crate::config::{self, Config, FailOn, Usage};
use crate::policy::PolicyKind;
use crate::registry::{Code, Severity};
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Files are linted in parallel in ordered chunks, so the order of reports is stable and memory
/// is bounded by one chunk of reports however many files there are.
const CHUNK: usize = 512;

/// What to lint, and how.
#[derive(Debug, Clone, Copy)]
pub struct RunInput<'a> {
    /// Files or directories (directories are searched for `.json` files); `-` is stdin.
    pub paths: &'a [PathBuf],
    /// The configuration, already loaded (or the defaults).
    pub config: &'a Config,
    /// The directory relative paths are resolved against.
    pub cwd: &'a Path,
    /// Treat every policy as this kind instead of detecting it.
    pub kind: Option<PolicyKind>,
    /// The lowest severity that fails the run, from the command line; `None` takes the
    /// configuration's `fail-on`, else errors.
    pub fail_on: Option<FailOn>,
    /// Follow symbolic links inside the root while walking directories (`--follow`).
    pub follow: bool,
    /// `--root`: a directory that paths documents name may lead into, besides `paths`.
    pub root: Option<&'a Path>,
}

/// Something the run has to tell, in the order it happens.
#[derive(Debug)]
pub enum Event<'a> {
    /// A file that could not be read; the run goes on and fails at the end.
    Unreadable {
        /// The file.
        path: &'a Path,
        /// What went wrong.
        error: &'a std::io::Error,
    },
    /// The finished report of a linted file (folder findings attached, suppressions applied).
    File(&'a FileReport),
    /// A report on a file the run did not lint: a bucket-folder document outside the paths
    /// given, or the configuration's unused suppressions.
    Extra(&'a FileReport),
}

/// Counts over a lint run.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Summary {
    /// Files read.
    pub files: usize,
    /// Policies linted.
    pub policies: usize,
    /// Recognised non-policy documents (skipped).
    pub other_documents: usize,
    /// Error findings.
    pub errors: usize,
    /// Warning findings.
    pub warnings: usize,
    /// Note findings.
    pub notes: usize,
    /// Findings removed by `[[suppress]]` entries of the configuration.
    pub suppressed: usize,
    /// Findings left out because the baseline holds them (`--baseline`); `None` without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baselined: Option<usize>,
    /// Findings by code and severity (for the summary table).
    #[serde(skip)]
    pub by_code: std::collections::BTreeMap<(Code, Severity), usize>,
}

impl Summary {
    /// Adds one file's counts.
    pub fn add(&mut self, report: &FileReport) {
        self.files += 1;
        match report.file_kind {
            FileKind::Policy { .. } => self.policies += 1,
            FileKind::Other { .. } => self.other_documents += 1,
            FileKind::Iac { .. } | FileKind::Unknown => {}
        }
        self.add_findings(report);
    }

    /// Adds a report's findings without counting it as a linted file (the configuration's
    /// own findings).
    pub fn add_findings(&mut self, report: &FileReport) {
        for f in &report.findings {
            match f.finding.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Note => self.notes += 1,
            }
            *self
                .by_code
                .entry((f.finding.code, f.finding.severity))
                .or_insert(0) += 1;
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The counts.
    pub summary: Summary,
    /// Whether a finding reached the `fail-on` severity.
    pub failed: bool,
    /// Whether a file or directory could not be read.
    pub unreadable: bool,
}

/// A run whose files are collected and not yet linted.
#[derive(Debug)]
pub struct LintRun<'a> {
    input: RunInput<'a>,
    baseline: Option<&'a Baseline>,
    root: Root,
    files: Vec<PathBuf>,
    walk_errors: Vec<WalkError>,
}

impl<'a> LintRun<'a> {
    /// Collects the files under the paths, without the excluded ones.
    pub fn collect(input: RunInput<'a>) -> LintRun<'a> {
        let mut walk_errors = Vec::new();
        let root = Root::new(input.paths, input.root);
        let links = if input.follow {
            Links::Follow(&root)
        } else {
            Links::Skip
        };
        let mut files = super::collect_files(input.paths, links, &mut walk_errors);
        files.retain(|f| f.as_os_str() == "-" || !input.config.is_excluded(f));
        LintRun {
            input,
            baseline: None,
            root,
            files,
            walk_errors,
        }
    }

    /// The same run, reporting only the findings `baseline` does not hold (the summary counts
    /// the others as baselined).
    pub fn with_baseline(mut self, baseline: &'a Baseline) -> LintRun<'a> {
        self.baseline = Some(baseline);
        self
    }

    /// Entries that could not be listed while collecting (the run will fail), and symbolic
    /// links left alone (notes).
    pub fn walk_errors(&self) -> &[WalkError] {
        &self.walk_errors
    }

    /// Lints every file and hands each finished report to `on_event`, in path order; the
    /// first error `on_event` returns stops the run.
    pub fn run<E>(
        self,
        mut on_event: impl FnMut(Event<'_>) -> Result<(), E>,
    ) -> Result<Outcome, E> {
        let config = self.input.config;
        let fail_on = self.fail_on();
        let whole_tree = self.covers_whole_tree();
        let options = LintOptions {
            kind: self.input.kind,
            audit: true,
            trust: config.trust.clone(),
        };
        let mut tally = Tally {
            fail_on,
            baseline: self.baseline,
            cwd: self.input.cwd,
            outcome: Outcome {
                summary: Summary {
                    baselined: self.baseline.map(|_| 0),
                    ..Summary::default()
                },
                failed: false,
                unreadable: self.walk_errors.iter().any(|e| !e.skipped),
            },
            usage: Usage::default(),
        };
        // Bucket folders are judged as units; their policies are audited with the folder.
        let mut folders = folder::audit(&self.files, &options, &self.root);
        for chunk in self.files.chunks(CHUNK) {
            for analysis in analyze_chunk(chunk, &folders, &options) {
                let mut analysis = match analysis {
                    Ok(a) => a,
                    Err((path, error)) => {
                        tally.outcome.unreadable = true;
                        on_event(Event::Unreadable {
                            path: &path,
                            error: &error,
                        })?;
                        continue;
                    }
                };
                folders.attach(&mut analysis.report);
                let report = tally.file(config, analysis);
                on_event(Event::File(&report))?;
            }
        }
        for mut report in folders.leftovers() {
            tally.outcome.summary.suppressed += config.apply(&mut report, &[], &mut tally.usage);
            tally.leave_out_baselined(&mut report);
            tally.outcome.summary.add(&report);
            tally.judge(&report);
            on_event(Event::Extra(&report))?;
        }
        if let Some(mut report) = config.unused_suppressions(&tally.usage, whole_tree) {
            tally.leave_out_baselined(&mut report);
            tally.outcome.summary.add_findings(&report);
            tally.judge(&report);
            on_event(Event::Extra(&report))?;
        }
        Ok(tally.outcome)
    }

    /// The command line's `fail-on`, else the configuration's, else errors.
    fn fail_on(&self) -> FailOn {
        self.input.fail_on.unwrap_or_else(|| {
            self.input
                .config
                .fail_on
                .unwrap_or(FailOn::AtLeast(Severity::Error))
        })
    }

    /// Whether a directory argument contains the configuration's whole tree: only then is a
    /// suppression of a file that was not linted stale.
    fn covers_whole_tree(&self) -> bool {
        let root = &self.input.config.root;
        self.input
            .paths
            .iter()
            .any(|p| p.is_dir() && root.starts_with(config::normalize(&self.input.cwd.join(p))))
    }
}

/// The running counts of a run.
struct Tally<'a> {
    fail_on: FailOn,
    baseline: Option<&'a Baseline>,
    cwd: &'a Path,
    outcome: Outcome,
    usage: Usage,
}

impl Tally<'_> {
    /// Applies the configuration and the baseline to a linted file and counts it.
    fn file(&mut self, config: &Config, mut analysis: Analysis) -> FileReport {
        self.outcome.summary.suppressed +=
            config.apply(&mut analysis.report, &analysis.policies, &mut self.usage);
        let mut report = analysis.report;
        self.leave_out_baselined(&mut report);
        self.outcome.summary.add(&report);
        self.judge(&report);
        report
    }

    /// Removes the findings the baseline holds, and counts them.
    fn leave_out_baselined(&mut self, report: &mut FileReport) {
        if let (Some(baseline), Some(n)) = (self.baseline, &mut self.outcome.summary.baselined) {
            let path = config::relative_path(Path::new(report.source.name()), self.cwd, self.cwd);
            *n += baseline.filter(report, &path);
        }
    }

    /// Notes whether the report fails the run.
    fn judge(&mut self, report: &FileReport) {
        if report
            .findings
            .iter()
            .any(|f| self.fail_on.fails(f.finding.severity))
        {
            self.outcome.failed = true;
        }
    }
}

/// Lints one chunk of files in parallel, in order; a folder's policy skips its own audit
/// (the folder audits it).
fn analyze_chunk(
    chunk: &[PathBuf],
    folders: &FolderFindings,
    options: &LintOptions,
) -> Vec<Result<Analysis, (PathBuf, std::io::Error)>> {
    let folder_policy_options = LintOptions {
        audit: false,
        ..options.clone()
    };
    chunk
        .par_iter()
        .map(|path| {
            let o = if folders.is_folder_policy(path) {
                &folder_policy_options
            } else {
                options
            };
            read_and_analyze(path, o).map_err(|e| (path.clone(), e))
        })
        .collect()
}

/// Lints a file, or standard input for `-` (read up to one byte past the size limit).
fn read_and_analyze(path: &Path, options: &LintOptions) -> std::io::Result<Analysis> {
    if path.as_os_str() == "-" {
        let bytes = crate::load::read_stdin()?;
        return Ok(super::analyze_bytes("<stdin>", bytes, options));
    }
    super::analyze_path(path, options)
}
