# Sourced by bench scripts: builds the release binary the way it is measured. Defines
# functions only.

# build_longhaul ROOT: builds longhaul from ROOT's workspace and sets `longhaul` to the
# binary. On a Linux glibc host it is linked statically (`crt-static`, for the host
# triple given explicitly so that proc-macros stay dynamic): a `port` runs in a few
# milliseconds, and the dynamic loader's work (mapping libc, libm and libgcc_s, binding
# their symbols) was about a tenth of that. With LONGHAUL_DYNAMIC=1, or on other hosts,
# it is the plain `cargo build --release` binary.
build_longhaul() {
  local root=$1 host target_dir
  host=$(rustc -vV | sed -n 's/^host: //p')
  target_dir=${CARGO_TARGET_DIR:-$root/target}
  # cargo runs in ROOT, so a relative CARGO_TARGET_DIR is ROOT's.
  [[ $target_dir == /* ]] || target_dir=$root/$target_dir
  if [ "${LONGHAUL_DYNAMIC:-0}" = 1 ] || [[ $host != *-linux-gnu ]]; then
    (cd "$root" && cargo build --release -q -p longhaul-cli)
    longhaul="$target_dir/release/longhaul"
    return
  fi
  (cd "$root" && cargo build --release -q -p longhaul-cli --target "$host" \
    --config "target.$host.rustflags=[\"-C\", \"target-feature=+crt-static\"]")
  longhaul="$target_dir/$host/release/longhaul"
}
