#!/usr/bin/env bash
# Runs longhaul's main job, `verify`, on the bundled example, offline.
#
#   examples/tiny-lts/run.sh [longhaul arguments…]     (default: verify --all)
#
# The example's upstream repository is built first (once) from upstream/: tag v1.0.3
# from upstream/v1.0.3, tag v1.1.1 from upstream/v1.1.1.diff on top of it, and an
# upstream security fix after it on `main` (upstream/fix-max-length.diff, CVE-2025-0002)
# for `longhaul backport --commit main --name CVE-2025-0002 --maintained`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
upstream="$root/target/tiny-upstream"

if ! git -C "$upstream" rev-parse -q --verify 'main^{/CVE-2025-0002}' >/dev/null 2>&1 \
  || ! git -C "$upstream" rev-parse -q --verify 'v1.0.3:vendor/modules.txt' >/dev/null 2>&1; then
  rm -rf "$upstream"
  mkdir -p "$upstream"
  export GIT_AUTHOR_NAME="Tiny Upstream" GIT_AUTHOR_EMAIL=upstream@example.org
  export GIT_COMMITTER_NAME="Tiny Upstream" GIT_COMMITTER_EMAIL=upstream@example.org
  export GIT_AUTHOR_DATE='2024-01-10T10:00:00Z' GIT_COMMITTER_DATE='2024-01-10T10:00:00Z'
  cp -R "$here/upstream/v1.0.3/." "$upstream/"
  git -C "$upstream" init -q -b main
  git -C "$upstream" add -A
  git -C "$upstream" commit -q -m "tinykube v1.0.3"
  git -C "$upstream" tag v1.0.3
  git -C "$upstream" apply --index "$here/upstream/v1.1.1.diff"
  GIT_AUTHOR_DATE='2024-06-01T10:00:00Z' GIT_COMMITTER_DATE='2024-06-01T10:00:00Z' \
    git -C "$upstream" commit -q -m "tinykube v1.1.1"
  git -C "$upstream" tag v1.1.1
  git -C "$upstream" apply --index "$here/upstream/fix-max-length.diff"
  GIT_AUTHOR_DATE='2025-03-01T10:00:00Z' GIT_COMMITTER_DATE='2025-03-01T10:00:00Z' \
    git -C "$upstream" commit -q -m "auth: refuse tokens longer than 4096 bytes" \
      -m "Overlong tokens reached the token cache unchecked (CVE-2025-0002)."
  echo "built example upstream with tags v1.0.3 and v1.1.1 and a fix on main" >&2
fi

if [ $# -eq 0 ]; then set -- verify --all; fi
cd "$root"
bin="${CARGO_TARGET_DIR:-$root/target}/debug/longhaul"
if [ ! -x "$bin" ]; then
  # The first build compiles every dependency: show cargo's progress.
  echo "building longhaul (first time: a few minutes)…" >&2
  cargo build -p longhaul-cli >&2
else
  cargo build -q -p longhaul-cli >&2
fi
exec "$bin" -C examples/tiny-lts --offline "$@"
