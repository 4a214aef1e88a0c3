//! Keyword hits of a blob derived from its delta base's (issue 15), so that a history scan runs
//! the keyword automaton over what each version adds rather than over every version in full.
//!
//! The rest of a scan reads only the blob's bytes and the automaton's hit list (the
//! leftmost-longest, non-overlapping hits of [`Scanner`]'s automaton); given the same list it
//! reaches the same matches. So the list, not the scan, is what is derived, and it is derived
//! exactly:
//!
//! 1. **Every occurrence.** A keyword *occurrence* is a (start, keyword) where the keyword
//!    matches the bytes at start (ASCII case-insensitively). Whether one exists depends only on
//!    those `len(keyword)` bytes. [`KeywordHits`] holds every occurrence of a blob, overlapping
//!    ones included (an automaton with standard, overlapping match semantics finds them all).
//! 2. **From base to child.** A git delta makes the child from *copies* (a run of base bytes
//!    placed at a child offset) and inserted bytes. An occurrence lying wholly inside one copy
//!    has the same bytes in the base, so it is a base occurrence moved by `dst − src`; and each
//!    base occurrence wholly inside a copy's source is one in the child. Every other child
//!    occurrence touches an inserted byte or crosses a copy's edge. Let `L` be the longest
//!    keyword and a copy's *interior* be its span shrunk by `L − 1` at both ends: an
//!    occurrence (at most `L` bytes) that meets an interior lies wholly inside that copy
//!    (`s < end − L + 1` gives `s + len ≤ end`; `s + len > dst + L − 1` gives `s ≥ dst`). So
//!    every occurrence not inside a copy lies in a gap between interiors, and searching those
//!    gaps (what was inserted plus `L − 1` bytes around each copy's edges) finds them all.
//!    Moved base occurrences and the gaps' occurrences, sorted and deduplicated, are exactly
//!    the child's occurrences.
//! 3. **The hit list.** Leftmost-longest, non-overlapping search (the `aho_corasick` crate's
//!    `MatchKind::LeftmostLongest` with `find_iter`) reports, from a position `p` (0 at first),
//!    the occurrence with the smallest start `≥ p`, the longest among those, and continues from
//!    its end. [`KeywordHits::leftmost_longest`] makes that choice from the occurrences, so it
//!    yields the automaton's list. The unit tests compare both on random text with the built-in
//!    keywords and on random deltas; `tests/cli/git.rs` compares whole history scans with and
//!    without this path.
//!
//! Two more things a version's scan takes from its base: its base64 runs
//! ([`encoded::derive_raw_runs`], exact by the same kind of argument), and the rules' verdicts
//! on windows copied whole from the base ([`KeywordHits`] says why they are the same).

use std::sync::{Arc, OnceLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};

use super::{encoded, Match, Scanner};
use crate::blob::DeltaCopy;
use crate::secret::Annotations;

/// One keyword occurrence: its span and the automaton pattern (keyword) index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Occurrence {
    start: usize,
    /// Longer keywords at the same start sort first (`u32::MAX - len`).
    rank: u32,
    pattern: u32,
}

impl Occurrence {
    fn len(self) -> usize {
        (u32::MAX - self.rank) as usize
    }

    fn end(self) -> usize {
        self.start + self.len()
    }
}

/// What a blob's scan can take from its delta base: every keyword occurrence (sorted by start,
/// longest keyword first at a start), the raw base64 runs ([`encoded::derive_raw_runs`]), and
/// the verdicts of the rules on the windows its base's scan confirmed.
///
/// Verdicts are reused, not derived: a rule's verdicts on a window depend only on the
/// window's bytes (the regex runs over the window alone, and the checks read only what it
/// captures), so a window of the child lying inside one copy, confirmed by the same rule over
/// exactly the same span of the base, has the base's verdicts, moved. The base's scan
/// records them once it has run ([`KeywordHits::verdicts`]); a child scanned before that
/// (another thread took it first) confirms every window itself.
#[derive(Debug, Default)]
pub struct KeywordHits {
    occ: Vec<Occurrence>,
    b64: Vec<encoded::RawRun>,
    /// Filled by this blob's scan when versions are made from it.
    verdicts: Arc<OnceLock<Verdicts>>,
    /// Whether versions are made from this blob (its scan then records its verdicts).
    has_children: bool,
    /// The base's verdicts and the copies this blob was made with.
    base: Option<(Arc<OnceLock<Verdicts>>, Vec<DeltaCopy>)>,
}

/// Equal when what a scan reads from them is: occurrences and raw runs.
impl PartialEq for KeywordHits {
    fn eq(&self, other: &Self) -> bool {
        self.occ == other.occ && self.b64 == other.b64
    }
}

