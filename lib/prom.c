/* prom.c: exposition text, selectors, increases and histogram_quantile (prom.h). */
#include "prom.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"


static int
fail(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
	return -1;
}

/* --- the text format ------------------------------------------------- */

struct cursor {
	const char *p, *end;
};

static void
skip_blanks(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

static bool
name_char(char ch, bool first, bool colon_ok)
{
	if (isalpha((unsigned char)ch) || ch == '_' || (colon_ok && ch == ':'))
		return true;
	return !first && isdigit((unsigned char)ch);
}

/* A metric name (colons allowed) or label name; NULL when there is none. */
static char *
read_name(struct cursor *c, bool colon_ok)
{
	const char *start = c->p;

	while (c->p < c->end && name_char(*c->p, c->p == start, colon_ok))
		c->p++;
	char *name;
	size_t len = (size_t)(c->p - start);

	if (len == 0)
		return NULL;
	name = xmalloc(len + 1);
	memcpy(name, start, len);
	name[len] = 0;
	return name;
}

/* A quoted label value with \\, \" and \n undone; quote is " or '. */
static char *
read_quoted(struct cursor *c)
{
	struct buf b = { 0 };
	char quote;

	if (c->p >= c->end || (*c->p != '"' && *c->p != '\''))
		return NULL;
	quote = *c->p++;
	for (; c->p < c->end && *c->p != quote && *c->p != '\n'; c->p++) {
		char ch = *c->p;

		if (ch == '\\') {
			if (++c->p >= c->end)
				break;
			ch = *c->p == 'n' ? '\n' : *c->p;
			if (*c->p != 'n' && *c->p != '\\' && *c->p != '"' && *c->p != '\'')
				break;
		}
		buf_add(&b, &ch, 1);
	}
	if (c->p >= c->end || *c->p != quote) {
		buf_free(&b);
		return NULL;
	}
	c->p++;
	return buf_detach(&b);
}

static int
label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct prom_label *)a)->name,
	    ((const struct prom_label *)b)->name);
}

/* The canonical key: name{a="1",b="2"} with labels sorted and values escaped. */
static char *
series_key(const char *name, const struct prom_label *labels, size_t n,
    const char *skip)
{
	struct prom_label *sorted = xcalloc(n ? n : 1, sizeof *sorted);
	struct buf b = { 0 };

	if (n) {		/* labels is NULL for a series without any */
		memcpy(sorted, labels, n * sizeof *sorted);
		qsort(sorted, n, sizeof *sorted, label_cmp);
	}
	buf_adds(&b, name);
	buf_adds(&b, "{");
	for (size_t i = 0; i < n; i++) {
		if (skip && strcmp(sorted[i].name, skip) == 0)
			continue;
		buf_printf(&b, "%s=\"", sorted[i].name);
		for (const char *v = sorted[i].value; *v; v++) {
			if (*v == '\\' || *v == '"')
				buf_add(&b, "\\", 1);
			if (*v == '\n')
				buf_adds(&b, "\\n");
			else
				buf_add(&b, v, 1);
		}
		buf_adds(&b, "\",");
	}
	buf_adds(&b, "}");
	free(sorted);
	return buf_detach(&b);
}

/* A float as Go's ParseFloat reads it for the format, +Inf/-Inf/NaN included. */
static int
read_value(struct cursor *c, double *out)
{
	const char *start = c->p;
	char tok[64], *end;
	size_t len;

	while (c->p < c->end && *c->p != ' ' && *c->p != '\t')
		c->p++;
	len = (size_t)(c->p - start);
	if (len == 0 || len >= sizeof tok)
		return -1;
	memcpy(tok, start, len);
	tok[len] = 0;
	if (strcmp(tok, "+Inf") == 0 || strcmp(tok, "Inf") == 0)
		*out = INFINITY;
	else if (strcmp(tok, "-Inf") == 0)
		*out = -INFINITY;
	else if (strcmp(tok, "NaN") == 0)
		*out = NAN;
	else {
		/* strtod's hex, "infinity" and "nan(...)" are not the format's. */
		if (strpbrk(tok, "xXnNiI"))
			return -1;
		*out = strtod(tok, &end);
		if (*end)
			return -1;
	}
	return 0;
}

