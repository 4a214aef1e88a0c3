//! Shopify Admin API access tokens (`shpat_`, `shpca_`, `shppa_`). A token works only on its
//! own shop, whose Admin API is at `https://SHOP.myshopify.com/admin/api/…`
//! (<https://shopify.dev/docs/api/admin-rest>, "Endpoints"). A token goes only to the
//! `*.myshopify.com` host found next to it (the rules' `(?P<host>…)` group, the finding's
//! `host` annotation); a token found with no such host is sent nowhere (unknown), unless the
//! user names the shop with `--provider-endpoint shopify=https://SHOP.myshopify.com`. A token
//! found next to any other host (a shop's own custom domain could be anyone's server;
//! `acme.myshopify.com.evil.example`) is sent nowhere, override or not. The decision is
//! [`Api`]'s, from [`INFO`]'s `*.` hosts. The token goes in the `X-Shopify-Access-Token`
//! header (<https://shopify.dev/docs/api/admin-rest#authentication>).
//!
//! - Verify: `GET /admin/oauth/access_scopes.json` lists the scopes the token was granted
//!   (<https://shopify.dev/docs/api/admin-rest/latest/resources/accessscope>); a bad token gets
//!   401.
//! - Revoke: `DELETE /admin/api_permissions/current.json` revokes the token by uninstalling
//!   the app it belongs to from the shop, answering 200
//!   (<https://shopify.dev/docs/apps/build/authentication-authorization/app-installation/uninstall-app-api-request>).
//!   Shopify has no way to kill one token and keep its app: the confirmation says so.

use std::time::Duration;

use super::{Api, Credential, Info, Outcome, Provider, Revocation, Verdict};

/// Shopify (only at the shop found with the token, or the one the user names).
pub struct Shopify;

pub(super) static INFO: Info = Info {
    name: "shopify",
    docs: "https://shopify.dev/docs/apps/build/authentication-authorization/app-installation/uninstall-app-api-request",
    // Per customer: each token goes to its own shop's host.
    base: "",
    hosts: &["*.myshopify.com"],
    revoke: true,
    interval: Duration::from_millis(500),
};

impl Provider for Shopify {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match api
            .get("/admin/oauth/access_scopes.json")
            .header("X-Shopify-Access-Token", cred.secret)
            .send()
        {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
                let n = v.get("access_scopes")?.as_array()?.len();
                let shop = api.host().unwrap_or_default();
                Some(format!("app on {shop} with {n} access scope(s)"))
            }),
            Err(e) => e.into(),
        }
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        match api
            .delete("/admin/api_permissions/current.json")
            .header("X-Shopify-Access-Token", cred.secret)
            .send()
        {
            Ok(r) if r.ok() => Revocation::new(
                Outcome::Revoked,
                Some(&r),
                "revoked: the app the token belongs to was uninstalled from the shop",
            ),
            Ok(r) => Revocation::from_response(&r),
            Err(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, RevokeSpec, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "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"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Shopify,
            rule: "shopify-access-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"access_scopes":[{"handle":"read_products"},{"handle":"write_orders"}]}"#,
            ),
            identity: Some("app on 127.0.0.1 with 2 access scope(s)"),
            invalid: Reply::json(
                401,
                r#"{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/admin/oauth/access_scopes.json")
                );
                assert_eq!(r.header("x-shopify-access-token"), Some(TOKEN));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn revoke_uninstalls_the_app() {
        battery::revoke(&RevokeSpec {
            provider: &Shopify,
            rule: "shopify-access-token",
            secret: TOKEN,
            success: vec![Reply::json(200, "{}")],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("DELETE", "/admin/api_permissions/current.json")
                );
                assert_eq!(reqs[0].header("x-shopify-access-token"), Some(TOKEN));
            },
            failure: vec![Reply::json(
                401,
                r#"{"errors":"[API] Invalid API key or access token"}"#,
            )],
        });
    }
}