impl Eq for KeywordHits {}

/// The matches each rule confirmed in each window of one blob, positions relative to the
/// window's start.
#[derive(Debug, Default)]
pub(super) struct Verdicts {
    /// `(start, end, rule, first, count)`: the window, its rule, its matches in `found`.
    windows: Vec<(usize, usize, u32, u32, u32)>,
    found: Vec<Found>,
}

#[derive(Debug)]
struct Found {
    start: usize,
    end: usize,
    entropy: f64,
    annotations: Annotations,
}

impl Verdicts {
    /// Records rule `r`'s matches (`matches`, blob positions) in the window `s..e`.
    pub(super) fn record(&mut self, r: usize, s: usize, e: usize, matches: &[Match]) {
        let (Ok(r), Ok(first), Ok(count)) = (
            u32::try_from(r),
            u32::try_from(self.found.len()),
            u32::try_from(matches.len()),
        ) else {
            return;
        };
        self.windows.push((s, e, r, first, count));
        self.found.extend(matches.iter().map(|m| Found {
            start: m.start - s,
            end: m.end - s,
            entropy: m.entropy,
            annotations: m.annotations.clone(),
        }));
    }

    /// Sorts the windows for [`Verdicts::get`].
    pub(super) fn finish(mut self) -> Self {
        self.windows
            .sort_unstable_by_key(|&(s, e, r, ..)| (s, e, r));
        self
    }

    /// Rule `r`'s matches in the window `s..e`, placed at `at`, if that window was confirmed.
    fn get(&self, r: usize, s: usize, e: usize, at: usize, out: &mut Vec<Match>) -> bool {
        let key = (s, e, u32::try_from(r).unwrap_or(u32::MAX));
        let Ok(i) = self
            .windows
            .binary_search_by(|&(ws, we, wr, ..)| (ws, we, wr).cmp(&key))
        else {
            return false;
        };
        let (.., first, count) = self.windows[i];
        for f in &self.found[first as usize..(first + count) as usize] {
            out.push(Match::plain(
                r,
                at + f.start,
                at + f.end,
                f.entropy,
                f.annotations.clone(),
            ));
        }
        true
    }
}

/// The overlapping automaton over the same keywords as the scanner's, pattern for pattern.
#[derive(Debug)]
pub(super) struct Every {
    automaton: AhoCorasick,
    /// Longest keyword in bytes.
    longest: usize,
}

impl Every {
    pub(super) fn new(keywords: &[String]) -> Option<Every> {
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(keywords)
            .ok()?;
        let longest = keywords.iter().map(String::len).max().unwrap_or(0);
        Some(Every { automaton, longest })
    }

    /// Pushes every occurrence lying wholly inside `bytes[from..to]`.
    fn search(&self, bytes: &[u8], from: usize, to: usize, out: &mut Vec<Occurrence>) {
        let input = Input::new(bytes).range(from..to);
        for m in self.automaton.find_overlapping_iter(input) {
            out.push(Occurrence {
                start: m.start(),
                rank: u32::MAX - u32::try_from(m.len()).unwrap_or(u32::MAX),
                pattern: m.pattern().as_u32(),
            });
        }
    }
}

impl KeywordHits {
    /// How many occurrences (for tests and memory accounting).
    pub fn len(&self) -> usize {
        self.occ.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.occ.is_empty()
    }

    /// Says that versions are made from this blob, so that its scan records its verdicts.
    pub fn set_has_children(&mut self, yes: bool) {
        self.has_children = yes;
    }

    /// The raw base64 runs of the blob.
    pub(super) fn raw_runs(&self) -> &[encoded::RawRun] {
        &self.b64
    }

    /// Whether this blob's scan should record its verdicts (versions are made from it, and
    /// no scan of it has yet).
    pub(super) fn wants_verdicts(&self) -> bool {
        self.has_children && self.verdicts.get().is_none()
    }

    /// Keeps the verdicts of this blob's scan for the versions made from it.
    pub(super) fn keep_verdicts(&self, v: Verdicts) {
        let _ = self.verdicts.set(v.finish());
    }

    /// Rule `r`'s matches in the window `s..e` of this blob, pushed onto `out`, if the window
    /// lies inside one copy and the base's scan confirmed that rule on exactly its bytes there.
    pub(super) fn reuse(&self, r: usize, s: usize, e: usize, out: &mut Vec<Match>) -> bool {
        let Some((verdicts, copies)) = &self.base else {
            return false;
        };
        let Some(v) = verdicts.get() else {
            return false;
        };
        let i = copies.partition_point(|c| c.dst <= s);
        let Some(c) = i.checked_sub(1).map(|i| copies[i]) else {
            return false;
        };
        if e > c.dst + c.len {
            return false;
        }
        let from = s - c.dst + c.src;
        let reused = v.get(r, from, from + (e - s), s, out);
        #[cfg(test)]
        if reused {
            tests::REUSED.with(|n| n.set(n.get() + 1));
        }
        reused
    }

