/*
 * manifest.h: pr-tools/snapshot/1, the snapshot manifest that pr-snapshot
 * writes (on stdout, and as manifest.json inside the archive) and
 * pr-rollback reads and verifies before it changes anything.
 *
 *   {"tag", "commit", "pushed",
 *    "archive": {"path", "bytes", "sha256"},     bytes and sha256: outer only
 *    "members": [{"name", "bytes", "sha256"}],   outer: every member;
 *                                                inner: all but manifest.json
 *    "database": {"url", "dbname", "format", "member", "toc_entries",
 *                 "indexes": [{"schema", "table", "name", "valid", "unique"}]}
 *                | null,
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
cJSON *manifest_member_json(const struct tarball_member *m);

/*
 * The archive path that manifest (named name in messages) records, borrowed
 * from it.  Returns 0 or PR_INPUT (reported).
 */
int manifest_archive_path(const cJSON *manifest, const char *name, const char **path);

/*
 * The indexes that manifest (named name in messages) records as valid, as
 * new "schema.name" strings in *names (*n of them; caller frees each and
 * the array, also on error).  Returns 0 or PR_INPUT (reported) when it
 * records no database or no index list, or an entry is malformed.
 */
int manifest_valid_indexes(const cJSON *manifest, const char *name, char ***names, size_t *n);

/*
 * The archive's own SHA-256 (hex, borrowed) and size that an outer manifest
 * records.  Returns 0 or PR_INPUT (reported).
 */
int manifest_archive_sum(const cJSON *manifest, const char **sha256, double *bytes);

/*
 * Compare the n members read from archive (ms) with the "members" list of
 * manifest, named listed_in in messages: each listed member must be there
 * with the same SHA-256 and size, and each member read must be listed
 * (manifest.json itself only when lists_manifest).  Returns 0 or PR_INPUT
 * (reported, naming the member).
 */
int manifest_check_members(const cJSON *manifest, const char *listed_in, const char *archive,
    const struct tarball_member *ms, size_t n, bool lists_manifest);

/*
 * The "members" list of manifest (named name) as an array of *n entries
 * (caller frees): each name a plain member name, listed once, with a whole
 * number of bytes.  Returns 0 or PR_INPUT (reported).
 */
int manifest_members(const cJSON *manifest, const char *name, struct tarball_member **ms, size_t *n);

/* The member called name among the n in ms, or NULL. */
const struct tarball_member *manifest_member_of(const struct tarball_member *ms, size_t n, const char *name);

/*
 * Verify the archive at path archive and extract it into dir (an existing,
 * empty, private directory), so that what is extracted is what was verified:
 *
 * - The archive is opened once.  Anything but a regular file (a FIFO, a
 *   pipe) is first copied into an unnamed file in dir.
 * - First pass: with outer (the manifest given, named outer_name), the
 *   archive's SHA-256 and size must be the ones it records, and its members
 *   are the ones it lists.  Without outer, the archive's own manifest.json
 *   is read (nothing is written) and lists them.
 * - Second pass, through the same descriptor: each member is extracted only
 *   if it is listed, once, and no larger than listed (reading stops there),
 *   and the archive's bytes must hash as in the first pass.  Every member
 *   must then match outer (which lists manifest.json too) and manifest.json,
 *   a pr-tools/snapshot/1 document.
 *
 * On success *inner is that manifest.json (caller frees) and *members the
 * *n members verified (caller frees).  Returns 0, PR_INPUT (the archive is
 * not the one described) or PR_EXTERNAL (dir not writable), reported with
 * "nothing was changed".  Files left in dir are the caller's to remove.
 */
int manifest_verify_archive(const char *archive, const cJSON *outer, const char *outer_name, const char *dir,
    cJSON **inner, struct tarball_member **members, size_t *n);

#endif
