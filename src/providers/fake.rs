//! A fake provider for tests: an HTTP/1.1 server on 127.0.0.1 that records every request and
//! answers from a script. Used by the providers' unit tests and the end-to-end tests, so no
//! test touches the network.

#![doc(hidden)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

/// A recorded request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// Method.
    pub method: String,
    /// Path with query.
    pub path: String,
    /// Headers (names lowercased).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Recorded {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON (`Null` if it is not JSON).
    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answer with a status, headers and a body.
    Respond {
        /// Status.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// Body.
        body: String,
    },
    /// Read the request, then say nothing for this long (for timeouts).
    Hang(Duration),
}

impl Reply {
    /// `status` with a JSON (or any) body.
    pub fn json(status: u16, body: &str) -> Self {
        Reply::Respond {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string(),
        }
    }

    /// `status` with an empty body.
    pub fn status(status: u16) -> Self {
        Reply::Respond {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let Reply::Respond { headers, .. } = &mut self {
            headers.push((name.to_string(), value.to_string()));
        }
        self
    }
}

struct State {
    script: VecDeque<Reply>,
    last: Option<Reply>,
    requests: Vec<Recorded>,
}

/// The server. Replies are used in order; the last one repeats.
pub struct FakeServer {
    port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl FakeServer {
    /// Starts a server answering with `script`.
    ///
    /// # Panics
    /// If no loopback port can be bound (a broken test machine).
    pub fn start(script: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local addr").port();
        let state = Arc::new(Mutex::new(State {
            script: script.into(),
            last: None,
            requests: Vec::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (Arc::clone(&state), Arc::clone(&stop));
        thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    let st = Arc::clone(&st);
                    thread::spawn(move || serve(conn, &st));
                }
            }
        });
        FakeServer { port, state, stop }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .requests
            .clone()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Reads one HTTP/1.1 request from `conn` (a body of up to 1 MiB, by `Content-Length`):
/// `None` when the connection ends before a whole request.
pub fn read_request(conn: &TcpStream) -> Option<Recorded> {
    let mut reader = BufReader::new(conn.try_clone().ok()?);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len.min(1 << 20)];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded {
        method,
        path,
        headers,
        body,
    })
}

/// Answers on `conn` with `status`, `headers` and `body`, then the connection closes.
pub fn respond(mut conn: TcpStream, status: u16, headers: &[(String, String)], body: &str) {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body.as_bytes());
}

fn serve(conn: TcpStream, state: &Mutex<State>) {
    let Some(request) = read_request(&conn) else {
        return;
    };
    let reply = {
        let mut st = state.lock().unwrap_or_else(PoisonError::into_inner);
        st.requests.push(request);
        let next = st.script.pop_front().or_else(|| st.last.clone());
        st.last.clone_from(&next);
        next
    };
    match reply {
        Some(Reply::Respond {
            status,
            headers,
            body,
        }) => respond(conn, status, &headers, &body),
        Some(Reply::Hang(d)) => thread::sleep(d),
        None => respond(conn, 599, &[], ""),
    }
}

/// Shared checks for providers' unit tests.
#[cfg(test)]
pub mod battery {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use super::{FakeServer, Recorded, Reply};
    use crate::providers::http::{Client, Settings};
    use crate::providers::{Api, Credential, Outcome, Provider, Revocation, Status, Verdict};

    /// A client pointed at `server` for `provider`, with short timeouts.
    pub fn client(provider: &str, server: &FakeServer, dry_run: bool) -> Client {
        client_with(provider, server, dry_run, 3)
    }

    /// [`client`] with `attempts` tries per read-only request.
    pub fn client_with(
        provider: &str,
        server: &FakeServer,
        dry_run: bool,
        attempts: u32,
    ) -> Client {
        Client::new(Settings {
            timeout: Duration::from_millis(400),
            attempts,
            max_retry_wait: Duration::from_secs(2),
            backoff: Duration::from_millis(5),
            dry_run,
            endpoints: [(provider.to_string(), server.url())].into(),
            deadline: None,
        })
    }

