//! `--gitleaks-config FILE`: imports a gitleaks (v8) TOML configuration, so a team moving from
//! gitleaks keeps its custom rules and allowlists.
//!
//! What maps how:
//! - `[[rules]]` with a `regex` become leakhound rules with id `gitleaks.<id>`. The secret is
//!   capture group `secretGroup` when set, else the first capture group if there is one, else
//!   the whole match (gitleaks' own choice). `entropy` carries over. `keywords` carry over; a
//!   rule without them gets the regex's required literal prefixes (3+ bytes) as keywords, or is
//!   skipped with a warning, because leakhound runs a regex only near its keywords.
//! - Global `[allowlist]` / `[[allowlists]]` and per-rule `[rules.allowlist]` /
//!   `[[rules.allowlists]]`: `paths` (regexes on the path), `regexes` (on the secret, or the line
//!   with `regexTarget = "line"`), `stopwords`, `commits`, `condition = "AND"`, `targetRules`.
//! - Not supported, with a warning: a rule's `path` (the rule is imported for every path),
//!   path-only rules (skipped), `[extend]` (leakhound's built-in rules always run).
//!
//! Rules and allowlists whose regex does not compile under Rust's `regex` are skipped with a
//! warning naming them; the import never silently drops anything.

use std::path::Path;

use regex::bytes::Regex;
use regex_syntax::ast::{self, Ast};
use serde::Deserialize;

use crate::rules::load::{validate, RawRule};
use crate::rules::{Confidence, Rule};

/// An imported allowlist, scoped to some rules or to all.
#[derive(Debug)]
pub struct Allowlist {
    /// Rule ids (leakhound's, `gitleaks.<id>`) it applies to; empty means every rule.
    pub rules: Vec<String>,
    /// All given criteria must match (`condition = "AND"`), instead of any.
    pub all: bool,
    /// Regexes on the reported path.
    pub paths: Vec<Regex>,
    /// Regexes on the secret (or on the line when `target_line`).
    pub regexes: Vec<Regex>,
    /// Match `regexes` against the whole line instead of the secret.
    pub target_line: bool,
    /// Lower-cased stop-words looked for in the secret.
    pub stopwords: Vec<Vec<u8>>,
    /// Commit ids (lower-case).
    pub commits: Vec<String>,
    /// Where it came from, for messages.
    pub source: String,
}

