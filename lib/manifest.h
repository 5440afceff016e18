/*
 * manifest.h: pr-tools/snapshot/1, the snapshot manifest that pr-snapshot
 * writes (on stdout, and as manifest.json inside the archive) and
 * pr-rollback reads and verifies before it changes anything.
 *
 *   {"tag", "commit", "pushed",
 *    "archive": {"path", "bytes", "sha256"},     bytes and sha256: outer only
 *    "members": [{"name", "bytes", "sha256"}],   outer: every member;
 *                                                inner: all but manifest.json
 *    "database": {"url", "dbname", "format", "member", "toc_entries"} | null,
 *    "platform": {...} | null, "upload": {...} | null}
 *
 * Errors are reported once, naming the archive and the manifest, and say
 * that nothing was changed.
 */
#ifndef PR_MANIFEST_H
#define PR_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "tarball.h"

#define MANIFEST_MEMBER "manifest.json"

/* A "members" entry for m (caller owns). */
cJSON *manifest_member_json(const struct pr_member *m);

/*
 * The archive path that manifest (named name in messages) records, borrowed
 * from it.  Returns 0 or PR_INPUT (reported).
 */
int manifest_archive_path(const cJSON *manifest, const char *name, const char **path);

/*
 * The archive's own SHA-256 (hex, borrowed) and size that an outer manifest
 * records.  Returns 0 or PR_INPUT (reported).
 */
int manifest_archive_sum(const cJSON *manifest, const char **sha256, double *bytes);

/*
 * Check the file archive against the SHA-256 and size manifest (named name)
 * records.  Returns 0 or PR_INPUT (reported: unreadable, or not the same).
 */
int manifest_check_archive(const cJSON *manifest, const char *name, const char *archive);

/*
 * Compare the n members read from archive (ms) with the "members" list of
 * manifest, named listed_in in messages: each listed member must be there
 * with the same SHA-256 and size, and each member read must be listed
 * (manifest.json itself only when lists_manifest).  Returns 0 or PR_INPUT
 * (reported, naming the member).
 */
int manifest_check_members(const cJSON *manifest, const char *listed_in, const char *archive,
    const struct pr_member *ms, size_t n, bool lists_manifest);

/*
 * Read archive into dir (an existing empty directory), hashing each member,
 * and verify it: against outer (the manifest given, named outer_name; may be
 * NULL) and against its own manifest.json, which must be a
 * pr-tools/snapshot/1 document.  On success *inner is that manifest (caller
 * frees) and *n the number of members.  Returns 0, PR_INPUT or PR_EXTERNAL
 * (reported).
 */
int manifest_read_archive(const char *archive, const cJSON *outer, const char *outer_name, const char *dir,
    cJSON **inner, size_t *n);

#endif
