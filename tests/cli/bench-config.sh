#!/bin/sh
# bench-config.sh: pr-bench's "bench" section of pr-tools.json: metrics with
# methods, headers (secrets from the environment) and bodies, settings that
# flags override, and bad fields refused with exit 3 naming path and field.
. "$(dirname "$0")/lib.sh"

start_httpd
$PY "$FIX/timed_httpd.py" --port-file "$T/timed.port" >"$T/timed.log" 2>&1 &
track $!
wait_for_file "$T/timed.port" || { echo "not ok timed: fixture server did not start"; exit 1; }
TIMED=http://127.0.0.1:$(cat "$T/timed.port")

cat >"$T/pr-tools.json" <<JSON
{
  "bench": {
    "samples": 4,
    "warmup": 1,
    "timeout": "5s",
    "metrics": [
      {"id": "auth", "url": "\${TIMED}/auth", "headers": {"Cookie": "\${SESSION_COOKIE}"}, "measure": "ttfb"},
      {"id": "post", "url": "\${HTTPD}/echo?key=post", "method": "POST", "body": {"a": 1}},
      {"id": "cold", "url": "\${HTTPD}/ok", "cold_start": true}
    ]
  }
}
JSON
export TIMED HTTPD

SESSION_COOKIE=session=s3cret run pr-bench -f "$T/pr-tools.json"
cp "$T/out" "$T/cfg.json"
check config_metrics_measured_in_order [ "$(jget "$T/cfg.json" '.metrics|keys_unsorted|join(",")')" = auth,post ]
check config_header_from_environment_is_sent [ "$(jget "$T/cfg.json" '.metrics.auth.errors.total')" = 0 ]
check config_samples_and_warmup_apply [ "$(jget "$T/cfg.json" '[.settings.samples, .settings.warmup, .settings.timeout_s, (.metrics.post.samples|length)]|join(" ")')" = "4 1 5 4" ]
check config_measure_and_method_recorded [ "$(jget "$T/cfg.json" '[.metrics.auth.measure, .metrics.post.method]|join(" ")')" = "ttfb POST" ]
run curl -s "$HTTPD/count?key=post"
check config_post_sends_warmup_plus_samples [ "$(jq -r .count "$T/out")" = 5 ]
check config_document_validates validate bench "$T/cfg.json"

SESSION_COOKIE=session=wrong-s3cret-value run pr-bench -f "$T/pr-tools.json" -n 2 -w 0 auth
check flag_overrides_config_samples [ "$(jget "$T/out" '.settings.samples')" = 2 ]
check operand_id_selects_configured_metric [ "$(jget "$T/out" '.metrics|keys|join(",")')" = auth ]
check wrong_cookie_counts_status_errors [ "$(jget "$T/out" '.metrics.auth.errors.status')" = 2 ]
check cookie_value_never_printed sh -c "! grep -q 'wrong-s3cret' '$T/out' '$T/err'"

(cd "$T" && SESSION_COOKIE=session=s3cret pr-bench -n 1 -w 0 post >"$T/out" 2>"$T/err")
check default_config_is_dot_pr_tools_json [ "$(jget "$T/out" '.metrics|keys|join(",")')" = post ]

run pr-bench -f "$T/pr-tools.json" -n 1 -w 0 auth
check unset_variable_exits_3 [ "$rc" -eq 3 ]
check unset_variable_is_named grep -q 'SESSION_COOKIE' "$T/err"

SESSION_COOKIE=x run pr-bench -f "$T/pr-tools.json" -n 1 -w 0 nosuch
check unknown_operand_id_is_usage_error [ "$rc" -eq 2 ]

