/*
 * pr-trend: read a history that pr-bench --history keeps, find the change
 * points of each metric, and fail when the newest one is a recent
 * regression.  Options and the order of steps only: reading is
 * lib/history.c, the method lib/trend.c, the reports lib/trendreport.c.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "compare.h"
#include "doc.h"
#include "pr.h"
#include "fileio.h"
#include "gha.h"
#include "history.h"
#include "trend.h"
#include "util.h"

#define DEFAULT_THRESHOLD 0.10
#define DEFAULT_RECENT 30
#define MAX_RECENT 100000000L
#define MAX_MIN_SEGMENT 100000L

enum format { FORMAT_AUTO, FORMAT_TEXT, FORMAT_MARKDOWN, FORMAT_JSON };

struct opts {
	struct trend_options t;
	const char **metrics;	/* --metric, NULL-terminated; owned array */
	size_t nmetrics;
	enum format format;
	const char *output;	/* -o or OUTPUT_JSON */
	const char *plot;	/* --plot */
	bool log;
};

enum { OPT_METRIC = 256, OPT_STAT, OPT_PERMUTATIONS, OPT_MIN_SEGMENT, OPT_SEED, OPT_RECENT, OPT_FORMAT,
	OPT_PLOT, OPT_LOG };

static const struct option longopts[] = {
	{ "metric", required_argument, NULL, OPT_METRIC },
	{ "stat", required_argument, NULL, OPT_STAT },
	{ "alpha", required_argument, NULL, 'a' },
	{ "permutations", required_argument, NULL, OPT_PERMUTATIONS },
	{ "min-segment", required_argument, NULL, OPT_MIN_SEGMENT },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "threshold", required_argument, NULL, 't' },
	{ "recent", required_argument, NULL, OPT_RECENT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "output", required_argument, NULL, 'o' },
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ "log", no_argument, NULL, OPT_LOG },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char usage_text[] =
    "usage: pr-trend [options] HISTORY\n"
    "Find change points in a history written by pr-bench --history (JSON Lines).\n"
    "\n"
    "      --metric ID        analyse only this metric (repeatable; default all)\n"
    "      --stat S           the series: p50 (default), p90, p95, p99, mean or max\n"
    "  -a, --alpha A          significance of each split (default 0.01)\n"
    "      --permutations N   permutations per tested segment (default 199)\n"
    "      --min-segment N    points on each side of a change point (default 5)\n"
    "      --seed N           seed of the permutations (default fixed: reruns match)\n"
    "  -t, --threshold T      a newest change worse by more than T is a regression:\n"
    "                         10% or 0.1 (default 10%)\n"
    "      --recent N         judge the newest change point only when it is within\n"
    "                         the last N points (default 30; 0: anywhere)\n"
    "      --format FMT       text, markdown or json (default: text on a terminal,\n"
    "                         json otherwise)\n"
    "  -o, --output FILE      also write the JSON document to FILE (OUTPUT_JSON)\n"
    "      --plot FILE        write an SVG time series with change points marked\n"
    "      --log              write logs/pr-trend-YYYYMMDD-HHMMSS.log (QA_LOG=1)\n"
    "  -h, --help             show this help\n"
    "  -V, --version          show the version\n"
    "\n"
    "Malformed history lines are skipped with a warning naming their line.\n"
    "Exit status: 0 pass, 1 a metric regressed at its newest change point, 2 usage,\n"
    "3 bad input, 4 cannot write.\n";

static int
parse_number_opt(int c, const char *arg, struct opts *o)
{
	long v;

	switch (c) {
	case 'a':
		if (util_parse_double(arg, 0, 1, &o->t.method.alpha) || o->t.method.alpha <= 0 ||
		    o->t.method.alpha >= 1)
			return pr_usage_error("--alpha %s: give a probability between 0 and 1, such as 0.01", arg);
		return 0;
	case 't':
		if (compare_threshold_parse(arg, &o->t.threshold))
			return pr_usage_error(
			    "--threshold %s: give a percentage (10%%) or a fraction below 1 (0.1)", arg);
		return 0;
	case OPT_PERMUTATIONS:
		if (util_parse_long(arg, 19, TREND_MAX_PERMUTATIONS, &v))
			return pr_usage_error("--permutations %s: give a whole number from 19 to %d", arg,
			    TREND_MAX_PERMUTATIONS);
		o->t.method.permutations = (unsigned)v;
		return 0;
	case OPT_MIN_SEGMENT:
		if (util_parse_long(arg, 1, MAX_MIN_SEGMENT, &v))
			return pr_usage_error("--min-segment %s: give a whole number of points from 1 to %ld", arg,
			    MAX_MIN_SEGMENT);
		o->t.method.min_segment = (size_t)v;
		return 0;
	case OPT_SEED:
		if (util_parse_long(arg, 0, LONG_MAX, &v))
			return pr_usage_error("--seed %s: give a whole number of at least 0", arg);
		o->t.method.seed = (uint64_t)v;
		return 0;
	default:	/* OPT_RECENT */
		if (util_parse_long(arg, 0, MAX_RECENT, &v))
			return pr_usage_error("--recent %s: give a whole number of points (0: anywhere)", arg);
		o->t.recent = (size_t)v;
		return 0;
	}
}

