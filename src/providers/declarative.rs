//! Declarative verifiers: providers whose whole verification is one read-only HTTP request and
//! a reading of its status (and, optionally, a JSON field of its body), written as data instead
//! of Rust.
//!
//! The built-in ones are `verifiers/*.yml`, embedded at build time like the rules; users may add
//! their own under `verifiers:` in `.leakhound.yaml` for their own rules. Both use one schema:
//!
//! ```yaml
//! name: linode                       # what rules' `provider:` names; the file is NAME.yml
//! base_url: https://api.linode.com   # fixed https host: the only host the secret goes to
//! # or, for a provider whose host is per customer (a tenant), instead of base_url:
//! # host_from: {annotation: host, pattern: '^[a-z0-9-]+\.acme\.example$'}
//! #   or, to make the host from another value: {annotation: app_id, pattern: '^[A-Z0-9]{10}$',
//! #   host: '{}-dsn.algolia.net'}
//! #   the secret goes to https://HOST only when the finding's `host` annotation fully matches;
//! #   otherwise the answer is unknown ("no host found for this credential"), nothing sent
//! docs:                              # where the request and its answers are documented
//!   - https://techdocs.akamai.com/linode-api/reference/get-profile
//! interval_ms: 100                   # optional: minimum time between two requests
//! request:
//!   method: GET                      # GET, HEAD, or POST with `read_only: true`
//!   path: /v4/profile
//!   auth: bearer                     # or {header: NAME, prefix: "Token "} (the prefix may
//!                                    #   hold {capture:NAME}: "{capture:token_id}:"),
//!                                    # {basic: {user: "{secret}", password: ""}}, {query: NAME}
//!   headers: {Accept: application/json}   # optional headers (never the secret; may hold
//!                                    #   {capture:NAME}, a value the rule's `nearby:` found)
//!   # path: may hold {capture:NAME} too (percent-encoded)
//! active:                            # the answer meaning "live"
//!   status: [2xx]                    # codes (200) or classes ("2xx")
//!   pointer: /ok                     # optional: a JSON pointer into the body that must
//!   equals: true                     #   equal this value (or, with `exists: true`, be there)
//! inactive:                          # answers meaning "not live"; anything else is unknown
//!   - status: [401]
//! identity: [/username]              # optional: JSON pointers naming the account, first found
//! identity_format: "user {}"         # optional: how to show it
//! ```
//!
//! An active answer must have a JSON body unless the condition says `json: false` (a 2xx
//! without one is unknown: "malformed response"), as for the Rust providers' identity
//! endpoints. Inactive conditions are tried first, then the active one; any other answer is
//! unknown, naming its status.
//!
//! Checked at load, with errors naming the file and the field: unknown keys, a base URL that is
//! not https (user verifiers may use plain http to a loopback address, for tests), a method that
//! changes something, a name that clashes with another provider, missing documentation.
//! Requests go through the same [`Api`]/[`super::http::Client`] as every provider: host
//! allowlist (the base URL's host), `--provider-endpoint`, pacing, retries, dry run, redaction.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use super::http::{is_loopback, scheme_host, Method, Response};
use super::{percent_encode, unexpected, Api, Credential, Info, Provider, Verdict};
use crate::rules::is_host_name;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_verifiers.rs"));
}

/// One verifier exactly as written in YAML, before validation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVerifier {
    /// The provider name rules' `provider:` uses.
    pub name: String,
    /// Base URL: `https://HOST[:PORT][/PREFIX]`; exactly one of it and `host_from`.
    #[serde(default)]
    pub base_url: Option<String>,
    /// For a provider whose API host is per customer: where the credential's host comes from.
    #[serde(default)]
    pub host_from: Option<RawHostFrom>,
    /// Documentation of the request and its answers.
    #[serde(default)]
    pub docs: Vec<String>,
    /// Minimum interval between two requests, in milliseconds.
    #[serde(default)]
    pub interval_ms: Option<u64>,
    /// The request.
    pub request: RawRequest,
    /// The answer meaning active.
    pub active: RawCondition,
    /// The answers meaning inactive.
    #[serde(default)]
    pub inactive: Vec<RawCondition>,
    /// JSON pointers to the account's name, first found wins.
    #[serde(default)]
    pub identity: Vec<String>,
    /// How the identity is shown: `{}` is replaced by it.
    #[serde(default)]
    pub identity_format: Option<String>,
}

