#!/usr/bin/env bash
# The Action's scan (see action.yml and action/run.sh), runnable locally with a faked GitHub
# environment (tests/cli/action.rs does exactly that). Needs bash, git and jq (all on
# GitHub-hosted runners); no Python.
#
# Reads: GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_SHA, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT,
#        INPUT_PATH, INPUT_SCAN (auto, range or history), INPUT_RANGE, INPUT_SARIF_FILE,
#        INPUT_ARGS, LEAKHOUND_BIN (default: leakhound); the live checks (opt-in, see the
#        README's GitHub Actions section): INPUT_VERIFY, INPUT_REVOKE, INPUT_REVOKE_DRY_RUN
#        ("true"/"false"), INPUT_REVOKE_HOOK (a command), INPUT_AUDIT_LOG (default
#        $RUNNER_TEMP/leakhound-audit.jsonl). Provider credentials a revoke hook needs come from
#        the step's environment (secrets passed as `env:`), never from inputs or arguments.
# Scan kind: `range` scans what a push or pull request adds (push: before..after, a new branch:
#        what is not on the default branch yet; pull_request: base.sha..head.sha); `history`
#        scans every commit of every ref. `auto`: range for push, pull_request and merge_group
#        events, history for the rest (schedule, workflow_dispatch).
# Writes: the SARIF report, `::error` annotations on stdout, a Markdown job summary (redacted),
#        and the outputs `findings`, `failing` (those that fail the job under --fail-on in
#        INPUT_ARGS: any, unknown = not verified inactive, active = verified active),
#        `sarif-file` and `kind` (the SARIF category is
#        leakhound-<kind>, so range and history results never close each other's alerts); with
#        live checks also each finding's verification status in the summary table, every
#        revocation (provider, redacted secret, path:line, outcome) in a table of its own and as
#        a `::notice`/`::warning`, and the outputs `audit-log` and `revocations`.
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

flag() { # flag NAME VALUE: an input that is true or false (empty is false)
  case "$2" in
    true|false|"") ;;
    *) fail "input $1 must be true or false, not: $2" ;;
  esac
}
verify=${INPUT_VERIFY:-false}; flag verify "$verify"
revoke=${INPUT_REVOKE:-false}; flag revoke "$revoke"
dry_run=${INPUT_REVOKE_DRY_RUN:-false}; flag revoke-dry-run "$dry_run"
hook=${INPUT_REVOKE_HOOK:-}
# The job summary and the log are readable by anyone who can read the run.
# --fail-on in args decides which reported findings fail the job (the fail step reads the
# `failing` output), as it decides leakhound's own exit status.
fail_on=any
next_is_fail_on=false
for arg in ${INPUT_ARGS:-}; do
  if [ "$next_is_fail_on" = true ]; then fail_on=$arg; next_is_fail_on=false; continue; fi
  case "$arg" in
    --no-redact) fail "args: --no-redact would put secrets into the job log and summary, which everyone who can read this run sees" ;;
    --fail-on) next_is_fail_on=true ;;
    --fail-on=*) fail_on=${arg#--fail-on=} ;;
  esac
done
case "$fail_on" in
  any|unknown|active) ;;
  *) fail "args: --fail-on must be any, unknown or active, not: $fail_on" ;;
esac

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

# Live checks. The `revoke` input is the consent to revoke without asking (--yes); a dry run
# wins over it (nothing that changes anything is sent), and --revoke-hook implies --verify.
live=()
if [ "$dry_run" = true ]; then
  live=(--revoke --dry-run)
elif [ "$revoke" = true ]; then
  live=(--revoke --yes)
elif [ "$verify" = true ]; then
  live=(--verify)
fi
if [ -n "$hook" ]; then
  live+=(--revoke-hook "$hook")
  if [ "$dry_run" != true ] && [ "$revoke" != true ]; then live+=(--yes); fi
fi
audit=""
if [ "${#live[@]}" -gt 0 ]; then
  audit=${INPUT_AUDIT_LOG:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/leakhound-audit.jsonl}
  if ! { mkdir -p "$(dirname "$audit")" && touch "$audit"; }; then fail "cannot create the audit log $audit"; fi
  live+=(--audit-log "$audit")
  # Written now, so the artifact step finds it even when the scan fails.
  echo "audit-log=$audit" >> "$output"
  what=verify
  if [ "$dry_run" = true ]; then what="$what, revoke (dry run: nothing that changes anything is sent)"
  elif [ "$revoke" = true ]; then what="$what, revoke what is verified active (no prompt: the revoke input is the consent)"; fi
  if [ -n "$hook" ]; then what="$what, revoke hook"; fi
  echo "leakhound: live checks: $what; audit log $audit"
fi

