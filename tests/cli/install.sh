#!/bin/sh
# install.sh: make install puts every program and man page under DESTDIR and
# PREFIX, and the installed programs run.
. "$(dirname "$0")/lib.sh"

if make -s -C "$PR_ROOT" install PREFIX=/opt/pr DESTDIR="$T/root" >"$T/install.log" 2>&1; then
	pass install_succeeds
else
	fail install_succeeds "$(tail -n 3 "$T/install.log")"
fi
for p in pr-apply-scale pr-bench pr-compare pr-qa pr-rollback pr-snapshot; do
	check "install_puts_${p}_in_bindir" test -x "$T/root/opt/pr/bin/$p"
	check "install_puts_${p}_man_page" test -f "$T/root/opt/pr/share/man/man1/$p.1"
	run "$T/root/opt/pr/bin/$p" --version
	check "installed_${p}_runs" grep -q "^$p " "$T/out"
done
check install_puts_pr-json_in_man5 test -f "$T/root/opt/pr/share/man/man5/pr-json.5"
check install_puts_pr-tools_in_man7 test -f "$T/root/opt/pr/share/man/man7/pr-tools.7"
