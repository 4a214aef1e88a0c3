//! Mapbox: `GET /tokens/v2?access_token=TOKEN` ("retrieve a token") says whether a token is
//! valid, in its `code` field, and names its user. Mapbox takes tokens only in the query
//! string, so the token is there, and redacted wherever the URL is shown.

use std::time::Duration;

use super::{json_str, percent_encode, Api, Credential, Info, Provider, Verdict};

/// Mapbox.
pub struct Mapbox;

static INFO: Info = Info {
    name: "mapbox",
    docs: "https://docs.mapbox.com/api/accounts/tokens/#retrieve-a-token",
    base: "https://api.mapbox.com",
    hosts: &["api.mapbox.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Mapbox {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let path = format!("/tokens/v2?access_token={}", percent_encode(cred.secret));
        let r = match api.get(&path).header("Accept", "application/json").send() {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        let body = if r.ok() { r.json() } else { None };
        match body.as_ref().and_then(|v| json_str(v, "code")).as_deref() {
            Some("TokenValid") => Verdict::active(
                &r,
                body.as_ref()
                    .and_then(|v| json_str(v, "token/user"))
                    .map(|u| format!("user {u}")),
            ),
            Some(code @ ("TokenInvalid" | "TokenExpired" | "TokenRevoked")) => {
                Verdict::inactive(&r, &format!("Mapbox says {code}"))
            }
            Some(code) => Verdict::unknown(Some(&r), &format!("Mapbox says {code}")),
            None if r.ok() => Verdict::unknown(Some(&r), "malformed response"),
            None => Verdict::from_identity_endpoint(&r, |_| None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{FakeServer, Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str =
        "sk.eyJ1Ijoib3BzLXRlYW0iLCJhIjoiY2x4cTh6dGt2M3Jtdzl4bHAyIn0.Qm7TzR2vXk9LpW4sB8nC3d"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Mapbox,
            rule: "mapbox-secret-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"code":"TokenValid","token":{"usage":"sk","user":"ops-team","authorization":"clxq8ztkv3rmw9xlp2"}}"#,
            ),
            identity: Some("user ops-team"),
            invalid: Reply::json(401, r#"{"message":"Unauthorized"}"#),
            check: |r: &Recorded| {
                assert_eq!(r.method, "GET");
                assert_eq!(r.path, format!("/tokens/v2?access_token={TOKEN}"));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn codes_other_than_valid() {
        for (code, want) in [
            ("TokenRevoked", Status::Inactive),
            ("TokenExpired", Status::Inactive),
            ("TokenInvalid", Status::Inactive),
            ("TokenMalformed", Status::Unknown),
        ] {
            let server = FakeServer::start(vec![Reply::json(
                200,
                &format!(r#"{{"code":"{code}","token":{{"usage":"sk","user":"ops-team"}}}}"#),
            )]);
            let client = battery::client("mapbox", &server, false);
            let ann = std::collections::BTreeMap::new();
            let cred = Credential {
                rule: "mapbox-secret-token",
                secret: TOKEN,
                annotations: &ann,
            };
            let v = Mapbox.verify(&Api::new(&client, &INFO, TOKEN), &cred);
            assert_eq!(v.status, want, "{code}");
        }
    }
}
