//! Grafana Cloud access policy tokens (`glc_…`), verified against the Grafana Cloud API
//! (<https://grafana.com/docs/grafana-cloud/developer-resources/api-reference/cloud-api/>).
//!
//! The API authenticates with `Authorization: Bearer <CLOUD ACCESS POLICY TOKEN>`, and every
//! access-policy call needs the `region` of the access policy as a query parameter ("Region of
//! the Access Policy, as defined in the Access Policy", e.g. `us`, `eu`, `prod-eu-west-3`).
//! The read-only call used is "List a set of tokens", `GET /api/v1/tokens?region=R&pageSize=1`:
//! it lists token metadata (ids, names, dates), never token values. Documented answers: 200
//! successful, 400 bad request, 401 "API token is missing or invalid".
//!
//! The region is not guessed. After `glc_`, a token is base64 of a JSON object naming its org
//! (`o`), its name (`n`), its key (`k`) and, under `m.r`, the region of its access policy
//! (`{"o":"1225371","n":"…","k":"…","m":{"r":"prod-us-east-0"}}`, as in the tokens published
//! in public repositories; the same region slug is what Grafana's Terraform provider passes as
//! `region`). That region, checked to be a plain slug, is the one asked; a token that names no
//! region (the older shape, as in the documentation's own example) is unknown, with nothing
//! sent. Asking `us` for a token of another region would read a live token as invalid.
//!
//! Readings: 200 with JSON is active (the org and region named by the token are shown); 401
//! is inactive; a 403 is unknown: the token may be live but lack `accesspolicies:read` (most
//! `glc_` tokens only write metrics or logs), or be refused by its policy's allowed subnets
//! (<https://grafana.com/docs/grafana-cloud/security-and-account-management/authentication-and-permissions/access-policies/>),
//! and Grafana documents no body that tells these apart. Anything else is unknown.
//!
//! Requests go to `grafana.com` only. No revocation: deleting a token (`DELETE
//! /api/v1/tokens/{tokenId}`) needs its id, which the token does not carry, and a token that
//! can list tokens does not say which of them it is.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};
use crate::scan::checks::base64::{decode, Alphabet};

/// Grafana Cloud (the Cloud API on grafana.com).
pub struct GrafanaCloud;

static INFO: Info = Info {
    name: "grafana-cloud",
    docs: "https://grafana.com/docs/grafana-cloud/developer-resources/api-reference/cloud-api/",
    base: "https://grafana.com",
    hosts: &["grafana.com"],
    revoke: false,
    interval: Duration::from_millis(200),
};

/// What a `glc_` token says about itself: its org id and the region of its access policy.
#[derive(Debug, PartialEq, Eq)]
struct Claims {
    org: Option<String>,
    region: Option<String>,
}

/// Reads the JSON a `glc_` token carries, or `None` when it is not base64 of a JSON object.
fn claims(secret: &str) -> Option<Claims> {
    let body = secret.strip_prefix("glc_")?.trim_end_matches('=');
    // The scanner may have taken the token without its padding: put it back.
    let padded = format!("{body}{}", "=".repeat((4 - body.len() % 4) % 4));
    let bytes = decode(padded.as_bytes(), Alphabet::Standard)?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    if !v.is_object() {
        return None;
    }
    let region = json_str(&v, "m/r").filter(|r| is_region(r));
    let org = json_str(&v, "o").filter(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit()));
    Some(Claims { org, region })
}

