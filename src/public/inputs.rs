//! What `s3-access public` judges: bucket folders (directories with a bucket manifest),
//! bucket or access point policy files, and the buckets infrastructure as code declares
//! (Terraform module directories and `.tf` files, plans, CloudFormation templates: one input
//! per bucket, built by `iac::model`), found under the paths given, each loaded into a
//! [`BucketModel`]. Other policies and recognised non-policy files are skipped; anything that cannot
//! be judged is an [`InputError`] whose message is what the command prints.

use crate::aws_docs::folder::{FolderKind, folder_kind};
use crate::eval::{self, bucket::BucketModel};
use crate::iac::recognise::{ByName, by_name};
use crate::load::{self, FileKind, FileReport, LoadOptions, WalkError};
use crate::policy::PolicyKind;
use crate::public::iac::{self, iac_inputs};
use crate::registry::Severity;
use std::fmt;
use std::path::{Path, PathBuf};

/// One thing to judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicInput {
    /// A bucket folder.
    Folder(PathBuf),
    /// A policy file (judged only if it is a bucket or access point policy).
    Policy(PathBuf),
    /// A bucket declared in infrastructure as code.
    Iac(IacInput),
}

/// A bucket declared in infrastructure as code, or an IaC input that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IacInput {
    /// What is read: a module directory, a `.tf` file (read with its directory), a plan or a
    /// template.
    pub file: PathBuf,
    /// The bucket's resource address or logical id; `None` when the input has reading errors.
    pub address: Option<String>,
    /// How it is shown: `main.tf#aws_s3_bucket.logs`.
    pub shown: PathBuf,
}

/// What loading an input gave: a bucket to judge, or the reason the input is not one.
#[derive(Debug)]
pub enum Loaded {
    /// The bucket to judge.
    Bucket(Box<BucketModel>),
    /// Not a bucket or access point policy (another policy kind, another AWS document): why.
    Skipped(String),
}

/// An input and what became of it, so that every input the run found is reported, judged or
/// not (a report that drops a file reads as if the file were fine).
#[derive(Debug)]
pub struct InputEntry<T> {
    /// The folder or file, as found.
    pub path: PathBuf,
    /// What became of it.
    pub outcome: InputOutcome<T>,
}

/// What became of an input.
#[derive(Debug)]
pub enum InputOutcome<T> {
    /// Judged: the command's result on it.
    Judged(T),
    /// It cannot be judged: the error, with its located diagnostics.
    Failed(InputError),
    /// It is not a bucket or access point policy: why.
    Skipped(String),
}

impl<T> InputEntry<T> {
    /// The entry of `input`, loaded within `root` and, when it is a bucket, judged by `judge`.
    pub fn judge(
        input: &PublicInput,
        root: &load::Root,
        judge: impl FnOnce(BucketModel) -> T,
    ) -> InputEntry<T> {
        let outcome = match input.load(root) {
            Ok(Loaded::Bucket(b)) => InputOutcome::Judged(judge(*b)),
            Ok(Loaded::Skipped(why)) => InputOutcome::Skipped(why),
            Err(e) => InputOutcome::Failed(e),
        };
        InputEntry {
            path: input.path().to_path_buf(),
            outcome,
        }
    }

    /// The result, when the input was judged.
    pub fn judged(&self) -> Option<&T> {
        match &self.outcome {
            InputOutcome::Judged(t) => Some(t),
            InputOutcome::Failed(_) | InputOutcome::Skipped(_) => None,
        }
    }
}

/// Why an input cannot be judged.
#[derive(Debug)]
pub enum InputError {
    /// The input has errors; the reports say where.
    Invalid {
        /// The folder or file.
        path: PathBuf,
        /// The reports with the errors.
        reports: Vec<FileReport>,
    },
    /// The file could not be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
    /// The policy could not be loaded.
    Load(eval::LoadError),
    /// An IaC input names a bucket its file does not declare; the message says which it does.
    NoSuchBucket(String),
}

impl InputError {
    /// The reports to show before the message.
    pub fn reports(&self) -> &[FileReport] {
        match self {
            InputError::Invalid { reports, .. } => reports,
            InputError::Unreadable { .. } | InputError::Load(_) | InputError::NoSuchBucket(_) => {
                &[]
            }
        }
    }
}

