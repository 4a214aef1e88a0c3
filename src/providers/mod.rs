//! Live verification and revocation of findings through their providers' APIs (opt-in).
//!
//! One file per provider, each implementing [`Provider`]: `verify` asks the provider's cheapest
//! read-only identity endpoint whether the credential is live; `revoke`, where the provider
//! documents a way for the holder (or a finder) to revoke it, does so. Every request goes
//! through the one [`http::Client`], which keeps credentials on their provider's hosts.
//! A leaf: the live-check stage ([`crate::live`]) drives providers over a scan's findings;
//! providers know nothing of findings, runs or reports.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// The fake provider server the tests run providers against: only in test builds (the unit
/// tests, and the end-to-end tests through the `test-support` feature), never in a release.
pub mod declarative;
#[cfg(any(test, feature = "test-support"))]
pub mod fake;
pub mod http;
#[cfg(test)]
mod pinning;
pub mod sigv4;

mod anthropic;
mod aws;
mod azure;
mod brevo;
mod buildkite;
mod circleci;
mod cloudflare;
mod cohere;
mod contentful;
mod cratesio;
mod datadog;
mod digitalocean;
mod discord;
mod doppler;
mod dropbox;
mod elevenlabs;
mod entra;
mod facebook;
mod fastly;
mod flyio;
mod github;
mod gitlab;
mod gocardless;
mod google;
mod google_oauth;
mod grafana_cloud;
mod hashicorp;
mod heroku;
mod langsmith;
mod linear;
mod lob;
mod mailchimp;
mod mailgun;
mod mandrill;
mod mapbox;
mod mongodb_atlas;
mod newrelic;
mod npm;
mod okta;
mod openai;
mod particle;
mod postmark;
mod resend;
mod sendgrid;
mod sentry;
mod shopify;
mod slack;
mod stripe;
mod tailscale;
mod telegram;
mod together;
mod twilio;
mod twitch;
mod vault;
mod vercel;
mod wandb;
mod xai;
mod yandex;

pub use crate::finding::{Outcome, Status};
use http::{Client, HttpError, Method, Request, Response};

/// What a provider is and what it supports.
#[derive(Debug)]
pub struct Info {
    /// Name, as rules' `provider:` field and `--provider-endpoint` use it.
    pub name: &'static str,
    /// Documentation of the endpoints used.
    pub docs: &'static str,
    /// Default base URL of the API; empty when there is none (a self-hosted server, or a
    /// host per customer).
    pub base: &'static str,
    /// Hosts a credential of this provider may be sent to (without an endpoint override).
    /// Entries `*.DOMAIN` (`*.okta.com`) mean the host is per customer: each credential goes
    /// only to the host found with it, when that host is under one of them (see [`Api`]).
    pub hosts: &'static [&'static str],
    /// Whether [`Provider::revoke`] is implemented.
    pub revoke: bool,
    /// Minimum interval between two requests to this provider.
    pub interval: Duration,
}

/// A credential to check: the secret and what else the finding knows.
#[derive(Debug, Clone, Copy)]
pub struct Credential<'a> {
    /// The rule that found it (a provider may serve several kinds of token).
    pub rule: &'a str,
    /// The secret.
    pub secret: &'a str,
    /// What checks learnt about the finding (e.g. `aws_access_key_id` paired with a secret).
    pub annotations: &'a BTreeMap<String, String>,
}

/// A provider's answer to [`Provider::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Live or not.
    pub status: Status,
    /// Who the credential belongs to (login, account, workspace), when the provider says.
    pub identity: Option<String>,
    /// Why, in a few words (especially for unknown).
    pub detail: Option<String>,
    /// The last HTTP status seen.
    pub http_status: Option<u16>,
}

impl Verdict {
    /// Active, belonging to `identity`.
    pub fn active(r: &Response, identity: Option<String>) -> Self {
        Verdict {
            status: Status::Active,
            identity,
            detail: None,
            http_status: Some(r.status),
        }
    }

    /// Inactive, because `why`.
    pub fn inactive(r: &Response, why: &str) -> Self {
        Verdict {
            status: Status::Inactive,
            identity: None,
            detail: Some(why.to_string()),
            http_status: Some(r.status),
        }
    }

