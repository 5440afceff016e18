/*
 * pr-rollback: go back to a snapshot.  Verifies the archive's checksums
 * before anything changes, then, in order: checks out the snapshot's tag (or
 * makes a revert branch), triggers the deploy workflow (and with --wait
 * follows its run to the end), restores the platform settings
 * (--restore-platform) and the database (--restore-db --yes), then runs a
 * migration rollback script (--sql FILE).  --deploy-only runs the deploy
 * step alone.  Writes pr-tools/rollback/1 saying which steps were done;
 * exit 5 when it stopped half way.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "deploycfg.h"
#include "doc.h"
#include "pr.h"
#include "fileio.h"
#include "gha.h"
#include "git.h"
#include "github.h"
#include "manifest.h"
#include "pg.h"
#include "pgq.h"
#include "platform.h"
#include "proc.h"
#include "util.h"

#define BRANCH_PREFIX "rollback/"
#define SQL_SCRIPT_MAX_BYTES ((size_t)1 << 20)	/* a rollback script, not a dump */
#define SQL_SHOWN_MAX 80			/* characters of a statement in a message */
#define SQL_WHY_LEN 256			/* the database's message, so the detail holds both */
#define WAIT_TIMEOUT_DEFAULT_S (30 * 60.0)
#define WAIT_INTERVAL_DEFAULT_S 10.0

static const char usage_text[] =
    "usage: pr-rollback [options] [MANIFEST | ARCHIVE | -]\n"
    "       pr-rollback [options] --tag NAME\n"
    "       pr-rollback [options] --sql FILE\n"
    "       pr-rollback --deploy-only --ref REF [--wait] [options]\n"
    "\n"
    "Go back to a pr-snapshot: verify its checksums, check out its tag (or make\n"
    "a revert branch), trigger the deploy (a GitHub workflow, or with deploy.render\n"
    "a Render deploy of the commit, followed until live, RENDER_API_KEY), and on\n"
    "request restore the platform settings (Azure and Render) and the database.\n"
    "Prints pr-tools/rollback/1.\n"
    "\n"
    "  -f, --config FILE           pr-tools.json (default ./pr-tools.json when present)\n"
    "  -t, --tag NAME              the snapshot's tag, without a manifest (SNAPSHOT_TAG)\n"
    "  -b, --revert-branch[=NAME]  make a branch at the tag instead of a detached\n"
    "                              checkout (default rollback/<tag>-YYYYMMDD)\n"
    "      --push                  push the revert branch to the remote\n"
    "      --remote NAME           remote to push to (default origin)\n"
    "      --skip-deploy           do not trigger the deploy (SKIP_DEPLOY=1)\n"
    "      --deploy-only           only trigger the deploy (no checkout, no restore)\n"
    "      --ref REF               ref to deploy (default deploy.github.ref, else the tag)\n"
    "      --wait                  wait for the deploy run to finish; exit 4 when it fails\n"
    "      --wait-timeout DURATION most --wait waits (default 30m)\n"
    "      --wait-interval DURATION\n"
    "                              time between looks at the run (default 10s)\n"
    "      --restore-platform      apply the snapshot's platform settings (Azure resources,\n"
    "                              Render services; env values it holds only as sha256\n"
    "                              are checked, not written)\n"
    "      --restore-db            restore the database from the snapshot (needs --yes)\n"
    "  -y, --yes                   confirm --restore-db: the current data is replaced\n"
    "      --sql FILE              run a migration rollback script (CONCURRENTLY and\n"
    "                              VACUUM alone, the others in transactions)\n"
    "  -n, --dry-run               verify and print the plan; change nothing\n"
    "  -d, --database-url URL      database to restore (default DATABASE_URL, config database.url)\n"
    "      --db-timeout DURATION   most pg_restore, or one --sql statement, may take\n"
    "                              (default 1h; 0: no limit)\n"
    "  -o, --output FILE           also write the document to FILE (OUTPUT_JSON)\n"
    "      --log                   also log to logs/pr-rollback-YYYYMMDD-HHMMSS.log (QA_LOG=1)\n"
    "  -q, --quiet                 no progress notes on stderr\n"
    "  -h, --help                  show this help\n"
    "  -V, --version               show the version\n";

struct opts {
	const char *config;
	const char *input;	/* manifest, "-" or archive */
	const char *tag;
	bool branch;		/* --revert-branch given */
	const char *branch_name;
	bool push;
	const char *remote;
	bool skip_deploy;
	bool deploy_only;	/* the deploy step alone */
	const char *ref;	/* --ref: the ref to dispatch */
	bool wait;		/* follow the deploy run to its conclusion */
	double wait_timeout_s;
	double wait_interval_s;
	bool restore_platform;
	bool restore_db;
	bool yes;
	bool dry_run;
	const char *db_url;
	double db_timeout_s;
	const char *sql;	/* --sql FILE */
	const char *output;	/* -o or OUTPUT_JSON: also write the document here */
	bool log;
	bool quiet;
};

