/*
 * pr-compare: compare two pr-tools/bench/1 documents metric by metric and
 * say, per quantile, error rate and budget, what regressed, what is shown
 * unchanged and what the data cannot tell yet.  Options and the order of steps only: the comparison is
 * lib/compare.c, the tables and picture lib/report.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "compare.h"
#include "comparecfg.h"
#include "config.h"
#include "doc.h"
#include "pr.h"
#include "fileio.h"
#include "gha.h"
#include "report.h"
#include "util.h"

/* The baseline's name in reports when one document is held to budgets. */
#define NO_BASELINE "(no baseline)"

enum format { FORMAT_AUTO, FORMAT_TEXT, FORMAT_MARKDOWN, FORMAT_JSON };

enum { OPT_FORMAT = 256, OPT_FAIL_ON, OPT_PLOT, OPT_LOG, OPT_QUANTILES, OPT_CORRECTION, OPT_BUDGET };

static const struct option longopts[] = {
	{ "alpha", required_argument, NULL, 'a' },
	{ "threshold", required_argument, NULL, 't' },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "quantiles", required_argument, NULL, OPT_QUANTILES },
	{ "correction", required_argument, NULL, OPT_CORRECTION },
	{ "budget", required_argument, NULL, OPT_BUDGET },
	{ "config", required_argument, NULL, 'f' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "output", required_argument, NULL, 'o' },
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ "log", no_argument, NULL, OPT_LOG },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char usage_text[] =
    "usage: pr-compare [options] BASELINE AFTER\n"
    "       pr-compare --budget B [options] DOCUMENT\n"
    "Compare two pr-tools/bench/1 documents (\"-\" is stdin, for one of them),\n"
    "or hold one document to its budgets (--budget or the config's).\n"
    "\n"
    "  -a, --alpha A          family-wise significance level (default 0.05)\n"
    "  -t, --threshold T      smallest change that counts: 5% or 0.05 (default 5%)\n"
    "      --quantiles LIST   percentiles judged per metric (default 50,95)\n"
    "      --correction C     holm (default), bh or none, over all tests\n"
    "      --budget B         an absolute limit on the after side, repeatable:\n"
    "                         'p95<500ms', 'errors<1%', 'ID:p99<1s', 'ID_rps:p50>100rps'\n"
    "      --fail-on WHEN     regression (default), inconclusive (also exit 1 when\n"
    "                         the data cannot tell), any (also one-sided metrics),\n"
    "                         or none (never exit 1)\n"
    "  -f, --config FILE      read the \"compare\" section of FILE (default\n"
    "                         ./pr-tools.json, when it has one)\n"
    "      --format FMT       text, markdown or json (default: text on a terminal,\n"
    "                         json otherwise)\n"
    "  -o, --output FILE      also write the JSON document to FILE (OUTPUT_JSON)\n"
    "      --plot FILE        write an SVG picture of both distributions per metric\n"
    "      --log              write logs/pr-compare-YYYYMMDD-HHMMSS.log (QA_LOG=1)\n"
    "  -h, --help             show this help\n"
    "  -V, --version          show the version\n"
    "\n"
    "Exit status: 0 pass or inconclusive, 1 a metric regressed, 2 usage, 3 bad input,\n"
    "4 cannot write.\n";

struct opts {
	struct compare_settings settings;
	enum format format;
	const char *output;	/* --output or OUTPUT_JSON: the JSON document */
	const char *plot;	/* --plot: the SVG picture */
	bool log;
	const char *base, *after;
	const char *config;	/* -f: pr-tools.json with a "compare" section */
	struct comparecfg_given given;	/* settings the flags gave: they win over the config */
};

