//! Yandex Cloud: an API key (`AQVN…`) belongs to a service account, and Yandex documents which
//! services accept it (<https://yandex.cloud/en/docs/iam/concepts/authorization/api-key>:
//! `Authorization: Api-Key KEY`; Cloud Functions, DataSphere, Search API, SpeechKit,
//! SpeechSense, Translate, Vision OCR). Resource Manager is not among them (its API documents
//! only IAM tokens), so the cheapest read of a service that is: Translate's list of languages
//! (`POST /translate/v2/languages`,
//! <https://yandex.cloud/en/docs/translate/api-ref/Translation/listLanguages>), with an empty
//! body, since a service account's key needs no folder id. It reads no identity. Yandex
//! documents no answer meaning "invalid key" for it, so a rejection is unknown, never inactive.

use std::time::Duration;

use super::{unexpected, Api, Credential, Info, Provider, Verdict};

/// Yandex Cloud.
pub struct Yandex;

static INFO: Info = Info {
    name: "yandex",
    docs: "https://yandex.cloud/en/docs/translate/api-ref/Translation/listLanguages",
    base: "https://translate.api.cloud.yandex.net",
    hosts: &["translate.api.cloud.yandex.net"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Yandex {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if !cred.secret.starts_with("AQVN") {
            return Verdict::unknown(None, "only API keys (AQVN) can be checked alone");
        }
        let r = match api
            .post("/translate/v2/languages")
            .header("Authorization", &format!("Api-Key {}", cred.secret))
            .json(&serde_json::json!({}))
            .read_only()
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        match r.status {
            200..=299 => match r.json() {
                Some(_) => Verdict::active(&r, Some("service account API key".into())),
                None => Verdict::unknown(Some(&r), "malformed response"),
            },
            _ => Verdict::unknown(
                Some(&r),
                &format!(
                    "{} (no answer is documented as an invalid key)",
                    unexpected(&r)
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "AQVNQm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0i"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        // Yandex documents no "invalid API key" answer; the 401 an unknown key gets stays
        // unknown.
        battery::verify_undocumented_invalid(&VerifySpec {
            provider: &Yandex,
            rule: "yandex-cloud-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"languages":[{"code":"en","name":"English"},{"code":"ru","name":"Russian"}]}"#,
            ),
            identity: Some("service account API key"),
            invalid: Reply::json(
                401,
                r#"{"code":16,"message":"The token is invalid","details":[]}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("POST", "/translate/v2/languages")
                );
                assert_eq!(r.header("content-type"), Some("application/json"));
                assert_eq!(r.body_json(), serde_json::json!({}));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Api-Key {KEY}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