enum step_id { STEP_VERIFY, STEP_GIT, STEP_DEPLOY, STEP_PLATFORM, STEP_DATABASE, STEP_SQL, NSTEPS };

struct step {
	const char *name;
	const char *status;	/* done, skipped, planned, failed */
	char detail[PR_WHY_LEN + 64];
	bool wanted;
	bool changes;		/* doing it changes something outside */
};

struct state {
	struct config cfg;
	cJSON *outer;		/* the manifest given on the command line, or NULL */
	cJSON *inner;		/* manifest.json from the archive, or NULL */
	const cJSON *snap;	/* the manifest in use: inner, else outer */
	char *archive;
	char *workdir;		/* extracted members, private (0700) */
	struct tarball_member *members;	/* the members verified and extracted */
	size_t nmembers;
	char *tag, *commit, *branch;
	const char *token;
	const char *repo, *workflow, *ref;
	const cJSON *inputs;
	struct github_run run;	/* the deploy run, with --wait */
	cJSON *render_deploy;	/* deploy.render: the platform section that
				 * deploys the commit, or NULL */
	const cJSON *platform;
	struct pg_url db;
	bool have_db;
	char *dump_path;
	struct pgq_sql_stmt *stmts;	/* --sql FILE, split */
	size_t nstmts;
	cJSON *sql_statements;		/* each one's record for the document */
	struct step steps[NSTEPS];
};

/* The deploy options that only make sense together. */
static int
check_deploy_args(const struct opts *o)
{
	if (o->deploy_only && o->skip_deploy)
		return pr_usage_error("--deploy-only and --skip-deploy (or SKIP_DEPLOY=1) contradict each other");
	if (o->deploy_only && (o->branch || o->restore_platform || o->restore_db || o->sql))
		return pr_usage_error("--deploy-only runs the deploy step alone: drop --revert-branch, "
		    "--restore-platform, --restore-db and --sql");
	if (o->wait && o->skip_deploy)
		return pr_usage_error("--wait waits for the deploy run: it cannot go with --skip-deploy "
		    "(or SKIP_DEPLOY=1)");
	if (o->ref && !*o->ref)
		return pr_usage_error("--ref: empty ref");
	return PR_OK;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	enum { OPT_PUSH = 256, OPT_REMOTE, OPT_SKIP_DEPLOY, OPT_PLATFORM, OPT_DB, OPT_LOG, OPT_DB_TIMEOUT,
		OPT_SQL,
		OPT_DEPLOY_ONLY, OPT_REF, OPT_WAIT, OPT_WAIT_TIMEOUT, OPT_WAIT_INTERVAL };
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'f'},
		{"tag", required_argument, NULL, 't'},
		{"revert-branch", optional_argument, NULL, 'b'},
		{"push", no_argument, NULL, OPT_PUSH},
		{"remote", required_argument, NULL, OPT_REMOTE},
		{"skip-deploy", no_argument, NULL, OPT_SKIP_DEPLOY},
		{"deploy-only", no_argument, NULL, OPT_DEPLOY_ONLY},
		{"ref", required_argument, NULL, OPT_REF},
		{"wait", no_argument, NULL, OPT_WAIT},
		{"wait-timeout", required_argument, NULL, OPT_WAIT_TIMEOUT},
		{"wait-interval", required_argument, NULL, OPT_WAIT_INTERVAL},
		{"restore-platform", no_argument, NULL, OPT_PLATFORM},
		{"restore-db", no_argument, NULL, OPT_DB},
		{"yes", no_argument, NULL, 'y'},
		{"dry-run", no_argument, NULL, 'n'},
		{"database-url", required_argument, NULL, 'd'},
		{"db-timeout", required_argument, NULL, OPT_DB_TIMEOUT},
		{"sql", required_argument, NULL, OPT_SQL},
		{"output", required_argument, NULL, 'o'},
		{"log", no_argument, NULL, OPT_LOG},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *env;
	int c, rc;

	o->remote = "origin";
	o->db_timeout_s = PR_PG_TIMEOUT_DEFAULT_S;
	o->wait_timeout_s = WAIT_TIMEOUT_DEFAULT_S;
	o->wait_interval_s = WAIT_INTERVAL_DEFAULT_S;
	if ((env = getenv("SNAPSHOT_TAG")) && *env)
		o->tag = env;
	if ((env = getenv("SKIP_DEPLOY")) && strcmp(env, "1") == 0)
		o->skip_deploy = true;
	while ((c = getopt_long(argc, argv, ":f:t:b::ynd:o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o->config = optarg; break;
		case 't': o->tag = optarg; break;
		case 'b': o->branch = true; o->branch_name = optarg; break;
		case OPT_PUSH: o->push = true; break;
		case OPT_REMOTE: o->remote = optarg; break;
		case OPT_SKIP_DEPLOY: o->skip_deploy = true; break;
		case OPT_DEPLOY_ONLY: o->deploy_only = true; break;
		case OPT_REF: o->ref = optarg; break;
		case OPT_WAIT: o->wait = true; break;
		case OPT_WAIT_TIMEOUT:
			if ((rc = doc_duration_arg("--wait-timeout", optarg, PR_POSITIVE, &o->wait_timeout_s)))
				return rc;
			break;
		case OPT_WAIT_INTERVAL:
			if ((rc = doc_duration_arg("--wait-interval", optarg, PR_POSITIVE, &o->wait_interval_s)))
				return rc;
			break;
		case OPT_PLATFORM: o->restore_platform = true; break;
		case OPT_DB: o->restore_db = true; break;
		case 'y': o->yes = true; break;
		case 'n': o->dry_run = true; break;
		case 'd': o->db_url = optarg; break;
		case OPT_DB_TIMEOUT:
			if ((rc = doc_duration_arg("--db-timeout", optarg, PR_ZERO_OK, &o->db_timeout_s)))
				return rc;
			break;
		case OPT_SQL: o->sql = optarg; break;
		case 'o': o->output = optarg; break;
		case OPT_LOG: o->log = true; break;
		case 'q': o->quiet = true; break;
		default: return pr_getopt_other(c, usage_text, argv);
		}
	}
	o->output = doc_output_path(o->output);
	if (optind < argc)
		o->input = argv[optind++];
	if (optind < argc)
		return pr_usage_error("unexpected argument '%s'", argv[optind]);
	if ((rc = check_deploy_args(o)) != PR_OK)
		return rc;
	if (!o->input && !o->tag && !o->sql && !(o->deploy_only && o->ref))
		return pr_usage_error("name a snapshot: a manifest, an archive, or --tag (or give only --sql FILE)");
	if (o->branch && o->branch_name && !*o->branch_name)
		return pr_usage_error("--revert-branch: empty branch name");
	if (o->push && !o->branch)
		return pr_usage_error("--push needs --revert-branch (a detached checkout has nothing to push)");
	if (o->restore_db && !o->yes && !o->dry_run)
		return pr_usage_error("--restore-db replaces the current data and needs --yes to confirm");
	return PR_OK;
}

