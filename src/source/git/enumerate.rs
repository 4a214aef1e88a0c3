//! Which blobs to scan, and reading them in parallel.
//!
//! [`reachable`] walks every commit reachable from the selected refs oldest first, comparing
//! each with its first parent (see [`super::attribute`]), which yields every unique blob once
//! together with each path it appears at and the commit that put it there. [`read_blobs`] reads
//! them on a rayon pool: the packed ones as their packs' delta trees, in pack order; the rest
//! through libgit2, one `Repository` per worker, in pack order when there are many (by
//! filtering `odb.foreach`, which yields packed objects by offset, through that set).

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use git2::{ObjectType, Oid, Repository, Sort};

use super::attribute::{read_commit, Introduction, TreeDiff, Walk};
use super::{
    commit_meta, find_commit, guard, join, object_skip, read_into, BlobSink, GitError, GitOptions,
    Prepared,
};
use crate::blob::CommitMeta;
use crate::progress::Progress;
use crate::source::{Skip, SkipReason};

/// Which refs a history scan starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every ref (branches, tags, remote-tracking refs, notes, stash) and `HEAD`.
    All,
    /// One ref or revision, as `git rev-parse` understands it.
    Ref(String),
}

/// The result of [`reachable`].
#[derive(Debug, Default)]
pub struct Reachable {
    /// Unique blob ids, in no particular order ([`read_blobs`] reads them in pack order).
    pub blobs: Vec<Oid>,
    /// Commits walked, oldest first.
    pub commits: Vec<Oid>,
    /// Distinct paths blobs were introduced at.
    paths: Vec<String>,
    /// For each blob met in a commit, its oldest introduction: (index into `commits`, index
    /// into `paths`).
    intro: HashMap<Oid, (u32, u32)>,
    /// Blobs also introduced at other paths: the oldest commit for each further path, oldest
    /// first. Most blobs live at one path, so most have no entry here.
    also: HashMap<Oid, Vec<(u32, u32)>>,
    /// Blobs reached only through a tag or ref pointing at a tree or blob (no commit): a
    /// display path such as `refs/tags/key` or `refs/tags/tree:dir/file`.
    pub tag_paths: HashMap<Oid, String>,
    /// Submodules, unreadable commits and trees.
    pub skips: Vec<Skip>,
}

impl Reachable {
    /// Every path `blob` was introduced at, each with the oldest commit that put it there,
    /// oldest first; empty if it was not met in a commit. The same content committed as
    /// `a.env` and `b.env` is one blob, scanned once, but two places a secret leaked.
    pub fn introductions(&self, repo: &Repository, blob: Oid) -> Vec<Introduction> {
        let Some(first) = self.intro.get(&blob) else {
            return Vec::new();
        };
        let more = self.also.get(&blob).map_or(&[][..], Vec::as_slice);
        let mut metas: HashMap<u32, CommitMeta> = HashMap::new();
        let mut out = Vec::with_capacity(1 + more.len());
        for &(c, p) in std::iter::once(first).chain(more) {
            let meta = match metas.get(&c) {
                Some(m) => m.clone(),
                None => {
                    let Some(commit) = self
                        .commits
                        .get(c as usize)
                        .and_then(|id| find_commit(repo, *id).ok())
                    else {
                        continue;
                    };
                    let m = commit_meta(&commit);
                    metas.insert(c, m.clone());
                    m
                }
            };
            if let Some(path) = self.paths.get(p as usize) {
                out.push(Introduction {
                    commit: meta,
                    order: c,
                    path: path.clone(),
                });
            }
        }
        out
    }
}

