//! The audit log: one JSON line per verification, revocation or hook run, appended to a file.
//! It names the finding by fingerprint and never holds the secret.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

/// One audit record.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// When (RFC 3339, UTC).
    pub time: String,
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// Rule id.
    pub rule: String,
    /// Provider name (or `hook`).
    pub provider: String,
    /// `verify`, `revoke` or `hook`.
    pub action: &'static str,
    /// Whether `--dry-run` was on.
    pub dry_run: bool,
    /// Last HTTP status, if a request was answered.
    pub http_status: Option<u16>,
    /// `active`/`inactive`/`unknown` for verify; `revoked`/`failed`/`refused`/`unknown`/`dry-run`
    /// for revoke and hook.
    pub outcome: String,
    /// Why, in a few words (never the secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Who the credential belongs to, when verification said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
}

/// An append-only JSONL audit log.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: Mutex<File>,
}

impl AuditLog {
    /// Opens (creating, appending) `path`, creating its directory if needed.
    ///
    /// # Errors
    /// A message naming the file when it cannot be opened.
    pub fn open(path: &Path) -> Result<Self, String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                format!(
                    "{}: cannot create the audit log's directory: {e}",
                    dir.display()
                )
            })?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("{}: cannot open the audit log: {e}", path.display()))?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `entry` as one line, flushed at once.
    ///
    /// # Errors
    /// A message naming the file when it cannot be written.
    pub fn record(&self, entry: &Entry) -> Result<(), String> {
        let mut line = serde_json::to_string(entry).map_err(|e| e.to_string())?;
        line.push('\n');
        let mut f = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f.write_all(line.as_bytes())
            .and_then(|()| f.flush())
            .map_err(|e| format!("{}: cannot write the audit log: {e}", self.path.display()))
    }
}

/// The default audit log: `$XDG_STATE_HOME/leakhound/audit.jsonl`, else
/// `~/.local/state/leakhound/audit.jsonl`, else `leakhound-audit.jsonl` here.
pub fn default_path() -> PathBuf {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local/state"))
        });
    match state {
        Some(dir) => dir.join("leakhound").join("audit.jsonl"),
        None => PathBuf::from("leakhound-audit.jsonl"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("sub/audit.jsonl");
        let entry = Entry {
            time: "t".into(),
            fingerprint: "f".into(),
            rule: "r".into(),
            provider: "github".into(),
            action: "verify",
            dry_run: false,
            http_status: Some(200),
            outcome: "active".into(),
            detail: None,
            identity: Some("octocat".into()),
        };
        for _ in 0..2 {
            let log = AuditLog::open(&p).expect("open");
            log.record(&entry).expect("record");
        }
        let text = std::fs::read_to_string(&p).expect("read");
        assert_eq!(text.lines().count(), 2);
        let v: serde_json::Value =
            serde_json::from_str(text.lines().next().expect("line")).expect("json");
        assert_eq!(v["outcome"], "active");
        assert_eq!(v["http_status"], 200);
    }
}
