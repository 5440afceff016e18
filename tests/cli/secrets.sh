#!/bin/sh
# secrets.sh: one canary secret, used as every kind of secret the suite
# handles (Azure token, client secret, GitHub OIDC request token, managed
# identity header, SAS signature, database password, session cookie,
# Authorization header, captured login session, GitHub token, storage account
# key), never shows in stdout, stderr (in GitHub Actions only as the one
# ::add-mask:: line), log files, GITHUB_OUTPUT or the step summary, JUnit
# files, the snapshot archive's members (the database dump aside: it holds
# data, not the password) or the argv of any child process.  Wrappers for
# pg_dump, pg_restore, git and az, first on PATH, record each call's "$@",
# its /proc cmdline and its PGPASSWORD, so that the tests can also show the
# canary went where it must (the environment), not only where it must not.
. "$(dirname "$0")/lib.sh"
. "$FIX/pg.sh"

CANARY="CANARY-q7Zx4Wm2pR9vK3tB"
# Azurite wants a base64 account key: this one is canary text too.
KEY_CANARY=Q0FOQVJZLXN0b3JhZ2Uta2V5LXE3Wng0V20ycFI5dks=

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
export PR_RETRY_BASE_MS=10
unset AZURE_ACCESS_TOKEN AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_TENANT_ID AZURE_AUTHORITY_HOST \
	AZURE_SUBSCRIPTION_ID GITHUB_TOKEN

# --- recording wrappers, first on PATH ----------------------------------
mkdir -p "$T/wrap" "$T/rec"
for tool in pg_dump pg_restore git; do
	real=$(command -v $tool) || { fail "wrapper_$tool" "$tool is not installed"; exit 0; }
	cat >"$T/wrap/$tool" <<EOF
#!/bin/sh
printf '%s\n' "$tool \$*" >>"$T/rec/argv.log"
tr '\\0' ' ' </proc/\$\$/cmdline >>"$T/rec/cmdline.log"; echo >>"$T/rec/cmdline.log"
printf '%s\n' "\${PGPASSWORD-}" >>"$T/rec/env.$tool"
exec "$real" "\$@"
EOF
	chmod +x "$T/wrap/$tool"
done
# No real az is wanted: this one records and hands out the canary as token.
cat >"$T/wrap/az" <<EOF
#!/bin/sh
printf '%s\n' "az \$*" >>"$T/rec/argv.log"
tr '\\0' ' ' </proc/\$\$/cmdline >>"$T/rec/cmdline.log"; echo >>"$T/rec/cmdline.log"
printf '{"accessToken": "%s", "expiresOn": "2030-01-01 00:00:00.000000", "subscription": "sub-1", "tenant": "t", "tokenType": "Bearer"}\n' "$CANARY"
EOF
chmod +x "$T/wrap/az"
PATH=$T/wrap:$PATH
export PATH

