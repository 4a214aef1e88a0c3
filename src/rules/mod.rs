//! Detection rules: the data the scanner runs.
//!
//! A [`Rule`] is loaded from YAML (see [`load`]) and validated completely at load time: the
//! pattern is parsed (not compiled) so a syntax error or a missing `secret` group fails the load
//! with the file and rule id. Compilation is lazy ([`Rule::regex`]): a pre-commit scan of a few
//! files compiles only the handful of rules whose keywords appear, not all of them.

pub mod fragment;
pub mod load;

use std::fmt;
use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

pub use fragment::Fragment;
pub use load::{LoadError, RuleFile};

/// Upper bound on one rule's compiled program (the regex crate's `size_limit`). Built-in rules
/// use a few hundred KiB at most; a user rule beyond this fails to load instead of eating memory.
pub const REGEX_SIZE_LIMIT: usize = 4 << 20;
/// Upper bound on each rule's lazy DFA cache (`dfa_size_limit`); the regex crate falls back to a
/// slower engine when full, so this bounds memory, not correctness.
pub const REGEX_DFA_SIZE_LIMIT: usize = 2 << 20;

/// A rule's stable identifier, such as `github-pat-classic`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RuleId(pub String);

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How likely a match of this rule is a real credential.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Generic or context-dependent patterns.
    #[default]
    Low,
    /// Distinctive shape without a checksum.
    Medium,
    /// Provider-specific prefix, checksum or structure.
    High,
}

impl Confidence {
    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// Offline validity checks a rule can ask for (the `check:` key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// GitHub's token format: `<prefix>_` + 30 base62 characters + a 6-character base62 CRC32
    /// of those 30 characters.
    GithubCrc32,
    /// npm's token format, which uses the same checksum scheme as GitHub's.
    NpmCrc32,
    /// Confluent Cloud API secrets (from 2025-07-30): `cflt` + 54 characters of standard
    /// base64's alphabet + the CRC-32 of those 54, its four bytes little-endian in unpadded
    /// base64 (6 characters).
    ConfluentCrc32,
    /// JSON Web Token: header and payload decode (base64url) to JSON objects, and the header
    /// names a signing `alg` other than `none`.
    Jwt,
    /// PEM private key: the body is well-formed base64 of a complete key (one DER `SEQUENCE`
    /// spanning the body, legacy-encrypted ciphertext in whole blocks, or an `openssh-key-v1`
    /// blob), not a truncated or elided sample.
    PemPrivateKey,
    /// A private key written as bare base64 of its DER encoding, without PEM armor: the text
    /// decodes to one DER `SEQUENCE` spanning it. A candidate that includes a PEM header is
    /// left to the PEM rules.
    DerPrivateKey,
    /// A value found only by its variable name: not a checksummed vendor token (its own rule
    /// judges it), a UUID, a hex digest, or an identifier-like word.
    GenericSecret,
}

impl Check {
    /// The name used in rule files (`check: github-crc32`).
    pub fn as_str(self) -> &'static str {
        match self {
            Check::GithubCrc32 => "github-crc32",
            Check::NpmCrc32 => "npm-crc32",
            Check::ConfluentCrc32 => "confluent-crc32",
            Check::Jwt => "jwt",
            Check::PemPrivateKey => "pem-private-key",
            Check::DerPrivateKey => "der-private-key",
            Check::GenericSecret => "generic-secret",
        }
    }
}

