//! The offline validators on arbitrary bytes.
#![no_main]

use leakhound::rules::Check;
use leakhound::scan::checks::passes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let a = passes(Check::GithubCrc32, data);
    let b = passes(Check::NpmCrc32, data);
    assert_eq!(a, b, "both checks use the same base62 CRC32 suffix");
    let _ = leakhound::scan::entropy::shannon(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = leakhound::finding::redact(s);
    }
});
