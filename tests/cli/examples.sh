#!/bin/sh
# examples.sh: every workflow, config and pipeline in ci-examples/, and every
# example in the man pages and the README, parses and uses only options that
# the programs' --help lists (long and, in man pages and the README, short).
. "$(dirname "$0")/lib.sh"

$PY "$FIX/check_examples.py" "$PR_ROOT"
