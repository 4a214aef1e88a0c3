//! Twitch: `GET https://id.twitch.tv/oauth2/validate` (`Authorization: OAuth TOKEN`) describes
//! an access token, including the client id it was issued to; revocation posts that client id
//! and the token to `POST /oauth2/revoke`. The client id is read from the token's own
//! validation, so nothing is revoked for a token that does not validate.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Outcome, Provider, Revocation, Verdict};

/// Twitch.
pub struct Twitch;

static INFO: Info = Info {
    name: "twitch",
    docs: "https://dev.twitch.tv/docs/authentication/revoke-tokens/",
    base: "https://id.twitch.tv",
    hosts: &["id.twitch.tv"],
    revoke: true,
    interval: Duration::from_millis(100),
};

/// The token without the `oauth:` prefix chat clients write before it.
fn bare(secret: &str) -> &str {
    secret.strip_prefix("oauth:").unwrap_or(secret)
}

fn validate(api: &Api<'_>, token: &str) -> Result<super::http::Response, Verdict> {
    api.get("/oauth2/validate")
        .header("Authorization", &format!("OAuth {token}"))
        .send()
        .map_err(Verdict::from)
}

impl Provider for Twitch {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match validate(api, bare(cred.secret)) {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
                json_str(v, "login").or_else(|| {
                    json_str(v, "client_id").map(|c| format!("app token of client {c}"))
                })
            }),
            Err(v) => v,
        }
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        let token = bare(cred.secret);
        let client_id = match validate(api, token) {
            Ok(r) if r.ok() => match r.json().and_then(|v| json_str(&v, "client_id")) {
                Some(c) if !c.is_empty() => c,
                _ => {
                    return Revocation::new(
                        Outcome::Refused,
                        Some(&r),
                        "validation named no client id",
                    )
                }
            },
            Ok(r) => {
                return Revocation::new(
                    Outcome::Failed,
                    Some(&r),
                    &format!("not validated: {}", super::unexpected(&r)),
                )
            }
            Err(v) => {
                return Revocation {
                    outcome: Outcome::Failed,
                    detail: Some(format!("not validated: {}", v.detail.unwrap_or_default())),
                    http_status: v.http_status,
                }
            }
        };
        match api
            .post("/oauth2/revoke")
            .form(&[("client_id", &client_id), ("token", token)])
            .send()
        {
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

    const TOKEN: &str = "oauth:q8ztkv3rmw9xlp2qbn7cydf4gj6se0";
    const BARE: &str = "q8ztkv3rmw9xlp2qbn7cydf4gj6se0";
    const LIVE: &str = r#"{"client_id":"wbmytr93xzw8zbg0p1izqyzzc5mbiz","login":"streamer","scopes":["chat:read"],"user_id":"141981764","expires_in":5520838}"#;
    const INVALID: &str = r#"{"status":401,"message":"invalid access token"}"#;

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Twitch,
            rule: "twitch-api-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(200, LIVE),
            identity: Some("streamer"),
            invalid: Reply::json(401, INVALID),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/oauth2/validate")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("OAuth {BARE}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn revoke_with_the_tokens_own_client_id() {
        battery::revoke(&RevokeSpec {
            provider: &Twitch,
            rule: "twitch-api-token",
            secret: TOKEN,
            success: vec![Reply::json(200, LIVE), Reply::status(200)],
            lookups: 1,
            dry_run_calls: 1,
            check: |reqs| {
                assert_eq!(reqs.len(), 2);
                assert_eq!(reqs[0].path, "/oauth2/validate");
                let r = &reqs[1];
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("POST", "/oauth2/revoke")
                );
                assert_eq!(
                    r.header("content-type"),
                    Some("application/x-www-form-urlencoded")
                );
                assert_eq!(
                    r.body_text(),
                    format!("client_id=wbmytr93xzw8zbg0p1izqyzzc5mbiz&token={BARE}")
                );
                assert_eq!(r.header("authorization"), None);
            },
            failure: vec![
                Reply::json(200, LIVE),
                Reply::json(400, r#"{"status":400,"message":"Invalid token"}"#),
            ],
        });
    }

    #[test]
    fn an_invalid_token_is_not_revoked() {
        let server = crate::providers::fake::FakeServer::start(vec![Reply::json(401, INVALID)]);
        let client = battery::client("twitch", &server, false);
        let ann = std::collections::BTreeMap::new();
        let cred = Credential {
            rule: "twitch-api-token",
            secret: TOKEN,
            annotations: &ann,
        };
        let r = Twitch.revoke(&Api::new(&client, &INFO, TOKEN), &cred);
        assert_eq!(r.outcome, Outcome::Failed);
        assert_eq!(server.requests().len(), 1, "only the validation was sent");
    }
}
