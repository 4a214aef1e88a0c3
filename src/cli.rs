//! Command-line arguments (clap derive). Parsing only: no I/O here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::Format;

/// Find leaked credentials in files, directory trees and git history.
#[derive(Debug, Parser)]
#[command(name = "leakhound", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directory trees (`-` reads standard input).
    Scan(ScanArgs),
    /// Scan git history (all refs by default), a commit range, or the staged changes; of a
    /// local repository, or of a remote one (`https://`, `ssh://`, `user@host:path`, `file://`),
    /// cloned into a cache.
    Git(GitArgs),
    /// Audit the history of every repository of a GitHub organisation or user (`--org`,
    /// `--user`); the token is read from GITHUB_TOKEN.
    Github(OrgArgs),
    /// Audit the history of every project of a GitLab group and its subgroups (`--group`); the
    /// token is read from GITLAB_TOKEN.
    Gitlab(OrgArgs),
    /// Scan a container image: a `docker save` tarball or an OCI image layout directory
    /// (every layer in order, and the image configuration).
    Image(ImageArgs),
    /// List the rules, or check rule files' examples.
    Rules(RulesArgs),
    /// Render earlier JSON or JSON Lines reports in any format; several are merged into one
    /// (`leakhound merge` is the same command).
    #[command(visible_alias = "merge")]
    Report(ReportArgs),
    /// Show every candidate the rules find in files, and why each is or is not reported.
    ///
    /// Only the configuration's rule settings apply (disabled and overridden rules, extra
    /// rules): allowlists, ignore files and baselines are not consulted. A candidate the rules
    /// report on a line holding an inline allow comment is marked as suppressed in a scan.
    Explain(ExplainArgs),
    /// Install a git pre-commit hook that runs `leakhound git --staged`.
    InstallHook(InstallHookArgs),
    /// Write a commented starter configuration, `.leakhound.yaml`.
    Init(InitArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man pages (roff): leakhound's and every subcommand's, or one command's
    /// (`leakhound man scan`, `leakhound man rules check`).
    Man {
        /// The subcommand whose page to print; none prints every page.
        command: Vec<String>,
    },
    /// List the providers leakhound can verify and revoke credentials with.
    Providers {
        /// List format.
        #[arg(short, long, value_enum, default_value = "text")]
        format: RulesFormat,
        /// Configuration file whose `verifiers:` (kind `user`) and extra rules are listed too
        /// [default: the nearest .leakhound.yaml or .leakhound.yml from the current directory up
        /// to the repository root].
        #[arg(short, long, value_name = "FILE", env = "LEAKHOUND_CONFIG")]
        config: Option<PathBuf>,
        /// List only the built-in providers: read no configuration file.
        #[arg(long, conflicts_with = "config")]
        no_config: bool,
    },
}

/// `leakhound explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Files to explain (`-` reads standard input, the default).
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: ExplainFormat,
    /// Configuration file whose rule settings apply (default: the nearest `.leakhound.yaml` or
    /// `.leakhound.yml` from the current directory up to the repository root).
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print candidates in full instead of redacted.
    #[arg(long)]
    pub no_redact: bool,
    /// Also list rules whose keyword occurs on a line where another rule found a candidate.
    #[arg(long)]
    pub all: bool,
    /// Refuse files larger than SIZE (bytes, or with K, M, G suffix).
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size)]
    pub max_file_size: u64,
}

/// Formats for `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// One line per candidate.
    Text,
    /// One JSON object per candidate.
    Jsonl,
}

/// `leakhound install-hook`.
#[derive(Debug, Args)]
pub struct InstallHookArgs {
    /// The repository, or any directory inside it.
    #[arg(value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,
    /// Rewrite the leakhound hook even if it is already installed.
    #[arg(long)]
    pub force: bool,
}

/// `leakhound init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write `.leakhound.yaml` (usually the repository root).
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Replace an existing `.leakhound.yaml` or `.leakhound.yml`.
    #[arg(long)]
    pub force: bool,
}

