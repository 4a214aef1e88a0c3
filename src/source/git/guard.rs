//! Guards around libgit2 for damaged repositories (issue 15): no panic, no hang, no crash.
//!
//! libgit2 1.9.7 (bundled by `libgit2-sys` 0.18.8, the newest release; no upgrade exists yet)
//! and its bindings fail in three ways on damaged objects, each met by the corruption tests in
//! `tests/cli/corruption.rs`:
//!
//! - **A loop.** A truncated loose object makes `git_zstream_get_output` spin forever at 100% CPU
//!   (libgit2 issue 7342, fixed upstream after 1.9.7): 11 of 30 damaged-loose-object cases hung.
//!   [`check_loose_objects`] inflates every loose commit, tree and tag once before libgit2 reads
//!   anything (libgit2 reads those on its own, in walks and tree diffs) and records the damaged
//!   ones; loose blobs, which only leakhound's own guarded reads open, are inflated by [`check`]
//!   when first read. [`check`] refuses damaged objects, so libgit2 never sees them.
//! - **A panic.** `git2`'s `Odb::read_header` and `OdbObject::kind` `unwrap` the object type
//!   libgit2 returns, which a damaged pack can make unknown. [`no_panic`] turns that panic
//!   (inside git2's Rust code, so unwinding through it is sound) into an error.
//! - **A crash.** A damaged pack index (`.idx`) can make libgit2 read out of bounds and die of a
//!   signal. [`check_pack_indexes`] verifies each index's SHA-1 trailer first (the index holds
//!   about 28 bytes per object: 2 MB for 70k objects, hashed in milliseconds).
//!
//! Anything else that makes a read never end is caught by [`watch`]: a watchdog thread ends the
//! run with exit status 2, naming the object, when one read takes longer than
//! [`read_timeout`] (60 s; a 256 MiB blob inflates in about a second).

use std::cell::Cell;
use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock};
use std::time::{Duration, Instant};

use git2::Oid;

/// Damaged loose objects found by [`check_loose_objects`], for the process: ids are content
/// hashes, so one from another repository scanned in the same process is never met by chance.
fn damaged() -> &'static Mutex<HashSet<Oid>> {
    static SET: OnceLock<Mutex<HashSet<Oid>>> = OnceLock::new();
    SET.get_or_init(|| Mutex::new(HashSet::new()))
}

/// Set once anything is damaged, so [`check`] costs one load on a healthy repository.
static ANY_DAMAGED: AtomicBool = AtomicBool::new(false);

/// Loose blobs not verified yet, with their files: [`check`] verifies each when it is first
/// read. Inflating every loose blob at open made a pre-commit run on a repository with 6,000
/// loose objects (25 MB) take 169 ms instead of 22 ms, for blobs it never reads.
fn unverified() -> &'static Mutex<std::collections::HashMap<Oid, PathBuf>> {
    static MAP: OnceLock<Mutex<std::collections::HashMap<Oid, PathBuf>>> = OnceLock::new();
    MAP.get_or_init(|| Mutex::new(std::collections::HashMap::new()))
}

/// Set once a loose blob is left for [`check`] to verify.
static ANY_UNVERIFIED: AtomicBool = AtomicBool::new(false);

/// Records `id` as damaged.
fn mark_damaged(ids: impl IntoIterator<Item = Oid>) {
    let mut set = match damaged().lock() {
        Ok(s) => s,
        Err(poisoned) => poisoned.into_inner(),
    };
    set.extend(ids);
    ANY_DAMAGED.store(true, Ordering::Relaxed);
}

