//! `leakhound github` and `leakhound gitlab`: an organisation audit. Lists the repositories
//! through the forge's API ([`crate::source::forge`]), keeps this shard's, clones or fetches and
//! scans each one's whole history with `--parallel-repos` at a time, records each finished
//! repository in the state file ([`state`]) so that `--resume` continues an interrupted audit,
//! and writes one report of every repository's findings, each naming its repository.

mod state;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::setup::{live_options, setup, Setup, Suppressions};
use super::{finish, Finish, Recorder, Ui};
use crate::cli::{OrgArgs, OutputArgs};
use crate::config::discover::{Search, CONFIG_FILES, GITLEAKS_FILE};
use crate::finding::Finding;
use crate::interrupt;
use crate::output::ReportTarget;
use crate::pipeline::git::{GitMode, GitRequest};
use crate::pipeline::Outcome;
use crate::printable;
use crate::progress::Progress;
use crate::providers::Provider as _;
use crate::scan::Scanner;
pub use crate::source::forge::Forge;
use crate::source::forge::{Lister, Owner, Repo};
use crate::source::git::{self as gitsource, enumerate::Selection, GitOptions};
use crate::source::remote::{self, RemoteUrl, Synced};
use crate::source::{Skip, SkipReason};
use crate::summary::Summary;
use crate::triage::Triage;
use crate::triage::IGNORE_FILES;
use state::{Header, Record, StateFile, StoredFinding};

/// What one repository's clone and scan came to.
struct Done {
    repo: Repo,
    url: String,
    result: Result<Scanned, String>,
}

struct Scanned {
    outcome: Outcome,
    synced: Synced,
    fetch: Duration,
    scan: Duration,
}

/// What a repository's worker sends the main thread.
enum Msg {
    /// A message to show as it happens (a wait for another run's lock, a config warning).
    Say(String),
    /// A repository finished (or failed).
    Done(Box<Done>),
}

/// What every repository's worker shares.
struct Job<'a> {
    scanner: &'a Scanner,
    triage: &'a Triage,
    cache: &'a Path,
    opts: GitOptions,
    ssh: bool,
    out: &'a OutputArgs,
    /// The cache directory's configuration search (for what a repository does not have).
    search: &'a Search,
    /// Read each repository's own configuration and ignore files at its default branch
    /// (not with `--config` or `--no-config`, which apply to every repository).
    per_repo: bool,
}

/// The files at a repository's default branch that make it get its own set-up.
fn own_files(git: &git2::Repository, head: git2::Oid) -> Vec<&'static str> {
    CONFIG_FILES
        .iter()
        .copied()
        .chain([GITLEAKS_FILE])
        .chain(IGNORE_FILES.iter().copied())
        // An unreadable one (a link, too large) counts: set-up then says what is wrong.
        .filter(|n| !matches!(gitsource::base::file_at(git, head, n), Ok(None)))
        .collect()
}

