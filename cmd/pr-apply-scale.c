/*
 * pr-apply-scale: apply platform settings (Azure: App Service "Always On"
 * and app settings, Container Apps replicas, CPU, memory, env and revision
 * traffic; Render: a service's instances, plan, env and restart) through
 * the provider interface, only where they differ, then read back and
 * verify.  Writes pr-tools/apply/1.
 *
 * This file holds the options and the order of steps; the work is in
 * lib/platform.c and lib/azure.c, reading an apply document lib/applydoc.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applydoc.h"
#include "azure.h"
#include "buf.h"
#include "config.h"
#include "doc.h"
#include "pr.h"
#include "fileio.h"
#include "gha.h"
#include "platform.h"
#include "util.h"

/* the log's name before it took the program's, kept as a link for runbooks */
#define LOG_ALIAS "azure-performance-apply"
#define REPLICAS_MAX 1000L
#define CPU_MAX_CORES 64.0
#define RETRY_BASE_MAX_MS 600000.0
#define TRAFFIC_PERCENT_MAX 100L

static const char usage_text[] =
    "usage: pr-apply-scale [-n] [-f FILE | --platform FILE | --from-apply FILE --restore]\n"
    "                      [--subscription ID] [--resource-group NAME]\n"
    "                      [--web-app NAME --always-on on|off]\n"
    "                      [--container-app NAME [--min-replicas N] [--max-replicas N]\n"
    "                                            [--cpu CORES] [--memory SIZE]]\n"
    "                      [--set [RESOURCE:]NAME[=VALUE]]... [--traffic [APP:]latest=N[,REVISION=N]...]\n"
    "                      [--arm-endpoint URL] [--retry-base-ms MS] [-o FILE] [--log] [-q]\n"
    "\n"
    "Apply platform settings, changing only what differs, then read back and\n"
    "verify.  Writes a pr-tools/apply/1 document on stdout.  The platform section\n"
    "names resources of two providers: \"azure\" (App Service web apps and Container\n"
    "Apps, through Resource Manager) and \"render\" (services, through Render's API\n"
    "with RENDER_API_KEY: instances, plan, suspension, commit, env and a restart).\n"
    "Settings values are secrets: output shows only their sha256.\n"
    "\n"
    "  -f, --config FILE        pr-tools.json with a \"platform\" section (default ./pr-tools.json)\n"
    "      --platform FILE      a platform section on its own (\"-\" for stdin)\n"
    "      --from-apply FILE    a pr-tools/apply/1 document ...\n"
    "      --restore            ... whose \"restore\" section is applied (go back)\n"
    "      --subscription ID    subscription id (default AZURE_SUBSCRIPTION_ID)\n"
    "      --resource-group NAME  resource group of the resources\n"
    "      --web-app NAME       an App Service app to set\n"
    "      --always-on on|off   its Always On setting\n"
    "      --container-app NAME a Container App to set\n"
    "      --min-replicas N     its minimum replicas\n"
    "      --max-replicas N     its maximum replicas\n"
    "      --cpu CORES          CPU cores of each container, like 0.5\n"
    "      --memory SIZE        memory of each container, like 1Gi\n"
    "      --set [RESOURCE:]NAME=VALUE  an app setting (Azure web app), an env variable\n"
    "                           (container app's first container) or a Render service's\n"
    "                           env variable, repeatable; RESOURCE is the web app, container\n"
    "                           app or Render service id when the section has several.  Only\n"
    "                           these settings are applied; needs -o FILE, which keeps the\n"
    "                           old values (0600); [RESOURCE:]NAME alone takes the value of\n"
    "                           the environment variable NAME\n"
    "      --traffic [APP:]latest=N[,REVISION=N]  an Azure container app's revision traffic\n"
    "                           in %: \"latest\" alone gives the rest to the stable revision\n"
    "  -n, --dry-run            print the plan and change nothing\n"
    "      --arm-endpoint URL   Resource Manager endpoint (default AZURE_ARM_ENDPOINT or\n"
    "                           https://management.azure.com)\n"
    "      --retry-base-ms MS   first retry wait and poll interval (default PR_RETRY_BASE_MS)\n"
    "  -o, --output FILE        also write the document to FILE (default OUTPUT_JSON)\n"
    "      --log                write logs/pr-apply-scale-YYYYMMDD-HHMMSS.log (or QA_LOG=1)\n"
    "  -q, --quiet              no progress notes on stderr\n"
    "  -h, --help               this help\n"
    "  -V, --version            print the version\n";