impl Reachable {
    /// For each of `paths`, every blob introduced there with the walk order of the commit that
    /// introduced it (a sharded scan reads the older versions of the files where it found
    /// something, so that each secret is still attributed to its oldest version).
    pub fn versions_at(&self, paths: &HashSet<&str>) -> HashMap<String, Vec<(u32, Oid)>> {
        let wanted: HashMap<u32, &str> = self
            .paths
            .iter()
            .enumerate()
            .filter(|(_, p)| paths.contains(p.as_str()))
            .filter_map(|(i, p)| Some((u32::try_from(i).ok()?, p.as_str())))
            .collect();
        let mut out: HashMap<String, Vec<(u32, Oid)>> = HashMap::new();
        if wanted.is_empty() {
            return out;
        }
        let firsts = self
            .intro
            .iter()
            .map(|(b, cp)| (b, std::slice::from_ref(cp)));
        let others = self.also.iter().map(|(b, v)| (b, v.as_slice()));
        for (blob, places) in firsts.chain(others) {
            for &(c, p) in places {
                if let Some(path) = wanted.get(&p) {
                    out.entry((*path).to_string()).or_default().push((c, *blob));
                }
            }
        }
        out
    }
}

/// Peels `id` through annotated tags to the first non-tag object.
fn peel_tags(repo: &Repository, mut id: Oid) -> Result<(Oid, ObjectType), git2::Error> {
    loop {
        guard::check(id)?;
        let obj = guard::watch("object", id, || repo.find_object(id, None))?;
        match obj.kind() {
            Some(ObjectType::Tag) => {
                id = obj
                    .as_tag()
                    .map(git2::Tag::target_id)
                    .ok_or_else(|| git2::Error::from_str("tag object is not a tag"))?;
            }
            Some(kind) => return Ok((id, kind)),
            None => return Err(git2::Error::from_str("unknown object type")),
        }
    }
}

/// A ref that could not be read or resolved: what only it reaches is not scanned.
fn bad_ref(name: &str, why: &str) -> Skip {
    Skip {
        path: name.to_string(),
        reason: SkipReason::BadRef,
        detail: Some(format!(
            "{name}: {why}; the history only it reaches was not scanned"
        )),
    }
}

/// Lines of `packed-refs` that are not a ref (`<id> <name>`), a peeled id (`^<id>`) or the
/// `#` header, as bad-ref skips. libgit2 drops such lines without a word: a garbage
/// `packed-refs` scanned 0 blobs and exited 0 (issue 15).
fn packed_refs_damage(path: &Path) -> Vec<Skip> {
    let Ok(bytes) = std::fs::read(path) else {
        return Vec::new();
    };
    let is_id = |s: &[u8]| s.len() == 40 && s.iter().all(u8::is_ascii_hexdigit);
    let mut bad = Vec::new();
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let ok = line.is_empty()
            || line.starts_with(b"# pack-refs")
            || line.strip_prefix(b"^").is_some_and(is_id)
            || (line.len() > 41
                && is_id(&line[..40])
                && line[40] == b' '
                && line[41..].starts_with(b"refs/"));
        if !ok {
            bad.push(n + 1);
        }
    }
    if bad.is_empty() {
        return Vec::new();
    }
    let shown: Vec<String> = bad.iter().take(5).map(usize::to_string).collect();
    vec![bad_ref(
        "packed-refs",
        &format!(
            "{} line(s) are not refs (line {}{}); the refs they held are unknown",
            bad.len(),
            shown.join(", "),
            if bad.len() > 5 { ", …" } else { "" }
        ),
    )]
}

