//! Postmark: a server token reads its server (`GET /server`, `X-Postmark-Server-Token`); an
//! account token lists the account's servers (`GET /servers?count=1&offset=0`,
//! `X-Postmark-Account-Token`). Both are UUIDs, so a token the server endpoint refuses is
//! tried as an account token; only when both refuse it (401) is it inactive.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Postmark.
pub struct Postmark;

static INFO: Info = Info {
    name: "postmark",
    docs: "https://postmarkapp.com/developer/api/overview#authentication",
    base: "https://api.postmarkapp.com",
    hosts: &["api.postmarkapp.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Postmark {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api
            .get("/server")
            .header("Accept", "application/json")
            .header("X-Postmark-Server-Token", cred.secret)
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if r.status != 401 {
            return Verdict::from_identity_endpoint(&r, |v| {
                json_str(v, "Name").map(|n| format!("server {n}"))
            });
        }
        Verdict::from_call(
            api.get("/servers?count=1&offset=0")
                .header("Accept", "application/json")
                .header("X-Postmark-Account-Token", cred.secret)
                .send(),
            |v| json_str(v, "Servers/0/Name").map(|n| format!("account with server {n}")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{FakeServer, Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "4f8a2c1e-9b3d-4e7f-a6c0-2d5b8e1f3a9c";
    const INVALID: &str = r#"{"ErrorCode":10,"Message":"The Server Token you provided in the X-Postmark-Server-Token request header was invalid."}"#;

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Postmark,
            rule: "postmark-server-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(200, r#"{"ID":1,"Name":"Transactional"}"#),
            identity: Some("server Transactional"),
            invalid: Reply::json(401, INVALID),
            check: |r: &Recorded| {
                assert_eq!(r.method, "GET");
                assert_eq!(r.header("accept"), Some("application/json"));
                match r.path.as_str() {
                    "/server" => assert_eq!(r.header("x-postmark-server-token"), Some(TOKEN)),
                    "/servers?count=1&offset=0" => {
                        assert_eq!(r.header("x-postmark-account-token"), Some(TOKEN));
                    }
                    other => panic!("unexpected path {other}"),
                }
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn an_account_token_is_tried_after_the_server_endpoint_refuses_it() {
        let server = FakeServer::start(vec![
            Reply::json(401, INVALID),
            Reply::json(
                200,
                r#"{"TotalCount":3,"Servers":[{"ID":1,"Name":"Billing"}]}"#,
            ),
        ]);
        let client = battery::client("postmark", &server, false);
        let ann = std::collections::BTreeMap::new();
        let cred = Credential {
            rule: "postmark-server-token",
            secret: TOKEN,
            annotations: &ann,
        };
        let v = Postmark.verify(&Api::new(&client, &INFO, TOKEN), &cred);
        assert_eq!(v.status, Status::Active);
        assert_eq!(v.identity.as_deref(), Some("account with server Billing"));
        let reqs = server.requests();
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].header("x-postmark-server-token"), Some(TOKEN));
        assert_eq!(reqs[1].path, "/servers?count=1&offset=0");
        assert_eq!(reqs[1].header("x-postmark-account-token"), Some(TOKEN));
        assert_eq!(reqs[1].header("x-postmark-server-token"), None);
    }
}
