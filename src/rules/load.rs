//! Loading rules from YAML and validating them.
//!
//! Every problem is reported with the file, the line of the offending rule and its id, e.g.
//! `rules/aws.yml:12: rule "aws-access-key": pattern has no (?P<secret>…) group`.
//!
//! A file may also define `fragments:`, named pieces of pattern its rules write as `{{name}}`
//! (see [`super::fragment`]); they are expanded here, before a rule is validated.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex_syntax::hir::{Hir, HirKind};
use serde::Deserialize;
use serde_saphyr::Spanned;
use thiserror::Error;

use super::fragment::{self, Fragment, Scope};
use super::{Check, Confidence, Nearby, NearbyKind, Rule, RuleId};

/// The built-in file whose fragments every rule may use: built-in rules, rules in config and
/// rule files given to `leakhound rules check`.
pub const SHARED_FRAGMENTS_FILE: &str = "fragments.yml";

/// Why rules could not be loaded.
#[derive(Debug, Error)]
pub enum LoadError {
    /// The YAML did not parse or did not fit the schema (unknown key, wrong type, …).
    #[error("{file}: {message}")]
    Yaml {
        /// File the text came from.
        file: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A rule broke one of the schema's constraints.
    #[error("{file}:{line}: rule {id:?}: {message}")]
    Invalid {
        /// File the rule came from.
        file: String,
        /// 1-based line of the rule.
        line: u64,
        /// The rule's id (possibly empty if that is the problem).
        id: String,
        /// What is wrong.
        message: String,
    },
    /// A pattern did not compile within the size limits.
    #[error("{file}: rule {id:?}: regex does not compile: {message}")]
    Regex {
        /// File the rule came from.
        file: String,
        /// The rule's id.
        id: String,
        /// The regex crate's message.
        message: String,
    },
    /// A fragment definition is invalid.
    #[error("{file}:{line}: fragment {name:?}: {message}")]
    Fragment {
        /// File the fragment came from.
        file: String,
        /// 1-based line of the definition.
        line: u64,
        /// The fragment's name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// Two rules share an id.
    #[error("duplicate rule id {id:?}: defined in {first} and again in {second}")]
    DuplicateId {
        /// The id.
        id: String,
        /// Where it was first defined.
        first: String,
        /// Where it was defined again.
        second: String,
    },
}

/// The top level of a rule file: `fragments: {...}` and `rules: [...]`, both optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Pattern fragments, by name, that the file's rules refer to as `{{name}}`.
    #[serde(default)]
    pub fragments: BTreeMap<String, Spanned<String>>,
    /// The rules in the file.
    #[serde(default)]
    pub rules: Vec<Spanned<RawRule>>,
}

/// A parsed rule file: its rules, with fragment references expanded, and the fragments it
/// defines.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The rules, in file order.
    pub rules: Vec<Rule>,
    /// The file's own fragments, by name.
    pub fragments: Vec<Fragment>,
}

/// One rule exactly as written in YAML, before validation.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawRule {
    pub id: String,
    pub name: String,
    pub keywords: Vec<String>,
    pub regex: String,
    #[serde(default)]
    pub entropy: Option<f64>,
    #[serde(default)]
    pub check: Option<Check>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default = "default_confidence")]
    pub confidence: Confidence,
    #[serde(default)]
    pub window: Option<usize>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
    #[serde(default)]
    pub nearby: Vec<RawNearby>,
}

/// One `nearby:` entry as written (see [`super::Nearby`]).
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawNearby {
    /// The annotation the value becomes: lowercase letters, digits and `_`.
    pub name: String,
    /// The pattern, with a `value` group around the value.
    pub regex: String,
    /// `secret` (default: shown redacted) or `host`.
    #[serde(default = "default_nearby_kind")]
    pub kind: NearbyKind,
}

fn default_nearby_kind() -> NearbyKind {
    NearbyKind::Secret
}

fn default_confidence() -> Confidence {
    Confidence::Medium
}

