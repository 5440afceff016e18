/*
 * pr-qa.c: pr-qa: options, where the checks come from, and the order of
 * steps.  Loading, running and judging checks is lib/qa.c; JUnit XML is
 * lib/junit.c.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "config.h"
#include "doc.h"
#include "fileio.h"
#include "pr.h"
#include "gha.h"
#include "junit.h"
#include "qa.h"
#include "qametrics.h"
#include "util.h"

#define MAX_RETRIES 10L
#define DEFAULT_INTERVAL_S 10.0
#define MAX_STATUS 599L
#define MIN_STATUS 100L
/* the log's name before it took the program's, kept as a link for runbooks */
#define LOG_ALIAS "qa-verify-prod"
#define JUNIT_SUITE "pr-qa"

enum {
	OPT_CHECK = 256, OPT_EXPECT_STATUS, OPT_BASE_URL, OPT_RETRIES, OPT_JUNIT, OPT_LOG, OPT_WATCH,
	OPT_INTERVAL, OPT_P95_WARN, OPT_P95_CRIT, OPT_ERROR_WARN, OPT_ERROR_CRIT, OPT_WAIT_UNTIL,
	OPT_METRICS, OPT_PROMETHEUS, OPT_INITIAL_DELAY, OPT_PLOT,
};

static const char usage_text[] =
    "usage: pr-qa [-f FILE] [options]\n"
    "       pr-qa --check NAME=URL [--expect-status N] [options]\n"
    "       pr-qa --watch DURATION [--interval SECONDS] [thresholds] [options]\n"
    "       pr-qa --wait-until DURATION [--interval SECONDS] [options]\n"
    "\n"
    "Run post-deployment checks and print a pr-tools/qa/1 document on stdout.\n"
    "\n"
    "  -f, --config FILE       read the \"qa\" section of FILE (default ./pr-tools.json)\n"
    "      --check NAME=URL    a GET check without a config (repeatable)\n"
    "      --expect-status N   status the --check checks expect (default any 2xx)\n"
    "      --base-url URL      base for relative check URLs (overrides qa.base_url)\n"
    "  -t, --timeout DURATION  limit for each request (default qa.timeout or 10s)\n"
    "      --retries N         extra attempts on connection errors and 5xx (default 2)\n"
    "      --junit FILE        also write JUnit XML to FILE, atomically\n"
    "  -o, --output FILE       also write the document to FILE, atomically (OUTPUT_JSON)\n"
    "      --log               also write logs/pr-qa-YYYYMMDD-HHMMSS.log (QA_LOG=1)\n"
    "      --watch DURATION    repeat the checks for DURATION and judge error rate and p95\n"
    "      --wait-until DURATION\n"
    "                          repeat the checks until all pass, for at most DURATION\n"
    "      --interval SECONDS  watch, wait-until: time between rounds (default 10)\n"
    "      --p95-warn MS       watch: p95 latency warning threshold (default 500)\n"
    "      --p95-crit MS       watch: p95 latency critical threshold (default 1000)\n"
    "      --error-warn PCT    watch: error rate warning threshold in percent (default 1)\n"
    "      --error-crit PCT    watch: error rate critical threshold in percent (default 5)\n"
    "      --metrics URL       watch: judge qa.watch.rules on the app's Prometheus metrics\n"
    "                          at URL (overrides qa.watch.metrics); stop at a critical\n"
    "      --prometheus URL    watch: ask the Prometheus server at URL the promql rules'\n"
    "                          queries (overrides qa.watch.prometheus)\n"
    "      --initial-delay DURATION\n"
    "                          watch: judge no metric rule before DURATION has passed\n"
    "      --plot FILE.svg     watch: draw each metric rule's series and levels\n"
    "  -q, --quiet             no per-check lines on stderr\n"

    "  -h, --help              print this help and exit\n"
    "  -V, --version           print the version and exit\n"
    "\n"
    "SQL checks ask DATABASE_URL (or the config's database.url), read-only.\n";

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'f' },
	{ "check", required_argument, NULL, OPT_CHECK },
	{ "expect-status", required_argument, NULL, OPT_EXPECT_STATUS },
	{ "base-url", required_argument, NULL, OPT_BASE_URL },
	{ "timeout", required_argument, NULL, 't' },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "output", required_argument, NULL, 'o' },
	{ "log", no_argument, NULL, OPT_LOG },
	{ "watch", required_argument, NULL, OPT_WATCH },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "wait-until", required_argument, NULL, OPT_WAIT_UNTIL },
	{ "p95-warn", required_argument, NULL, OPT_P95_WARN },
	{ "p95-crit", required_argument, NULL, OPT_P95_CRIT },
	{ "error-warn", required_argument, NULL, OPT_ERROR_WARN },
	{ "error-crit", required_argument, NULL, OPT_ERROR_CRIT },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "prometheus", required_argument, NULL, OPT_PROMETHEUS },
	{ "initial-delay", required_argument, NULL, OPT_INITIAL_DELAY },
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	const char *file;
	char **checks;			/* NAME=URL from --check */
	size_t nchecks;
	long expect_status;
	const char *base_url;
	double timeout_s;		/* 0: the config's */
	struct qa_opts run;
	const char *junit;
	const char *output;
	bool log;
	double watch_s;			/* 0: one run */
	double wait_until_s;		/* 0: one run */
	double interval_s;
	struct qa_thresholds th;
	const char *metrics_url;	/* NULL: qa.watch.metrics */
	const char *prometheus_url;	/* NULL: qa.watch.prometheus */
	double initial_delay_s;		/* < 0: qa.watch.initial_delay */
	const char *plot;		/* --plot FILE.svg, or NULL */
	bool quiet;
};

