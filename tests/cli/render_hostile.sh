#!/bin/sh
# render_hostile.sh: pr-apply-scale against a Render API that misbehaves
# (tests/fixtures/render_hostile.py): error bodies that echo the API key or
# a value sent, a list whose cursor never advances, a redirect.  Each is a
# one-line error with exit 4 that shows no secret.
. "$(dirname "$0")/lib.sh"

KEY=rnd_hostileKEY4f2a VALUE=hostileVALUE9e1b
export RENDER_API_KEY=$KEY PR_RETRY_BASE_MS=5
cat >"$T/render.json" <<EOF
{"render": {"services": [{"id": "srv-hostile", "settings": {"FLAG": "$VALUE"}}]}}
EOF
leaks() { cat "$T/out" "$T/err" "$T/o.json" 2>/dev/null | grep -c -e "$KEY" -e "$VALUE"; }

# start_hostile MODE: a fresh fixture in MODE; RENDER_API_ENDPOINT points at it.
_n=0
start_hostile() {
	_n=$((_n + 1))
	$PY "$FIX/render_hostile.py" --mode "$1" --port-file "$T/port.$_n" >>"$T/fixture.log" 2>&1 &
	track $!
	wait_for_file "$T/port.$_n" || { echo "not ok render_hostile: fixture did not start"; exit 1; }
	HOSTILE=http://127.0.0.1:$(cat "$T/port.$_n")
	export RENDER_API_ENDPOINT=$HOSTILE/v1
}

start_hostile echo-key
expect_exit 4 error_echoing_the_key_is_external pr-apply-scale --platform "$T/render.json" -o "$T/o.json"
ok_if error_echoing_the_key_does_not_show_it '[ "$(leaks)" -eq 0 ] && grep -q "API key (secret) is not valid" "$T/err"'

start_hostile echo-value
expect_exit 4 error_echoing_a_value_is_external pr-apply-scale --platform "$T/render.json" -o "$T/o.json"
ok_if error_echoing_a_value_does_not_show_it '[ "$(leaks)" -eq 0 ] && grep -q "value (secret) is not allowed" "$T/err"'

start_hostile cursor-loop
expect_exit 4 cursor_that_never_advances_is_external timeout 20 pr-apply-scale -n --platform "$T/render.json"
check cursor_that_never_advances_is_named_at_once grep -q "page 2 gave the cursor it was asked with" "$T/err"

start_hostile redirect
expect_exit 4 redirect_is_external pr-apply-scale -n --platform "$T/render.json"
check redirect_is_not_followed_with_the_key \
	[ "$(curl -s "$HOSTILE/_fixture/elsewhere" | jq -c .)" = '{"hits":0,"with_auth":0}' ]
