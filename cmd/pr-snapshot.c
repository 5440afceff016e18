/*
 * pr-snapshot: before a change, record what is needed to go back: an
 * annotated git tag, a verified pg_dump, the platform's settings, all in one
 * tar.gz with a SHA-256 per member, and the manifest (pr-tools/snapshot/1) on
 * stdout.  Optionally pushes the tag and uploads the archive to Blob Storage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blob.h"
#include "buf.h"
#include "config.h"
#include "doc.h"
#include "pr.h"
#include "fileio.h"
#include "gha.h"
#include "git.h"
#include "manifest.h"
#include "pg.h"
#include "pgq.h"
#include "platform.h"
#include "proc.h"
#include "tarball.h"
#include "util.h"

#define TAG_PREFIX "release/pre-perf-"
#define ARCHIVE_DIR "snapshots"
#define DUMP_MEMBER "database.dump"
#define PLATFORM_MEMBER "platform.json"
#define MAX_MEMBERS 3
/* The archive holds a whole database: private unless --archive-mode says. */
#define ARCHIVE_MODE_DEFAULT 0600

static const char usage_text[] =
    "usage: pr-snapshot [options]\n"
    "\n"
    "Record what is needed to go back before a performance release: an annotated\n"
    "git tag, a verified PostgreSQL dump and the platform settings (Azure resources,\n"
    "Render services with RENDER_API_KEY; env values only as sha256), in one tar.gz\n"
    "with a SHA-256 per member.  Prints the manifest (pr-tools/snapshot/1).\n"
    "\n"
    "  -f, --config FILE        pr-tools.json (default ./pr-tools.json when present)\n"
    "  -t, --tag NAME           tag name (default release/pre-perf-YYYYMMDD; SNAPSHOT_TAG)\n"
    "      --push               push the tag to the remote\n"
    "      --remote NAME        remote to push to (default origin)\n"
    "  -d, --database-url URL   database to dump (default DATABASE_URL, config database.url)\n"
    "  -a, --archive FILE       archive path (default snapshots/pre-perf-YYYYMMDD-HHMMSS.tar.gz)\n"
    "      --archive-mode MODE  the archive's permissions, less the umask (default 0600)\n"
    "      --db-timeout DURATION  most pg_dump may take (default 1h; 0: no limit)\n"
    "  -o, --output FILE        also write the manifest to FILE (OUTPUT_JSON)\n"
    "      --container NAME|URL Blob Storage container (default pr-snapshots), or its URL,\n"
    "                           with a SAS query (AZURE_STORAGE_SAS_TOKEN keeps it out of argv)\n"
    "      --no-upload          do not upload even when AZURE_STORAGE_ACCOUNT is set\n"
    "      --log                also log to logs/pr-snapshot-YYYYMMDD-HHMMSS.log (QA_LOG=1)\n"
    "  -q, --quiet              no progress notes on stderr\n"
    "  -h, --help               show this help\n"
    "  -V, --version            show the version\n";

struct opts {
	const char *config;
	const char *tag;
	bool tag_named;		/* --tag or SNAPSHOT_TAG: the user chose it */
	const char *remote;
	bool push;
	const char *db_url;
	const char *archive;	/* -a: the archive path */
	int archive_mode;	/* its mode before the umask */
	double db_timeout_s;
	const char *output;	/* also write the manifest here (OUTPUT_JSON) */
	const char *container;
	bool no_upload;
	bool log;
	bool quiet;
};

/* What one run found and made; freed by state_free(). */
struct state {
	struct config cfg;
	char created_at[PR_RFC3339_LEN];	/* one time for both manifests */
	char date[9], time[7];		/* YYYYMMDD, HHMMSS (UTC) */
	char *tag, *commit, *archive;
	char *dump_tmp;			/* temporary pg_dump file, removed at exit */
	struct pg_url db;
	bool have_db;
	long toc_entries;
	cJSON *indexes;			/* the database's indexes and their validity */
	cJSON *platform;
	bool tag_made;
	bool pushed;
	char *archive_made;		/* the regular file written, removed on failure */
	struct tarball_member members[MAX_MEMBERS];
	int nmembers;
	char sha256[PR_SHA256_HEX_LEN];
	int64_t bytes;
	cJSON *upload;
};

