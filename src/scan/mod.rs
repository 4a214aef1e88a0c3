//! The scanner: bytes in, matches out. Pure and `Sync`; built once from the rule set and shared
//! by reference by every worker thread, each of which brings its own [`Scratch`].
//!
//! Per blob the cost is:
//! 1. one Aho-Corasick pass over the bytes for every rule's keywords (ASCII case-insensitive).
//!    A blob without a keyword costs that pass and the two searches for derived text
//!    ([`encoded`] base64 runs, [`joined`] string literals) and nothing else: that is most blobs.
//!    In history scans a version made from its delta base skips that pass and the base64
//!    search: its hits and base64 runs are derived from the base's ([`delta`],
//!    [`encoded::derive_raw_runs`]; [`Scanner::scan_with_hits`]), the same lists the passes
//!    give;
//! 2. for each hit, the rules owning that keyword get a *window*: the line holding the hit
//!    (at most [`MAX_LINE_REACH`] bytes either side of it), or for multi-line rules the line
//!    start through `window:` bytes past the hit. Overlapping windows of one rule are merged, so
//!    a rule's regex reads each byte at most once per blob however many hits there are, and
//!    runtime stays linear even on a 20 MB single-line file dense with keywords;
//! 3. each candidate `secret` is scored: entropy, placeholder filter, offline check. In history
//!    scans a window copied whole from a delta base that the base's scan confirmed takes the
//!    base's verdicts instead ([`delta::KeywordHits`]).

pub mod checks;
pub mod delta;
pub mod encoded;
pub mod entropy;
pub mod examples;
pub mod joined;
pub mod pairing;
pub mod placeholder;

use std::cmp::Reverse;
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use thiserror::Error;

use crate::rules::{Check, Confidence, Rule, RuleSet};
use crate::secret::{Annotation, Annotations};

/// How far a window reaches from a keyword hit looking for the line's ends. Lines longer than
/// this (minified code, data URIs) are cut to this reach; no token format comes near it.
pub const MAX_LINE_REACH: usize = 4096;
/// Bytes of context kept either side of a secret for reports.
pub const CONTEXT_REACH: usize = 80;

/// Why the scanner could not be built.
#[derive(Debug, Error)]
pub enum BuildError {
    /// The keyword automaton could not be built (too many or too long keywords).
    #[error("cannot build the keyword automaton: {0}")]
    Automaton(#[from] aho_corasick::BuildError),
}

/// One confirmed match in a blob.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Index of the rule in the scanner's rule set.
    pub rule: usize,
    /// Byte span of the `secret` group in the blob.
    pub start: usize,
    /// End of the `secret` span (exclusive).
    pub end: usize,
    /// Shannon entropy of the secret.
    pub entropy: f64,
    /// 1-based line of `start`.
    pub line: NonZeroU32,
    /// 1-based column of `start`, in Unicode scalar values (invalid UTF-8 bytes count one each).
    pub column: NonZeroU32,
    /// Byte span of the context shown in reports: part of the line holding `start`.
    pub context: (usize, usize),
    /// What the checks established (a JWT's `expired`, a paired `aws_access_key_id`,
    /// `encoding`).
    pub annotations: Annotations,
    /// For a secret found in decoded content: the secret itself, since `start..end` then spans
    /// the encoded text in the blob.
    pub decoded: Option<Box<[u8]>>,
}

impl Match {
    /// A match of rule `r` at `start..end` in plain content, not located yet.
    fn plain(r: usize, start: usize, end: usize, entropy: f64, annotations: Annotations) -> Self {
        Match {
            rule: r,
            start,
            end,
            entropy,
            line: NonZeroU32::MIN,
            column: NonZeroU32::MIN,
            context: (0, 0),
            annotations,
            decoded: None,
        }
    }

    /// A match found in text derived from the blob (`inner_bytes`: decoded base64, joined
    /// literals), placed at `start..end` in the blob: it carries the secret it found and says
    /// how the text was derived (`encoding`).
    fn derived(inner: Match, inner_bytes: &[u8], start: usize, end: usize, encoding: &str) -> Self {
        let secret: Box<[u8]> = inner.secret(inner_bytes).into();
        let mut annotations = inner.annotations;
        annotations.insert(
            "encoding".to_string(),
            Annotation::Text(encoding.to_string()),
        );
        Match {
            decoded: Some(secret),
            ..Match::plain(inner.rule, start, end, inner.entropy, annotations)
        }
    }

    /// The secret's bytes: `bytes[start..end]`, or the decoded secret.
    pub fn secret<'a>(&'a self, bytes: &'a [u8]) -> &'a [u8] {
        self.decoded
            .as_deref()
            .unwrap_or(&bytes[self.start..self.end])
    }
}

