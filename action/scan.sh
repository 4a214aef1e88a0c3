#!/usr/bin/env bash
# The GitHub Action's scan step (see action.yml), also runnable locally with a faked GitHub
# environment (tests/cli/action.rs does exactly that).
#
# Reads: GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_SHA, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT,
#        INPUT_PATH, INPUT_RANGE, INPUT_SARIF_FILE, INPUT_ARGS, LEAKHOUND_BIN (default: leakhound).
# Writes: the SARIF report, `::error` annotations on stdout, a Markdown job summary, and the
#         outputs `findings` and `sarif-file`. Exits 0 whether or not there are findings (the
#         action's last step decides), 2 when it cannot scan.
set -euo pipefail
lh=${LEAKHOUND_BIN:-leakhound}
repo=${INPUT_PATH:-.}
sarif=${INPUT_SARIF_FILE:-leakhound.sarif}
range=${INPUT_RANGE:-}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
output=${GITHUB_OUTPUT:-/dev/null}
zero=0000000000000000000000000000000000000000

event_field() { # dotted path into the event payload; empty when absent
  python3 - "$1" <<'PY'
import json, os, sys
try:
    v = json.load(open(os.environ["GITHUB_EVENT_PATH"]))
    for k in sys.argv[1].split("."):
        v = v[k]
    print(v if v is not None else "")
except Exception:
    print("")
PY
}

scope=()
if [ -n "$range" ]; then
  scope=(--range "$range")
else
  case "${GITHUB_EVENT_NAME:-}" in
    pull_request|pull_request_target)
      scope=(--range "$(event_field pull_request.base.sha)..$(event_field pull_request.head.sha)") ;;
    push)
      before=$(event_field before); after=$(event_field after); after=${after:-${GITHUB_SHA:-HEAD}}
      if [ -n "$before" ] && [ "$before" != "$zero" ]; then
        scope=(--range "$before..$after")
      else
        # A new branch: everything not already on the default branch, or its whole history.
        default=$(event_field repository.default_branch)
        if [ -n "$default" ] && git -C "$repo" rev-parse -q --verify "origin/$default^{commit}" >/dev/null; then
          scope=(--range "origin/$default..$after")
        else
          scope=(--branch "$after")
        fi
      fi ;;
    *) scope=(--branch "${GITHUB_SHA:-HEAD}") ;;
  esac
fi

if [ "${scope[0]}" = --range ]; then
  for rev in "${scope[1]%%..*}" "${scope[1]##*..}"; do
    if ! git -C "$repo" cat-file -e "$rev^{commit}" 2>/dev/null; then
      echo "::error title=leakhound::commit $rev is not in the checkout. Check out with 'fetch-depth: 0' (actions/checkout) so the whole range is present."
      exit 2
    fi
  done
fi

echo "leakhound: scanning ${scope[*]} in $repo"
# shellcheck disable=SC2086 # INPUT_ARGS is a list of arguments
"$lh" git "$repo" "${scope[@]}" -f sarif -o "$sarif" --exit-code 0 --no-progress ${INPUT_ARGS:-}

python3 - "$sarif" "$repo" "$summary" "$output" <<'PY'
import collections, json, sys, urllib.parse
sarif_path, repo, summary_path, output_path = sys.argv[1:]
run = json.load(open(sarif_path))["runs"][0]
names = {r["id"]: r.get("shortDescription", {}).get("text", r["id"]) for r in run["tool"]["driver"]["rules"]}
results = run.get("results", [])
prefix = "" if repo in (".", "./") else repo.rstrip("/") + "/"
def esc(s, prop=False):
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return s.replace(":", "%3A").replace(",", "%2C") if prop else s
rows = []
for r in results:
    loc = r["locations"][0]["physicalLocation"]
    path = prefix + urllib.parse.unquote(loc["artifactLocation"]["uri"])
    line = loc.get("region", {}).get("startLine", 1)
    col = loc.get("region", {}).get("startColumn", 1)
    commit = r.get("properties", {}).get("commit", {})
    commit_id = commit.get("id", "") if isinstance(commit, dict) else str(commit)
    msg = r["message"]["text"]
    print(f"::error file={esc(path, True)},line={line},col={col},title={esc('leakhound ' + r['ruleId'], True)}::{esc(msg)}")
    rows.append((r["ruleId"], path, line, commit_id[:12], msg))
counts = collections.Counter(r[0] for r in rows)
with open(summary_path, "a") as s:
    s.write("## leakhound\n\n")
    if not rows:
        s.write("No leaked credentials found.\n")
    else:
        s.write(f"**{len(rows)} leaked credential(s) found.** Secrets are redacted.\n\n")
        s.write("| rule | findings |\n|---|---|\n")
        for rule, n in counts.most_common():
            s.write(f"| {names.get(rule, rule)} (`{rule}`) | {n} |\n")
        s.write("\n| where | commit | finding |\n|---|---|---|\n")
        for rule, path, line, commit, msg in rows[:20]:
            s.write(f"| `{path}:{line}` | {commit or '-'} | {msg.replace('|', '/')} |\n")
        if len(rows) > 20:
            s.write(f"\n…and {len(rows) - 20} more in the SARIF report.\n")
        s.write("\nTo fix: rotate each credential at its provider, then remove it from the code. "
                "A false positive can be silenced with a `leakhound:allow` comment on its line or its fingerprint in `.leakhoundignore`.\n")
with open(output_path, "a") as o:
    o.write(f"findings={len(rows)}\nsarif-file={sarif_path}\n")
print(f"leakhound: {len(rows)} finding(s)")
PY
