//! Heroku: `GET /account` on the Platform API names the account an API key or OAuth token belongs to.
//!
//! Revocation: Heroku's tokens are OAuth authorizations. `GET /oauth/authorizations` lists the
//! account's authorizations with their access tokens; leakhound deletes (`DELETE
//! /oauth/authorizations/{id}`) only the one authorization whose access token equals the leaked
//! token exactly, and refuses when there is not exactly one (a redacted or paged listing
//! included).

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Outcome, Provider, Revocation, Verdict};

/// Heroku.
pub struct Heroku;

static INFO: Info = Info {
    name: "heroku",
    docs: "https://devcenter.heroku.com/articles/platform-api-reference#oauth-authorization",
    base: "https://api.heroku.com",
    hosts: &["api.heroku.com"],
    revoke: true,
    interval: Duration::from_millis(100),
};

impl Provider for Heroku {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api
            .get("/account")
            .bearer(cred.secret)
            .header("Accept", "application/vnd.heroku+json; version=3")
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        Verdict::from_identity_endpoint(&r, |v| json_str(v, "email"))
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        let r = match api
            .get("/oauth/authorizations")
            .bearer(cred.secret)
            .header("Accept", ACCEPT)
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if !r.ok() {
            let mut f = Revocation::from_response(&r);
            // Only the read-only listing failed: nothing was deleted.
            f.outcome = Outcome::Failed;
            return f;
        }
        let ids: Vec<String> = r
            .json()
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter(|a| json_str(a, "access_token/token").as_deref() == Some(cred.secret))
            .filter_map(|a| json_str(a, "id"))
            .collect();
        let [id] = ids.as_slice() else {
            return Revocation::new(
                Outcome::Refused,
                Some(&r),
                "no single authorization holds exactly this token; nothing deleted",
            );
        };
        if id.len() != 36 || !id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return Revocation::new(
                Outcome::Refused,
                Some(&r),
                "unexpected authorization id; nothing deleted",
            );
        }
        match api
            .delete(&format!("/oauth/authorizations/{id}"))
            .bearer(cred.secret)
            .header("Accept", ACCEPT)
            .send()
        {
            Ok(r) => Revocation::from_response(&r),
            Err(e) => e.into(),
        }
    }
}

const ACCEPT: &str = "application/vnd.heroku+json; version=3";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, RevokeSpec, VerifySpec};
    use crate::providers::fake::{FakeServer, Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "HRKU-AAs1SWOpQaPRYpzbLGViYXjU2JgJngKtFI3OyV2dZAkg05rK_gqv81RKMGHZ"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Heroku,
            rule: "heroku-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"id":"01234567-89ab-cdef-0123-456789abcdef","email":"ops@example.com"}"#,
            ),
            identity: Some("ops@example.com"),
            invalid: Reply::json(
                401,
                r#"{"id":"unauthorized","message":"Invalid credentials provided."}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/account"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {SECRET}").as_str())
                );
                assert_eq!(
                    r.header("accept"),
                    Some("application/vnd.heroku+json; version=3")
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    /// Two authorizations: another token differing in its last character, then this one.
    fn listing() -> String {
        let other = format!("{}X", &SECRET[..SECRET.len() - 1]);
        format!(
            r#"[{{"id":"11111111-2222-3333-4444-555555555555","access_token":{{"token":"{other}"}}}},
            {{"id":"01234567-89ab-cdef-0123-456789abcdef","access_token":{{"id":"x","token":"{SECRET}"}}}}]"#
        )
    }

    #[test]
    fn revoke_deletes_the_authorization_holding_exactly_this_token() {
        battery::revoke(&RevokeSpec {
            provider: &Heroku,
            rule: "heroku-api-key",
            secret: SECRET,
            success: vec![
                Reply::json(200, &listing()),
                Reply::json(200, r#"{"id":"01234567-89ab-cdef-0123-456789abcdef"}"#),
            ],
            lookups: 1,
            dry_run_calls: 1,
            check: |reqs| {
                assert_eq!(reqs.len(), 2);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("GET", "/oauth/authorizations")
                );
                assert_eq!(
                    (reqs[1].method.as_str(), reqs[1].path.as_str()),
                    (
                        "DELETE",
                        "/oauth/authorizations/01234567-89ab-cdef-0123-456789abcdef"
                    )
                );
                for r in reqs {
                    assert_eq!(
                        r.header("authorization"),
                        Some(format!("Bearer {SECRET}").as_str())
                    );
                    assert_eq!(
                        r.header("accept"),
                        Some("application/vnd.heroku+json; version=3")
                    );
                }
            },
            failure: vec![Reply::json(
                401,
                r#"{"id":"unauthorized","message":"Invalid credentials provided."}"#,
            )],
        });
    }

    #[test]
    fn no_exact_match_no_deletion() {
        for body in [
            r#"[{"id":"01234567-89ab-cdef-0123-456789abcdef","access_token":{"token":"HRKU-AAs1…"}}]"#,
            r#"[{"id":"01234567-89ab-cdef-0123-456789abcdef","access_token":null}]"#,
            r#"[]"#,
            "not json",
        ] {
            let server = FakeServer::start(vec![Reply::json(200, body), Reply::json(200, "{}")]);
            let client = battery::client("heroku", &server, false);
            let ann = std::collections::BTreeMap::new();
            let cred = Credential {
                rule: "heroku-api-key",
                secret: SECRET,
                annotations: &ann,
            };
            let r = Heroku.revoke(&Api::new(&client, &INFO, SECRET), &cred);
            assert_eq!(r.outcome, Outcome::Refused, "{body}");
            assert_eq!(
                server.requests().len(),
                1,
                "only the listing may be read: {body}"
            );
        }
        let dup = format!(
            r#"[{{"id":"01234567-89ab-cdef-0123-456789abcdef","access_token":{{"token":"{SECRET}"}}}},{{"id":"11111111-89ab-cdef-0123-456789abcdef","access_token":{{"token":"{SECRET}"}}}}]"#
        );
        let server = FakeServer::start(vec![Reply::json(200, &dup)]);
        let client = battery::client("heroku", &server, false);
        let ann = std::collections::BTreeMap::new();
        let cred = Credential {
            rule: "heroku-api-key",
            secret: SECRET,
            annotations: &ann,
        };
        assert_eq!(
            Heroku
                .revoke(&Api::new(&client, &INFO, SECRET), &cred)
                .outcome,
            Outcome::Refused
        );
    }
}