/// The result of an import.
#[derive(Debug, Default)]
pub struct Import {
    /// Rules to add.
    pub rules: Vec<Rule>,
    /// Allowlists for triage.
    pub allowlists: Vec<Allowlist>,
    /// What was skipped or approximated, one line each.
    pub warnings: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GlConfig {
    #[serde(default)]
    extend: Option<toml::Value>,
    #[serde(default)]
    rules: Vec<GlRule>,
    #[serde(default)]
    allowlist: Option<GlAllowlist>,
    #[serde(default)]
    allowlists: Vec<GlAllowlist>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GlRule {
    id: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    secret_group: Option<usize>,
    #[serde(default)]
    entropy: Option<f64>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    allowlist: Option<GlAllowlist>,
    #[serde(default)]
    allowlists: Vec<GlAllowlist>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GlAllowlist {
    #[serde(default)]
    condition: Option<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    regex_target: Option<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    commits: Vec<String>,
    #[serde(default)]
    target_rules: Vec<String>,
}

/// Imports the gitleaks configuration at `path`, read through [`crate::control_file::read`]
/// (a symbolic link is followed only to a file inside `root`).
///
/// # Errors
/// A message naming the file when it cannot be read or is not TOML of gitleaks' shape.
pub fn import(path: &Path, root: &Path) -> Result<Import, String> {
    let text =
        crate::control_file::read(path, root, "gitleaks config").map_err(|e| e.to_string())?;
    import_str(path, &text)
}

/// Imports gitleaks configuration text; `path` names it in messages.
///
/// # Errors
/// See [`import`].
pub fn import_str(path: &Path, text: &str) -> Result<Import, String> {
    let file = path.display().to_string();
    let cfg: GlConfig = toml::from_str(text).map_err(|e: toml::de::Error| {
        // The message and position only: `toml`'s Display quotes the offending source line.
        let at = e.span().map_or(String::new(), |s| {
            let before = &text[..s.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("{line}:{col}: ")
        });
        format!(
            "{file}:{at}not a gitleaks TOML config: {}",
            crate::control_file::parser_message(e.message())
        )
    })?;
    let mut out = Import::default();
    if cfg.extend.is_some() {
        out.warnings.push(format!("{file}: [extend] ignored: leakhound's built-in rules always run alongside imported ones"));
    }
    for (i, rule) in cfg.rules.iter().enumerate() {
        let id = format!("gitleaks.{}", rule.id.to_ascii_lowercase());
        let here = format!("{file}: rule {:?}", rule.id);
        let Some(pattern) = &rule.regex else {
            out.warnings.push(format!(
                "{here}: path-only rule skipped (leakhound matches content, not file names)"
            ));
            continue;
        };
        if rule.path.is_some() {
            out.warnings.push(format!(
                "{here}: `path` not supported; the rule applies to every file"
            ));
        }
        let pattern = match secret_pattern(pattern, rule.secret_group) {
            Ok(p) => p,
            Err(e) => {
                out.warnings.push(format!("{here}: skipped: {e}"));
                continue;
            }
        };
        let keywords = if rule.keywords.is_empty() {
            derived_keywords(&pattern)
        } else {
            rule.keywords.clone()
        };
        if keywords.is_empty()
            || keywords
                .iter()
                .any(|k| k.len() < crate::rules::load::MIN_KEYWORD_LEN)
        {
            out.warnings.push(format!(
                "{here}: skipped: no keywords of 3+ bytes given or derivable from the regex; add `keywords` so leakhound knows where to look"
            ));
            continue;
        }
        let raw = RawRule {
            id: id.clone(),
            name: rule
                .description
                .clone()
                .filter(|d| !d.trim().is_empty())
                .unwrap_or_else(|| rule.id.clone()),
            keywords,
            regex: pattern,
            entropy: rule.entropy,
            check: None,
            provider: None,
            confidence: Confidence::Medium,
            window: None,
            references: Vec::new(),
            examples: Vec::new(),
            negative_examples: Vec::new(),
            nearby: Vec::new(),
        };
        match validate(&file, u64::try_from(i + 1).unwrap_or(u64::MAX), raw) {
            Ok(r) => match Rule::compile(&r.pattern) {
                Ok(_) => out.rules.push(r),
                Err(e) => out.warnings.push(format!(
                    "{here}: skipped: regex does not compile in Rust's regex: {e}"
                )),
            },
            Err(e) => out.warnings.push(format!("{here}: skipped: {e}")),
        }
        for al in rule.allowlist.iter().chain(&rule.allowlists) {
            if let Some(a) = convert_allowlist(al, vec![id.clone()], &here, &mut out.warnings) {
                out.allowlists.push(a);
            }
        }
    }
    for al in cfg.allowlist.iter().chain(&cfg.allowlists) {
        let scope = al
            .target_rules
            .iter()
            .map(|r| format!("gitleaks.{}", r.to_ascii_lowercase()))
            .collect();
        if let Some(a) =
            convert_allowlist(al, scope, &format!("{file}: allowlist"), &mut out.warnings)
        {
            out.allowlists.push(a);
        }
    }
    Ok(out)
}

fn convert_allowlist(
    al: &GlAllowlist,
    rules: Vec<String>,
    here: &str,
    warnings: &mut Vec<String>,
) -> Option<Allowlist> {
    let mut compile_all = |what: &str, list: &[String]| -> Option<Vec<Regex>> {
        let mut v = Vec::new();
        for r in list {
            match Rule::compile(r) {
                Ok(re) => v.push(re),
                Err(e) => {
                    warnings.push(format!(
                        "{here}: skipped: {what} regex {r:?} does not compile in Rust's regex: {e}"
                    ));
                    return None;
                }
            }
        }
        Some(v)
    };
    let paths = compile_all("path", &al.paths)?;
    let regexes = compile_all("", &al.regexes)?;
    let target_line = match al.regex_target.as_deref() {
        None | Some("secret") => false,
        Some("line") => true,
        Some(other) => {
            warnings.push(format!(
                "{here}: regexTarget {other:?} is matched against the secret"
            ));
            false
        }
    };
    Some(Allowlist {
        rules,
        all: al
            .condition
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case("and")),
        paths,
        regexes,
        target_line,
        stopwords: al
            .stopwords
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.to_ascii_lowercase().into_bytes())
            .collect(),
        commits: al.commits.iter().map(|c| c.to_ascii_lowercase()).collect(),
        source: here.to_string(),
    })
}

impl Allowlist {
    /// Whether this allowlist suppresses a finding of `rule` with these attributes.
    pub fn matches(
        &self,
        rule: &str,
        path: &str,
        commit: Option<&str>,
        secret: &[u8],
        line: &[u8],
    ) -> bool {
        if !self.rules.is_empty() && !self.rules.iter().any(|r| r == rule) {
            return false;
        }
        let target = if self.target_line { line } else { secret };
        let lower = secret.to_ascii_lowercase();
        let checks: [Option<bool>; 4] = [
            (!self.paths.is_empty())
                .then(|| self.paths.iter().any(|r| r.is_match(path.as_bytes()))),
            (!self.regexes.is_empty()).then(|| self.regexes.iter().any(|r| r.is_match(target))),
            (!self.stopwords.is_empty()).then(|| {
                self.stopwords
                    .iter()
                    .any(|w| memchr::memmem::find(&lower, w).is_some())
            }),
            (!self.commits.is_empty()).then(|| {
                commit.is_some_and(|c| self.commits.iter().any(|x| x.eq_ignore_ascii_case(c)))
            }),
        ];
        let mut given = checks.iter().flatten().peekable();
        if given.peek().is_none() {
            return false;
        }
        if self.all {
            given.all(|&b| b)
        } else {
            given.any(|&b| b)
        }
    }
}

/// Rewrites `pattern` so the secret is a group named `secret`: group `group` when given (> 0),
/// else the first capture group, else the whole match.
fn secret_pattern(pattern: &str, group: Option<usize>) -> Result<String, String> {
    let mut ast = ast::parse::Parser::new()
        .parse(pattern)
        .map_err(|e| format!("invalid regex: {e}"))?;
    let wanted = match group {
        Some(n) if n > 0 => {
            u32::try_from(n).map_err(|_| format!("secretGroup {n} is too large"))?
        }
        _ => 1,
    };
    if rename_group(&mut ast, wanted) {
        let mut out = String::new();
        ast::print::Printer::new()
            .print(&ast, &mut out)
            .map_err(|e| format!("cannot print the regex: {e}"))?;
        return Ok(out);
    }
    if matches!(group, Some(n) if n > 0) {
        return Err(format!("secretGroup {wanted} does not exist in the regex"));
    }
    Ok(format!("(?P<secret>{pattern})"))
}

fn rename_group(ast: &mut Ast, index: u32) -> bool {
    match ast {
        Ast::Group(g) => {
            if g.capture_index() == Some(index) {
                g.kind = ast::GroupKind::CaptureName {
                    starts_with_p: true,
                    name: ast::CaptureName {
                        span: g.span,
                        name: "secret".into(),
                        index,
                    },
                };
                return true;
            }
            rename_group(&mut g.ast, index)
        }
        Ast::Concat(c) => c.asts.iter_mut().any(|a| rename_group(a, index)),
        Ast::Alternation(a) => a.asts.iter_mut().any(|a| rename_group(a, index)),
        Ast::Repetition(r) => rename_group(&mut r.ast, index),
        _ => false,
    }
}

/// Literal prefixes every match must start with, lower-cased, when there are few and all are at
/// least 3 bytes: usable as prefilter keywords.
fn derived_keywords(pattern: &str) -> Vec<String> {
    let Ok(hir) = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
    else {
        return Vec::new();
    };
    let mut ex = regex_syntax::hir::literal::Extractor::new();
    ex.kind(regex_syntax::hir::literal::ExtractKind::Prefix)
        .limit_total(64);
    let seq = ex.extract(&hir);
    let Some(lits) = seq.literals() else {
        return Vec::new();
    };
    let mut out: Vec<String> = lits
        .iter()
        .map(|l| String::from_utf8_lossy(l.as_bytes()).to_ascii_lowercase())
        .collect();
    out.sort();
    out.dedup();
    if out.is_empty() || out.len() > 32 || out.iter().any(|k| k.len() < 3) {
        return Vec::new();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
title = "team config"
[extend]
useDefault = true

[allowlist]
description = "global"
paths = ['''(^|/)testdata/''']
stopwords = ["notreal"]

[[rules]]
id = "acme-key"
description = "Acme API key"
regex = '''(?i)acme[_-]?key\s*=\s*['"]([a-z0-9]{24})['"]'''
keywords = ["acme"]
entropy = 3.0
[[rules.allowlists]]
regexes = ['''^0000''']

[[rules]]
id = "internal-token"
regex = '''itk_(?:live|test)_[A-Za-z0-9]{20}'''

[[rules]]
id = "pem-file"
path = '''\.pem$'''

[[rules]]
id = "generic"
regex = '''(password)\s*=\s*(\S{8,})'''
secretGroup = 2
keywords = ["password"]
"#;

    #[test]
    fn imports_rules_and_allowlists() {
        let imp = import_str(Path::new("g.toml"), CONFIG).unwrap();
        let ids: Vec<&str> = imp.rules.iter().map(|r| r.id.0.as_str()).collect();
        assert_eq!(
            ids,
            [
                "gitleaks.acme-key",
                "gitleaks.internal-token",
                "gitleaks.generic"
            ]
        );
        assert_eq!(imp.rules[0].name, "Acme API key");
        assert_eq!(
            imp.rules[0].pattern,
            r#"(?i)acme[_-]?key\s*=\s*['"](?P<secret>[a-z0-9]{24})['"]"#
        );
        assert_eq!(imp.rules[1].keywords, ["itk_live_", "itk_test_"]);
        assert_eq!(
            imp.rules[1].pattern,
            "(?P<secret>itk_(?:live|test)_[A-Za-z0-9]{20})"
        );
        assert!(
            imp.rules[2].pattern.contains("(?P<secret>\\S{8,})"),
            "{}",
            imp.rules[2].pattern
        );
        assert_eq!(imp.allowlists.len(), 2);
        assert!(imp.warnings.iter().any(|w| w.contains("[extend]")));
        assert!(imp
            .warnings
            .iter()
            .any(|w| w.contains("pem-file") && w.contains("path-only")));
    }

    #[test]
    fn allowlist_semantics() {
        let imp = import_str(Path::new("g.toml"), CONFIG).unwrap();
        let rule_al = &imp.allowlists[0];
        assert!(rule_al.matches("gitleaks.acme-key", "a.py", None, b"0000abc", b""));
        assert!(!rule_al.matches("gitleaks.generic", "a.py", None, b"0000abc", b""));
        let global = &imp.allowlists[1];
        assert!(global.matches("anything", "x/testdata/y.env", None, b"s", b""));
        assert!(global.matches("anything", "y.env", None, b"isNOTREALkey", b""));
        assert!(!global.matches("anything", "y.env", None, b"realkey", b""));
    }

    #[test]
    fn and_condition_and_commits() {
        let text =
            "[[allowlists]]\ncondition = \"AND\"\npaths = ['''\\.env$''']\ncommits = [\"ABC\"]\n";
        let imp = import_str(Path::new("g.toml"), text).unwrap();
        let a = &imp.allowlists[0];
        assert!(a.matches("r", "x.env", Some("abc"), b"s", b""));
        assert!(!a.matches("r", "x.env", Some("def"), b"s", b""));
        assert!(!a.matches("r", "x.txt", Some("abc"), b"s", b""));
    }

    #[test]
    fn bad_input_is_explained() {
        let err = import_str(Path::new("g.toml"), "rules = 3").unwrap_err();
        assert!(
            err.starts_with("g.toml:1:") && err.contains("not a gitleaks TOML config"),
            "{err}"
        );
        let imp = import_str(
            Path::new("g.toml"),
            "[[rules]]\nid = \"x\"\nregex = '''(?<=a)b'''\nkeywords=[\"abc\"]\n",
        )
        .unwrap();
        assert!(imp.rules.is_empty());
        assert!(
            imp.warnings[0].contains("rule \"x\"") && imp.warnings[0].contains("skipped"),
            "{:?}",
            imp.warnings
        );
        let imp = import_str(
            Path::new("g.toml"),
            "[[rules]]\nid = \"y\"\nregex = '''[a-z]{30}'''\n",
        )
        .unwrap();
        assert!(
            imp.rules.is_empty() && imp.warnings[0].contains("keywords"),
            "{:?}",
            imp.warnings
        );
        let imp = import_str(
            Path::new("g.toml"),
            "[[rules]]\nid = \"z\"\nregex = '''abc(d)'''\nsecretGroup = 3\n",
        )
        .unwrap();
        assert!(
            imp.warnings[0].contains("secretGroup 3"),
            "{:?}",
            imp.warnings
        );
    }
}
