//! Finding the files that steer a scan the way git finds its own: starting at the scanned
//! directory and walking up to the repository root.
//!
//! - The **repository root** is the nearest directory, the scanned one included, that holds a
//!   `.git` entry (a directory, or the file a worktree or submodule has). The walk never goes
//!   above it: a file in a parent of the repository belongs to someone else.
//! - **Outside a repository** only the scanned directory itself is looked in. Walking up to `/`
//!   would let whoever can write `/tmp/.leakhound.yaml` allowlist every scan of `/tmp/x`.
//! - The **nearest** directory holding a file wins; files of the same kind are not merged
//!   (as `.editorconfig` with `root = true`, not as `.gitignore`): what applies is one file you
//!   can open and read.
//! - `.leakhound.yaml` and `.leakhound.yml` are both accepted; both in one directory is an error
//!   naming them, rather than a silent choice.
//! - Every file found is read through [`crate::control_file::read`] with the repository root
//!   as the boundary: a symbolic link must resolve inside the repository, wherever on the walk
//!   it was found.

use std::path::{Component, Path, PathBuf};

use thiserror::Error;

/// Configuration file names, in the order they are named in messages.
pub const CONFIG_FILES: [&str; 2] = [".leakhound.yaml", ".leakhound.yml"];

/// The gitleaks configuration used when there is no leakhound configuration.
pub const GITLEAKS_FILE: &str = ".gitleaks.toml";

/// Why the search failed.
#[derive(Debug, Error)]
pub enum DiscoverError {
    /// The scanned directory cannot be resolved.
    #[error("{path}: cannot look for configuration files: {error}")]
    Start {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        error: std::io::Error,
    },
    /// Two spellings of one file in one directory.
    #[error(
        "{first} and {second} both exist: leakhound reads one configuration file per directory; \
         merge them into one and delete the other"
    )]
    Both {
        /// The first name, as shown.
        first: PathBuf,
        /// The second.
        second: PathBuf,
    },
}

/// Where to look: the directories from the scanned one up to the repository root.
#[derive(Debug, Clone)]
pub struct Search {
    /// Canonical directories, nearest first; the last is [`Search::root`].
    dirs: Vec<PathBuf>,
    /// The repository root, or the scanned directory outside a repository (canonical).
    root: PathBuf,
    /// Whether `root` holds `.git`.
    in_repository: bool,
}

impl Search {
    /// The search from directory `start` (a file's parent directory for a file).
    ///
    /// # Errors
    /// [`DiscoverError::Start`] when `start` cannot be resolved.
    pub fn new(start: &Path) -> Result<Self, DiscoverError> {
        let start = if start.as_os_str().is_empty() {
            Path::new(".")
        } else {
            start
        };
        let canonical = std::fs::canonicalize(start).map_err(|error| DiscoverError::Start {
            path: start.to_path_buf(),
            error,
        })?;
        let mut dirs = Vec::new();
        for dir in canonical.ancestors() {
            dirs.push(dir.to_path_buf());
            // `symlink_metadata`: a `.git` file (worktree, submodule) or directory both count.
            if std::fs::symlink_metadata(dir.join(".git")).is_ok() {
                let root = dir.to_path_buf();
                return Ok(Search {
                    dirs,
                    root,
                    in_repository: true,
                });
            }
        }
        Ok(Search {
            dirs: vec![canonical.clone()],
            root: canonical,
            in_repository: false,
        })
    }

    /// A search of `dir` alone, walking nowhere (a bare repository: it has no work tree to be
    /// inside of, and a repository around it is not its own).
    ///
    /// # Errors
    /// [`DiscoverError::Start`] when `dir` cannot be resolved.
    pub fn only(dir: &Path) -> Result<Self, DiscoverError> {
        let canonical = std::fs::canonicalize(dir).map_err(|error| DiscoverError::Start {
            path: dir.to_path_buf(),
            error,
        })?;
        Ok(Search {
            dirs: vec![canonical.clone()],
            root: canonical,
            in_repository: true,
        })
    }

    /// The boundary: the repository root, or the scanned directory outside a repository.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the scanned directory is inside a git repository.
    #[must_use]
    pub fn in_repository(&self) -> bool {
        self.in_repository
    }

