//! Azure Storage account keys, checked with the account they belong to. A key is useless
//! without its account name: Shared Key signs every request with it, and the account's own
//! host is the only place to ask. The scanner carries both from the match: a connection
//! string's `AccountName` and `EndpointSuffix` (or its `BlobEndpoint`), or an account written
//! within a few lines of a bare key (`azure_storage_account` and `host` annotations, see
//! `scan::pairing::annotate_azure_storage`).
//!
//! Hosts: a key goes only to `ACCOUNT.blob.SUFFIX` for the account found with it, and only
//! under the storage suffixes Microsoft documents for its clouds: `core.windows.net` (public),
//! `core.chinacloudapi.cn` (operated by 21Vianet), `core.usgovcloudapi.net` (Government)
//! (<https://learn.microsoft.com/en-us/azure/storage/common/storage-powershell-independent-clouds>).
//! A key found for any other endpoint (the Azurite emulator at `127.0.0.1:10000`, a custom
//! domain, a retired cloud) is sent nowhere, even with `--provider-endpoint`, as for Okta; a
//! key with an account but no host goes only to the endpoint the user names.
//!
//! Verify: `GET /?restype=service&comp=properties`, "Get Blob Service Properties", a read that
//! only the account owner (a Shared Key holder) may make
//! (<https://learn.microsoft.com/en-us/rest/api/storageservices/get-blob-service-properties>),
//! signed with Shared Key: `Authorization: SharedKey ACCOUNT:SIGNATURE`, the signature being
//! Base64(HMAC-SHA256(Base64-decoded key, string-to-sign)) over the verb, twelve standard
//! headers (all empty for this GET: from version 2015-02-21 a zero Content-Length is the empty
//! string), the `x-ms-` headers sorted (`x-ms-date`, `x-ms-version`) and the canonicalized
//! resource `/ACCOUNT/` then each query parameter as `name:value` sorted by name
//! (<https://learn.microsoft.com/en-us/rest/api/storageservices/authorize-with-shared-key>).
//! The key itself never leaves: only the signature does.
//!
//! Answers (<https://learn.microsoft.com/en-us/rest/api/storageservices/common-rest-api-error-codes>;
//! the code is in the `x-ms-error-code` header and the XML body's `<Code>`):
//! - 200 with a `StorageServiceProperties` document: active.
//! - 403 `AuthenticationFailed`: the signature does not match the account's keys, inactive;
//!   except when Azure's `AuthenticationErrorDetail` is about the request's date (a clock more
//!   than 15 minutes off, which the Shared Key page says is refused): unknown.
//! - Other 403 codes say nothing about the key: `AuthorizationFailure` (network rules, a
//!   firewall), `AuthorizationPermissionMismatch`, `KeyBasedAuthenticationNotPermitted`
//!   (Shared Key disallowed on the account,
//!   <https://learn.microsoft.com/en-us/azure/storage/common/shared-key-authorization-prevent>),
//!   `AccountIsDisabled`: unknown, naming the code.
//! - No answer: an account that does not exist has no DNS name, so the request fails to
//!   connect; but so does a resolver that is down or a machine offline, and the client cannot
//!   tell them apart. Unknown, as every connection failure is: never inactive on a guess.
//!   404 is not an answer this operation documents: unknown.
//!
//! Revoke: not supported. Account keys are regenerated through Azure Resource Manager
//! (`POST …/storageAccounts/NAME/regenerateKey`) with a management credential, not with the key
//! (<https://learn.microsoft.com/en-us/rest/api/storagerp/storage-accounts/regenerate-key>).

use std::time::{Duration, SystemTime};

use quick_xml::events::Event;
use quick_xml::Reader;

use super::sigv4::hmac_sha256;
use super::{unexpected, Api, Credential, Info, Outcome, Provider, Revocation, Verdict};
use crate::scan::checks::base64::{self, Alphabet};
use crate::scan::pairing::{is_storage_account_name, AZURE_ACCOUNT_NOTE};

