//! `.leakhoundignore`, `.gitleaksignore` and baseline parsing on arbitrary text.
#![no_main]

use std::path::Path;

use leakhound::triage::{baseline, ignore_file};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = ignore_file::parse_leakhound(Path::new(".leakhoundignore"), text);
    let _ = ignore_file::parse_gitleaks(Path::new(".gitleaksignore"), text);
    let _ = baseline::parse(text);
});