/// The starting objects: (name, id, kind) for every selected ref; refs that cannot be listed,
/// resolved or peeled are named in `skips` (a garbage `packed-refs` must not look like an empty
/// repository).
fn roots(
    repo: &Repository,
    sel: &Selection,
    skips: &mut Vec<Skip>,
) -> Result<Vec<(String, Oid, ObjectType)>, GitError> {
    let mut out = Vec::new();
    match sel {
        Selection::Ref(spec) => {
            let obj = guard::no_panic(|| repo.revparse_single(spec)).map_err(|e| {
                GitError::BadRevision {
                    spec: spec.clone(),
                    message: format!("no such ref or revision ({})", e.message()),
                }
            })?;
            let (id, kind) = peel_tags(repo, obj.id()).map_err(GitError::git(spec.clone()))?;
            out.push((spec.clone(), id, kind));
        }
        Selection::All => {
            skips.extend(packed_refs_damage(&repo.commondir().join("packed-refs")));
            match repo.references() {
                Ok(refs) => {
                    for r in refs {
                        let r = match r {
                            Ok(r) => r,
                            Err(e) => {
                                skips.push(bad_ref("<refs>", e.message()));
                                continue;
                            }
                        };
                        let name = String::from_utf8_lossy(r.name_bytes()).into_owned();
                        let target = match r.resolve() {
                            Ok(r) => r.target(),
                            Err(e) => {
                                skips.push(bad_ref(&name, e.message()));
                                continue;
                            }
                        };
                        let Some(target) = target else {
                            skips.push(bad_ref(&name, "resolves to no object"));
                            continue;
                        };
                        match peel_tags(repo, target) {
                            Ok((id, kind)) => out.push((name, id, kind)),
                            Err(e) => skips.push(bad_ref(
                                &name,
                                &format!(
                                    "points to {target}, which cannot be read: {}",
                                    e.message()
                                ),
                            )),
                        }
                    }
                }
                Err(e) => skips.push(bad_ref(
                    "<refs>",
                    &format!("cannot list refs: {}", e.message()),
                )),
            }
            match repo.head() {
                Ok(head) => {
                    if let Some(id) = head.target() {
                        out.push(("HEAD".into(), id, ObjectType::Commit));
                    }
                }
                // A new repository or a bare mirror without its default branch: nothing lost.
                Err(e)
                    if matches!(
                        e.code(),
                        git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound
                    ) => {}
                Err(e) => skips.push(bad_ref("HEAD", e.message())),
            }
        }
    }
    Ok(out)
}

/// libgit2's sorted walk from `tips` into `commits`; `Ok(true)` when it failed and the
/// commits must be walked by hand.
fn libgit2_walk(
    repo: &Repository,
    tips: &[(String, Oid)],
    commits: &mut Vec<Oid>,
    progress: &Progress,
) -> Result<bool, GitError> {
    commits.clear();
    let mut walk = repo.revwalk().map_err(GitError::git("revwalk"))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)
        .map_err(GitError::git("revwalk"))?;
    for (_, id) in tips {
        if walk.push(*id).is_err() {
            return Ok(true);
        }
    }
    for c in &mut walk {
        match c {
            Ok(id) => {
                commits.push(id);
                progress.add(1, 0);
            }
            // A sorted revwalk reads the whole graph before yielding anything, so one
            // unreadable commit would hide every readable one: walk by hand instead, which
            // names each unreadable commit.
            Err(_) => return Ok(true),
        }
    }
    Ok(false)
}

/// Every readable commit reachable from `tips`, oldest first by commit time. An unreadable
/// commit is a [`SkipReason::CorruptCommit`] naming where it was met (a ref or its child) and
/// saying that its ancestry was not followed through it: history reachable only through it is
/// not scanned. The fallback for damaged repositories, where libgit2's sorted revwalk gives up
/// as a whole, and the only walk once a damaged loose object is known (libgit2's walk would
/// read it unguarded).
fn walk_readable(repo: &Repository, tips: &[(String, Oid)], skips: &mut Vec<Skip>) -> Vec<Oid> {
    let mut seen: HashSet<Oid> = HashSet::new();
    let mut stack: Vec<(Oid, String)> = Vec::new();
    for (name, id) in tips {
        if seen.insert(*id) {
            stack.push((*id, format!("the tip of {name}")));
        }
    }
    let mut found: Vec<(i64, Oid)> = Vec::new();
    while let Some((id, from)) = stack.pop() {
        match find_commit(repo, id) {
            Ok(c) => {
                found.push((c.time().seconds(), id));
                for p in c.parent_ids() {
                    if seen.insert(p) {
                        stack.push((p, format!("a parent of {id}")));
                    }
                }
            }
            Err(e) => skips.push(Skip {
                path: id.to_string(),
                reason: SkipReason::CorruptCommit,
                detail: Some(format!(
                    "commit {id} ({from}): {}; its ancestors were not reached through it \
                     (history reachable only through it was not scanned)",
                    e.message()
                )),
            }),
        }
    }
    found.sort_unstable();
    found.into_iter().map(|(_, id)| id).collect()
}