static void
sample_free(struct prom_sample *s)
{
	for (size_t i = 0; i < s->nlabels; i++) {
		free(s->labels[i].name);
		free(s->labels[i].value);
	}
	free(s->labels);
	free(s->name);
	free(s->key);
}

/* {name="value",...} with an optional trailing comma; at '{' on entry. */
static int
read_labels(struct cursor *c, struct prom_sample *s, char *why, size_t whysz)
{
	c->p++;
	for (;;) {
		struct prom_label l;

		skip_blanks(c);
		if (c->p < c->end && *c->p == '}') {
			c->p++;
			return 0;
		}
		if (!(l.name = read_name(c, false)))
			return fail(why, whysz, "expected a label name");
		skip_blanks(c);
		if (c->p >= c->end || *c->p != '=') {
			fail(why, whysz, "expected '=' after label %s", l.name);
			free(l.name);
			return -1;
		}
		c->p++;
		skip_blanks(c);
		if (c->p >= c->end || *c->p != '"' || !(l.value = read_quoted(c))) {
			free(l.name);
			return fail(why, whysz, "label value is not a closed \"quoted\" string");
		}
		s->labels = xrealloc(s->labels, (s->nlabels + 1) * sizeof *s->labels);
		s->labels[s->nlabels++] = l;
		skip_blanks(c);
		if (c->p < c->end && *c->p == ',')
			c->p++;
		else if (c->p >= c->end || *c->p != '}')
			return fail(why, whysz, "expected ',' or '}' after a label");
	}
}

static int
parse_sample(struct cursor *c, struct prom_sample *s, char *why, size_t whysz)
{
	memset(s, 0, sizeof *s);
	if (!(s->name = read_name(c, true)))
		return fail(why, whysz, "expected a metric name");
	skip_blanks(c);
	if (c->p < c->end && *c->p == '{' && read_labels(c, s, why, whysz) < 0)
		return -1;
	skip_blanks(c);
	if (read_value(c, &s->value) < 0)
		return fail(why, whysz, "%s: value is not a number", s->name);
	skip_blanks(c);
	if (c->p < c->end) {
		char *end;
		const char *start = c->p;
		long long ts;

		while (c->p < c->end && *c->p != ' ' && *c->p != '\t')
			c->p++;
		char tok[32];
		size_t len = (size_t)(c->p - start);

		if (len >= sizeof tok)
			return fail(why, whysz, "%s: timestamp is not an integer", s->name);
		memcpy(tok, start, len);
		tok[len] = 0;
		ts = strtoll(tok, &end, 10);
		if (*end || end == tok)
			return fail(why, whysz, "%s: timestamp is not an integer", s->name);
		s->has_ts = true;
		s->ts_ms = ts;
		skip_blanks(c);
		if (c->p < c->end)
			return fail(why, whysz, "%s: text after the timestamp", s->name);
	}
	s->key = series_key(s->name, s->labels, s->nlabels, NULL);
	return 0;
}

static const char *const metric_types[] = {
	"counter", "gauge", "histogram", "summary", "untyped",
};

/* "# TYPE name type" must name a known type; HELP and other comments pass. */
static int
parse_comment(struct cursor *c, char *why, size_t whysz)
{
	char *name;
	bool is_type;

	c->p++;
	skip_blanks(c);
	is_type = (size_t)(c->end - c->p) >= 5 && strncmp(c->p, "TYPE", 4) == 0 &&
	    (c->p[4] == ' ' || c->p[4] == '\t');
	if (!is_type)
		return 0;
	c->p += 4;
	skip_blanks(c);
	if (!(name = read_name(c, true)))
		return fail(why, whysz, "TYPE without a metric name");
	free(name);
	skip_blanks(c);
	for (size_t i = 0; i < sizeof metric_types / sizeof *metric_types; i++) {
		size_t len = strlen(metric_types[i]);
		const char *after = c->p + len;

		if ((size_t)(c->end - c->p) >= len && strncmp(c->p, metric_types[i], len) == 0) {
			c->p = after;
			skip_blanks(c);
			if (c->p == c->end)
				return 0;
		}
	}
	return fail(why, whysz, "TYPE names no known type (counter, gauge, histogram, summary, untyped)");
}

