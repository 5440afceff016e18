/*
 * gha.h: GitHub Actions integration.  Every function is a no-op outside
 * GitHub Actions (GITHUB_ACTIONS unset), so programs call them freely.
 */
#ifndef PR_GHA_H
#define PR_GHA_H

/* Append key=value to $GITHUB_OUTPUT (multi-line values use a delimiter).
 * Returns 0, or PR_EXTERNAL when the file cannot be written (reported). */
int gha_output(const char *key, const char *value);

/* Append Markdown to $GITHUB_STEP_SUMMARY. */
int gha_summary(const char *markdown);

/* Ask the runner to mask value in all later log output (::add-mask::).
 * For a header value it also masks the credentials after an auth scheme
 * ("Bearer X" masks X) and each value of a cookie list ("a=1; b=2").
 * Skips empty values. */
void gha_mask(const char *value);

#endif
