/* test_applydoc.c: an apply document's "restore" section read back for
 * pr-apply-scale --from-apply: the section, its name and the endpoint. */
#include <stdlib.h>
#include <unistd.h>

#include "applydoc.h"
#include "doc.h"
#include "pr.h"
#include "platform.h"
#include "t.h"

static void
test_restore_section_name_and_endpoint(void)
{
	cJSON *doc = cJSON_Parse("{\"arm_endpoint\":\"http://127.0.0.1:1\",\"restore\":{\"azure\":{"
	    "\"subscription\":\"s\",\"resource_group\":\"g\",\"web_apps\":[{\"name\":\"w\",\"always_on\":false}]}}}");
	struct platform_opts po = { .dry_run = true };
	cJSON *restore = NULL;
	char *source = NULL, *endpoint = NULL;

	CHECK(applydoc_restore(doc, "apply.json", &restore, &source, &endpoint) == PR_OK);
	CHECK_STR(source, "apply.json: restore");
	CHECK_STR(endpoint, "http://127.0.0.1:1");
	CHECK(restore && restore != cJSON_GetObjectItemCaseSensitive(doc, "restore"));
	po.source = source;
	CHECK(platform_check(restore, &po) == PR_OK);
	cJSON_Delete(restore);
	free(source);
	free(endpoint);
	cJSON_Delete(doc);
}

static void
test_without_endpoint_or_restore(void)
{
	cJSON *doc = cJSON_Parse("{\"arm_endpoint\":null,\"restore\":{}}");
	cJSON *restore = NULL;
	char *source = NULL, *endpoint = (char *)"x";

	CHECK(applydoc_restore(doc, "apply.json", &restore, &source, &endpoint) == PR_OK);
	CHECK(endpoint == NULL);
	cJSON_Delete(restore);
	free(source);
	cJSON_Delete(doc);
	doc = cJSON_Parse("{\"restore\":[]}");
	if (!freopen("/dev/null", "w", stderr))
		return;
	CHECK(applydoc_restore(doc, "apply.json", &restore, &source, &endpoint) == PR_INPUT);
	CHECK(restore == NULL && source == NULL && endpoint == NULL);
	cJSON_Delete(doc);
}

int
main(void)
{
	pr_init("pr-tools");
	RUN(test_restore_section_name_and_endpoint);
	RUN(test_without_endpoint_or_restore);
	return t_done();
}
