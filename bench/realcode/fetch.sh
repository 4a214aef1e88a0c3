#!/usr/bin/env bash
# Downloads the real-code benchmark projects listed in projects.tsv from their package registries,
# checks each archive's sha256 and unpacks it to DIR/<id>/ with the archive's top folder removed,
# so that paths are relative to the project root. Idempotent: a project already unpacked (marked by
# DIR/<id>/.realcode-sha256) is left alone; an archive is deleted once unpacked (set KEEP_ARCHIVES=1
# to keep them in DIR/.archives).
#   bash bench/realcode/fetch.sh [DIR]        (default: /tmp/leakhound-realcode)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-/tmp/leakhound-realcode}
mkdir -p "$dir/.archives"
fail=0
while IFS=$'\t' read -r id registry name version url sha kind why; do
  [ "$id" = id ] && continue
  [ -z "$id" ] && continue
  dest="$dir/$id"
  if [ -f "$dest/.realcode-sha256" ] && [ "$(cat "$dest/.realcode-sha256")" = "$sha" ]; then
    continue
  fi
  archive="$dir/.archives/$id-$version.tar.gz"
  if [ ! -f "$archive" ] || [ "$(sha256sum "$archive" | cut -c1-64)" != "$sha" ]; then
    echo "fetch  $id ($registry $name $version)" >&2
    curl -fsSL --retry 3 -o "$archive.part" "$url"
    mv "$archive.part" "$archive"
  fi
  got=$(sha256sum "$archive" | cut -c1-64)
  if [ "$got" != "$sha" ]; then
    echo "sha256 mismatch for $id: expected $sha, got $got" >&2
    fail=1
    continue
  fi
  rm -rf "$dest.tmp" "$dest"
  mkdir -p "$dest.tmp"
  # Every archive (sdist, npm tarball, .crate) is a gzipped tar with one top folder.
  tar xzf "$archive" -C "$dest.tmp" --strip-components=1 --no-same-owner
  echo "$sha" > "$dest.tmp/.realcode-sha256"
  mv "$dest.tmp" "$dest"
  [ "${KEEP_ARCHIVES:-0}" = 1 ] || rm -f "$archive"
  echo "ok     $id" >&2
done < "$here/projects.tsv"
exit $fail
