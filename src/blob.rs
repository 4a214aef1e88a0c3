//! What sources hand the scanner: bytes plus where they came from.

/// Where a blob's bytes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file in a scanned tree; `path` is as reported (see [`crate::source::fs`]).
    File {
        /// Reported path, `/`-separated, relative to the scan root when there is one root.
        path: String,
    },
    /// Standard input (`-`).
    Stdin,
    /// A blob in git history, at the path and commit that introduced it.
    Commit {
        /// The commit that introduced the blob at `path`.
        commit: CommitMeta,
        /// Path in that commit's tree, `/`-separated, lossy for non-UTF-8 names.
        path: String,
    },
}

/// What a history finding says about the commit it entered in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitMeta {
    /// Full hexadecimal commit id.
    pub id: String,
    /// Author name (lossy UTF-8).
    pub author_name: String,
    /// Author email (lossy UTF-8).
    pub author_email: String,
    /// Author date, ISO 8601 in UTC (`2024-01-31T12:00:00Z`).
    pub date: String,
    /// First line of the commit message.
    pub summary: String,
    /// Secrets the scanner found in the author name, e-mail and summary. Reports redact them
    /// there as they redact file content ([`CommitMeta::shown`]): a token pasted into a commit
    /// message must not appear in full in a redacted report (issue 13).
    pub secrets: Vec<crate::finding::Secret>,
}

impl CommitMeta {
    /// The abbreviated id shown to people (8 hex digits).
    pub fn short_id(&self) -> &str {
        self.id.get(..8).unwrap_or(&self.id)
    }

    /// `field` (one of this commit's texts) as a report shows it: with `redact`, every secret
    /// found in the metadata replaced by its redacted form.
    pub fn shown<'a>(&self, field: &'a str, redact: bool) -> std::borrow::Cow<'a, str> {
        if !redact || self.secrets.is_empty() {
            return std::borrow::Cow::Borrowed(field);
        }
        let mut out = field.to_string();
        for s in &self.secrets {
            let raw = String::from_utf8_lossy(s.expose());
            if !raw.is_empty() && out.contains(raw.as_ref()) {
                out = out.replace(raw.as_ref(), &s.redacted());
            }
        }
        std::borrow::Cow::Owned(out)
    }
}

impl Origin {
    /// The path reports show for this origin.
    pub fn display_path(&self) -> &str {
        match self {
            Origin::File { path } => path,
            Origin::Stdin => "<stdin>",
            Origin::Commit { path, .. } => path,
        }
    }
}

/// Bytes to scan, borrowed from the source's buffer or memory map for the duration of one call.
#[derive(Debug)]
pub struct Blob<'a> {
    /// The content.
    pub bytes: &'a [u8],
    /// Where it came from.
    pub origin: Origin,
}
