//! Pattern fragments: named pieces of regex that rules refer to as `{{name}}` instead of pasting
//! them (issue 14: one 158-character assignment pattern had been pasted into 195 rules).
//!
//! A rule file (or the config's `rules:` section) may define `fragments: {name: pattern}`; the
//! fragments of `rules/fragments.yml` are shared with every rule, built-in or the user's.
//! References are expanded at load, so the engine, the checks and the tests all see the final
//! pattern, and an unknown name fails the load with the file, line and rule id.
//!
//! Why `{{name}}`: outside a character class the regex crate rejects `{{` wherever it stands
//! (a repetition needs a decimal after `{`, and `{` at the start of an expression repeats
//! nothing), so no pattern that compiles today contains a reference by accident. Inside a class
//! (`[{{]`) it would; there, as anywhere, a literal brace is written `\{`.
//!
//! A fragment behaves as one unit wherever it is used: it must parse on its own, may not have a
//! top-level `|` or set flags for what follows it, and a reference may not be repeated directly
//! (`(?:{{name}})?` is the way). Under those rules inserting the text as-is means the same as
//! inserting a group, so a pattern that does not use verbose mode gets the fragment's text
//! byte for byte. In a verbose (`(?x)`) pattern a fragment is inserted as `(?-x:…)`, so the
//! spaces and `#` it contains keep their meaning: a fragment's text is always read in normal
//! mode, and a long one opts into verbose mode for itself with a `(?x:…)` group.

use regex_syntax::ast::{self, Ast};

/// One named fragment, as defined in a `fragments:` map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    /// The name rules refer to it by: lowercase letters, digits and `_`, starting with a letter.
    pub name: String,
    /// The regex text that replaces each reference.
    pub pattern: String,
    /// Where it was defined (a file name), for messages.
    pub source: String,
    /// 1-based line of the definition.
    pub line: u64,
}

/// The fragments a pattern may refer to: those defined next to it (its file, or the config),
/// then the shared ones. A name is defined in at most one of the two ([`check_local`]).
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// Defined in the same file (or config) as the rule.
    pub local: &'a [Fragment],
    /// Defined in the shared fragments file.
    pub shared: &'a [Fragment],
}

impl<'a> Scope<'a> {
    fn get(&self, name: &str) -> Option<&'a Fragment> {
        self.local
            .iter()
            .chain(self.shared)
            .find(|f| f.name == name)
    }

    fn names(&self) -> Vec<&'a str> {
        let mut names: Vec<&str> = self
            .local
            .iter()
            .chain(self.shared)
            .map(|f| f.name.as_str())
            .collect();
        names.sort_unstable();
        names
    }
}

/// A pattern with its references replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    /// The final pattern.
    pub pattern: String,
    /// The names referred to, each once, in order of first use.
    pub used: Vec<String>,
}