/// `host_from:` as written: the credential goes to `https://HOST`, HOST being the finding's
/// `annotation` when it fully matches `pattern`, and nowhere otherwise.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHostFrom {
    /// The annotation holding the host (`host`, which a rule's `(?P<host>…)` group fills).
    pub annotation: String,
    /// The provider's documented host names: an anchored regex, `^…$`. With `host`, what the
    /// annotation must be instead (an application id, say).
    pub pattern: String,
    /// The host made from the annotation, `{}` standing for it (`{}-dsn.algolia.net`); without
    /// it the annotation is the host.
    #[serde(default)]
    pub host: Option<String>,
}

/// A validated `host_from`.
#[derive(Debug)]
struct HostFrom {
    annotation: String,
    pattern: regex::Regex,
    host: Option<String>,
}

impl HostFrom {
    /// The host a credential with these annotations may go to, or why there is none.
    fn host(&self, cred: &Credential<'_>, provider: &str) -> Result<String, String> {
        let Some(found) = cred.annotations.get(&self.annotation) else {
            return Err(match &self.host {
                None => format!("{NO_HOST}; not sent"),
                Some(_) => format!("no {} found next to the secret; not sent", self.annotation),
            });
        };
        match &self.host {
            None if is_host_name(found.as_bytes())
                && self.pattern.is_match(&found.to_ascii_lowercase()) =>
            {
                Ok(found.to_ascii_lowercase())
            }
            None => Err(format!(
                "{NO_HOST}: {found:?} is not one of {provider}'s hosts; not sent"
            )),
            Some(template) if self.pattern.is_match(found) => {
                let host = template.replace("{}", found).to_ascii_lowercase();
                if is_host_name(host.as_bytes()) {
                    Ok(host)
                } else {
                    Err(format!("{NO_HOST}: {host:?} is not a host name; not sent"))
                }
            }
            Some(_) => Err(format!(
                "the {} found next to the secret is not one {provider} issues; not sent",
                self.annotation
            )),
        }
    }
}

pub use super::NO_HOST;

/// Hosts no `host_from` pattern may accept: a pattern that does is not a provider's allowlist.
const PROBE_HOSTS: &[&str] = &[
    "evil.example",
    "example.com",
    "localhost",
    "127.0.0.1",
    "169.254.169.254",
];

/// `request:` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    /// GET, HEAD or POST.
    pub method: String,
    /// Path under the base URL, starting with `/` (may carry a fixed query).
    pub path: String,
    /// Where the secret goes: `bearer`, or a map (`header`+`prefix`, `basic`, `query`).
    pub auth: serde_json::Value,
    /// Fixed headers (no secret).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The author's statement that a POST is read-only (required for POST).
    #[serde(default)]
    pub read_only: bool,
}

/// A condition on an answer, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    /// Status codes (`200`) or classes (`"2xx"`).
    pub status: Vec<serde_json::Value>,
    /// A JSON pointer into the body.
    #[serde(default)]
    pub pointer: Option<String>,
    /// The value the pointer must reach.
    #[serde(default)]
    pub equals: Option<serde_json::Value>,
    /// Whether the pointer must (true) or must not (false) reach something.
    #[serde(default)]
    pub exists: Option<bool>,
    /// Whether the body must be JSON (default: yes for `active`, no for `inactive`).
    #[serde(default)]
    pub json: Option<bool>,
    /// Why, shown as the verdict's detail.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Why a verifier could not be loaded: the file (or config entry) and the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierError {
    /// `verifiers/x.yml`, or `.leakhound.yaml:12: verifiers[0]`.
    pub file: String,
    /// The field, such as `request.method` (empty when the YAML itself did not parse).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for VerifierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: {}: {}", self.file, self.field, self.message)
        }
    }
}

impl std::error::Error for VerifierError {}

