//! Containment: what a run may read. s3-access lints files anyone can put in a pull request,
//! and CI logs are often readable by the same person (docs/security.md), so a path that one
//! document names for another must not lead out of the tree being checked, and a file that is
//! not a real file (a kernel pseudo-file such as `/proc/self/environ`) is never read.
//!
//! - [`Root`]: the directories and files given on the command line, widened only by an
//!   explicit `--root DIR`.
//! - [`Root::resolve`]: the one way to turn a path written in a document into a path to open.
//!   Every reader that follows a reference calls it: bucket manifests (object ACLs,
//!   `account_dir`), the fixed files of bucket, account and access point folders, scenario
//!   policy and S3 document paths, and the infrastructure-as-code readers (Terraform `file()`,
//!   `templatefile()` and local module `source`, CloudFormation nested templates).
//! - [`check_real_file`]: refuses pseudo-files on an opened file, wherever a file is read.

use crate::diagnostic::Finding;
use crate::registry::Code;
use crate::source::Span;
use std::path::{Component, Path, PathBuf};

/// The tree a run may read: every path a document names must resolve (symbolic links
/// followed) inside one of its directories. A directory given stands for itself; a file given
/// for the directory holding it (a scenario names the policies beside it, a policy file of a
/// bucket folder is audited with the folder's other files).
#[derive(Debug, Clone, Default)]
pub struct Root {
    /// Canonical paths.
    entries: Vec<PathBuf>,
}

/// Why a path written in a document is not followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// An absolute path: a document names files relative to itself.
    Absolute,
    /// The path leads out of the root (through `..` or a symbolic link), or the root is empty.
    Outside,
    /// The path goes through a hidden file or directory (`.git`, `.env`), which the walk
    /// skips too: it is where CI keeps credentials.
    Hidden,
}

/// A reference that was not followed; the file it names is never opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The path as written.
    pub written: String,
    /// Why.
    pub why: Refusal,
}

impl Refused {
    /// The finding, located at the reference (`span` in the naming file).
    // rule: E011
    pub fn finding(&self, span: Span) -> Finding {
        let why = match self.why {
            Refusal::Absolute => "it is an absolute path",
            Refusal::Outside => "it leads outside the root (the paths given on the command line)",
            Refusal::Hidden => "it goes through a hidden file or directory",
        };
        Finding::new(
            Code::ReferenceOutsideRoot,
            span,
            format!("`{}` is not read: {why}", self.written),
        )
        .with_help(
            "name files relative to this file, inside the tree being checked; `--root DIR` \
             widens the tree",
        )
    }
}

impl Root {
    /// The root made of `paths` (as given on the command line; `-` and paths that do not
    /// exist add nothing) and `widen` (`--root DIR`).
    pub fn new(paths: &[PathBuf], widen: Option<&Path>) -> Root {
        let entries = paths
            .iter()
            .map(PathBuf::as_path)
            .chain(widen)
            .filter(|p| p.as_os_str() != "-")
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .map(|c| match c.parent() {
                Some(parent) if !c.is_dir() => parent.to_path_buf(),
                _ => c,
            });
        // Each directory once, in the order given: files of one directory named one by one
        // (a pre-commit hook names every changed file) would otherwise make every containment
        // check scan them all, quadratic in the number of files.
        let mut seen = std::collections::HashSet::new();
        let entries = entries.filter(|e| seen.insert(e.clone())).collect();
        Root { entries }
    }

    /// Whether `path` (an existing path, symbolic links followed) is inside the root.
    pub fn contains(&self, path: &Path) -> bool {
        std::fs::canonicalize(path).is_ok_and(|c| self.place(&c).is_some())
    }

    /// The root entry holding the canonical path `c`, and the part of `c` below it.
    fn place<'c>(&self, c: &'c Path) -> Option<&'c Path> {
        self.entries.iter().find_map(|e| c.strip_prefix(e).ok())
    }

    /// Resolves `written`, a path a document names, relative to `from` (the naming file's
    /// directory): the path to open, or why it must not be. Symbolic links are resolved
    /// before the check, so a link inside the tree that points out of it is refused; a path
    /// that does not exist is checked through its longest existing ancestor (the caller
    /// reports it missing). Absolute paths are always refused.
    pub fn resolve(&self, from: &Path, written: &str) -> Result<PathBuf, Refused> {
        let refuse = |why| Refused {
            written: written.to_string(),
            why,
        };
        let rel = Path::new(written);
        if rel.is_absolute() || rel.has_root() || written.starts_with('\\') {
            return Err(refuse(Refusal::Absolute));
        }
        let joined = from.join(rel);
        let resolved = resolve_existing(&joined).ok_or_else(|| refuse(Refusal::Outside))?;
        let below = self
            .place(&resolved)
            .ok_or_else(|| refuse(Refusal::Outside))?;
        if below.components().any(is_hidden) || rel.components().any(is_hidden) {
            return Err(refuse(Refusal::Hidden));
        }
        Ok(joined)
    }
}

