//! Twilio: a secret is checked together with the SID found near it (`twilio_sid`, paired by
//! the scanner), since Twilio takes the two as HTTP Basic credentials: account SID and auth
//! token, or API key SID and API key secret
//! (<https://www.twilio.com/docs/usage/requests-to-twilio>). Without a SID nothing is sent:
//! the secret alone cannot be checked, and no request could tell a dead token from a missing
//! user name.
//!
//! - Account SID (`AC…`): `GET /2010-04-01/Accounts/{AC}.json` fetches the account
//!   (<https://www.twilio.com/docs/iam/api/account>): 200 names it (`friendly_name`) and gives
//!   its `status`, `active`, `suspended` or `closed`; 401 (error 20003,
//!   <https://www.twilio.com/docs/api/errors/20003>) rejects the pair.
//! - API key SID (`SK…`) with the account SID written near it (the rule's `nearby:` values
//!   `twilio_account_sid` and `twilio_key_sid`): `GET
//!   /2010-04-01/Accounts/{AC}/IncomingPhoneNumbers.json?PageSize=1` as the key ("Read
//!   multiple IncomingPhoneNumber resources",
//!   <https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource>; read-only,
//!   one record at most). Not the account itself: Standard keys may use "all Twilio API
//!   resources, except for Accounts (/Accounts) or Keys" and get 20003 there like a dead key
//!   (<https://www.twilio.com/docs/iam/api-keys/keys-in-console>, "Types of keys"; 20003 lists
//!   "You used a Standard API key for an endpoint that requires a Main API key"). A phone
//!   number list is open to Main and Standard keys, on main accounts and subaccounts alike
//!   (the Balance resource is not: "Child accounts do not contain balance information"), and
//!   to Restricted keys that hold a Phone Numbers read permission
//!   (<https://www.twilio.com/docs/iam/api-keys/restricted-api-keys>). Its answers:
//!   - 200: active.
//!   - 401 (20003): inactive: a deleted key, a wrong secret, or a key of another account.
//!   - 403: unknown, never inactive. Error 70051 ("Authorization Failed",
//!     <https://www.twilio.com/docs/api/errors/70051>) is what a Restricted key without the
//!     permission gets, but the same page (and the 403 page,
//!     <https://www.twilio.com/docs/api/errors/403>) lists a key or account "not found or
//!     suspended" among its causes, so a 403 does not show the key is live; 20403 is a
//!     suspended or closed account (<https://www.twilio.com/docs/api/errors/20403>).
//!
//!   The 32-character secret could be either kind of secret, and the nearest SID is not
//!   always its own (an `.env` with `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`,
//!   `TWILIO_API_KEY`, `TWILIO_API_SECRET` puts the key SID nearer the auth token than the
//!   account SID). So with both SIDs found, the pairing of the nearest SID is tried first and,
//!   if Twilio rejects it with 401, the other; inactive only when both are rejected. Both go to
//!   api.twilio.com only.
//! - API key SID with no account SID near it: `GET /2010-04-01/Accounts.json` lists the
//!   accounts the key's account can see. Only Main keys may read `/Accounts`; Standard and
//!   Restricted keys are refused it with the same 401 as a deleted key. So 200 is a live Main
//!   key, and 401 stays unknown.
//!
//! Either SID must be exactly `AC`/`SK` and 32 hex digits before it goes into a request.
//!
//! Revoke, API keys only: the same `GET /2010-04-01/Accounts.json` names the account the key
//! belongs to (the one account listed, or of several the one that owns itself, as a main
//! account does; `owner_account_sid` in <https://www.twilio.com/docs/iam/api/account>), then
//! `DELETE /2010-04-01/Accounts/{AC}/Keys/{SK}.json` deletes the key ("Delete a Key resource",
//! <https://www.twilio.com/docs/usage/api/keys>; 204, no body). Only Main keys
//! may use `/Keys`, and only Main keys verify active, so those are the keys revoked. An auth
//! token is not revoked: Twilio rotates it only by making and promoting a secondary token
//! (<https://www.twilio.com/docs/iam/api/authtoken>), which would leave leakhound, not the
//! owner, holding the new one.

