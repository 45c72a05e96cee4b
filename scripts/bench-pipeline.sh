#!/usr/bin/env bash
# Whole-pipeline benchmark (issue 7, item 1): a broker in its own JVM on loopback, one seeded input
# (N events over U Zipf-active users, a 10,000 x 64 catalog) drained by (a) a passthrough Kafka Streams
# app with the app's Streams settings (exactly_once_v2) — the ceiling — and (b) the hyperrec app;
# then (c) event -> recommendation latency at fixed offered rates. Writes
# docs/benchmarks/pipeline-<backend>.json and .png (flags: --help; --jfr adds a profile of (b)).
# Last line: pipeline: ceiling_eps=<a> hyperrec_eps=<b> ratio=<b/a> p99_ms_at_20k=<x> backend=<backend>
set -euo pipefail
source "$(dirname "$0")/lib/run-java.sh"
# JFR's default stack depth (64) cuts Kafka Streams' stacks; harmless without --jfr
export HYPERREC_JAVA_OPTS="${HYPERREC_JAVA_OPTS:-} -XX:FlightRecorderOptions=stackdepth=256"
run_java dev.hyperrec.topology.tools.PipelineBench "$@"
