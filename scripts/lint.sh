#!/bin/sh
# lint.sh: check what a script can check of the code's style, in the spirit
# of curl's checksrc, so that nobody argues about it in review.
#
#   scripts/lint.sh [OBJDIR]    lint the tree in the current directory
#                               (its top: lib/ must be there); OBJDIR holds
#                               the built lib/*.o (default build/lib)
#
# `make lint` builds the objects and runs it.  Each finding is one line,
# "FILE:LINE: what", as a compiler says it; the exit status is 1 when there
# is any, 2 when the check itself cannot run.  The checks:
#
#   naming      every global symbol lib/M.c defines (nm -g --defined-only
#               on OBJDIR/M.o) is named after its module: M_... or M, where
#               M is the longest basename of a lib/*.h that the file's name
#               starts with (loadgen_h2.c -> loadgen, trendreport.c -> trend);
#               and so is every type a lib/M.h defines or declares opaque
#               (struct, enum, union, typedef; M_int.h is M's too)
#   length      lines of *.c and *.h at most 120 columns, tabs to multiples
#               of 8, a UTF-8 character one column
#   whitespace  no trailing blanks, no space before a tab in a C line's
#               indentation, and a final newline, in source files (C, shell,
#               Python, the Makefile, man pages; not data such as corpora)
#   shell       every shell script (*.sh, or a #!/bin/sh-like first line)
#               through shellcheck at severity warning, sourced files followed
#
# The files are those git knows (tracked, or new and not ignored); outside a
# git checkout (or below its top), every file below the current directory
# but build*/, bin/ and node_modules/.
set -u

objdir=${1:-build/lib}
MAX_COLS=120
TAB_COLS=8
# Global names that are not a module's, each with why.
#   buf.c: xmalloc, xcalloc, xrealloc, xstrdup are git's allocators that die
#   on failure; every module calls them, and their short names are the point.
NAMING_EXCEPTIONS='buf:xmalloc buf:xcalloc buf:xrealloc buf:xstrdup'
# Types a header names but another library owns:
#   pgq.h: struct pg_conn is libpq's PGconn, declared so that pgq.h's
#   users need not include libpq-fe.h.
TYPE_EXCEPTIONS='pgq:pg_conn'

if [ ! -d lib ]; then
	echo "lint.sh: run me at the top of the tree (no lib/ in $(pwd))" >&2
	exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/pr-lint.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
findings=$work/findings
: >"$findings"

# (Only at the top of a work tree: a scratch tree below some other
# checkout, perhaps in its ignored build/, is not that checkout's.)
if [ "$(git rev-parse --show-prefix 2>/dev/null || echo none)" = "" ]; then
	git ls-files --cached --others --exclude-standard >"$work/all" || exit 2
else
	# What a build or npm made is not the tree's.
	find . \( -name .git -o -name 'build*' -o -name bin -o -name node_modules \) -prune -o -type f -print |
		sed 's|^\./||' | sort >"$work/all"
fi
# Deleted but still tracked files are gone from the working tree.
while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done <"$work/all" >"$work/files"

# The file lists, one path a line.
grep -E '\.[ch]$' "$work/files" >"$work/c"
while IFS= read -r f; do
	case $f in
	*.sh) printf '%s\n' "$f" ;;
	*.*) ;;
	*) head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*(/|env +)(ba|da|k)?sh( |$)' && printf '%s\n' "$f" ;;
	esac
done <"$work/files" >"$work/sh"
grep -E '(\.([ch]|py|[157])|(^|/)Makefile)$' "$work/files" | grep -v '/corpus/' |
	cat - "$work/sh" | sort -u >"$work/text"