/// Why a rule's pattern match was not reported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rejection {
    /// The value's Shannon entropy is below the floor the rule sets for a value of its length
    /// and alphabet ([`entropy::floor`]).
    Entropy {
        /// The value's entropy, bits per byte.
        entropy: f64,
        /// The floor it had to reach.
        floor: f64,
    },
    /// The value reads as a placeholder or a published example; the text says which
    /// ([`placeholder::why`]).
    Placeholder(&'static str),
    /// The rule's offline check failed, and why.
    Check {
        /// The check.
        check: Check,
        /// What it found wrong.
        why: &'static str,
    },
    /// The match passed the rule's own tests, but another rule reports the very same span and
    /// wins it: a span yields one match (see [`Scanner::scan`]).
    Overlap {
        /// Index of the rule whose match is reported instead.
        winner: usize,
        /// Why that rule wins, e.g. `medium confidence over low`.
        why: &'static str,
    },
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::Entropy { entropy, floor } => write!(
                f,
                "entropy {entropy:.2} is below the floor {floor:.2} for a value of this length and alphabet"
            ),
            Rejection::Placeholder(why) => write!(f, "the value reads as a placeholder: {why}"),
            Rejection::Check { check, why } => {
                write!(f, "the {} check failed: {why}", check.as_str())
            }
            Rejection::Overlap { why, .. } => write!(
                f,
                "another rule reports the same span, and its match wins ({why})"
            ),
        }
    }
}

/// What [`Scanner::explain`] found for one rule in plain (not decoded) content.
#[derive(Debug, Clone, PartialEq)]
pub enum Candidate {
    /// The rule's pattern matched `start..end`: reported (`Ok`) or not, and why (its own
    /// tests, or another rule winning the same span: [`Rejection::Overlap`]).
    Matched {
        /// Index of the rule.
        rule: usize,
        /// Byte span of the `secret` group.
        start: usize,
        /// End of the span (exclusive).
        end: usize,
        /// The verdict.
        verdict: Result<(), Rejection>,
    },
    /// A keyword of the rule occurs, but its pattern matched nothing around it.
    NoPattern {
        /// Index of the rule.
        rule: usize,
        /// Where the rule's (first merged) window starts.
        start: usize,
    },
}

impl Candidate {
    /// Index of the rule.
    pub fn rule(&self) -> usize {
        match *self {
            Candidate::Matched { rule, .. } | Candidate::NoPattern { rule, .. } => rule,
        }
    }

    /// Where the candidate (or the window that matched nothing) starts.
    pub fn start(&self) -> usize {
        match *self {
            Candidate::Matched { start, .. } | Candidate::NoPattern { start, .. } => start,
        }
    }
}

/// A candidate [`Scanner::explain_derived`] found in derived text.
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedCandidate {
    /// The candidate, its span in the blob (the literal pieces, or the encoded run).
    pub candidate: Candidate,
    /// The candidate as found in the derived text (the joined or decoded secret).
    pub secret: Vec<u8>,
    /// How the text was derived: `joined string literals` or `base64`.
    pub encoding: &'static str,
}

/// Per-thread reusable buffers, so scanning allocates nothing per blob in the common case.
#[derive(Debug, Default)]
pub struct Scratch {
    /// Pending window per rule index (merged as hits arrive in order).
    windows: Vec<Option<(usize, usize)>>,
    /// Rule indices with a pending window.
    touched: Vec<usize>,
}

/// The compiled rule set: keyword automaton plus the rules each keyword selects.
#[derive(Debug)]
pub struct Scanner {
    rules: RuleSet,
    automaton: AhoCorasick,
    /// For each automaton pattern, the rules to confirm when it hits.
    pattern_rules: Vec<Box<[usize]>>,
    /// The keywords, lower-cased, in the automaton's pattern order.
    keywords: Vec<String>,
    /// The same keywords with overlapping matches, for [`delta`]; built on first use.
    every: OnceLock<Option<delta::Every>>,
}

