#!/usr/bin/env bash
# The Action's scan (see action.yml and action/run.sh), runnable locally with a faked GitHub
# environment (tests/cli/action.rs does exactly that). Needs bash, git and jq (all on
# GitHub-hosted runners); no Python.
#
# Reads: GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_SHA, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT,
#        INPUT_PATH, INPUT_SCAN (auto, range or history), INPUT_RANGE, INPUT_SARIF_FILE,
#        INPUT_ARGS, LEAKHOUND_BIN (default: leakhound).
# Scan kind: `range` scans what a push or pull request adds (push: before..after, a new branch:
#        what is not on the default branch yet; pull_request: base.sha..head.sha); `history`
#        scans every commit of every ref. `auto`: range for push, pull_request and merge_group
#        events, history for the rest (schedule, workflow_dispatch).
# Writes: the SARIF report, `::error` annotations on stdout, a Markdown job summary (redacted),
#        and the outputs `findings`, `sarif-file` and `kind` (the SARIF category is
#        leakhound-<kind>, so range and history results never close each other's alerts).
set -euo pipefail
lh=${LEAKHOUND_BIN:-leakhound}
repo=${INPUT_PATH:-.}
sarif=${INPUT_SARIF_FILE:-leakhound.sarif}
range=${INPUT_RANGE:-}
kind=${INPUT_SCAN:-auto}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
output=${GITHUB_OUTPUT:-/dev/null}
zero=0000000000000000000000000000000000000000
fail() { echo "::error title=leakhound::$*"; exit 2; }
command -v jq >/dev/null 2>&1 || fail "jq is needed (it is on GitHub-hosted runners; install it on self-hosted ones)"

event_field() { # jq path into the event payload; empty when absent
  [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ] || return 0
  jq -r "$1 // empty" "$GITHUB_EVENT_PATH" 2>/dev/null || true
}

case "$kind" in
  auto)
    if [ -n "$range" ]; then kind=range; else
      case "${GITHUB_EVENT_NAME:-}" in
        push|pull_request|pull_request_target|merge_group) kind=range ;;
        *) kind=history ;;
      esac
    fi ;;
  range|history) ;;
  *) fail "input scan must be auto, range or history, not: $kind" ;;
esac

scope=()
if [ "$kind" = history ]; then
  scope=()
elif [ -n "$range" ]; then
  scope=(--range "$range")
else
  case "${GITHUB_EVENT_NAME:-}" in
    pull_request|pull_request_target)
      scope=(--range "$(event_field .pull_request.base.sha)..$(event_field .pull_request.head.sha)") ;;
    merge_group)
      scope=(--range "$(event_field .merge_group.base_sha)..$(event_field .merge_group.head_sha)") ;;
    push)
      before=$(event_field .before); after=$(event_field .after); after=${after:-${GITHUB_SHA:-HEAD}}
      if [ -n "$before" ] && [ "$before" != "$zero" ]; then
        scope=(--range "$before..$after")
      else
        # A new branch (before is all zeros): what it adds to the default branch, or its
        # whole history when the default branch is not fetched.
        default=$(event_field .repository.default_branch)
        if [ -n "$default" ] && git -C "$repo" rev-parse -q --verify "origin/$default^{commit}" >/dev/null; then
          scope=(--range "origin/$default..$after")
        else
          echo "leakhound: new branch and no origin/${default:-<default branch>} to compare with: scanning the branch's whole history"
          scope=(--branch "$after")
        fi
      fi ;;
    *) fail "scan: range needs a push, pull_request or merge_group event, or the range input" ;;
  esac
fi

if [ "${scope[0]:-}" = --range ]; then
  for rev in "${scope[1]%%..*}" "${scope[1]##*..}"; do
    if [ -z "$rev" ] || ! git -C "$repo" cat-file -e "$rev^{commit}" 2>/dev/null; then
      fail "commit ${rev:-<none>} is not in the checkout. Check out with 'fetch-depth: 0' (actions/checkout) so the whole range is present."
    fi
  done