enum {
	OPT_PLATFORM = 256, OPT_FROM_APPLY, OPT_RESTORE, OPT_SUBSCRIPTION, OPT_RESOURCE_GROUP,
	OPT_WEB_APP, OPT_ALWAYS_ON, OPT_CONTAINER_APP, OPT_MIN_REPLICAS, OPT_MAX_REPLICAS,
	OPT_CPU, OPT_MEMORY, OPT_ARM_ENDPOINT, OPT_RETRY_BASE_MS, OPT_LOG, OPT_SET, OPT_TRAFFIC,
};

static const struct option long_opts[] = {
	{"config", required_argument, NULL, 'f'},
	{"platform", required_argument, NULL, OPT_PLATFORM},
	{"from-apply", required_argument, NULL, OPT_FROM_APPLY},
	{"restore", no_argument, NULL, OPT_RESTORE},
	{"subscription", required_argument, NULL, OPT_SUBSCRIPTION},
	{"resource-group", required_argument, NULL, OPT_RESOURCE_GROUP},
	{"web-app", required_argument, NULL, OPT_WEB_APP},
	{"always-on", required_argument, NULL, OPT_ALWAYS_ON},
	{"container-app", required_argument, NULL, OPT_CONTAINER_APP},
	{"min-replicas", required_argument, NULL, OPT_MIN_REPLICAS},
	{"max-replicas", required_argument, NULL, OPT_MAX_REPLICAS},
	{"cpu", required_argument, NULL, OPT_CPU},
	{"memory", required_argument, NULL, OPT_MEMORY},
	{"set", required_argument, NULL, OPT_SET},
	{"traffic", required_argument, NULL, OPT_TRAFFIC},
	{"dry-run", no_argument, NULL, 'n'},
	{"arm-endpoint", required_argument, NULL, OPT_ARM_ENDPOINT},
	{"retry-base-ms", required_argument, NULL, OPT_RETRY_BASE_MS},
	{"output", required_argument, NULL, 'o'},
	{"log", no_argument, NULL, OPT_LOG},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

struct opts {
	const char *config, *platform, *from_apply, *output, *arm_endpoint;
	const char *subscription, *resource_group;
	const char *web_app, *always_on;
	const char *container_app, *memory;
	long min_replicas, max_replicas;	/* -1: not given */
	double cpu;				/* 0: not given */
	double retry_base_ms;
	const char **sets, **traffic;		/* --set and --traffic arguments, in order */
	int nsets, ntraffic;
	bool restore, dry_run, log, quiet;
};

/* The first n bytes of s as a new string. */
static char *
copy_n(const char *s, size_t n)
{
	struct buf b = {0};

	buf_printf(&b, "%.*s", (int)n, s);
	return buf_detach(&b);
}

/*
 * Split a --set or --traffic argument "[RESOURCE:]NAME=VALUE": *resource
 * (or NULL) and *name are new strings, *value points into arg.  A --set
 * without '=' takes its value from the environment variable NAME, so that
 * a secret need not be on the command line, where ps shows it.  A value is
 * never put in a message: it may be a secret.  0, or PR_USAGE (reported).
 */
static int
split_arg(const char *opt, const char *arg, char **resource, char **name, const char **value)
{
	const char *eq = strchr(arg, '='), *colon, *end;
	bool from_env = !eq && strcmp(opt, "set") == 0;

	*resource = *name = NULL;
	if (!eq && !from_env)
		return pr_usage_error("--%s: expected [RESOURCE:]NAME=VALUE, found no '=' in the argument", opt);
	end = eq ? eq : arg + strlen(arg);
	colon = memchr(arg, ':', (size_t)(end - arg));
	if (colon)
		*resource = copy_n(arg, (size_t)(colon - arg));
	*name = copy_n(colon ? colon + 1 : arg, (size_t)(end - (colon ? colon + 1 : arg)));
	*value = eq ? eq + 1 : getenv(*name);
	if (**name && !(*resource && !**resource) && !*value) {
		/* Not naming it: a careless "--set VALUE" would show the value. */
		pr_usage_error("--set: expected [RESOURCE:]NAME=VALUE, found no '=' in the argument and no "
		    "environment variable of the name it gives (or export NAME and give [RESOURCE:]NAME)");
		free(*resource);
		free(*name);
		*resource = *name = NULL;
		return PR_USAGE;
	}
	if (!**name || (*resource && !**resource)) {
		bool no_resource = *resource && !**resource;

		free(*resource);
		free(*name);
		*resource = *name = NULL;
		return pr_usage_error("--%s: expected [RESOURCE:]NAME=VALUE, found an empty %s",
		    opt, no_resource ? "resource" : "name");
	}
	return PR_OK;
}

/* "latest=5,api--1=95" as {"latest": 5, "api--1": 95}; NULL (reported) when malformed. */
static cJSON *
traffic_weights(const char *spec)
{
	cJSON *map = cJSON_CreateObject();
	char *copy = xstrdup(spec), *save = NULL;

	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(p, '=');
		long w;

		if (!eq || eq == p || util_parse_long(eq + 1, 0, TRAFFIC_PERCENT_MAX, &w) == -1) {
			pr_usage_error("--traffic %s: expected latest=PERCENT[,REVISION=PERCENT], whole percentages "
			    "from 0 to 100", spec);
			cJSON_Delete(map);
			map = NULL;
			break;
		}
		*eq = '\0';
		if (cJSON_GetObjectItemCaseSensitive(map, p)) {
			pr_usage_error("--traffic %s: names %s twice (give each revision once)", spec, p);
			cJSON_Delete(map);
			map = NULL;
			break;
		}
		cJSON_AddNumberToObject(map, p, (double)w);
	}
	free(copy);
	return map;
}

