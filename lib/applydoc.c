/*
 * applydoc.c: the "restore" section of a pr-tools/apply/1 document
 * (applydoc.h).
 */
#include "applydoc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc.h"
#include "fileio.h"
#include "platform.h"
#include "pr.h"

/* Mode of an apply document holding setting values: the owner's alone. */
#define APPLYDOC_SECRET_MODE 0600

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

/* Every string in each "settings" map under item becomes its hash. */
static void
redact_settings(cJSON *item, bool *had)
{
	for (cJSON *it = item ? item->child : NULL; it; it = it->next) {
		if (!it->string || strcmp(it->string, PLATFORM_SETTINGS) != 0 || !cJSON_IsObject(it)) {
			redact_settings(it, had);
			continue;
		}
		for (cJSON *v = it->child, *next; v; v = next) {
			next = v->next;
			if (cJSON_IsString(v)) {
				cJSON_ReplaceItemInObjectCaseSensitive(it, v->string, platform_hashed(v));
				*had = true;
			}
		}
	}
}

int
applydoc_emit(const cJSON *doc, const char *also_path)
{
	bool had_values = false;
	cJSON *shown = cJSON_Duplicate(doc, true);
	char *text;
	int rc;

	redact_settings(cJSON_GetObjectItemCaseSensitive(shown, "restore"), &had_values);
	if ((rc = doc_emit(shown, NULL)) || !also_path || !*also_path)
		goto out;
	text = doc_text(doc);
	rc = fileio_write_atomic_mode(also_path, text, strlen(text),
	    had_values ? APPLYDOC_SECRET_MODE : PR_OUTPUT_MODE);
	explicit_bzero(text, strlen(text));
	free(text);
out:
	cJSON_Delete(shown);
	return rc;
}

bool
applydoc_has_settings(const cJSON *platform)
{
	/* Any provider's lists: {"azure": {"web_apps": [...]}, "render": {"services": [...]}}. */
	for (const cJSON *p = cJSON_IsObject(platform) ? platform->child : NULL; p; p = p->next)
		for (const cJSON *list = cJSON_IsObject(p) ? p->child : NULL; list; list = list->next)
			for (const cJSON *e = cJSON_IsArray(list) ? list->child : NULL; e; e = e->next)
				if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(e, PLATFORM_SETTINGS)) > 0)
					return true;
	return false;
}
