//! Text made safe to print on a terminal or into a log: control characters escaped.
//!
//! Paths, commit metadata, rule names from user configuration and providers' answers are
//! written by strangers (issue 13). Printed raw, a file named `fake.env:1:1: all clear\n…`
//! forges report lines, `ESC ]` sequences retitle or rewrite the terminal, and bidirectional
//! overrides reorder what a reviewer reads. Text output and `explain` pass every such field
//! through [`escape`]; JSON, JSON Lines and SARIF keep exact values (their encoders escape
//! control characters as JSON requires).

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as is: C0 and C1 controls, DEL, and the Unicode
/// bidirectional embedding, override and isolate characters.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control or bidirectional-override character written as a Rust escape
/// (`\n`, `\t`, `\u{1b}`), borrowed unchanged when there is none (the usual case).
#[must_use]
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`escape`], keeping line breaks: for multi-line messages composed by leakhound itself (an
/// error chain), where a stranger's text can only be one field among others.
#[must_use]
pub fn escape_keeping_newlines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c != '\n' && is_unsafe(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_only() {
        assert!(matches!(escape("src/a.env"), Cow::Borrowed(_)));
        assert_eq!(escape("a\nb\x1b[2J\u{202e}c"), "a\\nb\\u{1b}[2J\\u{202e}c");
        assert_eq!(escape("naïve/日本"), "naïve/日本");
        assert_eq!(escape_keeping_newlines("a\nb\rc"), "a\nb\\rc");
    }
}
