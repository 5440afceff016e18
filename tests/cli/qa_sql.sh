#!/bin/sh
# qa_sql.sh: pr-qa's SQL checks against a real PostgreSQL: expectations on
# rows, columns, bounds and duration; a query that tries to write refused by
# the database (and nothing changed); a slow query stopped by the statement
# timeout; an index left invalid by a failed concurrent build; retries on
# connection failures only; config errors; the password nowhere.
. "$(dirname "$0")/lib.sh"
. "$FIX/pg.sh"

mkdir -p "$T/work" && cd "$T/work" || exit 1
pg_start || exit 1
pg_sql "CREATE TABLE items (id int PRIMARY KEY, name text);
INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 200) g;
CREATE INDEX items_name_idx ON items (name);"

result() { jq -r --arg n "$1" '.checks[] | select(.name == $n) | .result' "$T/out"; }
failures() { jq -r --arg n "$1" '.checks[] | select(.name == $n) | .failures | join("; ")' "$T/out"; }
pw_enc=$(printf %s "$PG_PASSWORD" | jq -sRr @uri)
no_password() { ! grep -rqF -e "$PG_PASSWORD" -e "$pw_enc" "$@"; }
export DATABASE_URL="$PG_URL"

# --- an index that exists, then does not ---------------------------------
cat >"$T/index.json" <<'EOF2'
{"qa": {"checks": [
 {"name": "index exists", "sql": "SELECT indexname FROM pg_indexes WHERE tablename = $1 AND indexname = $2",
  "params": ["items", "items_name_idx"], "expect": {"rows": 1}}
]}}
EOF2
expect_exit 0 sql_index_check_passes_when_index_exists pr-qa -f "$T/index.json" --junit "$T/index.xml"
check sql_document_fits_schema validate qa "$T/out"
check sql_request_is_method_sql [ "$(jget "$T/out" '.checks[0].request.method')" = SQL ]
check sql_request_shows_query [ "$(jget "$T/out" '.checks[0].request.sql')" = 'SELECT indexname FROM pg_indexes WHERE tablename = $1 AND indexname = $2' ]
check sql_request_url_has_no_password [ "$(jget "$T/out" '.checks[0].request.url')" = "postgres://127.0.0.1:$PG_PORT/app" ]
# Whole microseconds: latency_ms * 1000 is an integer, up to binary rounding.
ok_if sql_latency_is_query_duration_in_us '[ "$(jq ".checks[0].latency_ms > 0 and ((.checks[0].latency_ms * 1000) - (.checks[0].latency_ms * 1000 | round) | fabs) < 1e-6" "$T/out")" = true ]'
check sql_junit_has_the_check grep -q 'testcase name="index exists"' "$T/index.xml"
pg_sql "DROP INDEX items_name_idx"
expect_exit 1 sql_index_check_fails_exit_1_when_index_missing pr-qa -f "$T/index.json" --junit "$T/index.xml"
check sql_missing_index_failure_says_rows [ "$(failures 'index exists')" = 'rows: expected 1, got 0' ]
check sql_missing_index_junit_failure grep -q '<failure message="rows: expected 1, got 0"' "$T/index.xml"
pg_sql "CREATE INDEX items_name_idx ON items (name)"

# --- columns: equal, matching, within bounds; duration --------------------
cat >"$T/cols.json" <<'EOF2'
{"qa": {"checks": [
 {"name": "valid", "sql": "SELECT i.indisvalid AS valid, i.indisunique AS uniq, c.relname AS name, 2 AS two FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'items_name_idx'",
  "expect": {"rows": 1, "columns": {"valid": true, "uniq": false, "name": {"matches": "^items_[a-z]+_idx$"}, "two": 2}}},
 {"name": "pool", "sql": "SELECT count(*) * 100.0 / current_setting('max_connections')::int AS pct, current_setting('max_connections') AS max FROM pg_stat_activity",
  "expect": {"between": {"pct": [0, 80]}, "columns": {"max": {"matches": "^[0-9]+$"}}}, "capture": {"max_conn": {"column": "max"}}},
 {"name": "uses capture", "sql": "SELECT $1::int > 0 AS positive", "params": ["{{max_conn}}"], "expect": {"columns": {"positive": true}, "max_duration_ms": 5000}},
 {"name": "nulls", "sql": "SELECT NULL::text AS nothing, 'x' AS something", "expect": {"columns": {"nothing": {"exists": false}, "something": {"exists": true}}}}
]}}
EOF2
expect_exit 0 sql_column_expectations_pass pr-qa -f "$T/cols.json"
check sql_capture_named_not_valued [ "$(jget "$T/out" '.checks[1].captured | join(",")')" = max_conn ]
cat >"$T/colsfail.json" <<'EOF2'
{"qa": {"checks": [
 {"name": "wrong value", "sql": "SELECT true AS valid, 'abc' AS name", "expect": {"columns": {"valid": false, "name": {"matches": "^x"}}}},
 {"name": "out of bounds", "sql": "SELECT 85 AS pct", "expect": {"between": {"pct": [0, 80]}}},
 {"name": "no column", "sql": "SELECT 1 AS a", "expect": {"columns": {"b": 1}}},
 {"name": "no row", "sql": "SELECT 1 AS a WHERE false", "expect": {"columns": {"a": 1}}},
 {"name": "too slow", "sql": "SELECT pg_sleep(0.05)", "expect": {"max_duration_ms": 1}}
]}}
EOF2
expect_exit 1 sql_failed_expectations_exit_1 pr-qa -f "$T/colsfail.json"
check sql_wrong_value_named [ "$(failures 'wrong value')" = 'column valid: expected false, got true; column name: "abc" does not match /^x/' ]
check sql_out_of_bounds_named [ "$(failures 'out of bounds')" = 'column pct: 85 is outside [0, 80]' ]
check sql_missing_column_named [ "$(failures 'no column')" = 'column b: not in the result' ]
check sql_no_row_named [ "$(failures 'no row')" = 'column a: no row' ]
ok_if sql_duration_limit_applies 'failures "too slow" | grep -q "^duration: .* ms is over the 1 ms limit$"'

