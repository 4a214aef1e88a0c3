//! Supabase Management API: `GET /v1/organizations` with the token as a bearer token (personal
//! access tokens, `sbp_`), which lists the user's organizations. The Management API is limited to
//! 60 requests a minute per user (<https://supabase.com/docs/reference/api/introduction>), hence
//! one request a second.

use std::time::Duration;

use super::{bearer_get, Api, Credential, Info, Provider, Verdict};

/// Supabase Management API.
pub struct Supabase;

static INFO: Info = Info {
    name: "supabase",
    docs: "https://supabase.com/docs/reference/api/v1-list-all-organizations",
    base: "https://api.supabase.com",
    hosts: &["api.supabase.com"],
    revoke: false,
    interval: Duration::from_millis(1000),
};

impl Provider for Supabase {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        bearer_get(api, "/v1/organizations", cred.secret, "0/name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "sbp_3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e3f9a7c2e"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Supabase,
            rule: "supabase-access-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(200, r#"[{"id":"qzrtbvxk","name":"Acme"}]"#),
            identity: Some("Acme"),
            invalid: Reply::json(401, r#"{"message":"Unauthorized"}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v1/organizations")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
