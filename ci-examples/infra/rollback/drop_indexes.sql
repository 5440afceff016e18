-- Roll the index phase back: pr-rollback --sql infra/rollback/drop_indexes.sql
-- runs each DROP INDEX CONCURRENTLY alone (no transaction block may hold
-- one); IF EXISTS makes a second run, or a half-done migration, harmless.
DROP INDEX CONCURRENTLY IF EXISTS tasks_user_created_idx;
DROP INDEX CONCURRENTLY IF EXISTS tasks_status_idx;
