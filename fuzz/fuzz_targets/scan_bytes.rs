//! The scanner with every built-in rule on arbitrary bytes, checking the invariants reporters
//! rely on: spans inside the input, 1-based positions, context around the secret's start.
#![no_main]

use std::sync::OnceLock;

use leakhound::rules::RuleSet;
use leakhound::scan::{Scanner, Scratch};
use libfuzzer_sys::fuzz_target;

fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| {
        let rules = RuleSet::builtin().expect("built-in rules load");
        Scanner::new(rules).expect("built-in rules build")
    })
}

fuzz_target!(|data: &[u8]| {
    let scanner = scanner();
    let mut scratch = Scratch::default();
    let matches = scanner.scan(data, &mut scratch);
    let mut prev = 0;
    for m in &matches {
        assert!(m.start < m.end, "empty secret span {m:?}");
        assert!(m.end <= data.len(), "secret span past the input {m:?}");
        assert!(m.start >= prev, "matches not sorted by start {m:?}");
        prev = m.start;
        let (cs, ce) = m.context;
        assert!(cs <= ce && ce <= data.len(), "context out of bounds {m:?}");
        assert!(
            cs <= m.start && m.start <= ce,
            "context misses the secret {m:?}"
        );
        let newlines = data[..m.start].iter().filter(|&&b| b == b'\n').count();
        assert_eq!(m.line.get() as usize, newlines + 1, "line of {m:?}");
        assert!(m.column.get() >= 1);
        assert!(m.rule < scanner.rules().len());
    }
    // Same input, same answer: scratch state never leaks between blobs.
    assert_eq!(matches, scanner.scan(data, &mut scratch));
});
