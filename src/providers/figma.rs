//! Figma: `GET /v1/me` (token in `X-Figma-Token`) names the user a personal access token
//! belongs to. Figma answers a bad token with 403 `Invalid token`; other 403s (a token without
//! the `current_user:read` scope) say nothing about liveness.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Figma.
pub struct Figma;

static INFO: Info = Info {
    name: "figma",
    docs: "https://developers.figma.com/docs/rest-api/personal-access-tokens/",
    base: "https://api.figma.com",
    hosts: &["api.figma.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Figma {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api
            .get("/v1/me")
            .header("X-Figma-Token", cred.secret)
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if r.status == 403
            && r.json().and_then(|v| json_str(&v, "err")).as_deref() == Some("Invalid token")
        {
            return Verdict::inactive(&r, "Figma says Invalid token (403)");
        }
        Verdict::from_identity_endpoint(&r, |v| {
            json_str(v, "email").or_else(|| json_str(v, "handle"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "figd_Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8Zx"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Figma,
            rule: "figma-personal-access-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"id":"123","handle":"ada","email":"ada@example.com"}"#,
            ),
            identity: Some("ada@example.com"),
            invalid: Reply::json(403, r#"{"status":403,"err":"Invalid token"}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v1/me"));
                assert_eq!(r.header("x-figma-token"), Some(TOKEN));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
