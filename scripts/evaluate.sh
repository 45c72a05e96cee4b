#!/usr/bin/env bash
# Prequential evaluation of hyperrec against baselines on MovieLens ratings, plus the Open Bandit
# Dataset replay of its Thompson sampler; builds what it needs first. All flags: --help.
#   scripts/evaluate.sh --ratings ../shared/data/ml-latest-small/ratings.csv --out target/eval
#   scripts/evaluate.sh --ratings PATH --out DIR [--methods random,popular,...] [--backend cpu|cuda] [--seed N]
set -euo pipefail
source "$(dirname "$0")/lib/run-java.sh"
run_java dev.hyperrec.topology.eval.Evaluate "$@"