static void
state_free(struct state *s)
{
	if (s->workdir)
		fileio_tmp_remove(s->workdir);
	free(s->workdir);
	free(s->members);
	free(s->dump_path);
	pgq_sql_stmts_free(s->stmts, s->nstmts);
	cJSON_Delete(s->sql_statements);
	free(s->archive);
	free(s->tag);
	free(s->commit);
	free(s->branch);
	cJSON_Delete(s->outer);
	cJSON_Delete(s->inner);
	cJSON_Delete(s->render_deploy);
	pg_url_free(&s->db);
	config_free(&s->cfg);
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
	if ((rc = doc_load(o->input, "snapshot", &s->outer)) != PR_OK ||
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
	size_t n = 0;
	int rc;

	if (!s->archive) {
		if (s->tag)
			snprintf(st->detail, sizeof st->detail, "no archive: tag %s only, no checksums to verify",
			    s->tag);
		else
			snprintf(st->detail, sizeof st->detail, "no snapshot: --deploy-only --ref %s", o->ref);
		st->status = "skipped";
		return PR_OK;
	}
	if (fileio_tmp_mkdir("pr-rollback", &s->workdir) == -1)
		return pr_error(PR_EXTERNAL, "cannot create a temporary directory: %s", strerror(errno));
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

/* deploy.render: the commit (of --ref, else the tag) deployed through
 * Render's API and followed until live; RENDER_API_KEY. */
static int
preflight_render_deploy(const struct opts *o, struct state *s)
{
	struct deploycfg_render r;
	char why[PR_WHY_LEN], *sha = NULL;
	const char *rev = o->ref ? o->ref : s->tag;
	const char *key = getenv("RENDER_API_KEY");
	int rc;

	if ((rc = deploycfg_render_parse(config_section(&s->cfg, "deploy"),
	    s->cfg.name ? s->cfg.name : PR_CONFIG_DEFAULT, &r)) != PR_OK)
		return rc;
	if (!rev)
		return pr_usage_error("deploy.render: no commit to deploy (give --ref REF or a snapshot)");
	if ((rc = git_commit_of(rev, &sha, why, sizeof why)) != PR_OK)
		return pr_error(rc, "git: %s (the commit to deploy to Render; fetch it, or run inside the repository)",
		    why);
	if ((!key || !*key) && !o->dry_run) {
		free(sha);
		return pr_error(PR_USAGE, "RENDER_API_KEY is not set: cannot deploy to Render service %s "
		    "(set it or pass --skip-deploy)", r.service);
	}
	s->render_deploy = deploycfg_render_section(&r, sha);
	s->ref = rev;
	free(sha);
	s->steps[STEP_DEPLOY].wanted = true;
	return PR_OK;
}

/* The deploy step's settings: the config's deploy.github, the ref (--ref,
 * else deploy.github.ref, else the pushed revert branch or the tag) and
 * GITHUB_TOKEN; or deploy.render's. */
static int
preflight_deploy(const struct opts *o, struct state *s)
{
	struct deploycfg_github gh;
	int rc;

	if (deploycfg_is_render(config_section(&s->cfg, "deploy")))
		return preflight_render_deploy(o, s);
	if ((rc = deploycfg_github_parse(config_section(&s->cfg, "deploy"),
	    s->cfg.name ? s->cfg.name : PR_CONFIG_DEFAULT, &gh)) != PR_OK)
		return rc;
	s->repo = gh.repo;
	s->workflow = gh.workflow;
	s->ref = o->ref ? o->ref : gh.ref;
	s->inputs = gh.inputs;
	if (!s->ref)
		s->ref = s->branch && o->push ? s->branch : s->tag;
	s->token = getenv("GITHUB_TOKEN");
	if ((!s->token || !*s->token) && !o->dry_run)
		return pr_error(PR_USAGE, "GITHUB_TOKEN is not set: cannot trigger %s (set it or pass --skip-deploy)",
		    s->workflow);
	gha_mask(s->token);
	s->steps[STEP_DEPLOY].wanted = true;
	return PR_OK;
}

/* --deploy-only: the deploy step alone, at --ref or the snapshot's tag.
 * Nothing is checked out, so the working tree is not looked at. */
static int
preflight_deploy_only(const struct opts *o, struct state *s)
{
	const char *t = NULL;

	s->snap = s->inner ? s->inner : s->outer;
	if (o->tag)
		s->tag = xstrdup(o->tag);
	else if (s->snap && doc_get_string(s->snap, "tag", PR_OPTIONAL, MANIFEST_MEMBER, &t) == PR_OK && t)
		s->tag = xstrdup(t);
	return preflight_deploy(o, s);
}

/* Everything that can be checked before a change: tag, tree, deploy,
 * platform and database settings.  Fills the steps' plans. */
static int
preflight(const struct opts *o, struct state *s)
{
	char why[PR_WHY_LEN], date[PR_RFC3339_LEN];
	const cJSON *dbsnap;
	const char *member = NULL;
	bool dirty = false;
	int rc;

	if (o->deploy_only)
		return preflight_deploy_only(o, s);
	s->snap = s->inner ? s->inner : s->outer;
	if (o->tag) {
		s->tag = xstrdup(o->tag);
	} else {
		const char *t;

		if ((rc = doc_get_string(s->snap, "tag", PR_REQUIRED, MANIFEST_MEMBER, &t)) != PR_OK)
			return rc;
		s->tag = xstrdup(t);
	}
	rc = git_commit_of(s->tag, &s->commit, why, sizeof why);
	if (rc != PR_OK)
		return pr_error(rc, "git: %s (fetch it with 'git fetch --tags', or run inside the repository)", why);
	if ((rc = git_dirty(&dirty, why, sizeof why)) != PR_OK)
		return pr_error(rc, "git: %s", why);
	if (dirty)
		return pr_error(PR_FAIL,
		    "the working tree has uncommitted changes: refusing to check out %s (commit or stash them first)",
		    s->tag);
	if (o->branch) {
		struct buf b = {0};
		char *ref;

		util_rfc3339_now(date);
		if (o->branch_name)
			buf_adds(&b, o->branch_name);
		else
			buf_printf(&b, BRANCH_PREFIX "%s-%.4s%.2s%.2s", s->tag, date, date + 5, date + 8);
		s->branch = buf_detach(&b);
		buf_printf(&b, "refs/heads/%s", s->branch);
		ref = buf_detach(&b);
		rc = git_run(NULL, why, sizeof why, "check-ref-format", ref, NULL);
		if (rc == PR_OK &&
		    git_run(NULL, why, sizeof why, "show-ref", "--verify", "--quiet", ref, NULL) == PR_OK)
			rc = -1;
		free(ref);
		if (rc == -1)
			return pr_error(PR_USAGE, "branch %s already exists (name another with --revert-branch=NAME)",
			    s->branch);
		if (rc != PR_OK)
			return pr_usage_error("'%s' is not a valid branch name", s->branch);
	}
	s->steps[STEP_GIT].wanted = true;

	if (!o->skip_deploy && (rc = preflight_deploy(o, s)) != PR_OK)
		return rc;
	if (o->restore_platform) {
		if (!s->snap)
			return pr_usage_error(
			    "--restore-platform needs a snapshot manifest or archive, not only --tag");
		s->platform = cJSON_GetObjectItemCaseSensitive(s->snap, "platform");
		if (!cJSON_IsObject(s->platform))
			return pr_error(PR_INPUT,
			    "%s: the snapshot recorded no platform settings (drop --restore-platform)",
			    s->archive);
		s->steps[STEP_PLATFORM].wanted = true;
	}
	if (o->restore_db) {
		struct buf p = {0};

		if (!s->snap)
			return pr_usage_error("--restore-db needs a snapshot manifest or archive, not only --tag");
		dbsnap = cJSON_GetObjectItemCaseSensitive(s->snap, "database");
		if (!cJSON_IsObject(dbsnap) ||
		    doc_get_string(dbsnap, "member", PR_REQUIRED, "database", &member) != PR_OK)
			return pr_error(PR_INPUT, "%s: the snapshot holds no database dump (drop --restore-db)",
			    s->archive);
		/* pg_restore reads only what was verified: a member of this archive */
		if (strcmp(member, MANIFEST_MEMBER) == 0 || !manifest_member_of(s->members, s->nmembers, member))
			return pr_error(PR_INPUT,
			    "%s: database.member '%s' is not a verified member of the archive (nothing was changed)",
			    s->archive, member);
		if ((rc = pg_url_resolve(o->db_url, &s->cfg, &s->db, &s->have_db)) != PR_OK)
			return rc;
		if (!s->have_db)
			return pr_usage_error(
			    "--restore-db: no database URL (set DATABASE_URL or pass --database-url)");
		buf_printf(&p, "%s/%s", s->workdir, member);
		s->dump_path = buf_detach(&p);
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
			snprintf(st->detail, sizeof st->detail, "would check out %s (%.12s) detached",
			    s->tag, s->commit);
		return PR_OK;
	}
	if ((rc = git_checkout(s->tag, s->branch, why, sizeof why)) != PR_OK) {
		snprintf(st->detail, sizeof st->detail, "checkout of %s failed: %s", s->tag, why);
		return rc == PR_FAIL ? PR_EXTERNAL : rc;
	}
	if (s->branch)
		snprintf(st->detail, sizeof st->detail, "created branch %s at %s (%.12s)",
		    s->branch, s->tag, s->commit);
	else
		snprintf(st->detail, sizeof st->detail, "checked out %s (%.12s) detached", s->tag, s->commit);
	if (o->push) {
		if ((rc = git_push(o->remote, "heads", s->branch, why, sizeof why)) != PR_OK) {
			size_t len = strlen(st->detail);

			snprintf(st->detail + len, sizeof st->detail - len, "; push to %s failed: %s", o->remote, why);
			return rc;
		}
		strncat(st->detail, "; pushed", sizeof st->detail - strlen(st->detail) - 1);
	}
	return PR_OK;
}

/* --wait: dispatch asking GitHub which run it started, then follow that
 * run to its conclusion; anything but success fails the step (exit 4, or 5
 * when an earlier step changed something), naming the run's page. */
static int
deploy_and_wait(const struct opts *o, struct state *s, struct step *st)
{
	char why[PR_WHY_LEN];
	int n, rc;

	rc = github_dispatch_run(s->token, s->repo, s->workflow, s->ref, s->inputs, &s->run, why, sizeof why);
	if (rc != PR_OK) {
		snprintf(st->detail, sizeof st->detail, "dispatch of %s failed: %s", s->workflow, why);
		return rc;
	}
	n = snprintf(st->detail, sizeof st->detail, "dispatched %s in %s at ref %s; ", s->workflow, s->repo, s->ref);
	if (s->run.id)
		pr_note("deploy: waiting up to %.0f s for run %lld: %s", o->wait_timeout_s, s->run.id, s->run.html_url);
	rc = github_run_wait(s->token, s->repo, &s->run, o->wait_timeout_s, o->wait_interval_s, why, sizeof why);
	if (rc == PR_OK)
		snprintf(st->detail + n, sizeof st->detail - (size_t)n, "run %lld concluded success: %s", s->run.id,
		    s->run.html_url);
	else
		snprintf(st->detail + n, sizeof st->detail - (size_t)n, "%s", why);
	return rc;
}

/* deploy.render: apply the section that deploys the commit; platform_apply
 * follows the deploy until live and names it when it fails. */
static int
render_deploy(const struct opts *o, struct state *s, struct step *st)
{
	const cJSON *svc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(s->render_deploy, "render"), "services"), 0);
	const char *id = cJSON_GetObjectItemCaseSensitive(svc, "id")->valuestring;
	const char *sha = cJSON_GetObjectItemCaseSensitive(svc, "commit")->valuestring;
	struct platform_opts po = {.dry_run = o->dry_run, .source = "deploy.render"};
	cJSON *resources = NULL;
	const cJSON *r, *err;
	int rc;

	if (o->dry_run) {
		snprintf(st->detail, sizeof st->detail,
		    "would deploy %s (%.12s) to Render service %s and wait until live", s->ref, sha, id);
		return PR_OK;
	}
	rc = platform_apply(s->render_deploy, &po, &resources);
	r = cJSON_GetArrayItem(resources, 0);
	err = cJSON_GetObjectItemCaseSensitive(r, "error");
	if (rc != PR_OK)
		snprintf(st->detail, sizeof st->detail, "Render deploy of %s (%.12s) to %s failed: %s", s->ref, sha, id,
		    cJSON_IsString(err) ? err->valuestring : "see the message above");
	else if (strcmp(cJSON_GetObjectItemCaseSensitive(r, "status")->valuestring, "unchanged") == 0)
		snprintf(st->detail, sizeof st->detail, "%s (%.12s) is live on Render service %s already", s->ref, sha,
		    id);
	else
		snprintf(st->detail, sizeof st->detail, "deployed %s (%.12s) to Render service %s: live", s->ref, sha,
		    id);
	cJSON_Delete(resources);
	return rc;
}

