//! Plausibility of a value found only by the name it is assigned to (the generic rules). Such a
//! value has no format to verify, so the judgement rests on two pieces of evidence, each of which
//! can turn a candidate down with a reason that `leakhound explain` prints:
//!
//! **The name.** The identifier is split into words on `_`, `-`, `.`, `$`, spaces and camelCase
//! (`APP_SECRET_VALUE`, `tokenA`, `clientSecretKey`, `x-api-key`). It must hold a secret word
//! ([`SECRET_WORDS`], or a word ending in one: `dbpassword`; or a `<kind> key` pair such as
//! `api key`, `signing key`), and then:
//! - no word anywhere that says the value is derived or public: `hashed_secret`,
//!   `password_sha256`, `public_key`, `token_digest` ([`NEGATE_ANYWHERE`]);
//! - no word *after* the secret word that makes it the head of another noun: `token_url`,
//!   `secret_name`, `password_file`, `secretKeyRef`, `token_ttl` ([`NEGATE_AFTER`]). A word before
//!   it does not: `file_password` and `url_token` are credentials.
//!
//! **The value.** Rejected when it is:
//! - a vendor token whose format carries a checksum (`ghp_…`, `npm_…`): its own rule judged it;
//! - a well-known digest (of empty input), which fixtures assign to `token` as a stand-in;
//! - a file path, a reference to another name (`settings.SECRET_KEY`, `$DB_PASSWORD`,
//!   `%API_KEY%`, `process.env.TOKEN`), or a bracketed placeholder (`[PASSWORD]`);
//! - a word or identifier: no digit or punctuation (`getDefaultTokenProvider`), single-case
//!   snake or kebab case (`SOME_LONG_CONSTANT_NAME2`, `current-password`);
//! - prose: words separated by spaces (`Enter your password`, a header line `Accept-Version: 3`).
//!
//! Hex is judged by its name, not by its length: 22- or 64-digit hex under `client_secret` is a
//! credential, and 40-digit hex under `hashed_secret` is not. UUIDs under secret names are
//! credentials too (Heroku's and many other services' API keys are UUIDs).

/// Prefixes of formats with an offline checksum, judged by their own rules.
const CHECKSUMMED: &[&[u8]] = &[
    b"ghp_",
    b"gho_",
    b"ghu_",
    b"ghs_",
    b"ghr_",
    b"github_pat_",
    b"npm_",
    b"cflt",
];

/// Words that name a credential. A word also counts when it ends in one of these (`dbpassword`,
/// `clientsecret`, `apitoken`), or is one with a plural `s`.
pub const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "apikey",
    "secretkey",
    "accesskey",
    "privatekey",
    "authkey",
    "signingkey",
    "encryptionkey",
    "masterkey",
];

/// Short secret words: they count only as a whole word (`pass` but not `passport` or
/// `bypass`; `auth` but not `author`).
const SHORT_SECRET_WORDS: &[&str] = &["pass", "pwd", "pw", "auth", "creds", "authtoken"];

/// Words that make `key` a credential when they come right before it (`api_key`, `SigningKey`).
const KEY_KINDS: &[&str] = &[
    "api",
    "access",
    "private",
    "secret",
    "auth",
    "signing",
    "encryption",
    "master",
    "client",
    "app",
    "account",
    "session",
    "license",
    "service",
    "mac",
    "hmac",
];

/// Words that, anywhere in the name, say the value is not the credential itself.
pub const NEGATE_ANYWHERE: &[&str] = &[
    "public",
    "pub",
    "hash",
    "hashed",
    "hashes",
    "digest",
    "checksum",
    "sha",
    "sha1",
    "sha256",
    "sha512",
    "md5",
    "fingerprint",
    "integrity",
    "salt",
    "masked",
];

