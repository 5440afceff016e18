#!/bin/sh
# deb.sh: `make deb` builds a lintian-clean Debian package that `dpkg -i`
# installs, whose programs run and whose man pages render.  It is installed
# into a scratch root (dpkg --root, with a copy of this system's package
# database, so that its Depends are checked against what is installed here),
# never into this system.
. "$(dirname "$0")/lib.sh"

# Lintian tags accepted, by name, each with its reason.  Errors and warnings
# not listed fail the test; info and pedantic tags are shown, not counted.
#   (none yet: the package has no error or warning)
ACCEPTED_TAGS=''

deb=$T/pr-tools.deb
if make -s -C "$PR_ROOT" deb DEB="$deb" DEB_ROOT="$T/stage" >"$T/make.log" 2>&1; then
	pass deb_builds
else
	fail deb_builds "$(tail -n 5 "$T/make.log")"
	exit 0
fi

# Lintian's tags, one per line: "E: pr-tools: tag [where]".
lintian -I -E --pedantic --tag-display-limit 0 "$deb" 2>/dev/null >"$T/lintian.out"
sed 's/^/# lintian: /' "$T/lintian.out"
grep -E '^[EW]: ' "$T/lintian.out" | while read -r _sev _pkg tag _rest; do
	case " $ACCEPTED_TAGS " in *" $tag "*) ;; *) echo "$tag" ;; esac
done >"$T/lintian.bad"
ok_if deb_lintian_has_no_error_or_warning '[ ! -s "$T/lintian.bad" ]' ||
	sed 's/^/# not accepted: /' "$T/lintian.bad"

# Depends names the libraries the programs link, computed from them, and
# every one of them is installed here (so the package installs on this system).
dpkg-deb -f "$deb" Depends >"$T/depends"
for lib in libc6 libcurl4 libcjson1 libssl3; do
	check "deb_depends_on_$lib" grep -Eq "(^|, )$lib( |,|\$)" "$T/depends"
done
tr ',' '\n' <"$T/depends" | sed 's/^ *//; s/ .*//' | sort -u >"$T/depnames"
# shellcheck disable=SC2034 # read in the ok_if expression below
missing=$(while read -r d; do
	dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q 'ok installed' || echo "$d"; done <"$T/depnames")
ok_if deb_depends_are_installed_here '[ -z "$missing" ]'

# dpkg -i into the scratch root: no --force-depends, so a Depends this
# system cannot satisfy fails the install.
R=$T/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
cp /var/lib/dpkg/status "$R/var/lib/dpkg/status"
dpkg() { command dpkg --root="$R" --log="$T/dpkg.log" --force-not-root "$@"; }
run dpkg -i "$deb"
ok_if deb_installs_with_dpkg_i '[ "$rc" -eq 0 ]' || sed 's/^/# /' "$T/err"
ok_if deb_is_installed_in_the_scratch_root 'dpkg -s pr-tools 2>/dev/null | grep -qx "Status: install ok installed"'
for p in pr-apply-scale pr-bench pr-compare pr-qa pr-rollback pr-snapshot; do
	run "$T/root/usr/bin/$p" --version
	ok_if "deb_${p}_runs" '[ "$rc" -eq 0 ] && grep -q "^$p 0\." "$T/out"'
	check "deb_${p}_man_page_is_gzipped" test -f "$T/root/usr/share/man/man1/$p.1.gz"
done
check deb_has_pr-json_5 test -f "$T/root/usr/share/man/man5/pr-json.5.gz"
check deb_has_pr-tools_7 test -f "$T/root/usr/share/man/man7/pr-tools.7.gz"
check deb_has_copyright test -s "$T/root/usr/share/doc/pr-tools/copyright"
check deb_has_changelog gzip -t "$T/root/usr/share/doc/pr-tools/changelog.gz"

# Policy 12.1: gzip -9n, so no file name or time in the header (bytes 3-7
# all zero: FLG, then MTIME) and the "best compression" extra flag (XFL = 2).
gz_header() { od -An -tu1 -j3 -N6 "$1" | tr -s ' ' | sed 's/^ //'; }
ok_if deb_man_pages_are_gzip_9n '[ "$(gz_header "$T/root/usr/share/man/man1/pr-rollback.1.gz")" = "0 0 0 0 0 2" ]'

# An installed page renders, from the installed tree, with man(1).
run env MANPATH="$T/root/usr/share/man" MANWIDTH=80 man -P cat pr-rollback
ok_if deb_man_page_renders '[ "$rc" -eq 0 ] && grep -q "^NAME" "$T/out" && grep -q "pr-rollback" "$T/out"'
run env MANPATH="$T/root/usr/share/man" MANWIDTH=80 man -P cat 7 pr-tools
ok_if deb_man_section_7_renders '[ "$rc" -eq 0 ] && grep -q "^NAME" "$T/out"'

# And it comes off cleanly: nothing of it is left in the scratch root.
run dpkg -r pr-tools
ok_if deb_removes_cleanly '[ "$rc" -eq 0 ] && [ -z "$(find "$R/usr" -type f 2>/dev/null)" ]'