static int
do_deploy(const struct opts *o, struct state *s, struct step *st)
{
	char why[PR_WHY_LEN];
	int rc;

	if (s->render_deploy)
		return render_deploy(o, s, st);
	if (o->dry_run) {
		snprintf(st->detail, sizeof st->detail, "would dispatch %s in %s at ref %s%s%s",
		    s->workflow, s->repo, s->ref, o->wait ? " and wait for its run" : "",
		    s->token && *s->token ? "" : " (GITHUB_TOKEN is not set)");
		return PR_OK;
	}
	if (o->wait)
		return deploy_and_wait(o, s, st);
	rc = github_dispatch(s->token, s->repo, s->workflow, s->ref, s->inputs, why, sizeof why);
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
	struct platform_opts po = {.dry_run = o->dry_run, .credential = &credential};
	cJSON *resources = NULL;
	int rc;

	if (o->dry_run) {
		snprintf(st->detail, sizeof st->detail, "would apply the snapshot's platform settings");
		return PR_OK;
	}
	rc = platform_apply(s->platform, &po, &resources);
	snprintf(st->detail, sizeof st->detail, rc == PR_OK ?
	    "applied the snapshot's platform settings (%d resources, credential %s)" :
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
		snprintf(st->detail, sizeof st->detail,
		    "would restore %s into %s (pg_restore --clean --if-exists --single-transaction)",
		    s->archive, s->db.redacted);
		return PR_OK;
	}
	pr_note("restoring %s", s->db.redacted);
	rc = pg_restore(&s->db, s->dump_path, why, sizeof why);
	if (rc != PR_OK) {
		snprintf(st->detail, sizeof st->detail, "pg_restore into %s failed (rolled back, unchanged): %s",
		    s->db.redacted, why);
		return rc;
	}
	snprintf(st->detail, sizeof st->detail, "restored %s from %s", s->db.redacted, s->archive);
	return PR_OK;
}

