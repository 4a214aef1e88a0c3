//! Azure Storage: the Shared Key signature against a documented layout and independently
//! computed values, the documented request against the fake server, the reading of each
//! documented answer, the hosts a key may go to, and what the scanner carries from a match.

use std::collections::BTreeMap;

use super::*;
use crate::providers::fake::battery::{self, VerifySpec};
use crate::providers::fake::{Recorded, Reply};
use crate::providers::http::{Client, Settings};
use crate::providers::{Status, HOST_NOTE, NO_HOST};
use crate::rules::RuleSet;
use crate::scan::{Scanner, Scratch};
use crate::secret::Annotation;

/// A made-up 64-byte account key, built at run time (no literal for the self-scan): bytes
/// `(37 i + 11) mod 256`, Base64.
fn key() -> &'static str {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let bytes: Vec<u8> = (0..64u32)
            .map(|i| u8::try_from((i * 37 + 11) % 256).unwrap())
            .collect();
        base64::encode(&bytes)
    })
}

const ACCOUNT: &str = "acmeprod";
const HOST: &str = "acmeprod.blob.core.windows.net";

#[test]
fn the_string_to_sign_has_the_documented_layout() {
    // The Shared Key page's example for Blob service version 2015-02-21 and later ("Get
    // Container Metadata", <https://learn.microsoft.com/en-us/rest/api/storageservices/authorize-with-shared-key>):
    // twelve empty standard headers, the x-ms- headers, the resource and its sorted parameters.
    assert_eq!(
        string_to_sign(
            "Fri, 26 Jun 2015 23:39:12 GMT",
            "2015-02-21",
            "myaccount",
            "/mycontainer",
            &[
                ("comp", "metadata"),
                ("restype", "container"),
                ("timeout", "20")
            ],
        ),
        "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\n\
         x-ms-version:2015-02-21\n/myaccount/mycontainer\ncomp:metadata\nrestype:container\n\
         timeout:20"
    );
}

#[test]
fn the_signature_matches_an_independent_hmac() {
    // Microsoft publishes no key with its signature, so the expected values were computed
    // apart from this code, with Python's standard library:
    //   key = bytes((i * 37 + 11) % 256 for i in range(64))
    //   base64.b64encode(hmac.new(key, s.encode(), hashlib.sha256).digest())
    // for `s` the two strings to sign below. A wrong HMAC, key decoding or Base64 fails here.
    assert_eq!(
        key(),
        ["CzBVep/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YYar0PUaP2SJrtP4HUJnjLHW+yBFao+02f4jSG2St9wBJg", "=="].concat()
    );
    let properties = string_to_sign(
        "Sun, 30 Aug 2015 12:36:00 GMT",
        "2023-11-03",
        ACCOUNT,
        "/",
        &[("comp", "properties"), ("restype", "service")],
    );
    assert_eq!(
        properties,
        "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Sun, 30 Aug 2015 12:36:00 GMT\n\
         x-ms-version:2023-11-03\n/acmeprod/\ncomp:properties\nrestype:service"
    );
    assert_eq!(
        authorization(ACCOUNT, key(), &properties).as_deref(),
        Some("SharedKey acmeprod:EHP055P/n5NZh/ogmZ600JssPqiKsibxiryuZKEWEZw=")
    );
    let metadata = string_to_sign(
        "Fri, 26 Jun 2015 23:39:12 GMT",
        "2015-02-21",
        "myaccount",
        "/mycontainer",
        &[
            ("comp", "metadata"),
            ("restype", "container"),
            ("timeout", "20"),
        ],
    );
    assert_eq!(
        authorization("myaccount", key(), &metadata).as_deref(),
        Some("SharedKey myaccount:QS1VLF6MHPTKweAxZy6oQ0Plf9qzuVTRI8AIqDAYBxU=")
    );
    assert_eq!(authorization(ACCOUNT, "not base64!", &properties), None);
}

