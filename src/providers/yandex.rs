//! Yandex Cloud: an API key (`AQVN…`, `Authorization: Api-Key KEY`) lists the clouds its
//! service account may see (`GET /resource-manager/v1/clouds?pageSize=1`).

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Yandex Cloud.
pub struct Yandex;

static INFO: Info = Info {
    name: "yandex",
    docs: "https://yandex.cloud/en/docs/iam/concepts/authorization/api-key",
    base: "https://resource-manager.api.cloud.yandex.net",
    hosts: &["resource-manager.api.cloud.yandex.net"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Yandex {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if !cred.secret.starts_with("AQVN") {
            return Verdict::unknown(None, "only API keys (AQVN) can be checked alone");
        }
        match api
            .get("/resource-manager/v1/clouds?pageSize=1")
            .header("Authorization", &format!("Api-Key {}", cred.secret))
            .send()
        {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
                json_str(v, "clouds/0/name").map(|c| format!("cloud {c}"))
            }),
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

    const KEY: &str = "AQVNQm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0i"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Yandex,
            rule: "yandex-cloud-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"clouds":[{"id":"b1gia87mbaomkfvsleds","name":"acme-cloud"}]}"#,
            ),
            identity: Some("cloud acme-cloud"),
            invalid: Reply::json(
                401,
                r#"{"code":16,"message":"The token is invalid","details":[]}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/resource-manager/v1/clouds?pageSize=1")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Api-Key {KEY}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
