#!/bin/sh
# apply_secrets.sh: setting values through pr-apply-scale, attacked as a
# secret-leak auditor and a careless user would, against tests/fixtures/arm.py:
# a value taken from the environment (never on the command line), an -o file
# that already exists world-readable, and malformed --set and --traffic.
. "$(dirname "$0")/lib.sh"

. "$FIX/arm.sh"

unset AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_TENANT_ID AZURE_SUBSCRIPTION_ID
export AZURE_ACCESS_TOKEN=test-token PR_RETRY_BASE_MS=10

OLD=scrtOLD3e1d NEW=scrtNEW7c5a
cat >"$T/seed.json" <<EOF
{"web_apps": [{"subscription": "sub-1", "resource_group": "rg-perf", "name": "web1", "always_on": true,
   "app_settings": {"PERF_OPTIMIZATIONS_ENABLED": "$OLD"}}]}
EOF
cat >"$T/pr-tools.json" <<'EOF'
{"platform": {"azure": {"subscription": "sub-1", "resource_group": "rg-perf",
  "web_apps": [{"name": "web1", "always_on": true}]}}}
EOF
F=PERF_OPTIMIZATIONS_ENABLED
leaks() { cat "$T/out" "$T/err" | grep -c -e "$OLD" -e "$NEW"; }
start_arm --state "$T/seed.json"

# -- --set NAME alone: the value comes from the environment, not argv
expect_exit 0 set_name_alone_takes_the_environment_value \
	env "$F=$NEW" pr-apply-scale -f "$T/pr-tools.json" --set "web1:$F" -o "$T/stage.json"
check set_name_alone_lands_the_value \
	[ "$(state | jq -r ".web_apps[0].app_settings.$F")" = "$NEW" ]
check set_name_alone_shows_no_value [ "$(leaks)" -eq 0 ]
expect_exit 2 set_name_alone_unset_is_usage env -u "$F" pr-apply-scale -f "$T/pr-tools.json" --set "web1:$F" \
	-o "$T/x.json"
ok_if set_name_alone_unset_says_so_in_one_line 'one_line "$T/err" &&
	grep -q "no environment variable of the name it gives" "$T/err"'
expect_exit 2 set_value_without_name_is_usage pr-apply-scale -f "$T/pr-tools.json" --set "web1:$NEW"
check set_value_without_name_does_not_echo_it [ "$(leaks)" -eq 0 ]
expect_exit 2 traffic_without_equals_is_still_usage pr-apply-scale -f "$T/pr-tools.json" --traffic latest

# -- an -o file that exists world-readable is replaced by one only its owner reads
printf '{}\n' >"$T/pre.json"
chmod 644 "$T/pre.json"
expect_exit 0 set_over_a_0644_output_exits_0 env "$F=$OLD" pr-apply-scale -f "$T/pr-tools.json" --set "web1:$F" \
	-o "$T/pre.json"
ok_if set_over_a_0644_output_leaves_it_0600 '[ "$(stat -c %a "$T/pre.json")" = 600 ] &&
	[ "$(jq -r ".restore.azure.web_apps[0].settings.$F" "$T/pre.json")" = "$NEW" ]'

# -- careless arguments: exit 2, one line, no value shown
expect_exit 2 set_empty_name_is_usage pr-apply-scale -f "$T/pr-tools.json" --set "web1:=$NEW"
ok_if set_empty_name_shows_no_value 'one_line "$T/err" && [ "$(leaks)" -eq 0 ]'
expect_exit 2 set_empty_resource_is_usage pr-apply-scale -f "$T/pr-tools.json" --set ":$F=$NEW"
ok_if set_empty_resource_shows_no_value 'one_line "$T/err" && [ "$(leaks)" -eq 0 ]'
expect_exit 3 set_name_with_newline_is_bad_input pr-apply-scale -n -f "$T/pr-tools.json" --set "web1:A
B=$NEW"
ok_if set_name_with_newline_shows_no_value_on_one_line 'one_line "$T/err" && [ "$(leaks)" -eq 0 ]'
for w in latest=101 latest=-1 latest=x; do
	expect_exit 2 "traffic_$(echo "$w" | tr '=-' '_m')_is_refused" pr-apply-scale -f "$T/pr-tools.json" --traffic "$w"
done

# -- --traffic from flags alone: weights that do not add up name the flags, not a file
expect_exit 3 traffic_summing_to_99_is_bad_input pr-apply-scale -n --subscription sub-1 --resource-group rg-perf \
	--container-app api --traffic latest=5,api--1=94
ok_if traffic_summing_to_99_names_the_flags 'grep -q "^pr-apply-scale: the flags: platform.*add up to 99" "$T/err"'
expect_exit 3 traffic_summing_to_101_is_bad_input pr-apply-scale -n --subscription sub-1 --resource-group rg-perf \
	--container-app api --traffic latest=50,api--1=51
expect_exit 2 traffic_naming_a_revision_twice_is_usage pr-apply-scale -n --subscription sub-1 \
	--resource-group rg-perf --container-app api --traffic latest=5,latest=6
check traffic_naming_a_revision_twice_says_so grep -q "names latest twice" "$T/err"
