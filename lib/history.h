/*
 * history.h: a metric's history as JSON Lines, one compact record per run
 * and metric, appended by pr-bench --history and read by pr-trend.
 *
 *   {"schema":"pr-tools/history/1","time":"2026-12-01T07:30:00Z",
 *    "label":"nightly","commit":"3f2a9c1","run_id":"...","metric":"cold_ms",
 *    "unit":"ms","better":"lower","n":5,"p50":812.3,"p90":...,"p95":...,
 *    "p99":...,"max":...,"mean":...,"errors":0,"samples":[...]}
 *
 * samples (at most HISTORY_SAMPLES_MAX) or histogram (load mode, at most
 * HISTORY_BUCKETS_MAX sparse buckets) are kept only when small.
 *
 * Appends are safe when runs race: the file is opened O_APPEND, locked with
 * flock(), checked to still be the file at path (a bounding rewrite may
 * have renamed a new one over it) and written with one write() per run.
 * Bounding (history_keep) rewrites the file atomically under the same
 * lock.  Errors are reported once and returned as exit codes (pr.h).
 */
#ifndef PR_HISTORY_H
#define PR_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "buf.h"

#define HISTORY_SCHEMA "pr-tools/history/1"
#define HISTORY_SAMPLES_MAX 32
#define HISTORY_BUCKETS_MAX 64

/* What --history-keep bounds: records younger than max_age_s, or the
 * newest max_records of each metric. */
struct history_keep {
	double max_age_s;	/* 0: no age bound */
	size_t max_records;	/* 0: no count bound */
};

/* "90d", "36h" (an age) or "500" (records per metric); 0 or -1. */
int history_keep_parse(const char *s, struct history_keep *out);

/*
 * One line per metric of the pr-tools/bench/1 document doc into out, each
 * ending in a newline.  name is the document's for messages.  0, or
 * PR_INPUT (reported) when the document lacks what a record needs.
 */
int history_lines_from_bench(const cJSON *doc, const char *name, struct buf *out);

/* Append text (whole lines) to path as described above: 0 or PR_EXTERNAL. */
int history_append(const char *path, const char *text, size_t len);

/*
 * Drop records outside keep from path, atomically, under the append lock.
 * Lines that are not records are kept as they are (pr-trend reports them).
 * *dropped gets the number dropped.  0, PR_INPUT or PR_EXTERNAL.
 */
int history_keep_apply(const char *path, const struct history_keep *keep, size_t *dropped);

/*
 * What pr-bench --history does: the document's lines appended to path,
 * then path bounded by keep (NULL or all zero: unbounded), with a note of
 * what was dropped.  0, PR_INPUT or PR_EXTERNAL (reported).
 */
int history_record(const cJSON *doc, const char *path, const struct history_keep *keep);

/* One record read back. */
struct history_rec {
	size_t line;		/* 1-based line in the file */
	double t_s;		/* time as seconds since the epoch */
	char time[32];		/* as written, RFC 3339 */
	const char *label, *commit, *metric, *unit, *better;	/* borrowed from json; commit, label may be NULL */
	double n, p50, p90, p95, p99, max, mean, errors;	/* NAN when absent or null */
	cJSON *json;		/* owned */
};

struct history {
	struct history_rec *rec;
	size_t nrec;
	size_t skipped;		/* malformed lines, each reported as a warning */
};

/*
 * Read path: every line that is a valid record, in file order.  A
 * malformed line is skipped with a warning "PATH:LINE: skipped: why" and
 * counted, never misread.  0, or PR_INPUT when the file cannot be read.
 */
int history_load(const char *path, struct history *h);

/* The same for text in memory (h zeroed first by the caller); name is the
 * file's for the warnings. */
void history_parse(const char *name, const char *text, size_t len, struct history *h);
void history_free(struct history *h);

/* "2026-12-01T07:30:00Z" (fractions allowed) as epoch seconds; -1 if not. */
int history_parse_time(const char *s, double *t_s);

#endif