/* A percentage: "1", "1.5" or "1%". */
static int
parse_pct(const char *s, double *out)
{
	char tmp[64];
	size_t len = strlen(s);

	if (len == 0 || len >= sizeof tmp)
		return -1;
	memcpy(tmp, s, len + 1);
	if (tmp[len - 1] == '%')
		tmp[len - 1] = '\0';
	return util_parse_double(tmp, 0, 100, out);
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	int c, rc;
	long n;

	o->run.retries = QA_RETRIES;
	o->interval_s = DEFAULT_INTERVAL_S;
	o->th = (struct qa_thresholds){ QA_P95_WARN_MS, QA_P95_CRIT_MS, QA_ERROR_WARN_PCT, QA_ERROR_CRIT_PCT };
	o->initial_delay_s = -1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:t:o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o->file = optarg; break;
		case OPT_CHECK:
			if (!strchr(optarg, '='))
				return pr_usage_error("--check %s: expected NAME=URL", optarg);
			if (!doc_utf8_valid(optarg, strlen(optarg), NULL))
				return pr_usage_error("--check: the name or URL is not valid UTF-8 "
				    "(documents are UTF-8)");
			o->checks = xrealloc(o->checks, (o->nchecks + 1) * sizeof *o->checks);
			o->checks[o->nchecks++] = optarg;
			break;
		case OPT_EXPECT_STATUS:
			if (util_parse_long(optarg, MIN_STATUS, MAX_STATUS, &o->expect_status) != 0)
				return pr_usage_error("--expect-status %s: expected an HTTP status from 100 to 599",
				    optarg);
			break;
		case OPT_BASE_URL:
			if (strncmp(optarg, "http://", 7) != 0 && strncmp(optarg, "https://", 8) != 0)
				return pr_usage_error("--base-url %s: expected an http:// or https:// URL", optarg);
			o->base_url = optarg;
			break;
		case 't':
			if ((rc = doc_duration_arg("--timeout", optarg, PR_POSITIVE, &o->timeout_s)))
				return rc;
			break;
		case OPT_RETRIES:
			if (util_parse_long(optarg, 0, MAX_RETRIES, &n) != 0)
				return pr_usage_error("--retries %s: expected a whole number from 0 to %ld",
				    optarg, MAX_RETRIES);
			o->run.retries = (int)n;
			break;
		case OPT_JUNIT: o->junit = optarg; break;
		case 'o': o->output = optarg; break;
		case OPT_LOG: o->log = true; break;
		case OPT_WATCH:
			if ((rc = doc_duration_arg("--watch", optarg, PR_POSITIVE, &o->watch_s)))
				return rc;
			break;
		case OPT_WAIT_UNTIL:
			if ((rc = doc_duration_arg("--wait-until", optarg, PR_POSITIVE, &o->wait_until_s)))
				return rc;
			break;
		case OPT_INTERVAL:
			if ((rc = doc_duration_arg("--interval", optarg, PR_ZERO_OK, &o->interval_s)))
				return rc;
			break;
		case OPT_P95_WARN:
		case OPT_P95_CRIT: {
			double *t = c == OPT_P95_WARN ? &o->th.p95_warn_ms : &o->th.p95_crit_ms;

			if (util_parse_double(optarg, 0, 1e9, t) != 0)
				return pr_usage_error("--%s %s: expected milliseconds",
				    c == OPT_P95_WARN ? "p95-warn" : "p95-crit", optarg);
			break;
		}
		case OPT_ERROR_WARN:
		case OPT_ERROR_CRIT:
			if (parse_pct(optarg, c == OPT_ERROR_WARN ? &o->th.error_warn_pct : &o->th.error_crit_pct) != 0)
				return pr_usage_error("--%s %s: expected a percentage from 0 to 100",
				    c == OPT_ERROR_WARN ? "error-warn" : "error-crit", optarg);
			break;
		case OPT_METRICS:
		case OPT_PROMETHEUS:
			if (strncmp(optarg, "http://", 7) != 0 && strncmp(optarg, "https://", 8) != 0)
				return pr_usage_error("--%s %s: expected an http:// or https:// URL",
				    c == OPT_METRICS ? "metrics" : "prometheus", optarg);
			*(c == OPT_METRICS ? &o->metrics_url : &o->prometheus_url) = optarg;
			break;
		case OPT_INITIAL_DELAY:
			if ((rc = doc_duration_arg("--initial-delay", optarg, PR_ZERO_OK, &o->initial_delay_s)))
				return rc;
			break;
		case OPT_PLOT: o->plot = optarg; break;
		case 'q': o->quiet = true; break;
		default:
			return pr_getopt_other(c, usage_text, argv);
		}
	}
	o->output = doc_output_path(o->output);
	if (optind < argc)
		return pr_usage_error("unexpected argument '%s'", argv[optind]);
	if (o->watch_s > 0 && o->wait_until_s > 0)
		return pr_usage_error("--watch judges a window and --wait-until waits for a pass: give one of them");
	if ((o->metrics_url || o->prometheus_url || o->initial_delay_s >= 0) && o->watch_s <= 0)
		return pr_usage_error("--metrics, --prometheus and --initial-delay apply to --watch DURATION");
	if (o->plot && o->watch_s <= 0)
		return pr_usage_error("--plot draws a watch's metric rules: give --watch DURATION");
	if (o->expect_status && o->nchecks == 0)
		return pr_usage_error("--expect-status applies to --check NAME=URL checks; give at least one");
	if (o->th.p95_warn_ms > o->th.p95_crit_ms)
		return pr_usage_error("--p95-warn %g is above --p95-crit %g", o->th.p95_warn_ms, o->th.p95_crit_ms);
	if (o->th.error_warn_pct > o->th.error_crit_pct)
		return pr_usage_error("--error-warn %g is above --error-crit %g",
		    o->th.error_warn_pct, o->th.error_crit_pct);
	return PR_OK;
}

