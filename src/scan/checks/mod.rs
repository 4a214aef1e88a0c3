//! Offline validity checks: structure a token format carries that a regex cannot express.
//! A candidate failing its rule's check is not a finding.

pub mod base64;
pub mod crc32;
mod generic;
mod jwt;
mod pem;

use crate::finding::Annotations;
use crate::rules::Check;

/// Whether `secret` passes `check`. A check may also record what it learned about a passing
/// secret in `notes` (a JWT's past `exp` as `expired`).
pub fn passes(check: Check, secret: &[u8], notes: &mut Annotations) -> bool {
    match check {
        Check::GithubCrc32 | Check::NpmCrc32 => crc32::base62_checksum_ok(secret),
        Check::Jwt => jwt::judge(secret, notes),
        Check::PemPrivateKey => pem::valid(secret),
        Check::GenericSecret => generic::plausible(secret),
    }
}
