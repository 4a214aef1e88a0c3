//! Evidence from where a finding sits, beyond what its rule established: documentation.
//!
//! A documentation page (Markdown, reStructuredText, AsciiDoc, or any text file under a `docs/`
//! or `doc/` folder) that shows a credential next to the words "example", "e.g.", "sample" or
//! the code that generates one (`secrets.token_hex()`, `openssl rand`) is showing what a value
//! looks like far more often than leaking one. Such a finding is still reported, for a person
//! to judge, but at low confidence and annotated `evidence: documentation example`, so that
//! `--min-confidence medium` and SARIF's `note` level treat it as weak. A credential in
//! documentation without such words keeps its rule's confidence and is annotated
//! `evidence: documentation`: pasting a real key into a README is a leak like any other.

use crate::finding::{Annotation, Annotations};
use crate::rules::Confidence;

/// Extensions of documentation formats.
const DOC_EXTENSIONS: &[&str] = &["md", "markdown", "mdx", "rst", "adoc", "asciidoc", "rdoc"];
/// Folders whose text files are documentation.
const DOC_FOLDERS: &[&str] = &["docs", "doc", "documentation"];
/// Words that, on the finding's line or the two before it, say the value is an illustration.
const EXAMPLE_WORDS: &[&str] = &[
    "example",
    "e.g.",
    "sample",
    "for instance",
    "such as",
    "looks like",
    "token_hex",
    "token_urlsafe",
    "get_random_secret_key",
    "openssl rand",
    "os.urandom",
];
/// How far back, in bytes, the two lines before the finding are looked at.
const LOOK_BACK: usize = 400;

/// Whether `path` is a documentation page.
pub fn is_documentation(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let mut parts = lower.split(['/', '\\']);
    let Some(name) = parts.next_back() else {
        return false;
    };
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    DOC_EXTENSIONS.contains(&ext)
        || (matches!(ext, "txt" | "text") && parts.any(|p| DOC_FOLDERS.contains(&p)))
}

/// The confidence a finding at `start` in `bytes` (a file at `path`) deserves, given its rule's
/// `confidence`, with the evidence recorded in `notes`.
pub fn judge(
    path: &str,
    bytes: &[u8],
    start: usize,
    confidence: Confidence,
    notes: &mut Annotations,
) -> Confidence {
    if !is_documentation(path) {
        return confidence;
    }
    let line_end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
    let from = start.saturating_sub(LOOK_BACK);
    // The finding's line and the two before it.
    let mut lines_start = start;
    for _ in 0..3 {
        match memchr::memrchr(b'\n', &bytes[from..lines_start]) {
            Some(i) => lines_start = from + i,
            None => {
                lines_start = from;
                break;
            }
        }
    }
    let near = bytes[lines_start..line_end].to_ascii_lowercase();
    let example = EXAMPLE_WORDS
        .iter()
        .any(|w| near.windows(w.len()).any(|x| x == w.as_bytes()));
    let (text, confidence) = if example {
        ("documentation example", Confidence::Low)
    } else {
        ("documentation", confidence)
    };
    notes.insert("evidence".to_string(), Annotation::Text(text.to_string()));
    confidence
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documentation_pages() {
        for p in [
            "README.md",
            "docs/config.rst",
            "guide/setup.adoc",
            "docs/topics/http/sessions.txt",
            "Doc/Intro.TXT",
        ] {
            assert!(is_documentation(p), "{p}");
        }
        for p in [
            "src/app.py",
            "tests/data/secrets.txt",
            ".env",
            "notes.txt",
            "mdx",
        ] {
            assert!(!is_documentation(p), "{p}");
        }
    }

    #[test]
    fn an_example_in_documentation_is_low_confidence_and_says_why() {
        let text = b"Generate one, for example:\n\n    SECRET_KEY = 'the-value-itself'\n";
        let start = text.windows(4).position(|w| w == b"the-").unwrap();
        let mut notes = Annotations::new();
        let c = judge(
            "docs/config.rst",
            text,
            start,
            Confidence::Medium,
            &mut notes,
        );
        assert_eq!(c, Confidence::Low);
        assert!(matches!(&notes["evidence"], Annotation::Text(t) if t == "documentation example"));
    }

    #[test]
    fn a_credential_in_documentation_without_example_words_keeps_its_confidence() {
        let text = b"# Deploy\n\nUse our key:\n\n    API_KEY = 'the-value-itself'\n";
        let start = text.windows(4).position(|w| w == b"the-").unwrap();
        let mut notes = Annotations::new();
        let c = judge("README.md", text, start, Confidence::Medium, &mut notes);
        assert_eq!(c, Confidence::Medium);
        assert!(matches!(&notes["evidence"], Annotation::Text(t) if t == "documentation"));
    }

    #[test]
    fn code_is_not_judged_as_documentation() {
        let text = b"# for example\nAPI_KEY = 'the-value-itself'\n";
        let mut notes = Annotations::new();
        let c = judge("app.py", text, 20, Confidence::Medium, &mut notes);
        assert_eq!(c, Confidence::Medium);
        assert!(notes.is_empty());
    }
}
