#!/usr/bin/env bash
# Builds the large real history of bench/history-speed.sh: DIR/large.git.
#
#   bench/make-large-history.sh [DIR]        (default /tmp/leakhound-bench/large)
#
# How it is made. bench/large-history.lock pins 121 released archives by version and SHA-256:
#   - Django sdists from PyPI: 3.0 → 3.1 → … → 5.2 on `django/main`, and every patch release of
#     3.2, 4.2 and 5.2 on `django/stable/X.Y.x`, each branch starting at its minor release's tag;
#   - TypeScript tarballs from npm (`npm pack`): 37 releases 4.5.5 … 5.9.3 on `typescript/main`
#     (its lib/ holds the compiler as a few large generated .js files: the big, delta-heavy blobs).
# Each release's tree is reached from the branch's previous state one file at a time: one commit
# per added, changed or removed file, in path order, dated evenly between the two upload times,
# then the release is tagged (`django-4.2.1`, `typescript-5.4.5`). So the content is real released
# code and every blob version is a real version of that file; only the commit granularity is made
# up. bench/large_history.py writes the `git fast-import` stream; then `git repack -adf
# --depth=50 --window=250` gives it real-repository deltas.
#
# Deterministic: archives are checked against the lock's SHA-256, the author is fixed, dates come
# from the lock, so the same lock gives the same commit ids everywhere. Archives are kept in
# DIR/archives and reused; the repository is rebuilt only when missing. Network: PyPI and the npm
# registry only, through their own indexes and npm. Needs curl, python3, npm, git. Takes about
# 5 minutes on 2 cores (most of it the repack).
#
# Result: 29,910 commits, 24,152 blobs, 1.71 GB of blob content in a 51 MB pack (the check at
# the end requires at least 20,000 commits and 1 GB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-/tmp/leakhound-bench/large}
lock=$here/large-history.lock
index=${PYPI_SIMPLE:-https://pypi.org/simple}
out=$dir/large.git
mkdir -p "$dir/archives"
arch=$(cd "$dir/archives" && pwd)

if [ -f "$out/large.done" ]; then echo "$out"; exit 0; fi

have() { [ -f "$arch/$1" ] && echo "$2  $arch/$1" | sha256sum -c --status; }

# Django: each sdist's address from PyPI's simple index (JSON form, PEP 691), fetched once.
urls=$dir/django-urls.txt
if [ ! -s "$urls" ]; then
  curl -fsS --retry 3 -H 'Accept: application/vnd.pypi.simple.v1+json' "$index/django/" \
    | python3 -c 'import json,sys; [print(f["filename"], f["url"]) for f in json.load(sys.stdin)["files"]]' > "$urls"
fi
while read -r branch _ project version _ file sha; do
  case $branch in \#*|'') continue ;; esac
  have "$file" "$sha" && continue
  echo "downloading $file" >&2
  case $project in
    django) curl -fsS --retry 3 -o "$arch/$file.part" "$(awk -v f="$file" '$1==f {print $2}' "$urls")"
            mv "$arch/$file.part" "$arch/$file" ;;
    *)      (cd "$arch" && npm pack --silent "$project@$version" >/dev/null) ;;
  esac
  have "$file" "$sha" || { echo "$file: SHA-256 differs from $lock" >&2; exit 1; }
done < "$lock"

rm -rf "$out"
git init -q --bare "$out"
export GIT_DIR=$out GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
python3 "$here/large_history.py" "$lock" "$arch" | git fast-import --quiet
git symbolic-ref HEAD refs/heads/django/main
git repack -adf -q --depth=50 --window=250
git prune-packed
git cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' \
  | awk -v c="$(git rev-list --all | wc -l)" '$1=="blob" {n++; s+=$2} END {
      printf "large.git: %d commits, %d blobs, %.0f MB of blob content\n", c, n, s/1e6
      if (c < 20000 || s < 1e9) { print "large.git: smaller than 20,000 commits / 1 GB" > "/dev/stderr"; exit 1 } }'
touch "$out/large.done"
echo "$out"
