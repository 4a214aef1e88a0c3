//! The one HTTP client every provider goes through.
//!
//! It enforces the rules that keep a credential from going anywhere but its provider:
//! - a request goes only to a host on the provider's allowlist (or to the host the user named
//!   with `--provider-endpoint`), over TLS (rustls); plain `http://` only to loopback addresses;
//! - redirects are never followed, so a credential in a header cannot be forwarded elsewhere;
//! - every request has a timeout; responses are read up to 1 MiB;
//! - read-only requests are retried with backoff on 429, 5xx, timeouts and connection errors,
//!   honouring `Retry-After`; requests that change something (revocations) are retried only on
//!   429, which promises nothing was done, and never after a timeout;
//! - each provider has a minimum interval between requests (a simple per-provider rate limit);
//! - under `--dry-run`, requests that change something are not sent: their description is
//!   returned as [`HttpError::DryRun`].

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::http;

/// Largest response body read.
const MAX_BODY: u64 = 1 << 20;

/// HTTP methods the providers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// HEAD.
    Head,
    /// POST.
    Post,
    /// DELETE.
    Delete,
}

impl Method {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// One request. Header values and the body may hold the credential: they are never printed.
#[derive(Clone)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    /// The URL as it may be shown (the credential redacted where it is part of the URL).
    pub shown_url: String,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Option<Vec<u8>>,
    /// Whether the request changes something at the provider (a revocation). Such requests are
    /// not retried after they may have arrived, and are not sent under `--dry-run`.
    pub mutating: bool,
    /// Sent at most once, never retried (a Digest response: a retry would replay its nonce
    /// count, and the provider's refusal of the replay would read as a dead key).
    pub once: bool,
    /// Where the credential goes in it (`header Authorization`, `basic auth`, `query parameter
    /// access_token`, `body field token`, …), worked out by [`Request::locate`]; names only.
    pub credential_at: Vec<String>,
}

impl Request {
    /// What the request is, with no secret in it: method, the shown (redacted) URL, the names of
    /// the headers it carries (the credential's place among them), and the shape of its body
    /// (field names, never values). What `--dry-run` prints for a call it withholds.
    pub fn describe(&self) -> String {
        let (host, path) = host_path(&self.shown_url);
        let mut out = format!(
            "{} {} (host {host}, path {path})",
            self.method.as_str(),
            self.shown_url
        );
        if !self.credential_at.is_empty() {
            out.push_str(&format!(
                "; credential in {}",
                self.credential_at.join(" and ")
            ));
        }
        if !self.headers.is_empty() {
            let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
            out.push_str(&format!("; headers {}", names.join(", ")));
        }
        if let Some(body) = &self.body {
            out.push_str(&format!("; body {}", body_shape(&self.headers, body)));
        }
        out.push_str(if self.mutating {
            "; changes something at the provider"
        } else {
            "; read-only"
        });
        out
    }

    /// Works out where `secret` goes in the request (names of headers, query parameters and
    /// body fields; never values) and records it in [`Request::credential_at`].
    pub fn locate(&mut self, secret: &str) {
        if secret.len() < 4 {
            return;
        }
        let encoded = super::percent_encode(secret);
        let holds = |v: &str| v.contains(secret) || v.contains(&encoded);
        let mut at = Vec::new();
        for (name, value) in &self.headers {
            if holds(value) {
                at.push(format!("header {name}"));
            } else if let Some(b64) = value.strip_prefix("Basic ") {
                let decoded = crate::scan::checks::base64::decode_lenient(b64.trim().as_bytes());
                if String::from_utf8_lossy(&decoded).contains(secret) {
                    at.push(format!("basic auth ({name} header)"));
                }
            }
        }
        let (before_query, query) = match self.url.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (self.url.as_str(), None),
        };
        let path_start = before_query
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/'))
            .map_or(before_query.len(), |i| {
                before_query.find("://").unwrap_or(0) + 3 + i
            });
        if holds(&before_query[path_start..]) {
            at.push("URL path".to_string());
        }
        for pair in query.unwrap_or_default().split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if !v.is_empty() && holds(v) {
                at.push(format!("query parameter {k}"));
            }
        }
        if let Some(body) = &self.body {
            let text = String::from_utf8_lossy(body);
            let mut fields = Vec::new();
            if let Ok(serde_json::Value::Object(m)) = serde_json::from_slice(body) {
                for (k, v) in &m {
                    if v.to_string().contains(secret) {
                        fields.push(k.clone());
                    }
                }
            } else {
                for pair in text.split('&') {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    if !v.is_empty() && holds(v) {
                        fields.push(k.to_string());
                    }
                }
            }
            if !fields.is_empty() {
                at.push(format!("body field {}", fields.join(", ")));
            } else if text.contains(secret) {
                at.push("body".to_string());
            }
        }
        self.credential_at = at;
    }
}

