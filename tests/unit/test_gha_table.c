/* test_gha_table.c: Markdown tables for the step summaries: one escaper for every
 * cell, so no value can end a cell, start emphasis or a tag, or a new line. */
#include <stdlib.h>

#include "buf.h"
#include "pr.h"
#include "gha.h"
#include "t.h"

static void
test_head_and_alignment(void)
{
	static const char *const head[] = { "metric", "p (adj)", "n" };
	struct buf md = {0};

	gha_table_head(&md, 3, head, "lrr");
	CHECK_STR(md.data, "| metric | p (adj) | n |\n|---|---:|---:|\n");
	buf_free(&md);
}

static void
test_text_cells_escaped(void)
{
	struct buf md = {0};

	gha_table_row(&md, 3, (const struct gha_cell[]){
		{ "a|b", GHA_PLAIN }, { "_x_ *y* `z` <b>\\", GHA_PLAIN }, { "two\nlines\r", GHA_PLAIN } });
	CHECK_STR(md.data, "| a\\|b | \\_x\\_ \\*y\\* \\`z\\` \\<b\\>\\\\ | two lines  |\n");
	buf_free(&md);
}

static void
test_code_and_bold_cells(void)
{
	struct buf md = {0};

	gha_table_row(&md, 4, (const struct gha_cell[]){
		{ "perf/a_b|c", GHA_CODE }, { "x`y", GHA_CODE }, { "regressed", GHA_BOLD }, { NULL, GHA_BOLD } });
	CHECK_STR(md.data, "| `perf/a_b\\|c` | `x'y` | **regressed** |  |\n");
	buf_free(&md);
}

int
main(void)
{
	pr_init("pr-tools");
	RUN(test_head_and_alignment);
	RUN(test_text_cells_escaped);
	RUN(test_code_and_bold_cells);
	return t_done();
}
