//! JUnit XML, as CI test-report viewers read it (Jenkins' JUnit plugin, GitLab's
//! `artifacts:reports:junit`, GitHub test-reporter actions): `<testsuites>` holding one
//! `<testsuite name="leakhound">`, one `<testcase>` per finding with a `<failure>` naming the
//! rule, path, line and commit. A run without findings gives one passing test case, so the
//! viewer shows that the check ran. Written with `quick-xml`, which escapes every text and
//! attribute; characters XML 1.0 cannot hold at all (most control characters) are written as
//! escapes such as `\u{1b}`.

use std::io::{self, Write};

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use crate::finding::view::FindingView;
use crate::summary::Summary;

/// `text` with the characters XML 1.0 forbids even escaped replaced by a Rust escape.
fn xml_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c.to_string(),
            c if c < ' ' || matches!(c, '\u{fffe}' | '\u{ffff}') => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}

fn start<'a>(name: &'a str, attrs: &[(&str, String)]) -> BytesStart<'a> {
    let mut e = BytesStart::new(name);
    for (k, v) in attrs {
        e.push_attribute((*k, xml_safe(v).as_str()));
    }
    e
}

pub(super) fn write(
    out: &mut dyn Write,
    findings: &[FindingView],
    summary: &Summary,
) -> io::Result<()> {
    let mut w = Writer::new_with_indent(&mut *out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let tests = findings.len().max(1).to_string();
    let failures = findings.len().to_string();
    let time = format!("{:.3}", summary.duration.as_secs_f64());
    let counts = [
        ("tests", tests.clone()),
        ("failures", failures.clone()),
        ("errors", "0".to_string()),
        ("skipped", "0".to_string()),
        ("time", time.clone()),
    ];
    let mut suites = vec![("name", "leakhound".to_string())];
    suites.extend(counts.iter().cloned());
    w.write_event(Event::Start(start("testsuites", &suites)))?;
    w.write_event(Event::Start(start("testsuite", &suites)))?;
    if findings.is_empty() {
        w.write_event(Event::Empty(start(
            "testcase",
            &[
                ("name", "no leaked credentials".to_string()),
                ("classname", "leakhound".to_string()),
                ("time", time),
            ],
        )))?;
    }
    for f in findings {
        let at = f
            .commit
            .as_ref()
            .map(|c| format!(" in commit {}", c.short_id()))
            .unwrap_or_default();
        let repo = f
            .repository
            .as_ref()
            .map(|r| format!(" of {r}"))
            .unwrap_or_default();
        let name = format!("{} at {}:{}{at}{repo}", f.rule, f.path, f.line);
        let mut attrs = vec![
            ("name", name),
            ("classname", format!("leakhound.{}", f.rule)),
        ];
        if !f.logical {
            attrs.push(("file", f.path.clone()));
            attrs.push(("line", f.line.to_string()));
        }
        attrs.push(("time", "0".to_string()));
        w.write_event(Event::Start(start("testcase", &attrs)))?;
        let message = format!(
            "{} ({}, {} confidence) at {}:{}:{}{at}",
            f.rule_name,
            f.rule,
            f.confidence.as_str(),
            f.path,
            f.line,
            f.column
        );
        w.write_event(Event::Start(start(
            "failure",
            &[("message", message), ("type", f.rule.clone())],
        )))?;
        let mut body = vec![
            format!("rule: {} ({})", f.rule, f.rule_name),
            format!("confidence: {}", f.confidence.as_str()),
            format!("location: {}:{}:{}", f.path, f.line, f.column),
            format!("secret: {}", f.secret),
            format!("context: {}", f.context),
            format!("fingerprint: {}", f.fingerprint),
        ];
        if let Some(r) = &f.repository {
            body.push(format!("repository: {r}"));
        }
        if let Some(c) = &f.commit {
            body.push(format!(
                "commit: {} by {} <{}> on {}: {}",
                c.id, c.author, c.email, c.date, c.summary
            ));
        }
        if let Some(p) = f.present_at_head {
            body.push(format!("present at HEAD: {p}"));
        }
        if let Some(v) = &f.verification {
            body.push(format!(
                "verification: {} by {}",
                v.status.as_str(),
                v.provider
            ));
        }
        if !f.annotations.is_empty() {
            body.push(format!("annotations: {}", f.annotations_text()));
        }
        let text = xml_safe(&body.join("\n"));
        w.write_event(Event::Text(BytesText::new(&text)))?;
        w.write_event(Event::End(BytesEnd::new("failure")))?;
        w.write_event(Event::End(BytesEnd::new("testcase")))?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuite")))?;
    w.write_event(Event::End(BytesEnd::new("testsuites")))?;
    writeln!(out)
}
