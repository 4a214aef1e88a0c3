//! The offline validators (checksums, JWT, PEM, generic plausibility) on arbitrary bytes.
#![no_main]

use leakhound::finding::Annotations;
use leakhound::rules::Check;
use leakhound::scan::checks::passes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut notes = Annotations::new();
    let a = passes(Check::GithubCrc32, data, &mut notes);
    let b = passes(Check::NpmCrc32, data, &mut notes);
    assert_eq!(a, b, "both checks use the same base62 CRC32 suffix");
    for check in [Check::Jwt, Check::PemPrivateKey, Check::GenericSecret] {
        let _ = passes(check, data, &mut notes);
    }
    let _ = leakhound::scan::entropy::shannon(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = leakhound::finding::redact(s);
    }
});
