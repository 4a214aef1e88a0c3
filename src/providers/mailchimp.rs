//! Mailchimp Marketing API: `GET /3.0/` (the API root) names the account. A key ends in its
//! data center (`…-us6`), which is also its API host (`us6.api.mailchimp.com`): the allowlist
//! is exactly that shape, `us<N>.api.mailchimp.com` for N below 100, and nothing else.

use std::time::Duration;

use super::http::Method;
use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Mailchimp.
pub struct Mailchimp;

/// `us0.api.mailchimp.com` … `us99.api.mailchimp.com`.
macro_rules! dc_hosts {
    ($($n:literal)*) => { &[$(concat!("us", $n, ".api.mailchimp.com")),*] };
}

static INFO: Info = Info {
    name: "mailchimp",
    docs: "https://mailchimp.com/developer/marketing/api/root/",
    base: "https://us1.api.mailchimp.com",
    hosts: dc_hosts!(
        0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32
        33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62
        63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92
        93 94 95 96 97 98 99
    ),
    revoke: false,
    interval: Duration::from_millis(100),
};

/// The data center a key names (`us6`), if its suffix has the documented shape.
fn data_center(key: &str) -> Option<&str> {
    let (_, dc) = key.rsplit_once('-')?;
    let digits = dc.strip_prefix("us")?;
    let ok = (1..=2).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !(digits.len() == 2 && digits.starts_with('0'));
    ok.then_some(dc)
}

impl Provider for Mailchimp {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let Some(dc) = data_center(cred.secret) else {
            return Verdict::unknown(None, "the key names no data center; not checked");
        };
        let call = if api.base() == INFO.base {
            api.absolute(Method::Get, &format!("https://{dc}.api.mailchimp.com/3.0/"))
        } else {
            api.get("/3.0/")
        };
        // Mailchimp takes any user name with the key as the password.
        match call.basic("leakhound", cred.secret).send() {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| json_str(v, "account_name")),
            Err(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::http::{Client, Settings};
    use crate::providers::{base64_encode, Status};

    const KEY: &str = "3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e-us6"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Mailchimp,
            rule: "mailchimp-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"account_id":"8d3a3db4d97663a9074efcc16","account_name":"Corner Cafe","email":"ops@example.com"}"#,
            ),
            identity: Some("Corner Cafe"),
            invalid: Reply::json(
                401,
                r#"{"type":"https://mailchimp.com/developer/marketing/docs/errors/","title":"API Key Invalid","status":401}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/3.0/"));
                let basic = format!(
                    "Basic {}",
                    base64_encode(format!("leakhound:{KEY}").as_bytes())
                );
                assert_eq!(r.header("authorization"), Some(basic.as_str()));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn data_centers() {
        assert_eq!(data_center(KEY), Some("us6"));
        assert_eq!(data_center("abc-us21"), Some("us21"));
        for bad in [
            "abc",
            "abc-eu1",
            "abc-us",
            "abc-us123",
            "abc-us06",
            "abc-us1.evil.com",
        ] {
            assert_eq!(data_center(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_allowlist_is_exactly_the_data_center_hosts() {
        assert_eq!(INFO.hosts.len(), 100);
        for (n, h) in INFO.hosts.iter().enumerate() {
            assert_eq!(*h, format!("us{n}.api.mailchimp.com"));
        }
        let client = Client::new(Settings::default());
        assert!(client
            .check_url(
                "mailchimp",
                INFO.hosts,
                "https://us21.api.mailchimp.com/3.0/"
            )
            .is_ok());
        for bad in [
            "https://api.mailchimp.com/3.0/",
            "https://us100.api.mailchimp.com/3.0/",
            "https://us6.api.mailchimp.com.evil.example/3.0/",
            "http://us6.api.mailchimp.com/3.0/",
        ] {
            assert!(
                client.check_url("mailchimp", INFO.hosts, bad).is_err(),
                "{bad}"
            );
        }
    }
}