static int
parse_line(const char *p, const char *end, struct prom_scrape *out,
    char *why, size_t whysz)
{
	struct cursor c = { p, end };
	struct prom_sample s;

	skip_blanks(&c);
	if (c.p == c.end)
		return 0;
	if (*c.p == '#')
		return parse_comment(&c, why, whysz);
	if (c.end - c.p > PROM_MAX_LINE)
		return fail(why, whysz, "line longer than %d bytes", PROM_MAX_LINE);
	if (parse_sample(&c, &s, why, whysz) < 0) {
		sample_free(&s);
		return -1;
	}
	if (out->n == out->cap) {
		out->cap = out->cap ? 2 * out->cap : 64;
		out->samples = xrealloc(out->samples, out->cap * sizeof *out->samples);
	}
	out->samples[out->n++] = s;
	return 0;
}

int
prom_parse(const char *text, size_t len, struct prom_scrape *out,
    char *why, size_t whysz)
{
	const char *p = text, *end = text + len;
	size_t line = 1;
	char inner[256];

	memset(out, 0, sizeof *out);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if (memchr(p, 0, (size_t)(eol - p)))
			return fail(why, whysz, "line %zu: NUL byte", line);
		if (parse_line(p, eol, out, inner, sizeof inner) < 0)
			return fail(why, whysz, "line %zu: %s", line, inner);
		p = nl ? nl + 1 : end;
		line++;
	}
	return 0;
}

void
prom_scrape_free(struct prom_scrape *s)
{
	for (size_t i = 0; i < s->n; i++)
		sample_free(&s->samples[i]);
	free(s->samples);
	memset(s, 0, sizeof *s);
}

const char *
prom_label(const struct prom_sample *s, const char *name)
{
	for (size_t i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i].name, name) == 0)
			return s->labels[i].value;
	return NULL;
}

/* --- selectors ---------------------------------------------------------- */

static int
read_op(struct cursor *c, enum prom_op *op)
{
	static const struct { const char *text; enum prom_op op; } ops[] = {
		{ "=~", PROM_RE }, { "!~", PROM_NRE }, { "!=", PROM_NE }, { "=", PROM_EQ },
	};

	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
		size_t len = strlen(ops[i].text);

		if ((size_t)(c->end - c->p) >= len && strncmp(c->p, ops[i].text, len) == 0) {
			c->p += len;
			*op = ops[i].op;
			return 0;
		}
	}
	return -1;
}

/*
 * glibc's regcomp can take gigabytes on stacked repetitions ("a++++",
 * "a{99}{99}"), which mean nothing more in ERE than one would: refuse them,
 * and patterns longer than any label selector needs.
 */
static bool
regex_too_costly(const char *re)
{
	bool after_quantifier = false;

	if (strlen(re) > PROM_MAX_REGEX)
		return true;
	for (const char *p = re; *p; p++) {
		bool quantifier = strchr("*+?{", *p) != NULL;

		if (*p == '\\' && p[1]) {
			p++;
			after_quantifier = false;
			continue;
		}
		if (quantifier && after_quantifier)
			return true;
		if (*p == '{') {
			p = strchr(p, '}');
			if (!p)
				return false;	/* regcomp says it does not parse */
		}
		after_quantifier = quantifier;
	}
	return false;
}

static int
compile_matcher(struct prom_matcher *m, char *why, size_t whysz)
{
	char *anchored;
	int rc;

	if (m->op != PROM_RE && m->op != PROM_NRE)
		return 0;
	if (regex_too_costly(m->value)) {
		m->op = PROM_EQ;	/* nothing compiled to free */
		return fail(why, whysz, "label %s: regular expression longer than %d bytes or with stacked repetitions",
		    m->name, PROM_MAX_REGEX);
	}
	/* PromQL anchors: the value must match whole, as ^(?:re)$. */
	if (asprintf(&anchored, "^(%s)$", m->value) < 0)
		return fail(why, whysz, "out of memory");
	rc = regcomp(&m->re, anchored, REG_EXTENDED | REG_NOSUB);
	free(anchored);
	if (rc != 0) {
		m->op = PROM_EQ;	/* nothing compiled to free */
		return fail(why, whysz, "label %s: regular expression \"%s\" does not parse",
		    m->name, m->value);
	}
	return 0;
}

