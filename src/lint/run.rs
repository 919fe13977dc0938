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
    /// Files or directories (directories are searched for `.json` files, Terraform and
    /// CloudFormation); `-` is stdin.
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
    /// A JSON or YAML file found in a directory that is not an AWS document at all
    /// (`package.json`, a CI configuration): skipped quietly, counted in the summary.
    Skipped(&'a Path),
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
    /// Findings removed by `[[suppress]]` entries of the configuration or suppression
    /// comments of IaC files.
    pub suppressed: usize,
    /// Findings left out because the baseline holds them (`--baseline`); `None` without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baselined: Option<usize>,
    /// JSON and YAML files found in directories that are not AWS documents, skipped.
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped: usize,
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
            // An IaC file counts the policies it declares (issue 12).
            FileKind::Iac { policies, .. } => self.policies += policies,
            FileKind::Other { .. } => self.other_documents += 1,
            FileKind::Unknown => {}
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

fn is_zero(n: &usize) -> bool {
    *n == 0
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
    var_files: &'a [PathBuf],
    skip_named: bool,
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
        let mut files = crate::load::collect_lint_inputs(input.paths, links, &mut walk_errors);
        files.retain(|f| f.as_os_str() == "-" || !input.config.is_excluded(f));
        LintRun {
            input,
            baseline: None,
            root,
            files,
            walk_errors,
            var_files: &[],
            skip_named: false,
        }
    }

    /// The same run, reporting only the findings `baseline` does not hold (the summary counts
    /// the others as baselined).
    pub fn with_baseline(mut self, baseline: &'a Baseline) -> LintRun<'a> {
        self.baseline = Some(baseline);
        self
    }

    /// Skips files named on the command line that are not AWS documents, as a directory
    /// walk does (`--skip-unrecognised`: a pre-commit hook names every changed `.json`).
    pub fn skip_unrecognised(mut self, skip: bool) -> LintRun<'a> {
        self.skip_named = skip;
        self
    }

    /// Variable files (`--var-file`) for every Terraform module the run reads, after the
    /// module's own `terraform.tfvars` and `*.auto.tfvars`.
    pub fn var_files(mut self, files: &'a [PathBuf]) -> LintRun<'a> {
        self.var_files = files;
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
        let units = units(&self.files);
        let module_dirs: Vec<PathBuf> = units
            .iter()
            .filter_map(|u| match u {
                Unit::Module { dir, .. } => Some(dir.clone()),
                Unit::File(_) => None,
            })
            .collect();
        let context = Context {
            options: &options,
            named: if self.skip_named {
                Default::default()
            } else {
                self.input.paths.iter().map(PathBuf::as_path).collect()
            },
            var_files: self.var_files,
            module_dirs: &module_dirs,
            root: &self.root,
        };
        for chunk in units.chunks(CHUNK) {
            for done in analyze_chunk(chunk, &folders, &context) {
                let mut analysis = match done {
                    Done::Report(a) => a,
                    Done::Skipped(path) => {
                        tally.outcome.summary.skipped += 1;
                        on_event(Event::Skipped(&path))?;
                        continue;
                    }
                    Done::Unreadable(path, error) => {
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
        if let FileKind::Iac { .. } = analysis.report.file_kind {
            self.outcome.summary.suppressed += super::comments::apply(&mut analysis.report);
        }
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

/// What the run lints: a file, or a Terraform module directory (its `.tf` files are read
/// together; `named` are those of them the run was given or found).
#[derive(Debug)]
enum Unit {
    File(PathBuf),
    Module { dir: PathBuf, named: Vec<PathBuf> },
}

/// The files grouped into units, in path order (a module where its first file was).
fn units(files: &[PathBuf]) -> Vec<Unit> {
    use crate::iac::recognise::{ByName, by_name};
    let mut out: Vec<Unit> = Vec::new();
    let mut module_at: std::collections::HashMap<PathBuf, usize> = Default::default();
    for f in files {
        if f.as_os_str() == "-" || by_name(f) != ByName::Terraform {
            out.push(Unit::File(f.clone()));
            continue;
        }
        let dir = f.parent().map(Path::to_path_buf).unwrap_or_default();
        match module_at.get(&dir) {
            Some(&i) => {
                if let Some(Unit::Module { named, .. }) = out.get_mut(i) {
                    named.push(f.clone());
                }
            }
            None => {
                module_at.insert(dir.clone(), out.len());
                out.push(Unit::Module {
                    dir,
                    named: vec![f.clone()],
                });
            }
        }
    }
    out
}

/// What every unit of a run is linted with.
struct Context<'c> {
    options: &'c LintOptions,
    /// The paths given on the command line: a file named there is always read (a set: a
    /// hook may name thousands).
    named: std::collections::HashSet<&'c Path>,
    var_files: &'c [PathBuf],
    module_dirs: &'c [PathBuf],
    root: &'c Root,
}

/// One result of a unit.
enum Done {
    Report(Analysis),
    Skipped(PathBuf),
    Unreadable(PathBuf, std::io::Error),
}

/// Lints one chunk of units in parallel, in order; a folder's policy skips its own audit
/// (the folder audits it).
fn analyze_chunk(chunk: &[Unit], folders: &FolderFindings, context: &Context<'_>) -> Vec<Done> {
    let folder_policy_options = LintOptions {
        audit: false,
        ..context.options.clone()
    };
    let per_unit: Vec<Vec<Done>> = chunk
        .par_iter()
        .map(|unit| match unit {
            Unit::Module { dir, named } => super::iac::analyze_module(
                dir,
                named,
                context.var_files,
                context.module_dirs,
                context.root,
                context.options,
            )
            .into_iter()
            .map(|r| match r {
                Ok(a) => Done::Report(a),
                Err((p, e)) => Done::Unreadable(p, e),
            })
            .collect(),
            Unit::File(path) => {
                let o = if folders.is_folder_policy(path) {
                    &folder_policy_options
                } else {
                    context.options
                };
                let named = context.named.contains(path.as_path());
                vec![match read_and_analyze(path, o, named) {
                    Ok(Some(a)) => Done::Report(a),
                    Ok(None) => Done::Skipped(path.clone()),
                    Err(e) => Done::Unreadable(path.clone(), e),
                }]
            }
        })
        .collect();
    per_unit.into_iter().flatten().collect()
}

/// Lints a file, or standard input for `-` (read up to one byte past the size limit):
/// `None` when a file found in a directory is not an AWS document at all.
fn read_and_analyze(
    path: &Path,
    options: &LintOptions,
    named: bool,
) -> std::io::Result<Option<Analysis>> {
    if path.as_os_str() == "-" {
        let bytes = crate::load::read_stdin()?;
        return Ok(Some(super::analyze_input("<stdin>", bytes, options)));
    }
    let bytes = crate::load::read_limited(path)?;
    let mut analysis = super::analyze_input(&path.display().to_string(), bytes, options);
    // A file of a bucket or account folder is an AWS document by its place (the folder's
    // findings are attached to it), whatever its content.
    if crate::aws_docs::folder::in_folder(path) {
        crate::aws_docs::folder::absent_in_folder(path, &mut analysis);
    } else if !named && is_not_aws(&analysis.report) {
        return Ok(None);
    }
    Ok(Some(analysis))
}

/// Whether a report says "not an AWS document" and nothing else, for a file that does not
/// look like one ([`crate::load::looks_like_aws_json`]; YAML that is not a template).
fn is_not_aws(report: &FileReport) -> bool {
    let only_e007 = report.file_kind == FileKind::Unknown
        && !report.findings.is_empty()
        && report
            .findings
            .iter()
            .all(|f| f.finding.code == Code::NotAPolicy);
    only_e007
        && crate::json::parse(report.source.text())
            .map_or(true, |v| !crate::load::looks_like_aws_json(&v))
}
