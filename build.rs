//! Embeds every rule file into the binary: generates `$OUT_DIR/builtin_rules.rs`, a list of
//! `(file name, contents)` pairs built from `include_str!`, so the shipped rule set is exactly
//! what the tests check and no rule file has to be found at run time. The declarative
//! verifiers in `verifiers/*.yml` are embedded the same way, into
//! `$OUT_DIR/builtin_verifiers.rs`.
//!
//! The order is the load order: `rules/*.yml` (one file per provider, and `fragments.yml`) by
//! name, then `rules/generic/*.yml` by name, named `generic/<file>`. When two rules of equal
//! confidence report the same secret, the one loaded first names the finding, so a provider's
//! rule wins over a generic one (a `.netrc` password that is a Heroku key is reported as the
//! Heroku key).

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// The `.yml`/`.yaml` files directly in `dir`, sorted by name.
fn rule_files(dir: &Path) -> Vec<PathBuf> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("rules and verifiers directories are readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    files
}

fn main() {
    let manifest =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dir = manifest.join("rules");
    let mut out = String::from("/// Built-in rule files in load order: (file name, YAML text).\npub static BUILTIN_RULE_FILES: &[(&str, &str)] = &[\n");
    for (prefix, files) in [
        ("", rule_files(&dir)),
        ("generic/", rule_files(&dir.join("generic"))),
    ] {
        for f in &files {
            println!("cargo:rerun-if-changed={}", f.display());
            let name = f.file_name().expect("file has a name").to_string_lossy();
            writeln!(
                out,
                "    ({:?}, include_str!({:?})),",
                format!("{prefix}{name}"),
                f.display().to_string()
            )
            .expect("write to String");
        }
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out_dir.join("builtin_rules.rs"), out).expect("OUT_DIR is writable");

    let mut out = String::from(
        "/// Built-in declarative verifiers by file name: (file name, YAML text).\npub static BUILTIN_VERIFIER_FILES: &[(&str, &str)] = &[\n",
    );
    for f in rule_files(&manifest.join("verifiers")) {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().expect("file has a name").to_string_lossy();
        writeln!(
            out,
            "    ({:?}, include_str!({:?})),",
            format!("verifiers/{name}"),
            f.display().to_string()
        )
        .expect("write to String");
    }
    out.push_str("];\n");
    fs::write(out_dir.join("builtin_verifiers.rs"), out).expect("OUT_DIR is writable");
}
