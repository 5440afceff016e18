/*
 * junit.h: JUnit XML reports, the format GitHub test reporters (dorny/
 * test-reporter, mikepenz/action-junit-report, EnricoMi/publish-unit-test-
 * result-action) read:
 *
 *	<testsuites><testsuite name tests failures errors skipped time timestamp>
 *	  <testcase name classname time>[<failure|error|skipped message>text</...>]
 *	</testsuite></testsuites>
 */
#ifndef PR_JUNIT_H
#define PR_JUNIT_H

#include <stddef.h>

#include "buf.h"

enum junit_outcome { JUNIT_PASS, JUNIT_FAILURE, JUNIT_ERROR, JUNIT_SKIPPED };

struct junit_case {
	const char *name;
	const char *classname;		/* the suite's name when NULL */
	double time_ms;
	enum junit_outcome outcome;
	const char *message;		/* one line, for the message attribute */
	const char *detail;		/* body text of <failure>; may be NULL */
};

/*
 * Append s to out escaped for XML text and attribute values: & < > " ' as
 * entities, tab/newline/carriage return as character references (kept in
 * attributes), other control characters and invalid UTF-8 bytes as U+FFFD.
 */
void junit_escape(struct buf *out, const char *s);

/*
 * The report for n cases under suite (timestamp is RFC 3339 or NULL), as a
 * new string the caller frees.
 */
char *junit_render(const char *suite, const char *timestamp, const struct junit_case *cases, size_t n);

/* Render and write to path atomically.  Returns 0 or PR_EXTERNAL (reported). */
int junit_write(const char *path, const char *suite, const char *timestamp,
    const struct junit_case *cases, size_t n);

#endif