/// Refuses an object [`check_loose_objects`] found damaged, before libgit2 reads it.
///
/// # Errors
/// A libgit2-style error saying the loose object is damaged.
pub fn check(id: Oid) -> Result<(), git2::Error> {
    if ANY_UNVERIFIED.load(Ordering::Relaxed) {
        let file = match unverified().lock() {
            Ok(mut m) => m.remove(&id),
            Err(poisoned) => poisoned.into_inner().remove(&id),
        };
        if let Some(file) = file {
            if loose_file_damage(&file).is_some() {
                mark_damaged([id]);
            }
        }
    }
    if !ANY_DAMAGED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let bad = match damaged().lock() {
        Ok(set) => set.contains(&id),
        Err(poisoned) => poisoned.into_inner().contains(&id),
    };
    if bad {
        Err(git2::Error::new(
            git2::ErrorCode::GenericError,
            git2::ErrorClass::Odb,
            "damaged loose object (its zlib stream is truncated or corrupt); not read",
        ))
    } else {
        Ok(())
    }
}

/// Whether any damaged loose object was recorded.
pub fn any_damaged() -> bool {
    ANY_DAMAGED.load(Ordering::Relaxed)
}

/// A loose object file that does not inflate to exactly the object its header announces, and
/// why; `None` when it is whole.
fn loose_damage(bytes: &[u8]) -> Option<String> {
    let mut z = flate2::Decompress::new(true);
    let mut out = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    let mut header: Vec<u8> = Vec::new();
    loop {
        let consumed = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
        let before = z.total_out();
        let status = match z.decompress(
            bytes.get(consumed..).unwrap_or_default(),
            &mut out,
            flate2::FlushDecompress::Finish,
        ) {
            Ok(s) => s,
            Err(e) => return Some(format!("zlib: {e}")),
        };
        let produced = usize::try_from(z.total_out() - before).unwrap_or(0);
        if header.len() < 64 {
            header.extend_from_slice(&out[..produced.min(64)]);
        }
        total += produced as u64;
        match status {
            flate2::Status::StreamEnd => break,
            _ if produced == 0 => return Some("zlib stream truncated".into()),
            _ => {}
        }
    }
    if usize::try_from(z.total_in()).ok() != Some(bytes.len()) {
        return Some("trailing bytes after the zlib stream".into());
    }
    let (_, size, nul) = match parse_header(&header) {
        Ok(h) => h,
        Err(why) => return Some(why),
    };
    match size.parse::<u64>() {
        Ok(n) if n + nul as u64 + 1 == total => None,
        _ => Some(format!(
            "header says {size} bytes, the stream holds {}",
            total.saturating_sub(nul as u64 + 1)
        )),
    }
}

/// A loose object's header, `KIND SIZE\0`, from the start of its inflated content: the kind,
/// the size as written, and where the NUL is.
fn parse_header(header: &[u8]) -> Result<(&str, &str, usize), String> {
    let Some(nul) = header.iter().position(|&b| b == 0) else {
        return Err("no object header".into());
    };
    let text = std::str::from_utf8(&header[..nul]).ok();
    let Some((kind, size)) = text.and_then(|t| t.split_once(' ')) else {
        return Err("malformed object header".into());
    };
    if !matches!(kind, "blob" | "tree" | "commit" | "tag") {
        return Err(format!("unknown object type {kind:?}"));
    }
    Ok((kind, size, nul))
}

/// Whether the loose object starting with `head` (its first compressed bytes) is a blob; `Err`
/// when even its header does not inflate. `z` is reused across objects: setting up a new
/// inflater for each cost more than the inflating.
fn starts_a_blob(z: &mut flate2::Decompress, head: &[u8]) -> Result<bool, String> {
    z.reset(true);
    let mut out = [0u8; 64];
    // A little input at a time: given all of `head`, the inflater decodes all of it (kilobytes)
    // to hand over the first 64 bytes.
    let mut fed = 0;
    while fed < head.len() && !out[..produced(z)].contains(&0) {
        fed = (fed + 32).min(head.len());
        let at = produced(z);
        let input = &head[usize::try_from(z.total_in()).unwrap_or(fed).min(fed)..fed];
        z.decompress(input, &mut out[at..], flate2::FlushDecompress::None)
            .map_err(|e| format!("zlib: {e}"))?;
        if produced(z) == out.len() {
            break;
        }
    }
    parse_header(&out[..produced(z)]).map(|(kind, _, _)| kind == "blob")
}

