#!/bin/sh
# snapshot_indexes.sh: index facts against a real PostgreSQL.  pr-snapshot
# records every index and its validity (and warns of an invalid one, left
# by a failed CREATE INDEX CONCURRENTLY); pr-qa's "indexes_still_valid"
# check fails when an index valid in the snapshot is missing or invalid, and
# passes again once pr-rollback --sql has put it back.
. "$(dirname "$0")/lib.sh"
. "$FIX/pg.sh"

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
git init -q "$T/repo" && cd "$T/repo" || exit 1
echo v1 >app.txt && git add app.txt && git commit -q -m v1

pg_start || exit 1
export DATABASE_URL="$PG_URL"
pg_sql "CREATE TABLE items (id int PRIMARY KEY, code text, name text);
INSERT INTO items SELECT g, 'c' || g, 'n' || (g % 7) FROM generate_series(1, 100) g;
CREATE UNIQUE INDEX items_code_uniq ON items (code);"
# A unique index built concurrently over duplicate names fails, and stays, invalid.
pg_sql "CREATE UNIQUE INDEX CONCURRENTLY items_name_uniq ON items (name)" 2>/dev/null
check idx_fixture_index_left_invalid [ "$(pg_sql "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_name_uniq'::regclass")" = f ]

idx() { jq -c --arg n "$2" '.database.indexes[] | select(.name == $n) | [.schema, .table, .valid, .unique]' "$1"; }

# --- the snapshot records the indexes --------------------------------------
expect_exit 0 idx_snapshot_exits_0 pr-snapshot -a "$T/snap.tar.gz"
cp "$T/out" "$T/snap.json"
check idx_snapshot_fits_schema validate snapshot "$T/snap.json"
check idx_snapshot_lists_every_index [ "$(jq -r '[.database.indexes[].name] | join(",")' "$T/snap.json")" = items_code_uniq,items_name_uniq,items_pkey ]
check idx_snapshot_valid_index [ "$(idx "$T/snap.json" items_code_uniq)" = '["public","items",true,true]' ]
check idx_snapshot_reports_invalid_index [ "$(idx "$T/snap.json" items_name_uniq)" = '["public","items",false,true]' ]
check idx_snapshot_warns_of_invalid_index grep -q 'warning: index public.items_name_uniq on items is invalid' "$T/err"
mkdir "$T/x" && tar -xzf "$T/snap.tar.gz" -C "$T/x"
check idx_inner_manifest_has_indexes [ "$(jq -c .database.indexes "$T/x/manifest.json")" = "$(jq -c .database.indexes "$T/snap.json")" ]

cat >"$T/qa.json" <<EOF2
{"qa": {"checks": [{"name": "indexes still valid", "indexes_still_valid": "$T/snap.json"}]}}
EOF2
res() { jq -r '.checks[0].failures | join("; ")' "$T/out"; }

# --- pr-qa: every index valid before is still valid -----------------------
expect_exit 0 idx_check_passes_when_unchanged pr-qa -f "$T/qa.json"
check idx_check_fits_schema validate qa "$T/out"

# A migration drops the unique index and builds it again concurrently,
# over a duplicate that slipped in: it is left invalid.
pg_sql "DROP INDEX items_code_uniq; INSERT INTO items VALUES (101, 'c1', 'x');"
expect_exit 1 idx_check_fails_when_missing pr-qa -f "$T/qa.json"
check idx_check_names_missing_index [ "$(res)" = "index public.items_code_uniq: valid in $T/snap.json, now missing" ]
pg_sql "CREATE UNIQUE INDEX CONCURRENTLY items_code_uniq ON items (code)" 2>/dev/null
expect_exit 1 idx_check_fails_when_invalid pr-qa -f "$T/qa.json"
check idx_check_names_invalid_index [ "$(res)" = "index public.items_code_uniq: valid in $T/snap.json, now invalid" ]

# --- the rollback, verified against the snapshot ---------------------------
cat >"$T/fix.sql" <<'EOF2'
DROP INDEX CONCURRENTLY IF EXISTS items_code_uniq;
DELETE FROM items WHERE id = 101;
CREATE UNIQUE INDEX CONCURRENTLY items_code_uniq ON items (code);
EOF2
expect_exit 0 idx_rollback_script_exits_0 pr-rollback --sql "$T/fix.sql"
expect_exit 0 idx_check_passes_after_rollback pr-qa -f "$T/qa.json"

# --- bad snapshots ---------------------------------------------------------
jq 'del(.database.indexes)' "$T/snap.json" >"$T/old.json"
sed "s|$T/snap.json|$T/old.json|" "$T/qa.json" >"$T/qa-old.json"
expect_exit 3 idx_snapshot_without_indexes_exits_3 pr-qa -f "$T/qa-old.json"
check idx_snapshot_without_indexes_says_so grep -q 'the snapshot recorded no indexes' "$T/err"
sed "s|$T/snap.json|$T/none.json|" "$T/qa.json" >"$T/qa-none.json"
expect_exit 3 idx_missing_snapshot_exits_3 pr-qa -f "$T/qa-none.json"