static int
parse_args(int argc, char **argv, struct opts *o)
{
	enum { OPT_PUSH = 256, OPT_REMOTE, OPT_CONTAINER, OPT_NO_UPLOAD, OPT_LOG, OPT_ARCHIVE_MODE, OPT_DB_TIMEOUT };
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'f'},
		{"tag", required_argument, NULL, 't'},
		{"push", no_argument, NULL, OPT_PUSH},
		{"remote", required_argument, NULL, OPT_REMOTE},
		{"database-url", required_argument, NULL, 'd'},
		{"archive", required_argument, NULL, 'a'},
		{"archive-mode", required_argument, NULL, OPT_ARCHIVE_MODE},
		{"db-timeout", required_argument, NULL, OPT_DB_TIMEOUT},
		{"output", required_argument, NULL, 'o'},
		{"container", required_argument, NULL, OPT_CONTAINER},
		{"no-upload", no_argument, NULL, OPT_NO_UPLOAD},
		{"log", no_argument, NULL, OPT_LOG},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *env;
	char *end;
	long mode;
	int c, rc;

	o->remote = "origin";
	o->container = PR_BLOB_DEFAULT_CONTAINER;
	o->archive_mode = ARCHIVE_MODE_DEFAULT;
	o->db_timeout_s = PR_PG_TIMEOUT_DEFAULT_S;
	if ((env = getenv("SNAPSHOT_TAG")) && *env) {
		o->tag = env;
		o->tag_named = true;
	}
	while ((c = getopt_long(argc, argv, ":f:t:d:a:o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o->config = optarg; break;
		case 't': o->tag = optarg; o->tag_named = true; break;
		case OPT_PUSH: o->push = true; break;
		case OPT_REMOTE: o->remote = optarg; break;
		case 'd': o->db_url = optarg; break;
		case 'a': o->archive = optarg; break;
		case OPT_ARCHIVE_MODE:
			mode = strtol(optarg, &end, 8);
			if (!*optarg || *end || mode < 0 || mode > 0777)
				return pr_usage_error("--archive-mode: '%s' is not an octal mode such as 0640", optarg);
			o->archive_mode = (int)mode;
			break;
		case OPT_DB_TIMEOUT:
			if ((rc = doc_duration_arg("--db-timeout", optarg, PR_ZERO_OK, &o->db_timeout_s)))
				return rc;
			break;
		case 'o': o->output = optarg; break;
		case OPT_CONTAINER: o->container = optarg; break;
		case OPT_NO_UPLOAD: o->no_upload = true; break;
		case OPT_LOG: o->log = true; break;
		case 'q': o->quiet = true; break;
		default: return pr_getopt_other(c, usage_text, argv);
		}
	}
	o->output = doc_output_path(o->output);
	if (optind < argc)
		return pr_usage_error("unexpected argument '%s'", argv[optind]);
	if (o->tag && !*o->tag)
		return pr_usage_error("--tag: empty tag name");
	if (o->archive && !*o->archive)
		return pr_usage_error("--archive: empty path");
	if (!*o->container)
		return pr_usage_error("--container: empty name");
	return PR_OK;
}

static void
state_free(struct state *s)
{
	if (s->dump_tmp)
		fileio_tmp_remove(s->dump_tmp);
	free(s->dump_tmp);
	free(s->tag);
	free(s->commit);
	free(s->archive);
	free(s->archive_made);
	pg_url_free(&s->db);
	cJSON_Delete(s->platform);
	cJSON_Delete(s->indexes);
	cJSON_Delete(s->upload);
	config_free(&s->cfg);
}

