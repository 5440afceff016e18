/*
 * applydoc.h: reading a pr-tools/apply/1 document back, as
 * `pr-apply-scale --from-apply FILE --restore` does: its "restore" section
 * is a platform section (platform.h) that puts back what the apply changed,
 * and "arm_endpoint" the Resource Manager endpoint it was applied through.
 */
#ifndef PR_APPLYDOC_H
#define PR_APPLYDOC_H

#include <stdbool.h>
#include <cjson/cJSON.h>

/*
 * From doc, a pr-tools/apply/1 document read from name: a copy of its
 * "restore" section in *restore, that section's name for messages
 * ("<name>: restore") in *source, and the endpoint the document recorded in
 * *endpoint (NULL when none).  The caller frees all three.  Returns 0, or
 * PR_INPUT (reported) with nothing allocated.  The section's settings are
 * checked by platform_check().
 */
int applydoc_restore(const cJSON *doc, const char *name, cJSON **restore, char **source, char **endpoint);

/*
 * Write the apply document doc: stdout (and so logs and step summaries)
 * gets it with every setting value of its restore section shown as
 * {"sha256"} (azsettings.h); also_path, when set, gets it whole, created
 * 0600 when it holds setting values (0666 less the umask otherwise), so
 * that `--from-apply FILE --restore` can give the old values back.
 * Returns 0 or PR_EXTERNAL (reported).
 */
int applydoc_emit(const cJSON *doc, const char *also_path);

/* True when platform (a section to apply, any provider) changes settings, whose
 * old values only an -o file keeps. */
bool applydoc_has_settings(const cJSON *platform);

#endif
