//! Mailchimp Transactional (Mandrill): `POST /api/1.0/users/info` with the key in the JSON
//! body (the API's only way to take it) names the account. Mandrill answers errors with a
//! `name`; `Invalid_Key` is its documented answer for a bad key, whatever the HTTP status.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Mailchimp Transactional.
pub struct Mandrill;

static INFO: Info = Info {
    name: "mandrill",
    docs: "https://mailchimp.com/developer/transactional/api/users/get-user-info/",
    base: "https://mandrillapp.com",
    hosts: &["mandrillapp.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Mandrill {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api
            .post("/api/1.0/users/info")
            .json(&serde_json::json!({ "key": cred.secret }))
            .read_only()
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if !r.ok() && r.json().and_then(|v| json_str(&v, "name")).as_deref() == Some("Invalid_Key")
        {
            return Verdict::inactive(&r, "Mandrill says Invalid_Key");
        }
        Verdict::from_identity_endpoint(&r, |v| json_str(v, "username"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "md-Qm7TzR2vXk9LpW4sB8nC3d";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Mandrill,
            rule: "mailchimp-transactional-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(200, r#"{"username":"ops@example.com","reputation":42}"#),
            identity: Some("ops@example.com"),
            invalid: Reply::json(
                500,
                r#"{"status":"error","code":-1,"name":"Invalid_Key","message":"Invalid API key"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("POST", "/api/1.0/users/info")
                );
                assert_eq!(r.header("content-type"), Some("application/json"));
                assert_eq!(r.body_json(), serde_json::json!({ "key": KEY }));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
