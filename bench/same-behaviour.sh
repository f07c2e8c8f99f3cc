#!/usr/bin/env bash
# Shows that two longhaul binaries behave the same: every read-only output on the bundled
# example and on KLTS's real data, byte for byte, with the clock pinned.
#
#   bench/same-behaviour.sh OLD_BIN NEW_BIN [DATA] [K8S_REPO]
#
# DATA is the shared data folder (default ../shared/data); K8S_REPO an upstream clone for
# KLTS (e.g. one made by ../shared/bench/make-k8s-repo.sh; without it, KLTS's `verify` and
# `backport` outputs are their "no upstream" errors, compared all the same).
#
# Each command's standard output, standard error and exit code are recorded per binary in
# a folder of the same name (so paths in messages are equal), then the two are compared
# with `diff -r`. Exit 0 when they agree, 1 with the diff when they do not.
#
# INTENDED="NAME…" names records whose change is intended (a fixed bug): their diff is
# shown and they are left out of the verdict, e.g. INTENDED=ex-backport-write-again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
old=$(realpath "$1")
new=$(realpath "$2")
data=$(realpath "${3:-$root/../shared/data}")
k8s=${4:+$(realpath "$4")}
export SOURCE_DATE_EPOCH=1795000000 NO_COLOR=1 COLUMNS=100
export GIT_COMMITTER_NAME="longhaul bench" GIT_COMMITTER_EMAIL=bench@longhaul.invalid
export GIT_COMMITTER_DATE='2026-11-20T10:00:00Z'
unset LONGHAUL_UPSTREAM

# The example's upstream (built by run.sh's own code, once).
"$root/examples/tiny-lts/run.sh" releases >/dev/null
tiny_upstream="$root/target/tiny-upstream"

out=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$out"' EXIT
work="$out/work"

# record NAME CMD…: run CMD in $work, keep its output and exit code under $rec/NAME.
record() {
  local name=$1
  shift
  local rc=0
  (cd "$work" && "$@") >"$rec/$name.out" 2>"$rec/$name.err" || rc=$?
  echo "$rc" >"$rec/$name.rc"
  # Durations are the one thing allowed to differ.
  sed -E -i 's/[0-9]+(\.[0-9]+)? ?(ms|s)\b/<time>/g' "$rec/$name.out" "$rec/$name.err"
}