    /// Unknown, because `why`.
    pub fn unknown(r: Option<&Response>, why: &str) -> Self {
        Verdict {
            status: Status::Unknown,
            identity: None,
            detail: Some(why.to_string()),
            http_status: r.map(|r| r.status),
        }
    }

    /// [`Verdict::from_identity_endpoint`] on a call's result; no answer is unknown.
    pub fn from_call(
        result: Result<Response, HttpError>,
        identity: impl FnOnce(&serde_json::Value) -> Option<String>,
    ) -> Self {
        match result {
            Ok(r) => Verdict::from_identity_endpoint(&r, identity),
            Err(e) => e.into(),
        }
    }

    /// The usual reading of an identity endpoint's answer: 2xx with a JSON body is active
    /// (`identity` picks who from it; a 2xx without JSON is unknown), 401 is inactive, and
    /// anything else is unknown with the status named.
    pub fn from_identity_endpoint(
        r: &Response,
        identity: impl FnOnce(&serde_json::Value) -> Option<String>,
    ) -> Self {
        match r.status {
            200..=299 => match r.json() {
                Some(v) => Verdict::active(r, identity(&v)),
                None => Verdict::unknown(Some(r), "malformed response"),
            },
            401 => Verdict::inactive(r, "rejected as invalid (401)"),
            _ => Verdict::unknown(Some(r), &unexpected(r)),
        }
    }
}

/// "HTTP 503" and the like, with a word for the statuses that have one.
pub fn unexpected(r: &Response) -> String {
    match r.status {
        403 => "forbidden (403): valid but lacking scope, or blocked".into(),
        404 => "not found (404)".into(),
        429 => "rate limited (429)".into(),
        s if s >= 500 => format!("provider error ({s})"),
        s => format!("unexpected response ({s})"),
    }
}

impl From<HttpError> for Verdict {
    fn from(e: HttpError) -> Self {
        Verdict {
            status: Status::Unknown,
            identity: None,
            detail: Some(e.to_string()),
            http_status: None,
        }
    }
}

/// A provider's answer to [`Provider::revoke`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// How it ended.
    pub outcome: Outcome,
    /// Why, in a few words.
    pub detail: Option<String>,
    /// The last HTTP status seen.
    pub http_status: Option<u16>,
}

impl Revocation {
    /// An outcome with a reason, after response `r` (if any).
    pub fn new(outcome: Outcome, r: Option<&Response>, why: &str) -> Self {
        Revocation {
            outcome,
            detail: Some(why.to_string()),
            http_status: r.map(|r| r.status),
        }
    }

    /// A revocation call's result: `success` (the status the provider documents) is revoked,
    /// anything else is read by [`Revocation::from_response`], no answer by `From<HttpError>`.
    pub fn expect(result: Result<Response, HttpError>, success: u16) -> Self {
        match result {
            Ok(r) if r.status == success => {
                Revocation::new(Outcome::Revoked, Some(&r), &format!("revoked ({success})"))
            }
            Ok(r) => Revocation::from_response(&r),
            Err(e) => e.into(),
        }
    }

    /// The usual reading of a revocation endpoint's answer: 2xx revoked; 429 failed (the
    /// provider promises it did nothing); 5xx unknown; other 4xx failed.
    pub fn from_response(r: &Response) -> Self {
        match r.status {
            200..=299 => Revocation::new(Outcome::Revoked, Some(r), "revoked"),
            s if s >= 500 => Revocation::new(
                Outcome::Unknown,
                Some(r),
                &format!("provider error ({s}); the request may have been applied: check by hand"),
            ),
            _ => Revocation::new(Outcome::Failed, Some(r), &unexpected(r)),
        }
    }
}

impl From<HttpError> for Revocation {
    fn from(e: HttpError) -> Self {
        let outcome = match &e {
            HttpError::DryRun(_) => Outcome::DryRun,
            HttpError::Connect(_) => Outcome::Failed,
            HttpError::Policy(_) => Outcome::Refused,
            HttpError::Timeout | HttpError::Other(_) => Outcome::Unknown,
        };
        let detail = match (&e, outcome) {
            (_, Outcome::Unknown) => {
                format!("{e}; the request may have been applied: check by hand (not retried)")
            }
            _ => e.to_string(),
        };
        Revocation {
            outcome,
            detail: Some(detail),
            http_status: None,
        }
    }
}