/// Words that, after the secret word, make the name about something else: `token_url`,
/// `secret_name`, `password_file`, `secretKeyRef`, `token_type`, `password_min_length`.
pub const NEGATE_AFTER: &[&str] = &[
    "id",
    "ids",
    "name",
    "names",
    "path",
    "paths",
    "file",
    "files",
    "filename",
    "dir",
    "url",
    "urls",
    "uri",
    "endpoint",
    "host",
    "type",
    "types",
    "kind",
    "length",
    "len",
    "size",
    "count",
    "min",
    "max",
    "pattern",
    "regex",
    "prefix",
    "suffix",
    "format",
    "field",
    "fields",
    "label",
    "description",
    "desc",
    "env",
    "var",
    "ttl",
    "expiry",
    "expires",
    "expiration",
    "expire",
    "lifetime",
    "timeout",
    "version",
    "policy",
    "mode",
    "provider",
    "ref",
    "index",
    "idx",
    "method",
    "scheme",
    "algorithm",
    "alg",
    "enabled",
    "required",
    "hint",
    "msg",
    "message",
    "error",
    "text",
    "title",
    "placeholder",
    "input",
    "param",
    "parameter",
    "column",
    "attr",
    "attribute",
    "prompt",
    "reset",
    "rotation",
    "store",
    "location",
    "source",
    "class",
    "validator",
    "arn",
    "scope",
    "scopes",
    "present",
    "magic",
    "enc",
    "encrypted",
    "response",
    "exists",
    "missing",
    "invalid",
    "expired",
    "revoked",
    "count",
    "validation",
    "strength",
    "template",
    "question",
];

/// Words that, right before the secret word, make it something other than a credential:
/// pagination and idempotency tokens (`NextToken`, `ClientRequestToken`, `CreationToken`), counts
/// of language-model tokens (`input_tokens`, `max_tokens`), CSRF tokens and parser tokens.
pub const NEGATE_BEFORE: &[&str] = &[
    "next",
    "page",
    "pagination",
    "continuation",
    "creation",
    "request",
    "update",
    "cancel",
    "cancellation",
    "idempotency",
    "sync",
    "csrf",
    "xsrf",
    "lexer",
    "parser",
    "input",
    "output",
    "total",
    "max",
    "min",
    "num",
    "prompt",
    "completion",
    "reasoning",
    "cached",
    "reset",
    "verification",
    "confirmation",
    "unsubscribe",
    "invite",
    "invitation",
];

/// Longest value the generic rules consider.
const MAX_VALUE: usize = 5000;

/// Why a generic candidate is not reported, for `explain`.
pub type Reason = &'static str;

/// Whether a candidate found only by its name is plausible as a credential: `Err` says which
/// piece of evidence turned it down.
///
/// # Errors
/// The reason the candidate is not a credential.
pub fn judge(value: &[u8], name: Option<&[u8]>) -> Result<(), Reason> {
    if let Some(name) = name {
        let words = split_words(name);
        // Vault AppRole's `secret_id` is a credential, a UUID; elsewhere `*_id` is an identifier.
        let approle = matches!(words.as_slice(), [.., s, id] if s == "secret" && id == "id")
            && is_uuid(value);
        if !approle {
            judge_words(&words)?;
        }
    }
    judge_value(value)
}

fn is_uuid(v: &[u8]) -> bool {
    v.len() == 36
        && v.iter().enumerate().all(|(i, b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        })
}

/// The name's half of [`judge`].
///
/// # Errors
/// Why the name does not name a credential.
pub fn judge_name(name: &[u8]) -> Result<(), Reason> {
    judge_words(&split_words(name))
}

