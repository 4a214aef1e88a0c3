//! Datadog: `GET /api/v1/validate` with the key in `DD-API-KEY` says whether an API key is
//! valid. Application keys only work alongside an API key, which a finding does not carry,
//! so they are not checked.

use std::time::Duration;

use super::{Api, Credential, Info, Provider, Verdict};

/// Datadog (US1 site; other sites through `--provider-endpoint datadog=URL`).
pub struct Datadog;

static INFO: Info = Info {
    name: "datadog",
    docs: "https://docs.datadoghq.com/api/latest/authentication/#validate-api-key",
    base: "https://api.datadoghq.com",
    hosts: &["api.datadoghq.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Datadog {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if cred.rule != "datadog-api-key" {
            return Verdict::unknown(
                None,
                "Datadog application keys need an API key beside them; not checked",
            );
        }
        let r = match api
            .get("/api/v1/validate")
            .header("DD-API-KEY", cred.secret)
            .header("Accept", "application/json")
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        // Documented: "Check if the API key (not the APP key) is valid. If invalid, a 403 is
        // returned."
        if r.status == 403 {
            return Verdict::inactive(&r, "Datadog says the API key is invalid (403)");
        }
        if r.ok()
            && r.json().and_then(|v| v.get("valid").cloned()) != Some(serde_json::Value::Bool(true))
        {
            return Verdict::unknown(Some(&r), "malformed response");
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

    const KEY: &str = "3f9a1c7e5b2d8046a1e9c3b7d5f2a8e6";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Datadog,
            rule: "datadog-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(200, r#"{"valid":true}"#),
            identity: None,
            invalid: Reply::json(403, r#"{"errors":["Forbidden"]}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/v1/validate")
                );
                assert_eq!(r.header("dd-api-key"), Some(KEY));
                assert_eq!(r.header("authorization"), None);
            },
            // Datadog documents 403 as its answer for an invalid API key.
            forbidden: Status::Inactive,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn application_keys_are_not_sent() {
        let secret = "3f9a1c7e5b2d8046a1e9c3b7d5f2a8e6c4b0d917"; // leakhound:allow: a made-up test credential
        battery::verify_unsent(&Datadog, "datadog-app-key", secret);
    }
}
