//! The layering of `docs/ARCHITECTURE.md`, checked on the source: stages only look down.
//!
//! Reads `src/` (inside the repository) and collects, per top-level module, the other modules
//! its code names as `crate::MODULE` (comments and `#[cfg(test)]` modules left out). Then it
//! checks that the module graph has no cycle, that the edges the architecture forbids are
//! absent, and that `main.rs` only dispatches.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Top-level module → modules it uses.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
        let module = rel
            .trim_end_matches(".rs")
            .split('/')
            .next()
            .unwrap()
            .to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let deps = g.entry(module.clone()).or_default();
        for line in code.lines() {
            let line = line.split("//").next().unwrap();
            for (i, _) in line.match_indices("crate::") {
                let name: String = line[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    deps.insert(name);
                }
            }
        }
    }
    g
}

#[test]
fn modules_form_no_cycle() {
    let g = graph();
    // Depth-first search for a back edge, naming the cycle when there is one.
    fn visit(
        g: &BTreeMap<String, BTreeSet<String>>,
        m: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if let Some(i) = path.iter().position(|p| p == m) {
            panic!("import cycle: {} -> {m}", path[i..].join(" -> "));
        }
        if !done.insert(m.to_string()) {
            return;
        }
        path.push(m.to_string());
        for d in g.get(m).into_iter().flatten() {
            visit(g, d, path, done);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for m in g.keys() {
        visit(&g, m, &mut Vec::new(), &mut BTreeSet::new());
        done.insert(m.clone());
    }
    assert!(g.len() > 15, "too few modules found: {g:?}");
}

#[test]
fn stages_only_look_down() {
    let g = graph();
    // (module, modules above it in the stages that it must not use)
    let forbidden: &[(&str, &[&str])] = &[
        (
            "source",
            &[
                "scan", "finding", "triage", "pipeline", "live", "report", "run",
            ],
        ),
        (
            "scan",
            &[
                "source",
                "finding",
                "triage",
                "pipeline",
                "providers",
                "live",
                "report",
                "run",
            ],
        ),
        (
            "finding",
            &["triage", "pipeline", "providers", "live", "report", "run"],
        ),
        (
            "triage",
            &["pipeline", "providers", "live", "report", "run"],
        ),
        ("pipeline", &["providers", "live", "report", "run"]),
        (
            "providers",
            &["pipeline", "triage", "live", "report", "run"],
        ),
        ("live", &["pipeline", "report", "run"]),
        ("report", &["providers", "pipeline", "live", "run"]),
    ];
    let mut wrong = Vec::new();
    for (m, above) in forbidden {
        let deps = g.get(*m).unwrap_or_else(|| panic!("no module {m}"));
        for a in *above {
            if deps.contains(*a) {
                wrong.push(format!("{m} uses {a}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:?}");
}

#[test]
fn main_only_dispatches() {
    let main =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/main.rs")).unwrap();
    let lines = main.lines().count();
    assert!(lines <= 120, "main.rs has {lines} lines");
    for line in main.lines().filter(|l| l.starts_with("use leakhound::")) {
        assert!(
            ["cli", "printable", "run"]
                .iter()
                .any(|m| line.starts_with(&format!("use leakhound::{m}"))),
            "main.rs reaches past the entry points: {line}"
        );
    }
}