/// One detection rule, validated.
pub struct Rule {
    /// Stable identifier.
    pub id: RuleId,
    /// Human-readable name.
    pub name: String,
    /// Literal keywords that trigger the rule (matched ASCII case-insensitively).
    pub keywords: Vec<String>,
    /// The pattern the engine compiles: as written, with fragment references (`{{name}}`)
    /// expanded. It has a `secret` capture group.
    pub pattern: String,
    /// The fragments the written pattern refers to, each once, in order of first use.
    pub fragments: Vec<String>,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    pub entropy: f64,
    /// Offline validity check, if the format carries one.
    pub check: Option<Check>,
    /// Provider name for verification, if any.
    pub provider: Option<String>,
    /// Confidence of a match.
    pub confidence: Confidence,
    /// For multi-line secrets: bytes after a keyword hit the pattern may span. `None` means the
    /// line holding the keyword.
    pub window: Option<usize>,
    /// Documentation of the format.
    pub references: Vec<String>,
    /// Texts the rule must report.
    pub examples: Vec<String>,
    /// Texts the rule must not report.
    pub negative_examples: Vec<String>,
    /// Where the rule came from (a file name), for error messages.
    pub source: String,
    /// Values a provider needs beside the secret, looked for in the lines around each match
    /// (`nearby:`): a Docker Hub user name, an Algolia application id, an org's host.
    pub nearby: Vec<Nearby>,
    regex: OnceLock<Option<Compiled>>,
}

/// What a [`Nearby`] value is, which decides how it is kept and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NearbyKind {
    /// Shown redacted, like the secret (a user name, an account id, a key id): with the secret
    /// it names or opens an account.
    Secret,
    /// A host name the credential belongs to: lowercased, a bare host name or nothing, and
    /// stored as the [`HOST_NOTE`] annotation when named `host` (the only host a per-customer
    /// provider may send the credential to).
    Host,
}

/// A value looked for near a rule's matches (`nearby:` in a rule file): the match of `regex`
/// nearest to the secret within [`NEARBY_LINES`] lines above or below it becomes the match's
/// annotation `name` (its `value` group's text). Verifiers use it with the secret
/// (`{capture:NAME}` in a declarative verifier); a finding without it is not verified.
#[derive(Debug)]
pub struct Nearby {
    /// The annotation it becomes.
    pub name: String,
    /// The pattern, with a `value` group.
    pub pattern: String,
    /// How it is kept.
    pub kind: NearbyKind,
    regex: OnceLock<Option<Regex>>,
}

/// How many lines above and below a match [`Nearby`] values are looked for.
pub const NEARBY_LINES: usize = 4;

impl Nearby {
    /// A nearby value, its pattern not yet compiled.
    pub fn new(name: String, pattern: String, kind: NearbyKind) -> Self {
        Nearby {
            name,
            pattern,
            kind,
            regex: OnceLock::new(),
        }
    }

    /// The compiled pattern, built on first use; `None` only if it does not compile, which
    /// loading rules out.
    pub fn regex(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| Rule::compile(&self.pattern).ok())
            .as_ref()
    }
}

/// A rule's compiled pattern and the capture groups the scanner reads.
#[derive(Debug)]
pub struct Compiled {
    /// The compiled regex.
    pub regex: Regex,
    /// Indices of the groups that capture the credential: `secret`, or alternatives named
    /// `secret_<anything>` (one per quoting style, say, since the regex crate has no
    /// back-references); the first that participates in a match is the secret.
    pub secret_groups: Vec<usize>,
    /// Indices of the `name` group (the identifier a value is assigned to) and of its
    /// alternatives `name_<anything>`, if the rule has them.
    pub name_groups: Vec<usize>,
    /// Indices of the `host` group (the API host written next to the credential, such as an
    /// Okta org's `acme.okta.com`) and of its alternatives `host_<anything>`: the scanner
    /// records it as the match's [`HOST_NOTE`] annotation, the only host a provider whose host is
    /// per customer may send the credential to (never part of the secret).
    pub host_groups: Vec<usize>,
}

pub use crate::secret::HOST_NOTE;