/* The database of the SQL checks: DATABASE_URL, else the config's
 * database.url; NULL when neither says. */
static int
database_url(const struct config *cfg, const char **url)
{
	const char *env = getenv("DATABASE_URL");
	const cJSON *sec = config_section(cfg, "database");

	*url = env && *env ? env : NULL;
	if (!*url && sec)
		return doc_get_string(sec, "url", PR_OPTIONAL, cfg->name, url);
	return PR_OK;
}

/* The metric rules of qa.watch, when the watch has any. */
static int
load_metrics(const struct opts *o, const cJSON *section, const char *cfgname, struct qametrics *m)
{
	char ctx[512];

	(void)o;
	snprintf(ctx, sizeof ctx, "%s: qa", cfgname);
	qametrics_free(m);
	return qametrics_load(cJSON_GetObjectItemCaseSensitive(section, "watch"), ctx, m);
}

/* The suite from the config (when there is one) and the --check flags. */
static int
load_suite(const struct opts *o, struct qa_suite *s, struct qametrics *m)
{
	struct config cfg = {0};
	cJSON *section = NULL;
	const char *db_url = NULL;
	int rc = PR_OK;

	memset(s, 0, sizeof *s);
	s->timeout_s = QA_TIMEOUT_S;
	/* Flags alone do not read ./pr-tools.json; -f adds its checks. */
	if (o->file || o->nchecks == 0) {
		if ((rc = config_load(o->file, &cfg)))
			goto out;
		if (!cfg.root) {
			rc = pr_usage_error("no checks: give -f FILE with a \"qa\" section, or --check NAME=URL");
			goto out;
		}
		if (!config_section(&cfg, "qa")) {
			if (o->nchecks == 0) {
				rc = pr_error(PR_INPUT,
				    "%s: no \"qa\" section (add one with \"checks\", or use --check NAME=URL)",
				    cfg.name);
				goto out;
			}
		} else {
			section = cJSON_Duplicate(config_section(&cfg, "qa"), true);
			if (o->base_url && cJSON_IsObject(section)) {
				cJSON_DeleteItemFromObjectCaseSensitive(section, "base_url");
				cJSON_AddStringToObject(section, "base_url", o->base_url);
			}
			if ((rc = qa_suite_load(section, cfg.name, s)))
				goto out;
			if (o->watch_s > 0 && (rc = load_metrics(o, section, cfg.name, m)))
				goto out;
		}
	}
	if (o->base_url && !s->base_url)
		s->base_url = xstrdup(o->base_url);
	if (o->metrics_url) {
		free(m->url);
		m->url = xstrdup(o->metrics_url);
	}
	if (o->prometheus_url) {
		free(m->prometheus);
		m->prometheus = xstrdup(o->prometheus_url);
	}
	if (o->initial_delay_s >= 0)
		m->initial_delay_s = o->initial_delay_s;
	if ((m->url || m->prometheus) && m->n == 0) {
		rc = pr_error(PR_INPUT,
		    "--metrics, --prometheus: no rules to judge (add qa.watch.rules to the config)");
		goto out;
	}
	if (o->plot && m->n == 0) {
		rc = pr_error(PR_INPUT, "--plot: no metric rules to draw (add qa.watch.rules to the config)");
		goto out;
	}
	if ((rc = qametrics_check(m)))
		goto out;
	for (size_t i = 0; i < o->nchecks; i++) {
		char *name = xstrdup(o->checks[i]);
		char *eq = strchr(name, '=');

		*eq = '\0';
		rc = qa_suite_add(s, name, eq + 1, o->expect_status);
		free(name);
		if (rc)
			goto out;
	}
	if (o->timeout_s > 0)
		s->timeout_s = o->timeout_s;
	if ((rc = database_url(&cfg, &db_url)) == PR_OK)
		rc = qa_suite_set_database(s, db_url);
out:
	cJSON_Delete(section);
	config_free(&cfg);
	return rc;
}

