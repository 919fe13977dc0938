//! Bucket folders in a lint run. A folder is judged as a unit: its policies are audited
//! against the folder's Block Public Access, owner and default encryption, the configuration
//! checks run on its documents, and shape or consistency errors of its files are reported.
//! The findings are then attached to the files the run lints, found by their normalised path
//! (a folder reaches its account folder through `../account`).

use super::{FileReport, LintOptions, Located, Root};
use crate::audit::{self, Audited};
use crate::aws_docs::folder::{self, BucketFolder, FolderKind, Setting, folder_kind};
use crate::diagnostic::Finding;
use crate::eval::bucket::BucketModel;
use crate::eval::graph::Layer;
use crate::source::SourceFile;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use crate::config::normalize;

/// What the bucket folders of a run add to its files.
#[derive(Debug, Default)]
pub struct FolderFindings {
    /// Findings per file, with the file's source.
    by_file: HashMap<PathBuf, (SourceFile, Vec<Finding>)>,
    /// Located findings of files that failed to load, per file.
    errors: HashMap<PathBuf, FileReport>,
    /// Policy files audited with their folder (their own audit is skipped).
    policies: Vec<PathBuf>,
}

/// Whether `dir` holds a bucket manifest.
fn is_bucket_folder(dir: &Path) -> bool {
    folder_kind(dir) == Some(FolderKind::Bucket)
}

/// Finds the bucket folders holding `files` and audits each.
/// Folders load within `root`: what they name must stay inside it.
pub fn audit(files: &[PathBuf], options: &LintOptions, root: &Root) -> FolderFindings {
    let mut out = FolderFindings::default();
    if !options.audit {
        return out;
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    for f in files {
        // The folder itself, or the folder above `access-points/NAME/` or `objects/`.
        for dir in f.ancestors().skip(1).take(3) {
            if dir.as_os_str().is_empty() {
                break;
            }
            if is_bucket_folder(dir) {
                if !dirs.iter().any(|d| d == dir) {
                    dirs.push(dir.to_path_buf());
                }
                break;
            }
        }
    }
    for dir in dirs {
        out.add_folder(&dir, options, root);
    }
    out
}

/// The bucket-level audit of one bucket folder, read from disk or built from IaC
/// ([`crate::iac::model`]): its policies with the bucket's Block Public Access, owner and
/// default encryption, then the settings checks. A policy with errors is left out (its own
/// lint reports it). Also gives the model it was judged on.
pub(super) fn audit_bucket(
    folder: &BucketFolder,
    options: &LintOptions,
) -> (BucketModel, Vec<Audited>) {
    let (bucket, _) = BucketModel::from_folder_lenient(folder);
    let mut found: Vec<Audited> = Vec::new();
    let shapes = audit::coverage::Shapes::new(&bucket.graph, &bucket.name);
    let ctx = audit::Context {
        shapes: &shapes,
        graph: &bucket.graph,
        bucket: &bucket.name,
        // A bucket from IaC whose name is not known offline has its address as its name.
        bucket_known: !folder
            .unsettled
            .iter()
            .any(|u| u.part == folder::Part::Name),
        owner: bucket.owner.as_deref(),
        trust: &options.trust,
        default_encryption: folder.encryption.doc(),
        bpa_known: bucket.known.account_bpa || bucket.known.bucket_bpa,
    };
    found.extend(audit::policies(&ctx));
    audit::settings::check(&bucket, folder, &mut found);
    (bucket, found)
}

impl FolderFindings {
    fn add_folder(&mut self, dir: &Path, options: &LintOptions, root: &Root) {
        let loaded = folder::load_bucket(dir, root);
        let folder = match loaded {
            Ok(f) => f,
            Err(reports) => {
                for r in reports {
                    self.add_errors(r);
                }
                return;
            }
        };
        let (bucket, found) = audit_bucket(&folder, options);
        for (_, d) in bucket.graph.documents_of(Layer::Bucket) {
            self.policies.push(normalize(Path::new(d.source.name())));
        }
        for (_, d) in bucket.graph.documents_of(Layer::AccessPoint) {
            self.policies.push(normalize(Path::new(d.source.name())));
        }
        if let Setting::Present(l) = &folder.policy {
            self.policies.push(normalize(Path::new(l.source.name())));
        }
        for a in found {
            let key = normalize(Path::new(a.source.name()));
            let entry = self
                .by_file
                .entry(key)
                .or_insert_with(|| (a.source.clone(), Vec::new()));
            let dup = entry.1.iter().any(|f| {
                f.code == a.finding.code
                    && f.span == a.finding.span
                    && f.message == a.finding.message
            });
            if !dup {
                entry.1.push(a.finding);
            }
        }
    }

    fn add_errors(&mut self, report: FileReport) {
        let key = normalize(Path::new(report.source.name()));
        match self.errors.get_mut(&key) {
            Some(r) => r.findings.extend(report.findings),
            None => {
                self.errors.insert(key, report);
            }
        }
    }

    /// Whether `path` is a policy that its folder audits (so its own audit is skipped).
    pub fn is_folder_policy(&self, path: &Path) -> bool {
        let key = normalize(path);
        self.policies.contains(&key)
    }

    /// Adds the folder findings of the report's file to it.
    pub fn attach(&mut self, report: &mut FileReport) {
        let key = normalize(Path::new(report.source.name()));
        if let Some((_, findings)) = self.by_file.remove(&key) {
            report.add(findings);
        }
        if let Some(errors) = self.errors.remove(&key) {
            report.findings.extend(errors.findings);
            report
                .findings
                .sort_by_key(|f| (f.start.line, f.start.column, f.finding.code));
        }
    }

    /// Reports for files the run did not lint (an account folder outside the paths given).
    pub fn leftovers(self) -> Vec<FileReport> {
        let mut out: Vec<FileReport> = self.errors.into_values().collect();
        for (_, (source, findings)) in self.by_file {
            let mut r = FileReport {
                source,
                file_kind: super::FileKind::Other {
                    what: "bucket folder document",
                },
                findings: Vec::<Located>::new(),
            };
            r.add(findings);
            out.push(r);
        }
        out.sort_by(|a, b| a.source.name().cmp(b.source.name()));
        out
    }
}
