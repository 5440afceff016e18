/*
 * merge.c: `pr-bench merge FILE...`: one pr-tools/bench/1 document from the
 * load documents of several machines (shards run at the same time against
 * the same target).  Latency histograms are added exactly, so the merged
 * summary is what one run over all the requests would give; errors and
 * request counts add up; throughput adds up (the shards ran concurrently).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "buf.h"
#include "doc.h"
#include "err.h"
#include "hist.h"
#include "stats.h"

static const char merge_usage[] =
    "usage: pr-bench merge [-o FILE] FILE...\n"
    "\n"
    "Merge pr-bench --load documents (\"-\" is stdin) into one: histograms,\n"
    "errors and request counts add up, throughput adds up across shards.\n"
    "\n"
    "  -o, --output FILE   also write the document to FILE (or OUTPUT_JSON)\n"
    "  -h, --help          show this help\n"
    "  -V, --version       show the version\n";

/* Load fields that take the largest value rather than the sum. */
static const char *const load_max_keys[] = { "duration_s", "warmup_s", NULL };

/* One metric id as it accumulates over the inputs. */
struct acc {
	char *id;
	cJSON *out;		/* the merged metric, started from the first */
	struct pr_hist *hist;	/* latency metrics; NULL for throughput */
};

struct merge {
	struct acc *v;
	size_t n, cap;
};

static bool
is_max_key(const char *key)
{
	for (const char *const *k = load_max_keys; *k; k++)
		if (strcmp(*k, key) == 0)
			return true;
	return false;
}

/*
 * Fold from into into: numbers add (or take the larger for load_max_keys),
 * a null makes the result null, strings that differ become "mixed".
 * ctx names from for errors.  Returns 0 or PR_INPUT (reported).
 */
static int
fold(cJSON *into, const cJSON *from, const char *ctx)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, from) {
		cJSON *t = cJSON_GetObjectItemCaseSensitive(into, f->string);

		if (!t)
			continue;
		if (cJSON_IsNumber(t) && cJSON_IsNumber(f)) {
			double v = is_max_key(f->string) ? (f->valuedouble > t->valuedouble ? f->valuedouble : t->valuedouble)
			    : t->valuedouble + f->valuedouble;

			cJSON_SetNumberValue(t, v);
		} else if (cJSON_IsNull(f) || cJSON_IsNull(t)) {
			cJSON_ReplaceItemInObjectCaseSensitive(into, f->string, cJSON_CreateNull());
		} else if (cJSON_IsString(t) && cJSON_IsString(f)) {
			if (strcmp(t->valuestring, f->valuestring) != 0)
				cJSON_ReplaceItemInObjectCaseSensitive(into, f->string, cJSON_CreateString("mixed"));
		} else if (t->type != f->type) {
			return pr_error(PR_INPUT, "%s.%s: is %s, another input has %s (merge documents from the same pr-bench)",
			    ctx, f->string, pr_json_type(f), pr_json_type(t));
		}
	}
	return 0;
}

static struct acc *
find_acc(struct merge *mg, const char *id)
{
	for (size_t i = 0; i < mg->n; i++)
		if (strcmp(mg->v[i].id, id) == 0)
			return &mg->v[i];
	return NULL;
}

