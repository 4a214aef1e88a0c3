//! Progress on stderr, in phases ("listing commits", "scanning blobs", ...), drawn by one ticker
//! thread from counters the workers bump in batches (never per byte, never under a lock).
//!
//! A phase with a known total (blobs to scan, commits to diff) is drawn as a bar with a count,
//! bytes, throughput and an ETA; a phase without one as a spinner with a count, so a long run
//! never looks frozen. Only labels, counts and sizes are ever drawn: nothing from the scanned
//! content, so no secret can reach the terminal this way.
//!
//! [`Draw::Bar`] is for terminals (by default only when stderr is one and `CI` is unset, and only
//! for runs longer than [`SHOW_AFTER`]); [`Draw::Lines`] prints plain status lines, for logs and
//! tests (`--progress always` when stderr is not a terminal).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Delay before a bar appears when progress was not asked for explicitly: short runs stay
/// silent.
pub const SHOW_AFTER: Duration = Duration::from_secs(1);
const TICK: Duration = Duration::from_millis(100);
/// How often [`Draw::Lines`] repeats the current phase's status.
const LINE_EVERY: Duration = Duration::from_secs(2);

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Draw {
    /// Not at all (counters only).
    Hidden,
    /// A redrawn bar or spinner on a terminal; `delay` before it first appears.
    Bar {
        /// Time before the bar first appears.
        delay: Duration,
    },
    /// Plain lines: one when a phase ends, and one every few seconds while it runs.
    Lines,
}

/// Whether progress should be drawn when the user did not say: stderr is a terminal and `CI` is
/// not set.
pub fn wanted() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// How to draw for a user's choice: `Some(true)` always, `Some(false)` never, `None` automatic
/// ([`wanted`], after [`SHOW_AFTER`]). Forced progress on a terminal is a bar at once, elsewhere
/// plain lines.
pub fn draw_for(choice: Option<bool>) -> Draw {
    use std::io::IsTerminal;
    match choice {
        Some(false) => Draw::Hidden,
        Some(true) if std::io::stderr().is_terminal() => Draw::Bar {
            delay: Duration::ZERO,
        },
        Some(true) => Draw::Lines,
        None if wanted() => Draw::Bar { delay: SHOW_AFTER },
        None => Draw::Hidden,
    }
}

#[derive(Debug)]
struct Phase {
    label: &'static str,
    started: Instant,
    /// Bumped on every phase change, so the ticker notices even a phase that came and went.
    generation: u64,
}

/// Shared progress counters plus the optional ticker thread.
#[derive(Debug)]
pub struct Progress {
    draw: Draw,
    items: AtomicU64,
    bytes: AtomicU64,
    /// Items the current phase will count to; 0 when unknown.
    total: AtomicU64,
    phase: Mutex<Phase>,
    done: AtomicBool,
    ticker: Mutex<Option<JoinHandle<()>>>,
}

/// One reading of the counters, turned into a status line by [`Snapshot::describe`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snapshot {
    /// What is being done ("scanning blobs").
    pub label: &'static str,
    /// Items done in this phase.
    pub items: u64,
    /// Items this phase will count to; 0 when unknown.
    pub total: u64,
    /// Bytes read in this phase.
    pub bytes: u64,
    /// Seconds since the phase started.
    pub secs: f64,
}

