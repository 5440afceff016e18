#!/bin/sh
# apply-auth.sh: how pr-apply-scale gets its Resource Manager token
# (AZURE_ACCESS_TOKEN, client credentials, the az CLI) and that the token
# and the client secret never show in stdout, stderr, logs or argv.
. "$(dirname "$0")/lib.sh"

CANARY=canary-token-7f3e9b1c
SECRET=canary-secret-51d0a8e2
. "$FIX/arm.sh"
# This file's Resource Manager knows the canary token and a service principal.
start_canary_arm() {
	start_arm --token "$CANARY" --client-id app-123 --client-secret "$SECRET" \
		--tenant contoso.onmicrosoft.com "$@"
}
none() { ! "$@"; }
# No secret anywhere the program writes: stdout, stderr, logs.
clean() { ! grep -rqF -e "$CANARY" -e "$SECRET" "$T/out" "$T/err" "$T/work/logs" 2>/dev/null; }

unset AZURE_ACCESS_TOKEN AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_TENANT_ID AZURE_AUTHORITY_HOST AZURE_SUBSCRIPTION_ID
export PR_RETRY_BASE_MS=10 QA_LOG=1
mkdir -p "$T/work" "$T/bin" "$T/nobin"
cd "$T/work" || exit 1
# Only the tools the tests need, so a real az on the machine is never used.
for tool in sh cat jq; do ln -s "$(command -v $tool)" "$T/nobin/$tool"; done

cat >"$T/seed.json" <<'EOF'
{"web_apps": [{"subscription": "sub-1", "resource_group": "rg-perf", "name": "web1", "always_on": false}]}
EOF
cat >"$T/platform.json" <<'EOF'
{"azure": {"subscription": "sub-1", "resource_group": "rg-perf", "web_apps": [{"name": "web1", "always_on": true}]}}
EOF

# AZURE_ACCESS_TOKEN
start_canary_arm --state "$T/seed.json"
expect_exit 0 token_from_environment env AZURE_ACCESS_TOKEN=$CANARY pr-apply-scale --platform "$T/platform.json"
check token_from_environment_never_printed clean

# Client credentials against the identity platform's token endpoint.
start_canary_arm --state "$T/seed.json"
export AZURE_CLIENT_ID=app-123 AZURE_CLIENT_SECRET=$SECRET AZURE_TENANT_ID=contoso.onmicrosoft.com AZURE_AUTHORITY_HOST=$ARM
expect_exit 0 token_from_client_credentials pr-apply-scale --platform "$T/platform.json"
calls
check client_credentials_posts_to_tenant_token_endpoint \
	[ "$(jq -c '[.[0].method, .[0].path, .[0].status]' "$T/calls.json")" = '["POST","/contoso.onmicrosoft.com/oauth2/v2.0/token",200]' ]
check client_credentials_token_used_for_arm [ "$(state | jq '.web_apps[0].always_on')" = true ]
check client_credentials_secret_and_token_never_printed clean
# A process listing while it runs would show argv: the secret is never there.
jq -r '.[] | .path + "?" + .query' "$T/calls.json" >"$T/urls.txt"
check client_secret_not_in_url none grep -qF "$SECRET" "$T/urls.txt"

expect_exit 4 wrong_client_secret_exits_4 env AZURE_CLIENT_SECRET=wrong-secret pr-apply-scale -q --platform "$T/platform.json"
check wrong_client_secret_reports_identity_error \
	grep -q "Azure token (client-secret) from $ARM/contoso.onmicrosoft.com/oauth2/v2.0/token for client app-123: 401 invalid_client: AADSTS7000215: Invalid client secret provided. (check AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID)" "$T/err"
check wrong_client_secret_not_printed none grep -q wrong-secret "$T/err"
check wrong_client_secret_error_is_one_line one_line "$T/err"
check no_token_resources_marked_not_attempted \
	[ "$(jq -r '.resources[0].error' "$T/out")" = "not attempted: no Azure token" ]
expect_exit 4 client_id_without_secret_exits_4 env AZURE_CLIENT_SECRET= pr-apply-scale --platform "$T/platform.json"
check client_id_without_secret_names_the_ways grep -q "AZURE_CLIENT_ID is set but not AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE, ACTIONS_ID_TOKEN_REQUEST_URL (permissions: id-token: write) or IDENTITY_ENDPOINT" "$T/err"
unset AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_TENANT_ID AZURE_AUTHORITY_HOST

