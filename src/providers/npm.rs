//! npm: `GET /-/whoami` on the registry names the user an access token belongs to.
//!
//! Revocation: the registry lists a user's tokens (`GET /-/npm/v1/tokens`) with their values
//! redacted but with a `key`, documented as the hexadecimal SHA-512 of the token, and deletes
//! one by that key (`DELETE /-/npm/v1/tokens/token/{key}`, 204). leakhound hashes the token,
//! deletes only when the listing holds exactly that key, and refuses otherwise, so the token
//! itself never goes into a URL and no other token can be hit.

use std::time::Duration;

use sha2::{Digest, Sha512};

use super::{json_str, Api, Credential, Info, Outcome, Provider, Revocation, Verdict};

/// The npm registry.
pub struct Npm;

static INFO: Info = Info {
    name: "npm",
    docs: "https://github.com/npm/registry/blob/main/docs/user/authentication.md",
    base: "https://registry.npmjs.org",
    hosts: &["registry.npmjs.org"],
    revoke: true,
    interval: Duration::from_millis(100),
};

impl Provider for Npm {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        Verdict::from_call(api.get("/-/whoami").bearer(cred.secret).send(), |v| {
            json_str(v, "username")
        })
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        let key = token_key(cred.secret);
        let r = match api
            .get("/-/npm/v1/tokens?perPage=9999")
            .bearer(cred.secret)
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if !r.ok() {
            let mut f = Revocation::from_response(&r);
            if f.outcome == Outcome::Unknown {
                // Only the read-only listing failed: nothing was deleted.
                f.outcome = Outcome::Failed;
            }
            return f;
        }
        let Some(list) = r.json() else {
            return Revocation::new(
                Outcome::Refused,
                Some(&r),
                "malformed token listing; nothing deleted",
            );
        };
        let matches = list
            .get("objects")
            .and_then(|o| o.as_array())
            .map_or(0, |a| {
                a.iter()
                    .filter(|t| json_str(t, "key").as_deref() == Some(key.as_str()))
                    .count()
            });
        if matches != 1 {
            return Revocation::new(
                Outcome::Refused,
                Some(&r),
                "the token listing holds no entry whose key is this token's SHA-512; nothing deleted",
            );
        }
        match api
            .delete(&format!("/-/npm/v1/tokens/token/{key}"))
            .bearer(cred.secret)
            .send()
        {
            Ok(r) if r.ok() => Revocation::new(
                Outcome::Revoked,
                Some(&r),
                "deleted; npm documents that the registry's cache may accept it for up to an hour",
            ),
            Ok(r) => Revocation::from_response(&r),
            Err(e) => e.into(),
        }
    }
}

/// The registry's `key` for a token: the hexadecimal SHA-512 of the token.
fn token_key(token: &str) -> String {
    Sha512::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, RevokeSpec, VerifySpec};
    use crate::providers::fake::{FakeServer, Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "npm_1CiAhzCueQpBenQtYh5Xj8TPQxjq4i9DoV8g";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Npm,
            rule: "npm-access-token",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(200, r#"{"username":"octo-npm"}"#),
            identity: Some("octo-npm"),
            invalid: Reply::json(401, r#"{"error":"Unauthorized"}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/-/whoami"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {SECRET}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    /// sha512("npm_Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iO"), computed independently
    /// (`printf %s TOKEN | sha512sum`).
    const KEY: &str = "777cc69aae60280184c870d13bb13252f196367e506c32c73f7f128a740953809683830881a1d7ecebad141c86586a85686418be400bd65320214a76de1484c3";

    #[test]
    fn the_key_is_the_hex_sha512_of_the_token() {
        assert_eq!(token_key(REVOKED), KEY);
        // FIPS 180-2's SHA-512 test vector, to pin the hex encoding.
        assert_eq!(
            token_key("abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
    }

    const REVOKED: &str = "npm_Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iO";

    fn listing() -> String {
        format!(
            r#"{{"objects":[{{"token":"npm_ab…","key":"00{}"}},{{"token":"npm_Qm…","key":"{KEY}","readonly":false}}],"urls":{{}}}}"#,
            &KEY[2..]
        )
    }

    #[test]
    fn revoke_deletes_by_the_exact_key() {
        battery::revoke(&RevokeSpec {
            provider: &Npm,
            rule: "npm-access-token",
            secret: REVOKED,
            success: vec![Reply::json(200, &listing()), Reply::status(204)],
            lookups: 1,
            dry_run_calls: 1,
            check: |reqs| {
                assert_eq!(reqs.len(), 2);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("GET", "/-/npm/v1/tokens?perPage=9999")
                );
                assert_eq!(
                    (reqs[1].method.as_str(), reqs[1].path.as_str()),
                    ("DELETE", format!("/-/npm/v1/tokens/token/{KEY}").as_str())
                );
                for r in reqs {
                    assert_eq!(
                        r.header("authorization"),
                        Some(format!("Bearer {REVOKED}").as_str())
                    );
                    assert!(!r.path.contains(REVOKED), "the token must not be in a URL");
                }
            },
            failure: vec![Reply::json(401, r#"{"error":"Unauthorized"}"#)],
        });
    }

    #[test]
    fn no_exact_key_no_deletion() {
        for body in [
            r#"{"objects":[{"token":"npm_Qm…","key":"00ff"}],"urls":{}}"#.to_string(),
            format!(r#"{{"objects":[{{"key":"{}"}}],"urls":{{}}}}"#, &KEY[..100]),
            format!(
                r#"{{"objects":[{{"key":"{}"}}],"urls":{{}}}}"#,
                KEY.to_uppercase()
            ),
            r#"{"objects":[],"urls":{}}"#.to_string(),
            "not json".to_string(),
        ] {
            let server = FakeServer::start(vec![Reply::json(200, &body), Reply::status(204)]);
            let client = battery::client("npm", &server, false);
            let ann = std::collections::BTreeMap::new();
            let cred = Credential {
                rule: "npm-access-token",
                secret: REVOKED,
                annotations: &ann,
            };
            let r = Npm.revoke(&Api::new(&client, &INFO, REVOKED), &cred);
            assert_eq!(r.outcome, Outcome::Refused, "{body}");
            let reqs = server.requests();
            assert_eq!(reqs.len(), 1, "only the listing may be read: {body}");
            assert_eq!(reqs[0].method, "GET");
        }
    }
}