/// Output format names on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Human-readable.
    Text,
    /// One JSON document.
    Json,
    /// JSON Lines, one finding per line.
    Jsonl,
    /// SARIF 2.1.0.
    Sarif,
    /// CSV (RFC 4180), a header row and one row per finding.
    Csv,
    /// JUnit XML, one failing test case per finding (CI test-report viewers).
    Junit,
    /// gitleaks' JSON report (its field names and types).
    Gitleaks,
    /// One self-contained HTML page: summary, charts, a filterable table.
    Html,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Csv => Format::Csv,
            FormatArg::Junit => Format::Junit,
            FormatArg::Gitleaks => Format::Gitleaks,
            FormatArg::Html => Format::Html,
        }
    }
}

/// Which findings fail the run (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    /// Only findings verified active.
    Active,
    /// Findings verified active, unknown, or not checked: all but those verified inactive.
    Unknown,
    /// Every reported finding.
    Any,
}

impl From<FailOnArg> for crate::live::FailOn {
    fn from(f: FailOnArg) -> Self {
        match f {
            FailOnArg::Active => crate::live::FailOn::Active,
            FailOnArg::Unknown => crate::live::FailOn::Unknown,
            FailOnArg::Any => crate::live::FailOn::Any,
        }
    }
}

/// `leakhound report` (alias `merge`).
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Reports written by `leakhound scan` or `git` with `-f json` or `-f jsonl`. Several are
    /// merged into one (duplicates reported once, history findings at their earliest
    /// introduction).
    #[arg(value_name = "REPORT", required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: FormatArg,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Accept reports written with `--no-redact` and render them as they are. A redacted
    /// report stays redacted: nothing can un-redact it.
    #[arg(long)]
    pub no_redact: bool,
    /// The path the original scan was given (for `git`, the repository): SARIF URIs are made
    /// relative to the git work tree holding it, as that scan's own SARIF would be. Only needed
    /// for a scan of a directory outside any repository, run from another directory.
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub scan_root: PathBuf,
    /// Configuration whose rules (extra, overridden) describe the findings in SARIF
    /// (default: `.leakhound.yaml` in the current directory, if there is one).
    #[arg(short, long, value_name = "FILE", env = "LEAKHOUND_CONFIG")]
    pub config: Option<PathBuf>,
    /// Exit status when the report holds findings (default 0: a re-render is not a scan).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub exit_code: u8,
    /// Print nothing on standard error but errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// Colour text output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorArg,
}

/// Verification states `--results` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResultsArg {
    /// Verified active: the provider accepted the credential.
    Verified,
    /// The same as `verified`.
    Active,
    /// The provider rejected it (invalid, expired, revoked).
    Inactive,
    /// Checked, but no answer either way (timeout, rate limit, a credential not sent).
    Unknown,
    /// Not checked: no built-in verifier, or the run ended before it was checked.
    Unverified,
}

impl From<ResultsArg> for crate::live::Reported {
    fn from(r: ResultsArg) -> Self {
        match r {
            ResultsArg::Verified | ResultsArg::Active => crate::live::Reported::Active,
            ResultsArg::Inactive => crate::live::Reported::Inactive,
            ResultsArg::Unknown => crate::live::Reported::Unknown,
            ResultsArg::Unverified => crate::live::Reported::Unverified,
        }
    }
}

/// Confidence levels on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfidenceArg {
    /// Everything, generic rules included.
    Low,
    /// Distinctive formats and up.
    Medium,
    /// Provider-specific prefixes, checksums and structure only.
    High,
}

impl From<ConfidenceArg> for crate::rules::Confidence {
    fn from(c: ConfidenceArg) -> Self {
        match c {
            ConfidenceArg::Low => crate::rules::Confidence::Low,
            ConfidenceArg::Medium => crate::rules::Confidence::Medium,
            ConfidenceArg::High => crate::rules::Confidence::High,
        }
    }
}

/// When to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// When stdout is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// When to show progress on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressArg {
    /// A bar when stderr is a terminal and `CI` is unset, after the first second.
    Auto,
    /// Always: a bar on a terminal, plain status lines otherwise.
    Always,
    /// Never.
    Never,
}

