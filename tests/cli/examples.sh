#!/bin/sh
# examples.sh: every workflow, config and pipeline in ci-examples/ parses and
# uses only options that the programs' --help lists.
. "$(dirname "$0")/lib.sh"

$PY "$FIX/check_examples.py" "$PR_ROOT"