/* Check a --set or --traffic argument's form where it is given (exit 2). */
static int
check_set_arg(const char *opt, const char *arg)
{
	char *resource, *name;
	const char *value;
	cJSON *map = NULL;
	int rc = split_arg(opt, arg, &resource, &name, &value);

	if (rc == PR_OK && strcmp(opt, "traffic") == 0) {
		const char *spec = resource ? strchr(arg, ':') + 1 : arg;

		if (!(map = traffic_weights(spec)))
			rc = PR_USAGE;
	}
	cJSON_Delete(map);
	free(resource);
	free(name);
	return rc;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof *o);
	o->min_replicas = o->max_replicas = -1;
	o->sets = xcalloc((size_t)argc, sizeof *o->sets);
	o->traffic = xcalloc((size_t)argc, sizeof *o->traffic);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:no:qhV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'f': o->config = optarg; break;
		case OPT_PLATFORM: o->platform = optarg; break;
		case OPT_FROM_APPLY: o->from_apply = optarg; break;
		case OPT_RESTORE: o->restore = true; break;
		case OPT_SUBSCRIPTION: o->subscription = optarg; break;
		case OPT_RESOURCE_GROUP: o->resource_group = optarg; break;
		case OPT_WEB_APP: o->web_app = optarg; break;
		case OPT_ALWAYS_ON:
			if (strcmp(optarg, "on") != 0 && strcmp(optarg, "off") != 0)
				return pr_usage_error("--always-on %s: expected on or off", optarg);
			o->always_on = optarg;
			break;
		case OPT_CONTAINER_APP: o->container_app = optarg; break;
		case OPT_MIN_REPLICAS:
			if (util_parse_long(optarg, 0, REPLICAS_MAX, &o->min_replicas) == -1)
				return pr_usage_error("--min-replicas %s: expected a whole number from 0 to %ld",
				    optarg, REPLICAS_MAX);
			break;
		case OPT_MAX_REPLICAS:
			if (util_parse_long(optarg, 1, REPLICAS_MAX, &o->max_replicas) == -1)
				return pr_usage_error("--max-replicas %s: expected a whole number from 1 to %ld",
				    optarg, REPLICAS_MAX);
			break;
		case OPT_CPU:
			if (util_parse_double(optarg, 1e-3, CPU_MAX_CORES, &o->cpu) == -1)
				return pr_usage_error("--cpu %s: expected a number of cores above 0, like 0.5", optarg);
			break;
		case OPT_MEMORY: o->memory = optarg; break;
		case OPT_SET:
			if (check_set_arg("set", optarg))
				return PR_USAGE;
			o->sets[o->nsets++] = optarg;
			break;
		case OPT_TRAFFIC:
			if (check_set_arg("traffic", optarg))
				return PR_USAGE;
			o->traffic[o->ntraffic++] = optarg;
			break;
		case 'n': o->dry_run = true; break;
		case OPT_ARM_ENDPOINT: o->arm_endpoint = optarg; break;
		case OPT_RETRY_BASE_MS:
			if (util_parse_double(optarg, 0, RETRY_BASE_MAX_MS, &o->retry_base_ms) == -1)
				return pr_usage_error("--retry-base-ms %s: expected milliseconds from 0 to %.0f",
				    optarg, RETRY_BASE_MAX_MS);
			break;
		case 'o': o->output = optarg; break;
		case OPT_LOG: o->log = true; break;
		case 'q': o->quiet = true; break;
		default: return pr_getopt_other(c, usage_text, argv);
		}
	}
	if (optind < argc)
		return pr_usage_error("unexpected argument '%s'", argv[optind]);
	if (o->always_on && !o->web_app)
		return pr_usage_error("--always-on needs --web-app NAME");
	if (!o->container_app && (o->min_replicas >= 0 || o->max_replicas >= 0 || o->cpu > 0 || o->memory))
		return pr_usage_error("--min-replicas, --max-replicas, --cpu and --memory need --container-app NAME");
	if (o->restore != (o->from_apply != NULL))
		return pr_usage_error("--from-apply FILE and --restore go together");
	if ((o->from_apply != NULL) + (o->platform != NULL) + (o->config != NULL) > 1)
		return pr_usage_error("give one of -f, --platform and --from-apply");
	if ((o->web_app || o->container_app) && (o->from_apply || o->platform))
		return pr_usage_error("--web-app and --container-app cannot be mixed with --platform or --from-apply");
	if ((o->nsets || o->ntraffic) && o->from_apply)
		return pr_usage_error("--set and --traffic cannot be mixed with --from-apply (its restore section "
		    "says what to set)");
	o->output = doc_output_path(o->output);
	return PR_OK;
}

