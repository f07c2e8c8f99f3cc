#!/usr/bin/env bash
# Benchmark and check: `longhaul deps --all` on the real Kubernetes v1.20.2 tree with the
# KLTS patches that apply to it, against the real Go vulnerability database.
#
#   bench/deps-k8s.sh [RUNS]        (default RUNS: 5; the median of RUNS is reported)
#
# It checks, with a reading of vendor/modules.txt and of the OSV records written here in
# Python (independent of longhaul), that every (record, module) longhaul matches is one the
# ranges include and none is missed, that the stdlib findings are those of the tree's Go, and
# that every `not_present` finding is a package vendor/modules.txt does not list. Then it times
# the whole process against `go list -deps -json ./cmd/...` on the same tree (GOPATH mode, as
# Kubernetes 1.20 builds).
#
# Environment: K8S_REPO (default /tmp/k8s-v1.20.2) is built with ../shared/bench/make-k8s-repo.sh
# when missing; GO_VULNDB defaults to ../shared/data/go-vulndb/osv. Writes only to K8S_REPO's
# object store (the patched tree, for the check) and to a temporary folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib/klts.sh"
shared=$(cd "$root/../shared" && pwd)
runs=${1:-5}
repo=${K8S_REPO:-/tmp/k8s-v1.20.2}
patches=${KLTS_PATCHES:-$shared/data/klts/patches}
vulndb=${GO_VULNDB:-$shared/data/go-vulndb/osv}
releases=20

[ -d "$repo" ] || "$shared/bench/make-k8s-repo.sh" "$repo" >&2
# shellcheck source=lib/build.sh
. "$root/bench/lib/build.sh"
# Whole-tree timings were measured with the dynamically linked build; LONGHAUL_DYNAMIC=0
# measures the static one.
LONGHAUL_DYNAMIC=${LONGHAUL_DYNAMIC:-1} build_longhaul "$root"

work=$(mktemp -d)
trap 'git -C "$repo" worktree remove --force "$work/gopath/src/k8s.io/kubernetes" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

klts_applicable "$repo" "$patches"
echo "KLTS patches that apply to v1.20.2: ${#applicable[@]}" >&2
klts_manifest "$work/lts" "$releases"
ms() { awk -v n="$1" 'BEGIN { printf "%.0f ms", n / 1e6 }'; }

# 1. longhaul deps --all, whole process.
lh_times=()
for _ in $(seq 1 "$runs"); do
  t0=$(now_ns)
  "$longhaul" -C "$work/lts" --upstream "$repo" --offline --go-vulndb "$vulndb" --json deps --all >"$work/deps.json"
  lh_times+=($(( $(now_ns) - t0 )))
done
lh=$(printf '%s\n' "${lh_times[@]}" | median)

# 2. The same tree built with git, for the independent reading.
GIT_INDEX_FILE="$work/index" git -C "$repo" read-tree v1.20.2
for p in "${applicable[@]}"; do GIT_INDEX_FILE="$work/index" git -C "$repo" apply --cached "$p"; done
tree=$(GIT_INDEX_FILE="$work/index" git -C "$repo" write-tree)
git -C "$repo" show "$tree:vendor/modules.txt" >"$work/modules.txt"
git -C "$repo" show "$tree:build/build-image/cross/VERSION" >"$work/cross-version"

python3 - "$work/deps.json" "$work/modules.txt" "$work/cross-version" "$vulndb" "$tree" <<'PY'
import json, os, re, sys
deps, modules_txt, cross, vulndb, tree = sys.argv[1:]
report = json.load(open(deps))
r = report["releases"][0]
assert r["tree"] == tree, f"longhaul built {r['tree']}, git {tree}"
assert all(x["tree"] == tree for x in report["releases"]), "20 releases, one tree"

# vendor/modules.txt, read as cmd/go reads module lines.
versioned, named, listed = {}, set(), set()
for line in open(modules_txt):
    line = line.rstrip("\n")
    if line.startswith("# "):
        f = line[2:].split()
        named.add(f[0])
        if len(f) >= 2 and f[1] != "=>":
            rest = f[2:]
            repl = rest[1:] if rest[:1] == ["=>"] else []
            versioned[f[0]] = (f[1], repl)
    elif line and not line.startswith("##"):
        listed.add(line.strip())
effective = {}
for path, (version, repl) in versioned.items():
    if len(repl) == 1:          # a local folder: the release's own code
        continue
    if len(repl) == 2:
        path, version = repl
    effective[path] = version
assert len(named) == len(r["modules"]) == 390, (len(named), len(r["modules"]))
local = [m["path"] for m in r["modules"] if m["kind"] == "local"]
assert all(p.startswith("k8s.io/") for p in local), local