/// [`judge_name`] on a name already split into words.
fn judge_words(words: &[String]) -> Result<(), Reason> {
    let Some(at) = words.iter().position(|w| is_secret_word(w)).or_else(|| {
        words
            .windows(2)
            .position(|p| {
                p[1] == "key"
                    && (KEY_KINDS.contains(&p[0].as_str())
                        || (p[0].len() > 3 && p[0].ends_with("api")))
            })
            .map(|i| i + 1)
    }) else {
        return Err("the secret word is inside the identifier but not a word of its own");
    };
    if at > 0 && NEGATE_BEFORE.contains(&words[at - 1].as_str()) {
        return Err("the word before the secret word makes it something else (a page, request or count token)");
    }
    if words
        .iter()
        .any(|w| NEGATE_ANYWHERE.contains(&w.as_str()) || (w.ends_with("hash") && w.len() > 4))
    {
        return Err("the name says the value is a hash, digest or public value");
    }
    // `secret_key` and `api_key_id`: `key` after the secret word is part of it, not a head noun,
    // unless yet another word follows.
    let after = &words[at + 1..];
    let after = match after.split_first() {
        Some((k, rest)) if k == "key" || k == "keys" => rest,
        _ => after,
    };
    if after.iter().any(|w| NEGATE_AFTER.contains(&w.as_str())) {
        return Err(
            "a word after the secret word names something else (a name, path, URL, type, length…)",
        );
    }
    Ok(())
}

fn is_secret_word(w: &str) -> bool {
    let w = w.trim_end_matches(|c: char| c.is_ascii_digit());
    let singular = w.strip_suffix('s').unwrap_or(w);
    SHORT_SECRET_WORDS.contains(&w)
        || SHORT_SECRET_WORDS.contains(&singular)
        || SECRET_WORDS
            .iter()
            .any(|s| w.ends_with(s) || singular.ends_with(s))
}

/// Lower-cased words of an identifier: split on anything but letters and digits, and on
/// camelCase (`clientSecretKey` → client, secret, key; `APIKey` → api, key; `tokenA` → token, a).
pub fn split_words(name: &[u8]) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let n = name.len();
    for i in 0..n {
        let b = name[i];
        if !b.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if !cur.is_empty() && b.is_ascii_uppercase() {
            let prev = name[i - 1];
            let next_lower = name.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                words.push(std::mem::take(&mut cur));
            }
        }
        cur.push(char::from(b.to_ascii_lowercase()));
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// The value's half of [`judge`].
///
/// # Errors
/// Why the value is not a credential.
pub fn judge_value(value: &[u8]) -> Result<(), Reason> {
    // The generic patterns leave lengths open (counted repetitions make their automata large
    // and slow); a value this long is a data blob, not a credential.
    if value.len() > MAX_VALUE {
        return Err("longer than 5,000 characters: a data blob");
    }
    if CHECKSUMMED.iter().any(|p| value.starts_with(p)) {
        return Err("a checksummed vendor token: its own rule judges it");
    }
    if WELL_KNOWN_DIGESTS
        .iter()
        .any(|d| value.eq_ignore_ascii_case(d.as_bytes()))
    {
        return Err("the digest of empty input, a common stand-in value");
    }
    if is_path(value) {
        return Err("a file path");
    }
    if value.starts_with(b"http://") || value.starts_with(b"https://") {
        return Err("a URL (passwords in URLs have their own rule)");
    }
    if value.windows(3).any(|w| w == b"eyJ") {
        return Err("a JWT or part of one: the jwt rule judges it");
    }
    if is_aws_key_id(value) {
        return Err("an access key ID: an identifier, reported with its secret by the AWS rules");
    }
    if !is_hex_or_uuid(value) && is_keyboard_mash(value) {
        return Err("letters from one keyboard row (`asdfjkl`): typed filler");
    }
    if value.len() < 40
        && SELF_NAMING.iter().any(|w| {
            value
                .windows(w.len())
                .any(|x| x.eq_ignore_ascii_case(w.as_bytes()))
        })
    {
        return Err("the value holds a secret word itself (`mysupersecretkey1`, `token-tmpl-1`)");
    }
    if is_human_password(value) {
        return Err("a word-based password (a word in leetspeak, a secret word, or a sequence)");
    }
    if value.contains(&b'&') && value.contains(&b'=') {
        return Err("a form-encoded or query string");
    }
    if is_type_expression(value) {
        return Err("a type or an indexing expression (`Optional[int]`)");
    }
    if is_reference(value) {
        return Err("a reference to another variable or setting");
    }
    if value.first() == Some(&b'[') && value.last() == Some(&b']') {
        return Err("a bracketed placeholder");
    }
    if is_prose(value) {
        return Err("words separated by spaces (prose, code or a command line, not a credential)");
    }
    if HASH_PREFIXES
        .iter()
        .any(|p| value.len() > p.len() && value[..p.len()].eq_ignore_ascii_case(p.as_bytes()))
    {
        return Err(
            "a password hash (crypt, bcrypt, PBKDF2, Argon2, LDAP): derived, not the password",
        );
    }
    if is_regex(value) {
        return Err("a regular expression");
    }
    if value
        .iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b' ' | b'.' | b':' | b'/' | b'+'))
    {
        return Err("digits and separators only: a number, date or phone, not a token");
    }
    if let Some(text) = decoded_text(value) {
        if judge_value(&text).is_err()
            || crate::scan::entropy::shannon(&text) < crate::scan::entropy::floor(3.5, &text)
        {
            return Err("base64 of text that is not a credential itself");
        }
    }
    if is_uuid_fragment(value) {
        return Err("a fragment of a UUID");
    }
    if is_hex_or_uuid(value) {
        return Ok(());
    }
    let has_digit = value.iter().any(u8::is_ascii_digit);
    let has_punct = value
        .iter()
        .any(|b| !b.is_ascii_alphanumeric() && *b != b'_');
    if !has_digit && !has_punct {
        return Err("letters only: a word or an identifier");
    }
    let single_case = value.iter().all(|b| !b.is_ascii_lowercase())
        || value.iter().all(|b| !b.is_ascii_uppercase());
    let snake = value
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        && value.contains(&b'_');
    let kebab = !has_digit
        && value
            .iter()
            .all(|b| b.is_ascii_alphabetic() || *b == b'_' || *b == b'-');
    if single_case && (snake || kebab || is_word_list(value)) {
        return Err("an identifier in snake or kebab case");
    }
    if !has_digit
        && value.iter().all(|b| {
            b.is_ascii_alphabetic() || matches!(b, b'_' | b'-' | b'.' | b':' | b'/' | b'+')
        })
    {
        return Err("letters and separators only: a name such as `aws:PrincipalType`");
    }
    if !has_digit && value.iter().filter(|b| !b.is_ascii_alphanumeric()).count() <= 1 {
        return Err("letters with one symbol and no digit: a word (`StrongPassword!`)");
    }
    Ok(())
}