/* Add one input metric m (named ctx in errors) to the accumulator. */
static int
add_metric(struct merge *mg, const char *id, const cJSON *m, const char *ctx)
{
	const cJSON *errors, *load, *hist_json = NULL, *unit_item;
	const char *unit;
	struct pr_hist *h = NULL;
	struct acc *a;
	struct buf c = { 0 };
	int rc;

	if ((rc = pr_get_string(m, "unit", PR_REQUIRED, ctx, &unit)) ||
	    (rc = pr_get_object(m, "errors", PR_REQUIRED, ctx, &errors)) ||
	    (rc = pr_get_object(m, "load", PR_REQUIRED, ctx, &load)) ||
	    (rc = pr_get_object(m, "histogram", strcmp(unit, "rps") == 0 ? PR_OPTIONAL : PR_REQUIRED, ctx, &hist_json)))
		return rc;
	if (hist_json) {
		h = pr_hist_new();
		buf_printf(&c, "%s.histogram", ctx);
		if ((rc = pr_hist_from_json(hist_json, c.data, h)))
			goto out;
	}
	a = find_acc(mg, id);
	if (!a) {
		if (mg->n == mg->cap) {
			mg->cap = mg->cap ? 2 * mg->cap : 8;
			mg->v = xrealloc(mg->v, mg->cap * sizeof *mg->v);
		}
		a = &mg->v[mg->n++];
		a->id = xstrdup(id);
		a->out = cJSON_Duplicate(m, true);
		a->hist = h;
		h = NULL;
		goto out;
	}
	unit_item = cJSON_GetObjectItemCaseSensitive(a->out, "unit");
	if (!cJSON_IsString(unit_item) || strcmp(unit_item->valuestring, unit) != 0 || !a->hist != !h) {
		rc = pr_error(PR_INPUT, "%s: unit %s or histogram differs from the same metric in an earlier input "
		    "(merge runs of the same metrics)", ctx, unit);
		goto out;
	}
	buf_reset(&c);
	buf_printf(&c, "%s.errors", ctx);
	if ((rc = fold(cJSON_GetObjectItemCaseSensitive(a->out, "errors"), errors, c.data)))
		goto out;
	buf_reset(&c);
	buf_printf(&c, "%s.load", ctx);
	if ((rc = fold(cJSON_GetObjectItemCaseSensitive(a->out, "load"), load, c.data)))
		goto out;
	if (h)
		pr_hist_merge(a->hist, h);
out:
	free(h);
	buf_free(&c);
	return rc;
}

/* Add every metric of the load document at path. */
static int
add_file(struct merge *mg, const char *path, cJSON **doc)
{
	const cJSON *metrics, *m;
	const char *mode;
	struct buf ctx = { 0 };
	int rc;

	if ((rc = pr_doc_load(path, "bench", doc)))
		return rc;
	if ((rc = pr_get_string(*doc, "mode", PR_REQUIRED, path, &mode)) ||
	    (rc = pr_get_object(*doc, "metrics", PR_REQUIRED, path, &metrics)))
		return rc;
	if (strcmp(mode, "load") != 0)
		return pr_error(PR_INPUT, "%s: mode is \"%s\", merge takes documents from pr-bench --load", path, mode);
	cJSON_ArrayForEach(m, metrics) {
		buf_reset(&ctx);
		buf_printf(&ctx, "%s: metrics.%s", path, m->string);
		if (!cJSON_IsObject(m)) {
			rc = pr_error(PR_INPUT, "%s: is %s, expected an object", ctx.data, pr_json_type(m));
			break;
		}
		if ((rc = add_metric(mg, m->string, m, ctx.data)))
			break;
	}
	buf_free(&ctx);
	return rc;
}

/* Replace the summaries (and histograms) with those of the merged data. */
static void
finish_metric(struct acc *a)
{
	struct pr_summary s = { 0 };

	if (a->hist) {
		pr_hist_summary_ms(a->hist, &s);
		cJSON_ReplaceItemInObjectCaseSensitive(a->out, "histogram", pr_hist_to_json(a->hist));
	} else {
		const cJSON *rps = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a->out, "load"),
		    "throughput_rps");
		double v = cJSON_IsNumber(rps) ? rps->valuedouble : 0;

		s = (struct pr_summary){ .n = 1, .min = v, .p50 = v, .p90 = v, .p95 = v, .p99 = v, .max = v,
			.mean = v, .stddev = 0 };
	}
	cJSON_ReplaceItemInObjectCaseSensitive(a->out, "summary", pr_summary_to_json(&s));
}