# semver 2.0 precedence and the OSV range walk.
def key(v):
    v = v.lstrip("v").split("+")[0]
    core, _, pre = v.partition("-")
    nums = [int(x) for x in core.split(".")]
    ids = [(0, int(i), "") if i.isdigit() else (1, 0, i) for i in pre.split(".")] if pre else []
    return (nums, 1 if not pre else 0, ids)
def cmp(a, b):
    ka, kb = key(a), key(b)
    return (ka > kb) - (ka < kb)
def in_range(events, v):
    ev = sorted(((k, x) for e in events for k, x in e.items()), key=lambda e: (e[1] != "0", key(e[1]) if e[1] != "0" else ([], 0, [])))
    aff = False
    for k, x in ev:
        if k == "introduced" and (x == "0" or cmp(v, x) >= 0): aff = True
        elif k == "fixed" and cmp(v, x) >= 0: aff = False
        elif k == "last_affected" and cmp(v, x) > 0: aff = False
    return aff

go = open(cross).read().strip().lstrip("v").split("-")[0]
assert r["go"]["version"] == go == "1.15.5" and r["go"]["source"] == "build/build-image/cross/VERSION", r["go"]
own = {"k8s.io/kubernetes"} | set(local)
want = set()
for name in os.listdir(vulndb):
    d = json.load(open(os.path.join(vulndb, name)))
    if d.get("withdrawn"):
        continue
    for a in d["affected"]:
        m = a["package"]["name"]
        ranges = [x["events"] for x in a.get("ranges", [])]
        if m == "stdlib":
            if any(in_range(e, go) for e in ranges):
                want.add((d["id"], "stdlib"))
        elif m in effective and m not in own:
            if any(in_range(e, effective[m]) for e in ranges):
                want.add((d["id"], m))
got = {(f["id"], f["module"]) for f in r["findings"] if "component" not in f}
assert got == want, f"only longhaul: {sorted(got - want)[:10]}; only the independent reading: {sorted(want - got)[:10]}"
absent = [f for f in r["findings"] if f["tier"] == "not_present" and f["package"] in listed]
assert not absent, absent[:3]
tiers = {}
for f in r["findings"]:
    tiers[f["tier"]] = tiers.get(f["tier"], 0) + 1
print(f"check: {len(named)} modules named ({len(versioned)} with a version, {len(local)} local), "
      f"Go {go}; {len(got)} (record, module) matches agree with the independent reading; "
      f"{tiers.get('not_present', 0)} not_present findings, none listed in vendor/modules.txt")
print("findings by tier:", ", ".join(f"{k} {v}" for k, v in sorted(tiers.items())))
for line in r["summary"]:
    print("summary:", line)
g = r["remedy"].get("go")
if g:
    print("remedy: Go", g["current"], "->", (g.get("patch") or {}).get("version"), f"fixes {(g.get('patch') or {}).get('fixes')};",
          "clears all:", (g.get("clears_all") or {}).get("version"))
mods = sorted(r["remedy"]["modules"], key=lambda m: -((m.get("reachable") or {}).get("fixes") or 0))[:8]
for m in mods:
    rr = m.get("reachable") or {}
    print(f"remedy: {m['path']} {m['current']} -> {rr.get('version')} ({rr.get('step')}, fixes {rr.get('fixes')})")
print("database:", report["freshness"]["description"])
PY

# 3. go list -deps -json ./cmd/... on the same tree (GOPATH mode).
go_ms=""
if command -v go >/dev/null; then
  mkdir -p "$work/gopath/src/k8s.io"
  git -C "$repo" worktree add -q --detach "$work/gopath/src/k8s.io/kubernetes" v1.20.2
  (cd "$work/gopath/src/k8s.io/kubernetes" && for p in "${applicable[@]}"; do git apply "$p"; done)
  go_times=()
  for _ in $(seq 1 "$runs"); do
    t0=$(now_ns)
    (cd "$work/gopath/src/k8s.io/kubernetes" && GO111MODULE=off GOPATH="$work/gopath" GOFLAGS= go list -e -deps -json ./cmd/... >/dev/null)
    go_times+=($(( $(now_ns) - t0 )))
  done
  go_ms=$(printf '%s\n' "${go_times[@]}" | median)
fi

echo
echo "deps of $releases releases x ${#applicable[@]} patches on v1.20.2 (median of $runs runs)"
echo "  longhaul deps --all                 $(ms "$lh")"
if [ -n "$go_ms" ]; then
  echo "  go list -e -deps -json ./cmd/...    $(ms "$go_ms")   longhaul is $(awk -v a="$go_ms" -v b="$lh" 'BEGIN { printf "%.1fx", a / b }') faster"
else
  echo "  go list: go not found on PATH (apt-get install golang-go)"
fi