/// Options shared by every scanning command.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Report format.
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: FormatArg,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit status when there are findings (0 when there are none, 2 on error).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub exit_code: u8,
    /// Show secrets in full. By default every output shows only a short prefix.
    #[arg(long)]
    pub no_redact: bool,
    /// Configuration file [default: the nearest .leakhound.yaml or .leakhound.yml from the
    /// scanned directory up to the repository root; else the nearest .gitleaks.toml].
    #[arg(short, long, value_name = "FILE", env = "LEAKHOUND_CONFIG")]
    pub config: Option<PathBuf>,
    /// Use no configuration file: neither --config nor one found by looking up from the scanned
    /// directory (ignore files still apply).
    #[arg(long, conflicts_with_all = ["config", "gitleaks_config"])]
    pub no_config: bool,
    /// Worker threads (0: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// List every skipped file with its reason on stderr.
    #[arg(short, long)]
    pub verbose: bool,
    /// Print no summary on stderr (errors are still printed).
    #[arg(short, long)]
    pub quiet: bool,
    /// Colour text output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorArg,
    /// Never draw a progress bar (the same as `--progress never`).
    #[arg(long)]
    pub no_progress: bool,
    /// Progress on stderr: `auto` draws a bar on a terminal when not in CI; `always` draws it
    /// even in CI, as plain status lines when stderr is not a terminal.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub progress: ProgressArg,
    /// Report only findings whose fingerprint is not in this previous JSON/JSONL report.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// List ignore-file and baseline entries that matched no finding.
    #[arg(long)]
    pub report_unused_ignores: bool,
    /// Report only findings of rules with at least this confidence.
    #[arg(long, value_enum, value_name = "LEVEL", default_value = "low")]
    pub min_confidence: ConfidenceArg,
    /// Import the rules and allowlists of a gitleaks TOML configuration.
    #[arg(long, value_name = "FILE")]
    pub gitleaks_config: Option<PathBuf>,
    /// Live verification and revocation.
    #[command(flatten)]
    pub live: LiveArgs,
}

/// Live verification and revocation through provider APIs (all opt-in).
#[derive(Debug, Args)]
#[command(next_help_heading = "Verification and revocation (sends secrets to their providers)")]
pub struct LiveArgs {
    /// Ask each finding's provider whether the credential is live (sends it to the provider's
    /// own API over TLS, nowhere else).
    #[arg(long)]
    pub verify: bool,
    /// Revoke credentials verified active, through the provider's API. Implies --verify. Asks
    /// before each one unless --yes.
    #[arg(long)]
    pub revoke: bool,
    /// Run CMD (with `sh -c`) once per credential verified active that no built-in provider
    /// revokes in this run; the finding arrives as JSON on stdin, secret included. Exit 0 is
    /// recorded as the hook's word (`hook-reported-success`, never `revoked`), with the
    /// provider's answer when it can check again.
    #[arg(long, value_name = "CMD")]
    pub revoke_hook: Option<String>,
    /// Run the --revoke-hook also for credentials not verified active: those no provider can
    /// verify, those with no answer, those not checked. Never for those verified inactive.
    #[arg(long, requires = "revoke_hook")]
    pub hook_all: bool,
    /// Report (and fail on) only findings in these verification states, comma-separated:
    /// verified (= active), inactive, unknown, unverified. Needs --verify. TruffleHog's
    /// `--results` semantics: `--results verified,unknown` lets CI pass on dead credentials.
    #[arg(long, value_enum, value_name = "STATES", value_delimiter = ',')]
    pub results: Vec<ResultsArg>,
    /// Report (and fail on) only findings verified active: `--results verified`.
    #[arg(long)]
    pub only_verified: bool,
    /// Which reported findings make the exit status non-zero: `any` (the default), `unknown`
    /// (all but those verified inactive: a credential not proven dead fails the run), or
    /// `active` (only those verified active). The others are still reported. Needs --verify
    /// unless `any`.
    #[arg(long, value_enum, value_name = "WHICH", default_value = "any")]
    pub fail_on: FailOnArg,
    /// Do not ask before revoking (required when there is no terminal, and in CI).
    #[arg(long)]
    pub yes: bool,
    /// Show what would be revoked and which requests would be sent, without revoking.
    #[arg(long)]
    pub dry_run: bool,
    /// Append every verification and revocation attempt here (JSON Lines, never the secret)
    /// [default: $XDG_STATE_HOME/leakhound/audit.jsonl].
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
    /// Send NAME's credentials to URL instead of its public API (GitHub Enterprise Server,
    /// self-managed GitLab, a proxy). https only, except http to a loopback address. Repeatable.
    #[arg(long, value_name = "NAME=URL")]
    pub provider_endpoint: Vec<String>,
    /// Seconds to wait for each provider request.
    #[arg(long, value_name = "SECS", default_value_t = 15)]
    pub verify_timeout: u64,
    /// Seconds all verification and revocation of one run may take, retries included: past
    /// it no retry waits and no new credential is checked (they are reported unverified).
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub live_deadline: u64,
    /// Seconds the --revoke-hook command may run before it is killed (its outcome is then
    /// "unknown": it may have revoked already).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub hook_timeout: u64,
}