use std::time::Duration;

use super::{
    json_str, unexpected, Api, Credential, Info, Outcome, Provider, Revocation, Status, Verdict,
};
use crate::scan::pairing::{is_twilio_sid, TWILIO_SID_NOTE};

/// Twilio.
pub struct Twilio;

/// The account SID (`AC…`) nearest the secret: the rule's `nearby:` name.
pub const ACCOUNT_SID_NOTE: &str = "twilio_account_sid";
/// The API key SID (`SK…`) nearest the secret: the rule's `nearby:` name.
pub const KEY_SID_NOTE: &str = "twilio_key_sid";

/// A way to send the secret: as an account's auth token, or as an API key's secret under an
/// account.
enum Pairing<'a> {
    /// The auth token of this account SID.
    Token(&'a str),
    /// The secret of this API key SID, under this account SID.
    Key(&'a str, &'a str),
}

static INFO: Info = Info {
    name: "twilio",
    docs: "https://www.twilio.com/docs/usage/requests-to-twilio",
    base: "https://api.twilio.com",
    hosts: &["api.twilio.com"],
    revoke: true,
    interval: Duration::from_millis(100),
};

impl Provider for Twilio {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let Some(sid) = cred.annotations.get(TWILIO_SID_NOTE) else {
            return Verdict::unknown(
                None,
                "no Twilio account SID (AC…) or API key SID (SK…) found near this secret; \
                 Twilio needs both to check",
            );
        };
        if !is_twilio_sid(sid.as_bytes()) {
            return Verdict::unknown(
                None,
                "the paired Twilio SID is not AC or SK and 32 hex digits; nothing sent",
            );
        }
        let note = |name: &str, kind: &str| {
            cred.annotations
                .get(name)
                .filter(|s| s.starts_with(kind) && is_twilio_sid(s.as_bytes()))
        };
        let (account, key) = if sid.starts_with("AC") {
            (Some(sid), note(KEY_SID_NOTE, "SK"))
        } else {
            (note(ACCOUNT_SID_NOTE, "AC"), Some(sid))
        };
        let mut tries = Vec::new();
        match (account, key) {
            (Some(a), Some(k)) if sid.starts_with("SK") => {
                tries.push(Pairing::Key(k, a));
                tries.push(Pairing::Token(a));
            }
            (Some(a), Some(k)) => {
                tries.push(Pairing::Token(a));
                tries.push(Pairing::Key(k, a));
            }
            (Some(a), None) => tries.push(Pairing::Token(a)),
            (None, _) => return list_accounts(api, sid, cred.secret),
        }
        let mut rejected = None;
        for pairing in tries {
            let v = match pairing {
                Pairing::Token(a) => fetch_account(api, a, cred.secret),
                Pairing::Key(k, a) => fetch_as_key(api, k, a, cred.secret),
            };
            if v.status != Status::Inactive || v.http_status != Some(401) {
                return v;
            }
            rejected = Some(match rejected {
                None => v,
                Some(_) => Verdict {
                    detail: Some(
                        "Twilio rejected the secret both as the account's auth token and as the \
                         API key's secret (401)"
                            .into(),
                    ),
                    ..v
                },
            });
        }
        rejected.unwrap_or_else(|| Verdict::unknown(None, "no SID to check the secret with"))
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        let sid = cred.annotations.get(TWILIO_SID_NOTE);
        let Some(sid) = sid.filter(|s| s.starts_with("SK") && is_twilio_sid(s.as_bytes())) else {
            return Revocation::new(
                Outcome::Refused,
                None,
                "only Twilio API keys (with their SK SID) can be revoked; rotate an auth token \
                 in the Twilio Console",
            );
        };
        let r = match get_accounts(api, sid, cred.secret) {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        let body = if r.status == 200 { r.json() } else { None };
        let Some(body) = body else {
            let why = match r.status {
                200 => "malformed response".to_string(),
                // A live Standard or Restricted key gets this too: only Main keys may read
                // /Accounts and delete keys.
                401 => "refused (401): only a Main key may delete keys through the API; \
                        delete a Standard or Restricted key in the Twilio Console"
                    .to_string(),
                _ => unexpected(&r),
            };
            return Revocation::new(
                Outcome::Failed,
                Some(&r),
                &format!("looking up the key's account: {why}; nothing deleted"),
            );
        };
        let Some(account) = key_account(&body)
            .and_then(|a| json_str(a, "sid"))
            .filter(|a| a.starts_with("AC") && is_twilio_sid(a.as_bytes()))
        else {
            return Revocation::new(
                Outcome::Failed,
                Some(&r),
                "could not tell which Twilio account the key belongs to; nothing deleted",
            );
        };
        Revocation::expect(
            api.redacting(sid)
                .delete(&format!("/2010-04-01/Accounts/{account}/Keys/{sid}.json"))
                .basic(sid, cred.secret)
                .send(),
            204,
        )
    }
}