impl Scanner {
    /// Builds the automaton over every rule's keywords.
    ///
    /// Keywords are lower-cased and deduplicated. The automaton reports leftmost-longest,
    /// non-overlapping hits, so a hit on `sk-ant-` hides one on `sk-` at the same spot: each
    /// keyword therefore also selects the rules of every keyword it contains.
    ///
    /// # Errors
    /// [`BuildError`] if the automaton cannot be built.
    pub fn new(rules: RuleSet) -> Result<Self, BuildError> {
        let mut keywords: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for (i, rule) in rules.rules().iter().enumerate() {
            for kw in &rule.keywords {
                let kw = kw.to_ascii_lowercase();
                if let Some(&p) = index.get(&kw) {
                    owners[p].push(i);
                } else {
                    index.insert(kw.clone(), keywords.len());
                    keywords.push(kw);
                    owners.push(vec![i]);
                }
            }
        }
        // Each keyword selects the rules of every keyword inside it: looked up substring by
        // substring (keywords are short), not by comparing every pair of keywords, which took
        // most of the start-up time with a few thousand keywords.
        let pattern_rules = keywords
            .iter()
            .map(|kw| {
                let mut set: Vec<usize> = Vec::new();
                for start in (0..kw.len()).filter(|&i| kw.is_char_boundary(i)) {
                    for end in (start + 1..=kw.len()).filter(|&i| kw.is_char_boundary(i)) {
                        if let Some(&p) = index.get(&kw[start..end]) {
                            set.extend_from_slice(&owners[p]);
                        }
                    }
                }
                set.sort_unstable();
                set.dedup();
                set.into_boxed_slice()
            })
            .collect();
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&keywords)?;
        Ok(Scanner {
            rules,
            automaton,
            pattern_rules,
            keywords,
            every: OnceLock::new(),
        })
    }

    /// The rule set this scanner runs.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The rule behind a match.
    pub fn rule(&self, m: &Match) -> &Rule {
        &self.rules.rules()[m.rule]
    }

    /// Finds every match in `bytes`, sorted by position. Two rules reporting the same span
    /// yield one match, from the rule with the higher confidence (ties: the earlier rule).
    ///
    /// Base64 runs are decoded (see [`encoded`]) and scanned the same way, to
    /// [`encoded::MAX_DEPTH`] levels; their matches span the encoded text, carry the decoded
    /// secret and are annotated `encoding: base64`.
    pub fn scan(&self, bytes: &[u8], scratch: &mut Scratch) -> Vec<Match> {
        self.scan_depth(bytes, None, scratch, 0)
    }

    /// [`Scanner::scan`] with the keyword hits of `bytes` already known (derived from its
    /// delta base's, see [`delta`]) instead of found by a pass of the automaton over it: the
    /// same matches, given hits that are `bytes`' own.
    pub fn scan_with_hits(
        &self,
        bytes: &[u8],
        hits: &delta::KeywordHits,
        scratch: &mut Scratch,
    ) -> Vec<Match> {
        self.scan_depth(bytes, Some(hits), scratch, 0)
    }

    fn scan_depth(
        &self,
        bytes: &[u8],
        hits: Option<&delta::KeywordHits>,
        scratch: &mut Scratch,
        depth: u8,
    ) -> Vec<Match> {
        let mut out = self.scan_plain(bytes, hits, scratch);
        if depth < encoded::MAX_DEPTH {
            let runs = match hits {
                Some(hits) => encoded::runs_from(bytes, hits.raw_runs()),
                None => encoded::runs(bytes),
            };
            for run in runs {
                for inner in self.scan_depth(&run.bytes, None, scratch, depth + 1) {
                    out.push(Match::derived(
                        inner, &run.bytes, run.start, run.end, "base64",
                    ));
                }
            }
        }
        if depth == 0 {
            self.scan_joined(bytes, scratch, &mut out);
        }
        if out.is_empty() {
            return out;
        }
        self.one_match_per_span(&mut out, |_, _, _| {});
        locate(bytes, &mut out);
        pairing::pair_aws_keys(bytes, self.rules.rules(), &mut out);
        pairing::pair_twilio_sids(bytes, self.rules.rules(), &mut out);
        pairing::annotate_npm_registries(bytes, self.rules.rules(), &mut out);
        pairing::pair_nearby(bytes, self.rules.rules(), &mut out);
        pairing::annotate_azure_storage(bytes, self.rules.rules(), &mut out);
        out
    }

    /// The matches that exist only once concatenated string literals are joined (see
    /// [`joined`]): each spans the pieces it was found in, carries the joined secret and is
    /// annotated `encoding: joined string literals`.
    fn scan_joined(&self, bytes: &[u8], scratch: &mut Scratch, out: &mut Vec<Match>) {
        let plain = out.len();
        for run in joined::runs(bytes) {
            for inner in self.scan_plain(&run.bytes, None, scratch) {
                if !run.crosses(inner.start, inner.end) {
                    continue;
                }
                let (start, end) = (
                    run.blob_offset(inner.start),
                    run.blob_offset(inner.end - 1) + 1,
                );
                // A rule whose pattern reads across the quotes itself (a key split over string
                // pieces) already found it in the plain text: one key, one finding.
                if out[..plain]
                    .iter()
                    .any(|m| m.rule == inner.rule && m.start <= start && end <= m.end)
                {
                    continue;
                }
                out.push(Match::derived(
                    inner,
                    &run.bytes,
                    start,
                    end,
                    "joined string literals",
                ));
            }
        }
    }

    /// Sorts `matches` by position and keeps one match per span: where several rules report
    /// the same span (the same decoded secret, for decoded content), the rule with the higher
    /// confidence wins, and on a tie the earlier rule. Calls `lost(loser, winner, why)` for every
    /// match dropped. The one place this is decided, for [`Scanner::scan`] and
    /// [`Scanner::explain`] alike.
    fn one_match_per_span(
        &self,
        matches: &mut Vec<Match>,
        mut lost: impl FnMut(&Match, &Match, &'static str),
    ) {
        let rules = self.rules.rules();
        matches.sort_by(|a, b| {
            (
                a.start,
                a.end,
                &a.decoded,
                Reverse(rules[a.rule].confidence),
                a.rule,
            )
                .cmp(&(
                    b.start,
                    b.end,
                    &b.decoded,
                    Reverse(rules[b.rule].confidence),
                    b.rule,
                ))
        });
        // `dedup_by` passes the later element first, then the kept one before it.
        matches.dedup_by(|later, kept| {
            let same =
                kept.start == later.start && kept.end == later.end && kept.decoded == later.decoded;
            if same {
                // The host a losing rule found next to the credential still belongs to it.
                if let Some(host) = later.annotations.get(crate::rules::HOST_NOTE) {
                    if !kept.annotations.contains_key(crate::rules::HOST_NOTE) {
                        kept.annotations
                            .insert(crate::rules::HOST_NOTE.to_string(), host.clone());
                    }
                }
                let why = overlap_why(rules[kept.rule].confidence, rules[later.rule].confidence);
                lost(later, kept, why);
            }
            same
        });
    }

    /// The matches of the rules in `bytes` itself (not decoded content), unsorted.
    /// With `hits`, the keyword hits are those given (derived from a delta base) instead of
    /// the automaton's over `bytes`.
    fn scan_plain(
        &self,
        bytes: &[u8],
        hits: Option<&delta::KeywordHits>,
        scratch: &mut Scratch,
    ) -> Vec<Match> {
        let mut out = Vec::new();
        let Some(hits) = hits else {
            self.windows(bytes, scratch, |r, s, e| {
                self.confirm(r, bytes, s, e, &mut out);
            });
            return out;
        };
        // A window inside one copy of a window its base's scan confirmed gets the base's
        // verdicts (see [`delta::KeywordHits`]); this scan records its own for its children.
        let mut record = hits.wants_verdicts().then(delta::Verdicts::default);
        self.windows_from(bytes, hits.leftmost_longest(), scratch, |r, s, e| {
            let before = out.len();
            if !hits.reuse(r, s, e, &mut out) {
                self.confirm(r, bytes, s, e, &mut out);
            }
            if let Some(v) = &mut record {
                v.record(r, s, e, &out[before..]);
            }
        });
        if let Some(v) = record {
            hits.keep_verdicts(v);
        }
        out
    }

    /// Every candidate of every rule whose keyword occurs in `bytes` (plain content only), with
    /// the verdict [`Scanner::scan`] reaches on it, sorted by position: what `leakhound explain`
    /// prints, to answer "why is this token not reported?".
    ///
    /// The verdicts come from the scan's own steps: each rule's tests ([`Scanner::scan`]'s
    /// per-window loop), then the choice of one match per span among the candidates that pass
    /// them, whose losers get [`Rejection::Overlap`].
    pub fn explain(&self, bytes: &[u8], scratch: &mut Scratch) -> Vec<Candidate> {
        let mut out = Vec::new();
        let mut passed = Vec::new();
        self.windows(bytes, scratch, |r, s, e| {
            let before = out.len();
            self.judge_window(
                r,
                bytes,
                s,
                e,
                |start, end, entropy, verdict, annotations| {
                    if verdict.is_ok() {
                        passed.push(Match::plain(r, start, end, entropy, annotations));
                    }
                    out.push(Candidate::Matched {
                        rule: r,
                        start,
                        end,
                        verdict,
                    });
                },
            );
            if out.len() == before {
                out.push(Candidate::NoPattern { rule: r, start: s });
            }
        });
        // (rule, start, end) is unique: a rule's windows do not overlap, nor do its captures
        // in one window.
        let mut lost: HashMap<(usize, usize, usize), Rejection> = HashMap::new();
        self.one_match_per_span(&mut passed, |loser, winner, why| {
            lost.insert(
                (loser.rule, loser.start, loser.end),
                Rejection::Overlap {
                    winner: winner.rule,
                    why,
                },
            );
        });
        if !lost.is_empty() {
            for c in &mut out {
                if let Candidate::Matched {
                    rule,
                    start,
                    end,
                    verdict,
                } = c
                {
                    if let Some(r) = lost.get(&(*rule, *start, *end)) {
                        *verdict = Err(*r);
                    }
                }
            }
        }
        out.sort_by_key(|c| (c.start(), c.rule()));
        out
    }

    /// The candidates that exist only in text derived from `bytes`, with the verdicts the scan
    /// reaches on them there: in concatenated string literals (candidates that cross from one
    /// literal into the next; see [`joined`]) and in base64 runs (one level; see [`encoded`]).
    /// Spans are in `bytes` (the pieces or the encoded run), sorted by position; keyword-only
    /// windows are left out (derived text would repeat the plain text's).
    pub fn explain_derived(&self, bytes: &[u8], scratch: &mut Scratch) -> Vec<DerivedCandidate> {
        let mut out = Vec::new();
        for run in joined::runs(bytes) {
            let place = |s, e| {
                run.crosses(s, e)
                    .then(|| (run.blob_offset(s), run.blob_offset(e - 1) + 1))
            };
            self.explain_in(
                &run.bytes,
                "joined string literals",
                place,
                scratch,
                &mut out,
            );
        }
        for run in encoded::runs(bytes) {
            let place = |_, _| Some((run.start, run.end));
            self.explain_in(&run.bytes, "base64", place, scratch, &mut out);
        }
        out.sort_by_key(|d| (d.candidate.start(), d.candidate.rule()));
        out
    }

    /// Pushes to `out` the matched candidates in derived `text`, each placed in the blob by
    /// `place(start, end)` (`None`: not one to show).
    fn explain_in(
        &self,
        text: &[u8],
        encoding: &'static str,
        place: impl Fn(usize, usize) -> Option<(usize, usize)>,
        scratch: &mut Scratch,
        out: &mut Vec<DerivedCandidate>,
    ) {
        for c in self.explain(text, scratch) {
            let Candidate::Matched {
                rule,
                start,
                end,
                verdict,
            } = c
            else {
                continue;
            };
            let Some((at, to)) = place(start, end) else {
                continue;
            };
            out.push(DerivedCandidate {
                candidate: Candidate::Matched {
                    rule,
                    start: at,
                    end: to,
                    verdict,
                },
                secret: text[start..end].to_vec(),
                encoding,
            });
        }
    }

    /// Calls `f(rule, start, end)` once per merged window of each rule whose keywords occur in
    /// `bytes` (see the module documentation).
    fn windows(&self, bytes: &[u8], scratch: &mut Scratch, f: impl FnMut(usize, usize, usize)) {
        let hits = self
            .automaton
            .find_iter(bytes)
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()));
        self.windows_from(bytes, hits, scratch, f);
    }

    /// [`Scanner::windows`] for the keyword hits `hits` (`(start, end, pattern)`, in order).
    fn windows_from(
        &self,
        bytes: &[u8],
        hits: impl Iterator<Item = (usize, usize, usize)>,
        scratch: &mut Scratch,
        mut f: impl FnMut(usize, usize, usize),
    ) {
        let n_rules = self.rules.len();
        if scratch.windows.len() != n_rules {
            scratch.windows = vec![None; n_rules];
        }
        let mut line: Option<(usize, usize)> = None;
        for (start, end, pattern) in hits {
            let (ls, le) = match line {
                Some((s, e)) if end <= e && start >= s => (s, e),
                _ => {
                    let w = line_window(bytes, start, end);
                    line = Some(w);
                    w
                }
            };
            for &r in self.pattern_rules[pattern].iter() {
                let we = match self.rules.rules()[r].window {
                    None => le,
                    Some(w) => bytes.len().min(end.saturating_add(w)),
                };
                match &mut scratch.windows[r] {
                    Some((_, end)) if ls <= *end => *end = (*end).max(we),
                    slot => {
                        if let Some((s, e)) = slot.replace((ls, we)) {
                            f(r, s, e);
                        } else {
                            scratch.touched.push(r);
                        }
                    }
                }
            }
        }
        for r in scratch.touched.drain(..) {
            if let Some((s, e)) = scratch.windows[r].take() {
                f(r, s, e);
            }
        }
    }

    /// Runs rule `r` over `bytes[s..e]` and pushes the candidates it reports.
    fn confirm(&self, r: usize, bytes: &[u8], s: usize, e: usize, out: &mut Vec<Match>) {
        self.judge_window(
            r,
            bytes,
            s,
            e,
            |start, end, entropy, verdict, annotations| {
                if verdict.is_ok() {
                    out.push(Match::plain(r, start, end, entropy, annotations));
                }
            },
        );
    }

    /// Runs rule `r` over `bytes[s..e]` and calls `f(start, end, entropy, verdict, annotations)`
    /// for every non-empty `secret` it captures, reported or not: the one loop behind both
    /// [`Scanner::scan`] and [`Scanner::explain`].
    fn judge_window(
        &self,
        r: usize,
        bytes: &[u8],
        s: usize,
        e: usize,
        mut f: impl FnMut(usize, usize, f64, Result<(), Rejection>, Annotations),
    ) {
        let rule = &self.rules.rules()[r];
        let Some(re) = rule.regex() else { return };
        for caps in re.regex.captures_iter(&bytes[s..e]) {
            let Some(m) = re.secret(&caps).filter(|m| !m.is_empty()) else {
                continue;
            };
            let mut annotations = Annotations::new();
            if let Some(host) = re.host(&caps) {
                annotations.insert(crate::rules::HOST_NOTE.to_string(), Annotation::Text(host));
            }
            let (entropy, verdict) = judge(rule, m.as_bytes(), re.name(&caps), &mut annotations);
            f(s + m.start(), s + m.end(), entropy, verdict, annotations);
        }
    }
}