/// Where the secret goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer SECRET`.
    Bearer,
    /// `NAME: PREFIX` + secret.
    Header {
        /// Header name.
        name: String,
        /// Text before the secret: may hold `{capture:NAME}` (PlanetScale's
        /// `Authorization: TOKEN_ID:TOKEN`), never `{secret}`.
        prefix: Template,
    },
    /// `Authorization: Basic base64(user:password)`, each a [`Template`].
    Basic {
        /// User name.
        user: Template,
        /// Password.
        password: Template,
    },
    /// `?NAME=SECRET` (percent-encoded) on the path.
    Query(String),
}

/// A basic-auth part: literal text in which `{secret}` is the secret and `{capture:NAME}` a
/// value found next to it (a finding's annotation, such as a paired key id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(String);

impl Template {
    /// The text with its placeholders filled; `Err(name)` when a capture is missing.
    fn render(&self, cred: &Credential<'_>) -> Result<String, String> {
        self.fill(cred, str::to_string)
    }

    /// Like [`Template::render`], each value passed through `encode` (percent-encoding in a
    /// path).
    fn fill(
        &self,
        cred: &Credential<'_>,
        encode: impl Fn(&str) -> String,
    ) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = self.0.as_str();
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            let after = &rest[i..];
            let end = after.find('}').map_or(after.len(), |e| e + 1);
            let token = &after[..end];
            if token == "{secret}" {
                out.push_str(&encode(cred.secret));
            } else if let Some(name) = token
                .strip_prefix("{capture:")
                .and_then(|t| t.strip_suffix('}'))
            {
                match cred.annotations.get(name) {
                    Some(v) => out.push_str(&encode(v)),
                    None => return Err(name.to_string()),
                }
            } else {
                out.push_str(token);
            }
            rest = &after[end..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn check(&self) -> Result<(), String> {
        let mut rest = self.0.as_str();
        while let Some(i) = rest.find('{') {
            let after = &rest[i..];
            let Some(end) = after.find('}') else {
                return Err(format!("{:?}: unclosed `{{`", self.0));
            };
            let token = &after[..=end];
            let ok = token == "{secret}"
                || token
                    .strip_prefix("{capture:")
                    .and_then(|t| t.strip_suffix('}'))
                    .is_some_and(|n| !n.is_empty());
            if !ok {
                return Err(format!(
                    "{:?}: unknown placeholder {token} (use {{secret}} or {{capture:NAME}})",
                    self.0
                ));
            }
            rest = &after[end + 1..];
        }
        Ok(())
    }

    /// [`Template::check`] for a path or a header, where only captures may go: the secret goes
    /// where `auth` says.
    fn check_captures_only(&self) -> Result<(), String> {
        self.check()?;
        if self.0.contains("{secret}") {
            return Err(format!(
                "the secret goes where `auth` says, not in {:?} ({{capture:NAME}} may go there)",
                self.0
            ));
        }
        Ok(())
    }
}

/// A status code or class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatusMatch {
    Code(u16),
    Class(u16),
}

impl StatusMatch {
    fn matches(self, status: u16) -> bool {
        match self {
            StatusMatch::Code(c) => c == status,
            StatusMatch::Class(c) => status / 100 == c,
        }
    }
}

/// How a JSON pointer is tested.
#[derive(Debug, Clone, PartialEq)]
enum BodyTest {
    Equals(serde_json::Value),
    Exists(bool),
}

/// A validated condition.
#[derive(Debug, Clone, PartialEq)]
struct Condition {
    status: Vec<StatusMatch>,
    body: Option<(String, BodyTest)>,
    json: bool,
    reason: Option<String>,
}

impl Condition {
    /// Whether `r` meets the status and body test; the body's JSON, if any, is `json`.
    fn matches(&self, r: &Response, json: Option<&serde_json::Value>) -> bool {
        if !self.status.iter().any(|s| s.matches(r.status)) {
            return false;
        }
        match &self.body {
            None => true,
            Some((pointer, test)) => {
                let found = json.and_then(|v| v.pointer(pointer));
                match test {
                    BodyTest::Equals(want) => found == Some(want),
                    BodyTest::Exists(want) => found.is_some() == *want,
                }
            }
        }
    }
}

