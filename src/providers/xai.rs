//! xAI: `GET /v1/api-key` describes the API key making the request: its name, and whether it
//! (or its team) is blocked or disabled.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// xAI (Grok).
pub struct Xai;

static INFO: Info = Info {
    name: "xai",
    docs: "https://docs.x.ai/docs/api-reference#api-key",
    base: "https://api.x.ai",
    hosts: &["api.x.ai"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Xai {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api.get("/v1/api-key").bearer(cred.secret).send() {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        // The endpoint takes no parameters: xAI documents its 400 as "an invalid API key is
        // provided".
        if r.status == 400 {
            return Verdict::inactive(&r, "xAI rejected the key (400)");
        }
        if r.ok() {
            if let Some(v) = r.json() {
                let flag = |k: &str| v.get(k) == Some(&serde_json::Value::Bool(true));
                if flag("api_key_blocked") || flag("api_key_disabled") || flag("team_blocked") {
                    return Verdict::inactive(
                        &r,
                        "xAI says the key or its team is blocked or disabled",
                    );
                }
            }
        }
        Verdict::from_identity_endpoint(&r, |v| json_str(v, "name").map(|n| format!("key {n:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str =
        "xai-Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8ZxQm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8Zx"; // leakhound:allow: a made-up test credential

    fn spec() -> VerifySpec {
        VerifySpec {
            provider: &Xai,
            rule: "xai-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"redacted_api_key":"xai-...8Zx","name":"ci","api_key_blocked":false,"api_key_disabled":false,"team_blocked":false}"#,
            ),
            identity: Some("key \"ci\""),
            invalid: Reply::json(
                400,
                r#"{"code":"Client specified an invalid argument","error":"Incorrect API key provided"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v1/api-key"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {KEY}").as_str())
                );
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
    fn a_disabled_key_is_inactive() {
        let mut s = spec();
        s.invalid = Reply::json(
            200,
            r#"{"name":"ci","api_key_blocked":false,"api_key_disabled":true}"#,
        );
        battery::verify(&s);
    }
}