# --- a query that tries to write is refused by the database ---------------
cat >"$T/write.json" <<'EOF2'
{"qa": {"checks": [
 {"name": "delete", "sql": "DELETE FROM items"},
 {"name": "cte", "sql": "WITH gone AS (DELETE FROM items RETURNING id) SELECT count(*) FROM gone"},
 {"name": "escape", "sql": "COMMIT; DELETE FROM items"},
 {"name": "read write", "sql": "SELECT set_config('transaction_read_only', 'off', true), (SELECT count(*) FROM items)"},
 {"name": "ddl", "sql": "CREATE TABLE sneaky (id int)"}
]}}
EOF2
expect_exit 1 sql_writing_queries_exit_1 pr-qa -f "$T/write.json"
check sql_delete_refused_by_database [ "$(failures delete)" = 'query: refused by the database: checks run read-only (ERROR 25006: cannot execute DELETE in a read-only transaction)' ]
ok_if sql_writing_cte_refused 'failures cte | grep -q "ERROR 25006"'
ok_if sql_second_statement_refused 'failures escape | grep -q "cannot insert multiple commands"'
ok_if sql_read_write_switch_refused '[ "$(result "read write")" = fail ]'
ok_if sql_ddl_refused 'failures ddl | grep -q "ERROR 25006"'
check sql_writes_changed_nothing [ "$(pg_sql 'SELECT count(*) FROM items')" = 200 ]
check sql_ddl_created_nothing [ "$(pg_sql "SELECT count(*) FROM pg_class WHERE relname = 'sneaky'")" = 0 ]