static int
read_matcher(struct cursor *c, struct prom_selector *sel, char *why, size_t whysz)
{
	struct prom_matcher m = { 0 };

	if (!(m.name = read_name(c, false)))
		return fail(why, whysz, "expected a label name");
	skip_blanks(c);
	if (read_op(c, &m.op) < 0) {
		free(m.name);
		return fail(why, whysz, "expected =, !=, =~ or !~ after a label name");
	}
	skip_blanks(c);
	if (!(m.value = read_quoted(c))) {
		free(m.name);
		return fail(why, whysz, "label value is not a closed quoted string");
	}
	sel->m = xrealloc(sel->m, (sel->n + 1) * sizeof *sel->m);
	sel->m[sel->n++] = m;
	return compile_matcher(&sel->m[sel->n - 1], why, whysz);
}

static int
selector_parse(struct cursor *c, struct prom_selector *sel, char *why, size_t whysz)
{
	char *name;

	skip_blanks(c);
	name = read_name(c, true);
	sel->metric = name ? name : xstrdup("");
	skip_blanks(c);
	if (c->p < c->end && *c->p == '{') {
		c->p++;
		for (;;) {
			skip_blanks(c);
			if (c->p < c->end && *c->p == '}')
				break;
			if (read_matcher(c, sel, why, whysz) < 0)
				return -1;
			skip_blanks(c);
			if (c->p < c->end && *c->p == ',')
				c->p++;
			else if (c->p >= c->end || *c->p != '}')
				return fail(why, whysz, "expected ',' or '}' after a matcher");
		}
		c->p++;
	}
	skip_blanks(c);
	if (c->p != c->end)
		return fail(why, whysz, "text after the selector");
	if (!*sel->metric && sel->n == 0)
		return fail(why, whysz, "names no metric");
	return 0;
}

int
prom_selector_parse(const char *text, struct prom_selector *out,
    char *why, size_t whysz)
{
	struct cursor c = { text, text + strlen(text) };
	char inner[256];

	memset(out, 0, sizeof *out);
	if (selector_parse(&c, out, inner, sizeof inner) < 0) {
		prom_selector_free(out);
		return fail(why, whysz, "selector %s: %s", text, inner);
	}
	return 0;
}

void
prom_selector_free(struct prom_selector *sel)
{
	for (size_t i = 0; i < sel->n; i++) {
		if (sel->m[i].op == PROM_RE || sel->m[i].op == PROM_NRE)
			regfree(&sel->m[i].re);
		free(sel->m[i].name);
		free(sel->m[i].value);
	}
	free(sel->m);
	free(sel->metric);
	memset(sel, 0, sizeof *sel);
}

static bool
matcher_match(const struct prom_matcher *m, const char *value)
{
	switch (m->op) {
	case PROM_EQ:
		return strcmp(value, m->value) == 0;
	case PROM_NE:
		return strcmp(value, m->value) != 0;
	case PROM_RE:
		return regexec(&m->re, value, 0, NULL, 0) == 0;
	case PROM_NRE:
		return regexec(&m->re, value, 0, NULL, 0) != 0;
	}
	return false;
}

bool
prom_selector_match(const struct prom_selector *sel, const struct prom_sample *s)
{
	if (*sel->metric && strcmp(sel->metric, s->name) != 0)
		return false;
	for (size_t i = 0; i < sel->n; i++) {
		const char *v = strcmp(sel->m[i].name, "__name__") == 0 ? s->name :
		    prom_label(s, sel->m[i].name);

		if (!matcher_match(&sel->m[i], v ? v : ""))
			return false;
	}
	return true;
}

size_t
prom_count_metric(const struct prom_scrape *s, const struct prom_selector *sel)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		if (!*sel->metric || strcmp(s->samples[i].name, sel->metric) == 0)
			n++;
	return n;
}

double
prom_sum(const struct prom_scrape *s, const struct prom_selector *sel)
{
	double sum = 0;

	for (size_t i = 0; i < s->n; i++)
		if (prom_selector_match(sel, &s->samples[i]))
			sum += s->samples[i].value;
	return sum;
}

/* --- increases and quantiles -------------------------------------------- */

double
prom_counter_increase(double earlier, double later)
{
	return later < earlier ? later : later - earlier;
}

