//! SARIF 2.1.0 through `serde-sarif`'s types, shaped for GitHub code scanning's ingestion rules:
//! `artifactLocation.uri`s relative to the repository root whatever path was scanned (with
//! `uriBaseId` `%SRCROOT%`, defined in `originalUriBaseIds`), so alerts point at files that
//! exist; every `ruleId` present in `tool.driver.rules` with help text; `partialFingerprints`
//! on every result (our content-based fingerprint, so alerts survive line moves); skips
//! reported as tool execution notifications.
//!
//! Findings outside any file (standard input, commit and tag messages) get a logical location
//! naming them, never a made-up file; a commit message's commit is in the result's properties.
//!
//! Severity: `level` and `properties.security-severity` follow the finding's confidence and,
//! when verified, the provider's answer (active: critical; inactive: one step lower). GitHub
//! reads `security-severity` from the rule (it fails pull-request checks on high and critical by
//! default), so rules carry their confidence's score and each result its own.
//!
//! Limits (GitHub: 25,000 results per run, 10 MB per gzip-compressed upload): a report past
//! either is cut, keeping the most severe findings, and says so in a notification and in the
//! summary. The size is bounded uncompressed, which guarantees the compressed bound without
//! compressing (GitHub displays at most 5,000 results per run anyway).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::json;
use std::path::{Component, Path, PathBuf};

use serde_sarif::sarif::{
    ArtifactContent, ArtifactLocation, Invocation, Location, LogicalLocation, Message,
    MultiformatMessageString, Notification, PhysicalLocation, PropertyBag, Region,
    ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};

use crate::finding::view::FindingView;
use crate::finding::Status;
use crate::rules::{Confidence, Rule, RuleSet};
use crate::summary::Summary;

use super::Paths;

/// The key under which results carry leakhound's fingerprint.
pub const FINGERPRINT_KEY: &str = "leakhound/v1";
/// The key under which history results carry the id of the commit that introduced them.
pub const COMMIT_KEY: &str = "leakhound/commit";
/// GitHub code scanning's limit on results per run.
pub const MAX_RESULTS: usize = 25_000;
/// GitHub code scanning's limit on an upload, gzip-compressed: 10 MB. Applied to the
/// uncompressed report, which can only be larger.
pub const MAX_BYTES: usize = 10_000_000;
/// The base id SARIF URIs are relative to: the repository root.
pub const SRCROOT: &str = "%SRCROOT%";
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn to_i64(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

/// Percent-encodes a relative path for `artifactLocation.uri` (RFC 3986: unreserved characters
/// and `/` kept, everything else, including non-ASCII bytes, encoded).
pub fn uri_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let refs = rule
        .references
        .iter()
        .map(|r| format!("- {r}"))
        .collect::<Vec<_>>()
        .join("\n");
    let help_text = format!(
        "{} detected (keywords: {}). Rotate the credential at the provider, remove it from the code and its history, \
         and load it from a secret store or environment variable instead.",
        rule.name,
        rule.keywords.join(", ")
    );
    let help_md = if refs.is_empty() {
        help_text.clone()
    } else {
        format!("{help_text}\n\nFormat documentation:\n{refs}")
    };
    let precision = match rule.confidence {
        Confidence::High => "very-high",
        Confidence::Medium => "high",
        Confidence::Low => "medium",
    };
    let props = PropertyBag::builder()
        .tags(vec!["security".to_string(), "secret".to_string()])
        .additional_properties(BTreeMap::from([
            ("precision".to_string(), json!(precision)),
            (
                "security-severity".to_string(),
                json!(score(confidence_score(rule.confidence))),
            ),
        ]))
        .build();
    let mut d = ReportingDescriptor::builder()
        .id(rule.id.0.clone())
        .name(rule.id.0.clone())
        .short_description(
            MultiformatMessageString::builder()
                .text(rule.name.clone())
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(format!("{} (leakhound rule {})", rule.name, rule.id))
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(help_text)
                .markdown(help_md)
                .build(),
        )
        .properties(props)
        .build();
    d.help_uri = rule.references.first().cloned();
    d
}

/// The SARIF level of a finding follows its confidence (README, "Confidence"): `error` for a
/// provider format whose offline check passed, `warning` for a provider format without one or
/// generic evidence that is strong, `note` for weak generic evidence.
fn level(confidence: Confidence) -> ResultLevel {
    match confidence {
        Confidence::High => ResultLevel::Error,
        Confidence::Medium => ResultLevel::Warning,
        Confidence::Low => ResultLevel::Note,
    }
}

/// The security-severity score of a finding of `confidence` (GitHub's bands: 9.0 and up
/// critical, 7.0 high, 4.0 medium, below low): a checked provider format is high, one
/// without a check medium, weak generic evidence low.
fn confidence_score(confidence: Confidence) -> f64 {
    match confidence {
        Confidence::High => 8.0,
        Confidence::Medium => 6.5,
        Confidence::Low => 3.5,
    }
}

