//! Remote git repositories as a source: a URL is cloned bare into a cache directory, fetched
//! again on the next run, and then read like a local repository by [`super::git`].
//!
//! The system `git` does the network part: it already knows the user's credential helpers, ssh
//! agent and keys, proxies and TLS settings, which libgit2 would each need wiring for. It runs
//! with `GIT_TERMINAL_PROMPT=0` (and ssh in batch mode) so that a missing credential is an
//! error, never a prompt that hangs an unattended audit, and with `GIT_ALLOW_PROTOCOL` limited
//! to the URL's own transport.
//!
//! Credentials come from the environment and git's credential helpers. A URL may also carry
//! them (`https://user:token@host/repo.git`): they are then taken out of the URL, handed to git
//! through a one-off credential helper that reads them from its environment (so they are in no
//! command line and in no file, the cached clone's config included) and answers only for the
//! URL's own host, and every message, progress line and report shows the URL without them
//! ([`RemoteUrl::shown`]). Git's own error output is scrubbed of userinfo as well.
//!
//! Schemes (git's URL forms, <https://git-scm.com/docs/git-clone#_git_urls>): `https://`,
//! `ssh://` and the scp-like `user@host:path`, `file://`; plain `http://` and `git://` carry
//! neither encryption nor authentication of the server, so they are refused except to a
//! loopback address (tests and local mirrors).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};
use thiserror::Error;

/// Why a remote repository could not be cloned or fetched.
#[derive(Debug, Error)]
pub enum RemoteError {
    /// The URL is malformed, or its scheme is not allowed.
    #[error("{url}: {message}")]
    BadUrl {
        /// The URL as it may be shown (no credentials).
        url: String,
        /// What is wrong.
        message: String,
    },
    /// `git` could not be started.
    #[error("cannot run git to fetch {url} (is git installed and on PATH?): {message}")]
    NoGit {
        /// The URL as shown.
        url: String,
        /// The system's error.
        message: String,
    },
    /// `git clone` or `git fetch` failed.
    #[error("git {action} {url} failed: {message}")]
    Git {
        /// `clone` or `fetch`.
        action: &'static str,
        /// The URL as shown.
        url: String,
        /// Git's error output, scrubbed of credentials.
        message: String,
    },
    /// The cache directory could not be made or used.
    #[error("{}: cannot use the repository cache: {message}", path.display())]
    Cache {
        /// The directory.
        path: PathBuf,
        /// The system's error.
        message: String,
    },
}

/// The transports leakhound lets git use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `https://`.
    Https,
    /// `http://` (loopback only).
    Http,
    /// `ssh://` or scp-like `user@host:path`.
    Ssh,
    /// `git://` (loopback only).
    Git,
    /// `file://`.
    File,
}

impl Scheme {
    /// The name `GIT_ALLOW_PROTOCOL` knows it by.
    fn protocol(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
            Scheme::Ssh => "ssh",
            Scheme::Git => "git",
            Scheme::File => "file",
        }
    }
}

/// A parsed remote URL. `Debug` shows only the shown form.
#[derive(Clone)]
pub struct RemoteUrl {
    /// What git is given: the URL without a password, and for http(s) without a user name.
    fetch: String,
    /// The URL without credentials: for messages, progress, reports and the cache key.
    shown: String,
    /// The transport.
    pub scheme: Scheme,
    /// `host` or `host:port` as git's credential protocol names it (empty for `file://`).
    host: String,
    /// Credentials taken out of an http(s) URL, percent-decoded: (user name, password).
    credentials: Option<(String, String)>,
    /// The host and path, for the cache directory's name.
    place: String,
}

impl std::fmt::Debug for RemoteUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RemoteUrl({})", self.shown)
    }
}

/// Whether `host` is a loopback address (`localhost`, `127.0.0.0/8`, `::1`).
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `text` with the userinfo of every URL in it removed (`scheme://user:pw@host` →
/// `scheme://host`), for showing git's error output.
pub fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '/' || c == '\'' || c == '"')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => out.push_str(&authority[at + 1..]),
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

