//! Pairing an AWS secret access key with its access key id. A secret key alone cannot be used
//! or verified; with the key id written a few lines away (as in `~/.aws/credentials`, `.env`
//! files and CI settings) it can. The key id is not secret (AWS documents it as the public
//! half), but reports still show it as they show key ids, redacted by default.
//!
//! Likewise a Twilio auth token or API key secret with the SID it is used with: Twilio checks
//! the two together, the account SID (`AC…`) or API key SID (`SK…`) as the Basic user name.
//!
//! Likewise an Azure Storage account key with the account it belongs to (and the cloud's endpoint
//! suffix): Shared Key signs each request with the account name, and the account's blob host is
//! the only place the key may be checked.
//!
//! Also the `.npmrc` registry a credential belongs to: `//HOST/path/:_authToken=…` names the
//! registry on the credential's own line, and verification must send the credential to that
//! registry and no other (a token for Artifactory, Nexus or GitHub Packages sent to
//! registry.npmjs.org is a credential handed to a third party).

use std::sync::LazyLock;

use regex::bytes::Regex;

use crate::rules::{is_host_name, NearbyKind, Rule};
use crate::secret::{Annotation, Secret, HOST_NOTE};

use super::{placeholder, Match, MAX_LINE_REACH};

/// The rule whose matches are paired.
pub const AWS_SECRET_RULE: &str = "aws-secret-access-key";
/// The annotation naming the paired key id.
pub const AWS_KEY_ID_NOTE: &str = "aws_access_key_id";
/// How many lines above and below the secret are searched (the same reach as a rule's
/// `nearby:` values).
pub const PAIR_LINES: usize = crate::rules::NEARBY_LINES;

/// The rules whose credentials may sit in an `.npmrc` line.
pub const NPM_RULES: &[&str] = &["npm-access-token", "npmrc-auth"];
/// The annotation naming the registry host of an `.npmrc` credential (`registry.npmjs.org`).
pub const NPM_REGISTRY_NOTE: &str = "registry";
/// The annotation naming the `.npmrc` key that holds the credential (`_authToken`, `_auth`,
/// `_password`): the key decides how the value is sent (Bearer, Basic, not at all).
pub const NPMRC_KEY_NOTE: &str = "npmrc_key";

/// Annotates every npm credential in `matches` with the `.npmrc` key holding it and, when the
/// line names one (`//HOST/…:_authToken=`), the registry host it belongs to.
pub fn annotate_npm_registries(bytes: &[u8], rules: &[Rule], matches: &mut [Match]) {
    for m in matches.iter_mut() {
        if !NPM_RULES.contains(&rules[m.rule].id.0.as_str()) || m.decoded.is_some() {
            continue;
        }
        let (lo, _) = super::line_window(bytes, m.start, m.end);
        let Some((host, key)) = npmrc_registry(&bytes[lo..m.start]) else {
            continue;
        };
        m.annotations.insert(
            NPMRC_KEY_NOTE.to_string(),
            Annotation::Text(key.to_string()),
        );
        if let Some(host) = host {
            m.annotations
                .insert(NPM_REGISTRY_NOTE.to_string(), Annotation::Text(host));
        }
    }
}

/// In the text of a line before a credential, the `.npmrc` key it is the value of and the
/// registry host the key is scoped to (`//HOST[:port][/path]/:KEY=`), lowercased. `None`
/// when the text holds no `.npmrc` auth key.
fn npmrc_registry(before: &[u8]) -> Option<(Option<String>, &'static str)> {
    let text = String::from_utf8_lossy(before);
    let lower = text.to_ascii_lowercase();
    // The last key before the value is the one assigned; `_authtoken` before `_auth`, which
    // is its prefix.
    let (at, key) = [
        ("_authtoken", "_authToken"),
        ("_password", "_password"),
        ("_auth", "_auth"),
    ]
    .iter()
    .filter_map(|(k, name)| lower.rfind(k).map(|i| (i, *name)))
    .max_by_key(|(i, name)| (*i, name.len()))?;
    let scope = &lower[..at];
    let host = scope
        .strip_suffix(':')
        .and_then(|s| s.rfind("//").map(|i| &s[i + 2..]))
        .map(|s| s.split(['/', ':']).next().unwrap_or_default().to_string())
        .filter(|h| !h.is_empty());
    Some((host, key))
}

/// The rule whose matches are the session tokens of temporary credentials.
pub const AWS_SESSION_RULE: &str = "aws-session-token";
/// The annotation carrying the session token paired with a temporary (`ASIA…`) key.
pub const AWS_SESSION_NOTE: &str = "aws_session_token";

