#!/usr/bin/env bash
# The main job: builds what it needs, then runs the demo pipeline on an in-JVM KRaft broker and a
# local Apicurio registry (or on --bootstrap-servers / --schema-registry-url). All flags: --help.
#   scripts/demo.sh
#   scripts/demo.sh --ratings ../shared/data/ml-latest-small/ratings.csv
set -euo pipefail
source "$(dirname "$0")/lib/run-java.sh"
run_java dev.hyperrec.topology.demo.Demo "$@"
