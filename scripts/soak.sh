#!/usr/bin/env bash
# Soak: measures the app's maximum throughput (app and broker in their own JVMs), offers half of it
# for --minutes (default 30) and samples live heap, RSS and consumer lag; writes
# docs/benchmarks/soak.json and soak.png (flags: --help).
# Last line: soak: minutes=<m> rate_eps=<r> heap_drift_pct=<h> rss_drift_pct=<s> max_lag=<l> final_lag=<f>
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [ -z "${HYPERREC_SKIP_BUILD:-}" ]; then
  ./mvnw -q -B -DskipTests install >&2
fi
flags=(-Xmx3g)
major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
[ "${major:-17}" -ge 24 ] && flags+=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
# a frozen copy of the classes: a rebuild in this working tree cannot change the running app
frozen=$(mktemp -d)
trap 'rm -rf "$frozen"' EXIT
cp -r topology/target/classes "$frozen/classes"
cp_frozen=""
for jar in $(tr ':' ' ' < topology/target/classpath.txt); do
  case "$jar" in
    */dev/hyperrec/*) cp "$jar" "$frozen/"; jar="$frozen/$(basename "$jar")" ;;
  esac
  cp_frozen="$cp_frozen:$jar"
done
java "${flags[@]}" -Dhyperrec.registry.dir="$root/topology/target/apicurio" \
  -cp "$frozen/classes$cp_frozen" dev.hyperrec.topology.tools.Soak "$@"
