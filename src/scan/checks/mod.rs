//! Offline validity checks: structure a token format carries that a regex cannot express.
//! A candidate failing its rule's check is not a finding.

mod crc32;

use crate::rules::Check;

/// Whether `secret` passes `check`.
pub fn passes(check: Check, secret: &[u8]) -> bool {
    match check {
        Check::GithubCrc32 | Check::NpmCrc32 => crc32::base62_checksum_ok(secret),
    }
}