/* Replace obj[key] with a string. */
static void
set_string(cJSON *obj, const char *key, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddStringToObject(obj, key, value);
}

/*
 * A platform section with base's ids (and revision_timeout) and no resources
 * yet: an "azure" object when base has one or is NULL (the flags'), a
 * "render" one when base has one.  New object.
 */
static cJSON *
ids_only(const cJSON *base)
{
	const cJSON *baz = cJSON_GetObjectItemCaseSensitive(base, "azure");
	cJSON *p = cJSON_CreateObject(), *az;
	const cJSON *v;

	if (cJSON_GetObjectItemCaseSensitive(base, "render"))
		cJSON_AddObjectToObject(p, "render");
	if (base && !baz)
		return p;
	az = cJSON_AddObjectToObject(p, "azure");
	if ((v = cJSON_GetObjectItemCaseSensitive(baz, "subscription")))
		cJSON_AddItemToObject(az, "subscription", cJSON_Duplicate(v, true));
	if ((v = cJSON_GetObjectItemCaseSensitive(baz, "resource_group")))
		cJSON_AddItemToObject(az, "resource_group", cJSON_Duplicate(v, true));
	if ((v = cJSON_GetObjectItemCaseSensitive(baz, "revision_timeout")))	/* how, not what, to apply */
		cJSON_AddItemToObject(az, "revision_timeout", cJSON_Duplicate(v, true));
	return p;
}

