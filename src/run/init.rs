//! `leakhound init`: writes a commented starter `.leakhound.yaml`.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};

use super::{Ui, CLEAN};
use crate::cli::InitArgs;
use crate::config::discover::{shown, CONFIG_FILES};
use crate::config::Config;
use crate::printable;

/// The file `init` writes: every section, commented, each value empty so it changes nothing.
pub const STARTER: &str = include_str!("starter.yaml");

/// Runs `leakhound init`: `.leakhound.yaml` in `args.dir`, refused when a configuration file is
/// there already unless `--force`.
///
/// # Errors
/// An existing configuration without `--force`; a directory that cannot be written.
pub fn init(args: &InitArgs, ui: &mut dyn Ui) -> Result<u8> {
    let dir = &args.dir;
    let name = |n: &str| printable::escape(&dir.join(n).display().to_string()).into_owned();
    if !dir.is_dir() {
        bail!(
            "{}: not a directory",
            printable::escape(&dir.display().to_string())
        );
    }
    let target = dir.join(CONFIG_FILES[0]);
    for existing in CONFIG_FILES {
        let path = dir.join(existing);
        if std::fs::symlink_metadata(&path).is_ok() {
            if !args.force {
                bail!(
                    "{} exists already: not overwritten (--force replaces it)",
                    name(existing)
                );
            }
            // Two spellings side by side would be an error at the next scan.
            if path != target {
                std::fs::remove_file(&path)
                    .with_context(|| format!("{}: cannot remove", name(existing)))?;
            }
        }
    }
    // Checked before it is written: the starter must stay a valid configuration.
    Config::parse(Path::new(CONFIG_FILES[0]), STARTER)?;
    // Replace a link rather than write through it.
    if std::fs::symlink_metadata(&target).is_ok() {
        std::fs::remove_file(&target)
            .with_context(|| format!("{}: cannot remove", name(CONFIG_FILES[0])))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)
        .with_context(|| format!("{}: cannot create", name(CONFIG_FILES[0])))?;
    f.write_all(STARTER.as_bytes())
        .with_context(|| format!("{}: cannot write", name(CONFIG_FILES[0])))?;
    let abs = std::fs::canonicalize(&target).unwrap_or(target);
    ui.say(&format!(
        "leakhound: wrote {}; scans of this directory and below now use it",
        printable::escape(&shown(&abs).display().to_string())
    ));
    Ok(CLEAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starter_is_valid_and_changes_nothing() {
        let c = Config::parse(Path::new("starter"), STARTER).unwrap();
        assert!(c.rules.disable.is_empty() && c.allowlist.paths.is_empty());
        let mut set = crate::rules::RuleSet::builtin().unwrap();
        let before = set.rules().len();
        c.apply_rules(&mut set, Path::new("starter")).unwrap();
        assert_eq!(set.rules().len(), before);
    }
}
