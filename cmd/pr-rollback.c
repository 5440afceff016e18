/*
 * pr-rollback: go back to a snapshot.  Verifies the archive's checksums
 * before anything changes, then, in order: checks out the snapshot's tag (or
 * makes a revert branch), triggers the deploy workflow, restores the
 * platform settings (--restore-platform) and the database (--restore-db
 * --yes).  Writes pr-tools/rollback/1 saying which steps were done; exit 5
 * when it stopped half way.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "deploycfg.h"
#include "doc.h"
#include "err.h"
#include "fileio.h"
#include "gha.h"
#include "git.h"
#include "github.h"
#include "manifest.h"
#include "pg.h"
#include "platform.h"
#include "proc.h"
#include "util.h"

#define BRANCH_PREFIX "rollback/"

struct opts {
	const char *config;
	const char *input;	/* manifest, "-" or archive */
	const char *tag;
	bool branch;		/* --revert-branch given */
	const char *branch_name;
	bool push;
	const char *remote;
	bool skip_deploy;
	bool restore_platform;
	bool restore_db;
	bool yes;
	bool dry_run;
	const char *db_url;
	double db_timeout_s;
	const char *json_out;
	bool log;
	bool quiet;
};

enum step_id { STEP_VERIFY, STEP_GIT, STEP_DEPLOY, STEP_PLATFORM, STEP_DATABASE, NSTEPS };

struct step {
	const char *name;
	const char *status;	/* done, skipped, planned, failed */
	char detail[PR_WHY_LEN + 64];
	bool wanted;
	bool changes;		/* doing it changes something outside */
};

struct state {
	struct pr_config cfg;
	cJSON *outer;		/* the manifest given on the command line, or NULL */
	cJSON *inner;		/* manifest.json from the archive, or NULL */
	const cJSON *snap;	/* the manifest in use: inner, else outer */
	char *archive;
	char *workdir;		/* extracted members, private (0700) */
	struct pr_member *members;	/* the members verified and extracted */
	size_t nmembers;
	char *tag, *commit, *branch;
	const char *token;
	const char *repo, *workflow, *ref;
	const cJSON *inputs;
	const cJSON *platform;
	struct pr_pg_url db;
	bool have_db;
	char *dump_path;
	struct step steps[NSTEPS];
};

static const char usage_text[] =
    "usage: pr-rollback [options] [MANIFEST | ARCHIVE | -]\n"
    "       pr-rollback [options] --tag NAME\n"
    "\n"
    "Go back to a pr-snapshot: verify its checksums, check out its tag (or make\n"
    "a revert branch), trigger the deploy workflow, and on request restore the\n"
    "platform settings and the database.  Prints pr-tools/rollback/1.\n"
    "\n"
    "  -f, --config FILE           pr-tools.json (default ./pr-tools.json when present)\n"
    "  -t, --tag NAME              the snapshot's tag, without a manifest (SNAPSHOT_TAG)\n"
    "  -b, --revert-branch[=NAME]  make a branch at the tag instead of a detached\n"
    "                              checkout (default rollback/<tag>-YYYYMMDD)\n"
    "      --push                  push the revert branch to the remote\n"
    "      --remote NAME           remote to push to (default origin)\n"
    "      --skip-deploy           do not trigger the deploy workflow (SKIP_DEPLOY=1)\n"
    "      --restore-platform      apply the snapshot's platform settings\n"
    "      --restore-db            restore the database from the snapshot (needs --yes)\n"
    "  -y, --yes                   confirm --restore-db: the current data is replaced\n"
    "  -n, --dry-run               verify and print the plan; change nothing\n"
    "  -d, --database-url URL      database to restore (default DATABASE_URL, config database.url)\n"
    "      --db-timeout DURATION   most pg_restore may take (default 1h; 0: no limit)\n"
    "  -o, --output FILE           also write the document to FILE (OUTPUT_JSON)\n"
    "      --log                   also log to logs/rollback-YYYYMMDD-HHMMSS.log (QA_LOG=1)\n"
    "  -q, --quiet                 no progress notes on stderr\n"
    "  -h, --help                  show this help\n"
    "  -V, --version               show the version\n";