/* The platform section the flags describe, over base's azure ids (may be NULL). */
static cJSON *
section_from_flags(const struct opts *o, const cJSON *base)
{
	cJSON *p = ids_only(base), *az = cJSON_GetObjectItemCaseSensitive(p, "azure");

	if (!az)	/* base names Render services only */
		az = cJSON_AddObjectToObject(p, "azure");
	if (o->web_app) {
		cJSON *w = cJSON_CreateObject();

		cJSON_AddStringToObject(w, "name", o->web_app);
		if (o->always_on)
			cJSON_AddBoolToObject(w, "always_on", strcmp(o->always_on, "on") == 0);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(az, "web_apps"), w);
	}
	if (o->container_app) {
		cJSON *a = cJSON_CreateObject();

		cJSON_AddStringToObject(a, "name", o->container_app);
		if (o->min_replicas >= 0)
			cJSON_AddNumberToObject(a, "min_replicas", (double)o->min_replicas);
		if (o->max_replicas >= 0)
			cJSON_AddNumberToObject(a, "max_replicas", (double)o->max_replicas);
		if (o->cpu > 0)
			cJSON_AddNumberToObject(a, "cpu", o->cpu);
		if (o->memory)
			cJSON_AddStringToObject(a, "memory", o->memory);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(az, "container_apps"), a);
	}
	return p;
}

/* The resource lists --set and --traffic may name: the provider, its list, and what names an entry. */
static const struct settable {
	const char *provider, *list, *key;
} settables[] = {
	{"azure", "web_apps", "name"},
	{"azure", "container_apps", "name"},
	{"render", "services", "id"},
	{NULL, NULL, NULL}
};

/* The entry named name (NULL: the first) in one of section's settable lists (*in says which), or NULL. */
static cJSON *
find_resource(const cJSON *section, const char *name, const struct settable **in)
{
	for (const struct settable *t = settables; t->provider; t++) {
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(section, t->provider), t->list);

		for (cJSON *e = cJSON_IsArray(arr) ? arr->child : NULL; e; e = e->next) {
			const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, t->key);

			if (cJSON_IsString(n) && (!name || strcmp(n->valuestring, name) == 0)) {
				*in = t;
				return e;
			}
		}
	}
	return NULL;
}

/* How many resources section names, and their names joined by ", " in names. */
static int
count_resources(const cJSON *section, struct buf *names)
{
	int n = 0;

	for (const struct settable *t = settables; t->provider; t++) {
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(section, t->provider), t->list);

		for (const cJSON *e = cJSON_IsArray(arr) ? arr->child : NULL; e; e = e->next) {
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, t->key);

			buf_printf(names, "%s%s", n++ ? ", " : "", cJSON_IsString(nm) ? nm->valuestring : "?");
		}
	}
	return n;
}

/*
 * The entry of into that a --set or --traffic for resource (NULL: the only
 * one) goes to: found in from, and added to into when into is not from.
 * Returns 0, PR_USAGE or PR_INPUT (reported, naming opt and resource only).
 */
static int
set_target(const char *opt, const char *resource, const cJSON *from, cJSON *into, const char *src, cJSON **entry)
{
	struct buf names = {0};
	const struct settable *in;
	const cJSON *restart;
	cJSON *found, *provider, *arr;
	int n = count_resources(from, &names), rc = PR_OK;

	found = find_resource(from, resource, &in);
	if (!resource && n != 1)
		rc = n ? pr_usage_error("--%s: %s names %d resources (%s); write RESOURCE:NAME=VALUE", opt, src, n,
		    names.data) : pr_error(PR_INPUT, "--%s: %s names no web app, container app or Render "
		    "service to set (add one, or give --web-app or --container-app)", opt, src);
	else if (!found)
		rc = pr_error(PR_INPUT, "--%s %s:...: no resource \"%s\" in %s (it names %s)", opt, resource, resource,
		    src, names.data);
	buf_free(&names);
	if (rc)
		return rc;
	*entry = found;
	if (into == from)
		return PR_OK;
	resource = cJSON_GetObjectItemCaseSensitive(found, in->key)->valuestring;
	if ((*entry = find_resource(into, resource, &in)))
		return PR_OK;
	if (!(provider = cJSON_GetObjectItemCaseSensitive(into, in->provider)))
		provider = cJSON_AddObjectToObject(into, in->provider);
	if (!(arr = cJSON_GetObjectItemCaseSensitive(provider, in->list)))
		arr = cJSON_AddArrayToObject(provider, in->list);
	*entry = cJSON_CreateObject();
	cJSON_AddStringToObject(*entry, in->key, resource);
	/* A Render service's restart says how its settings take effect, not what they are. */
	if ((restart = cJSON_GetObjectItemCaseSensitive(found, "restart")))
		cJSON_AddItemToObject(*entry, "restart", cJSON_Duplicate(restart, true));
	cJSON_AddItemToArray(arr, *entry);
	return PR_OK;
}

