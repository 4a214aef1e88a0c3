//! Stripe: `GET /v1/account` with the secret or restricted key as a bearer token. A restricted
//! key without the permission to read the account is refused with a permission error (403)
//! that names the account: the key is live.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Stripe.
pub struct Stripe;

static INFO: Info = Info {
    name: "stripe",
    docs: "https://docs.stripe.com/api/accounts/retrieve",
    base: "https://api.stripe.com",
    hosts: &["api.stripe.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

/// The `acct_…` id in a permission error's message.
fn account_in(message: &str) -> Option<String> {
    let start = message.find("acct_")?;
    let id: String = message[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (id.len() > "acct_".len()).then_some(id)
}

impl Provider for Stripe {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if cred.secret.starts_with("whsec_") {
            return Verdict::unknown(
                None,
                "webhook signing secrets only sign events; Stripe has no endpoint to check them",
            );
        }
        let r = match api.get("/v1/account").bearer(cred.secret).send() {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if r.status == 403 {
            let message = r.json().and_then(|v| json_str(&v, "error/message"));
            if let Some(m) =
                message.filter(|m| m.contains("does not have the required permissions"))
            {
                return Verdict::active(&r, account_in(&m).map(|a| format!("account {a}")));
            }
        }
        Verdict::from_identity_endpoint(&r, |v| {
            let id = json_str(v, "id")?;
            Some(match json_str(v, "email") {
                Some(e) => format!("account {id} ({e})"),
                None => format!("account {id}"),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "sk_live_51Hq8ZtKv3RmW9xLp2QbN7cYdF4gJ6sE0aUiO"; // leakhound:allow: a made-up test value

    fn spec(live: Reply, identity: Option<&'static str>) -> VerifySpec {
        VerifySpec {
            provider: &Stripe,
            rule: "stripe-live-secret-key",
            secret: KEY,
            annotations: vec![],
            live,
            identity,
            invalid: Reply::json(
                401,
                r#"{"error":{"message":"Invalid API Key provided: sk_live_****iO","type":"invalid_request_error"}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v1/account"));
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
        battery::verify(&spec(
            Reply::json(
                200,
                r#"{"id":"acct_1Hq8ZtKv3RmW9xLp","email":"ops@example.com"}"#,
            ),
            Some("account acct_1Hq8ZtKv3RmW9xLp (ops@example.com)"),
        ));
    }

    #[test]
    fn a_restricted_key_without_permission_is_live() {
        battery::verify(&spec(
            Reply::json(
                403,
                r#"{"error":{"message":"The provided key 'rk_live_****iO' does not have the required permissions for this endpoint on account 'acct_1Hq8ZtKv3RmW9xLp'.","type":"invalid_request_error"}}"#,
            ),
            Some("account acct_1Hq8ZtKv3RmW9xLp"),
        ));
    }

    #[test]
    fn webhook_secrets_are_not_sent() {
        let secret = "whsec_Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5"; // leakhound:allow: a made-up test value
        battery::verify_unsent(&Stripe, "stripe-webhook-secret", secret);
    }
}