/* ---- --sql: a migration rollback script ---------------------------------- */

/* Statements that would end or start pr-rollback's own transactions. */
static bool
transaction_control(const char *stmt)
{
	static const char *const words[] = {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT",
	    "RELEASE", "PREPARE", NULL};
	size_t len = strspn(stmt, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

	for (int i = 0; words[i]; i++)
		if (len == strlen(words[i]) && strncasecmp(stmt, words[i], len) == 0)
			return true;
	return false;
}

/* The statement's record in the document, status "planned" or "not_run". */
static cJSON *
statement_record(const struct pgq_sql_stmt *st, const char *status)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "line", (double)st->line);
	cJSON_AddStringToObject(j, "sql", st->text);
	cJSON_AddBoolToObject(j, "transaction", !st->no_transaction);
	cJSON_AddStringToObject(j, "status", status);
	return j;
}

static void
set_statement(struct state *s, size_t i, const char *status, const char *error)
{
	cJSON *j = cJSON_GetArrayItem(s->sql_statements, (int)i);

	cJSON_ReplaceItemInObjectCaseSensitive(j, "status", cJSON_CreateString(status));
	if (error)
		cJSON_AddStringToObject(j, "error", error);
}

/* Read and split --sql FILE, and settle its database; nothing runs yet. */
static int
sql_preflight(const struct opts *o, struct state *s)
{
	struct buf text = {0};
	char why[PR_WHY_LEN];
	int rc;

	if ((rc = fileio_read_file(o->sql, SQL_SCRIPT_MAX_BYTES, &text)) != PR_OK)
		return rc;
	rc = pgq_sql_split(text.data ? text.data : "", &s->stmts, &s->nstmts, why, sizeof why);
	buf_free(&text);
	if (rc != PR_OK)
		return pr_error(rc, "%s: %s (nothing was run)", o->sql, why);
	if (s->nstmts == 0)
		return pr_error(PR_INPUT, "%s: no statements (nothing was run)", o->sql);
	s->sql_statements = cJSON_CreateArray();
	for (size_t i = 0; i < s->nstmts; i++) {
		if (transaction_control(s->stmts[i].text))
			return pr_error(PR_INPUT, "%s: line %ld: remove the script's own transaction control "
			    "(pr-rollback runs each statement it can in one transaction)", o->sql, s->stmts[i].line);
		cJSON_AddItemToArray(s->sql_statements,
		    statement_record(&s->stmts[i], o->dry_run ? "planned" : "not_run"));
	}
	if (!s->have_db && (rc = pg_url_resolve(o->db_url, &s->cfg, &s->db, &s->have_db)) != PR_OK)
		return rc;
	if (!s->have_db)
		return pr_usage_error("--sql: no database URL (set DATABASE_URL or pass --database-url)");
	s->steps[STEP_SQL].wanted = true;
	return PR_OK;
}

