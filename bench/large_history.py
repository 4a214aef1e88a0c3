#!/usr/bin/env python3
"""Writes a `git fast-import` stream of a large real history (see make-large-history.sh).

    large_history.py LOCKFILE DOWNLOADS > stream

LOCKFILE lists, one per line: `branch parent-ref project version date file sha256`, in commit
order. Each line is a release: its archive's tree is reached from the branch's previous state one
changed file at a time (one commit per added, changed or removed file, in path order, dated
evenly between the two releases), then the release is tagged. A branch whose parent-ref is not
`-` starts from that tag (a stable branch from its minor release); `-` starts an empty root.

Everything is a function of the archives and the lock file: fixed author, dates from the lock,
paths sorted, so the same inputs give the same commit ids.
"""
import datetime
import hashlib
import sys
import tarfile

AUTHOR = b"bench <bench@example.invalid>"


def read_tree(path):
    """Regular files of a release archive, first path component stripped: {path: bytes}."""
    files = {}
    with tarfile.open(path, "r:*") as tar:
        for m in tar:
            if not m.isfile():
                continue
            parts = m.name.split("/", 1)
            if len(parts) != 2 or not parts[1]:
                continue
            data = tar.extractfile(m).read()
            files[parts[1]] = (data, 0o100755 if m.mode & 0o111 else 0o100644)
    return files


def epoch(date):
    return int(datetime.datetime.fromisoformat(date.replace("Z", "+00:00")).timestamp())


def main():
    lock, downloads = sys.argv[1], sys.argv[2]
    out = sys.stdout.buffer
    releases = []
    for line in open(lock):
        line = line.strip()
        if line and not line.startswith("#"):
            releases.append(line.split())

    state = {}  # branch -> (tree dict, last epoch)
    tags = {}  # tag -> (tree dict, epoch)
    mark = 0
    commits = 0
    for branch, parent, project, version, date, fname, sha in releases:
        data = open(f"{downloads}/{fname}", "rb").read()
        if hashlib.sha256(data).hexdigest() != sha:
            sys.exit(f"{fname}: SHA-256 differs from the lock file")
        tree = read_tree(f"{downloads}/{fname}")
        ref = f"refs/heads/{branch}".encode()
        first = branch not in state
        if first and parent != "-":
            prev_tree, prev_t = tags[parent]
            from_ = f"refs/tags/{parent}".encode()
        elif first:
            prev_tree, prev_t = {}, epoch(date) - 86400
            from_ = None
        else:
            prev_tree, prev_t = state[branch]
            from_ = None
        t = max(epoch(date), prev_t + 1)
        changed = sorted(p for p in set(tree) | set(prev_tree) if tree.get(p) != prev_tree.get(p))
        n = max(len(changed), 1)
        for i, p in enumerate(changed):
            when = prev_t + (t - prev_t) * (i + 1) // n
            if p in tree:
                content, mode = tree[p]
                mark += 1
                out.write(b"blob\nmark :%d\ndata %d\n" % (mark, len(content)))
                out.write(content)
                out.write(b"\n")
                op = b"M %o :%d %s\n" % (mode, mark, p.encode())
                verb = "add" if p not in prev_tree else "update"
            else:
                op = b"D %s\n" % p.encode()
                verb = "remove"
            msg = f"{project} {version}: {verb} {p}\n".encode()
            out.write(b"commit %s\n" % ref)
            out.write(b"author %s %d +0000\ncommitter %s %d +0000\n" % (AUTHOR, when, AUTHOR, when))
            out.write(b"data %d\n%s" % (len(msg), msg))
            if from_ is not None:
                out.write(b"from %s\n" % from_)
                from_ = None
            out.write(op)
            out.write(b"\n")
            commits += 1
        if from_ is not None:  # a new branch whose first release changed nothing
            out.write(b"reset %s\nfrom %s\n\n" % (ref, from_))
        tag = f"{project}-{version}"
        out.write(b"reset refs/tags/%s\nfrom %s\n\n" % (tag.encode(), ref))
        state[branch] = (tree, t)
        tags[tag] = (tree, t)
        print(f"{tag}: {len(changed)} commits", file=sys.stderr)
    print(f"total: {commits} commits", file=sys.stderr)


if __name__ == "__main__":
    main()
