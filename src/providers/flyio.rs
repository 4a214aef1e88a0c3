//! Fly.io: the Machines API's `GET /v1/apps?org_slug=personal` lists the apps in the token's
//! personal organization, which every user has. User tokens (`fo1_…`) go as a bearer token;
//! macaroon tokens (`fm1_…`, `fm2_…`) in the `FlyV1` scheme flyctl uses. A token scoped to
//! another organization or one app is refused with 403/404 here, which stays unknown; only 401
//! ("token validation error") is inactive.

use std::time::Duration;

use super::{Api, Credential, Info, Provider, Verdict};

/// Fly.io.
pub struct FlyIo;

static INFO: Info = Info {
    name: "flyio",
    docs: "https://fly.io/docs/machines/api/apps-resource/",
    base: "https://api.machines.dev",
    hosts: &["api.machines.dev"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for FlyIo {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let token = cred.secret.strip_prefix("FlyV1 ").unwrap_or(cred.secret);
        let auth = if token.starts_with("fm1") || token.starts_with("fm2") {
            format!("FlyV1 {token}")
        } else {
            format!("Bearer {token}")
        };
        match api
            .get("/v1/apps?org_slug=personal")
            .header("Authorization", &auth)
            .send()
        {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
                let n = v.get("total_apps")?.as_u64()?;
                Some(format!("personal organization with {n} apps"))
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

    const USER: &str = "fo1_Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8ZxLm5"; // leakhound:allow: a made-up test credential

    fn spec(secret: &'static str, check: fn(&Recorded)) -> VerifySpec {
        VerifySpec {
            provider: &FlyIo,
            rule: "flyio-access-token",
            secret,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"total_apps":2,"apps":[{"name":"web"},{"name":"worker"}]}"#,
            ),
            identity: Some("personal organization with 2 apps"),
            invalid: Reply::json(401, r#"{"error":"Authenticate: token validation error"}"#),
            check,
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        }
    }

    #[test]
    fn user_tokens_go_as_bearer() {
        battery::verify(&spec(USER, |r| {
            assert_eq!(
                (r.method.as_str(), r.path.as_str()),
                ("GET", "/v1/apps?org_slug=personal")
            );
            assert_eq!(
                r.header("authorization"),
                Some(format!("Bearer {USER}").as_str())
            );
        }));
    }

    #[test]
    fn macaroons_go_in_the_flyv1_scheme() {
        const MACAROON: &str = "fm2_lJPECAAAAAAAAMZ5xBBQm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8ZxLm5Nb7Vc3Kd9Rt1Wg2Hj4Ty6UQm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8ZxLm5"; // leakhound:allow: a made-up test credential
        battery::verify(&spec(MACAROON, |r| {
            assert_eq!(
                r.header("authorization"),
                Some(format!("FlyV1 {MACAROON}").as_str())
            );
        }));
    }
}
