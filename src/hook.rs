//! `leakhound install-hook`: writes a git `pre-commit` hook that runs `leakhound git --staged`.
//!
//! The hook goes where git looks for it: `core.hooksPath` when set (relative paths are relative
//! to the work tree, as git resolves them), else the common `.git/hooks` directory (shared by
//! worktrees). An existing hook that is not ours is kept and chained: it is renamed to
//! `pre-commit.leakhound-chained` and our hook runs it first, so installing never clobbers a
//! team's hook. Installing twice is a no-op unless `force`.

use std::path::{Path, PathBuf};

use thiserror::Error;

/// Marker line identifying a hook written by leakhound.
pub const MARKER: &str = "# leakhound pre-commit hook";
/// Name an existing, foreign hook is moved to.
pub const CHAINED: &str = "pre-commit.leakhound-chained";

/// Why the hook could not be installed.
#[derive(Debug, Error)]
pub enum HookError {
    /// Not inside a git repository.
    #[error("{path}: not a git repository: {message}")]
    NotARepo {
        /// Where we looked.
        path: PathBuf,
        /// libgit2's message.
        message: String,
    },
    /// A bare repository has no commits to guard.
    #[error("{0}: bare repository: there are no commits made here to guard")]
    Bare(PathBuf),
    /// A file operation failed.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error (not a `source`: its text is already part of this message).
        error: std::io::Error,
    },
    /// A chained hook already exists, so a second foreign hook cannot be chained.
    #[error(
        "{0} already exists; move it away or pass --force to overwrite the leakhound hook only"
    )]
    ChainTaken(PathBuf),
    /// The hook path is a symbolic link to nothing: writing would create its target, wherever
    /// it points, and make it executable (issue 13).
    #[error(
        "{0} is a dangling symbolic link; refusing to write through it (remove it, then run \
         install-hook again)"
    )]
    DanglingLink(PathBuf),
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installed {
    /// A new hook was written.
    Written(PathBuf),
    /// A new hook was written and the previous one chained.
    Chained {
        /// Our hook.
        hook: PathBuf,
        /// Where the previous hook now lives.
        previous: PathBuf,
    },
    /// Our hook was already there; nothing changed.
    AlreadyInstalled(PathBuf),
}

/// The hook script. `fallback` is the absolute path of the installing binary, used when
/// `leakhound` is not on `PATH` at commit time.
pub fn script(fallback: &Path) -> String {
    let fallback = fallback.display().to_string().replace('\'', "'\\''");
    format!(
        "#!/bin/sh\n{MARKER} (installed by `leakhound install-hook`; remove this file to uninstall)\n\
         hookdir=$(dirname \"$0\")\n\
         if [ -x \"$hookdir/{CHAINED}\" ]; then\n  \"$hookdir/{CHAINED}\" \"$@\" || exit $?\nfi\n\
         lh=$(command -v leakhound 2>/dev/null || echo '{fallback}')\n\
         exec \"$lh\" git --staged --trust-config --no-progress\n"
    )
}

/// The directory git runs hooks from for the repository at or above `start`.
///
/// # Errors
/// [`HookError::NotARepo`] or [`HookError::Bare`].
pub fn hooks_dir(start: &Path) -> Result<PathBuf, HookError> {
    let repo = git2::Repository::discover(start).map_err(|e| HookError::NotARepo {
        path: start.to_path_buf(),
        message: e.message().to_string(),
    })?;
    if repo.is_bare() {
        return Err(HookError::Bare(repo.path().to_path_buf()));
    }
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok());
    Ok(match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.workdir().unwrap_or_else(|| repo.path()).join(p),
        None => repo.commondir().join("hooks"),
    })
}

