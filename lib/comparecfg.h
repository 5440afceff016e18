/*
 * comparecfg.h: pr-compare's settings from the command line and from the
 * "compare" section of pr-tools.json: quantiles, budgets, defaults.
 *
 *   {"alpha": 0.05, "threshold": "5%", "quantiles": [50, 95],
 *    "correction": "holm", "fail_on": "regression",
 *    "budgets": ["p95<500ms", "errors<1%"],
 *    "metrics": {"ID": {"budgets": ["p99<1s"]}}}
 *
 * Every field is optional; unknown fields are refused, naming the known
 * ones.  Errors are reported once, as "<ctx>.<field>: what is wrong".
 */
#ifndef PR_COMPARECFG_H
#define PR_COMPARECFG_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "compare.h"

/*
 * Parse a list of percentiles, "50,95,99" (each in (0, 100)), into q
 * (fractions, sorted, duplicates dropped).  0, or -1 naming nothing.
 */
int comparecfg_quantiles_parse(const char *s, struct compare_settings *set);

/*
 * Parse one budget, "[METRIC:]STAT<LIMIT" with STAT pNN, mean, max or
 * errors and LIMIT 500ms, 0.5s, 800us, 100rps or 1% (errors), "<" or ">",
 * into the next slot of set.  0, or -1 (not added).
 */
int comparecfg_budget_parse(const char *s, struct compare_settings *set);

/*
 * The "compare" section of pr-tools.json: {"alpha", "threshold",
 * "quantiles": [50, 95], "correction", "fail_on", "budgets": ["p95<500ms"],
 * "metrics": {"ID": {"budgets": [...]}}}.  Fields given on the command line
 * (given_* true) keep their value; budgets add up.  Errors are reported as
 * "<ctx>.<field>: ..." and return PR_INPUT.
 */
struct comparecfg_given { bool alpha, threshold, quantiles, correction, fail_on; };
int comparecfg_parse(const cJSON *section, const char *ctx, const struct comparecfg_given *given,
    struct compare_settings *set);

/* Default settings: alpha, threshold, p50 and p95, holm, fail on regression. */
void comparecfg_settings_default(struct compare_settings *set);
void comparecfg_settings_free(struct compare_settings *set);

#endif
