//! Built-in rules: every example and negative example passes through the real scanner, and the
//! rule listing is usable by machines.

use leakhound::rules::RuleSet;
use leakhound::scan::examples as check;
use leakhound::scan::{Scanner, Scratch};

use crate::common::*;

#[test]
fn every_builtin_rule_passes_its_examples() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    rules.compile_all().expect("built-in rules compile");
    assert!(rules.len() >= 250, "only {} rules", rules.len());
    let scanner = Scanner::new(rules).unwrap();
    let failures = check::check_all(&scanner);
    let report: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(
        report.is_empty(),
        "{} failures:\n{}",
        report.len(),
        report.join("\n")
    );
}

#[test]
fn rules_list_json() {
    let r = run(&["rules", "-f", "json"]);
    assert_eq!(r.code, 0);
    let list = r.json();
    let list = list.as_array().unwrap();
    assert!(list.len() >= 250);
    for rule in list {
        assert!(rule["id"].is_string() && rule["name"].is_string());
        assert!(!rule["keywords"].as_array().unwrap().is_empty());
    }
    let text = run(&["rules"]);
    assert!(text.stdout.contains("github-pat-classic"));
}

#[test]
fn rules_check_reports_user_rule_failures() {
    let d = tempdir();
    let f = d.path().join("mine.yml");
    std::fs::write(
        &f,
        "rules:\n  - id: acme-key\n    name: Acme key\n    keywords: [acme_]\n    regex: '(?P<secret>acme_[a-z0-9]{20})'\n    \
         references: [https://acme.invalid/docs]\n    examples: ['k = acme_q8fz1lmp0xvb7rty3ske', 'acme_zz81lmp0xvb7rty3skew']\n    \
         negative_examples: ['acme_short']\n",
    )
    .unwrap();
    let r = run(&["rules", "check", f.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    std::fs::write(
        &f,
        std::fs::read_to_string(&f)
            .unwrap()
            .replace("acme_short", "acme_q8fz1lmp0xvb7rty3sk9"),
    )
    .unwrap();
    let r = run(&["rules", "check", f.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("acme-key") && r.stderr.contains("negative example 0"),
        "{}",
        r.stderr
    );
    // A failing example says why this rule turned it down.
    std::fs::write(
        &f,
        std::fs::read_to_string(&f)
            .unwrap()
            .replace("acme_q8fz1lmp0xvb7rty3sk9", "acme_short")
            .replace("acme_zz81lmp0xvb7rty3skew", "acme_aaaaaaaaaaaaaaaaaaaa"),
    )
    .unwrap();
    let r = run(&["rules", "check", f.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("example 1 is not reported by this rule: the value reads as a placeholder"),
        "{}",
        r.stderr
    );
    std::fs::write(
        &f,
        "rules:\n  - id: acme-key\n    name: x\n    keyword: [acme_]\n    regex: 'x'\n",
    )
    .unwrap();
    let r = run(&["rules", "check", f.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("mine.yml") && r.stderr.contains("keyword"),
        "{}",
        r.stderr
    );
}

/// `leakhound COMMAND | head -1` for every command that writes to standard output: the reader
/// takes a line (or nothing) and closes the pipe; leakhound must end with status 0 and say
/// nothing, whether it lists, completes, prints its man page or reports findings (issue 16).
#[test]
fn output_into_a_closed_pipe_ends_quietly_with_status_0() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    // More findings than a pipe buffer (64 KiB) holds in every format, so that the report is
    // cut for real after the first line, not written whole before the reader leaves.
    let d = tempdir();
    let body: String = (0..2000)
        .map(|i| format!("T{i}={}\n", github_token(i)))
        .collect();
    std::fs::write(d.path().join("many.env"), body).unwrap();
    let fixtures = d.path().to_str().unwrap();
    let cases: [&[&str]; 9] = [
        &["rules"],
        &["providers", "-f", "json"],
        &["completions", "bash"],
        &["man"],
        &["scan", fixtures, "--no-progress"],
        &["scan", fixtures, "--no-progress", "-f", "json"],
        &["scan", fixtures, "--no-progress", "-f", "sarif"],
        &["scan", fixtures, "--no-progress", "-f", "jsonl"],
        &["rules", "list", "-f", "json"],
    ];
    for args in cases {
        for lines in [0, 1] {
            let mut child = command(&root(), args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let stdout = child.stdout.take().unwrap();
            let mut reader = BufReader::with_capacity(1, stdout);
            for _ in 0..lines {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                assert!(!line.is_empty(), "{args:?}: no output at all");
            }
            // The reader goes away: `head -0`, or `head -1` after its line.
            drop(reader);
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{args:?} | head -{lines}: {stderr}"
            );
            assert!(
                !stderr.contains("error") && !stderr.contains("panicked"),
                "{args:?} | head -{lines}: {stderr}"
            );
        }
    }
}

/// Issue 14: a rule file's fragments, and the shared built-in ones, expand in `rules check`;
/// an unknown fragment fails the load naming the rule, an unused one is a failure.
#[test]
fn rules_check_expands_fragments_and_reports_unknown_and_unused_ones() {
    let d = tempdir();
    let f = d.path().join("mine.yml");
    let file = "fragments:\n  acme_body: '[a-z0-9]{20}'\n  spare: 'x'\nrules:\n  - id: acme-key\n    name: Acme key\n    keywords: [acme_]\n    \
         regex: '(?i:acme{{secret_name_tail}}){{assign}}(?P<secret>acme_{{acme_body}}){{value_end}}'\n    \
         references: [https://acme.invalid/docs]\n    examples: ['ACME_KEY=acme_q8fz1lmp0xvb7rty3ske', 'acme_token: \"acme_zz81lmp0xvb7rty3skew\"']\n    \
         negative_examples: ['ACME_KEY=acme_short']\n";
    std::fs::write(&f, file).unwrap();
    let r = run(&["rules", "check", f.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("mine.yml:3: fragment \"spare\": no rule of this file uses"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("1 problem(s)"), "{}", r.stderr);
    std::fs::write(&f, file.replace("  spare: 'x'\n", "")).unwrap();
    let r = run(&["rules", "check", f.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    std::fs::write(&f, file.replace("{{acme_body}}", "{{acme_bdy}}")).unwrap();
    let r = run(&["rules", "check", f.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("mine.yml:5: rule \"acme-key\": unknown fragment \"acme_bdy\""),
        "{}",
        r.stderr
    );
}

/// Issue 14: `rules/generic/` loads after every provider's rules, so that when a generic rule
/// and a provider's rule report the same secret at equal confidence the provider's rule names
/// it, whatever the files are called (before, a database URI named a Docker Hub token in its
/// password because `database-uris.yml` happened to sort before `dockerhub.yml`).
#[test]
fn a_provider_rule_names_a_secret_a_generic_rule_also_finds() {
    let rules = RuleSet::builtin().unwrap();
    let generic = |r: &leakhound::rules::Rule| r.source.starts_with("generic/");
    let first = rules.rules().iter().position(generic).unwrap();
    assert!(rules.rules()[first..].iter().all(generic));
    let scanner = Scanner::new(rules).unwrap();
    for (text, rule) in [
        (
            "DATABASE_URL=postgres://app:dckr_pat_5mNehc7fFBIc8Ih-irMcrTd6Qpo@db.internal:5432/app", // leakhound:allow
            "dockerhub-personal-access-token",
        ),
        (
            "DATABASE_URL=postgres://app:tTRLW.CvIuEKu~tb@db.internal:5432/app", // leakhound:allow
            "database-uri-postgres",
        ),
    ] {
        let found: Vec<&str> = scanner
            .scan(text.as_bytes(), &mut Scratch::default())
            .iter()
            .map(|m| scanner.rule(m).id.0.as_str())
            .collect();
        assert_eq!(found, [rule], "{text}");
    }
}
