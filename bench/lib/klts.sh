# Sourced by the bench scripts that run on the real Kubernetes v1.20.2 tree: the KLTS
# patches that apply there and the KLTS-format manifest the benchmarks run on. Defines
# functions only.

# klts_applicable TREE PATCHES_DIR: the patches of PATCHES_DIR that `git apply --check`
# accepts in TREE (a repository or a checkout), in KLTS file order, into the array
# `applicable`.
klts_applicable() {
  applicable=()
  local p
  for p in "$2"/*.patch; do
    if git -C "$1" apply --check "$p" 2>/dev/null; then applicable+=("$p"); fi
  done
}

# klts_manifest DIR RELEASES: DIR/patches holds the applicable patches, and
# DIR/releases.yml has RELEASES releases on v1.20.2, each with every one of them (patch
# items must live inside the LTS repository, hence the copies).
klts_manifest() {
  local dir=$1 releases=$2 i p
  mkdir -p "$dir/patches"
  cp "${applicable[@]}" "$dir/patches/"
  {
    echo "base: https://github.com/kubernetes/kubernetes"
    echo "releases:"
    for i in $(seq 1 "$releases"); do
      echo "  - name: v1.20.2-lts.$i"
      echo "    base_release: v1.20.2"
      echo "    must: true"
      echo "    patches:"
      for p in "${applicable[@]}"; do echo "      - $(basename "$p" .patch)"; done
    done
    echo "patches:"
    for p in "${applicable[@]}"; do
      echo "  - name: $(basename "$p" .patch)"
      echo "    patch: [patches/$(basename "$p")]"
    done
  } >"$dir/releases.yml"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now_ns() { date +%s%N; }