/// Annotates every AWS secret access key in `matches` with the nearest access key id
/// (`AKIA…` long-term, `ASIA…` temporary) within [`PAIR_LINES`] lines of it, and a temporary
/// key also with the nearest session token found within [`PAIR_LINES`] lines: STS rejects a
/// temporary key signed without its token, so without it a live key would read as dead.
pub fn pair_aws_keys(bytes: &[u8], rules: &[Rule], matches: &mut [Match]) {
    let tokens: Vec<(u32, Box<[u8]>)> = matches
        .iter()
        .filter(|m| rules[m.rule].id.0 == AWS_SESSION_RULE)
        .map(|m| (m.line.get(), m.secret(bytes).into()))
        .collect();
    for m in matches.iter_mut() {
        if rules[m.rule].id.0 != AWS_SECRET_RULE {
            continue;
        }
        if !m.annotations.contains_key(AWS_KEY_ID_NOTE) {
            if let Some(id) = nearest_key_id(bytes, m.start, m.end) {
                m.annotations.insert(
                    AWS_KEY_ID_NOTE.to_string(),
                    Annotation::Secret(Secret::new(id)),
                );
            }
        }
        let temporary = matches!(
            m.annotations.get(AWS_KEY_ID_NOTE),
            Some(Annotation::Secret(id)) if id.expose().starts_with(b"ASIA")
        );
        if temporary && !m.annotations.contains_key(AWS_SESSION_NOTE) {
            let line = m.line.get();
            let nearest = tokens
                .iter()
                .filter(|(l, _)| usize::try_from(l.abs_diff(line)).is_ok_and(|d| d <= PAIR_LINES))
                .min_by_key(|(l, _)| l.abs_diff(line));
            if let Some((_, token)) = nearest {
                m.annotations.insert(
                    AWS_SESSION_NOTE.to_string(),
                    Annotation::Secret(Secret::new(token)),
                );
            }
        }
    }
}

/// The rules whose matches are Twilio secrets that only work with a SID: an account's auth
/// token (with its account SID) or an API key's secret (with the key's SID). Twilio takes both
/// halves as HTTP Basic credentials, SID as user name
/// (<https://www.twilio.com/docs/usage/requests-to-twilio>).
pub const TWILIO_SECRET_RULES: &[&str] = &["twilio-auth-token", "twilio-basic-auth-url"];
/// The rule whose secret is the password of `https://AC…:TOKEN@api.twilio.com`: its SID is the
/// user name written just before it.
const TWILIO_URL_RULE: &str = "twilio-basic-auth-url";
/// The annotation naming the SID paired with a Twilio secret: an account SID (`AC…`) or an API
/// key SID (`SK…`). A SID is an identifier, not a secret, but reports show it redacted, like
/// the AWS key id: with the secret it names the account.
pub const TWILIO_SID_NOTE: &str = "twilio_sid";
/// Length of a Twilio SID: two letters naming the kind, then 32 hex digits
/// (<https://www.twilio.com/docs/glossary/what-is-a-sid>).
pub const TWILIO_SID_LEN: usize = 34;

/// Whether `sid` is a Twilio account SID or API key SID: `AC` or `SK`, then exactly 32 hex
/// digits (the pattern `^AC[0-9a-fA-F]{32}$` of <https://www.twilio.com/docs/iam/api/account>,
/// `^SK[0-9a-fA-F]{32}$` of <https://www.twilio.com/docs/iam/api-keys/key-resource-v1>).
pub fn is_twilio_sid(sid: &[u8]) -> bool {
    sid.len() == TWILIO_SID_LEN
        && (sid.starts_with(b"AC") || sid.starts_with(b"SK"))
        && sid[2..].iter().all(u8::is_ascii_hexdigit)
}

/// Annotates every Twilio auth token or API key secret in `matches` with the SID nearest to it
/// within [`PAIR_LINES`] lines ([`TWILIO_SID_NOTE`]); a token in a basic-auth URL gets the
/// account SID written as the URL's user name.
pub fn pair_twilio_sids(bytes: &[u8], rules: &[Rule], matches: &mut [Match]) {
    for m in matches.iter_mut() {
        let id = rules[m.rule].id.0.as_str();
        if !TWILIO_SECRET_RULES.contains(&id) || m.annotations.contains_key(TWILIO_SID_NOTE) {
            continue;
        }
        let own = (id == TWILIO_URL_RULE && m.decoded.is_none())
            .then(|| url_user_sid(bytes, m.start))
            .flatten();
        if let Some(sid) = own.or_else(|| nearest_twilio_sid(bytes, m.start, m.end)) {
            m.annotations.insert(
                TWILIO_SID_NOTE.to_string(),
                Annotation::Secret(Secret::new(sid)),
            );
        }
    }
}