/// The host and path (query left out) of a URL, for descriptions.
fn host_path(url: &str) -> (String, String) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split_once('?').map_or(rest, |(b, _)| b);
    match rest.find('/') {
        Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
        None => (rest.to_string(), "/".to_string()),
    }
}

/// A body's shape: JSON or form field names, or its size.
fn body_shape(headers: &[(String, String)], body: &[u8]) -> String {
    let kind = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    if kind.starts_with("application/json") {
        if let Ok(serde_json::Value::Object(m)) = serde_json::from_slice(body) {
            let keys: Vec<&str> = m.keys().map(String::as_str).collect();
            return format!("JSON with fields {{{}}}", keys.join(", "));
        }
    }
    if kind.starts_with("application/x-www-form-urlencoded") {
        let text = String::from_utf8_lossy(body);
        let keys: Vec<&str> = text
            .split('&')
            .filter_map(|kv| kv.split('=').next())
            .filter(|k| !k.is_empty())
            .collect();
        return format!("form with fields {}", keys.join(", "));
    }
    format!("{} bytes", body.len())
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method.as_str(), self.shown_url)
    }
}

/// A response: status, selected headers, and up to 1 MiB of body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// Body (truncated at 1 MiB).
    pub body: Vec<u8>,
}

impl Response {
    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why a request produced no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// No response in time. The request may have arrived.
    Timeout,
    /// No connection (DNS, refused, TLS handshake): the request was not sent.
    Connect(String),
    /// The request was refused by policy before anything was sent (host not allowed, plain
    /// HTTP to a non-loopback host, a malformed URL).
    Policy(String),
    /// `--dry-run`: a request that would change something, not sent.
    DryRun(String),
    /// Anything else after the connection was made (protocol error, reset).
    Other(String),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Timeout => f.write_str("timed out"),
            HttpError::Connect(e) => write!(f, "cannot connect: {e}"),
            HttpError::Policy(e) => write!(f, "refused: {e}"),
            HttpError::DryRun(e) => write!(f, "would call {e}"),
            HttpError::Other(e) => write!(f, "request failed: {e}"),
        }
    }
}

/// Client settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Per-request timeout.
    pub timeout: Duration,
    /// Attempts for a read-only request (the first included).
    pub attempts: u32,
    /// Longest wait honoured from a `Retry-After` header; longer asks give up instead.
    pub max_retry_wait: Duration,
    /// First backoff delay when the server gives no `Retry-After`; doubles each attempt.
    pub backoff: Duration,
    /// Don't send requests that change something.
    pub dry_run: bool,
    /// `--provider-endpoint NAME=URL` overrides.
    pub endpoints: HashMap<String, String>,
    /// When all live checks of the run must be over (`--live-deadline`): no retry wait ends
    /// past it. `None`: no deadline (tests, embedders).
    pub deadline: Option<Instant>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: Duration::from_secs(15),
            attempts: 3,
            max_retry_wait: Duration::from_secs(60),
            backoff: Duration::from_millis(500),
            dry_run: false,
            endpoints: HashMap::new(),
            deadline: None,
        }
    }
}