impl RemoteUrl {
    /// Reads `arg` as a remote URL; `Ok(None)` when it is a local path (an existing path, or
    /// text that is neither `scheme://…` nor scp-like `[user@]host:path`).
    ///
    /// # Errors
    /// [`RemoteError::BadUrl`] for a malformed URL or a scheme that is not allowed.
    pub fn parse(arg: &str) -> Result<Option<RemoteUrl>, RemoteError> {
        if arg.contains("://") {
            return Self::parse_url(arg).map(Some);
        }
        // git's rule: `host:path` is ssh when no slash comes before the first colon, unless it
        // names an existing local path.
        let Some(colon) = arg.find(':') else {
            return Ok(None);
        };
        if arg[..colon].contains('/') || colon == 0 || Path::new(arg).exists() {
            return Ok(None);
        }
        let (userhost, path) = arg.split_at(colon);
        let path = &path[1..];
        if path.starts_with(':') {
            // `transport::address` asks git for a remote helper (`ext::` runs a command).
            return Err(RemoteError::BadUrl {
                url: userhost.to_string(),
                message: "git remote-helper URLs (`transport::address`) are not supported".into(),
            });
        }
        let (user, host) = match userhost.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, userhost),
        };
        let bad = |message: &str| RemoteError::BadUrl {
            url: scrub(&format!("ssh://{host}/{path}")),
            message: message.to_string(),
        };
        if host.is_empty() || path.is_empty() {
            return Err(bad("expected [user@]host:path"));
        }
        if host.starts_with('-') || user.is_some_and(|u| u.starts_with('-')) {
            return Err(bad("a host or user name may not start with '-'"));
        }
        if user.is_some_and(|u| u.contains(':')) {
            return Err(bad(
                "a password in an ssh URL is not supported: use an ssh key or agent",
            ));
        }
        let shown = match user {
            // The ssh login name (`git@`) is not a secret, and git needs it.
            Some(u) => format!("{u}@{host}:{path}"),
            None => format!("{host}:{path}"),
        };
        Ok(Some(RemoteUrl {
            fetch: shown.clone(),
            shown,
            scheme: Scheme::Ssh,
            host: host.to_string(),
            credentials: None,
            place: format!("{host}/{path}"),
        }))
    }

    fn parse_url(arg: &str) -> Result<RemoteUrl, RemoteError> {
        let bad = |message: String| RemoteError::BadUrl {
            url: scrub(arg),
            message,
        };
        let mut url = url::Url::parse(arg).map_err(|e| bad(format!("not a valid URL ({e})")))?;
        let host = url.host_str().unwrap_or_default().to_string();
        let scheme = match url.scheme() {
            "https" => Scheme::Https,
            "ssh" | "git+ssh" | "ssh+git" => Scheme::Ssh,
            "file" => Scheme::File,
            "http" if is_loopback(&host) => Scheme::Http,
            "git" if is_loopback(&host) => Scheme::Git,
            s @ ("http" | "git") => {
                return Err(bad(format!(
                    "plain {s}:// is neither encrypted nor authenticated: use https:// or ssh:// \
                     ({s}:// is allowed only to a loopback address)"
                )))
            }
            s => {
                return Err(bad(format!(
                "scheme {s}:// is not supported: use https://, ssh://, user@host:path or file://"
            )))
            }
        };
        if scheme != Scheme::File && host.is_empty() {
            return Err(bad("the URL names no host".into()));
        }
        let decode = |s: &str| {
            percent_decode(s).ok_or_else(|| bad("user name or password is not UTF-8".into()))
        };
        let user = decode(url.username())?;
        let password = url.password().map(decode).transpose()?;
        let mut credentials = None;
        let mut fetch_url = url.clone();
        match scheme {
            Scheme::Https | Scheme::Http if !user.is_empty() || password.is_some() => {
                credentials = Some((user.clone(), password.clone().unwrap_or_default()));
                let _ = fetch_url.set_username("");
                let _ = fetch_url.set_password(None);
            }
            Scheme::Ssh if password.is_some() => {
                return Err(bad(
                    "a password in an ssh URL is not supported: use an ssh key or agent".into(),
                ));
            }
            // git:// and file:// have no authentication: drop what was given.
            Scheme::Git | Scheme::File => {
                let _ = fetch_url.set_username("");
                let _ = fetch_url.set_password(None);
            }
            _ => {}
        }
        // Shown without any userinfo except an ssh login name.
        if scheme != Scheme::Ssh {
            let _ = url.set_username("");
        }
        let _ = url.set_password(None);
        let hostport = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        Ok(RemoteUrl {
            fetch: fetch_url.to_string(),
            shown: url.to_string(),
            scheme,
            place: format!(
                "{}{}",
                if host.is_empty() { "local" } else { &hostport },
                url.path()
            ),
            host: hostport,
            credentials,
        })
    }

    /// The URL without credentials.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Where the bare clone of this URL lives under `cache`: a readable name from the host and
    /// path, and a hash of the whole URL so that two URLs never share a directory.
    pub fn cache_dir(&self, cache: &Path) -> PathBuf {
        let mut name = file_name_safe(self.place.trim_matches('/').trim_end_matches(".git"));
        name = name.trim_start_matches('.').to_string();
        name.truncate(100);
        let digest = Sha256::digest(self.shown.as_bytes());
        let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        cache.join(format!("{name}-{hex}.git"))
    }
}

