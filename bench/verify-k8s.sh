#!/usr/bin/env bash
# Benchmark: `longhaul verify --all` against the same work done with git, on the real
# Kubernetes v1.20.2 tree (about 22,700 files).
#
#   bench/verify-k8s.sh [RUNS]        (default RUNS: 5; the median of RUNS is reported)
#
# Environment: K8S_REPO (default /tmp/k8s-v1.20.2) is built with
# ../shared/bench/make-k8s-repo.sh when missing; KLTS_PATCHES defaults to
# ../shared/data/klts/patches. VS=OLD_BIN adds an interleaved A/B of `verify --all`
# (this build against OLD_BIN, run in turn, RUNS pairs) with the median ratio, and checks
# that both give the same JSON. Writes only to K8S_REPO's object store (git's loops)
# and to a temporary folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib/klts.sh"
shared=$(cd "$root/../shared" && pwd)
runs=${1:-5}
repo=${K8S_REPO:-/tmp/k8s-v1.20.2}
patches=${KLTS_PATCHES:-$shared/data/klts/patches}
releases=20

command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
[ -d "$repo" ] || "$shared/bench/make-k8s-repo.sh" "$repo" >&2
# shellcheck source=lib/build.sh
. "$root/bench/lib/build.sh"
# Whole-tree timings were measured with the dynamically linked build; LONGHAUL_DYNAMIC=0
# measures the static one.
LONGHAUL_DYNAMIC=${LONGHAUL_DYNAMIC:-1} build_longhaul "$root"

work=$(mktemp -d)
trap 'git -C "$repo" worktree remove --force "$work/wt" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# The KLTS patches that apply to this tree, in KLTS file order, and a KLTS-format
# manifest: $releases releases on v1.20.2, each with every applicable patch.
klts_applicable "$repo" "$patches"
echo "KLTS patches that apply to v1.20.2: ${#applicable[@]}" >&2
for p in "${applicable[@]}"; do echo "  $(basename "$p")" >&2; done
klts_manifest "$work/lts" "$releases"

# 1. longhaul, whole process, with peak memory.
lh_times=()
for _ in $(seq 1 "$runs"); do
  t0=$(now_ns)
  /usr/bin/time -f '%M' -o "$work/rss" "$longhaul" -C "$work/lts" --upstream "$repo" --offline --json verify --all >"$work/longhaul.json"
  lh_times+=($(( $(now_ns) - t0 )))
done
lh=$(printf '%s\n' "${lh_times[@]}" | median)
rss_kb=$(cat "$work/rss")
python3 - "$work/longhaul.json" <<'PY' >"$work/longhaul.trees"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"], "longhaul verify failed"
for r in d["releases"]:
    print(r["tree"])
PY

# 1b. One release alone: nothing to share with other releases.
one_times=()
for _ in $(seq 1 "$runs"); do
  t0=$(now_ns)
  "$longhaul" -C "$work/lts" --upstream "$repo" --offline --json verify v1.20.2-lts.1 >/dev/null
  one_times+=($(( $(now_ns) - t0 )))
done
one=$(printf '%s\n' "${one_times[@]}" | median)
t0=$(now_ns); for _ in $(seq 1 "$runs"); do /bin/true; done; spawn=$(( ($(now_ns) - t0) / runs ))

# 2. git read-tree + apply --cached + write-tree, per release.
apply_loop() {
  for _ in $(seq 1 "$releases"); do
    GIT_INDEX_FILE="$work/index" git -C "$repo" read-tree v1.20.2
    for p in "${applicable[@]}"; do GIT_INDEX_FILE="$work/index" git -C "$repo" apply --cached "$p"; done
    GIT_INDEX_FILE="$work/index" git -C "$repo" write-tree
  done
}
apply_times=()
for _ in $(seq 1 "$runs"); do
  t0=$(now_ns); apply_loop >"$work/apply.trees"; apply_times+=($(( $(now_ns) - t0 )))
done
ga=$(printf '%s\n' "${apply_times[@]}" | median)

# 3. git checkout -f + git am -3, per release, in a scratch worktree.
git -C "$repo" worktree add -q --detach "$work/wt" v1.20.2
am_loop() {
  for _ in $(seq 1 "$releases"); do
    git -C "$work/wt" checkout -q -f --detach v1.20.2
    git -C "$work/wt" -c user.name=bench -c user.email=bench@example.org am -q -3 "${applicable[@]}"
    git -C "$work/wt" rev-parse 'HEAD^{tree}'
  done
}
am_runs=$(( runs < 3 ? runs : 3 ))
am_times=()
for _ in $(seq 1 "$am_runs"); do
  t0=$(now_ns); am_loop >"$work/am.trees"; am_times+=($(( $(now_ns) - t0 )))
done
gam=$(printf '%s\n' "${am_times[@]}" | median)

# 4. Optional A/B against another longhaul binary, interleaved so that load falls on both.
ab_line=""
if [ -n "${VS:-}" ]; then
  ratios=()
  for _ in $(seq 1 "$runs"); do
    t0=$(now_ns); "$longhaul" -C "$work/lts" --upstream "$repo" --offline --json verify --all >"$work/new.json"; t1=$(now_ns)
    "$VS" -C "$work/lts" --upstream "$repo" --offline --json verify --all >"$work/old.json"; t2=$(now_ns)
    ratios+=("$(awk -v a=$(( t1 - t0 )) -v b=$(( t2 - t1 )) 'BEGIN { printf "%.4f", a / b }')")
  done
  r=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  verdict=$(cmp -s "$work/new.json" "$work/old.json" && echo "same output" || echo "DIFFERENT output")
  ab_line="  A/B against $(basename "$VS"): this build / old = ${r} (median of $runs interleaved pairs; min $(printf '%s\n' "${ratios[@]}" | sort -n | head -1), max $(printf '%s\n' "${ratios[@]}" | sort -n | tail -1)); $verdict"
fi

same() { cmp -s "$1" "$2" && echo "identical" || echo "DIFFERENT"; }
ms() { awk -v n="$1" 'BEGIN { printf "%.1f ms", n / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0fx", a / b }'; }

echo
echo "verify of $releases releases x ${#applicable[@]} patches on v1.20.2 (median of $runs runs; git am: $am_runs)"
echo "  longhaul verify --all           $(ms "$lh")   peak RSS $(( rss_kb / 1024 )) MB (${rss_kb} KB)"
echo "  longhaul verify (1 release)     $(ms "$one")   (starting any process here: $(ms "$spawn"))"
echo "  git read-tree/apply/write-tree  $(ms "$ga")   longhaul is $(ratio "$ga" "$lh") faster   trees: $(same "$work/longhaul.trees" "$work/apply.trees")"
echo "  git checkout -f + git am -3     $(ms "$gam")   longhaul is $(ratio "$gam" "$lh") faster   trees: $(same "$work/longhaul.trees" "$work/am.trees")"
[ -z "$ab_line" ] || echo "$ab_line"
