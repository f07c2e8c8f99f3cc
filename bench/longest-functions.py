#!/usr/bin/env python3
"""Lists the longest functions of the workspace's Rust sources (tests aside).

Usage: bench/longest-functions.py [N] [PATH...]   (default: 10, crates/)

A function's length is its lines from the `fn` line to its closing brace.
Test code is left out: files under tests/ or benches/, and `#[cfg(test)]`
modules. Braces inside strings, characters and comments are not counted.
"""
import os
import re
import sys

FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?(extern\s+\"[^\"]*\"\s+)?fn\s+([A-Za-z_][A-Za-z0-9_]*)")


def strip(line, state):
    """The line without strings, chars and comments; state carries block comments and raw strings."""
    out, i, n = [], 0, len(line)
    while i < n:
        if state["block"]:
            j = line.find("*/", i)
            if j < 0:
                return "".join(out)
            state["block"], i = False, j + 2
            continue
        if state["raw"] is not None:
            j = line.find(state["raw"], i)
            if j < 0:
                return "".join(out)
            i, state["raw"] = j + len(state["raw"]), None
            continue
        if state["str"]:
            if line[i] == "\\":
                i += 2
                continue
            if line[i] == '"':
                state["str"] = False
            i += 1
            continue
        c = line[i]
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            state["block"], i = True, i + 2
            continue
        m = re.match(r'b?r(#*)"', line[i:])
        if m and (i == 0 or not (line[i - 1].isalnum() or line[i - 1] == "_")):
            state["raw"], i = '"' + m.group(1), i + m.end()
            continue
        if c == '"':
            state["str"], i = True, i + 1
            continue
        m = re.match(r"'(\\.|[^\\'])'", line[i:]) or re.match(r"'\\u\{[0-9a-fA-F]+\}'", line[i:])
        if m:
            i += m.end()
            continue
        out.append(c)
        i += 1
    return "".join(out)


def functions(path):
    """(length, start line, name) of every non-test function in one file."""
    lines = open(path, encoding="utf-8").read().split("\n")
    state = {"block": False, "raw": None, "str": False}
    code = [strip(l, state) for l in lines]
    found, skip_until, pending_test = [], -1, False
    for i, text in enumerate(code):
        if i <= skip_until:
            continue
        if re.match(r"\s*#\[cfg\(test\)\]", text):
            pending_test = True
            continue
        m = FN.match(text)
        is_mod = re.match(r"\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*\{", text)
        if pending_test and (is_mod or m):
            skip_until = block_end(code, i)
            pending_test = False
            continue
        if text.strip() and not text.strip().startswith("#["):
            pending_test = False
        if m:
            end = block_end(code, i)
            if end is not None and end >= i:
                found.append((end - i + 1, i + 1, m.group(7)))
    return found


def block_end(code, start):
    """The line where the block opened at or after `start` closes (None: a declaration)."""
    depth, opened = 0, False
    for j in range(start, len(code)):
        for c in code[j]:
            if c == "{":
                depth, opened = depth + 1, True
            elif c == "}":
                depth -= 1
                if opened and depth == 0:
                    return j
            elif c == ";" and not opened and depth == 0:
                return None
    return None


def main():
    args = sys.argv[1:]
    n = int(args.pop(0)) if args and args[0].isdigit() else 10
    roots = args or ["crates"]
    rows = []
    for root in roots:
        for dirpath, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in ("tests", "benches", "target")]
            for f in files:
                if f.endswith(".rs"):
                    p = os.path.join(dirpath, f)
                    rows += [(length, f"{p}:{line}", name) for length, line, name in functions(p)]
    rows.sort(key=lambda r: (-r[0], r[1]))
    over = sum(1 for r in rows if r[0] > 100)
    print(f"{len(rows)} functions; {over} over 100 lines; {sum(1 for r in rows if r[0] > 60)} over 60")
    for length, where, name in rows[:n]:
        print(f"{length:5}  {name}  {where}")


if __name__ == "__main__":
    main()
