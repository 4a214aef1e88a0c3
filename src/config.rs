//! Project configuration: `.leakhound.yaml` at the scan root, or `--config FILE`.
//!
//! ```yaml
//! rules:
//!   disable: [generic-password]      # built-in rule ids to turn off
//! allowlist:
//!   paths: ["fixtures/**", "**/*_test.go"]   # globs, relative to the scan root
//! ```
//! Unknown keys are errors, reported with the file and line.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

/// The file name looked for at the scan root.
pub const DEFAULT_FILE: &str = ".leakhound.yaml";

/// Why a configuration could not be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read config: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The YAML did not parse or did not fit the schema.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A glob in `allowlist.paths` is invalid.
    #[error("{path}: allowlist.paths: invalid glob {glob:?}: {message}")]
    Glob {
        /// The file.
        path: PathBuf,
        /// The glob as written.
        glob: String,
        /// What is wrong with it.
        message: String,
    },
    /// `rules.disable` names a rule that does not exist.
    #[error("{path}: rules.disable: no rule with id {id:?} (`leakhound rules` lists them)")]
    UnknownRule {
        /// The file.
        path: PathBuf,
        /// The unknown id.
        id: String,
    },
}

/// The whole configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Rule selection.
    #[serde(default)]
    pub rules: RulesConfig,
    /// What not to report.
    #[serde(default)]
    pub allowlist: AllowlistConfig,
}

/// `rules:` section.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// Built-in rule ids to turn off.
    #[serde(default)]
    pub disable: Vec<String>,
}

/// `allowlist:` section.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistConfig {
    /// Globs matched against reported paths; findings in matching files are suppressed.
    #[serde(default)]
    pub paths: Vec<String>,
}

impl Config {
    /// Parses configuration text; `path` names it in errors.
    ///
    /// # Errors
    /// [`ConfigError::Parse`] with the parser's line and column.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        serde_saphyr::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Loads `path`.
    ///
    /// # Errors
    /// [`ConfigError::Read`] or [`ConfigError::Parse`].
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_unknown_keys() {
        let c = Config::parse(
            Path::new("c.yaml"),
            "allowlist:\n  paths: ['fixtures/**']\n",
        )
        .unwrap();
        assert_eq!(c.allowlist.paths, ["fixtures/**"]);
        let err = Config::parse(Path::new("c.yaml"), "allowlist:\n  pathz: []\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.yaml") && err.contains("pathz"), "{err}");
        assert!(Config::parse(Path::new("c.yaml"), "")
            .unwrap()
            .allowlist
            .paths
            .is_empty());
    }
}