# Bad fields: exit 3, one line naming the file and the field.
bad() {
	name=$1 want=$2
	printf '%s\n' "$3" >"$T/bad.json"
	run pr-bench -f "$T/bad.json" -n 1 -w 0
	if [ "$rc" -eq 3 ] && one_line "$T/err" && grep -qF "bad.json: $want" "$T/err"; then
		pass "$name"
	else
		fail "$name" "exit $rc: $(cat "$T/err")"
	fi
}
bad unknown_metric_field_exits_3 'bench.metrics[0].mesure' '{"bench":{"metrics":[{"id":"a","url":"http://127.0.0.1:1/","mesure":"ttfb"}]}}'
bad unknown_bench_field_exits_3 'bench.sample' '{"bench":{"sample":3,"metrics":[]}}'
bad samples_of_wrong_type_exits_3 'bench.samples' '{"bench":{"samples":"x","metrics":[]}}'
bad negative_warmup_exits_3 'bench.warmup' '{"bench":{"warmup":-1,"metrics":[]}}'
bad missing_url_exits_3 'bench.metrics[0].url' '{"bench":{"metrics":[{"id":"a"}]}}'
bad bad_measure_exits_3 'bench.metrics[0].measure' '{"bench":{"metrics":[{"id":"a","url":"http://x/","measure":"fast"}]}}'
bad bad_id_exits_3 'bench.metrics[1].id' '{"bench":{"metrics":[{"id":"a","url":"http://x/"},{"id":"a b","url":"http://x/"}]}}'
bad duplicate_id_exits_3 'bench.metrics[1].id' '{"bench":{"metrics":[{"id":"a","url":"http://x/"},{"id":"a","url":"http://y/"}]}}'
bad headers_not_object_exits_3 'bench.metrics[0].headers' '{"bench":{"metrics":[{"id":"a","url":"http://x/","headers":["Cookie: x"]}]}}'
bad header_with_newline_exits_3 'bench.metrics[0].headers.X' '{"bench":{"metrics":[{"id":"a","url":"http://x/","headers":{"X":"a\r\nB: c"}}]}}'
bad header_name_with_colon_exits_3 'bench.metrics[0].headers: "A:B" is not a header name (letters, digits and' '{"bench":{"metrics":[{"id":"a","url":"http://x/","headers":{"A:B":"c"}}]}}'
bad timeout_past_a_week_exits_3 'bench.timeout: expected seconds or a duration such as "10s" or "500ms" (at most 168h)' '{"bench":{"timeout":"169h","metrics":[]}}'
bad expect_status_out_of_range_exits_3 'bench.metrics[0].expect_status' '{"bench":{"metrics":[{"id":"a","url":"http://x/","expect_status":99}]}}'
bad bad_timeout_exits_3 'bench.timeout' '{"bench":{"timeout":"soon","metrics":[]}}'
bad metrics_not_array_exits_3 'bench.metrics' '{"bench":{"metrics":{"a":"http://x/"}}}'
bad bench_not_object_exits_3 'bench' '{"bench":[]}'
run pr-bench -f "$T/none.json" -n 1
check missing_config_file_exits_3 [ "$rc" -eq 3 ]
printf '{"bench":' >"$T/trunc.json"
run pr-bench -f "$T/trunc.json" -n 1
check invalid_json_config_exits_3 [ "$rc" -eq 3 ]

# The runbook's example config, against the local server.
APP_URL=$HTTPD PROXY_URL=$HTTPD API_URL="$HTTPD/echo?" SESSION_COOKIE=session=s3cret \
	run pr-bench -f "$PR_ROOT/ci-examples/config/bench.json" -n 2 -w 0
check example_config_has_runbook_metrics [ "$(jget "$T/out" '.metrics|keys_unsorted|join(",")')" = ttfb_home,ttfb_proxy,latency_health,latency_voice_shared,latency_voice_context ]
check example_config_runs [ "$rc $(jget "$T/out" '.metrics.latency_voice_context.errors.total')" = "0 0" ]
APP_URL=$HTTPD PROXY_URL=$HTTPD API_URL="$HTTPD/echo?" SESSION_COOKIE=session=s3cret \
	run pr-bench -f "$PR_ROOT/ci-examples/config/bench.json" --cold-start
check example_config_cold_start_metric [ "$(jget "$T/out" '[.mode, (.metrics|keys|join(","))]|join(" ")')" = "cold_start cold_start_health_ms" ]