static int
parse_args(int argc, char **argv, struct opts *o)
{
	enum { OPT_PUSH = 256, OPT_REMOTE, OPT_SKIP_DEPLOY, OPT_PLATFORM, OPT_DB, OPT_LOG, OPT_DB_TIMEOUT };
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'f'},
		{"tag", required_argument, NULL, 't'},
		{"revert-branch", optional_argument, NULL, 'b'},
		{"push", no_argument, NULL, OPT_PUSH},
		{"remote", required_argument, NULL, OPT_REMOTE},
		{"skip-deploy", no_argument, NULL, OPT_SKIP_DEPLOY},
		{"restore-platform", no_argument, NULL, OPT_PLATFORM},
		{"restore-db", no_argument, NULL, OPT_DB},
		{"yes", no_argument, NULL, 'y'},
		{"dry-run", no_argument, NULL, 'n'},
		{"database-url", required_argument, NULL, 'd'},
		{"db-timeout", required_argument, NULL, OPT_DB_TIMEOUT},
		{"output", required_argument, NULL, 'o'},
		{"log", no_argument, NULL, OPT_LOG},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *env;
	int c;

	o->remote = "origin";
	o->db_timeout_s = PR_PG_TIMEOUT_DEFAULT_S;
	if ((env = getenv("SNAPSHOT_TAG")) && *env)
		o->tag = env;
	if ((env = getenv("SKIP_DEPLOY")) && strcmp(env, "1") == 0)
		o->skip_deploy = true;
	if ((env = getenv("DATABASE_URL")) && *env)
		o->db_url = env;
	o->json_out = getenv("OUTPUT_JSON");
	while ((c = getopt_long(argc, argv, ":f:t:b::ynd:o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o->config = optarg; break;
		case 't': o->tag = optarg; break;
		case 'b': o->branch = true; o->branch_name = optarg; break;
		case OPT_PUSH: o->push = true; break;
		case OPT_REMOTE: o->remote = optarg; break;
		case OPT_SKIP_DEPLOY: o->skip_deploy = true; break;
		case OPT_PLATFORM: o->restore_platform = true; break;
		case OPT_DB: o->restore_db = true; break;
		case 'y': o->yes = true; break;
		case 'n': o->dry_run = true; break;
		case 'd': o->db_url = optarg; break;
		case OPT_DB_TIMEOUT:
			if (pr_parse_duration(optarg, &o->db_timeout_s) == -1)
				return pr_usage_error("--db-timeout: '%s' is not a duration (e.g. 30m, 2h, 0 for no limit)", optarg);
			break;
		case 'o': o->json_out = optarg; break;
		case OPT_LOG: o->log = true; break;
		case 'q': o->quiet = true; break;
		case 'h': fputs(usage_text, stdout); exit(PR_OK);
		case 'V': printf("pr-rollback %s\n", PR_VERSION); exit(PR_OK);
		default: return pr_getopt_error(c, argv);
		}
	}
	if (optind < argc)
		o->input = argv[optind++];
	if (optind < argc)
		return pr_usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->input && !o->tag)
		return pr_usage_error("name a snapshot: a manifest, an archive, or --tag");
	if (o->branch && o->branch_name && !*o->branch_name)
		return pr_usage_error("--revert-branch: empty branch name");
	if (o->push && !o->branch)
		return pr_usage_error("--push needs --revert-branch (a detached checkout has nothing to push)");
	if (o->restore_db && !o->yes && !o->dry_run)
		return pr_usage_error("--restore-db replaces the current data and needs --yes to confirm");
	return PR_OK;
}

/* Remove the extraction directory and forget it for the signal handler. */
static void
remove_workdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		struct buf p = {0};

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		buf_printf(&p, "%s/%s", dir, e->d_name);
		unlink(p.data);
		pr_tmp_untrack(p.data);
		buf_free(&p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	pr_tmp_untrack(dir);
}

static void
state_free(struct state *s)
{
	if (s->workdir)
		remove_workdir(s->workdir);
	free(s->workdir);
	free(s->members);
	free(s->dump_path);
	free(s->archive);
	free(s->tag);
	free(s->commit);
	free(s->branch);
	cJSON_Delete(s->outer);
	cJSON_Delete(s->inner);
	pr_pg_url_free(&s->db);
	pr_config_free(&s->cfg);
}

/* A regular file that starts like gzip.  Anything else (a FIFO, a pipe) is
 * read once, as a manifest: peeking would consume it. */
static bool
is_gzip(const char *path)
{
	unsigned char magic[2] = {0};
	struct stat st;
	FILE *f;
	bool yes;

	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode) || !(f = fopen(path, "rb")))
		return false;
	yes = fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
	fclose(f);
	return yes;
}