    /// What a provider's verification test declares (`C`, the request check, is a closure
    /// where the check depends on data, as for the declarative providers' table).
    pub struct VerifySpec<C: Fn(&Recorded) = fn(&Recorded)> {
        /// The provider.
        pub provider: &'static dyn Provider,
        /// Rule id of the credential.
        pub rule: &'static str,
        /// The credential.
        pub secret: &'static str,
        /// Annotations of the finding.
        pub annotations: Vec<(&'static str, &'static str)>,
        /// A live credential's answer.
        pub live: Reply,
        /// Who it belongs to, as the provider says in `live`.
        pub identity: Option<&'static str>,
        /// An invalid credential's answer (the provider's documented one).
        pub invalid: Reply,
        /// Asserts the request is the documented one.
        pub check: C,
        /// Expected status for a 403 answer.
        pub forbidden: Status,
        /// Expected status for a 404 answer.
        pub not_found: Status,
        /// Expected status for a 200 with a body that is not JSON.
        pub malformed: Status,
    }

    /// Runs `op` against a fake server answering with `script`: `op` gets the provider's API
    /// (a client pointed at the server, `--dry-run` as given) and a credential of `rule` with
    /// `annotations`. Returns what `op` returned and the requests the server received.
    pub fn call<T>(
        provider: &'static dyn Provider,
        rule: &str,
        secret: &str,
        annotations: &[(&str, &str)],
        script: Vec<Reply>,
        dry_run: bool,
        op: impl FnOnce(&Api<'_>, &Credential<'_>) -> T,
    ) -> (T, Vec<Recorded>) {
        call_with(provider, rule, secret, annotations, script, dry_run, 3, op)
    }

    /// [`call`] with `attempts` tries per read-only request.
    #[allow(clippy::too_many_arguments)]
    fn call_with<T>(
        provider: &'static dyn Provider,
        rule: &str,
        secret: &str,
        annotations: &[(&str, &str)],
        script: Vec<Reply>,
        dry_run: bool,
        attempts: u32,
        op: impl FnOnce(&Api<'_>, &Credential<'_>) -> T,
    ) -> (T, Vec<Recorded>) {
        let server = FakeServer::start(script);
        let info = provider.info();
        let client = client_with(info.name, &server, dry_run, attempts);
        let ann: BTreeMap<String, String> = annotations
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        let cred = Credential {
            rule,
            secret,
            annotations: &ann,
        };
        let out = op(
            &Api::new(&client, info, secret).for_credential(&cred),
            &cred,
        );
        (out, server.requests())
    }

    fn run_verify(
        spec: &VerifySpec<impl Fn(&Recorded)>,
        script: Vec<Reply>,
    ) -> (Verdict, Vec<Recorded>) {
        // A silent server costs a full timeout per attempt; the client's retry after a timeout
        // is tested once in `http`, so here one attempt is enough.
        let attempts = if matches!(script.as_slice(), [Reply::Hang(_)]) {
            1
        } else {
            3
        };
        let (v, reqs) = call_with(
            spec.provider,
            spec.rule,
            spec.secret,
            &spec.annotations,
            script,
            false,
            attempts,
            |api, cred| spec.provider.verify(api, cred),
        );
        let text = format!("{:?} {:?}", v.identity, v.detail);
        assert!(
            !text.contains(spec.secret),
            "{}: secret in verdict",
            spec.provider.info().name
        );
        (v, reqs)
    }

    /// Runs a verification test through every kind of answer: live, invalid, 403, 404, 429
    /// with `Retry-After`, 5xx, timeout, malformed body.
    ///
    /// # Panics
    /// When the provider does not behave as declared.
    pub fn verify(spec: &VerifySpec<impl Fn(&Recorded)>) {
        verify_expecting(spec, Status::Inactive);
    }

