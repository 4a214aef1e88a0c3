//! HashiCorp Vault tokens (`hvs.`, `hvb.`, legacy `s.`). Vault is self-hosted (or an HCP
//! cluster with its own address), so there is no fixed host to send a token to: without
//! `--provider-endpoint vault=https://vault.example:8200` nothing is sent and the answer is
//! unknown ([`Api`] decides so from the empty [`INFO`] base). With it, the token goes only to
//! that host, in the `X-Vault-Token` header.
//!
//! - Verify: `GET /v1/auth/token/lookup-self` describes the token making the call
//!   (<https://developer.hashicorp.com/vault/api-docs/auth/token#lookup-a-token-self>); the
//!   default policy grants it to every token. Vault answers 403 both for a bad token and for a
//!   token without the default policy, so a 403 is inactive only when its `errors` say
//!   `invalid token`; any other 403 stays unknown.
//! - Revoke: `POST /v1/auth/token/revoke-self` revokes the token making the call and its
//!   children, answering 204
//!   (<https://developer.hashicorp.com/vault/api-docs/auth/token#revoke-a-token-self>). Batch
//!   tokens (`hvb.`) cannot be revoked: they live until their TTL
//!   (<https://developer.hashicorp.com/vault/docs/concepts/tokens#batch-tokens>), so nothing
//!   is sent for them.

use std::time::Duration;

use super::{
    http::Response, json_str, unexpected, Api, Credential, Info, Outcome, Provider, Revocation,
    Verdict,
};

/// HashiCorp Vault (only at the server the user names).
pub struct Vault;

static INFO: Info = Info {
    name: "vault",
    docs: "https://developer.hashicorp.com/vault/api-docs/auth/token#revoke-a-token-self",
    // No public host: every request needs the user's `--provider-endpoint vault=URL`.
    base: "",
    hosts: &[],
    revoke: true,
    interval: Duration::from_millis(100),
};

/// Whether Vault's `errors` list says the token is invalid.
fn says_invalid_token(r: &Response) -> bool {
    r.json()
        .and_then(|v| v.get("errors")?.as_array().cloned())
        .is_some_and(|errs| {
            errs.iter()
                .filter_map(|e| e.as_str())
                .any(|e| e.eq_ignore_ascii_case("invalid token"))
        })
}

impl Provider for Vault {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api
            .get("/v1/auth/token/lookup-self")
            .header("X-Vault-Token", cred.secret)
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        match r.status {
            200..=299 => match r.json() {
                Some(v) => Verdict::active(
                    &r,
                    json_str(&v, "data/display_name").map(|n| format!("token {n}")),
                ),
                None => Verdict::unknown(Some(&r), "malformed response"),
            },
            403 if says_invalid_token(&r) => {
                Verdict::inactive(&r, "Vault says invalid token (403)")
            }
            403 => Verdict::unknown(
                Some(&r),
                "permission denied (403): an invalid token, or one without the default policy",
            ),
            _ => Verdict::unknown(Some(&r), &unexpected(&r)),
        }
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        if cred.secret.starts_with("hvb.") {
            return Revocation::new(
                Outcome::Refused,
                None,
                "Vault batch tokens cannot be revoked; they expire with their TTL",
            );
        }
        Revocation::expect(
            api.post("/v1/auth/token/revoke-self")
                .header("X-Vault-Token", cred.secret)
                .send(),
            204,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, RevokeSpec, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "hvs.CAESIQm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8ZxRk"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify_undocumented_invalid(&VerifySpec {
            provider: &Vault,
            rule: "vault-service-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"data":{"display_name":"github-ops","policies":["default"],"ttl":3600}}"#,
            ),
            identity: Some("token github-ops"),
            // A 403 without "invalid token" in it says nothing sure.
            invalid: Reply::json(403, r#"{"errors":["permission denied"]}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v1/auth/token/lookup-self")
                );
                assert_eq!(r.header("x-vault-token"), Some(TOKEN));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn a_403_saying_invalid_token_is_inactive() {
        let (v, _) = battery::call(
            &Vault,
            "vault-service-token",
            TOKEN,
            &[],
            vec![Reply::json(
                403,
                r#"{"errors":["permission denied","invalid token"]}"#,
            )],
            false,
            |api, cred| Vault.verify(api, cred),
        );
        assert_eq!(v.status, Status::Inactive, "{v:?}");
    }

    #[test]
    fn revoke_self() {
        battery::revoke(&RevokeSpec {
            provider: &Vault,
            rule: "vault-service-token",
            secret: TOKEN,
            success: vec![Reply::status(204)],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("POST", "/v1/auth/token/revoke-self")
                );
                assert_eq!(reqs[0].header("x-vault-token"), Some(TOKEN));
                assert!(reqs[0].body_text().is_empty());
            },
            failure: vec![Reply::json(403, r#"{"errors":["permission denied"]}"#)],
        });
    }

    #[test]
    fn batch_tokens_are_not_revoked() {
        let batch = "hvb.AAAAAQKm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8ZxRkQm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8ZxRkQm7Tz"; // leakhound:allow: a made-up test credential
        battery::revoke_unsent(&Vault, "vault-batch-token", batch);
    }
}