/* Statements from..to-1 in one transaction: all done, or none.  On a
 * failure *failed is the statement, the others before it rolled back. */
static enum pgq_fail
run_transaction(struct pg_conn *c, struct state *s, size_t from, size_t to, size_t *failed, char *why, size_t len)
{
	enum pgq_fail f;
	char ignored[PR_WHY_LEN];

	if ((f = pgq_exec(c, "BEGIN", why, len)) != PR_PGQ_OK) {
		*failed = from;
		return f;
	}
	for (size_t i = from; i < to; i++)
		if ((f = pgq_exec(c, s->stmts[i].text, why, len)) != PR_PGQ_OK) {
			pgq_exec(c, "ROLLBACK", ignored, sizeof ignored);
			*failed = i;
			return f;
		}
	if ((f = pgq_exec(c, "COMMIT", why, len)) != PR_PGQ_OK)
		*failed = to - 1;	/* a deferred check: the last one is named */
	return f;
}

/*
 * Run the script in order: a statement that cannot run in a transaction
 * alone, each run of the others in one transaction.  Returns the number of
 * statements committed; *failed is the failed one's index, or nstmts.
 */
static size_t
run_script(struct pg_conn *c, struct state *s, size_t *failed, char *why, size_t len)
{
	size_t done = 0, i = 0;

	*failed = s->nstmts;
	while (i < s->nstmts) {
		size_t to = i + 1;

		while (!s->stmts[i].no_transaction && to < s->nstmts && !s->stmts[to].no_transaction)
			to++;
		if (s->stmts[i].no_transaction ? pgq_exec(c, s->stmts[i].text, why, len) != PR_PGQ_OK :
		    run_transaction(c, s, i, to, failed, why, len) != PR_PGQ_OK) {
			if (*failed == s->nstmts)
				*failed = i;
			for (size_t k = i; k < *failed; k++)
				set_statement(s, k, "rolled_back", NULL);
			set_statement(s, *failed, "failed", why);
			return done;
		}
		for (; i < to; i++, done++)
			set_statement(s, i, "done", NULL);
	}
	return done;
}

