#!/usr/bin/env bash
# Times `longhaul coverage` over the whole real Kubernetes CVE feed (OSV records plus the
# native JSON feed) and all 47 releases of KLTS's real manifest, whole process.
#
#   bench/coverage-klts.sh [RUNS]      (default 10; prints the median and peak memory)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$root/../shared" && pwd)
runs=${1:-10}
# shellcheck source=lib/build.sh
. "$root/bench/lib/build.sh"
# Whole-tree timings were measured with the dynamically linked build; LONGHAUL_DYNAMIC=0
# measures the static one.
LONGHAUL_DYNAMIC=${LONGHAUL_DYNAMIC:-1} build_longhaul "$root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
klts="$shared/data/klts"
"$longhaul" -C "$klts" --advisories "$work/advisories" advisories import \
  "$shared/data/k8s-cve-osv" "$shared/data/k8s-official-cve-feed-2023-07.json" >/dev/null
times=()
for _ in $(seq 1 "$runs"); do
  t0=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$work/rss" "$longhaul" -C "$klts" --advisories "$work/advisories" --offline --json coverage >"$work/coverage.json"
  times+=($(( $(date +%s%N) - t0 )))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
cells=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['cves']), 'CVEs x', len(d['releases']), 'releases =', len(d['cells']), 'pairs')" "$work/coverage.json")
echo "coverage of $cells: median $(awk -v n="$median" 'BEGIN { printf "%.1f ms", n / 1e6 }') over $runs runs, peak RSS $(( $(cat "$work/rss") / 1024 )) MB"
