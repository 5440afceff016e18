/*
 * test_loadgen.c: the load engine's HTTP/1.1 reader against an in-process
 * server that sends each response in small pieces, so that status lines,
 * headers, chunk sizes and bodies are split across reads.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pr.h"
#include "loadgen.h"
#include "loadgen_int.h"
#include "t.h"

#define PIECE_BYTES 3		/* the server writes this much at a time */

struct server {
	int lfd;
	int port;
	const char *response;	/* sent for every request */
	int close_after;	/* close the connection after each response */
};

/* Serve one connection: read a request head, answer in pieces, repeat. */
static void *
serve_conn(void *arg)
{
	struct server *s = ((void **)arg)[0];
	int fd = (int)(long)((void **)arg)[1];
	char buf[4096];
	size_t len = 0;
	int one = 1;

	free(arg);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	for (;;) {
		ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
		char *end;
		size_t rlen = strlen(s->response);

		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (!(end = strstr(buf, "\r\n\r\n")))
			continue;
		len = 0;
		for (size_t off = 0; off < rlen; off += PIECE_BYTES) {
			size_t k = rlen - off < PIECE_BYTES ? rlen - off : PIECE_BYTES;

			if (send(fd, s->response + off, k, MSG_NOSIGNAL) < 0)
				goto out;
			usleep(50);
		}
		if (s->close_after)
			break;
	}
out:
	close(fd);
	return NULL;
}

static void *
serve(void *arg)
{
	struct server *s = arg;

	for (;;) {
		int fd = accept(s->lfd, NULL, NULL);
		void **a;
		pthread_t t;

		if (fd < 0)
			return NULL;
		a = malloc(2 * sizeof *a);
		a[0] = s;
		a[1] = (void *)(long)fd;
		pthread_create(&t, NULL, serve_conn, a);
		pthread_detach(t);
	}
}

static void
start(struct server *s)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sin;
	pthread_t t;

	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	bind(s->lfd, (struct sockaddr *)&sin, sizeof sin);
	listen(s->lfd, 64);
	getsockname(s->lfd, (struct sockaddr *)&sin, &len);
	s->port = ntohs(sin.sin_port);
	pthread_create(&t, NULL, serve, s);
	pthread_detach(t);
}

/* Drive the server closed loop for a moment. */
static void
drive(struct server *s, long expect, struct loadgen_result *r)
{
	char url[64];
	struct loadgen_target t = { .url = url, .expect_status = expect };
	struct loadgen_opts o = { .connections = 2, .duration_s = 0.3, .timeout_s = 2 };

	snprintf(url, sizeof url, "http://127.0.0.1:%d/x?y=1", s->port);
	CHECK(loadgen_run(&t, &o, r) == 0);
}

