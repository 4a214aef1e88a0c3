//! What every scanning command sets up before reading a byte: the configuration, the rules
//! (built-in, configured, imported from gitleaks), triage (allowlists, ignore files, baseline,
//! the confidence floor) and the live-check options.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::Ui;
use crate::cli::{LiveArgs, OutputArgs};
use crate::config::discover::{Search, CONFIG_FILES, GITLEAKS_FILE};
use crate::config::{discover, gitleaks, Config};
use crate::live::LiveOptions;
use crate::printable;
use crate::providers::{self, http::Settings};
use crate::rules::RuleSet;
use crate::scan::Scanner;
use crate::source::git as gitsource;
use crate::triage::{Triage, IGNORE_FILES};

/// The configuration to use: `explicit` (`--config`/`LEAKHOUND_CONFIG`), else the nearest
/// `.leakhound.yaml`/`.leakhound.yml` found by `search` (see [`discover`]); `None` for the path
/// when there is none. Read through `control_file::read`: a symbolic link inside the repository
/// must stay inside it, the file must be regular and at most 16 MiB.
pub(crate) fn load_config(
    explicit: Option<&Path>,
    search: &Search,
) -> Result<(Config, Option<PathBuf>)> {
    if let Some(p) = explicit {
        return Ok((Config::load(p, search.root())?, Some(p.to_path_buf())));
    }
    match search.find(&CONFIG_FILES)? {
        Some(found) => Ok((Config::load(&found, search.root())?, Some(found))),
        None => Ok((Config::default(), None)),
    }
}

/// The configuration `explicit` names, else the one found from the current directory, and the
/// rules it configures ([`configured_rules`]): for the commands that read no tree (`report`,
/// `explain`).
pub(crate) fn config_here(explicit: Option<&Path>) -> Result<(Config, RuleSet)> {
    let search = Search::new(Path::new("."))?;
    let (config, config_path) = load_config(explicit, &search)?;
    let (rules, verifiers) = configured_rules(&config, named(config_path.as_deref()))?;
    providers::install_user_verifiers(verifiers);
    Ok((config, rules))
}

/// The name a configuration is read under: its path, else the file `leakhound init` writes
/// (for messages about the built-in configuration).
fn named(config_path: Option<&Path>) -> &Path {
    config_path.unwrap_or(Path::new(crate::config::DEFAULT_FILE))
}

/// The user's verifiers a configuration defines (`verifiers:`), checked but not yet installed:
/// only the run's own configuration may install them ([`Setup::install_verifiers`]), never an
/// audited repository's, which could otherwise name where credentials are sent.
pub(crate) type UserVerifiers = Vec<&'static crate::providers::declarative::Declarative>;

/// The built-in rules with `config`'s rule settings (disable, override, extra) applied, and the
/// verifiers `config` defines (checked, not installed).
pub(crate) fn configured_rules(
    config: &Config,
    config_path: &Path,
) -> Result<(RuleSet, UserVerifiers)> {
    let mut rules = RuleSet::builtin().context("built-in rules are invalid (a leakhound bug)")?;
    unknown_providers(&rules, &[]).context("built-in rules are invalid (a leakhound bug)")?;
    config.apply_rules(&mut rules, config_path)?;
    // The user's verifiers, before the check: an extra rule may name one.
    let verifiers = config.user_verifiers(config_path)?;
    unknown_providers(&rules, &verifiers).with_context(|| format!("{}", config_path.display()))?;
    Ok((rules, verifiers))
}

/// Fails when a rule's `provider:` names no provider (built-in, installed, or one of `also`,
/// the configuration's own verifiers): a misspelt or imagined name would leave the rule's
/// findings unverified without a word (issue 17).
pub(crate) fn unknown_providers(
    rules: &RuleSet,
    also: &[&crate::providers::declarative::Declarative],
) -> Result<()> {
    use crate::providers::Provider as _;
    let unknown: Vec<String> = rules
        .rules()
        .iter()
        .filter_map(|r| {
            let p = r.provider.as_deref()?;
            (providers::by_name(p).is_none() && !also.iter().any(|v| v.info().name == p))
                .then(|| format!("rule {}: provider {p:?}", r.id.0))
        })
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    bail!(
        "{} rule(s) name a provider leakhound does not have (`leakhound providers` lists them; \
         leave `provider:` out of a rule nothing can verify): {}",
        unknown.len(),
        unknown.join(", ")
    )
}

