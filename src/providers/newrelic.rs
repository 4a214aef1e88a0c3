//! New Relic: the NerdGraph query `{ actor { user { email } } }` (key in `API-Key`) names the
//! user a user key (`NRAK-`) belongs to. It is a POST that only reads, sent as read-only.
//! Accounts live in the US or the EU region and a key only works in its own, so a key the US
//! endpoint refuses is asked again at the EU endpoint before it is called inactive. License,
//! ingest and query keys cannot use NerdGraph and are not checked.

use std::time::Duration;

use super::http::{Method, Response};
use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// New Relic.
pub struct NewRelic;

static INFO: Info = Info {
    name: "newrelic",
    docs: "https://docs.newrelic.com/docs/apis/nerdgraph/get-started/introduction-new-relic-nerdgraph/",
    base: "https://api.newrelic.com",
    hosts: &["api.newrelic.com", "api.eu.newrelic.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

const EU: &str = "https://api.eu.newrelic.com/graphql";
const QUERY: &str = "{ actor { user { email name } } }";

/// Whether NerdGraph refused the key: HTTP 401 with the GraphQL error code `BAD_API_KEY`
/// ("Bad API Key or no API Key provided").
fn refused(r: &Response) -> bool {
    r.status == 401
        && r.json()
            .and_then(|v| v.get("errors").and_then(|e| e.as_array()).cloned())
            .is_some_and(|a| {
                a.iter()
                    .any(|e| json_str(e, "extensions/error_code").as_deref() == Some("BAD_API_KEY"))
            })
}

impl Provider for NewRelic {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if !cred.secret.starts_with("NRAK-") {
            return Verdict::unknown(None, "only New Relic user keys (NRAK-) can be checked");
        }
        let body = serde_json::json!({ "query": QUERY });
        let ask = |url: Option<&str>| {
            let call = match url {
                Some(u) => api.absolute(Method::Post, u),
                None => api.post("/graphql"),
            };
            call.header("API-Key", cred.secret)
                .json(&body)
                .read_only()
                .send()
        };
        let mut r = match ask(None) {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if refused(&r) && api.base() == INFO.base {
            r = match ask(Some(EU)) {
                Ok(r) => r,
                Err(e) => return e.into(),
            };
        }
        if refused(&r) {
            return Verdict::inactive(&r, "New Relic refused the key (401 BAD_API_KEY)");
        }
        if r.ok()
            && r.json()
                .and_then(|v| v.pointer("/data/actor/user").cloned())
                .is_none()
        {
            return Verdict::unknown(Some(&r), "no user in the answer");
        }
        Verdict::from_identity_endpoint(&r, |v| json_str(v, "data/actor/user/email"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "NRAK-Q7TZR2VXK9LPW4SB8NC3DFH6YP4"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &NewRelic,
            rule: "newrelic-user-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"data":{"actor":{"user":{"email":"sre@example.com","name":"SRE"}}}}"#,
            ),
            identity: Some("sre@example.com"),
            invalid: Reply::json(
                401,
                r#"{"errors":[{"extensions":{"error_code":"BAD_API_KEY"},"message":"Bad API Key or no API Key provided"}]}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/graphql"));
                assert_eq!(r.header("api-key"), Some(KEY));
                assert_eq!(r.header("authorization"), None);
                assert_eq!(r.body_json(), serde_json::json!({ "query": QUERY }));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
