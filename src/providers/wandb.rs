//! Weights & Biases: the GraphQL query `{ viewer { username } }` names the user an API key
//! belongs to. W&B takes the key as HTTP basic auth with the user name `api`. The query is a
//! POST that only reads, sent as read-only.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Weights & Biases (wandb.ai; dedicated servers through `--provider-endpoint wandb=URL`).
pub struct Wandb;

static INFO: Info = Info {
    name: "wandb",
    docs: "https://docs.wandb.ai/guides/hosting/iam/authentication/",
    base: "https://api.wandb.ai",
    hosts: &["api.wandb.ai"],
    revoke: false,
    interval: Duration::from_millis(100),
};

const QUERY: &str = "{ viewer { username } }";

impl Provider for Wandb {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api
            .post("/graphql")
            .basic("api", cred.secret)
            .json(&serde_json::json!({ "query": QUERY }))
            .read_only()
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if r.ok()
            && r.json()
                .and_then(|v| json_str(&v, "data/viewer/username"))
                .is_none()
        {
            return Verdict::unknown(Some(&r), "no viewer in the answer");
        }
        Verdict::from_identity_endpoint(&r, |v| json_str(v, "data/viewer/username"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::base64_encode;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "3f9a1c7e5b2d8046a1e9c3b7d5f2a8e6c4b0d917";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Wandb,
            rule: "wandb-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(200, r#"{"data":{"viewer":{"username":"octo-ml"}}}"#),
            identity: Some("octo-ml"),
            invalid: Reply::json(401, r#"{"errors":[{"message":"user is not logged in"}]}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/graphql"));
                let want = format!("Basic {}", base64_encode(format!("api:{KEY}").as_bytes()));
                assert_eq!(r.header("authorization"), Some(want.as_str()));
                assert_eq!(r.body_json(), serde_json::json!({ "query": QUERY }));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
