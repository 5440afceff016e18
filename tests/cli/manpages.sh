#!/bin/sh
# manpages.sh: every program answers --help and --version, has a man page
# that mandoc finds clean, and the page documents exactly the long options
# that --help lists.  Every page's quotes read right once rendered (mandoc
# -Tlint does not see a Qq that encloses the rest of its line).
. "$(dirname "$0")/lib.sh"

# Long options in a page's text before EXAMPLES (where other programs'
# options may appear), from .Fl macros.
page_options() {
	sed '/^\.Sh EXAMPLES/,$d' "$1" |
		grep -oE 'Fl -[a-z][a-z0-9-]*' | sed 's/^Fl /-/' | sort -u
}

help_options() {
	grep -oE '(^|[^a-z0-9-])--[a-z][a-z0-9-]*' "$1" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

for prog in "$PR_BIN"/pr-*; do
	name=${prog##*/}
	page=$PR_ROOT/man/$name.1

	expect_exit 0 "${name}_help_exits_0" "$prog" --help
	cp "$T/out" "$T/help"
	check "${name}_help_on_stdout" test -s "$T/help"
	check "${name}_help_prints_no_doubled_percent" sh -c "! grep -q %% \"\$1\"" sh "$T/help"
	run "$prog" --version
	check "${name}_version_names_program" grep -qE "^$name [0-9]+\.[0-9]+\.[0-9]+" "$T/out"
	expect_exit 2 "${name}_unknown_option_is_usage_error" "$prog" --no-such-option
	check "${name}_usage_error_is_one_line" one_line "$T/err"

	if [ ! -f "$page" ]; then
		fail "${name}_has_man_page" "$page missing"
		continue
	fi
	pass "${name}_has_man_page"
	if [ -z "$(mandoc -Tlint -Wwarning "$page" 2>&1)" ]; then
		pass "${name}_man_page_lint_clean"
	else
		fail "${name}_man_page_lint_clean" "$(mandoc -Tlint -Wwarning "$page" 2>&1 | head -3)"
	fi
	for s in EXIT\ STATUS EXAMPLES; do
		check "${name}_man_page_has_$(echo "$s" | tr ' ' _)" grep -q "^\.Sh $s" "$page"
	done
	page_options "$page" >"$T/page.opts"
	help_options "$T/help" >"$T/help.opts"
	if diff "$T/help.opts" "$T/page.opts" >"$T/diff"; then
		pass "${name}_man_page_matches_help"
	else
		fail "${name}_man_page_matches_help" "$(grep '^[<>]' "$T/diff" | tr '\n' ' ' | sed 's/</help only:/g; s/>/page only:/g')"
	fi
done

for page in "$PR_ROOT"/man/*.[57]; do
	name=${page##*/}
	if [ -z "$(mandoc -Tlint -Wwarning "$page" 2>&1)" ]; then
		pass "${name}_lint_clean"
	else
		fail "${name}_lint_clean" "$(mandoc -Tlint -Wwarning "$page" 2>&1 | head -3)"
	fi
done

# Rendered with mandoc -Tutf8, no page shows doubled, stray or unclosed
# quotes (tests/fixtures/check_quotes.py says where).
for page in "$PR_ROOT"/man/*.[157]; do
	name=${page##*/}
	if $PY "$FIX/check_quotes.py" "$page" >"$T/quotes" 2>&1; then
		pass "${name}_quotes_read_right"
	else
		fail "${name}_quotes_read_right" "$(wc -l <"$T/quotes") problems: $(head -3 "$T/quotes" | tr '\n' ' ')"
	fi
done
