#!/usr/bin/env bash
# One benchmark command for the GPU machine (issue 3, item 7): gpu-operators' contract tests (CPU and
# CUDA), every CUDA operator through CudaBench, the same work in PyTorch (scripts/bench_torch.py) in
# the same run on the same GPU, and the report (scripts/bench_report.py). The GPU machine has CUDA,
# nvcc and PyTorch but no Java (DESIGN.md §5), so it takes two steps:
#
#   scripts/bench-gpu.sh --prepare   here (JDK 25 + Maven): builds the module and fills .gpu/ (ignored
#                                    via .git/info/exclude): an xz'd jlinked Temurin 25 runtime, main +
#                                    test classes, test-scope jars, the JUnit console
#   scripts/bench-gpu.sh [--no-tests] [quick]
#                                    there, from the repo root, with .gpu carried; writes under $OUT
#                                    (default ./out): gpu-<device>.json, .txt (the gpu-bench: lines),
#                                    .md (table), .png, gpu-contract-tests.txt, bench.log, env.txt.
#                                    Copy them into docs/benchmarks/ afterwards.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
g="$root/.gpu"

if [[ "${1:-}" == "--prepare" ]]; then
  set -e
  jdk="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
  ./mvnw -q -o -pl gpu-operators install -DskipTests
  rm -rf "$g" && mkdir -p "$g"
  ./mvnw -q -o -pl gpu-operators dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$g/lib"
  # the console launcher brings its own JUnit platform and Jupiter engine: drop the duplicates
  rm -f "$g"/lib/junit-jupiter*.jar "$g"/lib/junit-platform-*.jar "$g"/lib/opentest4j-*.jar "$g"/lib/apiguardian-*.jar
  cp ~/.m2/repository/org/junit/platform/junit-platform-console-standalone/1.11.4/junit-platform-console-standalone-1.11.4.jar "$g/console.jar"
  cp -r gpu-operators/target/classes "$g/classes"
  cp -r gpu-operators/target/test-classes "$g/test-classes"
  # topology's one GPU test (DeviceMemoryGpuTest: the device memory gauges) with what it loads: topology's classes and
  # Micrometer (about 3 MB, so that .gpu stays under what the device takes along)
  ./mvnw -q -o -pl topology -am install -DskipTests -Dhyperrec.registry.unpack.skip=true
  mkdir -p "$g/extra/test-classes/dev/hyperrec/topology/metrics"
  cp -r topology/target/classes "$g/extra/classes"
  cp topology/target/test-classes/dev/hyperrec/topology/metrics/DeviceMemoryGpuTest*.class \
    "$g/extra/test-classes/dev/hyperrec/topology/metrics/"
  ./mvnw -q -o -pl topology dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$g/extra/cp.txt"
  tr ':' '\n' < "$g/extra/cp.txt" | grep -E '/(micrometer-(core|commons|observation)|HdrHistogram|LatencyUtils)-[^/]*\.jar$' \
    | xargs -r -I{} cp {} "$g/extra/"
  rm -f "$g/extra/cp.txt"
  tmp="$(mktemp -d)"
  "$jdk/bin/jlink" --add-modules java.base,jdk.unsupported,java.management,java.logging,jdk.management \
    --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output "$tmp/jre25"
  tar -C "$tmp" -cJf "$g/jre.tar.xz" jre25
  rm -rf "$tmp"
  du -sh "$g"
  exit 0
fi

tests=1
if [[ "${1:-}" == "--no-tests" ]]; then tests=0; shift; fi
quick="${1:-}"
out="${OUT:-$root/out}"
mkdir -p "$out"
raw="$(mktemp -d)"
mkdir -p /tmp/hyperrec-jre && tar -C /tmp/hyperrec-jre -xJf "$g/jre.tar.xz"
java=/tmp/hyperrec-jre/jre25/bin/java
chmod +x /tmp/hyperrec-jre/jre25/bin/* /tmp/hyperrec-jre/jre25/lib/jspawnhelper 2>/dev/null
cp="$g/classes:$g/test-classes:$(ls "$g"/lib/*.jar | tr '\n' ':')"
# topology's GPU test and what it loads (--prepare puts them in .gpu/extra)
tcp="$cp$g/extra/classes:$g/extra/test-classes:$(ls "$g"/extra/*.jar 2>/dev/null | tr '\n' ':')"
jflags=(--enable-native-access=ALL-UNNAMED -XX:+UseParallelGC)

{ nvidia-smi; nvcc --version; "$java" -version 2>&1; python3 -c 'import torch; print("torch", torch.__version__)'; } > "$out/env.txt" 2>&1
head -12 "$out/env.txt"

# 1. contract tests (CPU and CUDA), one JVM (jqwik keeps its database under target/, as in Maven)
if [[ $tests -eq 1 ]]; then
  mkdir -p "$root/target"
  timeout 330 "$java" "${jflags[@]}" -Xmx6g -jar "$g/console.jar" execute --class-path "$tcp" \
    --select-package dev.hyperrec.operators --select-class dev.hyperrec.topology.metrics.DeviceMemoryGpuTest --details=tree --disable-banner --disable-ansi-colors \
    > "$out/gpu-contract-tests.txt" 2>&1
  echo "bench-gpu: tests exit $?"
  grep -E "tests (successful|failed|skipped|aborted)|containers failed" "$out/gpu-contract-tests.txt"
fi

# 2. ours (Java/JCuda), then PyTorch on the same GPU, then the report
timeout 330 "$java" "${jflags[@]}" -Xmx48g -cp "$cp" dev.hyperrec.operators.internal.cuda.CudaBench "$raw/bench-java.json" $quick \
  > "$out/bench.log" 2>&1
echo "bench-gpu: CudaBench exit $?"
PYTHONUNBUFFERED=1 timeout 150 python3 scripts/bench_torch.py "$raw/bench-torch.json" >> "$out/bench.log" 2>&1
echo "bench-gpu: torch bench exit $?"
python3 scripts/bench_report.py "$raw/bench-java.json" "$raw/bench-torch.json" "$out"
