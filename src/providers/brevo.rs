//! Brevo (formerly Sendinblue): `GET /v3/account` with the `api-key` header names the account
//! of a v3 API key (`xkeysib-`). SMTP keys (`xsmtpsib-`) only log in to the SMTP relay and are
//! not checked.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Brevo.
pub struct Brevo;

static INFO: Info = Info {
    name: "brevo",
    docs: "https://developers.brevo.com/reference/get-account",
    base: "https://api.brevo.com",
    hosts: &["api.brevo.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Brevo {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if !cred.secret.starts_with("xkeysib-") {
            return Verdict::unknown(None, "SMTP keys only log in to the relay; not checked");
        }
        match api
            .get("/v3/account")
            .header("api-key", cred.secret)
            .header("Accept", "application/json")
            .send()
        {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| json_str(v, "email")),
            Err(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str =
        "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"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Brevo,
            rule: "brevo-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"email":"ops@example.com","firstName":"Ops","companyName":"Acme"}"#,
            ),
            identity: Some("ops@example.com"),
            invalid: Reply::json(401, r#"{"code":"unauthorized","message":"Key not found"}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v3/account"));
                assert_eq!(r.header("api-key"), Some(KEY));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
