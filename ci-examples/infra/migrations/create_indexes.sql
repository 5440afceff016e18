-- The index phase's migration.  Built CONCURRENTLY, so that writes go on
-- while the indexes build; psql runs each statement on its own (never with
-- --single-transaction: CREATE INDEX CONCURRENTLY cannot run in a
-- transaction block).  A build that fails leaves an invalid index, which
-- the pr-qa checks in config/qa-indexes.json catch.
CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_user_created_idx ON tasks (user_id, created_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_status_idx ON tasks (status);