    /// The automaton's leftmost-longest, non-overlapping hits, as `(start, end, pattern)`.
    pub(super) fn leftmost_longest(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        let mut next = 0;
        self.occ.iter().filter_map(move |&o| {
            // Sorted by start, then longest first: the first occurrence at or after `next` is
            // the leftmost, and the longest there.
            if o.start < next {
                return None;
            }
            next = o.end();
            Some((o.start, o.end(), o.pattern as usize))
        })
    }
}

impl Scanner {
    /// Every keyword occurrence in `bytes` (one full pass); `None` if the overlapping automaton
    /// cannot be built (callers then scan as usual).
    pub fn keyword_hits(&self, bytes: &[u8]) -> Option<KeywordHits> {
        let every = self.every()?;
        let mut occ = Vec::new();
        every.search(bytes, 0, bytes.len(), &mut occ);
        occ.sort_unstable();
        Some(KeywordHits {
            occ,
            b64: encoded::raw_runs(bytes),
            ..KeywordHits::default()
        })
    }

    /// The keyword occurrences of `child`, made by `copies` (sorted by `dst`, not overlapping;
    /// every byte not copied was inserted) from a base whose occurrences are `base`: see the
    /// module documentation. `None` if the copies do not fit `child` or the automaton cannot
    /// be built.
    pub fn derive_keyword_hits(
        &self,
        base: &KeywordHits,
        copies: &[DeltaCopy],
        child: &[u8],
    ) -> Option<KeywordHits> {
        let every = self.every()?;
        let margin = every.longest.saturating_sub(1);
        let mut occ = Vec::with_capacity(base.occ.len() + 16);
        // Where the gaps between interiors start (the end of the last interior).
        let mut gap_from = 0;
        let mut last_end = 0;
        for c in copies {
            let end = c.dst.checked_add(c.len)?;
            if c.dst < last_end || end > child.len() {
                return None;
            }
            last_end = end;
            // Base occurrences wholly inside this copy's source, moved.
            let src_end = c.src.checked_add(c.len)?;
            let first = base.occ.partition_point(|o| o.start < c.src);
            for &o in &base.occ[first..] {
                if o.start >= src_end {
                    break;
                }
                if o.end() <= src_end {
                    occ.push(Occurrence {
                        start: o.start - c.src + c.dst,
                        ..o
                    });
                }
            }
            let (inner_from, inner_to) = (c.dst + margin, end.saturating_sub(margin));
            if inner_from < inner_to {
                if gap_from < inner_from {
                    every.search(child, gap_from, inner_from, &mut occ);
                }
                gap_from = inner_to;
            }
        }
        if gap_from < child.len() {
            every.search(child, gap_from, child.len(), &mut occ);
        }
        occ.sort_unstable();
        occ.dedup();
        Some(KeywordHits {
            occ,
            b64: encoded::derive_raw_runs(&base.b64, copies, child),
            verdicts: Arc::default(),
            has_children: false,
            base: Some((Arc::clone(&base.verdicts), copies.to_vec())),
        })
    }

    fn every(&self) -> Option<&Every> {
        self.every
            .get_or_init(|| Every::new(&self.keywords))
            .as_ref()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::scan::Scratch;
    use std::cell::Cell;

    thread_local! {
        /// Windows whose verdicts this thread took from a base's scan.
        pub(super) static REUSED: Cell<usize> = const { Cell::new(0) };
    }

    fn scanner() -> Scanner {
        Scanner::new(crate::rules::RuleSet::builtin().expect("built-in rules load"))
            .expect("scanner builds")
    }

    /// A small deterministic generator (xorshift), so failures reproduce (also the random
    /// tests of [`crate::scan::encoded`]).
    pub(crate) struct Rng(pub(crate) u64);
    impl Rng {
        pub(crate) fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        pub(crate) fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
        }
    }