/* into's entry[key] as an object. */
static cJSON *
entry_object(cJSON *entry, const char *key)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(entry, key);

	if (!cJSON_IsObject(o)) {
		cJSON_DeleteItemFromObjectCaseSensitive(entry, key);
		o = cJSON_AddObjectToObject(entry, key);
	}
	return o;
}

/*
 * Put the --set and --traffic arguments into into, for resources named in
 * from (the same section when the resources came from flags).  Returns 0,
 * PR_USAGE or PR_INPUT (reported).
 */
static int
add_set_flags(const struct opts *o, const cJSON *from, cJSON *into, const char *src)
{
	for (int i = 0; i < o->nsets + o->ntraffic; i++) {
		bool is_set = i < o->nsets;
		const char *arg = is_set ? o->sets[i] : o->traffic[i - o->nsets], *value;
		char *resource, *name;
		cJSON *entry = NULL, *map;
		int rc;

		if ((rc = split_arg(is_set ? "set" : "traffic", arg, &resource, &name, &value)))
			return rc;
		if (!(rc = set_target(is_set ? "set" : "traffic", resource, from, into, src, &entry)) && is_set) {
			map = entry_object(entry, "settings");
			cJSON_DeleteItemFromObjectCaseSensitive(map, name);
			cJSON_AddStringToObject(map, name, value);
		} else if (!rc) {
			cJSON_DeleteItemFromObjectCaseSensitive(entry, "traffic");
			cJSON_AddItemToObject(entry, "traffic", traffic_weights(resource ? strchr(arg, ':') + 1 : arg));
		}
		free(resource);
		free(name);
		if (rc)
			return rc;
	}
	return PR_OK;
}

/*
 * The desired platform section (caller frees), its name for messages in
 * src, and the endpoint an apply document recorded in *doc_endpoint
 * (caller frees).  Returns 0 or PR_INPUT (reported).
 */
