//! Offline validity checks: structure a token format carries that a regex cannot express.
//! A candidate failing its rule's check is not a finding.

pub mod base64;
pub mod crc32;
pub mod generic;
mod jwt;
mod pem;

use crate::rules::Check;
use crate::secret::Annotations;

/// Whether `secret` passes `check`; `Err` says why not, in words `explain` prints after
/// "the <check> check failed: ". `name` is the identifier the value was assigned to, for rules
/// that capture one (the generic rules). A check may also record what it learned about a
/// passing secret in `notes` (a JWT's past `exp` as `expired`).
///
/// # Errors
/// Why the secret fails the check.
pub fn judge(
    check: Check,
    secret: &[u8],
    name: Option<&[u8]>,
    notes: &mut Annotations,
) -> Result<(), &'static str> {
    let ok = |pass: bool, why: &'static str| if pass { Ok(()) } else { Err(why) };
    match check {
        Check::GithubCrc32 | Check::NpmCrc32 => ok(
            crc32::base62_checksum_ok(secret),
            "the CRC32 in the last six characters does not match the rest",
        ),
        Check::ConfluentCrc32 => ok(
            crc32::confluent_checksum_ok(secret),
            "the CRC32 in the last six characters does not match the rest",
        ),
        Check::Jwt => ok(
            jwt::judge(secret, notes),
            "not a signed JWT (header and payload must decode to JSON, alg must not be none)",
        ),
        Check::PemPrivateKey => ok(
            pem::valid(secret),
            "the body is not a complete key (truncated, elided or not base64 of one)",
        ),
        Check::DerPrivateKey => pem::headerless(secret),
        Check::GenericSecret => generic::judge(secret, name),
    }
}
