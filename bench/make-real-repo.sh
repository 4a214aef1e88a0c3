#!/usr/bin/env bash
# Builds a large real git history for bench/run.sh's `real` mode: 22 Django releases, from the
# sdists PyPI serves (its simple index, JSON form, PEP 691), each committed as the next version
# of the tree, with release branches and a tag per release, then packed with `git gc`.
#
#   bench/make-real-repo.sh [DIR]      (default /tmp/leakhound-bench/real; builds DIR/django.git)
#
# Deterministic: every sdist is checked against the SHA-256 the index lists, commits carry a fixed
# author and the release's upload time as their date, so the same DIR gives the same commit ids
# on every machine. Downloads are kept in DIR/sdists and reused. Needs curl, python3, git, tar.
#
#   main:          4.0 → 4.1 → 4.2 → 5.0 → 5.1 → 5.2
#   stable/4.2.x:  from 4.2:  4.2.1 … 4.2.10
#   stable/5.0.x:  from 5.0:  5.0.1 … 5.0.6
set -euo pipefail
dir=${1:-/tmp/leakhound-bench/real}
index=${PYPI_SIMPLE:-https://pypi.org/simple}
out=$dir/django.git
mkdir -p "$dir/sdists"
sdists=$(cd "$dir/sdists" && pwd)

versions="4.0 4.1 4.2 4.2.1 4.2.2 4.2.3 4.2.4 4.2.5 4.2.6 4.2.7 4.2.8 4.2.9 4.2.10
          5.0 5.0.1 5.0.2 5.0.3 5.0.4 5.0.5 5.0.6 5.1 5.2"

# One line per version: filename, sha256, upload time, url.
curl -fsS --retry 3 -H 'Accept: application/vnd.pypi.simple.v1+json' "$index/django/" \
  | python3 -c '
import json, sys
want = sys.argv[1:]
files = {f["filename"]: f for f in json.load(sys.stdin)["files"]}
for v in want:
    f = files.get(f"Django-{v}.tar.gz") or files.get(f"django-{v}.tar.gz")
    if f is None:
        sys.exit(f"no sdist of Django {v} in the index")
    print(f["filename"], f["hashes"]["sha256"], f["upload-time"], f["url"])
' $versions > "$dir/sdists.txt"

while read -r name sha _ url; do
  f=$sdists/$name
  if [ ! -f "$f" ] || ! echo "$sha  $f" | sha256sum -c --status; then
    echo "downloading $name" >&2
    curl -fsS --retry 3 -o "$f.part" "$url"
    echo "$sha  $f.part" | sha256sum -c --status || { echo "$name: SHA-256 mismatch" >&2; exit 1; }
    mv "$f.part" "$f"
  fi
done < "$dir/sdists.txt"

wt=$(mktemp -d)
trap 'rm -rf "$wt"' EXIT
rm -rf "$out"
git init -q --bare "$out"
export GIT_DIR=$out GIT_WORK_TREE=$wt GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 \
       GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid \
       GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
git config core.autocrlf false
git symbolic-ref HEAD refs/heads/main
commit() { # version
  local name date
  read -r name _ date _ < <(grep -i "^django-$1\.tar\.gz " "$dir/sdists.txt")
  find "$wt" -mindepth 1 -delete
  tar xzf "$sdists/$name" -C "$wt" --strip-components=1
  git add -A
  GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date git commit -q --no-gpg-sign -m "Django $1"
  git tag "v$1"
}
for v in 4.0 4.1 4.2; do commit $v; done
git checkout -q -b stable/4.2.x
for v in 4.2.1 4.2.2 4.2.3 4.2.4 4.2.5 4.2.6 4.2.7 4.2.8 4.2.9 4.2.10; do commit $v; done
git checkout -q -f main
commit 5.0
git checkout -q -b stable/5.0.x
for v in 5.0.1 5.0.2 5.0.3 5.0.4 5.0.5 5.0.6; do commit $v; done
git checkout -q -f main
for v in 5.1 5.2; do commit $v; done
git gc -q
git cat-file --batch-all-objects --batch-check | awk -v c="$(git rev-list --all | wc -l)" \
  '$2=="blob" {n++; s+=$3} END {printf "django.git: %d commits, %d blobs, %.0f MB of blob content\n", c, n, s/1e6}'
echo "$out"
