//! LangSmith: `GET /api/v1/workspaces` (key in `x-api-key`) lists the workspaces a personal
//! access token or service key can reach. An organization-scoped key that names no workspace
//! gets 403 saying it "is org-scoped and requires workspace specification", which LangSmith
//! only says to a key it has accepted.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// LangSmith (US cloud; EU or self-hosted through `--provider-endpoint langsmith=URL`).
pub struct LangSmith;

static INFO: Info = Info {
    name: "langsmith",
    docs: "https://docs.langchain.com/langsmith/manage-organization-by-api",
    base: "https://api.smith.langchain.com",
    hosts: &["api.smith.langchain.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for LangSmith {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api
            .get("/api/v1/workspaces")
            .header("x-api-key", cred.secret)
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if r.status == 403
            && r.json()
                .and_then(|v| json_str(&v, "detail"))
                .is_some_and(|d| d.contains("org-scoped"))
        {
            return Verdict::active(&r, Some("organization-scoped key".into()));
        }
        Verdict::from_identity_endpoint(&r, |v| {
            let names: Vec<String> = v
                .as_array()?
                .iter()
                .filter_map(|w| json_str(w, "display_name"))
                .collect();
            (!names.is_empty()).then(|| format!("workspaces {}", names.join(", ")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "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"; // leakhound:allow: a made-up test credential

    fn spec() -> VerifySpec {
        VerifySpec {
            provider: &LangSmith,
            rule: "langsmith-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(200, r#"[{"id":"w1","display_name":"Personal"}]"#),
            identity: Some("workspaces Personal"),
            invalid: Reply::json(401, r#"{"detail":"Invalid token"}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/v1/workspaces")
                );
                assert_eq!(r.header("x-api-key"), Some(KEY));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        }
    }

    #[test]
    fn verify() {
        battery::verify(&spec());
    }

    #[test]
    fn an_org_scoped_key_without_a_workspace_is_live() {
        let mut s = spec();
        s.live = Reply::json(
            403,
            r#"{"detail":"This API key is org-scoped and requires workspace specification. Please provide 'X-Tenant-ID' header."}"#,
        );
        s.identity = Some("organization-scoped key");
        battery::verify(&s);
    }
}
