#!/usr/bin/env bash
# Crash harness: SIGKILLs the app (its own JVM) at random moments during a >= 200K-event replay,
# restarts it each time, and compares the final state with an uninterrupted run (flags: --help).
# Last line: chaos: kills=<k> events=<n> state_mismatches=<m> duplicate_recommendations=<d>
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [ -z "${HYPERREC_SKIP_BUILD:-}" ]; then
  ./mvnw -q -B -DskipTests install >&2
fi
flags=(-Xmx3g)
major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
[ "${major:-17}" -ge 24 ] && flags+=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
# the app is restarted many times during the run: give it a frozen copy of the classes, so a
# rebuild in this working tree cannot change the code between the reference and the chaos run
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
  -cp "$frozen/classes$cp_frozen" dev.hyperrec.topology.tools.Chaos "$@"
