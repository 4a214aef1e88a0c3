//! Mailgun: `GET /v4/domains?limit=1` with HTTP Basic `api:KEY`. Mailgun documents 401 as an
//! invalid key and 403 as a request the credentials may not make
//! (<https://documentation.mailgun.com/docs/mailgun/api-reference/api-overview>, "Errors").
//!
//! A 403 is read by its body, not its status: a domain sending key (valid, but only for
//! sending) and a key refused by the account's IP allowlist both get one, and so does a
//! disabled account. Only a body that says the key lacks access makes it active; any other
//! 403 is unknown with Mailgun's message.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Mailgun (US region; `--provider-endpoint mailgun=https://api.eu.mailgun.net` for the EU).
pub struct Mailgun;

static INFO: Info = Info {
    name: "mailgun",
    docs: "https://documentation.mailgun.com/docs/mailgun/api-reference/api-overview",
    base: "https://api.mailgun.net",
    hosts: &["api.mailgun.net", "api.eu.mailgun.net"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Mailgun {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api
            .get("/v4/domains?limit=1")
            .basic("api", cred.secret)
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if r.status == 403 {
            return forbidden(&r);
        }
        Verdict::from_identity_endpoint(&r, |v| {
            json_str(v, "items/0/name").map(|d| format!("account with domain {d}"))
        })
    }
}

/// Reads a 403 by Mailgun's message (JSON `message`, or a plain-text body).
fn forbidden(r: &super::http::Response) -> Verdict {
    let message = r
        .json()
        .and_then(|v| json_str(&v, "message"))
        .unwrap_or_else(|| String::from_utf8_lossy(&r.body).trim().to_string());
    let lower = message.to_ascii_lowercase();
    let shown: String = message.chars().take(120).collect();
    if lower.contains("allowlist") || lower.contains("whitelist") || lower.contains("ip address") {
        return Verdict::unknown(
            Some(r),
            &format!("refused by an IP allowlist (403): {shown}"),
        );
    }
    if lower.contains("sending key")
        || lower.contains("permission")
        || lower.contains("not allowed")
        || lower.contains("access")
    {
        return Verdict::active(r, Some("a key without access to domains".into()));
    }
    Verdict::unknown(
        Some(r),
        &format!(
            "forbidden (403){}",
            if shown.is_empty() {
                String::new()
            } else {
                format!(": {shown}")
            }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::{base64_encode, Status};

    const KEY: &str = "key-3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Mailgun,
            rule: "mailgun-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"total_count":2,"items":[{"name":"mg.example.com","state":"active"}]}"#,
            ),
            identity: Some("account with domain mg.example.com"),
            invalid: Reply::Respond {
                status: 401,
                headers: vec![],
                body: "Forbidden".into(),
            },
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v4/domains?limit=1")
                );
                let basic = format!("Basic {}", base64_encode(format!("api:{KEY}").as_bytes()));
                assert_eq!(r.header("authorization"), Some(basic.as_str()));
            },
            // The battery's 403 says only "forbidden": not enough to call it live.
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn a_403_is_read_by_its_body() {
        for (body, want) in [
            (
                r#"{"message":"Domain sending keys are not allowed to access this resource"}"#,
                Status::Active,
            ),
            (
                r#"{"message":"IP address 203.0.113.9 is not in the allowlist"}"#,
                Status::Unknown,
            ),
            ("Forbidden", Status::Unknown),
            ("", Status::Unknown),
        ] {
            let (v, _) = battery::call(
                &Mailgun,
                "mailgun-api-key",
                KEY,
                &[],
                vec![Reply::Respond {
                    status: 403,
                    headers: vec![],
                    body: body.into(),
                }],
                false,
                |api, cred| Mailgun.verify(api, cred),
            );
            assert_eq!(v.status, want, "{body}: {v:?}");
        }
    }
}
