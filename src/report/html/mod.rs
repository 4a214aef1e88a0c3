//! The HTML report: one self-contained page (styles, script and data inline, no request to any
//! network: its Content-Security-Policy forbids them) that works opened from disk.
//!
//! - A summary drawn here as inline SVG: findings by confidence, by verification status, by
//!   rule, the paths with most findings, what the run scanned, skipped and suppressed, and for
//!   history scans a timeline of when the secrets were introduced (by month), split by whether
//!   each is still at `HEAD` (`present_at_head`, which history findings carry).
//! - A table of every finding that filters (rule, path, confidence, status, free text) and
//!   sorts, with the context line, commit and author, and a button copying the fingerprint for
//!   `.leakhoundignore`. The table is virtual (only the rows in view exist), so 50,000 findings
//!   load and scroll without freezing.
//!
//! Safety: the findings are embedded as one JSON document in a `<script type="application/json">`
//! with `<`, `>`, `&`, U+2028 and U+2029 written as `\u` escapes, so no text in a finding can
//! close the element; the script puts every value into the page as text, never as markup; what
//! this file writes into the markup itself is HTML-escaped. Secrets are as redacted as the views
//! (redacted unless `--no-redact`); context lines are cut at 400 characters.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{json, Value};

use crate::finding::view::FindingView;
use crate::finding::Status;
use crate::rules::Confidence;
use crate::summary::Summary;

const STYLE: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("app.js");
/// Longest context line kept, in characters.
const CONTEXT_CHARS: usize = 400;

/// `text` escaped for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// JSON text made safe inside a `<script>` element: nothing in it can end the element or be
/// read as markup, and it stays the same JSON.
pub fn script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn status_index(f: &FindingView) -> u8 {
    match f.verification.as_ref().map(|v| v.status) {
        None => 0,
        Some(Status::Active) => 1,
        Some(Status::Inactive) => 2,
        Some(Status::Unknown) => 3,
    }
}

fn confidence_index(c: Confidence) -> u8 {
    match c {
        Confidence::Low => 0,
        Confidence::Medium => 1,
        Confidence::High => 2,
    }
}

fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// The embedded data: rules and commits once each, findings as arrays (see `app.js`).
fn data(findings: &[FindingView]) -> Value {
    let mut rules: Vec<(&str, &str)> = Vec::new();
    let mut rule_ix: HashMap<&str, usize> = HashMap::new();
    let mut commits: Vec<Value> = Vec::new();
    let mut commit_ix: HashMap<&str, usize> = HashMap::new();
    let mut rows = Vec::with_capacity(findings.len());
    for f in findings {
        let r = *rule_ix.entry(&f.rule).or_insert_with(|| {
            rules.push((&f.rule, &f.rule_name));
            rules.len() - 1
        });
        let c: i64 = match &f.commit {
            Some(c) => {
                let i = *commit_ix.entry(&c.id).or_insert_with(|| {
                    commits.push(json!([c.id, c.author, c.email, c.date, c.summary]));
                    commits.len() - 1
                });
                i64::try_from(i).unwrap_or(-1)
            }
            None => -1,
        };
        let head: i8 = match f.present_at_head {
            Some(true) => 1,
            Some(false) => 0,
            None => -1,
        };
        let mut row = json!([
            r,
            confidence_index(f.confidence),
            status_index(f),
            f.path,
            f.line,
            f.column,
            f.secret,
            cut(&f.context, CONTEXT_CHARS),
            f.fingerprint,
            c,
            head,
            f.annotations_text(),
        ]);
        // The repository (remote scans, organisation audits) only when there is one, so the
        // rows of a local scan stay as they were.
        if let (Some(repo), Some(cells)) = (&f.repository, row.as_array_mut()) {
            cells.push(json!(repo));
        }
        rows.push(row);
    }
    let rules: Vec<Value> = rules.iter().map(|(id, name)| json!([id, name])).collect();
    json!({ "rules": rules, "commits": commits, "f": rows })
}

/// `n` with thousands separators (`50,000`).
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `label` cut to `max` characters: its start kept, or its end (`…/config/app.env`) for paths.
fn short_label(label: &str, max: usize, keep_end: bool) -> String {
    let n = label.chars().count();
    if n <= max {
        return label.to_string();
    }
    if keep_end {
        let tail: String = label.chars().skip(n - (max - 1)).collect();
        format!("…{tail}")
    } else {
        cut(label, max - 1)
    }
}