fn is_hidden(c: Component<'_>) -> bool {
    matches!(c, Component::Normal(n) if n.to_string_lossy().starts_with('.'))
}

/// The canonical form of `path`: its longest existing ancestor canonicalised (symbolic links
/// resolved), the rest normalised by the words (`..` after a missing directory cannot be a
/// link). `None` when nothing of it exists.
fn resolve_existing(path: &Path) -> Option<PathBuf> {
    let mut missing: Vec<Component<'_>> = Vec::new();
    let mut existing = path;
    let base = loop {
        match std::fs::canonicalize(if existing.as_os_str().is_empty() {
            Path::new(".")
        } else {
            existing
        }) {
            Ok(c) => break c,
            Err(_) => {
                missing.push(existing.components().next_back()?);
                existing = existing.parent()?;
            }
        }
    };
    let mut out = base;
    for c in missing.into_iter().rev() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            _ => {}
        }
    }
    Some(out)
}

/// Refuses a kernel pseudo-file: a file of procfs (`/proc`) or sysfs (`/sys`) is regular in
/// type but made up when read (`/proc/self/environ` is the process's environment, secrets
/// included). The test is on the opened file (`fstat`), so no link or rename between a check
/// and the read escapes it: on Linux, a file on the same device as `/proc` or `/sys` is one.
pub fn check_real_file(file: &std::fs::File) -> std::io::Result<()> {
    let meta = file.metadata()?;
    if is_pseudo(&meta) {
        return Err(std::io::Error::other(
            "a kernel pseudo-file (procfs or sysfs), not a real file; not read",
        ));
    }
    Ok(())
}

#[cfg(unix)]
fn is_pseudo(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    static DEVICES: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    let devices = DEVICES.get_or_init(|| {
        ["/proc", "/sys"]
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.dev())
            .collect()
    });
    devices.contains(&meta.dev())
}

#[cfg(not(unix))]
fn is_pseudo(_meta: &std::fs::Metadata) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let inside = dir.path().join("repo");
        std::fs::create_dir_all(inside.join("a/b")).unwrap();
        std::fs::write(inside.join("a/x.json"), "{}").unwrap();
        std::fs::write(dir.path().join("secret.json"), "{}").unwrap();
        (dir, inside)
    }

    #[test]
    fn files_of_one_directory_make_one_entry() {
        // A hook names every changed file: the root must not grow with them (each check
        // scans the entries).
        let (_dir, inside) = tree();
        let a = inside.join("a");
        let files: Vec<PathBuf> = (0..50)
            .map(|i| {
                let f = a.join(format!("f{i}.json"));
                std::fs::write(&f, "{}").unwrap();
                f
            })
            .chain([inside.clone()])
            .collect();
        let root = Root::new(&files, None);
        assert_eq!(root.entries.len(), 2);
        assert!(root.contains(&a.join("x.json")));
        assert!(root.contains(&inside.join("a/b")));
    }

    #[test]
    fn references_resolve_inside_the_root_and_nowhere_else() {
        let (_t, repo) = tree();
        let root = Root::new(std::slice::from_ref(&repo), None);
        let b = repo.join("a/b");
        assert_eq!(root.resolve(&b, "../x.json").unwrap(), b.join("../x.json"));
        assert!(root.resolve(&b, "missing/new.json").is_ok());
        let why = |w: &str| root.resolve(&b, w).unwrap_err().why;
        assert_eq!(why("../../../secret.json"), Refusal::Outside);
        assert_eq!(why("../../../missing/../secret.json"), Refusal::Outside);
        assert_eq!(why("/proc/self/environ"), Refusal::Absolute);
        assert_eq!(why("../.git/config"), Refusal::Hidden);
        assert_eq!(
            Root::default().resolve(&b, "../x.json").unwrap_err().why,
            Refusal::Outside
        );
        // `--root` widens.
        let wide = Root::new(std::slice::from_ref(&repo), repo.parent());
        assert!(wide.resolve(&b, "../../../secret.json").is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_are_resolved_before_the_check() {
        let (_t, repo) = tree();
        std::os::unix::fs::symlink(repo.join("../secret.json"), repo.join("a/link.json")).unwrap();
        std::os::unix::fs::symlink("/proc/self", repo.join("a/proc")).unwrap();
        let root = Root::new(std::slice::from_ref(&repo), None);
        let a = repo.join("a");
        assert_eq!(
            root.resolve(&a, "link.json").unwrap_err().why,
            Refusal::Outside
        );
        assert_eq!(
            root.resolve(&a, "proc/environ").unwrap_err().why,
            Refusal::Outside
        );
        assert!(!root.contains(&a.join("link.json")));
        assert!(root.contains(&a.join("x.json")));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn kernel_pseudo_files_are_refused_real_files_are_not() {
        let environ = std::fs::File::open("/proc/self/environ").unwrap();
        assert!(check_real_file(&environ).is_err());
        let real = std::fs::File::open(file!()).unwrap();
        assert!(check_real_file(&real).is_ok());
    }
}