/// A validated declarative verifier.
#[derive(Debug)]
pub struct Declarative {
    info: &'static Info,
    citations: Vec<String>,
    method: Method,
    path: Template,
    auth: Auth,
    headers: Vec<(String, Template)>,
    active: Condition,
    inactive: Vec<Condition>,
    identity: Vec<String>,
    identity_format: Option<String>,
    host_from: Option<HostFrom>,
    user: bool,
}

impl Declarative {
    /// Every documentation link of the verifier (the first is [`Info::docs`]).
    pub fn citations(&self) -> &[String] {
        &self.citations
    }

    /// Whether the user's configuration defined it.
    pub fn is_user(&self) -> bool {
        self.user
    }

    /// Reads the answer.
    fn interpret(&self, r: &Response) -> Verdict {
        let json = r.json();
        for c in &self.inactive {
            if (!c.json || json.is_some()) && c.matches(r, json.as_ref()) {
                let why = c
                    .reason
                    .clone()
                    .unwrap_or_else(|| format!("rejected as invalid ({})", r.status));
                return Verdict::inactive(r, &why);
            }
        }
        if self.active.status.iter().any(|s| s.matches(r.status)) {
            if self.active.json && json.is_none() {
                return Verdict::unknown(Some(r), "malformed response");
            }
            if self.active.matches(r, json.as_ref()) {
                let identity = json.as_ref().and_then(|v| self.identity_of(v));
                let mut v = Verdict::active(r, identity);
                v.detail.clone_from(&self.active.reason);
                return v;
            }
            return Verdict::unknown(
                Some(r),
                &format!(
                    "the answer ({}) lacks what a live credential gets",
                    r.status
                ),
            );
        }
        Verdict::unknown(Some(r), &unexpected(r))
    }

    fn identity_of(&self, v: &serde_json::Value) -> Option<String> {
        let found = self.identity.iter().find_map(|p| match v.pointer(p)? {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })?;
        Some(match &self.identity_format {
            Some(f) => f.replacen("{}", &found, 1),
            None => found,
        })
    }
}

impl Provider for Declarative {
    fn info(&self) -> &'static Info {
        self.info
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let Some(host_from) = &self.host_from else {
            return self.send(api, cred);
        };
        // The host the credential was found with, exactly as the provider documents its hosts;
        // anything else (none, a look-alike such as `acme.okta.com.evil.example`) gets nothing.
        match host_from.host(cred, self.info.name) {
            Ok(host) => self.send(&api.pinned(&host), cred),
            Err(why) => Verdict::unknown(None, &why),
        }
    }

    fn kind(&self) -> &'static str {
        if self.user {
            "user"
        } else {
            "declarative"
        }
    }
}

impl Declarative {
    /// Sends the request through `api` and reads the answer.
    fn send(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let missing = |n: String| {
            Verdict::unknown(
                None,
                &format!("no {n} found next to the secret; not checked"),
            )
        };
        let mut path = match self.path.fill(cred, percent_encode) {
            Ok(p) => p,
            Err(n) => return missing(n),
        };
        let mut fixed = Vec::with_capacity(self.headers.len());
        for (k, v) in &self.headers {
            match v.render(cred) {
                // A value found in a scanned file is a stranger's text: no line breaks into
                // the request.
                Ok(v) if v.bytes().any(|b| b.is_ascii_control()) => {
                    return Verdict::unknown(
                        None,
                        &format!("the value for {k} has control characters; not checked"),
                    )
                }
                Ok(v) => fixed.push((k.clone(), v)),
                Err(n) => return missing(n),
            }
        }
        let mut call_headers: Vec<(String, String)> = Vec::new();
        match &self.auth {
            Auth::Bearer => {
                call_headers.push(("Authorization".into(), format!("Bearer {}", cred.secret)));
            }
            Auth::Header { name, prefix } => match prefix.render(cred) {
                // As for the fixed headers: a found value brings no line break.
                Ok(p) if p.bytes().any(|b| b.is_ascii_control()) => {
                    return Verdict::unknown(
                        None,
                        &format!("the value for {name} has control characters; not checked"),
                    )
                }
                Ok(p) => call_headers.push((name.clone(), format!("{p}{}", cred.secret))),
                Err(n) => return missing(n),
            },
            Auth::Basic { user, password } => {
                let (user, password) = match (user.render(cred), password.render(cred)) {
                    (Ok(u), Ok(p)) => (u, p),
                    (Err(n), _) | (_, Err(n)) => return missing(n),
                };
                let v = super::base64_encode(format!("{user}:{password}").as_bytes());
                call_headers.push(("Authorization".into(), format!("Basic {v}")));
            }
            Auth::Query(name) => {
                let sep = if path.contains('?') { '&' } else { '?' };
                path = format!(
                    "{path}{sep}{}={}",
                    percent_encode(name),
                    percent_encode(cred.secret)
                );
            }
        }
        let mut call = api.request(self.method, &path).read_only();
        for (k, v) in call_headers.iter().chain(&fixed) {
            call = call.header(k, v);
        }
        match call.send() {
            Ok(r) => self.interpret(&r),
            Err(e) => e.into(),
        }
    }
}