impl LiveArgs {
    /// Whether anything live was asked for.
    pub fn any(&self) -> bool {
        self.verify || self.revoke || self.revoke_hook.is_some()
    }
}

/// How archives and compressed files are opened (`scan`, `git`, `image`).
#[derive(Debug, Args)]
#[command(next_help_heading = "Archives")]
pub struct ArchiveArgs {
    /// Do not open archives and compressed files (zip, jar, tar, gzip, bzip2, xz, zstd): they
    /// are then binary files, skipped unless --scan-binary.
    #[arg(long)]
    pub no_archives: bool,
    /// Levels of nested archives opened (an archive in an archive is level 2).
    #[arg(long, value_name = "N", default_value_t = crate::source::archive::DEFAULT_DEPTH,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub archive_depth: u32,
    /// Bytes decompressed per archive (its nested archives included) before the rest of it is
    /// skipped (bytes, or with K, M, G suffix).
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub archive_max_size: u64,
    /// Decompressed-to-compressed ratio past which an entry or stream is skipped as a possible
    /// bomb (judged once it has produced 1 MiB).
    #[arg(long, value_name = "N", default_value_t = crate::source::archive::DEFAULT_MAX_RATIO,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub archive_max_ratio: u64,
    /// Entries read per archive (its nested archives included) before the rest is skipped.
    #[arg(long, value_name = "N", default_value_t = crate::source::archive::DEFAULT_MAX_ENTRIES)]
    pub archive_max_entries: u64,
}

impl ArchiveArgs {
    /// The options these arguments ask for (`None` with --no-archives); entries are capped at
    /// `max_entry` bytes (`--max-file-size`).
    pub fn options(
        &self,
        max_entry: u64,
        scan_binary: bool,
    ) -> Option<crate::source::archive::ArchiveOptions> {
        (!self.no_archives).then_some(crate::source::archive::ArchiveOptions {
            depth: self.archive_depth,
            max_size: self.archive_max_size,
            max_ratio: self.archive_max_ratio,
            max_entries: self.archive_max_entries,
            max_entry,
            scan_binary,
        })
    }
}

/// `leakhound scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` for standard input.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Scan files that `.gitignore`, `.ignore` and git excludes would skip.
    #[arg(long)]
    pub no_ignore: bool,
    /// Follow symbolic links (loops are detected and reported). Links whose target is outside
    /// the scanned paths are skipped and reported, unless --follow-outside.
    #[arg(long)]
    pub follow: bool,
    /// With --follow, also follow links that leave the scanned paths (`..`, `/etc`): a scanned
    /// repository decides where those lead.
    #[arg(long, requires = "follow")]
    pub follow_outside: bool,
    /// Scan files that look binary (two or more NUL bytes in the first 8 KiB).
    #[arg(long)]
    pub scan_binary: bool,
    /// Skip files larger than SIZE (bytes, or with K, M, G suffix).
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Archive options.
    #[command(flatten)]
    pub archives: ArchiveArgs,
    /// Output and behaviour options.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `leakhound image`.
