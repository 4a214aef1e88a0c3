//! npm: `GET /-/whoami` on the registry names the user an access token belongs to.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// The npm registry.
pub struct Npm;

static INFO: Info = Info {
    name: "npm",
    docs: "https://docs.npmjs.com/cli/v11/commands/npm-whoami",
    base: "https://registry.npmjs.org",
    hosts: &["registry.npmjs.org"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Npm {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api
            .get("/-/whoami")
            .header("Authorization", &format!("Bearer {}", cred.secret))
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        Verdict::from_identity_endpoint(&r, |v| json_str(v, "username"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "npm_1CiAhzCueQpBenQtYh5Xj8TPQxjq4i9DoV8g";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Npm,
            rule: "npm-access-token",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(200, r#"{"username":"octo-npm"}"#),
            identity: Some("octo-npm"),
            invalid: Reply::json(401, r#"{"error":"Unauthorized"}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/-/whoami"));
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
