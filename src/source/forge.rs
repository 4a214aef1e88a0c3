//! The repositories of a GitHub organisation or user, or of a GitLab group, listed through the
//! forge's REST API, for an organisation audit.
//!
//! - GitHub: `GET /orgs/{org}/repos` and `GET /users/{user}/repos` with `per_page=100`
//!   (<https://docs.github.com/en/rest/repos/repos#list-organization-repositories>,
//!   <https://docs.github.com/en/rest/repos/repos#list-repositories-for-a-user>), following the
//!   `Link: <…>; rel="next"` header
//!   (<https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api>).
//!   The token (`GITHUB_TOKEN`) goes in `Authorization: Bearer`.
//! - GitLab: `GET /api/v4/groups/{id}/projects?include_subgroups=true&per_page=100`
//!   (<https://docs.gitlab.com/api/groups/#list-projects>), following `Link` rel="next" or the
//!   `x-next-page` header (<https://docs.gitlab.com/api/rest/#pagination>). The token
//!   (`GITLAB_TOKEN`) goes in `PRIVATE-TOKEN`.
//!
//! Rate limits (<https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit>,
//! <https://docs.gitlab.com/administration/settings/user_and_ip_rate_limits/#response-headers>):
//! a 403 or 429 with `retry-after` waits that many seconds; with `x-ratelimit-remaining: 0` (or
//! GitLab's `ratelimit-remaining`) it waits until `x-ratelimit-reset` (`ratelimit-reset`, UTC
//! epoch seconds); a 429 with neither, or a 403 whose message speaks of a rate limit (GitHub's
//! secondary limits), waits a minute. Every wait is announced, and one longer
//! than [`MAX_WAIT`] ends the listing with an error saying when to retry. A 403 with none of
//! these is a permission error, not retried.
//!
//! The token is sent only to the API's own scheme, host and port (a `Link` to anywhere else is
//! refused), redirects are not followed, and it is never part of a message. `--api-url` may be
//! `http://` only to a loopback address.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use thiserror::Error;

use super::remote::is_loopback;

/// The longest rate-limit wait honoured; longer ones end the listing with an error.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

/// Rate-limit waits before giving up on one page.
const MAX_RETRIES: u32 = 5;

/// The largest response body read (a page of 100 GitHub repositories is about 600 KB).
const MAX_BODY: u64 = 32 << 20;

/// The most pages followed (100 repositories each): a server that never ends its list stops
/// here with an error.
const MAX_PAGES: usize = 10_000;

/// Which forge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forge {
    /// GitHub or GitHub Enterprise Server.
    GitHub,
    /// GitLab.com or self-managed GitLab.
    GitLab,
}

impl Forge {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Forge::GitHub => "github",
            Forge::GitLab => "gitlab",
        }
    }

    /// The public API's base URL.
    pub fn default_api(self) -> &'static str {
        match self {
            Forge::GitHub => "https://api.github.com",
            Forge::GitLab => "https://gitlab.com",
        }
    }

    /// The environment variable the token is read from.
    pub fn token_var(self) -> &'static str {
        match self {
            Forge::GitHub => "GITHUB_TOKEN",
            Forge::GitLab => "GITLAB_TOKEN",
        }
    }
}

/// Whose repositories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// A GitHub organisation.
    Org(String),
    /// A GitHub user.
    User(String),
    /// A GitLab group (path or numeric id), subgroups included.
    Group(String),
}

impl Owner {
    /// `org NAME`, `user NAME`, `group PATH`.
    pub fn describe(&self) -> String {
        match self {
            Owner::Org(n) => format!("organisation {n}"),
            Owner::User(n) => format!("user {n}"),
            Owner::Group(n) => format!("group {n}"),
        }
    }

    /// The name alone.
    pub fn name(&self) -> &str {
        match self {
            Owner::Org(n) | Owner::User(n) | Owner::Group(n) => n,
        }
    }
}

/// One repository the API listed. GitHub's answer has these fields under these names, so
/// it is read into this directly.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Repo {
    /// `owner/name` (GitHub) or `group/sub/project` (GitLab).
    pub full_name: String,
    /// The https clone URL.
    pub clone_url: String,
    /// The ssh clone URL.
    pub ssh_url: Option<String>,
    /// Archived (read-only).
    #[serde(default)]
    pub archived: bool,
    /// A fork of another repository.
    #[serde(default)]
    pub fork: bool,
}

