//! Together AI: `GET /v1/models` with the key as a bearer token. Keys are `tgp_v1_…`, or 64
//! hex digits for older ones.

use std::time::Duration;

use super::{Api, Credential, Info, Provider, Verdict};

/// Together AI.
pub struct Together;

static INFO: Info = Info {
    name: "together",
    docs: "https://docs.together.ai/reference/models-1",
    base: "https://api.together.xyz",
    hosts: &["api.together.xyz"],
    revoke: false,
    interval: Duration::from_millis(100),
};

/// The key in a finding: the secret itself, or, for the older hex keys, whose rule captures
/// the assignment around them, the 64 hex digits at its end.
fn key(secret: &str) -> Option<&str> {
    if secret.starts_with("tgp_v1_") {
        return Some(secret);
    }
    let tail = secret.get(secret.len().checked_sub(64)?..)?;
    let before = secret[..secret.len() - 64].chars().last();
    (tail.bytes().all(|b| b.is_ascii_hexdigit()) && !before.is_some_and(|c| c.is_ascii_hexdigit()))
        .then_some(tail)
}

impl Provider for Together {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let Some(key) = key(cred.secret) else {
            return Verdict::unknown(None, "no Together key in the finding");
        };
        match api.get("/v1/models").bearer(key).send() {
            Ok(r) => Verdict::from_identity_endpoint(&r, |_| None),
            Err(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "tgp_v1_Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8ZxLm5"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Together,
            rule: "together-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"[{"id":"meta-llama/Llama-3.3-70B-Instruct-Turbo","object":"model"}]"#,
            ),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"error":{"message":"Invalid API key provided","type":"invalid_request_error","code":"invalid_api_key"}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v1/models"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {KEY}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn older_hex_keys_are_taken_from_the_end_of_the_match() {
        let hex = "3f9a1c7e5b2d8046a1e9c3b7d5f2a8e6c4b0d9173a5e7c1b9d3f5a7c9e1b3d5f";
        assert_eq!(key(&format!("TOGETHER_API_KEY={hex}")), Some(hex));
        assert_eq!(key(&format!("together_key: \"{hex}")), Some(hex));
        assert_eq!(key(hex), Some(hex));
        assert_eq!(key(&format!("a{hex}")), None);
        assert_eq!(key("TOGETHER_API_KEY=short"), None);
    }
}
