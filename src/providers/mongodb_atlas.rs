//! MongoDB Atlas programmatic API keys: a public key (eight lowercase letters) and a private
//! key (a UUID). The Atlas Administration API takes them through HTTP Digest authentication,
//! the public key as user name and the private key as password
//! (<https://www.mongodb.com/docs/atlas/api/api-authentication/>): the server answers a
//! request without credentials with 401 and a `WWW-Authenticate: Digest` challenge holding a
//! nonce, and the client answers with a hash of the user name, password, nonce, method and
//! URI; "the API request never sends the password to Atlas". So the private key never leaves
//! the machine, only a digest made with it, and only for `cloud.mongodb.com`.
//!
//! The private key is checked with the public key written next to it (the rule's `nearby:`
//! value [`PUBLIC_KEY_NOTE`]); without one, nothing is sent: a Digest answer needs both.
//!
//! The call: `GET /api/atlas/v2/orgs?itemsPerPage=1` ("Return All Organizations", read-only:
//! <https://www.mongodb.com/docs/api/doc/atlas-admin-api-v2/operation/operation-listorgs>), with
//! the versioned media type `application/vnd.atlas.2023-01-01+json`, the v2 API's first
//! version (<https://www.mongodb.com/docs/atlas/api/versioned-api-overview/>). Every
//! organization API key belongs to an organization with at least the Organization Member
//! role, the role the call asks for, so a live key lists its organization. Two requests:
//!
//! 1. without credentials: 401 and the Digest challenge (anything else: unknown);
//! 2. with `Authorization: Digest …` computed by the `digest_auth` crate (RFC 7616: MD5 unless
//!    the challenge names another algorithm, `qop=auth`, a fresh client nonce).
//!
//! The second answer:
//! - 200: active; the identity is the organization's `name`.
//! - 401: inactive; Atlas rejected the pair (a deleted key, or a wrong private key), unless
//!   the new challenge says `stale=true` (the nonce expired between the two requests, RFC
//!   7616 §3.3), which is unknown.
//! - 403: unknown. Atlas answers 403 "IP address … is not allowed to access this resource"
//!   when the key has an API access list (or the organization requires one) that does not
//!   hold the caller's address (<https://www.mongodb.com/docs/atlas/configure-api-access/>,
//!   "Require an API Access List for All Requests"; the troubleshooting entry "403 (request
//!   "Forbidden") IP address <ip-address> is not allowed to access this resource"). The docs
//!   do not say that the access list is checked only after the Digest response is, so a 403
//!   shows that Atlas knows the public key, not that the private key matches: it is said in
//!   the detail, and the status stays unknown rather than active.
//! - anything else: unknown.
//!
//! No revocation: deleting an organization API key needs the organization id and a key with
//! the Organization Owner role, and the leaked key may not have it
//! (<https://www.mongodb.com/docs/atlas/configure-api-access/>).

use std::time::Duration;

use digest_auth::{AuthContext, HttpMethod};

use super::http::{HttpError, Response};
use super::{json_str, unexpected, Api, Credential, Info, Provider, Verdict};

/// MongoDB Atlas.
pub struct MongodbAtlas;

/// The annotation holding the public key found next to the private key (the rule's
/// `nearby:` name in `rules/mongodb-atlas.yml`).
pub const PUBLIC_KEY_NOTE: &str = "atlas_public_key";

static INFO: Info = Info {
    name: "mongodb-atlas",
    docs: "https://www.mongodb.com/docs/atlas/api/api-authentication/",
    base: "https://cloud.mongodb.com",
    hosts: &["cloud.mongodb.com"],
    revoke: false,
    interval: Duration::from_millis(200),
};

/// The read-only call: one organization of those the key can see.
const PATH: &str = "/api/atlas/v2/orgs?itemsPerPage=1";
/// The v2 API's versioned media type (the first version, which has `/orgs`).
const ACCEPT: &str = "application/vnd.atlas.2023-01-01+json";

/// Whether `key` has the shape of an Atlas public key: eight lowercase ASCII letters.
fn is_public_key(key: &str) -> bool {
    key.len() == 8 && key.bytes().all(|b| b.is_ascii_lowercase())
}

