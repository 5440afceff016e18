#!/bin/sh
# Platform settings round trip: pr-snapshot records them from the ARM fixture
# (tests/fixtures/arm.py), they change, pr-rollback --restore-platform puts
# them back.  Also the partial case: git done, platform failed -> exit 5.
. "$(dirname "$0")/lib.sh"

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
step() { jq -r --arg n "$2" '.steps[] | select(.name == $n) | .status' "$1"; }

cat >"$T/seed.json" <<'EOS'
{"web_apps": [{"subscription": "sub1", "resource_group": "rg1", "name": "shop-web", "always_on": false}],
 "container_apps": [{"subscription": "sub1", "resource_group": "rg1", "name": "shop-api",
                     "min_replicas": 0, "max_replicas": 5,
                     "containers": [{"name": "api", "cpu": 0.5, "memory": "1Gi"}]}]}
EOS
. "$FIX/arm.sh"
start_arm --state "$T/seed.json" --lro-polls 1
export AZURE_ACCESS_TOKEN=test-token PR_RETRY_BASE_MS=50
cat >"$T/cfg.json" <<'EOC'
{"platform": {"azure": {"subscription": "sub1", "resource_group": "rg1",
  "web_apps": [{"name": "shop-web"}], "container_apps": [{"name": "shop-api"}]}}}
EOC

git init -q "$T/repo" && cd "$T/repo" || exit 1
echo v1 >app.txt && git add app.txt && git commit -q -m v1
# shellcheck disable=SC2034 # read in the ok_if expression below
v1=$(git rev-parse HEAD)

run pr-snapshot -f "$T/cfg.json" --tag before -a "$T/snap.tar.gz"
ok_if snapshot_records_platform '[ "$rc" -eq 0 ] && [ "$(jget "$T/out" ".platform.azure.web_apps[0].always_on")" = false ] && [ "$(jget "$T/out" ".platform.azure.container_apps[0].max_replicas")" = 5 ]'
cp "$T/out" "$T/snap.json"
check snapshot_platform_fits_schema validate snapshot "$T/snap.json"
mkdir "$T/x" && tar -xzf "$T/snap.tar.gz" -C "$T/x"
check snapshot_platform_json_member [ "$(jq -c . "$T/x/platform.json")" = "$(jq -c .platform "$T/snap.json")" ]

# The release changes the platform (as pr-apply-scale would) and the code.
curl -s -X PATCH -H 'Authorization: Bearer test-token' -H 'Content-Type: application/json' \
	-d '{"properties": {"alwaysOn": true}}' \
	"$ARM/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Web/sites/shop-web/config/web?api-version=2024-11-01" >/dev/null
ok_if platform_changed_by_release '[ "$(state | jq -r ".web_apps[0].always_on")" = true ]'
echo v2 >app.txt && git commit -q -am v2

run pr-rollback --dry-run --skip-deploy --restore-platform "$T/snap.json"
ok_if rollback_platform_dry_run_changes_nothing '[ "$rc" -eq 0 ] && [ "$(step "$T/out" platform)" = planned ] && [ "$(state | jq -r ".web_apps[0].always_on")" = true ]'
run pr-rollback --skip-deploy --restore-platform "$T/snap.json"
ok_if rollback_restores_platform '[ "$rc" -eq 0 ] && [ "$(step "$T/out" platform)" = done ] && [ "$(state | jq -r ".web_apps[0].always_on")" = false ]'
ok_if rollback_platform_and_git_done '[ "$(git rev-parse HEAD)" = "$v1" ] && [ "$(jget "$T/out" .verdict)" = done ]'
git checkout -q -

# ARM refuses the token: git was already done -> exit 5, the document says so.
AZURE_ACCESS_TOKEN=bad-token run pr-rollback -q --skip-deploy --restore-platform "$T/snap.json"
ok_if rollback_platform_failure_is_partial '[ "$rc" -eq 5 ] && [ "$(step "$T/out" git)" = done ] && [ "$(step "$T/out" platform)" = failed ] && [ "$(jget "$T/out" .verdict)" = partial ]'
check rollback_platform_partial_fits_schema validate rollback "$T/out"
ok_if rollback_platform_token_never_printed '! grep -qF bad-token "$T/out"'
