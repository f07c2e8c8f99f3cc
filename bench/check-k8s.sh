#!/usr/bin/env bash
# `longhaul check` on the real Kubernetes v1.20.2 tree with the KLTS patches that apply to it,
# against typechecking the whole tree as `go build ./...` does, in one run.
#
#   bench/check-k8s.sh
#
# 1. The KLTS patches that apply to v1.20.2 (`git apply --check`) make release v1.20.2-lts.1;
#    `longhaul verify` must apply it.
# 2. `longhaul affected v1.20.2-lts.1`: the changed packages and their importers.
# 3. `longhaul check v1.20.2-lts.1` with one check, `typecheck`: `setup: make generated_files`
#    (Kubernetes' source tree lacks its generated files, e.g. zz_generated.openapi.go), then
#    `go build` of the affected packages, in GOPATH mode as Kubernetes 1.20 builds; empty Go
#    build cache: timed.
# 4. The same again: every result comes from longhaul's cache: timed.
# 5. The whole tree, as `go build ./...` typechecks it: `make generated_files`, then `go build`
#    of every package `go list -e ./...` loads (GO111MODULE=off, under a GOPATH; the staging
#    folders are built through vendor/, as GOPATH mode refuses their own paths); empty Go build
#    cache: timed. Prints both times and the ratio.
#
# Environment: K8S_REPO (default /tmp/k8s-v1.20.2), built with
# ../shared/bench/make-k8s-repo.sh when missing; KLTS_PATCHES (default
# ../shared/data/klts/patches); GO (default: go on PATH, Debian's golang-go). Kubernetes'
# code generation needs make and rsync.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib/klts.sh"
shared=$(cd "$root/../shared" && pwd)
repo=${K8S_REPO:-/tmp/k8s-v1.20.2}
patches=${KLTS_PATCHES:-$shared/data/klts/patches}
go=${GO:-$(command -v go)}
[ -d "$repo" ] || "$shared/bench/make-k8s-repo.sh" "$repo" >&2
# shellcheck source=lib/build.sh
. "$root/bench/lib/build.sh"
# Whole-tree timings were measured with the dynamically linked build; LONGHAUL_DYNAMIC=0
# measures the static one.
LONGHAUL_DYNAMIC=${LONGHAUL_DYNAMIC:-1} build_longhaul "$root"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

mkdir -p "$work/lts/patches" "$work/wt"
git -C "$repo" archive v1.20.2 | tar -x -C "$work/wt"
klts_applicable "$work/wt" "$patches"
cp "${applicable[@]}" "$work/lts/patches/"
{
  echo "base: https://github.com/kubernetes/kubernetes"
  echo "upstream: $repo"
  echo "checks:"
  echo "  typecheck:"
  echo "    run: go build {packages}"
  echo "    setup: make generated_files"
  echo "releases:"
  echo "  - name: v1.20.2-lts.1"
  echo "    base_release: v1.20.2"
  echo "    must: true"
  echo "    patches:"
  for p in "${applicable[@]}"; do echo "      - $(basename "$p" .patch)"; done
} >"$work/lts/releases.yml"
echo "release v1.20.2-lts.1: ${#applicable[@]} KLTS patches that apply to v1.20.2"
"$longhaul" -C "$work/lts" --offline verify >/dev/null || {
  echo "the patches do not stack; longhaul verify:" >&2
  "$longhaul" -C "$work/lts" --offline verify >&2 || true
  exit 1
}
summary=$("$longhaul" -C "$work/lts" --offline affected v1.20.2-lts.1)
echo "${summary%%$'\n'*}"
"$longhaul" -C "$work/lts" --offline --json affected v1.20.2-lts.1 >"$work/affected.json"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); print("changed:", ", ".join(a["changed"]))' "$work/affected.json"
echo "Go: $("$go" version)"

export GOCACHE="$work/gocache-check" GOFLAGS=
s=$(date +%s%N)
"$longhaul" -C "$work/lts" --offline check v1.20.2-lts.1 --go "$go" --json >"$work/check.json" || true
t_check=$(ms "$s")
python3 - "$work/check.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["releases"][0]
for c in r["checks"]:
    print(f"check {c['name']}: {c['status']} on {len(c['packages'])} packages ({r.get('mode', {}).get('mode', '?')} mode)")
    for f in c["failures"][:5]:
        print("  failed:", f["package"], f["message"].splitlines()[:2])
for w in r["warnings"]:
    print("warning:", w)
EOF
echo "longhaul check (affected packages, empty Go cache): $t_check ms"

s=$(date +%s%N)
"$longhaul" -C "$work/lts" --offline check v1.20.2-lts.1 --go "$go" >/dev/null || true
t_cached=$(ms "$s")
echo "longhaul check again (cached): $t_cached ms"

# The whole tree, as `go build ./...` typechecks it (GOPATH mode, empty Go cache).
gopath="$work/gopath"
mkdir -p "$gopath/src/k8s.io"
mv "$work/wt" "$gopath/src/k8s.io/kubernetes"
export GOCACHE="$work/gocache-all"
cd "$gopath/src/k8s.io/kubernetes"
s=$(date +%s%N)
make generated_files >"$work/gen.log" 2>&1 || { echo "make generated_files failed: $(tail -n 3 "$work/gen.log")"; exit 1; }
t_gen=$(ms "$s")
# Packages that do not load (hack/tools, a module of its own whose tools are not vendored)
# would stop `go build` before it builds anything, and so would naming a package that has
# only tests: both are left out, and counted.
GO111MODULE=off GOPATH="$gopath" "$go" list -e -f '{{if or .Error .DepsErrors}}# {{.ImportPath}}{{else if not (or .GoFiles .CgoFiles)}}# {{.ImportPath}}{{else}}{{.ImportPath}}{{end}}' ./... 2>/dev/null >"$work/listed.txt"
echo "go list ./...: $(grep -c '^# ' "$work/listed.txt") packages do not load (staging/ by its own path, hack/tools), e.g. $(grep '^# ' "$work/listed.txt" | grep -v /staging/ | head -n 3 | cut -c3- | tr '\n' ' ')"
grep -v '^# ' "$work/listed.txt" |
  grep -v '^k8s.io/kubernetes/staging/' >"$work/all.txt"
s=$(date +%s%N)
GO111MODULE=off GOPATH="$gopath" xargs "$go" build <"$work/all.txt" >"$work/all.log" 2>&1 || \
  echo "go build failed: $(grep -c '^# ' "$work/all.log") packages with errors; first: $(grep -m 3 -v '^# ' "$work/all.log")"
t_build=$(ms "$s")
t_all=$((t_gen + t_build))
echo "whole tree: make generated_files $t_gen ms + go build of $(wc -l <"$work/all.txt") packages $t_build ms = $t_all ms"
python3 -c "import sys; print(f'ratio: longhaul check takes {int(sys.argv[1]) / int(sys.argv[2]):.2f} of the whole-tree typecheck; cached re-run {int(sys.argv[3]) / 1000:.1f} s')" "$t_check" "$t_all" "$t_cached"