/// Where a scan's suppressions (config, ignore files, inline allow comments) come from.
#[derive(Clone, Copy)]
pub(crate) enum Suppressions<'r> {
    /// The scanned tree: `scan`, history scans, and `--trust-config`.
    Tree,
    /// A base commit (`None`: before the first commit, so none): range and staged scans.
    Base(&'r git2::Repository, Option<git2::Oid>),
    /// A repository of an organisation audit: the configuration and ignore files at its
    /// default branch's head commit (the clone's `HEAD`), as a base commit's are read; the
    /// configuration found by the search (the cache directory's) when the commit has none.
    Head(&'r git2::Repository, git2::Oid),
}

/// A file's name as shown and its text.
type Text = (PathBuf, String);
/// A configuration and the name it was read under.
type Named = (Config, PathBuf);

/// The leakhound configuration at `commit` (`.leakhound.yaml` or `.yml`, named
/// `SHORT:NAME`), else the gitleaks one's text to import (unless `--gitleaks-config` names
/// one).
fn config_at(
    repo: &git2::Repository,
    commit: git2::Oid,
    out: &OutputArgs,
) -> Result<(Option<Named>, Option<Text>)> {
    let at = |name: &str| -> Result<Option<(PathBuf, String)>> {
        let text = gitsource::base::file_at(repo, commit, name).map_err(anyhow::Error::msg)?;
        Ok(text.map(|t| {
            let shown = format!("{}:{name}", gitsource::base::short(commit));
            (PathBuf::from(shown), t)
        }))
    };
    let found: Vec<(PathBuf, String)> = CONFIG_FILES
        .iter()
        .map(|n| at(n))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    match found.as_slice() {
        [] if out.gitleaks_config.is_none() => Ok((None, at(GITLEAKS_FILE)?)),
        [] => Ok((None, None)),
        [(name, text)] => Ok((Some((Config::parse(name, text)?, name.clone())), None)),
        [(a, _), (b, _), ..] => Err(discover::DiscoverError::Both {
            first: a.clone(),
            second: b.clone(),
        }
        .into()),
    }
}

/// The configuration `search` finds (or `--config`), else the gitleaks one to import.
type Found = ((Config, Option<PathBuf>), Option<Text>);

fn config_in_tree(out: &OutputArgs, search: &Search) -> Result<Found> {
    let (config, path) = load_config(out.config.as_deref(), search)?;
    let mut gitleaks_found = None;
    if path.is_none() && out.gitleaks_config.is_none() {
        if let Some(found) = search.find(&[GITLEAKS_FILE])? {
            let text = crate::control_file::read(&found, search.root(), "gitleaks config")?;
            gitleaks_found = Some((found, text));
        }
    }
    Ok(((config, path), gitleaks_found))
}

/// What [`setup`] made: the scanner, triage, and which configuration file applied (for the
/// summary).
pub(crate) struct Setup {
    pub scanner: Scanner,
    pub triage: Triage,
    /// The configuration file used, as shown (`./.leakhound.yaml`, `1a2b3c4:.leakhound.yaml`,
    /// `../.gitleaks.toml (gitleaks)`); `None`: built-in rules only.
    pub config: Option<String>,
    /// The configuration's own verifiers (`verifiers:`), for [`Setup::install_verifiers`].
    pub verifiers: UserVerifiers,
}

impl Setup {
    /// Makes this set-up's verifiers the run's: called once by a command for its own
    /// configuration, never for an audited repository's.
    pub(crate) fn install_verifiers(&self) {
        providers::install_user_verifiers(self.verifiers.clone());
    }
}

/// Everything a scan needs besides its input: rules (built-in, config, gitleaks import) and
/// triage (config allowlist, ignore files found by `search` or in the base commit, baseline,
/// the `--min-confidence` floor). `root` bounds the files named on the command line
/// (`--gitleaks-config`, `--baseline`). Warnings go to `ui`.
pub(crate) fn setup(
    out: &OutputArgs,
    search: &Search,
    root: &Path,
    from: Suppressions<'_>,
    ui: &mut dyn Ui,
) -> Result<Setup> {
    // The leakhound config, or else the gitleaks one to import (text and how to name it).
    let mut gitleaks_found: Option<(PathBuf, String)> = None;
    let (config, config_path) = match from {
        _ if out.no_config => (Config::default(), None),
        Suppressions::Base(repo, base) if out.config.is_none() => {
            let (found, gitleaks) = match base {
                Some(b) => config_at(repo, b, out)?,
                None => (None, None),
            };
            gitleaks_found = gitleaks;
            match found {
                Some((c, p)) => (c, Some(p)),
                None => (Config::default(), None),
            }
        }
        Suppressions::Head(repo, head) if out.config.is_none() => {
            match config_at(repo, head, out)? {
                (Some((c, p)), _) => (c, Some(p)),
                (None, Some(g)) => {
                    gitleaks_found = Some(g);
                    (Config::default(), None)
                }
                (None, None) => {
                    let (found, gitleaks) = config_in_tree(out, search)?;
                    gitleaks_found = gitleaks;
                    found
                }
            }
        }
        _ => {
            let (found, gitleaks) = config_in_tree(out, search)?;
            gitleaks_found = gitleaks;
            found
        }
    };
    let named = named(config_path.as_deref());
    let mut triage = Triage::from_config(&config, named)?;
    triage.set_min_confidence(out.min_confidence.into());
    let (mut rules, verifiers) = configured_rules(&config, named)?;
    let mut used = config_path.map(|p| p.display().to_string());
    let import = match (&out.gitleaks_config, &gitleaks_found) {
        (Some(g), _) => Some((
            gitleaks::import(g, root).map_err(anyhow::Error::msg)?,
            g.clone(),
        )),
        (None, Some((path, text))) => Some((
            gitleaks::import_str(path, text).map_err(anyhow::Error::msg)?,
            path.clone(),
        )),
        (None, None) => None,
    };
    if let Some((import, g)) = import {
        for w in &import.warnings {
            ui.say(&format!("leakhound: warning: {}", printable::escape(w)));
        }
        if !out.quiet {
            ui.say(&format!(
                "leakhound: imported {} rule(s) and {} allowlist(s) from {}",
                import.rules.len(),
                import.allowlists.len(),
                printable::escape(&g.display().to_string())
            ));
        }
        if out.gitleaks_config.is_none() {
            used = Some(format!("{} (gitleaks)", g.display()));
        }
        rules.extend(import.rules)?;
        triage.add_gitleaks_allowlists(import.allowlists);
    }
    let tree_ignores = |triage: &mut Triage| -> Result<()> {
        for name in IGNORE_FILES {
            if let Some(found) = search.find(&[name])? {
                triage.load_ignore_file(name, &found, search.root(), &found)?;
            }
        }
        Ok(())
    };
    let commit_ignores = |triage: &mut Triage, repo: &git2::Repository, b: git2::Oid| {
        for name in IGNORE_FILES {
            if let Some(text) =
                gitsource::base::file_at(repo, b, name).map_err(anyhow::Error::msg)?
            {
                let display = PathBuf::from(format!("{}:{name}", gitsource::base::short(b)));
                triage.add_ignore_text(name, &display, &text)?;
            }
        }
        Ok::<(), anyhow::Error>(())
    };
    match from {
        Suppressions::Tree => tree_ignores(&mut triage)?,
        Suppressions::Base(repo, base) => {
            triage.distrust_inline_allows();
            if let Some(b) = base {
                commit_ignores(&mut triage, repo, b)?;
            }
        }
        // The audit's own ignore files (the cache directory's), then the repository's.
        Suppressions::Head(repo, head) => {
            tree_ignores(&mut triage)?;
            commit_ignores(&mut triage, repo, head)?;
        }
    }
    if let Some(b) = &out.baseline {
        triage.load_baseline(b, root)?;
    }
    for w in &triage.warnings {
        ui.say(&format!("leakhound: warning: {}", printable::escape(w)));
    }
    Ok(Setup {
        scanner: Scanner::new(rules)?,
        triage,
        config: used,
        verifiers,
    })
}

/// Checks the live-check options before anything is scanned: endpoints, and that a revocation
/// can be confirmed.
pub(crate) fn live_options(
    args: &LiveArgs,
    reads_stdin: bool,
    ui: &mut dyn Ui,
) -> Result<Option<LiveOptions>> {
    if !args.any() && (args.only_verified || !args.results.is_empty()) {
        bail!("--only-verified and --results choose findings by verification status: add --verify");
    }
    if !args.any() && args.fail_on != crate::cli::FailOnArg::Any {
        bail!(
            "{} decides by verification status: add --verify (without it no finding is \
             verified, so none would fail the run)",
            crate::live::FailOn::from(args.fail_on).flag()
        );
    }
    if !args.any() {
        if args.dry_run || !args.provider_endpoint.is_empty() || args.audit_log.is_some() {
            bail!("--dry-run, --provider-endpoint and --audit-log apply only with --verify, --revoke or --revoke-hook");
        }
        return Ok(None);
    }
    let revoking = args.revoke || args.revoke_hook.is_some();
    if args.dry_run && !revoking {
        bail!("--dry-run applies to --revoke and --revoke-hook (verification only reads)");
    }
    if revoking && !args.dry_run && !args.yes {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        if ci || reads_stdin || !ui.can_ask() {
            bail!(
                "revocation asks before each credential, and this run cannot ask (no terminal{}): \
                 pass --yes to revoke without asking, or --dry-run to see what would be revoked",
                if ci { ", or CI is set" } else { "" }
            );
        }
    }
    let mut endpoints = std::collections::HashMap::new();
    for spec in &args.provider_endpoint {
        let Some((name, url)) = spec.split_once('=') else {
            bail!("--provider-endpoint {spec:?}: expected NAME=URL");
        };
        if providers::by_name(name).is_none() {
            bail!("--provider-endpoint {spec:?}: no provider named {name:?} (see `leakhound providers`)");
        }
        let (scheme, host) = providers::http::scheme_host(url)
            .map_err(|e| anyhow::anyhow!("--provider-endpoint {spec:?}: {e}"))?;
        match scheme.as_str() {
            "https" => {}
            "http" if providers::http::is_loopback(&host) => {}
            _ => bail!(
                "--provider-endpoint {spec:?}: only https URLs, or http to a loopback address"
            ),
        }
        ui.say(&format!("leakhound: note: {name} credentials go to {url} (--provider-endpoint), not to {name}'s public API"));
        endpoints.insert(name.to_string(), url.trim_end_matches('/').to_string());
    }
    let results = if args.only_verified {
        Some(vec![crate::live::Reported::Active])
    } else if args.results.is_empty() {
        None
    } else {
        Some(args.results.iter().map(|&r| r.into()).collect())
    };
    Ok(Some(LiveOptions {
        verify: true,
        results,
        fail_on: args.fail_on.into(),
        revoke: args.revoke,
        hook: args.revoke_hook.clone(),
        hook_all: args.hook_all,
        yes: args.yes,
        audit_log: args
            .audit_log
            .clone()
            .unwrap_or_else(crate::live::audit::default_path),
        hook_timeout: std::time::Duration::from_secs(args.hook_timeout.max(1)),
        settings: Settings {
            timeout: std::time::Duration::from_secs(args.verify_timeout.max(1)),
            dry_run: args.dry_run,
            endpoints,
            deadline: Some(
                std::time::Instant::now() + std::time::Duration::from_secs(args.live_deadline),
            ),
            ..Settings::default()
        },
    }))
}
