/* junit.c: see junit.h. */
#include "junit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pr.h"
#include "fileio.h"

#define REPLACEMENT_CHAR "\xef\xbf\xbd"

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF, and U+FFFE/U+FFFF. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

void
junit_escape(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (p && *p) {
		size_t n;

		switch (*p) {
		case '&': buf_adds(out, "&amp;"); p++; continue;
		case '<': buf_adds(out, "&lt;"); p++; continue;
		case '>': buf_adds(out, "&gt;"); p++; continue;
		case '"': buf_adds(out, "&quot;"); p++; continue;
		case '\'': buf_adds(out, "&apos;"); p++; continue;
		case '\t': buf_adds(out, "&#9;"); p++; continue;
		case '\n': buf_adds(out, "&#10;"); p++; continue;
		case '\r': buf_adds(out, "&#13;"); p++; continue;
		default: break;
		}
		if (*p < 0x20 || (n = utf8_len(p)) == 0) {
			buf_adds(out, REPLACEMENT_CHAR);
			p++;
			continue;
		}
		buf_add(out, p, n);
		p += n;
	}
}

static const char *
outcome_tag(enum junit_outcome o)
{
	switch (o) {
	case JUNIT_FAILURE: return "failure";
	case JUNIT_ERROR: return "error";
	case JUNIT_SKIPPED: return "skipped";
	default: return NULL;
	}
}

char *
junit_render(const char *suite, const char *timestamp, const struct junit_case *cases, size_t n)
{
	struct buf out = {0};
	size_t counts[4] = {0};
	double total_ms = 0;

	for (size_t i = 0; i < n; i++) {
		counts[cases[i].outcome]++;
		total_ms += cases[i].time_ms;
	}
	buf_adds(&out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	buf_printf(&out, "<testsuites name=\"");
	junit_escape(&out, suite);
	buf_printf(&out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
	    n, counts[JUNIT_FAILURE], counts[JUNIT_ERROR], counts[JUNIT_SKIPPED], total_ms / 1e3);
	buf_adds(&out, "  <testsuite name=\"");
	junit_escape(&out, suite);
	buf_printf(&out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\"",
	    n, counts[JUNIT_FAILURE], counts[JUNIT_ERROR], counts[JUNIT_SKIPPED], total_ms / 1e3);
	if (timestamp) {
		buf_adds(&out, " timestamp=\"");
		junit_escape(&out, timestamp);
		buf_adds(&out, "\"");
	}
	buf_adds(&out, ">\n");
	for (size_t i = 0; i < n; i++) {
		const struct junit_case *c = &cases[i];
		const char *tag = outcome_tag(c->outcome);

		buf_adds(&out, "    <testcase name=\"");
		junit_escape(&out, c->name);
		buf_adds(&out, "\" classname=\"");
		junit_escape(&out, c->classname ? c->classname : suite);
		buf_printf(&out, "\" time=\"%.3f\"", c->time_ms / 1e3);
		if (!tag) {
			buf_adds(&out, "/>\n");
			continue;
		}
		buf_printf(&out, ">\n      <%s message=\"", tag);
		junit_escape(&out, c->message ? c->message : "");
		if (c->outcome != JUNIT_SKIPPED)
			buf_printf(&out, "\" type=\"%s\"", tag);
		else
			buf_adds(&out, "\"");
		if (c->detail && *c->detail) {
			buf_adds(&out, ">");
			junit_escape(&out, c->detail);
			buf_printf(&out, "</%s>\n", tag);
		} else {
			buf_adds(&out, "/>\n");
		}
		buf_adds(&out, "    </testcase>\n");
	}
	buf_adds(&out, "  </testsuite>\n</testsuites>\n");
	return buf_detach(&out);
}

int
junit_write(const char *path, const char *suite, const char *timestamp,
    const struct junit_case *cases, size_t n)
{
	char *xml = junit_render(suite, timestamp, cases, n);
	int rc = fileio_write_atomic(path, xml, strlen(xml));

	free(xml);
	return rc;
}
