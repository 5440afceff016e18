/*
 * trend.c: binary segmentation with a permutation-tested maximally selected
 * rank statistic (see trend.h for the method and its sources).
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "trend.h"
#include "buf.h"

void
trend_settings_default(struct trend_settings *s)
{
	s->alpha = TREND_DEFAULT_ALPHA;
	s->permutations = TREND_DEFAULT_PERMUTATIONS;
	s->min_segment = TREND_DEFAULT_MIN_SEGMENT;
	s->seed = TREND_DEFAULT_SEED;
}

uint64_t
trend_rand(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* A uniform integer in [0, bound) from the high 32 bits (Lemire's
 * multiply-shift; the bias is below bound / 2^32). */
static size_t
rand_below(uint64_t *state, size_t bound)
{
	return (size_t)(((trend_rand(state) >> 32) * (uint64_t)bound) >> 32);
}

struct ranked { double v; size_t i; };

static int
ranked_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* c[i] = 2 midrank(x[i]) - (n + 1): centred doubled ranks, exact integers
 * (32 bits: a series is far shorter than 2^30 points). */
static void
centred_ranks(const double *x, size_t n, int32_t *c, struct ranked *tmp)
{
	for (size_t i = 0; i < n; i++)
		tmp[i] = (struct ranked){ x[i], i };
	qsort(tmp, n, sizeof *tmp, ranked_cmp);
	for (size_t a = 0, b; a < n; a = b) {
		for (b = a + 1; b < n && tmp[b].v == tmp[a].v; b++)
			;
		/* 1-based ranks a+1 .. b share the mid-rank (a + 1 + b) / 2. */
		for (size_t j = a; j < b; j++)
			c[tmp[j].i] = (int32_t)(a + 1 + b) - (int32_t)(n + 1);
	}
}

/* w[k] = 1 / (k (n - k)): the weights of the statistic, computed once per
 * segment so that the permutations multiply instead of divide. */
static void
weights(double *w, size_t n)
{
	for (size_t k = 1; k < n; k++)
		w[k] = 1.0 / ((double)k * (double)(n - k));
}

/* max over allowed k of S_k^2 w[k], and the k that reaches it. */
static double
max_stat(const int32_t *c, const double *w, size_t n, size_t min_seg, size_t *at)
{
	int64_t s = 0;
	double best = -1;

	for (size_t k = 1; k < min_seg; k++)
		s += c[k - 1];
	for (size_t k = min_seg; k + min_seg <= n; k++) {
		double t;

		s += c[k - 1];
		t = (double)s * (double)s * w[k];
		if (t > best) {
			best = t;
			if (at)
				*at = k;
		}
	}
	return best;
}

static uint64_t
segment_seed(uint64_t seed, size_t lo, size_t hi)
{
	uint64_t st = seed ^ ((uint64_t)lo * UINT64_C(0x9e3779b97f4a7c15)) ^
	    ((uint64_t)hi * UINT64_C(0xc2b2ae3d27d4eb4f));

	return trend_rand(&st);
}

/* The permutation p-value of stat over c[0..n) (shuffled in place), or a
 * value above alpha as soon as significance is out of reach. */
static double
perm_p(int32_t *c, const double *w, size_t n, double stat, const struct trend_settings *s, uint64_t st)
{
	unsigned reach = 0, limit = (unsigned)floor(s->alpha * (s->permutations + 1.0));

	if (limit == 0)
		return 1;	/* even p = 1 / (P + 1) is above alpha */

	for (unsigned p = 0; p < s->permutations; p++) {
		for (size_t i = n - 1; i > 0; i--) {
			size_t j = rand_below(&st, i + 1);
			int32_t t = c[i];

			c[i] = c[j];
			c[j] = t;
		}
		if (max_stat(c, w, n, s->min_segment, NULL) >= stat && ++reach >= limit)
			return 1;	/* p = (reach + 1) / (P + 1) > alpha already */
	}
	return (reach + 1.0) / (s->permutations + 1.0);
}

/* A segment's test result: refinement tests the same segments again. */
struct tested {
	size_t lo, hi;
	bool significant;
	struct trend_cp cp;
};

struct seg_ctx {
	const double *x;
	const struct trend_settings *s;
	int32_t *c;
	double *w;
	struct ranked *tmp;
	struct tested *memo;	/* segments tested, and their results */
	size_t nmemo, capmemo;
	struct trend_cp *cps;
	size_t ncp, cap;
};

/*
 * Test one segment: its best split into *cp when significant.  c and tmp
 * hold n values.
 */
