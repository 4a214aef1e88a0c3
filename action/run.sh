#!/usr/bin/env bash
# The GitHub Action (action.yml) in one script, so a test can run exactly what the action runs:
# install the released binary (action/install.sh: download, SHA-256 check), then scan
# (action/scan.sh: range or history, SARIF, annotations, job summary, outputs).
# Exits 0 whether or not there are findings (action.yml's last step fails the job on them),
# 2 when it cannot install or scan.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binfile=$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/leakhound-bin.XXXXXX")
trap 'rm -f "$binfile"' EXIT
if [ -n "${LEAKHOUND_BIN:-}" ]; then
  echo "leakhound: using LEAKHOUND_BIN=$LEAKHOUND_BIN (no download)"
else
  LEAKHOUND_BIN_FILE=$binfile bash "$here/install.sh"
  LEAKHOUND_BIN=$(cat "$binfile")
  export LEAKHOUND_BIN
fi
bash "$here/scan.sh"
