//! Notion: `GET /v1/users/me` (bearer token, `Notion-Version`) describes the integration's bot user and workspace.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Notion.
pub struct Notion;

static INFO: Info = Info {
    name: "notion",
    docs: "https://developers.notion.com/reference/get-self",
    base: "https://api.notion.com",
    hosts: &["api.notion.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Notion {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        Verdict::from_call(
            api.get("/v1/users/me")
                .bearer(cred.secret)
                .header("Notion-Version", "2022-06-28")
                .send(),
            |v| json_str(v, "bot/workspace_name").map(|x| format!("workspace {x}")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "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"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Notion,
            rule: "notion-integration-token",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"object":"user","id":"16d84278","type":"bot","name":"Deploy","bot":{"owner":{"type":"workspace","workspace":true},"workspace_name":"Acme"}}"#,
            ),
            identity: Some("workspace Acme"),
            invalid: Reply::json(
                401,
                r#"{"object":"error","status":401,"code":"unauthorized","message":"API token is invalid."}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v1/users/me")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {SECRET}").as_str())
                );
                assert_eq!(r.header("notion-version"), Some("2022-06-28"));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
