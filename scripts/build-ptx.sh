#!/usr/bin/env bash
# Compiles gpu-operators/src/main/cuda/*.cu to PTX (compute_90) under
# gpu-operators/src/main/resources/ptx/, the classpath resources the JCuda backend loads with
# cuModuleLoadData (no nvcc at run time).
#
#   scripts/build-ptx.sh          regenerate the shipped PTX
#   scripts/build-ptx.sh --check  fail (exit 1) when the shipped PTX differs from what the sources
#                                 compile to (run it in CI, where nvcc is installed)
#
# Output is made deterministic by dropping nvcc's leading '//' header comment (compiler build id and
# version), so the check compares code only. Environment: NVCC (default: nvcc on PATH).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/gpu-operators/src/main/cuda"
dst="$root/gpu-operators/src/main/resources/ptx"
nvcc="${NVCC:-nvcc}"
check=0
if [[ "${1:-}" == "--check" ]]; then check=1; elif [[ $# -gt 0 ]]; then echo "usage: $0 [--check]" >&2; exit 2; fi
command -v "$nvcc" >/dev/null || { echo "build-ptx: nvcc not found (set NVCC)" >&2; exit 2; }
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
