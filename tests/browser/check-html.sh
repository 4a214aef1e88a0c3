#!/usr/bin/env bash
# The HTML report in a real browser (issue 18): see check_html.py. Fails when Chromium is
# missing; .ci/run installs it first.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 tests/browser/check_html.py "$@"
