//! Firecrawl: `GET /v2/team/credit-usage` (bearer key) reports the team's remaining credits, without spending any.

use std::time::Duration;

use super::{bearer_get, Api, Credential, Info, Provider, Verdict};

/// Firecrawl.
pub struct Firecrawl;

static INFO: Info = Info {
    name: "firecrawl",
    docs: "https://docs.firecrawl.dev/api-reference/endpoint/credit-usage",
    base: "https://api.firecrawl.dev",
    hosts: &["api.firecrawl.dev"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Firecrawl {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        bearer_get(api, "/v2/team/credit-usage", cred.secret, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "fc-3f9a1c7e5b2d8046a1e9c3b7d5f2a8e6";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Firecrawl,
            rule: "firecrawl-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"success":true,"data":{"remainingCredits":1000,"planCredits":500000}}"#,
            ),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"success":false,"error":"Unauthorized: Invalid token"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v2/team/credit-usage")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {SECRET}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