/// A provider: verification, and revocation where the provider offers it.
pub trait Provider: Sync {
    /// What it is.
    fn info(&self) -> &'static Info;
    /// Asks the provider whether `cred` is live.
    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict;
    /// Revokes `cred`. Called only for credentials verified active, only under `--revoke`.
    /// The default: not supported.
    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        let _ = (api, cred);
        Revocation::new(
            Outcome::Refused,
            None,
            "this provider has no revocation API",
        )
    }
    /// How it is written: `rust` (a file in `src/providers/`), `declarative` (a file in
    /// `verifiers/`), or `user` (a verifier in the user's configuration).
    fn kind(&self) -> &'static str {
        "rust"
    }
}

/// Every built-in provider, Rust and declarative, by name.
pub fn all() -> &'static [&'static dyn Provider] {
    static ALL: std::sync::OnceLock<Vec<&'static dyn Provider>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let rust = rust();
        let names: Vec<&str> = rust.iter().map(|p| p.info().name).collect();
        // The files are embedded and checked by the tests, so an invalid one is a leakhound bug
        // caught before release, not an input error.
        let declarative = declarative::load_builtin(&names)
            .unwrap_or_else(|e| panic!("built-in verifier is invalid (a leakhound bug): {e}"));
        let mut all: Vec<&'static dyn Provider> = rust.to_vec();
        all.extend(declarative.into_iter().map(|d| d as &'static dyn Provider));
        all.sort_by_key(|p| p.info().name);
        all
    })
}

/// The user's declarative verifiers (`verifiers:` in the configuration), installed by
/// [`install_user_verifiers`] once the configuration is read.
static USER: std::sync::RwLock<Vec<&'static dyn Provider>> = std::sync::RwLock::new(Vec::new());

/// Makes the configuration's verifiers known to [`by_name`] for the rest of the run, replacing
/// any installed before.
pub fn install_user_verifiers(verifiers: Vec<&'static declarative::Declarative>) {
    let mut user = USER
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *user = verifiers
        .into_iter()
        .map(|d| d as &'static dyn Provider)
        .collect();
}

/// The user's verifiers installed for this run.
pub fn user_verifiers() -> Vec<&'static dyn Provider> {
    USER.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// The providers written in Rust.
fn rust() -> &'static [&'static dyn Provider] {
    &[
        &anthropic::Anthropic,
        &aws::Aws,
        &azure::AzureStorage,
        &brevo::Brevo,
        &buildkite::Buildkite,
        &circleci::CircleCi,
        &cloudflare::Cloudflare,
        &cohere::Cohere,
        &contentful::Contentful,
        &cratesio::CratesIo,
        &datadog::Datadog,
        &digitalocean::DigitalOcean,
        &discord::Discord,
        &doppler::Doppler,
        &dropbox::Dropbox,
        &elevenlabs::ElevenLabs,
        &entra::Entra,
        &facebook::Facebook,
        &fastly::Fastly,
        &flyio::FlyIo,
        &github::GitHub,
        &gitlab::GitLab,
        &gocardless::GoCardless,
        &google::Google,
        &google_oauth::GoogleOAuth,
        &grafana_cloud::GrafanaCloud,
        &hashicorp::HashiCorp,
        &heroku::Heroku,
        &langsmith::LangSmith,
        &linear::Linear,
        &lob::Lob,
        &mailchimp::Mailchimp,
        &mailgun::Mailgun,
        &mandrill::Mandrill,
        &mapbox::Mapbox,
        &mongodb_atlas::MongodbAtlas,
        &newrelic::NewRelic,
        &npm::Npm,
        &okta::Okta,
        &openai::OpenAi,
        &particle::Particle,
        &postmark::Postmark,
        &resend::Resend,
        &sendgrid::SendGrid,
        &sentry::Sentry,
        &shopify::Shopify,
        &slack::Slack,
        &stripe::Stripe,
        &tailscale::Tailscale,
        &telegram::Telegram,
        &together::Together,
        &twilio::Twilio,
        &twitch::Twitch,
        &vault::Vault,
        &vercel::Vercel,
        &wandb::Wandb,
        &xai::Xai,
        &yandex::Yandex,
    ]
}

