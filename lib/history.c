/*
 * history.c: JSON Lines history of bench runs (see history.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "doc.h"
#include "pr.h"
#include "fileio.h"
#include "history.h"
#include "util.h"

#define SECONDS_PER_DAY 86400.0
#define SECONDS_PER_HOUR 3600.0
#define HISTORY_MAX_KEEP_RECORDS 100000000L

static const char *const summary_keys[] = { "n", "p50", "p90", "p95", "p99", "max", "mean" };

int
history_keep_parse(const char *s, struct history_keep *out)
{
	size_t len = strlen(s);
	double v;
	long count;

	*out = (struct history_keep){0};
	if (len > 1 && (s[len - 1] == 'd' || s[len - 1] == 'h')) {
		char num[32];

		if (len - 1 >= sizeof num)
			return -1;
		memcpy(num, s, len - 1);
		num[len - 1] = '\0';
		if (util_parse_double(num, 0, 1e6, &v) || v <= 0)
			return -1;
		out->max_age_s = v * (s[len - 1] == 'd' ? SECONDS_PER_DAY : SECONDS_PER_HOUR);
		return 0;
	}
	if (util_parse_long(s, 1, HISTORY_MAX_KEEP_RECORDS, &count))
		return -1;
	out->max_records = (size_t)count;
	return 0;
}

int
history_parse_time(const char *s, double *t_s)
{
	struct tm tm = {0};
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	double frac = 0;

	if (!end)
		return -1;
	if (*end == '.') {
		char *e;

		frac = strtod(end, &e);
		end = e;
	}
	if (strcmp(end, "Z") != 0)
		return -1;
	*t_s = (double)timegm(&tm) + frac;
	return 0;
}

/* Copy doc[key] into rec when present (strings, numbers or null). */
static void
copy_item(cJSON *rec, const cJSON *from, const char *key, const char *as)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, key);

	if (v)
		cJSON_AddItemToObject(rec, as, cJSON_Duplicate(v, true));
}

/* The small exact forms of the distribution: samples or sparse buckets. */
static void
add_distribution(cJSON *rec, const cJSON *m)
{
	const cJSON *samples = cJSON_GetObjectItemCaseSensitive(m, "samples");
	const cJSON *hist = cJSON_GetObjectItemCaseSensitive(m, "histogram");
	const cJSON *counts = cJSON_GetObjectItemCaseSensitive(hist, "counts");

	if (cJSON_IsArray(samples) && cJSON_GetArraySize(samples) <= HISTORY_SAMPLES_MAX)
		copy_item(rec, m, "samples", "samples");
	else if (cJSON_IsArray(counts) && cJSON_GetArraySize(counts) <= HISTORY_BUCKETS_MAX)
		copy_item(rec, m, "histogram", "histogram");
}

static cJSON *
record_of(const cJSON *doc, const char *created, const char *id, const cJSON *m)
{
	cJSON *rec = cJSON_CreateObject();
	const cJSON *git = cJSON_GetObjectItemCaseSensitive(doc, "git");
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(m, "summary");
	const cJSON *errors = cJSON_GetObjectItemCaseSensitive(m, "errors");

	cJSON_AddStringToObject(rec, "schema", HISTORY_SCHEMA);
	cJSON_AddStringToObject(rec, "time", created);
	copy_item(rec, doc, "label", "label");
	copy_item(rec, git, "commit", "commit");
	copy_item(rec, doc, "run_id", "run_id");
	cJSON_AddStringToObject(rec, "metric", id);
	copy_item(rec, m, "unit", "unit");
	copy_item(rec, m, "better", "better");
	for (size_t i = 0; i < sizeof summary_keys / sizeof *summary_keys; i++)
		copy_item(rec, sum, summary_keys[i], summary_keys[i]);
	copy_item(rec, errors, "total", "errors");
	add_distribution(rec, m);
	return rec;
}

