/* test_deploycfg.c: the "deploy" section: the workflow to dispatch, and the
 * one-line errors for a missing section or a wrong type. */
#include <stdlib.h>
#include <string.h>

#include "deploycfg.h"
#include "pr.h"
#include "t.h"

static void
test_reads_repo_workflow_ref_and_inputs(void)
{
	cJSON *d = cJSON_Parse(
	    "{\"github\":{\"repo\":\"o/r\",\"workflow\":\"d.yml\",\"ref\":\"main\",\"inputs\":{\"a\":\"1\"}}}");
	struct deploycfg_github gh;

	CHECK(deploycfg_github_parse(d, "pr-tools.json", &gh) == PR_OK);
	CHECK_STR(gh.repo, "o/r");
	CHECK_STR(gh.workflow, "d.yml");
	CHECK_STR(gh.ref, "main");
	CHECK(cJSON_IsObject(gh.inputs));
	cJSON_Delete(d);
	d = cJSON_Parse("{\"github\":{\"repo\":\"o/r\",\"workflow\":\"d.yml\"}}");
	CHECK(deploycfg_github_parse(d, "pr-tools.json", &gh) == PR_OK);
	CHECK(gh.ref == NULL && gh.inputs == NULL);
	cJSON_Delete(d);
}

static void
test_missing_section_and_wrong_types_are_bad_input(void)
{
	cJSON *d = cJSON_Parse("{\"github\":{\"repo\":\"o/r\",\"workflow\":7}}");
	struct deploycfg_github gh;

	if (!freopen("/dev/null", "w", stderr))
		return;
	CHECK(deploycfg_github_parse(NULL, "pr-tools.json", &gh) == PR_INPUT);
	CHECK(deploycfg_github_parse(d, "pr-tools.json", &gh) == PR_INPUT);
	cJSON_Delete(d);
	d = cJSON_Parse("{\"github\":{\"repo\":\"o/r\",\"workflow\":\"d\",\"inputs\":[]}}");
	CHECK(deploycfg_github_parse(d, "pr-tools.json", &gh) == PR_INPUT);
	cJSON_Delete(d);
}

/* Drift settled: deploy.github's fields were named without the file
 * ("deploy.github.workflow: ..."), unlike every other section's; and a
 * "github" that is not an object said its "repo" was missing. */
static void
test_errors_name_the_file_and_the_field(void)
{
	static const struct { const char *json, *line; } cases[] = {
		{ "{\"github\":{\"repo\":\"o/r\",\"workflow\":7}}",
		  "pr-tools: pr-tools.json: deploy.github.workflow: expected a string, found number\n" },
		{ "{\"github\":\"o/r\"}",
		  "pr-tools: pr-tools.json: deploy.github: expected an object, found string\n" },
	};
	struct deploycfg_github gh;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cJSON *d = cJSON_Parse(cases[i].json);

		t_stderr_capture();
		CHECK(deploycfg_github_parse(d, "pr-tools.json", &gh) == PR_INPUT);
		CHECK(strcmp(t_stderr_text(), cases[i].line) == 0);
		CHECK(gh.repo == NULL);
		cJSON_Delete(d);
	}
}

int
main(void)
{
	pr_init("pr-tools");
	RUN(test_reads_repo_workflow_ref_and_inputs);
	RUN(test_missing_section_and_wrong_types_are_bad_input);
	RUN(test_errors_name_the_file_and_the_field);
	return t_done();
}
