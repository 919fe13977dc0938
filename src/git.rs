//! The one external program s3-access runs: `git`, to read a file as it was at another
//! revision (for comparing a pull request with its base). Nothing else in the crate starts a
//! process or opens a connection (`tests/security.rs` checks the source).
//!
//! Revisions and paths come from the repository being checked, which anyone can write to in a
//! pull request: each is passed as one argument, never through a shell, and only after
//! `--end-of-options`, so a ref or file named `--output=/tmp/x` or `-c core.pager=...` is a
//! name, never an option. No pager, no external diff, no text conversion filter runs, and the
//! output read is bounded like any input.

use crate::json::MAX_INPUT_BYTES;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why git gave no answer.
#[derive(Debug)]
pub enum GitError {
    /// git could not be started or read.
    Io(std::io::Error),
    /// git said no (an unknown revision, a path not in it), with what it printed.
    Failed(String),
    /// The output is longer than the input limit.
    TooLarge,
}

impl std::fmt::Display for GitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GitError::Io(e) => write!(f, "cannot run git: {e}"),
            GitError::Failed(said) => write!(f, "git failed: {}", said.trim()),
            GitError::TooLarge => write!(f, "git's output is over the input limit"),
        }
    }
}

impl std::error::Error for GitError {}

/// A repository to ask.
#[derive(Debug, Clone)]
pub struct Git {
    repo: PathBuf,
}

impl Git {
    /// The repository at `repo` (its work tree or any directory inside it).
    pub fn new(repo: &Path) -> Git {
        Git {
            repo: repo.to_path_buf(),
        }
    }

    /// The commit id `rev` names (`git rev-parse --verify --end-of-options REV^{commit}`).
    pub fn rev_parse(&self, rev: &str) -> Result<String, GitError> {
        let out = self.run(
            &["rev-parse", "--verify", "--quiet", "--end-of-options"],
            &[&format!("{rev}^{{commit}}")],
        )?;
        String::from_utf8(out)
            .map(|s| s.trim().to_string())
            .map_err(|_| GitError::Failed("not a commit id".to_string()))
    }

    /// The bytes of `path` at `rev` (`git show --end-of-options REV:PATH`), at most one byte
    /// past the input limit ([`GitError::TooLarge`] beyond).
    pub fn show(&self, rev: &str, path: &str) -> Result<Vec<u8>, GitError> {
        self.run(
            &["show", "--no-textconv", "--no-ext-diff", "--end-of-options"],
            &[&format!("{rev}:{path}")],
        )
    }

    /// The files (blobs) under `paths` at `rev`, relative to the repository directory given
    /// to [`Git::new`] (`git ls-tree -r -z --end-of-options REV -- PATH...`); links and
    /// submodules are left out.
    pub fn ls_tree(&self, rev: &str, paths: &[&str]) -> Result<Vec<String>, GitError> {
        let mut names = vec![rev, "--"];
        names.extend_from_slice(paths);
        let out = self.run(&["ls-tree", "-r", "-z", "--end-of-options"], &names)?;
        let text = String::from_utf8_lossy(&out);
        Ok(text
            .split('\0')
            .filter_map(|entry| {
                let (meta, path) = entry.split_once('\t')?;
                // "<mode> <type> <object>": regular files only (mode 100644 or 100755).
                let mut parts = meta.split(' ');
                let mode = parts.next()?;
                (parts.next() == Some("blob") && mode.starts_with("100")).then(|| path.to_string())
            })
            .collect())
    }

    /// Runs `git -C REPO --no-pager OPTIONS... NAMES...` without a shell and reads its
    /// output within the limit. `options` are this module's constants; `names` come from the
    /// repository and always follow `--end-of-options`.
    fn run(&self, options: &[&str], names: &[&str]) -> Result<Vec<u8>, GitError> {
        debug_assert!(options.last() == Some(&"--end-of-options"));
        let mut child = Command::new("git")
            .arg("-C")
            .arg(&self.repo)
            .args(["--no-pager", "-c", "core.fsmonitor=false"])
            .args(options)
            .args(names)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_EXTERNAL_DIFF")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(GitError::Io)?;
        let mut out = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            stdout
                .take(MAX_INPUT_BYTES as u64 + 1)
                .read_to_end(&mut out)
                .map_err(GitError::Io)?;
        }
        if out.len() > MAX_INPUT_BYTES {
            let _ = child.kill();
            let _ = child.wait();
            return Err(GitError::TooLarge);
        }
        let mut said = String::new();
        if let Some(stderr) = child.stderr.take() {
            let _ = stderr.take(4096).read_to_string(&mut said);
        }
        let status = child.wait().map_err(GitError::Io)?;
        if status.success() {
            Ok(out)
        } else {
            Err(GitError::Failed(said))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repository with one commit holding `files`.
    fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let git = |args: &[&str]| {
            let ok = Command::new("git")
                .arg("-C")
                .arg(dir.path())
                .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
                .args(args)
                .output()
                .unwrap()
                .status
                .success();
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        git(&["add", "--all"]);
        git(&["commit", "-q", "-m", "one"]);
        dir
    }

    #[test]
    fn files_are_read_at_a_revision() {
        let dir = repo(&[("p.json", "{\"a\": 1}\n")]);
        let git = Git::new(dir.path());
        let head = git.rev_parse("HEAD").unwrap();
        assert_eq!(head.len(), 40);
        assert_eq!(git.show(&head, "p.json").unwrap(), b"{\"a\": 1}\n");
        assert!(matches!(
            git.show("HEAD", "missing.json"),
            Err(GitError::Failed(_))
        ));
    }

    #[test]
    fn trees_list_regular_files_under_paths() {
        let dir = repo(&[("a.json", "{}\n"), ("b.json", "[]\n")]);
        let git = Git::new(dir.path());
        let mut all = git.ls_tree("HEAD", &["."]).unwrap();
        all.sort();
        assert_eq!(all, ["a.json", "b.json"]);
        assert_eq!(git.ls_tree("HEAD", &["b.json"]).unwrap(), ["b.json"]);
        assert!(git.ls_tree("HEAD", &["missing"]).unwrap().is_empty());
        assert!(git.ls_tree("--output=x", &["."]).is_err());
    }

    #[test]
    fn names_that_look_like_options_are_names() {
        let dir = repo(&[("--output=evil.json", "{}\n")]);
        let listing = || {
            let mut names: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            names.sort();
            names
        };
        let before = listing();
        let git = Git::new(dir.path());
        // A file whose name is an option is read as a file.
        assert_eq!(git.show("HEAD", "--output=evil.json").unwrap(), b"{}\n");
        let written = dir.path().join("written");
        let pager = format!("core.pager=touch {}", written.display());
        for rev in [
            format!("--output={}", written.display()),
            "-c".to_string(),
            pager.clone(),
            format!("-c {pager}"),
            "--exec-path=/tmp".to_string(),
        ] {
            assert!(git.rev_parse(&rev).is_err(), "{rev}");
            assert!(git.show(&rev, "x.json").is_err(), "{rev}");
            assert!(git.show("HEAD", &rev).is_err(), "{rev}");
        }
        assert_eq!(listing(), before, "an option was obeyed");
    }
}
