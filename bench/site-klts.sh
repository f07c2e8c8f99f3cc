#!/usr/bin/env bash
# Times `longhaul site` on KLTS's real manifest with the real CVE feed.
#
#   bench/site-klts.sh [DATA]     (DATA: the shared data folder, default ../shared/data)
#
# Imports the OSV records into a temporary advisory folder, then builds the site
# 20 times and prints the median and the largest page.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${1:-$root/../shared/data}
# shellcheck source=lib/build.sh
. "$root/bench/lib/build.sh"
# Timings were measured with the dynamically linked build; LONGHAUL_DYNAMIC=0 measures the
# static one.
LONGHAUL_DYNAMIC=${LONGHAUL_DYNAMIC:-1} build_longhaul "$root"
bin=$longhaul
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lh() { "$bin" --manifest "$data/klts/releases.yml" --advisories "$work/advisories" --offline "$@"; }
lh advisories import "$data/k8s-cve-osv" >/dev/null
times=()
for _ in $(seq 20); do
  start=$(date +%s%N)
  lh site --out "$work/site" >/dev/null
  times+=($(( ($(date +%s%N) - start) / 1000000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "site: $(find "$work/site" -type f | wc -l) files, $(du -sh "$work/site" | cut -f1)"
echo "median $(echo "$sorted" | sed -n 10p) ms, min $(echo "$sorted" | head -1) ms, max $(echo "$sorted" | tail -1) ms (20 runs, whole process)"
largest=$(find "$work/site" -name '*.html' -printf '%s %P\n' | sort -n | tail -1)
echo "largest page: ${largest#* } (${largest%% *} bytes)"
