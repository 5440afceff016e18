#!/bin/sh
# cred-chain.sh: the Azure credential chain (lib/cred.h) end to end through
# pr-apply-scale, against arm.py's documented token issuers: a client
# certificate (PS256 assertion checked against the certificate), workload
# identity (federated token file), GitHub OIDC (request token and audience
# checked), managed identity (X-IDENTITY-HEADER), IMDS (Metadata: true, on a
# loopback override only), the chain's order, and a long operation with
# short-lived tokens.  No credential value reaches any output.
. "$(dirname "$0")/lib.sh"
. "$FIX/arm.sh"

CANARY=canary-token-3b8e61d0
SECRET=canary-secret-94c2f7aa
GHREQ=canary-ghreq-5d1e0b77
MSIH=canary-msih-c0ffee12
TENANT=contoso.onmicrosoft.com
export PR_RETRY_BASE_MS=10 QA_LOG=1
for v in $(env | sed -n 's/^\(AZURE_[A-Z_]*\|ACTIONS_[A-Z_]*\|IDENTITY_[A-Z_]*\|PR_AZURE_IMDS\)=.*/\1/p'); do unset "$v"; done
mkdir -p "$T/work" "$T/nobin"
cd "$T/work" || exit 1
for tool in sh cat jq; do ln -s "$(command -v $tool)" "$T/nobin/$tool"; done
NOBIN=PATH=$T/nobin:$PR_BIN

# The app's certificate (PEM: certificate and key), and a stranger's.
for n in app other; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/$n.key" -out "$T/$n.crt" -subj "/CN=pr-tools-$n" \
		-days 1 2>/dev/null
	cat "$T/$n.crt" "$T/$n.key" >"$T/$n.pem"
	chmod 600 "$T/$n.pem"
done

cat >"$T/seed.json" <<'EOF'
{"web_apps": [{"subscription": "sub-1", "resource_group": "rg-perf", "name": "web1", "always_on": false}],
 "container_apps": [{"subscription": "sub-1", "resource_group": "rg-perf", "name": "api",
                     "min_replicas": 0, "max_replicas": 3, "containers": [{"name": "api", "cpu": 0.5, "memory": "1Gi"}]}]}
EOF
cat >"$T/platform.json" <<'EOF'
{"azure": {"subscription": "sub-1", "resource_group": "rg-perf", "web_apps": [{"name": "web1", "always_on": true}]}}
EOF
start_id_arm() {
	_arm_start --state "$T/seed.json" --token "$CANARY" --client-id app-123 --client-secret "$SECRET" \
		--tenant "$TENANT" --client-cert "$T/app.crt" --oidc-request-token "$GHREQ" --identity-header "$MSIH" "$@"
}
# (each fixture signs its own assertions: point GitHub's URL at the newest)
_arm_start() { start_arm "$@"; GH="ACTIONS_ID_TOKEN_REQUEST_URL=$ARM/_github/token?api-version=2.0"; }
# No credential anywhere the program writes: stdout, stderr, logs.  Tokens
# issued here start with the canary; assertions are JWTs ("eyJ").
clean() {
	! grep -rqF -e "$CANARY" -e "$SECRET" -e "$GHREQ" -e "$MSIH" -e "eyJ" -e "PRIVATE KEY" \
		"$T/out" "$T/err" "$T/work/logs" 2>/dev/null
}
cred() { jq -r .credential "$T/out"; }
applied() { [ "$rc" -eq 0 ] && [ "$(state | jq '.web_apps[0].always_on')" = true ]; }
n_path() { calls; jq --arg p "$1" '[.[] | select(.path == $p)] | length' "$T/calls.json"; }
TOKEN_PATH=/$TENANT/oauth2/v2.0/token
fed_token() { curl -s "$ARM/_fixture/assertion" | jq -r .value; }
apply() { run env "$NOBIN" "$@" pr-apply-scale --platform "$T/platform.json"; }