/* Settle the tag name, the commit and the database URL; nothing changes. */
static int
prepare(const struct opts *o, struct state *s)
{
	char now[PR_RFC3339_LEN], why[PR_WHY_LEN];
	struct buf b = {0};
	bool dirty = false;
	char *dir;
	int rc;

	util_rfc3339_now(now);
	memcpy(s->created_at, now, sizeof now);
	snprintf(s->date, sizeof s->date, "%.4s%.2s%.2s", now, now + 5, now + 8);
	snprintf(s->time, sizeof s->time, "%.2s%.2s%.2s", now + 11, now + 14, now + 17);
	if ((rc = config_load(o->config, &s->cfg)) != PR_OK)
		return rc;

	rc = git_commit_of("HEAD", &s->commit, why, sizeof why);
	if (rc != PR_OK)
		return pr_error(rc == PR_EXTERNAL ? PR_EXTERNAL : PR_INPUT,
		    "cannot read the current commit: %s (run pr-snapshot inside the git repository)", why);
	if (o->tag) {
		s->tag = xstrdup(o->tag);
	} else {
		buf_printf(&b, TAG_PREFIX "%s", s->date);
		s->tag = buf_detach(&b);
	}
	if (git_run(NULL, why, sizeof why, "check-ref-format", "--allow-onelevel", s->tag, NULL) != PR_OK)
		return pr_usage_error("tag '%s' is not a valid git ref name", s->tag);
	if (git_tag_exists(s->tag))
		return pr_error(PR_USAGE,
		    "tag %s already exists: refusing to move it (pick another name with --tag or SNAPSHOT_TAG)",
		    s->tag);
	if (git_dirty(&dirty, why, sizeof why) == PR_OK && dirty)
		pr_warn("the working tree has uncommitted changes: the tag records %.12s without them", s->commit);

	if ((rc = pg_url_resolve(o->db_url, &s->cfg, &s->db, &s->have_db)) != PR_OK)
		return rc;
	if (o->archive) {
		s->archive = xstrdup(o->archive);
	} else {
		buf_printf(&b, ARCHIVE_DIR "/pre-perf-%s-%s.tar.gz", s->date, s->time);
		s->archive = buf_detach(&b);
	}
	dir = xstrdup(s->archive);
	rc = fileio_mkdirs(dirname(dir), 0755) == -1 ? errno : 0;
	free(dir);
	if (rc)
		return pr_error(PR_EXTERNAL, "cannot create the directory of %s: %s (check permissions or use -o)",
		    s->archive, strerror(rc));
	return PR_OK;
}

/* pg_dump into a temporary file beside the archive, then pg_restore --list. */
static int
dump_database(struct state *s)
{
	struct buf name = {0};
	char why[PR_WHY_LEN];
	int fd, rc;
	double t0 = util_mono_ms();

	buf_printf(&name, "%s.dump.XXXXXX", s->archive);
	fd = mkostemp(name.data, O_CLOEXEC);
	if (fd == -1) {
		buf_free(&name);
		return pr_error(PR_EXTERNAL,
		    "cannot create a temporary dump file beside %s: %s (check the directory is writable)",
		    s->archive, strerror(errno));
	}
	s->dump_tmp = buf_detach(&name);
	fileio_tmp_track(s->dump_tmp);
	pr_note("dumping %s", s->db.redacted);
	rc = pg_dump(&s->db, fd, why, sizeof why);
	if (close(fd) == -1 && rc == PR_OK) {
		snprintf(why, sizeof why, "%s: %s", s->dump_tmp, strerror(errno));
		rc = PR_EXTERNAL;
	}
	if (rc != PR_OK)
		return pr_error(rc,
		    "pg_dump of %s failed: %s (check the URL, the password and that pg_dump is installed)",
		    s->db.redacted, why);
	rc = pg_list(s->dump_tmp, &s->toc_entries, why, sizeof why);
	if (rc != PR_OK)
		return pr_error(rc, "the dump of %s does not verify: %s (check pg_restore matches pg_dump)",
		    s->db.redacted, why);
	pr_note("dump verified: %ld TOC entries in %.1f s", s->toc_entries, (util_mono_ms() - t0) / 1e3);
	return PR_OK;
}

/* The database's indexes and whether each is valid: an index whose
 * concurrent build failed is left invalid, and said so now. */
