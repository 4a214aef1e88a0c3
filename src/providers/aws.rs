//! AWS: STS `GetCallerIdentity`, signed with Signature Version 4, answers for any valid access
//! key pair and needs no permission. The access key id comes from the finding's pairing
//! (`aws_access_key_id`, found within a few lines of the secret).
//!
//! Temporary credentials (`ASIA…` key ids, from STS) are only valid with their session token,
//! which the request carries as `X-Amz-Security-Token`
//! (<https://docs.aws.amazon.com/STS/latest/APIReference/CommonParameters.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>); the scanner
//! pairs the token found within a few lines (`aws_session_token`). A temporary key without one
//! is not sent: STS would reject it whether or not it is live.
//!
//! Answers: `InvalidClientTokenId` (no such key) and `ExpiredToken` are inactive.
//! `SignatureDoesNotMatch` is not: AWS also returns it for a clock skewed past five minutes
//! and for a key created seconds ago that has not reached every endpoint yet
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency>),
//! and a secret paired with the wrong key id gets it too; it stays unknown.

use std::time::Duration;

use super::sigv4::{self, Signable};
use super::{Api, Credential, Info, Provider, Verdict};

/// Amazon Web Services.
pub struct Aws;

static INFO: Info = Info {
    name: "aws",
    docs: "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html",
    base: "https://sts.amazonaws.com",
    hosts: &["sts.amazonaws.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

const BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// The text of the first `<tag>…</tag>` in `xml`.
fn xml_tag<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(&xml[start..end])
}

impl Provider for Aws {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if cred.rule == "aws-access-key-id" {
            return Verdict::unknown(
                None,
                "an access key id alone cannot be checked; its secret is needed",
            );
        }
        let Some(key_id) = cred.annotations.get("aws_access_key_id") else {
            return Verdict::unknown(
                None,
                "no access key id paired with this secret; AWS needs both to check",
            );
        };
        let session = cred.annotations.get("aws_session_token");
        if key_id.starts_with("ASIA") && session.is_none() {
            return Verdict::unknown(
                None,
                "a temporary (ASIA) key without its session token nearby; STS rejects it without one",
            );
        }
        let base = api.base().to_string();
        let Ok((_, _)) = super::http::scheme_host(&base) else {
            return Verdict::unknown(None, "malformed AWS endpoint");
        };
        let authority = base
            .split_once("://")
            .map_or(base.as_str(), |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let amz_date = crate::time::amz_date(std::time::SystemTime::now());
        let mut signed = vec![
            ("content-type", FORM),
            ("host", authority.as_str()),
            ("x-amz-date", amz_date.as_str()),
        ];
        if let Some(token) = session {
            signed.push(("x-amz-security-token", token.as_str()));
        }
        let auth = sigv4::authorization(
            &Signable {
                method: "POST",
                path: "/",
                query: "",
                headers: &signed,
                body: BODY.as_bytes(),
                amz_date: &amz_date,
                region: "us-east-1",
                service: "sts",
            },
            key_id,
            cred.secret,
        );
        let mut call = api
            .post("/")
            .body(FORM, BODY.as_bytes().to_vec())
            .header("X-Amz-Date", &amz_date);
        if let Some(token) = session {
            call = call.header("X-Amz-Security-Token", token);
        }
        let r = match call.header("Authorization", &auth).read_only().send() {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        let text = String::from_utf8_lossy(&r.body);
        match (r.status, xml_tag(&text, "Code")) {
            (200, _) => match xml_tag(&text, "Arn") {
                Some(arn) => Verdict::active(&r, Some(arn.to_string())),
                None => Verdict::unknown(Some(&r), "malformed response"),
            },
            (403, Some(code @ ("InvalidClientTokenId" | "ExpiredToken"))) => {
                Verdict::inactive(&r, code)
            }
            (403, Some("SignatureDoesNotMatch")) => Verdict::unknown(
                Some(&r),
                "SignatureDoesNotMatch: a wrong secret, but also a skewed clock, a key too new to \
                 have reached STS, or a secret paired with another key id",
            ),
            _ => Verdict::unknown(Some(&r), &super::unexpected(&r)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "q8Fz1LmP0xVb7RtY3sKe9WnAq8Fz1LmP0xVb7RtY";
    const KEY_ID: &str = "AKIAZ7QW4XN2LMP5RT6Y"; // leakhound:allow: a made-up test value

    /// Recomputes the signature the way STS would, from what arrived.
    fn check(r: &Recorded) {
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/"));
        assert_eq!(r.body_text(), BODY);
        assert_eq!(r.header("content-type"), Some(FORM));
        let date = r.header("x-amz-date").expect("x-amz-date");
        let host = r.header("host").expect("host");
        let want = sigv4::authorization(
            &Signable {
                method: "POST",
                path: "/",
                query: "",
                headers: &[("content-type", FORM), ("host", host), ("x-amz-date", date)],
                body: BODY.as_bytes(),
                amz_date: date,
                region: "us-east-1",
                service: "sts",
            },
            KEY_ID,
            SECRET,
        );
        assert_eq!(r.header("authorization"), Some(want.as_str()));
        assert!(
            !r.headers.iter().any(|(_, v)| v.contains(SECRET)),
            "secret sent in a header"
        );
    }

    #[test]
    fn verify_signs_get_caller_identity() {
        battery::verify(&VerifySpec {
            provider: &Aws,
            rule: "aws-secret-access-key",
            secret: SECRET,
            annotations: vec![("aws_access_key_id", KEY_ID)],
            live: Reply::Respond {
                status: 200,
                headers: vec![("Content-Type".into(), "text/xml".into())],
                body: "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>".into(),
            },
            identity: Some("arn:aws:iam::123456789012:user/ci"),
            invalid: Reply::json(403, "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code></Error></ErrorResponse>"),
            check,
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    const TEMP_ID: &str = "ASIAZ7QW4XN2LMP5RT6Y"; // leakhound:allow: a made-up test value
    const SESSION: &str = "FwoGZXIvYXdzEBYaDHqa0AP1MYxPQ2Rm9Z0dEhX2yQm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8Fz1LmP0xVb7RtY3sKe9WnAq8Fz1LmP0x"; // leakhound:allow: a made-up test value

    fn run(notes: &[(&str, &str)], reply: Reply) -> (Verdict, Vec<Recorded>) {
        battery::call(
            &Aws,
            "aws-secret-access-key",
            SECRET,
            notes,
            vec![reply],
            false,
            |api, cred| Aws.verify(api, cred),
        )
    }

    fn live() -> Reply {
        Reply::json(200, "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/ci/s</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>")
    }

    #[test]
    fn temporary_keys_carry_their_signed_session_token() {
        let (v, reqs) = run(
            &[
                ("aws_access_key_id", TEMP_ID),
                ("aws_session_token", SESSION),
            ],
            live(),
        );
        assert_eq!(v.status, Status::Active, "{v:?}");
        let r = &reqs[0];
        assert_eq!(r.header("x-amz-security-token"), Some(SESSION));
        let date = r.header("x-amz-date").expect("x-amz-date");
        let host = r.header("host").expect("host");
        let want = sigv4::authorization(
            &Signable {
                method: "POST",
                path: "/",
                query: "",
                headers: &[
                    ("content-type", FORM),
                    ("host", host),
                    ("x-amz-date", date),
                    ("x-amz-security-token", SESSION),
                ],
                body: BODY.as_bytes(),
                amz_date: date,
                region: "us-east-1",
                service: "sts",
            },
            TEMP_ID,
            SECRET,
        );
        assert_eq!(r.header("authorization"), Some(want.as_str()));
        // A long-term key sends no token header.
        let (_, reqs) = run(&[("aws_access_key_id", KEY_ID)], live());
        assert_eq!(reqs[0].header("x-amz-security-token"), None);
    }

    #[test]
    fn a_temporary_key_without_its_token_is_not_sent() {
        let (v, reqs) = run(&[("aws_access_key_id", TEMP_ID)], live());
        assert!(reqs.is_empty());
        assert_eq!(v.status, Status::Unknown);
        assert!(v.detail.unwrap().contains("session token"));
    }

    #[test]
    fn signature_does_not_match_is_unknown() {
        let err = |code: &str| {
            Reply::json(
                403,
                &format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code></Error></ErrorResponse>"),
            )
        };
        for (code, want) in [
            ("SignatureDoesNotMatch", Status::Unknown),
            ("InvalidClientTokenId", Status::Inactive),
            ("ExpiredToken", Status::Inactive),
            ("AccessDenied", Status::Unknown),
        ] {
            let (v, _) = run(&[("aws_access_key_id", KEY_ID)], err(code));
            assert_eq!(v.status, want, "{code}: {v:?}");
        }
    }

    #[test]
    fn without_a_key_id_nothing_is_sent() {
        battery::verify_unsent(&Aws, "aws-secret-access-key", SECRET);
    }
}