/// Called with each commit's id and full message (as libgit2's `git_commit_message` gives it)
/// as the walk reads the commit, once per commit, on any of the walk's threads.
pub type Messages<'a> = dyn Fn(Oid, &[u8]) + Sync + 'a;

/// The commits the tree walk goes through.
struct Commits<'a> {
    /// Oldest first.
    ids: &'a [Oid],
    /// Each one's tree and first parent, if read already (else empty).
    known: &'a [(Oid, Option<Oid>)],
    /// Those whose message went to `messages` already.
    announced: &'a HashSet<Oid>,
    messages: &'a Messages<'a>,
}

/// Every blob reachable from `sel`, with the commit and path that introduced
/// each (see [`super::attribute`] for the walk). Each commit's message goes to `messages` as
/// the commit is read, so that no one reads the commits again for them.
///
/// # Errors
/// [`GitError`] when the refs cannot be listed, a named ref does not resolve, or the walk
/// cannot start. Unreadable commits and trees are skips.
pub fn reachable(
    repo: &Repository,
    sel: &Selection,
    threads: usize,
    messages: &Messages<'_>,
    progress: &Progress,
) -> Result<Reachable, GitError> {
    progress.phase("listing commits", 0);
    let mut out = Reachable::default();
    let roots = roots(repo, sel, &mut out.skips)?;
    let mut tips: Vec<(String, Oid)> = Vec::new();
    let mut seen_tips = HashSet::new();
    for (name, id, kind) in &roots {
        if *kind == ObjectType::Commit && seen_tips.insert(*id) {
            tips.push((name.clone(), *id));
        }
    }
    let packs = super::objects::Packs::open(&repo.commondir().join("objects"));
    // With a damaged loose object known, libgit2's walk would read it unguarded: walk by hand
    // (each unreadable commit named). Parents that are not the commits' own are left to
    // libgit2's walk: a shallow clone's boundary commits (read as roots) and `info/grafts`.
    let mut by_hand = guard::any_damaged();
    // Commits whose message went to `messages` already, and each commit's tree and first
    // parent when this walk read them all.
    let mut announced: HashSet<Oid> = HashSet::new();
    let mut known: Vec<(Oid, Option<Oid>)> = Vec::new();
    if !by_hand && !super::grafted(repo) {
        let mut reader = super::objects::Reader::new(&packs, 1 << 20);
        let tip_ids: Vec<Oid> = tips.iter().map(|&(_, id)| id).collect();
        let walked = super::order::walk(&tip_ids, |id| {
            let c = read_commit(repo, &mut reader, id, true, true).ok()?;
            let (parents, time) = c.links()?;
            messages(id, c.message());
            announced.insert(id);
            progress.add(1, 0);
            Some((time, parents, c.tree()))
        });
        if let Some(walked) = walked {
            (out.commits, known) = walked;
            // Every message went out: nothing to look up.
            announced = HashSet::new();
        }
    }
    if known.is_empty() && !by_hand {
        by_hand = libgit2_walk(repo, &tips, &mut out.commits, progress)?;
    }
    if by_hand {
        let before = out.skips.len();
        out.commits = walk_readable(repo, &tips, &mut out.skips);
        if out.skips.len() == before && !guard::any_damaged() {
            // libgit2 failed where a commit-by-commit walk did not: still a loss to report.
            out.skips.push(Skip {
                path: "<revwalk>".into(),
                reason: SkipReason::CorruptCommit,
                detail: Some(
                    "libgit2's history walk failed; commits were walked one by one".into(),
                ),
            });
        }
    }
    // Each commit's comparison with its first parent is independent of the others, so commits
    // are shared out in chunks of consecutive commits (consecutive, so that the tree cache of
    // `TreeDiff` hits) and the oldest introduction of each blob is kept when merging.
    let next = AtomicUsize::new(0);
    let shared: Mutex<Vec<WalkPart>> = Mutex::new(Vec::new());
    let commits = &out.commits;
    let git_dir = repo.path();
    progress.phase("reading commits", commits.len() as u64);
    let walk = Commits {
        ids: commits,
        known: &known,
        announced: &announced,
        messages,
    };
    broadcast(threads, |_| {
        let part = walk_part(git_dir, &packs, &walk, &next, progress);
        let mut all = match shared.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        all.push(part);
    });
    let parts = match shared.into_inner() {
        Ok(p) => p,
        Err(poisoned) => poisoned.into_inner(),
    };
    // Per blob, the oldest commit for each path it was introduced at, over all threads.
    let mut places: HashMap<Oid, HashMap<String, u32>> = HashMap::new();
    let mut submodules: HashSet<Vec<u8>> = HashSet::new();
    for part in parts {
        for (blob, (index, path)) in part.intro {
            offer(places.entry(blob).or_default(), path, index);
        }
        for (blob, more) in part.also {
            let at = places.entry(blob).or_default();
            for (path, index) in more {
                offer(at, path, index);
            }
        }
        out.skips.extend(part.skips);
        for (name, target) in part.gitlinks {
            if submodules.insert(name.clone()) {
                out.skips.push(Skip {
                    path: String::from_utf8_lossy(&name).into_owned(),
                    reason: SkipReason::Submodule,
                    detail: Some(format!("gitlink to commit {target}, not followed")),
                });
            }
        }
    }
    let mut path_ids: HashMap<String, u32> = HashMap::new();
    let mut blobs = Vec::with_capacity(places.len());
    for (blob, at) in places {
        let mut at: Vec<(u32, u32)> = at
            .into_iter()
            .map(|(path, index)| {
                let p = match path_ids.get(&path) {
                    Some(&p) => p,
                    None => {
                        let p = u32::try_from(out.paths.len()).unwrap_or(u32::MAX);
                        out.paths.push(path.clone());
                        path_ids.insert(path, p);
                        p
                    }
                };
                (index, p)
            })
            .collect();
        // Oldest first; ties (one commit, two paths) by path, so the order is stable.
        at.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| out.paths[a.1 as usize].cmp(&out.paths[b.1 as usize]))
        });
        let mut at = at.into_iter();
        if let Some(first) = at.next() {
            out.intro.insert(blob, first);
            let more: Vec<_> = at.collect();
            if !more.is_empty() {
                out.also.insert(blob, more);
            }
        }
        blobs.push(blob);
    }
    let mut seen_trees = HashSet::new();
    for (name, id, kind) in &roots {
        match kind {
            ObjectType::Tree => tag_tree(repo, *id, name, &mut seen_trees, &mut out, &mut blobs),
            ObjectType::Blob if !out.intro.contains_key(id) && !out.tag_paths.contains_key(id) => {
                blobs.push(*id);
                out.tag_paths.insert(*id, name.clone());
            }
            _ => {}
        }
    }
    out.blobs = blobs;
    Ok(out)
}

