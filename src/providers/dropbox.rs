//! Dropbox: `POST /2/users/get_current_account` (an RPC call without arguments, hence no body)
//! names the account of a short-lived access token; `POST /2/auth/token/revoke` revokes the
//! access token making the call.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Revocation, Verdict};

/// Dropbox.
pub struct Dropbox;

static INFO: Info = Info {
    name: "dropbox",
    docs: "https://www.dropbox.com/developers/documentation/http/documentation#auth-token-revoke",
    base: "https://api.dropboxapi.com",
    hosts: &["api.dropboxapi.com"],
    revoke: true,
    interval: Duration::from_millis(100),
};

impl Provider for Dropbox {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match api
            .post("/2/users/get_current_account")
            .bearer(cred.secret)
            .read_only()
            .send()
        {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| json_str(v, "email")),
            Err(e) => e.into(),
        }
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        match api.post("/2/auth/token/revoke").bearer(cred.secret).send() {
            Ok(r) => Revocation::from_response(&r),
            Err(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, RevokeSpec, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "sl.u.AFq8ZtKv3RmW9xLp2QbN7cYdF4gJ6sE0aUiO2wR8qZ4xV7cK3mN9bP1jH5lT8rY2uEeQm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cK3mN9bP1jH5lT8rY2uEeAb"; // leakhound:allow: a made-up test value
    const INVALID: &str =
        r#"{"error_summary":"invalid_access_token/...","error":{".tag":"invalid_access_token"}}"#;

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Dropbox,
            rule: "dropbox-access-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"account_id":"dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc","email":"ops@example.com","name":{"display_name":"Ops"}}"#,
            ),
            identity: Some("ops@example.com"),
            invalid: Reply::json(401, INVALID),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("POST", "/2/users/get_current_account")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
                assert!(r.body.is_empty());
                assert_eq!(r.header("content-type"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn revoke() {
        battery::revoke(&RevokeSpec {
            provider: &Dropbox,
            rule: "dropbox-access-token",
            secret: TOKEN,
            success: vec![Reply::json(200, "null")],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                let r = &reqs[0];
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("POST", "/2/auth/token/revoke")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
                assert!(r.body.is_empty());
            },
            failure: vec![Reply::json(401, INVALID)],
        });
    }
}