/// Azure Storage (account keys, Shared Key).
pub struct AzureStorage;

/// The storage endpoint suffixes of Azure's clouds; the blob host is `ACCOUNT.blob.SUFFIX`.
pub const SUFFIXES: &[&str] = &[
    "core.windows.net",
    "core.chinacloudapi.cn",
    "core.usgovcloudapi.net",
];

static INFO: Info = Info {
    name: "azure-storage",
    docs: "https://learn.microsoft.com/en-us/rest/api/storageservices/authorize-with-shared-key",
    // Per account: each key goes to its own account's blob host, under one of these.
    base: "",
    hosts: &[
        "*.blob.core.windows.net",
        "*.blob.core.chinacloudapi.cn",
        "*.blob.core.usgovcloudapi.net",
    ],
    revoke: false,
    interval: Duration::from_millis(100),
};

/// The Blob service version requested (`x-ms-version`); any version from 2015-02-21 signs a
/// zero Content-Length as the empty string.
pub const VERSION: &str = "2023-11-03";
/// Get Blob Service Properties, under the account's blob endpoint.
const PATH: &str = "/?restype=service&comp=properties";

/// The Shared Key string-to-sign of a GET without body or standard headers: the verb, twelve
/// empty standard headers, the `x-ms-` headers and the canonicalized resource (the account,
/// the URL path, then the query parameters `name:value` sorted by name; `query` must already
/// be sorted, names lowercase, values decoded).
pub fn string_to_sign(
    date: &str,
    version: &str,
    account: &str,
    path: &str,
    query: &[(&str, &str)],
) -> String {
    let mut s = String::from("GET\n");
    // Content-Encoding, -Language, -Length, -MD5, -Type, Date, If-Modified-Since, If-Match,
    // If-None-Match, If-Unmodified-Since, Range: all empty.
    s.push_str(&"\n".repeat(11));
    s.push_str(&format!("x-ms-date:{date}\nx-ms-version:{version}\n"));
    s.push_str(&format!("/{account}{path}"));
    for (k, v) in query {
        s.push_str(&format!("\n{k}:{v}"));
    }
    s
}

/// `SharedKey ACCOUNT:SIGNATURE` for `to_sign` under the Base64 account `key`; `None` when the
/// key is not Base64.
pub fn authorization(account: &str, key: &str, to_sign: &str) -> Option<String> {
    let key = base64::decode(key.as_bytes(), Alphabet::Standard)?;
    let sig = base64::encode(&hmac_sha256(&key, to_sign.as_bytes()));
    Some(format!("SharedKey {account}:{sig}"))
}

/// The error code of an Azure Storage error answer (`x-ms-error-code`, else the XML body's
/// `<Error><Code>`) and its `AuthenticationErrorDetail`, when there is one.
fn error_of(r: &super::http::Response) -> (Option<String>, Option<String>) {
    let mut code = r.header("x-ms-error-code").map(str::to_string);
    let mut detail = None;
    let text = String::from_utf8_lossy(&r.body);
    let mut reader = Reader::from_str(&text);
    let mut path: Vec<Vec<u8>> = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => path.push(e.name().as_ref().to_vec()),
            Ok(Event::End(_)) => {
                path.pop();
            }
            Ok(Event::Text(t)) => {
                let Ok(t) = t.decode() else { continue };
                let slot = match path.iter().map(Vec::as_slice).collect::<Vec<_>>()[..] {
                    [b"Error", b"Code"] if code.is_none() => &mut code,
                    [b"Error", b"AuthenticationErrorDetail"] => &mut detail,
                    _ => continue,
                };
                slot.get_or_insert_with(String::new).push_str(&t);
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    (code.map(|c| c.trim().to_string()), detail)
}

/// Whether `body` is a Get Blob Service Properties answer: a `StorageServiceProperties`
/// document.
fn is_service_properties(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    let mut reader = Reader::from_str(&text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                return e.name().as_ref() == b"StorageServiceProperties"
            }
            Ok(Event::Eof) | Err(_) => return false,
            Ok(_) => {}
        }
    }
}

