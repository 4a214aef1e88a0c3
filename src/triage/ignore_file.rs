//! Ignore files at the scan root.
//!
//! - `.leakhoundignore`: one fingerprint per line; `#` starts a comment; blank lines ignored.
//! - `.gitleaksignore` (honoured so a migrating repository keeps its triage): gitleaks writes
//!   positional entries, `path:rule:line` for directory scans and `commit:path:rule:line` for
//!   history. Rule ids differ between the tools, so an entry suppresses any leakhound finding at
//!   that path and line (and commit, when given). Positional entries hide a *new* secret on the
//!   same line; leakhound's own fingerprints do not, which is why `.leakhoundignore` is preferred.

use std::path::Path;

/// One parsed entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A leakhound fingerprint.
    Fingerprint(String),
    /// A gitleaks positional entry.
    Position {
        /// Commit id, for history entries.
        commit: Option<String>,
        /// Path as gitleaks reported it.
        path: String,
        /// 1-based line.
        line: u32,
    },
}

/// An entry and where it was written (`file:line`), for unused-ignore reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The entry.
    pub entry: Entry,
    /// `file:line` of the entry.
    pub source: String,
}

/// Parses `.leakhoundignore` text. Lines that are not a fingerprint are reported as errors.
///
/// # Errors
/// `file:line: message` for a malformed line.
pub fn parse_leakhound(file: &Path, text: &str) -> Result<Vec<Located>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if line.len() != 32 || !line.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "{}:{}: expected a 32-character leakhound fingerprint, found {}",
                file.display(),
                i + 1,
                crate::control_file::excerpt(line)
            ));
        }
        out.push(Located {
            entry: Entry::Fingerprint(line.to_ascii_lowercase()),
            source: format!("{}:{}", file.display(), i + 1),
        });
    }
    Ok(out)
}

/// Parses `.gitleaksignore` text. Malformed lines are skipped and returned as warnings, since
/// the file belongs to another tool.
pub fn parse_gitleaks(file: &Path, text: &str) -> (Vec<Located>, Vec<String>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let source = format!("{}:{}", file.display(), i + 1);
        // rsplit: the last two fields are rule and line; paths may contain ':'.
        let mut parts = line.rsplitn(3, ':');
        let (Some(num), Some(_rule), Some(rest)) = (parts.next(), parts.next(), parts.next())
        else {
            warnings.push(format!(
                "{source}: not a gitleaks fingerprint, ignored: {}",
                crate::control_file::excerpt(line)
            ));
            continue;
        };
        let Ok(num) = num.parse::<u32>() else {
            warnings.push(format!(
                "{source}: not a gitleaks fingerprint, ignored: {}",
                crate::control_file::excerpt(line)
            ));
            continue;
        };
        let (commit, path) = match rest.split_once(':') {
            Some((c, p)) if c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit()) => {
                (Some(c.to_ascii_lowercase()), p)
            }
            _ => (None, rest),
        };
        out.push(Located {
            entry: Entry::Position {
                commit,
                path: path.to_string(),
                line: num,
            },
            source,
        });
    }
    (out, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leakhound_entries() {
        let t = "# comment\n\n0123456789abcdef0123456789ABCDEF  # why\n";
        let v = parse_leakhound(Path::new(".leakhoundignore"), t).unwrap();
        assert_eq!(
            v[0].entry,
            Entry::Fingerprint("0123456789abcdef0123456789abcdef".into())
        );
        assert_eq!(v[0].source, ".leakhoundignore:3");
        let err = parse_leakhound(Path::new(".leakhoundignore"), "nope\n").unwrap_err();
        assert!(err.starts_with(".leakhoundignore:1:"), "{err}");
    }

    #[test]
    fn gitleaks_entries() {
        let c = "a".repeat(40);
        let t = format!("src/a.py:generic-api-key:12\n{c}:dir/b:c.env:aws-access-token:3\nbogus\n");
        let (v, w) = parse_gitleaks(Path::new(".gitleaksignore"), &t);
        assert_eq!(
            v[0].entry,
            Entry::Position {
                commit: None,
                path: "src/a.py".into(),
                line: 12
            }
        );
        assert_eq!(
            v[1].entry,
            Entry::Position {
                commit: Some(c),
                path: "dir/b:c.env".into(),
                line: 3
            }
        );
        assert_eq!(w.len(), 1);
    }
}
