//! Linear: the GraphQL query `{ viewer { id name email } }` names the user a personal API key
//! belongs to. It is a POST but reads only, so it is sent as read-only. Personal API keys go
//! in `Authorization` without a scheme. Linear reports a bad key as a GraphQL error with
//! `extensions.code` `AUTHENTICATION_ERROR`.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Linear.
pub struct Linear;

static INFO: Info = Info {
    name: "linear",
    docs: "https://linear.app/developers/graphql#authentication",
    base: "https://api.linear.app",
    hosts: &["api.linear.app"],
    revoke: false,
    interval: Duration::from_millis(100),
};

const QUERY: &str = "{ viewer { id name email } }";

impl Provider for Linear {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api
            .post("/graphql")
            .header("Authorization", cred.secret)
            .json(&serde_json::json!({ "query": QUERY }))
            .read_only()
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        let body = r.json();
        let auth_error = body.as_ref().is_some_and(|v| {
            v.get("errors").and_then(|e| e.as_array()).is_some_and(|a| {
                a.iter().any(|e| {
                    json_str(e, "extensions/code").as_deref() == Some("AUTHENTICATION_ERROR")
                })
            })
        });
        if auth_error && matches!(r.status, 200 | 400 | 401) {
            return Verdict::inactive(&r, "Linear says AUTHENTICATION_ERROR");
        }
        if r.ok()
            && body
                .as_ref()
                .and_then(|v| v.pointer("/data/viewer/id"))
                .is_none()
        {
            return Verdict::unknown(Some(&r), "no viewer in the answer");
        }
        Verdict::from_identity_endpoint(&r, |v| {
            json_str(v, "data/viewer/email").or_else(|| json_str(v, "data/viewer/name"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "lin_api_Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8Zx"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Linear,
            rule: "linear-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"data":{"viewer":{"id":"u1","name":"Ada","email":"ada@example.com"}}}"#,
            ),
            identity: Some("ada@example.com"),
            invalid: Reply::json(
                400,
                r#"{"errors":[{"message":"Authentication required, not authenticated","extensions":{"type":"authentication error","code":"AUTHENTICATION_ERROR"}}]}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/graphql"));
                assert_eq!(r.header("authorization"), Some(KEY));
                assert_eq!(r.header("content-type"), Some("application/json"));
                assert_eq!(r.body_json(), serde_json::json!({ "query": QUERY }));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