/// Shortest keyword accepted: shorter ones hit almost every file and defeat the prefilter.
pub const MIN_KEYWORD_LEN: usize = 3;
/// Largest `window:` accepted for multi-line rules.
pub const MAX_WINDOW: usize = 64 * 1024;

/// Parses and validates one rule file's text on its own: its rules may use its own fragments
/// only. `file` names it in errors.
///
/// # Errors
/// [`LoadError::Yaml`] for syntax or schema errors, [`LoadError::Invalid`] for a rule that breaks
/// a constraint, [`LoadError::Fragment`] for a bad fragment.
pub fn parse_rules(file: &str, text: &str) -> Result<Vec<Rule>, LoadError> {
    parse_file(file, text, &[]).map(|p| p.rules)
}

/// Parses and validates one rule file's text; its rules may use its own fragments and the
/// `shared` ones, which its own may not redefine.
///
/// # Errors
/// As [`parse_rules`].
pub fn parse_file(file: &str, text: &str, shared: &[Fragment]) -> Result<Parsed, LoadError> {
    parse_file_with(file, text, shared, true)
}

/// [`parse_file`] for the built-in rule files, without parsing each pattern to count its
/// `secret` groups (or each fragment to check it is one unit): that parse was a third of
/// start-up time, which a pre-commit hook pays on every commit, and the test suite runs the
/// full validation on every built-in file.
///
/// # Errors
/// As [`parse_file`], less the pattern checks.
pub fn parse_builtin_file(
    file: &str,
    text: &str,
    shared: &[Fragment],
) -> Result<Parsed, LoadError> {
    parse_file_with(file, text, shared, false)
}

fn parse_file_with(
    file: &str,
    text: &str,
    shared: &[Fragment],
    check_patterns: bool,
) -> Result<Parsed, LoadError> {
    let parsed: RuleFile = serde_saphyr::from_str(text).map_err(|e| LoadError::Yaml {
        file: file.to_string(),
        // Without the source snippet, so a rule file's content is not echoed (issue 13).
        message: crate::control_file::parser_message(&e.without_snippet().to_string()),
    })?;
    let fragments = fragments_with(file, &parsed.fragments, shared, check_patterns)?;
    let scope = Scope {
        local: &fragments,
        shared,
    };
    let rules = parsed
        .rules
        .into_iter()
        .map(|r| {
            validate_with(
                file,
                r.referenced.line(),
                r.value,
                Some(scope),
                check_patterns,
            )
        })
        .collect::<Result<_, _>>()?;
    Ok(Parsed { rules, fragments })
}

/// Checks the fragments defined in `file` (a rule file or a config) and returns them; none may
/// redefine one of `shared`.
///
/// # Errors
/// [`LoadError::Fragment`] for the first bad definition.
pub fn fragments(
    file: &str,
    defined: &BTreeMap<String, Spanned<String>>,
    shared: &[Fragment],
) -> Result<Vec<Fragment>, LoadError> {
    fragments_with(file, defined, shared, true)
}

fn fragments_with(
    file: &str,
    defined: &BTreeMap<String, Spanned<String>>,
    shared: &[Fragment],
    check_patterns: bool,
) -> Result<Vec<Fragment>, LoadError> {
    let bad = |name: &str, line: u64, message: String| LoadError::Fragment {
        file: file.to_string(),
        line,
        name: name.to_string(),
        message,
    };
    let mut out = Vec::with_capacity(defined.len());
    for (name, pattern) in defined {
        let line = pattern.referenced.line();
        fragment::check_definition(name, &pattern.value, check_patterns)
            .map_err(|m| bad(name, line, m))?;
        out.push(Fragment {
            name: name.clone(),
            pattern: pattern.value.clone(),
            source: file.to_string(),
            line,
        });
    }
    fragment::check_local(&out, shared).map_err(|(f, m)| bad(&f.name, f.line, m))?;
    Ok(out)
}