/// `GET /2010-04-01/Accounts.json` as the API key `sid`.
fn get_accounts(
    api: &Api<'_>,
    sid: &str,
    secret: &str,
) -> Result<super::http::Response, super::http::HttpError> {
    api.get("/2010-04-01/Accounts.json")
        .basic(sid, secret)
        .header("Accept", "application/json")
        .send()
}

/// In an account list, the account making the request: the only one listed, or of several
/// (a main account and its subaccounts) the one that is its own owner.
fn key_account(list: &serde_json::Value) -> Option<&serde_json::Value> {
    let accounts = list.get("accounts")?.as_array()?;
    if let [only] = accounts.as_slice() {
        return Some(only);
    }
    accounts.iter().find(|a| {
        let sid = json_str(a, "sid");
        sid.is_some() && sid == json_str(a, "owner_account_sid")
    })
}

/// Account SID and auth token: fetch the account itself.
fn fetch_account(api: &Api<'_>, sid: &str, token: &str) -> Verdict {
    // The SID is shown redacted in the dry run and the audit log, as reports show it.
    let api = api.redacting(sid);
    let r = match api
        .get(&format!("/2010-04-01/Accounts/{sid}.json"))
        .basic(sid, token)
        .header("Accept", "application/json")
        .send()
    {
        Ok(r) => r,
        Err(e) => return e.into(),
    };
    match (r.status, r.json()) {
        (200, Some(v)) => account_verdict(&r, &v),
        (200, None) => Verdict::unknown(Some(&r), "malformed response"),
        (401, _) => Verdict::inactive(
            &r,
            "Twilio rejected the account SID and token (401); a suspended or closed account \
             is rejected too",
        ),
        _ => Verdict::unknown(Some(&r), &unexpected(&r)),
    }
}

/// What a fetched account says: who it is, and whether it can still be used.
fn account_verdict(r: &super::http::Response, account: &serde_json::Value) -> Verdict {
    let name = json_str(account, "friendly_name");
    match json_str(account, "status").as_deref() {
        Some("closed") => Verdict::inactive(r, "Twilio says the account is closed"),
        Some("suspended") => Verdict {
            detail: Some("the credential works, but Twilio says the account is suspended".into()),
            ..Verdict::active(r, name)
        },
        _ => Verdict::active(r, name),
    }
}

/// API key SID and secret under an account SID: read one phone number of the account, which
/// Main and Standard keys may do (and Restricted keys with that permission).
fn fetch_as_key(api: &Api<'_>, key: &str, account: &str, secret: &str) -> Verdict {
    // The account SID in the path is shown redacted, as reports show it; the secret goes in
    // basic auth with the key SID.
    let api = api.hiding(account);
    let r = match api
        .get(&format!(
            "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json?PageSize=1"
        ))
        .basic(key, secret)
        .header("Accept", "application/json")
        .send()
    {
        Ok(r) => r,
        Err(e) => return e.into(),
    };
    let body = r.json();
    let code = body
        .as_ref()
        .and_then(|v| v.get("code"))
        .and_then(serde_json::Value::as_u64);
    match (r.status, &body) {
        (200, Some(v))
            if v.get("incoming_phone_numbers")
                .is_some_and(|a| a.is_array()) =>
        {
            Verdict {
                detail: Some(
                    "an API key (Main, Standard, or Restricted with phone numbers)".into(),
                ),
                ..Verdict::active(&r, None)
            }
        }
        (200, _) => Verdict::unknown(Some(&r), "malformed response: no phone number list"),
        (401, _) => Verdict::inactive(
            &r,
            "Twilio rejected the API key SID and secret for this account (401): a deleted key, \
             a wrong secret, or a key of another account",
        ),
        (403, _) if code == Some(70051) => Verdict::unknown(
            Some(&r),
            "Twilio did not authorize the key for this account's phone numbers (403, error \
             70051): a Restricted key without that permission, or a key Twilio could not \
             authorize; not taken as inactive",
        ),
        (403, _) if code == Some(20403) => Verdict::unknown(
            Some(&r),
            "Twilio says the account lacks API access (403, error 20403): suspended or closed",
        ),
        _ => Verdict::unknown(Some(&r), &unexpected(&r)),
    }
}

