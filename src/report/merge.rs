//! Several reports into one (`leakhound report A B …`, alias `leakhound merge`): the reports of
//! one audit split across machines, or of several audits.
//!
//! Findings are attributed as one run over everything would attribute them: a history secret
//! reported at one path by several reports is kept at its oldest introduction only
//! ([`crate::finding::oldest_versions`], the function the history pipeline folds later versions
//! with; across reports the walk's order is not known, so the oldest is the earliest author
//! date, then the smaller commit id). The same finding in several reports (same repository,
//! fingerprint, place and commit) is reported once: the fingerprint does not cover the
//! repository, so the same secret in two repositories of an organisation audit stays two
//! findings. The summaries' counts are added up.

use std::collections::HashSet;

use super::read::Report;
use crate::finding::view::FindingView;
use crate::finding::{oldest_versions, order_key, OrderKey};
use crate::summary::Summary;

/// The merged report.
#[derive(Debug)]
pub struct Merged {
    /// Findings, in report order.
    pub findings: Vec<FindingView>,
    /// The summaries added up, with notes on what the merge did.
    pub summary: Summary,
}

/// Merges `reports`. One report is returned as it is (a re-render changes nothing).
pub fn merge(mut reports: Vec<Report>) -> Merged {
    if reports.len() == 1 {
        let r = reports.remove(0);
        let summary = r
            .summary
            .unwrap_or_else(|| lines_summary(r.findings.len(), 1));
        return Merged {
            findings: r.findings,
            summary,
        };
    }
    let inputs = reports.len();
    let mut summary = Summary::default();
    let mut without_summary = 0;
    let mut findings = Vec::new();
    for r in reports {
        match r.summary {
            Some(s) => {
                summary.rules = summary.rules.max(s.rules);
                summary.duration = summary.duration.max(s.duration);
                summary.interrupted |= s.interrupted;
                summary.merge(s);
            }
            None => without_summary += 1,
        }
        findings.extend(r.findings);
    }
    let before = findings.len();
    // History findings in files: the oldest introduction of each secret at each path.
    type Key<'a> = Option<(Option<&'a str>, &'a str, &'a str, &'a str, &'a str)>;
    let keys: Vec<Key<'_>> = findings
        .iter()
        .map(|f| {
            (f.commit.is_some() && !f.logical).then_some((
                f.repository.as_deref(),
                f.fingerprint.as_str(),
                f.rule.as_str(),
                f.path.as_str(),
                f.secret.as_str(),
            ))
        })
        .collect();
    let versions: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| {
            f.commit
                .as_ref()
                .map_or(("", ""), |c| (c.date.as_str(), c.id.as_str()))
        })
        .collect();
    let mut keep = oldest_versions(&keys, &versions);
    // Findings outside history (key None) are never folded: they share the one `None` key, so
    // give each its own place.
    for (k, slot) in keys.iter().zip(keep.iter_mut()) {
        if k.is_none() {
            *slot = Some(0);
        }
    }
    let folded: usize = keep.iter().filter(|k| k.is_none()).count();
    drop(keys);
    drop(versions);
    let mut kept: Vec<FindingView> = findings
        .into_iter()
        .zip(keep)
        .filter_map(|(f, k)| k.map(|_| f))
        .collect();
    // The same finding from several reports, once (the first report's copy).
    let mut seen = HashSet::new();
    kept.retain(|f| {
        seen.insert((
            f.repository.clone(),
            f.fingerprint.clone(),
            f.path.clone(),
            f.line,
            f.column,
            f.secret.clone(),
            f.commit.as_ref().map(|c| c.id.clone()),
        ))
    });
    drop(seen);
    let duplicates = before - folded - kept.len();
    kept.sort_by(|a, b| key(a).cmp(&key(b)));
    summary.findings = kept.len();
    summary
        .skips
        .sort_by(|a, b| (&a.path, a.reason).cmp(&(&b.path, b.reason)));
    let mut notes_seen = HashSet::new();
    summary.notes.retain(|n| notes_seen.insert(n.clone()));
    summary.notes.push(format!(
        "merged from {inputs} reports: {before} findings in all; {duplicates} reported by more \
         than one report and {folded} later introductions of a secret already reported at the \
         same path reported once"
    ));
    if without_summary > 0 {
        summary.notes.push(without_summary_note(without_summary));
    }
    Merged {
        findings: kept,
        summary,
    }
}