/// The HTTP client shared by every provider.
pub struct Client {
    agent: ureq::Agent,
    settings: Settings,
    next_slot: Mutex<HashMap<&'static str, Instant>>,
    /// Under `--dry-run`: every call, sent (read-only) or withheld, described, in order.
    calls: Mutex<Vec<String>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Whether `host` is a loopback address (the only hosts plain HTTP may reach).
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h == "localhost"
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Scheme and host of an absolute URL.
///
/// # Errors
/// [`HttpError::Policy`] when `url` is not absolute.
pub fn scheme_host(url: &str) -> Result<(String, String), HttpError> {
    let uri: http::Uri = url
        .parse()
        .map_err(|_| HttpError::Policy("malformed URL".into()))?;
    match (uri.scheme_str(), uri.host()) {
        (Some(s), Some(h)) => Ok((s.to_ascii_lowercase(), h.to_ascii_lowercase())),
        _ => Err(HttpError::Policy("URL without scheme or host".into())),
    }
}

impl Client {
    /// A client with `settings`.
    pub fn new(settings: Settings) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(settings.timeout))
            .user_agent(concat!("leakhound/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent: config.into(),
            settings,
            next_slot: Mutex::new(HashMap::new()),
            calls: Mutex::new(Vec::new()),
        }
    }

