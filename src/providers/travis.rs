//! Travis CI: `GET /user` on API v3 (`Authorization: token TOKEN`, `Travis-API-Version: 3`) names the token's user.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Travis CI.
pub struct TravisCi;

static INFO: Info = Info {
    name: "travis-ci",
    docs: "https://developer.travis-ci.com/resource/user",
    base: "https://api.travis-ci.com",
    hosts: &["api.travis-ci.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for TravisCi {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api
            .get("/user")
            .header("Authorization", &format!("token {}", cred.secret))
            .header("Travis-API-Version", "3")
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        Verdict::from_identity_endpoint(&r, |v| json_str(v, "login"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "cDlkrCaqx9vJupc94tnwla";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &TravisCi,
            rule: "travis-ci-token",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"@type":"user","id":1,"login":"octo-travis","name":"Octo"}"#,
            ),
            identity: Some("octo-travis"),
            invalid: Reply::json(
                401,
                r#"{"@type":"error","error_type":"login_required","error_message":"login required"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/user"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("token {SECRET}").as_str())
                );
                assert_eq!(r.header("travis-api-version"), Some("3"));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
