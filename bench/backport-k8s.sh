#!/usr/bin/env bash
# `longhaul backport --write` on the real Kubernetes v1.20.2 tree, in KLTS's layout,
# checked the way KLTS's CI checks patches.
#
#   bench/backport-k8s.sh
#
# The KLTS patches that apply to v1.20.2 make a release's chain, except the last one,
# which is committed upstream (branch `longhaul-bench-fix` in K8S_REPO, with git am) as
# the fix to backport. The script then
#   1. runs `longhaul backport --commit longhaul-bench-fix --name … --to v1.20.2-lts.1 --write`
#      (timed) on a manifest with comments, and shows the manifest diff;
#   2. runs `longhaul verify --all` and `longhaul refresh --check` on the result;
#   3. rebuilds the release with `git am -3` of every patch in order and compares
#      `git format-patch -N --abbrev=11 --zero-commit --no-signature` of the new commit
#      with the written patch, byte for byte.
#
# Environment: K8S_REPO (default /tmp/k8s-v1.20.2), built with
# ../shared/bench/make-k8s-repo.sh when missing; KLTS_PATCHES (default
# ../shared/data/klts/patches). Writes to K8S_REPO's object store and refs
# (the bench branch) and to a temporary folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib/klts.sh"
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
trap 'git -C "$repo" worktree remove --force "$work/wt" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org

klts_applicable "$repo" "$patches"
[ "${#applicable[@]}" -ge 2 ] || { echo "fewer than 2 KLTS patches apply to this tree" >&2; exit 1; }
fix=${applicable[-1]}
chain=("${applicable[@]:0:${#applicable[@]}-1}")
echo "chain: ${#chain[@]} KLTS patches; upstream fix: $(basename "$fix")"

# The upstream fix as a commit on v1.20.2.
git -C "$repo" worktree add -q --detach "$work/wt" v1.20.2
git -C "$work/wt" am -q "$fix"
git -C "$repo" branch -f longhaul-bench-fix "$(git -C "$work/wt" rev-parse HEAD)"

mkdir -p "$work/lts/patches"
cp "${chain[@]}" "$work/lts/patches/"
{
  echo "# KLTS layout on the real v1.20.2 tree (bench/backport-k8s.sh)"
  echo "base: https://github.com/kubernetes/kubernetes"
  echo "releases:"
  echo "  - name: v1.20.2-lts.1"
  echo "    base_release: v1.20.2"
  echo "    must: true"
  echo "    patches:"
  for p in "${chain[@]}"; do echo "      - $(basename "$p" .patch)   # CVSS: see the advisory"; done
  echo "      # - some-reverted-patch   # commented out: broke kubelet"
  echo "patches:"
  for p in "${chain[@]}"; do
    echo "  - name: $(basename "$p" .patch)"
    echo "    patch: [patches/$(basename "$p")]"
  done
} >"$work/lts/releases.yml"
cp "$work/lts/releases.yml" "$work/releases.before"

name="$(basename "$fix" .patch)-port"
t0=$(date +%s%N)
"$longhaul" -C "$work/lts" --upstream "$repo" --offline backport --commit longhaul-bench-fix \
  --name "$name" --to v1.20.2-lts.1 --write
t1=$(date +%s%N)
echo "backport --write: $(( (t1 - t0) / 1000000 )) ms (whole process: chain applied in memory, port, patch written and checked)"
"$longhaul" -C "$work/lts" --upstream "$repo" --offline verify --all
written=$(ls "$work/lts/patches/$name"*.patch)
"$longhaul" -C "$work/lts" --upstream "$repo" --offline refresh --check "$written"
# (KLTS's own patches were made on other trees: refresh --check reports which of them
# are canonical on this one.)
"$longhaul" -C "$work/lts" --upstream "$repo" --offline refresh --check || true

# git's answer: the chain and the written patch with git am -3, then format-patch.
git -C "$work/wt" checkout -q --detach v1.20.2
for p in "${chain[@]}"; do git -C "$work/wt" am -q -3 "$p"; done
git -C "$work/wt" am -q -3 "$written"
git -C "$work/wt" format-patch -N --abbrev=11 --zero-commit --no-signature --stdout -1 HEAD >"$work/git.patch"
if cmp -s "$work/git.patch" "$written"; then
  echo "the written patch is byte-identical to git format-patch of the commit git am builds from it"
else
  echo "DIFFERENT from git format-patch:" >&2
  diff "$work/git.patch" "$written" | head -20 >&2
  exit 1
fi

# 4. refresh against git on every KLTS patch that applies here: each alone on v1.20.2,
#    `git am -3` then format-patch, against `longhaul refresh` of the same patch.
same=0 different=0 skipped=0
for p in "${applicable[@]}"; do
  one="$work/one"; rm -rf "$one"; mkdir -p "$one/patches"; cp "$p" "$one/patches/"
  n=$(basename "$p" .patch)
  printf 'releases:\n  - name: v1.20.2-lts.1\n    base_release: v1.20.2\n    patches: [%s]\n' "$n" >"$one/releases.yml"
  if ! "$longhaul" -C "$one" --upstream "$repo" --offline refresh >/dev/null 2>&1; then
    skipped=$((skipped + 1)); continue
  fi
  git -C "$work/wt" checkout -q --detach v1.20.2
  git -C "$work/wt" am -q -3 "$p"
  count=$(git -C "$work/wt" rev-list --count v1.20.2..HEAD)
  git -C "$work/wt" format-patch -N --abbrev=11 --zero-commit --no-signature --stdout "-$count" HEAD >"$work/git-one.patch"
  if cmp -s "$work/git-one.patch" "$one/patches/$n.patch"; then same=$((same + 1)); else
    different=$((different + 1)); echo "refresh differs from git on $n:"; diff "$work/git-one.patch" "$one/patches/$n.patch" | head -10
  fi
done
echo "refresh vs git format-patch on KLTS patches: $same identical, $different different, $skipped not refreshable"