/// Asserts `r` is Get Blob Service Properties, signed as Azure would check it from what
/// arrived (the date it carries, the account, the path `/`).
fn check(r: &Recorded) {
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/?restype=service&comp=properties")
    );
    assert_eq!(r.header("x-ms-version"), Some(VERSION));
    let date = r.header("x-ms-date").expect("x-ms-date");
    assert!(
        date.ends_with(" GMT") && date.len() == 29,
        "not an HTTP date: {date}"
    );
    let want = authorization(
        ACCOUNT,
        key(),
        &string_to_sign(
            date,
            VERSION,
            ACCOUNT,
            "/",
            &[("comp", "properties"), ("restype", "service")],
        ),
    );
    assert_eq!(r.header("authorization"), want.as_deref());
    assert!(
        !r.headers.iter().any(|(_, v)| v.contains(key())),
        "the key itself was sent"
    );
    assert!(r.body.is_empty());
}

const PROPERTIES: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?><StorageServiceProperties>\
    <Logging><Version>1.0</Version><Delete>false</Delete><Read>false</Read><Write>false</Write>\
    <RetentionPolicy><Enabled>false</Enabled></RetentionPolicy></Logging>\
    <DefaultServiceVersion>2023-11-03</DefaultServiceVersion></StorageServiceProperties>";

/// An Azure Storage error answer: the code in the header and the XML body, as Azure sends it.
fn error(status: u16, code: &str, detail: Option<&str>) -> Reply {
    let detail = detail
        .map(|d| format!("<AuthenticationErrorDetail>{d}</AuthenticationErrorDetail>"))
        .unwrap_or_default();
    Reply::Respond {
        status,
        headers: vec![
            ("Content-Type".into(), "application/xml".into()),
            ("x-ms-error-code".into(), code.into()),
        ],
        body: format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code>\
             <Message>Server failed to authenticate the request.\nRequestId:0c5f</Message>\
             {detail}</Error>"
        ),
    }
}

const MAC_MISMATCH: &str = "The MAC signature found in the HTTP request 'dGVzdA==' is not the \
    same as any computed signature. Server used following string to sign: 'GET'.";

fn notes() -> Vec<(&'static str, &'static str)> {
    vec![(AZURE_ACCOUNT_NOTE, ACCOUNT), (HOST_NOTE, HOST)]
}

#[test]
fn verify_signs_get_blob_service_properties() {
    battery::verify(&VerifySpec {
        provider: &AzureStorage,
        rule: "azure-storage-connection-string",
        secret: key(),
        annotations: notes(),
        live: Reply::Respond {
            status: 200,
            headers: vec![("Content-Type".into(), "application/xml".into())],
            body: PROPERTIES.into(),
        },
        identity: Some("storage account acmeprod"),
        invalid: error(403, "AuthenticationFailed", Some(MAC_MISMATCH)),
        check,
        forbidden: Status::Unknown,
        not_found: Status::Unknown,
        malformed: Status::Unknown,
    });
}

fn verify_with(notes: &[(&str, &str)], reply: Reply) -> (Verdict, Vec<Recorded>) {
    battery::call(
        &AzureStorage,
        "azure-storage-connection-string",
        key(),
        notes,
        vec![reply],
        false,
        |api, cred| AzureStorage.verify(api, cred),
    )
}

#[test]
fn each_documented_answer_is_read_as_documented() {
    let body_only = |code: &str| Reply::Respond {
        status: 403,
        headers: vec![],
        body: format!(
            "<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>m</Message></Error>"
        ),
    };
    for (reply, want, says) in [
        (
            error(403, "AuthenticationFailed", Some(MAC_MISMATCH)),
            Status::Inactive,
            "AuthenticationFailed",
        ),
        // The code in the body alone, or with no detail, is still the key's rejection.
        (
            body_only("AuthenticationFailed"),
            Status::Inactive,
            "AuthenticationFailed",
        ),
        (
            error(403, "AuthenticationFailed", None),
            Status::Inactive,
            "AuthenticationFailed",
        ),
        // A clock Azure finds too far off says nothing about the key.
        (
            error(
                403,
                "AuthenticationFailed",
                Some("Request date header too old: 'Sun, 30 Aug 2015 12:36:00 GMT'"),
            ),
            Status::Unknown,
            "clock",
        ),
        (
            error(403, "AuthorizationFailure", None),
            Status::Unknown,
            "network rules",
        ),
        (
            error(403, "KeyBasedAuthenticationNotPermitted", None),
            Status::Unknown,
            "does not accept Shared Key",
        ),
        (
            error(403, "AccountIsDisabled", None),
            Status::Unknown,
            "disabled",
        ),
        (
            body_only("AuthorizationPermissionMismatch"),
            Status::Unknown,
            "AuthorizationPermissionMismatch",
        ),
        (
            error(404, "ResourceNotFound", None),
            Status::Unknown,
            "not found",
        ),
        // 200 must carry the service properties: a portal's or proxy's page is no answer.
        (
            Reply::Respond {
                status: 200,
                headers: vec![],
                body: "<html><body>Sign in</body></html>".into(),
            },
            Status::Unknown,
            "malformed",
        ),
    ] {
        let (v, reqs) = verify_with(&notes(), reply);
        assert_eq!(reqs.len(), 1, "{v:?}");
        assert_eq!(v.status, want, "{says}: {v:?}");
        let detail = v.detail.unwrap_or_default();
        assert!(detail.contains(says), "{says}: {detail}");
        assert!(!detail.contains(key()));
    }
}

