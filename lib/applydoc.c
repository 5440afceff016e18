/*
 * applydoc.c: the "restore" section of a pr-tools/apply/1 document
 * (applydoc.h).
 */
#include "applydoc.h"
#include "buf.h"
#include "doc.h"
#include "pr.h"

int
applydoc_restore(const cJSON *doc, const char *name, cJSON **restore, char **source, char **endpoint)
{
	const cJSON *sec, *ep;
	struct buf text = {0};
	int rc;

	*restore = NULL;
	*source = NULL;
	*endpoint = NULL;
	if ((rc = doc_get_object(doc, "restore", PR_REQUIRED, name, &sec)))
		return rc;
	if ((ep = cJSON_GetObjectItemCaseSensitive(doc, "arm_endpoint")) && cJSON_IsString(ep))
		*endpoint = xstrdup(ep->valuestring);
	buf_printf(&text, "%s: restore", name);
	*source = buf_detach(&text);
	*restore = cJSON_Duplicate(sec, true);
	return PR_OK;
}
