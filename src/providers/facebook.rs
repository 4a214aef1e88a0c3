//! Facebook (Meta Graph API): `GET /me?fields=id,name` with a user or page access token as a
//! bearer token names whom it acts for. Graph API error code 190 is documented as an invalid
//! or expired access token, whatever the HTTP status it comes with.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Facebook Graph API.
pub struct Facebook;

static INFO: Info = Info {
    name: "facebook",
    docs: "https://developers.facebook.com/docs/graph-api/guides/error-handling/",
    base: "https://graph.facebook.com",
    hosts: &["graph.facebook.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

/// Graph API error code for an invalid, expired or revoked access token.
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
        if !r.ok()
            && r.json().and_then(|v| v.get("error")?.get("code")?.as_i64()) == Some(INVALID_TOKEN)
        {
            return Verdict::inactive(&r, "Graph API error 190: invalid or expired token");
        }
        Verdict::from_identity_endpoint(&r, |v| json_str(v, "name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
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
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/me?fields=id,name")
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
