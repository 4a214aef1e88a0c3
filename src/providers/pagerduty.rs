//! PagerDuty: `GET /abilities` with `Authorization: Token token=KEY` works for both account
//! (general access) and user REST API keys, unlike `/users/me`.

use std::time::Duration;

use super::{Api, Credential, Info, Provider, Verdict};

/// PagerDuty.
pub struct PagerDuty;

static INFO: Info = Info {
    name: "pagerduty",
    docs: "https://developer.pagerduty.com/api-reference/",
    base: "https://api.pagerduty.com",
    hosts: &["api.pagerduty.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for PagerDuty {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match api
            .get("/abilities")
            .header("Authorization", &format!("Token token={}", cred.secret))
            .header("Accept", "application/vnd.pagerduty+json;version=2")
            .send()
        {
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

    const KEY: &str = "u+Qm7TzR2vXk9LpW4sB8";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &PagerDuty,
            rule: "pagerduty-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(200, r#"{"abilities":["teams","read_only_users"]}"#),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"error":{"message":"Authentication failed","code":2006}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/abilities"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Token token={KEY}").as_str())
                );
                assert_eq!(
                    r.header("accept"),
                    Some("application/vnd.pagerduty+json;version=2")
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