static int
load_desired(const struct opts *o, cJSON **desired, char **src, char **doc_endpoint)
{
	struct config cfg = {0};
	struct buf text = {0};
	cJSON *doc = NULL;
	const cJSON *sec = NULL;
	const char *sub;
	int rc;

	*desired = NULL;
	*doc_endpoint = NULL;
	if (o->from_apply) {
		if ((rc = doc_load(o->from_apply, "apply", &doc)) ||
		    (rc = applydoc_restore(doc, o->from_apply, desired, src, doc_endpoint)))
			goto out;
	} else if (o->platform) {
		/* A bare section, or a file with a "platform" key; ${VAR} expanded. */
		if ((rc = config_load(o->platform, &cfg)))
			goto out;
		sec = config_section(&cfg, "platform");
		buf_printf(&text, "%s: platform", strcmp(o->platform, "-") == 0 ? "stdin" : o->platform);
		*src = buf_detach(&text);
		if (o->nsets || o->ntraffic) {
			*desired = ids_only(sec ? sec : cfg.root);
			if ((rc = add_set_flags(o, sec ? sec : cfg.root, *desired, *src)))
				goto out;
		} else {
			*desired = cJSON_Duplicate(sec ? sec : cfg.root, true);
		}
	} else {
		if ((rc = config_load(o->config, &cfg)))
			goto out;
		sec = config_section(&cfg, "platform");
		/* With no file, the section is the flags': name them, not a file that is not there. */
		buf_printf(&text, "%s: platform", cfg.name ? cfg.name : o->web_app || o->container_app ? "the flags" :
		    PR_CONFIG_DEFAULT);
		*src = buf_detach(&text);
		if (o->web_app || o->container_app) {
			*desired = section_from_flags(o, sec);
			if ((rc = add_set_flags(o, *desired, *desired, *src)))
				goto out;
		} else if (sec && (o->nsets || o->ntraffic)) {
			/* Only what the flags set: the section names the resources. */
			*desired = ids_only(sec);
			if ((rc = add_set_flags(o, sec, *desired, *src)))
				goto out;
		} else if (sec)
			*desired = cJSON_Duplicate(sec, true);
		else if (cfg.name) {
			rc = pr_error(PR_INPUT, "no platform settings: %s has no \"platform\" section "
			    "(add one, or give --web-app or --container-app)", cfg.name);
			goto out;
		} else {
			rc = pr_error(PR_INPUT, "no platform settings: no ./pr-tools.json and no --web-app or "
			    "--container-app (give -f FILE, --platform FILE or the flags)");
			goto out;
		}
	}
	/* Flags (and AZURE_SUBSCRIPTION_ID) fill in or override the ids. */
	if (cJSON_IsObject(*desired) && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(*desired, "azure"))) {
		cJSON *az = cJSON_GetObjectItemCaseSensitive(*desired, "azure");

		sub = o->subscription;
		if (!sub && !cJSON_GetObjectItemCaseSensitive(az, "subscription"))
			sub = getenv("AZURE_SUBSCRIPTION_ID");
		if (sub && *sub)
			set_string(az, "subscription", sub);
		if (o->resource_group)
			set_string(az, "resource_group", o->resource_group);
	}
	rc = PR_OK;
out:
	if (rc) {
		doc_wipe(*desired);
		*desired = NULL;
		free(*doc_endpoint);
		*doc_endpoint = NULL;
	}
	doc_wipe(doc);		/* the settings' values, as the file gave them */
	buf_wipe(&text);
	config_free(&cfg);
	return rc;
}

static const char *
verdict_of(int rc)
{
	switch (rc) {
	case PR_OK: return "pass";
	case PR_FAIL: return "fail";
	case PR_PARTIAL: return "partial";
	default: return "error";
	}
}

/* Count resources with status. */
static int
count_status(const cJSON *resources, const char *status)
{
	int n = 0;

	for (const cJSON *r = resources ? resources->child : NULL; r; r = r->next)
		n += strcmp(cJSON_GetObjectItemCaseSensitive(r, "status")->valuestring, status) == 0;
	return n;
}

