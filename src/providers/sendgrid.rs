//! SendGrid: `GET /v3/scopes` lists what an API key may do (every key may read its own
//! scopes). A key is `SG.<id>.<secret>`, and its id is the `api_key_id` that `DELETE
//! /v3/api_keys/{api_key_id}` takes, so revocation needs no lookup: the id comes from the key
//! itself and can only name that key (the key needs the `api_keys.delete` scope).

use std::time::Duration;

use super::{Api, Credential, Info, Outcome, Provider, Revocation, Verdict};

/// Twilio SendGrid.
pub struct SendGrid;

static INFO: Info = Info {
    name: "sendgrid",
    docs: "https://www.twilio.com/docs/sendgrid/api-reference/api-keys/delete-api-keys",
    base: "https://api.sendgrid.com",
    hosts: &["api.sendgrid.com"],
    revoke: true,
    interval: Duration::from_millis(100),
};

/// The key's id, when `secret` has the documented shape `SG.<22>.<43>`.
fn key_id(secret: &str) -> Option<&str> {
    let mut parts = secret.split('.');
    let (sg, id, rest) = (parts.next()?, parts.next()?, parts.next()?);
    let ok = |s: &str, n: usize| {
        s.len() == n
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    (sg == "SG" && ok(id, 22) && ok(rest, 43) && parts.next().is_none()).then_some(id)
}

impl Provider for SendGrid {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match api.get("/v3/scopes").bearer(cred.secret).send() {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
                let n = v.get("scopes")?.as_array()?.len();
                Some(format!("API key with {n} scopes"))
            }),
            Err(e) => e.into(),
        }
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        let Some(id) = key_id(cred.secret) else {
            return Revocation::new(
                Outcome::Refused,
                None,
                "not a SendGrid API key of the documented shape SG.<id>.<secret>; no key id",
            );
        };
        match api
            .delete(&format!("/v3/api_keys/{id}"))
            .bearer(cred.secret)
            .send()
        {
            Ok(r) if r.status == 204 => {
                Revocation::new(Outcome::Revoked, Some(&r), "API key deleted (204)")
            }
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

    const KEY: &str = "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"; // leakhound:allow: a made-up test credential

    #[test]
    fn key_ids_come_only_from_well_formed_keys() {
        assert_eq!(key_id(KEY), Some("Qm7TzR2vXk9LpW4sB8nC3d"));
        assert_eq!(
            key_id("SG.short.Fh6yP4sA0eU2iOq8ZxLm5Nb7Vc3Kd9Rt1Wg2Hj4Ty6U"),
            None
        );
        assert_eq!(
            key_id("SG.Qm7TzR2vXk9LpW4sB8nC3d/x.Fh6yP4sA0eU2iOq8ZxLm5Nb7Vc3Kd9Rt1Wg2Hj"),
            None
        );
        assert_eq!(key_id(&format!("{KEY}.extra")), None);
        assert_eq!(
            key_id("SG.Qm7TzR2vXk9LpW4sB8n/3d.Fh6yP4sA0eU2iOq8ZxLm5Nb7Vc3Kd9Rt1Wg2Hj4Ty6U"),
            None
        );
    }

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &SendGrid,
            rule: "sendgrid-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(200, r#"{"scopes":["mail.send","api_keys.delete"]}"#),
            identity: Some("API key with 2 scopes"),
            invalid: Reply::json(
                401,
                r#"{"errors":[{"field":null,"message":"authorization required"}]}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v3/scopes"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {KEY}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn revoke_deletes_the_key_by_its_own_id() {
        battery::revoke(&RevokeSpec {
            provider: &SendGrid,
            rule: "sendgrid-api-key",
            secret: KEY,
            success: vec![Reply::status(204)],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("DELETE", "/v3/api_keys/Qm7TzR2vXk9LpW4sB8nC3d")
                );
                assert_eq!(
                    reqs[0].header("authorization"),
                    Some(format!("Bearer {KEY}").as_str())
                );
            },
            failure: vec![Reply::json(
                403,
                r#"{"errors":[{"field":null,"message":"access forbidden"}]}"#,
            )],
        });
    }

    #[test]
    fn a_malformed_key_is_refused_without_a_request() {
        let secret = "SG.Qm7TzR2vXk9LpW4sB8nC3d.short"; // leakhound:allow: a made-up test credential
        battery::revoke_unsent(&SendGrid, "sendgrid-api-key", secret);
    }
}