/// Words joined by `-`, `_` or `.`, each a word of letters or a short tag (`remarks-x509`,
/// `dns-token`, `tls-v1_2`): a name, whatever digits its tags hold.
fn is_word_list(v: &[u8]) -> bool {
    let parts: Vec<&[u8]> = v.split(|b| matches!(b, b'-' | b'_' | b'.')).collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            p.len() <= 4 && p.iter().all(u8::is_ascii_alphanumeric)
                || p.iter().all(u8::is_ascii_alphabetic)
        })
        && parts
            .iter()
            .any(|p| p.len() >= 4 && p.iter().all(u8::is_ascii_alphabetic))
}

/// Prefixes of password-hash encodings: crypt(3) (`$1$`, `$5$`, `$6$`, `$2b$`, `$y$`), Django
/// (`pbkdf2_sha256$`, `argon2$`, `bcrypt$`, `md5$`), RFC 2307 LDAP (`{SSHA}`), Werkzeug.
const HASH_PREFIXES: &[&str] = &[
    "$1$",
    "$2a$",
    "$2b$",
    "$2y$",
    "$5$",
    "$6$",
    "$y$",
    "$7$",
    "$argon2",
    "$pbkdf2",
    "$scrypt",
    "pbkdf2_",
    "pbkdf2:",
    "argon2$",
    "bcrypt$",
    "bcrypt_sha256$",
    "md5$",
    "sha1$",
    "scrypt$",
    "scrypt:",
    "{SSHA}",
    "{SHA}",
    "{SSHA256}",
    "{SSHA512}",
    "{CRYPT}",
    "{MD5}",
    "{SMD5}",
];