/// A region slug as Grafana writes them (`us`, `prod-eu-west-3`): lowercase letters, digits and
/// `-`, so it can go into a query string as it is.
fn is_region(r: &str) -> bool {
    (1..=64).contains(&r.len())
        && !r.starts_with('-')
        && r.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Provider for GrafanaCloud {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let Some(claims) = claims(cred.secret) else {
            return Verdict::unknown(
                None,
                "not sent: the token is not base64 JSON, so it names no region to ask",
            );
        };
        let Some(region) = claims.region else {
            return Verdict::unknown(
                None,
                "not sent: the token names no region (m.r), and Grafana's API needs the \
                 access policy's region",
            );
        };
        let path = format!("/api/v1/tokens?region={region}&pageSize=1");
        let r = match api.get(&path).bearer(cred.secret).send() {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if r.status == 403 {
            return Verdict::unknown(
                Some(&r),
                "forbidden (403): the token may be live without accesspolicies:read, or be \
                 refused by its access policy's allowed subnets",
            );
        }
        let org = claims.org;
        Verdict::from_identity_endpoint(&r, |_| {
            Some(match &org {
                Some(o) => format!("org {o}, region {region}"),
                None => format!("region {region}"),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::base64_encode;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    /// A made-up token of the shape Grafana issues, built at run time.
    fn token(json: &str) -> &'static str {
        Box::leak(format!("glc_{}", base64_encode(json.as_bytes())).into_boxed_str())
    }

    fn eu_token() -> &'static str {
        token(
            r#"{"o":"4242","n":"ci-metrics","k":"Qm7TzR2vXk9LpW4sB8nC3dFh","m":{"r":"prod-eu-west-2"}}"#,
        )
    }

    #[test]
    fn the_token_names_its_org_and_region() {
        assert_eq!(
            claims(eu_token()),
            Some(Claims {
                org: Some("4242".into()),
                region: Some("prod-eu-west-2".into())
            })
        );
        // Without its padding, as a scan may take it.
        let unpadded = eu_token().trim_end_matches('=');
        assert_eq!(
            claims(unpadded).and_then(|c| c.region).as_deref(),
            Some("prod-eu-west-2")
        );
        // The documentation's example: no region.
        let doc = token(r#"{"k":"f24c6d4a0d0fffc2e3556","n":"mytoken","id":1}"#);
        assert_eq!(
            claims(doc),
            Some(Claims {
                org: None,
                region: None
            })
        );
        // A region that is not a plain slug is not used.
        for bad in [r#""us&pageSize=500""#, r#""../x""#, r#""""#, r#""-us""#] {
            let t = token(&format!(r#"{{"o":"1","m":{{"r":{bad}}}}}"#));
            assert_eq!(claims(t).and_then(|c| c.region), None, "{bad}");
        }
        assert_eq!(claims("glc_not*base64"), None);
        assert_eq!(claims(token("[1,2]")), None);
    }

    #[test]
    fn verify() {
        let secret = eu_token();
        battery::verify(&VerifySpec {
            provider: &GrafanaCloud,
            rule: "grafana-cloud-api-token",
            secret,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"items":[{"id":"c45485b6","name":"mytoken"}],"metadata":{"pagination":{"pageSize":1}}}"#,
            ),
            identity: Some("org 4242, region prod-eu-west-2"),
            invalid: Reply::json(
                401,
                r#"{"code":"InvalidCredentials","message":"Token invalid"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/v1/tokens?region=prod-eu-west-2&pageSize=1")
                );
                let auth = r.header("authorization").unwrap_or_default();
                assert!(auth.starts_with("Bearer glc_"), "{auth}");
                assert_eq!(auth.strip_prefix("Bearer "), Some(eu_token()));
            },
            // No scope to list tokens, or a subnet condition: says nothing about liveness.
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn a_403_names_both_reasons_and_stays_unknown() {
        let (v, _) = battery::call(
            &GrafanaCloud,
            "grafana-cloud-api-token",
            eu_token(),
            &[],
            vec![Reply::json(403, r#"{"code":"Forbidden"}"#)],
            false,
            |api, cred| GrafanaCloud.verify(api, cred),
        );
        assert_eq!(v.status, Status::Unknown);
        let detail = v.detail.unwrap_or_default();
        assert!(
            detail.contains("accesspolicies:read") && detail.contains("subnets"),
            "{detail}"
        );
    }

    #[test]
    fn a_token_without_a_region_is_not_sent() {
        let doc = token(r#"{"k":"f24c6d4a0d0fffc2e3556","n":"mytoken","id":1}"#);
        let v = battery::verify_unsent(&GrafanaCloud, "grafana-cloud-api-token", doc);
        assert!(v.detail.unwrap_or_default().contains("no region"));
        let odd = token(r#"{"o":"1","m":{"r":"us?x=1"}}"#);
        battery::verify_unsent(&GrafanaCloud, "grafana-cloud-api-token", odd);
        battery::verify_unsent(
            &GrafanaCloud,
            "grafana-cloud-api-token",
            "glc_5HJBsKhgqcSaQpSK/h/6ZWuW3V3ekABxPSOQgqsQ6E01OAF/8phap+PnQHW8Ll5enlzSyBQK/7wtkrdx", // leakhound:allow: made up
        );
    }

    #[test]
    fn the_org_is_optional_in_the_identity() {
        let t = token(r#"{"n":"x","m":{"r":"us"}}"#);
        let (v, reqs) = battery::call(
            &GrafanaCloud,
            "grafana-cloud-api-token",
            t,
            &[],
            vec![Reply::json(200, r#"{"items":[]}"#)],
            false,
            |api, cred| GrafanaCloud.verify(api, cred),
        );
        assert_eq!(v.status, Status::Active);
        assert_eq!(v.identity.as_deref(), Some("region us"));
        assert_eq!(reqs[0].path, "/api/v1/tokens?region=us&pageSize=1");
    }
}