/// `s` with every character but ASCII letters, digits, `.` and `-` made `_`: a name for a file
/// in the cache directory.
pub fn file_name_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Percent-decodes `s` (URL userinfo); `None` if the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let hex = |c: u8| char::from(c).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The default cache directory: `$XDG_CACHE_HOME/leakhound/repos`, else
/// `$HOME/.cache/leakhound/repos`.
///
/// # Errors
/// Neither variable is set.
pub fn default_cache_dir() -> Result<PathBuf, RemoteError> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })
        .ok_or_else(|| RemoteError::Cache {
            path: PathBuf::from("$XDG_CACHE_HOME"),
            message: "neither XDG_CACHE_HOME nor HOME is set: give --cache-dir".into(),
        })?;
    Ok(base.join("leakhound").join("repos"))
}

/// What [`sync`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synced {
    /// A new bare clone.
    Cloned,
    /// The cached clone was fetched.
    Fetched,
}

impl Synced {
    /// `cloned` or `fetched`, for progress lines.
    pub fn as_str(self) -> &'static str {
        match self {
            Synced::Cloned => "cloned",
            Synced::Fetched => "fetched",
        }
    }
}

/// A lock on one cached clone, held through the lock file beside it (`NAME.git.lock`, an
/// advisory `flock` through [`std::fs::File::lock`]); released when dropped (or when the
/// process ends, however it ends). Exclusive while a run clones or fetches, shared while runs
/// read the clone: two runs (two `leakhound git URL`, or audits sharing a cache) never fetch
/// into one clone at once, and none fetches (pruning refs, perhaps repacking) under another's
/// scan. The lock file is left in place: removing it would let two runs lock two different
/// files of one name.
#[derive(Debug)]
pub struct CacheLock {
    _file: std::fs::File,
}

/// The lock file of the clone at `dir`.
pub fn lock_path(dir: &Path) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    dir.with_file_name(name)
}