/// Whether `key` has the shape of an Atlas private key: a UUID.
fn is_private_key(key: &str) -> bool {
    let b = key.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The Digest challenge of a 401, if it carries one (of possibly several
/// `WWW-Authenticate` headers).
fn digest_challenge(r: &Response) -> Option<&str> {
    r.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("www-authenticate"))
        .map(|(_, v)| v.trim())
        .find(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("digest "))
}

/// The path and query of `url` (what Digest calls the `uri`): the request target as sent.
fn request_target(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or("/", |i| &rest[i..])
}

impl Provider for MongodbAtlas {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let Some(public) = cred.annotations.get(PUBLIC_KEY_NOTE) else {
            return Verdict::unknown(
                None,
                "no Atlas public key found next to the private key; Atlas checks the two \
                 together (nothing sent)",
            );
        };
        if !is_public_key(public) || !is_private_key(cred.secret) {
            return Verdict::unknown(
                None,
                "the Atlas public key is not eight lowercase letters or the private key is not \
                 a UUID; nothing sent",
            );
        }
        let get = || api.get(PATH).header("Accept", ACCEPT);
        let first = match get().send() {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        let Some(challenge) = (first.status == 401)
            .then(|| digest_challenge(&first))
            .flatten()
        else {
            return Verdict::unknown(
                Some(&first),
                &format!(
                    "Atlas did not ask for Digest authentication ({}); the key was not sent",
                    first.status
                ),
            );
        };
        let mut prompt = match digest_auth::parse(challenge) {
            Ok(p) => p,
            Err(e) => {
                return Verdict::unknown(
                    Some(&first),
                    &format!("Atlas's Digest challenge could not be read ({e}); nothing sent"),
                )
            }
        };
        let url = format!("{}{PATH}", api.base());
        let context = AuthContext::new_with_method(
            public.as_str(),
            cred.secret,
            request_target(&url),
            None::<&[u8]>,
            HttpMethod::GET,
        );
        let answer = match prompt.respond(&context) {
            Ok(a) => a.to_header_string(),
            Err(e) => {
                return Verdict::unknown(
                    Some(&first),
                    &format!("no Digest response for Atlas's challenge ({e}); nothing sent"),
                )
            }
        };
        // Once: a retry would replay the nonce count, and Atlas's 401 to the replay would read
        // as a dead key.
        read_answer(get().header("Authorization", &answer).once().send())
    }
}

/// What Atlas said to the request with the Digest response.
fn read_answer(result: Result<Response, HttpError>) -> Verdict {
    let r = match result {
        Ok(r) => r,
        Err(e) => return e.into(),
    };
    match r.status {
        200 => match r.json() {
            Some(v) if v.get("results").is_some_and(serde_json::Value::is_array) => {
                Verdict::active(&r, json_str(&v, "results/0/name"))
            }
            _ => Verdict::unknown(Some(&r), "malformed response: no results list"),
        },
        401 => {
            let stale = digest_challenge(&r)
                .and_then(|c| digest_auth::parse(c).ok())
                .is_some_and(|c| c.stale);
            if stale {
                Verdict::unknown(
                    Some(&r),
                    "Atlas's nonce expired between the two requests (stale); not checked",
                )
            } else {
                Verdict::inactive(
                    &r,
                    "Atlas rejected the public and private key pair (401 to the Digest response)",
                )
            }
        }
        403 => Verdict::unknown(
            Some(&r),
            "Atlas knows the public key but refused the request (403): an API access list \
             without this address, or a missing role; the private key could not be checked",
        ),
        _ => Verdict::unknown(Some(&r), &unexpected(&r)),
    }
}

#[cfg(test)]
mod tests {
    use md5::{Digest, Md5};

    use super::*;
    use crate::providers::fake::battery;
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const RULE: &str = "mongodb-atlas-api-private-key";
    // Made-up values, joined at compile time so that the self-scan does not report them.
    const PUBLIC: &str = "qwhzvmte";
    const PRIVATE: &str = concat!("3f8b2c1e-9a4d-", "4e7b-b6c2-7d1e5a9f0c84");
    const NONCE: &str = "dGhpcyBpcyBhIG5vbmNlIGZvciB0ZXN0cw";
    const CHALLENGE: &str = r#"Digest realm="MMS Public API", domain="", nonce="dGhpcyBpcyBhIG5vbmNlIGZvciB0ZXN0cw", algorithm=MD5, qop="auth", stale=false"#;
    const ORGS: &str = r#"{"links":[],"results":[{"id":"5f8b2c1e9a4d4e7bb6c27d1e","isDeleted":false,"name":"Acme Data"}],"totalCount":1}"#;
    const UNAUTHORIZED: &str = r#"{"detail":"You are not authorized for this resource.","error":401,"errorCode":"NOT_ORG_GROUP_CREATOR","reason":"Unauthorized"}"#;

    fn challenge() -> Reply {
        Reply::json(401, UNAUTHORIZED).with_header("WWW-Authenticate", CHALLENGE)
    }

    fn run(annotations: &[(&str, &str)], script: Vec<Reply>) -> (Verdict, Vec<Recorded>) {
        battery::call(
            &MongodbAtlas,
            RULE,
            PRIVATE,
            annotations,
            script,
            false,
            |api, cred| MongodbAtlas.verify(api, cred),
        )
    }

    fn with_public(script: Vec<Reply>) -> (Verdict, Vec<Recorded>) {
        run(&[(PUBLIC_KEY_NOTE, PUBLIC)], script)
    }

    fn md5_hex(s: &str) -> String {
        Md5::digest(s.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The fields of a `Digest a="b", c=d` header.
    fn fields(header: &str) -> std::collections::BTreeMap<String, String> {
        let body = header.strip_prefix("Digest ").expect("a Digest header");
        let mut out = std::collections::BTreeMap::new();
        let mut rest = body.trim();
        while let Some((key, after)) = rest.split_once('=') {
            let key = key.trim().trim_start_matches(',').trim().to_string();
            let (value, next) = if let Some(q) = after.strip_prefix('"') {
                let end = q.find('"').expect("closing quote");
                (q[..end].to_string(), &q[end + 1..])
            } else {
                let end = after.find(',').unwrap_or(after.len());
                (after[..end].trim().to_string(), &after[end..])
            };
            out.insert(key, value);
            rest = next.trim_start_matches(',').trim();
        }
        out
    }

    #[test]
    fn a_live_key_answers_the_challenge_with_an_rfc_digest_and_names_its_organization() {
        let (v, reqs) = with_public(vec![challenge(), Reply::json(200, ORGS)]);
        assert_eq!(v.status, Status::Active, "{v:?}");
        assert_eq!(v.identity.as_deref(), Some("Acme Data"));
        assert_eq!(reqs.len(), 2, "{reqs:?}");
        for r in &reqs {
            assert_eq!(r.method, "GET");
            assert_eq!(r.path, PATH);
            assert_eq!(r.header("accept"), Some(ACCEPT));
        }
        assert_eq!(
            reqs[0].header("authorization"),
            None,
            "first request is bare"
        );
        // The second carries a Digest response that an independent MD5 reproduces
        // (RFC 7616 §3.4.1, qop=auth): the server could check it with the private key.
        let auth = reqs[1].header("authorization").expect("Digest answer");
        let f = fields(auth);
        assert_eq!(f["username"], PUBLIC);
        assert_eq!(f["realm"], "MMS Public API");
        assert_eq!(f["nonce"], NONCE);
        assert_eq!(f["uri"], PATH);
        assert_eq!(f["qop"], "auth");
        let ha1 = md5_hex(&format!("{PUBLIC}:MMS Public API:{PRIVATE}"));
        let ha2 = md5_hex(&format!("GET:{PATH}"));
        let expected = md5_hex(&format!(
            "{ha1}:{NONCE}:{}:{}:auth:{ha2}",
            f["nc"], f["cnonce"]
        ));
        assert_eq!(f["response"], expected, "{auth}");
    }

    #[test]
    fn the_private_key_is_in_no_request() {
        for script in [
            vec![challenge(), Reply::json(200, ORGS)],
            vec![challenge(), challenge()],
            vec![challenge(), Reply::json(403, "{}")],
        ] {
            let (_, reqs) = with_public(script);
            assert_eq!(reqs.len(), 2);
            let hex: String = PRIVATE.chars().filter(|c| *c != '-').collect();
            for r in &reqs {
                let all = format!("{} {} {:?} {}", r.method, r.path, r.headers, r.body_text());
                for piece in [PRIVATE, hex.as_str(), &PRIVATE[..8], &PRIVATE[24..]] {
                    assert!(!all.contains(piece), "{piece} sent: {all}");
                }
                let encoded = crate::providers::base64_encode(PRIVATE.as_bytes());
                assert!(!all.contains(&encoded), "base64 of the key sent: {all}");
            }
        }
    }

    #[test]
    fn each_documented_answer_to_the_digest_response() {
        // 401 again: the pair is rejected.
        let (v, _) = with_public(vec![challenge(), challenge()]);
        assert_eq!(v.status, Status::Inactive, "{v:?}");
        // 401 with a stale nonce: not a verdict on the key.
        let stale = Reply::json(401, UNAUTHORIZED).with_header(
            "WWW-Authenticate",
            &CHALLENGE.replace("stale=false", "stale=true"),
        );
        let (v, _) = with_public(vec![challenge(), stale]);
        assert_eq!(v.status, Status::Unknown, "{v:?}");
        assert!(v.detail.unwrap_or_default().contains("stale"));
        // 403 (an API access list without this address): unknown, and said.
        let ip = r#"{"detail":"IP address 203.0.113.7 is not allowed to access this resource.","error":403,"errorCode":"IP_ADDRESS_NOT_ON_ACCESS_LIST","reason":"Forbidden"}"#;
        let (v, _) = with_public(vec![challenge(), Reply::json(403, ip)]);
        assert_eq!(v.status, Status::Unknown, "{v:?}");
        assert!(v.detail.unwrap_or_default().contains("access list"));
        // A 200 that is not the documented list, 404, 5xx: unknown.
        for reply in [
            Reply::json(200, "not json"),
            Reply::json(200, r#"{"detail":"x"}"#),
            Reply::json(404, "{}"),
            Reply::json(500, "{}"),
        ] {
            let (v, _) = with_public(vec![challenge(), reply.clone()]);
            assert_eq!(v.status, Status::Unknown, "{reply:?}: {v:?}");
        }
        // 429 or 5xx to the Digest response: unknown, and not sent again, since a retry would
        // replay the nonce count and Atlas's 401 to the replay would read as a dead key.
        for busy in [
            Reply::json(429, "{}").with_header("Retry-After", "0"),
            Reply::json(503, "{}"),
        ] {
            let (v, reqs) = with_public(vec![challenge(), busy.clone(), challenge()]);
            assert_eq!(v.status, Status::Unknown, "{busy:?}: {v:?}");
            assert_eq!(
                reqs.len(),
                2,
                "{busy:?}: the Digest response was sent again"
            );
        }
    }

    #[test]
    fn without_a_digest_challenge_the_key_is_not_answered() {
        for first in [
            Reply::json(200, ORGS),
            Reply::json(401, UNAUTHORIZED),
            Reply::json(401, UNAUTHORIZED).with_header("WWW-Authenticate", "Basic realm=\"x\""),
            Reply::json(401, UNAUTHORIZED).with_header("WWW-Authenticate", "Digest nonce"),
            Reply::json(403, "{}").with_header("WWW-Authenticate", CHALLENGE),
        ] {
            let (v, reqs) = with_public(vec![first.clone(), Reply::json(200, ORGS)]);
            assert_eq!(v.status, Status::Unknown, "{first:?}: {v:?}");
            assert_eq!(reqs.len(), 1, "{first:?}: answered anyway");
            assert_eq!(reqs[0].header("authorization"), None);
        }
    }

    #[test]
    fn nothing_is_sent_without_a_usable_public_key() {
        let v = battery::verify_unsent(&MongodbAtlas, RULE, PRIVATE);
        assert!(v.detail.unwrap_or_default().contains("public key"));
        for bad in ["QWHZVMTE", "qwhzvmt", "qwhzvmtea", "qwhz vmt", "qwhzvmt\n"] {
            battery::verify_unsent_with(&MongodbAtlas, RULE, PRIVATE, &[(PUBLIC_KEY_NOTE, bad)]);
        }
        battery::verify_unsent_with(
            &MongodbAtlas,
            RULE,
            "not-a-uuid",
            &[(PUBLIC_KEY_NOTE, PUBLIC)],
        );
    }

    #[test]
    fn the_target_is_the_path_as_sent() {
        assert_eq!(request_target("https://cloud.mongodb.com/a?b=c"), "/a?b=c");
        assert_eq!(request_target("http://127.0.0.1:9/x/y"), "/x/y");
        assert_eq!(request_target("https://cloud.mongodb.com"), "/");
        assert!(is_private_key(PRIVATE));
        assert!(!is_private_key(&PRIVATE.replace('-', "_")));
    }
}