static int
read_indexes(struct state *s)
{
	char why[PR_WHY_LEN];
	struct pg_conn *c = NULL;
	const cJSON *it;
	int rc, invalid = 0;

	if ((rc = pgq_connect(&s->db, atof(PR_PG_CONNECT_TIMEOUT_S), &c, why, sizeof why)) == PR_OK)
		rc = pgq_indexes(c, &s->indexes, why, sizeof why);
	pgq_close(c);
	if (rc != PR_OK)
		return pr_error(rc, "cannot list the indexes of %s: %s", s->db.redacted, why);
	cJSON_ArrayForEach(it, s->indexes) {
		if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(it, "valid"))) {
			pr_warn("index %s.%s on %s is invalid (a failed concurrent build? drop it and build it again)",
			    cJSON_GetObjectItemCaseSensitive(it, "schema")->valuestring,
			    cJSON_GetObjectItemCaseSensitive(it, "name")->valuestring,
			    cJSON_GetObjectItemCaseSensitive(it, "table")->valuestring);
			invalid++;
		}
	}
	pr_note("%d index(es), %d invalid", cJSON_GetArraySize(s->indexes), invalid);
	return PR_OK;
}

static int
read_platform(struct state *s)
{
	const cJSON *sec = config_section(&s->cfg, "platform");
	struct platform_opts po = {0};

	if (!sec)
		return PR_OK;
	pr_note("reading platform settings");
	return platform_read(sec, &po, &s->platform);
}

/* The manifest.  The outer one (stdout) adds the archive's own size and
 * checksum, the manifest.json member and the upload; the inner one
 * (manifest.json) is built before those exist. */
static cJSON *
manifest(const struct state *s, bool outer)
{
	cJSON *doc = doc_new("snapshot");
	cJSON *arch, *members, *db;

	/* The snapshot's time, not the time each manifest was printed, so
	 * that manifest.json and stdout differ only where they must. */
	cJSON_ReplaceItemInObjectCaseSensitive(doc, "created_at", cJSON_CreateString(s->created_at));

	cJSON_AddStringToObject(doc, "tag", s->tag);
	cJSON_AddStringToObject(doc, "commit", s->commit);
	cJSON_AddBoolToObject(doc, "pushed", s->pushed);
	arch = cJSON_AddObjectToObject(doc, "archive");
	cJSON_AddStringToObject(arch, "path", s->archive);
	if (outer) {
		cJSON_AddNumberToObject(arch, "bytes", (double)s->bytes);
		cJSON_AddStringToObject(arch, "sha256", s->sha256);
	}
	members = cJSON_AddArrayToObject(doc, "members");
	for (int i = 0; i < s->nmembers; i++)
		cJSON_AddItemToArray(members, manifest_member_json(&s->members[i]));
	if (s->have_db) {
		db = cJSON_AddObjectToObject(doc, "database");
		cJSON_AddStringToObject(db, "url", s->db.redacted);
		cJSON_AddStringToObject(db, "dbname", s->db.dbname);
		cJSON_AddStringToObject(db, "format", "custom");
		cJSON_AddStringToObject(db, "member", DUMP_MEMBER);
		cJSON_AddNumberToObject(db, "toc_entries", (double)s->toc_entries);
		if (s->indexes)
			cJSON_AddItemToObject(db, "indexes", cJSON_Duplicate(s->indexes, 1));
	} else {
		cJSON_AddNullToObject(doc, "database");
	}
	if (s->platform)
		cJSON_AddItemToObject(doc, "platform", cJSON_Duplicate(s->platform, 1));
	else
		cJSON_AddNullToObject(doc, "platform");
	if (outer && s->upload)
		cJSON_AddItemToObject(doc, "upload", cJSON_Duplicate(s->upload, 1));
	else
		cJSON_AddNullToObject(doc, "upload");
	return doc;
}