/// How often a waiting run tries the lock again (and looks for Ctrl-C).
const LOCK_POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// Takes the lock on the clone at `dir`, exclusive or shared; when another run holds it,
/// calls `on_wait` once with the lock file and waits (polling, so that Ctrl-C still ends the
/// wait).
fn lock(
    dir: &Path,
    exclusive: bool,
    on_wait: &mut dyn FnMut(&Path),
) -> Result<CacheLock, RemoteError> {
    let path = lock_path(dir);
    let err = |message: String| RemoteError::Cache {
        path: path.clone(),
        message,
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts
        .open(&path)
        .map_err(|e| err(format!("cannot open the lock file: {e}")))?;
    let mut told = false;
    loop {
        let tried = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match tried {
            Ok(()) => return Ok(CacheLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                if !told {
                    on_wait(&path);
                    told = true;
                }
                if crate::interrupt::requested() {
                    return Err(err(
                        "interrupted while waiting for another run's lock on the clone".into(),
                    ));
                }
                std::thread::sleep(LOCK_POLL);
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(err(format!("cannot lock the clone: {e}")))
            }
        }
    }
}

/// Brings the bare clone of `url` under `cache` up to date (clones it the first time, fetches
/// every branch and tag after that, pruning refs the remote no longer has) under an exclusive
/// [`CacheLock`], then returns its directory with a shared lock to hold while reading it.
/// `on_wait` is told the lock file when another run holds the lock and this one waits.
///
/// # Errors
/// [`RemoteError`] naming the URL without credentials.
pub fn sync(
    url: &RemoteUrl,
    cache: &Path,
    on_wait: &mut dyn FnMut(&Path),
) -> Result<(PathBuf, Synced, CacheLock), RemoteError> {
    let dir = url.cache_dir(cache);
    let cache_err = |path: &Path, e: std::io::Error| RemoteError::Cache {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(cache).map_err(|e| cache_err(cache, e))?;
    let exclusive = lock(&dir, true, on_wait)?;
    let synced = update(url, &dir, cache_err)?;
    // Let go, then wait as a reader: a run that was waiting to fetch may go first (this run
    // then reads what it fetched); `flock` gives no atomic downgrade to rely on.
    drop(exclusive);
    let shared = lock(&dir, false, on_wait)?;
    Ok((dir, synced, shared))
}

/// Clones or fetches `url` into `dir`; the caller holds the exclusive lock.
fn update(
    url: &RemoteUrl,
    dir: &Path,
    cache_err: impl Fn(&Path, std::io::Error) -> RemoteError,
) -> Result<Synced, RemoteError> {
    if dir.join("HEAD").is_file() && dir.join("objects").is_dir() {
        let mut cmd = git_command(url);
        cmd.arg("-C").arg(dir).args([
            "fetch",
            "--quiet",
            "--prune",
            "--no-write-fetch-head",
            "--",
            &url.fetch,
            "+refs/heads/*:refs/heads/*",
            "+refs/tags/*:refs/tags/*",
        ]);
        run(&mut cmd, url, "fetch")?;
        return Ok(Synced::Fetched);
    }
    // Cloned beside its final place and renamed into it: an interrupted clone never looks
    // like a cached repository.
    let tmp = dir.with_extension(format!("tmp-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| cache_err(&tmp, e))?;
    }
    let mut cmd = git_command(url);
    cmd.args(["clone", "--bare", "--quiet", "--", &url.fetch])
        .arg(&tmp);
    if let Err(e) = run(&mut cmd, url, "clone") {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if dir.exists() {
        // Left over from an older, damaged clone.
        std::fs::remove_dir_all(dir).map_err(|e| cache_err(dir, e))?;
    }
    std::fs::rename(&tmp, dir).map_err(|e| cache_err(dir, e))?;
    Ok(Synced::Cloned)
}

/// `git` with the environment every clone and fetch runs in.
fn git_command(url: &RemoteUrl) -> Command {
    let mut cmd = Command::new("git");
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ALLOW_PROTOCOL", url.scheme.protocol())
        // Stalled transfers end instead of hanging an unattended audit.
        .args([
            "-c",
            "http.lowSpeedLimit=1000",
            "-c",
            "http.lowSpeedTime=60",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if url.scheme == Scheme::Ssh
        && std::env::var_os("GIT_SSH_COMMAND").is_none()
        && std::env::var_os("GIT_SSH").is_none()
    {
        cmd.env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
    }
    if let Some((user, password)) = &url.credentials {
        // A helper that answers `get` for this host only, from its environment. The empty
        // `credential.helper` first resets the user's helpers for this call; redirects are not
        // followed, so the credentials cannot be sent to another host.
        const HELPER: &str = "!f() { test \"$1\" = get || exit 0; h=; \
            while IFS= read -r l && [ -n \"$l\" ]; do case \"$l\" in host=*) h=\"${l#host=}\";; esac; done; \
            [ \"$h\" = \"$LEAKHOUND_GIT_HOST\" ] || exit 0; \
            printf 'username=%s\\npassword=%s\\n' \"$LEAKHOUND_GIT_USERNAME\" \"$LEAKHOUND_GIT_PASSWORD\"; }; f";
        cmd.args(["-c", "credential.helper=", "-c"])
            .arg(format!("credential.helper={HELPER}"))
            .args(["-c", "http.followRedirects=false"])
            .env("LEAKHOUND_GIT_HOST", &url.host)
            .env("LEAKHOUND_GIT_USERNAME", user)
            .env("LEAKHOUND_GIT_PASSWORD", password);
    }
    cmd
}

fn run(cmd: &mut Command, url: &RemoteUrl, action: &'static str) -> Result<(), RemoteError> {
    let out = cmd.output().map_err(|e| RemoteError::NoGit {
        url: url.shown.clone(),
        message: e.to_string(),
    })?;
    if out.status.success() {
        return Ok(());
    }
    let mut text = scrub(&String::from_utf8_lossy(&out.stderr));
    if let Some((user, password)) = &url.credentials {
        for s in [user, password] {
            if s.len() >= 4 {
                text = text.replace(s.as_str(), "…");
            }
        }
    }
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(5)..].join("; ");
    Err(RemoteError::Git {
        action,
        url: url.shown.clone(),
        message: if tail.is_empty() {
            format!("git exited with {}", out.status)
        } else {
            crate::printable::escape(&tail).into_owned()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_are_not_urls() {
        for p in [".", "repo", "/tmp/x", "./a:b", "dir/with:colon"] {
            assert!(RemoteUrl::parse(p).unwrap().is_none(), "{p}");
        }
    }

    #[test]
    fn credentials_leave_the_url() {
        let u = RemoteUrl::parse("https://bob:s3cr3t-pw@example.com/org/repo.git")
            .unwrap()
            .unwrap();
        assert_eq!(u.shown(), "https://example.com/org/repo.git");
        assert_eq!(u.fetch, "https://example.com/org/repo.git");
        assert_eq!(
            u.credentials,
            Some(("bob".to_string(), "s3cr3t-pw".to_string()))
        );
        assert!(!format!("{u:?}").contains("s3cr3t"));
        let t = RemoteUrl::parse("https://tok%40en@example.com:8443/r")
            .unwrap()
            .unwrap();
        assert_eq!(t.credentials, Some(("tok@en".to_string(), String::new())));
        assert_eq!(t.host, "example.com:8443");
    }

    #[test]
    fn schemes() {
        let ssh = RemoteUrl::parse("git@github.com:org/repo.git")
            .unwrap()
            .unwrap();
        assert_eq!(ssh.scheme, Scheme::Ssh);
        assert_eq!(ssh.shown(), "git@github.com:org/repo.git");
        assert!(RemoteUrl::parse("http://example.com/r.git").is_err());
        assert!(RemoteUrl::parse("git://example.com/r.git").is_err());
        assert!(RemoteUrl::parse("ext::sh -c touch% /tmp/pwned").is_err());
        assert!(RemoteUrl::parse("ext://x").is_err());
        assert!(RemoteUrl::parse("-oProxyCommand=x:y").is_err());
        assert_eq!(
            RemoteUrl::parse("http://127.0.0.1:9/r.git")
                .unwrap()
                .unwrap()
                .scheme,
            Scheme::Http
        );
        assert_eq!(
            RemoteUrl::parse("git://localhost/r.git")
                .unwrap()
                .unwrap()
                .scheme,
            Scheme::Git
        );
        let f = RemoteUrl::parse("file:///srv/git/r.git").unwrap().unwrap();
        assert_eq!(f.scheme, Scheme::File);
        assert!(f
            .cache_dir(Path::new("/c"))
            .to_string_lossy()
            .starts_with("/c/local_srv_git_r-"));
    }

    #[test]
    fn scrubs_userinfo() {
        assert_eq!(
            scrub("fatal: unable to access 'https://u:p@h.example/x/': 403"),
            "fatal: unable to access 'https://h.example/x/': 403"
        );
        assert_eq!(scrub("no url here"), "no url here");
    }
}