/* The statement for a message: its first line, shortened. */
static void
shown_statement(const char *text, char *out, size_t outlen)
{
	size_t n = strcspn(text, "\n");

	snprintf(out, outlen, "%.*s%s", (int)(n > SQL_SHOWN_MAX ? SQL_SHOWN_MAX : n), text,
	    n > SQL_SHOWN_MAX || text[n] ? " ..." : "");
}

static int
do_sql(const struct opts *o, struct state *s, struct step *st)
{
	char why[SQL_WHY_LEN], shown[SQL_SHOWN_MAX + 8], timeout[64];
	size_t alone = 0, failed, done;
	struct pg_conn *c = NULL;
	int rc;

	for (size_t i = 0; i < s->nstmts; i++)
		alone += s->stmts[i].no_transaction;
	if (o->dry_run) {
		snprintf(st->detail, sizeof st->detail, "would run %zu statement(s) of %s in %s: %zu alone (no "
		    "transaction), the others in transactions", s->nstmts, o->sql, s->db.redacted, alone);
		return PR_OK;
	}
	if ((rc = pgq_connect(&s->db, atof(PR_PG_CONNECT_TIMEOUT_S), &c, why, sizeof why)) != PR_OK) {
		snprintf(st->detail, sizeof st->detail, "cannot connect to %s: %s (nothing was run)",
		    s->db.redacted, why);
		return rc;
	}
	/* --db-timeout bounds each statement (0: no bound). */
	snprintf(timeout, sizeof timeout, "SET statement_timeout = %.0f", o->db_timeout_s * 1e3);
	pgq_exec(c, timeout, why, sizeof why);
	pr_note("running %s in %s", o->sql, s->db.redacted);
	done = run_script(c, s, &failed, why, sizeof why);
	pgq_close(c);
	if (failed == s->nstmts) {
		snprintf(st->detail, sizeof st->detail, "ran %zu statement(s) of %s in %s",
		    done, o->sql, s->db.redacted);
		return PR_OK;
	}
	shown_statement(s->stmts[failed].text, shown, sizeof shown);
	snprintf(st->detail, sizeof st->detail, "%s line %ld: %s: %s; %zu statement(s) before it took effect, "
	    "%zu rolled back (see statements)", o->sql, s->stmts[failed].line, shown, why, done, failed - done);
	return PR_PARTIAL;
}

