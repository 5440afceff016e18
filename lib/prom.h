/*
 * prom.h: Prometheus text exposition format (0.0.4) and the few PromQL
 * computations a canary watch needs, done on two scrapes of one endpoint.
 *
 * A scrape is parsed into samples; each sample keeps its metric name, its
 * labels (escapes undone) and a canonical series key "name{a=\"1\",b=\"2\"}"
 * with labels sorted by name, so the same series in two scrapes compares
 * equal as a string.  Lines are "# HELP", "# TYPE" (checked), other comments
 * (ignored), blank lines and samples "name{labels} value [timestamp_ms]";
 * values may be +Inf, -Inf and NaN.
 *
 * Selectors are the PromQL vector selector "name{l=\"v\",l!=\"v\",l=~\"re\",
 * l!~\"re\"}".  Regular expressions are POSIX ERE anchored at both ends as
 * PromQL anchors its RE2 ones; a label a sample lacks matches as "".
 *
 * Deltas follow PromQL's increase(): per series, the later value minus the
 * earlier, except that a value that went down is a counter reset and counts
 * from 0 (the delta is the later value).  A series absent from the earlier
 * scrape was created in between and also counts from 0 (prometheus_client
 * creates a labelled series on its first increment; PromQL would miss it
 * until its second sample).
 *
 * Errors: functions returning int give 0, or -1 with one line in why
 * ("line 7: ..." for the parser).  Nothing here prints.  The caller owns
 * what it passed in and frees what it got with the matching _free.
 */
#ifndef PR_PROM_H
#define PR_PROM_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROM_MAX_LINE 65536	/* longest sample line accepted */
#define PROM_MAX_REGEX 256	/* longest label regular expression accepted */

struct prom_label {
	char *name, *value;
};

struct prom_sample {
	char *name;
	struct prom_label *labels;	/* in the order written */
	size_t nlabels;
	char *key;			/* canonical series key, labels sorted */
	double value;
	bool has_ts;
	int64_t ts_ms;
};

struct prom_scrape {
	struct prom_sample *samples;
	size_t n, cap;
};

/* Parse len bytes of exposition text into out (which it initialises). */
int prom_parse(const char *text, size_t len, struct prom_scrape *out,
    char *why, size_t whysz);
void prom_scrape_free(struct prom_scrape *s);

/* The value of label name on s, or NULL. */
const char *prom_label(const struct prom_sample *s, const char *name);

enum prom_op { PROM_EQ, PROM_NE, PROM_RE, PROM_NRE };

struct prom_matcher {
	char *name, *value;
	enum prom_op op;
	regex_t re;		/* compiled for PROM_RE and PROM_NRE */
};

struct prom_selector {
	char *metric;		/* "" when the selector names none */
	struct prom_matcher *m;
	size_t n;
};

int prom_selector_parse(const char *text, struct prom_selector *out,
    char *why, size_t whysz);
void prom_selector_free(struct prom_selector *sel);
bool prom_selector_match(const struct prom_selector *sel,
    const struct prom_sample *s);

/* Number of samples in s whose metric name is sel's (any labels). */
size_t prom_count_metric(const struct prom_scrape *s,
    const struct prom_selector *sel);

/* Sum of the current values of the samples sel matches (gauges). */
double prom_sum(const struct prom_scrape *s, const struct prom_selector *sel);

/* The delta of one series: later minus earlier, resets counted from 0. */
double prom_counter_increase(double earlier, double later);

/* Sum over the series sel matches in later of their increase since earlier. */
double prom_increase(const struct prom_scrape *earlier,
    const struct prom_scrape *later, const struct prom_selector *sel);

struct prom_bucket {
	double upper;	/* le */
	double count;	/* cumulative */
};

/*
 * PromQL's bucketQuantile, to the letter: buckets sorted by upper bound,
 * equal bounds merged, counts made monotonic; NaN without a +Inf bucket,
 * with fewer than two buckets or no observations; a rank in the +Inf bucket
 * gives the highest finite bound; a rank in the lowest bucket interpolates
 * from 0, unless that bucket's bound is <= 0 when the bound is returned.
 * q < 0 gives -Inf, q > 1 +Inf.  Sorts b in place.
 */
double prom_bucket_quantile(double q, struct prom_bucket *b, size_t n);

/*
 * histogram_quantile(q, sum by (le) (increase(sel[window]))) where the
 * window runs from earlier to later: sel names the _bucket series.  The
 * observation count in the window (the +Inf bucket's delta) goes to
 * *observations when that is not NULL.  -1 when no series has an le label.
 */
int prom_histogram_quantile(double q, const struct prom_scrape *earlier,
    const struct prom_scrape *later, const struct prom_selector *sel,
    double *out, double *observations, char *why, size_t whysz);

#endif