/* Write the tar.gz atomically: the dump, platform.json, then manifest.json. */
static int
write_archive(const struct opts *o, struct state *s)
{
	struct tarball *t = NULL;
	struct fileio_atomic f;
	char why[PR_WHY_LEN], *made;
	int rc = PR_EXTERNAL;
	double t0 = util_mono_ms();
	cJSON *inner;
	char *text;

	if (fileio_open_atomic(&f, s->archive, o->archive_mode) == -1)
		return PR_EXTERNAL;
	if (!(t = tarball_open(f.fd, s->archive, why, sizeof why)))
		goto fail;
	if (s->have_db &&
	    tarball_add_file(t, DUMP_MEMBER, s->dump_tmp, &s->members[s->nmembers++], why, sizeof why) != PR_OK)
		goto fail;
	if (s->platform) {
		text = doc_text(s->platform);
		rc = tarball_add_data(t, PLATFORM_MEMBER, text, strlen(text), &s->members[s->nmembers++],
		    why, sizeof why);
		free(text);
		if (rc != PR_OK)
			goto fail;
	}
	inner = manifest(s, false);
	text = doc_text(inner);
	cJSON_Delete(inner);
	rc = tarball_add_data(t, MANIFEST_MEMBER, text, strlen(text), &s->members[s->nmembers++], why, sizeof why);
	free(text);
	if (rc != PR_OK)
		goto fail;
	rc = tarball_close(t, s->sha256, &s->bytes, why, sizeof why);
	t = NULL;
	if (rc != PR_OK)
		goto fail;
	/* only a file this run created by rename is its to remove: never a
	 * FIFO or /dev/stdout written in place */
	made = f.tmp ? xstrdup(f.dest) : NULL;
	rc = fileio_commit_atomic(&f);
	if (rc == PR_OK) {
		s->archive_made = made;
		pr_note("wrote %s (%lld bytes) in %.1f s", s->archive, (long long)s->bytes,
		    (util_mono_ms() - t0) / 1e3);
	} else {
		free(made);
	}
	goto out;
fail:
	if (t)
		tarball_close(t, NULL, NULL, why + strlen(why), 0);
	fileio_abort_atomic(&f);
	rc = pr_error(PR_EXTERNAL, "cannot write the archive: %s (check free space in the archive's directory)", why);
out:
	return rc;
}

