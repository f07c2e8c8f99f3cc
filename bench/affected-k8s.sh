#!/usr/bin/env bash
# `longhaul affected` against `go list` on the real Kubernetes v1.20.2 tree.
#
#   bench/affected-k8s.sh [REPO] [SAMPLES]    (REPO: a repository with tag v1.20.2, as
#                                             ../shared/bench/make-k8s-repo.sh builds it;
#                                             SAMPLES: packages compared, default 24)
#
# go's side: the tree is exported under a GOPATH (Kubernetes 1.20 builds in GOPATH mode) and
# `go list -e -deps -json ./...` (GO111MODULE=off, linux/amd64, cgo on) gives every package's
# transitive Deps and its tests' imports; GOPATH mode names vendored packages
# k8s.io/kubernetes/vendor/X, which is X in module mode.
# longhaul's side: one release per sampled package, whose patch adds a comment to one of the
# package's Go files; `longhaul --json affected RELEASE` for each. For every sample, the
# packages that depend on it (go: those whose Deps hold it) and the packages whose tests alone
# import one of those must be the same sets. Needs go (Debian's golang-go) and python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
repo=${1:-/tmp/k8s-v1.20.2}
samples=${2:-24}
# shellcheck source=lib/build.sh
. "$root/bench/lib/build.sh"
# Whole-tree timings were measured with the dynamically linked build; LONGHAUL_DYNAMIC=0
# measures the static one.
LONGHAUL_DYNAMIC=${LONGHAUL_DYNAMIC:-1} build_longhaul "$root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

src="$work/gopath/src/k8s.io/kubernetes"
mkdir -p "$src"
git -C "$repo" archive v1.20.2 | tar -x -C "$src"
s=$(date +%s%N)
(cd "$src" && GO111MODULE=off GOPATH="$work/gopath" GOFLAGS= GOOS=linux GOARCH=amd64 CGO_ENABLED=1 \
  GOCACHE="$work/gocache" go list -e -deps -json ./... >"$work/list.json")
echo "go list -deps -json ./...: $(( ($(date +%s%N) - s) / 1000000 )) ms"

# Samples: packages of the tree spread over the sorted list, each with a non-test Go file.
python3 - "$work/list.json" "$samples" "$src" >"$work/samples.txt" <<'EOF'
import json, os, sys
dec, text, pos, pkgs = json.JSONDecoder(), open(sys.argv[1]).read(), 0, []
while pos < len(text):
    while pos < len(text) and text[pos].isspace(): pos += 1
    if pos >= len(text): break
    v, pos = dec.raw_decode(text, pos); pkgs.append(v)
src = sys.argv[3]
cands = sorted(p["ImportPath"] for p in pkgs
               if not p.get("Standard") and p.get("GoFiles") and p["Dir"].startswith(src))
n = int(sys.argv[2])
for i in range(n):
    p = next(p for p in pkgs if p["ImportPath"] == cands[i * len(cands) // n])
    real = os.path.realpath(os.path.join(p["Dir"], p["GoFiles"][0]))
    print(p["ImportPath"], os.path.relpath(real, os.path.realpath(src)))
EOF

# The LTS repository: one release per sample, each with a one-line patch.
lts="$work/lts"
mkdir -p "$lts/patches"
{ echo "upstream: $repo"; echo "releases:"; } >"$lts/releases.yml"
i=0
while read -r pkg file; do
  i=$((i + 1))
  printf -- '--- a/%s\n+++ b/%s\n@@ -1 +1,2 @@\n+// longhaul bench\n %s\n' "$file" "$file" \
    "$(git -C "$repo" show "v1.20.2:$file" | head -n 1)" >"$lts/patches/s$i.patch"
  printf '  - name: v1.20.2-lts.%d\n    base_release: v1.20.2\n    patches: [s%d]\n' "$i" "$i" >>"$lts/releases.yml"
done <"$work/samples.txt"

s=$(date +%s%N)
for n in $(seq 1 "$i"); do
  "$longhaul" -C "$lts" --offline --json affected "v1.20.2-lts.$n" >"$work/affected.$n.json"
done
echo "longhaul affected: $(( ($(date +%s%N) - s) / 1000000 / i )) ms per release (whole process: build the release in memory, read every Go file's header)"

python3 - "$work" "$i" <<'EOF'
import json, sys
work, n = sys.argv[1], int(sys.argv[2])
dec, text, pos, pkgs = json.JSONDecoder(), open(f"{work}/list.json").read(), 0, []
while pos < len(text):
    while pos < len(text) and text[pos].isspace(): pos += 1
    if pos >= len(text): break
    v, pos = dec.raw_decode(text, pos); pkgs.append(v)
# GOPATH mode compiles a staging folder twice, as k8s.io/kubernetes/staging/src/X (./...)
# and as k8s.io/kubernetes/vendor/X (the vendor symlink): both are the folder module mode
# calls X.
def name(p):
    for pre in ("k8s.io/kubernetes/vendor/", "k8s.io/kubernetes/staging/src/"):
        if p.startswith(pre):
            return p[len(pre):]
    return p
listed, deps, timp = {}, {}, {}
for p in pkgs:
    if p.get("Standard"):
        continue
    k = name(p["ImportPath"])
    listed[k] = p
    deps.setdefault(k, set()).update(name(d) for d in p.get("Deps", []))
    timp.setdefault(k, set()).update(name(d) for d in p.get("TestImports", []) + p.get("XTestImports", []))
samples = [l.split()[0] for l in open(f"{work}/samples.txt")]
ok = 0
for i, s in enumerate(samples, 1):
    s = name(s)
    want = {k for k, d in deps.items() if s in d} | {s}
    want_tests = {k for k in listed if k not in want and timp[k] & want}
    got = json.load(open(f"{work}/affected.{i}.json"))
    aff = {p for p in got["affected"] if p in listed}
    tests = {p for p in got["tests"] if p in listed}
    same = aff == want and tests == want_tests and got["changed"] == [s]
    ok += same
    print(f"{'same' if same else 'DIFFERENT'}  {s}: affected {len(aff)} (go {len(want)}), tests {len(tests)} (go {len(want_tests)})")
    if not same:
        print("   longhaul only:", sorted(aff - want)[:5], sorted(tests - want_tests)[:5])
        print("   go only:", sorted(want - aff)[:5], sorted(want_tests - tests)[:5])
print(f"{ok} of {len(samples)} samples agree with go list")
sys.exit(0 if ok == len(samples) else 1)
EOF