impl InputError {
    /// Why the input cannot be judged, without its path (which reports print beside it).
    pub fn reason(&self) -> String {
        match self {
            InputError::Invalid { reports, .. } => {
                let n = reports
                    .iter()
                    .flat_map(|r| &r.findings)
                    .filter(|f| f.finding.severity == Severity::Error)
                    .count();
                if n == 0 {
                    "cannot be judged: not read as a bucket folder or a policy".to_string()
                } else {
                    format!("cannot be judged: {n} error{} in it", plural(n))
                }
            }
            InputError::Unreadable { error, .. } => format!("cannot be read: {error}"),
            InputError::Load(e) => e.to_string(),
            InputError::NoSuchBucket(m) => m.clone(),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Invalid { path, .. } => write!(
                f,
                "{} cannot be judged: fix the errors above",
                path.display()
            ),
            InputError::Unreadable { path, error } => {
                write!(f, "cannot read {}: {error}", path.display())
            }
            InputError::Load(e) => write!(f, "{e}"),
            InputError::NoSuchBucket(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for InputError {}

/// Finds bucket folders and policy files under `paths`: a directory that is a bucket folder
/// is one input; in other directories, each bucket folder below is one input and each policy
/// file outside bucket and account folders another. Entries that cannot be listed go to
/// `errors`.
pub fn discover(
    paths: &[PathBuf],
    root: &load::Root,
    links: load::Links<'_>,
    errors: &mut Vec<WalkError>,
) -> Vec<PublicInput> {
    let mut out = Vec::new();
    for p in paths {
        if let Some(found) = iac_inputs(p, root) {
            out.extend(found);
            continue;
        }
        if !p.is_dir() {
            out.push(PublicInput::Policy(p.clone()));
            continue;
        }
        if folder_kind(p) == Some(FolderKind::Bucket) {
            out.push(PublicInput::Folder(p.clone()));
            continue;
        }
        let mut folders: Vec<PathBuf> = Vec::new();
        let mut modules: Vec<PathBuf> = Vec::new();
        for f in load::collect_lint_inputs(std::slice::from_ref(p), links, errors) {
            let Some(dir) = f.parent() else { continue };
            let enclosing = dir
                .ancestors()
                .take_while(|a| a.starts_with(p))
                .find_map(|a| folder_kind(a).map(|kind| (a, kind)));
            match enclosing {
                Some((folder, FolderKind::Bucket)) => {
                    if !folders.iter().any(|x| x == folder) {
                        folders.push(folder.to_path_buf());
                        out.push(PublicInput::Folder(folder.to_path_buf()));
                    }
                }
                // A file of an account folder is part of the buckets that refer to it.
                Some((_, FolderKind::Account)) => {}
                // A module directory is one unit, however many `.tf` files it has.
                None if by_name(&f) == ByName::Terraform => {
                    if !modules.iter().any(|m| m == dir) {
                        modules.push(dir.to_path_buf());
                        out.extend(iac_inputs(dir, root).unwrap_or_default());
                    }
                }
                None => match iac_inputs(&f, root) {
                    Some(found) => out.extend(found),
                    None if by_name(&f) == ByName::Json => out.push(PublicInput::Policy(f)),
                    // YAML that is not a template: not a bucket.
                    None => {}
                },
            }
        }
    }
    out
}

impl PublicInput {
    /// The folder or file.
    pub fn path(&self) -> &Path {
        match self {
            PublicInput::Folder(p) | PublicInput::Policy(p) => p,
            PublicInput::Iac(i) => &i.shown,
        }
    }

    /// The bucket to judge, or why a file cannot be public (another policy kind, a
    /// recognised non-policy document). What a folder names must stay inside `root`.
    pub fn load(&self, root: &load::Root) -> Result<Loaded, InputError> {
        match self {
            PublicInput::Folder(dir) => crate::aws_docs::load_bucket(dir, root)
                .and_then(|f| BucketModel::from_folder(&f))
                .map(|b| Loaded::Bucket(Box::new(b)))
                .map_err(|reports| InputError::Invalid {
                    path: dir.clone(),
                    reports,
                }),
            PublicInput::Policy(path) => load_policy(path),
            PublicInput::Iac(input) => iac::load(input, root).map(|b| Loaded::Bucket(Box::new(b))),
        }
    }
}

/// A bucket of one bucket or access point policy file.
fn load_policy(path: &Path) -> Result<Loaded, InputError> {
    let invalid = |report: FileReport| InputError::Invalid {
        path: path.to_path_buf(),
        reports: vec![report],
    };
    let report = crate::aws_docs::folder::analyze_path(path, &LoadOptions::default())
        .map(|a| a.report)
        .map_err(|error| InputError::Unreadable {
            path: path.to_path_buf(),
            error,
        })?;
    let kind = match &report.file_kind {
        _ if report.max_severity() == Some(Severity::Error) => None,
        FileKind::Policy { kind, .. } => Some(*kind),
        FileKind::Other { what } => {
            return Ok(Loaded::Skipped(format!(
                "{what}: not a bucket or access point policy"
            )));
        }
        FileKind::Iac { .. } | FileKind::Unknown => None,
    };
    // Only bucket and access point policies can be public.
    let access_point = match kind {
        None => return Err(invalid(report)),
        Some(PolicyKind::Bucket) => false,
        Some(PolicyKind::AccessPoint) => true,
        Some(other) => {
            return Ok(Loaded::Skipped(format!(
                "policy of kind `{}`: not a bucket or access point policy",
                other.as_str()
            )));
        }
    };
    match BucketModel::from_policy(report.source, access_point) {
        Ok(b) => Ok(Loaded::Bucket(Box::new(b))),
        Err(eval::LoadError::Invalid(r) | eval::LoadError::NoPolicy(r)) => Err(invalid(*r)),
        Err(e) => Err(InputError::Load(e)),
    }
}
