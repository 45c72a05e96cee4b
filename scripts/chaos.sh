#!/usr/bin/env bash
# Crash harness: SIGKILLs the app (its own JVM) at random moments during a >= 200K-event replay,
# restarts it each time, and compares the final state with an uninterrupted run (flags: --help).
# Last line: chaos: kills=<k> events=<n> state_mismatches=<m> duplicate_recommendations=<d>
set -euo pipefail
source "$(dirname "$0")/lib/run-java.sh"
# the app is restarted many times: --frozen keeps a rebuild in this tree from changing its code mid-run
run_java --frozen dev.hyperrec.topology.tools.Chaos "$@"
