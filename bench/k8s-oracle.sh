#!/usr/bin/env bash
# Acceptance check on the real Kubernetes v1.20.2 tree: every KLTS patch, alone, through
# `longhaul verify --json` and `longhaul build`, against `git am -3` as the oracle.
#
#   bench/k8s-oracle.sh
#
# For each patch git applies, longhaul's verify tree, build tree and commit metadata must
# equal git's; for each patch git refuses, longhaul must report a located failure.
# K8S_REPO (default /tmp/k8s-v1.20.2) is built with ../shared/bench/make-k8s-repo.sh when
# missing. Builds go into a scratch clone; the repository itself is not changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$root/../shared" && pwd)
repo=${K8S_REPO:-/tmp/k8s-v1.20.2}
patches=${KLTS_PATCHES:-$shared/data/klts/patches}
[ -d "$repo" ] || "$shared/bench/make-k8s-repo.sh" "$repo" >&2
# shellcheck source=lib/build.sh
. "$root/bench/lib/build.sh"
# Whole-tree timings were measured with the dynamically linked build; LONGHAUL_DYNAMIC=0
# measures the static one.
LONGHAUL_DYNAMIC=${LONGHAUL_DYNAMIC:-1} build_longhaul "$root"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q --bare "$repo" "$work/scratch.git"
git clone -q "$repo" "$work/wt"
git -C "$work/wt" checkout -q --detach v1.20.2

# Patch items must live inside the LTS repository: copy them there.
mkdir -p "$work/lts/patches"
cp "$patches"/*.patch "$work/lts/patches/"
names=()
{
  echo "releases:"
  i=0
  for p in "$patches"/*.patch; do
    i=$((i + 1)); n=$(basename "$p" .patch); names+=("$n")
    printf '  - name: v1.20.2-lts.%d\n    base_release: v1.20.2\n    patches: [%s]\n' "$i" "$n"
  done
  echo "patches:"
  for p in "$patches"/*.patch; do printf '  - name: %s\n    patch: [patches/%s]\n' "$(basename "$p" .patch)" "$(basename "$p")"; done
} >"$work/lts/releases.yml"

"$longhaul" -C "$work/lts" --upstream "$repo" --offline --json verify --all >"$work/verify.json" || true

agree=0; disagree=0; applied=0; refused=0
i=0
for p in "$patches"/*.patch; do
  i=$((i + 1)); rel="v1.20.2-lts.$i"; n=$(basename "$p" .patch)
  git -C "$work/wt" checkout -q -f --detach v1.20.2
  if git -C "$work/wt" -c user.name=oracle -c user.email=oracle@example.org am -q -3 "$p" >/dev/null 2>&1; then
    git_tree=$(git -C "$work/wt" rev-parse 'HEAD^{tree}')
    git_meta=$(git -C "$work/wt" log --format='%an|%ae|%at|%B' v1.20.2..HEAD)
  else
    git -C "$work/wt" am --abort >/dev/null 2>&1 || true
    git_tree=""
  fi
  read -r lh_ok lh_tree lh_status lh_failure < <(python3 - "$work/verify.json" "$rel" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = next(r for r in d["releases"] if r["name"] == sys.argv[2])
p = r["patches"][0]
f = p["failures"][0] if p["failures"] else None
loc = f"{f['file']}:{f['line']}#hunk{f['hunk']}" if f else "-"
print(str(r["ok"]).lower(), r["tree"] or "-", p["status"], loc)
PY
)
  if [ -n "$git_tree" ]; then
    applied=$((applied + 1))
    verdict="DIFFERENT"
    if [ "$lh_tree" = "$git_tree" ]; then
      built=$("$longhaul" -C "$work/lts" --upstream "$work/scratch.git" --offline --json build "$rel" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["releases"][0]["tree"])' || echo "build-failed")
      lh_meta=$(git -C "$work/scratch.git" log --format='%an|%ae|%at|%B' "v1.20.2..$rel")
      if [ "$built" = "$git_tree" ] && [ "$lh_meta" = "$git_meta" ]; then verdict="same tree, same commits"; fi
    fi
    printf '%-40s git am: applies   longhaul: %-6s %s\n' "$n" "$lh_status" "$verdict"
  else
    refused=$((refused + 1))
    verdict="DIFFERENT"
    [ "$lh_ok" = "false" ] && [ "$lh_failure" != "-" ] && verdict="both refuse; longhaul: $lh_failure"
    printf '%-40s git am: refuses   longhaul: %-6s %s\n' "$n" "$lh_status" "$verdict"
  fi
  case "$verdict" in DIFFERENT) disagree=$((disagree + 1)) ;; *) agree=$((agree + 1)) ;; esac
done
echo
echo "$i KLTS patches on v1.20.2: git am applies $applied, refuses $refused; longhaul agrees on $agree, disagrees on $disagree"
[ "$disagree" -eq 0 ]