/// Bytes `z` has produced, at most 64 (the header buffer's size).
fn produced(z: &flate2::Decompress) -> usize {
    usize::try_from(z.total_out()).unwrap_or(usize::MAX).min(64)
}

/// [`loose_damage`] of the file at `path`, or why it cannot be read.
fn loose_file_damage(path: &Path) -> Option<String> {
    match std::fs::read(path) {
        Ok(bytes) => loose_damage(&bytes),
        Err(e) => Some(format!("cannot read: {e}")),
    }
}

/// Damaged loose objects found, per objects directory checked.
type Checked = std::collections::HashMap<PathBuf, Vec<(Oid, String)>>;

/// Inflates every loose commit, tree and tag under `objects` (the repository's `objects`
/// directory) and records those libgit2 must not read; returns each damaged one with why. Loose
/// blobs are only told apart by their header here (the first compressed bytes) and left to
/// [`check`], which verifies each when it is read.
pub fn check_loose_objects(objects: &Path) -> Vec<(Oid, String)> {
    /// Results per objects directory: a run checks before its first read (at open) and again
    /// when the scan collects its skips; the second costs nothing.
    static DONE: OnceLock<Mutex<Checked>> = OnceLock::new();
    let done = DONE.get_or_init(|| Mutex::new(std::collections::HashMap::new()));
    if let Some(found) = done.lock().ok().and_then(|d| d.get(objects).cloned()) {
        return found;
    }
    let found = inflate_loose_objects(objects);
    if let Ok(mut d) = done.lock() {
        d.insert(objects.to_path_buf(), found.clone());
    }
    found
}

fn inflate_loose_objects(objects: &Path) -> Vec<(Oid, String)> {
    let mut out = Vec::new();
    let mut blobs = Vec::new();
    let mut z = flate2::Decompress::new(true);
    let Ok(dirs) = std::fs::read_dir(objects) else {
        return out;
    };
    for d in dirs.flatten() {
        let name = d.file_name();
        let Some(prefix) = name.to_str().filter(|n| n.len() == 2) else {
            continue;
        };
        let Ok(files) = std::fs::read_dir(d.path()) else {
            continue;
        };
        for f in files.flatten() {
            let Some(rest) = f.file_name().to_str().map(str::to_string) else {
                continue;
            };
            let Ok(id) = Oid::from_str(&format!("{prefix}{rest}")) else {
                continue; // a temporary file, not an object
            };
            let path = f.path();
            match loose_head(&path).and_then(|head| starts_a_blob(&mut z, &head)) {
                Ok(true) => blobs.push((id, path)),
                Ok(false) => out.extend(loose_file_damage(&path).map(|why| (id, why))),
                Err(why) => out.push((id, why)),
            }
        }
    }
    if !blobs.is_empty() {
        match unverified().lock() {
            Ok(mut m) => m.extend(blobs),
            Err(poisoned) => poisoned.into_inner().extend(blobs),
        }
        ANY_UNVERIFIED.store(true, Ordering::Relaxed);
    }
    if !out.is_empty() {
        mark_damaged(out.iter().map(|(id, _)| *id));
    }
    out.sort_unstable();
    out
}

/// The first compressed bytes of the loose object at `path`: enough to inflate its header.
fn loose_head(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let mut head = Vec::with_capacity(512);
    std::fs::File::open(path)
        .and_then(|f| f.take(512).read_to_end(&mut head))
        .map_err(|e| format!("cannot read: {e}"))?;
    Ok(head)
}

/// Pack indexes under `objects/pack` whose SHA-1 trailer does not match their content.
pub fn check_pack_indexes(objects: &Path) -> Vec<PathBuf> {
    // Sorted by path, so the bad ones are too.
    super::pack::pack_indexes(objects)
        .into_iter()
        .filter(|path| !index_checksum_matches(path).unwrap_or(false))
        .collect()
}

