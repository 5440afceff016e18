#!/bin/sh
# lint.sh: scripts/lint.sh, what `make lint` runs.  A scratch tree with one
# planted violation of each kind gets each reported, as FILE:LINE: and with
# exit 1; the same tree without them passes; and the real tree passes
# `make lint`.
. "$(dirname "$0")/lib.sh"

LINT=$PR_ROOT/scripts/lint.sh
tree=$T/tree
mkdir -p "$tree/lib" "$tree/scripts" "$tree/build/lib"

# cols N: a C comment line of exactly N columns, its indent a tab (8).
cols() { printf '\t/*%*s*/\n' "$(($1 - 12))" x; }

# The clean tree: modules named after their headers, a module split over
# files sharing its header's prefix (trend.h: trendreport.c), its types
# (trend_point) and another's declared (buf), buf.c's allowed
# x-allocators, a line of exactly 120 columns with tabs and a two-byte
# UTF-8 character, a clean script.
cat >"$tree/lib/trend.h" <<'EOF'
int trend_run(void);
struct buf;
struct trend_point { int x; };
typedef int (*trend_sink)(void *ctx);
EOF
cat >"$tree/lib/trend.c" <<'EOF'
int trend_count = 1;

int
trend_run(void)
{
	return trend_count;
}
EOF
cat >"$tree/lib/trendreport.c" <<'EOF'
int trend_svg(void);

int
trend_svg(void)
{
	return 2;
}
EOF
cat >"$tree/lib/buf.h" <<'EOF'
void *xmalloc(unsigned long n);
struct buf { int n; };
EOF
cat >"$tree/lib/buf.c" <<'EOF'
#include <stdlib.h>

void *xmalloc(unsigned long n);

void *
xmalloc(unsigned long n)
{
	return malloc(n);
}
EOF
{
	echo 'int'
	echo 'wide(void)'
	echo '{'
	printf '\t/* \302\265s%*s*/\n' 105 x
	cols 120
	echo '	return 0;'
	echo '}'
} >"$tree/lib/wide.c"
cat >"$tree/scripts/ok.sh" <<'EOF'
#!/bin/sh
name=${1:-world}
echo "hello $name"
EOF

# compile: the objects make lint reads, from the tree's lib/*.c.
compile() {
	for c in "$tree"/lib/*.c; do
		cc -c -g -o "$tree/build/lib/$(basename "$c" .c).o" "$c" || return 1
	done
}

compile || fail lint_scratch_tree_compiles "cc failed"
run sh -c 'cd "$1" && sh "$2" build/lib' sh "$tree" "$LINT"
ok_if lint_clean_tree_passes '[ "$rc" -eq 0 ] && [ ! -s "$T/out" ]'

# The violations, one of each kind.
cat >>"$tree/lib/trendreport.c" <<'EOF'

int
trendreport_extra(void)
{
	return 3;
}
EOF
cat >"$tree/lib/wrong.h" <<'EOF'
int wrong_fine(void);
struct opaque;
typedef int (*cb_fn)(void);
struct wrong_state { int n; };
EOF
cat >"$tree/lib/wrong.c" <<'EOF'
int wrong_fine(void);
int helper(void);
void *xstrdup(const char *s);

int
wrong_fine(void)
{
	return 0;
}

int
helper(void)
{
	return 1;
}

void *
xstrdup(const char *s)
{
	return (void *)s;
}
EOF
cols 121 >>"$tree/lib/wide.c"
printf 'int trend_more(void); \n' >>"$tree/lib/trend.h"
printf 'int\ntrend_indent(void)\n{\n \treturn 0;\n}\n' >>"$tree/lib/trend.c"
printf '/* no newline at the end */' >>"$tree/lib/buf.h"
printf '#!/bin/sh\n# a script without .sh, known by its first line\nunused=1\n' >"$tree/scripts/tool"
printf 'cd "$1"\necho finished\n' >>"$tree/scripts/ok.sh"
compile || fail lint_scratch_tree_compiles "cc failed"

expect_exit 1 lint_planted_violations_exit_1 sh -c 'cd "$1" && sh "$2" build/lib' sh "$tree" "$LINT"
cp "$T/out" "$T/planted.out"
cp "$T/err" "$T/planted.err"
check lint_names_global_with_wrong_prefix grep -q "^lib/wrong.c:12: global 'helper' is not named after its module (wrong_...)$" "$T/planted.out"
check lint_allows_x_allocators_only_in_buf grep -q "^lib/wrong.c:18: global 'xstrdup' is not named after its module" "$T/planted.out"
check lint_module_prefix_is_longest_header grep -q "^lib/trendreport.c:10: global 'trendreport_extra' is not named after its module (trend_...)$" "$T/planted.out"
ok_if lint_passes_right_names '! grep -q -e "trend_svg" -e "trend_count" -e "wrong_fine" -e "xmalloc" "$T/planted.out"'
check lint_line_over_120_columns grep -q '^lib/wide.c:8: line is 121 columns, more than 120$' "$T/planted.out"
ok_if lint_tabs_and_utf8_counted_as_columns '! grep -q -e "^lib/wide.c:4:" -e "^lib/wide.c:5:" "$T/planted.out"'
check lint_names_opaque_type_with_wrong_prefix grep -q "^lib/wrong.h:2: type 'opaque' is not named after its module (wrong_...)$" "$T/planted.out"
check lint_names_typedef_with_wrong_prefix grep -q "^lib/wrong.h:3: type 'cb_fn' is not named after its module" "$T/planted.out"
ok_if lint_passes_right_types '! grep -q -e "trend_point" -e "trend_sink" -e "wrong_state" -e "type .buf." "$T/planted.out"'
check lint_trailing_whitespace grep -q '^lib/trend.h:5: trailing whitespace$' "$T/planted.out"
check lint_space_before_tab grep -q '^lib/trend.c:11: space before tab in indentation$' "$T/planted.out"
check lint_final_newline grep -q '^lib/buf.h:3: no newline at end of file$' "$T/planted.out"
check lint_shellcheck_on_sh_files grep -q '^scripts/ok.sh:4: warning: .*\[SC2164\]$' "$T/planted.out"
check lint_shellcheck_by_shebang grep -q '^scripts/tool:3: warning: unused appears unused.*\[SC2034\]$' "$T/planted.out"
ok_if lint_one_line_per_finding '[ "$(wc -l <"$T/planted.out")" -eq 11 ]'
check lint_counts_findings_on_stderr grep -q '^lint.sh: 11 findings$' "$T/planted.err"

# The tree itself, through make (which builds the objects first, and may
# say so: only FILE:LINE: lines are findings).
if selected lint_real_tree_is_clean; then
	run make -s -C "$PR_ROOT" lint
	ok_if lint_real_tree_is_clean '[ "$rc" -eq 0 ] && ! grep -q "^[^ ]*:[0-9][0-9]*: " "$T/out"'
fi