static int
parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	comparecfg_settings_default(&o->settings);
	o->format = FORMAT_AUTO;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":a:t:o:f:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (util_parse_double(optarg, 0, 1, &o->settings.alpha) || o->settings.alpha <= 0 ||
			    o->settings.alpha >= 1)
				return pr_usage_error("--alpha %s: give a probability between 0 and 1, such as 0.05",
				    optarg);
			o->given.alpha = true;
			break;
		case 't':
			if (compare_threshold_parse(optarg, &o->settings.threshold))
				return pr_usage_error(
				    "--threshold %s: give a percentage (5%%) or a fraction below 1 (0.05)", optarg);
			o->given.threshold = true;
			break;
		case OPT_FAIL_ON:
			if (compare_fail_on_parse(optarg, &o->settings.fail_on))
				return pr_usage_error("--fail-on %s: give regression, inconclusive, any or none",
				    optarg);
			o->given.fail_on = true;
			break;
		case OPT_QUANTILES:
			if (comparecfg_quantiles_parse(optarg, &o->settings))
				return pr_usage_error("--quantiles %s: give percentiles above 0 and below 100, "
				    "such as 50,95,99 (at most %d)", optarg, CMP_MAX_QUANTILES);
			o->given.quantiles = true;
			break;
		case OPT_CORRECTION:
			if (stats_correction_parse(optarg, &o->settings.correction))
				return pr_usage_error("--correction %s: give holm, bh or none", optarg);
			o->given.correction = true;
			break;
		case OPT_BUDGET:
			if (comparecfg_budget_parse(optarg, &o->settings))
				return pr_usage_error("--budget %s: give [ID:]STAT<LIMIT, STAT p50..p99.9, mean, max "
				    "or errors, LIMIT such as 500ms, 1s, 100rps or 1%% (at most %d budgets)", optarg,
				    CMP_MAX_BUDGETS);
			break;
		case 'f':
			o->config = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				o->format = FORMAT_TEXT;
			else if (strcmp(optarg, "markdown") == 0)
				o->format = FORMAT_MARKDOWN;
			else if (strcmp(optarg, "json") == 0)
				o->format = FORMAT_JSON;
			else
				return pr_usage_error("--format %s: give text, markdown or json", optarg);
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
	if (argc - optind != 2 && argc - optind != 1)
		return pr_usage_error("expected two documents, BASELINE and AFTER, or one with budgets; got %d",
		    argc - optind);
	o->base = argc - optind == 2 ? argv[optind] : NULL;
	o->after = argv[argc - 1];
	o->output = doc_output_path(o->output);
	if (o->format == FORMAT_AUTO)
		o->format = isatty(STDOUT_FILENO) ? FORMAT_TEXT : FORMAT_JSON;
	return PR_OK;
}

/*
 * Whether ./pr-tools.json, read without -f, has a "compare" section (*has).
 * Only then is it loaded: loading expands ${VAR} in every section, and a CI
 * step that only compares has no reason to hold the other sections'
 * secrets.  A file that is not JSON counts as having one, so that
 * config_load reports it.  0, or PR_INPUT when it cannot be read.
 */
#define CONFIG_PEEK_MAX_BYTES ((size_t)16 << 20)

static int
default_config_has_compare(bool *has)
{
	struct buf text = {0};
	cJSON *root;
	int rc;

	*has = false;
	if (access(PR_CONFIG_DEFAULT, F_OK) != 0)
		return PR_OK;
	if ((rc = fileio_read_file(PR_CONFIG_DEFAULT, CONFIG_PEEK_MAX_BYTES, &text)))
		return rc;
	root = cJSON_ParseWithLength(text.data ? text.data : "", text.len);
	*has = !root || cJSON_GetObjectItemCaseSensitive(root, "compare") != NULL;
	cJSON_Delete(root);
	buf_free(&text);
	return PR_OK;
}

/* The "compare" section of the config (-f, or ./pr-tools.json when it has
 * one): its settings unless a flag gave them, and its budgets. */
static int
read_config(struct opts *o)
{
	struct config cfg = {0};
	const cJSON *sec;
	struct buf ctx = {0};
	int rc;

	bool has = true;

	if (!o->config && ((rc = default_config_has_compare(&has)) || !has))
		return rc;
	if ((rc = config_load(o->config, &cfg)))
		return rc;
	if ((sec = config_section(&cfg, "compare"))) {
		buf_printf(&ctx, "%s: compare", cfg.name);
		rc = comparecfg_parse(sec, ctx.data, &o->given, &o->settings);
	} else if (cfg.root) {
		pr_log("%s: no \"compare\" section; using flags only", cfg.name);
	}
	buf_free(&ctx);
	config_free(&cfg);
	return rc;
}

/* Key results and the Markdown table for GitHub Actions (no-ops outside). */
static int
report_github(const struct compare_result *r)
{
	struct buf md = {0};
	char regressed[32], unsure[32];
	int rc;

	snprintf(regressed, sizeof regressed, "%zu", r->count[CMP_REGRESSED]);
	snprintf(unsure, sizeof unsure, "%zu", r->count[CMP_INCONCLUSIVE]);
	if ((rc = gha_output("verdict", compare_outcome_name(r->outcome))) ||
	    (rc = gha_output("regressed", regressed)) || (rc = gha_output("inconclusive", unsure)))
		return rc;
	report_markdown(r, &md);
	rc = gha_summary(md.data);
	buf_free(&md);
	return rc;
}

