//! Slack: `auth.test` identifies a token; `auth.revoke` revokes it, with a documented test
//! mode (`test=1`) that `--dry-run` uses. Incoming-webhook URLs are checked by posting an
//! empty message, which a live hook rejects as `no_text` without posting anything
//! (<https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks#handling_errors>).
//!
//! Workflow and trigger webhooks (`hooks.slack.com/workflows/…`, `/triggers/…`) are never
//! called: any POST to them, even `{}`, may start the workflow
//! (<https://slack.com/help/articles/360041352714-Build-a-workflow--Create-a-workflow-that-starts-outside-of-Slack>;
//! <https://api.slack.com/automation/triggers/webhook>: "invoke a workflow when a specific URL
//! receives a POST request"),
//! and Slack documents no read-only call for them. The decision is made from the URL before
//! any request is built, whatever rule found it.

use std::time::Duration;

use super::http::Method;
use super::{json_str, Api, Credential, Info, Outcome, Provider, Revocation, Verdict};

/// Slack.
pub struct Slack;

static INFO: Info = Info {
    name: "slack",
    docs: "https://docs.slack.dev/reference/methods/auth.revoke",
    base: "https://slack.com",
    hosts: &["slack.com", "hooks.slack.com"],
    revoke: true,
    interval: Duration::from_millis(100),
};

/// `auth.test` errors that mean the token is dead.
const DEAD: &[&str] = &[
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
];
// Not here: `no_permission` ("the workspace token used in this request does not have the
// permissions necessary to complete the request", auth.test's documented errors,
// <https://docs.slack.dev/reference/methods/auth.test>) names a live token that lacks a scope;
// it stays unknown.

/// What kind of Slack webhook URL a credential is, from its host and first path segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Webhook {
    /// Not a `hooks.slack.com` URL: a token.
    None,
    /// `/services/…`: an incoming webhook, checked with an empty (rejected) message.
    Incoming,
    /// `/workflows/…`, `/triggers/…`, or any other path: never called.
    Other,
}

fn webhook_kind(cred: &Credential<'_>) -> Webhook {
    let s = cred.secret;
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s);
    let Some(path) = rest.strip_prefix("hooks.slack.com/") else {
        return if cred.rule.contains("webhook") {
            Webhook::Other
        } else {
            Webhook::None
        };
    };
    if path.starts_with("services/") && !cred.rule.contains("workflow") {
        Webhook::Incoming
    } else {
        Webhook::Other
    }
}

fn is_webhook(cred: &Credential<'_>) -> bool {
    webhook_kind(cred) != Webhook::None
}

impl Slack {
    fn verify_webhook(api: &Api<'_>, url: &str) -> Verdict {
        let r = match api
            .absolute(Method::Post, url)
            .json(&serde_json::json!({}))
            .read_only()
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        let body = String::from_utf8_lossy(&r.body);
        match (r.status, body.trim()) {
            (400, "no_text" | "invalid_payload") => Verdict::active(&r, None),
            (
                403 | 404 | 410,
                "invalid_token"
                | "no_service"
                | "no_team"
                | "team_disabled"
                | "channel_is_archived"
                | "no_active_hooks",
            ) => Verdict::inactive(&r, "Slack says the webhook is gone"),
            _ => Verdict::unknown(Some(&r), &super::unexpected(&r)),
        }
    }
}

