//! Telegram: the Bot API's `getMe` names the bot (<https://core.telegram.org/bots/api#getme>;
//! a live token answers `{"ok":true,"result":{...}}`). The Bot API takes the token only in the URL
//! path (`/bot<token>/getMe`), so it is there, and redacted wherever the URL is shown. The Bot
//! API has no revocation (`logOut` and `close` only move the bot between servers); a token is
//! revoked through @BotFather.

use std::time::Duration;

use super::{json_str, unexpected, Api, Credential, Info, Provider, Verdict};

/// Telegram Bot API.
pub struct Telegram;

static INFO: Info = Info {
    name: "telegram",
    docs: "https://core.telegram.org/bots/api#getme",
    base: "https://api.telegram.org",
    hosts: &["api.telegram.org"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Telegram {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if !cred
            .secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-'))
        {
            return Verdict::unknown(None, "not a bot token's characters; not checked");
        }
        let r = match api.get(&format!("/bot{}/getMe", cred.secret)).send() {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        // The Bot API documents only `ok`: true is a successful call; when false, the
        // `error_code` is explained in `description` and "subject to change", so no status or
        // code is documented as "invalid token". A rejected token is therefore unknown.
        let body = if r.ok() { r.json() } else { None };
        match body {
            Some(v) if v.get("ok").and_then(serde_json::Value::as_bool) == Some(true) => {
                let who = json_str(&v, "result/username").map(|u| format!("bot @{u}"));
                Verdict::active(&r, who)
            }
            Some(_) => Verdict::unknown(Some(&r), "the Bot API did not answer ok"),
            None if r.ok() => Verdict::unknown(Some(&r), "malformed response"),
            None => Verdict::unknown(
                Some(&r),
                &format!(
                    "{} (the Bot API documents no answer meaning an invalid token)",
                    unexpected(&r)
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "7312945608:AAHq8ZtKv3RmW9xLp2QbN7cYdF4gJ6sE0aU"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        // The Bot API documents no "invalid token" answer (its error codes are "subject to
        // change"), so the 401 a revoked token gets in practice stays unknown.
        battery::verify_undocumented_invalid(&VerifySpec {
            provider: &Telegram,
            rule: "telegram-bot-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"ok":true,"result":{"id":7312945608,"is_bot":true,"username":"deploy_bot"}}"#,
            ),
            identity: Some("bot @deploy_bot"),
            invalid: Reply::json(
                401,
                r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(r.method, "GET");
                assert_eq!(r.path, format!("/bot{TOKEN}/getMe"));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn the_token_is_redacted_in_errors() {
        // Whatever goes wrong, what is reported never carries the token in the URL.
        let server = crate::providers::fake::FakeServer::start(vec![Reply::Hang(
            Duration::from_millis(900),
        )]);
        let client = battery::client("telegram", &server, false);
        let ann = std::collections::BTreeMap::new();
        let cred = Credential {
            rule: "telegram-bot-token",
            secret: TOKEN,
            annotations: &ann,
        };
        let v = Telegram.verify(&Api::new(&client, &INFO, TOKEN), &cred);
        assert_eq!(v.status, Status::Unknown);
        assert!(!format!("{v:?}").contains(TOKEN));
    }

    #[test]
    fn an_answer_without_ok_true_is_unknown() {
        let server = crate::providers::fake::FakeServer::start(vec![Reply::json(
            200,
            r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#,
        )]);
        let client = battery::client("telegram", &server, false);
        let ann = std::collections::BTreeMap::new();
        let cred = Credential {
            rule: "telegram-bot-token",
            secret: TOKEN,
            annotations: &ann,
        };
        let v = Telegram.verify(&Api::new(&client, &INFO, TOKEN), &cred);
        assert_eq!(v.status, Status::Unknown);
    }
}
