//! Live checks, the stage after triage and before reports, only when asked: verification of
//! findings with their providers, revocation, the user's revoke hook, and the audit log.
//! Provider clients ([`crate::providers`]) are a leaf below this stage: they know HTTP and
//! their provider, nothing of findings or runs.
//!
//! A secret found in several places is one credential: it is verified once, revoked at most
//! once, and the answer is attached to every finding that holds it. Verification runs a few
//! credentials at a time (each provider paced by the client); revocation runs one at a time,
//! after confirmation. Every attempt is appended to the audit log.

pub mod audit;
mod hook;
#[cfg(test)]
mod no_side_effects;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use crate::finding::{Finding, RevocationRecord, Status, Verification};
use crate::providers::http::{Client, Settings};
use crate::providers::{by_name, Api, Credential, Outcome, Provider, Revocation, Verdict};
use crate::rules::RuleSet;
use audit::{AuditLog, Entry};

/// Parallel verifications.
const WORKERS: usize = 8;

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Verify findings with their providers.
    pub verify: bool,
    /// Revoke findings verified active, through built-in providers.
    pub revoke: bool,
    /// Run this shell command once per credential verified active that no built-in provider
    /// revokes in this run.
    pub hook: Option<String>,
    /// Run the hook also for credentials not verified active (unverifiable, unknown, not
    /// checked); never for those verified inactive (`--hook-all`).
    pub hook_all: bool,
    /// Report only findings in these verification states (`--results`, `--only-verified`);
    /// `None` reports every finding.
    pub results: Option<Vec<Reported>>,
    /// Which reported findings fail the run (`--fail-on`).
    pub fail_on: FailOn,
    /// Confirm nothing (`--yes`).
    pub yes: bool,
    /// The audit log.
    pub audit_log: PathBuf,
    /// How long the revoke hook may run before it is killed.
    pub hook_timeout: Duration,
    /// Client settings (timeouts, endpoints, dry run, the run's deadline).
    pub settings: Settings,
}

/// A finding's verification state, as `--results` selects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    /// The provider accepted the credential.
    Active,
    /// The provider rejected it.
    Inactive,
    /// Checked, no answer either way.
    Unknown,
    /// Not checked (no verifier, or the run stopped first).
    Unverified,
}

impl Reported {
    /// The state of `f` after the live checks.
    pub fn of(f: &Finding) -> Self {
        match f.verification.as_ref().map(|v| v.status) {
            Some(Status::Active) => Reported::Active,
            Some(Status::Inactive) => Reported::Inactive,
            Some(Status::Unknown) => Reported::Unknown,
            None => Reported::Unverified,
        }
    }
}

/// Which reported findings make the exit status non-zero (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// Only findings verified active.
    Active,
    /// All but findings verified inactive.
    Unknown,
    /// Every reported finding.
    #[default]
    Any,
}

impl FailOn {
    /// Whether finding `f`, once reported, fails the run.
    pub fn fails(self, f: &Finding) -> bool {
        match self {
            FailOn::Any => true,
            FailOn::Unknown => Reported::of(f) != Reported::Inactive,
            FailOn::Active => Reported::of(f) == Reported::Active,
        }
    }

    /// The flag's spelling, for messages.
    pub fn flag(self) -> &'static str {
        match self {
            FailOn::Active => "--fail-on active",
            FailOn::Unknown => "--fail-on unknown",
            FailOn::Any => "--fail-on any",
        }
    }
}

/// Keeps only the findings whose verification state is in `results`; how many it dropped.
pub fn select(findings: &mut Vec<Finding>, results: &[Reported]) -> usize {
    let before = findings.len();
    findings.retain(|f| results.contains(&Reported::of(f)));
    before - findings.len()
}

/// What the stage did, for the summary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LiveSummary {
    /// Credentials verified, by status.
    pub verified: BTreeMap<&'static str, usize>,
    /// Findings without a built-in verifier.
    pub unverifiable: usize,
    /// Revocation attempts, by outcome.
    pub revocations: BTreeMap<&'static str, usize>,
    /// Lines for stderr (what was done, what would be done under `--dry-run`).
    pub lines: Vec<String>,
}