/// Why the listing failed.
#[derive(Debug, Error)]
pub enum ForgeError {
    /// `--api-url` is not acceptable.
    #[error("--api-url {url}: {message}")]
    BadApiUrl {
        /// The URL.
        url: String,
        /// Why.
        message: String,
    },
    /// The API answered with an error.
    #[error("{url}: HTTP {status}{message}")]
    Status {
        /// The request URL (no token is ever in it).
        url: String,
        /// The status.
        status: u16,
        /// The API's message and a hint.
        message: String,
    },
    /// No usable answer.
    #[error("{url}: {message}")]
    Request {
        /// The request URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// Stopped by Ctrl-C during a wait.
    #[error("interrupted while listing repositories")]
    Interrupted,
}

/// Lists repositories through one forge's API.
pub struct Lister {
    forge: Forge,
    api: url::Url,
    token: Option<String>,
    agent: ureq::Agent,
}

impl std::fmt::Debug for Lister {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lister")
            .field("forge", &self.forge)
            .field("api", &self.api.as_str())
            .field("token", &self.token.as_ref().map(|_| "…"))
            .finish()
    }
}

#[derive(Deserialize)]
struct GitLabProject {
    path_with_namespace: String,
    http_url_to_repo: String,
    ssh_url_to_repo: Option<String>,
    #[serde(default)]
    archived: bool,
    /// Present (an object) on forks.
    #[serde(default)]
    forked_from_project: Option<serde_json::Value>,
}