impl Job<'_> {
    /// The repository's own rules and triage, when its default branch holds a configuration
    /// or ignore file, with a note saying which applied; warnings go to `tx`. A set-up that
    /// fails (a malformed file) leaves the audit's own in force, and the note says so.
    fn own_setup(
        &self,
        git: &git2::Repository,
        name: &str,
        tx: &mpsc::Sender<Msg>,
    ) -> (Option<Setup>, Option<String>) {
        if !self.per_repo {
            return (None, None);
        }
        let Some(head) = gitsource::base::head_commit(git) else {
            return (None, None);
        };
        let files = own_files(git, head);
        if files.is_empty() {
            return (None, None);
        }
        let mut rec = Recorder::default();
        let set = setup(
            self.out,
            self.search,
            self.cache,
            Suppressions::Head(git, head),
            &mut rec,
        );
        for line in rec.lines {
            let line = line
                .strip_prefix("leakhound: ")
                .unwrap_or(&line)
                .to_string();
            let _ = tx.send(Msg::Say(format!("{name}: {line}")));
        }
        let short = gitsource::base::short(head);
        let shown: Vec<String> = files.iter().map(|f| format!("{short}:{f}")).collect();
        match set {
            Ok(mut set) => {
                // The audit's verifiers stay the run's: a repository may not name where
                // credentials are sent (nor replace a verifier of the audit's by name).
                if !set.verifiers.is_empty() {
                    let names: Vec<&str> = set.verifiers.iter().map(|v| v.info().name).collect();
                    let _ = tx.send(Msg::Say(format!(
                        "{name}: warning: its configuration's verifiers ({}) are ignored: an audited repository cannot choose where credentials are sent",
                        names.join(", ")
                    )));
                    set.verifiers.clear();
                }
                let config = set
                    .config
                    .clone()
                    .unwrap_or_else(|| "built-in rules".into());
                let note = format!(
                    "its own files at the head of its default branch apply to its findings ({}); configuration: {config}",
                    shown.join(", ")
                );
                (Some(set), Some(note))
            }
            Err(e) => {
                let why = printable::escape(&format!("{e:#}")).into_owned();
                let _ = tx.send(Msg::Say(format!("{name}: warning: {why}")));
                (
                    None,
                    Some(format!(
                        "its own files at the head of its default branch ({}) could not be used ({why}); the audit's configuration applied",
                        shown.join(", ")
                    )),
                )
            }
        }
    }

    fn run(&self, repo: &Repo, tx: &mpsc::Sender<Msg>) -> (String, Result<Scanned, String>) {
        let raw = if self.ssh {
            repo.ssh_url.as_deref().unwrap_or(&repo.clone_url)
        } else {
            &repo.clone_url
        };
        let url = match RemoteUrl::parse(raw) {
            Ok(Some(u)) => u,
            Ok(None) => {
                return (
                    remote::scrub(raw),
                    Err("the API gave a clone URL that is not a URL".into()),
                )
            }
            Err(e) => return (remote::scrub(raw), Err(e.to_string())),
        };
        let shown = url.shown().to_string();
        let started = Instant::now();
        let name = &repo.full_name;
        let synced = remote::sync(&url, self.cache, &mut |lock: &Path| {
            let _ = tx.send(Msg::Say(format!(
                "{name}: waiting for another leakhound run using its cached clone (lock file {})",
                lock.display()
            )));
        });
        // `_lock`: held until the scan ends, so that no other run fetches into the clone.
        let (dir, synced, _lock) = match synced {
            Ok(x) => x,
            Err(e) => return (shown, Err(e.to_string())),
        };
        let fetch = started.elapsed();
        let started = Instant::now();
        let mut note = None;
        let result = gitsource::open(&dir)
            .and_then(|git| {
                let (own, said) = self.own_setup(&git, name, tx);
                note = said;
                let (scanner, triage) = match &own {
                    Some(set) => (&set.scanner, &set.triage),
                    None => (self.scanner, self.triage),
                };
                let req = GitRequest {
                    mode: GitMode::History(Selection::All),
                    opts: self.opts.clone(),
                    shard: None,
                };
                let progress = Progress::hidden();
                crate::pipeline::git::scan_git(scanner, triage, &git, &req, &progress)
            })
            .map_err(|e| e.to_string());
        let result = result.map(|mut outcome| {
            for f in &mut outcome.findings {
                f.repository = Some(shown.clone());
            }
            outcome.summary.notes.extend(note);
            Scanned {
                outcome,
                synced,
                fetch,
                scan: started.elapsed(),
            }
        });
        (shown, result)
    }
}

/// The state file's default name in `cache`: the forge, the owner and the shard.
fn default_state(
    cache: &Path,
    forge: Forge,
    owner: &Owner,
    shard: Option<crate::shard::Shard>,
) -> PathBuf {
    let kind = match owner {
        Owner::Org(_) => "org",
        Owner::User(_) => "user",
        Owner::Group(_) => "group",
    };
    let name = remote::file_name_safe(owner.name());
    let shard = shard
        .filter(crate::shard::Shard::splits)
        .map(|s| format!("-shard-{}-of-{}", s.index, s.count))
        .unwrap_or_default();
    cache.join(format!(
        "audit-{}-{kind}-{name}{shard}.state.jsonl",
        forge.as_str()
    ))
}

fn record_of(repo: &Repo, url: &str, outcome: &Outcome) -> Record {
    let s = &outcome.summary;
    Record {
        repo: repo.full_name.clone(),
        url: url.to_string(),
        blobs: s.files_scanned,
        bytes: s.bytes_scanned,
        commit_messages: s.commit_messages_scanned.unwrap_or(0),
        skipped: s
            .skipped
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), *v))
            .collect(),
        lost: s.lost(),
        suppressed: s.suppressed.values().sum(),
        notes: s.notes.clone(),
        findings: outcome
            .findings
            .iter()
            .map(StoredFinding::from_finding)
            .collect(),
    }
}