# The az CLI, found on PATH (a fake that records its arguments).
start_canary_arm --state "$T/seed.json"
cat >"$T/bin/az" <<EOF
#!/bin/sh
echo "\$@" >"$T/az.args"
printf '{"accessToken": "%s", "expiresOn": "2026-11-25 23:00:00.000000", "subscription": "sub-1", "tenant": "t", "tokenType": "Bearer"}\n' "$CANARY"
EOF
chmod +x "$T/bin/az"
expect_exit 0 token_from_az_cli env PATH=$T/bin:$T/nobin:$PR_BIN pr-apply-scale --platform "$T/platform.json"
check az_cli_asked_for_resource_manager_token \
	[ "$(cat "$T/az.args")" = "account get-access-token --resource https://management.azure.com/ --output json" ]
check az_cli_token_used_for_arm [ "$(state | jq '.web_apps[0].always_on')" = true ]
check az_cli_token_never_printed clean

# az that fails (not logged in): exit 4 saying to run az login.
printf '#!/bin/sh\necho "ERROR: Please run az login to setup account." >&2\nexit 1\n' >"$T/bin/az"
expect_exit 4 az_cli_not_logged_in_exits_4 env PATH=$T/bin:$T/nobin:$PR_BIN pr-apply-scale --platform "$T/platform.json"
check az_cli_not_logged_in_says_run_az_login grep -q "run az login" "$T/err"

# No credentials at all and no az: exit 4 naming every way.
start_canary_arm --state "$T/seed.json"
expect_exit 4 no_credentials_exits_4 env PATH=$T/nobin:$PR_BIN pr-apply-scale --platform "$T/platform.json"
check no_credentials_names_the_ways grep -q "AZURE_ACCESS_TOKEN, AZURE_CLIENT_ID, IDENTITY_ENDPOINT are unset and the az command is not installed" "$T/err"
check no_credentials_makes_no_arm_call [ "$(curl -s "$ARM/_fixture/calls" | jq length)" -eq 0 ]

# Resource Manager refusing the token: 401 with its code, exit 4, token unprinted.
start_canary_arm --state "$T/seed.json"
cat >"$T/two.json" <<'EOF'
{"azure": {"subscription": "sub-1", "resource_group": "rg-perf", "web_apps": [{"name": "web1", "always_on": true}, {"name": "web2"}]}}
EOF
expect_exit 4 refused_token_exits_4 env AZURE_ACCESS_TOKEN=$CANARY-stale pr-apply-scale -q --platform "$T/two.json"
check refused_token_reports_401_code grep -q "GET sites/web1: 401 InvalidAuthenticationToken: The access token is invalid." "$T/err"
check refused_token_stops_after_first_refusal [ "$(curl -s "$ARM/_fixture/calls" | jq length)" -eq 1 ]
check refused_token_never_printed clean
check logs_were_written_and_are_clean sh -c "ls '$T/work/logs/'azure-performance-apply-*.log >/dev/null"

# In GitHub Actions the token is masked (and only there does it reach stderr).
start_canary_arm --state "$T/seed.json"
run env AZURE_ACCESS_TOKEN=$CANARY GITHUB_ACTIONS=true GITHUB_OUTPUT=$T/gh.out GITHUB_STEP_SUMMARY=$T/gh.md \
	pr-apply-scale --platform "$T/platform.json"
check github_masks_token grep -qxF "::add-mask::$CANARY" "$T/err"
check github_token_not_in_stdout_or_outputs none grep -qF "$CANARY" "$T/out" "$T/gh.out" "$T/gh.md"

# A plain-http Resource Manager or authority off this machine is refused
# before any token is sought; "off this machine" is the parsed host, so a
# name that merely starts with localhost or 127. is not loopback.
for ep in http://management.example.invalid http://localhost.attacker.example \
	http://127.0.0.1.attacker.example http://localhost@attacker.example; do
	expect_exit 3 "plain_http_endpoint_refused_${ep#http://}" env PATH=$T/nobin:$PR_BIN \
		AZURE_ACCESS_TOKEN=$CANARY pr-apply-scale --arm-endpoint "$ep" --platform "$T/platform.json"
	check "plain_http_endpoint_says_why_${ep#http://}" grep -q "is plain http: the token would travel unencrypted" "$T/err"
done
# (the sign-in fails, so the run fails as any failed sign-in does: exit 4)
expect_exit 4 plain_http_authority_refused env PATH=$T/nobin:$PR_BIN AZURE_CLIENT_ID=app-123 \
	AZURE_CLIENT_SECRET=$CANARY AZURE_TENANT_ID=contoso.onmicrosoft.com \
	AZURE_AUTHORITY_HOST=http://localhost.attacker.example \
	pr-apply-scale --arm-endpoint "$ARM" --platform "$T/platform.json"
check plain_http_authority_says_why grep -q "AZURE_AUTHORITY_HOST .* is plain http: the credential would travel unencrypted" "$T/err"
check plain_http_refusals_never_show_secret clean
