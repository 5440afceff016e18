/*
 * benchmerge.c: one pr-tools/bench/1 document from the load documents of
 * several machines (shards run at the same time against the same target).
 * Latency histograms are added exactly, so the merged summary is what one
 * run over all the requests would give; errors and request counts add up;
 * throughput adds up (the shards ran concurrently).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchdoc.h"
#include "benchmerge.h"
#include "buf.h"
#include "doc.h"
#include "pr.h"
#include "hist.h"
#include "stats.h"

#define BENCH_MAX_PHASES 16	/* load_phases of one metric */

/* Load fields that take the largest value rather than the sum. */
static const char *const load_max_keys[] = { "duration_s", "warmup_s", NULL };

/* One metric id as it accumulates over the inputs. */
struct acc {
	char *id;
	cJSON *out;		/* the merged metric, started from the first */
	struct hist *hist;	/* latency metrics; NULL for throughput */
	struct hist *phase[BENCH_MAX_PHASES];	/* their load_phases' histograms, */
	char *phase_name[BENCH_MAX_PHASES];	/* by name, as the first input has them */
	int nphases;
	bool phased;		/* every input had the same load_phases */
	double *rps;		/* throughput: per-interval sums, element-wise */
	size_t nrps;		/* the shortest shard's count of intervals */
	double interval_s;
	bool sampled;		/* every shard had throughput samples */
};

/* A run already merged, and the input it came in. */
struct seen_run {
	char id[BENCH_RUN_ID_LEN + 1];
	const char *path;
};

struct benchmerge {
	cJSON **docs;		/* the inputs, owned, in order */
	const char **paths;	/* their names, the caller's */
	int ndocs;
	struct acc *v;
	size_t n, cap;
	struct seen_run *runs;	/* every shard's run id so far */
	size_t nruns;
	bool all_have_ids;	/* every input carried run ids (0.1 documents have none) */
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
 * A nested object of counts (load.close_codes: {"1011": 3}): each key's
 * count added, a key only from has copied.  0, or PR_INPUT (reported).
 */
static int
add_counts(cJSON *into, const cJSON *from, const char *ctx)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, from) {
		cJSON *t = cJSON_GetObjectItemCaseSensitive(into, f->string);

		if (!cJSON_IsNumber(f) || (t && !cJSON_IsNumber(t)))
			return pr_error(PR_INPUT, "%s.%s: expected counts in both inputs", ctx, f->string);
		if (t)
			cJSON_SetNumberValue(t, t->valuedouble + f->valuedouble);
		else
			cJSON_AddNumberToObject(into, f->string, f->valuedouble);
	}
	return 0;
}

/*
 * Fold from into into: numbers add (or take the larger for load_max_keys),
 * a null makes the result null, strings that differ become "mixed",
 * objects of counts add key by key (add_counts).
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
			double larger = f->valuedouble > t->valuedouble ? f->valuedouble : t->valuedouble;
			double v = is_max_key(f->string) ? larger : t->valuedouble + f->valuedouble;

			cJSON_SetNumberValue(t, v);
		} else if (cJSON_IsNull(f) || cJSON_IsNull(t)) {
			cJSON_ReplaceItemInObjectCaseSensitive(into, f->string, cJSON_CreateNull());
		} else if (cJSON_IsString(t) && cJSON_IsString(f)) {
			if (strcmp(t->valuestring, f->valuestring) != 0)
				cJSON_ReplaceItemInObjectCaseSensitive(into, f->string, cJSON_CreateString("mixed"));
		} else if (cJSON_IsObject(t) && cJSON_IsObject(f)) {
			if (add_counts(t, f, ctx))
				return PR_INPUT;
		} else if (t->type != f->type) {
			return pr_error(PR_INPUT,
			    "%s.%s: is %s, another input has %s (merge documents from the same pr-bench)",
			    ctx, f->string, doc_json_type(f), doc_json_type(t));
		}
	}
	return 0;
}

static struct acc *
find_acc(struct benchmerge *mg, const char *id)
{
	for (size_t i = 0; i < mg->n; i++)
		if (strcmp(mg->v[i].id, id) == 0)
			return &mg->v[i];
	return NULL;
}

/*
 * Throughput samples of metric m, if it has them (*has; documents from
 * pr-bench 0.1 do not): *v (caller frees) of *n values and *interval_s.
 */
