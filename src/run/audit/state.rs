//! The state file of an organisation audit: JSON Lines, a header naming the audit, then one
//! line per finished repository with its findings and counts, appended (and synced to disk) as
//! each repository finishes. A run killed at any point leaves every finished repository on a
//! complete line; a torn last line is dropped when the audit resumes.
//!
//! The findings are stored whole, the secret included (hex-encoded), so that a resumed audit's
//! report (redacted or not, verified or not) is the report the uninterrupted audit would have
//! written. The file is created readable by its owner only; it holds nothing the cached clones
//! beside it do not hold already.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::blob::CommitMeta;
use crate::finding::{Annotation, Finding, Fingerprint, Location, Secret, Segment};
use crate::rules::{Confidence, RuleId};

/// The first line: which audit the file belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Format version.
    pub leakhound_audit: u32,
    /// `github` or `gitlab`.
    pub forge: String,
    /// `organisation NAME`, `user NAME`, `group PATH`.
    pub owner: String,
    /// The API's base URL.
    pub api: String,
    /// `K/N`, when sharded.
    pub shard: Option<String>,
}

/// One finished repository.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// Full name (`org/repo`).
    pub repo: String,
    /// The clone URL without credentials.
    pub url: String,
    /// Blobs scanned.
    pub blobs: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Commit messages scanned.
    pub commit_messages: u64,
    /// Items skipped (binary, too large, …) and their reasons' names.
    pub skipped: BTreeMap<String, u64>,
    /// Content lost to a damaged repository.
    pub lost: u64,
    /// Findings suppressed.
    pub suppressed: u64,
    /// The scan's notes.
    pub notes: Vec<String>,
    /// The findings.
    pub findings: Vec<StoredFinding>,
}

/// A finding as stored: every field a report needs, secrets hex-encoded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredFinding {
    rule: String,
    rule_name: String,
    confidence: Confidence,
    secret: String,
    entropy: f64,
    path: String,
    line: u32,
    column: u32,
    start: usize,
    end: usize,
    logical: bool,
    context: Vec<Piece>,
    fingerprint: String,
    commit: Option<StoredCommit>,
    metadata_secrets: Vec<String>,
    present_at_head: Option<bool>,
    annotations: BTreeMap<String, Piece>,
}

/// Text, or a hex-encoded secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Piece {
    Text(String),
    Secret(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredCommit {
    id: String,
    author_name: String,
    author_email: String,
    date: String,
    summary: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Secret> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    bytes.map(|b| Secret::new(&b))
}

impl StoredFinding {
    /// The stored form of `f`.
    pub fn from_finding(f: &Finding) -> Self {
        StoredFinding {
            rule: f.rule_id.0.clone(),
            rule_name: f.rule_name.clone(),
            confidence: f.confidence,
            secret: hex(f.secret.expose()),
            entropy: f.entropy,
            path: f.location.path.clone(),
            line: f.location.line.get(),
            column: f.location.column.get(),
            start: f.location.start,
            end: f.location.end,
            logical: f.location.logical,
            context: f
                .context
                .iter()
                .map(|s| match s {
                    Segment::Text(t) => Piece::Text(t.clone()),
                    Segment::Secret(s) => Piece::Secret(hex(s.expose())),
                })
                .collect(),
            fingerprint: f.fingerprint.0.clone(),
            commit: f.commit.as_ref().map(|c| StoredCommit {
                id: c.id.clone(),
                author_name: c.author_name.clone(),
                author_email: c.author_email.clone(),
                date: c.date.clone(),
                summary: c.summary.clone(),
            }),
            metadata_secrets: f.metadata_secrets.iter().map(|s| hex(s.expose())).collect(),
            present_at_head: f.present_at_head,
            annotations: f
                .annotations
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        match v {
                            Annotation::Text(t) => Piece::Text(t.clone()),
                            Annotation::Secret(s) => Piece::Secret(hex(s.expose())),
                        },
                    )
                })
                .collect(),
        }
    }

    /// The finding back, attributed to `repository`; `None` if the record is damaged.
    pub fn to_finding(&self, repository: &str) -> Option<Finding> {
        let piece_secret = |p: &Piece| match p {
            Piece::Text(t) => Some(Segment::Text(t.clone())),
            Piece::Secret(h) => unhex(h).map(Segment::Secret),
        };
        Some(Finding {
            rule_id: RuleId(self.rule.clone()),
            rule_name: self.rule_name.clone(),
            confidence: self.confidence,
            secret: unhex(&self.secret)?,
            entropy: self.entropy,
            location: Location {
                path: self.path.clone(),
                line: NonZeroU32::new(self.line)?,
                column: NonZeroU32::new(self.column)?,
                start: self.start,
                end: self.end,
                logical: self.logical,
            },
            context: self
                .context
                .iter()
                .map(piece_secret)
                .collect::<Option<_>>()?,
            fingerprint: Fingerprint(self.fingerprint.clone()),
            commit: self.commit.as_ref().map(|c| CommitMeta {
                id: c.id.clone(),
                author_name: c.author_name.clone(),
                author_email: c.author_email.clone(),
                date: c.date.clone(),
                summary: c.summary.clone(),
            }),
            metadata_secrets: self
                .metadata_secrets
                .iter()
                .map(|h| unhex(h))
                .collect::<Option<_>>()?,
            present_at_head: self.present_at_head,
            annotations: self
                .annotations
                .iter()
                .map(|(k, v)| {
                    let a = match v {
                        Piece::Text(t) => Annotation::Text(t.clone()),
                        Piece::Secret(h) => Annotation::Secret(unhex(h)?),
                    };
                    Some((k.clone(), a))
                })
                .collect::<Option<_>>()?,
            verification: None,
            revocation: None,
            repository: Some(repository.to_string()),
        })
    }
}

