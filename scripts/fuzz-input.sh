#!/usr/bin/env bash
# Fuzzes the running pipeline: >= 100K malformed records of many kinds between good ones, on an
# in-JVM broker and a local Apicurio registry (or --bootstrap-servers / --schema-registry-url).
# Last line: fuzz: bad=<b> dlq=<q> good=<g> processed_good=<p> crashes=<c>   (flags: --help)
set -euo pipefail
source "$(dirname "$0")/lib/run-java.sh"
run_java dev.hyperrec.topology.tools.FuzzInput "$@"
