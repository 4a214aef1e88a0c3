//! Netlify: `GET /api/v1/user` names the user a personal access token belongs to.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Netlify.
pub struct Netlify;

static INFO: Info = Info {
    name: "netlify",
    docs: "https://open-api.netlify.com/#tag/user/operation/getCurrentUser",
    base: "https://api.netlify.com",
    hosts: &["api.netlify.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Netlify {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        Verdict::from_call(api.get("/api/v1/user").bearer(cred.secret).send(), |v| {
            json_str(v, "email")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "nfp_WHtP3fS2qHx6kwXoIIXGvOoNZYW2mZp0zVZo"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Netlify,
            rule: "netlify-access-token",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"id":"5e1","full_name":"Dev","email":"dev@example.com"}"#,
            ),
            identity: Some("dev@example.com"),
            invalid: Reply::json(
                401,
                r#"{"code":401,"message":"Access Denied: Invalid token"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/v1/user")
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