impl Compiled {
    /// The secret's span in a match.
    pub fn secret<'h>(&self, caps: &regex::bytes::Captures<'h>) -> Option<regex::bytes::Match<'h>> {
        self.secret_groups.iter().find_map(|&i| caps.get(i))
    }

    /// The `name` group's text in a match.
    pub fn name<'h>(&self, caps: &regex::bytes::Captures<'h>) -> Option<&'h [u8]> {
        self.name_groups
            .iter()
            .find_map(|&i| caps.get(i))
            .map(|m| m.as_bytes())
    }

    /// The `host` group's text in a match, lowercased; `None` when no host group took part or
    /// what it holds is not a plain host name (letters, digits, `-` and `.`).
    pub fn host(&self, caps: &regex::bytes::Captures<'_>) -> Option<String> {
        let h = self
            .host_groups
            .iter()
            .find_map(|&i| caps.get(i))?
            .as_bytes();
        is_host_name(h).then(|| String::from_utf8_lossy(h).to_ascii_lowercase())
    }
}

/// Whether `h` is a bare host name: letters, digits, `-` and `.`, at most 253 bytes; no port,
/// user, path or anything else a URL could smuggle in.
pub fn is_host_name(h: &[u8]) -> bool {
    !h.is_empty()
        && h.len() <= 253
        && h.iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.'))
}

/// Whether a capture group of this name holds the credential (see [`Compiled::secret_groups`]).
pub fn is_secret_group(name: &str) -> bool {
    name == "secret" || name.starts_with("secret_")
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("id", &self.id)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Rule {
    /// Builds the compiled regex for `pattern` with the engine's settings: bytes, Unicode off
    /// (token formats are ASCII, and `\w`/`\b` stay cheap), explicit size limits.
    ///
    /// # Errors
    /// The regex crate's message when the pattern does not compile or exceeds the size limits.
    pub fn compile(pattern: &str) -> Result<Regex, regex::Error> {
        RegexBuilder::new(pattern)
            .unicode(false)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
            .build()
    }

    /// The compiled regex, built on first use and then shared by every thread. `None` only if
    /// compilation failed, which [`RuleSet::compile_all`] reports up front for user rules and the
    /// test suite rules out for built-in ones.
    pub fn regex(&self) -> Option<&Compiled> {
        self.regex
            .get_or_init(|| {
                let regex = Self::compile(&self.pattern).ok()?;
                let mut secret_groups = Vec::new();
                let mut name_groups = Vec::new();
                let mut host_groups = Vec::new();
                for (i, name) in regex.capture_names().enumerate() {
                    match name {
                        Some(n) if is_secret_group(n) => secret_groups.push(i),
                        Some(n) if n == "name" || n.starts_with("name_") => name_groups.push(i),
                        Some(n) if n == "host" || n.starts_with("host_") => host_groups.push(i),
                        _ => {}
                    }
                }
                Some(Compiled {
                    regex,
                    secret_groups,
                    name_groups,
                    host_groups,
                })
            })
            .as_ref()
    }
}

/// An ordered, validated set of rules with unique ids, and the fragments their patterns were
/// written with.
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// `rules/fragments.yml`: usable by every rule.
    shared: Vec<Fragment>,
    /// Fragments defined in other files (or a config), usable by the rules of that file only.
    local: Vec<Fragment>,
}

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

impl RuleSet {
    /// The rules shipped in the binary: `rules/fragments.yml` first, so that every file may use
    /// its fragments, then the rule files in the load order `build.rs` gives them (provider
    /// files, then `rules/generic/`).
    ///
    /// # Errors
    /// A [`LoadError`] naming the file and rule; the test suite guarantees there is none.
    pub fn builtin() -> Result<Self, LoadError> {
        let mut set = RuleSet::default();
        let files = builtin::BUILTIN_RULE_FILES;
        let is_shared = |name: &str| name == load::SHARED_FRAGMENTS_FILE;
        for (name, text) in files.iter().filter(|(n, _)| is_shared(n)) {
            set.load(name, text, true, false)?;
        }
        for (name, text) in files.iter().filter(|(n, _)| !is_shared(n)) {
            set.load(name, text, false, false)?;
        }
        Ok(set)
    }