run_example() {
  local lh=("$1" -C "$work/tiny" --upstream "$work/tiny-upstream" --offline)
  cp -R "$root/examples/tiny-lts" "$work/tiny"
  git clone -q --mirror "$tiny_upstream" "$work/tiny-upstream"
  record ex-releases "${lh[@]}" --json releases
  record ex-verify "${lh[@]}" --json verify --all
  record ex-verify-text "${lh[@]}" verify --all
  record ex-lint "${lh[@]}" --json lint
  record ex-coverage "${lh[@]}" --json coverage --all
  record ex-coverage-md "${lh[@]}" coverage --all --markdown
  record ex-suggest "${lh[@]}" statements suggest
  # Dependency coverage (the example's Go vulnerability database): the report,
  # the coverage table with dependencies, and (below) the site's sections.
  record ex-deps "${lh[@]}" --json deps --all
  record ex-deps-text "${lh[@]}" deps --all
  record ex-coverage-deps "${lh[@]}" --json coverage --all --deps
  record ex-coverage-deps-text "${lh[@]}" coverage --all --deps
  for r in v1.0.3-lts.1 v1.0.3-lts.2 v1.1.1-lts.1; do
    record "ex-vex-$r" "${lh[@]}" vex "$r"
    record "ex-notes-$r" "${lh[@]}" notes "$r"
    record "ex-notes-json-$r" "${lh[@]}" --json notes "$r"
  done
  record ex-lifecycle "${lh[@]}" --json lifecycle
  record ex-advisories-list "${lh[@]}" advisories list
  record ex-port "${lh[@]}" --json port --onto v1.0.3 --commit main
  record ex-port-text "${lh[@]}" port --onto v1.0.3 --commit main
  record ex-apply "${lh[@]}" --json apply --onto v1.1.1 "$work/tiny/patches/token-length.patch"
  record ex-apply-text "${lh[@]}" apply --onto v1.0.3 "$work/tiny/patches/token-length.patch"
  record ex-ci-check "${lh[@]}" --json ci github --check
  record ex-upgrade "${lh[@]}" --json upgrade-path v1.0.3-lts.2 --to 1.1
  record ex-backport "${lh[@]}" --json backport --commit main --name CVE-2025-0002 --maintained
  record ex-backport-text "${lh[@]}" backport --commit main --name CVE-2025-0002 --to v1.0.3-lts.2
  record ex-backport-bad-name "${lh[@]}" backport --commit main --name "a b" --maintained
  record ex-backport-no-release "${lh[@]}" --json backport --commit main --name X --to v9.9
  # --write into a copy of the example: its output, and every file it wrote.
  cp -R "$work/tiny" "$work/tiny-write"
  local lw=("$1" -C "$work/tiny-write" --upstream "$work/tiny-upstream" --offline)
  record ex-backport-write "${lw[@]}" backport --commit main --name CVE-2025-0002 --maintained --write
  record ex-backport-write-again "${lw[@]}" --json backport --commit main --name CVE-2025-0002 --maintained --write
  cp -R "$work/tiny-write" "$rec/ex-backport-write-tree"
  record ex-rebase "${lh[@]}" --json rebase 1.0 --onto v1.1.1
  record ex-rebase-text "${lh[@]}" rebase v1.1.1-lts.1 --onto v1.1.1
  record ex-rebase-bad-line "${lh[@]}" rebase 9.9 --onto v1.1.1
  record ex-refresh "${lh[@]}" --json refresh --check
  record ex-refresh-text "${lh[@]}" refresh --check
  # refresh and bump writing into a copy: their output, and every file of the copy.
  cp -R "$work/tiny" "$work/tiny-edit"
  local le=("$1" -C "$work/tiny-edit" --upstream "$work/tiny-upstream" --offline)
  # (The example's mails abbreviate their blob ids to 7 digits: refresh rewrites them.)
  record ex-refresh-stale "${le[@]}" refresh --check
  record ex-refresh-write "${le[@]}" --json refresh
  record ex-refresh-named "${le[@]}" refresh "$work/tiny-edit/patches/main-usage.patch"
  record ex-refresh-plain "${le[@]}" refresh "$work/tiny-edit/patches/token-length.patch"
  record ex-bump "${le[@]}" bump 1.0 1.1
  record ex-bump-json "${le[@]}" --json bump v1.0.3-lts.3
  record ex-bump-bad "${le[@]}" --json bump 9.9
  record ex-bump-twice "${le[@]}" bump 1.1 1.1
  cp -R "$work/tiny-edit" "$rec/ex-edit-tree"
  record ex-osv "${lh[@]}" osv --out "$work/ex-osv"
  record ex-site "${lh[@]}" site --out "$work/ex-site"
  cp -R "$work/ex-osv" "$work/ex-site" "$rec/"
}

run_klts() {
  local lh=("$1" --manifest "$work/klts/releases.yml" --advisories "$work/klts-advisories" --offline)
  [ -n "$k8s" ] && lh+=(--upstream "$k8s")
  cp -R "$data/klts" "$work/klts"
  record klts-import "${lh[@]}" advisories import "$data/k8s-cve-osv"
  record klts-releases "${lh[@]}" --json releases
  record klts-verify "${lh[@]}" --json verify --all
  record klts-lint "${lh[@]}" --json lint
  record klts-coverage "${lh[@]}" --json coverage --all
  record klts-deps "${lh[@]}" --json deps
  record klts-vex "${lh[@]}" vex v1.18.20-lts.3
  record klts-notes "${lh[@]}" notes v1.18.20-lts.3
  record klts-lifecycle "${lh[@]}" --json lifecycle
  record klts-upgrade "${lh[@]}" --json upgrade-path v1.18.20-lts.3 --to 1.28
  record klts-backport "${lh[@]}" --json backport --commit v1.20.2 --name CVE-2099-0001 --maintained
  record klts-rebase "${lh[@]}" --json rebase 1.18 --onto v1.20.2
  record klts-refresh "${lh[@]}" --json refresh --check
  record klts-osv "${lh[@]}" osv --out "$work/klts-osv"
  record klts-site "${lh[@]}" site --out "$work/klts-site"
  cp -R "$work/klts-osv" "$work/klts-site" "$rec/"
}

for side in old new; do
  bin=$old
  [ "$side" = new ] && bin=$new
  rec="$out/$side"
  mkdir -p "$rec"
  rm -rf "$work" && mkdir -p "$work"
  run_example "$bin"
  rm -rf "$work" && mkdir -p "$work"
  if [ -f "$data/klts/releases.yml" ]; then run_klts "$bin"; fi
done

for name in ${INTENDED:-}; do
  echo "intended change in $name:"
  for part in out err rc; do
    diff "$out/old/$name.$part" "$out/new/$name.$part" || true
  done
  rm -f "$out"/{old,new}/"$name".{out,err,rc}
done

if diff -r "$out/old" "$out/new"; then
  echo "same behaviour: $(find "$out/old" -type f | wc -l) files compared"
else
  echo "the two binaries differ (above)" >&2
  exit 1
fi
