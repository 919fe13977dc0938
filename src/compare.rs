//! The two sides of `s3-access diff`: OLD and NEW paths (files, bucket folders or directories,
//! whose inputs are paired by their path relative to OLD and NEW), or the working tree against
//! a git revision (OLD read with `git ls-tree`/`git show` through [`crate::git`]). Inputs are
//! found and loaded as `who-can` finds them ([`crate::public::inputs`]), so every kind of input
//! those readers learn is compared too; the comparison itself is [`crate::exact::diff`].

pub mod plan;

use crate::exact::diff::{BucketDiff, diff};
use crate::exact::who_can::WhoCanOptions;
use crate::git::{Git, GitError};
use crate::load::{Links, Root, WalkError};
use crate::public::inputs::{self, InputError};
use std::path::{Component, Path, PathBuf};

/// One input of either side compared with its counterpart.
#[derive(Debug)]
pub struct Pair {
    /// OLD's input as shown (a path, or `REV:path`); `None` when only NEW has it.
    pub old: Option<String>,
    /// NEW's input as shown; `None` when only OLD has it.
    pub new: Option<String>,
    /// The difference in access.
    pub diff: BucketDiff,
    /// The resource address of a bucket declared in infrastructure as code.
    pub address: Option<String>,
}

/// Everything compared, and what could not be.
#[derive(Debug, Default)]
pub struct Compared {
    /// The pairs, in NEW's order, then the inputs only OLD has.
    pub pairs: Vec<Pair>,
    /// Inputs that cannot be judged (either side).
    pub errors: Vec<InputError>,
    /// Entries that could not be listed, and links left alone.
    pub walk_errors: Vec<WalkError>,
}

/// How the comparison is made.
#[derive(Debug, Clone, Default)]
pub struct CompareOptions {
    /// Actions, resource and time, as for `who-can`.
    pub scope: WhoCanOptions,
    /// Whether to find removed access too.
    pub removed: bool,
    /// A directory paths named by documents may lead into besides the inputs (`--root`).
    pub widen: Option<PathBuf>,
    /// Whether to follow symbolic links inside the root.
    pub follow: bool,
}

/// Why no comparison could be made.
#[derive(Debug)]
pub enum CompareError {
    /// git could not read the revision.
    Git(GitError),
    /// A path that cannot be read at a revision (absolute, or leading up with `..`).
    Path(PathBuf),
    /// The revision's files could not be written to a temporary directory.
    Io(std::io::Error),
}

impl std::fmt::Display for CompareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompareError::Git(e) => write!(f, "{e}"),
            CompareError::Path(p) => write!(
                f,
                "{} cannot be compared with a revision: give a path inside the current directory, without `..`",
                p.display()
            ),
            CompareError::Io(e) => write!(f, "cannot write the revision's files: {e}"),
        }
    }
}

impl std::error::Error for CompareError {}

/// A bucket model found on one side, with its path relative to the side's base and its label.
struct Found {
    relative: PathBuf,
    label: String,
    address: Option<String>,
    model: crate::eval::bucket::BucketModel,
}

/// Compares the inputs under `old` with those under `new`.
pub fn paths(old: &Path, new: &Path, options: &CompareOptions) -> Compared {
    let mut out = Compared::default();
    let olds = side(&[old.to_path_buf()], options, &mut out, &|p| {
        p.display().to_string()
    });
    let news = side(&[new.to_path_buf()], options, &mut out, &|p| {
        p.display().to_string()
    });
    out.pairs = pair(olds, news, options);
    out
}