impl Snapshot {
    /// `scanning blobs 1,200/28,867 · 20.0 MiB/s · ETA 46s` with a total, `scanning files 1,200
    /// · 40.1 MiB at 20.0 MiB/s` without; the parts that are not known are left out. Short
    /// enough to fit an 80-column terminal beside the bar.
    pub fn describe(&self) -> String {
        let mut s = format!("{} {}", self.label, thousands(self.items));
        if self.total > 0 {
            s.push('/');
            s.push_str(&thousands(self.total));
        }
        let secs = self.secs.max(1e-3);
        if self.bytes > 0 {
            #[expect(clippy::cast_precision_loss, reason = "display only")]
            let rate = human_bytes_f(self.bytes as f64 / secs);
            // With a total the count says how far along it is; without one, the bytes do.
            if self.total > 0 {
                s.push_str(&format!(" · {rate}/s"));
            } else {
                s.push_str(&format!(" · {} at {rate}/s", human_bytes(self.bytes)));
            }
        }
        if self.total > self.items && self.items > 0 {
            #[expect(clippy::cast_precision_loss, reason = "display only")]
            let eta = secs * (self.total - self.items) as f64 / self.items as f64;
            s.push_str(&format!(" · ETA {}", short_duration(eta)));
        }
        s
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Progress {
    /// Counters only; nothing is ever drawn.
    pub fn hidden() -> Arc<Self> {
        Self::new(Draw::Hidden, "")
    }

    /// Counters, drawn as `draw` says, starting in phase `label` with no known total.
    pub fn new(draw: Draw, label: &'static str) -> Arc<Self> {
        let p = Arc::new(Progress {
            draw,
            items: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            total: AtomicU64::new(0),
            phase: Mutex::new(Phase {
                label,
                started: Instant::now(),
                generation: 0,
            }),
            done: AtomicBool::new(false),
            ticker: Mutex::new(None),
        });
        if draw != Draw::Hidden {
            let q = Arc::clone(&p);
            let handle = std::thread::Builder::new()
                .name("progress".into())
                .spawn(move || q.tick())
                .ok();
            *lock(&p.ticker) = handle;
        }
        p
    }

    /// Starts phase `label`, which counts to `total` items (0: unknown). The counters restart
    /// from zero; in [`Draw::Lines`] the phase that ends is reported with its final counts.
    pub fn phase(&self, label: &'static str, total: u64) {
        let mut phase = lock(&self.phase);
        if self.draw == Draw::Lines && !phase.label.is_empty() {
            let ended = self.snapshot_of(&phase);
            status_line(&format!("{} · done", ended.describe()));
        }
        self.items.store(0, Ordering::Relaxed);
        self.bytes.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
        phase.label = label;
        phase.started = Instant::now();
        phase.generation += 1;
    }

    /// Records `items` more items done, totalling `bytes` (0 for items without a size, such as
    /// commits).
    pub fn add(&self, items: u64, bytes: u64) {
        self.items.fetch_add(items, Ordering::Relaxed);
        if bytes > 0 {
            self.bytes.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    /// The counters now.
    pub fn snapshot(&self) -> Snapshot {
        self.snapshot_of(&lock(&self.phase))
    }

    fn snapshot_of(&self, phase: &Phase) -> Snapshot {
        Snapshot {
            label: phase.label,
            items: self.items.load(Ordering::Relaxed),
            total: self.total.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            secs: phase.started.elapsed().as_secs_f64(),
        }
    }

    /// Stops and clears the bar (in [`Draw::Lines`]: reports the last phase's final counts).
    pub fn finish(&self) {
        if self.done.swap(true, Ordering::Relaxed) {
            return;
        }
        let handle = lock(&self.ticker).take();
        if let Some(h) = handle {
            // Wake the ticker from its sleep, so finishing costs no tick.
            h.thread().unpark();
            let _ = h.join();
        }
        if self.draw == Draw::Lines {
            let phase = lock(&self.phase);
            if !phase.label.is_empty() {
                status_line(&format!("{} · done", self.snapshot_of(&phase).describe()));
            }
        }
    }

    fn tick(&self) {
        let start = Instant::now();
        let mut bar: Option<ProgressBar> = None;
        let mut drawn_generation = u64::MAX;
        let mut last_line = Instant::now();
        while !self.done.load(Ordering::Relaxed) {
            std::thread::park_timeout(TICK);
            if self.done.load(Ordering::Relaxed) {
                break;
            }
            let (snap, generation) = {
                let phase = lock(&self.phase);
                (self.snapshot_of(&phase), phase.generation)
            };
            match self.draw {
                Draw::Hidden => return,
                Draw::Lines => {
                    if last_line.elapsed() >= LINE_EVERY && !snap.label.is_empty() {
                        status_line(&snap.describe());
                        last_line = Instant::now();
                    }
                }
                Draw::Bar { delay } => {
                    if start.elapsed() < delay {
                        continue;
                    }
                    let b = bar.get_or_insert_with(ProgressBar::new_spinner);
                    b.set_message(snap.describe());
                    if generation != drawn_generation {
                        b.set_style(style(snap.total > 0));
                        b.set_length(snap.total);
                        drawn_generation = generation;
                    }
                    b.set_position(snap.items);
                }
            }
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
    }
}

/// Writes one [`Draw::Lines`] status line to stderr. Progress is terminal output by nature, like
/// the bar indicatif draws, so it is written here rather than by the CLI; a failed write (a
/// closed stderr) is not worth failing a scan for.
fn status_line(s: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "leakhound: {s}");
}

/// A bar for phases with a total, a spinner otherwise; the message carries the counts.
fn style(with_bar: bool) -> ProgressStyle {
    let template = if with_bar {
        "{spinner} {elapsed:>3} [{bar:24}] {wide_msg}"
    } else {
        "{spinner} {elapsed:>3} {wide_msg}"
    };
    ProgressStyle::with_template(template)
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

/// `n` with thousands separators (`12,345`).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Seconds as `42s`, `3m05s` or `2h07m`.
fn short_duration(secs: f64) -> String {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "display only; clamped to a non-negative finite value"
    )]
    let s = if secs.is_finite() {
        secs.clamp(0.0, 1e9).round() as u64
    } else {
        0
    };
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, s / 60 % 60)
    }
}

/// `bytes` as a short human string (`12.3 MiB`).
pub fn human_bytes(bytes: u64) -> String {
    #[expect(clippy::cast_precision_loss, reason = "display only")]
    human_bytes_f(bytes as f64)
}

fn human_bytes_f(mut v: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{v:.0} {}", UNITS[i])
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human() {
        assert_eq!(human_bytes(12), "12 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 << 30), "3.0 GiB");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(28_867), "28,867");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(short_duration(4.4), "4s");
        assert_eq!(short_duration(185.0), "3m05s");
        assert_eq!(short_duration(7620.0), "2h07m");
        assert_eq!(short_duration(f64::NAN), "0s");
    }

    #[test]
    fn status_lines() {
        let mut s = Snapshot {
            label: "listing commits",
            items: 12_345,
            total: 0,
            bytes: 0,
            secs: 2.0,
        };
        assert_eq!(s.describe(), "listing commits 12,345");
        s = Snapshot {
            label: "scanning blobs",
            items: 1_000,
            total: 4_000,
            bytes: 20 << 20,
            secs: 2.0,
        };
        assert_eq!(
            s.describe(),
            "scanning blobs 1,000/4,000 · 10.0 MiB/s · ETA 6s"
        );
        s.items = 4_000;
        assert_eq!(s.describe(), "scanning blobs 4,000/4,000 · 10.0 MiB/s");
        s.total = 0;
        assert_eq!(
            s.describe(),
            "scanning blobs 4,000 · 20.0 MiB at 10.0 MiB/s"
        );
    }

    #[test]
    fn phases_restart_the_counters() {
        let p = Progress::hidden();
        p.phase("reading commits", 10);
        p.add(4, 0);
        assert_eq!(p.snapshot().items, 4);
        p.phase("scanning blobs", 100);
        p.add(3, 300);
        let s = p.snapshot();
        assert_eq!(
            (s.label, s.items, s.total, s.bytes),
            ("scanning blobs", 3, 100, 300)
        );
        p.finish();
        p.finish();
    }
}
