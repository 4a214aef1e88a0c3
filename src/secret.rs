//! Secret values, and the facts the scanner attaches to them: the [`Secret`] type keeps the raw
//! value from leaking into logs by accident; [`Annotations`] carry what offline checks learnt.
//! Below the scanner, so that everything from the scanner up can hold secrets safely.

use std::collections::BTreeMap;
use std::fmt;

/// A raw secret. `Debug` and `Display` print it redacted; it implements no `Serialize`; the
/// raw value is available only through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Box<[u8]>);

impl Secret {
    /// Wraps raw bytes.
    pub fn new(bytes: &[u8]) -> Self {
        Secret(bytes.into())
    }

    /// The raw value. Call sites are the few places allowed to see it: fingerprinting and
    /// reporting under `--no-redact`.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The redacted form: a short prefix (at most 8 characters, at most a quarter of the secret)
    /// followed by `…`. Short enough to reveal nothing usable, long enough to tell two apart.
    pub fn redacted(&self) -> String {
        redact(&String::from_utf8_lossy(&self.0))
    }
}

/// Redacts text as [`Secret::redacted`] does.
pub fn redact(text: &str) -> String {
    let n = text.chars().count();
    let keep = (n / 4).min(8);
    let mut s: String = text
        .chars()
        .take(keep)
        .filter(|c| !c.is_control())
        .collect();
    s.push('…');
    s
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// The value of one [`Annotation`]s entry: plain text, or a value that reports treat like a
/// secret (redacted unless the run asks otherwise), such as a paired AWS access key id.
#[derive(Debug, Clone, PartialEq)]
pub enum Annotation {
    /// Shown as is.
    Text(String),
    /// Shown redacted by default, like the finding's own secret.
    Secret(Secret),
}

impl Annotation {
    /// The value as a report shows it.
    pub fn render(&self, redact_secrets: bool) -> String {
        match self {
            Annotation::Text(t) => t.clone(),
            Annotation::Secret(s) if redact_secrets => s.redacted(),
            Annotation::Secret(s) => String::from_utf8_lossy(s.expose()).into_owned(),
        }
    }
}

/// Facts the scanner established about a finding, by name: `expired` (a JWT's `exp`, as an
/// RFC 3339 UTC time, when it is in the past), `aws_access_key_id` (the key id found near an
/// AWS secret access key), `twilio_sid` (the account or API key SID found near a Twilio auth
/// token or key secret), `encoding` (`base64` when the secret was found in decoded content).
/// Sorted by name, so reports are stable.
pub type Annotations = BTreeMap<String, Annotation>;

/// The annotation carrying the host a rule's `(?P<host>…)` group captured next to a
/// credential (an Okta org's `acme.okta.com`): not secret; the only host a provider whose host
/// is per customer may send the credential to.
pub const HOST_NOTE: &str = "host";

/// Renders annotations as `name value` pairs joined by `, ` (for text and messages).
pub fn render_annotations(notes: &Annotations, redact_secrets: bool) -> String {
    notes
        .iter()
        .map(|(k, v)| format!("{k} {}", v.render(redact_secrets)))
        .collect::<Vec<_>>()
        .join(", ")
}