/// Where a verifier comes from, which decides what its base URL may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `verifiers/*.yml`: https only.
    Builtin,
    /// `.leakhound.yaml`: https, or plain http to a loopback address (tests).
    User,
}

fn leak_str(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Validates `raw`; `file` names it in errors, `taken` are the names already used.
///
/// # Errors
/// A [`VerifierError`] naming the field.
pub fn validate(
    file: &str,
    raw: RawVerifier,
    origin: Origin,
    taken: &BTreeSet<String>,
) -> Result<&'static Declarative, VerifierError> {
    let err = |field: &str, message: String| VerifierError {
        file: file.to_string(),
        field: field.to_string(),
        message,
    };
    let name = raw.name.trim().to_string();
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        return Err(err(
            "name",
            format!("{name:?}: use lowercase letters, digits, `-` and `_`"),
        ));
    }
    if taken.contains(&name) {
        return Err(err(
            "name",
            format!("{name:?} is already a provider (`leakhound providers` lists them)"),
        ));
    }
    let (base_url, host_from) = match (&raw.base_url, &raw.host_from) {
        (Some(b), None) => (b.clone(), None),
        (None, Some(h)) => (
            String::new(),
            Some(host_from(h).map_err(|m| err("host_from", m))?),
        ),
        (Some(_), Some(_)) => {
            return Err(err(
                "host_from",
                "a verifier has a fixed `base_url` or a per-credential `host_from`, not both"
                    .into(),
            ))
        }
        (None, None) => {
            return Err(err(
                "base_url",
                "required (or `host_from` for a provider whose host is per customer)".into(),
            ))
        }
    };
    let (scheme, host) = if host_from.is_some() {
        ("https".to_string(), String::new())
    } else {
        scheme_host(&base_url)
            .map_err(|_| err("base_url", format!("{base_url:?} is not an absolute URL")))?
    };
    match (scheme.as_str(), origin) {
        ("https", _) => {}
        ("http", Origin::User) if is_loopback(&host) => {}
        ("http", Origin::User) => {
            return Err(err(
                "base_url",
                format!(
                    "{base_url:?}: a secret is only sent over https (plain http only to a \
                     loopback address, for tests)"
                ),
            ))
        }
        _ => {
            return Err(err(
                "base_url",
                format!("{base_url:?}: must be an https URL"),
            ))
        }
    }
    if base_url.contains('?') || base_url.contains('#') || base_url.contains('@') {
        return Err(err(
            "base_url",
            format!("{base_url:?}: no query, fragment or user info in a base URL"),
        ));
    }
    if raw.docs.is_empty() {
        return Err(err(
            "docs",
            "required: the provider's documentation of the request and its answers".into(),
        ));
    }
    if let Some(d) = raw.docs.iter().find(|d| !d.starts_with("https://")) {
        return Err(err("docs", format!("{d:?} is not an https link")));
    }
    let req = &raw.request;
    let method = match req.method.to_ascii_uppercase().as_str() {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" if req.read_only => Method::Post,
        "POST" => {
            return Err(err(
                "request.method",
                "POST is allowed only for a documented read-only call: say so with \
                 `read_only: true`"
                    .into(),
            ))
        }
        other => {
            return Err(err(
                "request.method",
                format!(
                    "{other} changes (or may change) something at the provider; a verifier \
                     only reads: GET, HEAD, or POST with `read_only: true`"
                ),
            ))
        }
    };
    if req.read_only && method != Method::Post {
        return Err(err(
            "request.read_only",
            "only meaningful for POST (GET and HEAD are read-only)".into(),
        ));
    }
    if !req.path.starts_with('/')
        || req.path.contains('#')
        || req.path.contains(char::is_whitespace)
    {
        return Err(err(
            "request.path",
            format!(
                "{:?}: must start with `/`, without spaces or a fragment",
                req.path
            ),
        ));
    }
    let path = Template(req.path.clone());
    if let Err(m) = path.check_captures_only() {
        return Err(err("request.path", m));
    }
    let auth = parse_auth(&req.auth).map_err(|m| err("request.auth", m))?;
    let mut headers = Vec::new();
    for (k, v) in &req.headers {
        if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(err("request.headers", format!("{k:?}: not a header name")));
        }
        if k.eq_ignore_ascii_case("authorization") || k.eq_ignore_ascii_case("host") {
            return Err(err(
                "request.headers",
                format!("{k}: set by `auth` or by the client, not here"),
            ));
        }
        if v.contains(['\r', '\n']) {
            return Err(err(
                "request.headers",
                format!("{k}: a value without line breaks"),
            ));
        }
        let v = Template(v.clone());
        v.check_captures_only()
            .map_err(|m| err("request.headers", format!("{k}: {m}")))?;
        headers.push((k.clone(), v));
    }
    if let Auth::Header { name, .. } = &auth {
        if headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
            return Err(err(
                "request.headers",
                format!("{name} is where `auth` puts the secret"),
            ));
        }
    }
    let active = condition(&raw.active, true).map_err(|m| err("active", m))?;
    let mut inactive = Vec::new();
    for (i, c) in raw.inactive.iter().enumerate() {
        inactive.push(condition(c, false).map_err(|m| err(&format!("inactive[{i}]"), m))?);
    }
    for p in &raw.identity {
        if !p.starts_with('/') {
            return Err(err(
                "identity",
                format!("{p:?}: a JSON pointer starts with `/`"),
            ));
        }
    }
    if let Some(f) = &raw.identity_format {
        if !f.contains("{}") {
            return Err(err(
                "identity_format",
                format!("{f:?}: needs `{{}}` where the identity goes"),
            ));
        }
        if raw.identity.is_empty() {
            return Err(err("identity_format", "needs `identity`".into()));
        }
    }
    let interval = Duration::from_millis(raw.interval_ms.unwrap_or(100));
    if interval > Duration::from_secs(60) {
        return Err(err("interval_ms", "at most 60000".into()));
    }
    // A per-customer provider has no host of its own: only the one pinned per credential.
    let (base, hosts) = if host_from.is_some() {
        (String::new(), Vec::new())
    } else {
        (
            base_url.trim_end_matches('/').to_string(),
            vec![leak_str(host)],
        )
    };
    let info = Info {
        name: leak_str(name),
        docs: leak_str(raw.docs[0].clone()),
        base: leak_str(base),
        hosts: Box::leak(hosts.into_boxed_slice()),
        revoke: false,
        interval,
    };
    // Providers live for the whole process, like the Rust ones' statics: a verifier is loaded
    // once per run (the built-in ones once per process), so leaking it costs a few bytes.
    Ok(Box::leak(Box::new(Declarative {
        info: Box::leak(Box::new(info)),
        citations: raw.docs,
        method,
        path,
        auth,
        headers,
        active,
        inactive,
        identity: raw.identity,
        identity_format: raw.identity_format,
        host_from,
        user: origin == Origin::User,
    })))
}

