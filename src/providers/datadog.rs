//! Datadog: `GET /api/v1/validate` with the key in `DD-API-KEY` says whether an API key is
//! valid (<https://docs.datadoghq.com/api/latest/authentication/#validate-api-key>).
//! Application keys only work alongside an API key, which a finding does not carry, so they
//! are not checked.
//!
//! Each Datadog site is a separate service with its own keys
//! (<https://docs.datadoghq.com/getting_started/site/>: US1, US3, US5, EU1, US1-FED, AP1, AP2;
//! the API host is `api.` followed by the site parameter), and a key says nothing about its
//! site, so the sites are tried in turn until one accepts it. Only these hosts are allowed.
//!
//! A 403 is Datadog's documented answer for a key a site does not know, but it is also what
//! a key blocked by an organisation's IP allowlist gets, and a key of a site not tried here
//! gets it everywhere: 403 on every site stays unknown, never inactive.

use std::time::Duration;

use super::http::Method;
use super::{Api, Credential, Info, Provider, Verdict};

/// Datadog (every documented site; one site through `--provider-endpoint datadog=URL`).
pub struct Datadog;

/// The documented sites and their API hosts, most used first.
const SITES: [(&str, &str); 7] = [
    ("US1", "api.datadoghq.com"),
    ("EU1", "api.datadoghq.eu"),
    ("US3", "api.us3.datadoghq.com"),
    ("US5", "api.us5.datadoghq.com"),
    ("AP1", "api.ap1.datadoghq.com"),
    ("AP2", "api.ap2.datadoghq.com"),
    ("US1-FED", "api.ddog-gov.com"),
];

/// The API hosts of [`SITES`], the only ones a key is sent to.
const HOSTS: [&str; SITES.len()] = {
    let mut hosts = [""; SITES.len()];
    let mut i = 0;
    while i < SITES.len() {
        hosts[i] = SITES[i].1;
        i += 1;
    }
    hosts
};

static INFO: Info = Info {
    name: "datadog",
    docs: "https://docs.datadoghq.com/api/latest/authentication/#validate-api-key",
    base: "https://api.datadoghq.com",
    hosts: &HOSTS,
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Datadog {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if cred.rule != "datadog-api-key" {
            return Verdict::unknown(
                None,
                "Datadog application keys need an API key beside them; not checked",
            );
        }
        let sites: Vec<(&str, String)> = if api.endpoint_override_host().is_some() {
            vec![("the --provider-endpoint site", api.base().to_string())]
        } else {
            SITES
                .iter()
                .map(|(name, host)| (*name, format!("https://{host}")))
                .collect()
        };
        verify_on(api, cred.secret, &sites)
    }
}

/// Asks each site in `sites` (name, base URL) in turn; the first that accepts the key decides.
fn verify_on(api: &Api<'_>, key: &str, sites: &[(&str, String)]) -> Verdict {
    let mut last: Option<Verdict> = None;
    let mut refused = Vec::new();
    for (name, base) in sites {
        let r = match api
            .absolute(Method::Get, &format!("{base}/api/v1/validate"))
            .header("DD-API-KEY", key)
            .header("Accept", "application/json")
            .send()
        {
            Ok(r) => r,
            Err(e) => {
                last = Some(e.into());
                continue;
            }
        };
        if r.status == 403 {
            refused.push(*name);
            continue;
        }
        if r.ok() {
            if r.json().and_then(|v| v.get("valid").cloned()) != Some(serde_json::Value::Bool(true))
            {
                return Verdict::unknown(Some(&r), "malformed response");
            }
            let mut v = Verdict::active(&r, None);
            v.detail = Some(format!("valid on the {name} site"));
            return v;
        }
        last = Some(Verdict::from_identity_endpoint(&r, |_| None));
    }
    match last {
        Some(mut v) if !refused.is_empty() => {
            v.detail = Some(format!(
                "{}; refused (403) by {}",
                v.detail.unwrap_or_default(),
                refused.join(", ")
            ));
            v
        }
        Some(v) => v,
        None => Verdict {
            status: crate::providers::Status::Unknown,
            identity: None,
            detail: Some(format!(
                "refused (403) by every site tried ({}): an unknown key, or one blocked by an \
                 IP allowlist; not taken as inactive",
                refused.join(", ")
            )),
            http_status: Some(403),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "3f9a1c7e5b2d8046a1e9c3b7d5f2a8e6";

    #[test]
    fn verify() {
        battery::verify_undocumented_invalid(&VerifySpec {
            provider: &Datadog,
            rule: "datadog-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(200, r#"{"valid":true}"#),
            identity: None,
            invalid: Reply::json(403, r#"{"errors":["Forbidden"]}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/v1/validate")
                );
                assert_eq!(r.header("dd-api-key"), Some(KEY));
                assert_eq!(r.header("authorization"), None);
            },
            // 403 is also an IP allowlist's answer (issue 17).
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    /// Verifies `KEY` with US1 refusing it (403) and EU1 answering `eu1`: the verdict and the
    /// requests each site received.
    fn refused_by_us1_then(eu1: Reply) -> (Verdict, Vec<Recorded>, Vec<Recorded>) {
        let eu1 = crate::providers::fake::FakeServer::start(vec![eu1]);
        let (v, us1) = battery::call(
            &Datadog,
            "datadog-api-key",
            KEY,
            &[],
            vec![Reply::json(403, r#"{"errors":["Forbidden"]}"#)],
            false,
            |api, _| {
                verify_on(
                    api,
                    KEY,
                    &[("US1", api.base().to_string()), ("EU1", eu1.url())],
                )
            },
        );
        (v, us1, eu1.requests())
    }

    #[test]
    fn every_site_is_tried_until_one_accepts() {
        let (v, us1, eu1) = refused_by_us1_then(Reply::json(200, r#"{"valid":true}"#));
        assert_eq!(v.status, Status::Active, "{v:?}");
        assert_eq!(v.detail.as_deref(), Some("valid on the EU1 site"));
        assert_eq!(us1.len(), 1);
        assert_eq!(eu1.len(), 1);
        assert_eq!(eu1[0].header("dd-api-key"), Some(KEY));
        // Refused everywhere: unknown, naming the sites.
        let (v, _, _) = refused_by_us1_then(Reply::json(403, r#"{"errors":["Forbidden"]}"#));
        assert_eq!(v.status, Status::Unknown, "{v:?}");
        assert!(v.detail.unwrap().contains("US1, EU1"));
    }

    #[test]
    fn application_keys_are_not_sent() {
        let secret = "3f9a1c7e5b2d8046a1e9c3b7d5f2a8e6c4b0d917"; // leakhound:allow: a made-up test credential
        battery::verify_unsent(&Datadog, "datadog-app-key", secret);
    }
}
