//! Google API keys (`AIza…`): `GET /v1beta/models?pageSize=1` on the Gemini API with the key
//! in the `x-goog-api-key` header (never in the URL). Google answers a bad or expired key with
//! 400 and the `ErrorInfo` reason `API_KEY_INVALID`/`API_KEY_EXPIRED`; a good key whose
//! project has not enabled the Gemini API, or which is restricted to other APIs, gets 403
//! `SERVICE_DISABLED`/`API_KEY_SERVICE_BLOCKED`, which still proves the key is live. The
//! other Google credentials (service-account keys, OAuth secrets and tokens) are not checked.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Google (API keys).
pub struct Google;

static INFO: Info = Info {
    name: "google",
    docs: "https://ai.google.dev/api/models#method:-models.list",
    base: "https://generativelanguage.googleapis.com",
    hosts: &["generativelanguage.googleapis.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

/// The `ErrorInfo` reasons in a Google error body.
fn reasons(v: &serde_json::Value) -> Vec<String> {
    v.pointer("/error/details")
        .and_then(|d| d.as_array())
        .map(|a| a.iter().filter_map(|d| json_str(d, "reason")).collect())
        .unwrap_or_default()
}

impl Provider for Google {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if !cred.secret.starts_with("AIza") {
            return Verdict::unknown(None, "only Google API keys (AIza…) are checked");
        }
        let r = match api
            .get("/v1beta/models?pageSize=1")
            .header("x-goog-api-key", cred.secret)
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if matches!(r.status, 400 | 403) {
            let why = r.json().map(|v| reasons(&v)).unwrap_or_default();
            let has = |s: &str| why.iter().any(|w| w == s);
            if r.status == 400 && (has("API_KEY_INVALID") || has("API_KEY_EXPIRED")) {
                return Verdict::inactive(&r, "Google says the API key is invalid or expired");
            }
            if r.status == 403 && (has("SERVICE_DISABLED") || has("API_KEY_SERVICE_BLOCKED")) {
                return Verdict::active(&r, None);
            }
        }
        Verdict::from_identity_endpoint(&r, |_| None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "AIzaSyQm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU"; // leakhound:allow: a made-up test credential

    fn spec() -> VerifySpec {
        VerifySpec {
            provider: &Google,
            rule: "google-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"models":[{"name":"models/gemini-2.0-flash"}],"nextPageToken":"x"}"#,
            ),
            identity: None,
            invalid: Reply::json(
                400,
                r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v1beta/models?pageSize=1")
                );
                assert_eq!(r.header("x-goog-api-key"), Some(KEY));
                assert!(!r.path.contains(KEY), "the key must not be in the URL");
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        }
    }

    #[test]
    fn verify() {
        battery::verify(&spec());
    }

    #[test]
    fn a_key_whose_project_lacks_the_gemini_api_is_live() {
        let mut s = spec();
        s.live = Reply::json(
            403,
            r#"{"error":{"code":403,"status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"SERVICE_DISABLED"}]}}"#,
        );
        battery::verify(&s);
    }

    #[test]
    fn other_google_credentials_are_not_sent() {
        let secret = "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"; // leakhound:allow: a made-up test credential
        battery::verify_unsent(&Google, "google-oauth-client-secret", secret);
    }
}