/* The archive a manifest names: its path as written, else beside the manifest. */
static char *
find_archive(const char *manifest_path, const char *archive)
{
	struct buf b = {0};
	char *copy;

	if (archive[0] == '/' || access(archive, R_OK) == 0 || strcmp(manifest_path, "-") == 0)
		return xstrdup(archive);
	copy = xstrdup(manifest_path);
	buf_printf(&b, "%s/%s", dirname(copy), archive);
	free(copy);
	if (access(b.data, R_OK) == 0)
		return buf_detach(&b);
	buf_free(&b);
	return xstrdup(archive);
}

/* Read the command line's snapshot: a manifest (then its archive) or an archive. */
static int
load_source(const struct opts *o, struct state *s)
{
	const char *path;
	int rc;

	if (!o->input)
		return PR_OK;
	if (strcmp(o->input, "-") != 0 && is_gzip(o->input)) {
		s->archive = xstrdup(o->input);
		return PR_OK;
	}
	if ((rc = pr_doc_load(o->input, "snapshot", &s->outer)) != PR_OK ||
	    (rc = manifest_archive_path(s->outer, o->input, &path)) != PR_OK)
		return rc;
	s->archive = find_archive(o->input, path);
	return PR_OK;
}

/* Verify the archive before anything changes: its own checksum against the
 * outer manifest, then every member against both manifests. */
static int
verify(const struct opts *o, struct state *s)
{
	struct step *st = &s->steps[STEP_VERIFY];
	char tmpl[] = "/tmp/pr-rollback.XXXXXX";
	size_t n = 0;
	int rc;

	if (!s->archive) {
		snprintf(st->detail, sizeof st->detail, "no archive: tag %s only, no checksums to verify", s->tag);
		st->status = "skipped";
		return PR_OK;
	}
	if (!(s->workdir = mkdtemp(tmpl) ? xstrdup(tmpl) : NULL))
		return pr_error(PR_EXTERNAL, "cannot create a temporary directory: %s", strerror(errno));
	pr_tmp_track(s->workdir);
	if ((rc = manifest_verify_archive(s->archive, s->outer, o->input, s->workdir, &s->inner, &s->members,
	    &s->nmembers)) != PR_OK)
		return rc;
	n = s->nmembers;
	st->status = "done";
	snprintf(st->detail, sizeof st->detail, "%zu member(s) of %s match%s", n, s->archive,
	    s->outer ? " the manifest, and the archive's own SHA-256 too" : " manifest.json");
	pr_note("verified %s: %zu members", s->archive, n);
	return PR_OK;
}

/* Everything that can be checked before a change: tag, tree, deploy,
 * platform and database settings.  Fills the steps' plans. */
