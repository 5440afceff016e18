#!/bin/sh
# rollback_sql.sh: pr-rollback --sql FILE against a real PostgreSQL: DROP
# INDEX CONCURRENTLY (which no transaction block may hold) run alone, the
# other statements in one transaction, a failed statement stopping the step
# with exit 5 and the document saying exactly what took effect, --dry-run
# changing nothing, bad scripts refused before anything runs.
. "$(dirname "$0")/lib.sh"
. "$FIX/pg.sh"

mkdir -p "$T/work" && cd "$T/work" || exit 1
pg_start || exit 1
export DATABASE_URL="$PG_URL"
indexes() { pg_sql "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'items'"; }
stmt() { jq -r --argjson i "$1" --arg f "$2" '.steps[] | select(.name == "sql") | .statements[$i][$f]' "$T/out"; }
sqlstep() { jq -r --arg f "$1" '.steps[] | select(.name == "sql") | .[$f]' "$T/out"; }
reset_db() {
	pg_sql "SET client_min_messages = warning; DROP TABLE IF EXISTS items, audit; CREATE TABLE items (id int PRIMARY KEY, name text);
	CREATE TABLE audit (note text);
	CREATE INDEX a_idx ON items (name); CREATE INDEX b_idx ON items (id, name); CREATE INDEX c_idx ON items (name, id);"
}
reset_db

# The statement cannot run in a transaction block: shown, so that the
# passing run below means pr-rollback ran it alone.
ok_if sql_fixture_concurrently_refused_in_transaction \
	'pg_sql "BEGIN; DROP INDEX CONCURRENTLY a_idx; COMMIT;" 2>&1 | grep -q "cannot run inside a transaction block"'

cat >"$T/drop.sql" <<'EOF2'
-- infra/rollback/drop_indexes.sql
DROP INDEX CONCURRENTLY IF EXISTS a_idx;
DROP INDEX CONCURRENTLY IF EXISTS b_idx;
INSERT INTO audit VALUES ('dropped; a_idx and b_idx');
EOF2

# --- --dry-run: the plan, nothing run -------------------------------------
expect_exit 0 sql_dry_run_exits_0 pr-rollback --sql "$T/drop.sql" --dry-run
check sql_dry_run_fits_schema validate rollback "$T/out"
check sql_dry_run_planned [ "$(sqlstep status)" = planned ]
check sql_dry_run_lists_statements [ "$(jq -c '[.steps[] | select(.name == "sql") | .statements[] | [.line, .transaction, .status]]' "$T/out")" = '[[2,false,"planned"],[3,false,"planned"],[4,true,"planned"]]' ]
check sql_dry_run_changes_nothing [ "$(indexes)" = a_idx,b_idx,c_idx,items_pkey ]
check sql_only_other_steps_skipped [ "$(jq -r '[.steps[] | select(.name != "sql") | .status] | unique | join(",")' "$T/out")" = skipped ]

# --- DROP INDEX CONCURRENTLY works ----------------------------------------
expect_exit 0 sql_drop_index_concurrently_exits_0 pr-rollback --sql "$T/drop.sql"
check sql_run_fits_schema validate rollback "$T/out"
check sql_indexes_dropped [ "$(indexes)" = c_idx,items_pkey ]
check sql_insert_committed [ "$(pg_sql 'SELECT note FROM audit')" = 'dropped; a_idx and b_idx' ]
check sql_every_statement_done [ "$(jq -r '[.steps[] | select(.name == "sql") | .statements[].status] | join(",")' "$T/out")" = done,done,done ]
check sql_step_done [ "$(sqlstep status)" = "done" ]
check sql_verdict_done [ "$(jget "$T/out" .verdict)" = "done" ]
expect_exit 0 sql_rerun_with_if_exists_is_harmless pr-rollback --sql "$T/drop.sql"

