//! Cloudflare: a user API token verifies itself (`GET /client/v4/user/tokens/verify`), which
//! also gives the token's own id; revocation deletes exactly that id
//! (`DELETE /client/v4/user/tokens/{id}`, which needs the token to hold "API Tokens Write").
//! Account-owned tokens, Global API Keys and Origin CA keys need an account id or an email and
//! are not checked.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Outcome, Provider, Revocation, Verdict};

/// Cloudflare.
pub struct Cloudflare;

static INFO: Info = Info {
    name: "cloudflare",
    docs:
        "https://developers.cloudflare.com/api/resources/user/subresources/tokens/methods/verify/",
    base: "https://api.cloudflare.com",
    hosts: &["api.cloudflare.com"],
    revoke: true,
    interval: Duration::from_millis(100),
};

/// User API tokens: the `cfut_` kind and the unprefixed 40-character kind.
fn is_user_token(cred: &Credential<'_>) -> bool {
    let s = cred.secret;
    s.starts_with("cfut_")
        || (cred.rule == "cloudflare-api-token-legacy"
            && s.len() == 40
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')))
}

/// What the verify endpoint says about the token.
enum Verified {
    /// Active, with its id.
    Active(super::http::Response, Option<String>),
    /// Anything else.
    Not(Verdict),
}

fn check(api: &Api<'_>, token: &str) -> Verified {
    let r = match api
        .get("/client/v4/user/tokens/verify")
        .bearer(token)
        .send()
    {
        Ok(r) => r,
        Err(e) => return Verified::Not(e.into()),
    };
    let body = if r.ok() { r.json() } else { None };
    match body.as_ref().and_then(|v| json_str(v, "result/status")) {
        Some(s) if s == "active" => {
            let id = body.as_ref().and_then(|v| json_str(v, "result/id"));
            Verified::Active(r, id)
        }
        Some(s) => Verified::Not(Verdict::inactive(
            &r,
            &format!("Cloudflare says the token is {s}"),
        )),
        None => Verified::Not(Verdict::from_identity_endpoint(&r, |_| None)),
    }
}

impl Provider for Cloudflare {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if !is_user_token(cred) {
            return Verdict::unknown(
                None,
                "only user API tokens can be checked without an account id or email",
            );
        }
        match check(api, cred.secret) {
            Verified::Active(r, id) => Verdict::active(&r, id.map(|i| format!("token {i}"))),
            Verified::Not(v) => v,
        }
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        if !is_user_token(cred) {
            return Revocation::new(
                Outcome::Refused,
                None,
                "only user API tokens can delete themselves",
            );
        }
        let id = match check(api, cred.secret) {
            Verified::Active(_, Some(id)) => id,
            Verified::Active(r, None) => {
                return Revocation::new(Outcome::Refused, Some(&r), "verify gave no token id")
            }
            Verified::Not(v) => {
                return Revocation {
                    outcome: Outcome::Failed,
                    detail: Some(format!(
                        "not verified active: {}",
                        v.detail.unwrap_or_default()
                    )),
                    http_status: v.http_status,
                }
            }
        };
        // The id is the token's own, from its own verification; it still goes into a path.
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Revocation::new(Outcome::Refused, None, "unexpected token id from verify");
        }
        match api
            .delete(&format!("/client/v4/user/tokens/{id}"))
            .bearer(cred.secret)
            .send()
        {
            Ok(r) if r.ok() => {
                Revocation::new(Outcome::Revoked, Some(&r), &format!("token {id} deleted"))
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
    use crate::providers::fake::{FakeServer, Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "cfut_Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ";
    const ID: &str = "ed17574386854bf78a67040be0a770b0";
    const LIVE: &str = r#"{"success":true,"errors":[],"result":{"id":"ed17574386854bf78a67040be0a770b0","status":"active"},"messages":[{"code":10000,"message":"This API Token is valid and active"}]}"#;

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Cloudflare,
            rule: "cloudflare-api-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(200, LIVE),
            identity: Some("token ed17574386854bf78a67040be0a770b0"),
            invalid: Reply::json(
                401,
                r#"{"success":false,"errors":[{"code":1000,"message":"Invalid API Token"}]}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/client/v4/user/tokens/verify")
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

    #[test]
    fn a_disabled_token_is_inactive() {
        let server = FakeServer::start(vec![Reply::json(
            200,
            r#"{"success":true,"result":{"id":"ed17574386854bf78a67040be0a770b0","status":"disabled"}}"#,
        )]);
        let client = battery::client("cloudflare", &server, false);
        let ann = std::collections::BTreeMap::new();
        let cred = Credential {
            rule: "cloudflare-api-token",
            secret: TOKEN,
            annotations: &ann,
        };
        let v = Cloudflare.verify(&Api::new(&client, &INFO, TOKEN), &cred);
        assert_eq!(v.status, Status::Inactive);
    }

    #[test]
    fn revoke_deletes_the_tokens_own_id() {
        battery::revoke(&RevokeSpec {
            provider: &Cloudflare,
            rule: "cloudflare-api-token",
            secret: TOKEN,
            success: vec![
                Reply::json(200, LIVE),
                Reply::json(
                    200,
                    r#"{"success":true,"result":{"id":"ed17574386854bf78a67040be0a770b0"}}"#,
                ),
            ],
            lookups: 1,
            dry_run_calls: 1,
            check: |reqs| {
                assert_eq!(reqs.len(), 2);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("GET", "/client/v4/user/tokens/verify")
                );
                assert_eq!(reqs[1].method, "DELETE");
                assert_eq!(reqs[1].path, format!("/client/v4/user/tokens/{ID}"));
                for r in reqs {
                    assert_eq!(
                        r.header("authorization"),
                        Some(format!("Bearer {TOKEN}").as_str())
                    );
                }
            },
            failure: vec![
                Reply::json(200, LIVE),
                Reply::json(
                    403,
                    r#"{"success":false,"errors":[{"code":9109,"message":"Unauthorized to access requested resource"}]}"#,
                ),
            ],
        });
    }

    #[test]
    fn without_an_id_nothing_is_deleted() {
        let server = FakeServer::start(vec![Reply::json(
            200,
            r#"{"success":true,"result":{"status":"active"}}"#,
        )]);
        let client = battery::client("cloudflare", &server, false);
        let ann = std::collections::BTreeMap::new();
        let cred = Credential {
            rule: "cloudflare-api-token",
            secret: TOKEN,
            annotations: &ann,
        };
        let r = Cloudflare.revoke(&Api::new(&client, &INFO, TOKEN), &cred);
        assert_eq!(r.outcome, Outcome::Refused);
        assert_eq!(server.requests().len(), 1, "only the lookup was sent");
    }

    #[test]
    fn global_keys_are_not_sent() {
        let secret = "cfk_Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ"; // leakhound:allow: a made-up test value
        battery::verify_unsent(&Cloudflare, "cloudflare-global-api-key", secret);
        battery::revoke_unsent(&Cloudflare, "cloudflare-global-api-key", secret);
    }
}
