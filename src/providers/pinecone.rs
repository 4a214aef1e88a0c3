//! Pinecone: `GET /indexes` on the control plane (key in `Api-Key`) lists the project's indexes.

use std::time::Duration;

use super::{Api, Credential, Info, Provider, Verdict};

/// Pinecone.
pub struct Pinecone;

static INFO: Info = Info {
    name: "pinecone",
    docs: "https://docs.pinecone.io/reference/api/2025-04/control-plane/list_indexes",
    base: "https://api.pinecone.io",
    hosts: &["api.pinecone.io"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Pinecone {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        Verdict::from_call(
            api.get("/indexes")
                .header("Api-Key", cred.secret)
                .header("X-Pinecone-API-Version", "2025-04")
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

    const SECRET: &str =
        "pcsk_4Xq7Vb_Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8ZxLm5Nb7Vc3Kd9Rt1Wg2Hj4Ty6UQ"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Pinecone,
            rule: "pinecone-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(200, r#"{"indexes":[{"name":"docs","dimension":1536}]}"#),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"error":{"code":"UNAUTHENTICATED","message":"Invalid API Key"},"status":401}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/indexes"));
                assert_eq!(r.header("api-key"), Some(SECRET));
                assert_eq!(r.header("x-pinecone-api-version"), Some("2025-04"));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
