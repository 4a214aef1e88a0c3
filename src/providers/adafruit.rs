//! Adafruit IO: `GET /api/v2/user` with the key in the `X-AIO-Key` header names the user.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Adafruit IO.
pub struct Adafruit;

static INFO: Info = Info {
    name: "adafruit",
    docs: "https://io.adafruit.com/api/docs/#get-user-info",
    base: "https://io.adafruit.com",
    hosts: &["io.adafruit.com"],
    revoke: false,
    interval: Duration::from_millis(200),
};

impl Provider for Adafruit {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match api
            .get("/api/v2/user")
            .header("X-AIO-Key", cred.secret)
            .send()
        {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| json_str(v, "username")),
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

    const KEY: &str = "aio_QmTz42vXk9LpW4sB8nC3dFhJ6yG1"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Adafruit,
            rule: "adafruit-io-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(200, r#"{"id":1234,"username":"maker42","name":"Maker"}"#),
            identity: Some("maker42"),
            invalid: Reply::json(
                401,
                r#"{"error":"request failed - invalid API key provided"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/v2/user")
                );
                assert_eq!(r.header("x-aio-key"), Some(KEY));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
