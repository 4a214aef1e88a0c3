//! AssemblyAI: `GET /v2/transcript?limit=1` (key as the whole `Authorization` value) lists at most one transcript.

use std::time::Duration;

use super::{Api, Credential, Info, Provider, Verdict};

/// AssemblyAI.
pub struct AssemblyAi;

static INFO: Info = Info {
    name: "assemblyai",
    docs: "https://www.assemblyai.com/docs/api-reference/transcripts/list",
    base: "https://api.assemblyai.com",
    hosts: &["api.assemblyai.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for AssemblyAi {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        Verdict::from_call(
            api.get("/v2/transcript?limit=1")
                .header("Authorization", cred.secret)
                .send(),
            |_| None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "3f9a1c7e5b2d8046a1e9c3b7d5f2a8e6";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &AssemblyAi,
            rule: "assemblyai-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"page_details":{"limit":1,"result_count":0},"transcripts":[]}"#,
            ),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"error":"Authentication error, API token missing/invalid"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v2/transcript?limit=1")
                );
                assert_eq!(r.header("authorization"), Some(SECRET));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