/// The SID written as the user name right before a basic-auth password at `start`
/// (`…AC<32 hex>:` then the password).
fn url_user_sid(bytes: &[u8], start: usize) -> Option<&[u8]> {
    let at = start.checked_sub(TWILIO_SID_LEN + 1)?;
    let sid = &bytes[at..at + TWILIO_SID_LEN];
    (bytes[start - 1] == b':' && sid.starts_with(b"AC") && is_twilio_sid(sid)).then_some(sid)
}

/// The Twilio SID (`AC…` or `SK…`, word-bounded) nearest to `bytes[start..end]` within
/// [`PAIR_LINES`] lines.
fn nearest_twilio_sid(bytes: &[u8], start: usize, end: usize) -> Option<&[u8]> {
    let (lo, hi) = pair_window(bytes, start, end);
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let mut best: Option<(usize, &[u8])> = None;
    for prefix in [&b"AC"[..], b"SK"] {
        for p in memchr::memmem::find_iter(&bytes[lo..hi], prefix) {
            let at = lo + p;
            let Some(sid) = bytes.get(at..at + TWILIO_SID_LEN) else {
                continue;
            };
            let bounded = (at == 0 || !word(&bytes[at - 1]))
                && bytes.get(at + TWILIO_SID_LEN).is_none_or(|b| !word(b));
            if !bounded || !is_twilio_sid(sid) || placeholder::is_placeholder(sid) {
                continue;
            }
            // The gap between the two: text between the SID's end and the secret, or between
            // the secret's end and the SID.
            let distance = if at + TWILIO_SID_LEN <= start {
                start - (at + TWILIO_SID_LEN)
            } else {
                at.saturating_sub(end)
            };
            if best.is_none_or(|(d, _)| distance < d) {
                best = Some((distance, sid));
            }
        }
    }
    best.map(|(_, sid)| sid)
}

/// The rules whose matches are Azure Storage account keys: in a connection string
/// (`…;AccountName=NAME;AccountKey=KEY;EndpointSuffix=…`), or assigned to a key-ish name.
pub const AZURE_STORAGE_RULES: &[&str] = &[
    "azure-storage-connection-string",
    "azure-storage-account-key",
];
/// The annotation naming the storage account a key belongs to (an identifier, not a secret;
/// Shared Key signs with it).
pub const AZURE_ACCOUNT_NOTE: &str = "azure_storage_account";
/// The endpoint suffix of a connection string that names none: Azure's public cloud
/// (<https://learn.microsoft.com/en-us/azure/storage/common/storage-configure-connection-string>).
pub const AZURE_DEFAULT_SUFFIX: &str = "core.windows.net";

