//! Okta API tokens (SSWS). Each Okta organization has its own host: `ORG.okta.com`,
//! `ORG.okta-emea.com` for EMEA orgs, `ORG.oktapreview.com` for preview (sandbox) orgs
//! ("Org URLs", <https://developer.okta.com/docs/concepts/okta-organizations/>). A token goes
//! only to the org host found next to it (the rules' `(?P<host>…)` group, the finding's `host`
//! annotation), and only when that host is under one of those domains; a token found with no
//! such host is sent nowhere (unknown), unless the user names the org with
//! `--provider-endpoint okta=https://ORG.okta.com`. A token found next to any other host
//! (a custom domain, `acme.okta.com.evil.example`) is sent nowhere, override or not. The
//! decision is [`Api`]'s, from [`INFO`]'s `*.` hosts. The token goes as
//! `Authorization: SSWS TOKEN` (<https://developer.okta.com/docs/guides/create-an-api-token/main/>).
//!
//! - Verify: `GET /api/v1/users/me` names the user the token acts for
//!   (<https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/>); an
//!   invalid or revoked token gets 401 (Okta error `E0000011`, "Invalid token provided").
//! - Revoke: `DELETE /api/v1/api-tokens/current` revokes the token in the Authorization header,
//!   answering 204 (API Token API, "Revoke the current API token":
//!   <https://developer.okta.com/docs/api/openapi/okta-management/management/tag/ApiToken/>).

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Revocation, Verdict};

/// Okta (only at the org host found with the token, or the one the user names).
pub struct Okta;

pub(super) static INFO: Info = Info {
    name: "okta",
    docs: "https://developer.okta.com/docs/api/openapi/okta-management/management/tag/ApiToken/",
    // Per customer: each token goes to its own org's host, under one of these domains.
    base: "",
    hosts: &["*.okta.com", "*.okta-emea.com", "*.oktapreview.com"],
    revoke: true,
    interval: Duration::from_millis(100),
};

impl Provider for Okta {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match api
            .get("/api/v1/users/me")
            .header("Authorization", &format!("SSWS {}", cred.secret))
            .header("Accept", "application/json")
            .send()
        {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| json_str(v, "profile/login")),
            Err(e) => e.into(),
        }
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        Revocation::expect(
            api.delete("/api/v1/api-tokens/current")
                .header("Authorization", &format!("SSWS {}", cred.secret))
                .header("Accept", "application/json")
                .send(),
            204,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, RevokeSpec, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "00Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8Zx"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Okta,
            rule: "okta-api-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"id":"00u1","status":"ACTIVE","profile":{"login":"ops@acme.example"}}"#,
            ),
            identity: Some("ops@acme.example"),
            invalid: Reply::json(
                401,
                r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/v1/users/me")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("SSWS {TOKEN}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn revoke_current() {
        battery::revoke(&RevokeSpec {
            provider: &Okta,
            rule: "okta-api-token",
            secret: TOKEN,
            success: vec![Reply::status(204)],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("DELETE", "/api/v1/api-tokens/current")
                );
                assert_eq!(
                    reqs[0].header("authorization"),
                    Some(format!("SSWS {TOKEN}").as_str())
                );
            },
            failure: vec![Reply::json(
                401,
                r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided"}"#,
            )],
        });
    }
}
