#!/usr/bin/env python3
"""Measures candidate resolutions of the conflicts longhaul leaves, against the human's tree.

    python3 bench/conflict-classes.py REPO PAIRS

PAIRS is the file `LINEAGE_PAIRS=FILE bench/backport-lineage.sh REPO` writes (one line per
pair: C X, then longhaul's, cherry-pick's and git apply's result). For every pair longhaul
reports as a conflict, each candidate rule below resolves it or not, and a resolved tree is
compared with C's tree (what the maintainer committed): exact, or clean-but-different.
A rule is worth adding to the ladder only where it gives exact trees and no different ones
on every corpus; this script is how that is decided, before any Rust is written.

- sibling: the pair's commit X was already ported onto another line, by a commit P naming
  the same X and committed before C. Cherry-pick P (base P^) onto C^: the resolution a
  maintainer already reviewed. The most recent such P is used.
- line-wise: in each conflict region whose three sides have the same number of lines, and
  where each line changed on at most one side, take that side's line. (git conflicts on
  changes to adjacent lines; this merges them position by position.)
- drop-absent: a modify/delete conflict where the target lacks the file (and no rename
  carried it): leave upstream's change to that file out.

Prints, per rule, how many conflicts it turns exact, different, or leaves, and lists the
different ones. Needs git; reads REPO (git merge-tree writes objects: run it on a copy).
"""
import collections
import subprocess
import sys


def git(repo, *args, stdin=None):
    """git's stdout as bytes, or None when it exits non-zero."""
    run = subprocess.run(["git", "-C", repo, *args], input=stdin, capture_output=True)
    return run.stdout if run.returncode == 0 else None


def blob(repo, rev, path):
    out = git(repo, "rev-parse", "-q", "--verify", f"{rev}:{path}")
    return out.decode().strip() if out else None


def tree_of(repo, rev):
    return git(repo, "rev-parse", f"{rev}^{{tree}}").decode().strip()


def conflicted(repo, c, x):
    """The merged tree (with conflicts) of cherry-picking X onto C^, and its conflicted paths."""
    run = subprocess.run(
        ["git", "-C", repo, "merge-tree", "--write-tree", "--name-only", "--no-messages",
         f"--merge-base={x}^", f"{c}^", x], capture_output=True)
    lines = run.stdout.decode("utf8", "surrogateescape").split("\n")
    return lines[0], sorted({p for p in lines[1:] if p})


def replace_paths(repo, tree, contents):
    """TREE with each path of CONTENTS set to that blob (None removes it)."""
    import os
    import tempfile
    fd, index = tempfile.mkstemp()
    os.close(fd)
    env = dict(os.environ, GIT_INDEX_FILE=index)
    try:
        subprocess.run(["git", "-C", repo, "read-tree", tree], env=env, check=True)
        for path, oid in contents.items():
            if oid is None:
                subprocess.run(["git", "-C", repo, "rm", "-q", "--cached", "--", path],
                               env=env, check=True, capture_output=True)
            else:
                mode = git(repo, "ls-tree", tree, "--", path).decode().split()[0]
                subprocess.run(["git", "-C", repo, "update-index", "--cacheinfo",
                                f"{mode},{oid},{path}"], env=env, check=True)
        return subprocess.run(["git", "-C", repo, "write-tree"], env=env, check=True,
                              capture_output=True).stdout.decode().strip()
    finally:
        os.unlink(index)


def sibling(repo, c, x, siblings, dates):
    earlier = [p for p in siblings[x] if p != c and dates[p] < dates[c]]
    if not earlier:
        return None
    p = max(earlier, key=lambda q: dates[q])
    out = git(repo, "merge-tree", "--write-tree", f"--merge-base={p}^", f"{c}^", p)
    return out.decode().split()[0] if out else None


def line_wise_file(repo, ours, base, theirs):
    run = subprocess.run(["git", "-C", repo, "merge-file", "-p", "--diff3", "--object-id",
                          ours, base, theirs], capture_output=True)
    lines, out, i = run.stdout.split(b"\n"), [], 0
    while i < len(lines):
        if not lines[i].startswith(b"<<<<<<< "):
            out.append(lines[i])
            i += 1
            continue
        sides, side, i = {"o": [], "b": [], "t": []}, "o", i + 1
        while not lines[i].startswith(b">>>>>>> "):
            if lines[i].startswith(b"||||||| "):
                side = "b"
            elif lines[i] == b"=======":
                side = "t"
            else:
                sides[side].append(lines[i])
            i += 1
        i += 1
        o, b, t = sides["o"], sides["b"], sides["t"]
        if not len(o) == len(b) == len(t):
            return None
        for ol, bl, tl in zip(o, b, t):
            if ol != bl and tl != bl and ol != tl:
                return None
            out.append(tl if ol == bl else ol)
    oid = git(repo, "hash-object", "-w", "--stdin", stdin=b"\n".join(out))
    return oid.decode().strip()


def line_wise(repo, c, x):
    tree, paths = conflicted(repo, c, x)
    contents = {}
    for path in paths:
        sides = [blob(repo, f"{c}^", path), blob(repo, f"{x}^", path), blob(repo, x, path)]
        if None in sides:
            return None
        contents[path] = line_wise_file(repo, *sides)
        if contents[path] is None:
            return None
    return replace_paths(repo, tree, contents)


def drop_absent(repo, c, x):
    tree, paths = conflicted(repo, c, x)
    for path in paths:
        if blob(repo, f"{c}^", path) or not blob(repo, f"{x}^", path):
            return None
    return replace_paths(repo, tree, {path: None for path in paths})


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    repo, pairs_file = sys.argv[1], sys.argv[2]
    pairs = [line.split() for line in open(pairs_file) if line.strip()]
    siblings = collections.defaultdict(list)
    for row in pairs:
        siblings[row[1]].append(row[0])
    dates = {row[0]: int(git(repo, "log", "-1", "--format=%ct", row[0])) for row in pairs}
    rules = {
        "sibling": lambda c, x: sibling(repo, c, x, siblings, dates),
        "line-wise": lambda c, x: line_wise(repo, c, x),
        "drop-absent": lambda c, x: drop_absent(repo, c, x),
    }
    conflicts = [(row[0], row[1]) for row in pairs if row[2] == "conflict"]
    print(f"{len(conflicts)} of {len(pairs)} pairs are longhaul conflicts")
    for name, rule in rules.items():
        count, different = collections.Counter(), []
        for c, x in conflicts:
            tree = rule(c, x)
            verdict = "left" if tree is None else "exact" if tree == tree_of(repo, c) else "different"
            count[verdict] += 1
            if verdict == "different":
                different.append(f"{c} {x}")
        print(f"{name:12} exact {count['exact']:3}  different {count['different']:3}  "
              f"left {count['left']:3}")
        for line in different:
            print(f"  different: {line}")


if __name__ == "__main__":
    main()