/// Runs an organisation audit; the exit status.
///
/// # Errors
/// Bad arguments, configuration or report path; the API listing failed; the state file cannot
/// be used; the report cannot be written.
#[allow(clippy::too_many_lines)]
pub fn audit(args: &OrgArgs, forge: Forge, ui: &mut dyn Ui) -> Result<u8> {
    interrupt::install().context("cannot install the Ctrl-C handler")?;
    let target = ReportTarget::check(args.output.output.as_deref())?;
    let owner = match (forge, &args.org, &args.user, &args.group) {
        (Forge::GitHub, Some(o), None, None) => Owner::Org(o.clone()),
        (Forge::GitHub, None, Some(u), None) => Owner::User(u.clone()),
        (Forge::GitHub, _, _, _) => bail!("leakhound github needs --org NAME or --user NAME"),
        (Forge::GitLab, None, None, Some(g)) => Owner::Group(g.clone()),
        (Forge::GitLab, _, _, _) => {
            bail!("leakhound gitlab needs --group PATH (and no --org or --user)")
        }
    };
    let out = &args.output;
    let live = live_options(&out.live, false, ui)?;
    let cache = match &args.cache_dir {
        Some(d) => d.clone(),
        None => remote::default_cache_dir()?,
    };
    std::fs::create_dir_all(&cache)
        .with_context(|| format!("{}: cannot create the cache directory", cache.display()))?;
    // `--config` (or `--no-config`) applies to every repository. Otherwise each repository's
    // own configuration and ignore files at the head of its default branch apply to it (read
    // from the clone, as a range scan reads its base commit's), and the cache directory's
    // configuration and ignore files to the rest (and to what a repository does not have).
    let search = crate::config::discover::Search::only(&cache)?;
    let set = setup(out, &search, &cache, Suppressions::Tree, ui)?;
    set.install_verifiers();
    let (scanner, triage, config) = (set.scanner, set.triage, set.config);
    let token = std::env::var(forge.token_var()).ok();
    let lister = Lister::new(forge, args.api_url.as_deref(), token)?;
    let header = Header {
        leakhound_audit: 1,
        forge: forge.as_str().to_string(),
        owner: owner.describe(),
        api: lister.api().to_string(),
        shard: args
            .shard
            .filter(crate::shard::Shard::splits)
            .map(|s| s.to_string()),
    };
    let state_path = args
        .state
        .clone()
        .unwrap_or_else(|| default_state(&cache, forge, &owner, args.shard));
    let say = |ui: &mut dyn Ui, line: &str| {
        if !out.quiet {
            ui.say(&format!("leakhound: {}", printable::escape(line)));
        }
    };
    say(
        ui,
        &format!(
            "listing the repositories of {} {} ({})",
            forge.as_str(),
            owner.describe(),
            lister.api()
        ),
    );
    // Said as it happens: a rate-limit wait must not look like a hang.
    let listed = lister.list(&owner, &mut |l| say(ui, l))?;
    let total_listed = listed.len();
    let (mut archived, mut forks, mut other_shards) = (0, 0, 0);
    let mut repos: Vec<Repo> = Vec::new();
    for r in listed {
        if r.archived && !args.include_archived {
            archived += 1;
        } else if r.fork && !args.include_forks {
            forks += 1;
        } else if args.shard.is_some_and(|s| !s.owns_name(&r.full_name)) {
            other_shards += 1;
        } else {
            repos.push(r);
        }
    }
    repos.sort_by(|a, b| a.full_name.cmp(&b.full_name));
    repos.dedup_by(|a, b| a.full_name == b.full_name);
    let (mut state, kept) = StateFile::open(&state_path, &header, args.resume)?;
    let done_names: std::collections::HashSet<String> =
        kept.iter().map(|r| r.repo.clone()).collect();
    let todo: Vec<Repo> = repos
        .iter()
        .filter(|r| !done_names.contains(&r.full_name))
        .cloned()
        .collect();
    let mut excluded = Vec::new();
    if archived > 0 {
        excluded.push(format!("{archived} archived (--include-archived)"));
    }
    if forks > 0 {
        excluded.push(format!("{forks} fork(s) (--include-forks)"));
    }
    if other_shards > 0 {
        excluded.push(format!("{other_shards} in other shards"));
    }
    say(
        ui,
        &format!(
            "{total_listed} repositories listed; auditing {}{}{}; state in {}",
            repos.len(),
            if excluded.is_empty() {
                String::new()
            } else {
                format!(", leaving out {}", excluded.join(", "))
            },
            if args.resume {
                format!(
                    "; {} already finished in an earlier run (--resume), {} to go",
                    repos.len() - todo.len(),
                    todo.len()
                )
            } else {
                String::new()
            },
            state.path().display()
        ),
    );
    let started = Instant::now();
    let job = Job {
        scanner: &scanner,
        triage: &triage,
        cache: &cache,
        opts: GitOptions {
            max_file_size: args.max_file_size,
            scan_binary: args.scan_binary,
            threads: out.threads,
            pack_reader: true,
            delta_hits: true,
            archives: args.archives.options(args.max_file_size, args.scan_binary),
        },
        ssh: args.ssh,
        out,
        search: &search,
        per_repo: out.config.is_none() && !out.no_config,
    };
    // A history audit counts blobs and commit messages, even when no repository was scanned.
    let mut summary = Summary {
        commit_messages_scanned: Some(0),
        ..Summary::default()
    };
    let mut findings: Vec<Finding> = Vec::new();
    let mut finished = repos.len() - todo.len();
    let mut failures: Vec<Skip> = Vec::new();
    let mut write_error: Option<anyhow::Error> = None;
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<Msg>();
    std::thread::scope(|s| {
        for _ in 0..usize::from(args.parallel_repos).min(todo.len().max(1)) {
            let tx = tx.clone();
            let (job, todo, next) = (&job, &todo, &next);
            s.spawn(move || loop {
                if interrupt::requested() {
                    break;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(repo) = todo.get(i) else { break };
                let (url, result) = job.run(repo, &tx);
                if tx
                    .send(Msg::Done(Box::new(Done {
                        repo: repo.clone(),
                        url,
                        result,
                    })))
                    .is_err()
                {
                    break;
                }
            });
        }
        drop(tx);
        for msg in rx {
            let done = match msg {
                Msg::Say(line) => {
                    say(ui, &line);
                    continue;
                }
                Msg::Done(done) => *done,
            };
            match done.result {
                Ok(mut scanned) if !scanned.outcome.summary.interrupted => {
                    finished += 1;
                    let record = record_of(&done.repo, &done.url, &scanned.outcome);
                    if write_error.is_none() {
                        if let Err(e) = state.append(&record) {
                            write_error = Some(e);
                            interrupt::request();
                        }
                    }
                    say(
                        ui,
                        &format!(
                            "[{finished}/{}] {}: {} finding(s); {} in {:.1} s, scanned {} blob(s) in {:.1} s",
                            repos.len(),
                            done.repo.full_name,
                            scanned.outcome.findings.len(),
                            scanned.synced.as_str(),
                            scanned.fetch.as_secs_f64(),
                            scanned.outcome.summary.files_scanned,
                            scanned.scan.as_secs_f64(),
                        ),
                    );
                    let name = &done.repo.full_name;
                    for n in &mut scanned.outcome.summary.notes {
                        *n = format!("{name}: {n}");
                    }
                    findings.append(&mut scanned.outcome.findings);
                    summary.merge(std::mem::take(&mut scanned.outcome.summary));
                }
                Ok(_) => {
                    // Stopped half-way: not recorded, so that --resume scans it again.
                }
                Err(e) => {
                    say(ui, &format!("{}: {e}", done.repo.full_name));
                    failures.push(Skip {
                        path: done.url.clone(),
                        reason: SkipReason::Repository,
                        detail: Some(format!("{}: {e}", done.repo.full_name)),
                    });
                }
            }
        }
    });
    if let Some(e) = write_error {
        return Err(e);
    }
    let resumed = kept.len();
    for r in &kept {
        summary.files_scanned += r.blobs;
        summary.bytes_scanned += r.bytes;
        *summary.commit_messages_scanned.get_or_insert(0) += r.commit_messages;
        for f in &r.findings {
            match f.to_finding(&r.url) {
                Some(f) => findings.push(f),
                None => bail!(
                    "{}: a finding of {} is damaged; leave out --resume to audit again",
                    state.path().display(),
                    r.repo
                ),
            }
        }
        for n in &r.notes {
            summary.notes.push(format!("{}: {n}", r.repo));
        }
        if r.lost > 0 {
            summary.notes.push(format!(
                "{}: {} object(s), commit(s) or ref(s) could not be read when it was scanned in an earlier run",
                r.repo, r.lost
            ));
        }
    }
    if resumed > 0 {
        summary.notes.push(format!(
            "{resumed} repositories were finished by an earlier run of this audit (--resume): their \
             findings come from the state file {}, their skips and suppressions are counted there, \
             not here",
            state.path().display()
        ));
    }
    let failed = failures.len();
    for f in failures {
        summary.skip(f);
    }
    let unfinished = repos.len().saturating_sub(finished + failed);
    if interrupt::requested() {
        summary.interrupted = true;
        summary.notes.push(format!(
            "audit interrupted: {unfinished} repositories not scanned; run the same command with \
             --resume to continue where it stopped"
        ));
    }
    if let Some(s) = args.shard.filter(crate::shard::Shard::splits) {
        summary.notes.push(format!(
            "shard {s}: only the repositories whose name hashes to this shard were audited; the \
             reports of all {} shards together cover the organisation",
            s.count
        ));
    }
    findings.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
    summary.findings = findings.len();
    summary.rules = scanner.rules().len();
    summary.duration = started.elapsed();
    summary.config = config;
    let outcome = Outcome { findings, summary };
    let f = Finish {
        out,
        target: &target,
        scanner: &scanner,
        triage: &triage,
        staged: false,
        live: live.as_ref(),
        paths: crate::report::Paths::default(),
        allow_partial: args.allow_partial,
    };
    finish(&f, outcome, ui)
}
