#!/usr/bin/env bash
# The main job: builds what it needs, then runs the demo pipeline on an in-JVM KRaft broker and a
# local Apicurio registry (or on --bootstrap-servers / --schema-registry-url). All flags: --help.
#   scripts/demo.sh
#   scripts/demo.sh --ratings ../shared/data/ml-latest-small/ratings.csv
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [ -z "${HYPERREC_SKIP_BUILD:-}" ]; then
  echo "building hyperrec (./mvnw -q -DskipTests install) ..." >&2
  ./mvnw -q -B -DskipTests install >&2
fi
cp=$(cat topology/target/classpath.txt)
jvm_flags=(-Xmx3g -XX:+UseG1GC)
major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
if [ "${major:-17}" -ge 24 ]; then
  jvm_flags+=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
fi
exec java "${jvm_flags[@]}" -Dhyperrec.registry.dir="$root/topology/target/apicurio" \
  -cp "$root/topology/target/classes:$cp" dev.hyperrec.topology.demo.Demo "$@"