static void
note_results(const struct qa_suite *s, const struct qa_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct qa_result *res = &r->results[i];

		if (res->outcome == QA_PASS && !res->status)	/* an SQL check */
			pr_note("pass %s (%.0f ms)", s->checks[i].name, res->latency_ms);
		else if (res->outcome == QA_PASS)
			pr_note("pass %s (%ld, %.0f ms)", s->checks[i].name, res->status, res->latency_ms);
		else
			pr_note("%s %s: %s", qa_outcome_name(res->outcome), s->checks[i].name,
			    res->nfailures ? res->failures[0] : "");
	}
}

static int
write_junit(const char *path, const struct qa_suite *s, const struct qa_report *r)
{
	struct junit_case *cases = xcalloc(r->n ? r->n : 1, sizeof *cases);
	char **details = xcalloc(r->n ? r->n : 1, sizeof *details);
	char stamp[PR_RFC3339_LEN];
	int rc;

	util_rfc3339_now(stamp);
	for (size_t i = 0; i < r->n; i++) {
		const struct qa_result *res = &r->results[i];
		struct buf d = {0};

		buf_printf(&d, "%s %s", s->checks[i].method, res->shown_url);
		if (res->status)
			buf_printf(&d, " -> %ld in %.1f ms", res->status, res->latency_ms);
		for (size_t j = 0; j < res->nfailures; j++)
			buf_printf(&d, "\n%s", res->failures[j]);
		details[i] = buf_detach(&d);
		cases[i].name = s->checks[i].name;
		cases[i].classname = JUNIT_SUITE;
		cases[i].time_ms = res->latency_ms > 0 ? res->latency_ms : 0;
		cases[i].outcome = res->outcome == QA_PASS ? JUNIT_PASS :
		    res->outcome == QA_FAIL ? JUNIT_FAILURE :
		    res->outcome == QA_ERROR ? JUNIT_ERROR : JUNIT_SKIPPED;
		cases[i].message = res->nfailures ? res->failures[0] : NULL;
		cases[i].detail = details[i];
	}
	rc = junit_write(path, JUNIT_SUITE, stamp, cases, r->n);
	for (size_t i = 0; i < r->n; i++)
		free(details[i]);
	free(details);
	free(cases);
	return rc;
}