impl Provider for Slack {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match webhook_kind(cred) {
            Webhook::Incoming => {
                let full = if cred.secret.contains("://") {
                    cred.secret.to_string()
                } else {
                    format!("https://{}", cred.secret)
                };
                let Some(url) = api.webhook_url(&full, "https://hooks.slack.com") else {
                    return Verdict::unknown(None, "malformed webhook URL");
                };
                // The URL is the credential; its last segment is the part to redact when shown.
                let token = cred.secret.rsplit('/').next().unwrap_or(cred.secret);
                return Self::verify_webhook(&api.redacting(token), &url);
            }
            Webhook::Other => {
                return Verdict::unknown(
                    None,
                    "a workflow or trigger webhook: any POST to it may start the workflow, and \
                     Slack has no read-only check, so it was not called",
                )
            }
            Webhook::None => {}
        }
        let r = match api
            .post("/api/auth.test")
            .bearer(cred.secret)
            .read_only()
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if r.status != 200 {
            return Verdict::unknown(Some(&r), &super::unexpected(&r));
        }
        let Some(v) = r.json() else {
            return Verdict::unknown(Some(&r), "malformed response");
        };
        if v.get("ok") == Some(&serde_json::Value::Bool(true)) {
            let who = match (json_str(&v, "team"), json_str(&v, "user")) {
                (Some(t), Some(u)) => Some(format!("{u} in {t}")),
                (t, u) => t.or(u),
            };
            return Verdict::active(&r, who);
        }
        match json_str(&v, "error") {
            Some(e) if DEAD.contains(&e.as_str()) => Verdict::inactive(&r, &e),
            Some(e) => Verdict::unknown(Some(&r), &format!("Slack error {e}")),
            None => Verdict::unknown(Some(&r), "malformed response"),
        }
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        if is_webhook(cred) {
            return Revocation::new(
                Outcome::Refused,
                None,
                "Slack webhooks are removed in the app's settings; there is no API",
            );
        }
        let call = if api.dry_run() {
            // Slack's own test mode: checks the call would work, revokes nothing.
            api.post("/api/auth.revoke?test=1").read_only()
        } else {
            api.post("/api/auth.revoke")
        };
        let r = match call.bearer(cred.secret).send() {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        let v = r.json();
        let ok = v
            .as_ref()
            .is_some_and(|v| v.get("ok") == Some(&serde_json::Value::Bool(true)));
        match (r.status, ok, api.dry_run()) {
            (200, true, true) => Revocation::new(
                Outcome::DryRun,
                Some(&r),
                &format!(
                    "would call POST {}/api/auth.revoke; headers Authorization; changes something \
                     at the provider (Slack's test mode, a read-only call, accepted it)",
                    api.base()
                ),
            ),
            (200, true, false) => Revocation::new(Outcome::Revoked, Some(&r), "revoked"),
            (200, false, _) => Revocation::new(
                Outcome::Failed,
                Some(&r),
                &format!(
                    "Slack error {}",
                    v.and_then(|v| json_str(&v, "error"))
                        .unwrap_or_else(|| "unknown".into())
                ),
            ),
            _ => Revocation::from_response(&r),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, RevokeSpec, VerifySpec};
    use crate::providers::fake::{FakeServer, Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "xoxb-2048613379-4096226758-Qm7TzR2vXk9LpW4sB8nC3dFh"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Slack,
            rule: "slack-bot-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"ok":true,"team":"Acme","user":"deploybot","team_id":"T1"}"#,
            ),
            identity: Some("deploybot in Acme"),
            invalid: Reply::json(200, r#"{"ok":false,"error":"invalid_auth"}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("POST", "/api/auth.test")
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
    fn no_permission_is_not_inactive() {
        let (v, _) = battery::call(
            &Slack,
            "slack-bot-token",
            TOKEN,
            &[],
            vec![Reply::json(200, r#"{"ok":false,"error":"no_permission"}"#)],
            false,
            |api, cred| Slack.verify(api, cred),
        );
        assert_eq!(v.status, Status::Unknown, "{v:?}");
        assert_eq!(v.detail.as_deref(), Some("Slack error no_permission"));
    }

    #[test]
    fn revoke_and_its_test_mode() {
        battery::revoke(&RevokeSpec {
            provider: &Slack,
            rule: "slack-bot-token",
            secret: TOKEN,
            success: vec![Reply::json(200, r#"{"ok":true,"revoked":true}"#)],
            lookups: 0,
            dry_run_calls: 1,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("POST", "/api/auth.revoke")
                );
                assert_eq!(
                    reqs[0].header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            },
            failure: vec![Reply::json(200, r#"{"ok":false,"error":"invalid_auth"}"#)],
        });
    }

    #[test]
    fn dry_run_uses_slacks_test_mode() {
        let server = FakeServer::start(vec![Reply::json(200, r#"{"ok":true,"revoked":true}"#)]);
        let client = battery::client("slack", &server, true);
        let ann = std::collections::BTreeMap::new();
        let cred = Credential {
            rule: "slack-bot-token",
            secret: TOKEN,
            annotations: &ann,
        };
        let r = Slack.revoke(&Api::new(&client, &INFO, TOKEN), &cred);
        assert_eq!(r.outcome, Outcome::DryRun);
        let reqs = server.requests();
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].path, "/api/auth.revoke?test=1");
        // The message names the endpoint actually used, never a host it did not call.
        let detail = r.detail.unwrap();
        assert!(
            detail.contains(&format!("{}/api/auth.revoke", server.url())),
            "{detail}"
        );
        assert!(!detail.contains("slack.com"), "{detail}");
    }

    #[test]
    fn workflow_and_trigger_webhooks_are_never_called() {
        for (rule, url) in [
            ("slack-workflow-webhook", "https://hooks.slack.com/workflows/T0123ABCD/A0123ABCD/123456789012345678/Qm7TzR2vXk9LpW4sB8nC3dFh"), // leakhound:allow: a made-up test credential
            ("slack-workflow-webhook", "https://hooks.slack.com/triggers/T0123ABCD/A0123ABCD/123456789012345678/Qm7TzR2vXk9LpW4sB8nC3dFh"), // leakhound:allow: a made-up test credential
            ("slack-workflow-webhook", "hooks.slack.com/triggers/T0123ABCD/A0123ABCD/123456789012345678/Qm7TzR2vXk9LpW4sB8nC3dFh"), // leakhound:allow: a made-up test credential
            // Whatever rule found it, the URL decides.
            ("slack-incoming-webhook", "https://hooks.slack.com/workflows/T0123ABCD/A0123ABCD/123456789012345678/Qm7TzR2vXk9LpW4sB8nC3dFh"), // leakhound:allow: a made-up test credential
            ("slack-bot-token", "https://hooks.slack.com/triggers/T0123ABCD/A0123ABCD/123456789012345678/Qm7TzR2vXk9LpW4sB8nC3dFh"), // leakhound:allow: a made-up test credential
        ] {
            let v = battery::verify_unsent(&Slack, rule, url);
            battery::revoke_unsent(&Slack, rule, url);
            assert!(v.detail.unwrap_or_default().contains("start the workflow"));
        }
    }

    #[test]
    fn a_webhook_without_scheme_is_still_a_webhook() {
        let url = "hooks.slack.com/services/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"; // leakhound:allow: a made-up test credential
        let (v, reqs) = battery::call(
            &Slack,
            "slack-incoming-webhook",
            url,
            &[],
            vec![Reply::json(400, "no_text")],
            false,
            |api, cred| Slack.verify(api, cred),
        );
        assert_eq!(v.status, Status::Active);
        assert_eq!(reqs.len(), 1);
        assert_eq!(
            reqs[0].path,
            "/services/T0123ABCD/B0123ABCD/Qm7TzR2vXk9LpW4sB8nC3dFh"
        );
        assert_eq!(reqs[0].header("authorization"), None);
    }

    #[test]
    fn webhooks_are_checked_without_posting_a_message() {
        let url = "https://hooks.slack.com/services/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"; // leakhound:allow: a made-up test value
        for (reply, want) in [
            (Reply::json(400, "no_text"), Status::Active),
            (Reply::json(404, "no_service"), Status::Inactive),
            (Reply::json(403, "invalid_token"), Status::Inactive),
            (Reply::json(500, "oops"), Status::Unknown),
        ] {
            let (v, reqs) = battery::call(
                &Slack,
                "slack-incoming-webhook",
                url,
                &[],
                vec![reply],
                false,
                |api, cred| Slack.verify(api, cred),
            );
            assert_eq!(v.status, want);
            assert_eq!(reqs[0].method, "POST");
            assert_eq!(
                reqs[0].path,
                "/services/T0123ABCD/B0123ABCD/Qm7TzR2vXk9LpW4sB8nC3dFh"
            );
            assert_eq!(reqs[0].body_json(), serde_json::json!({}));
        }
    }
}