# Client certificate: a PS256 assertion the fixture verifies with the cert.
start_id_arm
apply AZURE_CLIENT_ID=app-123 AZURE_TENANT_ID=$TENANT AZURE_AUTHORITY_HOST=$ARM AZURE_CLIENT_CERTIFICATE_PATH=$T/app.pem
ok_if certificate_signs_in 'applied && [ "$(cred)" = client-certificate ]'
ok_if certificate_never_printed clean
apply AZURE_CLIENT_ID=app-123 AZURE_TENANT_ID=$TENANT AZURE_AUTHORITY_HOST=$ARM AZURE_CLIENT_CERTIFICATE_PATH=$T/other.pem
ok_if certificate_not_registered_refused '[ "$rc" -eq 4 ] && grep -q "(client-certificate).*AADSTS700027" "$T/err"'
apply AZURE_CLIENT_ID=app-123 AZURE_TENANT_ID=$TENANT AZURE_AUTHORITY_HOST=$ARM AZURE_CLIENT_CERTIFICATE_PATH=$T/app.crt
ok_if certificate_without_key_says_so '[ "$rc" -ne 0 ] && grep -q "AZURE_CLIENT_CERTIFICATE_PATH .*app.crt: no unencrypted RSA private key" "$T/err"'
apply AZURE_CLIENT_ID=app-999 AZURE_TENANT_ID=$TENANT AZURE_AUTHORITY_HOST=$ARM AZURE_CLIENT_CERTIFICATE_PATH=$T/app.pem
ok_if certificate_wrong_client_id_refused '[ "$rc" -eq 4 ] && grep -q "AADSTS700016" "$T/err"'

# Workload identity: the federated token file, as the platform writes it.
fed_token >"$T/fed.token"
apply AZURE_CLIENT_ID=app-123 AZURE_TENANT_ID=$TENANT AZURE_AUTHORITY_HOST=$ARM AZURE_FEDERATED_TOKEN_FILE=$T/fed.token
ok_if workload_identity_signs_in 'applied && [ "$(cred)" = workload-identity ]'
ok_if workload_identity_never_printed clean
echo not-a-jwt >"$T/bad.token"
apply AZURE_CLIENT_ID=app-123 AZURE_TENANT_ID=$TENANT AZURE_AUTHORITY_HOST=$ARM AZURE_FEDERATED_TOKEN_FILE=$T/bad.token
ok_if workload_identity_bad_file_refused '[ "$rc" -eq 4 ] && grep -q "(workload-identity).*AADSTS50027" "$T/err"'
apply AZURE_CLIENT_ID=app-123 AZURE_TENANT_ID=$TENANT AZURE_AUTHORITY_HOST=$ARM AZURE_FEDERATED_TOKEN_FILE=$T/missing.token
ok_if workload_identity_missing_file_named '[ "$rc" -ne 0 ] && grep -q "missing.token" "$T/err"'

# GitHub OIDC: a GitHub token for api://AzureADTokenExchange, exchanged.
start_id_arm
apply AZURE_CLIENT_ID=app-123 AZURE_TENANT_ID=$TENANT AZURE_AUTHORITY_HOST=$ARM "$GH" ACTIONS_ID_TOKEN_REQUEST_TOKEN=$GHREQ
ok_if github_oidc_signs_in 'applied && [ "$(cred)" = github-oidc ]'
calls
ok_if github_oidc_asks_for_exchange_audience \
	'[ "$(jq -r "[.[] | select(.path == \"/_github/token\")][0].query" "$T/calls.json")" = "api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange" ]'
ok_if github_oidc_never_printed clean
apply AZURE_CLIENT_ID=app-123 AZURE_TENANT_ID=$TENANT AZURE_AUTHORITY_HOST=$ARM "$GH" ACTIONS_ID_TOKEN_REQUEST_TOKEN=wrong
ok_if github_oidc_wrong_request_token_refused '[ "$rc" -eq 4 ] && grep -q "(github-oidc) from ACTIONS_ID_TOKEN_REQUEST_URL: 401" "$T/err" && grep -q "id-token: write" "$T/err"'
apply AZURE_CLIENT_ID=app-123 AZURE_TENANT_ID=other.example AZURE_AUTHORITY_HOST=$ARM "$GH" ACTIONS_ID_TOKEN_REQUEST_TOKEN=$GHREQ
ok_if github_oidc_wrong_tenant_refused '[ "$rc" -eq 4 ] && grep -q "AADSTS90002" "$T/err"'
apply AZURE_CLIENT_ID=app-123 AZURE_TENANT_ID=$TENANT AZURE_AUTHORITY_HOST=$ARM \
	ACTIONS_ID_TOKEN_REQUEST_URL=http://github.example.invalid/token ACTIONS_ID_TOKEN_REQUEST_TOKEN=$GHREQ
ok_if github_oidc_plain_http_refused '[ "$rc" -ne 0 ] && grep -q "ACTIONS_ID_TOKEN_REQUEST_URL .* is plain http" "$T/err"'

