#!/usr/bin/env bash
# The Kafka Connect path without Docker: in-JVM KRaft broker + Apicurio registry + PostgreSQL on a
# loopback port (initdb/pg_ctl from the machine) + Kafka Connect standalone with Debezium's JDBC sink
# + a short pipeline run. Ends with one line:
#   connect: users=<u> rows=<r> users_in_table=<t> max_lag_s=<s>
#   scripts/connect-demo.sh            # defaults: 300 users, 6000 events at 500/s
#   scripts/connect-demo.sh --json     # also the JsonConverter (schemas) sink into recommendations_json
#   scripts/connect-demo.sh --hold     # keep it running to query the table with psql
# All flags: --help. Builds first when sources changed (HYPERREC_SKIP_BUILD=1 never builds).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
marker="$root/connectors/target/.hyperrec-built"
if [ -z "${HYPERREC_SKIP_BUILD:-}" ] && { [ ! -f "$marker" ] || [ ! -f "$root/connectors/target/classpath.txt" ] \
    || [ ! -d "$root/connectors/target/plugins/hyperrec-transforms" ] \
    || [ -n "$(find "$root/pom.xml" "$root"/*/pom.xml "$root"/*/src/main "$root/connectors/config" "$root/connectors/sql" \
         -newer "$marker" -type f 2>/dev/null | head -1)" ]; }; then
  echo "building hyperrec (./mvnw -q -DskipTests install) ..." >&2
  ./mvnw -q -B -DskipTests install >&2
  touch "$marker"
fi
flags=(-Xmx3g -XX:+UseG1GC)
major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
if [ "${major:-17}" -ge 24 ]; then
  flags+=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
fi
exec java "${flags[@]}" -Dhyperrec.registry.dir="$root/connectors/target/apicurio" \
  -Dhyperrec.plugins.dir="$root/connectors/target/plugins" \
  -cp "$root/connectors/target/classes:$(cat "$root/connectors/target/classpath.txt")" \
  dev.hyperrec.connectors.demo.ConnectDemo "$@"
