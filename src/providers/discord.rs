//! Discord: a bot token reads its own user (`GET /api/v10/users/@me`, `Authorization: Bot …`);
//! a webhook URL is itself the credential: `GET` on it returns the webhook without posting,
//! and `DELETE` on it deletes the webhook (Discord's "with token" endpoints need no other
//! authorization).

use std::time::Duration;

use super::http::Method;
use super::{json_str, Api, Credential, Info, Outcome, Provider, Revocation, Verdict};

/// Discord.
pub struct Discord;

static INFO: Info = Info {
    name: "discord",
    docs: "https://discord.com/developers/docs/resources/webhook",
    base: "https://discord.com",
    hosts: &["discord.com"],
    revoke: true,
    interval: Duration::from_millis(200),
};

/// Discord's JSON error code for a webhook that does not exist (deleted).
const UNKNOWN_WEBHOOK: i64 = 10015;

/// A webhook URL's path (`/api/webhooks/ID/TOKEN`) and token, if `secret` is one.
fn webhook(secret: &str) -> Option<(&str, &str)> {
    let path = &secret[secret.find("/api/webhooks/")?..];
    let token = path.rsplit('/').next().filter(|t| !t.is_empty())?;
    Some((path, token))
}

impl Provider for Discord {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let Some((path, token)) = webhook(cred.secret) else {
            return match api
                .get("/api/v10/users/@me")
                .header("Authorization", &format!("Bot {}", cred.secret))
                .send()
            {
                Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
                    json_str(v, "username").map(|u| format!("bot {u}"))
                }),
                Err(e) => e.into(),
            };
        };
        // Sent to discord.com whatever the URL's host (ptb., canary., discordapp.com are the
        // same API); the token alone is redacted wherever the URL is shown.
        let api = api.redacting(token);
        let r = match api.get(path).send() {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if r.status == 404
            && r.json().and_then(|v| v.get("code")?.as_i64()) == Some(UNKNOWN_WEBHOOK)
        {
            return Verdict::inactive(&r, "Discord says the webhook is unknown (deleted)");
        }
        Verdict::from_identity_endpoint(&r, |v| {
            json_str(v, "name").map(|n| format!("webhook {n:?}"))
        })
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        let Some((path, token)) = webhook(cred.secret) else {
            return Revocation::new(
                Outcome::Refused,
                None,
                "Discord has no API to revoke a bot token; reset it in the developer portal",
            );
        };
        match api.redacting(token).request(Method::Delete, path).send() {
            Ok(r) if r.status == 204 => {
                Revocation::new(Outcome::Revoked, Some(&r), "webhook deleted (204)")
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

    const BOT: &str = "MTk4NjIyNDgzNDcxOTI1MjQ4.Gx7kQz.R8cW2mJ5tLx9QvB3nZ7kD1fH6yP4sA0eU2i";
    const HOOK: &str = "https://discord.com/api/webhooks/1183246509871234567/Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cK3mN9bP1jH5lT8rY2uEe"; // leakhound:allow: a made-up test value
    const HOOK_PATH: &str = "/api/webhooks/1183246509871234567/Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cK3mN9bP1jH5lT8rY2uEe";

    #[test]
    fn verify_bot_token() {
        battery::verify(&VerifySpec {
            provider: &Discord,
            rule: "discord-bot-token",
            secret: BOT,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"id":"198622483471925248","username":"helper","bot":true}"#,
            ),
            identity: Some("bot helper"),
            invalid: Reply::json(401, r#"{"message":"401: Unauthorized","code":0}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/v10/users/@me")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bot {BOT}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn verify_webhook() {
        battery::verify(&VerifySpec {
            provider: &Discord,
            rule: "discord-webhook-url",
            secret: HOOK,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"type":1,"id":"1183246509871234567","name":"Deploys","channel_id":"1","guild_id":"2"}"#,
            ),
            identity: Some("webhook \"Deploys\""),
            invalid: Reply::json(404, r#"{"message":"Unknown Webhook","code":10015}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", HOOK_PATH));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn revoke_deletes_the_webhook() {
        battery::revoke(&RevokeSpec {
            provider: &Discord,
            rule: "discord-webhook-url",
            secret: HOOK,
            success: vec![Reply::status(204)],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("DELETE", HOOK_PATH)
                );
                assert!(reqs[0].body.is_empty());
            },
            failure: vec![Reply::json(
                404,
                r#"{"message":"Unknown Webhook","code":10015}"#,
            )],
        });
    }

    #[test]
    fn the_webhook_token_is_redacted_in_dry_run_text() {
        let server = crate::providers::fake::FakeServer::start(vec![]);
        let client = battery::client("discord", &server, true);
        let ann = std::collections::BTreeMap::new();
        let cred = Credential {
            rule: "discord-webhook-url",
            secret: HOOK,
            annotations: &ann,
        };
        let r = Discord.revoke(&Api::new(&client, &INFO, HOOK), &cred);
        assert_eq!(r.outcome, Outcome::DryRun);
        let detail = r.detail.unwrap_or_default();
        let (_, token) = webhook(HOOK).unwrap();
        assert!(!detail.contains(token), "{detail}");
        assert!(
            detail.contains("/api/webhooks/1183246509871234567/"),
            "{detail}"
        );
    }

    #[test]
    fn a_bot_token_is_not_revoked() {
        battery::revoke_unsent(&Discord, "discord-bot-token", BOT);
    }
}