#[test]
fn without_an_account_nothing_is_sent() {
    for notes in [
        vec![],
        vec![(HOST_NOTE, HOST)],
        vec![(AZURE_ACCOUNT_NOTE, "Acme-Prod")],
        vec![(AZURE_ACCOUNT_NOTE, "ab")],
    ] {
        let (v, reqs) = verify_with(
            &notes,
            Reply::Respond {
                status: 200,
                headers: vec![],
                body: PROPERTIES.into(),
            },
        );
        assert!(reqs.is_empty(), "{notes:?}: sent");
        assert_eq!(v.status, Status::Unknown, "{notes:?}: {v:?}");
        assert!(v.detail.unwrap_or_default().contains("account"));
    }
}

#[test]
fn a_host_outside_azures_storage_domains_gets_nothing_even_with_an_endpoint() {
    // The battery's client names the fake server as the endpoint, so a request that escaped
    // the host check would arrive there: none may.
    for bad in [
        "evil.example",
        "acmeprod.blob.core.windows.net.evil.example",
        "acmeprod.blob.core.windows.net:443",
        "acmeprod.file.core.windows.net",
        "acmeprod.core.windows.net",
        "blob.core.windows.net",
        "acmeprod.blob.core.cloudapi.de",
        "acmeprod.blob.storage.azure.net",
        "files.acme.example",
        "127.0.0.1",
        "127.0.0.1:10000",
        "localhost",
        "",
    ] {
        let (v, reqs) = verify_with(
            &[(AZURE_ACCOUNT_NOTE, ACCOUNT), (HOST_NOTE, bad)],
            Reply::Respond {
                status: 200,
                headers: vec![],
                body: PROPERTIES.into(),
            },
        );
        assert!(reqs.is_empty(), "{bad:?}: sent");
        assert_eq!(v.status, Status::Unknown, "{bad:?}: {v:?}");
        assert!(v.detail.unwrap_or_default().contains(NO_HOST), "{bad:?}");
    }
}

fn bare_client() -> Client {
    Client::new(Settings {
        dry_run: true,
        ..Settings::default()
    })
}