/// `Optional[int]`, `Dict[str, Any]`, `settings["TOKEN"]`: a name followed by brackets.
fn is_type_expression(v: &[u8]) -> bool {
    let Some(open) = v.iter().position(|b| *b == b'[') else {
        return false;
    };
    open > 0
        && v.last() == Some(&b']')
        && v[..open]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.'))
        && v[0].is_ascii_alphabetic()
}

/// A regular expression: character classes, counted repetitions or groups.
fn is_regex(v: &[u8]) -> bool {
    const SIGNS: &[&[u8]] = &[
        b"[a-z", b"[A-Z", b"[0-9", b"[^", b"(?:", b"(?P<", b"]{", b"]+", b"]*", b".*", b".+",
    ];
    SIGNS
        .iter()
        .filter(|s| v.windows(s.len()).any(|w| w == **s))
        .count()
        >= 1
        && (v.contains(&b'[') || v.contains(&b'('))
}

/// The text `v` encodes, when `v` is standard base64 of printable ASCII (`dXNlcm5hbWU6cGFzc3dvcmQ=`
/// is `username:password`). Random key bytes decode to binary, so they are left alone; a
/// base64-encoded password (a Kubernetes Secret's data) is then judged as the password.
fn decoded_text(v: &[u8]) -> Option<Vec<u8>> {
    if !v.len().is_multiple_of(4) || v.len() < 8 {
        return None;
    }
    let bytes = super::base64::decode(v, super::base64::Alphabet::Standard)?;
    (bytes.len() >= 4 && bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' ')).then_some(bytes)
}

/// Words that a short value holding them names itself by (`67session-key`, `awssessiontoken`):
/// a made-up stand-in, not a credential. Long values may hold them by chance.
const SELF_NAMING: &[&str] = &[
    "secret", "passwd", "token", "apikey", "api_key", "session", "private", "string", "base64",
];

/// Words that human-chosen test passwords are built from, compared after undoing leetspeak
/// (`P@ssw0rd`, `S3cret!`, `NewP@ssword456`).
const PASSWORD_WORDS: &[&str] = &[
    "password",
    "passwort",
    "passw",
    "secret",
    "sekret",
    "temporary",
    "welcome",
    "admin",
    "qwerty",
    "letmein",
    "changeit",
    "default",
    "test",
    "hello",
    "login",
    "trustno",
    "dragon",
    "monkey",
    "sunshine",
    "superman",
    "iloveyou",
];

/// A value of fewer than 40 characters built from a dictionary word (`SuperS3cret!`, `MySekretPa$$word`, `pa33w0rd`), holding
/// a run of five consecutive characters (`A!1a12345678`) or a repeated syllable (`lalala`).
/// A word matches where the value has its letters, or their leetspeak stand-ins (`@` for `a`),
/// for at most a third of them (half, for words of six letters or more).
fn is_human_password(v: &[u8]) -> bool {
    // Longer values are not typed by people, and hold such patterns by chance.
    if v.len() >= 40 {
        return false;
    }
    if crate::scan::placeholder::has_sequence(v, 5, 5) || has_repeat(v) {
        return true;
    }
    PASSWORD_WORDS.iter().any(|w| {
        let w = w.as_bytes();
        let allowed = if w.len() >= 6 {
            w.len() / 2
        } else {
            w.len() / 3
        };
        v.windows(w.len()).any(|x| {
            let mut stand_ins = 0;
            x.iter().zip(w).all(|(c, l)| {
                if c.eq_ignore_ascii_case(l) {
                    true
                } else if leet(*l).contains(c) {
                    stand_ins += 1;
                    true
                } else {
                    false
                }
            }) && stand_ins <= allowed
        })
    })
}

/// The digits and symbols that stand for a letter in leetspeak.
fn leet(letter: u8) -> &'static [u8] {
    match letter {
        b'a' => b"@4",
        b'b' => b"8",
        b'e' => b"3",
        b'g' => b"9",
        b'i' => b"1!|",
        b'l' => b"1|",
        b'o' => b"0",
        b's' => b"$5",
        b't' => b"7+",
        _ => b"",
    }
}