static void
report_github(const char *verdict, const struct qa_suite *s, const struct qa_report *r, const struct qa_watch *w)
{
	static const char *const head[] = { "Check", "Result", "Status", "Latency (ms)", "Detail" };
	struct buf md = {0};
	char num[32];

	if (!pr_in_github())
		return;
	gha_output("verdict", verdict);
	snprintf(num, sizeof num, "%zu", r->passed);
	gha_output("passed", num);
	snprintf(num, sizeof num, "%zu", r->failed + r->errors + r->skipped);
	gha_output("failed", num);
	buf_printf(&md, "### pr-qa: %s\n\n%zu passed, %zu failed, %zu errors, %zu skipped\n\n",
	    strcmp(verdict, "pass") == 0 ? "pass" : "FAIL", r->passed, r->failed, r->errors, r->skipped);
	if (w) {
		gha_output("level", qa_level_name(w->level));
		buf_printf(&md, "Watch: %zu rounds, %zu requests, error rate %.2f %%, p95 %.1f ms: **%s**\n\n",
		    w->rounds, w->requests, w->error_rate * 100, w->p95_ms, qa_level_name(w->level));
	}
	gha_table_head(&md, 5, head, "lllll");
	for (size_t i = 0; i < r->n; i++) {
		const struct qa_result *res = &r->results[i];
		char status[32] = "", latency[32] = "";

		if (res->status)
			snprintf(status, sizeof status, "%ld", res->status);
		if (res->latency_ms >= 0)
			snprintf(latency, sizeof latency, "%.1f", res->latency_ms);
		gha_table_row(&md, 5, (const struct gha_cell[]){
			{ s->checks[i].name, GHA_PLAIN },
			{ res->outcome == QA_PASS ? "pass" : qa_outcome_name(res->outcome), GHA_PLAIN },
			{ status, GHA_PLAIN },
			{ latency, GHA_PLAIN },
			{ res->nfailures ? res->failures[0] : "", GHA_PLAIN },
		});
	}
	buf_adds(&md, "\n");
	gha_summary(md.data);
	buf_free(&md);
}

/* Repeat the suite until the watch has lasted o->watch_s, or a metric rule
 * turns critical, or the metrics cannot be read (that code is returned). */
static int
watch(const struct opts *o, const struct qa_suite *s, struct qametrics *m, struct qa_report *last,
    struct qa_requests *reqs, size_t *rounds, size_t *unreachable_rounds)
{
	int rc = PR_OK;

	double start_ms = util_mono_ms(), end_ms = start_ms + o->watch_s * 1e3;