# --- the third statement fails --------------------------------------------
reset_db
cat >"$T/fail.sql" <<'EOF2'
DROP INDEX CONCURRENTLY a_idx;
DROP INDEX b_idx;
/* this one does not exist */
DROP INDEX no_such_idx;
DROP INDEX c_idx;
EOF2
expect_exit 5 sql_third_statement_fails_exits_5 pr-rollback --sql "$T/fail.sql"
check sql_partial_fits_schema validate rollback "$T/out"
check sql_partial_verdict [ "$(jget "$T/out" .verdict)" = partial ]
check sql_failed_step [ "$(sqlstep status)" = failed ]
check sql_error_names_line_and_statement grep -q 'fail.sql line 4: DROP INDEX no_such_idx: ERROR 42704: index "no_such_idx" does not exist' "$T/err"
check sql_error_one_line [ "$(grep -vc '^pr-rollback: running ' "$T/err")" = 1 ]
check sql_detail_names_line_and_statement sh -c "jq -r '.steps[5].detail' '$T/out' | grep -q 'line 4: DROP INDEX no_such_idx'"
check sql_statuses_exact [ "$(jq -c '[.steps[5].statements[] | [.line, .transaction, .status]]' "$T/out")" = '[[1,false,"done"],[2,true,"rolled_back"],[4,true,"failed"],[5,true,"not_run"]]' ]
check sql_failed_statement_error [ "$(stmt 2 error)" = 'ERROR 42704: index "no_such_idx" does not exist' ]
check sql_first_committed_second_rolled_back [ "$(indexes)" = b_idx,c_idx,items_pkey ]

# A failure in the first transaction: the statements before it undone.
reset_db
printf 'DROP INDEX a_idx;\nDROP INDEX b_idx;\nSELECT 1/0;\n' >"$T/div.sql"
expect_exit 5 sql_failed_transaction_exits_5 pr-rollback --sql "$T/div.sql"
check sql_failed_transaction_changes_nothing [ "$(indexes)" = a_idx,b_idx,c_idx,items_pkey ]
check sql_failed_transaction_statuses [ "$(jq -r '[.steps[5].statements[].status] | join(",")' "$T/out")" = rolled_back,rolled_back,failed ]

# --- refused before anything runs ----------------------------------------
printf 'DROP INDEX a_idx;\nSELECT $$open;\n' >"$T/open.sql"
expect_exit 3 sql_unterminated_quote_exits_3 pr-rollback --sql "$T/open.sql"
check sql_unterminated_quote_names_line grep -q 'open.sql: line 2: a dollar-quoted string that never ends' "$T/err"
printf 'BEGIN;\nDROP INDEX a_idx;\nCOMMIT;\n' >"$T/own.sql"
expect_exit 3 sql_own_transaction_refused pr-rollback --sql "$T/own.sql"
check sql_own_transaction_names_line grep -q 'own.sql: line 1: remove the script' "$T/err"
check sql_refused_changes_nothing [ "$(indexes)" = a_idx,b_idx,c_idx,items_pkey ]
printf -- '-- nothing\n' >"$T/empty.sql"
expect_exit 3 sql_empty_script_exits_3 pr-rollback --sql "$T/empty.sql"
expect_exit 3 sql_missing_script_exits_3 pr-rollback --sql "$T/nope.sql"
DATABASE_URL='' expect_exit 2 sql_without_database_exits_2 pr-rollback --sql "$T/drop.sql"
dead=$(pg_free_port)
DATABASE_URL="postgres://$PG_USER:x@127.0.0.1:$dead/app" expect_exit 4 sql_unreachable_database_exits_4 pr-rollback --sql "$T/drop.sql"
check sql_unreachable_nothing_run [ "$(jq -r '[.steps[5].statements[].status] | unique | join(",")' "$T/out")" = not_run ]

# --- the password nowhere ---------------------------------------------------
# shellcheck disable=SC2034 # read in the ok_if expression below
pw_enc=$(printf %s "$PG_PASSWORD" | jq -sRr @uri)
run pr-rollback --sql "$T/fail.sql"
ok_if sql_password_not_printed '! grep -qF -e "$PG_PASSWORD" -e "$pw_enc" "$T/out" "$T/err"'