/// A two-letter syllable three times in a row (`lalala`), or three characters twice (`abcabc`).
fn has_repeat(v: &[u8]) -> bool {
    let lower = v.to_ascii_lowercase();
    lower
        .windows(6)
        .any(|w| (w[0..2] == w[2..4] && w[2..4] == w[4..6] && w[0] != w[1]) || w[0..3] == w[3..6])
}

/// Seven letters or more, at least 85% of them from one row of the keyboard (`askfjh234as9sd8`,
/// `lsdajfh923874`). A random value of seven letters does so with a probability under 1%.
fn is_keyboard_mash(v: &[u8]) -> bool {
    let letters: Vec<u8> = v
        .iter()
        .filter(|b| b.is_ascii_alphabetic())
        .map(u8::to_ascii_lowercase)
        .collect();
    letters.len() >= 7
        && [&b"asdfghjkl"[..], b"qwertyuiop", b"zxcvbnm"]
            .iter()
            .any(|row| {
                letters.iter().filter(|b| row.contains(b)).count() * 20 >= letters.len() * 17
            })
}

/// An AWS access key ID: one of AWS's unique-id prefixes (or `?KIA`, a mistyped `AKIA`) then
/// sixteen characters of base32, nothing else.
fn is_aws_key_id(v: &[u8]) -> bool {
    const PREFIXES: &[&[u8]] = &[
        b"ABIA", b"ACCA", b"AGPA", b"AIDA", b"AIPA", b"AKIA", b"ANPA", b"ANVA", b"APKA", b"AROA",
        b"ASCA", b"ASIA",
    ];
    v.len() == 20
        && (PREFIXES.contains(&&v[..4]) || &v[1..4] == b"KIA")
        && v[4..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(b))
}

/// MD5, SHA-1 and SHA-256 of empty input: assigned to `token`/`secret` in test suites as an
/// obviously-not-a-secret value.
const WELL_KNOWN_DIGESTS: &[&str] = &[
    "d41d8cd98f00b204e9800998ecf8427e",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
];

fn is_hex_or_uuid(v: &[u8]) -> bool {
    v.iter().all(|b| b.is_ascii_hexdigit() || *b == b'-') && v.iter().any(u8::is_ascii_digit)
}

/// `a9f4-f152e97ad808`: hex with dashes in a UUID's places, but not a whole UUID.
fn is_uuid_fragment(v: &[u8]) -> bool {
    v.contains(&b'-') && v.iter().all(|b| b.is_ascii_hexdigit() || *b == b'-') && !is_uuid(v)
}

/// A relative path (`./`, `../`, `~/`), or any path in lower case (`/dir1/etc/passwd`,
/// `nested/config.yaml`): random base64 that holds a `/` is mixed case.
fn is_path(v: &[u8]) -> bool {
    if [&b"~/"[..], b"./", b"../"].iter().any(|p| v.starts_with(p)) {
        return true;
    }
    v.contains(&b'/')
        && v.iter().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-' | b'/')
        })
}

/// `settings.SECRET_KEY`, `config.auth.token` (names joined by dots, no digit), `$DB_PASSWORD`,
/// `%API_KEY%`, `process.env.TOKEN`, `os.environ["TOKEN"]`.
fn is_reference(v: &[u8]) -> bool {
    let ident = |s: &[u8]| {
        !s.is_empty()
            && s.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
            && !s[0].is_ascii_digit()
    };
    if let Some(rest) = v.strip_prefix(b"$").or_else(|| v.strip_prefix(b"@")) {
        if ident(rest) {
            return true;
        }
    }
    if v.len() > 2 && v[0] == b'%' && v[v.len() - 1] == b'%' && ident(&v[1..v.len() - 1]) {
        return true;
    }
    if [&b"process.env."[..], b"os.environ", b"ENV["]
        .iter()
        .any(|p| v.starts_with(p))
    {
        return true;
    }
    v.contains(&b'.')
        && v.split(|b| *b == b'.')
            .all(|seg| !seg.is_empty() && seg.iter().all(|b| b.is_ascii_alphabetic() || *b == b'_'))
}

