//! Progress on a terminal: files, bytes and throughput, drawn by one ticker thread from counters
//! the workers bump once per file (never per byte, never under a lock). Nothing is drawn when
//! stderr is not a terminal, when `CI` is set, or for scans that finish within a second.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Delay before a bar appears: short scans stay silent.
pub const SHOW_AFTER: Duration = Duration::from_secs(1);
const TICK: Duration = Duration::from_millis(100);

/// Shared progress counters plus the optional ticker thread.
#[derive(Debug, Default)]
pub struct Progress {
    items: AtomicU64,
    bytes: AtomicU64,
    done: AtomicBool,
    ticker: Mutex<Option<JoinHandle<()>>>,
}

/// Whether a progress bar should be drawn: stderr is a terminal and `CI` is not set.
pub fn wanted() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

impl Progress {
    /// Counters only; nothing is ever drawn.
    pub fn hidden() -> Arc<Self> {
        Arc::new(Progress::default())
    }

    /// Counters plus a ticker that draws a bar labelled `unit` (e.g. "files") after
    /// [`SHOW_AFTER`].
    pub fn shown(unit: &'static str) -> Arc<Self> {
        let p = Arc::new(Progress::default());
        let q = Arc::clone(&p);
        let handle = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || q.tick(unit))
            .ok();
        if let Ok(mut slot) = p.ticker.lock() {
            *slot = handle;
        }
        p
    }

    /// Records `items` scanned items totalling `bytes`.
    pub fn add(&self, items: u64, bytes: u64) {
        self.items.fetch_add(items, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Stops and clears the bar.
    pub fn finish(&self) {
        self.done.store(true, Ordering::Relaxed);
        let handle = self.ticker.lock().ok().and_then(|mut h| h.take());
        if let Some(h) = handle {
            let _ = h.join();
        }
    }

    fn tick(&self, unit: &'static str) {
        let start = Instant::now();
        let mut bar: Option<ProgressBar> = None;
        while !self.done.load(Ordering::Relaxed) {
            std::thread::sleep(TICK);
            if start.elapsed() < SHOW_AFTER {
                continue;
            }
            let b = bar.get_or_insert_with(|| {
                let b = ProgressBar::new_spinner();
                let style = ProgressStyle::with_template("{spinner} {elapsed} {pos} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner());
                b.set_style(style);
                b
            });
            let bytes = self.bytes.load(Ordering::Relaxed);
            let secs = start.elapsed().as_secs_f64().max(1e-3);
            b.set_position(self.items.load(Ordering::Relaxed));
            #[expect(clippy::cast_precision_loss, reason = "display only")]
            let rate = bytes as f64 / secs;
            b.set_message(format!(
                "{unit}, {} ({}/s)",
                human_bytes(bytes),
                human_bytes_f(rate)
            ));
            b.tick();
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
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
    }
}