# Managed identity (App Service, Container Apps).
start_id_arm
apply IDENTITY_ENDPOINT=$ARM/_msi/token IDENTITY_HEADER=$MSIH
ok_if managed_identity_signs_in 'applied && [ "$(cred)" = managed-identity ]'
calls
ok_if managed_identity_asks_for_arm \
	'[ "$(jq -r "[.[] | select(.path == \"/_msi/token\")][0].query" "$T/calls.json")" = "api-version=2019-08-01&resource=https%3A%2F%2Fmanagement.azure.com%2F" ]'
ok_if managed_identity_never_printed clean
apply IDENTITY_ENDPOINT=$ARM/_msi/token IDENTITY_HEADER=wrong
ok_if managed_identity_wrong_header_refused '[ "$rc" -eq 4 ] && grep -q "(managed-identity) from IDENTITY_ENDPOINT: 401" "$T/err"'
apply IDENTITY_ENDPOINT=$ARM/_msi/token IDENTITY_HEADER=$MSIH AZURE_CLIENT_ID=not-my-identity
ok_if managed_identity_user_assigned_id_sent '[ "$rc" -eq 4 ] && grep -q "Identity not found" "$T/err"'

# IMDS: only on request, here at a loopback override; with nothing set the
# chain goes to az and never to 169.254.169.254.
start_id_arm
apply AZURE_POD_IDENTITY_AUTHORITY_HOST=$ARM
ok_if imds_signs_in_when_asked 'applied && [ "$(cred)" = imds ] && [ "$(n_path /metadata/identity/oauth2/token)" -eq 1 ]'
start_id_arm
apply
ok_if no_credentials_no_imds_probe '[ "$rc" -eq 4 ] && grep -q "az command is not installed" "$T/err" && [ "$(ncalls)" -eq 0 ]'

# The chain's order: with every source set, each is used only when those
# before it are unset (AZURE_CLIENT_ID names the user-assigned identity for
# the last two), and az only when nothing is set.
start_id_arm --msi-client-id app-123
fed_token >"$T/fed.token"
cat >"$T/nobin/az" <<EOF
#!/bin/sh
printf '{"accessToken": "%s", "expires_on": %s}\n' "$CANARY" "\$(( \$(date +%s) + 3600 ))"
EOF
chmod +x "$T/nobin/az"
set -- AZURE_CLIENT_SECRET=$SECRET AZURE_CLIENT_CERTIFICATE_PATH=$T/app.pem AZURE_FEDERATED_TOKEN_FILE=$T/fed.token \
	"$GH" ACTIONS_ID_TOKEN_REQUEST_TOKEN=$GHREQ IDENTITY_ENDPOINT=$ARM/_msi/token IDENTITY_HEADER=$MSIH \
	AZURE_POD_IDENTITY_AUTHORITY_HOST=$ARM
order=""
while [ $# -gt 0 ]; do
	apply AZURE_CLIENT_ID=app-123 AZURE_TENANT_ID=$TENANT AZURE_AUTHORITY_HOST=$ARM "$@"
	if [ "$rc" -eq 0 ]; then order="$order $(cred)"; else order="$order failed:$(head -c 200 "$T/err")"; fi
	case $1 in ACTIONS_ID_TOKEN_REQUEST_URL=*|IDENTITY_ENDPOINT=*) shift ;; esac
	shift
done
ok_if chain_order_as_documented \
	'[ "$order" = " client-secret client-certificate workload-identity github-oidc managed-identity imds" ]'
echo "# order:$order"
apply
ok_if chain_az_last '[ "$rc" -eq 0 ] && [ "$(cred)" = az-cli ]'
apply AZURE_CLIENT_ID=app-123
ok_if chain_client_id_alone_says_what_is_missing '[ "$rc" -eq 4 ] && grep -q "AZURE_CLIENT_ID is set but AZURE_TENANT_ID is not" "$T/err"'
ok_if chain_never_printed clean
rm -f "$T/nobin/az"

