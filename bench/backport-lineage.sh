#!/usr/bin/env bash
# Ground truth from public history: on a release branch, a commit C whose message says
# "(cherry picked from commit X)" is what a maintainer accepted as the port of X onto C^.
# For every such pair (both non-merge commits), port X onto C^ three ways and compare the
# resulting tree with C's tree:
#
#   longhaul   longhaul port --repo REPO --onto C^ --commit X --json
#   cherry-pick  git merge-tree --write-tree --merge-base=X^ C^ X   (what cherry-pick records)
#   apply      git diff X^ X | git apply --cached onto C^ (a scratch index)
#
# Each result is exact (same tree as C), a conflict (no result), or clean-but-different
# (a result that is not what the maintainer committed: a silent divergence). Prints the
# counts, longhaul's status and difficulty split, and the whole-process time per pair of
# each tool (total, mean, median, 90th percentile). longhaul and cherry-pick take turns
# running first on a pair (the first reads the pair's objects from disk where the page
# cache no longer holds them); git apply runs last.
#
#   bench/backport-lineage.sh REPO [BRANCH_GLOB]      (default glob: release-*)
#
# With LINEAGE_PAIRS=FILE, one line per pair is written there: C X, then each tool's result
# (longhaul, cherry-pick, apply) and longhaul's status and rung, for comparing runs.
#
# With LINEAGE_REPEAT=N, each of longhaul and cherry-pick runs N times per pair and the
# least time counts (git apply runs once).
#
# With LINEAGE_PRECEDENTS=1, longhaul ports through earlier ports of the same commit where
# its ladder conflicts (the precedent rung), as of C's commit time.
#
# With VS=OLD_BIN, each pair is also ported by OLD_BIN (another longhaul build) right
# after this build, and the two are compared: the whole-process time ratio (this build
# over OLD_BIN: total, and the median of the per-pair ratios) and how many pairs give the
# same JSON.
#
# REPO is a git repository with the release branches as local branches (a fetched
# snapshot works). git writes merge results into REPO's object store; run it on a copy.
#
# The binary measured is the statically linked release build (bench/lib/build.sh; the
# first run builds it); LONGHAUL_DYNAMIC=1 measures the plain `cargo build --release` one.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
repo=${1:?usage: bench/backport-lineage.sh REPO [BRANCH_GLOB]}
glob=${2:-release-*}
# shellcheck source=lib/build.sh
. "$root/bench/lib/build.sh"
build_longhaul "$root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -z "${LINEAGE_PAIRS:-}" ] || : >"$LINEAGE_PAIRS"

now() { date +%s%N; }
# With LINEAGE_REPEAT=N each tool runs N times per pair and the least time counts (warm
# figures); the default, 1, is one run each.
repeat=${LINEAGE_REPEAT:-1}
# With LINEAGE_PRECEDENTS=1, a build that has the precedent rung (`port --precedents`) uses
# it, and only earlier ports committed before C: what the maintainer could have seen, never
# C itself or a later port. (Off by default, as in `port`.)
declare -A cutoff_flag
precedent_args() {
  [ "${LINEAGE_PRECEDENTS:-0}" = 1 ] || return 0
  local help
  [ -n "${cutoff_flag[$1]+set}" ] || {
    help=$("$1" port --help 2>/dev/null || true)
    if [[ $help == *--precedents-before* ]]; then cutoff_flag[$1]=1; else cutoff_flag[$1]=0; fi
  }
  [ "${cutoff_flag[$1]}" = 0 ] || args=(--precedents --precedents-before "$(git -C "$repo" log -1 --format=%ct "$c")")
}
# timed_port BIN OUT NS: BIN's JSON port of the pair ($c, $x) into the variable OUT, its
# whole-process time in nanoseconds into NS.
timed_port() {
  local s o t best= args=()
  precedent_args "$1"
  for _ in $(seq "$repeat"); do
    s=$(now)
    o=$("$1" --json port --repo "$repo" --onto "$c^" --commit "$x" "${args[@]}" 2>/dev/null || true)
    t=$(($(now) - s))
    [ -n "$best" ] && [ "$best" -le "$t" ] || best=$t
  done
  printf -v "$3" '%s' "$best"
  printf -v "$2" '%s' "$o"
}
# timed_merge: cherry-pick's merge of the pair into the variable merged, its
# whole-process time in nanoseconds into merge_ns.
timed_merge() {
  local s t
  merge_ns=
  for _ in $(seq "$repeat"); do
    s=$(now)
    merged=$(git -C "$repo" merge-tree --write-tree --merge-base="$x^" "$c^" "$x" 2>/dev/null | head -n 1) || merged=
    t=$(($(now) - s))
    [ -n "$merge_ns" ] && [ "$merge_ns" -le "$t" ] || merge_ns=$t
  done
}
declare -A count
t_longhaul=0 t_merge=0 t_apply=0 t_vs=0 pairs=0 vs_same=0
: >"$work/ratio"
: >"$work/different"
: >"$work/ms_longhaul"
: >"$work/ms_merge"
: >"$work/ms_apply"

