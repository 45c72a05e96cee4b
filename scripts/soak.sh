#!/usr/bin/env bash
# Soak: measures the app's maximum throughput (app and broker in their own JVMs), offers half of it
# for --minutes (default 30) and samples live heap, RSS and consumer lag; writes
# docs/benchmarks/soak.json and soak.png (flags: --help).
# Last line: soak: minutes=<m> rate_eps=<r> heap_drift_pct=<h> rss_drift_pct=<s> max_lag=<l> final_lag=<f>
set -euo pipefail
source "$(dirname "$0")/lib/run-java.sh"
run_java --frozen dev.hyperrec.topology.tools.Soak "$@"
