//! Project configuration: `--config FILE`, the `LEAKHOUND_CONFIG` environment variable, or the
//! nearest `.leakhound.yaml`/`.leakhound.yml` from the scanned directory up to the repository
//! root ([`discover`]); the command line wins over the environment, which wins over discovery.
//!
//! ```yaml
//! rules:
//!   disable: [generic-password]                 # built-in rule ids to turn off
//!   fragments: { acme_id: '[a-z0-9]{20}' }     # pattern pieces for extra rules: {{acme_id}}
//!   extra: [ ...same schema as rules/*.yml... ] # your own rules
//!   override: { stripe-test-secret-key: { entropy: 4.0, confidence: low } }
//! allowlist:
//!   paths: ["fixtures/**", "**/*_test.go"]     # globs, relative to the scan root
//!   regexes: ["^sk_test_"]                      # matched against the secret
//!   stopwords: ["example", "dummy"]             # secret containing one (any case)
//!   fingerprints: ["3f2a..."]                   # findings to ignore
//! verifiers: [ ...same schema as verifiers/*.yml... ]  # for extra rules' `provider:`
//! ```
//! Unknown keys, bad globs, bad regexes, unknown rule ids: errors naming the file and line.

pub mod discover;
pub mod gitleaks;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;
use thiserror::Error;

use crate::control_file::{self, ControlFileError};
use crate::providers::declarative::{self, Declarative, Origin, RawVerifier};
use crate::rules::fragment::Scope;
use crate::rules::load::{self, validate_in, LoadError, RawRule};
use crate::rules::{Confidence, RuleSet};

/// The configuration file name `leakhound init` writes (`.leakhound.yml` is read too).
pub const DEFAULT_FILE: &str = ".leakhound.yaml";

/// Why a configuration could not be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read, or was refused (a link out of the tree, not a regular
    /// file, too large).
    #[error(transparent)]
    Read(#[from] ControlFileError),
    /// The YAML did not parse or did not fit the schema.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A value is invalid: a glob, a regex, an unknown rule id.
    #[error("{path}:{line}: {key}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the value.
        line: u64,
        /// The key, such as `allowlist.paths`.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A rule in `rules.extra` is invalid.
    #[error("{path}: rules.extra: {error}")]
    Rule {
        /// The file.
        path: PathBuf,
        /// The rule error (not a `source`: its text is already part of this message).
        error: LoadError,
    },
}

/// The whole configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Rule selection and tuning.
    #[serde(default)]
    pub rules: RulesConfig,
    /// What not to report.
    #[serde(default)]
    pub allowlist: AllowlistConfig,
    /// Declarative verifiers for the user's own rules (same schema as `verifiers/*.yml`),
    /// each pinned to the host its `base_url` names.
    #[serde(default)]
    pub verifiers: Vec<Spanned<RawVerifier>>,
}

/// `rules:` section.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// Built-in rule ids to turn off.
    #[serde(default)]
    pub disable: Vec<Spanned<String>>,
    /// Pattern fragments, by name, that `extra` rules refer to as `{{name}}` (besides the
    /// shared built-in ones).
    #[serde(default)]
    pub fragments: BTreeMap<String, Spanned<String>>,
    /// Additional rules, same schema as `rules/*.yml`.
    #[serde(default)]
    pub extra: Vec<Spanned<RawRule>>,
    /// Per-rule tuning of built-in (or extra) rules.
    #[serde(default, rename = "override")]
    pub overrides: BTreeMap<String, Spanned<RuleOverride>>,
}

/// What `rules.override` may change.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOverride {
    /// New minimum entropy.
    #[serde(default)]
    pub entropy: Option<f64>,
    /// New confidence.
    #[serde(default)]
    pub confidence: Option<Confidence>,
}

