/* platform.c: placeholder until the Azure Resource Manager client lands. */
#include "platform.h"

#include "err.h"

int
pr_platform_read(const cJSON *platform, const struct pr_platform_opts *o, cJSON **current)
{
	(void)platform;
	(void)o;
	*current = NULL;
	return pr_error(PR_EXTERNAL, "platform settings: not built yet");
}

int
pr_platform_apply(const cJSON *desired, const struct pr_platform_opts *o, cJSON **resources)
{
	(void)desired;
	(void)o;
	*resources = NULL;
	return pr_error(PR_EXTERNAL, "platform settings: not built yet");
}
