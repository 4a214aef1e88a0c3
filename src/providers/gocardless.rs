//! GoCardless: `GET /creditors?limit=1` (bearer token, `GoCardless-Version` header) names the
//! creditor. A token says its environment: `live_` tokens go to the live API, `sandbox_` tokens
//! to the sandbox API.

use std::time::Duration;

use super::http::Method;
use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// GoCardless.
pub struct GoCardless;

static INFO: Info = Info {
    name: "gocardless",
    docs: "https://developer.gocardless.com/api-reference/#creditors-list-creditors",
    base: "https://api.gocardless.com",
    hosts: &["api.gocardless.com", "api-sandbox.gocardless.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

/// The sandbox environment's API.
const SANDBOX: &str = "https://api-sandbox.gocardless.com";

/// The sandbox URL for `path`, when `secret` is a sandbox token and the base is the built-in
/// (live) one; `None` sends the request to the base.
fn sandbox_url(base: &str, secret: &str, path: &str) -> Option<String> {
    (secret.starts_with("sandbox_") && base == INFO.base).then(|| format!("{SANDBOX}{path}"))
}

impl Provider for GoCardless {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let path = "/creditors?limit=1";
        let call = match sandbox_url(api.base(), cred.secret, path) {
            Some(url) => api.absolute(Method::Get, &url),
            None => api.get(path),
        };
        match call
            .bearer(cred.secret)
            .header("GoCardless-Version", "2015-07-06")
            .header("Accept", "application/json")
            .send()
        {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
                json_str(v, "creditors/0/name").map(|n| format!("creditor {n}"))
            }),
            Err(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "live_Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &GoCardless,
            rule: "gocardless-access-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"creditors":[{"id":"CR123","name":"Acme Ltd"}],"meta":{"limit":1}}"#,
            ),
            identity: Some("creditor Acme Ltd"),
            invalid: Reply::json(
                401,
                r#"{"error":{"type":"invalid_api_usage","code":401,"message":"Access token not found","errors":[{"reason":"access_token_not_found"}]}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/creditors?limit=1")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
                assert_eq!(r.header("gocardless-version"), Some("2015-07-06"));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn sandbox_tokens_go_to_the_sandbox_host() {
        assert_eq!(
            sandbox_url(INFO.base, "sandbox_abc", "/creditors?limit=1").as_deref(),
            Some("https://api-sandbox.gocardless.com/creditors?limit=1")
        );
        assert_eq!(sandbox_url(INFO.base, TOKEN, "/creditors"), None);
        // Under --provider-endpoint every request goes to the given base.
        assert_eq!(sandbox_url("http://127.0.0.1:1", "sandbox_abc", "/x"), None);
        let client = crate::providers::http::Client::new(Default::default());
        assert!(client
            .check_url("gocardless", INFO.hosts, &format!("{SANDBOX}/creditors"))
            .is_ok());
    }
}
