//! HubSpot: a private app access token (`pat-…`) reads the account it belongs to
//! (`GET /account-info/2026-03/details`, the current date-versioned path; `/v3/details` is now
//! documented only under "legacy"). Legacy API keys were retired by HubSpot and are not
//! checked.

use std::time::Duration;

use super::{bearer_get, Api, Credential, Info, Provider, Verdict};

/// HubSpot.
pub struct HubSpot;

static INFO: Info = Info {
    name: "hubspot",
    docs: "https://developers.hubspot.com/docs/api-reference/latest/account/account-information/get-account-details",
    base: "https://api.hubapi.com",
    hosts: &["api.hubapi.com"],
    revoke: false,
    interval: Duration::from_millis(150),
};

impl Provider for HubSpot {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let mut v = bearer_get(
            api,
            "/account-info/2026-03/details",
            cred.secret,
            "portalId",
        );
        v.identity = v.identity.map(|p| format!("portal {p}"));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "pat-na1-4f8a2c1e-9b3d-4e7f-a6c0-2d5b8e1f3a9c"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &HubSpot,
            rule: "hubspot-private-app-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"portalId":24681357,"accountType":"STANDARD","uiDomain":"app.hubspot.com"}"#,
            ),
            identity: Some("portal 24681357"),
            invalid: Reply::json(
                401,
                r#"{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/account-info/2026-03/details")
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
}