/// Keeps the older of `index` and what `at` holds for `path`.
fn offer(at: &mut HashMap<String, u32>, path: String, index: u32) {
    at.entry(path)
        .and_modify(|i| *i = (*i).min(index))
        .or_insert(index);
}

/// What one walker thread found among its commits: each blob's oldest introduction, and the
/// oldest commit for each further path the blob was introduced at.
#[derive(Default)]
struct WalkPart {
    intro: HashMap<Oid, (u32, String)>,
    also: HashMap<Oid, HashMap<String, u32>>,
    gitlinks: Vec<(Vec<u8>, Oid)>,
    skips: Vec<Skip>,
}

/// Commits handed to a walker thread per grab.
const COMMIT_CHUNK: usize = 32;

fn walk_part(
    git_dir: &Path,
    packs: &super::objects::Packs,
    walk: &Commits<'_>,
    next: &AtomicUsize,
    progress: &Progress,
) -> WalkPart {
    let commits = walk.ids;
    let mut part = WalkPart::default();
    let repo = match Repository::open(git_dir) {
        Ok(r) => r,
        Err(e) => {
            part.skips.push(Skip {
                path: git_dir.display().to_string(),
                reason: SkipReason::CorruptObject,
                detail: Some(format!("cannot open: {}", e.message())),
            });
            return part;
        }
    };
    let mut diff = TreeDiff::new(&repo, packs);
    let mut seen_links: HashSet<Vec<u8>> = HashSet::new();
    loop {
        let start = next.fetch_add(COMMIT_CHUNK, Ordering::Relaxed);
        if start >= commits.len() || crate::interrupt::requested() {
            break;
        }
        let end = commits.len().min(start + COMMIT_CHUNK);
        progress.add((end - start) as u64, 0);
        for (i, &id) in commits.iter().enumerate().take(end).skip(start) {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            let read = match walk.known.get(i) {
                Some(&known) => Ok(known),
                None => diff.commit(id).map(|c| {
                    if !walk.announced.contains(&id) {
                        (walk.messages)(id, c.message());
                    }
                    (c.tree(), c.parent())
                }),
            };
            let (tree_id, parent_id) = match read {
                Ok(c) => c,
                Err(e) => {
                    part.skips.push(Skip {
                        path: id.to_string(),
                        reason: SkipReason::CorruptCommit,
                        detail: Some(format!("commit {id}: {}", e.message())),
                    });
                    continue;
                }
            };
            let Some(tree) = diff.tree(tree_id) else {
                continue;
            };
            let parent = diff.first_parent_tree(id, tree_id, parent_id);
            let (intro, also, links) = (&mut part.intro, &mut part.also, &mut part.gitlinks);
            // Chunks are taken in increasing order, so the first sighting of a blob (or of a
            // blob at a path) in this thread is its oldest.
            diff.changed_blobs(
                parent.as_ref(),
                &tree,
                "",
                &mut |path, _, new| {
                    match intro.entry(new) {
                        std::collections::hash_map::Entry::Vacant(v) => {
                            v.insert((index, path.to_string()));
                        }
                        std::collections::hash_map::Entry::Occupied(o) if o.get().1 != path => {
                            let more = also.entry(new).or_default();
                            if !more.contains_key(path) {
                                more.insert(path.to_string(), index);
                            }
                        }
                        std::collections::hash_map::Entry::Occupied(_) => {}
                    }
                    Walk::Continue
                },
                &mut |name, target| {
                    if seen_links.insert(name.to_vec()) {
                        links.push((name.to_vec(), target));
                    }
                },
            );
            diff.next_commit();
        }
    }
    part.skips.append(&mut diff.skips);
    part
}

