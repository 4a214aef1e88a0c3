//! Ctrl-C (SIGINT) and SIGTERM: the first one asks every worker to stop at its next file or blob
//! and lets the run write the findings found so far; a second one exits at once (status 130).
//! Workers poll [`requested`] once per file or blob, never per byte, so stopping takes at most
//! one file's scan per thread.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Exit status after an interrupt (128 + SIGINT), as shells report it.
pub const EXIT_STATUS: u8 = 130;

/// Installs the handler. Safe to call more than once; later calls do nothing.
///
/// # Errors
/// The handler could not be installed (another one already is).
pub fn install() -> Result<(), ctrlc::Error> {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    ctrlc::set_handler(|| {
        if REQUESTED.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(EXIT_STATUS));
        }
    })
}

/// Whether a stop was requested.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// Requests a stop, as the signal handler does (for tests and embedders).
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Sleeps `wait` in slices of at most 50 ms, so that a stop request ends the wait within that;
/// `false` if a stop was requested.
pub fn sleep(wait: std::time::Duration) -> bool {
    let end = std::time::Instant::now() + wait;
    loop {
        if requested() {
            return false;
        }
        let now = std::time::Instant::now();
        if now >= end {
            return true;
        }
        std::thread::sleep((end - now).min(std::time::Duration::from_millis(50)));
    }
}