/// Space-separated parts of which one is a word of three letters or more, an operator (`=`,
/// `=>`), a `key=value` pair, or an option or path (`-u`, `/bin/bash`): a sentence, a label, a command line, a passphrase of dictionary
/// words. A random password with spaces (`kX9 #m2$ pQ!z`) has none.
fn is_prose(v: &[u8]) -> bool {
    let mut parts = v
        .split(|b| b.is_ascii_whitespace())
        .filter(|p| !p.is_empty())
        .peekable();
    let first = parts.next();
    if parts.peek().is_none() {
        return false;
    }
    first.into_iter().chain(parts).any(|p| {
        let start = p
            .iter()
            .position(u8::is_ascii_alphanumeric)
            .unwrap_or(p.len());
        let end = p
            .iter()
            .rposition(u8::is_ascii_alphanumeric)
            .map_or(start, |i| i + 1);
        let core = &p[start..end.max(start)];
        let key_value = p
            .iter()
            .position(|b| *b == b'=')
            .is_some_and(|i| i >= 3 && p[..i].iter().all(u8::is_ascii_alphabetic));
        let operator = p.len() <= 3 && p.iter().all(|b| b"=:<>-!+*/|&".contains(b));
        // A label such as an HTTP header's name: `Travis-API-Version: 3`, `Content-Type: x`.
        let label = p.len() >= 4
            && p.ends_with(b":")
            && p[0].is_ascii_alphabetic()
            && p[..p.len() - 1]
                .iter()
                .all(|b| b.is_ascii_alphabetic() || matches!(b, b'-' | b'_'));
        (core.len() >= 3 && core.iter().all(u8::is_ascii_alphabetic))
            || key_value
            || label
            || operator
            || p.starts_with(b"-")
            || p.starts_with(b"/")
    })
}

#[cfg(test)]
mod tests {
    use super::{judge, judge_name, judge_value, split_words};

    #[test]
    fn splits_identifiers_into_words() {
        assert_eq!(split_words(b"APP_SECRET_VALUE"), ["app", "secret", "value"]);
        assert_eq!(split_words(b"clientSecretKey"), ["client", "secret", "key"]);
        assert_eq!(split_words(b"APIKey"), ["api", "key"]);
        assert_eq!(split_words(b"tokenA"), ["token", "a"]);
        assert_eq!(split_words(b"x-api-key"), ["x", "api", "key"]);
        assert_eq!(
            split_words(b"config.auth.token2"),
            ["config", "auth", "token2"]
        );
    }

    #[test]
    fn names_that_hold_a_secret_word() {
        for n in [
            &b"SECRET_KEY"[..],
            b"secret_key",
            b"APP_SECRET_VALUE",
            b"secret_string",
            b"tokenA",
            b"db_password",
            b"dbpassword",
            b"x-api-key",
            b"X-Api-Key",
            b"Api-Token",
            b"clientSecret",
            b"AWS_SECRET_ACCESS_KEY",
            b"signingKey",
            b"hereapi_key",
            b"file_password",
            b"auth",
            b"DB_PASS",
            b"totp_secret",
            b"api_key_value",
        ] {
            assert_eq!(judge_name(n), Ok(()), "{}", String::from_utf8_lossy(n));
        }
    }

    #[test]
    fn names_that_do_not() {
        for n in [
            &b"hashed_secret"[..],
            b"password_hash",
            b"passwordHash",
            b"secret_sha256",
            b"public_key",
            b"token_url",
            b"secret_name",
            b"password_file",
            b"secretKeyRef",
            b"token_type",
            b"password_min_length",
            b"api_key_id",
            b"author",
            b"passport",
            b"bypass",
            b"tokenizer",
            b"token_digest",
            b"integrity",
        ] {
            assert!(judge_name(n).is_err(), "{}", String::from_utf8_lossy(n));
        }
    }

