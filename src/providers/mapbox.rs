//! Mapbox: `GET /tokens/v2?access_token=TOKEN` ("retrieve a token") says whether a token is
//! valid, in its `code` field, and names its user. Mapbox takes tokens only in the query
//! string, so the token is there, and redacted wherever the URL is shown.
//!
//! Revoke: the same lookup names the token's user and its id (`token/authorization`); then
//! `DELETE /tokens/v2/USER/ID?access_token=TOKEN` deletes it, answering 204 ("Delete a token",
//! <https://docs.mapbox.com/api/accounts/tokens/#delete-a-token>). Mapbox allows that only to a
//! token with the `tokens:write` scope; any other gets 403, which is reported as failed.
//! Temporary tokens (`tk.`) cannot be deleted: they expire within the hour they were made for.

use std::time::Duration;

use super::{
    json_str, percent_encode, Api, Credential, Info, Outcome, Provider, Revocation, Verdict,
};

/// Mapbox.
pub struct Mapbox;

static INFO: Info = Info {
    name: "mapbox",
    docs: "https://docs.mapbox.com/api/accounts/tokens/#delete-a-token",
    base: "https://api.mapbox.com",
    hosts: &["api.mapbox.com"],
    revoke: true,
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

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        if cred.secret.starts_with("tk.") {
            return Revocation::new(
                Outcome::Refused,
                None,
                "Mapbox temporary tokens cannot be deleted; they expire on their own",
            );
        }
        let token = percent_encode(cred.secret);
        let r = match api
            .get(&format!("/tokens/v2?access_token={token}"))
            .header("Accept", "application/json")
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        let body = if r.ok() { r.json() } else { None };
        let user = body.as_ref().and_then(|v| json_str(v, "token/user"));
        let id = body
            .as_ref()
            .and_then(|v| json_str(v, "token/authorization"));
        let (Some(user), Some(id)) = (user.filter(|u| path_safe(u)), id.filter(|i| path_safe(i)))
        else {
            return Revocation::new(
                Outcome::Failed,
                Some(&r),
                "Mapbox did not name the token's user and id; nothing deleted",
            );
        };
        Revocation::expect(
            api.delete(&format!("/tokens/v2/{user}/{id}?access_token={token}"))
                .send(),
            204,
        )
    }
}

/// Whether `s` can go into a URL path as it is (Mapbox user names and token ids are
/// letters, digits, `-`, `_` and `.`).
fn path_safe(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, RevokeSpec, VerifySpec};
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

    #[test]
    fn revoke_looks_the_token_up_then_deletes_it() {
        battery::revoke(&RevokeSpec {
            provider: &Mapbox,
            rule: "mapbox-secret-token",
            secret: TOKEN,
            success: vec![
                Reply::json(
                    200,
                    r#"{"code":"TokenValid","token":{"usage":"sk","user":"ops-team","authorization":"clxq8ztkv3rmw9xlp2"}}"#,
                ),
                Reply::status(204),
            ],
            lookups: 1,
            dry_run_calls: 1,
            check: |reqs| {
                assert_eq!(reqs.len(), 2);
                assert_eq!(reqs[0].method, "GET");
                assert_eq!(reqs[0].path, format!("/tokens/v2?access_token={TOKEN}"));
                assert_eq!(reqs[1].method, "DELETE");
                assert_eq!(
                    reqs[1].path,
                    format!("/tokens/v2/ops-team/clxq8ztkv3rmw9xlp2?access_token={TOKEN}")
                );
            },
            failure: vec![
                Reply::json(
                    200,
                    r#"{"code":"TokenValid","token":{"usage":"sk","user":"ops-team","authorization":"clxq8ztkv3rmw9xlp2"}}"#,
                ),
                Reply::json(403, r#"{"message":"Forbidden"}"#),
            ],
        });
    }

    #[test]
    fn revoke_deletes_nothing_without_a_user_and_id() {
        for body in [
            r#"{"code":"TokenValid","token":{"usage":"sk","user":"ops-team"}}"#,
            r#"{"code":"TokenValid","token":{"user":"../admin","authorization":"x"}}"#,
        ] {
            let (r, reqs) = battery::call(
                &Mapbox,
                "mapbox-secret-token",
                TOKEN,
                &[],
                vec![Reply::json(200, body), Reply::status(204)],
                false,
                |api, cred| Mapbox.revoke(api, cred),
            );
            assert_eq!(r.outcome, crate::providers::Outcome::Failed, "{body}");
            assert_eq!(reqs.len(), 1, "{body}: something was deleted");
        }
        battery::revoke_unsent(
            &Mapbox,
            "mapbox-temporary-token",
            "tk.eyJ1IjoiYSJ9.Qm7TzR2vXk9LpW4sB8nC3d",
        );
    }
}