/// Validates one raw rule whose pattern is final (no fragments are expanded: a gitleaks
/// import's `{{` is its own); `line` is where it starts in `file`.
///
/// # Errors
/// [`LoadError::Invalid`] describing the first broken constraint.
pub fn validate(file: &str, line: u64, raw: RawRule) -> Result<Rule, LoadError> {
    validate_with(file, line, raw, None, true)
}

/// Expands the fragment references in one raw rule's pattern from `scope`, then validates it
/// like [`validate`].
///
/// # Errors
/// [`LoadError::Invalid`] for an unknown or malformed reference, or a broken constraint.
pub fn validate_in(
    file: &str,
    line: u64,
    raw: RawRule,
    scope: Scope<'_>,
) -> Result<Rule, LoadError> {
    validate_with(file, line, raw, Some(scope), true)
}

fn validate_with(
    file: &str,
    line: u64,
    mut raw: RawRule,
    scope: Option<Scope<'_>>,
    check_patterns: bool,
) -> Result<Rule, LoadError> {
    let bad = |message: String| LoadError::Invalid {
        file: file.to_string(),
        line,
        id: raw.id.clone(),
        message,
    };
    let pattern = std::mem::take(&mut raw.regex);
    let expanded = match scope {
        Some(scope) => fragment::expand(pattern, scope).map_err(&bad)?,
        None => fragment::Expanded {
            pattern,
            used: Vec::new(),
        },
    };
    if raw.id.is_empty()
        || !raw
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    {
        return Err(bad(
            "id must be non-empty lowercase letters, digits, '-' or '.'".into(),
        ));
    }
    if raw.name.trim().is_empty() {
        return Err(bad("name is empty".into()));
    }
    if raw.keywords.is_empty() {
        return Err(bad("keywords is empty: every rule needs at least one, or the prefilter could never select it".into()));
    }
    if let Some(k) = raw.keywords.iter().find(|k| k.len() < MIN_KEYWORD_LEN) {
        return Err(bad(format!(
            "keyword {k:?} is shorter than {MIN_KEYWORD_LEN} bytes"
        )));
    }
    if let Some(e) = raw.entropy {
        if !(0.0..=8.0).contains(&e) {
            return Err(bad(format!("entropy {e} is outside 0..=8 bits per byte")));
        }
    }
    if let Some(w) = raw.window {
        if w == 0 || w > MAX_WINDOW {
            return Err(bad(format!("window {w} is outside 1..={MAX_WINDOW} bytes")));
        }
    }
    if check_patterns {
        check_pattern(&expanded.pattern).map_err(bad)?;
    }
    let mut nearby = Vec::with_capacity(raw.nearby.len());
    for n in raw.nearby {
        check_nearby(&n).map_err(|m| bad(format!("nearby {:?}: {m}", n.name)))?;
        if nearby.iter().any(|o: &Nearby| o.name == n.name) {
            return Err(bad(format!("nearby {:?}: named twice", n.name)));
        }
        nearby.push(Nearby::new(n.name, n.regex, n.kind));
    }
    Ok(Rule {
        id: RuleId(raw.id.clone()),
        name: raw.name,
        keywords: raw.keywords,
        pattern: expanded.pattern,
        fragments: expanded.used,
        entropy: raw.entropy.unwrap_or(0.0),
        check: raw.check,
        provider: raw.provider,
        confidence: raw.confidence,
        window: raw.window,
        references: raw.references,
        examples: raw.examples,
        negative_examples: raw.negative_examples,
        source: file.to_string(),
        nearby,
        regex: OnceLock::new(),
    })
}

/// Annotations the scanner itself writes, which a `nearby:` value may not take over (`host`
/// may: a nearby host fills it when the pattern's own `host` group did not).
const RESERVED_NOTES: &[&str] = &["secret", "encoding", "aws_access_key_id", "twilio_sid"];

