#!/usr/bin/env bash
# Former name of scripts/bench-gpu.sh (same arguments); kept so that older notes still work.
exec "$(cd "$(dirname "$0")" && pwd)/bench-gpu.sh" "$@"