/// The provider called `name`: a built-in one, or one of the user's verifiers.
pub fn by_name(name: &str) -> Option<&'static dyn Provider> {
    all()
        .iter()
        .copied()
        .find(|p| p.info().name == name)
        .or_else(|| user_verifiers().into_iter().find(|p| p.info().name == name))
}

/// Why a credential of a provider whose host is per customer is not sent anywhere.
pub const NO_HOST: &str = "no host found for this credential";

/// Whether `host` (lowercase) is under one of `hosts`' `*.DOMAIN` entries: one or more DNS
/// labels (letters, digits, `-`, not at either end of a label) then `.DOMAIN`, nothing else (no
/// port, user, path or trailing dot). `acme.okta.com.evil.example` is under no Okta domain.
pub fn under_wildcard(hosts: &[&str], host: &str) -> bool {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    host.len() <= 253
        && hosts
            .iter()
            .filter_map(|h| h.strip_prefix("*."))
            .any(|domain| {
                host.strip_suffix(domain)
                    .and_then(|rest| rest.strip_suffix('.'))
                    .is_some_and(|labels| labels.split('.').all(label_ok))
            })
}

/// Where one credential's requests may go, worked out once per [`Api`].
#[derive(Debug, Clone)]
enum Target {
    /// The provider's fixed base URL and [`Info::hosts`], or the user's `--provider-endpoint`.
    Fixed,
    /// `https://HOST`, the host found with the credential (and no other).
    Pinned(String),
    /// Nowhere, and why: nothing is sent, verification is unknown and revocation refused.
    Nowhere(String),
}

/// A provider's view of the client for one credential: builds requests against the
/// provider's base URL (or the user's override, or the credential's own host) and redacts the
/// credential wherever a request is shown.
///
/// This is the one place that decides which host a credential goes to:
/// - a provider with fixed hosts: its base URL, or the user's `--provider-endpoint`;
/// - a provider whose host is per customer (`*.DOMAIN` entries in [`Info::hosts`], such as
///   `*.okta.com`): the finding's [`HOST_NOTE`] annotation when it is under one of them (see
///   [`Api::for_credential`]); a credential found next to any other host is sent nowhere, even
///   with an endpoint override, and one found with no host only to the override;
/// - a provider with no public host at all (an empty [`Info::base`]: Vault): only the
///   override.
///
/// Anything else is [`Target::Nowhere`]: [`Call::send`] refuses before a byte is sent.
pub struct Api<'a> {
    client: &'a Client,
    info: &'static Info,
    secret: &'a str,
    /// Another value shown redacted in URLs (an account id in the path), beside the secret.
    hidden: Option<&'a str>,
    /// Verification: a request that changes something is refused before it is sent.
    verifying: bool,
    /// Where requests go.
    target: Target,
}

pub use crate::secret::HOST_NOTE;

impl fmt::Debug for Api<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Api({})", self.info.name)
    }
}

impl<'a> Api<'a> {
    /// The API for `info`, carrying `secret` (used only to redact shown URLs), for a
    /// credential found with no host: see [`Api::for_credential`].
    pub fn new(client: &'a Client, info: &'static Info, secret: &'a str) -> Self {
        let mut api = Api {
            client,
            info,
            secret,
            hidden: None,
            verifying: false,
            target: Target::Fixed,
        };
        api.target = api.resolve(None);
        api
    }

    /// The API for verifying: like [`Api::new`], but any request not marked read-only is
    /// refused ([`HttpError::Policy`]) before it is sent, so `--verify` cannot change anything
    /// at a provider whatever a verifier asks.
    pub fn verifying(client: &'a Client, info: &'static Info, secret: &'a str) -> Self {
        Api {
            verifying: true,
            ..Api::new(client, info, secret)
        }
    }

    /// The same API for `cred`: a provider whose host is per customer gets the host found
    /// with the credential (its [`HOST_NOTE`] annotation), when that host is one of the
    /// provider's. Every caller that has the credential's annotations goes through here.
    #[must_use]
    pub fn for_credential(mut self, cred: &Credential<'_>) -> Self {
        self.target = self.resolve(cred.annotations.get(HOST_NOTE).map(String::as_str));
        self
    }