static void
test_split_content_length_responses_are_read(void)
{
	static struct server s = { .response = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nX-A: b\r\n\r\n0123456789" };
	struct loadgen_result r;

	start(&s);
	drive(&s, 0, &r);
	CHECK(r.ok > 10);
	CHECK(r.error_total == 0);
	CHECK(r.connections_opened == 2);
	CHECK(r.bytes_read == r.ok * strlen(s.response));
	loadgen_result_free(&r);
}

static void
test_split_chunked_responses_with_trailers_are_read(void)
{
	static struct server s = { .response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
		"a\r\n0123456789\r\n1F;name=v\r\n0123456789012345678901234567890\r\n0\r\nT: 1\r\n\r\n" };
	struct loadgen_result r;

	start(&s);
	drive(&s, 0, &r);
	CHECK(r.ok > 5);
	CHECK(r.error_total == 0);
	CHECK(r.connections_opened == 2);
	loadgen_result_free(&r);
}

static void
test_http10_body_until_close_is_read(void)
{
	static struct server s = { .response = "HTTP/1.0 200 OK\r\n\r\nthe body ends when the connection does",
		.close_after = 1 };
	struct loadgen_result r;

	start(&s);
	drive(&s, 0, &r);
	CHECK(r.ok > 5);
	CHECK(r.error_total == 0);
	CHECK(r.connections_opened >= r.ok);
	loadgen_result_free(&r);
}

static void
test_expected_status_decides_success(void)
{
	static struct server s = { .response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n" };
	struct loadgen_result r;

	start(&s);
	drive(&s, 0, &r);
	CHECK(r.ok == 0 && r.errors[PR_FAILURE_STATUS] > 5);
	loadgen_result_free(&r);
	drive(&s, 404, &r);
	CHECK(r.ok > 5 && r.error_total == 0);
	loadgen_result_free(&r);
}

static void
test_garbage_is_an_other_error_not_a_crash(void)
{
	static struct server s = { .response = "ICY 200 OK\r\n\r\n", .close_after = 1 };
	struct loadgen_result r;

	start(&s);
	drive(&s, 0, &r);
	CHECK(r.ok == 0);
	CHECK(r.errors[PR_FAILURE_OTHER] > 5);
	loadgen_result_free(&r);
}

static void
test_open_loop_keeps_its_schedule(void)
{
	static struct server s = { .response = "HTTP/1.1 204 No Content\r\n\r\n" };
	struct loadgen_target t = { 0 };
	struct loadgen_opts o = { .connections = 3, .duration_s = 0.5, .rate_rps = 200, .timeout_s = 2 };
	struct loadgen_result r;
	char url[64];

	start(&s);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", s.port);
	t.url = url;
	CHECK(loadgen_run(&t, &o, &r) == 0);
	CHECK(r.ok >= 95 && r.ok <= 100);
	CHECK(r.throughput_rps >= 190 && r.throughput_rps <= 200);
	loadgen_result_free(&r);
}

static void
test_interim_responses_split_across_reads_are_skipped(void)
{
	static struct server s = { .response = "HTTP/1.1 100 Continue\r\n\r\n"
		"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" };
	struct loadgen_result r;

	start(&s);
	drive(&s, 0, &r);
	CHECK(r.ok > 5);
	CHECK(r.error_total == 0);
	CHECK(r.connections_opened == 2);
	loadgen_result_free(&r);
}

static void
test_throughput_is_counted_per_whole_interval(void)
{
	static struct server s = { .response = "HTTP/1.1 204 No Content\r\n\r\n" };
	struct loadgen_target t = { 0 };
	struct loadgen_opts o = { .connections = 3, .duration_s = 0.55, .rate_rps = 200, .timeout_s = 2,
		.interval_s = 0.1 };
	struct loadgen_result r;
	uint64_t sum = 0;
	char url[64];

	start(&s);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", s.port);
	t.url = url;
	CHECK(loadgen_run(&t, &o, &r) == 0);
	CHECK(r.interval_s == 0.1);
	CHECK(r.nintervals == 5);	/* the partial sixth is left out */
	for (size_t i = 0; i < r.nintervals; i++) {
		CHECK(r.ok_per_interval[i] >= 18 && r.ok_per_interval[i] <= 21);
		sum += r.ok_per_interval[i];
	}
	CHECK(sum <= r.ok && r.ok - sum <= 11);
	loadgen_result_free(&r);
	CHECK(r.ok_per_interval == NULL);
	o.interval_s = 0;
	o.duration_s = 0.3;
	CHECK(loadgen_run(&t, &o, &r) == 0);
	CHECK(r.interval_s == PR_LOAD_INTERVAL_S && r.nintervals == 0);
	loadgen_result_free(&r);
}

static void
test_unsupported_urls_are_usage_errors(void)
{
	struct loadgen_target t = { .url = "gopher://127.0.0.1/" };
	struct loadgen_opts o = { .connections = 1, .duration_s = 0.1, .timeout_s = 1 };
	struct loadgen_result r;

	CHECK(loadgen_run(&t, &o, &r) == PR_USAGE);
	CHECK(strstr(r.error, "gopher") != NULL);
	loadgen_result_free(&r);
	t.url = "not a url";
	CHECK(loadgen_run(&t, &o, &r) == PR_USAGE);
	loadgen_result_free(&r);
}

/* Every due time of sc before its end, in order, appended to out. */
static size_t
due_times(struct loadgen_sched *sc, double *out, size_t max)
{
	size_t n = 0;
	double origin;

	while (n < max && loadgen_sched_next(sc, sc->end - 1e-6, &origin))
		out[n++] = origin;
	return n;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Threads split the open loop's schedule: the due times of T shards, put
 * together, are the due times of one thread at the same rate, none twice,
 * none missing, whatever T divides or not; and the requests still unsent
 * at the end add up the same.
 */
static void
test_shards_split_one_schedule(void)
{
	enum { MAX = 4096 };
	static double one[MAX], all[MAX];
	const long threads[] = { 2, 3, 7 };
	struct loadgen_opts o = { .connections = 8, .duration_s = 1, .warmup_s = 0.25, .rate_rps = 1000 };
	struct loadgen_result r = { .interval_s = 1 };
	struct loadgen_shard sh = { .t0_ms = 5000.0, .index = 0, .count = 1 };
	struct loadgen_sched sc;
	size_t n1;

	loadgen_sched_init(&sc, &o, &r, 0, 1, &sh);
	n1 = due_times(&sc, one, MAX);
	CHECK(n1 == 1250);	/* 1.25 s at 1000 req/s */
	free(sc.free_slots);
	free(r.ok_per_interval);
	for (size_t k = 0; k < sizeof threads / sizeof *threads; k++) {
		size_t n = 0;
		uint64_t unsent = 0;

		for (long i = 0; i < threads[k]; i++) {
			struct loadgen_shard part = { .t0_ms = 5000.0, .index = i, .count = threads[k] };

			loadgen_sched_init(&sc, &o, &r, 0, 1, &part);
			CHECK(sc.warm_end == 5250.0 && sc.end == 6250.0);
			unsent += loadgen_sched_unsent(&sc);	/* before any is sent: all in the window */
			n += due_times(&sc, all + n, MAX - n);
			CHECK(loadgen_sched_unsent(&sc) == 0);
			free(sc.free_slots);
			free(r.ok_per_interval);
		}
		CHECK(n == n1);
		CHECK(unsent == 1000);
		qsort(all, n, sizeof *all, cmp_double);
		for (size_t i = 0; i < n && i < n1; i++)
			CHECK_NEAR(all[i], one[i], 1e-6);
	}
}

int
main(void)
{
	pr_init("test_loadgen");
	RUN(test_split_content_length_responses_are_read);
	RUN(test_split_chunked_responses_with_trailers_are_read);
	RUN(test_http10_body_until_close_is_read);
	RUN(test_expected_status_decides_success);
	RUN(test_garbage_is_an_other_error_not_a_crash);
	RUN(test_open_loop_keeps_its_schedule);
	RUN(test_interim_responses_split_across_reads_are_skipped);
	RUN(test_throughput_is_counted_per_whole_interval);
	RUN(test_unsupported_urls_are_usage_errors);
	RUN(test_shards_split_one_schedule);
	return t_done();
}