impl Lister {
    /// A lister for `forge` at `api_url` (the public API when `None`), sending `token`.
    ///
    /// # Errors
    /// [`ForgeError::BadApiUrl`] for a malformed URL, or plain http to a non-loopback host.
    pub fn new(
        forge: Forge,
        api_url: Option<&str>,
        token: Option<String>,
    ) -> Result<Self, ForgeError> {
        let raw = api_url.unwrap_or(forge.default_api());
        let bad = |message: &str| ForgeError::BadApiUrl {
            url: super::remote::scrub(raw),
            message: message.to_string(),
        };
        let mut api = url::Url::parse(raw).map_err(|e| bad(&format!("not a URL ({e})")))?;
        let host = api.host_str().unwrap_or_default().to_string();
        match api.scheme() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => return Err(bad("plain http only to a loopback address; use https")),
            _ => return Err(bad("expected an https:// URL")),
        }
        if !api.username().is_empty() || api.password().is_some() {
            return Err(bad(
                "credentials do not belong in the URL: set the token variable",
            ));
        }
        if !api.path().ends_with('/') {
            let p = format!("{}/", api.path());
            api.set_path(&p);
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(60)))
            .user_agent(concat!("leakhound/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Lister {
            forge,
            api,
            token: token.filter(|t| !t.is_empty()),
            agent,
        })
    }

    /// The API's base URL.
    pub fn api(&self) -> &str {
        self.api.as_str()
    }

    /// Every repository of `owner`, in the API's order; `say` gets progress lines (pages,
    /// rate-limit waits).
    ///
    /// # Errors
    /// [`ForgeError`] when a page cannot be had.
    pub fn list(&self, owner: &Owner, say: &mut dyn FnMut(&str)) -> Result<Vec<Repo>, ForgeError> {
        let path = match (self.forge, owner) {
            (Forge::GitHub, Owner::Org(n)) => format!("orgs/{}/repos", segment(n)),
            (Forge::GitHub, Owner::User(n)) => format!("users/{}/repos", segment(n)),
            (Forge::GitLab, Owner::Group(n)) => format!("api/v4/groups/{}/projects", segment(n)),
            (f, o) => {
                return Err(ForgeError::Request {
                    url: self.api.to_string(),
                    message: format!("{} has no {}", f.as_str(), o.describe()),
                })
            }
        };
        let mut url = self.api.join(&path).map_err(|e| ForgeError::Request {
            url: self.api.to_string(),
            message: e.to_string(),
        })?;
        match self.forge {
            Forge::GitHub => {
                let mut q = url.query_pairs_mut();
                q.append_pair("per_page", "100");
                // An organisation's every repository; a user's own (the API's default for users).
                if matches!(owner, Owner::Org(_)) {
                    q.append_pair("type", "all");
                }
            }
            Forge::GitLab => {
                url.query_pairs_mut()
                    .append_pair("include_subgroups", "true")
                    .append_pair("per_page", "100")
                    .append_pair("order_by", "id")
                    .append_pair("sort", "asc");
            }
        }
        let mut out = Vec::new();
        let mut next = Some(url);
        let mut pages = 0;
        while let Some(u) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(ForgeError::Request {
                    url: u.to_string(),
                    message: format!("more than {MAX_PAGES} pages: stopping"),
                });
            }
            let page = self.get(&u, say)?;
            let before = out.len();
            self.parse_page(&u, &page.body, &mut out)?;
            if out.len() == before {
                break;
            }
            next = self.next_page(&u, &page)?;
        }
        Ok(out)
    }

    fn parse_page(
        &self,
        url: &url::Url,
        body: &[u8],
        out: &mut Vec<Repo>,
    ) -> Result<(), ForgeError> {
        let bad = |e: serde_json::Error| ForgeError::Request {
            url: url.to_string(),
            message: format!("unexpected answer (not a list of repositories: {e})"),
        };
        match self.forge {
            Forge::GitHub => {
                let repos: Vec<Repo> = serde_json::from_slice(body).map_err(bad)?;
                out.extend(repos);
            }
            Forge::GitLab => {
                let projects: Vec<GitLabProject> = serde_json::from_slice(body).map_err(bad)?;
                out.extend(projects.into_iter().map(|p| Repo {
                    full_name: p.path_with_namespace,
                    clone_url: p.http_url_to_repo,
                    ssh_url: p.ssh_url_to_repo,
                    archived: p.archived,
                    fork: p.forked_from_project.is_some_and(|v| !v.is_null()),
                }));
            }
        }
        Ok(())
    }

    /// The next page's URL: `Link` rel="next", else GitLab's `x-next-page`; it must be on the
    /// API's own origin (the token goes with it).
    fn next_page(&self, current: &url::Url, page: &Page) -> Result<Option<url::Url>, ForgeError> {
        let from_link = page.header("link").and_then(link_next);
        let next = match (from_link, self.forge) {
            (Some(l), _) => Some(current.join(&l).map_err(|e| ForgeError::Request {
                url: current.to_string(),
                message: format!("bad Link header ({e})"),
            })?),
            (None, Forge::GitLab) => match page.header("x-next-page").map(str::trim) {
                Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                    let mut u = current.clone();
                    let pairs: Vec<(String, String)> = current
                        .query_pairs()
                        .filter(|(k, _)| k != "page")
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect();
                    u.query_pairs_mut()
                        .clear()
                        .extend_pairs(pairs)
                        .append_pair("page", n);
                    Some(u)
                }
                _ => None,
            },
            (None, Forge::GitHub) => None,
        };
        match next {
            Some(n) if n.origin() != self.api.origin() => Err(ForgeError::Request {
                url: current.to_string(),
                message: format!(
                    "the next page is on another host ({}): not following it with the token",
                    n.origin().ascii_serialization()
                ),
            }),
            other => Ok(other),
        }
    }

    /// One GET, waiting out rate limits.
    fn get(&self, url: &url::Url, say: &mut dyn FnMut(&str)) -> Result<Page, ForgeError> {
        let mut retries = 0;
        loop {
            let page = self.get_once(url)?;
            if page.status == 200 {
                return Ok(page);
            }
            let wait = rate_limit_wait(&page, SystemTime::now());
            match wait {
                Some(w) if retries < MAX_RETRIES && w <= MAX_WAIT => {
                    retries += 1;
                    say(&format!(
                        "rate limited by {} (HTTP {}): waiting {} s before retrying (waits longer than {} min end the listing)",
                        url.host_str().unwrap_or_default(),
                        page.status,
                        w.as_secs_f64().ceil(),
                        MAX_WAIT.as_secs() / 60
                    ));
                    if !crate::interrupt::sleep(w) {
                        return Err(ForgeError::Interrupted);
                    }
                }
                Some(w) => {
                    return Err(ForgeError::Status {
                        url: url.to_string(),
                        status: page.status,
                        message: format!(
                            ": rate limited for another {} s{}; run again later with --resume",
                            w.as_secs(),
                            if retries >= MAX_RETRIES {
                                format!(" after {retries} waits")
                            } else {
                                String::new()
                            }
                        ),
                    })
                }
                None => {
                    return Err(ForgeError::Status {
                        url: url.to_string(),
                        status: page.status,
                        message: self.explain(&page),
                    })
                }
            }
        }
    }

    /// The API's message for an error status, and what to do.
    fn explain(&self, page: &Page) -> String {
        let api_message = serde_json::from_slice::<serde_json::Value>(&page.body)
            .ok()
            .and_then(|v| {
                v.get("message")
                    .or_else(|| v.get("error"))
                    .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_string))
            })
            .map(|m| format!(" ({})", crate::printable::escape(&m)))
            .unwrap_or_default();
        let hint = match page.status {
            401 => format!("; the token in {} was refused", self.forge.token_var()),
            403 if self.token.is_none() => format!("; set {} to a token", self.forge.token_var()),
            403 => "; the token may lack the scope to list these repositories".to_string(),
            404 => "; no such organisation, user or group, or the token cannot see it".to_string(),
            _ => String::new(),
        };
        format!("{api_message}{hint}")
    }

    fn get_once(&self, url: &url::Url) -> Result<Page, ForgeError> {
        let err = |message: String| ForgeError::Request {
            url: url.to_string(),
            message,
        };
        let mut req = self.agent.get(url.as_str());
        req = match self.forge {
            Forge::GitHub => req
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28"),
            Forge::GitLab => req.header("Accept", "application/json"),
        };
        // The token goes to the API's own origin only.
        if let Some(t) = &self.token {
            if url.origin() == self.api.origin() {
                req = match self.forge {
                    Forge::GitHub => req.header("Authorization", &format!("Bearer {t}")),
                    Forge::GitLab => req.header("PRIVATE-TOKEN", t),
                };
            }
        }
        let mut resp = req.call().map_err(|e| err(e.to_string()))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(k, v)| {
                Some((
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().ok()?.to_string(),
                ))
            })
            .collect();
        let mut body = Vec::new();
        use std::io::Read;
        resp.body_mut()
            .as_reader()
            .take(MAX_BODY)
            .read_to_end(&mut body)
            .map_err(|e| err(format!("reading the answer: {e}")))?;
        Ok(Page {
            status,
            headers,
            body,
        })
    }
}

