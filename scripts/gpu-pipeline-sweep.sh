#!/usr/bin/env bash
# Several PipelineBench configurations in one device call, back to back on one machine (machines of one kind differ by
# up to a third between calls, so compare configurations within a call):
#
#   scripts/gpu-pipeline-sweep.sh CONFIGS USERS     there, from the repo root, .gpu-demo carried (see gpu-pipeline.sh)
#
# CONFIGS has one line per run, "name|flags" (flags go to GPU_PIPELINE_EXTRA; '#' starts a comment line); each run is
# scripts/gpu-pipeline.sh pipeline USERS with its output under $OUT/<name>. After each run everything so far except
# JFR recordings is tarred into $OUT/runs.tgz: the device returns at most 8 files, and a call cut short keeps what finished.
set -u
cfg="$1"; users="$2"
root="$(cd "$(dirname "$0")/.." && pwd)"
top="${OUT:-$root/out}"
while IFS='|' read -r name extra; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  mkdir -p "$top/$name"
  echo "=== $name: $extra ($(date -u +%T))"
  OUT="$top/$name" GPU_PIPELINE_EXTRA="$extra" bash "$root/scripts/gpu-pipeline.sh" pipeline "$users" 2>&1 \
    | grep -E "offered|hyperrec drain|ceiling run|exit|Exception" | cut -c1-1200
  (cd "$top" && tar czf runs.tgz.tmp --exclude='runs.tgz*' --exclude='*.jfr' */ && mv runs.tgz.tmp runs.tgz)
done < "$cfg"