/// Compares the working tree's inputs under `paths` (relative to `repo`, the current
/// directory; empty for all of it) with the same paths at revision `rev`.
pub fn against_revision(
    repo: &Path,
    rev: &str,
    paths: &[PathBuf],
    options: &CompareOptions,
) -> Result<Compared, CompareError> {
    let paths: Vec<PathBuf> = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    for p in &paths {
        if !p
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(CompareError::Path(p.clone()));
        }
    }
    let git = Git::new(repo);
    let commit = git.rev_parse(rev).map_err(CompareError::Git)?;
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let files = git
        .ls_tree(&commit, &name_refs)
        .map_err(CompareError::Git)?;
    let tmp = TempDir::new().map_err(CompareError::Io)?;
    for f in &files {
        let relative = Path::new(f);
        if !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            continue;
        }
        let bytes = git
            .show(&commit, &format!("./{f}"))
            .map_err(CompareError::Git)?;
        let target = tmp.0.join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(CompareError::Io)?;
        }
        std::fs::write(&target, bytes).map_err(CompareError::Io)?;
    }
    let mut out = Compared::default();
    let base = tmp.0.clone();
    let at_rev = |p: &Path| {
        let shown = p.strip_prefix(&base).unwrap_or(p);
        format!("{rev}:{}", shown.display())
    };
    let old_paths: Vec<PathBuf> = paths.iter().map(|p| tmp.0.join(p)).collect();
    let mut olds = Vec::new();
    let mut news = Vec::new();
    for (o, n) in old_paths.iter().zip(&paths) {
        if o.exists() {
            olds.extend(side(std::slice::from_ref(o), options, &mut out, &at_rev));
        }
        // A path deleted from the working tree is all removed access, not an unreadable input.
        if n.exists() {
            news.extend(side(std::slice::from_ref(n), options, &mut out, &|p| {
                p.display().to_string()
            }));
        }
    }
    for f in &mut olds {
        rename_sources(&mut f.model, &base, rev);
    }
    out.pairs = pair(olds, news, options);
    Ok(out)
}

/// Every bucket found under `bases`, with its path relative to the base it was found under.
fn side(
    bases: &[PathBuf],
    options: &CompareOptions,
    out: &mut Compared,
    label: &dyn Fn(&Path) -> String,
) -> Vec<Found> {
    let root = Root::new(bases, options.widen.as_deref());
    let links = if options.follow {
        Links::Follow(&root)
    } else {
        Links::Skip
    };
    let mut found = Vec::new();
    for input in inputs::discover(bases, &root, links, &mut out.walk_errors) {
        let path = input.path();
        let relative = relative_to(bases, &input);
        match input.load(&root) {
            Ok(inputs::Loaded::Bucket(model)) => found.push(Found {
                relative,
                label: label(path),
                address: match &input {
                    inputs::PublicInput::Iac(i) => i.address.clone(),
                    _ => None,
                },
                model: *model,
            }),
            Ok(inputs::Loaded::Skipped(_)) => {}
            Err(e) => out.errors.push(e),
        }
    }
    found
}

/// The path `input` is paired by: relative to the base it was found under; for a bucket of an
/// IaC file, the file's relative path and `#ADDRESS` (so `old.tf` and `new.tf` pair by address).
fn relative_to(bases: &[PathBuf], input: &inputs::PublicInput) -> PathBuf {
    let strip = |path: &Path| {
        bases
            .iter()
            .find_map(|b| path.strip_prefix(b).ok())
            .unwrap_or(path)
            .to_path_buf()
    };
    match input {
        inputs::PublicInput::Iac(i) => match &i.address {
            Some(a) => PathBuf::from(format!("{}#{a}", strip(&i.file).display())),
            None => strip(&i.shown),
        },
        _ => strip(input.path()),
    }
}

/// Pairs the inputs by relative path and compares each pair.
fn pair(olds: Vec<Found>, news: Vec<Found>, options: &CompareOptions) -> Vec<Pair> {
    let mut olds: Vec<Option<Found>> = olds.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for n in news {
        let old = olds
            .iter_mut()
            .find(|o| o.as_ref().is_some_and(|o| o.relative == n.relative))
            .and_then(Option::take);
        out.push(Pair {
            diff: diff(
                old.as_ref().map(|o| &o.model),
                Some(&n.model),
                &options.scope,
                options.removed,
            ),
            old: old.map(|o| o.label),
            new: Some(n.label),
            address: n.address,
        });
    }
    for o in olds.into_iter().flatten() {
        out.push(Pair {
            diff: diff(Some(&o.model), None, &options.scope, options.removed),
            old: Some(o.label),
            new: None,
            address: o.address,
        });
    }
    out
}

/// Names the documents read from the temporary copy of revision `rev` as `REV:path`.
fn rename_sources(model: &mut crate::eval::bucket::BucketModel, base: &Path, rev: &str) {
    for d in &mut model.graph.documents {
        let name = d.source.name();
        if let Ok(rest) = Path::new(name).strip_prefix(base) {
            let shown = format!("{rev}:{}", rest.display());
            d.source = crate::source::SourceFile::new(shown, d.source.text());
        }
    }
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<TempDir> {
        let base = std::env::temp_dir();
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mut last = None;
        for i in 0..100u32 {
            let dir = base.join(format!("s3-access-rev-{stamp}-{i}"));
            // `create_dir` fails when the name exists: the directory is ours alone.
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(TempDir(dir)),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no temporary directory")))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