/// One answer.
struct Page {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Page {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A path segment, percent-encoded (a GitLab group path `a/b` becomes `a%2Fb`).
fn segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The `rel="next"` target of a `Link` header (RFC 8288).
fn link_next(header: &str) -> Option<String> {
    for part in header.split(',') {
        let mut pieces = part.split(';');
        let target = pieces.next()?.trim();
        let is_next = pieces.any(|p| {
            let p = p.trim();
            p.eq_ignore_ascii_case("rel=\"next\"") || p.eq_ignore_ascii_case("rel=next")
        });
        if is_next {
            return Some(
                target
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string(),
            );
        }
    }
    None
}

/// How long a rate-limited answer asks to wait; `None` when it is not a rate limit.
fn rate_limit_wait(page: &Page, now: SystemTime) -> Option<Duration> {
    if page.status != 403 && page.status != 429 {
        return None;
    }
    if let Some(s) = page
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Some(Duration::from_secs(s));
    }
    let remaining = page
        .header("x-ratelimit-remaining")
        .or_else(|| page.header("ratelimit-remaining"))
        .and_then(|v| v.trim().parse::<u64>().ok());
    let reset = page
        .header("x-ratelimit-reset")
        .or_else(|| page.header("ratelimit-reset"))
        .and_then(|v| v.trim().parse::<u64>().ok());
    let now_s = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    match (remaining, reset) {
        (Some(0), Some(r)) | (None, Some(r)) if page.status == 429 || remaining == Some(0) => {
            // One second past the reset: the clocks may differ a little.
            Some(Duration::from_secs(r.saturating_sub(now_s) + 1))
        }
        // A secondary rate limit may come with neither header: GitHub asks for at least a
        // minute's wait, and says so in the message.
        _ if page.status == 429
            || String::from_utf8_lossy(&page.body)
                .to_ascii_lowercase()
                .contains("rate limit") =>
        {
            Some(Duration::from_secs(60))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(status: u16, headers: &[(&str, &str)]) -> Page {
        Page {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            body: Vec::new(),
        }
    }

    #[test]
    fn links() {
        let h = "<https://api.github.com/orgs/o/repos?page=2>; rel=\"next\", \
                 <https://api.github.com/orgs/o/repos?page=9>; rel=\"last\"";
        assert_eq!(
            link_next(h).as_deref(),
            Some("https://api.github.com/orgs/o/repos?page=2")
        );
        assert_eq!(link_next("<x>; rel=\"last\""), None);
    }

    #[test]
    fn rate_limits() {
        let now = UNIX_EPOCH + Duration::from_secs(1000);
        let w = |p: Page| rate_limit_wait(&p, now);
        assert_eq!(
            w(page(
                403,
                &[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", "1002")
                ]
            )),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            w(page(403, &[("retry-after", "7")])),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            w(page(429, &[("ratelimit-reset", "1010")])),
            Some(Duration::from_secs(11))
        );
        // A permission error is not a rate limit.
        assert_eq!(w(page(403, &[("x-ratelimit-remaining", "4999")])), None);
        assert_eq!(w(page(404, &[])), None);
        assert_eq!(w(page(429, &[])), Some(Duration::from_secs(60)));
        let mut secondary = page(403, &[]);
        secondary.body = br#"{"message":"You have exceeded a secondary rate limit"}"#.to_vec();
        assert_eq!(w(secondary), Some(Duration::from_secs(60)));
    }

    #[test]
    fn api_urls() {
        assert!(Lister::new(Forge::GitHub, Some("http://ghe.example.com/api/v3"), None).is_err());
        assert!(Lister::new(Forge::GitHub, Some("http://127.0.0.1:1/"), None).is_ok());
        assert!(Lister::new(Forge::GitLab, Some("https://u:p@gitlab.example.com"), None).is_err());
        let l = Lister::new(Forge::GitHub, Some("https://ghe.example.com/api/v3"), None).unwrap();
        assert_eq!(l.api(), "https://ghe.example.com/api/v3/");
        assert_eq!(segment("group/sub"), "group%2Fsub");
    }
}
