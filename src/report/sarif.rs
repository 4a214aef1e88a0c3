//! SARIF 2.1.0 through `serde-sarif`'s types, shaped for GitHub code scanning's ingestion rules:
//! relative `artifactLocation.uri`s, every `ruleId` present in `tool.driver.rules` with help
//! text, `partialFingerprints` on every result (our content-based fingerprint, so alerts
//! survive line moves), skips reported as tool execution notifications.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactContent, ArtifactLocation, Invocation, Location, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};

use crate::finding::Finding;
use crate::rules::{Confidence, Rule, RuleSet};
use crate::summary::Summary;

use super::ReportOptions;

/// The key under which results carry leakhound's fingerprint.
pub const FINGERPRINT_KEY: &str = "leakhound/v1";
/// The key under which history results carry the id of the commit that introduced them.
pub const COMMIT_KEY: &str = "leakhound/commit";
/// GitHub code scanning's limit on results per run.
pub const MAX_RESULTS: usize = 25_000;
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
            ("security-severity".to_string(), json!("8.0")),
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

fn result(f: &Finding, index: usize, opts: ReportOptions) -> SarifResult {
    let secret = f.secret_text(opts.redact);
    let encoded = f.annotations.contains_key("encoding");
    let one_line = encoded || !f.secret.expose().contains(&b'\n');
    let mut region = Region::builder()
        .start_line(i64::from(f.location.line.get()))
        .start_column(i64::from(f.location.column.get()))
        .snippet(
            ArtifactContent::builder()
                .text(f.context_line(opts.redact))
                .build(),
        )
        .build();
    if one_line {
        // A secret found in decoded content is shown at its encoded text (ASCII base64).
        let chars = if encoded {
            f.location.end - f.location.start
        } else {
            String::from_utf8_lossy(f.secret.expose()).chars().count()
        };
        region.end_line = Some(i64::from(f.location.line.get()));
        region.end_column = Some(i64::from(f.location.column.get()) + to_i64(chars));
    }
    let mut fingerprints = BTreeMap::from([(FINGERPRINT_KEY.to_string(), f.fingerprint.0.clone())]);
    let mut props = BTreeMap::from([
        ("confidence".to_string(), json!(f.confidence.as_str())),
        (
            "entropy".to_string(),
            json!((f.entropy * 1000.0).round() / 1000.0),
        ),
    ]);
    if let Some(c) = &f.commit {
        fingerprints.insert(COMMIT_KEY.to_string(), c.id.clone());
        props.insert(
            "commit".to_string(),
            json!({
                "id": c.id, "author": f.shown_meta(&c.author_name, opts.redact),
                "email": f.shown_meta(&c.author_email, opts.redact),
                "date": c.date, "summary": f.shown_meta(&c.summary, opts.redact),
            }),
        );
    }
    if let Some(p) = f.present_at_head {
        props.insert("present_at_head".to_string(), json!(p));
    }
    if !f.annotations.is_empty() {
        let notes: BTreeMap<&str, String> = f
            .annotations
            .iter()
            .map(|(k, v)| (k.as_str(), v.render(opts.redact)))
            .collect();
        props.insert("annotations".to_string(), json!(notes));
    }
    if let Some(v) = &f.verification {
        props.insert("verification".to_string(), json!(v));
    }
    if let Some(r) = &f.revocation {
        props.insert("revocation".to_string(), json!(r));
    }
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(
                    ArtifactLocation::builder()
                        .uri(uri_encode(&f.shown_path(opts.redact)))
                        .build(),
                )
                .region(region)
                .build(),
        )
        .build();
    SarifResult::builder()
        .rule_id(f.rule_id.0.clone())
        .rule_index(to_i64(index))
        .level(level(f.confidence))
        .message(
            Message::builder()
                .text(format!("{} found: {secret}", f.rule_name))
                .build(),
        )
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build()
}

pub(super) fn write(
    out: &mut dyn Write,
    findings: &[Finding],
    summary: &Summary,
    rules: &RuleSet,
    opts: ReportOptions,
) -> io::Result<()> {
    let index: BTreeMap<&str, usize> = rules
        .rules()
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.0.as_str(), i))
        .collect();
    let results: Vec<SarifResult> = findings
        .iter()
        .take(MAX_RESULTS)
        .map(|f| {
            result(
                f,
                index.get(f.rule_id.0.as_str()).copied().unwrap_or(0),
                opts,
            )
        })
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
    if findings.len() > MAX_RESULTS {
        let text = format!(
            "{} findings; only the first {MAX_RESULTS} are in this SARIF run (GitHub's limit)",
            findings.len()
        );
        notes.push(
            Notification::builder()
                .message(Message::builder().text(text).build())
                .level(json!("warning"))
                .build(),
        );
    }
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
            .additional_properties(BTreeMap::from([(
                "suppressed".to_string(),
                serde_json::Value::Object(suppressed),
            )]))
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
        .results(results)
        .invocations(vec![invocation])
        .build();
    run.column_kind = Some(json!("unicodeCodePoints"));
    let sarif = Sarif::builder()
        .version(json!("2.1.0"))
        .schema(SCHEMA)
        .runs(vec![run])
        .build();
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::uri_encode;

    #[test]
    fn uris() {
        assert_eq!(uri_encode("src/a b.rs"), "src/a%20b.rs");
        assert_eq!(uri_encode("dir/é.txt"), "dir/%C3%A9.txt");
        assert_eq!(uri_encode("a-b_c.d~/e"), "a-b_c.d~/e");
    }
}
