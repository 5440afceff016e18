# shellcheck shell=sh
# load-nginx.sh: throwaway nginx servers on loopback for the bench/load-*
# scripts, which source it.
#
#   bench_need NAME COMMAND...      exit 4, saying what is missing, unless
#                                   nginx, openssl, curl, /usr/bin/time,
#                                   $bin/pr-bench and the COMMANDs are here
#   nginx_dir PREFIX                make $dir, a private temporary directory;
#                                   on exit stop the servers and remove it
#   free_port                       a free loopback port
#   nginx_conf NAME WORKERS HTTPS_PORT HTTP_PORT
#                                   $dir/NAME.conf: TLS (self-signed, HTTP/1.1
#                                   and HTTP/2) and plain HTTP/1.1, serving
#                                   $dir/www, keep-alive without a limit
#   start_nginx NAME HTTPS_PORT     start it and wait until it answers;
#                                   adds its pid to $nginx_pid
#   nginx_cpu_us NAME               CPU time its workers used so far (us)
#   median, spread                  of the numbers on stdin

PATH=$PATH:/usr/sbin
nginx_pid=

bench_need() {
	name=$1
	shift
	for p in nginx openssl curl "$@"; do
		command -v "$p" >/dev/null 2>&1 && continue
		echo "$name: $p is missing (run scripts/deps.sh bench)" >&2
		exit 4
	done
	[ -x /usr/bin/time ] || { echo "$name: /usr/bin/time is missing (Debian package time)" >&2; exit 4; }
	# shellcheck disable=SC2154 # $bin is the sourcing script's
	[ -x "$bin/pr-bench" ] || { echo "$name: $bin/pr-bench is missing (run make)" >&2; exit 4; }
}

nginx_dir() {
	dir=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	trap nginx_cleanup EXIT
	trap 'exit 1' INT TERM
}
nginx_cleanup() {
	for p in $nginx_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$dir"
}

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The site and the certificate, once per $dir.
nginx_site() {
	[ -f "$dir/cert.pem" ] && return 0
	mkdir -p "$dir/www" "$dir/tmp"
	chmod 755 "$dir" "$dir/www"	# nginx workers run as nobody under root
	printf 'hello from nginx: a small static file for load tests\n' >"$dir/www/index.html"
	chmod 644 "$dir/www/index.html"
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
		-keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
}

nginx_conf() {
	nginx_site
	cat >"$dir/$1.conf" <<CONF
daemon off;
worker_processes $2;
worker_rlimit_nofile 8192;
pid $dir/$1.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $dir/tmp;
	proxy_temp_path $dir/tmp;
	fastcgi_temp_path $dir/tmp;
	uwsgi_temp_path $dir/tmp;
	scgi_temp_path $dir/tmp;
	keepalive_requests 10000000;
	ssl_certificate $dir/cert.pem;
	ssl_certificate_key $dir/key.pem;
	ssl_session_cache shared:tls_$1:10m;
	server {
		listen 127.0.0.1:$3 ssl http2;
		listen 127.0.0.1:$4;
		root $dir/www;
	}
}
CONF
}

start_nginx() {
	nginx -p "$dir" -c "$dir/$1.conf" -e "$dir/error.log" &
	nginx_pid="$nginx_pid $!"
	i=0
	until curl -kfsS "https://127.0.0.1:$2/" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 50 ] || { echo "nginx did not start: $(cat "$dir/error.log")" >&2; exit 4; }
		sleep 0.1
	done
}

# nginx_cpu_us NAME: the CPU time (user + system, us) NAME's workers used so far.
nginx_cpu_us() {
	ticks=0
	for w in $(pgrep -P "$(cat "$dir/$1.pid")"); do
		# shellcheck disable=SC2046 # fields 14 and 15 of stat
		set -- $(cut -d' ' -f14,15 "/proc/$w/stat")
		ticks=$((ticks + $1 + $2))
	done
	echo "$ticks $(getconf CLK_TCK)" | awk '{ printf "%.0f", $1 * 1e6 / $2 }'
}

# median: the middle of the numbers on stdin (the mean of the two middle ones).
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# spread: "min..max" of the numbers on stdin.
spread() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f..%.3f\n", lo, hi }'; }
