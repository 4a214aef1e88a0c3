#!/usr/bin/env python3
"""Per-file match recall of leakhound on the peer corpora (see ../shared/corpora/README.md).

Usage: python3 bench/recall.py [LEAKHOUND_BIN] [WORK_DIR]
Prints recall per corpus; writes the rules with zero detections to WORK_DIR/<corpus>.zero.txt.
"""
import collections, json, os, shutil, subprocess, sys
HERE = os.path.dirname(os.path.abspath(__file__))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "target", "release", "leakhound")
CORPORA = os.environ.get("CORPORA", os.path.join(HERE, "..", "..", "shared", "corpora"))
OUT = sys.argv[2] if len(sys.argv) > 2 else "/tmp/leakhound-recall"
res = {}
for name in ["gitleaks", "noseyparker", "kingfisher"]:
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    rows = [json.loads(l) for l in open(f"{CORPORA}/{name}-rule-examples.jsonl")]
    files = {}
    for i, r in enumerate(rows):
        if r["expect"] != "match":
            continue
        if r.get("path_hint"):
            rel = os.path.join(f"ex{i:05d}", r["path_hint"])
        else:
            rel = f"ex{i:05d}.txt"
        p = os.path.join(d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(r["text"])
        files[rel] = r
    out = subprocess.run([BIN, "scan", d, "--no-ignore", "--scan-binary", "-c", "/dev/null",
                          "-f", "jsonl", "-q", "--no-progress", "--exit-code", "0"],
                         capture_output=True, text=True)
    hit = set()
    fired = collections.Counter()
    for line in out.stdout.splitlines():
        f = json.loads(line)
        hit.add(f["path"])
        fired[f["rule"]] += 1
    per_rule = collections.defaultdict(lambda: [0, 0])
    for rel, r in files.items():
        det = rel in hit
        per_rule[r["rule_id"]][0] += det
        per_rule[r["rule_id"]][1] += 1
    n = len(files); k = sum(1 for rel in files if rel in hit)
    zero = sorted(rid for rid, (a, b) in per_rule.items() if a == 0)
    print(f"{name}: {k}/{n} = {k/n:.3f}; rules with zero detection: {len(zero)}/{len(per_rule)}")
    with open(os.path.join(OUT, f"{name}.zero.txt"), "w") as f:
        for rid in zero:
            f.write(f"{rid}\t{per_rule[rid][1]}\n")
    with open(os.path.join(OUT, f"{name}.partial.txt"), "w") as f:
        for rid, (a, b) in sorted(per_rule.items()):
            if 0 < a < b:
                f.write(f"{rid}\t{a}/{b}\n")