/// Installs the hook for the repository at or above `start`.
///
/// # Errors
/// [`HookError`] for a missing repository or a failed write.
pub fn install(start: &Path, fallback: &Path, force: bool) -> Result<Installed, HookError> {
    let dir = hooks_dir(start)?;
    std::fs::create_dir_all(&dir).map_err(|error| HookError::Io {
        path: dir.clone(),
        error,
    })?;
    let hook = dir.join("pre-commit");
    let chained = dir.join(CHAINED);
    let mut previous = None;
    let is_link = std::fs::symlink_metadata(&hook).is_ok_and(|m| m.file_type().is_symlink());
    if is_link && std::fs::metadata(&hook).is_err() {
        return Err(HookError::DanglingLink(hook));
    }
    match std::fs::read(&hook) {
        Ok(existing) if String::from_utf8_lossy(&existing).contains(MARKER) => {
            if !force {
                return Ok(Installed::AlreadyInstalled(hook));
            }
        }
        Ok(_) => {
            if chained.exists() {
                return Err(HookError::ChainTaken(chained));
            }
            std::fs::rename(&hook, &chained).map_err(|error| HookError::Io {
                path: hook.clone(),
                error,
            })?;
            previous = Some(chained);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(HookError::Io { path: hook, error }),
    }
    // A new hook is created exclusively (`O_EXCL` does not follow a link that appeared
    // meanwhile); only a leakhound hook being rewritten with --force is truncated in place.
    let mut open = std::fs::OpenOptions::new();
    open.write(true);
    if previous.is_some() || std::fs::symlink_metadata(&hook).is_err() {
        open.create_new(true);
    } else {
        open.truncate(true);
    }
    open.open(&hook)
        .and_then(|mut f| std::io::Write::write_all(&mut f, script(fallback).as_bytes()))
        .map_err(|error| HookError::Io {
            path: hook.clone(),
            error,
        })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).map_err(
            |error| HookError::Io {
                path: hook.clone(),
                error,
            },
        )?;
    }
    Ok(match previous {
        Some(previous) => Installed::Chained { hook, previous },
        None => Installed::Written(hook),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn init(dir: &Path) {
        git2::Repository::init(dir).unwrap();
    }

    #[test]
    fn writes_then_is_idempotent_then_forces() {
        let d = tempfile::tempdir().unwrap();
        init(d.path());
        let bin = Path::new("/opt/leak hound/leakhound");
        let first = install(d.path(), bin, false).unwrap();
        let hook = d.path().join(".git/hooks/pre-commit");
        assert_eq!(first, Installed::Written(hook.clone()));
        let text = std::fs::read_to_string(&hook).unwrap();
        assert!(
            text.contains(MARKER)
                && text.contains("git --staged")
                && text.contains("/opt/leak hound/leakhound")
        );
        assert_eq!(
            install(d.path(), bin, false).unwrap(),
            Installed::AlreadyInstalled(hook.clone())
        );
        assert_eq!(
            install(d.path(), bin, true).unwrap(),
            Installed::Written(hook)
        );
    }

    #[test]
    fn chains_a_foreign_hook_and_respects_hooks_path() {
        let d = tempfile::tempdir().unwrap();
        init(d.path());
        let repo = git2::Repository::open(d.path()).unwrap();
        repo.config()
            .unwrap()
            .set_str("core.hooksPath", ".githooks")
            .unwrap();
        std::fs::create_dir(d.path().join(".githooks")).unwrap();
        std::fs::write(
            d.path().join(".githooks/pre-commit"),
            "#!/bin/sh\necho lint\n",
        )
        .unwrap();
        let got = install(
            &d.path().join(".githooks"),
            Path::new("/bin/leakhound"),
            false,
        )
        .unwrap();
        let hook = d.path().join(".githooks/pre-commit");
        assert_eq!(
            got,
            Installed::Chained {
                hook: hook.clone(),
                previous: d.path().join(".githooks").join(CHAINED)
            }
        );
        assert_eq!(
            std::fs::read_to_string(d.path().join(".githooks").join(CHAINED)).unwrap(),
            "#!/bin/sh\necho lint\n"
        );
        assert!(std::fs::read_to_string(hook).unwrap().contains(MARKER));
    }

    #[test]
    fn not_a_repo_is_a_clear_error() {
        let d = tempfile::tempdir().unwrap();
        let err = install(d.path(), Path::new("/bin/leakhound"), false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a git repository"), "{err}");
    }
}