int
history_lines_from_bench(const cJSON *doc, const char *name, struct buf *out)
{
	const cJSON *metrics, *m;
	const char *created;
	int rc;

	if ((rc = doc_get_string(doc, "created_at", PR_REQUIRED, name, &created)) ||
	    (rc = doc_get_object(doc, "metrics", PR_REQUIRED, name, &metrics)))
		return rc;
	cJSON_ArrayForEach(m, metrics) {
		cJSON *rec = record_of(doc, created, m->string, m);
		char *line = cJSON_PrintUnformatted(rec);

		buf_adds(out, line);
		buf_addc(out, '\n');
		free(line);
		cJSON_Delete(rec);
	}
	return PR_OK;
}

/*
 * Open path with flags and hold a lock of kind (LOCK_SH or LOCK_EX),
 * making sure the file locked is the one at path: a bounding rewrite may
 * have renamed a new file over it while we waited, and whatever is written
 * to (or read from) the old one then would be lost.  The descriptor, or -1
 * with errno set (ENOENT when there is no file and flags do not create).
 */
#define LOCK_TRIES 1000

static int
open_locked(const char *path, int flags, int kind)
{
	for (int i = 0; i < LOCK_TRIES; i++) {
		struct stat held, now;
		int fd = open(path, flags | O_CLOEXEC, PR_OUTPUT_MODE);

		if (fd < 0)
			return -1;
		if (flock(fd, kind) != 0 || fstat(fd, &held) != 0) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
		if (stat(path, &now) == 0 && now.st_ino == held.st_ino && now.st_dev == held.st_dev)
			return fd;
		close(fd);	/* replaced: lock the new one */
	}
	errno = EAGAIN;
	return -1;
}

int
history_append(const char *path, const char *text, size_t len)
{
	int fd = open_locked(path, O_WRONLY | O_APPEND | O_CREAT, LOCK_EX);
	int rc = PR_OK;

	if (fd < 0)
		return pr_error(PR_EXTERNAL, "%s: cannot open and lock the history: %s", path, strerror(errno));
	if (fileio_write_all(fd, text, len) != 0 || fsync(fd) != 0)
		rc = pr_error(PR_EXTERNAL, "%s: cannot append to the history: %s", path, strerror(errno));
	close(fd);
	return rc;
}

/* A number field of a record: absent or null is NAN; anything else must be
 * a finite number.  0, or -1 with why set. */
static int
rec_number(const cJSON *o, const char *key, double *out, char *why, size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = NAN;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0) {
		snprintf(why, size, "%s: expected a number of at least 0 or null", key);
		return -1;
	}
	*out = v->valuedouble;
	return 0;
}

/* A string field: required ones must be non-empty strings, optional ones
 * may also be null or absent (NULL). */
static int
rec_string(const cJSON *o, const char *key, bool required, const char **out, char *why, size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = NULL;
	if (!required && (!v || cJSON_IsNull(v)))
		return 0;
	if (!cJSON_IsString(v) || !*v->valuestring) {
		snprintf(why, size, "%s: expected a %s", key, required ? "non-empty string" : "string or null");
		return -1;
	}
	*out = v->valuestring;
	return 0;
}