/// One verification to make, owned so that a detached worker can make it.
struct Job {
    group: usize,
    provider: &'static dyn Provider,
    rule: String,
    secret: String,
    annotations: BTreeMap<String, String>,
}

/// One credential: the findings that hold it and what is known of it.
struct Group {
    provider: Option<&'static dyn Provider>,
    secret: String,
    members: Vec<usize>,
    verdict: Option<Verdict>,
}

/// What the checks learnt about `f` (e.g. the AWS key id paired with a secret), unredacted:
/// providers need the values, and never print them.
fn raw_annotations(f: &Finding) -> BTreeMap<String, String> {
    f.annotations
        .iter()
        .map(|(k, v)| (k.clone(), v.render(false)))
        .collect()
}

/// Replaces every occurrence of `secret` in `text` by its redacted form.
fn scrub(text: Option<String>, secret: &str) -> Option<String> {
    text.map(|t| {
        if secret.len() >= 4 && t.contains(secret) {
            t.replace(secret, &crate::finding::redact(secret))
        } else {
            t
        }
    })
}

/// Runs verification (and revocation, and the hook) over `findings`, attaching the results.
/// `confirm` is asked before each revocation unless `--yes` or `--dry-run`; it gets a
/// one-line description with the secret redacted.
///
/// # Errors
/// A message when the audit log cannot be opened or written.
pub fn run(
    findings: &mut [Finding],
    rules: &RuleSet,
    opts: &LiveOptions,
    confirm: &mut dyn FnMut(&str) -> bool,
) -> Result<LiveSummary, String> {
    let log = AuditLog::open(&opts.audit_log)?;
    let client = Client::new(opts.settings.clone());
    let provider_of: HashMap<&str, &str> = rules
        .rules()
        .iter()
        .filter_map(|r| r.provider.as_deref().map(|p| (r.id.0.as_str(), p)))
        .collect();
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<(Option<&str>, Vec<u8>), usize> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        let provider = provider_of
            .get(f.rule_id.0.as_str())
            .and_then(|p| by_name(p));
        let key = (provider.map(|p| p.info().name), f.secret.expose().to_vec());
        let g = *index.entry(key).or_insert_with(|| {
            groups.push(Group {
                provider,
                secret: String::from_utf8_lossy(f.secret.expose()).into_owned(),
                members: Vec::new(),
                verdict: None,
            });
            groups.len() - 1
        });
        groups[g].members.push(i);
    }
    let mut summary = LiveSummary::default();
    let dry_run = opts.settings.dry_run;

    // Verification, a few credentials at a time, on detached threads: the run waits for their
    // answers in 50 ms steps and stops waiting on Ctrl-C/SIGTERM, so a request in flight (up to
    // --verify-timeout) cannot hold the interrupted run (issue 13). Answers not in by then are
    // left out, as for credentials not started.
    let client = std::sync::Arc::new(client);
    let jobs: Vec<Job> = groups
        .iter()
        .enumerate()
        .filter_map(|(g, group)| {
            let provider = group.provider?;
            // The finding that says most about the credential: a token found once beside the
            // user name or host its provider needs (a rule's `nearby:`) and once alone is
            // checked with them, whichever file came first.
            let best = group
                .members
                .iter()
                .map(|&i| &findings[i])
                .rev()
                .max_by_key(|f| f.annotations.len())
                .unwrap_or(&findings[group.members[0]]);
            Some(Job {
                group: g,
                provider,
                rule: best.rule_id.0.clone(),
                secret: group.secret.clone(),
                annotations: raw_annotations(best),
            })
        })
        .collect();
    let total = jobs.len();
    let jobs = std::sync::Arc::new(Mutex::new(jobs.into_iter()));
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Verdict, String)>();
    for _ in 0..WORKERS.min(total) {
        let (client, jobs, tx) = (
            std::sync::Arc::clone(&client),
            std::sync::Arc::clone(&jobs),
            tx.clone(),
        );
        std::thread::spawn(move || loop {
            // Past the deadline or on Ctrl-C, credentials not yet started stay unverified.
            if client.should_stop() {
                break;
            }
            let next = jobs
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .next();
            let Some(job) = next else { break };
            let cred = Credential {
                rule: &job.rule,
                secret: &job.secret,
                annotations: &job.annotations,
            };
            let p = job.provider;
            let mut v = p.verify(
                &Api::verifying(&client, p.info(), &job.secret).for_credential(&cred),
                &cred,
            );
            v.identity = scrub(v.identity, &job.secret);
            v.detail = scrub(v.detail, &job.secret);
            let at = crate::time::now();
            if tx.send((job.group, v, at)).is_err() {
                break;
            }
        });
    }
    drop(tx);
    let mut answers = Vec::new();
    while answers.len() < total {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(a) => answers.push(a),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) if crate::interrupt::requested() => {
                break
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let results = Mutex::new(answers);
    let mut results = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    results.sort_by_key(|(g, _, _)| *g);
    for (g, v, at) in results {
        let Some(p) = groups[g].provider else {
            continue;
        };
        *summary.verified.entry(v.status.as_str()).or_default() += 1;
        for &i in &groups[g].members {
            let f = &mut findings[i];
            log.record(&Entry {
                time: at.clone(),
                fingerprint: f.fingerprint.0.clone(),
                rule: f.rule_id.0.clone(),
                provider: p.info().name.to_string(),
                action: "verify",
                dry_run,
                http_status: v.http_status,
                outcome: v.status.as_str().to_string(),
                detail: v.detail.clone(),
                identity: v.identity.clone(),
            })?;
            f.verification = Some(Verification {
                provider: p.info().name.to_string(),
                status: v.status,
                identity: v.identity.clone(),
                detail: v.detail.clone(),
                checked_at: at.clone(),
            });
        }
        groups[g].verdict = Some(v);
    }
    summary.unverifiable = groups
        .iter()
        .filter(|g| g.provider.is_none())
        .map(|g| g.members.len())
        .sum();
    let unchecked = groups
        .iter()
        .filter(|g| g.provider.is_some() && g.verdict.is_none())
        .count();
    if unchecked > 0 {
        summary.lines.push(format!(
            "{unchecked} credential(s) not verified: {}",
            if crate::interrupt::requested() {
                "interrupted"
            } else {
                "the --live-deadline passed"
            }
        ));
    }

    if !opts.revoke && opts.hook.is_none() {
        return Ok(summary);
    }
    if dry_run {
        summary.lines.push(
            "dry run: calls that change something are withheld and listed; read-only lookups \
             (verification, and the listings a revocation reads first) are still sent, and \
             listed too"
                .into(),
        );
        // The verification calls just made, each with where the credential went.
        summary.lines.extend(
            client
                .take_calls()
                .into_iter()
                .map(|c| format!("dry run: {c}")),
        );
    }
    let mut not_active = 0;
    for g in &groups {
        if client.should_stop() {
            summary.lines.push(
                "revocation stopped: interrupted or past the --live-deadline; the rest were not attempted"
                    .into(),
            );
            break;
        }
        // Built-in revocation only under --revoke; the hook covers what it does not.
        let builtin = g.provider.filter(|p| opts.revoke && p.info().revoke);
        let status = g.verdict.as_ref().map(|v| v.status);
        let first = &findings[g.members[0]];
        let (by, action) = match (builtin, status, &opts.hook) {
            (Some(p), Some(Status::Active), _) => (p.info().name, "revoke"),
            (_, Some(Status::Active), Some(_)) => ("hook", "hook"),
            // Dead already: nothing to revoke, for the hook either.
            (_, Some(Status::Inactive), _) => continue,
            // Not verified active (nothing can verify it, no answer, or not checked): the hook
            // runs only when asked with --hook-all. A guess acting on an unverified match may
            // disable an unrelated account.
            (_, _, Some(_)) if opts.hook_all => ("hook", "hook"),
            (_, _, Some(_)) => {
                not_active += 1;
                continue;
            }
            // Live, revocation asked for, and nothing here can revoke it: said, not skipped in
            // silence, so the user knows it is still live and where to act.
            (None, Some(Status::Active), None) if opts.revoke => {
                let why = match g.provider {
                    Some(p) => {
                        format!("{} offers no revocation with the key itself", p.info().name)
                    }
                    None => "no provider revokes this kind of credential".to_string(),
                };
                summary.lines.push(format!(
                    "not revoked, still active: {} ({}) at {}:{}: {why}; revoke it at the \
                     provider, or give --revoke-hook",
                    first.secret.redacted(),
                    first.rule_id.0,
                    first.location.path,
                    first.location.line,
                ));
                continue;
            }
            _ => continue,
        };
        let what = format!(
            "{} ({}) at {}:{}{}{}",
            first.secret.redacted(),
            first.rule_id.0,
            first.location.path,
            first.location.line,
            match g.verdict.as_ref().and_then(|v| v.identity.as_deref()) {
                Some(who) => format!(", belonging to {who}"),
                None => String::new(),
            },
            if action == "hook" {
                ", through the revoke hook"
            } else {
                ""
            }
        );
        if !dry_run && !opts.yes && !confirm(&format!("revoke {what}")) {
            summary
                .lines
                .push(format!("skipped (not confirmed): {what}"));
            continue;
        }
        let r = if action == "hook" {
            run_hook(
                &client,
                opts.hook.as_deref().unwrap_or_default(),
                g,
                first,
                dry_run,
                opts.hook_timeout,
            )
        } else if let Some(p) = builtin {
            let ann = raw_annotations(first);
            let cred = Credential {
                rule: &first.rule_id.0,
                secret: &g.secret,
                annotations: &ann,
            };
            p.revoke(
                &Api::new(&client, p.info(), &g.secret).for_credential(&cred),
                &cred,
            )
        } else {
            continue;
        };
        // A built-in revocation the provider refused or failed (no permission to revoke, a 403,
        // no host to send it to) falls back to the revoke hook when there is one: both steps are
        // in the audit log, the finding keeps the last.
        let mut steps = vec![(by, action, r)];
        let fallback = match (&steps[0].2.outcome, &opts.hook) {
            (Outcome::Failed | Outcome::Refused, Some(cmd)) if action == "revoke" => Some(cmd),
            _ => None,
        };
        if let Some(cmd) = fallback {
            let (by, outcome) = (steps[0].0, steps[0].2.outcome.as_str());
            let why = format!("after {by}'s revocation {outcome}");
            if dry_run
                || opts.yes
                || confirm(&format!("revoke {what} through the revoke hook ({why})"))
            {
                let mut r = run_hook(&client, cmd, g, first, dry_run, opts.hook_timeout);
                r.detail = Some(match r.detail.take() {
                    Some(d) => format!("{why}: {d}"),
                    None => why,
                });
                steps.push(("hook", "hook", r));
            } else {
                summary.lines.push(format!(
                    "skipped (not confirmed): {what}, through the revoke hook"
                ));
            }
        }
        let last = steps.len() - 1;
        for (step, (by, action, r)) in steps.into_iter().enumerate() {
            let what = if step > 0 {
                format!("{what}, through the revoke hook")
            } else {
                what.clone()
            };
            let at = Attempt {
                by,
                action,
                r: &r,
                what: &what,
                last: step == last,
            };
            record_revocation(&mut summary, &log, findings, g, &at, dry_run, &client)?;
        }
    }
    if not_active > 0 {
        summary.lines.push(format!(
            "revoke hook not run for {not_active} credential(s) not verified active \
             (--hook-all runs it for them too)"
        ));
    }
    Ok(summary)
}

