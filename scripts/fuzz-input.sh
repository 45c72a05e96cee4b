#!/usr/bin/env bash
# Fuzzes the running pipeline: >= 100K malformed records of many kinds between good ones, on an
# in-JVM broker and a local Apicurio registry (or --bootstrap-servers / --schema-registry-url).
# Last line: fuzz: bad=<b> dlq=<q> good=<g> processed_good=<p> crashes=<c>   (flags: --help)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [ -z "${HYPERREC_SKIP_BUILD:-}" ]; then
  ./mvnw -q -B -DskipTests install >&2
fi
flags=(-Xmx3g)
major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
[ "${major:-17}" -ge 24 ] && flags+=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
exec java "${flags[@]}" -Dhyperrec.registry.dir="$root/topology/target/apicurio" \
  -cp "$root/topology/target/classes:$(cat topology/target/classpath.txt)" dev.hyperrec.topology.tools.FuzzInput "$@"