    /// Which host requests go to, given the host found with the credential.
    fn resolve(&self, found: Option<&str>) -> Target {
        let info = self.info;
        let name = info.name;
        let per_credential = info.hosts.iter().any(|h| h.starts_with("*."));
        let found = found.map(str::to_ascii_lowercase);
        let outside = |h: &str| {
            Target::Nowhere(format!(
                "{NO_HOST}: {h:?} is not one of {name}'s hosts ({})",
                info.hosts.join(", ")
            ))
        };
        if per_credential {
            if let Some(h) = found.as_deref().filter(|h| !under_wildcard(info.hosts, h)) {
                return outside(h);
            }
        }
        if self.overridden() {
            return Target::Fixed;
        }
        if per_credential {
            return match found {
                Some(h) => Target::Pinned(format!("https://{h}")),
                None => Target::Nowhere(format!(
                    "{NO_HOST} ({name} credentials go only to the host written next to them, \
                     under {}); name one with --provider-endpoint {name}=https://HOST",
                    info.hosts.join(", ")
                )),
            };
        }
        if info.base.is_empty() {
            return Target::Nowhere(format!(
                "{name} has no public host; name the server with \
                 --provider-endpoint {name}=https://HOST"
            ));
        }
        Target::Fixed
    }

    /// The same API, redacting `part` in shown URLs: for credentials whose URL carries only a
    /// piece of the secret (a webhook's token under another base URL).
    pub fn redacting(&self, part: &'a str) -> Api<'a> {
        Api {
            client: self.client,
            info: self.info,
            secret: part,
            hidden: self.hidden,
            verifying: self.verifying,
            target: self.target.clone(),
        }
    }

    /// The same API, also redacting `part` in shown URLs while the secret stays the value
    /// located in requests: for an identifier in the path that reports show redacted (a
    /// Twilio account SID), when the credential itself goes elsewhere (basic auth).
    pub fn hiding(&self, part: &'a str) -> Api<'a> {
        Api {
            hidden: Some(part),
            ..self.redacting(self.secret)
        }
    }

    /// The same API pinned to `host`, a host found with the credential and already checked
    /// by the caller (a declarative verifier's `host_from`): requests go to `https://HOST` and
    /// to no other host. The user's `--provider-endpoint` for the provider still wins, as it
    /// does for every provider.
    pub fn pinned(&self, host: &str) -> Api<'a> {
        let target = if self.overridden() {
            Target::Fixed
        } else {
            Target::Pinned(format!("https://{}", host.to_ascii_lowercase()))
        };
        Api {
            target,
            ..self.redacting(self.secret)
        }
    }

    /// Whether the user named an endpoint for this provider (`--provider-endpoint`).
    pub fn overridden(&self) -> bool {
        self.client
            .settings()
            .endpoints
            .contains_key(self.info.name)
    }

    /// The host requests go to (lowercase): the pinned one, the override's or the
    /// provider's; `None` when nothing may be sent.
    pub fn host(&self) -> Option<String> {
        if matches!(self.target, Target::Nowhere(_)) {
            return None;
        }
        http::scheme_host(self.base())
            .ok()
            .map(|(_, h)| h.to_ascii_lowercase())
    }

    /// For a webhook URL that is itself the credential: the URL to call, which is its path
    /// under `host_base` (the provider's webhook host), or under the user's endpoint override.
    pub fn webhook_url(&self, url: &str, host_base: &str) -> Option<String> {
        let rest = url.split_once("://")?.1;
        let path = &rest[rest.find('/')?..];
        let base = if self.overridden() {
            self.base()
        } else {
            host_base.trim_end_matches('/')
        };
        Some(format!("{base}{path}"))
    }

    /// The base URL (no trailing slash); empty when nothing may be sent.
    pub fn base(&self) -> &str {
        match &self.target {
            Target::Fixed => self
                .client
                .base_url(self.info.name, self.info.base)
                .trim_end_matches('/'),
            Target::Pinned(base) => base,
            Target::Nowhere(_) => "",
        }
    }

    /// The host of the user's `--provider-endpoint` for this provider, when there is one
    /// (lowercase).
    pub fn endpoint_override_host(&self) -> Option<String> {
        let base = self.client.settings().endpoints.get(self.info.name)?;
        http::scheme_host(base)
            .ok()
            .map(|(_, h)| h.to_ascii_lowercase())
    }

    /// Whether `--dry-run` is on.
    pub fn dry_run(&self) -> bool {
        self.client.settings().dry_run
    }

    /// A request to `path` (starting with `/`) under the base URL.
    pub fn request(&self, method: Method, path: &str) -> Call<'_> {
        let url = format!("{}{path}", self.base());
        self.absolute(method, &url)
    }