static int
preflight(const struct opts *o, struct state *s)
{
	char why[PR_WHY_LEN], date[PR_RFC3339_LEN];
	const cJSON *dbsec, *dbsnap;
	const char *url = o->db_url, *member = NULL;
	bool dirty = false;
	int rc;

	s->snap = s->inner ? s->inner : s->outer;
	if (o->tag) {
		s->tag = xstrdup(o->tag);
	} else {
		const char *t;

		if ((rc = pr_get_string(s->snap, "tag", PR_REQUIRED, MANIFEST_MEMBER, &t)) != PR_OK)
			return rc;
		s->tag = xstrdup(t);
	}
	rc = pr_git_commit_of(s->tag, &s->commit, why, sizeof why);
	if (rc != PR_OK)
		return pr_error(rc, "git: %s (fetch it with 'git fetch --tags', or run inside the repository)", why);
	if ((rc = pr_git_dirty(&dirty, why, sizeof why)) != PR_OK)
		return pr_error(rc, "git: %s", why);
	if (dirty)
		return pr_error(PR_FAIL, "the working tree has uncommitted changes: refusing to check out %s (commit or stash them first)",
		    s->tag);
	if (o->branch) {
		struct buf b = {0};
		char *ref;

		pr_rfc3339_now(date);
		if (o->branch_name)
			buf_adds(&b, o->branch_name);
		else
			buf_printf(&b, BRANCH_PREFIX "%s-%.4s%.2s%.2s", s->tag, date, date + 5, date + 8);
		s->branch = buf_detach(&b);
		buf_printf(&b, "refs/heads/%s", s->branch);
		ref = buf_detach(&b);
		rc = pr_git(NULL, why, sizeof why, "check-ref-format", ref, NULL);
		if (rc == PR_OK && pr_git(NULL, why, sizeof why, "show-ref", "--verify", "--quiet", ref, NULL) == PR_OK)
			rc = -1;
		free(ref);
		if (rc == -1)
			return pr_error(PR_USAGE, "branch %s already exists (name another with --revert-branch=NAME)", s->branch);
		if (rc != PR_OK)
			return pr_usage_error("'%s' is not a valid branch name", s->branch);
	}
	s->steps[STEP_GIT].wanted = true;

	if (!o->skip_deploy) {
		struct deploy_github gh;

		if ((rc = deploy_github_parse(pr_config_section(&s->cfg, "deploy"),
		    s->cfg.name ? s->cfg.name : PR_CONFIG_DEFAULT, &gh)) != PR_OK)
			return rc;
		s->repo = gh.repo;
		s->workflow = gh.workflow;
		s->ref = gh.ref;
		s->inputs = gh.inputs;
		if (!s->ref)
			s->ref = s->branch && o->push ? s->branch : s->tag;
		s->token = getenv("GITHUB_TOKEN");
		if ((!s->token || !*s->token) && !o->dry_run)
			return pr_error(PR_USAGE, "GITHUB_TOKEN is not set: cannot trigger %s (set it or pass --skip-deploy)",
			    s->workflow);
		gha_mask(s->token);
		s->steps[STEP_DEPLOY].wanted = true;
	}
	if (o->restore_platform) {
		if (!s->snap)
			return pr_usage_error("--restore-platform needs a snapshot manifest or archive, not only --tag");
		s->platform = cJSON_GetObjectItemCaseSensitive(s->snap, "platform");
		if (!cJSON_IsObject(s->platform))
			return pr_error(PR_INPUT, "%s: the snapshot recorded no platform settings (drop --restore-platform)",
			    s->archive);
		s->steps[STEP_PLATFORM].wanted = true;
	}
	if (o->restore_db) {
		struct buf p = {0};

		if (!s->snap)
			return pr_usage_error("--restore-db needs a snapshot manifest or archive, not only --tag");
		dbsnap = cJSON_GetObjectItemCaseSensitive(s->snap, "database");
		if (!cJSON_IsObject(dbsnap) ||
		    pr_get_string(dbsnap, "member", PR_REQUIRED, "database", &member) != PR_OK)
			return pr_error(PR_INPUT, "%s: the snapshot holds no database dump (drop --restore-db)", s->archive);
		/* pg_restore reads only what was verified: a member of this archive */
		if (strcmp(member, MANIFEST_MEMBER) == 0 || !manifest_member_of(s->members, s->nmembers, member))
			return pr_error(PR_INPUT, "%s: database.member '%s' is not a verified member of the archive (nothing was changed)",
			    s->archive, member);
		if (!url && (dbsec = pr_config_section(&s->cfg, "database")) &&
		    pr_get_string(dbsec, "url", PR_OPTIONAL, s->cfg.name, &url) != PR_OK)
			return PR_INPUT;
		if (!url)
			return pr_usage_error("--restore-db: no database URL (set DATABASE_URL or pass --database-url)");
		if ((rc = pr_pg_url_parse(url, &s->db, why, sizeof why)) != PR_OK)
			return pr_error(rc, "database URL: %s (fix --database-url or DATABASE_URL)", why);
		gha_mask(s->db.password);
		buf_printf(&p, "%s/%s", s->workdir, member);
		s->dump_path = buf_detach(&p);
		s->have_db = true;
		s->steps[STEP_DATABASE].wanted = true;
	}
	return PR_OK;
}

static int
do_git(const struct opts *o, struct state *s, struct step *st)
{
	char why[PR_WHY_LEN];
	int rc;

	if (o->dry_run) {
		if (s->branch)
			snprintf(st->detail, sizeof st->detail, "would create branch %s at %s (%.12s)%s", s->branch,
			    s->tag, s->commit, o->push ? " and push it" : "");
		else
			snprintf(st->detail, sizeof st->detail, "would check out %s (%.12s) detached", s->tag, s->commit);
		return PR_OK;
	}
	if ((rc = pr_git_checkout(s->tag, s->branch, why, sizeof why)) != PR_OK) {
		snprintf(st->detail, sizeof st->detail, "checkout of %s failed: %s", s->tag, why);
		return rc == PR_FAIL ? PR_EXTERNAL : rc;
	}
	if (s->branch)
		snprintf(st->detail, sizeof st->detail, "created branch %s at %s (%.12s)", s->branch, s->tag, s->commit);
	else
		snprintf(st->detail, sizeof st->detail, "checked out %s (%.12s) detached", s->tag, s->commit);
	if (o->push) {
		if ((rc = pr_git_push(o->remote, "heads", s->branch, why, sizeof why)) != PR_OK) {
			size_t len = strlen(st->detail);

			snprintf(st->detail + len, sizeof st->detail - len, "; push to %s failed: %s", o->remote, why);
			return rc;
		}
		strncat(st->detail, "; pushed", sizeof st->detail - strlen(st->detail) - 1);
	}
	return PR_OK;
}