/// Scores one candidate `secret` of `rule` (assigned to `name`, when the rule captures one):
/// its entropy, and whether it is reported. The placeholder filter comes first so that `xxxx…`
/// is explained as a placeholder rather than as low entropy; then the entropy floor, then the
/// rule's offline check (the costliest).
fn judge(
    rule: &Rule,
    secret: &[u8],
    name: Option<&[u8]>,
    annotations: &mut Annotations,
) -> (f64, Result<(), Rejection>) {
    // A literal spelled with `\x` escapes is judged by the bytes it stands for.
    let (entropy, floor) = match entropy::unescaped(secret) {
        Some(bytes) => (
            entropy::shannon(&bytes),
            entropy::byte_floor(rule.entropy, bytes.len()),
        ),
        None => (
            entropy::shannon(secret),
            entropy::floor(rule.entropy, secret),
        ),
    };
    let verdict = if let Some(why) = placeholder::why(secret) {
        Err(Rejection::Placeholder(why))
    } else if let Some(floor) = Some(floor).filter(|floor| entropy < *floor) {
        Err(Rejection::Entropy { entropy, floor })
    } else if let Some(check) = rule.check {
        checks::judge(check, secret, name, annotations)
            .map_err(|why| Rejection::Check { check, why })
    } else {
        Ok(())
    };
    (entropy, verdict)
}

