#!/usr/bin/env bash
# Shared by the scripts that run a Java main of the topology module: builds the project when it is
# not built or its sources changed (HYPERREC_SKIP_BUILD=1 never builds), picks the JVM flags for
# the running JDK and starts MAIN.
#   run_java [--frozen] MAIN ARGS...
# --frozen runs on a private copy of the classes and of hyperrec's own jars, so a rebuild in this
# working tree cannot change a long-running harness (or the app processes it restarts) mid-run.
run_java() {
  local frozen_mode=0
  if [ "${1:-}" = "--frozen" ]; then frozen_mode=1; shift; fi
  local main=$1; shift
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  cd "$root"
  # build when nothing is built yet or a source or pom changed since the last build
  local marker="$root/topology/target/.hyperrec-built"
  if [ -z "${HYPERREC_SKIP_BUILD:-}" ] && { [ ! -f "$marker" ] || [ ! -f "$root/topology/target/classpath.txt" ] \
      || [ -n "$(find "$root/pom.xml" "$root"/*/pom.xml "$root"/*/src/main -newer "$marker" -type f 2>/dev/null | head -1)" ]; }; then
    echo "building hyperrec (./mvnw -q -DskipTests install) ..." >&2
    ./mvnw -q -B -DskipTests install >&2
    touch "$marker"
  fi
  local flags=(-Xmx3g -XX:+UseG1GC)
  local major
  major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  if [ "${major:-17}" -ge 24 ]; then
    flags+=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
  fi
  if [ -n "${HYPERREC_JAVA_OPTS:-}" ]; then
    local extra
    read -r -a extra <<<"$HYPERREC_JAVA_OPTS"
    flags+=("${extra[@]}")
  fi
  local classes="$root/topology/target/classes"
  local cp
  cp=$(cat "$root/topology/target/classpath.txt")
  if [ $frozen_mode -eq 1 ]; then
    local frozen
    frozen=$(mktemp -d)
    # expanded now: the EXIT trap runs after this function's locals are gone (set -u would fail there)
    trap "rm -rf -- $(printf '%q' "$frozen")" EXIT
    cp -r "$classes" "$frozen/classes"
    classes="$frozen/classes"
    local jars="" jar
    for jar in $(tr ':' ' ' <<<"$cp"); do
      case "$jar" in
        */dev/hyperrec/*) cp "$jar" "$frozen/"; jar="$frozen/$(basename "$jar")" ;;
      esac
      jars="$jars:$jar"
    done
    cp=${jars#:}
  fi
  java "${flags[@]}" -Dhyperrec.registry.dir="$root/topology/target/apicurio" -cp "$classes:$cp" "$main" "$@"
}