/* --sql without a snapshot: only the sql step runs. */
static void
sql_only(struct state *s)
{
	for (int i = 0; i < STEP_SQL; i++) {
		s->steps[i].status = "skipped";
		snprintf(s->steps[i].detail, sizeof s->steps[i].detail, "no snapshot named (--sql only)");
	}
}

static cJSON *
document(const struct opts *o, const struct state *s, const char *verdict)
{
	cJSON *doc = doc_new("rollback");
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
		if (i == STEP_SQL && s->sql_statements) {
			cJSON_AddStringToObject(j, "file", o->sql);
			cJSON_AddItemToObject(j, "statements", cJSON_Duplicate(s->sql_statements, true));
		}
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
report_github(const struct state *s, const char *verdict)
{
	static const char *const head[] = { "step", "status", "detail" };
	struct buf md = {0};

	gha_output("verdict", verdict);
	if (s->tag)
		gha_output("tag", s->tag);
	if (s->run.html_url[0])
		gha_output("deploy_run_url", s->run.html_url);
	buf_printf(&md, "### pr-rollback: %s\n\n", verdict);
	gha_table_head(&md, 3, head, "lll");
	for (int i = 0; i < NSTEPS; i++)
		gha_table_row(&md, 3, (const struct gha_cell[]){
			{ s->steps[i].name, GHA_PLAIN },
			{ s->steps[i].status, GHA_PLAIN },
			{ s->steps[i].detail, GHA_PLAIN },
		});
	gha_summary(md.data);
	buf_free(&md);
}

int
main(int argc, char **argv)
{
	static const char *const names[NSTEPS] = {"verify", "git", "deploy", "platform", "database", "sql"};
	static const char *const not_asked[NSTEPS] = {"", "", "--skip-deploy or SKIP_DEPLOY=1",
	    "not asked (--restore-platform)", "not asked (--restore-db --yes)", "not asked (--sql FILE)"};
	int (*const run[NSTEPS])(const struct opts *, struct state *, struct step *) = {
		NULL, do_git, do_deploy, do_platform, do_database, do_sql};
	struct opts o = {0};
	struct state s = {0};
	const char *verdict;
	bool changed = false;
	cJSON *doc;
	int rc, erc;

	pr_init(argv[0]);
	proc_signals_init();
	if ((rc = parse_args(argc, argv, &o)) != PR_OK)
		return rc;
	pr_set_quiet(o.quiet);
	pg_set_timeout(o.db_timeout_s);
	if ((rc = pr_log_open(NULL, "pr-rollback", NULL, o.log)) != PR_OK)
		return rc;
	for (int i = 0; i < NSTEPS; i++)
		s.steps[i].name = names[i];
	if ((rc = config_load(o.config, &s.cfg)) != PR_OK || (rc = load_source(&o, &s)) != PR_OK)
		goto out;
	if (!s.archive && o.tag)
		s.tag = xstrdup(o.tag);
	if (!o.input && !o.tag && !o.deploy_only)
		sql_only(&s);
	else if ((rc = verify(&o, &s)) != PR_OK) {
		s.steps[STEP_VERIFY].status = "failed";
		snprintf(s.steps[STEP_VERIFY].detail, sizeof s.steps[STEP_VERIFY].detail,
		    "the archive did not verify: nothing was changed");
		skip_rest(&s, "not run: verification failed");
		verdict = "failed";
		goto emit;
	}
	free(s.tag);
	s.tag = NULL;
	if ((o.input || o.tag || o.deploy_only ? (rc = preflight(&o, &s)) : PR_OK) != PR_OK ||
	    (o.sql && (rc = sql_preflight(&o, &s)) != PR_OK)) {
		skip_rest(&s, "not run: a check before any change failed");
		verdict = "failed";
		goto emit;
	}
	for (int i = STEP_GIT; i < NSTEPS; i++) {
		struct step *st = &s.steps[i];

		if (st->status)		/* settled before: sql_only() */
			continue;
		if (!st->wanted) {
			st->status = "skipped";
			snprintf(st->detail, sizeof st->detail, "%s",
			    o.deploy_only && i != STEP_DEPLOY ? "--deploy-only" : not_asked[i]);
			continue;
		}
		if ((erc = run[i](&o, &s, st)) != PR_OK) {
			st->status = "failed";
			pr_error(erc, "%s step failed: %s%s", st->name, st->detail,
			    changed ? " (earlier steps were done: see the document)" :
			    erc == PR_PARTIAL ? "" : " (nothing was changed)");
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
	erc = doc_emit(doc, o.output);
	report_github(&s, verdict);
	cJSON_Delete(doc);
	if (rc == PR_OK)
		rc = erc;
out:
	state_free(&s);
	erc = pr_log_close();
	return rc == PR_OK ? erc : rc;
}
