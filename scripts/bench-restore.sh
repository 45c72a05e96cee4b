#!/usr/bin/env bash
# Restore after a restart (issue 7, item 5): fills U users into P tasks' RocksDB stores (the topology's own
# store builders), then times T threads reopening them and running the processor's init (the restore) and
# one flush (on CUDA: the upload of every restored row to the device). Writes docs/benchmarks/restore-<backend>.json.
#   scripts/bench-restore.sh [--users 1000000] [--tasks 1] [--threads 1] [--dim 64] [--backend cpu] [--runs 3]
# Last line: restore: users=<U> tasks=<P> threads=<T> dim=<d> backend=<b> open_s=.. restore_s=.. first_flush_s=.. total_s=..
# Heap: rows (U x dim floats) plus ~400 bytes a user; set HYPERREC_JAVA_OPTS=-Xmx..g for 10M users.
set -euo pipefail
source "$(dirname "$0")/lib/run-java.sh"
run_java dev.hyperrec.topology.tools.RestoreBench "$@"
