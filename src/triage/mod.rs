//! Triage: decides which findings are reported. Applied after scanning, so suppressed findings
//! are counted, never silently lost. A finding is suppressed, in this order of precedence, by:
//! an inline allow comment on its line, an allowlisted path, its fingerprint in the config or an
//! ignore file, a `.gitleaksignore` position, an allowlist regex or stop-word matching the
//! secret, or its fingerprint in the baseline. Every matching entry is marked used, so
//! `--report-unused-ignores` can list entries that no longer match anything.

pub mod baseline;
pub mod ignore_file;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::bytes::Regex;

use crate::config::{Config, ConfigError};
use crate::rules::Confidence;
use ignore_file::{Entry, Located};

/// Markers that, anywhere on a finding's line, suppress it (gitleaks' marker is honoured so a
/// migrating repository keeps its annotations).
pub const INLINE_ALLOW: &[&[u8]] = &[b"leakhound:allow", b"gitleaks:allow"];
/// Ignore files read from the scan root.
pub const IGNORE_FILES: &[&str] = &[".leakhoundignore", ".gitleaksignore"];

/// Why a finding was suppressed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Suppression {
    /// Its rule is turned off by `rules.disable` in the configuration. Counted like every other
    /// suppression (issue 13): a change that disables a rule must show in the summary.
    DisabledRule,
    /// `leakhound:allow` / `gitleaks:allow` on its line.
    Inline,
    /// `allowlist.paths`.
    Path,
    /// Its fingerprint is in `allowlist.fingerprints` of the configuration.
    AllowlistFingerprint,
    /// Its fingerprint is in `.leakhoundignore` (counted apart from the configuration's, so
    /// the summary says which file removed what).
    Fingerprint,
    /// A `.gitleaksignore` entry for its path and line.
    GitleaksIgnore,
    /// `allowlist.regexes` matched the secret.
    Regex,
    /// `allowlist.stopwords` matched the secret.
    Stopword,
    /// An allowlist imported with `--gitleaks-config`.
    GitleaksAllowlist,
    /// Its fingerprint is in the `--baseline` report.
    Baseline,
    /// Its confidence is below `--min-confidence`.
    BelowMinConfidence,
}

impl Suppression {
    /// The name used in summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Suppression::DisabledRule => "disabled rule",
            Suppression::Inline => "inline allow comment",
            Suppression::Path => "allowlisted path",
            Suppression::AllowlistFingerprint => "allowlisted fingerprint",
            Suppression::Fingerprint => "ignored fingerprint",
            Suppression::GitleaksIgnore => ".gitleaksignore entry",
            Suppression::Regex => "allowlist regex",
            Suppression::Stopword => "allowlist stop-word",
            Suppression::GitleaksAllowlist => "gitleaks allowlist",
            Suppression::Baseline => "baseline",
            Suppression::BelowMinConfidence => "--min-confidence",
        }
    }
}

/// What triage needs to know about a finding.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// The rule id.
    pub rule: &'a str,
    /// The finding's fingerprint.
    pub fingerprint: &'a str,
    /// Reported path.
    pub path: &'a str,
    /// 1-based line.
    pub line: u32,
    /// Commit id, for history findings.
    pub commit: Option<&'a str>,
    /// The finding's confidence.
    pub confidence: Confidence,
    /// The raw secret (matched against allowlist regexes and stop-words; never stored).
    pub secret: &'a [u8],
    /// The line holding the secret, for inline allow markers.
    pub line_text: &'a [u8],
}

/// Why triage could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    /// A config value is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// An ignore file or baseline is invalid.
    #[error("{0}")]
    File(String),
}

/// A `.gitleaksignore` entry at one (path, line): its commit, if any, and its tracked index.
type PositionEntry = (Option<String>, usize);

#[derive(Debug)]
struct Tracked {
    source: String,
    what: String,
    used: AtomicBool,
}

impl Tracked {
    fn new(source: String, what: String) -> Self {
        Tracked {
            source,
            what,
            used: AtomicBool::new(false),
        }
    }

    fn hit(&self) {
        self.used.store(true, Ordering::Relaxed);
    }
}

