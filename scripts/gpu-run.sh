#!/usr/bin/env bash
# Runs gpu-operators' tests (CPU and CUDA contracts) and the CUDA benchmark on the GPU machine, which
# has CUDA, nvcc and PyTorch but no Java (DESIGN.md §5). Two steps:
#
#   scripts/gpu-run.sh --prepare   here (a machine with JDK 25 and Maven): builds the module and fills
#                                  .gpu/ (ignored via .git/info/exclude): an xz'd jlinked Temurin 25
#                                  runtime, main + test classes, test-scope jars, the JUnit console
#   scripts/gpu-run.sh [quick]     there, from the repo root, with .gpu carried: unpacks the runtime,
#                                  runs all tests of dev.hyperrec.operators, CudaBench, the PyTorch
#                                  reference (scripts/bench_torch.py) and the merge; writes under $OUT
#                                  (default ./out): gpu-contract-tests.txt, bench-java.json,
#                                  bench-torch.json, gpu-operators.json, gpu-bench.txt, env.txt
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
  tmp="$(mktemp -d)"
  "$jdk/bin/jlink" --add-modules java.base,jdk.unsupported,java.management,java.logging,jdk.management \
    --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output "$tmp/jre25"
  tar -C "$tmp" -cJf "$g/jre.tar.xz" jre25
  rm -rf "$tmp"
  du -sh "$g"
  exit 0
fi

out="${OUT:-$root/out}"
mkdir -p "$out"
quick="${1:-}"
mkdir -p /tmp/hyperrec-jre && tar -C /tmp/hyperrec-jre -xJf "$g/jre.tar.xz"
java=/tmp/hyperrec-jre/jre25/bin/java
chmod +x /tmp/hyperrec-jre/jre25/bin/* /tmp/hyperrec-jre/jre25/lib/jspawnhelper 2>/dev/null
cp="$g/classes:$g/test-classes:$(ls "$g"/lib/*.jar | tr '\n' ':')"
jflags=(--enable-native-access=ALL-UNNAMED -XX:+UseParallelGC)

{ nvidia-smi; nvcc --version; "$java" -version 2>&1; python3 -c 'import torch; print("torch", torch.__version__)'; } > "$out/env.txt" 2>&1
head -12 "$out/env.txt"

# 1. contract tests (CPU and CUDA), one JVM (jqwik keeps its database under target/, as in Maven)
mkdir -p "$root/target"
timeout 330 "$java" "${jflags[@]}" -Xmx6g -jar "$g/console.jar" execute --class-path "$cp" \
  --select-package dev.hyperrec.operators --details=tree --disable-banner --disable-ansi-colors \
  > "$out/gpu-contract-tests.txt" 2>&1
echo "gpu-run: tests exit $?"
grep -E "tests (successful|failed|skipped|aborted)|containers failed" "$out/gpu-contract-tests.txt"

# 2. benchmark: ours (Java/JCuda), then PyTorch on the same GPU, then the merge
timeout 200 "$java" "${jflags[@]}" -Xmx12g -cp "$cp" dev.hyperrec.operators.internal.cuda.CudaBench "$out/bench-java.json" $quick \
  > "$out/bench.log" 2>&1
echo "gpu-run: CudaBench exit $?"
PYTHONUNBUFFERED=1 timeout 150 python3 scripts/bench_torch.py "$out/bench-torch.json" >> "$out/bench.log" 2>&1
echo "gpu-run: torch bench exit $?"
python3 scripts/bench_merge.py "$out/bench-java.json" "$out/bench-torch.json" "$out/gpu-operators.json" | tee "$out/gpu-bench.txt"
tail -5 "$out/bench.log"
