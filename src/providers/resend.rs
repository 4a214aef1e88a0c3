//! Resend: `GET /domains` with the API key as a bearer token. Resend documents its answers: a
//! full-access key gets the list; a sending-only key gets 401 `restricted_api_key` (live); an
//! invalid key gets 403 `invalid_api_key`.

use std::time::Duration;

use super::{json_str, unexpected, Api, Credential, Info, Provider, Verdict};

/// Resend.
pub struct Resend;

static INFO: Info = Info {
    name: "resend",
    docs: "https://resend.com/docs/api-reference/errors",
    base: "https://api.resend.com",
    hosts: &["api.resend.com"],
    revoke: false,
    interval: Duration::from_millis(250),
};

impl Provider for Resend {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api.get("/domains").bearer(cred.secret).send() {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        let name = r.json().and_then(|v| json_str(&v, "name"));
        match (r.status, name.as_deref()) {
            (200..=299, _) if r.json().is_some() => Verdict::active(&r, None),
            (200..=299, _) => Verdict::unknown(Some(&r), "malformed response"),
            (401, Some("restricted_api_key")) => {
                Verdict::active(&r, Some("a sending-only key".into()))
            }
            (403, Some("invalid_api_key")) => {
                Verdict::inactive(&r, "Resend says the API key is invalid (403)")
            }
            _ => Verdict::unknown(Some(&r), &unexpected(&r)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "re_Qm7TzR2v_Xk9LpW4sB8nC3dFhJ6yG1aE5";
    const INVALID: &str =
        r#"{"statusCode":403,"message":"API key is invalid","name":"invalid_api_key"}"#;

    fn spec(live: Reply, identity: Option<&'static str>) -> VerifySpec {
        VerifySpec {
            provider: &Resend,
            rule: "resend-api-key",
            secret: KEY,
            annotations: vec![],
            live,
            identity,
            invalid: Reply::json(403, INVALID),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/domains"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {KEY}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        }
    }

    #[test]
    fn verify() {
        battery::verify(&spec(Reply::json(200, r#"{"data":[]}"#), None));
    }

    #[test]
    fn a_sending_only_key_is_live() {
        battery::verify(&spec(
            Reply::json(
                401,
                r#"{"statusCode":401,"message":"This API key is restricted to only send emails","name":"restricted_api_key"}"#,
            ),
            Some("a sending-only key"),
        ));
    }

    #[test]
    fn a_missing_key_answer_is_not_taken_as_invalid() {
        let server = crate::providers::fake::FakeServer::start(vec![Reply::json(
            401,
            r#"{"statusCode":401,"name":"missing_api_key"}"#,
        )]);
        let client = battery::client("resend", &server, false);
        let ann = std::collections::BTreeMap::new();
        let cred = Credential {
            rule: "resend-api-key",
            secret: KEY,
            annotations: &ann,
        };
        let v = Resend.verify(&Api::new(&client, &INFO, KEY), &cred);
        assert_eq!(v.status, Status::Unknown);
    }
}