    /// [`verify`] for a provider that documents no answer meaning "invalid credential": the
    /// `invalid` reply (what such a credential gets in practice) must stay unknown, since
    /// unknown never becomes inactive on an undocumented answer.
    ///
    /// # Panics
    /// When the provider does not behave as declared.
    pub fn verify_undocumented_invalid(spec: &VerifySpec<impl Fn(&Recorded)>) {
        verify_expecting(spec, Status::Unknown);
    }

    fn verify_expecting(spec: &VerifySpec<impl Fn(&Recorded)>, invalid: Status) {
        let name = spec.provider.info().name;
        let (v, reqs) = run_verify(spec, vec![spec.live.clone()]);
        assert_eq!(v.status, Status::Active, "{name}: live: {v:?}");
        assert_eq!(v.identity.as_deref(), spec.identity, "{name}: identity");
        assert!(!reqs.is_empty(), "{name}: no request");
        for r in &reqs {
            (spec.check)(r);
        }
        let (v, _) = run_verify(spec, vec![spec.invalid.clone()]);
        assert_eq!(v.status, invalid, "{name}: invalid: {v:?}");
        let (v, _) = run_verify(spec, vec![Reply::json(403, r#"{"message":"forbidden"}"#)]);
        assert_eq!(v.status, spec.forbidden, "{name}: 403: {v:?}");
        let (v, _) = run_verify(spec, vec![Reply::json(404, r#"{"message":"not found"}"#)]);
        assert_eq!(v.status, spec.not_found, "{name}: 404: {v:?}");
        let (v, reqs) = run_verify(
            spec,
            vec![
                Reply::json(429, "{}").with_header("Retry-After", "0"),
                spec.live.clone(),
            ],
        );
        assert_eq!(v.status, Status::Active, "{name}: 429 then live: {v:?}");
        assert!(reqs.len() >= 2, "{name}: 429 was not retried");
        let (v, reqs) = run_verify(spec, vec![Reply::json(503, "{}")]);
        assert_eq!(v.status, Status::Unknown, "{name}: 503: {v:?}");
        assert!(reqs.len() >= 3, "{name}: 503 was not retried");
        let (v, _) = run_verify(spec, vec![Reply::Hang(Duration::from_millis(900))]);
        assert_eq!(v.status, Status::Unknown, "{name}: timeout: {v:?}");
        let (v, _) = run_verify(
            spec,
            vec![Reply::Respond {
                status: 200,
                headers: vec![],
                body: "<html>not json".into(),
            }],
        );
        assert_eq!(v.status, spec.malformed, "{name}: malformed: {v:?}");
    }

    /// Runs `f` on a credential of `rule` with `annotations` that `provider` must keep to
    /// itself, and asserts no request reached the (fake) provider.
    fn unsent<T>(
        provider: &'static dyn Provider,
        rule: &str,
        secret: &str,
        annotations: &[(&str, &str)],
        f: impl FnOnce(&Api<'_>, &Credential<'_>) -> T,
    ) -> T {
        let (out, reqs) = call(
            provider,
            rule,
            secret,
            annotations,
            vec![Reply::json(200, "{}")],
            false,
            f,
        );
        assert!(
            reqs.is_empty(),
            "{}: {rule} was sent with {annotations:?}",
            provider.info().name
        );
        out
    }

    /// Asserts `provider` calls a credential of `rule` unknown without sending it anywhere,
    /// and returns the verdict.
    ///
    /// # Panics
    /// When it sends the credential or gives another answer.
    pub fn verify_unsent(provider: &'static dyn Provider, rule: &str, secret: &str) -> Verdict {
        verify_unsent_with(provider, rule, secret, &[])
    }

    /// [`verify_unsent`] for a credential found with `annotations` (a host, a value found next
    /// to it) that must still not be sent: missing, malformed or someone else's.
    ///
    /// # Panics
    /// When it sends the credential or gives another answer.
    pub fn verify_unsent_with(
        provider: &'static dyn Provider,
        rule: &str,
        secret: &str,
        annotations: &[(&str, &str)],
    ) -> Verdict {
        let v = unsent(provider, rule, secret, annotations, |api, cred| {
            provider.verify(api, cred)
        });
        assert_eq!(v.status, Status::Unknown, "{rule} {annotations:?}: {v:?}");
        v
    }

    /// Asserts `provider` refuses to revoke a credential of `rule` without sending it anywhere.
    ///
    /// # Panics
    /// When it sends the credential or gives another answer.
    pub fn revoke_unsent(provider: &'static dyn Provider, rule: &str, secret: &str) {
        let r = unsent(provider, rule, secret, &[], |api, cred| {
            provider.revoke(api, cred)
        });
        assert_eq!(r.outcome, Outcome::Refused, "{rule}: {r:?}");
    }

    /// What a provider's revocation test declares.
    pub struct RevokeSpec {
        /// The provider.
        pub provider: &'static dyn Provider,
        /// Rule id of the credential.
        pub rule: &'static str,
        /// The credential.
        pub secret: &'static str,
        /// Answers leading to a revocation (lookups first, if any).
        pub success: Vec<Reply>,
        /// Asserts the requests are the documented ones (all of them, in order).
        pub check: fn(&[Recorded]),
        /// How many read-only lookups precede the revoking request.
        pub lookups: usize,
        /// Requests sent under `--dry-run`: the lookups, plus the provider's own test-mode
        /// call where it has one.
        pub dry_run_calls: usize,
        /// Answers for which the provider did not revoke (e.g. 401, or an invalid token).
        pub failure: Vec<Reply>,
    }

    fn run_revoke(
        spec: &RevokeSpec,
        script: Vec<Reply>,
        dry_run: bool,
    ) -> (Revocation, Vec<Recorded>) {
        call(
            spec.provider,
            spec.rule,
            spec.secret,
            &[],
            script,
            dry_run,
            |api, cred| spec.provider.revoke(api, cred),
        )
    }

    /// Runs a revocation test: success, dry run (nothing mutating sent), documented failure,
    /// 5xx and timeout (unknown, sent once, not retried).
    ///
    /// # Panics
    /// When the provider does not behave as declared.
    pub fn revoke(spec: &RevokeSpec) {
        let name = spec.provider.info().name;
        assert!(spec.provider.info().revoke, "{name}: info says no revoke");
        let (r, reqs) = run_revoke(spec, spec.success.clone(), false);
        assert_eq!(r.outcome, Outcome::Revoked, "{name}: success: {r:?}");
        (spec.check)(&reqs);
        let (r, reqs) = run_revoke(spec, spec.success.clone(), true);
        assert_eq!(r.outcome, Outcome::DryRun, "{name}: dry run: {r:?}");
        assert_eq!(
            reqs.len(),
            spec.dry_run_calls,
            "{name}: dry run sent a mutating request"
        );
        let detail = r.detail.unwrap_or_default();
        assert!(
            !detail.contains(spec.secret),
            "{name}: secret in dry-run text"
        );
        let (r, _) = run_revoke(spec, spec.failure.clone(), false);
        assert_eq!(r.outcome, Outcome::Failed, "{name}: failure: {r:?}");
        let mut s = spec.success[..spec.lookups].to_vec();
        s.push(Reply::json(502, "{}"));
        let (r, reqs) = run_revoke(spec, s, false);
        assert_eq!(r.outcome, Outcome::Unknown, "{name}: 502: {r:?}");
        assert_eq!(
            reqs.len(),
            spec.lookups + 1,
            "{name}: a 502 revocation was retried"
        );
        let mut s = spec.success[..spec.lookups].to_vec();
        s.push(Reply::Hang(Duration::from_millis(900)));
        let (r, reqs) = run_revoke(spec, s, false);
        assert_eq!(r.outcome, Outcome::Unknown, "{name}: timeout: {r:?}");
        assert_eq!(
            reqs.len(),
            spec.lookups + 1,
            "{name}: a timed-out revocation was retried"
        );
    }
}
