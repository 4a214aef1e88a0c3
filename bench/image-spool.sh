#!/usr/bin/env bash
# Wall time and peak memory of `leakhound image` on one synthetic docker-save image, plain and
# compressed (gzip, zstd): a compressed tarball is decompressed to a temporary file first
# (README, "Container images"). The image: one layer of 400 text files, 100 MiB in all.
# Usage: bash bench/image-spool.sh [LEAKHOUND] [RUNS]
set -euo pipefail
lh=${1:-target/release/leakhound}
runs=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import hashlib, io, json, os, random, sys, tarfile
work = sys.argv[1]
rnd = random.Random(7)
words = [ "alpha", "beta", "config", "value", "service", "retry", "timeout", "region", "name", "port"]
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w") as t:
    for i in range(400):
        lines = []
        size = 0
        while size < 256 * 1024:
            line = f"{rnd.choice(words)}_{i}_{size} = {rnd.choice(words)}-{rnd.randrange(10**9)}\n"
            lines.append(line); size += len(line)
        data = "".join(lines).encode()
        info = tarfile.TarInfo(f"srv/app/conf{i:03}.txt"); info.size = len(data)
        t.addfile(info, io.BytesIO(data))
layer = layer.getvalue()
ld = hashlib.sha256(layer).hexdigest()
config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/usr/bin"]},
                     "rootfs": {"type": "layers", "diff_ids": [f"sha256:{ld}"]}, "history": []}).encode()
cd = hashlib.sha256(config).hexdigest()
with tarfile.open(os.path.join(work, "image.tar"), "w") as t:
    for name, data in [(f"{ld}/layer.tar", layer), (f"{cd}.json", config),
                       ("manifest.json", json.dumps([{"Config": f"{cd}.json", "RepoTags": ["bench:1"],
                                                      "Layers": [f"{ld}/layer.tar"]}]).encode())]:
        info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
PY
gzip -k "$work/image.tar"
zstd -q -k "$work/image.tar"
printf '%-14s %10s %12s\n' input "wall s" "peak RSS KB"
for f in image.tar image.tar.gz image.tar.zst; do
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/t" "$lh" image "$work/$f" --no-progress -q -c /dev/null \
      -f jsonl -o "$work/out.jsonl" --exit-code 0
    read -r wall rss <"$work/t"
    printf '%-14s %10s %12s\n' "$f" "$wall" "$rss"
  done
done
