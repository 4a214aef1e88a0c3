//! RubyGems.org: `GET /api/v1/gems.json` (key in `Authorization`) lists the gems the key's owner owns.

use std::time::Duration;

use super::{Api, Credential, Info, Provider, Verdict};

/// RubyGems.org.
pub struct RubyGems;

static INFO: Info = Info {
    name: "rubygems",
    docs: "https://guides.rubygems.org/rubygems-org-api/",
    base: "https://rubygems.org",
    hosts: &["rubygems.org"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for RubyGems {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        Verdict::from_call(
            api.get("/api/v1/gems.json")
                .header("Authorization", cred.secret)
                .send(),
            |_| None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "rubygems_107f80e222f828767efc2f91624a8940f1f836f99eee3692"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &RubyGems,
            rule: "rubygems-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(200, r#"[{"name":"octo-gem","version":"1.0.0"}]"#),
            identity: None,
            invalid: Reply::json(
                401,
                r#"Access Denied. Please sign up for an account at https://rubygems.org"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/v1/gems.json")
                );
                assert_eq!(r.header("authorization"), Some(SECRET));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