    /// Parses a rule file and adds its rules, which may use the set's shared fragments besides
    /// their file's own.
    ///
    /// # Errors
    /// A [`LoadError`] naming the file, and the rule or fragment at fault.
    pub fn load_file(&mut self, file: &str, text: &str) -> Result<(), LoadError> {
        self.load(file, text, false, true)
    }

    /// Like [`RuleSet::load_file`], but the file's fragments become shared: every rule loaded
    /// afterwards may use them (what `rules/fragments.yml` is to the built-in set).
    ///
    /// # Errors
    /// As [`RuleSet::load_file`].
    #[cfg(test)]
    pub fn load_shared_file(&mut self, file: &str, text: &str) -> Result<(), LoadError> {
        self.load(file, text, true, true)
    }

    fn load(&mut self, file: &str, text: &str, shared: bool, full: bool) -> Result<(), LoadError> {
        let parsed = if full {
            load::parse_file(file, text, &self.shared)?
        } else {
            load::parse_builtin_file(file, text, &self.shared)?
        };
        self.extend(parsed.rules)?;
        if shared {
            self.shared.extend(parsed.fragments);
        } else {
            self.local.extend(parsed.fragments);
        }
        Ok(())
    }

    /// The fragments every rule may use (`rules/fragments.yml` in the built-in set).
    pub fn shared_fragments(&self) -> &[Fragment] {
        &self.shared
    }

    /// Records fragments defined outside the rule files (a config's `rules.fragments`), so that
    /// [`check::check_all`] knows them.
    pub fn add_local_fragments(&mut self, fragments: Vec<Fragment>) {
        self.local.extend(fragments);
    }

    /// Every fragment definition with whether it is shared: shared ones first, then those
    /// local to a file, in load order.
    pub fn fragments(&self) -> impl Iterator<Item = (&Fragment, bool)> {
        self.shared
            .iter()
            .map(|f| (f, true))
            .chain(self.local.iter().map(|f| (f, false)))
    }

    /// The names and texts of the built-in rule files.
    pub fn builtin_files() -> &'static [(&'static str, &'static str)] {
        builtin::BUILTIN_RULE_FILES
    }

    /// Adds rules, refusing an id that is already present.
    ///
    /// # Errors
    /// [`LoadError::DuplicateId`] naming both sources.
    pub fn extend(&mut self, rules: Vec<Rule>) -> Result<(), LoadError> {
        for rule in rules {
            if let Some(prev) = self.rules.iter().find(|r| r.id == rule.id) {
                return Err(LoadError::DuplicateId {
                    id: rule.id.0.clone(),
                    first: prev.source.clone(),
                    second: rule.source.clone(),
                });
            }
            self.rules.push(rule);
        }
        Ok(())
    }

    /// Removes the rules with these ids; returns the ids that matched no rule.
    pub fn disable(&mut self, ids: &[String]) -> Vec<String> {
        let unknown = ids
            .iter()
            .filter(|id| !self.rules.iter().any(|r| &r.id.0 == *id))
            .cloned()
            .collect();
        self.rules.retain(|r| !ids.contains(&r.id.0));
        unknown
    }

    /// Compiles every rule now instead of lazily, so a pattern that is too large fails the load.
    ///
    /// # Errors
    /// [`LoadError::Regex`] for the first rule that does not compile.
    pub fn compile_all(&self) -> Result<(), LoadError> {
        for rule in &self.rules {
            if let Err(e) = Rule::compile(&rule.pattern) {
                return Err(LoadError::Regex {
                    file: rule.source.clone(),
                    id: rule.id.0.clone(),
                    message: e.to_string(),
                });
            }
            let _ = rule.regex();
        }
        Ok(())
    }

    /// The rule with this id, for tuning.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Rule> {
        self.rules.iter_mut().find(|r| r.id.0 == id)
    }

    /// Consumes the set, returning its rules.
    pub fn into_rules(self) -> Vec<Rule> {
        self.rules
    }

    /// All rules, in load order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}