/// Whether `name` is a valid fragment name.
fn valid_name(name: &str) -> bool {
    name.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Replaces every `{{name}}` in `pattern` by the fragment of that name in `scope`.
///
/// A backslash escapes the character after it (`\{{` is not a reference). Patterns without
/// `{{` are returned unchanged without scanning further.
///
/// # Errors
/// A message naming the unknown or malformed reference, or a reference followed by a
/// repetition operator.
pub fn expand(pattern: String, scope: Scope<'_>) -> Result<Expanded, String> {
    if !pattern.contains("{{") {
        return Ok(Expanded {
            pattern,
            used: Vec::new(),
        });
    }
    let verbose = enables_verbose(&pattern);
    let mut out = String::with_capacity(pattern.len() * 2);
    let mut used: Vec<String> = Vec::new();
    let mut rest = pattern.as_str();
    while let Some(i) = next_reference(rest) {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(end) = after.find("}}") else {
            return Err(malformed(after));
        };
        let name = &after[..end];
        if !valid_name(name) {
            return Err(malformed(after));
        }
        let Some(fragment) = scope.get(name) else {
            let known = scope.names();
            return Err(if known.is_empty() {
                format!("unknown fragment {name:?}: no fragments are defined")
            } else {
                format!("unknown fragment {name:?} (known: {})", known.join(", "))
            });
        };
        rest = &after[end + 2..];
        if starts_with_repetition(rest) {
            return Err(format!(
                "fragment {name:?} is followed by a repetition operator; write (?:{{{{{name}}}}}) \
                 to repeat it"
            ));
        }
        if verbose {
            out.push_str("(?-x:");
            out.push_str(&fragment.pattern);
            out.push(')');
        } else {
            out.push_str(&fragment.pattern);
        }
        if !used.iter().any(|u| u == name) {
            used.push(name.to_string());
        }
    }
    out.push_str(rest);
    Ok(Expanded { pattern: out, used })
}

fn malformed(after: &str) -> String {
    let shown: String = after.chars().take(24).collect();
    format!(
        "malformed fragment reference {{{{{shown}…: write {{{{name}}}} (lowercase letters, digits, \
         `_`), or \\{{ for a literal brace"
    )
}

/// Byte offset of the next unescaped `{{` in `s`.
fn next_reference(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i + 1 < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'{' if b[i + 1] == b'{' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Whether `s` starts with `?`, `*`, `+` or a counted repetition `{n…`.
fn starts_with_repetition(s: &str) -> bool {
    let b = s.as_bytes();
    match b.first() {
        Some(b'?' | b'*' | b'+') => true,
        Some(b'{') => b.get(1).is_some_and(u8::is_ascii_digit),
        _ => false,
    }
}

/// Whether `pattern` may turn verbose mode on: a flag group (`(?x)`, `(?ix:`, …) with `x`
/// among the flags it sets. Errs towards yes (`\(?x` counts), which only costs a needless
/// `(?-x:…)` around a fragment: it changes no match.
fn enables_verbose(pattern: &str) -> bool {
    pattern.match_indices("(?").any(|(i, _)| {
        pattern[i + 2..]
            .bytes()
            .take_while(u8::is_ascii_alphabetic)
            .any(|b| b == b'x')
    })
}

/// Checks one definition: its name, and that its pattern is one unit (see the module doc).
/// `full` also parses the pattern, which the built-in rules skip at start-up (the test suite
/// runs the full check on them).
///
/// # Errors
/// A message saying what is wrong with the fragment.
pub fn check_definition(name: &str, pattern: &str, full: bool) -> Result<(), String> {
    if !valid_name(name) {
        return Err(
            "a fragment name is lowercase letters, digits and `_`, starting with a letter".into(),
        );
    }
    if pattern.is_empty() {
        return Err("the pattern is empty".into());
    }
    if next_reference(pattern).is_some() {
        return Err("a fragment cannot refer to other fragments".into());
    }
    if !full {
        return Ok(());
    }
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(|e| format!("invalid regex on its own: {e}"))?;
    let ast = ast::parse::Parser::new()
        .parse(pattern)
        .map_err(|e| format!("invalid regex on its own: {e}"))?;
    let top: &[Ast] = match &ast {
        Ast::Alternation(_) => {
            return Err(
                "the pattern has a top-level `|`: wrap it in (?:…) so that it stays one \
                        piece wherever it is used"
                    .into(),
            )
        }
        Ast::Concat(c) => &c.asts,
        other => std::slice::from_ref(other),
    };
    if top.iter().any(|a| matches!(a, Ast::Flags(_))) {
        return Err("the pattern sets flags for what follows it: scope them as (?flags:…)".into());
    }
    Ok(())
}

/// Checks that none of `local` redefines a shared fragment: a reader of a rule should not have
/// to ask which of two definitions a name means.
///
/// # Errors
/// The first fragment whose name is already shared, and a message saying so.
pub fn check_local<'a>(
    local: &'a [Fragment],
    shared: &[Fragment],
) -> Result<(), (&'a Fragment, String)> {
    for f in local {
        if let Some(s) = shared.iter().find(|s| s.name == f.name) {
            return Err((
                f,
                format!(
                    "a shared fragment of this name is defined in {}:{}; choose another name",
                    s.source, s.line
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag(name: &str, pattern: &str) -> Fragment {
        Fragment {
            name: name.into(),
            pattern: pattern.into(),
            source: "f.yml".into(),
            line: 1,
        }
    }

    fn shared() -> Vec<Fragment> {
        vec![
            frag("assign", "[ \t]{0,3}=[ \t]{0,3}"),
            frag("end", "(?:\\b|$)"),
        ]
    }

    fn expand_with(pattern: &str, local: &[Fragment]) -> Result<Expanded, String> {
        let shared = shared();
        expand(
            pattern.to_string(),
            Scope {
                local,
                shared: &shared,
            },
        )
    }

    /// The reference syntax can't appear in a pattern that compiles, outside a class.
    #[test]
    fn the_regex_crate_rejects_references() {
        for p in [
            "{{assign}}",
            "a{{assign}}",
            "\\{{assign}}",
            "(x|{{assign}})",
            "(?i:{{a_1}})",
        ] {
            assert!(crate::rules::Rule::compile(p).is_err(), "{p}");
        }
        assert!(crate::rules::Rule::compile("[{{assign}}]").is_ok());
    }

    #[test]
    fn expands_in_place_byte_for_byte() {
        let e = expand_with(
            "(?i:key){{assign}}(?P<secret>[a-z]{8}){{end}}{{assign}}",
            &[],
        )
        .unwrap();
        assert_eq!(
            e.pattern,
            "(?i:key)[ \t]{0,3}=[ \t]{0,3}(?P<secret>[a-z]{8})(?:\\b|$)[ \t]{0,3}=[ \t]{0,3}"
        );
        assert_eq!(e.used, ["assign", "end"]);
        let plain = expand_with("(?P<secret>a{2}b)", &[]).unwrap();
        assert_eq!(plain.pattern, "(?P<secret>a{2}b)");
        assert!(plain.used.is_empty());
    }

    #[test]
    fn local_fragments_and_escapes() {
        let local = [frag("word", "(?:key|token)")];
        let e = expand_with("x{{word}}\\{{2}\\\\{{end}}", &local).unwrap();
        assert_eq!(e.pattern, "x(?:key|token)\\{{2}\\\\(?:\\b|$)");
    }

    /// In verbose mode the fragment's spaces still count: it is inserted as a `(?-x:…)` group.
    #[test]
    fn verbose_patterns_get_the_fragment_in_normal_mode() {
        let e = expand_with("(?x) key  # the name\n {{assign}} (?P<secret>v)", &[]).unwrap();
        assert_eq!(
            e.pattern,
            "(?x) key  # the name\n (?-x:[ \t]{0,3}=[ \t]{0,3}) (?P<secret>v)"
        );
        let re = crate::rules::Rule::compile(&e.pattern).unwrap();
        assert!(re.is_match(b"key = v"));
        assert!(enables_verbose("(?ix:a)") && enables_verbose("a(?x)b"));
        assert!(!enables_verbose("(?i-x:a)") && !enables_verbose("(?P<x>a)"));
    }

    #[test]
    fn unknown_and_malformed_references_are_errors() {
        let err = expand_with("a{{asign}}b", &[]).unwrap_err();
        assert!(err.contains("unknown fragment \"asign\""), "{err}");
        assert!(err.contains("assign, end"), "{err}");
        let err = expand(
            "{{x}}".into(),
            Scope {
                local: &[],
                shared: &[],
            },
        )
        .unwrap_err();
        assert!(err.contains("no fragments are defined"), "{err}");
        for p in ["a{{assign", "a{{Assign}}", "a{{}}", "a{{ assign }}"] {
            let err = expand_with(p, &[]).unwrap_err();
            assert!(err.contains("malformed fragment reference"), "{p}: {err}");
        }
        for p in ["{{end}}?", "{{end}}+", "{{end}}*", "{{end}}{2}"] {
            let err = expand_with(p, &[]).unwrap_err();
            assert!(err.contains("repetition"), "{p}: {err}");
        }
        assert!(expand_with("{{end}}{{end}}", &[]).is_ok());
    }

    #[test]
    fn definitions_must_be_one_unit() {
        assert!(check_definition("value_end2", "(?:a|b)c?", true).is_ok());
        let bad = |name: &str, p: &str| check_definition(name, p, true).unwrap_err();
        assert!(bad("Bad", "a").contains("lowercase"));
        assert!(bad("_a", "a").contains("lowercase"));
        assert!(bad("a", "").contains("empty"));
        assert!(bad("a", "x{{b}}").contains("other fragments"));
        assert!(bad("a", "(?:a").contains("invalid regex"));
        assert!(bad("a", "a|b").contains("top-level `|`"));
        assert!(bad("a", "a(?i)b").contains("flags"));
        assert!(check_definition("a", "(?:a", false).is_ok());
    }

    #[test]
    fn local_names_may_not_shadow_shared_ones() {
        let shared = shared();
        assert!(check_local(&[frag("mine", "a")], &shared).is_ok());
        let local = [frag("end", "a")];
        let (f, msg) = check_local(&local, &shared).unwrap_err();
        assert_eq!(f.name, "end");
        assert!(msg.contains("f.yml:1"), "{msg}");
    }
}