/// One revocation step of a credential: the built-in provider's, or the hook's.
struct Attempt<'a> {
    by: &'static str,
    action: &'static str,
    r: &'a Revocation,
    what: &'a str,
    /// The credential's last step: its outcome is the one counted and kept on the findings.
    last: bool,
}

/// Says and records one revocation step: the dry run's calls, a line, one audit entry per
/// finding of the credential, and the findings' revocation record.
fn record_revocation(
    summary: &mut LiveSummary,
    log: &AuditLog,
    findings: &mut [Finding],
    g: &Group,
    at: &Attempt<'_>,
    dry_run: bool,
    client: &Client,
) -> Result<(), String> {
    let r = at.r;
    let detail = scrub(r.detail.clone(), &g.secret);
    if dry_run {
        // This credential's lookups (sent) and revoking calls (withheld).
        summary.lines.extend(
            client
                .take_calls()
                .into_iter()
                .map(|c| format!("dry run: {}", scrub(Some(c), &g.secret).unwrap_or_default())),
        );
    }
    if at.last {
        *summary.revocations.entry(r.outcome.as_str()).or_default() += 1;
    }
    summary.lines.push(format!(
        "{}: {}{}",
        r.outcome.as_str(),
        at.what,
        detail
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default()
    ));
    let time = crate::time::now();
    for &i in &g.members {
        let f = &mut findings[i];
        log.record(&Entry {
            time: time.clone(),
            fingerprint: f.fingerprint.0.clone(),
            rule: f.rule_id.0.clone(),
            provider: at.by.to_string(),
            action: at.action,
            dry_run,
            http_status: r.http_status,
            outcome: r.outcome.as_str().to_string(),
            detail: detail.clone(),
            identity: None,
        })?;
        f.revocation = Some(RevocationRecord {
            by: at.by.to_string(),
            outcome: r.outcome,
            detail: detail.clone(),
            at: time.clone(),
        });
    }
    Ok(())
}

