#!/usr/bin/env bash
# The demo on the GPU machine (issue 3: "the demo's demo: line says backend=cuda on the GPU machine and
# its recommendations equal the CPU backend's on the same input"). Two steps, as for bench-gpu.sh
# (the GPU machine has no Java and takes at most 64 MiB along, DESIGN.md §5):
#
#   scripts/gpu-demo.sh --prepare   here: builds the modules and fills .gpu-demo/ (ignored via
#                                   .git/info/exclude): a jlinked Temurin 25 runtime and the demo's
#                                   runtime jars, test-only jars left out, native libraries other than
#                                   linux-x86_64 stripped, repacked uncompressed and xz'd together
#   scripts/gpu-demo.sh [demo flags...]
#                                   there, from the repo root, with .gpu-demo carried: runs the demo twice
#                                   on the same seeded input and run id, --backend cpu then --backend cuda,
#                                   each dumping every user's latest list, then scripts/compare_recs.py.
#                                   Writes demo-cpu.txt, demo-cuda.txt, recs-*.tsv, compare.txt under $OUT.
#
# The registry there is the in-process one (schema.registry.url = mock://...): Apicurio's 146 MB do not
# fit in what the GPU machine can be sent. Everything else is as in scripts/demo.sh: an in-JVM KRaft
# broker, Avro in Confluent's wire format, RocksDB stores, exactly-once.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
g="$root/.gpu-demo"

if [[ "${1:-}" == "--prepare" ]]; then
  set -e
  jdk="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
  ex="$(git rev-parse --git-common-dir)/info/exclude"; mkdir -p "$(dirname "$ex")"; grep -qx '/.gpu-demo/' "$ex" 2>/dev/null || echo '/.gpu-demo/' >> "$ex"
  ./mvnw -q -o -pl topology -am install -DskipTests -Dhyperrec.registry.unpack.skip=true
  ./mvnw -q -o -pl topology dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$root/target/gpu-demo-cp.txt"
  rm -rf "$g" && mkdir -p "$g"
  tmp="$(mktemp -d)"
  mkdir -p "$tmp/lib"
  cp topology/target/hyperrec-topology-*.jar "$tmp/lib/" 2>/dev/null || cp -r topology/target/classes "$tmp/lib/topology-classes"
  tr ':' '\n' < "$root/target/gpu-demo-cp.txt" | while read -r jar; do
    name="$(basename "$jar")"
    case "$name" in
      testcontainers-*|docker-java-*|jna-*|junit-*|jqwik-*|assertj-*|byte-buddy-*|opentest4j-*|apiguardian-*|hamcrest-*|duct-tape-*|annotations-*|kafka-1.*) continue ;;
      # scala-logging's macros need it at compile time only; no class of the broker's refers to it (1.9 MB of the
      # package, which must fit the device's 64 MiB carry with the tree)
      scala-reflect-*) continue ;;
    esac
    cp "$jar" "$tmp/lib/"
  done
  # strip the natives of other platforms (rocksdb alone ships 14 of them)
  ( cd "$tmp/lib"
    for j in rocksdbjni-*.jar; do zip -q -d "$j" 'librocksdbjni-linux32*' 'librocksdbjni-linux64-musl.so' '*osx*' '*win64*' '*ppc64le*' '*aarch64*' '*s390x*' '*riscv64*' >/dev/null || true; done
    for j in zstd-jni-*.jar; do zip -q -d "$j" 'aix/*' 'freebsd/*' 'darwin/*' 'win/*' 'linux/aarch64/*' 'linux/arm/*' 'linux/i386/*' 'linux/loongarch64/*' 'linux/mips64/*' 'linux/ppc64/*' 'linux/ppc64le/*' 'linux/riscv64/*' 'linux/s390x/*' >/dev/null || true; done
    for j in snappy-java-*.jar; do zip -q -d "$j" 'org/xerial/snappy/native/Windows/*' 'org/xerial/snappy/native/Mac/*' 'org/xerial/snappy/native/AIX/*' 'org/xerial/snappy/native/SunOS/*' 'org/xerial/snappy/native/FreeBSD/*' 'org/xerial/snappy/native/Linux/aarch64/*' 'org/xerial/snappy/native/Linux/arm*' 'org/xerial/snappy/native/Linux/ppc64*' 'org/xerial/snappy/native/Linux/s390x/*' 'org/xerial/snappy/native/Linux/x86/*' 'org/xerial/snappy/native/Linux/riscv64/*' 'org/xerial/snappy/native/Linux/loongarch64/*' >/dev/null || true; done
    for j in jline-native-*.jar; do zip -q -d "$j" 'org/jline/nativ/Windows/*' 'org/jline/nativ/Mac/*' 'org/jline/nativ/FreeBSD/*' 'org/jline/nativ/Linux/arm*' 'org/jline/nativ/Linux/x86/*' 'org/jline/nativ/Linux/ppc64/*' >/dev/null || true; done
    # hyperrec drives the GPU through the driver API with PTX it ships: the PTX compiler's JNI library (24 MB) is not used
    for j in jcuda-natives-*.jar; do zip -q -d "$j" 'lib/libJNvPTXCompiler*' >/dev/null || true; done
    for j in lz4-java-*.jar; do zip -q -d "$j" 'net/jpountz/util/darwin/*' 'net/jpountz/util/win32/*' 'net/jpountz/util/linux/aarch64/*' 'net/jpountz/util/linux/ppc64le/*' 'net/jpountz/util/linux/s390x/*' 'net/jpountz/util/linux/i386/*' >/dev/null || true; done
    # repack uncompressed so that xz sees the class bytes (deflated jars hardly compress further)
    for j in *.jar; do mkdir x && (cd x && unzip -q "../$j") && rm "$j" && (cd x && zip -q -0 -r "../$j" .) && rm -rf x; done )
  "$jdk/bin/jlink" --add-modules java.se,jdk.unsupported,jdk.management,jdk.crypto.ec,jdk.httpserver,jdk.zipfs,jdk.naming.dns,jdk.jfr \
    --strip-debug --no-header-files --no-man-pages --output "$tmp/jre25"
  # one thread and -9e: 0.4 MB smaller than -T2 -9, whose blocks compress apart
  tar -C "$tmp" -cf - jre25 lib | xz -T1 -9e > "$g/demo.tar.xz"
  rm -rf "$tmp"
  du -sh "$g"
  exit 0
