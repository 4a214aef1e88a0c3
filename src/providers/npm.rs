//! npm: `GET /-/whoami` on the registry names the user an access token belongs to.
//!
//! Which credentials go to registry.npmjs.org at all: `.npmrc` scopes a credential to a
//! registry by its key (`//HOST/path/:_authToken=`, npmrc docs,
//! <https://docs.npmjs.com/cli/v10/configuring-npm/npmrc#auth-related-configuration>), and the
//! scanner records that host as the `registry` annotation. A credential whose line names
//! another registry (Artifactory, Nexus, GitHub Packages…) is never sent here: that would hand
//! it to a third party. It is sent to its own registry only when the user names that registry
//! with `--provider-endpoint npm=URL`. A `npm_…` token outside any `.npmrc` scope is npm's own
//! format (<https://docs.npmjs.com/about-access-tokens>) and is checked; an unscoped `.npmrc`
//! credential of another shape may belong to whatever `registry=` says, so it is not.
//!
//! `_auth` is base64 `user:password` and goes as `Authorization: Basic`; npm documents that
//! `/whoami` still accepts basic authentication
//! (<https://blog.npmjs.org/post/160809090595/basic-auth-to-be-limited-soon>). `_password`
//! needs the `username` set beside it, so it is not checked.
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
        let auth = match authorization(api, cred) {
            Ok(a) => a,
            Err(why) => return Verdict::unknown(None, &why),
        };
        Verdict::from_call(
            api.get("/-/whoami").header("Authorization", &auth).send(),
            |v| json_str(v, "username"),
        )
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        match authorization(api, cred) {
            Ok(a) if a.starts_with("Bearer ") => {}
            Ok(_) => {
                return Revocation::new(
                    Outcome::Refused,
                    None,
                    "an _auth password is not a token: change the password on the registry",
                )
            }
            Err(why) => return Revocation::new(Outcome::Refused, None, &why),
        }
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

