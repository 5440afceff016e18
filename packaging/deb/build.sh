#!/bin/sh
# build.sh: turn a staged `make install PREFIX=/usr DESTDIR=ROOT` into a
# Debian binary package with dpkg-deb, as Debian policy wants it: stripped
# programs, man pages and the changelog compressed with gzip -9n, a
# copyright file, md5sums, and Depends computed from the programs' own
# libraries by dpkg-shlibdeps (so a package built on Ubuntu 24.04 names
# libcurl4t64 and one built on Debian 12 libcurl4).
#
#   packaging/deb/build.sh ROOT VERSION OUT.deb
#
# ROOT is changed in place (stripped, compressed, DEBIAN/ added).  Files are
# owned by root in the package (--root-owner-group: no fakeroot needed), and
# their times are clamped to SOURCE_DATE_EPOCH, the changelog's date by
# default, so two builds of one tree give the same package.
set -eu

[ $# -eq 3 ] || { echo "usage: build.sh ROOT VERSION OUT.deb" >&2; exit 2; }
root=$1 version=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
doc=$root/usr/share/doc/pr-tools

[ -d "$root/usr/bin" ] || { echo "build.sh: $root/usr/bin: nothing staged (make install PREFIX=/usr DESTDIR=$root)" >&2; exit 3; }
head -n 1 "$here/changelog" | grep -q "^pr-tools ($version) " ||
	{ echo "build.sh: packaging/deb/changelog's first entry is not version $version: add one" >&2; exit 3; }
: "${SOURCE_DATE_EPOCH:=$(dpkg-parsechangelog -l "$here/changelog" -S Timestamp)}"
export SOURCE_DATE_EPOCH

# Policy 10.1: programs are shipped stripped (the symbols stay in the build).
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root"/usr/bin/*
# Policy 12.1 and 12.7: man pages and the changelog compressed with gzip -9,
# without a name or a time in the header (-n) so that builds are reproducible.
find "$root/usr/share/man" -type f ! -name '*.gz' -exec gzip -9nf {} +
install -d -m 755 "$doc"
install -m 644 "$here/copyright" "$doc/copyright"
gzip -9nc "$here/changelog" >"$doc/changelog.gz"
chmod 644 "$doc/changelog.gz"

# dpkg-shlibdeps reads debian/control from its working directory: give it a
# minimal one beside the staged tree, outside the package.
work=$(mktemp -d "${TMPDIR:-/tmp}/pr-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/debian"
printf 'Source: pr-tools\n\nPackage: pr-tools\nArchitecture: any\n' >"$work/debian/control"
abs_root=$(cd "$root" && pwd)
set --
for p in "$abs_root"/usr/bin/*; do set -- "$@" "-e$p"; done
depends=$(cd "$work" && dpkg-shlibdeps -O "$@" 2>"$work/shlibdeps.err" |
	sed -n 's/^shlibs:Depends=//p') ||
	{ cat "$work/shlibdeps.err" >&2; exit 4; }
[ -n "$depends" ] || { echo "build.sh: dpkg-shlibdeps found no libraries:" >&2; cat "$work/shlibdeps.err" >&2; exit 4; }

install -d -m 755 "$root/DEBIAN"
(cd "$root" && find usr -type f | LC_ALL=C sort | xargs md5sum) >"$root/DEBIAN/md5sums"
size_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$(dpkg --print-architecture)/" \
	-e "s/@SIZE_KB@/$size_kb/" -e "s/@DEPENDS@/$depends/" "$here/control.in" >"$root/DEBIAN/control"
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
# Directories 755 and files 644 or 755 whatever the umask was (lintian's
# non-standard-dir-perm and non-standard-file-perm).
find "$root" -type d -exec chmod 755 {} +
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "$out"