/// `allowlist:` section.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistConfig {
    /// Globs matched against reported paths; findings in matching files are suppressed.
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    /// Regexes matched against the secret.
    #[serde(default)]
    pub regexes: Vec<Spanned<String>>,
    /// Words that, contained in a secret (ASCII case-insensitively), suppress it.
    #[serde(default)]
    pub stopwords: Vec<Spanned<String>>,
    /// Fingerprints of findings to ignore.
    #[serde(default)]
    pub fingerprints: Vec<Spanned<String>>,
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
            // Without the source snippet: the file may hold secrets (issue 13).
            message: control_file::parser_message(&e.without_snippet().to_string()),
        })
    }

    /// Loads `path` through [`control_file::read`]: a symbolic link is followed only to a
    /// file inside `root`.
    ///
    /// # Errors
    /// [`ConfigError::Read`] or [`ConfigError::Parse`].
    pub fn load(path: &Path, root: &Path) -> Result<Self, ConfigError> {
        let text = control_file::read(path, root, "config")?;
        Self::parse(path, &text)
    }

    /// Validates `verifiers:`: each with the built-in verifiers' checks, https only (plain http
    /// only to a loopback address), and a name no provider (built-in, or an earlier entry) has.
    /// `path` names the config in errors.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the line, the verifier and the field.
    pub fn user_verifiers(&self, path: &Path) -> Result<Vec<&'static Declarative>, ConfigError> {
        let mut taken: std::collections::BTreeSet<String> = crate::providers::all()
            .iter()
            .map(|p| p.info().name.to_string())
            .collect();
        let mut out = Vec::new();
        for (i, raw) in self.verifiers.iter().enumerate() {
            let entry = format!("verifiers[{i}] ({:?})", raw.value.name);
            let d = declarative::validate(&entry, raw.value.clone(), Origin::User, &taken)
                .map_err(|e| ConfigError::Invalid {
                    path: path.to_path_buf(),
                    line: raw.referenced.line(),
                    key: "verifiers",
                    message: e.to_string(),
                })?;
            taken.insert(raw.value.name.clone());
            out.push(d);
        }
        Ok(out)
    }

    /// The ids of `rules.disable`.
    #[must_use]
    pub fn disabled_rules(&self) -> Vec<String> {
        self.rules
            .disable
            .iter()
            .map(|id| id.value.clone())
            .collect()
    }

    /// Applies `rules:` to `set`: checks the ids to disable (their findings are suppressed by
    /// triage, not left unscanned), adds and compiles extra rules (eagerly, so a pattern
    /// that is too large fails now), applies overrides. `path` names the config in errors.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for unknown ids or bad override values, [`ConfigError::Rule`]
    /// for an invalid extra rule.
    pub fn apply_rules(&self, set: &mut RuleSet, path: &Path) -> Result<(), ConfigError> {
        let invalid = |line: u64, key: &'static str, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            key,
            message,
        };
        // Disabled rules stay in the set: triage suppresses their findings and counts them
        // (issue 13: a change that disables a rule must show in the summary). `explain` drops
        // them itself with [`Config::disabled_rules`].
        for id in &self.rules.disable {
            if !set.rules().iter().any(|r| r.id.0 == id.value) {
                return Err(invalid(
                    id.referenced.line(),
                    "rules.disable",
                    format!(
                        "no rule with id {:?} (`leakhound rules` lists them)",
                        id.value
                    ),
                ));
            }
        }
        let name = path.display().to_string();
        let fragments = load::fragments(&name, &self.rules.fragments, set.shared_fragments())
            .map_err(|e| match e {
                LoadError::Fragment {
                    line,
                    name,
                    message,
                    ..
                } => invalid(line, "rules.fragments", format!("{name:?}: {message}")),
                error => ConfigError::Rule {
                    path: path.to_path_buf(),
                    error,
                },
            })?;
        let mut extra = RuleSet::default();
        for raw in &self.rules.extra {
            let line = raw.referenced.line();
            let scope = Scope {
                local: &fragments,
                shared: set.shared_fragments(),
            };
            let rule = validate_in(&name, line, raw.value.clone(), scope).map_err(|source| {
                ConfigError::Rule {
                    path: path.to_path_buf(),
                    error: source,
                }
            })?;
            // Checked here, not only by `extend`, so the error names the line of the second
            // definition (issue 4: file, line and rule id).
            if let Some(prev) = set
                .rules()
                .iter()
                .chain(extra.rules())
                .find(|r| r.id == rule.id)
            {
                return Err(ConfigError::Rule {
                    path: path.to_path_buf(),
                    error: LoadError::DuplicateId {
                        id: rule.id.0.clone(),
                        first: prev.source.clone(),
                        second: format!("{name}:{line}"),
                    },
                });
            }
            extra
                .extend(vec![rule])
                .map_err(|source| ConfigError::Rule {
                    path: path.to_path_buf(),
                    error: source,
                })?;
        }
        extra.compile_all().map_err(|source| ConfigError::Rule {
            path: path.to_path_buf(),
            error: source,
        })?;
        set.extend(extra.into_rules())
            .map_err(|source| ConfigError::Rule {
                path: path.to_path_buf(),
                error: source,
            })?;
        set.add_local_fragments(fragments);
        for (id, ov) in &self.rules.overrides {
            let line = ov.referenced.line();
            let Some(rule) = set.get_mut(id) else {
                return Err(invalid(
                    line,
                    "rules.override",
                    format!("no rule with id {id:?} (`leakhound rules` lists them)"),
                ));
            };
            if let Some(e) = ov.value.entropy {
                if !(0.0..=8.0).contains(&e) {
                    return Err(invalid(
                        line,
                        "rules.override",
                        format!("{id}: entropy {e} is outside 0..=8"),
                    ));
                }
                rule.entropy = e;
            }
            if let Some(c) = ov.value.confidence {
                rule.confidence = c;
            }
        }
        Ok(())
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
        assert_eq!(c.allowlist.paths[0].value, "fixtures/**");
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

    #[test]
    fn rules_section_applies() {
        let text = "rules:
  disable: [b-rule]
  extra:
    - id: acme-key
      name: Acme key
      keywords: [acme_]
      regex: '(?P<secret>acme_[a-z0-9]{20})'
  override:
    a-rule: { entropy: 4.5, confidence: low }
";
        let mut set = RuleSet::default();
        let base = "rules:\n  - {id: a-rule, name: A, keywords: [aaa_], regex: '(?P<secret>aaa_[0-9]{4})'}\n  - {id: b-rule, name: B, keywords: [bbb_], regex: '(?P<secret>bbb_[0-9]{4})'}\n";
        set.extend(crate::rules::load::parse_rules("base.yml", base).unwrap())
            .unwrap();
        let c = Config::parse(Path::new("c.yaml"), text).unwrap();
        c.apply_rules(&mut set, Path::new("c.yaml")).unwrap();
        let ids: Vec<&str> = set.rules().iter().map(|r| r.id.0.as_str()).collect();
        // b-rule stays: triage suppresses and counts its findings.
        assert_eq!(ids, ["a-rule", "b-rule", "acme-key"]);
        assert_eq!(c.disabled_rules(), ["b-rule"]);
        assert_eq!(set.rules()[0].entropy, 4.5);
        assert_eq!(set.rules()[0].confidence, Confidence::Low);
    }

    #[test]
    fn extra_rules_use_config_and_shared_fragments() {
        let shared = || {
            let mut set = RuleSet::default();
            set.load_shared_file("fragments.yml", "fragments:\n  end: '(?:\\b|$)'\n")
                .unwrap();
            set
        };
        let apply = |yaml: &str| {
            let mut set = shared();
            Config::parse(Path::new("c.yaml"), yaml)
                .unwrap()
                .apply_rules(&mut set, Path::new("c.yaml"))
                .map(|()| set)
                .map_err(|e| e.to_string())
        };
        let rule = "    - {id: acme-key, name: Acme, keywords: [acme_], regex: '(?P<secret>acme_{{acme_body}}){{end}}'}\n";
        let set = apply(&format!(
            "rules:\n  fragments:\n    acme_body: '[a-z0-9]{{20}}'\n  extra:\n{rule}"
        ))
        .unwrap();
        assert_eq!(
            set.rules()[0].pattern,
            "(?P<secret>acme_[a-z0-9]{20})(?:\\b|$)"
        );
        let err = apply(&format!("rules:\n  extra:\n{rule}")).unwrap_err();
        assert!(
            err.starts_with(
                "c.yaml: rules.extra: c.yaml:3: rule \"acme-key\": unknown fragment \"acme_body\""
            ),
            "{err}"
        );
        let err = apply("rules:\n  fragments:\n    end: 'x'\n").unwrap_err();
        assert!(
            err.starts_with("c.yaml:3: rules.fragments: \"end\": a shared fragment"),
            "{err}"
        );
    }

    #[test]
    fn rules_section_errors_name_file_and_line() {
        // The error applying `yaml`'s rules section to an empty rule set.
        let apply_err = |yaml: &str| {
            let c = Config::parse(Path::new("c.yaml"), yaml).unwrap();
            c.apply_rules(&mut RuleSet::default(), Path::new("c.yaml"))
                .unwrap_err()
                .to_string()
        };
        let err = apply_err("rules:\n  disable:\n    - nope\n");
        assert!(
            err.starts_with("c.yaml:3: rules.disable") && err.contains("nope"),
            "{err}"
        );
        let err = apply_err("rules:\n  override:\n    nope: {entropy: 1}\n");
        assert!(
            err.contains("c.yaml:3: rules.override") && err.contains("nope"),
            "{err}"
        );
        let err = apply_err(
            "rules:\n  extra:\n    - {id: x-y, name: X, keywords: [xyz], regex: 'xyz'}\n",
        );
        assert!(
            err.contains("c.yaml") && err.contains("x-y") && err.contains("secret"),
            "{err}"
        );
        let c = Config::parse(
            Path::new("c.yaml"),
            "rules:\n  override:\n    a: {entropy: 1, colour: red}\n",
        )
        .unwrap_err()
        .to_string();
        assert!(c.contains("colour"), "{c}");
    }
}