/* Parse one line into r (owning its JSON), or say why not. */
static int
rec_parse(const char *line, size_t len, struct history_rec *r, char *why, size_t size)
{
	const char *schema, *time;
	double *nums[] = { &r->n, &r->p50, &r->p90, &r->p95, &r->p99, &r->max, &r->mean };

	memset(r, 0, sizeof *r);
	if (!(r->json = cJSON_ParseWithLength(line, len)) || !cJSON_IsObject(r->json)) {
		snprintf(why, size, "not a JSON object");
		goto bad;
	}
	if (rec_string(r->json, "schema", true, &schema, why, size))
		goto bad;
	/* The schema itself, or a minor version of it ("...history/1.2"). */
	if (strcmp(schema, HISTORY_SCHEMA) != 0 &&
	    strncmp(schema, HISTORY_SCHEMA ".", strlen(HISTORY_SCHEMA) + 1) != 0) {
		snprintf(why, size, "schema \"%.40s\" is not %s", schema, HISTORY_SCHEMA);
		goto bad;
	}
	if (rec_string(r->json, "time", true, &time, why, size) ||
	    rec_string(r->json, "metric", true, &r->metric, why, size) ||
	    rec_string(r->json, "unit", true, &r->unit, why, size) ||
	    rec_string(r->json, "better", true, &r->better, why, size) ||
	    rec_string(r->json, "label", false, &r->label, why, size) ||
	    rec_string(r->json, "commit", false, &r->commit, why, size))
		goto bad;
	if (strlen(time) >= sizeof r->time || history_parse_time(time, &r->t_s)) {
		snprintf(why, size, "time: expected RFC 3339 UTC such as 2026-12-01T07:30:00Z");
		goto bad;
	}
	strcpy(r->time, time);
	for (size_t i = 0; i < sizeof nums / sizeof *nums; i++)
		if (rec_number(r->json, summary_keys[i], nums[i], why, size))
			goto bad;
	if (rec_number(r->json, "errors", &r->errors, why, size))
		goto bad;
	return 0;
bad:
	cJSON_Delete(r->json);
	r->json = NULL;
	return -1;
}

/* The whole file read under a lock of kind (LOCK_SH or LOCK_EX), whose
 * descriptor stays open in *fd; *fd is -1 when the file does not exist. */
