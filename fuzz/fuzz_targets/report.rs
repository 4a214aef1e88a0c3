//! Every report format on arbitrary findings: paths, secrets, context and commit metadata are
//! taken from the input (control characters, invalid UTF-8, quotes, huge positions). JSON,
//! JSON Lines and SARIF must parse back.
#![no_main]

use std::num::NonZeroU32;
use std::sync::OnceLock;

use leakhound::blob::CommitMeta;
use leakhound::finding::{
    Annotation, Finding, Fingerprint, Location, Outcome, RevocationRecord, Secret, Segment, Status,
    Verification,
};
use leakhound::summary::Summary;
use leakhound::report::{self, Format, ReportOptions};
use leakhound::rules::{Confidence, RuleId, RuleSet};
use leakhound::source::{Skip, SkipReason};
use libfuzzer_sys::fuzz_target;

/// Every 40th built-in rule (about a dozen, from different files). SARIF writes the whole rule
/// set's descriptors into every report; with all of them that is a constant array of several
/// hundred KB, and writing and parsing it back twice per input took most of the target's time
/// (perf) for no coverage the first input does not already give. The findings' ids come from this set, so every
/// `ruleIndex` still points at a real descriptor.
fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        let all = RuleSet::builtin().expect("built-in rules load").into_rules();
        let mut set = RuleSet::default();
        set.extend(all.into_iter().step_by(40).collect())
            .expect("ids are unique");
        set
    })
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn num(b: &[u8]) -> u32 {
    b.iter()
        .fold(0u32, |n, &x| n.wrapping_mul(251).wrapping_add(u32::from(x)))
}

/// One finding from up to eight NUL-separated fields.
fn finding(record: &[u8]) -> Finding {
    let mut f = record.split(|&b| b == 0);
    let mut next = || f.next().unwrap_or_default();
    let (head, path, secret, before, after) = (next(), next(), next(), next(), next());
    let (commit, author, misc) = (next(), next(), next());
    let rules = rules().rules();
    let sel = head.first().copied().unwrap_or(0);
    let (rule_id, rule_name) = if sel == 0xFF {
        (RuleId(text(head)), text(head))
    } else {
        let r = &rules[usize::from(sel) % rules.len()];
        (r.id.clone(), r.name.clone())
    };
    let secret = Secret::new(secret);
    let path = text(path);
    let commit = (!commit.is_empty()).then(|| CommitMeta {
        id: text(commit),
        author_name: text(author),
        author_email: text(misc),
        date: text(misc),
        summary: text(before),
    });
    let n = num(misc);
    Finding {
        fingerprint: Fingerprint::compute(
            &rule_id,
            &secret,
            &path,
            n % 3 == 2,
        ),
        rule_id,
        rule_name,
        confidence: [Confidence::High, Confidence::Medium, Confidence::Low][(n % 3) as usize],
        entropy: f64::from(n) / 1e3,
        location: Location {
            path,
            line: NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN),
            column: NonZeroU32::new(n.rotate_left(7)).unwrap_or(NonZeroU32::MIN),
            start: n as usize,
            end: (n as usize).saturating_add(secret.expose().len()),
        },
        context: vec![
            Segment::Text(text(before)),
            Segment::Secret(secret.clone()),
            Segment::Text(text(after)),
        ],
        secret,
        metadata_secrets: Vec::new(),
        present_at_head: commit.as_ref().map(|_| n % 2 == 0),
        // Verification, revocation and annotations from the same fields, on some findings.
        verification: (n % 3 == 1).then(|| Verification {
            provider: text(author),
            status: [Status::Active, Status::Inactive, Status::Unknown][(n % 7 % 3) as usize],
            identity: (n % 2 == 0).then(|| text(after)),
            detail: Some(text(before)),
            checked_at: text(misc),
        }),
        revocation: (n % 5 == 1).then(|| RevocationRecord {
            by: text(author),
            outcome: [Outcome::Revoked, Outcome::Failed, Outcome::Refused, Outcome::Unknown, Outcome::DryRun]
                [(n % 11 % 5) as usize],
            detail: Some(text(after)),
            at: text(misc),
        }),
        annotations: if n % 4 == 1 {
            [
                ("expired".to_string(), Annotation::Text(text(misc))),
                ("aws_access_key_id".to_string(), Annotation::Secret(Secret::new(after))),
            ]
            .into()
        } else {
            Default::default()
        },
        commit,
    }
}

fuzz_target!(|data: &[u8]| {
    // Records are separated by 0x01 0x01; at most 64 so one input stays fast.
    let records: Vec<&[u8]> = data
        .split(|&b| b == 1)
        .filter(|r| !r.is_empty())
        .take(64)
        .collect();
    let findings: Vec<Finding> = records.iter().map(|r| finding(r)).collect();
    let mut summary = Summary {
        findings: findings.len(),
        rules: rules().len(),
        ..Summary::default()
    };
    for r in records.iter().take(4) {
        summary.skips.push(Skip {
            path: text(r),
            reason: SkipReason::Binary,
            detail: Some(text(r)),
        });
        *summary.skipped.entry(SkipReason::Binary).or_default() += 1;
    }
    for format in [Format::Text, Format::Json, Format::Jsonl, Format::Sarif] {
        for redact in [true, false] {
            let mut out = Vec::new();
            let opts = ReportOptions {
                format,
                redact,
                color: !redact,
            };
            report::write(&mut out, &findings, &summary, rules(), opts).expect("Vec never fails");
            let s = std::str::from_utf8(&out).expect("reports are UTF-8");
            match format {
                Format::Json | Format::Sarif => {
                    serde_json::from_str::<serde_json::Value>(s).expect("report parses as JSON");
                }
                Format::Jsonl => {
                    for line in s.lines() {
                        serde_json::from_str::<serde_json::Value>(line).expect("line parses");
                    }
                }
                Format::Text => {}
            }
        }
    }
});
