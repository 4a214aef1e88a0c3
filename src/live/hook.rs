//! The user's revoke hook (`--revoke-hook CMD`): a command that receives one finding as JSON on
//! standard input, for credentials no built-in provider revokes.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::finding::view::FindingView;
use crate::finding::{Finding, Outcome};
use crate::providers::Revocation;

/// Runs the user's revoke hook: `sh -c CMD`, the finding as JSON on stdin (secret included:
/// the hook needs it; never in argv or the environment). Exit 0 is recorded as
/// [`Outcome::HookReportedSuccess`]: the hook's word, which the caller confirms with the
/// provider where one exists.
///
/// The hook runs in its own process group and is killed with it after `timeout`, or at once on
/// Ctrl-C/SIGTERM: a hook that never ends must not hang the run (issue 13). Its outcome is then
/// unknown, since it may have revoked before it was killed.
pub(super) fn run(cmd: &str, f: &Finding, dry_run: bool, timeout: Duration) -> Revocation {
    if dry_run {
        return Revocation::new(Outcome::DryRun, None, &format!("would run `{cmd}`"));
    }
    let view = FindingView::new(f, false);
    let Ok(json) = serde_json::to_vec(&view) else {
        return Revocation::new(Outcome::Failed, None, "cannot serialise the finding");
    };
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::null());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let child = command.spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return Revocation::new(Outcome::Failed, None, &format!("cannot run the hook: {e}"))
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A hook that exits without reading its input is its own business.
        let _ = stdin.write_all(&json);
        let _ = stdin.write_all(b"\n");
    }
    let end = Instant::now() + timeout;
    let waited = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if Instant::now() < end && !crate::interrupt::requested() => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) => {
                kill_group(&mut child);
                let why = if crate::interrupt::requested() {
                    "hook killed: interrupted".to_string()
                } else {
                    format!(
                        "hook killed after {} s (--hook-timeout); it may have revoked already",
                        timeout.as_secs()
                    )
                };
                return Revocation::new(Outcome::Unknown, None, &why);
            }
            Err(e) => break Err(e),
        }
    };
    match waited {
        Ok(s) if s.success() => {
            Revocation::new(Outcome::HookReportedSuccess, None, "hook exited 0")
        }
        Ok(s) => Revocation::new(
            Outcome::Failed,
            None,
            &match s.code() {
                Some(c) => format!("hook exited {c}"),
                None => "hook killed by a signal".to_string(),
            },
        ),
        Err(e) => Revocation::new(
            Outcome::Unknown,
            None,
            &format!("cannot wait for the hook: {e}"),
        ),
    }
}

/// Kills the hook and everything it started (its process group), then reaps it.
fn kill_group(child: &mut std::process::Child) {
    // `kill -KILL -PGID` instead of `libc::kill`: the crate forbids `unsafe`.
    #[cfg(unix)]
    let _ = Command::new("kill")
        .arg("-KILL")
        .arg("--")
        .arg(format!("-{}", child.id()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}