/// Runs `work(n)` once on each of the `n` = `threads` threads (0: one per core) of a fresh
/// rayon pool, or on the calling thread (`n` = 1) if no pool can be built.
fn broadcast(threads: usize, work: impl Fn(usize) + Sync) {
    match rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("leakhound-git-{i}"))
        .build()
    {
        Ok(pool) => {
            pool.broadcast(|ctx| work(ctx.num_threads()));
        }
        Err(_) => work(1),
    }
}

/// Adds the blobs under a tree that a ref or tag points at directly, when no commit holds them.
fn tag_tree(
    repo: &Repository,
    root: Oid,
    name: &str,
    seen_trees: &mut HashSet<Oid>,
    out: &mut Reachable,
    blobs: &mut Vec<Oid>,
) {
    let mut stack = vec![(root, String::new())];
    while let Some((id, at)) = stack.pop() {
        if !seen_trees.insert(id) {
            continue;
        }
        let tree =
            match guard::check(id).and_then(|()| guard::watch("tree", id, || repo.find_tree(id))) {
                Ok(t) => t,
                Err(e) => {
                    out.skips.push(object_skip("tree", id, &e));
                    continue;
                }
            };
        for e in &tree {
            let (eid, path) = (e.id(), join(&at, e.name_bytes()));
            match e.kind() {
                Some(ObjectType::Tree) => stack.push((eid, path)),
                Some(ObjectType::Blob)
                    if !out.intro.contains_key(&eid) && !out.tag_paths.contains_key(&eid) =>
                {
                    blobs.push(eid);
                    out.tag_paths.insert(eid, format!("{name}:{path}"));
                }
                _ => {}
            }
        }
    }
}

