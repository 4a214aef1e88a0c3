//! Microsoft Entra ID (Azure AD) application client secrets, checked with the tenant and the
//! application (client) id written near them. A client secret alone proves nothing: Entra
//! checks it only as the password of one application in one tenant, so the rule's `nearby:`
//! list carries both ids (`azure_tenant_id`, `azure_client_id`, GUIDs written within four lines
//! under a tenant or client id name, as `AZURE_TENANT_ID` and `AZURE_CLIENT_ID` are in the
//! Azure SDKs' environment). Without both, nothing is sent.
//!
//! Verify: the OAuth 2.0 client credentials grant, `POST /{tenant}/oauth2/v2.0/token` on
//! `login.microsoftonline.com` with `client_id`, `client_secret`,
//! `scope=https://graph.microsoft.com/.default` and `grant_type=client_credentials`
//! (<https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow>).
//! Issuing a token changes nothing in the tenant (it is a sign-in, recorded in the tenant's
//! service principal sign-in log like any); the token is read for its presence only and
//! dropped, never shown or stored.
//!
//! Answers (the flow's "error response" and the AADSTS codes of
//! <https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes>):
//! - 200 with an `access_token`: active.
//! - 401 `invalid_client` with AADSTS7000215 (invalid client secret) or AADSTS7000222 (the
//!   secret expired): inactive.
//! - Anything else is unknown, naming the AADSTS code: AADSTS700016 (no such application in
//!   that tenant) and AADSTS90002 (no such tenant) say the ids found nearby were not this
//!   secret's, not that the secret is dead; Microsoft warns that codes change over time, so an
//!   unlisted code is never read as inactive.
//!
//! Only the public cloud's `login.microsoftonline.com` is asked: a secret of a sovereign cloud's
//! tenant (Azure Government, Azure operated by 21Vianet) gets "tenant not found" there, unknown.
//!
//! Revoke: not supported; client secrets are removed through Microsoft Graph
//! (`POST /applications/{id}/removePassword`) by an identity allowed to manage the application,
//! not by the secret itself.

use std::time::Duration;

use super::{Api, Credential, Info, Provider, Verdict};

/// Microsoft Entra ID (application client secrets).
pub struct Entra;