echo "leakhound: $kind scan${scope[*]:+ ${scope[*]}} in $repo"
status=0
# shellcheck disable=SC2086 # INPUT_ARGS is a list of arguments
# ${scope[@]+…}: an empty array under `set -u` is an error in bash 3 (macOS's /bin/bash).
"$lh" git "$repo" ${scope[@]+"${scope[@]}"} ${live[@]+"${live[@]}"} -f sarif -o "$sarif" --exit-code 0 --no-progress ${INPUT_ARGS:-} || status=$?
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
    .message.text,
    (.properties.verification.status // ""),
    (.properties.verification.provider // ""),
    (.properties.revocation.by // ""),
    (.properties.revocation.outcome // ""),
    (.properties.revocation.detail // ""),
    (.message.text | split(" found: ") | last) ] | @json' "$sarif")
count=0
failing=0
table=""
revocations=0
revtable=""
while IFS= read -r row; do
  [ -n "$row" ] || continue
  rule=$(jq -r '.[0]' <<<"$row"); uri=$(jq -r '.[1]' <<<"$row")
  line=$(jq -r '.[2]' <<<"$row"); col=$(jq -r '.[3]' <<<"$row")
  commit=$(jq -r '.[4]' <<<"$row"); msg=$(jq -r '.[5]' <<<"$row")
  path="$prefix$(urldecode "$uri")"
  echo "::error file=$(escp "$path"),line=$line,col=$col,title=$(escp "leakhound $rule")::$(esc "$msg")"
  count=$((count + 1))
  vstatus=$(jq -r '.[6]' <<<"$row")
  case "$fail_on" in
    any) failing=$((failing + 1)) ;;
    unknown) [ "$vstatus" = inactive ] || failing=$((failing + 1)) ;;
    active) [ "$vstatus" != active ] || failing=$((failing + 1)) ;;
  esac
  status_cell=""
  if [ -n "$audit" ]; then
    vstatus=$(jq -r '.[6]' <<<"$row"); vprovider=$(jq -r '.[7]' <<<"$row")
    if [ -n "$vstatus" ]; then status_cell=" $(cell "$vstatus") ($(cell "$vprovider")) |"; else status_cell=" not checked |"; fi
    by=$(jq -r '.[8]' <<<"$row")
    if [ -n "$by" ]; then
      outcome=$(jq -r '.[9]' <<<"$row"); detail=$(jq -r '.[10]' <<<"$row"); secret=$(jq -r '.[11]' <<<"$row")
      provider=$by
      if [ "$by" = hook ] && [ -n "$vprovider" ]; then provider="hook ($vprovider)"; fi
      revocations=$((revocations + 1))
      case "$outcome" in
        revoked|dry-run|hook-reported-success) level=notice ;;
        *) level=warning ;;
      esac
      echo "::$level file=$(escp "$path"),line=$line,title=$(escp "leakhound revocation: $outcome")::$(esc "$provider: $outcome: $secret at $path:$line${detail:+ ($detail)}")"
      revtable+="| $(cell "$provider") | \`$(cell "$secret")\` | \`$(cell "$path"):$line\` | **$(cell "$outcome")** | $(cell "$detail") |"$'\n'
    fi
  fi
  if [ "$count" -le 50 ]; then
    table+="| \`$(cell "$path"):$line\` | ${commit:0:12} | \`$(cell "$rule")\` |$status_cell $(cell "$msg") |"$'\n'
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
    if [ -n "$audit" ]; then
      echo "| where | commit | rule | verification | finding |"
      echo "|---|---|---|---|---|"
    else
      echo "| where | commit | rule | finding |"
      echo "|---|---|---|---|"
    fi
    printf '%s' "$table"
    if [ "$count" -gt 50 ]; then echo; echo "…and $((count - 50)) more in the SARIF report."; fi
    echo
    echo "To fix: rotate each credential at its provider, then remove it from the code. A false positive can be silenced with a \`leakhound:allow\` comment on its line or its fingerprint in \`.leakhoundignore\` (a pull request's own changes to these do not apply to its scan)."
  fi
  if [ -n "$audit" ]; then
    echo
    echo "### Revocations ($revocations)"
    echo
    if [ "$revocations" -eq 0 ]; then
      echo "Nothing was revoked."
    else
      if [ "$dry_run" = true ]; then
        echo "Dry run: nothing was revoked. Each row is a revocation that would have been attempted."
        echo
      fi
      echo "| provider | secret | where | outcome | detail |"
      echo "|---|---|---|---|---|"
      printf '%s' "$revtable"
    fi
    echo
    echo "Every verification and revocation attempt is in the audit log (\`$(basename "$audit")\`, uploaded as an artifact; it never holds a secret)."
  fi
} >> "$summary"
{ echo "findings=$count"; echo "failing=$failing"; echo "sarif-file=$sarif"; echo "kind=$kind"; echo "revocations=$revocations"; } >> "$output"
echo "leakhound: $count finding(s), $failing failing under --fail-on $fail_on${audit:+, $revocations revocation(s) listed}"
