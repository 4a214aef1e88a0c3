//! Facebook (Meta Graph API): `GET /me?fields=id,name` names whom a user or page access token
//! acts for (<https://developers.facebook.com/docs/graph-api/overview>). The token goes in an
//! `Authorization: Bearer` header, as the README promises for every provider, never in the
//! URL, where proxies and server logs keep it: the Graph API takes the OAuth 2.0 bearer header
//! on graph.facebook.com, as Meta's own Cloud API examples send it
//! (<https://developers.facebook.com/docs/whatsapp/cloud-api/get-started>). Graph API error
//! code 190 is documented (<https://developers.facebook.com/docs/graph-api/guides/error-handling/>)
//! as an expired or invalid access token, whatever the HTTP status it comes with; no other
//! answer is read as inactive.
//!
//! Revoke: `DELETE /me/permissions` with a user access token de-authorizes the app for that
//! person, which invalidates the token ("Revoking Login",
//! <https://developers.facebook.com/docs/facebook-login/guides/permissions/request-revoke/>);
//! Graph answers `{"success": true}`. Page and app tokens cannot do this and get a Graph error,
//! reported as failed.

use std::time::Duration;

use super::{json_str, unexpected, Api, Credential, Info, Outcome, Provider, Revocation, Verdict};

/// Facebook Graph API.
pub struct Facebook;

static INFO: Info = Info {
    name: "facebook",
    docs: "https://developers.facebook.com/docs/graph-api/overview",
    base: "https://graph.facebook.com",
    hosts: &["graph.facebook.com"],
    revoke: true,
    interval: Duration::from_millis(100),
};

/// Graph API error code for an expired, invalid or revoked access token.
const INVALID_TOKEN: i64 = 190;

impl Provider for Facebook {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api.get("/me?fields=id,name").bearer(cred.secret).send() {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if r.ok() {
            return match r.json() {
                Some(v) => Verdict::active(&r, json_str(&v, "name")),
                None => Verdict::unknown(Some(&r), "malformed response"),
            };
        }
        if r.json().and_then(|v| v.get("error")?.get("code")?.as_i64()) == Some(INVALID_TOKEN) {
            return Verdict::inactive(&r, "Graph API error 190: invalid or expired token");
        }
        Verdict::unknown(Some(&r), &unexpected(&r))
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        if cred.secret.contains('|') {
            return Revocation::new(
                Outcome::Refused,
                None,
                "an app access token (APP_ID|SECRET) is revoked by resetting the app secret in the App Dashboard",
            );
        }
        let r = match api.delete("/me/permissions").bearer(cred.secret).send() {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        let success = r.json().and_then(|v| v.get("success")?.as_bool());
        match (r.ok(), success) {
            (true, Some(true)) => Revocation::new(
                Outcome::Revoked,
                Some(&r),
                "revoked: the app's permissions for this person were removed",
            ),
            (true, _) => Revocation::new(
                Outcome::Failed,
                Some(&r),
                "Graph API did not answer success: true",
            ),
            (false, _) => Revocation::from_response(&r),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, RevokeSpec, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "EAAGQm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cK3mN9bP1jH5lT8rY2uEeQm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0i"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Facebook,
            rule: "facebook-access-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(200, r#"{"id":"104738291","name":"Corner Cafe"}"#),
            identity: Some("Corner Cafe"),
            invalid: Reply::json(
                400,
                r#"{"error":{"message":"Invalid OAuth access token - Cannot parse access token","type":"OAuthException","code":190}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(r.method, "GET");
                assert_eq!(r.path, "/me?fields=id,name");
                assert!(!r.path.contains(TOKEN), "the token must not be in the URL");
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
    fn a_401_without_code_190_is_unknown() {
        let server = crate::providers::fake::FakeServer::start(vec![Reply::json(
            401,
            r#"{"error":{"message":"Unsupported request","type":"GraphMethodException","code":100}}"#,
        )]);
        let client = battery::client("facebook", &server, false);
        let ann = std::collections::BTreeMap::new();
        let cred = Credential {
            rule: "facebook-access-token",
            secret: TOKEN,
            annotations: &ann,
        };
        let v = Facebook.verify(&Api::new(&client, &INFO, TOKEN), &cred);
        assert_eq!(v.status, Status::Unknown);
    }

    #[test]
    fn the_token_is_redacted_in_errors() {
        let server = crate::providers::fake::FakeServer::start(vec![Reply::Hang(
            Duration::from_millis(900),
        )]);
        let client = battery::client("facebook", &server, false);
        let ann = std::collections::BTreeMap::new();
        let cred = Credential {
            rule: "facebook-access-token",
            secret: TOKEN,
            annotations: &ann,
        };
        let v = Facebook.verify(&Api::new(&client, &INFO, TOKEN), &cred);
        assert_eq!(v.status, Status::Unknown);
        assert!(!format!("{v:?}").contains(TOKEN));
    }

    #[test]
    fn revoke_removes_the_apps_permissions() {
        battery::revoke(&RevokeSpec {
            provider: &Facebook,
            rule: "facebook-access-token",
            secret: TOKEN,
            success: vec![Reply::json(200, r#"{"success":true}"#)],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("DELETE", "/me/permissions")
                );
                assert_eq!(
                    reqs[0].header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
                assert!(!reqs[0].path.contains(TOKEN));
            },
            failure: vec![Reply::json(
                400,
                r#"{"error":{"message":"(#100) Not a user token","type":"OAuthException","code":100}}"#,
            )],
        });
    }

    #[test]
    fn app_tokens_are_not_sent_for_revocation() {
        battery::revoke_unsent(
            &Facebook,
            "facebook-app-access-token",
            "1234567890123456|Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0e",
        );
    }
}