    #[test]
    fn rejects_non_credentials() {
        for v in [
            &b"ghp_q8Fz1LmP0xVb7RtY3sKe9WnAq8Fz1LmP0xVb"[..],
            b"npm_q8Fz1LmP0xVb7RtY3sKe9WnAq8Fz1LmP0xVb",
            b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            b"getDefaultTokenProviderChain",
            b"SOME_LONG_CONSTANT_NAME_2",
            b"some_long_identifier_name_v2",
            b"~/.aws/credentials",
            b"./config/secrets.v2.yml",
            b"../keys/id_ed25519",
            b"/dir1/etc/passwd",
            b"nested/deep/config.yaml",
            b"settings.SECRET_KEY",
            b"$DB_PASSWORD",
            b"%API_KEY%",
            b"process.env.API_TOKEN",
            b"[PASSWORD]",
            b"c2VjcmV0LXZhbHVlLWhlcmUtMTIz",
            b"dXNlcm5hbWU6cGFzc3dvcmQ=",
            b"SuperS3cret!x",
            b"NewP@ssword456",
            b"A!1a12345678",
            b"67session-key",
            b"$$.Task.Token",
            b"Optional[int]",
            b"a06b-c462cffae87a",
            b"eyJhbGciOiJIUzI1NiJ9.e30.sig",
            b"pbkdf2_sha256$10000$abc$def",
            b"$6$rounds=5000$salt$hash",
            b"([a-z0-9]{64})",
            b"https://acme.io/oauth2/token",
            b"password=bar&username=foo",
            b"StrongPassword!",
            b"p@$$w0rd!x",
            b"askfjh234as9sd8",
            b"lalala123boink",
            // Built from parts so that the project's self-scan does not see a key ID.
            concat!("AKIA", "Z7Q3R2M4N5P6T4V6").as_bytes(),
            b"VKIAZ7Q3R2M4N5P6T4V6",
            b"kS3ExporterSecretTag = CBS_ASN1_CONSTRUCTED",
            b"badz.eyJhdWQiOlsianNvbnQ",
            b"AWS4-HMAC-SHA256 Credential=a/20240107/s3, Signature=sig",
            b"base64string",
            b"remarks-x509",
            b"current-password",
            b"Enter your password here",
            b"Your API key, from the dashboard",
            b"Travis-API-Version: 3",
        ] {
            assert!(judge_value(v).is_err(), "{}", String::from_utf8_lossy(v));
        }
    }

    #[test]
    fn accepts_random_values() {
        for v in [
            &b"q8Fz1LmP0xVb7RtY3sKe9WnA"[..],
            b"Zk3!pW9#rT5uYx2Lq",
            b"q2V9cmX0LZhb8VlLW1lcm7UtTIzK+w==",
            b"aB3_dE5_fG7_hI9_jK1",
            b"6fb1cff7690db9ac066cadbbde8e3c07",
            b"6fb1cff7690db9ac066cad",
            b"9c2a5e1f0b7d4e3a8f6c1b2d9e0a7f4c3b8d1e6a5f2c9b0d7e4a1f8c3b6d5e2a",
            b"0f8e4c1d-2b3a-4c5d-8e9f-a0b1c2d3e4f5",
            b"/Zk3pW9rT5uYx2Lq/8Hn",
            b"k3jd8slq-0xw4zr7",
            b"Zk3$pW9rT5;uYx2(Lq)",
            b"kX9 #m2$ pQ!z 7Hc",
            b"QZRT5H2W2OTKMZWZNYEP",
        ] {
            assert_eq!(judge_value(v), Ok(()), "{}", String::from_utf8_lossy(v));
        }
    }

    #[test]
    fn hex_is_judged_by_its_name() {
        let sha1 = b"6c67613d09067ea7091e019a0a91c73f9948720b";
        assert_eq!(judge(sha1, Some(b"CLIENT_SECRET")), Ok(()));
        assert!(judge(sha1, Some(b"hashed_secret")).is_err());
    }
}
