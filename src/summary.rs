//! What a run did besides its findings: what was scanned, skipped and suppressed, and notes for
//! the user. Filled in by the pipeline, read by reporters.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::source::{Skip, SkipReason};
use crate::triage::Suppression;

/// Counts for one run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Files (or blobs) scanned. Commit and tag messages are not counted here (see
    /// `commit_messages_scanned`), so the field keeps its meaning for existing consumers.
    pub files_scanned: u64,
    /// Bytes scanned: of the files or blobs, and of the commit and tag messages.
    pub bytes_scanned: u64,
    /// Commit messages scanned: present for `git` scans of history or a range (`None` for
    /// files, and for staged changes, which have no message yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_messages_scanned: Option<u64>,
    /// Annotated tag messages scanned: present when a `git` scan reads every ref's tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_messages_scanned: Option<u64>,
    /// Skipped items by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Every skipped item (listed with `--verbose`, always in JSON).
    pub skips: Vec<Skip>,
    /// Findings reported.
    pub findings: usize,
    /// Findings suppressed, by reason.
    pub suppressed: BTreeMap<Suppression, u64>,
    /// Rules loaded.
    pub rules: usize,
    /// Wall time.
    #[serde(serialize_with = "secs", deserialize_with = "from_secs")]
    pub duration: Duration,
    /// Things the user should know about the run (a truncated history, unfetched LFS content).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The run was stopped by Ctrl-C/SIGTERM: the findings are those found before the stop.
    pub interrupted: bool,
    /// A staged scan of given files read each one whole (`pre-commit run --all-files`): an
    /// audit, not a commit, so what it reports may already be committed.
    #[serde(skip)]
    pub whole_files: bool,
    /// Inline allow markers on lines where no rule matched, as `path:line`
    /// (only when `--report-unused-ignores` asks).
    #[serde(skip)]
    pub unused_inline_allows: Vec<String>,
}

fn from_secs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let secs = f64::deserialize(d)?;
    Duration::try_from_secs_f64(secs).map_err(serde::de::Error::custom)
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

impl Summary {
    /// Adds `other`'s counts, skips and unused inline allows to these (one worker's share of
    /// a run into the run's total).
    pub fn merge(&mut self, other: Summary) {
        self.files_scanned += other.files_scanned;
        self.bytes_scanned += other.bytes_scanned;
        let add = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        self.commit_messages_scanned =
            add(self.commit_messages_scanned, other.commit_messages_scanned);
        self.tag_messages_scanned = add(self.tag_messages_scanned, other.tag_messages_scanned);
        for (k, v) in other.suppressed {
            *self.suppressed.entry(k).or_default() += v;
        }
        for (k, v) in other.skipped {
            *self.skipped.entry(k).or_default() += v;
        }
        self.skips.extend(other.skips);
        self.unused_inline_allows.extend(other.unused_inline_allows);
        self.notes.extend(other.notes);
        self.whole_files |= other.whole_files;
    }

    /// What was scanned, singular: `blob` for a scan of history or a range (the scans that
    /// count commit messages), else `file`.
    pub fn unit(&self) -> &'static str {
        if self.commit_messages_scanned.is_some() {
            "blob"
        } else {
            "file"
        }
    }

    /// Records a skipped item.
    pub fn skip(&mut self, skip: Skip) {
        *self.skipped.entry(skip.reason).or_default() += 1;
        self.skips.push(skip);
    }

    /// Skips that lost content to a damaged repository ([`SkipReason::is_loss`]).
    pub fn lost(&self) -> u64 {
        self.skipped
            .iter()
            .filter(|(r, _)| r.is_loss())
            .map(|(_, n)| n)
            .sum()
    }

    /// Counts a suppressed finding.
    pub fn suppress(&mut self, why: Suppression) {
        *self.suppressed.entry(why).or_default() += 1;
    }
}
