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
- sibling-tokens: sibling, used only when P makes X's change token for token: the same
  files, and the lines P adds or removes that X does not pair up into line edits whose
  token-level changes are exactly those of the lines X changes that P does not (no extra
  line, blank lines included; none missing). The precedent rung
  (crates/longhaul/src/port/precedent.rs) is this rule.
- line-wise: in each conflict region whose three sides have the same number of lines, and
  where each line changed on at most one side, take that side's line. (git conflicts on
  changes to adjacent lines; this merges them position by position.)
- drop-absent: a modify/delete conflict where the target lacks the file (and no rename
  carried it): leave upstream's change to that file out.

Prints, per rule, how many conflicts it turns exact, different, or leaves, and lists the
different ones. Needs git; reads REPO (git merge-tree writes objects: run it on a copy).
"""
import collections
import difflib
import os
import re
import tempfile
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


def sibling(repo, c, x, siblings, dates, by_tokens=False):
    p = latest_sibling(c, x, siblings, dates)
    if p is None or (by_tokens and not same_change_by_tokens(repo, p, x)):
        return None
    out = git(repo, "merge-tree", "--write-tree", f"--merge-base={p}^", f"{c}^", p)
    return out.decode().split()[0] if out else None


def line_changes(repo, old, new):
    """Per file, the lines the diff OLD..NEW adds and removes."""
    out = collections.defaultdict(lambda: ([], []))
    path = None
    for line in git(repo, "diff", "--no-renames", "-U0", old, new).decode(
            "utf8", "surrogateescape").split("\n"):
        if line.startswith("diff --git"):
            path = line.split(" b/")[-1]
            out[path]
        elif line.startswith(("+++", "---")):
            continue
        elif line.startswith("+"):
            out[path][0].append(line[1:])
        elif line.startswith("-"):
            out[path][1].append(line[1:])
    return out


def without(lines, others):
    """LINES minus OTHERS, as multisets, in LINES' order."""
    left, out = collections.Counter(others), []
    for line in lines:
        if left[line]:
            left[line] -= 1
        else:
            out.append(line)
    return out


def tokens(line):
    return re.findall(r"\w+|[^\w\s]", line)


def token_edit(old, new):
    ops = difflib.SequenceMatcher(None, tokens(old), tokens(new), autojunk=False).get_opcodes()
    return tuple((tuple(tokens(old)[i1:i2]), tuple(tokens(new)[j1:j2]))
                 for op, i1, i2, j1, j2 in ops if op != "equal")


def line_edits(added, removed):
    """Pair each added line with its most similar removed line; the token edits, or None
    when a line has no counterpart (an extra line, blank ones included)."""
    removed, edits = list(removed), []
    similarity = lambda a, b: difflib.SequenceMatcher(None, tokens(a), tokens(b)).ratio()
    for line in added:
        best = max(removed, key=lambda r: similarity(r, line), default=None)
        if best is None or not line.strip() or similarity(best, line) < 0.5:
            return None
        removed.remove(best)
        edits.append(token_edit(best, line))
    return None if removed else edits


def same_change_by_tokens(repo, p, x):
    ours, upstream = line_changes(repo, f"{p}^", p), line_changes(repo, f"{x}^", x)
    if set(ours) != set(upstream):
        return False
    for path, (added, removed) in ours.items():
        up_added, up_removed = upstream[path]
        extra = line_edits(without(added, up_added), without(removed, up_removed))
        wanted = line_edits(without(up_added, added), without(up_removed, removed))
        if extra is None or wanted is None or sorted(extra) != sorted(wanted):
            return False
    return True


def latest_sibling(c, x, siblings, dates):
    earlier = [p for p in siblings[x] if p != c and dates[p] < dates[c]]
    return max(earlier, key=lambda q: dates[q]) if earlier else None


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
        "sibling-tokens": lambda c, x: sibling(repo, c, x, siblings, dates, by_tokens=True),
        "line-wise": lambda c, x: line_wise(repo, c, x),
        "drop-absent": lambda c, x: drop_absent(repo, c, x),
    }
    conflicts = [(row[0], row[1]) for row in pairs if row[2] == "conflict"]
    print(f"{len(conflicts)} of {len(pairs)} pairs are longhaul conflicts")
    wanted = {c: tree_of(repo, c) for c, _ in conflicts}
    for name, rule in rules.items():
        count, different = collections.Counter(), []
        for c, x in conflicts:
            tree = rule(c, x)
            verdict = "left" if tree is None else "exact" if tree == wanted[c] else "different"
            count[verdict] += 1
            if verdict == "different":
                different.append(f"{c} {x}")
        print(f"{name:15} exact {count['exact']:3}  different {count['different']:3}  "
              f"left {count['left']:3}")
        for line in different:
            print(f"  different: {line}")


if __name__ == "__main__":
    main()