/// Why a match of `winner`'s confidence beats one of `loser`'s on the same span (the winner
/// sorts first: its confidence is at least the loser's).
fn overlap_why(winner: Confidence, loser: Confidence) -> &'static str {
    match (winner, loser) {
        (Confidence::High, Confidence::Medium) => "high confidence over medium",
        (Confidence::High, Confidence::Low) => "high confidence over low",
        (Confidence::Medium, Confidence::Low) => "medium confidence over low",
        _ => "the same confidence, and its rule comes first",
    }
}

/// The line holding `bytes[start..end]` (bounded like scan windows): where an inline allow
/// comment suppresses a match, in a scan and in `leakhound explain` alike.
pub fn line_of(bytes: &[u8], start: usize, end: usize) -> &[u8] {
    let (ls, le) = line_window(bytes, start, end);
    &bytes[ls..le]
}

/// The line holding `bytes[start..end]`, reaching at most [`MAX_LINE_REACH`] either side.
pub(crate) fn line_window(bytes: &[u8], start: usize, end: usize) -> (usize, usize) {
    let lo = start.saturating_sub(MAX_LINE_REACH);
    let ls = memchr::memrchr(b'\n', &bytes[lo..start]).map_or(lo, |i| lo + i + 1);
    let hi = bytes.len().min(end.saturating_add(MAX_LINE_REACH));
    let le = memchr::memchr(b'\n', &bytes[end..hi]).map_or(hi, |i| end + i);
    (ls, le)
}

