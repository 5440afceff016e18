#!/bin/sh
# bench-precision.sh: pr-bench --precision against a local server whose
# latency is lognormal (median 5 ms, sigma 0.25): sampling stops once the
# 95 % interval of the median (and of p95 when asked) is within the target,
# -n is the least it takes, --max-samples and --max-time stop it short (the
# document says so), and bad settings are refused.  About 15 s.
. "$(dirname "$0")/lib.sh"

start_httpd
NOISY="$HTTPD/noisy?median_ms=5&sigma=0.25"
jtrue() { [ "$(jq -r "$1" "$2")" = true ]; }

# --- the precision stop -------------------------------------------------------
run pr-bench --precision 2% -w 2 home="$NOISY"
cp "$T/out" "$T/p2.json"
check "precision_run_exits_0" [ "$rc" -eq 0 ]
check "precision_run_validates" validate bench "$T/p2.json"
check "precision_stops_when_the_median_interval_is_within_2pct" jtrue '
	.metrics.home.precision | .reached and .stopped_by == "precision" and .p50 <= 0.02 and .p50 > 0.015
	and .target == 0.02 and .confidence == 0.95 and .p95 == null' "$T/p2.json"
# The interval of the median of n lognormal values is about
# +-1.96 * sqrt(pi/2) * sigma_eff / sqrt(n) wide; the client adds about a
# millisecond of constant overhead, so a few hundred to a few thousand.
check "precision_takes_a_plausible_number_of_samples" \
	jtrue '.metrics.home.summary.n >= 200 and .metrics.home.summary.n <= 3000 and (.metrics.home.samples | length) == .metrics.home.summary.n' "$T/p2.json"
check "precision_settings_are_recorded" jtrue '.settings | .precision == 0.02 and .precision_quantiles == [50]
	and .max_samples == 10000 and .max_time_s == 300' "$T/p2.json"
check "precision_reached_is_noted_on_stderr" grep -q "home: p50 +-[0-9.]*% after [0-9]* samples" "$T/err"
echo "# --precision 2%, lognormal sigma 0.25: $(jget "$T/p2.json" .metrics.home.summary.n) samples, p50 +-$(jget "$T/p2.json" '.metrics.home.precision.p50 * 100')%"

# Asking for p95 as well takes more samples than the median alone.
run pr-bench --precision 5% -w 0 home="$NOISY"
cp "$T/out" "$T/p5.json"
run pr-bench --precision 5% --precision-quantiles 50,95 --max-time 20s -w 0 home="$NOISY"
cp "$T/out" "$T/p5both.json"
check "p95_precision_is_reached_too" jtrue '.metrics.home.precision | .reached and .p50 <= 0.05 and .p95 <= 0.05 and .p95 > 0' "$T/p5both.json"
check "p95_takes_more_samples_than_the_median" \
	[ "$(jget "$T/p5both.json" .metrics.home.summary.n)" -gt "$(jget "$T/p5.json" .metrics.home.summary.n)" ]
echo "# --precision 5%: p50 only $(jget "$T/p5.json" .metrics.home.summary.n) samples, p50 and p95 $(jget "$T/p5both.json" .metrics.home.summary.n)"

# -n is the least number of samples, even when the target is met sooner.
run pr-bench --precision 50% -n 40 -w 0 home="$NOISY"
check "n_is_the_minimum_with_precision" jtrue '.metrics.home.summary.n == 40 and .metrics.home.precision.stopped_by == "precision"' "$T/out"

# --- the bounds -------------------------------------------------------------------
run pr-bench --precision 0.5% --max-samples 150 -w 0 home="$NOISY"
check "max_samples_stops_it_short" jtrue '.metrics.home.summary.n == 150 and
	(.metrics.home.precision | .reached == false and .stopped_by == "max_samples" and .p50 > 0.005)' "$T/out"
check "max_samples_exits_0_with_one_warning" sh -c "[ $rc -eq 0 ] && [ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'stopped by --max-samples after 150 requests' '$T/err'"