#[test]
fn a_key_goes_to_its_own_accounts_blob_host_only() {
    let client = bare_client();
    for (host, base) in [
        (HOST, Some("https://acmeprod.blob.core.windows.net")),
        (
            "acmeprod.blob.core.chinacloudapi.cn",
            Some("https://acmeprod.blob.core.chinacloudapi.cn"),
        ),
        (
            "ACMEPROD.blob.core.usgovcloudapi.net",
            Some("https://acmeprod.blob.core.usgovcloudapi.net"),
        ),
        ("acmeprod.blob.core.windows.net.evil.example", None),
        ("127.0.0.1:10000", None),
    ] {
        let ann: BTreeMap<String, String> = [
            (AZURE_ACCOUNT_NOTE.to_string(), ACCOUNT.to_string()),
            (HOST_NOTE.to_string(), host.to_string()),
        ]
        .into();
        let cred = Credential {
            rule: "azure-storage-connection-string",
            secret: key(),
            annotations: &ann,
        };
        let api = Api::verifying(&client, AzureStorage.info(), key()).for_credential(&cred);
        assert_eq!(
            api.host().map(|h| format!("https://{h}")).as_deref(),
            base,
            "{host}"
        );
    }
    // Under a documented domain but another account's host (or a host below it): Api would
    // allow it, the verifier does not, and says why without sending anything.
    for other in [
        "othername.blob.core.windows.net",
        "x.acmeprod.blob.core.windows.net",
    ] {
        let ann: BTreeMap<String, String> = [
            (AZURE_ACCOUNT_NOTE.to_string(), ACCOUNT.to_string()),
            (HOST_NOTE.to_string(), other.to_string()),
        ]
        .into();
        let cred = Credential {
            rule: "azure-storage-connection-string",
            secret: key(),
            annotations: &ann,
        };
        let v = AzureStorage.verify(
            &Api::verifying(&client, AzureStorage.info(), key()).for_credential(&cred),
            &cred,
        );
        assert_eq!(v.status, Status::Unknown, "{other}: {v:?}");
        assert!(
            v.detail.unwrap_or_default().contains("not account"),
            "{other}"
        );
        assert!(client.take_calls().is_empty(), "{other}: a call was made");
    }
    // An account with no host at all: nothing is sent, and the dry run says so.
    let ann: BTreeMap<String, String> =
        [(AZURE_ACCOUNT_NOTE.to_string(), ACCOUNT.to_string())].into();
    let cred = Credential {
        rule: "azure-storage-account-key",
        secret: key(),
        annotations: &ann,
    };
    let v = AzureStorage.verify(
        &Api::verifying(&client, AzureStorage.info(), key()).for_credential(&cred),
        &cred,
    );
    assert_eq!(v.status, Status::Unknown, "{v:?}");
    assert!(v.detail.unwrap_or_default().contains(NO_HOST));
    let calls = client.take_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(
        calls[0].starts_with("azure-storage: not sent ("),
        "{}",
        calls[0]
    );
    assert!(!calls[0].contains(key()));
}

#[test]
fn an_endpoint_with_a_path_is_signed_with_that_path() {
    // The emulator's endpoint is path-style, `http://127.0.0.1:10000/ACCOUNT`: the Shared Key
    // page says its resource then names the account twice. With a named endpoint whose path is
    // `/acmeprod`, the resource is `/acmeprod/acmeprod/`.
    let server = crate::providers::fake::FakeServer::start(vec![Reply::Respond {
        status: 200,
        headers: vec![],
        body: PROPERTIES.into(),
    }]);
    let client = Client::new(Settings {
        endpoints: [(
            "azure-storage".to_string(),
            format!("{}/{ACCOUNT}", server.url()),
        )]
        .into(),
        ..Settings::default()
    });
    let ann: BTreeMap<String, String> =
        [(AZURE_ACCOUNT_NOTE.to_string(), ACCOUNT.to_string())].into();
    let cred = Credential {
        rule: "azure-storage-account-key",
        secret: key(),
        annotations: &ann,
    };
    let v = AzureStorage.verify(
        &Api::verifying(&client, AzureStorage.info(), key()).for_credential(&cred),
        &cred,
    );
    assert_eq!(v.status, Status::Active, "{v:?}");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, "/acmeprod/?restype=service&comp=properties");
    let date = reqs[0].header("x-ms-date").unwrap();
    let want = authorization(
        ACCOUNT,
        key(),
        &string_to_sign(
            date,
            VERSION,
            ACCOUNT,
            "/acmeprod/",
            &[("comp", "properties"), ("restype", "service")],
        ),
    );
    assert_eq!(reqs[0].header("authorization"), want.as_deref());
}

#[test]
fn revocation_is_refused_with_the_reason() {
    battery::revoke_unsent(&AzureStorage, "azure-storage-connection-string", key());
    let r = AzureStorage.revoke(
        &Api::new(&bare_client(), AzureStorage.info(), key()),
        &Credential {
            rule: "azure-storage-connection-string",
            secret: key(),
            annotations: &BTreeMap::new(),
        },
    );
    assert_eq!(r.outcome, Outcome::Refused);
    assert!(r
        .detail
        .unwrap_or_default()
        .contains("Azure Resource Manager"));
    assert!(!AzureStorage.info().revoke);
}

/// The scanner's annotations on the one match in `text`: (rule, account, host).
fn scanned(text: &str) -> (String, Option<String>, Option<String>) {
    let scanner = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
    let m = scanner.scan(text.as_bytes(), &mut Scratch::default());
    assert_eq!(m.len(), 1, "{text}: {m:?}");
    let m = &m[0];
    assert_eq!(m.secret(text.as_bytes()), key().as_bytes(), "{text}");
    let note = |k: &str| {
        m.annotations.get(k).map(|a| match a {
            Annotation::Text(t) => t.clone(),
            Annotation::Secret(_) => panic!("{k} is not secret"),
        })
    };
    (
        scanner.rule(m).id.0.clone(),
        note(AZURE_ACCOUNT_NOTE),
        note(HOST_NOTE),
    )
}