/// Whether `name` is a storage account name: 3 to 24 lowercase letters and digits
/// (<https://learn.microsoft.com/en-us/azure/storage/common/storage-account-overview#storage-account-name>).
pub fn is_storage_account_name(name: &[u8]) -> bool {
    (3..=24).contains(&name.len())
        && name
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Annotates every Azure Storage account key in `matches` with its account
/// ([`AZURE_ACCOUNT_NOTE`]) and the blob service host that account's key may be checked at
/// ([`HOST_NOTE`]):
/// - in a connection string, its own `AccountName` with `EndpointSuffix` (default
///   [`AZURE_DEFAULT_SUFFIX`]) as `NAME.blob.SUFFIX`, or the host of its `BlobEndpoint` when it
///   names one (a custom domain, the emulator at `127.0.0.1:10000`: hosts the verifier refuses);
/// - otherwise, for either rule, the nearest account within [`PAIR_LINES`] lines: a blob, queue,
///   table, file or Data Lake host under a documented Azure storage suffix
///   (`NAME.blob.core.windows.net`), or an account name assigned to an account-ish key
///   (`AZURE_STORAGE_ACCOUNT=`, `storage_account_name:`, `AccountName=`).
pub fn annotate_azure_storage(bytes: &[u8], rules: &[Rule], matches: &mut [Match]) {
    for m in matches.iter_mut() {
        if !AZURE_STORAGE_RULES.contains(&rules[m.rule].id.0.as_str())
            || m.decoded.is_some()
            || m.annotations.contains_key(AZURE_ACCOUNT_NOTE)
        {
            continue;
        }
        let found = connection_string_account(bytes, m.start, m.end)
            .or_else(|| nearest_storage_account(bytes, m.start, m.end));
        if let Some((account, host)) = found {
            m.annotations
                .insert(AZURE_ACCOUNT_NOTE.to_string(), Annotation::Text(account));
            m.annotations
                .entry(HOST_NOTE.to_string())
                .or_insert(Annotation::Text(host));
        }
    }
}

/// Bytes that end a connection string written in code or configuration: quotes, blanks,
/// markup and escapes.
fn ends_connection_string(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`' | b'<' | b'>' | b'\\')
}

/// For a key that is the `AccountKey` value of a connection string, the string's account name
/// (lowercased) and blob host: `BlobEndpoint`'s host when given, else `NAME.blob.SUFFIX`.
fn connection_string_account(bytes: &[u8], start: usize, end: usize) -> Option<(String, String)> {
    let (lo, hi) = super::line_window(bytes, start, end);
    let from = bytes[lo..start]
        .iter()
        .rposition(|b| ends_connection_string(*b))
        .map_or(lo, |i| lo + i + 1);
    let to = bytes[end..hi]
        .iter()
        .position(|b| ends_connection_string(*b))
        .map_or(hi, |i| end + i);
    let own = bytes[from..start]
        .rsplit(|b| *b == b';')
        .next()
        .unwrap_or_default();
    if !own.eq_ignore_ascii_case(b"AccountKey=") {
        return None;
    }
    let (mut account, mut suffix, mut endpoint) = (None, None, None);
    for pair in bytes[from..to].split(|b| *b == b';') {
        let Some(eq) = pair.iter().position(|b| *b == b'=') else {
            continue;
        };
        let value = String::from_utf8_lossy(&pair[eq + 1..])
            .trim()
            .to_ascii_lowercase();
        match pair[..eq].trim_ascii().to_ascii_lowercase().as_slice() {
            b"accountname" => account = Some(value),
            b"endpointsuffix" => suffix = Some(value.trim_matches('.').to_string()),
            b"blobendpoint" => {
                let rest = value.split_once("://").map_or(value.as_str(), |(_, r)| r);
                let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
                endpoint = Some(authority.to_string());
            }
            _ => {}
        }
    }
    let account = account.filter(|a| is_storage_account_name(a.as_bytes()))?;
    let host = endpoint.filter(|e| !e.is_empty()).unwrap_or_else(|| {
        let suffix = suffix.as_deref().filter(|s| !s.is_empty());
        format!("{account}.blob.{}", suffix.unwrap_or(AZURE_DEFAULT_SUFFIX))
    });
    Some((account, host))
}

/// A storage service host under a documented Azure storage endpoint suffix: public cloud,
/// Azure operated by 21Vianet (China) and Azure Government
/// (<https://learn.microsoft.com/en-us/azure/storage/common/storage-powershell-independent-clouds>).
static STORAGE_HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i:\b([a-z0-9]{3,24})\.(?:blob|queue|table|file|dfs)\.(core\.windows\.net|core\.chinacloudapi\.cn|core\.usgovcloudapi\.net))\b",
    )
    .expect("storage host pattern")
});

/// An account name assigned to a key naming a storage account: `AccountName=acme`,
/// `AZURE_STORAGE_ACCOUNT=acme`, `storage_account_name: "acme"`.
static ACCOUNT_ASSIGNED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i:\bAccountName|storage[_-]?account(?:[_-]?name)?|account[_-]?name)["']?[ \t]{0,5}(?::=|=|:)[ \t]{0,5}["']?([a-z0-9]{3,24})\b"#,
    )
    .expect("account name pattern")
});

/// The storage account nearest to `bytes[start..end]` within [`PAIR_LINES`] lines, and its
/// blob host.
fn nearest_storage_account(bytes: &[u8], start: usize, end: usize) -> Option<(String, String)> {
    let (lo, hi) = pair_window(bytes, start, end);
    let window = &bytes[lo..hi];
    let mut best: Option<(usize, String, String)> = None;
    let mut consider = |at: usize, name: &[u8], suffix: &[u8]| {
        let name = name.to_ascii_lowercase();
        if !is_storage_account_name(&name) || placeholder::is_placeholder(&name) {
            return;
        }
        let distance = (lo + at).abs_diff(start);
        if best.as_ref().is_none_or(|(d, _, _)| distance < *d) {
            let name = String::from_utf8_lossy(&name).into_owned();
            let suffix = String::from_utf8_lossy(suffix).to_ascii_lowercase();
            best = Some((distance, name.clone(), format!("{name}.blob.{suffix}")));
        }
    };
    for c in STORAGE_HOST.captures_iter(window) {
        let at = c.get(1).map_or(0, |g| g.start());
        // `my-acme.blob…` is no account's host: account names have no `-`, `_` or `.`.
        if at > 0 && matches!(window[at - 1], b'-' | b'_' | b'.') {
            continue;
        }
        consider(at, &c[1], &c[2]);
    }
    for c in ACCOUNT_ASSIGNED.captures_iter(window) {
        consider(
            c.get(1).map_or(0, |g| g.start()),
            &c[1],
            AZURE_DEFAULT_SUFFIX.as_bytes(),
        );
    }
    best.map(|(_, name, host)| (name, host))
}

/// The span of [`PAIR_LINES`] whole lines above and below `bytes[start..end]` (each line
/// reaching at most [`MAX_LINE_REACH`] bytes), where a credential's other half is looked for.
fn pair_window(bytes: &[u8], start: usize, end: usize) -> (usize, usize) {
    let reach = MAX_LINE_REACH * (PAIR_LINES + 1);
    let lo_bound = start.saturating_sub(reach);
    let mut lo = start;
    for _ in 0..=PAIR_LINES {
        match memchr::memrchr(b'\n', &bytes[lo_bound..lo]) {
            Some(i) => lo = lo_bound + i,
            None => {
                lo = lo_bound;
                break;
            }
        }
    }
    let hi_bound = bytes.len().min(end.saturating_add(reach));
    let mut hi = end;
    for _ in 0..=PAIR_LINES {
        match memchr::memchr(b'\n', &bytes[hi..hi_bound]) {
            Some(i) if hi + i + 1 < hi_bound => hi = hi + i + 1,
            _ => {
                hi = hi_bound;
                break;
            }
        }
    }
    (lo, hi)
}

/// The access key id nearest to `bytes[start..end]` within [`PAIR_LINES`] lines.
fn nearest_key_id(bytes: &[u8], start: usize, end: usize) -> Option<&[u8]> {
    let (lo, hi) = pair_window(bytes, start, end);
    let window = &bytes[lo..hi];
    let mut best: Option<(usize, &[u8])> = None;
    for prefix in [&b"AKIA"[..], b"ASIA"] {
        for p in memchr::memmem::find_iter(window, prefix) {
            let at = lo + p;
            let Some(id) = bytes.get(at..at + 20) else {
                continue;
            };
            let before_ok = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
            let after_ok = bytes
                .get(at + 20)
                .is_none_or(|b| !b.is_ascii_alphanumeric());
            let shape_ok = id[4..]
                .iter()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(b));
            if !(before_ok && after_ok && shape_ok) || placeholder::is_placeholder(id) {
                continue;
            }
            let distance = at.abs_diff(start);
            if best.is_none_or(|(d, _)| distance < d) {
                best = Some((distance, id));
            }
        }
    }
    best.map(|(_, id)| id)
}

/// Annotates each match with the `nearby:` values its rule asks for: for each, the match of
/// the value's pattern nearest to the secret within [`PAIR_LINES`] lines above or below it
/// (its `value` group, outside the secret itself; a secret value not a placeholder). A `host` value is
/// lowercased and kept only if it is a bare host name; it fills [`crate::rules::HOST_NOTE`] only where the
/// rule's own `host` group found nothing. Matches found inside decoded text are skipped: their
/// surroundings are the encoded run, not lines a value could be written on.
pub fn pair_nearby(bytes: &[u8], rules: &[Rule], matches: &mut [Match]) {
    for m in matches.iter_mut() {
        let rule = &rules[m.rule];
        if rule.nearby.is_empty() || m.decoded.is_some() {
            continue;
        }
        for n in &rule.nearby {
            if m.annotations.contains_key(&n.name) {
                continue;
            }
            let Some(re) = n.regex() else { continue };
            // A host is taken as written, placeholder-looking or not: a look-alike such as
            // `acme.okta.com.evil.example` must be kept to be refused, not dropped as if no
            // host were written (which would leave the token to an endpoint override).
            let skip_placeholders = n.kind == NearbyKind::Secret;
            let Some(value) = nearest_value(bytes, m.start, m.end, re, skip_placeholders) else {
                continue;
            };
            let note = match n.kind {
                NearbyKind::Secret => Annotation::Secret(Secret::new(value)),
                NearbyKind::Host if is_host_name(value) => {
                    Annotation::Text(String::from_utf8_lossy(value).to_ascii_lowercase())
                }
                NearbyKind::Host => continue,
            };
            m.annotations.insert(n.name.clone(), note);
        }
    }
}

/// The `value` group of the match of `re` nearest to `bytes[start..end]` within
/// [`PAIR_LINES`] lines, not overlapping it (and not a placeholder, if `skip_placeholders`).
fn nearest_value<'b>(
    bytes: &'b [u8],
    start: usize,
    end: usize,
    re: &regex::bytes::Regex,
    skip_placeholders: bool,
) -> Option<&'b [u8]> {
    let (lo, hi) = pair_window(bytes, start, end);
    let mut best: Option<(usize, &[u8])> = None;
    for caps in re.captures_iter(&bytes[lo..hi]) {
        let Some(v) = caps.name("value") else {
            continue;
        };
        let (a, b) = (lo + v.start(), lo + v.end());
        if a == b
            || (a < end && b > start)
            || (skip_placeholders && placeholder::is_placeholder(v.as_bytes()))
        {
            continue;
        }
        let distance = if b <= start { start - b } else { a - end };
        if best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, v.as_bytes()));
        }
    }
    best.map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::{nearest_key_id, nearest_twilio_sid, npmrc_registry};

    #[test]
    fn temporary_keys_pair_with_their_session_token() {
        use crate::rules::RuleSet;
        use crate::scan::{Scanner, Scratch};
        let token = concat!(
            "FwoGZXIvYXdzEBYaDHqa0AP1MYxPQ2Rm9Z0dEhX2yQm7TzR2vXk9LpW4sB8nC3dF",
            "h6yP4sA0eU2iOq8Fz1LmP0xVb7RtY3sKe9WnAq8Fz1LmP0x"
        );
        let text = format!(
            "aws_access_key_id = {TEMP}\naws_secret_access_key = {SECRET}\naws_session_token = {token}\n"
        );
        let scanner = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
        let found = scanner.scan(text.as_bytes(), &mut Scratch::default());
        let secret = found
            .iter()
            .find(|m| scanner.rule(m).id.0 == super::AWS_SECRET_RULE)
            .expect("secret found");
        let note = secret
            .annotations
            .get(super::AWS_SESSION_NOTE)
            .expect("paired");
        assert_eq!(note.render(false), token);
        // A long-term key gets no token, even with one nearby.
        let long = text.replace(TEMP, ID1);
        let found = scanner.scan(long.as_bytes(), &mut Scratch::default());
        let secret = found
            .iter()
            .find(|m| scanner.rule(m).id.0 == super::AWS_SECRET_RULE)
            .expect("secret found");
        assert!(!secret.annotations.contains_key(super::AWS_SESSION_NOTE));
    }

    #[test]
    fn npmrc_lines_name_their_registry_and_key() {
        let reg = |s: &str| npmrc_registry(s.as_bytes());
        assert_eq!(
            reg("//registry.npmjs.org/:_authToken="),
            Some((Some("registry.npmjs.org".into()), "_authToken"))
        );
        assert_eq!(
            reg("//npm.acme.io:8443/repository/npm-private/:_auth = "),
            Some((Some("npm.acme.io".into()), "_auth"))
        );
        assert_eq!(
            reg("//npm.pkg.github.com/:_password="),
            Some((Some("npm.pkg.github.com".into()), "_password"))
        );
        assert_eq!(reg("_authToken = \""), Some((None, "_authToken")));
        assert_eq!(reg("NPM_TOKEN="), None);
    }

    // Built with concat! so that the project's self-scan does not report its own test data.
    const SECRET: &str = concat!("wJalrXUtnFEMIK7MDENG", "bPxRfiCYzQ8Vb3LmT0kA");
    const ID1: &str = concat!("AKIA", "2E3MXQ7ZP4KDNRVT");
    const ID2: &str = concat!("AKIA", "7TKXQ4MZP2RDNVWE");
    const TEMP: &str = concat!("ASIA", "5WQZ3MRTX2NLKB6Y");

    fn find(text: &str) -> Option<String> {
        let s = text.find(SECRET).unwrap();
        nearest_key_id(text.as_bytes(), s, s + SECRET.len())
            .map(|b| String::from_utf8(b.to_vec()).unwrap())
    }

    #[test]
    fn pairs_within_a_few_lines() {
        let creds = format!("[default]\nid = {ID1}\nkey = {SECRET}\n");
        assert_eq!(find(&creds).as_deref(), Some(ID1));
        let after = format!("key={SECRET}\n\n\nid={TEMP}\n");
        assert_eq!(find(&after).as_deref(), Some(TEMP));
    }

    #[test]
    fn nearest_wins_and_far_or_malformed_ids_do_not_pair() {
        let two = format!("a={ID1}\nb={ID2}\nkey={SECRET}\n");
        assert_eq!(find(&two).as_deref(), Some(ID2));
        let far = format!("id={ID1}\n\n\n\n\n\nkey={SECRET}\n");
        assert_eq!(find(&far), None);
        let bad = format!("id={}1\nid2=X{ID1}\nkey={SECRET}\n", &ID1[..19]);
        assert_eq!(find(&bad), None);
    }

    // Built at compile time from pieces, so that the self-scan does not report test data.
    const AC1: &str = concat!("AC", "7f3c9e2a41d08b56", "e1a4c7d92b30f865");
    const AC2: &str = concat!("AC", "0d4b8e61f2a93c75", "b84e1d06c39a72f1");
    const SK1: &str = concat!("SK", "b52e8d17c04f9a63", "d1e7a29c5b08f364");
    const TOKEN: &str = concat!("9c41e7b2d05a8f36", "e2b7d94c1a06f853");

    fn twilio(text: &str) -> Option<String> {
        let s = text.find(TOKEN).unwrap();
        nearest_twilio_sid(text.as_bytes(), s, s + TOKEN.len())
            .map(|b| String::from_utf8(b.to_vec()).unwrap())
    }

    #[test]
    fn twilio_secrets_pair_with_the_nearest_sid() {
        let before = format!("TWILIO_ACCOUNT_SID={AC1}\nTWILIO_AUTH_TOKEN={TOKEN}\n");
        assert_eq!(twilio(&before).as_deref(), Some(AC1));
        let after = format!("twilio_secret: {TOKEN}\n\n\ntwilio_key: {SK1}\n");
        assert_eq!(twilio(&after).as_deref(), Some(SK1));
        // The nearer of two, counted from the secret's ends.
        let two = format!("a={AC2}\nb={SK1}\nsecret={TOKEN}\n");
        assert_eq!(twilio(&two).as_deref(), Some(SK1));
        let around = format!("sid={AC1}\n\n\nsecret={TOKEN}\nkey={SK1}\n");
        assert_eq!(twilio(&around).as_deref(), Some(SK1));
    }

    #[test]
    fn twilio_sids_too_far_or_malformed_do_not_pair() {
        let far = format!("sid={AC1}\n\n\n\n\n\ntoken={TOKEN}\n");
        assert_eq!(twilio(&far), None);
        assert_eq!(twilio(&format!("token={TOKEN}\n")), None);
        let short = format!("sid={}\ntoken={TOKEN}\n", &AC1[..33]);
        assert_eq!(twilio(&short), None);
        let glued = format!("sid=X{AC1}\nsid2={AC2}0\nkey=SID_{SK1}\ntoken={TOKEN}\n");
        assert_eq!(twilio(&glued), None);
        let not_hex = format!("sid=AC{}\ntoken={TOKEN}\n", "g".repeat(32));
        assert_eq!(twilio(&not_hex), None);
        assert!(super::is_twilio_sid(AC1.as_bytes()));
        assert!(super::is_twilio_sid(SK1.to_uppercase().as_bytes()));
        assert!(!super::is_twilio_sid(format!("PN{}", &AC1[2..]).as_bytes()));
    }

    #[test]
    fn twilio_matches_are_annotated_and_a_url_pairs_with_its_own_sid() {
        use crate::rules::RuleSet;
        use crate::scan::{Scanner, Scratch};
        let scanner = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
        let sid_of = |text: &str, rule: &str| {
            let found = scanner.scan(text.as_bytes(), &mut Scratch::default());
            let m = found
                .iter()
                .find(|m| scanner.rule(m).id.0 == rule)
                .unwrap_or_else(|| panic!("{rule} not found in {text:?}"));
            m.annotations
                .get(super::TWILIO_SID_NOTE)
                .map(|a| (a.render(false), a.render(true)))
        };
        let env = format!("TWILIO_ACCOUNT_SID={AC1}\nTWILIO_AUTH_TOKEN={TOKEN}\n");
        let (raw, shown) = sid_of(&env, "twilio-auth-token").expect("paired");
        assert_eq!(raw, AC1);
        assert!(!shown.contains(&AC1[2..]), "shown unredacted: {shown}");
        // A key SID is nearer, but the URL names its own account SID.
        let url = format!(
            "TWILIO_API_KEY={SK1}\ncurl https://{AC2}:{TOKEN}@api.twilio.com/2010-04-01/Accounts.json\n"
        );
        assert_eq!(
            sid_of(&url, "twilio-basic-auth-url")
                .map(|(r, _)| r)
                .as_deref(),
            Some(AC2)
        );
        assert_eq!(
            sid_of(&format!("TWILIO_AUTH_TOKEN={TOKEN}\n"), "twilio-auth-token"),
            None
        );
    }

    /// A rule asking for a user name near its token, as a user's `.leakhound.yaml` would.
    fn nearby_scanner() -> crate::scan::Scanner {
        let mut set = crate::rules::RuleSet::default();
        set.load_file(
            "t.yml",
            "rules:\n  - id: acme-token\n    name: Acme token\n    keywords: [acme_]\n    \
             regex: '\\b(?P<secret>acme_[a-z0-9]{24})\\b'\n    nearby:\n      - name: acme_user\n        \
             regex: '(?i)user(?:name)?\\W{1,4}(?P<value>[a-z][a-z0-9_-]{2,30})'\n      - name: host\n        \
             kind: host\n        regex: 'https://(?P<value>[A-Za-z0-9.-]+)'\n",
        )
        .unwrap();
        crate::scan::Scanner::new(set).unwrap()
    }

    fn notes(scanner: &crate::scan::Scanner, text: &str) -> Vec<(String, String)> {
        let found = scanner.scan(text.as_bytes(), &mut crate::scan::Scratch::default());
        assert_eq!(found.len(), 1, "{text}");
        found[0]
            .annotations
            .iter()
            .map(|(k, v)| (k.clone(), v.render(false)))
            .collect()
    }

    const ACME: &str = "acme_q7x2m9k4v8b1n6c3z5w0r7t2";

    #[test]
    fn nearby_values_pair_with_the_nearest_within_four_lines() {
        let s = nearby_scanner();
        let user = |n: &[(String, String)]| {
            n.iter()
                .find(|(k, _)| k == "acme_user")
                .map(|(_, v)| v.clone())
        };
        // Above, below, the nearest of two, and on the token's own line.
        let text = format!("username: ada\n\n\ntoken: {ACME}\n");
        assert_eq!(user(&notes(&s, &text)).as_deref(), Some("ada"));
        let text = format!("token: {ACME}\nuser = grace\n");
        assert_eq!(user(&notes(&s, &text)).as_deref(), Some("grace"));
        let text = format!("user: far\n\n\ntoken: {ACME}\nuser: near\n");
        assert_eq!(user(&notes(&s, &text)).as_deref(), Some("near"));
        let text = format!("login(user='ada', token='{ACME}')\n");
        assert_eq!(user(&notes(&s, &text)).as_deref(), Some("ada"));
        // Five lines away is too far; a placeholder is no value.
        let text = format!("user: ada\n\n\n\n\ntoken: {ACME}\n");
        assert_eq!(user(&notes(&s, &text)), None);
        let text = format!("user: your_username\ntoken: {ACME}\n");
        assert_eq!(user(&notes(&s, &text)), None);
    }

    #[test]
    fn nearby_values_are_redacted_and_hosts_checked() {
        let s = nearby_scanner();
        let text = format!("url: https://Tenant.AcmeCorp.io\nuser: ada\ntoken: {ACME}\n");
        let found = s.scan(text.as_bytes(), &mut crate::scan::Scratch::default());
        let a = &found[0].annotations;
        // A user name is shown redacted, like the secret; a host is a host, lowercased.
        assert!(matches!(
            a.get("acme_user"),
            Some(crate::secret::Annotation::Secret(_))
        ));
        assert_ne!(a.get("acme_user").unwrap().render(true), "ada");
        assert_eq!(
            a.get(crate::rules::HOST_NOTE)
                .map(|h| h.render(true))
                .as_deref(),
            Some("tenant.acmecorp.io")
        );
        // A capture that is not a bare host name (a user, a port, a path) is no host.
        let s2 = {
            let mut set = crate::rules::RuleSet::default();
            set.load_file(
                "t.yml",
                "rules:\n  - id: acme-token\n    name: Acme token\n    keywords: [acme_]\n    \
                 regex: '\\b(?P<secret>acme_[a-z0-9]{24})\\b'\n    nearby:\n      - name: host\n        \
                 kind: host\n        regex: 'url: (?P<value>\\S+)'\n",
            )
            .unwrap();
            crate::scan::Scanner::new(set).unwrap()
        };
        let text = format!("url: user@evil.example:8443/x\ntoken: {ACME}\n");
        assert!(notes(&s2, &text)
            .iter()
            .all(|(k, _)| k != crate::rules::HOST_NOTE));
    }

    #[test]
    fn nearby_entries_are_checked_at_load() {
        let load = |nearby: &str| {
            let mut set = crate::rules::RuleSet::default();
            set.load_file(
                "t.yml",
                &format!(
                    "rules:\n  - id: acme-token\n    name: Acme token\n    keywords: [acme_]\n    \
                     regex: '(?P<secret>acme_[a-z0-9]{{24}})'\n    nearby:\n{nearby}"
                ),
            )
            .map_err(|e| e.to_string())
        };
        for (nearby, want) in [
            ("      - {name: User, regex: '(?P<value>x)'}\n", "lowercase letters"),
            ("      - {name: user, regex: 'x'}\n", "group named `value`"),
            ("      - {name: user, regex: '(?P<value>x'}\n", "invalid regex"),
            (
                "      - {name: user, regex: '(?P<value>x)(?P<secret>y)'}\n",
                "`secret` group",
            ),
            ("      - {name: host, regex: '(?P<value>x)'}\n", "`kind: host`"),
            ("      - {name: twilio_sid, regex: '(?P<value>x)'}\n", "scanner writes"),
            (
                "      - {name: user, regex: '(?P<value>x)'}\n      - {name: user, regex: '(?P<value>y)'}\n",
                "named twice",
            ),
            ("      - {name: user, regex: '(?P<value>x)', kind: url}\n", "unknown variant `url`"),
        ] {
            let e = load(nearby).expect_err(nearby);
            assert!(e.contains(want), "{nearby}: {e}");
            assert!(e.contains("t.yml"), "{e}");
        }
        load("      - {name: user, regex: '(?P<value>x)'}\n").expect("a valid entry loads");
    }
}
