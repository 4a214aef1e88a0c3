//! Cohere: `POST /v1/check-api-key` (bearer key, no body) says whether the key is valid and
//! active, and names its organization. It changes nothing, so it is sent as read-only.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Cohere.
pub struct Cohere;

static INFO: Info = Info {
    name: "cohere",
    docs: "https://docs.cohere.com/reference/check-api-key",
    base: "https://api.cohere.com",
    hosts: &["api.cohere.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Cohere {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api
            .post("/v1/check-api-key")
            .bearer(cred.secret)
            .read_only()
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if r.ok() {
            match r.json().and_then(|v| v.get("valid").cloned()) {
                Some(serde_json::Value::Bool(false)) => {
                    return Verdict::inactive(&r, "Cohere says the key is not valid");
                }
                Some(serde_json::Value::Bool(true)) => {}
                _ => return Verdict::unknown(Some(&r), "malformed response"),
            }
        }
        Verdict::from_identity_endpoint(&r, |v| {
            json_str(v, "organization_id").map(|o| format!("organization {o}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8Zx";

    fn spec() -> VerifySpec {
        VerifySpec {
            provider: &Cohere,
            rule: "cohere-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"valid":true,"organization_id":"org-42","owner_id":"u-7"}"#,
            ),
            identity: Some("organization org-42"),
            invalid: Reply::json(401, r#"{"message":"invalid api token"}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("POST", "/v1/check-api-key")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {KEY}").as_str())
                );
                assert!(r.body.is_empty());
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
    fn valid_false_is_inactive() {
        let mut s = spec();
        s.invalid = Reply::json(200, r#"{"valid":false}"#);
        battery::verify(&s);
    }
}