	for (;;) {
		double round_ms = util_mono_ms();
		double next_ms = round_ms + o->interval_s * 1e3;

		qa_report_free(last);
		qa_run(s, &o->run, last, reqs);
		(*rounds)++;
		*unreachable_rounds += last->unreachable;
		pr_log("round %zu: %zu passed, %zu failed, %zu errors, %zu skipped", *rounds, last->passed,
		    last->failed, last->errors, last->skipped);
		if ((rc = qametrics_round(m, (util_mono_ms() - start_ms) / 1e3, s->timeout_s)))
			break;
		if (qametrics_level(m, NULL) == QA_LEVEL_CRITICAL)
			break;	/* the next step rolls back now, not at the end */
		if (pr_progress_ok() && !o->quiet) {
			size_t errs = 0;

			for (size_t i = 0; i < reqs->n; i++)
				errs += reqs->error[i];
			fprintf(stderr, "\rpr-qa: watch round %zu, %.0f of %.0f s, %zu requests, %zu errors ",
			    *rounds, (util_mono_ms() - start_ms) / 1e3, o->watch_s, reqs->n, errs);
		}
		if (next_ms >= end_ms || util_mono_ms() >= end_ms)
			break;
		util_sleep_ms(next_ms - util_mono_ms() > 0 ? next_ms - util_mono_ms() : 0);
	}
	if (pr_progress_ok() && !o->quiet)
		fputc('\n', stderr);
	return rc;
}

/* Repeat the suite every o->interval_s until every check passes or
 * o->wait_until_s has passed (no round starts after that); r holds the last
 * round, *rounds counts them, *elapsed_ms is the time until the last one
 * ended.  The verdict is the last round's. */
static void
wait_until(const struct opts *o, const struct qa_suite *s, struct qa_report *r, size_t *rounds,
    double *elapsed_ms)
{
	double start_ms = util_mono_ms(), end_ms = start_ms + o->wait_until_s * 1e3;

	for (;;) {
		double next_ms = util_mono_ms() + o->interval_s * 1e3;

		qa_report_free(r);
		qa_run(s, &o->run, r, NULL);
		(*rounds)++;
		*elapsed_ms = util_mono_ms() - start_ms;
		if (r->passed == r->n || next_ms > end_ms)
			break;
		pr_note("wait: round %zu: %zu of %zu checks pass; again in %.1f s", *rounds, r->passed, r->n,
		    (next_ms - util_mono_ms()) / 1e3 > 0 ? (next_ms - util_mono_ms()) / 1e3 : 0);
		util_sleep_ms(next_ms - util_mono_ms() > 0 ? next_ms - util_mono_ms() : 0);
	}
	if (r->passed == r->n)
		pr_note("wait: every check passes after %zu round(s), %.1f s", *rounds, *elapsed_ms / 1e3);
	else
		pr_note("wait: %zu of %zu checks still fail after %zu round(s), %.1f s (--wait-until %g s)",
		    r->n - r->passed, r->n, *rounds, *elapsed_ms / 1e3, o->wait_until_s);
}

/* The document's "wait" object: how long the checks took to pass. */
static cJSON *
wait_to_json(const struct opts *o, size_t rounds, double elapsed_ms)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "until_s", o->wait_until_s);
	cJSON_AddNumberToObject(j, "interval_s", o->interval_s);
	cJSON_AddNumberToObject(j, "rounds", (double)rounds);
	cJSON_AddNumberToObject(j, "elapsed_ms", doc_round(elapsed_ms, PR_MS_DECIMALS));
	return j;
}

