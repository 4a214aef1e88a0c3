//! AWS: STS `GetCallerIdentity`, signed with Signature Version 4, answers for any valid access
//! key pair and needs no permission. The access key id comes from the finding's pairing
//! (`aws_access_key_id`, found within a few lines of the secret).

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
        let auth = sigv4::authorization(
            &Signable {
                method: "POST",
                path: "/",
                query: "",
                headers: &[
                    ("content-type", FORM),
                    ("host", &authority),
                    ("x-amz-date", &amz_date),
                ],
                body: BODY.as_bytes(),
                amz_date: &amz_date,
                region: "us-east-1",
                service: "sts",
            },
            key_id,
            cred.secret,
        );
        let r = match api
            .post("/")
            .body(FORM, BODY.as_bytes().to_vec())
            .header("X-Amz-Date", &amz_date)
            .header("Authorization", &auth)
            .read_only()
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        let text = String::from_utf8_lossy(&r.body);
        match (r.status, xml_tag(&text, "Code")) {
            (200, _) => match xml_tag(&text, "Arn") {
                Some(arn) => Verdict::active(&r, Some(arn.to_string())),
                None => Verdict::unknown(Some(&r), "malformed response"),
            },
            (
                403,
                Some(code @ ("InvalidClientTokenId" | "SignatureDoesNotMatch" | "ExpiredToken")),
            ) => Verdict::inactive(&r, code),
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

    #[test]
    fn without_a_key_id_nothing_is_sent() {
        battery::verify_unsent(&Aws, "aws-secret-access-key", SECRET);
    }
}