/// A finding's level and security-severity: its confidence's, unless a provider answered. A
/// live credential is critical whatever the confidence; one the provider rejected is a step
/// lower (it may still grant access elsewhere, or be a rotated copy worth removing).
fn severity(f: &FindingView) -> (ResultLevel, f64) {
    match f.verification.as_ref().map(|v| v.status) {
        Some(Status::Active) => (ResultLevel::Error, 9.5),
        Some(Status::Inactive) => match f.confidence {
            Confidence::High => (ResultLevel::Warning, 6.5),
            Confidence::Medium => (ResultLevel::Note, 3.5),
            Confidence::Low => (ResultLevel::Note, 2.0),
        },
        _ => (level(f.confidence), confidence_score(f.confidence)),
    }
}

/// A score as GitHub reads it: a string with one decimal.
fn score(s: f64) -> String {
    format!("{s:.1}")
}

/// `path` with `.` and `..` resolved lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// `path`'s components joined by `/`.
fn slashed(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// An absolute path as a `file://` URI.
fn file_uri(path: &Path) -> String {
    let s = slashed(path);
    let s = s.trim_start_matches('/');
    format!("file:///{}", uri_encode(s))
}

/// Where a file finding is, for SARIF: relative to the repository root (`%SRCROOT%`) when it
/// is inside it, else an absolute `file://` URI; as reported when the run has no root.
fn artifact(shown: &str, paths: &Paths) -> ArtifactLocation {
    if let (Some(cwd), Some(root)) = (&paths.cwd, &paths.root) {
        let abs = normalize(&cwd.join(&paths.prefix).join(shown));
        return match abs.strip_prefix(root) {
            Ok(rel) => ArtifactLocation::builder()
                .uri(uri_encode(&slashed(rel)))
                .uri_base_id(SRCROOT)
                .build(),
            Err(_) => ArtifactLocation::builder().uri(file_uri(&abs)).build(),
        };
    }
    ArtifactLocation::builder().uri(uri_encode(shown)).build()
}

fn result(f: &FindingView, index: usize, paths: &Paths) -> SarifResult {
    let mut region = Region::builder()
        .start_line(i64::from(f.line))
        .start_column(i64::from(f.column))
        .snippet(ArtifactContent::builder().text(f.context.clone()).build())
        .build();
    if f.end_line == f.line {
        // A secret on one line (or found in decoded content, shown at its encoded text).
        region.end_line = Some(i64::from(f.line));
        region.end_column = Some(i64::from(f.end_column));
    }
    let mut fingerprints = BTreeMap::from([(FINGERPRINT_KEY.to_string(), f.fingerprint.clone())]);
    let mut props = BTreeMap::from([
        ("confidence".to_string(), json!(f.confidence.as_str())),
        ("entropy".to_string(), json!(f.entropy)),
    ]);
    if let Some(c) = &f.commit {
        fingerprints.insert(COMMIT_KEY.to_string(), c.id.clone());
        props.insert(
            "commit".to_string(),
            json!({
                "id": c.id, "author": c.author, "email": c.email,
                "date": c.date, "summary": c.summary,
            }),
        );
    }
    if let Some(p) = f.present_at_head {
        props.insert("present_at_head".to_string(), json!(p));
    }
    if let Some(r) = &f.repository {
        props.insert("repository".to_string(), json!(r));
    }
    if !f.annotations.is_empty() {
        props.insert("annotations".to_string(), json!(f.annotations));
    }
    if let Some(v) = &f.verification {
        props.insert("verification".to_string(), json!(v));
    }
    if let Some(r) = &f.revocation {
        props.insert("revocation".to_string(), json!(r));
    }
    let (level, security) = severity(f);
    props.insert("security-severity".to_string(), json!(score(security)));
    let shown = &f.path;
    let location = if f.logical {
        // Not a file: named, with its line in the message, never placed in a made-up file.
        let name = match &f.commit {
            Some(c) => format!("{shown} of commit {}", c.id),
            None => shown.clone(),
        };
        props.insert("line".to_string(), json!(f.line));
        props.insert("context".to_string(), json!(f.context));
        Location::builder()
            .logical_locations(vec![LogicalLocation::builder()
                .name(shown.clone())
                .fully_qualified_name(name)
                .kind("message")
                .build()])
            .build()
    } else {
        Location::builder()
            .physical_location(
                PhysicalLocation::builder()
                    .artifact_location(artifact(shown, paths))
                    .region(region)
                    .build(),
            )
            .build()
    };
    SarifResult::builder()
        .rule_id(f.rule.clone())
        .rule_index(to_i64(index))
        .level(level)
        .message(
            Message::builder()
                .text(format!("{} found: {}", f.rule_name, f.secret))
                .build(),
        )
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build()
}

pub(super) fn write(
    out: &mut dyn Write,
    findings: &[FindingView],
    summary: &Summary,
    rules: &RuleSet,
    paths: &Paths,
) -> io::Result<Option<String>> {
    let index: BTreeMap<&str, usize> = rules
        .rules()
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.0.as_str(), i))
        .collect();
    let all: Vec<SarifResult> = findings
        .iter()
        .map(|f| result(f, index.get(f.rule.as_str()).copied().unwrap_or(0), paths))
        .collect();
    let mut notes: Vec<Notification> = summary
        .skips
        .iter()
        .map(|s| {
            let text = match &s.detail {
                Some(d) => format!("skipped {} ({}): {d}", s.path, s.reason),
                None => format!("skipped {} ({}; {})", s.path, s.reason, s.reason.hint()),
            };
            Notification::builder()
                .message(Message::builder().text(text).build())
                .level(json!("note"))
                .build()
        })
        .collect();
    // What each suppression source removed (issue 13: a change that silences findings must
    // show in the report GitHub displays), and the run's notes (where suppressions came from).
    for (why, n) in &summary.suppressed {
        let text = format!("suppressed {n} finding(s) by {}", why.as_str());
        notes.push(
            Notification::builder()
                .message(Message::builder().text(text).build())
                .level(json!("note"))
                .build(),
        );
    }
    for note in &summary.notes {
        notes.push(
            Notification::builder()
                .message(Message::builder().text(note.clone()).build())
                .level(json!("note"))
                .build(),
        );
    }
    let mut invocation = Invocation::builder().execution_successful(true).build();
    let suppressed: serde_json::Map<String, serde_json::Value> = summary
        .suppressed
        .iter()
        .map(|(why, n)| (why.as_str().to_string(), json!(n)))
        .collect();
    invocation.properties = Some(
        PropertyBag::builder()
            .additional_properties({
                let mut props = BTreeMap::from([(
                    "suppressed".to_string(),
                    serde_json::Value::Object(suppressed),
                )]);
                if let Some(config) = &summary.config {
                    props.insert("config".to_string(), json!(config));
                }
                props
            })
            .build(),
    );
    if !notes.is_empty() {
        invocation.tool_execution_notifications = Some(notes);
    }
    let driver = ToolComponent::builder()
        .name("leakhound")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://github.com/leakhound/leakhound")
        .rules(rules.rules().iter().map(descriptor).collect::<Vec<_>>())
        .build();
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(Vec::new())
        .invocations(vec![invocation])
        .build();
    run.column_kind = Some(json!("unicodeCodePoints"));
    if let Some(root) = &paths.root {
        run.original_uri_base_ids = Some(BTreeMap::from([(
            SRCROOT.to_string(),
            ArtifactLocation::builder()
                .uri(format!("{}/", file_uri(root)))
                .build(),
        )]));
    }
    let mut sarif = Sarif::builder()
        .version(json!("2.1.0"))
        .schema(SCHEMA)
        .runs(vec![run])
        .build();
    // Everything but the results, plus room for the note a cut adds.
    let frame = serde_json::to_vec_pretty(&sarif)?.len() + 1024;
    let (results, cut) = within_limits(findings, all, frame)?;
    let note = cut.then(|| {
        format!(
            "the SARIF report holds {} of {} findings, the most severe (GitHub code scanning \
             accepts at most {MAX_RESULTS} results per run and {} MB per upload); `-f json` \
             reports them all",
            results.len(),
            findings.len(),
            MAX_BYTES / 1_000_000
        )
    });
    if let Some(text) = &note {
        let invocation = &mut sarif.runs[0]
            .invocations
            .as_mut()
            .expect("invariant: set above")[0];
        invocation
            .tool_execution_notifications
            .get_or_insert_with(Vec::new)
            .push(
                Notification::builder()
                    .message(Message::builder().text(text.clone()).build())
                    .level(json!("warning"))
                    .build(),
            );
    }
    sarif.runs[0].results = Some(results);
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    writeln!(out)?;
    Ok(note)
}