    /// Text dense with keywords (pieces of the built-in ones, in mixed case) and filler.
    fn text(s: &Scanner, rng: &mut Rng, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 64);
        while out.len() < len {
            match rng.below(4) {
                0 => {
                    let kw = s.keywords[rng.below(s.keywords.len())].as_bytes();
                    // A whole keyword, or a cut one (prefixes and suffixes of keywords make the
                    // overlapping cases).
                    let (a, b) = match rng.below(3) {
                        0 => (0, kw.len()),
                        1 => (0, rng.below(kw.len()) + 1),
                        _ => (rng.below(kw.len()), kw.len()),
                    };
                    for &c in &kw[a..b] {
                        out.push(if rng.below(2) == 0 {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        });
                    }
                }
                1 => {
                    let punct = b"_-. =:\n\"'";
                    out.push(punct[rng.below(punct.len())]);
                }
                2 if rng.below(8) == 0 => {
                    // An assignment that generic rules report, so windows have matches.
                    let alnum = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
                    out.extend_from_slice(b"\napi_token = \"");
                    out.extend((0..32).map(|_| alnum[rng.below(alnum.len())]));
                    out.extend_from_slice(b"\"\n");
                }
                _ => {
                    let alnum = b"abcdefghijklmnopqrstuvwxyz0123456789";
                    out.push(alnum[rng.below(alnum.len())]);
                }
            }
        }
        out
    }

    fn automaton_hits(s: &Scanner, bytes: &[u8]) -> Vec<(usize, usize, usize)> {
        s.automaton
            .find_iter(bytes)
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .collect()
    }

    #[test]
    fn leftmost_longest_from_occurrences_is_the_automatons() {
        let s = scanner();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..200 {
            let bytes = text(&s, &mut rng, 50 + round * 20);
            let hits = s.keyword_hits(&bytes).expect("automaton builds");
            let derived: Vec<_> = hits.leftmost_longest().collect();
            assert_eq!(derived, automaton_hits(&s, &bytes), "round {round}");
        }
    }

    /// Random deltas (copies from anywhere in the base, overlapping sources, tiny and long
    /// copies, inserts of keyword pieces) over several generations: the derived occurrences
    /// equal a full pass's, and so do the scans.
    #[test]
    fn derived_hits_equal_a_full_pass_on_random_deltas() {
        let s = scanner();
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut scratch = Scratch::default();
        let reused_before = REUSED.with(Cell::get);
        let mut found = 0;
        for tree in 0..40 {
            let mut base = text(&s, &mut rng, 2_000 + tree * 100);
            let mut base_hits = s.keyword_hits(&base).unwrap();
            // Versions are made from each generation: their scans record and reuse verdicts.
            base_hits.set_has_children(true);
            s.scan_with_hits(&base, &base_hits, &mut scratch);
            for generation in 0..6 {
                let mut child = Vec::new();
                let mut copies = Vec::new();
                let target = base.len() + rng.below(400);
                while child.len() < target {
                    if rng.below(3) == 0 {
                        let n = rng.below(30) + 1;
                        child.extend(text(&s, &mut rng, n));
                    } else {
                        let len = match rng.below(3) {
                            0 => rng.below(4) + 1,
                            1 => rng.below(60) + 1,
                            _ => rng.below(800) + 1,
                        }
                        .min(base.len());
                        let src = rng.below(base.len() - len + 1);
                        copies.push(DeltaCopy {
                            dst: child.len(),
                            src,
                            len,
                        });
                        child.extend_from_slice(&base[src..src + len]);
                    }
                }
                let mut derived = s.derive_keyword_hits(&base_hits, &copies, &child).unwrap();
                derived.set_has_children(true);
                let full = s.keyword_hits(&child).unwrap();
                assert_eq!(derived, full, "tree {tree} generation {generation}");
                let scanned = s.scan(&child, &mut scratch);
                found += scanned.len();
                assert_eq!(
                    s.scan_with_hits(&child, &derived, &mut scratch),
                    scanned,
                    "tree {tree} generation {generation}"
                );
                base = child;
                base_hits = derived;
            }
        }
        // The comparison means something only if windows had matches and verdicts were reused.
        assert!(found > 100, "matches found: {found}");
        let reused = REUSED.with(Cell::get) - reused_before;
        assert!(reused > 1_000, "windows reused: {reused}");
    }

    #[test]
    fn copies_that_do_not_fit_are_refused() {
        let s = scanner();
        let base = s.keyword_hits(b"token = abc").unwrap();
        let bad = [DeltaCopy {
            dst: 0,
            src: 0,
            len: 20,
        }];
        assert_eq!(s.derive_keyword_hits(&base, &bad, b"short"), None);
        let overlapping = [
            DeltaCopy {
                dst: 0,
                src: 0,
                len: 3,
            },
            DeltaCopy {
                dst: 2,
                src: 0,
                len: 3,
            },
        ];
        assert_eq!(s.derive_keyword_hits(&base, &overlapping, b"tokto"), None);
    }
}