# naming: the module of lib/M.c is the longest header basename M starts with.
check_naming() {
	_headers=$(for h in lib/*.h; do [ -e "$h" ] && basename "$h" .h; done)
	for o in "$objdir"/*.o; do
		[ -e "$o" ] || continue
		_m=$(basename "$o" .o)
		[ -f "lib/$_m.c" ] || continue # a stale object
		_p=
		for _h in $_headers; do
			case $_m in "$_h"*) [ ${#_h} -gt ${#_p} ] && _p=$_h ;; esac
		done
		[ -n "$_p" ] || _p=$_m
		# nm -l adds "FILE:LINE" when the object has debugging information.
		nm -g --defined-only -l "$o" 2>/dev/null >"$work/nm" || {
			echo "lint.sh: nm cannot read $o" >&2
			exit 2
		}
		while read -r _addr _type _sym _where; do
			[ -n "${_sym:-}" ] || continue
			case $_sym in "$_p" | "${_p}"_*) continue ;; esac
			case " $NAMING_EXCEPTIONS " in *" $_m:$_sym "*) continue ;; esac
			_line=${_where##*:}
			case $_line in '' | *[!0-9]*) _line=$(grep -n -m 1 -w -- "$_sym" "lib/$_m.c" | cut -d: -f1) ;; esac
			echo "lib/$_m.c:${_line:-1}: global '$_sym' is not named after its module (${_p}_...)"
		done <"$work/nm"
	done
}

# Types: a header's own are those it defines ("struct x {", a typedef) and
# those it declares ("struct x;") that no header defines (opaque ones).
check_types() {
	for h in lib/*.h; do [ -e "$h" ] && printf '%s\n' "$h"; done >"$work/h"
	[ -s "$work/h" ] || return 0
	# shellcheck disable=SC2016 # an awk program: its $ are awk's
	tr '\n' '\0' <"$work/h" | LC_ALL=C xargs -0 awk -v allowed=" $(printf '%s' "$TYPE_EXCEPTIONS" | tr '\n' ' ') " '
	function found(name, how) { n++; file[n] = FILENAME; line[n] = FNR; mod[n] = m; type[n] = name; kind[n] = how }
	FNR == 1 { m = FILENAME; sub(/^.*\//, "", m); sub(/\.h$/, "", m); sub(/_int$/, "", m) }
	/^(struct|enum|union) [A-Za-z_][A-Za-z_0-9]* *[{;]/ {
		name = $2; sub(/[{;].*$/, "", name)
		if ($0 ~ /^[a-z]+ [A-Za-z_0-9]+ *\{/) { defined[name] = 1; found(name, "def") } else found(name, "decl")
	}
	/^typedef / {
		s = $0
		if (s ~ /\(\*/) { sub(/^[^(]*\(\*/, "", s); sub(/\).*$/, "", s) }
		else if (s ~ /\(/) { sub(/\(.*$/, "", s); sub(/^.*[ *]/, "", s) }
		else { sub(/ *;.*$/, "", s); sub(/^.*[ *]/, "", s) }
		found(s, "def")
	}
	END {
		for (i = 1; i <= n; i++) {
			t = type[i]
			if (kind[i] == "decl" && (t in defined))
				continue
			if (t == mod[i] || index(t, mod[i] "_") == 1 || index(allowed, " " mod[i] ":" t " "))
				continue
			printf "%s:%d: type '\''%s'\'' is not named after its module (%s_...)\n", file[i], line[i], t, mod[i]
		}
	}'
}

# length and C whitespace, in one pass over the C files.  Under LC_ALL=C a
# UTF-8 character's continuation bytes (0x80-0xbf) are not counted.
check_c_lines() {
	[ -s "$work/c" ] || return 0
	# shellcheck disable=SC2016 # an awk program: its $ are awk's
	tr '\n' '\0' <"$work/c" | LC_ALL=C xargs -0 awk -v max="$MAX_COLS" -v tab="$TAB_COLS" '
	{
		line = $0
		if (length(line) > max || index(line, "\t")) {
			col = 0
			n = split(line, seg, "\t")
			for (i = 1; i <= n; i++) {
				s = seg[i]
				gsub(/[\200-\277]/, "", s)
				col += length(s)
				if (i < n)
					col = (int(col / tab) + 1) * tab
			}
			if (col > max)
				printf "%s:%d: line is %d columns, more than %d\n", FILENAME, FNR, col, max
		}
		if (line ~ /^\t* +\t/)
			printf "%s:%d: space before tab in indentation\n", FILENAME, FNR
	}'
}

# Trailing blanks and the final newline, in every source file.
check_whitespace() {
	[ -s "$work/text" ] || return 0
	tr '\n' '\0' <"$work/text" | LC_ALL=C xargs -0 awk '
	/[ \t\r\f\v]$/ { printf "%s:%d: trailing whitespace\n", FILENAME, FNR }'
	while IFS= read -r f; do
		[ -s "$f" ] || continue
		[ "$(tail -c 1 "$f" | wc -l)" -eq 1 ] && continue
		echo "$f:$(($(wc -l <"$f") + 1)): no newline at end of file"
	done <"$work/text"
}

# Shell scripts, warnings and errors only: shellcheck's info and style
# levels are mostly SC2086 on values that cannot split (ports, pids,
# numbers) and SC2016 on the single-quoted expressions that tests hand to
# ok_if on purpose; they would bury the findings that are bugs.  -x and the
# source path follow lib.sh and the fixtures a script sources, so what they
# set is known.
check_shell() {
	[ -s "$work/sh" ] || return 0
	if ! command -v shellcheck >/dev/null 2>&1; then
		echo "lint.sh: shellcheck is not installed (scripts/deps.sh test installs it)" >&2
		exit 2
	fi
	# Two at a time, a few files each: shellcheck is most of lint's time.
	tr '\n' '\0' <"$work/sh" |
		xargs -0 -n 16 -P 2 shellcheck -x -P SCRIPTDIR:tests/fixtures -S warning -f gcc |
		sed -E 's/^([^:]+:[0-9]+):[0-9]+: /\1: /' | sort -t: -k1,1 -k2,2n
}

{
	check_naming
	check_types
	check_c_lines
	check_whitespace
	check_shell
} >>"$findings" || exit 2

cat "$findings"
n=$(wc -l <"$findings")
if [ "$n" -gt 0 ]; then
	echo "lint.sh: $n findings" >&2
	exit 1
fi
