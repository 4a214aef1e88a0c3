#!/usr/bin/env python3
"""Classifies the Kingfisher corpus rows leakhound misses (see docs/recall.md).

Usage: python3 bench/recall.py BIN && python3 bench/triage.py [BIN] [WORK_DIR]
Re-scans WORK_DIR/kingfisher (written by recall.py), then sorts every missed `match` row into
the classes docs/recall.md reports, by a heuristic over the row's longest token-like string:
companion rows (ids and hosts that only report with a secret), sequential or repeated filler,
word placeholders, short or low-entropy human values, "keyword then bare value" lines, and the
rest (plausible values of formats without a rule). Prints counts and a few examples per class.
"""
import collections, json, math, os, random, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "target", "release", "leakhound")
OUT = sys.argv[2] if len(sys.argv) > 2 else "/tmp/leakhound-recall"
CORPORA = os.environ.get("CORPORA", os.path.join(HERE, "..", "..", "shared", "corpora"))

rows = [json.loads(l) for l in open(f"{CORPORA}/kingfisher-rule-examples.jsonl")]
d = os.path.join(OUT, "kingfisher")
scan = subprocess.run([BIN, "scan", d, "--no-ignore", "--scan-binary", "-c", "/dev/null", "-f", "jsonl",
                       "-q", "--no-progress", "--exit-code", "0"], capture_output=True, text=True)
hit = {json.loads(l)["path"] for l in scan.stdout.splitlines()}
notes = {}
for r in rows:
    notes.setdefault(r["rule_id"], r.get("notes"))


def entropy(s):
    c = collections.Counter(s)
    return -sum(v / len(s) * math.log2(v / len(s)) for v in c.values())


FILLER = re.compile(r"0123456789|123456789|abcdefgh|1234567|abcdef|abcd1234|a1b2c3|xyz|426614174")
WORDS = re.compile(r"example|your|test|dummy|sample|fake|placeholder|redacted|changeme|insert|mysecret|mytoken|mypassword")


def classify(rid, text):
    toks = re.findall(r"[A-Za-z0-9_\-+/=.]{12,}", text)
    tok = max(toks, key=len) if toks else ""
    low = tok.lower()
    n = notes.get(rid) or {}
    if isinstance(n, dict) and (n.get("depends_on_rule") or n.get("visible") is False):
        return "companion id/host/user"
    if re.search(r"(.)\1{4,}", tok) or "xxxx" in low or FILLER.search(low) or re.search(r"(.{3,6})\1\1", low):
        return "sequential or repeated filler"
    if WORDS.search(low) or re.search(r"example|your_|<|\$\{", text.lower()):
        return "word placeholder"
    if not tok or entropy(tok) < 3.3:
        return "short or low-entropy human value"
    before = text.split(tok)[0]
    if re.search(r"^\s*[A-Za-z0-9]+[ _-]?(?:[A-Za-z]+ ?){0,3}\s[A-Za-z0-9]", text) and not re.search(r"[=:]", before):
        return "keyword then bare value"
    return "plausible, no rule"


classes = collections.defaultdict(list)
for i, r in enumerate(rows):
    if r["expect"] != "match":
        continue
    rel = os.path.join(f"ex{i:05d}", r["path_hint"]) if r.get("path_hint") else f"ex{i:05d}.txt"
    if rel not in hit:
        classes[classify(r["rule_id"], r["text"])].append((r["rule_id"], r["text"]))
random.seed(1)
print(f"missed: {sum(len(v) for v in classes.values())}")
for k, v in sorted(classes.items(), key=lambda kv: -len(kv[1])):
    print(f"{len(v):5d}  {k}")
    for rid, t in random.sample(v, min(3, len(v))):
        print(f"         {rid}: {t[:100]!r}")