/// Checks `host_from`: an annotation name, and a pattern that compiles, is anchored at both
/// ends and accepts none of [`PROBE_HOSTS`] (a pattern that would is no provider's allowlist).
fn host_from(h: &RawHostFrom) -> Result<HostFrom, String> {
    if h.annotation.is_empty()
        || !h
            .annotation
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(format!(
            "annotation {:?}: use lowercase letters, digits and `_` (the rules' `(?P<host>…)` \
             group gives `host`)",
            h.annotation
        ));
    }
    let p = &h.pattern;
    if !p.starts_with('^') || !p.ends_with('$') || p.ends_with("\\$") {
        return Err(format!(
            "pattern {p:?}: must be anchored, `^…$`, so that it matches whole host names only"
        ));
    }
    // Wrapped once more, so that an alternation (`^a$|b`) cannot leave a branch unanchored.
    let pattern =
        regex::Regex::new(&format!("^(?:{p})$")).map_err(|e| format!("pattern {p:?}: {e}"))?;
    if let Some(bad) = PROBE_HOSTS.iter().find(|h| pattern.is_match(h)) {
        return Err(format!(
            "pattern {p:?} accepts {bad:?}: list the provider's own domains only"
        ));
    }
    if let Some(t) = &h.host {
        // The found value may only name a subdomain: the domain after `{}` is the verifier's.
        let probe = t.replace("{}", "x");
        let domain = t.split_once("{}").map(|(_, d)| d).unwrap_or_default();
        if t.matches("{}").count() != 1
            || !is_host_name(probe.as_bytes())
            || !domain.starts_with(['.', '-'])
            || !domain[1..].contains('.')
        {
            return Err(format!(
                "host {t:?}: a host name with one `{{}}` for the annotation, followed by the \
                 provider's domain (`{{}}-dsn.algolia.net`)"
            ));
        }
    }
    Ok(HostFrom {
        annotation: h.annotation.clone(),
        pattern,
        host: h.host.clone(),
    })
}