/* The variable's value, or NULL when unset or empty. */
static const char *
env_set(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/*
 * Upload when there is somewhere to upload to: AZURE_STORAGE_ACCOUNT, or a
 * --container URL.  Credential: the URL's SAS, else the account key, else
 * AZURE_STORAGE_SAS_TOKEN, else an Entra ID token from the chain.
 */
static int
upload(const struct opts *o, struct state *s)
{
	struct blob_account a = {.name = env_set("AZURE_STORAGE_ACCOUNT"),
	    .key = env_set("AZURE_STORAGE_ACCOUNT_KEY"), .sas = env_set("AZURE_STORAGE_SAS_TOKEN")};
	char *copy, *endpoint = NULL, *container = NULL, *url_sas = NULL, why[PR_WHY_LEN];
	int rc;

	if (o->no_upload)
		return PR_OK;
	if (a.key)
		a.sas = NULL;	/* the account key beats an ambient SAS... */
	if (blob_container_url(o->container, &endpoint, &container, &url_sas) == 0) {
		a.endpoint = endpoint;
		if (url_sas) {	/* ...and a --container URL's SAS beats both */
			a.sas = url_sas;
			a.key = NULL;
		}
	} else if (!a.name) {
		return PR_OK;
	}
	if (a.sas && *a.sas == '?')
		a.sas++;
	if (a.key)
		gha_mask(a.key);
	if (a.sas)
		gha_mask(a.sas);
	if (!a.key && !a.sas)
		a.cred = cred_new(0);
	copy = xstrdup(s->archive);
	pr_note("uploading %s to container %s", s->archive, container ? container : o->container);
	rc = blob_upload(&a, container ? container : o->container, basename(copy), s->archive, &s->upload, why,
	    sizeof why);
	free(copy);
	cred_free(a.cred);
	free(endpoint);
	free(container);
	if (url_sas)
		explicit_bzero(url_sas, strlen(url_sas));
	free(url_sas);
	if (rc != PR_OK)
		return pr_error(rc, "upload to Azure Blob Storage failed: %s (check the storage credential and the "
		    "endpoint, then run pr-snapshot again)", why);
	cJSON_AddStringToObject(s->upload, "sha256", s->sha256);
	return PR_OK;
}

/*
 * After a failure, leave nothing that looks like a snapshot: the tag and the
 * archive share one fate.  Once either has left this machine (the tag
 * pushed, the archive uploaded), both are kept, and said so.
 */
static void
undo(const struct state *s)
{
	char why[PR_WHY_LEN];

	if (s->pushed || s->upload) {
		if (s->tag_made || s->archive_made)
			pr_note("kept tag %s%s and archive %s%s: they already left this machine", s->tag,
			    s->pushed ? " (pushed)" : "", s->archive, s->upload ? " (uploaded)" : "");
		return;
	}
	if (s->tag_made)
		git_run(NULL, why, sizeof why, "tag", "--delete", "--", s->tag, NULL);
	if (s->archive_made)
		unlink(s->archive_made);
}

static void
report_github(const struct state *s)
{
	static const char *const head[] = { "", "" };
	struct buf md = {0};
	char bytes[32], commit[13];
	const struct gha_cell rows[][2] = {
		{ { "tag", GHA_PLAIN }, { s->tag, GHA_CODE } },
		{ { "pushed", GHA_PLAIN }, { s->pushed ? "yes" : "no", GHA_PLAIN } },
		{ { "commit", GHA_PLAIN }, { commit, GHA_CODE } },
		{ { "archive", GHA_PLAIN }, { s->archive, GHA_CODE } },
		{ { "bytes", GHA_PLAIN }, { bytes, GHA_PLAIN } },
		{ { "sha256", GHA_PLAIN }, { s->sha256, GHA_CODE } },
		{ { "database", GHA_PLAIN }, { s->have_db ? s->db.redacted : "none", GHA_PLAIN } },
		{ { "platform", GHA_PLAIN }, { s->platform ? "recorded" : "none", GHA_PLAIN } },
		{ { "upload", GHA_PLAIN }, { s->upload ? "done" : "none", GHA_PLAIN } },
	};

	snprintf(bytes, sizeof bytes, "%lld", (long long)s->bytes);
	snprintf(commit, sizeof commit, "%.12s", s->commit);
	gha_output("tag", s->tag);
	gha_output("archive", s->archive);
	gha_output("sha256", s->sha256);
	gha_output("archive_bytes", bytes);
	buf_adds(&md, "### pr-snapshot\n\n");
	gha_table_head(&md, 2, head, "ll");
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		gha_table_row(&md, 2, rows[i]);
	gha_summary(md.data);
	buf_free(&md);
}

int
main(int argc, char **argv)
{
	struct opts o = {0};
	struct state s = {0};
	char why[PR_WHY_LEN], msg[PR_WHY_LEN + 128];
	cJSON *doc = NULL;
	int rc, erc;

	pr_init(argv[0]);
	proc_signals_init();
	if ((rc = parse_args(argc, argv, &o)) != PR_OK)
		return rc;
	pr_set_quiet(o.quiet);
	pg_set_timeout(o.db_timeout_s);
	if ((rc = pr_log_open(NULL, "pr-snapshot", NULL, o.log)) != PR_OK)
		return rc;
	if ((rc = prepare(&o, &s)) != PR_OK)
		goto out;
	if (s.have_db && ((rc = dump_database(&s)) != PR_OK || (rc = read_indexes(&s)) != PR_OK))
		goto out;
	if ((rc = read_platform(&s)) != PR_OK)
		goto out;

	snprintf(msg, sizeof msg, "pr-snapshot: state before the performance release (%s)", s.archive);
	if ((rc = git_tag(s.tag, s.commit, msg, why, sizeof why)) != PR_OK) {
		rc = pr_error(PR_EXTERNAL, "cannot create tag %s: %s", s.tag, why);
		goto out;
	}
	s.tag_made = true;
	pr_note("tagged %.12s as %s", s.commit, s.tag);
	if (o.push) {
		if ((rc = git_push(o.remote, "tags", s.tag, why, sizeof why)) != PR_OK) {
			rc = pr_error(rc, "cannot push tag %s to %s: %s (check the remote and your access)",
			    s.tag, o.remote, why);
			goto out;
		}
		s.pushed = true;
	}
	if ((rc = write_archive(&o, &s)) != PR_OK)
		goto out;
	if ((rc = upload(&o, &s)) != PR_OK)
		goto out;
	doc = manifest(&s, true);
	rc = doc_emit(doc, o.output);
	report_github(&s);
out:
	if (rc != PR_OK)
		undo(&s);	/* and no tag to block the next try */
	cJSON_Delete(doc);
	state_free(&s);
	erc = pr_log_close();
	return rc == PR_OK ? erc : rc;
}