fi
if [ "$(git -C "$repo" rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then
  echo "::warning title=leakhound::the checkout is shallow: commits beyond its depth are not scanned. Use 'fetch-depth: 0' (actions/checkout)."
fi

echo "leakhound: $kind scan${scope[*]:+ ${scope[*]}} in $repo"
status=0
# shellcheck disable=SC2086 # INPUT_ARGS is a list of arguments
# ${scope[@]+…}: an empty array under `set -u` is an error in bash 3 (macOS's /bin/bash).
"$lh" git "$repo" ${scope[@]+"${scope[@]}"} -f sarif -o "$sarif" --exit-code 0 --no-progress ${INPUT_ARGS:-} || status=$?
[ "$status" -eq 0 ] || fail "leakhound exited with status $status (see the log above)"

# One line per result: rule, URI (percent-encoded, relative to the repository root), line,
# column, commit, message. Messages are leakhound's, with secrets redacted.
prefix=""
if [ "$repo" != . ] && [ "$repo" != ./ ]; then prefix="${repo%/}/"; fi
urldecode() { local s=${1//+/ }; printf '%b' "${s//%/\\x}"; }
esc() { local s=${1//%/%25}; s=${s//$'\r'/%0D}; printf '%s' "${s//$'\n'/%0A}"; }
escp() { local s; s=$(esc "$1"); s=${s//:/%3A}; printf '%s' "${s//,/%2C}"; }
cell() { local s=${1//|/\\|}; s=${s//$'\n'/ }; printf '%s' "$s"; }
rows=$(jq -r '.runs[0].results[]? |
  [ .ruleId,
    (.locations[0].physicalLocation.artifactLocation.uri // ""),
    (.locations[0].physicalLocation.region.startLine // 1 | tostring),
    (.locations[0].physicalLocation.region.startColumn // 1 | tostring),
    ((.properties.commit | if type == "object" then .id else . end) // "" | tostring),
    .message.text ] | @json' "$sarif")
count=0
table=""
while IFS= read -r row; do
  [ -n "$row" ] || continue
  rule=$(jq -r '.[0]' <<<"$row"); uri=$(jq -r '.[1]' <<<"$row")
  line=$(jq -r '.[2]' <<<"$row"); col=$(jq -r '.[3]' <<<"$row")
  commit=$(jq -r '.[4]' <<<"$row"); msg=$(jq -r '.[5]' <<<"$row")
  path="$prefix$(urldecode "$uri")"
  echo "::error file=$(escp "$path"),line=$line,col=$col,title=$(escp "leakhound $rule")::$(esc "$msg")"
  count=$((count + 1))
  if [ "$count" -le 50 ]; then
    table+="| \`$(cell "$path"):$line\` | ${commit:0:12} | \`$(cell "$rule")\` | $(cell "$msg") |"$'\n'
  fi
done <<<"$rows"

{
  echo "## leakhound ($kind scan)"
  echo
  if [ "$count" -eq 0 ]; then
    echo "No leaked credentials found."
  else
    echo "**$count leaked credential(s) found.** Secrets are redacted."
    echo
    echo "| rule | findings |"
    echo "|---|---|"
    jq -r '[.runs[0].results[]?.ruleId] | group_by(.) | sort_by(-length)[] | "| `\(.[0])` | \(length) |"' "$sarif"
    echo
    echo "| where | commit | rule | finding |"
    echo "|---|---|---|---|"
    printf '%s' "$table"
    if [ "$count" -gt 50 ]; then echo; echo "…and $((count - 50)) more in the SARIF report."; fi
    echo
    echo "To fix: rotate each credential at its provider, then remove it from the code. A false positive can be silenced with a \`leakhound:allow\` comment on its line or its fingerprint in \`.leakhoundignore\` (a pull request's own changes to these do not apply to its scan)."
  fi
} >> "$summary"
{ echo "findings=$count"; echo "sarif-file=$sarif"; echo "kind=$kind"; } >> "$output"
echo "leakhound: $count finding(s)"
