#!/bin/sh
# examples.sh: every workflow, config and pipeline in ci-examples/, and every
# example in the man pages and the README, parses and uses only options that
# the programs' --help lists (long and, in man pages and the README, short);
# the jq examples run on real documents.
. "$(dirname "$0")/lib.sh"

# Documents for the jq examples (pr-json(5)): a bench document and a
# comparison in which one metric regressed.
$PY "$FIX/gen_bench.py" --seed 1 --samples 40 home=100,sigma=0.1 api=50,sigma=0.1 >"$T/baseline.json"
$PY "$FIX/gen_bench.py" --seed 2 --samples 40 home=70,sigma=0.1 api=60,sigma=0.1 >"$T/after.json"
pr-compare --format json "$T/baseline.json" "$T/after.json" >"$T/compare.json"
EXAMPLE_DIR=$T $PY "$FIX/check_examples.py" "$PR_ROOT"