static const struct prom_sample *
find_series(const struct prom_scrape *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->samples[i].key, key) == 0)
			return &s->samples[i];
	return NULL;
}

static double
series_increase(const struct prom_scrape *earlier, const struct prom_sample *now)
{
	const struct prom_sample *then = earlier ? find_series(earlier, now->key) : NULL;

	return prom_counter_increase(then ? then->value : 0, now->value);
}

double
prom_increase(const struct prom_scrape *earlier, const struct prom_scrape *later,
    const struct prom_selector *sel)
{
	double sum = 0;

	for (size_t i = 0; i < later->n; i++)
		if (prom_selector_match(sel, &later->samples[i]))
			sum += series_increase(earlier, &later->samples[i]);
	return sum;
}

static int
bucket_cmp(const void *a, const void *b)
{
	double x = ((const struct prom_bucket *)a)->upper;
	double y = ((const struct prom_bucket *)b)->upper;

	return (x > y) - (x < y);
}

/* Merge equal bounds (summing counts) and make counts non-decreasing. */
static size_t
coalesce_buckets(struct prom_bucket *b, size_t n)
{
	size_t out = 0;
	double max = -INFINITY;

	for (size_t i = 0; i < n; i++) {
		if (out > 0 && b[out - 1].upper == b[i].upper)
			b[out - 1].count += b[i].count;
		else
			b[out++] = b[i];
	}
	for (size_t i = 0; i < out; i++) {
		if (b[i].count < max)
			b[i].count = max;
		max = b[i].count;
	}
	return out;
}

double
prom_bucket_quantile(double q, struct prom_bucket *b, size_t n)
{
	double rank, start = 0, end, count;
	size_t i;

	if (isnan(q))
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	if (n == 0)
		return NAN;
	qsort(b, n, sizeof *b, bucket_cmp);
	if (!(isinf(b[n - 1].upper) && b[n - 1].upper > 0))
		return NAN;
	n = coalesce_buckets(b, n);
	if (n < 2 || b[n - 1].count == 0 || isnan(b[n - 1].count))
		return NAN;
	rank = q * b[n - 1].count;
	for (i = 0; i < n - 1 && !(b[i].count >= rank); i++)
		;
	if (i == n - 1)
		return b[n - 2].upper;
	if (i == 0 && b[0].upper <= 0)
		return b[0].upper;
	end = b[i].upper;
	count = b[i].count;
	if (i > 0) {
		start = b[i - 1].upper;
		count -= b[i - 1].count;
		rank -= b[i - 1].count;
	}
	return start + (end - start) * (rank / count);
}

/* Add delta to the bucket with bound le, adding the bound if it is new. */
static void
bucket_add(struct prom_bucket **b, size_t *n, double le, double delta)
{
	for (size_t i = 0; i < *n; i++)
		if ((*b)[i].upper == le) {
			(*b)[i].count += delta;
			return;
		}
	*b = xrealloc(*b, (*n + 1) * sizeof **b);
	(*b)[(*n)++] = (struct prom_bucket){ le, delta };
}

int
prom_histogram_quantile(double q, const struct prom_scrape *earlier,
    const struct prom_scrape *later, const struct prom_selector *sel,
    double *out, double *observations, char *why, size_t whysz)
{
	struct prom_bucket *b = NULL;
	size_t n = 0;
	double total = 0;

	for (size_t i = 0; i < later->n; i++) {
		const struct prom_sample *s = &later->samples[i];
		const char *le = prom_label(s, "le");
		double bound;
		char *end;

		if (!le || !prom_selector_match(sel, s))
			continue;
		bound = strcmp(le, "+Inf") == 0 ? INFINITY : strtod(le, &end);
		if (!isinf(bound) && (*end || end == le))
			continue;	/* PromQL drops a bucket whose le is no number */
		bucket_add(&b, &n, bound, series_increase(earlier, s));
	}
	if (n == 0)
		return fail(why, whysz, "%s: no series with an le label (is it a histogram's _bucket?)",
		    *sel->metric ? sel->metric : "selector");
	for (size_t i = 0; i < n; i++)
		if (isinf(b[i].upper) && b[i].upper > 0)
			total = b[i].count;
	*out = prom_bucket_quantile(q, b, n);
	if (observations)
		*observations = total;
	free(b);
	return 0;
}