/* The metric rules' series as SVG, written atomically. */
static int
write_plot(const char *path, const struct qametrics *m)
{
	struct buf svg = {0};
	int rc;

	qametrics_svg(m, &svg);
	rc = fileio_write_atomic(path, svg.data, svg.len);
	buf_free(&svg);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o = {0};
	struct qa_suite s = {0};
	struct qa_report r = {0};
	struct qa_requests reqs = {0};
	struct qa_watch w;
	struct qametrics m = {0};
	const char *critical_rule = NULL;
	size_t rounds = 0, unreachable_rounds = 0;
	double waited_ms = 0;
	const char *verdict;
	cJSON *doc = NULL;
	char *target = NULL;
	int rc, erc;

	pr_init(argv[0]);
	if ((rc = parse_args(argc, argv, &o)))
		goto out;
	pr_set_quiet(o.quiet);
	if ((rc = pr_log_open(NULL, "pr-qa", LOG_ALIAS, o.log)))
		goto out;
	if ((rc = load_suite(&o, &s, &m)))
		goto out;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (o.watch_s > 0) {
		if ((rc = watch(&o, &s, &m, &r, &reqs, &rounds, &unreachable_rounds)))
			goto out;
		qa_watch_judge(&reqs, rounds, &o.th, &w);
		if (qametrics_level(&m, &critical_rule) != QA_LEVEL_CRITICAL)
			critical_rule = NULL;
		verdict = w.level == QA_LEVEL_CRITICAL || critical_rule ? "fail" : "pass";
	} else {
		if (o.wait_until_s > 0)
			wait_until(&o, &s, &r, &rounds, &waited_ms);
		else
			qa_run(&s, &o.run, &r, NULL);
		verdict = r.passed == r.n ? "pass" : "fail";
	}
	if (!o.watch_s && !r.unreachable)
		note_results(&s, &r);

	doc = doc_new("qa");
	cJSON_AddStringToObject(doc, "verdict", verdict);
	if (s.base_url) {
		target = util_redact_url(s.base_url);
		cJSON_AddStringToObject(doc, "target", target);
	} else {
		cJSON_AddNullToObject(doc, "target");
	}
	qa_report_to_json(&s, &r, doc);
	if (o.watch_s > 0) {
		cJSON *wj = qa_watch_to_json(&w, &o.th, o.watch_s, o.interval_s);

		if (qametrics_active(&m))
			cJSON_AddItemToObject(wj, "rules", qametrics_to_json(&m));
		cJSON_AddItemToObject(doc, "watch", wj);
	}
	if (o.wait_until_s > 0)
		cJSON_AddItemToObject(doc, "wait", wait_to_json(&o, rounds, waited_ms));
	if ((rc = doc_emit(doc, o.output)))
		goto out;
	if (o.plot && (rc = write_plot(o.plot, &m)))
		goto out;
	if (o.junit && (rc = write_junit(o.junit, &s, &r)))
		goto out;
	report_github(verdict, &s, &r, o.watch_s > 0 ? &w : NULL);

	if (o.watch_s > 0) {
		char why[sizeof w.reasons + 8] = "";

		for (size_t i = 0; i < w.nreasons; i++)
			snprintf(why + strlen(why), sizeof why - strlen(why), "%s%s", i ? "; " : "", w.reasons[i]);
		pr_note("watch: %zu rounds, %zu requests, error rate %.2f %%, p95 %.1f ms: %s", w.rounds,
		    w.requests, w.error_rate * 100, w.p95_ms, qa_level_name(w.level));
		if (unreachable_rounds == rounds)
			rc = pr_error(PR_EXTERNAL, "cannot reach %s: every check failed to connect in every round "
			    "(check the URL and that the app is up)", target ? target : r.results[0].shown_url);
		else if (critical_rule)
			rc = pr_error(PR_FAIL, "watch: critical: rule %s held its critical level (the canary breached "
			    "its thresholds: roll back)", critical_rule);
		else if (w.level == QA_LEVEL_CRITICAL)
			rc = pr_error(PR_FAIL, "watch: critical: %s (the canary breached its thresholds: roll back)",
			    why);
		else if (w.level == QA_LEVEL_WARNING)
			pr_warn("watch: warning: %s", why);
	} else if (r.unreachable) {
		rc = pr_error(PR_EXTERNAL, "cannot reach %s: every check failed to connect: %s (check the URL "
		    "and that the app is up)", target ? target : r.results[0].shown_url,
		    r.results[0].nfailures ? r.results[0].failures[0] : "no response");
	} else if (strcmp(verdict, "pass") != 0) {
		rc = PR_FAIL;
	}
out:
	cJSON_Delete(doc);
	free(target);
	free(o.checks);
	qa_report_free(&r);
	qa_requests_free(&reqs);
	qa_suite_free(&s);
	qametrics_free(&m);
	if ((erc = pr_log_close()) && rc == PR_OK)
		rc = erc;
	return rc;
}
