//! MessageBird (Bird): `GET /balance` with `Authorization: AccessKey KEY`, the cheapest read of
//! the REST API; MessageBird has no identity endpoint.

use std::time::Duration;

use super::{Api, Credential, Info, Provider, Verdict};

/// MessageBird.
pub struct MessageBird;

static INFO: Info = Info {
    name: "messagebird",
    docs: "https://developers.messagebird.com/api/balance/",
    base: "https://rest.messagebird.com",
    hosts: &["rest.messagebird.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for MessageBird {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match api
            .get("/balance")
            .header("Authorization", &format!("AccessKey {}", cred.secret))
            .header("Accept", "application/json")
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

    const KEY: &str = "Qm7TzR2vXk9LpW4sB8nC3dFhJ";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &MessageBird,
            rule: "messagebird-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(200, r#"{"payment":"prepaid","type":"euros","amount":12.5}"#),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"errors":[{"code":2,"description":"Request not allowed (incorrect access_key)","parameter":"access_key"}]}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/balance"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("AccessKey {KEY}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
