#!/usr/bin/env bash
# Issue 7 on the GPU machine: the whole pipeline with the CUDA backend (broker and app both there) and the
# operators' scaling curves. Uses the package of scripts/gpu-demo.sh (a jlinked JRE and the runtime jars,
# carried as .gpu-demo; the GPU machine has no Java):
#
#   scripts/gpu-demo.sh --prepare        here, once (or --overlay topology gpu-operators after a change)
#   scripts/gpu-pipeline.sh [scaling] [engine USERS...] [restore USERS:TASKS:THREADS...] [pipeline USERS...]
#                                        there, from the repo root, .gpu-demo carried; writes under $OUT:
#                                        scaling-cuda.json, restore-cuda-<users>-<tasks>x<threads>.json,
#                                        pipeline-cuda-<users>.json/.png, logs, env.txt
#
# engine U: EngineBench --backend cuda, the recommender engine alone on one thread (no Kafka) with PipelineBench's input
# (U users, 62,423 x 384, 50,000 + $GPU_ENGINE_EVENTS (100,000) events): its cost per list and a checksum of the lists.
# scaling: ScalingBench --backend cuda at d=384 (catalog 1K..1M items, 1,000 lists a call; 10K..10M resident
# users, 100K events a call). pipeline U: PipelineBench --backend cuda with a 62,423 x 384 catalog and U users
# (Zipf 1.0), 16 partitions, 8 stream threads, the broker in its own JVM on loopback, the app sized for the machine:
# hyperrec.rocksdb.memory.mb=$GPU_PIPELINE_ROCKSDB_MB (8192) and hyperrec.neighbours.threads=$GPU_PIPELINE_MODEL_THREADS (4),
# the model's instance in the app's JVM ($GPU_PIPELINE_MODEL_NICE, off; a niceness N runs it in a JVM of its own at nice N), the
# rate phases once the model has caught up with the drain ($GPU_PIPELINE_SETTLE, 1),
# a warm-up drain of $GPU_PIPELINE_WARMUP other events first (200,000; with 50,000, session 29 found C2 still compiling through
# 15-21% of the drain's JVM CPU, and the drains 15-29% lower: docs/benchmarks.md, "Session 29"),
# and for latency hyperrec.batch.flush.interval.ms=$GPU_PIPELINE_FLUSH_MS (10) and commit.interval.ms=$GPU_PIPELINE_COMMIT_MS
# (20; docs/benchmarks.md, "Commits that block the stream threads": p99 38 ms at 1,000 events/s against 128 ms with 20/100)
# (docs/benchmarks.md: with the 256 MB default the memtables flush and compact all through a 1M-user drain and the
# item-to-item model falls behind); GPU_PIPELINE_EXTRA adds PipelineBench flags (e.g. "--instances 2" for the
# scale-out drain, "--threads 16"; a flag given again, or a later --set of the same key, wins over the script's);
# GPU_PIPELINE_JAVA_OPTS adds JVM flags (e.g. "-XX:+UseZGC -Xlog:gc:file=$OUT/gc.txt"; a collector named there replaces G1). restore U:P:T:
# RestoreBench --backend cuda at d=384: U users in P tasks' RocksDB stores, restored by T threads, each
# task's first flush uploading its rows to the device (2 runs).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
g="$root/.gpu-demo"
out="${OUT:-$root/out}"
mkdir -p "$out"
base=/tmp/hyperrec-demo
# unpacked once per package and overlay: a warm machine keeps /tmp between calls, and a package prepared since, or
# another overlay (or none after one), must replace what is there
sum="$(cat "$g/demo.tar.xz" "$g"/overlay/*.jar 2>/dev/null | md5sum | cut -c1-32)"
if [[ ! -x "$base/jre25/bin/java" || "$(cat "$base/.package" 2>/dev/null)" != "$sum" ]]; then
  rm -rf "$base" && mkdir -p "$base" && xz -dc "$g/demo.tar.xz" | tar -C "$base" -xf - \
    && { if [[ -d "$g/overlay" ]]; then cp "$g"/overlay/*.jar "$base/lib/"; fi; } && echo "$sum" > "$base/.package"
fi
java="$base/jre25/bin/java"
chmod +x "$base"/jre25/bin/* "$base"/jre25/lib/jspawnhelper 2>/dev/null
cp="$(ls -d "$base"/lib/* | tr '\n' ':')"
flags=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -XX:+UseG1GC)
{ nvidia-smi; nproc; free -g; "$java" -version 2>&1; } > "$out/env.txt" 2>&1
# the benchmarks' broker (BrokerProcess) on G1 with room: its default serial collector and 512 MB, right for a small
# machine, paused it up to 178 ms at 30,000 events/s here (docs/benchmarks.md, "Timed flushes and requested commits")
export HYPERREC_BROKER_JAVA_OPTS="${HYPERREC_BROKER_JAVA_OPTS:--Xmx4g -XX:+UseG1GC -XX:MaxGCPauseMillis=20}"
mode=""
for arg in "$@"; do
  case "$arg" in
    scaling)
      timeout 300 "$java" "${flags[@]}" -Xmx48g -cp "$cp" dev.hyperrec.topology.tools.ScalingBench --backend cuda --dim 384 \
        --queries 1000 --events 100000 --out "$out" > "$out/scaling-cuda.log" 2>&1
      echo "gpu-pipeline: scaling exit $?"; grep "scaling-bench:" "$out/scaling-cuda.log" ;;
    pipeline) mode=pipeline ;;
    engine) mode=engine ;;
    restore) mode=restore ;;
    *)
      if [[ "$mode" == restore ]]; then
        IFS=: read -r u p t <<<"$arg"
        name="restore-cuda-$u-${p}x$t"
        timeout "${GPU_RESTORE_TIMEOUT:-400}" "$java" "${flags[@]}" -Xmx64g -cp "$cp" dev.hyperrec.topology.tools.RestoreBench \
          --backend cuda --dim 384 --items 62423 --users "$u" --tasks "$p" --threads "$t" --runs 2 \
          --work-dir "/tmp/$name" --out "$out/$name" > "$out/$name.log" 2>&1
        echo "gpu-pipeline: restore $arg exit $?"
        [[ -f "$out/$name/restore-cuda.json" ]] && mv "$out/$name/restore-cuda.json" "$out/$name.json"
        rmdir "$out/$name" 2>/dev/null; rm -rf "/tmp/$name"
        grep -E "^restore|restore-bench: (filled|run)|Exception|Error" "$out/$name.log" | head -12
        continue
      fi
      if [[ "$mode" == engine ]]; then
        timeout "${GPU_ENGINE_TIMEOUT:-200}" "$java" "${flags[@]}" ${GPU_ENGINE_JAVA_OPTS:-} -Xmx24g -cp "$cp" dev.hyperrec.topology.tools.EngineBench \
          --backend cuda --items 62423 --dim 384 --users "$arg" --events "${GPU_ENGINE_EVENTS:-100000}" --warmup-events 50000 \
          ${GPU_ENGINE_EXTRA:-} --out "$out/engine-cuda-$arg.json" > "$out/engine-cuda-$arg.log" 2>&1
        echo "gpu-pipeline: engine users=$arg exit $?"
        grep -E "^engine|engine-bench:|Exception" "$out/engine-cuda-$arg.log" | head -6
        continue
      fi
      if [[ "$mode" == pipeline ]]; then
        runs=1; [[ "$arg" == "10000" ]] && runs=2
        # the item-to-item model in the app's JVM, and the rate phases once it has caught up with the drain;
        # GPU_PIPELINE_MODEL_NICE=N runs it in a JVM of its own under nice N (hyperrec.role=model; the default in sessions 18
        # to 25: with the model caught up it sustained 36,745-45,415 events/s at 1M users against 42,147-60,265 in the app's
        # JVM, docs/benchmarks.md "Session 26"), GPU_PIPELINE_SETTLE=0 starts the phases right after the drain
        model_flags=()
        # (not with the scale-out drain, --instances, which keeps the model in its instances)
        [[ "${GPU_PIPELINE_MODEL_NICE:-off}" != off && ! "${GPU_PIPELINE_EXTRA:-}" =~ --instances ]] && model_flags+=(--model-process --model-nice "${GPU_PIPELINE_MODEL_NICE}" --model-heap 8g)
        [[ "${GPU_PIPELINE_SETTLE:-1}" == 1 ]] && model_flags+=(--settle-model)
        pflags=("${flags[@]}")
        # a collector named in GPU_PIPELINE_JAVA_OPTS replaces G1 (the JVM refuses two)
        [[ "${GPU_PIPELINE_JAVA_OPTS:-}" =~ -XX:\+Use[A-Za-z]+GC ]] && pflags=("${flags[@]/-XX:+UseG1GC/}")
        timeout "${GPU_PIPELINE_TIMEOUT:-280}" "$java" ${pflags[@]} ${GPU_PIPELINE_JAVA_OPTS:-} -Xmx24g -cp "$cp" dev.hyperrec.topology.tools.PipelineBench \
          --backend cuda --items 62423 --dim 384 --users "$arg" --events "${GPU_PIPELINE_EVENTS:-200000}" --partitions 16 --threads 8 \
          --ceiling-runs "$runs" --ceiling-events 2000000 --warmup-events "${GPU_PIPELINE_WARMUP:-200000}" --rates "${GPU_PIPELINE_RATES:-1000,10000,50000}" --rate-seconds 2 \
          --timeout-seconds 120 --no-progress --set hyperrec.rocksdb.memory.mb="${GPU_PIPELINE_ROCKSDB_MB:-8192}" \
          --set hyperrec.batch.flush.interval.ms="${GPU_PIPELINE_FLUSH_MS:-10}" --set commit.interval.ms="${GPU_PIPELINE_COMMIT_MS:-20}" \
          --set hyperrec.neighbours.threads="${GPU_PIPELINE_MODEL_THREADS:-4}" "${model_flags[@]}" \
          ${GPU_PIPELINE_EXTRA:-} --out "$out/p$arg" > "$out/pipeline-cuda-$arg.log" 2>&1
        echo "gpu-pipeline: pipeline users=$arg exit $?"
        for f in "$out/p$arg"/pipeline-cuda.*; do [[ -f "$f" ]] && mv "$f" "$out/pipeline-cuda-$arg.${f##*.}"; done
        rmdir "$out/p$arg" 2>/dev/null
        grep -E "pipeline-bench: (ceiling|hyperrec|offered|scale-out)|^pipeline:|Exception" "$out/pipeline-cuda-$arg.log" | head -20
      fi ;;
  esac
done