/// Characters in `bytes` as [`Match::column`] counts them: Unicode scalar values, and one per
/// byte of invalid UTF-8. Counting non-continuation bytes would skip a stray continuation byte
/// (a Latin-1 `«` is 0xAB) and put the column too far left.
fn count_chars(bytes: &[u8]) -> usize {
    if bytes.is_ascii() {
        return bytes.len();
    }
    bytes
        .utf8_chunks()
        .map(|c| c.valid().chars().count() + c.invalid().len())
        .sum()
}

fn nz(n: usize) -> NonZeroU32 {
    NonZeroU32::new(u32::try_from(n).unwrap_or(u32::MAX)).unwrap_or(NonZeroU32::MIN)
}

/// Fills in line, column and context for matches sorted by `start`, in one forward pass over
/// the bytes (linear even for many matches on one enormous line).
fn locate(bytes: &[u8], matches: &mut [Match]) {
    let mut pos = 0;
    let mut line = 1usize;
    let mut line_start = 0usize;
    let mut chars = 0usize; // characters between line_start and pos
    for m in matches.iter_mut() {
        let seg = &bytes[pos..m.start];
        let newlines = memchr::memchr_iter(b'\n', seg).count();
        if newlines > 0 {
            line += newlines;
            let last = memchr::memrchr(b'\n', seg).map_or(0, |i| pos + i);
            line_start = last + 1;
            chars = count_chars(&bytes[line_start..m.start]);
        } else {
            chars += count_chars(seg);
        }
        pos = m.start;
        m.line = nz(line);
        m.column = nz(chars + 1);
        let mut cs = line_start.max(m.start.saturating_sub(CONTEXT_REACH));
        while cs < m.start && (bytes[cs] & 0xC0) == 0x80 {
            cs += 1;
        }
        let hi = bytes.len().min(m.end.saturating_add(CONTEXT_REACH));
        let mut ce = memchr::memchr(b'\n', &bytes[m.start..hi]).map_or(hi, |i| m.start + i);
        while ce > m.end && ce < bytes.len() && (bytes[ce] & 0xC0) == 0x80 {
            ce -= 1;
        }
        if ce > m.start && bytes[ce - 1] == b'\r' {
            ce -= 1;
        }
        m.context = (cs, ce);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load::parse_rules;

    fn scanner(yaml: &str) -> Scanner {
        let mut set = RuleSet::default();
        set.extend(parse_rules("t.yml", yaml).unwrap()).unwrap();
        Scanner::new(set).unwrap()
    }

    const TWO: &str = "rules:
  - id: short
    name: Short
    keywords: [tok_]
    regex: '(?P<secret>tok_[A-Za-z0-9]{12})\\b'
    confidence: low
  - id: long
    name: Long
    keywords: [tok_live_]
    regex: '(?P<secret>tok_live_[A-Za-z0-9]{12})\\b'
    confidence: high
  - id: pem
    name: Pem
    keywords: ['-----BEGIN TEST']
    window: 200
    regex: '(?P<secret>-----BEGIN TEST-----[A-Za-z0-9\\s]{4,150}-----END TEST-----)'
";

    #[test]
    fn finds_with_line_and_column() {
        let s = scanner(TWO);
        let text = "first\r\nx = \"tok_Q8fz1LmP0xVb\"\n";
        let m = s.scan(text.as_bytes(), &mut Scratch::default());
        assert_eq!(m.len(), 1);
        assert_eq!(s.rule(&m[0]).id.0, "short");
        assert_eq!((m[0].line.get(), m[0].column.get()), (2, 6));
        assert_eq!(&text[m[0].start..m[0].end], "tok_Q8fz1LmP0xVb");
        assert_eq!(
            &text[m[0].context.0..m[0].context.1],
            "x = \"tok_Q8fz1LmP0xVb\""
        );
    }

    #[test]
    fn contained_keyword_still_selects_its_rule() {
        let s = scanner(TWO);
        // `tok_live_` hides `tok_` at the same position; both rules still run on the line.
        let text = "a tok_live_Q8fz1LmP0xVb b tok_R7gy2KnQ1wUc";
        let m = s.scan(text.as_bytes(), &mut Scratch::default());
        let ids: Vec<_> = m.iter().map(|m| s.rule(m).id.0.as_str()).collect();
        assert_eq!(ids, ["long", "short"]);
    }

    #[test]
    fn multiline_window() {
        let s = scanner(TWO);
        let text = "k:\n-----BEGIN TEST-----\nAbC9\nzZ81\n-----END TEST-----\n";
        let m = s.scan(text.as_bytes(), &mut Scratch::default());
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].line.get(), 2);
        assert_eq!(
            &text[m[0].context.0..m[0].context.1],
            "-----BEGIN TEST-----"
        );
    }

    #[test]
    fn column_counts_characters_not_bytes() {
        let s = scanner(TWO);
        let text = "é\u{1F600} tok_Q8fz1LmP0xVb";
        let m = s.scan(text.as_bytes(), &mut Scratch::default());
        assert_eq!(m[0].column.get(), 4);
    }

    #[test]
    fn column_counts_each_invalid_byte_once() {
        let s = scanner(TWO);
        // 0xE9 then `=`: a truncated sequence; 0xAB alone: a stray continuation byte.
        let m = s.scan(b"l\xe9=\xab tok_Q8fz1LmP0xVb", &mut Scratch::default());
        assert_eq!(m[0].column.get(), 6);
    }

    #[test]
    fn dense_hits_on_one_huge_line_stay_linear() {
        let s = scanner(TWO);
        let mut text = "tok_ ".repeat(2_000_000);
        text.push_str("tok_Q8fz1LmP0xVb");
        let t = std::time::Instant::now();
        let m = s.scan(text.as_bytes(), &mut Scratch::default());
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].column.get(), 10_000_001);
        assert!(t.elapsed().as_secs() < 10, "took {:?}", t.elapsed());
    }

    #[test]
    fn captures_stop_at_an_escaped_newline_and_the_closing_quote() {
        let s = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
        // Built at run time so that the project's self-scan does not see a literal.
        let pass = ["X~7~BnJ7", "LMvps-kiZ5"].concat();
        let text =
            format!("NETRC = \"machine git.acme.io login deploy password {pass}\\ndefault\\n\")");
        let m = s.scan(text.as_bytes(), &mut Scratch::default());
        let netrc: Vec<_> = m
            .iter()
            .filter(|m| s.rule(m).id.0 == "netrc-password")
            .collect();
        assert_eq!(netrc.len(), 1, "{text}");
        assert_eq!(netrc[0].secret(text.as_bytes()), pass.as_bytes());
    }

    /// (rule, start, end) of reported matches.
    type Spans = Vec<(usize, usize, usize)>;

    /// What `explain` calls reported, and what `scan` reports in plain content: they must be
    /// the same set.
    fn reported_both_ways(s: &Scanner, text: &str) -> (Spans, Spans) {
        let mut scratch = Scratch::default();
        let mut explained: Vec<_> = s
            .explain(text.as_bytes(), &mut scratch)
            .into_iter()
            .filter_map(|c| match c {
                Candidate::Matched {
                    rule,
                    start,
                    end,
                    verdict: Ok(()),
                } => Some((rule, start, end)),
                _ => None,
            })
            .collect();
        let mut scanned: Vec<_> = s
            .scan(text.as_bytes(), &mut scratch)
            .into_iter()
            .filter(|m| m.decoded.is_none())
            .map(|m| (m.rule, m.start, m.end))
            .collect();
        explained.sort_unstable();
        scanned.sort_unstable();
        (explained, scanned)
    }

    #[test]
    fn explain_gives_same_span_losers_the_verdict_scan_reaches() {
        let yaml = format!(
            "{TWO}  - id: short-again
    name: Short again
    keywords: [tok_]
    regex: '(?P<secret>tok_[A-Za-z0-9]{{12}})\\b'
    confidence: low
  - id: medium
    name: Medium
    keywords: [tok_]
    regex: '(?P<secret>tok_[A-Za-z0-9]{{12}})\\b'
    confidence: medium
"
        );
        let s = scanner(&yaml);
        let text = "a tok_Q8fz1LmP0xVb b tok_live_R7gy2KnQ1wUc\n";
        let (explained, scanned) = reported_both_ways(&s, text);
        assert_eq!(explained, scanned);
        let id = |r: usize| s.rules().rules()[r].id.0.as_str();
        assert_eq!(
            scanned.iter().map(|&(r, ..)| id(r)).collect::<Vec<_>>(),
            ["long", "medium"]
        );
        let losers: Vec<_> = s
            .explain(text.as_bytes(), &mut Scratch::default())
            .into_iter()
            .filter_map(|c| match c {
                Candidate::Matched {
                    rule,
                    verdict: Err(Rejection::Overlap { winner, why }),
                    ..
                } => Some((id(rule), id(winner), why)),
                _ => None,
            })
            .collect();
        assert_eq!(
            losers,
            [
                ("short", "medium", "medium confidence over low"),
                ("short-again", "medium", "medium confidence over low"),
            ]
        );
        // Two low-confidence rules alone on one span: the first one listed wins.
        let s = scanner(&yaml.replace("confidence: medium", "confidence: low"));
        let (explained, scanned) = reported_both_ways(&s, text);
        assert_eq!(explained, scanned);
        assert_eq!(s.rules().rules()[scanned[0].0].id.0, "short");
        // With the builtin rules, on every rule's own examples.
        let s = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
        for rule in s.rules().rules() {
            for ex in &rule.examples {
                let (explained, scanned) = reported_both_ways(&s, ex);
                assert_eq!(explained, scanned, "{}: {ex}", rule.id.0);
            }
        }
    }

    #[test]
    fn invalid_utf8_around_a_secret() {
        let s = scanner(TWO);
        let mut text = b"\xff\xfe junk \xc3 ".to_vec();
        text.extend_from_slice(b"tok_Q8fz1LmP0xVb \x80\n");
        let m = s.scan(&text, &mut Scratch::default());
        assert_eq!(m.len(), 1);
    }
}