/// Checks one `nearby:` entry: its name, and a pattern that compiles with one `value` group
/// and no `secret` group (the value is not the secret).
fn check_nearby(n: &RawNearby) -> Result<(), String> {
    let name_ok = n
        .name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase())
        && n.name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !name_ok {
        return Err(
            "name must be lowercase letters, digits and `_`, starting with a letter".into(),
        );
    }
    if RESERVED_NOTES.contains(&n.name.as_str()) {
        return Err("name is one the scanner writes itself".into());
    }
    if n.name == super::HOST_NOTE && n.kind != NearbyKind::Host {
        return Err("`host` must be `kind: host`".into());
    }
    let re = Rule::compile(&n.regex).map_err(|e| format!("invalid regex: {e}"))?;
    let names: Vec<&str> = re.capture_names().flatten().collect();
    if names.iter().filter(|&&g| g == "value").count() != 1 {
        return Err("regex needs exactly one group named `value` around the value".into());
    }
    if names.iter().any(|g| super::is_secret_group(g)) {
        return Err("regex has a `secret` group: the value found near the secret is not it".into());
    }
    Ok(())
}

/// Parses `pattern` with the same syntax settings the engine compiles with and checks that it
/// has exactly one `secret` group. Parsing costs microseconds; compiling is deferred.
fn check_pattern(pattern: &str) -> Result<(), String> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(|e| format!("invalid regex: {e}"))?;
    match count_secret_groups(&hir) {
        0 => Err(
            "regex has no named group `secret`: write (?P<secret>...) around the credential".into(),
        ),
        1 => Ok(()),
        _ if alternatives_only(&hir) => Ok(()),
        n => Err(format!(
            "regex has {n} groups named `secret`; exactly one is allowed (or alternatives \
             `secret_<x>` in separate branches of one alternation)"
        )),
    }
}

fn count_secret_groups(hir: &Hir) -> usize {
    match hir.kind() {
        HirKind::Capture(c) => {
            usize::from(c.name.as_deref().is_some_and(super::is_secret_group))
                + count_secret_groups(&c.sub)
        }
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().map(count_secret_groups).sum(),
        HirKind::Repetition(r) => count_secret_groups(&r.sub),
        _ => 0,
    }
}