# --- what every run is checked for --------------------------------------
# Each scenario runs twice in its own directory: plainly (stdout and stderr
# must not hold the canary at all), then inside GitHub Actions with QA_LOG=1
# (stderr may hold it only as "::add-mask::CANARY"; logs, GITHUB_OUTPUT and
# the step summary never).
absent() { ! grep -qF -e "$CANARY" -e "$KEY_CANARY" "$@"; }
# Every line of FILE holding a canary is an ::add-mask:: line (of the
# canary, or of a header value around it such as "Bearer CANARY").
masked_only() { ! grep -F -e "$CANARY" -e "$KEY_CANARY" "$1" | grep -qv '^::add-mask::'; }
masked() { grep -F -e "$CANARY" -e "$KEY_CANARY" "$1" | grep -q '^::add-mask::'; }
logs_clean() { ls "$WORK"/logs/*.log >/dev/null 2>&1 && absent "$WORK"/logs/*.log; }

# scenario NAME WANT_EXIT CMD...: the two runs and their checks, in $T/NAME
# or in $IN when set (the repository, for snapshot and rollback).
scenario() {
	_s=$1 _want=$2
	shift 2
	WORK=${IN:-$T/$_s}
	mkdir -p "$WORK" && cd "$WORK" || exit 1
	run "$@"
	if [ "$rc" -eq "$_want" ]; then pass "${_s}_runs"; else fail "${_s}_runs" "exit $rc, expected $_want: $(head -c 300 "$T/err")"; fi
	check "${_s}_canary_not_in_stdout" absent "$T/out"
	check "${_s}_canary_not_in_stderr" absent "$T/err"
	rm -rf logs
	: >"$T/gh_output" && : >"$T/gh_summary"
	GITHUB_ACTIONS=true GITHUB_OUTPUT=$T/gh_output GITHUB_STEP_SUMMARY=$T/gh_summary QA_LOG=1 run "$@"
	if [ "$rc" -eq "$_want" ]; then pass "${_s}_runs_in_github_actions"; else fail "${_s}_runs_in_github_actions" "exit $rc: $(head -c 300 "$T/err")"; fi
	cp "$T/out" "$T/$_s.gha.out"
	cp "$T/err" "$T/$_s.gha.err"
	check "${_s}_canary_not_in_stdout_in_github_actions" absent "$T/out"
	check "${_s}_canary_in_github_stderr_only_as_add_mask" masked_only "$T/err"
	check "${_s}_canary_not_in_log_file" logs_clean
	check "${_s}_canary_not_in_github_output_or_summary" absent "$T/gh_output" "$T/gh_summary"
	cd "$T" || exit 1
}

# --- pr-apply-scale: AZURE_ACCESS_TOKEN, AZURE_CLIENT_SECRET, az ----------
cat >"$T/seed.json" <<'EOF'
{"web_apps": [{"subscription": "sub-1", "resource_group": "rg-perf", "name": "web1", "always_on": false}]}
EOF
cat >"$T/platform.json" <<'EOF'
{"azure": {"subscription": "sub-1", "resource_group": "rg-perf", "web_apps": [{"name": "web1", "always_on": true}]}}
EOF
. "$FIX/arm.sh"
# A Resource Manager whose token and client secret are both the canary.
start_canary_arm() {
	start_arm --state "$T/seed.json" --token "$CANARY" --client-id app-123 \
		--client-secret "$CANARY" --tenant contoso.onmicrosoft.com
}
always_on() { curl -s "$AZURE_ARM_ENDPOINT/_fixture/state" | jq -r '.web_apps[0].always_on'; }

# A run that changes nothing the second time still needs the token: a
# fresh fixture per scenario, and the change proves the token was accepted.
start_canary_arm
scenario apply_access_token 0 env AZURE_ACCESS_TOKEN=$CANARY pr-apply-scale --platform "$T/platform.json"
check apply_access_token_accepted_by_resource_manager [ "$(always_on)" = true ]
check apply_access_token_masked_in_github_actions masked "$T/apply_access_token.gha.err"

start_canary_arm
scenario apply_client_secret 0 env AZURE_CLIENT_ID=app-123 AZURE_CLIENT_SECRET=$CANARY \
	AZURE_TENANT_ID=contoso.onmicrosoft.com AZURE_AUTHORITY_HOST=$AZURE_ARM_ENDPOINT \
	pr-apply-scale --platform "$T/platform.json"
check apply_client_secret_exchanged_for_token [ "$(always_on)" = true ]

start_canary_arm
scenario apply_az_cli_token 0 pr-apply-scale --platform "$T/platform.json"
check apply_az_cli_token_accepted [ "$(always_on)" = true ]

# The credential chain's other sources, each with the canary as its secret:
# the GitHub OIDC request token, the managed identity header; the tokens
# they bring back start with the canary too.
start_arm --state "$T/seed.json" --token "$CANARY" --client-id app-123 --tenant contoso.onmicrosoft.com \
	--oidc-request-token "$CANARY" --identity-header "$CANARY"
scenario apply_github_oidc 0 env AZURE_CLIENT_ID=app-123 AZURE_TENANT_ID=contoso.onmicrosoft.com \
	AZURE_AUTHORITY_HOST=$AZURE_ARM_ENDPOINT ACTIONS_ID_TOKEN_REQUEST_URL=$AZURE_ARM_ENDPOINT/_github/token \
	ACTIONS_ID_TOKEN_REQUEST_TOKEN=$CANARY pr-apply-scale --platform "$T/platform.json"
check apply_github_oidc_signed_in [ "$(jq -r .credential "$T/apply_github_oidc.gha.out")" = github-oidc ]
check apply_github_oidc_token_masked_in_github_actions masked "$T/apply_github_oidc.gha.err"
scenario apply_managed_identity 0 env IDENTITY_ENDPOINT=$AZURE_ARM_ENDPOINT/_msi/token IDENTITY_HEADER=$CANARY \
	pr-apply-scale --platform "$T/platform.json"
check apply_managed_identity_signed_in [ "$(jq -r .credential "$T/apply_managed_identity.gha.out")" = managed-identity ]
# A client certificate: its private key never shows either.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/cert.key" -out "$T/cert.crt" -subj /CN=canary -days 1 2>/dev/null
cat "$T/cert.crt" "$T/cert.key" >"$T/cert.pem"
KEYLINE=$(sed -n 3p "$T/cert.key")
start_arm --state "$T/seed.json" --token "$CANARY" --client-id app-123 --tenant contoso.onmicrosoft.com \
	--client-cert "$T/cert.crt"
scenario apply_client_certificate 0 env AZURE_CLIENT_ID=app-123 AZURE_TENANT_ID=contoso.onmicrosoft.com \
	AZURE_AUTHORITY_HOST=$AZURE_ARM_ENDPOINT AZURE_CLIENT_CERTIFICATE_PATH=$T/cert.pem \
	pr-apply-scale --platform "$T/platform.json"
check apply_client_certificate_key_never_printed sh -c "! grep -qF -e '$KEYLINE' -e 'PRIVATE KEY' '$T/out' '$T/err' '$T/apply_client_certificate.gha.out' '$T/apply_client_certificate.gha.err'"
unset AZURE_ARM_ENDPOINT

# --- pr-snapshot and pr-rollback: the database password ------------------
PG_PASSWORD=$CANARY
pg_start || exit 1
pg_sql "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'apple'), (2, 'pear');"
check database_url_holds_canary_password sh -c "printf %s '$PG_URL' | grep -qF '$CANARY'"
export DATABASE_URL=$PG_URL
git init -q -b main "$T/repo" && cd "$T/repo" || exit 1
echo v1 >app.txt && git add app.txt && git commit -q -m v1
echo logs/ >>.git/info/exclude
IN=$T/repo

# From the repository, a new tag each run (an existing one is refused); the
# second run's archive replaces the first.
scenario snapshot_db_password 0 sh -c 'exec pr-snapshot --tag "snap-$(date +%s%N)" -a "$1"' sh "$T/snap.tar.gz"
check snapshot_db_password_masked_in_github_actions masked "$T/snapshot_db_password.gha.err"
# The archive: every member but the dump itself.
mkdir -p "$T/x"
tar -xzf "$T/snap.tar.gz" -C "$T/x" 2>/dev/null
check snapshot_archive_has_dump_and_manifest test -s "$T/x/database.dump" -a -s "$T/x/manifest.json"
members=$(cd "$T/x" && find . -type f ! -name database.dump | wc -l)
check snapshot_archive_has_members_besides_dump [ "$members" -ge 1 ]
check snapshot_canary_not_in_archive_members sh -c "cd '$T/x' && ! find . -type f ! -name database.dump -exec grep -qF '$CANARY' {} \\; -print | grep -q ."
check snapshot_archive_listing_clean sh -c "! tar -tzvf '$T/snap.tar.gz' | grep -qF '$CANARY'"
check snapshot_dump_holds_data [ "$(pg_restore --list "$T/x/database.dump" | grep -c 'TABLE DATA')" -ge 1 ]
check pg_dump_got_password_from_environment grep -qxF "$CANARY" "$T/rec/env.pg_dump"

# Restore the database from that archive.
pg_sql "UPDATE items SET name = 'rotten' WHERE id = 1;"
scenario rollback_restore_db 0 pr-rollback --restore-db --yes --skip-deploy "$T/snap.tar.gz"
check rollback_restore_db_restored_data [ "$(pg_sql "SELECT name FROM items WHERE id = 1")" = apple ]
check rollback_restore_db_masked_in_github_actions masked "$T/rollback_restore_db.gha.err"
check pg_restore_got_password_from_environment grep -qxF "$CANARY" "$T/rec/env.pg_restore"
(cd "$T/repo" && git checkout -q main)

# pr-qa SQL checks and pr-rollback --sql: libpq in-process, the password
# from the parsed URL as a connection keyword.  A stored value equal to the
# canary is captured, expected wrongly, and put into a query that fails
# quoting it; a write is refused; the passing check proves the login.
pg_sql "CREATE TABLE tokens (t text); INSERT INTO tokens VALUES ('$CANARY');"
cat >"$T/qa_sql.json" <<'EOF'
{"qa": {"checks": [
 {"name": "grab", "sql": "SELECT t FROM tokens", "capture": {"tok": {"column": "t"}}, "expect": {"columns": {"t": "wrong"}}},
 {"name": "quote", "sql": "SELECT $1::int AS n", "params": ["{{tok}}"]},
 {"name": "write", "sql": "DELETE FROM tokens"},
 {"name": "login", "sql": "SELECT 1 AS one", "expect": {"columns": {"one": 1}}}
]}}
EOF
scenario qa_sql_db_password 1 pr-qa -f "$T/qa_sql.json" --junit "$T/qa_sql.xml"
check qa_sql_results [ "$(jq -r '[.checks[].result] | join(",")' "$T/qa_sql_db_password.gha.out")" = fail,fail,fail,pass ]
check qa_sql_captured_value_shown_as_secret grep -qF 'column t: expected \"wrong\", got (secret)' "$T/qa_sql_db_password.gha.out"
check qa_sql_canary_not_in_junit absent "$T/qa_sql.xml"
check qa_sql_write_refused [ "$(pg_sql 'SELECT count(*) FROM tokens')" = 1 ]
check qa_sql_db_password_masked_in_github_actions masked "$T/qa_sql_db_password.gha.err"
printf 'DROP INDEX CONCURRENTLY IF EXISTS no_such_idx;\nSELECT 1/0;\n' >"$T/rollback.sql"
scenario rollback_sql_db_password 5 pr-rollback --sql "$T/rollback.sql"
check rollback_sql_names_statement grep -q 'line 2: SELECT 1/0' "$T/rollback_sql_db_password.gha.out"
check rollback_sql_db_password_masked_in_github_actions masked "$T/rollback_sql_db_password.gha.err"

# --- every form of a database URL libpq reads ----------------------------
# A second role whose password holds '?', '@', '/' and '%' around the
# canary.  Each accepted form must log in (so the password was decoded and
# reached pg_dump by environment) and show nowhere; forms that cannot be
# read unambiguously are refused without quoting.
PW2="p?${CANARY}@x/${CANARY}%z"
_pg_as psql -q -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
	-c "CREATE ROLE pr2 LOGIN PASSWORD '$PW2' IN ROLE $PG_USER" >/dev/null ||
	fail pg_second_role "cannot create it"
H2=127.0.0.1:$PG_PORT
enc=$(printf %s "$PW2" | jq -sRr @uri)
url_form() {
	case $1 in
	question_raw) echo "postgres://pr2:p?${CANARY}%40x%2F${CANARY}%25z@$H2/app" ;;
	question_slash_raw) echo "postgres://pr2:p?${CANARY}%40x/${CANARY}%25z@$H2/app?sslmode=disable" ;;
	question_at_raw) echo "postgresql://pr2:p?${CANARY}@x%2F${CANARY}%25z@$H2/app" ;;
	password_param) echo "postgres://pr2@$H2/app?password=$enc" ;;
	encoded_param_name) echo "postgres://pr2@$H2/app?sslmode=disable&p%61ssword=$enc" ;;
	esac
}
for form in question_raw question_slash_raw question_at_raw password_param encoded_param_name; do
	: >"$T/rec/env.pg_dump"
	DATABASE_URL=$(url_form $form) scenario "snapshot_url_$form" 0 \
		sh -c 'exec pr-snapshot --tag "form-$(date +%s%N)" -a "$1"' sh "$T/form.tar.gz"
	check "snapshot_url_${form}_masked_in_github_actions" masked "$T/snapshot_url_$form.gha.err"
	check "snapshot_url_${form}_password_reached_pg_dump_by_environment" grep -qxF "$PW2" "$T/rec/env.pg_dump"
	rm -rf "$T/fx" && mkdir -p "$T/fx" && tar -xzf "$T/form.tar.gz" -C "$T/fx" 2>/dev/null
	check "snapshot_url_${form}_archive_manifest_clean" sh -c "[ -s '$T/fx/manifest.json' ] && ! grep -qF '$CANARY' '$T/fx/manifest.json'"
	check "snapshot_url_${form}_shows_host_and_database" [ "$(jq -r .database.url "$T/fx/manifest.json" | cut -d'?' -f1)" = "$(url_form $form | cut -d: -f1)://$H2/app" ]
done
pg_sql "UPDATE items SET name = 'rotten' WHERE id = 1;"
DATABASE_URL=$(url_form question_slash_raw) scenario rollback_url_question_slash_raw 0 \
	pr-rollback --restore-db --yes --skip-deploy "$T/form.tar.gz"
check rollback_url_form_restored_data [ "$(pg_sql "SELECT name FROM items WHERE id = 1")" = apple ]
check pg_restore_got_second_password_from_environment grep -qxF "$PW2" "$T/rec/env.pg_restore"
(cd "$T/repo" && git checkout -q main)
# Refused, exit 3, quoting nothing: '@' and '/' both unencoded (the host
# cannot be told), and sslpassword= (libpq reads it from argv only).
DATABASE_URL="postgres://pr2:p?${CANARY}@x/${CANARY}%25z@$H2/app" scenario snapshot_url_refused_at_and_slash 3 \
	sh -c 'exec pr-snapshot --tag "bad-$(date +%s%N)" -a "$1"' sh "$T/bad.tar.gz"
check refused_url_says_percent_encode grep -q "percent-encode" "$T/err"
DATABASE_URL="postgres://pr2@$H2/app?sslpassword=$enc" scenario snapshot_url_refused_sslpassword 3 \
	sh -c 'exec pr-snapshot --tag "bad-$(date +%s%N)" -a "$1"' sh "$T/bad.tar.gz"
check refused_sslpassword_says_why grep -q "sslpassword" "$T/err"

# --- pr-rollback: GITHUB_TOKEN ------------------------------------------
unset DATABASE_URL
$PY "$FIX/github_api.py" --port-file "$T/gh.port" --record "$T/gh.log" --token "$CANARY" \
	--repo acme/shop --workflow deploy.yml >"$T/gh.err" 2>&1 &
track $!
wait_for_file "$T/gh.port" || { fail github_fixture "did not start"; exit 1; }
GITHUB_API_URL=http://127.0.0.1:$(cat "$T/gh.port")
export GITHUB_API_URL GITHUB_TOKEN="$CANARY"
cat >"$T/deploy.json" <<'EOF'
{"deploy": {"github": {"repo": "acme/shop", "workflow": "deploy.yml"}}}
EOF
scenario rollback_github_token 0 sh -c 'git checkout -q main && exec pr-rollback -f "$1" "$2"' sh \
	"$T/deploy.json" "$T/snap.tar.gz"
check rollback_github_token_sent_as_authorization \
	[ "$(tail -n 1 "$T/gh.log" | jq -r .headers.Authorization)" = "Bearer $CANARY" ]
check rollback_github_token_masked_in_github_actions masked "$T/rollback_github_token.gha.err"
(cd "$T/repo" && git checkout -q main)

# --wait: the dispatch's run details and every look at the run carry the
# token; a run that fails (exit 4) names its page, never the token.
$PY "$FIX/github_api.py" --port-file "$T/ghw.port" --record "$T/ghw.log" --token "$CANARY" \
	--repo acme/shop --workflow deploy.yml --conclusion failure >"$T/ghw.err" 2>&1 &
track $!
wait_for_file "$T/ghw.port" || { fail github_wait_fixture "did not start"; exit 1; }
GITHUB_API_URL=http://127.0.0.1:$(cat "$T/ghw.port") \
	scenario rollback_wait_github_token 4 pr-rollback -f "$T/deploy.json" --deploy-only --ref main --wait --wait-interval 0.05
check rollback_wait_polled_the_run_with_the_token \
	[ "$(grep '"GET"' "$T/ghw.log" | jq -r .headers.Authorization | sort -u)" = "Bearer $CANARY" ]
check rollback_wait_failure_names_the_run grep -q "concluded failure: https://github.com/acme/shop/actions/runs/[0-9]" "$T/rollback_wait_github_token.gha.err"
unset GITHUB_TOKEN GITHUB_API_URL IN
pg_stop

# --- pr-bench and pr-qa: a session cookie and an Authorization header ------
$PY "$FIX/qa_app.py" --port-file "$T/app.port" --session "$CANARY" >"$T/app.log" 2>&1 &
track $!
wait_for_file "$T/app.port" || { fail qa_app_fixture "did not start"; exit 1; }
APP=http://127.0.0.1:$(cat "$T/app.port")
export APP SID_COOKIE="sid=$CANARY" BEARER="Bearer $CANARY"
export QTOK=$CANARY
cat >"$T/bench.json" <<'EOF'
{"bench": {"samples": 3, "warmup": 1, "timeout": "5s", "metrics": [
  {"id": "by_cookie", "url": "${APP}/api/me", "headers": {"Cookie": "${SID_COOKIE}"}},
  {"id": "by_bearer", "url": "${APP}/api/me", "headers": {"Authorization": "${BEARER}"}},
  {"id": "by_query", "url": "${APP}/health?page=1&api_token=${QTOK}&X-Amz-Signature=${QTOK}&private_token=${QTOK}&auth=${QTOK}&session=${QTOK}&p%61ssword=${QTOK}"}
]}}
EOF
scenario bench_cookie_and_authorization 0 pr-bench -f "$T/bench.json"
check bench_secret_headers_accepted_by_server \
	[ "$(jq '[.metrics[].errors.total] | add' "$T/bench_cookie_and_authorization.gha.out")" = 0 ]
check bench_secret_headers_masked_in_github_actions masked "$T/bench_cookie_and_authorization.gha.err"
scenario bench_load_cookie_and_authorization 0 pr-bench -f "$T/bench.json" --load -C 2 -d 0.5 by_cookie
check bench_load_secret_header_accepted [ "$(jq '.metrics.by_cookie.errors.total' "$T/bench_load_cookie_and_authorization.gha.out")" = 0 ]

cat >"$T/qa.json" <<'EOF'
{"qa": {"base_url": "${APP}", "checks": [
 {"name": "login", "method": "POST", "url": "/api/login", "json": {"username": "qa", "password": "qa-pass"},
  "capture": {"sid": {"cookie": "sid"}, "token": {"json": "data.token"}}},
 {"name": "me_by_cookie", "url": "/api/me", "headers": {"Cookie": "sid={{sid}}"}, "expect": {"status": 200}},
 {"name": "me_by_bearer", "url": "/api/me", "headers": {"Authorization": "Bearer {{token}}"}, "expect": {"status": 200}},
 {"name": "me_by_config_bearer", "url": "/api/me", "headers": {"Authorization": "${BEARER}"}, "expect": {"status": 200}},
 {"name": "fails_showing_session", "url": "/api/me", "headers": {"Cookie": "sid={{sid}}"},
  "expect": {"status": 418, "json": {"data.name": "{{sid}}"}}},
 {"name": "captured_header_wrong", "url": "/leaky", "capture": {"hdr": {"header": "X-Auth-Token"}, "crlf": {"json": "data.crlf"}},
  "expect": {"headers": {"X-Auth-Token": "wrong"}}},
 {"name": "later_equal_to_capture", "url": "/echo", "headers": {"X-Echo": "{{hdr}}"},
  "expect": {"headers": {"X-Echo": "wrong"}, "json": {"headers.X-Echo": "wrong"}}},
 {"name": "captured_crlf_in_header", "url": "/echo", "headers": {"X-Note": "{{crlf}}", "X-Echo": "{{hdr}}"}}
]}}
EOF
scenario qa_login_capture 1 pr-qa -f "$T/qa.json" --junit "$T/qa.xml"
check qa_captured_session_used [ "$(jq -r '[.checks[].result] | join(",")' "$T/qa_login_capture.gha.out")" = pass,pass,pass,pass,fail,fail,fail,fail ]
check qa_captured_crlf_never_sent [ "$(curl -s "$APP/injected" | jq .count)" = 0 ]
check qa_junit_written [ -s "$T/qa.xml" ]
check qa_canary_not_in_junit absent "$T/qa.xml"

# --- pr-snapshot upload: AZURE_STORAGE_ACCOUNT_KEY, with Azurite ----------
AZURITE=$PR_ROOT/build/azurite/node_modules/.bin/azurite-blob
if [ -x "$AZURITE" ] && command -v node >/dev/null 2>&1; then
	port=$(pg_free_port)
	(cd "$T" && AZURITE_ACCOUNTS="canaryacct:$KEY_CANARY" exec "$AZURITE" --blobHost 127.0.0.1 \
		--blobPort "$port" --inMemoryPersistence --silent --disableTelemetry >"$T/azurite.log" 2>&1) &
	track $!
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$port/" || [ $i -ge 100 ]; do sleep 0.2; i=$((i + 1)); done
	export AZURE_STORAGE_ACCOUNT=canaryacct AZURE_STORAGE_ACCOUNT_KEY=$KEY_CANARY \
		AZURE_STORAGE_BLOB_ENDPOINT=http://127.0.0.1:$port/canaryacct
	IN=$T/repo
	scenario snapshot_storage_key 0 sh -c 'exec pr-snapshot --tag "up-$(date +%s%N)" -a "$1"' sh "$T/up.tar.gz"
	unset IN
	check snapshot_storage_key_upload_done [ "$(jq -r .upload.container "$T/snapshot_storage_key.gha.out")" = pr-snapshots ]
	check snapshot_storage_key_masked_in_github_actions masked "$T/snapshot_storage_key.gha.err"
	unset AZURE_STORAGE_ACCOUNT AZURE_STORAGE_ACCOUNT_KEY AZURE_STORAGE_BLOB_ENDPOINT
else
	echo "# skip: Azurite is not installed under build/azurite: AZURE_STORAGE_ACCOUNT_KEY not checked"
fi

# --- pr-snapshot upload: an Entra ID token and a SAS (arm.py's blob endpoint)
start_arm --token "$CANARY" --client-id app-123 --client-secret "$CANARY" --tenant contoso.onmicrosoft.com \
	--blob-sas-sig "$CANARY"
IN=$T/repo
scenario snapshot_storage_bearer 0 env AZURE_STORAGE_ACCOUNT=acct AZURE_STORAGE_BLOB_ENDPOINT=$AZURE_ARM_ENDPOINT/blob/acct \
	AZURE_CLIENT_ID=app-123 AZURE_CLIENT_SECRET=$CANARY AZURE_TENANT_ID=contoso.onmicrosoft.com \
	AZURE_AUTHORITY_HOST=$AZURE_ARM_ENDPOINT sh -c 'exec pr-snapshot --tag "bearer-$(date +%s%N)" -a "$1"' sh "$T/b.tar.gz"
check snapshot_storage_bearer_upload_done [ "$(jq -r .upload.credential "$T/snapshot_storage_bearer.gha.out")" = client-secret ]
scenario snapshot_storage_sas 0 env AZURE_STORAGE_ACCOUNT=acct AZURE_STORAGE_BLOB_ENDPOINT=$AZURE_ARM_ENDPOINT/blob/acct \
	AZURE_STORAGE_SAS_TOKEN="sv=2021-12-02&sr=c&sp=cw&sig=$CANARY" \
	sh -c 'exec pr-snapshot --tag "sas-$(date +%s%N)" -a "$1"' sh "$T/s.tar.gz"
check snapshot_storage_sas_upload_done [ "$(jq -r .upload.credential "$T/snapshot_storage_sas.gha.out")" = sas ]
check snapshot_storage_sas_masked_in_github_actions masked "$T/snapshot_storage_sas.gha.err"
unset IN AZURE_ARM_ENDPOINT

# --- the argv of every child process ------------------------------------
for tool in pg_dump pg_restore git az; do
	check "wrapper_recorded_${tool}_calls" grep -q "^$tool " "$T/rec/argv.log"
done
check canary_not_in_any_child_argv absent "$T/rec/argv.log"
check canary_not_in_any_child_proc_cmdline absent "$T/rec/cmdline.log"