#[test]
fn the_scanner_carries_the_account_and_its_host() {
    let k = key();
    let conn = "azure-storage-connection-string";
    let bare = "azure-storage-account-key";
    for (text, rule, account, host) in [
        (
            format!("AZURE_STORAGE_CONNECTION_STRING=\"DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey={k};EndpointSuffix=core.windows.net\""),
            conn,
            Some("acmeprod"),
            Some("acmeprod.blob.core.windows.net"),
        ),
        // No suffix: the public cloud's. Keys in any order and case.
        (
            format!("\"Storage\": \"accountname=AcmeProd;accountkey={k}\""),
            conn,
            Some("acmeprod"),
            Some("acmeprod.blob.core.windows.net"),
        ),
        (
            format!("DefaultEndpointsProtocol=https;AccountKey={k};EndpointSuffix=core.chinacloudapi.cn;AccountName=acmecn"),
            conn,
            Some("acmecn"),
            Some("acmecn.blob.core.chinacloudapi.cn"),
        ),
        // An explicit blob endpoint wins: a custom domain, or the emulator, which the
        // verifier then refuses.
        (
            format!("BlobEndpoint=https://files.acme.example/;AccountName=acmeprod;AccountKey={k}"),
            conn,
            Some("acmeprod"),
            Some("files.acme.example"),
        ),
        (
            format!("DefaultEndpointsProtocol=http;AccountName=acmeprod;AccountKey={k};BlobEndpoint=http://127.0.0.1:10000/acmeprod;"),
            conn,
            Some("acmeprod"),
            Some("127.0.0.1:10000"),
        ),
        // Another cloud's suffix is kept as written, for the verifier to refuse.
        (
            format!("AccountName=acmeprod;AccountKey={k};EndpointSuffix=core.cloudapi.de"),
            conn,
            Some("acmeprod"),
            Some("acmeprod.blob.core.cloudapi.de"),
        ),
        // A bare key with its account nearby: assigned, or in a storage URL.
        (
            format!("AZURE_STORAGE_ACCOUNT=acmeprod\nAZURE_STORAGE_KEY={k}\n"),
            bare,
            Some("acmeprod"),
            Some("acmeprod.blob.core.windows.net"),
        ),
        (
            format!("storage:\n  account_name: \"acmelogs\"\n  account_key: \"{k}\"\n"),
            bare,
            Some("acmelogs"),
            Some("acmelogs.blob.core.windows.net"),
        ),
        (
            format!("url = \"https://acmegov.queue.core.usgovcloudapi.net/jobs\"\nstorage_key = \"{k}\"\n"),
            bare,
            Some("acmegov"),
            Some("acmegov.blob.core.usgovcloudapi.net"),
        ),
        // The nearest account wins.
        (
            format!("AZURE_STORAGE_ACCOUNT=farname\n\n\nAZURE_STORAGE_ACCOUNT=nearname\nAZURE_STORAGE_KEY={k}\n"),
            bare,
            Some("nearname"),
            Some("nearname.blob.core.windows.net"),
        ),
        // Nothing to pair with: no account, no host (the verifier sends nothing).
        (format!("AZURE_STORAGE_KEY={k}\n"), bare, None, None),
        (
            format!("AZURE_STORAGE_ACCOUNT=acmeprod\n\n\n\n\n\nAZURE_STORAGE_KEY={k}\n"),
            bare,
            None,
            None,
        ),
        (
            format!("url = \"https://my-acme.blob.core.windows.net/\"\nstorage_key = \"{k}\"\n"),
            bare,
            None,
            None,
        ),
        (
            format!("AccountName=${{ACCOUNT}};AccountKey={k}"),
            conn,
            None,
            None,
        ),
    ] {
        let (got_rule, got_account, got_host) = scanned(&text);
        assert_eq!(got_rule, rule, "{text}");
        assert_eq!(got_account.as_deref(), account, "{text}");
        assert_eq!(got_host.as_deref(), host, "{text}");
    }
}