static int
get_rps_samples(const cJSON *m, const char *ctx, bool *has, double **v, size_t *n, double *interval_s)
{
	const cJSON *arr = NULL;
	struct buf c = { 0 };
	int rc;

	*v = NULL;
	*n = 0;
	if ((rc = doc_get_array(m, "samples", PR_OPTIONAL, ctx, &arr)) || !(*has = arr != NULL))
		return rc;
	if ((rc = doc_get_number(m, "interval_s", PR_REQUIRED, ctx, interval_s)))
		return rc;
	if (!(*interval_s > 0))
		return pr_error(PR_INPUT, "%s.interval_s: must be above 0, got %g", ctx, *interval_s);
	buf_printf(&c, "%s.samples", ctx);
	rc = doc_get_numbers(arr, c.data, 0, v, n);
	buf_free(&c);
	return rc;
}

/*
 * Add a throughput metric's samples to a: the shards ran at the same time,
 * so interval i of each is summed; the merge is as long as the shortest.
 */
static int
add_rps_samples(struct acc *a, const cJSON *m, const char *ctx, bool first)
{
	double *v, interval_s = 0;
	size_t n;
	bool has = false;
	int rc;

	if ((rc = get_rps_samples(m, ctx, &has, &v, &n, &interval_s)))
		return rc;
	if (first) {
		a->rps = v;
		a->nrps = n;
		a->interval_s = interval_s;
		a->sampled = has;
		return 0;
	}
	if (!has || !a->sampled) {
		a->sampled = false;
	} else if (interval_s != a->interval_s) {
		rc = pr_error(PR_INPUT, "%s.interval_s: is %g, an earlier input has %g (merge runs made with the same "
		    "interval)", ctx, interval_s, a->interval_s);
	} else {
		if (n < a->nrps)
			a->nrps = n;
		for (size_t i = 0; i < a->nrps; i++)
			a->rps[i] += v[i];
	}
	free(v);
	return rc;
}

/* The index of a's phase named name, or -1. */
static int
phase_index(const struct acc *a, const char *name)
{
	for (int i = 0; i < a->nphases; i++)
		if (strcmp(a->phase_name[i], name) == 0)
			return i;
	return -1;
}

/*
 * Add a latency metric's "load_phases" histograms to a's, by name (the
 * first input names them).  An input without them (pr-bench before 0.2),
 * or with other phases, leaves the merge without them, as a part would not
 * be the whole.
 */
static int
add_phases(struct acc *a, const cJSON *m, const char *ctx, bool first)
{
	const cJSON *phases = NULL, *p, *ph, *hj;
	struct hist *h;
	struct buf c = { 0 };
	int rc, seen = 0;

	if ((rc = doc_get_object(m, "load_phases", PR_OPTIONAL, ctx, &phases)))
		return rc;
	if (first)
		a->phased = phases != NULL;
	if (!phases || !a->phased) {
		a->phased = false;
		return 0;
	}
	h = hist_new();
	cJSON_ArrayForEach(p, phases) {
		int i = first ? a->nphases : phase_index(a, p->string);

		buf_reset(&c);
		buf_printf(&c, "%s.load_phases", ctx);
		if ((rc = doc_get_object(phases, p->string, PR_REQUIRED, c.data, &ph)))
			break;
		buf_printf(&c, ".%s", p->string);
		if ((rc = doc_get_object(ph, "histogram", PR_REQUIRED, c.data, &hj)))
			break;
		buf_adds(&c, ".histogram");
		if ((rc = hist_from_json(hj, c.data, h)))
			break;
		if (i < 0) {
			a->phased = false;	/* a phase the first input lacks */
			break;
		}
		if (first) {
			if (a->nphases == BENCH_MAX_PHASES) {
				rc = pr_error(PR_INPUT, "%s.load_phases: more than %d phases", ctx, BENCH_MAX_PHASES);
				break;
			}
			a->phase_name[i] = xstrdup(p->string);
			a->phase[i] = hist_new();
			a->nphases++;
		}
		hist_merge(a->phase[i], h);
		seen++;
	}
	if (!rc && seen != a->nphases)
		a->phased = false;	/* it lacks one */
	free(h);
	buf_free(&c);
	return rc;
}