fn parse_auth(v: &serde_json::Value) -> Result<Auth, String> {
    use serde_json::Value;
    let text = |v: &Value, what: &str| -> Result<String, String> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("{what} must be a string"))
    };
    match v {
        Value::String(s) if s == "bearer" => Ok(Auth::Bearer),
        Value::Object(m) => {
            let keys: BTreeSet<&str> = m.keys().map(String::as_str).collect();
            let only = |allowed: &[&str]| -> Result<(), String> {
                match keys.iter().find(|k| !allowed.contains(k)) {
                    Some(k) => Err(format!(
                        "unknown key `{k}` here (expected {})",
                        allowed.join(", ")
                    )),
                    None => Ok(()),
                }
            };
            if let Some(name) = m.get("header") {
                only(&["header", "prefix"])?;
                let name = text(name, "header")?;
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                {
                    return Err(format!("header {name:?}: not a header name"));
                }
                let prefix = match m.get("prefix") {
                    Some(p) => text(p, "prefix")?,
                    None => String::new(),
                };
                if prefix.contains(['\r', '\n']) {
                    return Err("prefix: no line breaks".into());
                }
                let prefix = Template(prefix);
                prefix
                    .check_captures_only()
                    .map_err(|e| format!("prefix: {e}"))?;
                Ok(Auth::Header { name, prefix })
            } else if let Some(b) = m.get("basic") {
                only(&["basic"])?;
                let Value::Object(b) = b else {
                    return Err("basic: expected {user: ..., password: ...}".into());
                };
                if let Some(k) = b.keys().find(|k| *k != "user" && *k != "password") {
                    return Err(format!(
                        "basic: unknown key `{k}` (expected user, password)"
                    ));
                }
                let part = |k: &str| -> Result<Template, String> {
                    let t = Template(text(
                        b.get(k).ok_or_else(|| format!("basic.{k} is required"))?,
                        &format!("basic.{k}"),
                    )?);
                    t.check().map_err(|e| format!("basic.{k}: {e}"))?;
                    Ok(t)
                };
                let (user, password) = (part("user")?, part("password")?);
                if !format!("{}{}", user.0, password.0).contains('{') {
                    return Err("basic: the secret or a capture must be in user or password".into());
                }
                Ok(Auth::Basic { user, password })
            } else if let Some(q) = m.get("query") {
                only(&["query"])?;
                let q = text(q, "query")?;
                if q.is_empty() {
                    return Err("query: the parameter name is empty".into());
                }
                Ok(Auth::Query(q))
            } else if m.contains_key("bearer") {
                Err("write `auth: bearer`".into())
            } else {
                Err(format!(
                    "expected `bearer`, {{header: NAME, prefix: TEXT}}, {{basic: {{user, password}}}} \
                     or {{query: NAME}}; got keys {}",
                    keys.into_iter().collect::<Vec<_>>().join(", ")
                ))
            }
        }
        other => Err(format!(
            "expected `bearer`, {{header: NAME}}, {{basic: ...}} or {{query: NAME}}, not {other}"
        )),
    }
}