/// Reads Get Blob Service Properties' answer for `account`.
fn interpret(r: &super::http::Response, account: &str) -> Verdict {
    match r.status {
        200 if is_service_properties(&r.body) => {
            Verdict::active(r, Some(format!("storage account {account}")))
        }
        200 => Verdict::unknown(Some(r), "malformed response"),
        403 => match error_of(r) {
            (Some(code), detail) if code == "AuthenticationFailed" => {
                if detail.is_some_and(|d| d.to_ascii_lowercase().contains("date")) {
                    Verdict::unknown(
                        Some(r),
                        "AuthenticationFailed about the request's date: this machine's clock \
                         is off by more than Azure allows (15 minutes)",
                    )
                } else {
                    Verdict::inactive(
                        r,
                        "Azure rejected the Shared Key signature (403 AuthenticationFailed): \
                         the key is not one of the account's",
                    )
                }
            }
            (Some(code), _) => {
                let why = match code.as_str() {
                    "AuthorizationFailure" => {
                        "the account's network rules or firewall refused \
                                               this machine"
                    }
                    "KeyBasedAuthenticationNotPermitted" => {
                        "the account does not accept Shared Key authorization"
                    }
                    "AccountIsDisabled" => "the account is disabled",
                    _ => "not an answer about the key",
                };
                Verdict::unknown(Some(r), &format!("403 {code}: {why}"))
            }
            (None, _) => Verdict::unknown(Some(r), &unexpected(r)),
        },
        _ => Verdict::unknown(Some(r), &unexpected(r)),
    }
}

impl Provider for AzureStorage {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let Some(account) = cred
            .annotations
            .get(AZURE_ACCOUNT_NOTE)
            .filter(|a| is_storage_account_name(a.as_bytes()))
        else {
            return Verdict::unknown(
                None,
                "no storage account name found with this key; Shared Key signs with it, so \
                 nothing was sent",
            );
        };
        // The account's own blob host, nothing under it or beside it: a host of another
        // account would answer AuthenticationFailed for a live key.
        if let Some(host) = api.host().filter(|_| !api.overridden()) {
            let own = host
                .strip_prefix(account.as_str())
                .and_then(|rest| rest.strip_prefix(".blob."))
                .is_some_and(|suffix| SUFFIXES.contains(&suffix));
            if !own {
                return Verdict::unknown(
                    None,
                    &format!(
                        "the blob endpoint found with this key ({host}) is not account \
                         {account}'s; nothing sent"
                    ),
                );
            }
        }
        // The canonicalized resource holds the URL path: empty at the account's own host, the
        // path of an endpoint the user named (the emulator's is `/ACCOUNT`).
        let base = api.base();
        let base_path = base
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
            .unwrap_or_default();
        let date = crate::time::http_date(SystemTime::now());
        let to_sign = string_to_sign(
            &date,
            VERSION,
            account,
            &format!("{base_path}/"),
            &[("comp", "properties"), ("restype", "service")],
        );
        let Some(auth) = authorization(account, cred.secret, &to_sign) else {
            return Verdict::unknown(None, "the account key is not Base64; nothing sent");
        };
        match api
            .get(PATH)
            .header("x-ms-date", &date)
            .header("x-ms-version", VERSION)
            .header("Authorization", &auth)
            .send()
        {
            Ok(r) => interpret(&r, account),
            Err(e) => e.into(),
        }
    }

    fn revoke(&self, _api: &Api<'_>, _cred: &Credential<'_>) -> Revocation {
        Revocation::new(
            Outcome::Refused,
            None,
            "Azure Storage account keys are regenerated through Azure Resource Manager with a \
             management credential, not with the key itself: rotate it in the portal or with \
             `az storage account keys renew`",
        )
    }
}

#[cfg(test)]
mod tests;