/* Add one input metric m (named ctx in errors) to the accumulator. */
static int
add_metric(struct benchmerge *mg, const char *id, const cJSON *m, const char *ctx)
{
	const cJSON *errors, *load, *hist_json = NULL, *unit_item;
	const char *unit;
	enum doc_need hist_need;
	struct hist *h = NULL;
	struct acc *a;
	struct buf c = { 0 };
	int rc;

	if ((rc = doc_get_string(m, "unit", PR_REQUIRED, ctx, &unit)) ||
	    (rc = doc_get_object(m, "errors", PR_REQUIRED, ctx, &errors)) ||
	    (rc = doc_get_object(m, "load", PR_REQUIRED, ctx, &load)))
		return rc;
	hist_need = strcmp(unit, "rps") == 0 ? PR_OPTIONAL : PR_REQUIRED;
	if ((rc = doc_get_object(m, "histogram", hist_need, ctx, &hist_json)))
		return rc;
	if (hist_json) {
		h = hist_new();
		buf_printf(&c, "%s.histogram", ctx);
		if ((rc = hist_from_json(hist_json, c.data, h)))
			goto out;
	}
	a = find_acc(mg, id);
	if (!a) {
		if (mg->n == mg->cap) {
			mg->cap = mg->cap ? 2 * mg->cap : 8;
			mg->v = xrealloc(mg->v, mg->cap * sizeof *mg->v);
		}
		a = &mg->v[mg->n++];
		memset(a, 0, sizeof *a);
		a->id = xstrdup(id);
		a->out = cJSON_Duplicate(m, true);
		a->hist = h;
		h = NULL;
		rc = a->hist ? add_phases(a, m, ctx, true) : add_rps_samples(a, m, ctx, true);
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
	if (h) {
		hist_merge(a->hist, h);
		rc = add_phases(a, m, ctx, false);
	} else {
		rc = add_rps_samples(a, m, ctx, false);
	}
out:
	free(h);
	buf_free(&c);
	return rc;
}

/* Note one shard's run id from path; a run seen before is refused. */
static int
add_run(struct benchmerge *mg, const char *id, const char *path, const char *field)
{
	if (!benchdoc_run_id_valid(id))
		return pr_error(PR_INPUT, "%s: %s: expected 32 lowercase hex digits, got \"%.40s\"", path, field, id);
	for (size_t i = 0; i < mg->nruns; i++)
		if (strcmp(mg->runs[i].id, id) == 0)
			return pr_error(PR_INPUT, "%s and %s both hold run %s: "
			    "merging it twice would count its requests twice (give each run once)",
			    mg->runs[i].path, path, id);
	mg->runs = xrealloc(mg->runs, (mg->nruns + 1) * sizeof *mg->runs);
	memcpy(mg->runs[mg->nruns].id, id, sizeof mg->runs[0].id);
	mg->runs[mg->nruns++].path = path;
	return 0;
}

/*
 * Note the runs in doc: its "merged_run_ids" when it is a merge itself, else
 * its "run_id".  Documents from pr-bench 0.1 have neither and cannot be
 * checked.
 */
static int
add_runs(struct benchmerge *mg, const cJSON *doc, const char *path)
{
	const cJSON *ids = NULL, *id;
	const char *one = NULL;
	int rc;

	if ((rc = doc_get_array(doc, "merged_run_ids", PR_OPTIONAL, path, &ids)) ||
	    (rc = doc_get_string(doc, "run_id", PR_OPTIONAL, path, &one)))
		return rc;
	if (!ids) {
		if (!one)
			mg->all_have_ids = false;
		return one ? add_run(mg, one, path, "run_id") : 0;
	}
	cJSON_ArrayForEach(id, ids) {
		if (!cJSON_IsString(id))
			return pr_error(PR_INPUT, "%s: merged_run_ids: holds %s, expected run id strings",
			    path, doc_json_type(id));
		if ((rc = add_run(mg, id->valuestring, path, "merged_run_ids")))
			return rc;
	}
	return 0;
}

int
benchmerge_add(struct benchmerge *mg, const char *path, cJSON *doc)
{
	const cJSON *metrics, *m;
	const char *mode;
	struct buf ctx = { 0 };
	int rc;

	mg->docs = xrealloc(mg->docs, (size_t)(mg->ndocs + 1) * sizeof *mg->docs);
	mg->paths = xrealloc(mg->paths, (size_t)(mg->ndocs + 1) * sizeof *mg->paths);
	mg->docs[mg->ndocs] = doc;
	mg->paths[mg->ndocs++] = path;
	if ((rc = doc_get_string(doc, "mode", PR_REQUIRED, path, &mode)) ||
	    (rc = doc_get_object(doc, "metrics", PR_REQUIRED, path, &metrics)))
		return rc;
	if (strcmp(mode, "load") != 0)
		return pr_error(PR_INPUT, "%s: mode is \"%s\", merge takes documents from pr-bench --load", path, mode);
	if ((rc = add_runs(mg, doc, path)))
		return rc;
	cJSON_ArrayForEach(m, metrics) {
		buf_reset(&ctx);
		buf_printf(&ctx, "%s: metrics.%s", path, m->string);
		if (!cJSON_IsObject(m)) {
			rc = pr_error(PR_INPUT, "%s: is %s, expected an object", ctx.data, doc_json_type(m));
			break;
		}
		if ((rc = add_metric(mg, m->string, m, ctx.data)))
			break;
	}
	buf_free(&ctx);
	return rc;
}

/*
 * Set o's member key to v (taken), whether or not o has it: an input metric
 * without "summary" gets the merged one (cJSON_Replace would leave v to leak).
 */
static void
set_member(cJSON *o, const char *key, cJSON *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddItemToObject(o, key, v);
}

/* The merged "load_phases", or none when an input had none. */
static void
finish_phases(struct acc *a)
{
	if (a->phased)
		set_member(a->out, "load_phases",
		    benchdoc_phases_json(a->phase, (const char *const *)a->phase_name, a->nphases));
	else
		cJSON_DeleteItemFromObjectCaseSensitive(a->out, "load_phases");
}

/* Replace the summaries (and histograms) with those of the merged data. */
static void
finish_metric(struct acc *a)
{
	struct stats_summary s = { 0 };

	if (a->hist) {
		hist_summary_ms(a->hist, &s);
		set_member(a->out, "histogram", hist_to_json(a->hist));
		finish_phases(a);
	} else {
		const cJSON *rps = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a->out, "load"),
		    "throughput_rps");
		double v = cJSON_IsNumber(rps) ? rps->valuedouble : 0;

		s = (struct stats_summary){ .n = 1, .min = v, .p50 = v, .p90 = v, .p95 = v, .p99 = v, .max = v,
			.mean = v, .stddev = 0 };
		if (a->sampled) {
			cJSON *arr = cJSON_CreateArray();

			for (size_t i = 0; i < a->nrps; i++)
				cJSON_AddItemToArray(arr, cJSON_CreateNumber(a->rps[i]));
			set_member(a->out, "samples", arr);
		} else {
			/* A shard without samples: a shorter sample would not be the sum. */
			cJSON_DeleteItemFromObjectCaseSensitive(a->out, "samples");
			cJSON_DeleteItemFromObjectCaseSensitive(a->out, "interval_s");
		}
	}
	set_member(a->out, "summary", stats_summary_to_json(&s));
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

