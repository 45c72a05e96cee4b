#!/usr/bin/env bash
# Compiles gpu-operators/src/main/cuda/*.cu to PTX (compute_90) under
# gpu-operators/src/main/resources/ptx/, the classpath resources the JCuda backend loads with
# cuModuleLoadData (no nvcc at run time).
#
#   scripts/build-ptx.sh          regenerate the shipped PTX
#   scripts/build-ptx.sh --check  fail (exit 1) when the shipped PTX differs from what the sources
#                                 compile to (run it in CI, where nvcc is installed)
#   --skip-without-nvcc           with --check: succeed with a warning where nvcc is absent; the
#                                 Maven build (gpu-operators, verify phase) runs it this way
#
# Output is made deterministic by dropping nvcc's leading '//' header comment (compiler build id and
# version), so the check compares code only. Environment: NVCC (default: nvcc on PATH).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/gpu-operators/src/main/cuda"
dst="$root/gpu-operators/src/main/resources/ptx"
nvcc="${NVCC:-nvcc}"
check=0
optional=0
for arg in "$@"; do
  case "$arg" in
    --check) check=1 ;;
    --skip-without-nvcc) optional=1 ;;  # the Maven build's check: hosts without CUDA can still build
    *) echo "usage: $0 [--check] [--skip-without-nvcc]" >&2; exit 2 ;;
  esac
done
if ! command -v "$nvcc" >/dev/null; then
  if [[ $optional -eq 1 ]]; then
    echo "build-ptx: nvcc not found: PTX check SKIPPED on this host (CI has nvcc and runs it)" >&2
    exit 0
  fi
  echo "build-ptx: nvcc not found (set NVCC)" >&2
  exit 2
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
status=0
mkdir -p "$dst"
for cu in "$src"/*.cu; do
  name="$(basename "$cu" .cu)"
  "$nvcc" -arch=compute_90 -ptx -o "$tmp/$name.raw" "$cu"
  # drop the header comment block that precedes the first directive
  awk 'BEGIN{h=1} h && /^\/\// {next} h && /^[[:space:]]*$/ {next} {h=0; print}' "$tmp/$name.raw" > "$tmp/$name.ptx"
  if [[ $check -eq 1 ]]; then
    if ! cmp -s "$tmp/$name.ptx" "$dst/$name.ptx"; then
      echo "build-ptx: $dst/$name.ptx is stale or missing: run scripts/build-ptx.sh" >&2
      status=1
    fi
  else
    cp "$tmp/$name.ptx" "$dst/$name.ptx"
    echo "build-ptx: $name.ptx ($(wc -c < "$dst/$name.ptx") bytes)"
  fi
done
if [[ $check -eq 1 ]]; then
  for ptx in "$dst"/*.ptx; do
    [[ -e "$ptx" ]] || continue
    [[ -e "$src/$(basename "$ptx" .ptx).cu" ]] || { echo "build-ptx: $ptx has no source" >&2; status=1; }
  done
  [[ $status -eq 0 ]] && echo "build-ptx: shipped PTX matches the sources"
fi
exit $status