/// Reorders `blobs` as `odb.foreach` lists objects (pack offset order: libgit2 reads packed
/// objects 6× faster so than by id); ids it does not list (missing objects) go last. Falls back
/// to the given order if the odb cannot be iterated.
fn pack_order(git_dir: &Path, blobs: Vec<Oid>) -> Vec<Oid> {
    let Ok(repo) = Repository::open(git_dir) else {
        return blobs;
    };
    let Ok(odb) = repo.odb() else { return blobs };
    let mut wanted: HashSet<Oid> = blobs.iter().copied().collect();
    let mut ordered = Vec::with_capacity(blobs.len());
    let ok = odb
        .foreach(|id| {
            if wanted.remove(id) {
                ordered.push(*id);
            }
            true
        })
        .is_ok();
    if !ok {
        return blobs;
    }
    ordered.extend(blobs.into_iter().filter(|id| wanted.contains(id)));
    ordered
}

/// Blobs left to libgit2 from which on they are read in pack order.
const ORDER_FROM: usize = 1024;

/// Ids handed to a worker per grab: large enough to keep the shared counter cold, small enough
/// to balance the tail.
const BATCH: usize = 64;

/// Reads `ids` on `opts.threads` workers (0: one per core), each with its own sink from
/// `make_sink`: first the packed ones with [`super::pack`]'s delta-tree reader (unless
/// `opts.pack_reader` is off), then the rest (loose objects, alternates, and whatever that
/// reader could not check) through libgit2, in pack order when there are many, each worker
/// with its own `Repository` opened at `git_dir`.
pub fn read_blobs<F, S>(git_dir: &Path, ids: &[Oid], opts: &GitOptions, make_sink: F)
where
    F: Fn() -> S + Sync,
    S: BlobSink,
{
    if !opts.pack_reader {
        return read_libgit2(
            git_dir,
            &pack_order(git_dir, ids.to_vec()),
            opts,
            &make_sink,
        );
    }
    let objects = match Repository::open(git_dir) {
        Ok(r) => r.commondir().join("objects"),
        Err(_) => return read_libgit2(git_dir, ids, opts, &make_sink),
    };
    let plan = super::pack::plan(&objects, ids);
    let failed: Mutex<HashSet<Oid>> = Mutex::new(HashSet::new());
    if !plan.is_empty() {
        let next = AtomicUsize::new(0);
        let queue = Queue {
            state: Mutex::new(QueueState {
                items: VecDeque::new(),
                reading: None,
            }),
            ready: Condvar::new(),
        };
        broadcast(opts.threads, |threads| {
            let mut sink = make_sink();
            queue.lock().reading.get_or_insert(threads);
            // Blobs queued beyond this many are scanned by the thread that made them.
            let limit = threads.saturating_sub(1);
            let mut lost = Vec::new();
            // Counts this thread out of the readers however reading ends (a panic too), so the
            // others never wait for it.
            let done_reading = DoneReading(&queue);
            plan.read_shared(
                &next,
                |node| {
                    let prepared = if opts.delta_hits {
                        sink.tree_node(node)
                    } else {
                        None
                    };
                    let Some(id) = node.id else { return };
                    let mut state = queue.lock();
                    state.items.push_back(Queued {
                        id,
                        bytes: Arc::clone(node.bytes),
                        prepared,
                    });
                    let mine = (state.items.len() > limit)
                        .then(|| state.items.pop_front())
                        .flatten();
                    drop(state);
                    queue.ready.notify_one();
                    if let Some(q) = mine {
                        q.deliver(opts, &mut sink);
                    }
                },
                |id| lost.push(id),
            );
            // No trees left to read: scan what the others queue until they are done too.
            drop(done_reading);
            let mut state = queue.lock();
            loop {
                if let Some(q) = state.items.pop_front() {
                    drop(state);
                    q.deliver(opts, &mut sink);
                    state = queue.lock();
                } else if state.reading == Some(0) {
                    break;
                } else {
                    state = match queue.ready.wait(state) {
                        Ok(s) => s,
                        Err(poisoned) => poisoned.into_inner(),
                    };
                }
            }
            drop(state);
            if !lost.is_empty() {
                match failed.lock() {
                    Ok(mut f) => f.extend(lost),
                    Err(poisoned) => poisoned.into_inner().extend(lost),
                }
            }
        });
    }
    let failed = match failed.into_inner() {
        Ok(f) => f,
        Err(poisoned) => poisoned.into_inner(),
    };
    // What the pack reader did not read.
    let mut rest: Vec<Oid> = if failed.is_empty() {
        plan.rest
    } else {
        let rest: HashSet<Oid> = plan.rest.into_iter().chain(failed).collect();
        ids.iter().copied().filter(|id| rest.contains(id)).collect()
    };
    // Listing every object costs about as much as reading a thousand (50 ms on the large
    // benchmark history): worth it only for many.
    if rest.len() >= ORDER_FROM {
        rest = pack_order(git_dir, rest);
    }
    if !rest.is_empty() {
        read_libgit2(git_dir, &rest, opts, &make_sink);
    }
}