    /// A request to an absolute URL (a webhook URL that is itself the credential); the host
    /// must still be one of the provider's.
    pub fn absolute(&self, method: Method, url: &str) -> Call<'_> {
        let mut shown_url = url.to_string();
        for part in std::iter::once(self.secret).chain(self.hidden) {
            if part.len() >= 8 {
                shown_url = shown_url.replace(part, &crate::finding::redact(part));
            }
        }
        Call {
            api: self,
            req: Request {
                method,
                url: url.to_string(),
                shown_url,
                headers: Vec::new(),
                body: None,
                mutating: !matches!(method, Method::Get | Method::Head),
                once: false,
                credential_at: Vec::new(),
            },
        }
    }

    /// GET `path`.
    pub fn get(&self, path: &str) -> Call<'_> {
        self.request(Method::Get, path)
    }

    /// POST `path`.
    pub fn post(&self, path: &str) -> Call<'_> {
        self.request(Method::Post, path)
    }

    /// DELETE `path`.
    pub fn delete(&self, path: &str) -> Call<'_> {
        self.request(Method::Delete, path)
    }
}

/// A request being built.
#[derive(Debug)]
pub struct Call<'a> {
    api: &'a Api<'a>,
    req: Request,
}

impl Call<'_> {
    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.req.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sends the request at most once: no retry after a 429, a 5xx or a timeout (see
    /// [`Request::once`]).
    #[must_use]
    pub fn once(mut self) -> Self {
        self.req.once = true;
        self
    }

    /// `Authorization: Bearer TOKEN`.
    #[must_use]
    pub fn bearer(self, token: &str) -> Self {
        self.header("Authorization", &format!("Bearer {token}"))
    }

    /// `Authorization: Basic base64(user:password)`.
    #[must_use]
    pub fn basic(self, user: &str, password: &str) -> Self {
        let v = base64_encode(format!("{user}:{password}").as_bytes());
        self.header("Authorization", &format!("Basic {v}"))
    }

    /// A JSON body.
    #[must_use]
    pub fn json(mut self, body: &serde_json::Value) -> Self {
        self.req.body = Some(body.to_string().into_bytes());
        self.header("Content-Type", "application/json")
    }

    /// A form body (`application/x-www-form-urlencoded`).
    #[must_use]
    pub fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.req.body = Some(body.into_bytes());
        self.header("Content-Type", "application/x-www-form-urlencoded")
    }

    /// A raw body with its content type.
    #[must_use]
    pub fn body(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.req.body = Some(body);
        self.header("Content-Type", content_type)
    }

    /// Marks a non-GET request as read-only (retried, sent under `--dry-run`), e.g. a POST to
    /// an identity endpoint, or a provider's own dry-run call.
    #[must_use]
    pub fn read_only(mut self) -> Self {
        self.req.mutating = false;
        self
    }

    /// Sends it.
    ///
    /// # Errors
    /// An [`HttpError`] when there is no response.
    pub fn send(mut self) -> Result<Response, HttpError> {
        let info = self.api.info;
        self.req.locate(self.api.secret);
        if self.api.verifying && self.req.mutating {
            return Err(HttpError::Policy(format!(
                "verification only reads; {} {} would change something",
                self.req.method.as_str(),
                self.req.shown_url
            )));
        }
        let pinned: [&str; 1];
        let hosts: &[&str] = match &self.api.target {
            Target::Fixed => info.hosts,
            Target::Pinned(base) => {
                pinned = [base.strip_prefix("https://").unwrap_or_default()];
                &pinned
            }
            Target::Nowhere(why) => {
                self.api.client.note_unsent(info.name, &self.req, why);
                return Err(HttpError::Policy(why.clone()));
            }
        };
        self.api
            .client
            .send(info.name, hosts, info.interval, &self.req)
    }
}