/// Whether the SHA-1 of everything before the last 20 bytes of `path` is those 20 bytes,
/// hashed in 64 KiB reads (an index can be tens of MB; reading it whole would add that to the
/// peak memory of a run).
fn index_checksum_matches(path: &Path) -> std::io::Result<bool> {
    use sha1::Digest as _;
    use std::io::Read as _;
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let Some(mut body) = len.checked_sub(20) else {
        return Ok(false);
    };
    let mut hasher = sha1::Sha1::new();
    let mut buf = vec![0u8; 64 * 1024];
    while body > 0 {
        let want = usize::try_from(body.min(buf.len() as u64)).unwrap_or(buf.len());
        f.read_exact(&mut buf[..want])?;
        hasher.update(&buf[..want]);
        body -= want as u64;
    }
    let mut trailer = [0u8; 20];
    f.read_exact(&mut trailer)?;
    Ok(hasher.finalize().as_slice() == trailer)
}

thread_local! {
    /// Set while [`no_panic`] runs its closure: the panic it catches is not printed.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic inside it into an error. Only for calls into `git2` whose Rust
/// code panics on damaged input (an `unwrap` on an unknown object type): unwinding out of
/// git2's own Rust code is sound, and the repository handle is not used by it afterwards in a
/// way a half-done read could corrupt (each read is self-contained).
///
/// # Errors
/// `f`'s error, or one saying libgit2 returned something the bindings could not handle.
pub fn no_panic<T>(f: impl FnOnce() -> Result<T, git2::Error>) -> Result<T, git2::Error> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    r.unwrap_or_else(|_| {
        Err(git2::Error::new(
            git2::ErrorCode::GenericError,
            git2::ErrorClass::Odb,
            "damaged object: libgit2 returned an unknown object type",
        ))
    })
}

/// How long one object read may take before the watchdog ends the run:
/// `LEAKHOUND_READ_TIMEOUT` seconds when set (for tests), else 60.
pub fn read_timeout() -> Duration {
    static T: OnceLock<Duration> = OnceLock::new();
    *T.get_or_init(|| {
        let secs = std::env::var("LEAKHOUND_READ_TIMEOUT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60);
        Duration::from_secs(secs)
    })
}

/// One thread's read in progress: its start (milliseconds since the watchdog's epoch, plus one;
/// 0 when idle) and what it reads.
struct Slot {
    since: AtomicU64,
    what: Mutex<(&'static str, Oid)>,
}

fn slots() -> &'static Mutex<Vec<Arc<Slot>>> {
    static SLOTS: OnceLock<Mutex<Vec<Arc<Slot>>>> = OnceLock::new();
    SLOTS.get_or_init(|| Mutex::new(Vec::new()))
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

thread_local! {
    static SLOT: Arc<Slot> = {
        let slot = Arc::new(Slot { since: AtomicU64::new(0), what: Mutex::new(("object", Oid::ZERO_SHA1)) });
        match slots().lock() {
            Ok(mut v) => v.push(Arc::clone(&slot)),
            Err(poisoned) => poisoned.into_inner().push(Arc::clone(&slot)),
        }
        slot
    };
}

/// Starts the watchdog thread once: every 250 ms it looks for a read older than
/// [`read_timeout`], and if it finds one, says which object and exits with status 2. The stuck
/// thread cannot be stopped (it spins inside C code that checks no flag), and its run's results
/// cannot be trusted to complete, so ending the process is the one bounded outcome; the message
/// names the object so `git fsck` can confirm it.
fn start_watchdog() {
    static START: Once = Once::new();
    START.call_once(|| {
        let limit = read_timeout();
        let spawned = std::thread::Builder::new()
            .name("leakhound-git-watchdog".into())
            .spawn(move || loop {
                std::thread::sleep(Duration::from_millis(250));
                let now = epoch().elapsed().as_millis();
                let stuck = match slots().lock() {
                    Ok(v) => v.iter().find_map(|s| {
                        let since = u128::from(s.since.load(Ordering::Acquire));
                        (since > 0 && now + 1 - since > limit.as_millis()).then(|| {
                            s.what
                                .lock()
                                .map(|w| *w)
                                .unwrap_or(("object", Oid::ZERO_SHA1))
                        })
                    }),
                    Err(_) => None,
                };
                if let Some((kind, id)) = stuck {
                    stuck_exit(kind, id, limit);
                }
            });
        // Without a watchdog thread the reads still run; only the bound is lost.
        drop(spawned);
    });
}

#[expect(
    clippy::print_stderr,
    reason = "the watchdog ends the process from its own thread: there is no caller left to tell"
)]
fn stuck_exit(kind: &str, id: Oid, limit: Duration) -> ! {
    eprintln!(
        "leakhound: error: reading {kind} {id} did not finish in {} s: the object is damaged in a \
         way libgit2 loops on; `git fsck` confirms it. Nothing was reported: restore the object \
         (or remove what references it) and scan again.",
        limit.as_secs()
    );
    std::process::exit(2)
}