static int
parse_format(const char *arg, enum format *out)
{
	static const char *const names[] = { "text", "markdown", "json" };

	for (int i = 0; i < 3; i++)
		if (strcmp(arg, names[i]) == 0) {
			*out = (enum format)(FORMAT_TEXT + i);
			return 0;
		}
	return pr_usage_error("--format %s: give text, markdown or json", arg);
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	int c, rc;

	trend_settings_default(&o->t.method);
	o->t.threshold = DEFAULT_THRESHOLD;
	o->t.recent = DEFAULT_RECENT;
	o->metrics = xcalloc((size_t)argc + 1, sizeof *o->metrics);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":a:t:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_METRIC:
			o->metrics[o->nmetrics++] = optarg;
			break;
		case OPT_STAT:
			if (trend_stat_parse(optarg, &o->t.stat))
				return pr_usage_error("--stat %s: give p50, p90, p95, p99, mean or max", optarg);
			break;
		case 'a': case 't': case OPT_PERMUTATIONS: case OPT_MIN_SEGMENT: case OPT_SEED: case OPT_RECENT:
			if ((rc = parse_number_opt(c, optarg, o)))
				return rc;
			break;
		case OPT_FORMAT:
			if ((rc = parse_format(optarg, &o->format)))
				return rc;
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_PLOT:
			o->plot = optarg;
			break;
		case OPT_LOG:
			o->log = true;
			break;
		default:
			return pr_getopt_other(c, usage_text, argv);
		}
	}
	if (argc - optind != 1)
		return pr_usage_error("expected one history file; got %d operands", argc - optind);
	o->t.history = argv[optind];
	o->t.metrics = o->nmetrics ? o->metrics : NULL;
	o->output = doc_output_path(o->output);
	if (o->format == FORMAT_AUTO)
		o->format = isatty(STDOUT_FILENO) ? FORMAT_TEXT : FORMAT_JSON;
	return PR_OK;
}

/* stdout in the chosen format, the document to --output, the picture to --plot. */
static int
emit(const struct opts *o, const struct trend_result *r)
{
	struct buf out = {0};
	cJSON *doc = NULL;
	int rc = PR_OK;

	if (o->format == FORMAT_JSON || o->output)
		doc = trend_document(r);
	if (o->format == FORMAT_JSON) {
		rc = doc_emit(doc, o->output);
	} else {
		if (o->format == FORMAT_TEXT)
			trend_text(r, &out);
		else
			trend_markdown(r, &out);
		if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) == EOF)
			rc = pr_error(PR_EXTERNAL, "cannot write the report to stdout");
		if (rc == PR_OK && o->output) {
			char *text = doc_text(doc);

			rc = fileio_write_atomic(o->output, text, strlen(text));
			free(text);
		}
	}
	buf_reset(&out);
	if (rc == PR_OK && o->plot) {
		trend_svg(r, &out);
		rc = fileio_write_atomic(o->plot, out.data, out.len);
	}
	buf_free(&out);
	cJSON_Delete(doc);
	return rc;
}

/* Outputs and the step summary in GitHub Actions, and each regression as
 * an error line (an annotation there). */
static int
report_github(const struct trend_result *r)
{
	struct buf md = {0};
	char n[32];
	int rc;

	for (size_t i = 0; i < r->nm; i++)
		if (r->m[i].regression)
			pr_error(PR_FAIL, "%s: %s", r->m[i].id, r->m[i].reason);
	snprintf(n, sizeof n, "%zu", r->regressions);
	if ((rc = gha_output("verdict", r->fail ? "fail" : "pass")) || (rc = gha_output("regressions", n)))
		return rc;
	if (!pr_in_github())
		return PR_OK;
	trend_markdown(r, &md);
	rc = gha_summary(md.data);
	buf_free(&md);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o = {0};
	struct history h = {0};
	struct trend_result r = {0};
	int rc, erc;

	pr_init(argv[0]);
	if ((rc = parse_args(argc, argv, &o)) || (rc = pr_log_open(NULL, "pr-trend", NULL, o.log)))
		goto out;
	if ((rc = history_load(o.t.history, &h)) || (rc = trend_analyse(&h, &o.t, &r)))
		goto out;
	pr_log("%s: %zu metrics, %zu regressed", o.t.history, r.nm, r.regressions);
	if ((rc = emit(&o, &r)) || (rc = report_github(&r)))
		goto out;
	rc = r.fail ? PR_FAIL : PR_OK;
out:
	trend_result_free(&r);
	history_free(&h);
	free(o.metrics);
	if ((erc = pr_log_close()) && rc == PR_OK)
		rc = erc;
	return rc;
}