/* With one document, each broken budget as an error line: the reason on
 * stderr, and an annotation in GitHub Actions, so that the alert says why. */
static void
report_breaches(const struct compare_result *r)
{
	for (size_t i = 0; i < r->nmetrics; i++)
		if (r->metrics[i].verdict == CMP_REGRESSED)
			pr_error(PR_FAIL, "%s: %s", r->metrics[i].id, r->metrics[i].reason);
}

static int
stdout_sink(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	return fwrite(s, 1, n, stdout) == n ? 0 : -1;
}

/* stdout in the chosen format; the JSON document also to --output (the
 * document is only built when it is written somewhere, and streamed when
 * it goes to stdout alone). */
static int
emit(const struct opts *o, const struct compare_result *r)
{
	struct buf out = {0};
	char *text = NULL;
	int rc = PR_OK;

	if (o->format == FORMAT_JSON && !o->output) {
		if (compare_document_write(r, stdout_sink, NULL) || fflush(stdout) == EOF)
			rc = pr_error(PR_EXTERNAL, "cannot write the document to stdout");
		return rc;
	}
	if (o->format == FORMAT_JSON || o->output)
		text = compare_document_text(r);
	if (o->format == FORMAT_JSON) {
		if (fputs(text, stdout) == EOF || fflush(stdout) == EOF)
			rc = pr_error(PR_EXTERNAL, "cannot write the document to stdout");
	} else {
		if (o->format == FORMAT_TEXT)
			report_text(r, isatty(STDOUT_FILENO) && pr_color(), &out);
		else
			report_markdown(r, &out);
		if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) == EOF)
			rc = pr_error(PR_EXTERNAL, "cannot write the report to stdout");
	}
	buf_free(&out);
	if (rc == PR_OK && o->output)
		rc = fileio_write_atomic(o->output, text, strlen(text));
	free(text);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o = {0};
	struct compare_result r = {0};
	struct compare_input base, after;
	cJSON *base_doc = NULL, *after_doc = NULL;
	struct buf svg = {0};
	int rc;

	pr_init(argv[0]);
	if ((rc = parse_args(argc, argv, &o))) {
		comparecfg_settings_free(&o.settings);
		return rc;
	}
	if ((rc = pr_log_open(NULL, "pr-compare", NULL, o.log)))
		goto out;
	if ((rc = read_config(&o)))
		goto out;
	if (!o.base && o.settings.nbudgets == 0) {
		rc = pr_usage_error("one document is held to budgets: give --budget (such as 'p95<3s') or budgets "
		    "in the config's compare section");
		goto out;
	}
	if (o.base && strcmp(o.base, "-") == 0 && strcmp(o.after, "-") == 0) {
		rc = pr_error(PR_INPUT, "both documents are \"-\": stdin holds only one (give a file for the other)");
		goto out;
	}
	if ((o.base && (rc = doc_load(o.base, "bench", &base_doc))) || (rc = doc_load(o.after, "bench", &after_doc)))
		goto out;
	base = (struct compare_input){ o.base ? o.base : NO_BASELINE, base_doc };
	after = (struct compare_input){ o.after, after_doc };
	if ((rc = compare_run(&base, &after, &o.settings, &r)))
		goto out;
	compare_release_samples(base_doc);
	compare_release_samples(after_doc);
	pr_log("%s vs %s: %s", base.name, o.after, compare_outcome_name(r.outcome));
	if (o.plot) {
		report_svg(&r, &svg);
		if ((rc = fileio_write_atomic(o.plot, svg.data, svg.len)))
			goto out;
	}
	if ((rc = emit(&o, &r)) || (rc = report_github(&r)))
		goto out;
	if (!o.base)
		report_breaches(&r);
	if (r.outcome == CMP_UNSURE)
		pr_warn("inconclusive: %zu metric%s could not be shown unchanged or changed; see their reasons "
		    "for the samples that would settle it", r.count[CMP_INCONCLUSIVE],
		    r.count[CMP_INCONCLUSIVE] == 1 ? "" : "s");
	rc = r.fail ? PR_FAIL : PR_OK;
out:
	buf_free(&svg);
	compare_result_free(&r);
	cJSON_Delete(base_doc);
	cJSON_Delete(after_doc);
	comparecfg_settings_free(&o.settings);
	pr_log_close();
	return rc;
}
