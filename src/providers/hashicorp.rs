//! HashiCorp: HCP Terraform (Terraform Cloud) user tokens (`….atlasv1.…`) are checked with
//! `GET /api/v2/account/details`, which names the token's user. Team and organization tokens
//! have no user and get a 404 there (unknown). Vault tokens have their own provider
//! (`vault`, checked only at a server the user names); this one never sends them, even when
//! `--provider-endpoint hashicorp=URL` names a Terraform Enterprise host.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// HashiCorp (HCP Terraform; Terraform Enterprise through `--provider-endpoint hashicorp=URL`).
pub struct HashiCorp;

static INFO: Info = Info {
    name: "hashicorp",
    docs: "https://developer.hashicorp.com/terraform/cloud-docs/api-docs/account#get-your-account-details",
    base: "https://app.terraform.io",
    hosts: &["app.terraform.io"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for HashiCorp {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if !cred.secret.contains(".atlasv1.") {
            return Verdict::unknown(
                None,
                "Vault tokens need their server's address; not checked",
            );
        }
        match api
            .get("/api/v2/account/details")
            .bearer(cred.secret)
            .header("Content-Type", "application/vnd.api+json")
            .send()
        {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
                json_str(v, "data/attributes/username")
                    .or_else(|| json_str(v, "data/attributes/email"))
            }),
            Err(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str =
        "Qm7TzR2vXk9LpW.atlasv1.Fh6yP4sA0eU2iOq8ZxLm5Nb7Vc3Kd9Rt1Wg2Hj4Ty6UQm7TzR2vXk9LpW4sB8nC3d"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &HashiCorp,
            rule: "terraform-cloud-api-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"data":{"id":"user-V3R","type":"users","attributes":{"username":"octo-tf","email":"tf@example.com"}}}"#,
            ),
            identity: Some("octo-tf"),
            invalid: Reply::json(
                401,
                r#"{"errors":[{"status":"401","title":"unauthorized"}]}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/v2/account/details")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn vault_tokens_are_not_sent() {
        let secret = "hvs.Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0e"; // leakhound:allow: a made-up test credential
        battery::verify_unsent(&HashiCorp, "vault-service-token", secret);
    }
}