# A 2-hour watch in 6 s: access tokens live 2 s (an hour, scaled), GitHub's
# assertion 0.2 s (5 minutes); a container app operation polled 100 times
# every 60 ms.  Every token request needs a fresh assertion, and no request
# may present an expired token.
cat >"$T/app.json" <<'EOF'
{"azure": {"subscription": "sub-1", "resource_group": "rg-perf", "container_apps": [{"name": "api", "min_replicas": 2}]}}
EOF
start_id_arm --token-lifetime 2 --assertion-lifetime 0.2 --lro-polls 100 --retry-after -1
PR_RETRY_BASE_MS=60 run env "$NOBIN" AZURE_CLIENT_ID=app-123 AZURE_TENANT_ID=$TENANT AZURE_AUTHORITY_HOST=$ARM "$GH" \
	ACTIONS_ID_TOKEN_REQUEST_TOKEN=$GHREQ pr-apply-scale --platform "$T/app.json"
calls
tokens=$(jq --arg p "$TOKEN_PATH" '[.[] | select(.path == $p and .status == 200)] | length' "$T/calls.json")
asserts=$(jq '[.[] | select(.path == "/_github/token")] | length' "$T/calls.json")
refused=$(jq '[.[] | select(.status == 401 or .status == 400)] | length' "$T/calls.json")
echo "# long watch: $(jq length "$T/calls.json") requests, $tokens access tokens, $asserts GitHub assertions, $refused refused"
ok_if long_watch_succeeds '[ "$rc" -eq 0 ] && [ "$(state | jq .container_apps[0].min_replicas)" -eq 2 ]'
ok_if long_watch_renews_tokens '[ "$tokens" -ge 3 ]'
ok_if long_watch_fresh_assertion_per_token '[ "$asserts" -eq "$tokens" ]'
ok_if long_watch_no_auth_error '[ "$refused" -eq 0 ]'
ok_if long_watch_never_printed clean

# The same with workload identity, the platform rotating the file meanwhile:
# the file is read again for each token.
start_id_arm --token-lifetime 2 --assertion-lifetime 0.5 --lro-polls 60 --retry-after -1
fed_token >"$T/fed.token"
(while :; do fed_token >"$T/fed.tmp" && mv "$T/fed.tmp" "$T/fed.token"; sleep 0.1; done) &
track $!
PR_RETRY_BASE_MS=60 run env "$NOBIN" AZURE_CLIENT_ID=app-123 AZURE_TENANT_ID=$TENANT AZURE_AUTHORITY_HOST=$ARM \
	AZURE_FEDERATED_TOKEN_FILE=$T/fed.token pr-apply-scale --platform "$T/app.json"
calls
tokens=$(jq --arg p "$TOKEN_PATH" '[.[] | select(.path == $p and .status == 200)] | length' "$T/calls.json")
refused=$(jq '[.[] | select(.status == 401 or .status == 400)] | length' "$T/calls.json")
ok_if workload_long_watch_rereads_file '[ "$rc" -eq 0 ] && [ "$tokens" -ge 2 ] && [ "$refused" -eq 0 ]'

# The fixture would catch a client that does not renew: an access token used
# after its life gets 401 ExpiredAuthenticationToken, and a GitHub assertion
# presented after its life gets AADSTS700024.
start_id_arm --token-lifetime 1 --assertion-lifetime 0.2
tok=$(curl -s -d "client_id=app-123&client_secret=$SECRET&grant_type=client_credentials&scope=https%3A%2F%2Fmanagement.azure.com%2F.default" \
	"$ARM/$TENANT/oauth2/v2.0/token" | jq -r .access_token)
web="$ARM/subscriptions/sub-1/resourceGroups/rg-perf/providers/Microsoft.Web/sites/web1/config/web?api-version=2024-11-01"
# shellcheck disable=SC2034 # read in the ok_if expression below
fresh=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$web")
sleep 1.2
# shellcheck disable=SC2034 # read in the ok_if expression below
stale=$(curl -s -H "Authorization: Bearer $tok" "$web" | jq -r .error.code)
ok_if fixture_refuses_expired_access_token '[ "$fresh" = 200 ] && [ "$stale" = ExpiredAuthenticationToken ]'
gh=$(curl -s -H "Authorization: Bearer $GHREQ" "$ARM/_github/token?audience=api://AzureADTokenExchange" | jq -r .value)
sleep 0.4
# shellcheck disable=SC2034 # read in the ok_if expression below
late=$(curl -s -d "client_id=app-123&grant_type=client_credentials&scope=https%3A%2F%2Fmanagement.azure.com%2F.default&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=$gh" \
	"$ARM/$TENANT/oauth2/v2.0/token" | jq -r .error_description)
ok_if fixture_refuses_stale_github_assertion 'case $late in AADSTS700024*) true ;; *) false ;; esac'
