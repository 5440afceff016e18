/*
 * qametrics.h: the metric rules of a canary watch (pr-qa --watch --metrics),
 * judged on the app's own Prometheus exposition, scrape after scrape.
 *
 * Config, the "watch" object of the "qa" section:
 *
 *   {"metrics": "http://app/metrics", "initial_delay": "30s",
 *    "rules": [{"name": "p95", "kind": "quantile", "quantile": 0.95,
 *               "metric": "http_request_duration_seconds_bucket",
 *               "warn": 0.5, "crit": 1, "for": "5m", "min_requests": 20},
 *              {"name": "5xx", "kind": "ratio",
 *               "metric": "http_requests_total{status=~\"5..\"}",
 *               "denominator": "http_requests_total", "warn": 0.01, "crit": 0.05},
 *              {"name": "db", "kind": "gauge", "metric": "db_connections",
 *               "denominator": "db_pool_size", "warn": 0.8, "crit": 0.95}]}
 *
 * A rule of kind "promql" instead has "query", a PromQL expression sent as
 * an instant query to the Prometheus server of "prometheus" (or
 * --prometheus) through its HTTP API, /api/v1/query; its value is the
 * scalar, or the largest sample of the vector (the worst series), and an
 * empty vector has no value.  Its window is the query's own ([5m]).
 *
 * Each other rule's value is computed over the last interval (from the previous
 * scrape to this one): a quantile is PromQL's histogram_quantile over the
 * bucket increases, a ratio is increase(metric) / increase(denominator), a
 * gauge is the sum of the metric's values (over the denominator's, when
 * given).  Higher is worse: crit must not be below warn.  As in Prometheus
 * alerting rules, a level holds only once its condition (value above the level)
 * has been true at every judgement for "for" seconds (0: at once); a
 * judgement with fewer than min_requests requests in the interval (the
 * +Inf bucket's or the denominator's increase) has no value and resets the
 * pending time.
 *
 * Every function that can fail reports one line and returns a pr_exit code.
 */
#ifndef PR_QAMETRICS_H
#define PR_QAMETRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "prom.h"
#include "qa.h"

enum qametrics_rule_kind { QA_RULE_QUANTILE, QA_RULE_RATIO, QA_RULE_GAUGE, QA_RULE_PROMQL };

struct qametrics_point {
	double t_s;		/* since the watch started */
	double value;		/* NaN: no value (too few requests) */
	enum qa_level level;
	bool pending;		/* a higher level's condition holds, its for: not yet */
};

struct qametrics_rule {
	char *name;
	enum qametrics_rule_kind kind;
	char *query;		/* kind promql: an instant query */
	struct prom_selector metric, denominator;
	bool has_denominator;
	double quantile;
	double warn, crit, for_s, min_requests;
	/* State: when each level's condition became true, or < 0. */
	double warn_since_s, crit_since_s;
	enum qa_level level, worst;
	struct qametrics_point *points;
	size_t npoints;
};

struct qametrics {
	char *url;		/* exposition URL, NULL when none */
	char *prometheus;	/* Prometheus server URL, NULL when none */
	double initial_delay_s;
	struct qametrics_rule *rules;
	size_t n;
	struct prom_scrape prev;
	bool have_prev;
};

/* Load the "watch" object (may be NULL) of the qa section named ctx. */
int qametrics_load(const cJSON *watch, const char *ctx, struct qametrics *m);

/* Check that every rule has its source, once the URLs are final. */
int qametrics_check(const struct qametrics *m);

/* True when there is a rule to judge and a source for it. */
bool qametrics_active(const struct qametrics *m);
void qametrics_free(struct qametrics *m);

/*
 * Scrape m->url once, ask m->prometheus each promql query, and judge every rule at t_s (no judgement before the
 * initial delay, nor on the first scrape).  Returns 0, PR_EXTERNAL (no
 * answer) or PR_INPUT (bad exposition text, a missing metric).
 */
int qametrics_round(struct qametrics *m, double t_s, double timeout_s);

/* The worst level any rule holds now. */
enum qa_level qametrics_level(const struct qametrics *m, const char **rule);

/* The rules with their series, as the watch's "rules" array. */
cJSON *qametrics_to_json(const struct qametrics *m);

/* An SVG of every rule's series, one panel each, with its warn and crit
 * levels dashed; a judgement without a value leaves a gap. */
void qametrics_svg(const struct qametrics *m, struct buf *out);

/* Judge one value at t_s (NaN: no value), as Prometheus's "for:". */
void qametrics_rule_judge(struct qametrics_rule *r, double t_s, double value);

#endif
