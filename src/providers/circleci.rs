//! CircleCI: `GET /api/v2/me` (token in `Circle-Token`) names the user a personal API token belongs to.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// CircleCI.
pub struct CircleCi;

static INFO: Info = Info {
    name: "circleci",
    docs: "https://circleci.com/docs/api/v2/index.html#operation/getCurrentUser",
    base: "https://circleci.com",
    hosts: &["circleci.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for CircleCi {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if cred.secret.starts_with("CCIPRJ_") {
            return Verdict::unknown(None, "project API tokens cannot read /me; not checked");
        }
        Verdict::from_call(
            api.get("/api/v2/me")
                .header("Circle-Token", cred.secret)
                .send(),
            |v| json_str(v, "login"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "CCIPAT_76rNicHTp8hkqdlm7tOtHW_69e58b081006f7e3dfc967a64cb14028d512c979"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &CircleCi,
            rule: "circleci-personal-token",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(200, r#"{"id":"5e1f","login":"octo-ci","name":"Octo"}"#),
            identity: Some("octo-ci"),
            invalid: Reply::json(401, r#"{"message":"You must log in first."}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/api/v2/me"));
                assert_eq!(r.header("circle-token"), Some(SECRET));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
