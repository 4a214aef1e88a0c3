//! `leakhound rules check`: runs every rule's examples through the whole scanner with every
//! rule loaded, and lints what the schema cannot express, such as a fragment no rule uses. All
//! failures are collected, so one run shows everything to fix. (An unknown fragment is a load
//! error: the rule could not run at all.)

use std::fmt;

use crate::rules::RuleSet;
use crate::scan::{Candidate, Scanner, Scratch};

/// Minimum number of positive examples a rule must carry.
pub const MIN_EXAMPLES: usize = 2;
/// Minimum number of negative examples a rule must carry.
pub const MIN_NEGATIVE_EXAMPLES: usize = 1;

/// What a [`Failure`] is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// The rule with this id.
    Rule(String),
    /// A fragment definition.
    Fragment {
        /// Its name.
        name: String,
        /// 1-based line of the definition.
        line: u64,
    },
}

/// One problem with one rule or fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The rule or fragment at fault.
    pub subject: Subject,
    /// The file it came from.
    pub source: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.subject {
            Subject::Rule(id) => write!(f, "{}: rule {id:?}: {}", self.source, self.message),
            Subject::Fragment { name, line } => write!(
                f,
                "{}:{line}: fragment {name:?}: {}",
                self.source, self.message
            ),
        }
    }
}

/// Checks every rule of `scanner`; an empty result means all pass.
pub fn check_all(scanner: &Scanner) -> Vec<Failure> {
    let mut failures = Vec::new();
    let mut scratch = Scratch::default();
    for (idx, rule) in scanner.rules().rules().iter().enumerate() {
        let mut fail = |message: String| {
            failures.push(Failure {
                subject: Subject::Rule(rule.id.0.clone()),
                source: rule.source.clone(),
                message,
            });
        };
        if let Err(e) = crate::rules::Rule::compile(&rule.pattern) {
            fail(format!("regex does not compile: {e}"));
            continue;
        }
        if rule.examples.len() < MIN_EXAMPLES {
            fail(format!(
                "has {} examples; at least {MIN_EXAMPLES} are required",
                rule.examples.len()
            ));
        }
        if rule.negative_examples.len() < MIN_NEGATIVE_EXAMPLES {
            fail(format!(
                "has {} negative examples; at least {MIN_NEGATIVE_EXAMPLES} is required",
                rule.negative_examples.len()
            ));
        }
        if rule.references.is_empty() {
            fail("has no references to the format's documentation".into());
        }
        for (i, ex) in rule.examples.iter().enumerate() {
            let lower = ex.to_ascii_lowercase();
            if !rule
                .keywords
                .iter()
                .any(|k| lower.contains(&k.to_ascii_lowercase()))
            {
                fail(format!(
                    "example {i} contains none of the keywords {:?}",
                    rule.keywords
                ));
                continue;
            }
            let matches = scanner.scan(ex.as_bytes(), &mut scratch);
            if !matches.iter().any(|m| m.rule == idx && m.end > m.start) {
                let others: Vec<&str> = matches
                    .iter()
                    .map(|m| scanner.rule(m).id.0.as_str())
                    .collect();
                let why = scanner
                    .explain(ex.as_bytes(), &mut scratch)
                    .into_iter()
                    .find_map(|c| match c {
                        Candidate::Matched {
                            rule,
                            verdict: Err(r),
                            ..
                        } if rule == idx => Some(r.to_string()),
                        _ => None,
                    })
                    .unwrap_or_else(|| "the pattern matches nothing".into());
                fail(format!(
                    "example {i} is not reported by this rule: {why} (reported by: {others:?})"
                ));
            }
        }
        for (i, ex) in rule.negative_examples.iter().enumerate() {
            let matches = scanner.scan(ex.as_bytes(), &mut scratch);
            if matches.iter().any(|m| m.rule == idx) {
                fail(format!("negative example {i} is reported by this rule"));
            }
        }
    }
    failures.extend(unused_fragments(scanner.rules()));
    failures
}

/// Fragments no rule refers to: a shared one unused by every rule, a file's own unused by the
/// rules of that file.
pub fn unused_fragments(rules: &RuleSet) -> Vec<Failure> {
    rules
        .fragments()
        .filter(|(f, shared)| {
            !rules
                .rules()
                .iter()
                .any(|r| (*shared || r.source == f.source) && r.fragments.contains(&f.name))
        })
        .map(|(f, shared)| Failure {
            subject: Subject::Fragment {
                name: f.name.clone(),
                line: f.line,
            },
            source: f.source.clone(),
            message: if shared {
                "no rule uses this shared fragment; remove it".into()
            } else {
                "no rule of this file uses this fragment; remove it".into()
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unused_shared_and_local_fragments_are_failures() {
        let mut set = RuleSet::default();
        set.load_shared_file("fragments.yml", "fragments:\n  used: 'a'\n  spare: 'b'\n")
            .unwrap();
        let rule = "rules:\n  - {id: ID, name: X, keywords: [xyz], regex: '(?P<secret>xyz{{used}}{{mine}})'}\n";
        set.load_file(
            "a.yml",
            &format!("fragments:\n  mine: 'c'\n{}", rule.replace("ID", "a-rule")),
        )
        .unwrap();
        // `b.yml` defines its own `mine` but uses none: `a.yml`'s rule does not count for it.
        set.load_file(
            "b.yml",
            "fragments:\n  mine: 'c'\nrules:\n  - {id: b-rule, name: X, keywords: [xyz], regex: '(?P<secret>xyz)'}\n",
        )
        .unwrap();
        let failures: Vec<String> = unused_fragments(&set)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            failures,
            [
                "fragments.yml:3: fragment \"spare\": no rule uses this shared fragment; remove it",
                "b.yml:2: fragment \"mine\": no rule of this file uses this fragment; remove it",
            ]
        );
    }
}
