/* test_qametrics.c: a metric rule's levels held as Prometheus's "for:" holds
 * an alert: pending while the window runs, reset by a gap or a good value. */
#include <math.h>
#include <stdlib.h>

#include "qametrics.h"
#include "t.h"

static struct qametrics_rule
rule(double warn, double crit, double for_s)
{
	return (struct qametrics_rule){ .warn = warn, .crit = crit, .for_s = for_s,
		.warn_since_s = -1, .crit_since_s = -1 };
}

static void
test_critical_only_after_the_for_window(void)
{
	struct qametrics_rule r = rule(0.01, 0.02, 2);

	qametrics_rule_judge(&r, 0, 0.03);
	CHECK(r.level == QA_LEVEL_OK && r.points[0].pending);
	qametrics_rule_judge(&r, 1, 0.03);
	CHECK(r.level == QA_LEVEL_OK && r.points[1].pending);
	qametrics_rule_judge(&r, 2, 0.03);
	CHECK(r.level == QA_LEVEL_CRITICAL && !r.points[2].pending);
	CHECK(r.worst == QA_LEVEL_CRITICAL);
	free(r.points);
}

static void
test_a_good_value_or_a_gap_resets_the_window(void)
{
	struct qametrics_rule r = rule(0.01, 0.02, 2);

	qametrics_rule_judge(&r, 0, 0.03);
	qametrics_rule_judge(&r, 1, 0.001);	/* good: starts over */
	qametrics_rule_judge(&r, 2, 0.03);
	qametrics_rule_judge(&r, 3, NAN);	/* too few requests: starts over */
	qametrics_rule_judge(&r, 4, 0.03);
	qametrics_rule_judge(&r, 5, 0.03);
	CHECK(r.level == QA_LEVEL_OK && r.worst == QA_LEVEL_OK);
	qametrics_rule_judge(&r, 6, 0.03);
	CHECK(r.level == QA_LEVEL_CRITICAL);
	free(r.points);
}

static void
test_warning_holds_while_critical_is_pending(void)
{
	struct qametrics_rule r = rule(0.01, 0.02, 1);

	qametrics_rule_judge(&r, 0, 0.015);	/* warn condition from t=0 */
	qametrics_rule_judge(&r, 1, 0.05);	/* warn held 1 s; crit just began */
	CHECK(r.level == QA_LEVEL_WARNING && r.points[1].pending);
	qametrics_rule_judge(&r, 2, 0.05);
	CHECK(r.level == QA_LEVEL_CRITICAL);
	qametrics_rule_judge(&r, 3, 0.015);	/* back under crit: warning at once */
	CHECK(r.level == QA_LEVEL_WARNING);
	free(r.points);
}

static void
test_for_zero_fires_at_once_and_equal_is_not_above(void)
{
	struct qametrics_rule r = rule(0.8, 0.95, 0);

	qametrics_rule_judge(&r, 0, 0.95);
	CHECK(r.level == QA_LEVEL_WARNING);
	qametrics_rule_judge(&r, 1, 0.97);
	CHECK(r.level == QA_LEVEL_CRITICAL);
	free(r.points);
}

int
main(void)
{
	RUN(test_critical_only_after_the_for_window);
	RUN(test_a_good_value_or_a_gap_resets_the_window);
	RUN(test_warning_holds_while_critical_is_pending);
	RUN(test_for_zero_fires_at_once_and_equal_is_not_above);
	return t_done();
}