/* Key results and a Markdown table for GitHub Actions (no-ops elsewhere). */
static void
report_github(const cJSON *doc)
{
	static const char *const head[] = { "Type", "Resource", "Status", "Changes" };
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(doc, "resources");
	struct buf md = {0};
	char n[32];

	gha_output("verdict", cJSON_GetObjectItemCaseSensitive(doc, "verdict")->valuestring);
	snprintf(n, sizeof n, "%d", count_status(res, "changed"));
	gha_output("changed", n);
	snprintf(n, sizeof n, "%d", count_status(res, "failed") + count_status(res, "not_verified"));
	gha_output("failed", n);
	buf_printf(&md, "### pr-apply-scale: %s%s\n\n", cJSON_GetObjectItemCaseSensitive(doc, "verdict")->valuestring,
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "dry_run")) ? " (dry run)" : "");
	gha_table_head(&md, 4, head, "llll");
	for (const cJSON *r = res ? res->child : NULL; r; r = r->next) {
		const cJSON *ch = cJSON_GetObjectItemCaseSensitive(r, "changes");
		struct buf changes = {0};

		for (const cJSON *c = ch ? ch->child : NULL; c; c = c->next) {
			char *f = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(c, "from"));
			char *t = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(c, "to"));

			buf_printf(&changes, "%s%s: %s → %s", c == ch->child ? "" : "; ",
			    cJSON_GetObjectItemCaseSensitive(c, "setting")->valuestring, f, t);
			free(f);
			free(t);
		}
		gha_table_row(&md, 4, (const struct gha_cell[]){
			{ cJSON_GetObjectItemCaseSensitive(r, "type")->valuestring, GHA_PLAIN },
			{ cJSON_GetObjectItemCaseSensitive(r, "name")->valuestring, GHA_CODE },
			{ cJSON_GetObjectItemCaseSensitive(r, "status")->valuestring, GHA_PLAIN },
			{ changes.data, GHA_PLAIN },
		});
		buf_free(&changes);
	}
	gha_summary(md.data);
	buf_free(&md);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct platform_opts po = {0};
	cJSON *desired = NULL, *resources = NULL, *doc = NULL, *restore = NULL;
	char *src = NULL, *doc_endpoint = NULL, *shown = NULL;
	const char *endpoint;
	const char *credential = NULL;
	int rc, erc;

	pr_init(argv[0]);
	if ((rc = parse_args(argc, argv, &o)) == PR_OK) {
		pr_set_quiet(o.quiet);
		rc = pr_log_open(NULL, "pr-apply-scale", LOG_ALIAS, o.log);
	}
	if (rc) {
		free(o.sets);
		free(o.traffic);
		return rc;
	}
	if ((rc = load_desired(&o, &desired, &src, &doc_endpoint)))
		goto out;
	endpoint = o.arm_endpoint ? o.arm_endpoint : doc_endpoint ? doc_endpoint : getenv("AZURE_ARM_ENDPOINT");
	if (!endpoint || !*endpoint)
		endpoint = AZ_ARM_PUBLIC;
	po.arm_endpoint = endpoint;
	po.dry_run = o.dry_run;
	po.source = src;
	po.retry_base_ms = o.retry_base_ms;
	po.credential = &credential;
	po.restore = &restore;
	if ((rc = platform_check(desired, &po)))
		goto out;
	if (!o.dry_run && !o.output && applydoc_has_settings(desired)) {
		rc = pr_usage_error("settings change, and their old values are kept only in an -o FILE (0600), "
		    "never on stdout: give -o FILE or OUTPUT_JSON so that --restore can give them back");
		goto out;
	}
	rc = platform_apply(desired, &po, &resources);
	if (!resources)
		goto out;
	doc = doc_new("apply");
	cJSON_AddStringToObject(doc, "verdict", verdict_of(rc));
	cJSON_AddBoolToObject(doc, "dry_run", o.dry_run);
	shown = util_redact_url(endpoint);
	cJSON_AddStringToObject(doc, "arm_endpoint", shown);
	if (credential)
		cJSON_AddStringToObject(doc, "credential", credential);
	else
		cJSON_AddNullToObject(doc, "credential");
	cJSON_AddItemToObject(doc, "resources", resources);
	cJSON_AddItemToObject(doc, "restore", restore ? restore : platform_restore(desired, resources));
	resources = NULL;
	restore = NULL;
	pr_note("%s: %d changed, %d unchanged, %d planned, %d failed, %d not verified",
	    verdict_of(rc), count_status(cJSON_GetObjectItemCaseSensitive(doc, "resources"), "changed"),
	    count_status(cJSON_GetObjectItemCaseSensitive(doc, "resources"), "unchanged"),
	    count_status(cJSON_GetObjectItemCaseSensitive(doc, "resources"), "planned"),
	    count_status(cJSON_GetObjectItemCaseSensitive(doc, "resources"), "failed"),
	    count_status(cJSON_GetObjectItemCaseSensitive(doc, "resources"), "not_verified"));
	if ((erc = applydoc_emit(doc, o.output)) && rc == PR_OK)
		rc = erc;
	report_github(doc);
out:
	doc_wipe(doc);		/* its restore section holds old values */
	cJSON_Delete(resources);
	doc_wipe(restore);
	doc_wipe(desired);
	free(src);
	free(doc_endpoint);
	free(shown);
	free(o.sets);
	free(o.traffic);
	if ((erc = pr_log_close()) && rc == PR_OK)
		rc = erc;
	return rc;
}
