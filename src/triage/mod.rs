//! Triage: decides which findings are reported. Applied after scanning, so suppressed findings
//! are counted, never silently lost. Order: inline allow comments, then path allowlist.

use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::config::{Config, ConfigError};

/// Markers that, anywhere on a finding's line, suppress it (gitleaks' marker is honoured so a
/// migrating repository keeps its annotations).
pub const INLINE_ALLOW: &[&[u8]] = &[b"leakhound:allow", b"gitleaks:allow"];

/// The compiled allowlist.
#[derive(Debug, Default)]
pub struct Triage {
    paths: Option<GlobSet>,
}

impl Triage {
    /// Compiles the configuration's allowlist; `source` names the config in errors.
    ///
    /// # Errors
    /// [`ConfigError::Glob`] for a glob that does not parse.
    pub fn from_config(config: &Config, source: &Path) -> Result<Self, ConfigError> {
        if config.allowlist.paths.is_empty() {
            return Ok(Triage::default());
        }
        let mut b = GlobSetBuilder::new();
        for g in &config.allowlist.paths {
            let glob = Glob::new(g).map_err(|e| ConfigError::Glob {
                path: source.to_path_buf(),
                glob: g.clone(),
                message: e.kind().to_string(),
            })?;
            b.add(glob);
        }
        let set = b.build().map_err(|e| ConfigError::Glob {
            path: source.to_path_buf(),
            glob: String::new(),
            message: e.to_string(),
        })?;
        Ok(Triage { paths: Some(set) })
    }

    /// Whether a file at `path` (as reported) is allowlisted.
    pub fn path_allowed(&self, path: &str) -> bool {
        self.paths.as_ref().is_some_and(|s| s.is_match(path))
    }

    /// Whether `line` carries an inline allow marker.
    pub fn inline_allowed(line: &[u8]) -> bool {
        INLINE_ALLOW
            .iter()
            .any(|m| memchr::memmem::find(line, m).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_inline() {
        let cfg = Config::parse(
            Path::new("c"),
            "allowlist:\n  paths: ['fixtures/**', '**/*.snap']\n",
        )
        .unwrap();
        let t = Triage::from_config(&cfg, Path::new("c")).unwrap();
        assert!(t.path_allowed("fixtures/a/b.env"));
        assert!(t.path_allowed("src/x/y.snap"));
        assert!(!t.path_allowed("src/main.rs"));
        assert!(Triage::inline_allowed(b"token = 'x' # leakhound:allow"));
        assert!(Triage::inline_allowed(b"token = 'x' // gitleaks:allow"));
        assert!(!Triage::inline_allowed(b"token = 'x'"));
    }

    #[test]
    fn bad_glob_is_reported() {
        let cfg = Config::parse(Path::new("c.yaml"), "allowlist:\n  paths: ['a/{b']\n").unwrap();
        let err = Triage::from_config(&cfg, Path::new("c.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("c.yaml") && err.contains("a/{b"), "{err}");
    }
}