/*
 * "run_id" (the XOR of the shards', the same for the same shards in any
 * grouping) and "merged_run_ids", when every input carried its ids.
 */
static void
add_run_ids(cJSON *doc, const struct benchmerge *mg)
{
	char id[BENCH_RUN_ID_LEN + 1];
	cJSON *ids;

	if (!mg->all_have_ids || mg->nruns == 0)
		return;
	memcpy(id, mg->runs[0].id, sizeof id);
	for (size_t i = 1; i < mg->nruns; i++)
		benchdoc_run_id_xor(id, mg->runs[i].id);
	cJSON_AddStringToObject(doc, "run_id", id);
	ids = cJSON_AddArrayToObject(doc, "merged_run_ids");
	for (size_t i = 0; i < mg->nruns; i++)
		cJSON_AddItemToArray(ids, cJSON_CreateString(mg->runs[i].id));
}

cJSON *
benchmerge_result(struct benchmerge *mg)
{
	cJSON *const *docs = mg->docs;
	const char *const *paths = mg->paths;
	int n = mg->ndocs;
	cJSON *doc = benchdoc_new(), *git, *set, *from, *hosts, *metrics;
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
	add_run_ids(doc, mg);
	from = cJSON_AddArrayToObject(doc, "merged_from");
	hosts = cJSON_AddArrayToObject(doc, "hosts");
	for (int i = 0; i < n; i++) {
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(docs[i], "host");
		cJSON *host = cJSON_IsString(h) ? cJSON_CreateString(h->valuestring) : cJSON_CreateNull();

		cJSON_AddItemToArray(from, cJSON_CreateString(paths[i]));
		cJSON_AddItemToArray(hosts, host);
	}
	metrics = cJSON_AddObjectToObject(doc, "metrics");
	for (size_t i = 0; i < mg->n; i++) {
		finish_metric(&mg->v[i]);
		cJSON_AddItemToObject(metrics, mg->v[i].id, mg->v[i].out);
		mg->v[i].out = NULL;
	}
	return doc;
}

struct benchmerge *
benchmerge_new(void)
{
	struct benchmerge *mg = xcalloc(1, sizeof *mg);

	mg->all_have_ids = true;
	return mg;
}

void
benchmerge_free(struct benchmerge *mg)
{
	if (!mg)
		return;
	for (int i = 0; i < mg->ndocs; i++)
		cJSON_Delete(mg->docs[i]);
	free(mg->docs);
	free(mg->paths);
	for (size_t i = 0; i < mg->n; i++) {
		free(mg->v[i].id);
		cJSON_Delete(mg->v[i].out);
		free(mg->v[i].hist);
		for (int ph = 0; ph < mg->v[i].nphases; ph++) {
			free(mg->v[i].phase[ph]);
			free(mg->v[i].phase_name[ph]);
		}
		free(mg->v[i].rps);
	}
	free(mg->v);
	free(mg->runs);
	free(mg);
}
