//! Pulumi Cloud: `GET /api/user` (`Authorization: token TOKEN`) names the user an access token belongs to.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Pulumi Cloud.
pub struct Pulumi;

static INFO: Info = Info {
    name: "pulumi",
    docs: "https://www.pulumi.com/docs/pulumi-cloud/reference/cloud-rest-api/",
    base: "https://api.pulumi.com",
    hosts: &["api.pulumi.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Pulumi {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api
            .get("/api/user")
            .header("Authorization", &format!("token {}", cred.secret))
            .header("Accept", "application/vnd.pulumi+8")
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        Verdict::from_identity_endpoint(&r, |v| json_str(v, "githubLogin"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "pul-ac2f86702824c1c099724caf4941d4072014b3ce"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Pulumi,
            rule: "pulumi-access-token",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"name":"Octo","githubLogin":"octo-pulumi","email":"o@example.com"}"#,
            ),
            identity: Some("octo-pulumi"),
            invalid: Reply::json(
                401,
                r#"{"code":401,"message":"Unauthorized: invalid access token"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/api/user"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("token {SECRET}").as_str())
                );
                assert_eq!(r.header("accept"), Some("application/vnd.pulumi+8"));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