/// Runs the revoke hook `cmd` for credential group `g` (its first finding `first`), and when
/// the hook reports success for a credential its provider can verify, asks the provider again
/// ([`confirm_hook`]).
fn run_hook(
    client: &Client,
    cmd: &str,
    g: &Group,
    first: &Finding,
    dry_run: bool,
    timeout: Duration,
) -> Revocation {
    let r = hook::run(cmd, first, dry_run, timeout);
    match g.provider {
        Some(p) if r.outcome == Outcome::HookReportedSuccess => {
            confirm_hook(client, p, first, &g.secret, &r)
        }
        _ => r,
    }
}

/// After the hook exited 0 for a credential `p` can verify: asks `p` again, and says what it
/// saw. The outcome stays the hook's word (`hook-reported-success`, never `revoked`: leakhound
/// did not revoke it and cannot know what the hook did), with the provider's answer in the
/// detail; only a provider that still accepts the credential turns it into `failed`.
fn confirm_hook(
    client: &Client,
    p: &'static dyn Provider,
    f: &Finding,
    secret: &str,
    hook: &Revocation,
) -> Revocation {
    let ann = raw_annotations(f);
    let cred = Credential {
        rule: &f.rule_id.0,
        secret,
        annotations: &ann,
    };
    let v = p.verify(
        &Api::verifying(client, p.info(), secret).for_credential(&cred),
        &cred,
    );
    let (outcome, why) = match v.status {
        Status::Inactive => (
            Outcome::HookReportedSuccess,
            format!("hook exited 0; {} now rejects it", p.info().name),
        ),
        Status::Active => (
            Outcome::Failed,
            format!(
                "hook exited 0, but {} still accepts the credential",
                p.info().name
            ),
        ),
        Status::Unknown => (
            Outcome::HookReportedSuccess,
            format!(
                "hook exited 0; {} could not confirm it ({})",
                p.info().name,
                v.detail.as_deref().unwrap_or("no answer")
            ),
        ),
    };
    Revocation {
        outcome,
        detail: Some(why),
        http_status: v.http_status.or(hook.http_status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_redacts_the_secret() {
        let s = "ghp_R8cW2mJ5tLx9QvB3nZ7kD1fH6yP4sA0eU2iO";
        assert_eq!(
            scrub(Some(format!("bad token {s}!")), s).as_deref(),
            Some("bad token ghp_R8cW…!")
        );
        assert_eq!(scrub(None, s), None);
    }
}