static INFO: Info = Info {
    name: "azure-entra",
    docs: "https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow",
    base: "https://login.microsoftonline.com",
    hosts: &["login.microsoftonline.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

/// The annotation holding the tenant id found near the secret.
pub const TENANT_NOTE: &str = "azure_tenant_id";
/// The annotation holding the application (client) id found near the secret.
pub const CLIENT_NOTE: &str = "azure_client_id";
/// The scope asked for: Microsoft Graph's application permissions, which every tenant has.
pub const SCOPE: &str = "https://graph.microsoft.com/.default";

/// Whether `id` is a GUID as Entra writes tenant and application ids (8-4-4-4-12 hex digits).
pub fn is_guid(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The AADSTS codes of an error answer (`error_codes`).
fn error_codes(v: &serde_json::Value) -> Vec<u64> {
    v.get("error_codes")
        .and_then(serde_json::Value::as_array)
        .map(|a| a.iter().filter_map(serde_json::Value::as_u64).collect())
        .unwrap_or_default()
}

impl Provider for Entra {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let id = |note: &str| cred.annotations.get(note).filter(|v| is_guid(v));
        let (Some(tenant), Some(client)) = (id(TENANT_NOTE), id(CLIENT_NOTE)) else {
            return Verdict::unknown(
                None,
                "no tenant id and client id found next to this secret; Entra checks a secret \
                 only with both, so nothing was sent",
            );
        };
        let r = match api
            .post(&format!("/{tenant}/oauth2/v2.0/token"))
            .form(&[
                ("client_id", client.as_str()),
                ("client_secret", cred.secret),
                ("scope", SCOPE),
                ("grant_type", "client_credentials"),
            ])
            .read_only()
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        let body = r.json();
        let codes = body.as_ref().map(error_codes).unwrap_or_default();
        let error = body
            .as_ref()
            .and_then(|v| v.get("error"))
            .and_then(serde_json::Value::as_str);
        match r.status {
            200 => match body.as_ref().and_then(|v| v.get("access_token")) {
                Some(serde_json::Value::String(t)) if !t.is_empty() => {
                    Verdict::active(&r, Some(format!("application {client} in tenant {tenant}")))
                }
                _ => Verdict::unknown(Some(&r), "malformed response"),
            },
            401 if error == Some("invalid_client") && codes.contains(&7_000_215) => {
                Verdict::inactive(
                    &r,
                    "Entra says the client secret is invalid (AADSTS7000215)",
                )
            }
            401 if error == Some("invalid_client") && codes.contains(&7_000_222) => {
                Verdict::inactive(&r, "Entra says the client secret expired (AADSTS7000222)")
            }
            _ => match codes.first() {
                Some(700_016) => Verdict::unknown(
                    Some(&r),
                    "AADSTS700016: no such application in that tenant; the ids found nearby may \
                     not be this secret's",
                ),
                Some(90_002) => Verdict::unknown(
                    Some(&r),
                    "AADSTS90002: no such tenant in the public cloud; the tenant id found nearby \
                     may not be this secret's, or it is a sovereign cloud's",
                ),
                Some(code) => Verdict::unknown(
                    Some(&r),
                    &format!("AADSTS{code} ({})", super::unexpected(&r)),
                ),
                None => Verdict::unknown(Some(&r), &super::unexpected(&r)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;
    use crate::rules::RuleSet;
    use crate::scan::{Scanner, Scratch};

    const TENANT: &str = "5f2b9c1e-7d4a-4e8b-9a3c-1b6e0d8f2a47";
    const CLIENT: &str = "c3a81f0d-2e6b-4b9a-8d17-94f0e5a2b6c8";

    /// A made-up client secret of Entra's shape (three characters, a digit, `Q~`, 34 more),
    /// built at run time (no literal for the self-scan).
    fn secret() -> &'static str {
        static S: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        S.get_or_init(|| {
            [
                "Xk7",
                "8Q~",
                "bT3vLq9Wz",
                "Rm2Nc5Hd8Yp",
                "Fj4Ks6Ga1Ue0",
                "Oi",
            ]
            .concat()
        })
    }

    fn check(r: &Recorded) {
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", format!("/{TENANT}/oauth2/v2.0/token").as_str())
        );
        assert_eq!(
            r.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        let body = r.body_text();
        let fields: Vec<(&str, &str)> = body.split('&').filter_map(|p| p.split_once('=')).collect();
        let encoded = crate::providers::percent_encode(secret());
        assert_eq!(
            fields,
            [
                ("client_id", CLIENT),
                ("client_secret", encoded.as_str()),
                ("scope", "https%3A%2F%2Fgraph.microsoft.com%2F.default"),
                ("grant_type", "client_credentials"),
            ]
        );
        assert!(r.header("authorization").is_none());
    }

    fn notes() -> Vec<(&'static str, &'static str)> {
        vec![(TENANT_NOTE, TENANT), (CLIENT_NOTE, CLIENT)]
    }

    const TOKEN: &str = r#"{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0eXAi.e30.c2ln"}"#;

    /// An error answer as the token endpoint writes it.
    fn error(status: u16, error: &str, code: u64) -> Reply {
        Reply::json(
            status,
            &format!(
                r#"{{"error":"{error}","error_description":"AADSTS{code}: description.\r\nTrace ID: 0\r\nCorrelation ID: 0\r\nTimestamp: 2026-01-01 00:00:00Z","error_codes":[{code}],"timestamp":"2026-01-01 00:00:00Z","trace_id":"0","correlation_id":"0","error_uri":"https://login.microsoftonline.com/error?code={code}"}}"#
            ),
        )
    }

    #[test]
    fn verify_asks_for_a_client_credentials_token() {
        battery::verify(&VerifySpec {
            provider: &Entra,
            rule: "azure-entra-client-secret",
            secret: secret(),
            annotations: notes(),
            live: Reply::json(200, TOKEN),
            identity: Some(
                "application c3a81f0d-2e6b-4b9a-8d17-94f0e5a2b6c8 in tenant \
                 5f2b9c1e-7d4a-4e8b-9a3c-1b6e0d8f2a47",
            ),
            invalid: error(401, "invalid_client", 7_000_215),
            check,
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn each_documented_answer_is_read_as_documented() {
        for (reply, want, says) in [
            (
                error(401, "invalid_client", 7_000_215),
                Status::Inactive,
                "invalid",
            ),
            (
                error(401, "invalid_client", 7_000_222),
                Status::Inactive,
                "expired",
            ),
            // The ids found nearby were not this secret's: nothing said about the secret.
            (
                error(400, "unauthorized_client", 700_016),
                Status::Unknown,
                "AADSTS700016",
            ),
            (
                error(400, "invalid_request", 90_002),
                Status::Unknown,
                "AADSTS90002",
            ),
            // An unlisted code, even with invalid_client, is not read as dead.
            (
                error(401, "invalid_client", 7_000_999),
                Status::Unknown,
                "AADSTS7000999",
            ),
            (
                Reply::json(200, r#"{"token_type":"Bearer"}"#),
                Status::Unknown,
                "malformed",
            ),
        ] {
            let (v, reqs) = battery::call(
                &Entra,
                "azure-entra-client-secret",
                secret(),
                &notes(),
                vec![reply],
                false,
                |api, cred| Entra.verify(api, cred),
            );
            assert_eq!(reqs.len(), 1, "{says}");
            assert_eq!(v.status, want, "{says}: {v:?}");
            let detail = v.detail.unwrap_or_default();
            assert!(detail.contains(says), "{says}: {detail}");
            assert!(!detail.contains(secret()) && !detail.contains("eyJ0eXAi"));
        }
    }

    #[test]
    fn without_both_ids_nothing_is_sent() {
        for notes in [
            vec![],
            vec![(TENANT_NOTE, TENANT)],
            vec![(CLIENT_NOTE, CLIENT)],
            vec![
                (TENANT_NOTE, "contoso.onmicrosoft.com"),
                (CLIENT_NOTE, CLIENT),
            ],
            vec![(TENANT_NOTE, TENANT), (CLIENT_NOTE, "../../admin")],
        ] {
            let v =
                battery::verify_unsent_with(&Entra, "azure-entra-client-secret", secret(), &notes);
            assert!(v
                .detail
                .unwrap_or_default()
                .contains("tenant id and client id"));
        }
        battery::revoke_unsent(&Entra, "azure-entra-client-secret", secret());
    }

    #[test]
    fn the_rule_finds_the_tenant_and_client_ids_nearby() {
        let scanner = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
        let s = secret();
        for (text, tenant, client) in [
            (
                format!("AZURE_TENANT_ID={TENANT}\nAZURE_CLIENT_ID={CLIENT}\nAZURE_CLIENT_SECRET={s}\n"),
                Some(TENANT),
                Some(CLIENT),
            ),
            (
                format!("{{\n  \"TenantId\": \"{TENANT}\",\n  \"ClientId\": \"{CLIENT}\",\n  \"ClientSecret\": \"{s}\"\n}}\n"),
                Some(TENANT),
                Some(CLIENT),
            ),
            (
                format!("tenant: {TENANT}\nappId: {CLIENT}\npassword: \"{s}\"\n"),
                Some(TENANT),
                Some(CLIENT),
            ),
            // The secret's own id is a GUID too, and is not the application's.
            (
                format!("AZURE_TENANT_ID={TENANT}\nCLIENT_SECRET_ID={CLIENT}\nAZURE_CLIENT_SECRET={s}\n"),
                Some(TENANT),
                None,
            ),
            (format!("AZURE_CLIENT_SECRET={s}\n"), None, None),
        ] {
            let m = scanner.scan(text.as_bytes(), &mut Scratch::default());
            let m: Vec<_> = m
                .iter()
                .filter(|m| scanner.rule(m).id.0 == "azure-entra-client-secret")
                .collect();
            assert_eq!(m.len(), 1, "{text}");
            let note = |k: &str| m[0].annotations.get(k).map(|a| a.render(false));
            assert_eq!(note(TENANT_NOTE).as_deref(), tenant, "{text}");
            assert_eq!(note(CLIENT_NOTE).as_deref(), client, "{text}");
        }
    }
}