fn condition(c: &RawCondition, active: bool) -> Result<Condition, String> {
    if c.status.is_empty() {
        return Err("status: at least one code or class (200, \"2xx\")".into());
    }
    let mut status = Vec::new();
    for s in &c.status {
        let m = match s {
            serde_json::Value::Number(n) => n
                .as_u64()
                .filter(|n| (100..600).contains(n))
                .and_then(|n| u16::try_from(n).ok())
                .map(StatusMatch::Code),
            serde_json::Value::String(t) => {
                let t = t.to_ascii_lowercase();
                match t.as_bytes() {
                    [d @ b'1'..=b'5', b'x', b'x'] => Some(StatusMatch::Class(u16::from(d - b'0'))),
                    _ => t
                        .parse::<u16>()
                        .ok()
                        .filter(|n| (100..600).contains(n))
                        .map(StatusMatch::Code),
                }
            }
            _ => None,
        };
        status.push(
            m.ok_or_else(|| format!("status: {s} is not a code (100-599) or a class (\"2xx\")"))?,
        );
    }
    let body = match (&c.pointer, &c.equals, c.exists) {
        (None, None, None) => None,
        (Some(p), _, _) if !p.starts_with('/') => {
            return Err(format!("pointer {p:?}: a JSON pointer starts with `/`"))
        }
        (Some(p), Some(v), None) => Some((p.clone(), BodyTest::Equals(v.clone()))),
        (Some(p), None, Some(e)) => Some((p.clone(), BodyTest::Exists(e))),
        (Some(_), None, None) => return Err("pointer needs `equals` or `exists`".into()),
        (Some(_), Some(_), Some(_)) => return Err("`equals` or `exists`, not both".into()),
        (None, _, _) => return Err("`equals`/`exists` need a `pointer`".into()),
    };
    let json = c.json.unwrap_or(active) || body.is_some();
    if c.json == Some(false) && body.is_some() {
        return Err("a body test needs a JSON body: drop `json: false`".into());
    }
    if active && !json && !c.status.is_empty() {
        // Fine: an answer without a body (HEAD) can be active on its status alone.
    }
    Ok(Condition {
        status,
        body,
        json,
        reason: c.reason.clone(),
    })
}

/// Parses one verifier file's text.
///
/// # Errors
/// A [`VerifierError`] naming the file and what is wrong.
pub fn parse(file: &str, text: &str) -> Result<RawVerifier, VerifierError> {
    serde_saphyr::from_str(text).map_err(|e| VerifierError {
        file: file.to_string(),
        field: String::new(),
        message: crate::control_file::parser_message(&e.without_snippet().to_string()),
    })
}

/// Loads the built-in verifiers, none of which may take a name in `rust` (the Rust providers).
///
/// # Errors
/// The first invalid file.
pub fn load_builtin(rust: &[&str]) -> Result<Vec<&'static Declarative>, VerifierError> {
    let mut taken: BTreeSet<String> = rust.iter().map(|s| (*s).to_string()).collect();
    let mut out = Vec::new();
    for (file, text) in builtin::BUILTIN_VERIFIER_FILES {
        let raw = parse(file, text)?;
        let stem = file
            .trim_start_matches("verifiers/")
            .trim_end_matches(".yaml")
            .trim_end_matches(".yml");
        if raw.name != stem {
            return Err(VerifierError {
                file: (*file).to_string(),
                field: "name".into(),
                message: format!("{:?} must match the file name ({stem}.yml)", raw.name),
            });
        }
        let d = validate(file, raw, Origin::Builtin, &taken)?;
        taken.insert(d.info.name.to_string());
        out.push(d);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod converted;

#[cfg(test)]
mod pinned;

#[cfg(test)]
mod nearby;

#[cfg(test)]
mod forges;

#[cfg(test)]
mod paired;