/// An open state file, appended to as repositories finish.
#[derive(Debug)]
pub struct StateFile {
    path: PathBuf,
    file: File,
}

fn create(path: &Path) -> Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
        .with_context(|| format!("{}: cannot write the audit state", path.display()))
}

impl StateFile {
    /// Starts the state at `path` for the audit `header`: with `resume`, keeps the finished
    /// repositories recorded there (the file must belong to the same audit) and returns them;
    /// otherwise starts it empty.
    ///
    /// # Errors
    /// The file cannot be read or written, or records another audit.
    pub fn open(path: &Path, header: &Header, resume: bool) -> Result<(Self, Vec<Record>)> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create the directory", dir.display()))?;
        }
        let mut kept = Vec::new();
        if resume {
            match File::open(path) {
                Ok(f) => kept = read(path, f, header)?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("{}: cannot read the audit state", path.display())
                    })
                }
            }
        }
        // Rewritten whole (a torn last line must not precede the next record), then appended.
        let tmp = path.with_extension("tmp");
        {
            let mut f = create(&tmp)?;
            let mut text = serde_json::to_string(header)?;
            text.push('\n');
            for r in &kept {
                text.push_str(&serde_json::to_string(r)?);
                text.push('\n');
            }
            f.write_all(text.as_bytes())
                .and_then(|()| f.sync_all())
                .with_context(|| format!("{}: cannot write the audit state", tmp.display()))?;
        }
        std::fs::rename(&tmp, path)
            .with_context(|| format!("{}: cannot write the audit state", path.display()))?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .with_context(|| format!("{}: cannot write the audit state", path.display()))?;
        Ok((
            StateFile {
                path: path.to_path_buf(),
                file,
            },
            kept,
        ))
    }

    /// Appends one finished repository, on disk before this returns.
    ///
    /// # Errors
    /// The write failed.
    pub fn append(&mut self, record: &Record) -> Result<()> {
        let mut line = serde_json::to_string(record)?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .with_context(|| format!("{}: cannot write the audit state", self.path.display()))
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The records of a state file for `header`; a torn or damaged line ends the list.
fn read(path: &Path, f: File, header: &Header) -> Result<Vec<Record>> {
    let mut lines = BufReader::new(f).lines();
    let first = match lines.next() {
        Some(l) => l.with_context(|| format!("{}: cannot read the audit state", path.display()))?,
        None => return Ok(Vec::new()),
    };
    let found: Header = serde_json::from_str(&first).with_context(|| {
        format!(
            "{}: not a leakhound audit state file (its first line is not the audit header)",
            path.display()
        )
    })?;
    if found != *header {
        bail!(
            "{}: this state file records another audit ({} {} at {}{}); give --state a new file, \
             or leave out --resume to start over",
            path.display(),
            found.forge,
            found.owner,
            found.api,
            found
                .shard
                .as_deref()
                .map(|s| format!(", shard {s}"))
                .unwrap_or_default()
        );
    }
    let mut out = Vec::new();
    for line in lines {
        let Ok(line) = line else { break };
        match serde_json::from_str::<Record>(&line) {
            Ok(r) => out.push(r),
            Err(_) => break,
        }
    }
    Ok(out)
}