# --- a slow query is stopped by the statement timeout ---------------------
cat >"$T/slow.json" <<'EOF2'
{"qa": {"checks": [{"name": "slow", "sql": "SELECT pg_sleep(30)", "timeout": "300ms"}]}}
EOF2
start=$(date +%s)
expect_exit 1 sql_slow_query_exit_1 pr-qa -f "$T/slow.json"
took=$(( $(date +%s) - start ))
check sql_slow_query_stopped_by_statement_timeout [ "$(failures slow)" = 'query: stopped by the statement timeout (0.3 s)' ]
check sql_slow_query_result_error [ "$(result slow)" = error ]
check sql_slow_query_returns_quickly [ "$took" -lt 5 ]
check sql_slow_query_not_left_running [ "$(pg_sql "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'")" = 0 ]
check sql_slow_query_not_retried [ "$(jget "$T/out" '.checks[0].attempts')" = 1 ]

# --- an index left invalid by a failed concurrent build -------------------
pg_sql "INSERT INTO items VALUES (1001, 'dup'), (1002, 'dup')"
pg_sql "CREATE UNIQUE INDEX CONCURRENTLY items_name_uniq ON items (name)" 2>/dev/null
check sql_fixture_index_is_invalid [ "$(pg_sql "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_name_uniq'::regclass")" = f ]
cat >"$T/invalid.json" <<'EOF2'
{"qa": {"checks": [
 {"name": "no invalid index", "sql": "SELECT count(*) AS invalid, string_agg(c.relname, ', ') AS names FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid",
  "expect": {"columns": {"invalid": 0}}}
]}}
EOF2
expect_exit 1 sql_invalid_index_check_exits_1 pr-qa -f "$T/invalid.json"
check sql_invalid_index_check_says_count [ "$(failures 'no invalid index')" = 'column invalid: expected 0, got 1' ]
pg_sql "DROP INDEX items_name_uniq"
expect_exit 0 sql_invalid_index_check_passes_once_dropped pr-qa -f "$T/invalid.json"

# --- the database from the config; connection failures retried ------------
cat >"$T/cfgdb.json" <<EOF2
{"database": {"url": "$PG_URL"}, "qa": {"checks": [{"name": "one", "sql": "SELECT 1 AS one", "expect": {"columns": {"one": 1}}}]}}
EOF2
DATABASE_URL='' expect_exit 0 sql_database_url_from_config pr-qa -f "$T/cfgdb.json"
dead=$(pg_free_port)
DATABASE_URL="postgres://$PG_USER:$pw_enc@127.0.0.1:$dead/app" expect_exit 4 sql_unreachable_database_exits_4 pr-qa -f "$T/index.json" --retries 2
check sql_connection_failure_retried [ "$(jget "$T/out" '.checks[0].attempts')" = 3 ]
check sql_unreachable_one_line_error one_line "$T/err"
DATABASE_URL="postgres://$PG_USER:wrong-$pw_enc@127.0.0.1:$PG_PORT/app" expect_exit 4 sql_bad_password_exits_4 pr-qa -f "$T/index.json" --retries 0
ok_if sql_bad_password_says_authentication 'failures "index exists" | grep -q "password authentication failed"'
check sql_bad_password_not_shown no_password "$T/out" "$T/err"
ok_if sql_wrong_password_not_shown '! grep -qF "wrong-" "$T/out" "$T/err"'

# --- config errors ----------------------------------------------------------
cfgerr() {
	printf '{"qa": {"checks": [%s]}}\n' "$2" >"$T/bad.json"
	expect_exit 3 "sql_config_$1_exits_3" pr-qa -f "$T/bad.json"
	check "sql_config_$1_one_line" one_line "$T/err"
	ok_if "sql_config_$1_says" "grep -qF -- '$3' '$T/err'"
}
cfgerr empty_sql '{"name": "a", "sql": ""}' 'qa.checks[0].sql: empty'
cfgerr bad_regex '{"name": "a", "sql": "SELECT 1 AS a", "expect": {"columns": {"a": {"matches": "("}}}}' 'qa.checks[0].expect.columns.a.matches: not a regular expression'
cfgerr bad_between '{"name": "a", "sql": "SELECT 1 AS a", "expect": {"between": {"a": [5]}}}' 'qa.checks[0].expect.between.a: expected [LOW, HIGH]'
cfgerr reversed_between '{"name": "a", "sql": "SELECT 1 AS a", "expect": {"between": {"a": [5, 1]}}}' 'the low bound 5 is above the high bound 1'
cfgerr http_expect '{"name": "a", "sql": "SELECT 1", "expect": {"status": 200}}' 'qa.checks[0].expect.status: unknown field'
cfgerr json_capture '{"name": "a", "sql": "SELECT 1", "capture": {"x": {"json": "a"}}}' 'expected {"column": NAME}'
cfgerr url_and_sql '{"name": "a", "sql": "SELECT 1", "url": "http://x/"}' 'qa.checks[0].url: unknown field'
cfgerr unknown_capture '{"name": "a", "sql": "SELECT $1", "params": ["{{nope}}"]}' 'qa.checks[0].params[0]: {{nope}} is not captured'
DATABASE_URL='' expect_exit 3 sql_without_database_exits_3 pr-qa -f "$T/index.json"
check sql_without_database_says_so grep -q 'runs SQL but there is no database' "$T/err"
DATABASE_URL=mysql://x expect_exit 3 sql_bad_database_url_exits_3 pr-qa -f "$T/index.json"
check sql_bad_database_url_one_line one_line "$T/err"
printf '{"qa": {"checks": [{"name": "h", "url": "http://127.0.0.1:1/"}]}}\n' >"$T/http.json"
DATABASE_URL=mysql://x expect_exit 4 sql_http_only_suite_ignores_database_url pr-qa -f "$T/http.json" --retries 0

# --- the password nowhere, also in GitHub Actions with a log --------------
rm -rf logs
GITHUB_ACTIONS=true GITHUB_OUTPUT=$T/gh.out GITHUB_STEP_SUMMARY=$T/gh.md QA_LOG=1 run pr-qa -f "$T/colsfail.json" --junit "$T/f.xml"
check sql_password_not_in_document no_password "$T/out"
check sql_password_not_in_log sh -c "ls logs/*.log >/dev/null && ! grep -qF -e '$PG_PASSWORD' -e '$pw_enc' logs/*.log"
check sql_password_not_in_junit no_password "$T/f.xml"
check sql_password_not_in_github_outputs no_password "$T/gh.out" "$T/gh.md"
ok_if sql_password_only_masked_on_stderr '! grep -F -e "$PG_PASSWORD" "$T/err" | grep -qv "^::add-mask::"'
