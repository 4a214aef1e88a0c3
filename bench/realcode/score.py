#!/usr/bin/env python3
"""Precision and recall of leakhound, gitleaks and Betterleaks on the real-code benchmark.

Usage:
  python3 bench/realcode/score.py [--dir DIR] [--work DIR] [--per-project] [--unlabelled]
                                  [--misses TOOL] [--false TOOL] [--project ID ...] [--tools a,b]
                                  [--holdout | --tuning]

The projects are the ones fetch.sh unpacked into DIR (default /tmp/leakhound-realcode). Every
tool's findings are reduced to locations (project, path relative to the project root, line) and
looked up in labels.tsv. Precision = locations labelled true / locations labelled at all; recall =
the tool's true locations / every location labelled true (including the ones no tool found).

Projects whose kind ends in "(hold-out)" form the hold-out set: they were added after the
detection engine was tuned on the others (the tuning set), so their figures are the honest ones.
When both sets are scored, the table is printed for all projects and for each set; --holdout or
--tuning scores one set only.

Environment: LEAKHOUND (default target/release/leakhound in the repository), PEERS (directory with
bin/gitleaks and bin/betterleaks, default /tmp/peers, installed by shared/peers/install.sh).
Peer results are cached in the work dir per project archive and tool version; leakhound, the tool
under development, is run every time. Python 3.11 standard library only.

Nothing printed here shows a secret: unlabelled findings are listed with the rule and a masked
line only.
"""
import argparse
import collections
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
TOOLS = ("leakhound", "gitleaks", "betterleaks")
HOLDOUT_MARK = "(hold-out)"


def is_holdout(project):
    return project["kind"].strip().endswith(HOLDOUT_MARK)


