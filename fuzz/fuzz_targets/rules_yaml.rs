//! Rule files, config files and gitleaks imports on arbitrary text: errors, never panics.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(rules) = leakhound::rules::load::parse_rules("fuzz.yml", text) {
        for rule in &rules {
            let _ = rule.regex();
        }
    }
    let _ = leakhound::config::Config::parse(Path::new(".leakhound.yml"), text);
    let _ = leakhound::config::gitleaks::import_str(Path::new(".gitleaks.toml"), text);
});