fi

if [[ "${1:-}" == "--overlay" ]]; then
  set -e
  shift
  mkdir -p "$g/overlay"
  for m in "$@"; do
    ./mvnw -q -o -pl "$m" install -DskipTests -Dhyperrec.registry.unpack.skip=true
    cp "$m"/target/hyperrec-"$m"-*-SNAPSHOT.jar "$g/overlay/"
  done
  ls -la "$g/overlay"
  exit 0
fi

out="${OUT:-$root/out}"
mkdir -p "$out"
base=/tmp/hyperrec-demo
rm -rf "$base" && mkdir -p "$base" && xz -dc "$g/demo.tar.xz" | tar -C "$base" -xf -
# a newer build of single modules can ride along in .gpu-demo/overlay/ (same jar names) without
# repacking the whole runtime: scripts/gpu-demo.sh --overlay MODULE... here
if [[ -d "$g/overlay" ]]; then cp "$g"/overlay/*.jar "$base/lib/"; fi
java="$base/jre25/bin/java"
chmod +x "$base"/jre25/bin/* "$base"/jre25/lib/jspawnhelper 2>/dev/null
cp="$(ls -d "$base"/lib/* | tr '\n' ':')"
flags=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx8g -XX:+UseParallelGC)
common=(--schema-registry-url mock://gpu-demo --run-id gpu-demo --no-progress --rate 0 "$@")
for backend in cpu cuda; do
  timeout 280 "$java" "${flags[@]}" -cp "$cp" dev.hyperrec.topology.demo.Demo "${common[@]}" --backend "$backend" \
    --dump "$out/recs-$backend.tsv" > "$out/demo-$backend.txt" 2>&1
  echo "gpu-demo: $backend exit $?"
  grep -E "operator backend|backend:" "$out/demo-$backend.txt" | head -3
  tail -1 "$out/demo-$backend.txt"
done
python3 scripts/compare_recs.py "$out/recs-cpu.tsv" "$out/recs-cuda.tsv" | tee "$out/compare.txt"