/// The most common verification: `GET path` with `Authorization: Bearer TOKEN`, read by
/// [`Verdict::from_identity_endpoint`], the identity at the [`json_str`] path `identity`
/// (none when empty).
pub fn bearer_get(api: &Api<'_>, path: &str, token: &str, identity: &str) -> Verdict {
    match api.get(path).bearer(token).send() {
        Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
            if identity.is_empty() {
                None
            } else {
                json_str(v, identity)
            }
        }),
        Err(e) => e.into(),
    }
}

pub use crate::scan::checks::base64::encode as base64_encode;

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A JSON string at `path` (keys separated by `/`) in `v`.
pub fn json_str(v: &serde_json::Value, path: &str) -> Option<String> {
    let mut cur = v;
    for key in path.split('/') {
        cur = match cur {
            serde_json::Value::Array(a) => a.get(key.parse::<usize>().ok()?)?,
            other => other.get(key)?,
        };
    }
    match cur {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_go_to_the_webhook_host_or_the_override() {
        let url = "https://hooks.slack.com/services/T0/B0/Qm7TzR2vXk9LpW4sB8nC3dFh";
        let info = by_name("slack").expect("slack").info();
        let plain = Client::new(http::Settings::default());
        assert_eq!(
            Api::new(&plain, info, url)
                .webhook_url(url, "https://hooks.slack.com/")
                .as_deref(),
            Some(url)
        );
        let redirected = Client::new(http::Settings {
            endpoints: [("slack".to_string(), "http://127.0.0.1:9".to_string())].into(),
            ..http::Settings::default()
        });
        assert_eq!(
            Api::new(&redirected, info, url)
                .webhook_url(url, "https://hooks.slack.com")
                .as_deref(),
            Some("http://127.0.0.1:9/services/T0/B0/Qm7TzR2vXk9LpW4sB8nC3dFh")
        );
        assert_eq!(
            Api::new(&plain, info, url).webhook_url("no-scheme", "https://x"),
            None
        );
    }

    #[test]
    fn percent_encoding_keeps_unreserved_only() {
        assert_eq!(percent_encode("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(percent_encode("a b/c+d=é"), "a%20b%2Fc%2Bd%3D%C3%A9");
    }

    #[test]
    fn provider_names_are_unique_and_hosts_match_base() {
        let mut names = std::collections::HashSet::new();
        for p in all() {
            let i = p.info();
            assert!(names.insert(i.name), "duplicate provider {}", i.name);
            assert!(i.docs.starts_with("https://"), "{}", i.name);
            if i.base.is_empty() {
                // Self-hosted (Vault): no host at all without the user's --provider-endpoint;
                // per customer (Okta, Shopify): only `*.DOMAIN` patterns, each credential going
                // to the host found with it.
                assert!(
                    i.hosts.iter().all(|h| h.starts_with("*.") && h.len() > 4),
                    "{}: fixed hosts without a base",
                    i.name
                );
                continue;
            }
            assert!(
                i.hosts.iter().all(|h| !h.contains('*')),
                "{}: a wildcard host beside a fixed base",
                i.name
            );
            let (scheme, host) = http::scheme_host(i.base).expect("base URL");
            assert_eq!(scheme, "https", "{}", i.name);
            assert!(
                i.hosts.contains(&host.as_str()),
                "{}: base host {host} not in hosts",
                i.name
            );
            assert!(i.docs.starts_with("https://"), "{}", i.name);
        }
    }

    #[test]
    fn json_paths() {
        let v = serde_json::json!({"a": {"b": [ {"c": "x"} ], "n": 5}});
        assert_eq!(json_str(&v, "a/b/0/c").as_deref(), Some("x"));
        assert_eq!(json_str(&v, "a/n").as_deref(), Some("5"));
        assert_eq!(json_str(&v, "a/zz"), None);
    }
}
