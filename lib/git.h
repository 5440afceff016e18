/*
 * git.h: the git operations pr-snapshot and pr-rollback need, each one git
 * command run through fork/exec (never a shell) in the current directory.
 *
 * Every function returns 0 or a suite exit code and, on failure, leaves a
 * one-line reason in why (git's own last line of stderr); the caller reports.
 */
#ifndef PR_GIT_H
#define PR_GIT_H

#include <stdbool.h>
#include <stddef.h>

/* Run git with args (NULL-terminated, without "git"), stdout trimmed into
 * *out when out is set (caller frees).  0, PR_FAIL when git said no,
 * PR_EXTERNAL when git could not be run. */
int git_run(char **out, char *why, size_t whylen, const char *arg, ...) __attribute__((sentinel));

/* The full commit id rev resolves to (caller frees): 0 or PR_INPUT. */
int git_commit_of(const char *rev, char **sha, char *why, size_t whylen);

/* True when refs/tags/<tag> exists. */
bool git_tag_exists(const char *tag);

/* True when tracked files have uncommitted changes (staged or not). */
int git_dirty(bool *dirty, char *why, size_t whylen);

/* Make annotated tag at commit with message; never moves an existing tag. */
int git_tag(const char *tag, const char *commit, const char *message, char *why, size_t whylen);

/* Push refs/<kind>/<name> ("tags" or "heads") to remote. */
int git_push(const char *remote, const char *kind, const char *name, char *why, size_t whylen);

/* Check out rev detached, or a new branch made at rev when branch is set. */
int git_checkout(const char *rev, const char *branch, char *why, size_t whylen);

#endif