/// Blobs the pack reader made, waiting for any thread to scan them: a history is often one
/// huge delta tree (76% of the bytes of the large benchmark history), which one thread reads
/// but every thread can scan (issue 15).
struct Queue {
    state: Mutex<QueueState>,
    /// Signalled when a blob is queued or a thread stops reading.
    ready: Condvar,
}

struct QueueState {
    items: VecDeque<Queued>,
    /// Threads still reading trees (`None` until the first one starts).
    reading: Option<usize>,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        match self.state.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// Counts a thread out of [`QueueState::reading`] when dropped.
struct DoneReading<'a>(&'a Queue);

impl Drop for DoneReading<'_> {
    fn drop(&mut self) {
        if let Some(n) = &mut self.0.lock().reading {
            *n = n.saturating_sub(1);
        }
        self.0.ready.notify_all();
    }
}

/// One blob made by the pack reader, with what its reading thread's sink prepared for it.
struct Queued {
    id: Oid,
    bytes: Arc<Vec<u8>>,
    prepared: Option<Prepared>,
}

impl Queued {
    fn deliver<S: BlobSink>(self, opts: &GitOptions, sink: &mut S) {
        if let Some(p) = self.prepared {
            sink.tree_blob(&self.bytes, p);
        }
        super::deliver(self.id, &self.bytes, opts, sink);
        sink.tree_node_done();
    }
}

/// Reads `ids` one by one through libgit2 and the guards ([`read_into`]).
fn read_libgit2<F, S>(git_dir: &Path, ids: &[Oid], opts: &GitOptions, make_sink: &F)
where
    F: Fn() -> S + Sync,
    S: BlobSink,
{
    let next = AtomicUsize::new(0);
    let work = || {
        let mut sink = make_sink();
        let repo = Repository::open(git_dir);
        let odb = match &repo {
            Ok(r) => r.odb(),
            Err(e) => Err(git2::Error::from_str(e.message())),
        };
        loop {
            let i = next.fetch_add(BATCH, Ordering::Relaxed);
            if i >= ids.len() || crate::interrupt::requested() {
                break;
            }
            for &id in &ids[i..ids.len().min(i + BATCH)] {
                match &odb {
                    Ok(odb) => read_into(odb, id, opts, &mut sink),
                    Err(e) => sink.skip(Skip {
                        path: id.to_string(),
                        reason: SkipReason::CorruptObject,
                        detail: Some(format!(
                            "cannot open {}: {}",
                            git_dir.display(),
                            e.message()
                        )),
                    }),
                }
            }
        }
    };
    broadcast(opts.threads, |_| work());
}
