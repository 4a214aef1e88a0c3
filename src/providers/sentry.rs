//! Sentry: user auth tokens (`sntryu_…`, and the older 64-hex ones) list the organizations
//! their user belongs to with `GET /api/0/organizations/`. Organization tokens (`sntrys_…`)
//! carry their own region URL and organization and cannot list organizations; they are not
//! checked.

use std::time::Duration;

use super::{Api, Credential, Info, Provider, Verdict};

/// Sentry (sentry.io; self-hosted through `--provider-endpoint sentry=URL`).
pub struct Sentry;

static INFO: Info = Info {
    name: "sentry",
    docs: "https://docs.sentry.io/api/organizations/list-your-organizations/",
    base: "https://sentry.io",
    hosts: &["sentry.io"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Sentry {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if cred.secret.starts_with("sntrys_") {
            return Verdict::unknown(
                None,
                "organization tokens cannot list organizations; not checked",
            );
        }
        match api.get("/api/0/organizations/").bearer(cred.secret).send() {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
                let orgs: Vec<String> = v
                    .as_array()?
                    .iter()
                    .filter_map(|o| o.get("slug")?.as_str().map(str::to_string))
                    .collect();
                (!orgs.is_empty()).then(|| format!("member of {}", orgs.join(", ")))
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

    const TOKEN: &str = "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"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Sentry,
            rule: "sentry-user-auth-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"[{"id":"2","slug":"acme","name":"Acme"},{"id":"3","slug":"beta","name":"Beta"}]"#,
            ),
            identity: Some("member of acme, beta"),
            invalid: Reply::json(401, r#"{"detail":"Invalid token"}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/0/organizations/")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn organization_tokens_are_not_sent() {
        let secret = "sntrys_eyJpYXQiOjE2ODQwMDAwMDB9_Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8ZxLm5"; // leakhound:allow: a made-up test credential
        battery::verify_unsent(&Sentry, "sentry-org-auth-token", secret);
    }
}