/// API key SID and secret: list the accounts, which only a Main key may do.
fn list_accounts(api: &Api<'_>, sid: &str, secret: &str) -> Verdict {
    let r = match get_accounts(api, sid, secret) {
        Ok(r) => r,
        Err(e) => return e.into(),
    };
    match (r.status, r.json()) {
        (200, Some(v)) => {
            if v.get("accounts").and_then(|a| a.as_array()).is_none() {
                return Verdict::unknown(Some(&r), "malformed response: no accounts list");
            }
            let mut v = match key_account(&v) {
                Some(a) => account_verdict(&r, a),
                None => Verdict::active(&r, None),
            };
            if v.status == Status::Active && v.detail.is_none() {
                v.detail = Some("a Main API key".into());
            }
            v
        }
        (200, None) => Verdict::unknown(Some(&r), "malformed response"),
        (401, _) => Verdict::unknown(
            Some(&r),
            "Twilio refused the API key for /Accounts (401), as it refuses every Standard and \
             Restricted key there: deleted or not, this cannot tell",
        ),
        _ => Verdict::unknown(Some(&r), &unexpected(&r)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::{base64_encode, Status};

    // Made-up values, joined at compile time so that the self-scan does not report them.
    const AC: &str = concat!("AC", "7f3c9e2a41d08b56", "e1a4c7d92b30f865");
    const SK: &str = concat!("SK", "b52e8d17c04f9a63", "d1e7a29c5b08f364");
    const TOKEN: &str = concat!("9c41e7b2d05a8f36", "e2b7d94c1a06f853");
    const KEY_SECRET: &str = concat!("Qm7TzR2vXk9LpW4s", "B8nC3dFh6yP4sA0e");

    const ACCOUNT: &str = r#"{"sid":"AC7f3c9e2a41d08b56e1a4c7d92b30f865","friendly_name":"ops@acme.test","status":"active","type":"Full","owner_account_sid":"AC7f3c9e2a41d08b56e1a4c7d92b30f865"}"#; // leakhound:allow: a made-up test value
    const INVALID: &str = r#"{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}"#;

    fn basic(user: &str, password: &str) -> String {
        format!(
            "Basic {}",
            base64_encode(format!("{user}:{password}").as_bytes())
        )
    }

    #[test]
    fn account_sid_and_token_fetch_the_account() {
        battery::verify(&VerifySpec {
            provider: &Twilio,
            rule: "twilio-auth-token",
            secret: TOKEN,
            annotations: vec![(TWILIO_SID_NOTE, AC)],
            live: Reply::json(200, ACCOUNT),
            identity: Some("ops@acme.test"),
            invalid: Reply::json(401, INVALID),
            check: |r: &Recorded| {
                assert_eq!(r.method, "GET");
                assert_eq!(r.path, format!("/2010-04-01/Accounts/{AC}.json"));
                assert_eq!(r.header("authorization"), Some(basic(AC, TOKEN).as_str()));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    fn run(sid: &str, secret: &str, reply: Reply) -> (Verdict, Vec<Recorded>) {
        battery::call(
            &Twilio,
            "twilio-auth-token",
            secret,
            &[(TWILIO_SID_NOTE, sid)],
            vec![reply],
            false,
            |api, cred| Twilio.verify(api, cred),
        )
    }

    #[test]
    fn a_suspended_account_is_said_and_a_closed_one_is_inactive() {
        let suspended = ACCOUNT.replace(r#""active""#, r#""suspended""#);
        let (v, _) = run(AC, TOKEN, Reply::json(200, &suspended));
        assert_eq!(v.status, Status::Active, "{v:?}");
        assert!(v
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("suspended"));
        let closed = ACCOUNT.replace(r#""active""#, r#""closed""#);
        let (v, _) = run(AC, TOKEN, Reply::json(200, &closed));
        assert_eq!(v.status, Status::Inactive, "{v:?}");
        assert!(v.detail.as_deref().unwrap_or_default().contains("closed"));
    }

    #[test]
    fn api_key_sid_and_secret_list_the_accounts() {
        let sub = r#"{"sid":"AC0d4b8e61f2a93c75b84e1d06c39a72f1","friendly_name":"sub","status":"active","owner_account_sid":"AC7f3c9e2a41d08b56e1a4c7d92b30f865"}"#; // leakhound:allow: a made-up test value
        let list = format!(r#"{{"accounts":[{sub},{ACCOUNT}],"page":0}}"#);
        let (v, reqs) = run(SK, KEY_SECRET, Reply::json(200, &list));
        assert_eq!(v.status, Status::Active, "{v:?}");
        assert_eq!(v.identity.as_deref(), Some("ops@acme.test"));
        assert_eq!(v.detail.as_deref(), Some("a Main API key"));
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].method, "GET");
        assert_eq!(reqs[0].path, "/2010-04-01/Accounts.json");
        assert_eq!(
            reqs[0].header("authorization"),
            Some(basic(SK, KEY_SECRET).as_str())
        );
        // Standard and Restricted keys get 401 there whether live or deleted.
        let (v, _) = run(SK, KEY_SECRET, Reply::json(401, INVALID));
        assert_eq!(v.status, Status::Unknown, "{v:?}");
        assert!(v.detail.as_deref().unwrap_or_default().contains("Standard"));
        for (status, body) in [(403, "{}"), (404, "{}"), (200, "not json"), (200, "{}")] {
            let (v, _) = run(SK, KEY_SECRET, Reply::json(status, body));
            assert_eq!(v.status, Status::Unknown, "{status} {body}: {v:?}");
        }
    }

    const NUMBERS: &str = r#"{"incoming_phone_numbers":[],"page":0,"page_size":1,"uri":"/2010-04-01/Accounts/AC7f3c9e2a41d08b56e1a4c7d92b30f865/IncomingPhoneNumbers.json?PageSize=1&Page=0"}"#; // leakhound:allow: a made-up test value

    fn numbers_path() -> String {
        format!("/2010-04-01/Accounts/{AC}/IncomingPhoneNumbers.json?PageSize=1")
    }

    #[test]
    fn an_api_key_with_its_account_sid_reads_a_phone_number_of_the_account() {
        battery::verify(&VerifySpec {
            provider: &Twilio,
            rule: "twilio-auth-token",
            secret: KEY_SECRET,
            annotations: vec![
                (TWILIO_SID_NOTE, SK),
                (ACCOUNT_SID_NOTE, AC),
                (KEY_SID_NOTE, SK),
            ],
            live: Reply::json(200, NUMBERS),
            identity: None,
            // Rejected as the key's secret, then as the account's auth token.
            invalid: Reply::json(401, INVALID),
            check: |r: &Recorded| {
                assert_eq!(r.method, "GET");
                assert_eq!(r.path, numbers_path());
                assert_eq!(
                    r.header("authorization"),
                    Some(basic(SK, KEY_SECRET).as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    fn run_with(notes: &[(&str, &str)], script: Vec<Reply>) -> (Verdict, Vec<Recorded>) {
        battery::call(
            &Twilio,
            "twilio-auth-token",
            KEY_SECRET,
            notes,
            script,
            false,
            |api, cred| Twilio.verify(api, cred),
        )
    }

    #[test]
    fn a_key_rejected_twice_is_inactive_and_each_pairing_is_tried_nearest_first() {
        // The key SID is nearest: the key first, then the account's auth token.
        let notes = [(TWILIO_SID_NOTE, SK), (ACCOUNT_SID_NOTE, AC)];
        let (v, reqs) = run_with(&notes, vec![Reply::json(401, INVALID)]);
        assert_eq!(v.status, Status::Inactive, "{v:?}");
        assert!(
            v.detail.as_deref().unwrap_or_default().contains("both"),
            "{v:?}"
        );
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].path, numbers_path());
        assert_eq!(
            reqs[0].header("authorization"),
            Some(basic(SK, KEY_SECRET).as_str())
        );
        assert_eq!(reqs[1].path, format!("/2010-04-01/Accounts/{AC}.json"));
        assert_eq!(
            reqs[1].header("authorization"),
            Some(basic(AC, KEY_SECRET).as_str())
        );
        // It was the auth token after all: active as the account.
        let (v, reqs) = run_with(
            &notes,
            vec![Reply::json(401, INVALID), Reply::json(200, ACCOUNT)],
        );
        assert_eq!(v.status, Status::Active, "{v:?}");
        assert_eq!(v.identity.as_deref(), Some("ops@acme.test"));
        assert_eq!(reqs.len(), 2);
        // The account SID is nearest: the auth token first, then the key.
        let notes = [(TWILIO_SID_NOTE, AC), (KEY_SID_NOTE, SK)];
        let (v, reqs) = run_with(
            &notes,
            vec![Reply::json(401, INVALID), Reply::json(200, NUMBERS)],
        );
        assert_eq!(v.status, Status::Active, "{v:?}");
        assert_eq!(reqs[0].path, format!("/2010-04-01/Accounts/{AC}.json"));
        assert_eq!(reqs[1].path, numbers_path());
        assert_eq!(
            reqs[1].header("authorization"),
            Some(basic(SK, KEY_SECRET).as_str())
        );
        // A live pairing at once: one request only.
        let (v, reqs) = run_with(&notes, vec![Reply::json(200, ACCOUNT)]);
        assert_eq!(v.status, Status::Active, "{v:?}");
        assert_eq!(reqs.len(), 1);
    }

    #[test]
    fn a_restricted_or_suspended_key_is_unknown_not_inactive() {
        let notes = [(TWILIO_SID_NOTE, SK), (ACCOUNT_SID_NOTE, AC)];
        for (code, word) in [(70051, "Restricted"), (20403, "suspended")] {
            let body = format!(
                r#"{{"code":{code},"message":"Authorization Failed","more_info":"https://www.twilio.com/docs/errors/{code}","status":403}}"#
            );
            let (v, reqs) = run_with(&notes, vec![Reply::json(403, &body)]);
            assert_eq!(v.status, Status::Unknown, "{code}: {v:?}");
            assert!(
                v.detail.as_deref().unwrap_or_default().contains(word),
                "{v:?}"
            );
            // Not taken as a rejection: the auth token pairing is not tried.
            assert_eq!(reqs.len(), 1, "{code}");
        }
        // A 200 without the documented list: unknown.
        let (v, _) = run_with(&notes, vec![Reply::json(200, r#"{"accounts":[]}"#)]);
        assert_eq!(v.status, Status::Unknown, "{v:?}");
    }

    #[test]
    fn a_malformed_nearby_sid_is_not_used() {
        // A key SID with a malformed account SID near it: the account is unknown, so only
        // the Main-key check that needs none is sent.
        let (_, reqs) = run_with(
            &[
                (TWILIO_SID_NOTE, SK),
                (ACCOUNT_SID_NOTE, "AC7f3c9e2a41d08b56e1a4c7d92b30f8/x"),
            ],
            vec![Reply::json(401, INVALID)],
        );
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].path, "/2010-04-01/Accounts.json");
        // An account SID with a malformed key SID near it: the auth token only.
        let (_, reqs) = run_with(
            &[(TWILIO_SID_NOTE, AC), (KEY_SID_NOTE, "SK../")],
            vec![Reply::json(401, INVALID)],
        );
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].path, format!("/2010-04-01/Accounts/{AC}.json"));
        // Nearby SIDs but no paired SID (as the scanner never writes): nothing sent.
        battery::verify_unsent_with(
            &Twilio,
            "twilio-auth-token",
            KEY_SECRET,
            &[(ACCOUNT_SID_NOTE, AC), (KEY_SID_NOTE, SK)],
        );
    }

    #[test]
    fn the_key_dry_run_hides_the_account_sid_and_names_basic_auth() {
        use crate::providers::fake::FakeServer;
        let server = FakeServer::start(vec![Reply::json(200, NUMBERS)]);
        let client = battery::client("twilio", &server, true);
        let ann = [
            (TWILIO_SID_NOTE.to_string(), SK.to_string()),
            (ACCOUNT_SID_NOTE.to_string(), AC.to_string()),
        ]
        .into();
        let cred = Credential {
            rule: "twilio-auth-token",
            secret: KEY_SECRET,
            annotations: &ann,
        };
        let v = Twilio.verify(&Api::new(&client, &INFO, KEY_SECRET), &cred);
        assert_eq!(v.status, Status::Active, "{v:?}");
        let calls = client.take_calls().join("\n");
        assert!(calls.contains("IncomingPhoneNumbers"), "{calls}");
        assert!(calls.contains("basic auth"), "{calls}");
        assert!(calls.contains("read-only"), "{calls}");
        assert!(!calls.contains(&AC[2..]), "account SID shown: {calls}");
        assert!(!calls.contains(KEY_SECRET), "secret shown: {calls}");
    }

    #[test]
    fn nothing_is_sent_without_a_valid_sid() {
        let v = battery::verify_unsent(&Twilio, "twilio-auth-token", TOKEN);
        assert!(v.detail.as_deref().unwrap_or_default().contains("SID"));
        for bad in [
            &AC[..33],
            "AC7f3c9e2a41d08b56e1a4c7d92b30f86/",
            "AC7f3c9e2a41d08b56e1a4c7d92b30f8../x",
            "PN7f3c9e2a41d08b56e1a4c7d92b30f865",
            "ACzz3c9e2a41d08b56e1a4c7d92b30f865",
        ] {
            let (v, reqs) = run(bad, TOKEN, Reply::json(200, ACCOUNT));
            assert_eq!(v.status, Status::Unknown, "{bad}: {v:?}");
            assert!(reqs.is_empty(), "{bad}: sent");
        }
    }

    #[test]
    fn the_dry_run_shows_the_account_sid_redacted() {
        use crate::providers::fake::FakeServer;
        let server = FakeServer::start(vec![Reply::json(200, ACCOUNT)]);
        let client = battery::client("twilio", &server, true);
        let ann = [(TWILIO_SID_NOTE.to_string(), AC.to_string())].into();
        let cred = Credential {
            rule: "twilio-auth-token",
            secret: TOKEN,
            annotations: &ann,
        };
        let v = Twilio.verify(&Api::new(&client, &INFO, TOKEN), &cred);
        assert_eq!(v.status, Status::Active, "{v:?}");
        let calls = client.take_calls().join("\n");
        assert!(calls.contains("GET "), "{calls}");
        assert!(calls.contains("basic auth"), "{calls}");
        assert!(calls.contains("read-only"), "{calls}");
        assert!(!calls.contains(&AC[2..]), "SID shown: {calls}");
        assert!(!calls.contains(TOKEN), "token shown: {calls}");
    }

    const LIST: &str = r#"{"accounts":[{"sid":"AC0d4b8e61f2a93c75b84e1d06c39a72f1","friendly_name":"sub","status":"active","owner_account_sid":"AC7f3c9e2a41d08b56e1a4c7d92b30f865"},{"sid":"AC7f3c9e2a41d08b56e1a4c7d92b30f865","friendly_name":"ops@acme.test","status":"active","owner_account_sid":"AC7f3c9e2a41d08b56e1a4c7d92b30f865"}]}"#; // leakhound:allow: a made-up test value

    fn revoke(sid: &str, script: Vec<Reply>, dry_run: bool) -> (Revocation, Vec<Recorded>) {
        battery::call(
            &Twilio,
            "twilio-auth-token",
            KEY_SECRET,
            &[(TWILIO_SID_NOTE, sid)],
            script,
            dry_run,
            |api, cred| Twilio.revoke(api, cred),
        )
    }

    #[test]
    fn revoke_looks_up_the_key_account_then_deletes_the_key() {
        let (r, reqs) = revoke(SK, vec![Reply::json(200, LIST), Reply::status(204)], false);
        assert_eq!(r.outcome, Outcome::Revoked, "{r:?}");
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].method, "GET");
        assert_eq!(reqs[0].path, "/2010-04-01/Accounts.json");
        assert_eq!(reqs[1].method, "DELETE");
        assert_eq!(
            reqs[1].path,
            format!("/2010-04-01/Accounts/{AC}/Keys/{SK}.json")
        );
        for r in &reqs {
            assert_eq!(
                r.header("authorization"),
                Some(basic(SK, KEY_SECRET).as_str())
            );
        }
        // A subaccount's key lists only its own account.
        let one = format!(r#"{{"accounts":[{ACCOUNT}]}}"#);
        let (r, reqs) = revoke(SK, vec![Reply::json(200, &one), Reply::status(204)], false);
        assert_eq!(r.outcome, Outcome::Revoked, "{r:?}");
        assert_eq!(
            reqs[1].path,
            format!("/2010-04-01/Accounts/{AC}/Keys/{SK}.json")
        );
    }

    #[test]
    fn revoke_dry_run_and_failures() {
        // Dry run: the lookup is sent, the deletion is not.
        let (r, reqs) = revoke(SK, vec![Reply::json(200, LIST), Reply::status(204)], true);
        assert_eq!(r.outcome, Outcome::DryRun, "{r:?}");
        assert_eq!(reqs.len(), 1);
        let detail = r.detail.unwrap_or_default();
        assert!(
            !detail.contains(KEY_SECRET) && !detail.contains(&SK[2..]),
            "{detail}"
        );
        // Twilio refuses the deletion: failed.
        let (r, _) = revoke(
            SK,
            vec![Reply::json(200, LIST), Reply::json(403, "{}")],
            false,
        );
        assert_eq!(r.outcome, Outcome::Failed, "{r:?}");
        // No answer to the deletion: unknown, and not sent again.
        let (r, reqs) = revoke(
            SK,
            vec![Reply::json(200, LIST), Reply::json(502, "{}")],
            false,
        );
        assert_eq!(r.outcome, Outcome::Unknown, "{r:?}");
        assert_eq!(reqs.len(), 2);
        // The lookup fails or names no account: nothing deleted.
        let two_subs = LIST.replace(
            r#""owner_account_sid":"AC7f3c9e2a41d08b56e1a4c7d92b30f865"}]"#,
            r#""owner_account_sid":"AC0d4b8e61f2a93c75b84e1d06c39a72f1"}]"#,
        );
        let (r, _) = revoke(SK, vec![Reply::json(401, INVALID)], false);
        assert!(r.detail.unwrap_or_default().contains("Main key"));
        for script in [
            vec![Reply::json(401, INVALID)],
            vec![Reply::json(200, "not json")],
            vec![Reply::json(200, r#"{"accounts":[]}"#)],
            vec![Reply::json(200, &two_subs)],
            vec![Reply::json(200, r#"{"accounts":[{"sid":"../x"}]}"#)],
        ] {
            let (r, reqs) = revoke(SK, script, false);
            assert_eq!(r.outcome, Outcome::Failed, "{r:?}");
            assert!(reqs.iter().all(|q| q.method == "GET"), "deleted: {reqs:?}");
        }
    }

    #[test]
    fn auth_tokens_and_unpaired_secrets_are_not_revoked() {
        let (r, reqs) = revoke(AC, vec![Reply::json(200, ACCOUNT)], false);
        assert_eq!(r.outcome, Outcome::Refused, "{r:?}");
        assert!(reqs.is_empty());
        battery::revoke_unsent(&Twilio, "twilio-auth-token", KEY_SECRET);
    }
}