while read -r c parents; do
  [ "$(wc -w <<<"$parents")" = 1 ] || continue
  x=$(git -C "$repo" log -1 --format=%B "$c" |
    sed -n 's/.*(cherry picked from commit \([0-9a-f]\{40\}\)).*/\1/p' | tail -n 1)
  [ -n "$x" ] || continue
  git -C "$repo" cat-file -e "$x^{commit}" 2>/dev/null || continue
  [ "$(git -C "$repo" rev-list --parents -n 1 "$x" | wc -w)" = 2 ] || continue
  want=$(git -C "$repo" rev-parse "$c^{tree}")
  pairs=$((pairs + 1))

  # The tool that runs first on a pair reads its objects from disk where the page
  # cache has dropped them; so longhaul and cherry-pick take turns going first
  # (and with VS, the two builds), so that neither always finds them read.
  [ $((pairs % 2)) = 1 ] || timed_merge
  [ -z "${VS:-}" ] || [ $((pairs % 2)) = 1 ] || timed_port "$VS" old dv
  timed_port "$longhaul" out d
  [ -z "${VS:-}" ] || [ $((pairs % 2)) = 0 ] || timed_port "$VS" old dv
  [ $((pairs % 2)) = 0 ] || timed_merge
  t_longhaul=$((t_longhaul + d)); echo $((d / 1000)) >>"$work/ms_longhaul"
  tree=$(sed -n 's/.*"tree": "\([0-9a-f]*\)".*/\1/p' <<<"$out")
  difficulty=$(sed -n 's/.*"difficulty": "\([a-z]*\)".*/\1/p' <<<"$out")
  status=$(sed -n 's/.*"status": "\([a-z]*\)".*/\1/p' <<<"$out" | head -n 1)
  count[status_${status:-error}]=$((${count[status_${status:-error}]:-0} + 1))
  count[difficulty_${difficulty:-error}]=$((${count[difficulty_${difficulty:-error}]:-0} + 1))
  if [ -z "$tree" ]; then r=conflict; elif [ "$tree" = "$want" ]; then r=exact; else r=different; echo "longhaul $c $x" >>"$work/different"; fi
  count[longhaul_$r]=$((${count[longhaul_$r]:-0} + 1))
  r_longhaul=$r
  rung=$(sed -n 's/.*"rung": "\([a-z]*\)".*/\1/p' <<<"$out" | head -n 1)
  [ "$r_longhaul" = conflict ] || count[rung_${rung:-none}]=$((${count[rung_${rung:-none}]:-0} + 1))
  if [ -n "${VS:-}" ]; then
    t_vs=$((t_vs + dv))
    echo "$d $dv" | awk '{printf "%.4f\n", $1 / $2}' >>"$work/ratio"
    [ "$old" = "$out" ] && vs_same=$((vs_same + 1))
  fi

  tree=$merged d=$merge_ns; t_merge=$((t_merge + d)); echo $((d / 1000)) >>"$work/ms_merge"
  if [ -z "$tree" ]; then r=conflict; elif [ "$tree" = "$want" ]; then r=exact; else r=different; echo "cherry-pick $c $x" >>"$work/different"; fi
  count[merge_$r]=$((${count[merge_$r]:-0} + 1))
  r_merge=$r

  s=$(now)
  tree=$(export GIT_INDEX_FILE="$work/index"
    git -C "$repo" read-tree "$c^" &&
      git -C "$repo" diff --binary "$x^" "$x" | git -C "$repo" apply --cached 2>/dev/null &&
      git -C "$repo" write-tree) || tree=
  d=$(($(now) - s)); t_apply=$((t_apply + d)); echo $((d / 1000)) >>"$work/ms_apply"
  if [ -z "$tree" ]; then r=conflict; elif [ "$tree" = "$want" ]; then r=exact; else r=different; echo "apply $c $x" >>"$work/different"; fi
  count[apply_$r]=$((${count[apply_$r]:-0} + 1))
  r_apply=$r
  [ -z "${LINEAGE_PAIRS:-}" ] || echo "$c $x $r_longhaul $r_merge $r_apply ${status:-error} ${rung:-none}" >>"$LINEAGE_PAIRS"
done < <(git -C "$repo" log --no-merges --format='%H %P' --branches="$glob" --grep='cherry picked from commit')

echo "pairs: $pairs (non-merge commits on $glob naming a non-merge commit they were cherry-picked from)"
quantile() { sort -n "$1" | awk -v q="$2" '{a[NR]=$1} END {i=int(NR*q); if (i<1) i=1; printf "%.1f", a[i]/1000}'; }
printf '%-12s %6s %9s %10s %9s %9s %9s %9s\n' tool exact different conflict "total s" "mean ms" "median" "p90"
for tool in longhaul merge apply; do
  case $tool in longhaul) t=$t_longhaul name=longhaul ;; merge) t=$t_merge name=cherry-pick ;; apply) t=$t_apply name="git apply" ;; esac
  printf '%-12s %6d %9d %10d %9.2f %9.1f %9s %9s\n' "$name" "${count[${tool}_exact]:-0}" "${count[${tool}_different]:-0}" \
    "${count[${tool}_conflict]:-0}" "$(echo "$t / 1000000000" | bc -l)" "$(echo "$t / 1000000 / ($pairs + ($pairs == 0))" | bc -l)" \
    "$(quantile "$work/ms_$tool" 0.5)" "$(quantile "$work/ms_$tool" 0.9)"
done
echo "longhaul difficulty: trivial ${count[difficulty_trivial]:-0}, adapted ${count[difficulty_adapted]:-0}, manual ${count[difficulty_manual]:-0}, error ${count[difficulty_error]:-0}"
echo "longhaul status: $(for s in clean merged resolved applied conflict; do printf '%s %s, ' "$s" "${count[status_$s]:-0}"; done)"
echo "longhaul rung of each result: $(for s in merge modules resolve apply precedent; do printf '%s %s, ' "$s" "${count[rung_$s]:-0}"; done)"
if [ -n "${VS:-}" ]; then
  echo "vs $VS: same JSON on $vs_same of $pairs pairs; time this/old: total $(echo "$t_longhaul / ($t_vs + ($t_vs == 0))" | bc -l | cut -c1-5), median per pair $(sort -n "$work/ratio" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
fi
if [ -s "$work/different" ]; then
  echo "clean-but-different (tool C X):"
  sed 's/^/  /' "$work/different"
fi