/// The compiled allowlist, ignore files and baseline. Shared by every worker thread.
#[derive(Debug, Default)]
pub struct Triage {
    paths: Option<GlobSet>,
    regexes: Vec<Regex>,
    stopwords: Vec<Vec<u8>>,
    /// fingerprint -> index into `tracked`, from `.leakhoundignore`.
    fingerprints: HashMap<String, usize>,
    /// fingerprint -> index into `tracked`, from the configuration's `allowlist.fingerprints`.
    config_fingerprints: HashMap<String, usize>,
    /// (path, line) -> (commit, index into `tracked`) from `.gitleaksignore`.
    positions: HashMap<(String, u32), Vec<PositionEntry>>,
    /// baseline fingerprint -> index into `tracked`.
    baseline: HashMap<String, usize>,
    tracked: Vec<Tracked>,
    /// Allowlists imported from a gitleaks configuration.
    gitleaks: Vec<crate::config::gitleaks::Allowlist>,
    /// Rule ids turned off by `rules.disable`: their findings are suppressed and counted.
    disabled: HashSet<String>,
    /// Inline allow markers are not honoured: a range or staged scan whose markers would come
    /// from the changes under review (see [`Triage::distrust_inline_allows`]).
    distrust_inline: bool,
    /// Findings below this confidence are suppressed (`--min-confidence`).
    min_confidence: Confidence,
    /// Warnings about files of other tools (malformed `.gitleaksignore` lines).
    pub warnings: Vec<String>,
}