/* Copy key from the first input; null when the inputs disagree. */
static void
add_common(cJSON *out, const char *key, cJSON *const *docs, int n)
{
	const cJSON *first = cJSON_GetObjectItemCaseSensitive(docs[0], key);

	for (int i = 1; i < n; i++)
		if (!cJSON_Compare(first, cJSON_GetObjectItemCaseSensitive(docs[i], key), true))
			first = NULL;
	cJSON_AddItemToObject(out, key, first ? cJSON_Duplicate(first, true) : cJSON_CreateNull());
}

static cJSON *
merged_doc(struct merge *mg, cJSON *const *docs, char *const *paths, int n)
{
	cJSON *doc = pr_doc_new("bench"), *git, *set, *from, *hosts, *metrics;
	const cJSON *commit;

	cJSON_AddStringToObject(doc, "mode", "load");
	add_common(doc, "label", docs, n);
	git = cJSON_AddObjectToObject(doc, "git");
	commit = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(docs[0], "git"), "commit");
	for (int i = 1; i < n && commit; i++)
		if (!cJSON_Compare(commit, cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(docs[i], "git"), "commit"), true))
			commit = NULL;
	cJSON_AddItemToObject(git, "commit", commit ? cJSON_Duplicate(commit, true) : cJSON_CreateNull());
	add_common(doc, "host", docs, n);
	set = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(docs[0], "settings"), true);
	for (int i = 1; set && i < n; i++) {
		const cJSON *other = cJSON_GetObjectItemCaseSensitive(docs[i], "settings");
		cJSON *c = cJSON_GetObjectItemCaseSensitive(set, "connections");
		const cJSON *oc = cJSON_GetObjectItemCaseSensitive(other, "connections");

		if (cJSON_IsNumber(c) && cJSON_IsNumber(oc))
			cJSON_SetNumberValue(c, c->valuedouble + oc->valuedouble);
	}
	cJSON_AddItemToObject(doc, "settings", set ? set : cJSON_CreateObject());
	from = cJSON_AddArrayToObject(doc, "merged_from");
	hosts = cJSON_AddArrayToObject(doc, "hosts");
	for (int i = 0; i < n; i++) {
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(docs[i], "host");

		cJSON_AddItemToArray(from, cJSON_CreateString(paths[i]));
		cJSON_AddItemToArray(hosts, cJSON_IsString(h) ? cJSON_CreateString(h->valuestring) : cJSON_CreateNull());
	}
	metrics = cJSON_AddObjectToObject(doc, "metrics");
	for (size_t i = 0; i < mg->n; i++) {
		finish_metric(&mg->v[i]);
		cJSON_AddItemToObject(metrics, mg->v[i].id, mg->v[i].out);
		mg->v[i].out = NULL;
	}
	return doc;
}

int
bench_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = getenv("OUTPUT_JSON");
	struct merge mg = { 0 };
	cJSON **docs = NULL, *out = NULL;
	int ch, n, rc = 0;

	if (output && !*output)
		output = NULL;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":o:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			output = optarg;
			break;
		case 'h':
			fputs(merge_usage, stdout);
			return PR_OK;
		case 'V':
			printf("pr-bench %s\n", PR_VERSION);
			return PR_OK;
		default:
			return pr_getopt_error(ch, argv);
		}
	}
	n = argc - optind;
	if (n < 1)
		return pr_usage_error("merge: give one or more load documents to merge");
	docs = xcalloc((size_t)n, sizeof *docs);
	for (int i = 0; i < n && !rc; i++)
		rc = add_file(&mg, argv[optind + i], &docs[i]);
	if (rc)
		goto out;
	out = merged_doc(&mg, docs, argv + optind, n);
	rc = pr_doc_emit(out, output);
out:
	for (int i = 0; i < n; i++)
		cJSON_Delete(docs[i]);
	free(docs);
	for (size_t i = 0; i < mg.n; i++) {
		free(mg.v[i].id);
		cJSON_Delete(mg.v[i].out);
		free(mg.v[i].hist);
	}
	free(mg.v);
	cJSON_Delete(out);
	return rc;
}