def read_projects():
    with open(os.path.join(HERE, "projects.tsv"), newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def read_labels(path):
    labels = {}
    with open(path, newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        header = next(rows)
        if header != ["project", "path", "line", "verdict", "reason"]:
            sys.exit(f"{path}: unexpected header {header}")
        for n, row in enumerate(rows, start=2):
            if not row or row[0].startswith("#"):
                continue
            if len(row) != 5:
                sys.exit(f"{path}:{n}: expected 5 columns, got {len(row)}")
            project, rel, line, verdict, reason = row  # line 0: the whole file
            if verdict not in ("true", "false"):
                sys.exit(f"{path}:{n}: verdict must be true or false, not {verdict!r}")
            key = (project, rel, int(line))
            if key in labels:
                sys.exit(f"{path}:{n}: location labelled twice: {key}")
            labels[key] = (verdict == "true", reason)
    return labels


def relpath(p, root):
    p = os.path.normpath(p)
    if os.path.isabs(p):
        p = os.path.relpath(p, root)
    return p.replace(os.sep, "/")


def run_leakhound(binary, root):
    out = subprocess.run(
        [binary, "scan", root, "-c", "/dev/null", "-f", "jsonl", "-q", "--no-progress", "--exit-code", "0"],
        capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"leakhound failed on {root}: {out.stderr.strip()}")
    found = []
    for line in out.stdout.splitlines():
        if line.strip():
            d = json.loads(line)
            # An archive member is `x.zip!/member` to leakhound, `x.zip!member` in the labels.
            path = d["path"].replace("!/", "!")
            found.append((relpath(os.path.join(root, path) if not os.path.isabs(path) else path, root),
                          int(d["line"]), d["rule"]))
    return found


def run_gitleaks(binary, root):
    fd, report = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        out = subprocess.run(
            [binary, "dir", root, "--no-banner", "--report-format", "json", "-r", report,
             "--exit-code", "0", "--log-level", "error"], capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"gitleaks failed on {root}: {out.stderr.strip()[-500:]}")
        with open(report) as f:
            data = json.load(f) or []
    finally:
        os.unlink(report)
    return [(relpath(d["File"], root), int(d["StartLine"]), d["RuleID"]) for d in data]


def run_betterleaks(binary, root):
    fd, report = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        out = subprocess.run(
            [binary, "fs", root, "-o", report, "--exit-code", "0", "--no-banner", "--no-color",
             "--log-level", "error"], capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"betterleaks failed on {root}: {out.stderr.strip()[-500:]}")
        with open(report) as f:
            data = json.load(f)
    finally:
        os.unlink(report)
    findings = data.get("findings") or [] if isinstance(data, dict) else data
    # A finding about a whole file (a PKCS#12 keystore, say) has no line: it is location line 0.
    return [(relpath(d["location"]["path"], root), int(d["location"].get("start_line", 0)), d["rule_id"])
            for d in findings]


def tool_version(binary, args):
    try:
        out = subprocess.run([binary] + args, capture_output=True, text=True, timeout=60)
        return re.sub(r"[^A-Za-z0-9._-]+", "_", (out.stdout or out.stderr).strip())[:60] or "unknown"
    except OSError:
        return None


def peer_findings(tool, binary, version, project, root, work):
    cache_dir = os.path.join(work, "cache", f"{tool}-{version}")
    os.makedirs(cache_dir, exist_ok=True)
    cache = os.path.join(cache_dir, f"{project['id']}-{project['sha256'][:16]}.json")
    if os.path.exists(cache):
        with open(cache) as f:
            return [tuple(x) for x in json.load(f)]
    print(f"  running {tool} on {project['id']} (cached afterwards)", file=sys.stderr)
    found = (run_gitleaks if tool == "gitleaks" else run_betterleaks)(binary, root)
    with open(cache + ".tmp", "w") as f:
        json.dump(found, f)
    os.replace(cache + ".tmp", cache)
    return found


TOKEN = re.compile(r"[A-Za-z0-9+/_.\-]+")


def _keep_name(tok):
    """A name worth keeping in a masked line: a lower- or mixed-case identifier without digits,
    or an upper-case word or SNAKE_CASE name long enough not to be a provider prefix."""
    if len(tok) > 40 or re.search(r"\d", tok) or re.match(r"[A-Za-z]{2,6}[_\-.]", tok) and not re.fullmatch(r"[A-Za-z]+([_.][A-Za-z]+)+", tok):
        return False
    if re.match(r"(gh[pousr]|xox[a-z]|[spr]k|glpat|npm|shp[a-z]+|sl)_", tok) and len(tok) > 6:
        return False
    if re.fullmatch(r"[A-Za-z_.\-]*[a-z][A-Za-z_.\-]*", tok):
        return True
    return bool(re.fullmatch(r"[A-Z]+(_[A-Z]+)+|[A-Z]{6,}", tok))


def mask_line(text):
    """The line with every value masked: up to the first assignment or key separator, names are
    kept (they say what is assigned) and anything else becomes '*'s; after it, every run of
    letters, digits and token punctuation becomes '*'s, so that no part of a value is shown."""
    text = text.strip()
    m = re.search(r"[=:]", text)
    head, tail = (text[:m.end()], text[m.end():]) if m else ("", text)
    star = lambda t: "*" * min(len(t.group(0)), 12)
    head = TOKEN.sub(lambda t: t.group(0) if _keep_name(t.group(0)) else star(t), head)
    tail = TOKEN.sub(star, tail)
    out = head + tail
    return out if len(out) <= 140 else out[:140] + "..."


def line_of(root, rel, line):
    try:
        with open(os.path.join(root, rel), "rb") as f:
            for n, raw in enumerate(f, start=1):
                if n == line:
                    return raw.decode("utf-8", "replace")
    except OSError:
        pass
    return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default="/tmp/leakhound-realcode", help="where fetch.sh unpacked the projects")
    ap.add_argument("--work", default="/tmp/leakhound-realcode-work", help="cache for the peers' results")
    ap.add_argument("--per-project", action="store_true", help="also print one row per project and tool")
    ap.add_argument("--unlabelled", action="store_true", help="list unlabelled findings (masked)")
    ap.add_argument("--misses", metavar="TOOL", help="list the true labels TOOL did not report")
    ap.add_argument("--false", metavar="TOOL", dest="false_of", help="list TOOL's findings labelled false")
    ap.add_argument("--project", action="append", help="only these project ids (repeatable)")
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--holdout", action="store_true",
                       help="only the hold-out projects (kind ending in '(hold-out)')")
    which.add_argument("--tuning", action="store_true", help="only the tuning projects (all others)")
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of " + ",".join(TOOLS))
    ap.add_argument("--labels", default=os.path.join(HERE, "labels.tsv"), help="labels file (default: labels.tsv here)")
    ap.add_argument("--findings-jsonl", metavar="FILE",
                    help="write every normalised finding (project, path, line, tool, rule; no values) to FILE")
    args = ap.parse_args()

    tools = [t for t in args.tools.split(",") if t]
    for t in tools:
        if t not in TOOLS:
            sys.exit(f"unknown tool {t}")
    peers = os.environ.get("PEERS", "/tmp/peers")
    binaries = {
        "leakhound": os.environ.get("LEAKHOUND", os.path.join(REPO, "target", "release", "leakhound")),
        "gitleaks": os.path.join(peers, "bin", "gitleaks"),
        "betterleaks": os.path.join(peers, "bin", "betterleaks"),
    }
    versions = {}
    for t in tools:
        if not os.access(binaries[t], os.X_OK):
            sys.exit(f"{t}: no executable at {binaries[t]} (set LEAKHOUND / PEERS; peers: bash shared/peers/install.sh)")
        versions[t] = tool_version(binaries[t], ["--version"] if t == "leakhound" else ["version"])

    projects = [p for p in read_projects() if not args.project or p["id"] in args.project]
    if args.holdout:
        projects = [p for p in projects if is_holdout(p)]
    elif args.tuning:
        projects = [p for p in projects if not is_holdout(p)]
    if not projects:
        sys.exit("no project selected")
    labels = read_labels(args.labels)
    ids = {p["id"] for p in read_projects()}
    stray = {k[0] for k in labels} - ids
    if stray:
        sys.exit(f"labels.tsv names unknown projects: {sorted(stray)}")

    # found[tool][(project, path, line)] = set of rules
    found = {t: collections.defaultdict(set) for t in tools}
    for p in projects:
        root = os.path.join(args.dir, p["id"])
        if not os.path.isdir(root):
            sys.exit(f"{root} missing: run bench/realcode/fetch.sh {args.dir}")
        for t in tools:
            if t == "leakhound":
                items = run_leakhound(binaries[t], root)
            else:
                items = peer_findings(t, binaries[t], versions[t], p, root, args.work)
            for rel, line, rule in items:
                found[t][(p["id"], rel, line)].add(rule)

    chosen = {p["id"] for p in projects}
    labels = {k: v for k, v in labels.items() if k[0] in chosen}
    all_true = {k for k, (v, _) in labels.items() if v}

    if args.findings_jsonl:
        with open(args.findings_jsonl, "w") as f:
            for t in tools:
                for (proj, rel, line), rules in sorted(found[t].items()):
                    f.write(json.dumps({"project": proj, "path": rel, "line": line, "tool": t,
                                        "rules": sorted(rules)}) + "\n")

    def stats(tool, only=None):
        """Figures for one project id, a set of ids, or (None) every chosen project."""
        keep = (lambda pid: True) if only is None else (
            (lambda pid: pid == only) if isinstance(only, str) else (lambda pid: pid in only))
        locs = {k for k in found[tool] if keep(k[0])}
        true = {k for k in locs if k in labels and labels[k][0]}
        false = {k for k in locs if k in labels and not labels[k][0]}
        denom = {k for k in all_true if keep(k[0])}
        prec = len(true) / (len(true) + len(false)) if true or false else float("nan")
        rec = len(true) / len(denom) if denom else float("nan")
        return len(locs), len(true), len(false), len(locs) - len(true) - len(false), prec, rec, len(denom)

    n_true = len(all_true)
    print("tools: " + ", ".join(f"{t} {versions[t]}" for t in tools))
    header = f"{'tool':<12} {'reported':>8} {'true':>6} {'false':>6} {'unlab.':>6} {'precision':>9} {'recall':>7}"

    def table(title, ids):
        n_lab = sum(1 for k in labels if ids is None or k[0] in ids)
        n_tr = sum(1 for k in all_true if ids is None or k[0] in ids)
        n_proj = len(projects) if ids is None else len(ids)
        print()
        print(f"{title}: {n_proj} projects, {n_lab} labelled locations ({n_tr} true, {n_lab - n_tr} false)")
        print(header)
        for t in tools:
            r, tr, fa, un, pr, rc, _ = stats(t, ids)
            print(f"{t:<12} {r:>8} {tr:>6} {fa:>6} {un:>6} {pr:>9.3f} {rc:>7.3f}")

    holdout_ids = {p["id"] for p in projects if is_holdout(p)}
    tuning_ids = chosen - holdout_ids
    if holdout_ids and tuning_ids:
        table("real-code benchmark, all projects", None)
        table("tuning set (the engine was tuned on these)", tuning_ids)
        table("hold-out set (not used for tuning)", holdout_ids)
    else:
        which = ", hold-out set" if holdout_ids else (", tuning set" if args.tuning else "")
        table("real-code benchmark" + which, None)

    if args.per_project:
        print()
        print(f"{'project':<18} {'tool':<12} {'reported':>8} {'true':>6} {'false':>6} {'unlab.':>6} "
              f"{'precision':>9} {'recall':>7} {'all true':>8}")
        for p in projects:
            for t in tools:
                r, tr, fa, un, pr, rc, d = stats(t, p["id"])
                print(f"{p['id']:<18} {t:<12} {r:>8} {tr:>6} {fa:>6} {un:>6} {pr:>9.3f} {rc:>7.3f} {d:>8}")

    unlabelled = collections.defaultdict(dict)
    for t in tools:
        for k, rules in found[t].items():
            if k not in labels:
                unlabelled[k][t] = rules
    if unlabelled:
        print()
        print(f"{len(unlabelled)} reported locations have no label"
              + ("" if args.unlabelled else " (list them with --unlabelled)"))
        if args.unlabelled:
            for (proj, rel, line) in sorted(unlabelled):
                by = unlabelled[(proj, rel, line)]
                who = "; ".join(f"{t}:{','.join(sorted(r))}" for t, r in sorted(by.items()))
                text = mask_line(line_of(os.path.join(args.dir, proj), rel, line))
                print(f"{proj}\t{rel}\t{line}\t{who}\t{text}")

    def listing(title, keys, row, reasons_title):
        """Prints `title`, one row per location, then the most common label reasons."""
        print()
        print(title)
        for k in keys:
            print(row(k))
        print()
        print(reasons_title)
        for reason, n in collections.Counter(labels[k][1] for k in keys).most_common(15):
            print(f"{n:>5}  {reason}")

    for flag, t in (("--misses", args.misses), ("--false", args.false_of)):
        if t and t not in tools:
            sys.exit(f"{flag}: {t} was not run")
    if args.misses:
        t = args.misses
        missed = sorted(k for k in all_true if k not in found[t])
        listing(f"{t} missed {len(missed)} of {n_true} true locations:", missed,
                lambda k: f"{k[0]}\t{k[1]}\t{k[2]}\t{labels[k][1]}",
                "most common reasons among the misses:")
    if args.false_of:
        t = args.false_of
        wrong = sorted(k for k in found[t] if k in labels and not labels[k][0])
        listing(f"{t}: {len(wrong)} locations labelled false:", wrong,
                lambda k: f"{k[0]}\t{k[1]}\t{k[2]}\t{','.join(sorted(found[t][k]))}\t{labels[k][1]}",
                "most common reasons:")

if __name__ == "__main__":
    main()
