#!/usr/bin/env python3
"""Per-file match recall of leakhound on the peer corpora (see ../shared/corpora/README.md).

Usage: python3 bench/recall.py [LEAKHOUND_BIN] [WORK_DIR]
Prints recall per corpus; writes the rules with zero detections to WORK_DIR/<corpus>.zero.txt.

Each missed row is then run through `leakhound explain` and classified by the scanner's own
verdict on it (the first that applies, in this order): `checksum` (a GitHub/npm token whose
CRC-32 is wrong), `placeholder`, `pem` / `jwt` (the key or token does not decode), `entropy`
(below the floor), `generic` (the generic rules' plausibility check: a UUID, a digest, an
identifier), `no-pattern` (a keyword occurs but no rule's pattern matches) and `no-keyword`.
Rows of the corpus rules listed in PUBLIC are classed `public` instead: by their providers'
documentation they are identifiers meant to be seen, not secrets. The counts are printed and the
rows written to WORK_DIR/<corpus>.misses.jsonl. The "allowed" figures leave out the rows the
issue itself says must not be findings (a wrong checksum, a placeholder, an identifier).
"""
import collections, json, os, shutil, subprocess, sys
HERE = os.path.dirname(os.path.abspath(__file__))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "target", "release", "leakhound")
CORPORA = os.environ.get("CORPORA", os.path.join(HERE, "..", "..", "shared", "corpora"))
OUT = sys.argv[2] if len(sys.argv) > 2 else "/tmp/leakhound-recall"
# Corpus rules whose `match` rows hold public identifiers, with the documentation saying so.
PUBLIC = {
    "gitleaks": {
        "asana-client-id": "OAuth client id, sent in every authorization URL (developers.asana.com/docs/oauth)",
        "discord-client-id": "application id, part of every bot invite URL (discord.com/developers/docs/topics/oauth2)",
        "linkedin-client-id": "OAuth client id, sent in every authorization URL (learn.microsoft.com/linkedin/shared/authentication)",
        "sendbird-access-id": "application id, embedded in client apps (sendbird.com/docs/chat/sdk/v4/javascript/getting-started)",
        "messagebird-client-id": "client id; every row here is 12345678-ABCD-ABCD-ABCD-1234567890AB or similar",
    },
    "noseyparker": {
        "np.arn.1": "Amazon Resource Names name resources, they grant nothing",
        "np.aws.3": "AWS account ids are not secret (docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html)",
        "np.s3.1": "S3 bucket host names", "np.s3.2": "S3 bucket paths",
        "np.gcs.1": "Cloud Storage bucket host names", "np.gcs.2": "Cloud Storage bucket paths",
        "np.shopify.1": "*.myshopify.com shop domains",
        "np.google.1": "OAuth client ids, public by design (developers.google.com/identity/protocols/oauth2)",
        "np.age.1": "age recipients are public keys (age-encryption.org/v1)",
        "np.mapbox.1": "pk. tokens are Mapbox's public tokens (docs.mapbox.com/help/glossary/access-token)",
    },
}

ORDER = ["checksum", "placeholder", "pem", "jwt", "entropy", "generic", "no-pattern"]


def reason_of(entries):
    """The first applicable class in ORDER for one missed file's explain entries."""
    seen = set()
    for e in entries:
        v = e["verdict"]
        if v == "check":
            c = e["check"]
            seen.add({"github-crc32": "checksum", "npm-crc32": "checksum",
                      "pem-private-key": "pem", "jwt": "jwt"}.get(c, "generic"))
        elif v in ("placeholder", "entropy", "no-pattern"):
            seen.add(v)
    return next((r for r in ORDER if r in seen), "no-keyword")


def explain(paths):
    """`leakhound explain -f jsonl` over `paths`, in batches; entries grouped by path."""
    by_path = collections.defaultdict(list)
    for i in range(0, len(paths), 500):
        out = subprocess.run([BIN, "explain", "-c", "/dev/null", "-f", "jsonl", *paths[i:i + 500]],
                             capture_output=True, text=True, check=True)
        for line in out.stdout.splitlines():
            e = json.loads(line)
            by_path[e["path"]].append(e)
    return by_path


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
    missed = sorted(rel for rel in files if rel not in hit)
    entries = explain([os.path.join(d, rel) for rel in missed])
    reasons = collections.Counter()
    with open(os.path.join(OUT, f"{name}.misses.jsonl"), "w") as f:
        for rel in missed:
            why = reason_of(entries.get(os.path.join(d, rel), []))
            if files[rel]["rule_id"] in PUBLIC.get(name, {}):
                why = "public"
            reasons[why] += 1
            f.write(json.dumps({"file": rel, "rule_id": files[rel]["rule_id"], "reason": why}) + "\n")
    barred = reasons["checksum"] + reasons["placeholder"] + reasons["public"]
    print("  misses by the scanner's verdict: " +
          ", ".join(f"{r} {reasons[r]}" for r in ["public"] + ORDER + ["no-keyword"] if reasons[r]))
    print(f"  recall on the rows the issue allows reporting (leaving out {barred} wrong-checksum, "
          f"placeholder and public-identifier rows): {k}/{n - barred} = {k/(n - barred):.3f}; "
          f"highest reachable on the whole file: {(n - barred)/n:.3f}")
    with open(os.path.join(OUT, f"{name}.zero.txt"), "w") as f:
        for rid in zero:
            f.write(f"{rid}\t{per_rule[rid][1]}\n")
    with open(os.path.join(OUT, f"{name}.partial.txt"), "w") as f:
        for rid, (a, b) in sorted(per_rule.items()):
            if 0 < a < b:
                f.write(f"{rid}\t{a}/{b}\n")