/// Whether several secret groups sit in different branches of alternations, so that at most one
/// takes part in any match: no concatenation or repetition holds more than one.
fn alternatives_only(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Capture(c) => {
            if c.name.as_deref().is_some_and(super::is_secret_group) {
                count_secret_groups(&c.sub) == 0
            } else {
                alternatives_only(&c.sub)
            }
        }
        HirKind::Concat(v) => {
            v.iter().filter(|h| count_secret_groups(h) > 0).count() <= 1
                && v.iter().all(alternatives_only)
        }
        HirKind::Alternation(v) => v.iter().all(alternatives_only),
        HirKind::Repetition(r) => count_secret_groups(&r.sub) <= 1 && alternatives_only(&r.sub),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "rules:\n  - id: demo-token\n    name: Demo\n    keywords: [demo_]\n    regex: '(?P<secret>demo_[a-z0-9]{8})'\n";

    #[test]
    fn every_builtin_file_passes_the_full_validation() {
        let files = crate::rules::RuleSet::builtin_files();
        let shared = files
            .iter()
            .find(|(n, _)| *n == SHARED_FRAGMENTS_FILE)
            .map(|(n, t)| parse_file(n, t, &[]).unwrap_or_else(|e| panic!("{e}")))
            .map(|p| p.fragments)
            .unwrap_or_default();
        for (name, text) in files {
            let shared: &[Fragment] = if *name == SHARED_FRAGMENTS_FILE {
                &[]
            } else {
                &shared
            };
            let full = parse_file(name, text, shared).unwrap_or_else(|e| panic!("{e}"));
            let fast = parse_builtin_file(name, text, shared).unwrap();
            let patterns =
                |p: &Parsed| -> Vec<String> { p.rules.iter().map(|r| r.pattern.clone()).collect() };
            assert_eq!(patterns(&full), patterns(&fast), "{name}");
            assert_eq!(full.fragments, fast.fragments, "{name}");
        }
    }

    /// Issue 14: a pattern longer than this is written in verbose `(?x)` form, one piece per line
    /// with comments, not on one line; so is a long fragment, as a `(?x:...)` group.
    const MAX_ONE_LINE_PATTERN: usize = 100;

    #[test]
    fn builtin_long_patterns_are_written_verbose() {
        let mut long = Vec::new();
        for (name, text) in crate::rules::RuleSet::builtin_files() {
            let file: RuleFile = serde_saphyr::from_str(text).unwrap();
            let written = file
                .rules
                .iter()
                .map(|r| (r.value.id.clone(), r.value.regex.clone()))
                .chain(
                    file.fragments
                        .iter()
                        .map(|(n, p)| (n.clone(), p.value.clone())),
                );
            for (what, pattern) in written {
                let verbose = pattern.starts_with("(?x") || pattern.contains('\n');
                if pattern.len() > MAX_ONE_LINE_PATTERN && !verbose {
                    long.push(format!("{name}: {what} ({} characters)", pattern.len()));
                }
            }
        }
        assert!(long.is_empty(), "write these in (?x) form: {long:#?}");
    }

    /// The README's confidence scale: `high` only for a provider format whose offline check
    /// passed; a format without a check is at most `medium`.
    #[test]
    fn builtin_high_confidence_rules_all_have_an_offline_check() {
        let set = crate::rules::RuleSet::builtin().unwrap();
        let unchecked: Vec<&str> = set
            .rules()
            .iter()
            .filter(|r| r.confidence == Confidence::High && r.check.is_none())
            .map(|r| r.id.0.as_str())
            .collect();
        assert!(unchecked.is_empty(), "high without a check: {unchecked:?}");
    }

    #[test]
    fn loads_a_valid_rule() {
        let rules = parse_rules("demo.yml", GOOD).unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].id.0, "demo-token");
        assert_eq!(rules[0].confidence, Confidence::Medium);
    }

    #[test]
    fn unknown_key_names_file_and_key() {
        let text = GOOD.replace("keywords", "keyword");
        let err = parse_rules("demo.yml", &text).unwrap_err().to_string();
        assert!(err.starts_with("demo.yml"), "{err}");
        assert!(err.contains("keyword"), "{err}");
    }

    #[test]
    fn missing_secret_group_names_rule_and_line() {
        let text = GOOD.replace("(?P<secret>demo_[a-z0-9]{8})", "demo_[a-z0-9]{8}");
        let err = parse_rules("demo.yml", &text).unwrap_err().to_string();
        assert!(err.contains("demo.yml:2"), "{err}");
        assert!(err.contains("demo-token"), "{err}");
        assert!(err.contains("secret"), "{err}");
    }

    #[test]
    fn invalid_regex_is_an_error() {
        let text = GOOD.replace("{8})", "{8}");
        let err = parse_rules("demo.yml", &text).unwrap_err().to_string();
        assert!(err.contains("invalid regex"), "{err}");
    }

    #[test]
    fn empty_and_short_keywords_rejected() {
        let err = parse_rules("d.yml", &GOOD.replace("[demo_]", "[]"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("keywords is empty"), "{err}");
        let err = parse_rules("d.yml", &GOOD.replace("[demo_]", "[de]"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("shorter"), "{err}");
    }

    #[test]
    fn huge_regex_fails_compile_all() {
        let text = GOOD.replace("{8})", "{8}(?:[a-z]{1000}){1000})");
        let mut set = super::super::RuleSet::default();
        set.extend(parse_rules("d.yml", &text).unwrap()).unwrap();
        let err = set.compile_all().unwrap_err().to_string();
        assert!(err.contains("demo-token"), "{err}");
    }

    const WITH_FRAGMENTS: &str = "fragments:\n  demo_body: '[a-z0-9]{8}'\nrules:\n  - id: demo-token\n    name: Demo\n    keywords: [demo_]\n    regex: '(?P<secret>demo_{{demo_body}}){{end}}'\n";

    fn shared_end() -> Vec<Fragment> {
        vec![Fragment {
            name: "end".into(),
            pattern: "(?:\\b|$)".into(),
            source: "fragments.yml".into(),
            line: 2,
        }]
    }

    #[test]
    fn a_file_uses_its_own_and_the_shared_fragments() {
        let parsed = parse_file("demo.yml", WITH_FRAGMENTS, &shared_end()).unwrap();
        let rule = &parsed.rules[0];
        assert_eq!(rule.pattern, "(?P<secret>demo_[a-z0-9]{8})(?:\\b|$)");
        assert_eq!(rule.fragments, ["demo_body", "end"]);
        assert_eq!(parsed.fragments.len(), 1);
        assert_eq!(
            (
                parsed.fragments[0].source.as_str(),
                parsed.fragments[0].line
            ),
            ("demo.yml", 2)
        );
    }

    #[test]
    fn an_unknown_fragment_names_file_line_rule_and_fragment() {
        let err = parse_file("demo.yml", WITH_FRAGMENTS, &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("demo.yml:4: rule \"demo-token\": unknown fragment \"end\""),
            "{err}"
        );
        assert!(err.contains("known: demo_body"), "{err}");
    }

    #[test]
    fn a_bad_fragment_names_file_line_and_fragment() {
        let text = WITH_FRAGMENTS.replace("'[a-z0-9]{8}'", "'[a-z0-9]{8}|x'");
        let err = parse_file("demo.yml", &text, &shared_end())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("demo.yml:2: fragment \"demo_body\": ") && err.contains("`|`"),
            "{err}"
        );
        // Not parsed at start-up for the built-in files; the test above runs the full check.
        assert!(parse_builtin_file("demo.yml", &text, &shared_end()).is_ok());
        let text = WITH_FRAGMENTS.replace("demo_body: ", "end: ");
        let err = parse_file("demo.yml", &text, &shared_end())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("demo.yml:2: fragment \"end\": ") && err.contains("fragments.yml:2"),
            "{err}"
        );
        let text = WITH_FRAGMENTS.replace("  demo_body:", "  demo_body: 'a'\n  demo_body:");
        assert!(parse_file("demo.yml", &text, &shared_end()).is_err());
    }

    /// A file of fragments alone (like `rules/fragments.yml`) is a valid rule file.
    #[test]
    fn a_file_may_hold_only_fragments() {
        let parsed = parse_file("f.yml", "fragments:\n  end: '(?:\\b|$)'\n", &[]).unwrap();
        assert!(parsed.rules.is_empty());
        assert_eq!(parsed.fragments, {
            let mut f = shared_end();
            f[0].source = "f.yml".into();
            f
        });
    }

    /// A gitleaks import's pattern is its own: `{{` is not a reference there.
    #[test]
    fn validate_expands_nothing() {
        let raw = RawRule {
            id: "g".into(),
            name: "G".into(),
            keywords: vec!["abc".into()],
            regex: "(?P<secret>abc[{{x}}])".into(),
            entropy: None,
            check: None,
            provider: None,
            confidence: Confidence::Low,
            window: None,
            references: vec![],
            examples: vec![],
            negative_examples: vec![],
            nearby: vec![],
        };
        assert_eq!(
            validate("g.toml", 1, raw).unwrap().pattern,
            "(?P<secret>abc[{{x}}])"
        );
    }

    #[test]
    fn duplicate_ids_rejected() {
        let mut set = super::super::RuleSet::default();
        set.extend(parse_rules("a.yml", GOOD).unwrap()).unwrap();
        let err = set
            .extend(parse_rules("b.yml", GOOD).unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("a.yml") && err.contains("b.yml"), "{err}");
    }
}