start=$(date +%s%N)
run pr-bench --precision 0.5% --max-time 1s -w 0 home="$NOISY"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "max_time_stops_it_short" jtrue '.metrics.home.summary.n >= 30 and .metrics.home.summary.n < 400 and
	(.metrics.home.precision | .reached == false and .stopped_by == "max_time")' "$T/out"
check "max_time_bounds_the_run" [ "$ms" -lt 3000 ]
check "max_time_is_warned" grep -q 'stopped by --max-time' "$T/err"

# Requests that fail count toward --max-samples, so a dead metric ends.
run pr-bench --precision 2% --max-samples 5 -w 0 dead="$HTTPD/status/503"
check "failing_metric_stops_at_max_samples" \
	jtrue '.metrics.dead.errors.total == 5 and .metrics.dead.precision.p50 == null and .metrics.dead.precision.stopped_by == "max_samples"' "$T/out"

# --- from the config; flags win ---------------------------------------------------
cat >"$T/pr-tools.json" <<JSON
{"bench": {"warmup": 0, "precision": "10%", "precision_quantiles": [50, 95], "max_samples": 3000, "max_time": "30s",
  "metrics": [{"id": "home", "url": "$NOISY"}]}}
JSON
run pr-bench -f "$T/pr-tools.json"
check "config_precision_applies" jtrue '.settings | .precision == 0.1 and .precision_quantiles == [50, 95] and .max_samples == 3000 and .max_time_s == 30' "$T/out"
cp "$T/out" "$T/cfg.json"; check "config_precision_stops_sampling" jtrue '.metrics.home.precision | .reached and .p95 <= 0.1' "$T/out"
run pr-bench -f "$T/pr-tools.json" --precision 20% --precision-quantiles 50
check "precision_flags_override_the_config" jtrue '.settings | .precision == 0.2 and .precision_quantiles == [50] and .max_samples == 3000' "$T/out"

# --- refusals ------------------------------------------------------------------------
for bad in 0 0% 100% 1 150% -2% abc 2%%; do
	expect_exit 2 "precision_refuses_$bad" pr-bench --precision "$bad" home="$NOISY"
done
check "precision_error_is_one_line" one_line "$T/err"
expect_exit 2 "precision_quantiles_refuses_99" pr-bench --precision 2% --precision-quantiles 50,99 home="$NOISY"
expect_exit 2 "precision_quantiles_refuses_an_empty_item" pr-bench --precision 2% --precision-quantiles 50, home="$NOISY"
expect_exit 2 "max_samples_without_precision_is_a_usage_error" pr-bench --max-samples 10 home="$NOISY"
expect_exit 2 "precision_with_load_is_a_usage_error" pr-bench --load --precision 2% home="$NOISY"
expect_exit 2 "max_time_with_load_is_a_usage_error" pr-bench --load --precision 2% --max-time 1s home="$NOISY"
# A config's precision is for its sample runs: --load leaves it unused.
run pr-bench -f "$T/pr-tools.json" --load -C 1 -d 0.3
check "load_ignores_the_configs_precision" \
	sh -c "[ $rc -eq 0 ] && jq -e '(.settings | has(\"precision\") | not) and (.metrics.home | has(\"precision\") | not)' '$T/out' >/dev/null"
echo '{"bench": {"precision": "200%"}}' >"$T/bad1.json"
expect_exit 3 "config_precision_out_of_range_is_bad_input" pr-bench -f "$T/bad1.json" home="$NOISY"
check "config_precision_error_names_the_field" grep -q 'bench.precision' "$T/err"
echo '{"bench": {"precision": 0.02, "precision_quantiles": [99]}}' >"$T/bad2.json"
expect_exit 3 "config_precision_quantiles_refuses_99" pr-bench -f "$T/bad2.json" home="$NOISY"
echo '{"bench": {"precision": 0.02, "max_time": 0}}' >"$T/bad3.json"
expect_exit 3 "config_max_time_of_0_is_bad_input" pr-bench -f "$T/bad3.json" home="$NOISY"
