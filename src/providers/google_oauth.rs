//! Google OAuth 2.0 tokens: the token-info endpoint describes an access token; the revocation
//! endpoint (RFC 7009 form: `token=` in a form body) revokes it and its refresh token.
//! Refresh tokens cannot be checked without the OAuth client that owns them, so they stay
//! unknown and are never revoked.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Outcome, Provider, Revocation, Verdict};

/// Google OAuth 2.0 access tokens (`ya29.`).
pub struct GoogleOAuth;

static INFO: Info = Info {
    name: "google-oauth",
    docs: "https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke",
    base: "https://oauth2.googleapis.com",
    hosts: &["oauth2.googleapis.com"],
    revoke: true,
    interval: Duration::from_millis(100),
};

fn is_access_token(cred: &Credential<'_>) -> bool {
    cred.secret.starts_with("ya29.")
}

impl Provider for GoogleOAuth {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if !is_access_token(cred) {
            return Verdict::unknown(
                None,
                "a refresh token can be checked only with its OAuth client",
            );
        }
        // Google's pages show the token as a query parameter; the endpoint is a plain OAuth
        // form endpoint, and a form body keeps the token out of URLs (and any proxy's logs).
        // Should Google refuse the form, the answer is unknown, never inactive.
        let r = match api
            .post("/tokeninfo")
            .form(&[("access_token", cred.secret)])
            .read_only()
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        let error = r.json().and_then(|v| json_str(&v, "error"));
        match (r.status, error.as_deref()) {
            // Google answers an expired or revoked token with 400 invalid_token.
            (400, Some("invalid_token")) => Verdict::inactive(&r, "invalid_token"),
            _ => Verdict::from_identity_endpoint(&r, |v| {
                json_str(v, "email").or_else(|| json_str(v, "azp").map(|c| format!("client {c}")))
            }),
        }
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        if !is_access_token(cred) {
            return Revocation::new(
                Outcome::Refused,
                None,
                "only access tokens verified live are revoked",
            );
        }
        Revocation::expect(
            api.post("/revoke").form(&[("token", cred.secret)]).send(),
            200,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, RevokeSpec, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str =
        "ya29.a0Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cN3mK9bL1pS6dF0gH2jK4lQ8"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &GoogleOAuth,
            rule: "google-oauth-access-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"azp":"123.apps.googleusercontent.com","scope":"openid email","email":"ci@example.com","expires_in":"3000"}"#,
            ),
            identity: Some("ci@example.com"),
            invalid: Reply::json(
                400,
                r#"{"error":"invalid_token","error_description":"Invalid Value"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/tokeninfo"));
                assert_eq!(
                    r.header("content-type"),
                    Some("application/x-www-form-urlencoded")
                );
                assert_eq!(r.body_text(), format!("access_token={TOKEN}"));
                assert!(!r.path.contains("ya29"), "token in the URL");
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn revoke() {
        battery::revoke(&RevokeSpec {
            provider: &GoogleOAuth,
            rule: "google-oauth-access-token",
            secret: TOKEN,
            success: vec![Reply::json(200, "{}")],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("POST", "/revoke")
                );
                assert_eq!(reqs[0].body_text(), format!("token={TOKEN}"));
            },
            failure: vec![Reply::json(400, r#"{"error":"invalid_token"}"#)],
        });
    }

    #[test]
    fn refresh_tokens_are_not_sent() {
        let secret = "1//0fQm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cN3mK9bL1pS6"; // leakhound:allow: a made-up test credential
        battery::verify_unsent(&GoogleOAuth, "google-oauth-refresh-token", secret);
        battery::revoke_unsent(&GoogleOAuth, "google-oauth-refresh-token", secret);
    }
}