#[derive(Debug, Args)]
pub struct ImageArgs {
    /// A `docker save` tarball (plain, or compressed with gzip, zstd, xz or bzip2), or a
    /// directory holding an OCI image layout (`index.json`) or an unpacked `docker save`
    /// (`manifest.json`).
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// A compressed tarball is decompressed to a temporary file (in TMPDIR) to be read: at most
    /// SIZE bytes of it (bytes, or with K, M, G suffix); what lies past that is not read, and
    /// the summary says so.
    #[arg(long, value_name = "SIZE", default_value = "16G", value_parser = parse_size)]
    pub spool_max_size: u64,
    /// Scan files that look binary (two or more NUL bytes in the first 8 KiB).
    #[arg(long)]
    pub scan_binary: bool,
    /// Skip files in layers larger than SIZE (bytes, or with K, M, G suffix).
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Archive options (each layer is an archive: --archive-max-size applies per layer).
    #[command(flatten)]
    pub archives: ArchiveArgs,
    /// Output and behaviour options.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `leakhound git`.
#[derive(Debug, Args)]
pub struct GitArgs {
    /// The repository, or any directory inside it (bare repositories and worktrees work); or a
    /// URL to clone (https, ssh, file; plain http and git:// only to a loopback address).
    #[arg(value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,
    /// Scan every ref: branches, tags, remote-tracking refs and HEAD (the default).
    #[arg(long, conflicts_with_all = ["branch", "range", "since_commit", "staged"])]
    pub all: bool,
    /// Scan only what is reachable from this ref (or revision).
    #[arg(long, value_name = "REF", conflicts_with_all = ["range", "since_commit", "staged"])]
    pub branch: Option<String>,
    /// Scan only what the commits in BASE..HEAD added (lines already in BASE are not reported).
    #[arg(long, value_name = "BASE..HEAD", conflicts_with_all = ["since_commit", "staged"])]
    pub range: Option<String>,
    /// Scan only what the commits after REV added: the same as `--range REV..HEAD`.
    #[arg(long, value_name = "REV", conflicts_with = "staged")]
    pub since_commit: Option<String>,
    /// Scan only the lines the index adds relative to HEAD (what `git commit` would record).
    #[arg(long)]
    pub staged: bool,
    /// With --staged: only these files' staged content (pre-commit passes them after `--`).
    /// When every one has staged changes (a commit), only the lines they add; when some have
    /// none (`pre-commit run --all-files`), each file whole as the index holds it.
    #[arg(last = true, value_name = "FILE", requires = "staged")]
    pub files: Vec<PathBuf>,
    /// With --range, --since-commit or --staged: take .leakhound.yaml, .leakhoundignore,
    /// .gitleaksignore and inline allow comments from the working tree and the changes under
    /// review, instead of from the base commit. Only for changes you wrote yourself: a change
    /// could otherwise silence its own scan.
    #[arg(long)]
    pub trust_config: bool,
    /// Scan blobs that look binary (two or more NUL bytes in the first 8 KiB).
    #[arg(long)]
    pub scan_binary: bool,
    /// Skip blobs larger than SIZE (bytes, or with K, M, G suffix).
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// On a damaged repository (missing or corrupt objects or commits, refs that do not
    /// resolve), report what could be read and exit as for a whole scan, instead of with status
    /// 2; the summary still says what was lost.
    #[arg(long)]
    pub allow_partial: bool,
    /// History scans: scan only shard K of N (1-based) of the repository's blobs, commit and
    /// tag messages, split by object id. The N shards' reports together hold exactly the
    /// findings of the unsharded scan, with the same attribution.
    #[arg(long, value_name = "K/N", conflicts_with_all = ["range", "since_commit", "staged"])]
    pub shard: Option<crate::shard::Shard>,
    /// Where `leakhound git URL` keeps its bare clones (reused and fetched on the next run)
    /// [default: $XDG_CACHE_HOME/leakhound/repos, else ~/.cache/leakhound/repos].
    #[arg(long, value_name = "DIR", env = "LEAKHOUND_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Read every blob through libgit2 one at a time instead of walking each pack's delta
    /// trees (slower; kept to compare the two readers' findings).
    #[arg(long, hide = true)]
    pub no_pack_reader: bool,
    /// Run the keyword automaton over every version in full instead of deriving the hits of
    /// each version the pack reader makes from its delta base's (kept to compare the two).
    #[arg(long, hide = true)]
    pub no_delta_hits: bool,
    /// Archive options.
    #[command(flatten)]
    pub archives: ArchiveArgs,
    /// Output and behaviour options.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `leakhound github` and `leakhound gitlab`: audit every repository of an organisation,
/// user or group.
#[derive(Debug, Args)]
pub struct OrgArgs {
    /// GitHub: the organisation whose repositories to audit.
    #[arg(long, value_name = "NAME", conflicts_with = "user")]
    pub org: Option<String>,
    /// GitHub: the user whose repositories to audit.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// GitLab: the group (path such as `gitlab-org/security`, or numeric id) whose projects to
    /// audit, subgroups included.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["org", "user"])]
    pub group: Option<String>,
    /// The API's base URL, for GitHub Enterprise Server (`https://HOST/api/v3`) or self-managed
    /// GitLab (`https://HOST`). https only, or http to a loopback address.
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Also audit archived repositories.
    #[arg(long)]
    pub include_archived: bool,
    /// Also audit forks.
    #[arg(long)]
    pub include_forks: bool,
    /// Repositories cloned and scanned at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallel_repos: u16,
    /// Audit only shard K of N (1-based) of the repositories, split by a hash of each
    /// repository's full name (see the README).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::shard::Shard>,
    /// Where the bare clones are kept (reused and fetched on the next run)
    /// [default: $XDG_CACHE_HOME/leakhound/repos, else ~/.cache/leakhound/repos].
    #[arg(long, value_name = "DIR", env = "LEAKHOUND_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// The audit's state file: each finished repository and its findings, one JSON line each
    /// [default: in the cache directory, named after the provider, the organisation and the
    /// shard].
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Continue the audit recorded in the state file: repositories already finished are not
    /// cloned or scanned again; their recorded findings are in the report. Without it, an
    /// existing state file is started over.
    #[arg(long)]
    pub resume: bool,
    /// Clone over ssh (the API's ssh URL) instead of https.
    #[arg(long)]
    pub ssh: bool,
    /// Report the findings with the status of a whole audit even when some repositories could
    /// not be cloned or read (they are still named in the summary); otherwise the exit status
    /// is 2.
    #[arg(long)]
    pub allow_partial: bool,
    /// Skip blobs larger than SIZE (bytes, or with K, M, G suffix).
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Scan blobs that look binary (two or more NUL bytes in the first 8 KiB).
    #[arg(long)]
    pub scan_binary: bool,
    /// Archive options.
    #[command(flatten)]
    pub archives: ArchiveArgs,
    /// Output and behaviour options.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `leakhound rules`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RulesArgs {
    /// `list` (default) or `check`.
    #[command(subcommand)]
    pub command: Option<RulesCommand>,
    /// List format.
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: RulesFormat,
}

/// Formats for `rules list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// A table.
    Text,
    /// A JSON array.
    Json,
}

/// `leakhound rules` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules.
    List {
        /// List format.
        #[arg(short, long, value_enum, default_value = "text")]
        format: RulesFormat,
    },
    /// Run every rule's examples and negative examples (the built-in rules, plus FILEs).
    Check {
        /// Rule files to check alongside the built-in rules.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

/// Parses `1234`, `64K`, `100M`, `2G` (binary multiples).
///
/// # Errors
/// A message for anything else.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'B' => 1,
                _ => return Err(format!("unknown size suffix in {s:?}; use K, M or G")),
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    let n: u64 = num
        .trim()
        .parse()
        .map_err(|_| format!("invalid size {s:?}; expected e.g. 1048576, 512K, 100M, 1G"))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("size {s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("64K"), Ok(65536));
        assert_eq!(parse_size("2m"), Ok(2 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("abc").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