static int
do_deploy(const struct opts *o, struct state *s, struct step *st)
{
	char why[PR_WHY_LEN];
	int rc;

	if (o->dry_run) {
		snprintf(st->detail, sizeof st->detail, "would dispatch %s in %s at ref %s%s", s->workflow, s->repo, s->ref,
		    s->token && *s->token ? "" : " (GITHUB_TOKEN is not set)");
		return PR_OK;
	}
	rc = pr_github_dispatch(s->token, s->repo, s->workflow, s->ref, s->inputs, why, sizeof why);
	if (rc != PR_OK) {
		snprintf(st->detail, sizeof st->detail, "dispatch of %s failed: %s", s->workflow, why);
		return rc;
	}
	snprintf(st->detail, sizeof st->detail, "dispatched %s in %s at ref %s", s->workflow, s->repo, s->ref);
	return PR_OK;
}

static int
do_platform(const struct opts *o, struct state *s, struct step *st)
{
	const char *credential = NULL;
	struct pr_platform_opts po = {.dry_run = o->dry_run, .credential = &credential};
	cJSON *resources = NULL;
	int rc;

	if (o->dry_run) {
		snprintf(st->detail, sizeof st->detail, "would apply the snapshot's platform settings");
		return PR_OK;
	}
	rc = pr_platform_apply(s->platform, &po, &resources);
	snprintf(st->detail, sizeof st->detail, rc == PR_OK ? "applied the snapshot's platform settings (%d resources, credential %s)" :
	    "applying the platform settings failed (%d resources reported, credential %s; see the message above)",
	    cJSON_GetArraySize(resources), credential ? credential : "none");
	cJSON_Delete(resources);
	return rc;
}

static int
do_database(const struct opts *o, struct state *s, struct step *st)
{
	char why[PR_WHY_LEN];
	int rc;

	if (o->dry_run) {
		snprintf(st->detail, sizeof st->detail, "would restore %s into %s (pg_restore --clean --if-exists --single-transaction)",
		    s->archive, s->db.redacted);
		return PR_OK;
	}
	pr_note("restoring %s", s->db.redacted);
	rc = pr_pg_restore(&s->db, s->dump_path, why, sizeof why);
	if (rc != PR_OK) {
		snprintf(st->detail, sizeof st->detail, "pg_restore into %s failed (rolled back, unchanged): %s",
		    s->db.redacted, why);
		return rc;
	}
	snprintf(st->detail, sizeof st->detail, "restored %s from %s", s->db.redacted, s->archive);
	return PR_OK;
}

static cJSON *
document(const struct opts *o, const struct state *s, const char *verdict)
{
	cJSON *doc = pr_doc_new("rollback");
	cJSON *src, *steps;

	src = cJSON_AddObjectToObject(doc, "source");
	if (s->outer && o->input)
		cJSON_AddStringToObject(src, "manifest", o->input);
	else
		cJSON_AddNullToObject(src, "manifest");
	if (s->archive)
		cJSON_AddStringToObject(src, "archive", s->archive);
	else
		cJSON_AddNullToObject(src, "archive");
	if (s->tag)
		cJSON_AddStringToObject(doc, "tag", s->tag);
	else
		cJSON_AddNullToObject(doc, "tag");
	if (s->commit)
		cJSON_AddStringToObject(doc, "commit", s->commit);
	else
		cJSON_AddNullToObject(doc, "commit");
	if (s->branch)
		cJSON_AddStringToObject(doc, "branch", s->branch);
	else
		cJSON_AddNullToObject(doc, "branch");
	cJSON_AddBoolToObject(doc, "dry_run", o->dry_run);
	steps = cJSON_AddArrayToObject(doc, "steps");
	for (int i = 0; i < NSTEPS; i++) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "name", s->steps[i].name);
		cJSON_AddStringToObject(j, "status", s->steps[i].status);
		cJSON_AddStringToObject(j, "detail", s->steps[i].detail);
		cJSON_AddItemToArray(steps, j);
	}
	cJSON_AddStringToObject(doc, "verdict", verdict);
	return doc;
}