/// The `Authorization` header for `cred` on this provider's registry, or why the credential
/// must not be sent there. Decided before any request.
/// The annotations are the scanner's (`scan::pairing`): `registry` and `npmrc_key`.
fn authorization(api: &Api<'_>, cred: &Credential<'_>) -> Result<String, String> {
    let key = cred.annotations.get("npmrc_key").map(String::as_str);
    match cred.annotations.get("registry") {
        Some(host) if host.eq_ignore_ascii_case("registry.npmjs.org") => {}
        Some(host) if api.endpoint_override_host().as_deref() == Some(host.as_str()) => {}
        Some(host) => {
            return Err(format!(
                "belongs to {host}, not registry.npmjs.org: not verified (name that registry \
                 with --provider-endpoint npm=URL to check it there)"
            ))
        }
        None if cred.rule == "npm-access-token" => {}
        None => {
            return Err(
                "the .npmrc line names no registry, so it may belong to any: not verified".into(),
            )
        }
    }
    match key {
        Some("_auth") => Ok(format!("Basic {}", cred.secret)),
        Some("_password") => Err("an .npmrc _password needs its username: not verified".into()),
        _ => Ok(format!("Bearer {}", cred.secret)),
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
    use crate::providers::fake::{Recorded, Reply};
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

    /// A registry token from an `.npmrc` line naming another registry.
    const PRIVATE: &str = "0b6c2d4e-8f1a-4c3b-9d7e-5a2f6e8c1b4d"; // leakhound:allow: a made-up test credential
    /// base64("ci-bot:NqdfI6vaJkpPMe0w").
    const AUTH: &str = "Y2ktYm90Ok5xZGZJNnZhSmtwUE1lMHc="; // leakhound:allow: a made-up test credential

    fn verify_with(rule: &str, secret: &str, notes: &[(&str, &str)]) -> (Verdict, Vec<Recorded>) {
        battery::call(
            &Npm,
            rule,
            secret,
            notes,
            vec![Reply::json(200, r#"{"username":"octo-npm"}"#)],
            false,
            |api, cred| Npm.verify(api, cred),
        )
    }

    #[test]
    fn another_registrys_credential_is_never_sent() {
        for (rule, secret, key) in [
            ("npmrc-auth", PRIVATE, "_authToken"),
            ("npmrc-auth", AUTH, "_auth"),
            ("npm-access-token", SECRET, "_authToken"),
        ] {
            for host in ["npm.acme.io", "npm.pkg.github.com", "acme.jfrog.io"] {
                let (v, reqs) =
                    verify_with(rule, secret, &[("registry", host), ("npmrc_key", key)]);
                assert!(reqs.is_empty(), "{rule} for {host} was sent");
                assert_eq!(v.status, Status::Unknown);
                let why = v.detail.unwrap_or_default();
                assert!(why.starts_with(&format!("belongs to {host}")), "{why}");
            }
        }
        // Unscoped: the registry could be anything `registry=` names.
        let (v, reqs) = verify_with("npmrc-auth", PRIVATE, &[("npmrc_key", "_authToken")]);
        assert!(reqs.is_empty());
        assert_eq!(v.status, Status::Unknown);
        // _password needs a username.
        let (v, reqs) = verify_with(
            "npmrc-auth",
            AUTH,
            &[
                ("registry", "registry.npmjs.org"),
                ("npmrc_key", "_password"),
            ],
        );
        assert!(reqs.is_empty());
        assert_eq!(v.status, Status::Unknown);
    }

    #[test]
    fn the_users_named_registry_gets_its_own_credential() {
        // The fake server is the registry the user named with --provider-endpoint.
        let (v, reqs) = verify_with(
            "npmrc-auth",
            PRIVATE,
            &[("registry", "127.0.0.1"), ("npmrc_key", "_authToken")],
        );
        assert_eq!(v.status, Status::Active);
        assert_eq!(reqs.len(), 1);
    }

    #[test]
    fn npmjs_credentials_are_sent_with_the_right_scheme() {
        let (v, reqs) = verify_with(
            "npmrc-auth",
            PRIVATE,
            &[
                ("registry", "registry.npmjs.org"),
                ("npmrc_key", "_authToken"),
            ],
        );
        assert_eq!(v.status, Status::Active);
        assert_eq!(
            reqs[0].header("authorization"),
            Some(format!("Bearer {PRIVATE}").as_str())
        );
        let (v, reqs) = verify_with(
            "npmrc-auth",
            AUTH,
            &[("registry", "registry.npmjs.org"), ("npmrc_key", "_auth")],
        );
        assert_eq!(
            (v.status, v.identity.as_deref()),
            (Status::Active, Some("octo-npm"))
        );
        assert_eq!(
            (reqs[0].method.as_str(), reqs[0].path.as_str()),
            ("GET", "/-/whoami")
        );
        assert_eq!(
            reqs[0].header("authorization"),
            Some(format!("Basic {AUTH}").as_str())
        );
    }

    #[test]
    fn an_auth_password_is_not_revoked_as_a_token() {
        let (r, reqs) = battery::call(
            &Npm,
            "npmrc-auth",
            AUTH,
            &[("registry", "registry.npmjs.org"), ("npmrc_key", "_auth")],
            vec![Reply::json(200, "{}")],
            false,
            |api, cred| Npm.revoke(api, cred),
        );
        assert_eq!(r.outcome, Outcome::Refused);
        assert!(reqs.is_empty());
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
            let (r, reqs) = battery::call(
                &Npm,
                "npm-access-token",
                REVOKED,
                &[],
                vec![Reply::json(200, &body), Reply::status(204)],
                false,
                |api, cred| Npm.revoke(api, cred),
            );
            assert_eq!(r.outcome, Outcome::Refused, "{body}");
            assert_eq!(reqs.len(), 1, "only the listing may be read: {body}");
            assert_eq!(reqs[0].method, "GET");
        }
    }
}
