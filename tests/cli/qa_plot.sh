#!/bin/sh
# qa_plot.sh: pr-qa --watch --plot draws each metric rule's series (the
# document's "series", point for point) and its warn and crit levels, with
# pr-trend's SVG writer; a judgement without a value leaves a gap.
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 1
$PY "$FIX/prom_app.py" --port-file "$T/app.port" --error-after 2 --error-pct 50 >"$T/app.log" 2>&1 &
track $!
wait_for_file "$T/app.port" || { echo "not ok prom_app: fixture did not start"; exit 1; }
APP=http://127.0.0.1:$(cat "$T/app.port")
cat >"$T/pr-tools.json" <<JSON
{"qa": {"checks": [{"name": "work", "url": "$APP/work", "expect": {"status": [200, 500]}}],
  "watch": {"rules": [
    {"name": "5xx", "kind": "ratio", "metric": "http_requests_total{status=~\"5..\"}",
     "denominator": "http_requests_total", "warn": 0.05, "crit": 0.2, "min_requests": 1},
    {"name": "p95", "kind": "quantile", "metric": "http_request_duration_seconds_bucket",
     "warn": 0.5, "crit": 1, "min_requests": 1000000},
    {"name": "db", "kind": "gauge", "metric": "db_connections", "denominator": "db_pool_size",
     "warn": 0.8, "crit": 0.95}]}}}
JSON

run pr-qa -f "$T/pr-tools.json" --watch 5s --interval 0.5 --metrics "$APP/metrics" --plot "$T/watch.svg"
ok_if plot_watch_runs '[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]'
cp "$T/out" "$T/watch.json"
# The SVG, read back: one panel per rule, each path's points and gaps.
$PY - "$T/watch.svg" "$T/watch.json" >"$T/plot.txt" <<'PY'
import json, re, sys
import xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
doc = json.load(open(sys.argv[2]))
for g, rule in zip(root.findall("s:g", ns), doc["watch"]["rules"]):
    title = g.find("s:text", ns).text
    path = g.find("s:path", ns)
    d = path.get("d") if path is not None else ""
    drawn = len(re.findall(r"[ML]", d))
    runs = len(re.findall(r"M", d))
    values = [p["value"] for p in rule["series"]]
    want_runs = sum(1 for i, v in enumerate(values) if v is not None and (i == 0 or values[i - 1] is None))
    dashes = len([l for l in g.findall("s:line", ns) if l.get("stroke-dasharray")])
    print(rule["name"], title.split(":")[0], drawn == sum(v is not None for v in values), runs == want_runs,
          dashes, len(values) > 0)
print("panels", len(root.findall("s:g", ns)))
PY
check plot_is_svg_with_one_panel_per_rule grep -qx "panels 3" "$T/plot.txt"
check plot_draws_every_point_of_each_series_with_gaps grep -qx "5xx 5xx True True 2 True" "$T/plot.txt"
check plot_rule_without_values_draws_only_its_levels grep -qx "p95 p95 True True 2 True" "$T/plot.txt"
check plot_gauge_series_drawn grep -qx "db db True True 2 True" "$T/plot.txt"
check plot_marks_the_critical_rule_red sh -c "jq -e '.watch.rules[0].level == \"critical\"' '$T/watch.json' >/dev/null &&
	grep -q 'class=\"bad\">5xx: worst critical' '$T/watch.svg'"

# --plot is for a watch with metric rules.
expect_exit 2 plot_without_watch_exits_2 pr-qa -f "$T/pr-tools.json" --plot "$T/x.svg"
check plot_without_watch_says_why grep -q -- "--plot draws a watch's metric rules: give --watch DURATION" "$T/err"
expect_exit 3 plot_without_rules_exits_3 pr-qa --check work="$APP/work" --watch 1s --plot "$T/x.svg"
check plot_without_rules_is_one_line one_line "$T/err"
check plot_refused_leaves_no_file [ ! -e "$T/x.svg" ]