fn key(f: &FindingView) -> OrderKey<'_> {
    order_key(
        f.repository.as_deref(),
        &f.path,
        f.line,
        f.column,
        &f.rule,
        f.commit.as_ref().map(|c| c.id.as_str()),
    )
}

/// The summary of JSON Lines input, which carries none: the findings counted, and a note.
fn lines_summary(findings: usize, inputs: usize) -> Summary {
    Summary {
        findings,
        notes: vec![without_summary_note(inputs)],
        ..Summary::default()
    }
}

fn without_summary_note(n: usize) -> String {
    format!(
        "{n} input report{} JSON Lines, which carry findings only: what {} run{} scanned, \
         skipped and suppressed is not known here (`-f json` keeps the summary)",
        if n == 1 { " is" } else { "s are" },
        if n == 1 { "its" } else { "their" },
        if n == 1 { "" } else { "s" },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::view::CommitView;
    use crate::rules::Confidence;

    fn view(path: &str, line: u32, commit: Option<(&str, &str)>) -> FindingView {
        FindingView {
            repository: None,
            rule: "r".into(),
            rule_name: "R".into(),
            confidence: Confidence::High,
            path: path.into(),
            line,
            column: 1,
            end_line: line,
            end_column: 9,
            start: 0,
            end: 8,
            secret: "ab…".into(),
            redacted: true,
            entropy: 3.0,
            fingerprint: format!("fp-{path}"),
            context: "x".into(),
            logical: false,
            commit: commit.map(|(id, date)| CommitView {
                id: id.into(),
                author: "a".into(),
                email: "e".into(),
                date: date.into(),
                summary: "s".into(),
            }),
            present_at_head: None,
            annotations: Default::default(),
            verification: None,
            revocation: None,
        }
    }

    fn report(findings: Vec<FindingView>) -> Report {
        Report {
            source: "r.json".into(),
            findings,
            summary: Some(Summary {
                files_scanned: 2,
                ..Summary::default()
            }),
        }
    }

    #[test]
    fn earliest_introduction_wins_and_duplicates_go() {
        let early = Some(("aaaa", "2024-01-02T00:00:00Z"));
        let late = Some(("bbbb", "2024-03-01T00:00:00Z"));
        let a = report(vec![view("x.env", 3, late), view("y.env", 1, late)]);
        let b = report(vec![view("x.env", 2, early), view("y.env", 1, late)]);
        let m = merge(vec![a, b]);
        let got: Vec<(&str, u32, &str)> = m
            .findings
            .iter()
            .map(|f| {
                (
                    f.path.as_str(),
                    f.line,
                    f.commit.as_ref().unwrap().id.as_str(),
                )
            })
            .collect();
        assert_eq!(got, vec![("x.env", 2, "aaaa"), ("y.env", 1, "bbbb")]);
        assert_eq!(m.summary.files_scanned, 4);
        assert_eq!(m.summary.findings, 2);
        assert!(m
            .summary
            .notes
            .iter()
            .any(|n| n.contains("1 reported by more than one")));
    }

    #[test]
    fn findings_outside_history_are_only_deduplicated() {
        let a = report(vec![view("x.env", 3, None), view("x.env", 5, None)]);
        let b = report(vec![view("x.env", 3, None)]);
        let m = merge(vec![a, b]);
        assert_eq!(m.findings.len(), 2);
    }

    #[test]
    fn the_same_secret_in_two_repositories_is_two_findings() {
        let early = Some(("aaaa", "2024-01-02T00:00:00Z"));
        let late = Some(("bbbb", "2024-03-01T00:00:00Z"));
        let at = |repo: &str, commit| FindingView {
            repository: Some(repo.into()),
            ..view("x.env", 2, commit)
        };
        // Same fingerprint, place and commit in two repositories: both kept. A later
        // introduction in repository b is not folded into repository a's earlier one.
        let a = report(vec![at("https://h/o/a.git", early)]);
        let b = report(vec![
            at("https://h/o/b.git", early),
            at("https://h/o/a.git", early),
        ]);
        let c = report(vec![at("https://h/o/c.git", late)]);
        let m = merge(vec![c, b, a]);
        let got: Vec<&str> = m
            .findings
            .iter()
            .map(|f| f.repository.as_deref().unwrap())
            .collect();
        assert_eq!(
            got,
            [
                "https://h/o/a.git",
                "https://h/o/b.git",
                "https://h/o/c.git"
            ]
        );
        assert!(m
            .summary
            .notes
            .iter()
            .any(|n| n.contains("1 reported by more than one report and 0 later")));
    }
}
