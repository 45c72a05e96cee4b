#!/usr/bin/env bash
# Whole-pipeline benchmark (issue 7, item 1): a broker in its own JVM on loopback, one seeded input
# (N events over U Zipf-active users, a 10,000 x 64 catalog) drained by (a) a passthrough Kafka Streams
# app with the app's Streams settings (exactly_once_v2) — the ceiling — and (b) the hyperrec app;
# then (c) event -> recommendation latency at fixed offered rates, once the model has caught up. Writes
# docs/benchmarks/pipeline-<backend>.json and .png (flags: --help; --jfr adds a profile of (b)).
# --instances M (M > 1) adds (d): M app instances in one JVM (one application id) form a group, then drain the
# same N events sent to topics of their own; then one instance does the same.
# Last line: pipeline: ceiling_eps=<a> hyperrec_eps=<b> ratio=<b/a> p99_ms_at_20k=<x> backend=<backend>
#            (+ " instances=<M> scale_out_eps=<d>" when M > 1)
set -euo pipefail
source "$(dirname "$0")/lib/run-java.sh"
# JFR's default stack depth (64) cuts Kafka Streams' stacks; harmless without --jfr
export HYPERREC_JAVA_OPTS="${HYPERREC_JAVA_OPTS:-} -XX:FlightRecorderOptions=stackdepth=256"
# The rate phases start once the item-to-item model has caught up with the drain, and the JSON carries the drain counted
# until then (item_to_item_model.drain_with_model_eps), as scripts/gpu-pipeline.sh does; HYPERREC_BENCH_SETTLE=0 starts
# the phases right after the drain (the CPU figures before session 26)
settle=()
[[ "${HYPERREC_BENCH_SETTLE:-1}" == 1 ]] && settle=(--settle-model)
run_java dev.hyperrec.topology.tools.PipelineBench "${settle[@]}" "$@"