    /// Under `--dry-run`: the calls described since the last time, each `PROVIDER: sent
    /// (read-only lookup): …`, `PROVIDER: withheld: …` or `PROVIDER: not sent (…): …`. Empty
    /// otherwise.
    pub fn take_calls(&self) -> Vec<String> {
        std::mem::take(
            &mut *self
                .calls
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Under `--dry-run`: records that `req` was not sent anywhere, and `why` (no host the
    /// credential may go to).
    pub fn note_unsent(&self, provider: &str, req: &Request, why: &str) {
        if self.settings.dry_run {
            self.calls
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(format!(
                    "{provider}: not sent ({why}): {} {}",
                    req.method.as_str(),
                    host_path(&req.shown_url).1
                ));
        }
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The base URL for a provider: the user's override, else the built-in one.
    pub fn base_url<'a>(&'a self, provider: &str, builtin: &'a str) -> &'a str {
        self.settings
            .endpoints
            .get(provider)
            .map_or(builtin, String::as_str)
    }

    /// Checks that `url` may be sent to for `provider` (whose built-in hosts are `hosts`).
    ///
    /// # Errors
    /// [`HttpError::Policy`] naming what is wrong.
    pub fn check_url(&self, provider: &str, hosts: &[&str], url: &str) -> Result<(), HttpError> {
        let (scheme, host) = scheme_host(url)?;
        match scheme.as_str() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => {
                return Err(HttpError::Policy(format!(
                    "plain http to {host}: only https, or http to a loopback address"
                )))
            }
            other => return Err(HttpError::Policy(format!("scheme {other} not allowed"))),
        }
        let allowed = match self.settings.endpoints.get(provider) {
            Some(base) => scheme_host(base).is_ok_and(|(_, h)| h == host),
            None => hosts.iter().any(|h| h.eq_ignore_ascii_case(&host)),
        };
        if allowed {
            Ok(())
        } else {
            Err(HttpError::Policy(format!(
                "{host} is not a {provider} host"
            )))
        }
    }

    /// Waits for `provider`'s next request slot.
    fn pace(&self, provider: &'static str, interval: Duration) {
        if interval.is_zero() {
            return;
        }
        let wait = {
            let mut slots = self
                .next_slot
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            let slot = slots.entry(provider).or_insert(now);
            let start = (*slot).max(now);
            *slot = start + interval;
            start - now
        };
        if !wait.is_zero() {
            crate::interrupt::sleep(wait);
        }
    }

    /// Whether the run's live-check deadline has passed, or a stop was requested.
    #[must_use]
    pub fn should_stop(&self) -> bool {
        crate::interrupt::requested() || self.settings.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// Sends `req` for `provider` (allowed hosts `hosts`, at most one request per `interval`),
    /// with the retry policy described in the module documentation.
    ///
    /// # Errors
    /// An [`HttpError`] when there is no response.
    pub fn send(
        &self,
        provider: &'static str,
        hosts: &[&str],
        interval: Duration,
        req: &Request,
    ) -> Result<Response, HttpError> {
        self.check_url(provider, hosts, &req.url)?;
        if self.settings.dry_run {
            let line = if req.mutating {
                format!("withheld: {}", req.describe())
            } else {
                format!("sent (read-only lookup): {}", req.describe())
            };
            self.calls
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(format!("{provider}: {line}"));
        }
        if req.mutating && self.settings.dry_run {
            return Err(HttpError::DryRun(req.describe()));
        }
        let attempts = self.settings.attempts.max(1);
        let mut delay = self.settings.backoff;
        let mut attempt = 1;
        loop {
            self.pace(provider, interval);
            let result = self.send_once(req);
            let retry_after = match &result {
                Ok(r) if r.status == 429 || (!req.mutating && r.status >= 500) => {
                    Some(retry_after(r).unwrap_or(delay))
                }
                Err(HttpError::Timeout | HttpError::Connect(_) | HttpError::Other(_))
                    if !req.mutating =>
                {
                    Some(delay)
                }
                _ => None,
            };
            match retry_after {
                Some(wait)
                    if attempt < attempts
                        && !req.once
                        && wait <= self.settings.max_retry_wait
                        && self
                            .settings
                            .deadline
                            .is_none_or(|d| Instant::now() + wait < d) =>
                {
                    if !crate::interrupt::sleep(wait) {
                        return result;
                    }
                    attempt += 1;
                    delay *= 2;
                }
                _ => return result,
            }
        }
    }

    fn send_once(&self, req: &Request) -> Result<Response, HttpError> {
        let mut builder = http::Request::builder()
            .method(req.method.as_str())
            .uri(&req.url);
        for (k, v) in &req.headers {
            builder = builder.header(k, v);
        }
        let request = builder
            .body(req.body.clone().unwrap_or_default())
            .map_err(|e| HttpError::Policy(format!("malformed request: {e}")))?;
        let mut resp = self.agent.run(request).map_err(classify)?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(k, v)| {
                v.to_str()
                    .ok()
                    .map(|v| (k.as_str().to_ascii_lowercase(), v.to_string()))
            })
            .collect();
        let mut body = Vec::new();
        resp.body_mut()
            .as_reader()
            .take(MAX_BODY)
            .read_to_end(&mut body)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::TimedOut {
                    HttpError::Timeout
                } else {
                    HttpError::Other(format!("reading the response: {e}"))
                }
            })?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

/// `Retry-After` in seconds (the HTTP-date form is treated as absent).
fn retry_after(r: &Response) -> Option<Duration> {
    r.header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

fn classify(e: ureq::Error) -> HttpError {
    match e {
        ureq::Error::Timeout(_) => HttpError::Timeout,
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => HttpError::Timeout,
        ureq::Error::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::AddrNotAvailable
            ) =>
        {
            HttpError::Connect(io.to_string())
        }
        ureq::Error::HostNotFound => HttpError::Connect("host not found".into()),
        ureq::Error::Io(io) if io.to_string().contains("lookup address") => {
            HttpError::Connect("host not found".into())
        }
        ureq::Error::ConnectionFailed => HttpError::Connect("connection failed".into()),
        ureq::Error::Tls(e) => HttpError::Connect(format!("TLS: {e}")),
        ureq::Error::Rustls(e) => HttpError::Connect(format!("TLS: {e}")),
        ureq::Error::BadUri(u) => HttpError::Policy(format!("bad URL {u}")),
        other => HttpError::Other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::{FakeServer, Reply};

    fn client(endpoints: &[(&str, &str)]) -> Client {
        Client::new(Settings {
            endpoints: endpoints
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            ..Settings::default()
        })
    }

    #[test]
    fn only_provider_hosts_over_tls() {
        let c = client(&[]);
        let hosts = ["api.github.com"];
        assert!(c
            .check_url("github", &hosts, "https://api.github.com/user")
            .is_ok());
        assert!(c
            .check_url("github", &hosts, "https://API.GitHub.com/user")
            .is_ok());
        for bad in [
            "http://api.github.com/user",
            "https://evil.example/user",
            "https://api.github.com.evil.example/user",
            "ftp://api.github.com/",
            "/user",
        ] {
            assert!(
                matches!(
                    c.check_url("github", &hosts, bad),
                    Err(HttpError::Policy(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_endpoint_override_replaces_the_hosts_and_allows_loopback_http() {
        let c = client(&[
            ("github", "https://ghe.corp.example/api/v3"),
            ("gitlab", "http://127.0.0.1:9999"),
            ("slack", "http://10.0.0.5"),
        ]);
        assert_eq!(
            c.base_url("github", "https://api.github.com"),
            "https://ghe.corp.example/api/v3"
        );
        assert!(c
            .check_url(
                "github",
                &["api.github.com"],
                "https://ghe.corp.example/api/v3/user"
            )
            .is_ok());
        assert!(c
            .check_url("github", &["api.github.com"], "https://api.github.com/user")
            .is_err());
        assert!(c
            .check_url(
                "gitlab",
                &["gitlab.com"],
                "http://127.0.0.1:9999/api/v4/user"
            )
            .is_ok());
        assert!(c
            .check_url("slack", &["slack.com"], "http://10.0.0.5/api/auth.test")
            .is_err());
    }

    #[test]
    fn loopback_detection() {
        for h in ["127.0.0.1", "127.3.4.5", "localhost", "[::1]", "::1"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["10.0.0.1", "localhost.evil.example", "example.com", "[::2]"] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn a_withheld_call_is_described_without_values() {
        let mut req = Request {
            method: Method::Post,
            url: "https://slack.com/api/x".into(),
            shown_url: "https://slack.com/api/x".into(),
            headers: vec![
                ("Authorization".into(), "Bearer xoxb-SECRETVALUE".into()),
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
            ],
            body: Some(b"token=xoxb-SECRETVALUE&reason=leak".to_vec()),
            mutating: true,
            once: false,
            credential_at: Vec::new(),
        };
        req.locate("xoxb-SECRETVALUE");
        let d = req.describe();
        assert_eq!(
            d,
            "POST https://slack.com/api/x (host slack.com, path /api/x); credential in header \
             Authorization and body field token; headers Authorization, Content-Type; body form \
             with fields token, reason; changes something at the provider"
        );
        assert!(!d.contains("SECRETVALUE"));
        let mut json = Request {
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Some(br#"{"key":"xoxb-SECRETVALUE","n":1}"#.to_vec()),
            ..req
        };
        json.locate("xoxb-SECRETVALUE");
        assert!(json.describe().contains("credential in body field key;"));
        assert!(json.describe().contains("JSON with fields {key, n}"));
        assert!(!json.describe().contains("SECRETVALUE"));
    }

    #[test]
    fn the_credentials_place_is_named_for_basic_auth_and_the_query() {
        let secret = "sk.SECRET-VALUE";
        let mut basic = Request {
            method: Method::Get,
            url: "https://api.example/v1/me".into(),
            shown_url: "https://api.example/v1/me".into(),
            headers: vec![(
                "Authorization".into(),
                format!("Basic {}", encode_b64(&format!("api:{secret}"))),
            )],
            body: None,
            mutating: false,
            once: false,
            credential_at: Vec::new(),
        };
        basic.locate(secret);
        assert_eq!(basic.credential_at, ["basic auth (Authorization header)"]);
        assert!(basic.describe().ends_with("; read-only"));
        let mut query = Request {
            url: format!("https://api.mapbox.com/tokens/v2?access_token={secret}"),
            shown_url: "https://api.mapbox.com/tokens/v2?access_token=sk.SEC…".into(),
            headers: vec![],
            ..basic
        };
        query.locate(secret);
        assert_eq!(query.credential_at, ["query parameter access_token"]);
        assert!(query
            .describe()
            .contains("(host api.mapbox.com, path /tokens/v2)"));
        assert!(!query.describe().contains(secret));
    }

    fn encode_b64(s: &str) -> String {
        crate::scan::checks::base64::encode(s.as_bytes())
    }

    #[test]
    fn dry_run_withholds_mutating_requests_only() {
        let c = Client::new(Settings {
            dry_run: true,
            ..Settings::default()
        });
        let req = Request {
            method: Method::Delete,
            url: "https://api.github.com/x".into(),
            shown_url: "https://api.github.com/x".into(),
            headers: vec![],
            body: None,
            mutating: true,
            once: false,
            credential_at: Vec::new(),
        };
        assert_eq!(
            c.send("github", &["api.github.com"], Duration::ZERO, &req),
            Err(HttpError::DryRun(
                "DELETE https://api.github.com/x (host api.github.com, path /x); changes \
                 something at the provider"
                    .into()
            ))
        );
        assert_eq!(
            c.take_calls(),
            ["github: withheld: DELETE https://api.github.com/x (host api.github.com, path /x); \
              changes something at the provider"]
        );
    }

    fn get(url: &str) -> Request {
        Request {
            method: Method::Get,
            url: url.to_string(),
            shown_url: url.to_string(),
            headers: vec![("Authorization".into(), "Bearer t0ken".into())],
            body: None,
            mutating: false,
            once: false,
            credential_at: Vec::new(),
        }
    }

    /// Sends one request to `server` as provider `p` with `settings` (pointed at the server):
    /// a GET, or a DELETE when `mutating`.
    fn call(server: &FakeServer, settings: &Settings, mutating: bool) -> Response {
        let c = Client::new(Settings {
            endpoints: [("p".to_string(), server.url())].into(),
            ..settings.clone()
        });
        let mut req = get(&format!("{}/x", server.url()));
        if mutating {
            req.method = Method::Delete;
            req.mutating = true;
        }
        c.send("p", &[], Duration::ZERO, &req).expect("response")
    }

    #[test]
    fn retry_after_is_honoured() {
        let server = FakeServer::start(vec![
            Reply::json(429, "{}").with_header("Retry-After", "1"),
            Reply::json(200, "{}"),
        ]);
        let t = Instant::now();
        assert_eq!(call(&server, &Settings::default(), false).status, 200);
        assert!(t.elapsed() >= Duration::from_secs(1), "did not wait");
        assert_eq!(server.requests().len(), 2);
    }

    #[test]
    fn a_retry_after_longer_than_the_cap_gives_up_at_once() {
        let server = FakeServer::start(vec![
            Reply::json(429, "{}").with_header("Retry-After", "3600")
        ]);
        assert_eq!(call(&server, &Settings::default(), false).status, 429);
        assert_eq!(server.requests().len(), 1);
    }

    #[test]
    fn redirects_are_not_followed() {
        let elsewhere = FakeServer::start(vec![Reply::json(200, "{}")]);
        let server = FakeServer::start(vec![
            Reply::status(302).with_header("Location", &format!("{}/steal", elsewhere.url()))
        ]);
        assert_eq!(call(&server, &Settings::default(), false).status, 302);
        assert!(
            elsewhere.requests().is_empty(),
            "the credential followed a redirect"
        );
    }

    #[test]
    fn a_read_only_request_is_retried_after_a_timeout() {
        let server = FakeServer::start(vec![
            Reply::Hang(Duration::from_millis(800)),
            Reply::json(200, "{}"),
        ]);
        let settings = Settings {
            timeout: Duration::from_millis(300),
            backoff: Duration::from_millis(5),
            ..Settings::default()
        };
        assert_eq!(call(&server, &settings, false).status, 200);
        assert_eq!(server.requests().len(), 2);
    }

    #[test]
    fn a_mutating_request_is_not_retried_after_a_5xx() {
        let server = FakeServer::start(vec![Reply::json(503, "{}")]);
        assert_eq!(call(&server, &Settings::default(), true).status, 503);
        assert_eq!(server.requests().len(), 1);
    }

    #[test]
    fn pacing_spaces_requests() {
        let c = client(&[]);
        let t = Instant::now();
        for _ in 0..3 {
            c.pace("p", Duration::from_millis(50));
        }
        assert!(t.elapsed() >= Duration::from_millis(100));
    }
}