/* Mark every step not yet settled as skipped, saying why. */
static void
skip_rest(struct state *s, const char *why)
{
	for (int i = 0; i < NSTEPS; i++) {
		if (s->steps[i].status)
			continue;
		s->steps[i].status = "skipped";
		snprintf(s->steps[i].detail, sizeof s->steps[i].detail, "%s", why);
	}
}

static void
report(const struct state *s, const char *verdict)
{
	struct buf md = {0};

	gha_output("verdict", verdict);
	if (s->tag)
		gha_output("tag", s->tag);
	buf_printf(&md, "### pr-rollback: %s\n\n| step | status | detail |\n|---|---|---|\n", verdict);
	for (int i = 0; i < NSTEPS; i++)
		buf_printf(&md, "| %s | %s | %s |\n", s->steps[i].name, s->steps[i].status, s->steps[i].detail);
	gha_summary(md.data);
	buf_free(&md);
}

int
main(int argc, char **argv)
{
	static const char *const names[NSTEPS] = {"verify", "git", "deploy", "platform", "database"};
	static const char *const not_asked[NSTEPS] = {"", "", "--skip-deploy or SKIP_DEPLOY=1",
	    "not asked (--restore-platform)", "not asked (--restore-db --yes)"};
	int (*const run[NSTEPS])(const struct opts *, struct state *, struct step *) = {
		NULL, do_git, do_deploy, do_platform, do_database};
	struct opts o = {0};
	struct state s = {0};
	const char *verdict;
	bool changed = false;
	cJSON *doc;
	int rc, erc;

	pr_init(argv[0]);
	pr_proc_signals_init();
	if ((rc = parse_args(argc, argv, &o)) != PR_OK)
		return rc;
	pr_set_quiet(o.quiet);
	pr_pg_set_timeout(o.db_timeout_s);
	if ((rc = pr_log_open(NULL, "rollback", o.log)) != PR_OK)
		return rc;
	for (int i = 0; i < NSTEPS; i++)
		s.steps[i].name = names[i];
	if ((rc = pr_config_load(o.config, &s.cfg)) != PR_OK || (rc = load_source(&o, &s)) != PR_OK)
		goto out;
	if (!s.archive && o.tag)
		s.tag = xstrdup(o.tag);
	if ((rc = verify(&o, &s)) != PR_OK) {
		s.steps[STEP_VERIFY].status = "failed";
		snprintf(s.steps[STEP_VERIFY].detail, sizeof s.steps[STEP_VERIFY].detail, "the archive did not verify: nothing was changed");
		skip_rest(&s, "not run: verification failed");
		verdict = "failed";
		goto emit;
	}
	free(s.tag);
	s.tag = NULL;
	if ((rc = preflight(&o, &s)) != PR_OK) {
		skip_rest(&s, "not run: a check before any change failed");
		verdict = "failed";
		goto emit;
	}
	for (int i = STEP_GIT; i < NSTEPS; i++) {
		struct step *st = &s.steps[i];

		if (!st->wanted) {
			st->status = "skipped";
			snprintf(st->detail, sizeof st->detail, "%s", not_asked[i]);
			continue;
		}
		if ((erc = run[i](&o, &s, st)) != PR_OK) {
			st->status = "failed";
			pr_error(erc, "%s step failed: %s%s", st->name, st->detail,
			    changed ? " (earlier steps were done: see the document)" : " (nothing was changed)");
			rc = changed ? PR_PARTIAL : erc;
			skip_rest(&s, "not run: an earlier step failed");
			break;
		}
		st->status = o.dry_run ? "planned" : "done";
		changed = changed || !o.dry_run;
		if (!o.dry_run)
			pr_note("%s: %s", st->name, st->detail);
	}
	verdict = o.dry_run ? "planned" : rc == PR_OK ? "done" : rc == PR_PARTIAL ? "partial" : "failed";
emit:
	doc = document(&o, &s, verdict);
	erc = pr_doc_emit(doc, o.json_out);
	report(&s, verdict);
	cJSON_Delete(doc);
	if (rc == PR_OK)
		rc = erc;
out:
	state_free(&s);
	erc = pr_log_close();
	return rc == PR_OK ? erc : rc;
}
