//! ElevenLabs: `GET /v1/user` with the key in `xi-api-key`. A 401 is ambiguous there: it
//! says `invalid_api_key` for a dead key but `missing_permissions` for a live key restricted
//! away from user data, so the body decides.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// ElevenLabs.
pub struct ElevenLabs;

static INFO: Info = Info {
    name: "elevenlabs",
    docs: "https://elevenlabs.io/docs/api-reference/user/get",
    base: "https://api.elevenlabs.io",
    hosts: &["api.elevenlabs.io"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for ElevenLabs {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api.get("/v1/user").header("xi-api-key", cred.secret).send() {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if r.status == 401 {
            let status = r.json().and_then(|v| json_str(&v, "detail/status"));
            return match status.as_deref() {
                Some("invalid_api_key") => Verdict::inactive(&r, "ElevenLabs says invalid_api_key"),
                Some("missing_permissions") => Verdict::active(&r, None),
                _ => Verdict::unknown(Some(&r), "401 without a documented reason"),
            };
        }
        Verdict::from_identity_endpoint(&r, |v| {
            json_str(v, "first_name")
                .or_else(|| json_str(v, "user_id").map(|u| format!("user {u}")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "sk_3f9a1c7e5b2d8046a1e9c3b7d5f2a8e6c4b0d9173a5e7c1b";

    fn spec() -> VerifySpec {
        VerifySpec {
            provider: &ElevenLabs,
            rule: "elevenlabs-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"user_id":"u123","first_name":"Ada","subscription":{"tier":"free"}}"#,
            ),
            identity: Some("Ada"),
            invalid: Reply::json(
                401,
                r#"{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v1/user"));
                assert_eq!(r.header("xi-api-key"), Some(KEY));
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
    fn a_key_restricted_away_from_user_data_is_live() {
        let mut s = spec();
        s.live = Reply::json(
            401,
            r#"{"detail":{"status":"missing_permissions","message":"The API key you used is missing the permission user_read"}}"#,
        );
        s.identity = None;
        battery::verify(&s);
    }
}