static bool
run_test(struct seg_ctx *g, size_t lo, size_t hi, struct trend_cp *cp)
{
	size_t n = hi - lo, k = 0;
	double stat, p;

	if (n < 2 * g->s->min_segment || n < 2)
		return false;
	centred_ranks(g->x + lo, n, g->c, g->tmp);
	weights(g->w, n);
	stat = max_stat(g->c, g->w, n, g->s->min_segment, &k);
	if (stat <= 0)
		return false;	/* all values equal */
	p = perm_p(g->c, g->w, n, stat, g->s, segment_seed(g->s->seed, lo, hi));
	if (p > g->s->alpha)
		return false;
	/* As a z score: Var S_k = k (n - k) (n + 1) / 3 for centred doubled ranks. */
	*cp = (struct trend_cp){ .index = lo + k, .p = p, .z = sqrt(stat * 3 / ((double)n + 1)) };
	return true;
}

/* run_test, remembered: the result depends on (lo, hi) alone. */
static bool
test_segment(struct seg_ctx *g, size_t lo, size_t hi, struct trend_cp *cp)
{
	struct tested *t;

	for (size_t i = 0; i < g->nmemo; i++)
		if (g->memo[i].lo == lo && g->memo[i].hi == hi) {
			*cp = g->memo[i].cp;
			return g->memo[i].significant;
		}
	if (g->nmemo == g->capmemo) {
		g->capmemo = g->capmemo ? 2 * g->capmemo : 16;
		g->memo = xrealloc(g->memo, g->capmemo * sizeof *g->memo);
	}
	t = &g->memo[g->nmemo++];
	*t = (struct tested){ .lo = lo, .hi = hi };
	t->significant = run_test(g, lo, hi, &t->cp);
	*cp = t->cp;
	return t->significant;
}

static int
cp_cmp(const void *a, const void *b)
{
	const struct trend_cp *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

static void
segment(struct seg_ctx *g, size_t lo, size_t hi)
{
	struct trend_cp cp;

	if (!test_segment(g, lo, hi, &cp))
		return;
	if (g->ncp == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 8;
		g->cps = xrealloc(g->cps, g->cap * sizeof *g->cps);
	}
	g->cps[g->ncp++] = cp;
	segment(g, lo, cp.index);
	segment(g, cp.index, hi);
}

/*
 * Binary segmentation places a split while later change points still sit
 * in the segment, which can pull it a few points off and leave a sliver
 * that tests significant.  So each change point is placed and tested again
 * between its neighbours, dropped when no longer significant, until
 * nothing moves (at most REFINE_ROUNDS rounds).
 */
#define REFINE_ROUNDS 10

static void
refine(struct seg_ctx *g, size_t n)
{
	for (int round = 0; round < REFINE_ROUNDS; round++) {
		bool moved = false;

		for (size_t i = 0; i < g->ncp;) {
			size_t lo = i ? g->cps[i - 1].index : 0, hi = i + 1 < g->ncp ? g->cps[i + 1].index : n;
			struct trend_cp cp;

			if (!test_segment(g, lo, hi, &cp)) {
				memmove(&g->cps[i], &g->cps[i + 1], (g->ncp - i - 1) * sizeof *g->cps);
				g->ncp--;
				moved = true;
				continue;
			}
			moved |= cp.index != g->cps[i].index;
			g->cps[i++] = cp;
		}
		if (!moved)
			return;
	}
}

static double
median_of(const double *x, size_t n, double *tmp)
{
	memcpy(tmp, x, n * sizeof *x);
	stats_sort(tmp, n);
	return stats_quantile_sorted(tmp, n, 0.5);
}

void
trend_change_points(const double *x, size_t n, const struct trend_settings *s,
    struct trend_cp **out, size_t *ncp)
{
	struct seg_ctx g = { .x = x, .s = s };

	*out = NULL;
	*ncp = 0;
	if (n < 2)
		return;
	g.c = xmalloc(n * sizeof *g.c);
	g.w = xmalloc(n * sizeof *g.w);
	g.tmp = xmalloc(n * sizeof *g.tmp);
	segment(&g, 0, n);
	if (g.ncp)
		qsort(g.cps, g.ncp, sizeof *g.cps, cp_cmp);
	refine(&g, n);
	for (size_t i = 0; i < g.ncp; i++) {
		size_t lo = i ? g.cps[i - 1].index : 0, at = g.cps[i].index;
		size_t hi = i + 1 < g.ncp ? g.cps[i + 1].index : n;

		g.cps[i].before = median_of(x + lo, at - lo, g.w);
		g.cps[i].after = median_of(x + at, hi - at, g.w);
	}
	free(g.c);
	free(g.w);
	free(g.memo);
	free(g.tmp);
	*out = g.cps;
	*ncp = g.ncp;
}