/// Runs the object read `f` of `kind` `id` under the watchdog (see [`start_watchdog`]).
pub fn watch<T>(kind: &'static str, id: Oid, f: impl FnOnce() -> T) -> T {
    start_watchdog();
    SLOT.with(|slot| {
        if let Ok(mut w) = slot.what.lock() {
            *w = (kind, id);
        }
        let ms = u64::try_from(epoch().elapsed().as_millis()).unwrap_or(u64::MAX - 1);
        slot.since.store(ms + 1, Ordering::Release);
        let r = f();
        slot.since.store(0, Ordering::Release);
        r
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut z = flate2::Compress::new(flate2::Compression::default(), true);
        let mut out = Vec::with_capacity(data.len() + 64);
        z.compress_vec(data, &mut out, flate2::FlushCompress::Finish)
            .unwrap();
        out
    }

    #[test]
    fn whole_loose_object_passes_and_damage_is_named() {
        let body = b"blob 11\0hello world";
        let z = deflate(body);
        assert_eq!(loose_damage(&z), None);
        assert!(loose_damage(&z[..z.len() / 2]).is_some(), "truncated");
        assert!(loose_damage(&z[..z.len() - 1]).is_some(), "checksum cut");
        let mut extra = z.clone();
        extra.push(0);
        assert!(loose_damage(&extra).is_some(), "trailing garbage");
        assert!(loose_damage(&deflate(b"blob 12\0hello world")).is_some());
        assert!(loose_damage(&deflate(b"bolb 11\0hello world")).is_some());
        assert!(loose_damage(b"").is_some());
    }

    #[test]
    fn blobs_are_told_apart_by_their_header() {
        let mut z = flate2::Decompress::new(true);
        let mut starts_a_blob = |head: &[u8]| starts_a_blob(&mut z, head);
        assert_eq!(starts_a_blob(&deflate(b"blob 11\0hello world")), Ok(true));
        let tree = deflate(b"tree 0\0");
        assert_eq!(starts_a_blob(&tree), Ok(false));
        // A blob cut short still starts like one: it is verified when read.
        let body: Vec<u8> = (0u32..4000)
            .map(|i| b"abcdefghij \n"[(i.wrapping_mul(2_654_435_761) >> 7) as usize % 12])
            .collect();
        let big = deflate(&[b"blob 4000\0".as_slice(), &body].concat());
        assert_eq!(starts_a_blob(&big[..big.len() / 2]), Ok(true));
        assert!(starts_a_blob(b"garbage").is_err());
    }

    #[test]
    fn a_panic_becomes_an_error() {
        let r: Result<(), git2::Error> = no_panic(|| panic!("unknown object type"));
        assert!(r.is_err());
        assert_eq!(no_panic(|| Ok(3)).unwrap(), 3);
    }
}