    /// The nearest file named one of `names`, as shown to the user ([`shown`]). An entry that
    /// exists in any form (a symbolic link, a FIFO) counts as found, so that the reader can
    /// refuse it by name instead of the search skipping it silently.
    ///
    /// # Errors
    /// [`DiscoverError::Both`] when two of `names` are in the nearest directory holding any.
    pub fn find(&self, names: &[&str]) -> Result<Option<PathBuf>, DiscoverError> {
        for dir in &self.dirs {
            let present: Vec<PathBuf> = names
                .iter()
                .map(|n| dir.join(n))
                .filter(|p| std::fs::symlink_metadata(p).is_ok())
                .collect();
            match present.as_slice() {
                [] => {}
                [one] => return Ok(Some(shown(one))),
                [first, second, ..] => {
                    return Err(DiscoverError::Both {
                        first: shown(first),
                        second: shown(second),
                    })
                }
            }
        }
        Ok(None)
    }
}

/// `abs` as the user would type it from the current directory: `./x`, `../x`, or absolute when
/// the two share nothing below `/`.
#[must_use]
pub fn shown(abs: &Path) -> PathBuf {
    let Some(cwd) = std::env::current_dir()
        .ok()
        .and_then(|c| std::fs::canonicalize(c).ok())
    else {
        return abs.to_path_buf();
    };
    relative(abs, &cwd).unwrap_or_else(|| abs.to_path_buf())
}

/// `abs` relative to directory `base` (both absolute): `./x` inside it, `../x` beside it;
/// `None` when they share only the filesystem root.
fn relative(abs: &Path, base: &Path) -> Option<PathBuf> {
    let a: Vec<Component> = abs.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common <= 1 {
        return None;
    }
    let mut out = PathBuf::new();
    if common == b.len() {
        out.push(".");
    }
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &a[common..] {
        out.push(c);
    }
    Some(out)
}

/// `dir` relative to `root` with `/` separators, or `None` when it is `root` itself or not
/// under it (both canonical).
#[must_use]
pub fn prefix_in(dir: &Path, root: &Path) -> Option<String> {
    let rel = dir.strip_prefix(root).ok()?;
    if rel.as_os_str().is_empty() {
        return None;
    }
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        let r = |a: &str, b: &str| {
            relative(Path::new(a), Path::new(b)).map(|p| p.display().to_string())
        };
        assert_eq!(
            r("/r/a/.leakhound.yaml", "/r/a").as_deref(),
            Some("./.leakhound.yaml")
        );
        assert_eq!(
            r("/r/.leakhound.yaml", "/r/a/b").as_deref(),
            Some("../../.leakhound.yaml")
        );
        assert_eq!(r("/r/x/c", "/r/y").as_deref(), Some("../x/c"));
        assert_eq!(r("/r/c", "/s"), None);
    }

    #[test]
    fn walks_up_to_the_repository_root_and_no_further() {
        let t = tempfile::tempdir().unwrap();
        let outer = t.path();
        std::fs::write(outer.join(".leakhound.yaml"), "").unwrap();
        let repo = outer.join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("a/b")).unwrap();
        let s = Search::new(&repo.join("a/b")).unwrap();
        assert!(s.in_repository());
        assert_eq!(s.root(), std::fs::canonicalize(&repo).unwrap());
        // The file above the repository is not found.
        assert!(s.find(&CONFIG_FILES).unwrap().is_none());
        std::fs::write(repo.join(".leakhound.yml"), "").unwrap();
        let found = s.find(&CONFIG_FILES).unwrap().unwrap();
        assert!(
            found.ends_with("repo/.leakhound.yml"),
            "{}",
            found.display()
        );
        std::fs::write(repo.join("a/.leakhound.yaml"), "").unwrap();
        let found = s.find(&CONFIG_FILES).unwrap().unwrap();
        assert!(found.ends_with("a/.leakhound.yaml"), "{}", found.display());
        std::fs::write(repo.join("a/.leakhound.yml"), "").unwrap();
        let err = s.find(&CONFIG_FILES).unwrap_err().to_string();
        assert!(
            err.contains("a/.leakhound.yaml and ") && err.contains("a/.leakhound.yml both exist"),
            "{err}"
        );
        assert_eq!(
            prefix_in(&std::fs::canonicalize(repo.join("a/b")).unwrap(), s.root()).as_deref(),
            Some("a/b")
        );
    }

    #[test]
    fn outside_a_repository_only_the_scanned_directory_counts() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join(".leakhound.yaml"), "").unwrap();
        std::fs::create_dir(t.path().join("sub")).unwrap();
        let s = Search::new(&t.path().join("sub")).unwrap();
        assert!(!s.in_repository());
        assert!(s.find(&CONFIG_FILES).unwrap().is_none());
        assert!(Search::new(t.path())
            .unwrap()
            .find(&CONFIG_FILES)
            .unwrap()
            .is_some());
    }
}