/// The results that fit GitHub's limits, given the size of the rest of the report; whether
/// any had to go. When some must, the most severe are kept (GitHub, past its display limit,
/// also keeps the most severe), in the report's order.
fn within_limits(
    findings: &[FindingView],
    all: Vec<SarifResult>,
    frame: usize,
) -> io::Result<(Vec<SarifResult>, bool)> {
    // A result's size in the report: pretty-printed alone, plus the indentation of its depth
    // (four levels, two spaces each) on every line and a separator.
    let mut sizes = Vec::with_capacity(all.len());
    for r in &all {
        let text = serde_json::to_vec_pretty(r)?;
        sizes.push(text.len() + 8 * (text.iter().filter(|&&b| b == b'\n').count() + 1) + 2);
    }
    if all.len() <= MAX_RESULTS && frame + sizes.iter().sum::<usize>() <= MAX_BYTES {
        return Ok((all, false));
    }
    let mut order: Vec<usize> = (0..all.len()).collect();
    order.sort_by(|&a, &b| {
        severity(&findings[b])
            .1
            .total_cmp(&severity(&findings[a]).1)
    });
    let mut keep = vec![false; all.len()];
    let (mut n, mut bytes) = (0, frame);
    for i in order {
        if n == MAX_RESULTS {
            break;
        }
        if bytes + sizes[i] > MAX_BYTES {
            continue;
        }
        keep[i] = true;
        n += 1;
        bytes += sizes[i];
    }
    let kept = all
        .into_iter()
        .zip(keep)
        .filter_map(|(r, k)| k.then_some(r))
        .collect();
    Ok((kept, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Fingerprint, Location, Secret, Verification};
    use crate::rules::RuleId;
    use std::num::NonZeroU32;

    fn finding(confidence: Confidence, status: Option<Status>) -> Finding {
        let one = NonZeroU32::MIN;
        Finding {
            rule_id: RuleId("r".into()),
            rule_name: "R".into(),
            confidence,
            secret: Secret::new(b"s3cr3t-value"),
            entropy: 3.0,
            location: Location {
                path: "a".into(),
                line: one,
                column: one,
                start: 0,
                end: 1,
                logical: false,
            },
            context: Vec::new(),
            fingerprint: Fingerprint("f".into()),
            commit: None,
            metadata_secrets: Vec::new(),
            present_at_head: None,
            annotations: Default::default(),
            verification: status.map(|status| Verification {
                provider: "p".into(),
                status,
                identity: None,
                detail: None,
                checked_at: "2024-01-01T00:00:00Z".into(),
            }),
            revocation: None,
            repository: None,
        }
    }

    #[test]
    fn severity_follows_confidence_then_verification() {
        use Confidence::{High, Low, Medium};
        let cases = [
            (High, None, ResultLevel::Error, 8.0),
            (Medium, None, ResultLevel::Warning, 6.5),
            (Low, None, ResultLevel::Note, 3.5),
            (Low, Some(Status::Unknown), ResultLevel::Note, 3.5),
            (Low, Some(Status::Active), ResultLevel::Error, 9.5),
            (Medium, Some(Status::Active), ResultLevel::Error, 9.5),
            (High, Some(Status::Inactive), ResultLevel::Warning, 6.5),
            (Medium, Some(Status::Inactive), ResultLevel::Note, 3.5),
            (Low, Some(Status::Inactive), ResultLevel::Note, 2.0),
        ];
        for (c, status, level, score) in cases {
            let (l, s) = severity(&FindingView::new(&finding(c, status), true));
            assert_eq!(
                (format!("{l:?}"), s),
                (format!("{level:?}"), score),
                "{c:?} {status:?}"
            );
        }
    }

    #[test]
    fn cut_keeps_the_most_severe_in_report_order() {
        let findings: Vec<Finding> = (0..MAX_RESULTS + 2)
            .map(|i| {
                let status = (i % 2 == 0).then_some(Status::Active);
                finding(Confidence::Low, status)
            })
            .collect();
        let findings: Vec<FindingView> =
            findings.iter().map(|f| FindingView::new(f, true)).collect();
        let all: Vec<SarifResult> = findings
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let mut r = result(f, 0, &Paths::default());
                r.rule_index = Some(to_i64(i));
                r
            })
            .collect();
        let (kept, cut) = within_limits(&findings, all, 0).unwrap();
        assert!(cut);
        // About 1 KB each: the size limit binds before the count, at fewer than the 12,501
        // active (even-numbered) findings, so only those are kept, in report order.
        assert!(
            kept.len() > 5_000 && kept.len() < (MAX_RESULTS + 2) / 2,
            "{}",
            kept.len()
        );
        let idx: Vec<i64> = kept.iter().map(|r| r.rule_index.unwrap()).collect();
        assert!(idx.windows(2).all(|w| w[0] < w[1]), "report order kept");
        assert!(idx.iter().all(|i| i % 2 == 0), "only the most severe kept");
    }

    #[test]
    fn uris() {
        assert_eq!(uri_encode("src/a b.rs"), "src/a%20b.rs");
        assert_eq!(uri_encode("dir/é.txt"), "dir/%C3%A9.txt");
        assert_eq!(uri_encode("a-b_c.d~/e"), "a-b_c.d~/e");
    }
}