static int
read_locked(const char *path, int kind, int *fd, struct buf *out)
{
	char chunk[1 << 16];
	ssize_t got;

	if ((*fd = open_locked(path, O_RDONLY, kind)) < 0) {
		if (errno == ENOENT)
			return PR_OK;
		return pr_error(PR_INPUT, "%s: cannot open and lock the history: %s", path, strerror(errno));
	}
	while ((got = read(*fd, chunk, sizeof chunk)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return pr_error(PR_INPUT, "%s: cannot read the history: %s", path, strerror(errno));
		if (out->len + (size_t)got > PR_MAX_INPUT_BYTES)
			return pr_error(PR_INPUT, "%s: the history is over 1 GiB; bound it with --history-keep", path);
		buf_add(out, chunk, (size_t)got);
	}
	return PR_OK;
}

/* Call fn for each line of text (without its newline), numbered from 1. */
typedef void (*line_fn)(void *ctx, size_t lineno, const char *line, size_t len);

static void
each_line(const struct buf *text, line_fn fn, void *ctx)
{
	size_t lineno = 0;

	for (size_t at = 0; at < text->len;) {
		const char *nl = memchr(text->data + at, '\n', text->len - at);
		size_t len = nl ? (size_t)(nl - (text->data + at)) : text->len - at;

		fn(ctx, ++lineno, text->data + at, len);
		at += len + 1;
	}
}

struct load_ctx {
	const char *path;
	struct history *h;
	size_t cap;
};

static void
load_line(void *ctx, size_t lineno, const char *line, size_t len)
{
	struct load_ctx *c = ctx;
	struct history_rec r;
	char why[160];

	if (rec_parse(line, len, &r, why, sizeof why)) {
		pr_warn("%s:%zu: skipped: %s", c->path, lineno, len ? why : "empty line");
		c->h->skipped++;
		return;
	}
	r.line = lineno;
	if (c->h->nrec == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->h->rec = xrealloc(c->h->rec, c->cap * sizeof *c->h->rec);
	}
	c->h->rec[c->h->nrec++] = r;
}

int
history_load(const char *path, struct history *h)
{
	struct buf text = {0};
	int fd, rc;

	memset(h, 0, sizeof *h);
	rc = read_locked(path, LOCK_SH, &fd, &text);
	if (fd >= 0)
		close(fd);
	if (rc == PR_OK && fd < 0)
		rc = pr_error(PR_INPUT, "%s: no such history file", path);
	if (rc == PR_OK)
		history_parse(path, text.data, text.len, h);
	buf_free(&text);
	return rc;
}

void
history_parse(const char *name, const char *text, size_t len, struct history *h)
{
	struct buf b = { (char *)text, len, len };
	struct load_ctx c = { name, h, 0 };

	each_line(&b, load_line, &c);
}

void
history_free(struct history *h)
{
	for (size_t i = 0; i < h->nrec; i++)
		cJSON_Delete(h->rec[i].json);
	free(h->rec);
	memset(h, 0, sizeof *h);
}

/* Bounding: the records per metric (a small table searched linearly: a
 * history holds few metrics), then which lines to keep. */
struct keep_metric { char *id; size_t total, seen; };

struct keep_ctx {
	const struct history_keep *keep;
	double now_s;
	struct keep_metric *m;
	size_t nm, capm;
	bool counting;
	struct buf out;
	size_t dropped;
};

static struct keep_metric *
keep_metric(struct keep_ctx *c, const char *id)
{
	for (size_t i = 0; i < c->nm; i++)
		if (strcmp(c->m[i].id, id) == 0)
			return &c->m[i];
	if (c->nm == c->capm) {
		c->capm = c->capm ? 2 * c->capm : 16;
		c->m = xrealloc(c->m, c->capm * sizeof *c->m);
	}
	c->m[c->nm] = (struct keep_metric){ xstrdup(id), 0, 0 };
	return &c->m[c->nm++];
}

static void
keep_line(void *ctx, size_t lineno, const char *line, size_t len)
{
	struct keep_ctx *c = ctx;
	struct history_rec r;
	char why[160];
	bool keep = true;

	(void)lineno;
	if (rec_parse(line, len, &r, why, sizeof why) == 0) {
		struct keep_metric *m = keep_metric(c, r.metric);

		if (c->counting)
			m->total++;
		else {
			m->seen++;
			if (c->keep->max_records && m->total - m->seen >= c->keep->max_records)
				keep = false;
			if (c->keep->max_age_s > 0 && c->now_s - r.t_s > c->keep->max_age_s)
				keep = false;
		}
		cJSON_Delete(r.json);
	}
	if (c->counting)
		return;
	if (keep) {
		buf_add(&c->out, line, len);
		buf_addc(&c->out, '\n');
	} else {
		c->dropped++;
	}
}

int
history_keep_apply(const char *path, const struct history_keep *keep, size_t *dropped)
{
	struct keep_ctx c = { .keep = keep };
	struct buf text = {0};
	char now[PR_RFC3339_LEN];
	int fd, rc;

	*dropped = 0;
	util_rfc3339_now(now);
	history_parse_time(now, &c.now_s);
	if ((rc = read_locked(path, LOCK_EX, &fd, &text)) || fd < 0)
		goto out;
	c.counting = true;
	each_line(&text, keep_line, &c);
	c.counting = false;
	each_line(&text, keep_line, &c);
	if (c.dropped && (rc = fileio_write_atomic(path, c.out.data ? c.out.data : "", c.out.len)) == PR_OK)
		*dropped = c.dropped;
out:
	if (fd >= 0)
		close(fd);	/* after the rename: appenders waiting see the new file */
	for (size_t i = 0; i < c.nm; i++)
		free(c.m[i].id);
	free(c.m);
	buf_free(&c.out);
	buf_free(&text);
	return rc;
}

int
history_record(const cJSON *doc, const char *path, const struct history_keep *keep)
{
	struct buf lines = {0};
	size_t dropped = 0;
	int rc;

	if ((rc = history_lines_from_bench(doc, "the bench document", &lines)) == PR_OK && lines.len)
		rc = history_append(path, lines.data, lines.len);
	if (rc == PR_OK && keep && (keep->max_age_s > 0 || keep->max_records) &&
	    (rc = history_keep_apply(path, keep, &dropped)) == PR_OK && dropped)
		pr_note("%s: dropped %zu record%s outside --history-keep", path, dropped, dropped == 1 ? "" : "s");
	buf_free(&lines);
	return rc;
}