/// A chart's rows: label, count, colour; and what did not fit (how many more, their count).
struct Chart {
    title: &'static str,
    rows: Vec<(String, usize, &'static str)>,
    rest: Option<(usize, usize, &'static str)>,
    paths: bool,
}

/// A horizontal bar chart.
fn bars(c: &Chart) -> String {
    let max = c.rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let (label_w, bar_w, row_h) = (180usize, 190usize, 20usize);
    let lines = c.rows.len().max(1) + usize::from(c.rest.is_some());
    let height = lines * row_h + 4;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<div class="card"><h2>{t}</h2><svg width="{}" height="{height}" role="img" aria-label="{t}">"#,
        label_w + bar_w + 70,
        t = escape(c.title),
    );
    if c.rows.is_empty() {
        s.push_str(r#"<text x="0" y="14">none</text>"#);
    }
    for (i, (label, n, color)) in c.rows.iter().enumerate() {
        let y = i * row_h;
        let w = (n * bar_w).div_ceil(max).max(usize::from(*n > 0));
        let _ = write!(
            s,
            r#"<g><title>{}: {}</title><text x="{}" y="{}" text-anchor="end">{}</text><rect x="{label_w}" y="{}" width="{w}" height="{}" fill="{color}" rx="2"></rect><text x="{}" y="{}">{}</text></g>"#,
            escape(label),
            thousands(*n),
            label_w - 6,
            y + 14,
            escape(&short_label(label, 26, c.paths)),
            y + 3,
            row_h - 6,
            label_w + w + 4,
            y + 14,
            thousands(*n),
        );
    }
    if let Some((more, count, what)) = c.rest {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" class="more">and {} other {what} ({} findings)</text>"#,
            label_w,
            c.rows.len() * row_h + 14,
            thousands(more),
            thousands(count)
        );
    }
    s.push_str("</svg></div>");
    s
}

/// Chart rows (label, count, colour), and what did not fit (how many more, their count, what).
type TopRows = (
    Vec<(String, usize, &'static str)>,
    Option<(usize, usize, &'static str)>,
);

/// The `n` largest of `counts`, largest first (ties by name), coloured `color`; the rest as
/// (how many, their count, `what`).
fn top(
    counts: BTreeMap<String, usize>,
    n: usize,
    color: &'static str,
    what: &'static str,
) -> TopRows {
    let mut all: Vec<(String, usize)> = counts.into_iter().collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let rest = (all.len() > n).then(|| {
        let count: usize = all[n..].iter().map(|(_, c)| c).sum();
        (all.len() - n, count, what)
    });
    all.truncate(n);
    (all.into_iter().map(|(k, v)| (k, v, color)).collect(), rest)
}

/// When history findings' secrets were introduced, by month (by year past ten years), each
/// bar split into still at `HEAD`, no longer at `HEAD`, and not known.
fn timeline(findings: &[FindingView]) -> Option<String> {
    // period -> [at head, gone, unknown]
    let mut months: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for f in findings {
        let Some(c) = &f.commit else { continue };
        if c.date.len() < 7 {
            continue;
        }
        let slot = match f.present_at_head {
            Some(true) => 0,
            Some(false) => 1,
            None => 2,
        };
        months.entry(c.date[..7].to_string()).or_default()[slot] += 1;
    }
    let (first, last) = (months.keys().next()?.clone(), months.keys().last()?.clone());
    let ym = |s: &str| -> Option<(i32, i32)> {
        Some((s.get(..4)?.parse().ok()?, s.get(5..7)?.parse().ok()?))
    };
    let ((y0, m0), (y1, m1)) = (ym(&first)?, ym(&last)?);
    let span = (y1 - y0) * 12 + (m1 - m0) + 1;
    let by_year = span > 120;
    let mut periods: Vec<(String, [usize; 3])> = Vec::new();
    if by_year {
        let mut years: BTreeMap<String, [usize; 3]> = BTreeMap::new();
        for (k, v) in &months {
            let e = years.entry(k[..4].to_string()).or_default();
            for (total, n) in e.iter_mut().zip(v) {
                *total += n;
            }
        }
        for y in y0..=y1 {
            let k = y.to_string();
            periods.push((k.clone(), years.get(&k).copied().unwrap_or_default()));
        }
    } else {
        let (mut y, mut m) = (y0, m0);
        loop {
            let k = format!("{y:04}-{m:02}");
            periods.push((k.clone(), months.get(&k).copied().unwrap_or_default()));
            if (y, m) == (y1, m1) {
                break;
            }
            m += 1;
            if m > 12 {
                m = 1;
                y += 1;
            }
        }
    }
    let max = periods
        .iter()
        .map(|(_, v)| v.iter().sum::<usize>())
        .max()
        .unwrap_or(1)
        .max(1);
    let bw = (720 / periods.len()).clamp(4, 40);
    let (h, top_pad, bottom) = (160usize, 10usize, 34usize);
    let width = bw * periods.len() + 100;
    let colors = ["#c62828", "#9aa5b1", "#d9dde5"];
    let names = ["still at HEAD", "no longer at HEAD", "not known"];
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<div class="card"><h2>When the secrets were introduced (by {})</h2><svg width="{width}" height="{}" role="img" aria-label="timeline">"#,
        if by_year { "year" } else { "month" },
        h + top_pad + bottom + 18
    );
    let _ = write!(
        s,
        r##"<text x="0" y="{}">{max}</text><line x1="40" y1="{}" x2="{width}" y2="{}" stroke="#d9dde5"></line>"##,
        top_pad + 10,
        top_pad + h,
        top_pad + h
    );
    for (i, (label, v)) in periods.iter().enumerate() {
        let x = 44 + i * bw;
        let mut y = top_pad + h;
        let total: usize = v.iter().sum();
        let _ = write!(
            s,
            "<g><title>{}: {total} introduced; {} still at HEAD, {} no longer, {} not known</title>",
            escape(label),
            v[0],
            v[1],
            v[2]
        );
        for (&n, color) in v.iter().zip(colors) {
            if n == 0 {
                continue;
            }
            let bh = (n * h).div_ceil(max).max(1);
            y -= bh;
            let _ = write!(
                s,
                r#"<rect x="{x}" y="{y}" width="{}" height="{bh}" fill="{color}"></rect>"#,
                bw.saturating_sub(1).max(1),
            );
        }
        s.push_str("</g>");
        let first_or_last = i == 0 || i + 1 == periods.len();
        if first_or_last || (!by_year && label.ends_with("-01")) || (by_year && i % 5 == 0) {
            let _ = write!(
                s,
                r#"<text x="{x}" y="{}">{}</text>"#,
                top_pad + h + 14 + if i % 2 == 1 { 12 } else { 0 },
                escape(label)
            );
        }
    }
    let ly = top_pad + h + bottom + 12;
    for (k, (color, name)) in colors.iter().zip(names).enumerate() {
        let x = 44 + k * 150;
        let _ = write!(
            s,
            r#"<rect x="{x}" y="{}" width="10" height="10" fill="{color}"></rect><text x="{}" y="{ly}">{name}</text>"#,
            ly - 9,
            x + 14,
        );
    }
    s.push_str("</svg></div>");
    Some(s)
}

fn run_card(summary: &Summary) -> String {
    let mut s = String::from(r#"<div class="card"><h2>The run</h2><ul>"#);
    let unit = summary.unit();
    // A summary with no rules is none: JSON Lines input, which carries no summary.
    if summary.rules > 0 {
        let _ = write!(
            s,
            "<li>{} {unit}s scanned ({} bytes), {} rules</li>",
            thousands(usize::try_from(summary.files_scanned).unwrap_or(usize::MAX)),
            thousands(usize::try_from(summary.bytes_scanned).unwrap_or(usize::MAX)),
            summary.rules
        );
    }
    if let Some(n) = summary.commit_messages_scanned {
        let _ = write!(s, "<li>{n} commit messages scanned</li>");
    }
    for (reason, n) in &summary.skipped {
        let _ = write!(
            s,
            "<li>skipped {n} {} (not scanned)</li>",
            escape(&reason.to_string())
        );
    }
    for (why, n) in &summary.suppressed {
        let _ = write!(s, "<li>suppressed {n} by {}</li>", escape(why.as_str()));
    }
    if summary.interrupted {
        s.push_str("<li>interrupted: the findings are those found before the stop</li>");
    }
    s.push_str("</ul>");
    if !summary.notes.is_empty() {
        s.push_str(r#"<ul class="notes">"#);
        for n in &summary.notes {
            let _ = write!(s, "<li>{}</li>", escape(n));
        }
        s.push_str("</ul>");
    }
    s.push_str("</div>");
    s
}

pub(super) fn write(
    out: &mut dyn Write,
    findings: &[FindingView],
    summary: &Summary,
) -> io::Result<()> {
    let mut by_conf = [0usize; 3];
    let mut by_status = [0usize; 4];
    let mut by_rule: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_path: BTreeMap<String, usize> = BTreeMap::new();
    for f in findings {
        by_conf[usize::from(confidence_index(f.confidence))] += 1;
        by_status[usize::from(status_index(f))] += 1;
        *by_rule.entry(f.rule.clone()).or_default() += 1;
        *by_path.entry(f.path.clone()).or_default() += 1;
    }
    let redacted = findings.iter().all(|f| f.redacted);
    let conf = Chart {
        title: "By confidence",
        rows: vec![
            ("high".into(), by_conf[2], "#c62828"),
            ("medium".into(), by_conf[1], "#ef6c00"),
            ("low".into(), by_conf[0], "#7a869a"),
        ],
        rest: None,
        paths: false,
    };
    let status = Chart {
        title: "By verification status",
        rows: vec![
            ("active".into(), by_status[1], "#b71c1c"),
            ("inactive".into(), by_status[2], "#2e7d32"),
            ("unknown".into(), by_status[3], "#9aa5b1"),
            ("not verified".into(), by_status[0], "#c5ccd6"),
        ],
        rest: None,
        paths: false,
    };
    let (rows, rest) = top(by_rule, 10, "#3f51b5", "rules");
    let rules = Chart {
        title: "By rule",
        rows,
        rest,
        paths: false,
    };
    let (rows, rest) = top(by_path, 10, "#00897b", "paths");
    let paths = Chart {
        title: "Paths with most findings",
        rows,
        rest,
        paths: true,
    };
    let data = serde_json::to_string(&data(findings))?;
    let mut page = String::with_capacity(data.len() + 64 * 1024);
    let _ = write!(
        page,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>leakhound report: {n} findings</title>
<style>
{STYLE}</style>
</head>
<body>
<header><h1>leakhound report</h1><p>{n} findings · leakhound {version} · {red}</p></header>
<main>
<section class="cards">
<div class="card"><h2>Findings</h2><div class="big">{n}</div></div>
{conf}
{status}
{rules}
{paths}
{run}
</section>
"#,
        n = thousands(findings.len()),
        version = escape(env!("CARGO_PKG_VERSION")),
        red = if redacted {
            "secrets redacted"
        } else {
            "secrets NOT redacted (--no-redact): handle this file as a secret"
        },
        conf = bars(&conf),
        status = bars(&status),
        rules = bars(&rules),
        paths = bars(&paths),
        run = run_card(summary),
    );
    if let Some(t) = timeline(findings) {
        let _ = writeln!(page, "<section class=\"cards\">{t}</section>");
    }
    page.push_str(
        r#"<section>
<div class="filters">
<select id="f-rule" aria-label="rule"><option value="">all rules</option></select>
<select id="f-conf" aria-label="confidence"><option value="">all confidences</option><option value="2">high</option><option value="1">medium</option><option value="0">low</option></select>
<select id="f-status" aria-label="status"><option value="">all statuses</option><option value="1">active</option><option value="2">inactive</option><option value="3">unknown</option><option value="0">unverified</option></select>
<input id="f-path" type="search" placeholder="path contains…" aria-label="path">
<input id="f-q" type="search" placeholder="search everything…" aria-label="search">
<button id="f-clear" type="button">clear</button>
<span id="count"></span>
</div>
<div id="table">
<div id="thead" class="grid"><span data-key="conf">confidence</span><span data-key="rule">rule</span><span data-key="status">status</span><span data-key="path">path:line</span><span data-key="secret">secret</span><span>context</span><span data-key="date">commit</span><span data-key="head">at HEAD</span><span>fingerprint</span></div>
<div id="scroller"><div id="spacer"><div id="rows"></div></div></div>
</div>
<h2>Selected finding</h2>
<div id="detail">Click a row to see the whole finding.</div>
</section>
</main>
<script type="application/json" id="leakhound-data">"#,
    );
    page.push_str(&script_json(&data));
    page.push_str("</script>\n<script>\n");
    page.push_str(SCRIPT);
    page.push_str("</script>\n</body>\n</html>\n");
    out.write_all(page.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_element() {
        let text = serde_json::to_string(&json!([
            "</script><script>alert(1)</script>",
            "a\u{2028}b & <!--"
        ]))
        .unwrap();
        let safe = script_json(&text);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        let back: Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, serde_json::from_str::<Value>(&text).unwrap());
    }

    #[test]
    fn the_page_script_cannot_end_its_element() {
        let lower = SCRIPT.to_ascii_lowercase();
        assert!(!lower.contains("</script") && !lower.contains("<!--"));
    }

    #[test]
    fn labels_and_numbers() {
        assert_eq!(thousands(50_000), "50,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(
            short_label("services/svc-1/config/app.env", 12, true),
            "…fig/app.env"
        );
        assert_eq!(short_label("a-very-long-rule-name", 8, false), "a-very-…");
    }

    #[test]
    fn escape_covers_markup() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