impl Triage {
    /// Compiles the configuration's allowlist; `source` names the config in errors.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for a glob or regex that does not parse, with its line.
    pub fn from_config(config: &Config, source: &Path) -> Result<Self, ConfigError> {
        let invalid = |line: u64, key: &'static str, message: String| ConfigError::Invalid {
            path: source.to_path_buf(),
            line,
            key,
            message,
        };
        let mut t = Triage {
            disabled: config.disabled_rules().into_iter().collect(),
            ..Triage::default()
        };
        let al = &config.allowlist;
        if !al.paths.is_empty() {
            let mut b = GlobSetBuilder::new();
            for g in &al.paths {
                let glob = Glob::new(&g.value).map_err(|e| {
                    invalid(
                        g.referenced.line(),
                        "allowlist.paths",
                        format!("invalid glob {:?}: {}", g.value, e.kind()),
                    )
                })?;
                b.add(glob);
            }
            t.paths = Some(
                b.build()
                    .map_err(|e| invalid(0, "allowlist.paths", e.to_string()))?,
            );
        }
        for r in &al.regexes {
            let re = crate::rules::Rule::compile(&r.value).map_err(|e| {
                invalid(
                    r.referenced.line(),
                    "allowlist.regexes",
                    format!("invalid regex {:?}: {e}", r.value),
                )
            })?;
            t.regexes.push(re);
        }
        for w in &al.stopwords {
            if w.value.is_empty() {
                return Err(invalid(
                    w.referenced.line(),
                    "allowlist.stopwords",
                    "empty stop-word would match every secret".into(),
                ));
            }
            t.stopwords.push(w.value.to_ascii_lowercase().into_bytes());
        }
        for f in &al.fingerprints {
            let fp = f.value.trim().to_ascii_lowercase();
            if fp.len() != 32 || !fp.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(
                    f.referenced.line(),
                    "allowlist.fingerprints",
                    format!("{:?} is not a 32-character leakhound fingerprint", f.value),
                ));
            }
            let src = format!("{}:{}", source.display(), f.referenced.line());
            t.tracked
                .push(Tracked::new(src, format!("fingerprint {fp}")));
            t.config_fingerprints.insert(fp, t.tracked.len() - 1);
        }
        Ok(t)
    }

    fn add_fingerprint(&mut self, fp: String, source: String) {
        self.tracked
            .push(Tracked::new(source, format!("fingerprint {fp}")));
        self.fingerprints.insert(fp, self.tracked.len() - 1);
    }

    /// Reads `.leakhoundignore` and `.gitleaksignore` in `root`, if present.
    ///
    /// # Errors
    /// [`TriageError::File`] for an unreadable file or a malformed `.leakhoundignore` line.
    pub fn load_ignore_files(&mut self, root: &Path) -> Result<(), TriageError> {
        for name in IGNORE_FILES {
            let path = root.join(name);
            let text = match crate::control_file::read(&path, root, "ignore file") {
                Ok(t) => t,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(TriageError::File(e.to_string())),
            };
            self.add_ignore_text(name, Path::new(name), &text)?;
        }
        Ok(())
    }

    /// Adds the entries of ignore file `name` (one of [`IGNORE_FILES`]) read elsewhere (from a
    /// base commit); `display` names it in messages.
    ///
    /// # Errors
    /// [`TriageError::File`] for a malformed `.leakhoundignore` line.
    pub fn add_ignore_text(
        &mut self,
        name: &str,
        display: &Path,
        text: &str,
    ) -> Result<(), TriageError> {
        let entries: Vec<Located> = if name == ".leakhoundignore" {
            ignore_file::parse_leakhound(display, text).map_err(TriageError::File)?
        } else {
            let (entries, warnings) = ignore_file::parse_gitleaks(display, text);
            self.warnings.extend(warnings);
            entries
        };
        for Located { entry, source } in entries {
            match entry {
                Entry::Fingerprint(fp) => self.add_fingerprint(fp, source),
                Entry::Position { commit, path, line } => {
                    self.tracked
                        .push(Tracked::new(source, format!("{path}:{line}")));
                    let idx = self.tracked.len() - 1;
                    self.positions
                        .entry((path, line))
                        .or_default()
                        .push((commit, idx));
                }
            }
        }
        Ok(())
    }

    /// Loads a baseline report.
    ///
    /// # Errors
    /// [`TriageError::File`] naming the file.
    pub fn load_baseline(&mut self, path: &Path, root: &Path) -> Result<(), TriageError> {
        for (i, fp) in baseline::load(path, root)
            .map_err(TriageError::File)?
            .into_iter()
            .enumerate()
        {
            self.tracked.push(Tracked::new(
                format!("{} (finding {})", path.display(), i + 1),
                format!("fingerprint {fp}"),
            ));
            self.baseline.insert(fp, self.tracked.len() - 1);
        }
        Ok(())
    }

    /// Adds allowlists imported from a gitleaks configuration.
    pub fn add_gitleaks_allowlists(&mut self, lists: Vec<crate::config::gitleaks::Allowlist>) {
        self.gitleaks.extend(lists);
    }

    /// Whether a file at `path` (as reported) is allowlisted.
    pub fn path_allowed(&self, path: &str) -> bool {
        self.paths.as_ref().is_some_and(|s| s.is_match(path))
    }

    /// Suppresses findings below `min` (`--min-confidence`), counted like every suppression.
    pub fn set_min_confidence(&mut self, min: Confidence) {
        self.min_confidence = min;
    }

    /// Stops honouring inline allow markers: for range and staged scans, where every reported
    /// line is added by the changes under review, so a marker on it is the change vouching for
    /// itself (issue 13). `--trust-config` keeps them.
    pub fn distrust_inline_allows(&mut self) {
        self.distrust_inline = true;
    }

    /// Whether inline allow markers suppress findings in this run.
    pub fn honours_inline_allows(&self) -> bool {
        !self.distrust_inline
    }

    /// Whether `line` carries an inline allow marker.
    pub fn inline_allowed(line: &[u8]) -> bool {
        INLINE_ALLOW
            .iter()
            .any(|m| memchr::memmem::find(line, m).is_some())
    }

    /// Decides one finding: `None` to report it, or the first reason (in precedence order) to
    /// suppress it. Every entry that matches is marked used.
    pub fn decide(&self, c: &Candidate<'_>) -> Option<Suppression> {
        let mut first: Option<Suppression> = None;
        let mut note = |s: Suppression| {
            if first.is_none_or(|f| s < f) {
                first = Some(s);
            }
        };
        if self.disabled.contains(c.rule) {
            note(Suppression::DisabledRule);
        }
        if !self.distrust_inline && Self::inline_allowed(c.line_text) {
            note(Suppression::Inline);
        }
        if self.path_allowed(c.path) {
            note(Suppression::Path);
        }
        if let Some(&i) = self.config_fingerprints.get(c.fingerprint) {
            self.tracked[i].hit();
            note(Suppression::AllowlistFingerprint);
        }
        if let Some(&i) = self.fingerprints.get(c.fingerprint) {
            self.tracked[i].hit();
            note(Suppression::Fingerprint);
        }
        if let Some(entries) = self.positions.get(&(c.path.to_string(), c.line)) {
            for (commit, i) in entries {
                if commit
                    .as_deref()
                    .is_none_or(|want| c.commit.is_some_and(|have| have.eq_ignore_ascii_case(want)))
                {
                    self.tracked[*i].hit();
                    note(Suppression::GitleaksIgnore);
                }
            }
        }
        if self.regexes.iter().any(|r| r.is_match(c.secret)) {
            note(Suppression::Regex);
        }
        if !self.stopwords.is_empty() {
            let lower = c.secret.to_ascii_lowercase();
            if self
                .stopwords
                .iter()
                .any(|w| memchr::memmem::find(&lower, w).is_some())
            {
                note(Suppression::Stopword);
            }
        }
        if self
            .gitleaks
            .iter()
            .any(|a| a.matches(c.rule, c.path, c.commit, c.secret, c.line_text))
        {
            note(Suppression::GitleaksAllowlist);
        }
        if let Some(&i) = self.baseline.get(c.fingerprint) {
            self.tracked[i].hit();
            note(Suppression::Baseline);
        }
        if c.confidence < self.min_confidence {
            note(Suppression::BelowMinConfidence);
        }
        first
    }

    /// Ignore-file, config-fingerprint and baseline entries that matched no finding, as
    /// `source: what` lines.
    pub fn unused(&self) -> Vec<String> {
        self.tracked
            .iter()
            .filter(|t| !t.used.load(Ordering::Relaxed))
            .map(|t| format!("{}: {}", t.source, t.what))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand<'a>(fp: &'a str, path: &'a str, line: u32, secret: &'a [u8]) -> Candidate<'a> {
        Candidate {
            rule: "r",
            fingerprint: fp,
            path,
            line,
            commit: None,
            confidence: Confidence::High,
            secret,
            line_text: b"x = 1",
        }
    }

    const FP: &str = "0123456789abcdef0123456789abcdef";

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
    fn bad_glob_and_regex_are_reported_with_line() {
        let cfg =
            Config::parse(Path::new("c.yaml"), "allowlist:\n  paths:\n    - 'a/{b'\n").unwrap();
        let err = Triage::from_config(&cfg, Path::new("c.yaml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("c.yaml:3: allowlist.paths") && err.contains("a/{b"),
            "{err}"
        );
        let cfg = Config::parse(Path::new("c.yaml"), "allowlist:\n  regexes: ['(']\n").unwrap();
        let err = Triage::from_config(&cfg, Path::new("c.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.yaml:2: allowlist.regexes"), "{err}");
    }

    #[test]
    fn regexes_stopwords_fingerprints() {
        let cfg = Config::parse(
            Path::new("c"),
            &format!("allowlist:\n  regexes: ['^sk_test_']\n  stopwords: [Dummy]\n  fingerprints: ['{}']\n", FP.to_uppercase()),
        )
        .unwrap();
        let t = Triage::from_config(&cfg, Path::new("c")).unwrap();
        assert_eq!(
            t.decide(&cand("ff", "a", 1, b"sk_test_abc")),
            Some(Suppression::Regex)
        );
        assert_eq!(
            t.decide(&cand("ff", "a", 1, b"abcDUMMYdef")),
            Some(Suppression::Stopword)
        );
        assert_eq!(
            t.decide(&cand(FP, "a", 1, b"real")),
            Some(Suppression::AllowlistFingerprint)
        );
        assert_eq!(t.decide(&cand("ff", "a", 1, b"real")), None);
        assert!(t.unused().is_empty());
    }

    #[test]
    fn ignore_files_baseline_and_unused() {
        let d = tempfile::tempdir().unwrap();
        let other = "ffffffffffffffffffffffffffffffff";
        std::fs::write(
            d.path().join(".leakhoundignore"),
            format!("{FP}\n{other} # stale\n"),
        )
        .unwrap();
        std::fs::write(
            d.path().join(".gitleaksignore"),
            "src/a.py:generic-api-key:7\n",
        )
        .unwrap();
        let base = d.path().join("base.json");
        std::fs::write(
            &base,
            "{\"findings\": [{\"fingerprint\": \"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"}]}",
        )
        .unwrap();
        let mut t = Triage::default();
        t.load_ignore_files(d.path()).unwrap();
        t.load_baseline(&base, d.path()).unwrap();
        assert_eq!(
            t.decide(&cand(FP, "x", 1, b"s")),
            Some(Suppression::Fingerprint)
        );
        assert_eq!(
            t.decide(&cand("11", "src/a.py", 7, b"s")),
            Some(Suppression::GitleaksIgnore)
        );
        assert_eq!(t.decide(&cand("11", "src/a.py", 8, b"s")), None);
        let unused = t.unused();
        assert_eq!(unused.len(), 2, "{unused:?}");
        assert!(
            unused[0].starts_with(".leakhoundignore:2: fingerprint ffff"),
            "{unused:?}"
        );
        assert!(unused[1].contains("base.json (finding 1)"), "{unused:?}");
        assert_eq!(
            t.decide(&cand("eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "x", 1, b"s")),
            Some(Suppression::Baseline)
        );
        assert_eq!(t.unused().len(), 1);
    }

    #[test]
    fn inline_wins_and_all_matching_entries_are_marked() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(".leakhoundignore"), format!("{FP}\n")).unwrap();
        let mut t = Triage::default();
        t.load_ignore_files(d.path()).unwrap();
        let mut c = cand(FP, "x", 1, b"s");
        c.line_text = b"k = 's' # leakhound:allow";
        assert_eq!(t.decide(&c), Some(Suppression::Inline));
        assert!(t.unused().is_empty());
    }
}
