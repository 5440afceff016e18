#!/bin/sh
# examples_index_phase.sh: ci-examples/index-phase.yml's database steps run
# against a real PostgreSQL: the snapshot, the migration
# (infra/migrations/create_indexes.sql, through psql as the workflow does),
# the checks of config/qa-indexes.json, and the rollback
# (infra/rollback/drop_indexes.sql through pr-rollback --sql).
. "$(dirname "$0")/lib.sh"
. "$FIX/pg.sh"

EX=$PR_ROOT/ci-examples
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
git init -q "$T/repo" && cd "$T/repo" || exit 1
echo v1 >app.txt && git add app.txt && git commit -q -m v1
pg_start || exit 1
export DATABASE_URL="$PG_URL"
pg_sql "CREATE TABLE tasks (id int PRIMARY KEY, user_id int, status text, created_at timestamptz DEFAULT now());
INSERT INTO tasks SELECT g, g % 50, CASE WHEN g % 3 = 0 THEN 'open' ELSE 'done' END FROM generate_series(1, 2000) g;"
# The script goes in on stdin: psql runs as postgres, who may not be able
# to read a checkout under a private directory.
migrate() { _pg_as psql -q -h "$PG_DIR" -p "$PG_PORT" -U postgres -d app -v ON_ERROR_STOP=1 <"$EX/infra/migrations/create_indexes.sql"; }
names() { pg_sql "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'tasks'"; }
results() { jq -r '[.checks[].result] | join(",")' "$T/out"; }

expect_exit 0 phase_snapshot_exits_0 pr-snapshot --tag pre-indexes -a "$T/snap.tar.gz"
cp "$T/out" snapshot.json
expect_exit 1 phase_checks_fail_before_migration pr-qa -f "$EX/config/qa-indexes.json"
check phase_only_existence_fails_before [ "$(results)" = fail,pass,pass,pass,pass ]
check phase_migration_runs migrate
check phase_indexes_created [ "$(names)" = tasks_pkey,tasks_status_idx,tasks_user_created_idx ]
expect_exit 0 phase_checks_pass_after_migration pr-qa -f "$EX/config/qa-indexes.json"
check phase_checks_fit_schema validate qa "$T/out"
expect_exit 0 phase_rollback_dry_run pr-rollback --sql "$EX/infra/rollback/drop_indexes.sql" --dry-run
check phase_rollback_dry_run_changes_nothing [ "$(names)" = tasks_pkey,tasks_status_idx,tasks_user_created_idx ]
expect_exit 0 phase_rollback_exits_0 pr-rollback --sql "$EX/infra/rollback/drop_indexes.sql"
check phase_rollback_ran_statements_alone [ "$(jq -r '[.steps[] | select(.name == "sql") | .statements[] | "\(.transaction) \(.status)"] | unique | join(",")' "$T/out")" = "false done" ]
check phase_rollback_dropped_indexes [ "$(names)" = tasks_pkey ]
expect_exit 1 phase_checks_after_rollback pr-qa -f "$EX/config/qa-indexes.json"
check phase_before_state_restored [ "$(results)" = fail,pass,pass,pass,pass ]
expect_exit 0 phase_rollback_twice_harmless pr-rollback --sql "$EX/infra/rollback/drop_indexes.sql"
