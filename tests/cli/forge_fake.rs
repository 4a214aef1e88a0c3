//! Stand-ins on 127.0.0.1 for the organisation-audit tests: a routed HTTP server that plays
//! the GitHub or GitLab API (pagination, rate limits, archived repositories and forks), and a
//! `git daemon` serving bare repositories. Both are started by the test and record what they
//! were asked.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use leakhound::providers::fake;

/// One request the fake API received.
pub use leakhound::providers::fake::Recorded as Seen;

/// An answer: status, headers, body.
pub type Answer = (u16, Vec<(String, String)>, String);

type Handler = dyn Fn(&Seen, &str) -> Answer + Send + Sync;

/// An HTTP/1.1 server on 127.0.0.1 answering every request with a handler given the request
/// and the server's own base URL.
pub struct Api {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

impl Api {
    pub fn start(handler: impl Fn(&Seen, &str) -> Answer + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (s, st) = (Arc::clone(&seen), Arc::clone(&stop));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    let (s, h) = (Arc::clone(&s), Arc::clone(&handler));
                    std::thread::spawn(move || serve(conn, &s, &*h, port));
                }
            }
        });
        Api { port, seen, stop }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(conn: TcpStream, seen: &Mutex<Vec<Seen>>, handler: &Handler, port: u16) {
    let Some(req) = fake::read_request(&conn) else {
        return;
    };
    seen.lock().unwrap().push(req.clone());
    let (status, extra, body) = handler(&req, &format!("http://127.0.0.1:{port}"));
    let headers: Vec<(String, String)> =
        std::iter::once(("Content-Type".to_string(), "application/json".to_string()))
            .chain(extra)
            .collect();
    fake::respond(conn, status, &headers, &body);
}

/// The `page` query parameter (1 when absent).
pub fn page_of(path: &str) -> usize {
    path.split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("page="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A `git daemon` exporting every repository under `base` on a free loopback port; killed on
/// drop.
pub struct Daemon {
    pub port: u16,
    child: Child,
}

impl Daemon {
    pub fn start(base: &Path) -> Self {
        // git daemon takes a fixed port: take a free one from the system, release it, and let
        // the daemon bind it (retried if another process took it in between).
        // `git daemon` runs `git-daemon` as a child: killing `git` would leave the daemon
        // running (holding whatever descriptors the test inherited). Run it directly.
        let exec_path = Command::new("git")
            .arg("--exec-path")
            .output()
            .expect("git runs (git is required by these tests)");
        let exe = Path::new(String::from_utf8_lossy(&exec_path.stdout).trim()).join("git-daemon");
        assert!(
            exe.is_file(),
            "{} not found: git daemon is required",
            exe.display()
        );
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let mut child = Command::new(&exe)
                .args([
                    "--export-all",
                    "--reuseaddr",
                    "--listen=127.0.0.1",
                    "--informative-errors",
                ])
                .arg(format!("--port={port}"))
                .arg(format!("--base-path={}", base.display()))
                .arg(base)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("git daemon starts (git is required by these tests)");
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(5) {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Daemon { port, child };
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("git daemon did not start on a loopback port");
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
