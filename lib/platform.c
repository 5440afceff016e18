/*
 * platform.c: see platform.h.  The provider-neutral front: it checks the
 * section, walks its resources, and for each one reads, diffs, writes
 * through its provider, reads back and verifies; it turns settings values
 * into hashes for documents and builds restore sections.  The providers
 * know their APIs and nothing of documents.
 */
#include "platform.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "buf.h"
#include "doc.h"
#include "pr.h"
#include "util.h"

#define NUMBER_EPSILON 1e-6
#define SHA256_HEX_LEN 65
/* A setting name longer than this is a typo or garbage, not a name any
 * platform's settings or environment variables use. */
#define SETTING_NAME_MAX 256
#define CTX_MAX 600
#define ECTX_MAX (CTX_MAX + 64)

static const struct platform_provider *const providers[] = {&platform_azure, &platform_render, NULL};
static const char provider_names[] = "azure, render";

static const struct platform_provider *
provider_named(const char *name)
{
	for (int i = 0; providers[i]; i++)
		if (strcmp(providers[i]->name, name) == 0)
			return providers[i];
	return NULL;
}

bool
platform_is_path_name(const char *s)
{
	if (!*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    strchr("-_.()", *s)))
			return false;
	return true;
}

bool
platform_same_value(const cJSON *a, const cJSON *b)
{
	if (!a || !b)
		return false;
	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		return fabs(a->valuedouble - b->valuedouble) < NUMBER_EPSILON;
	return cJSON_Compare(a, b, true);
}

static bool
same_setting(const struct platform_provider *p, const char *key, const cJSON *a, const cJSON *b)
{
	return p->same ? p->same(key, a, b) : platform_same_value(a, b);
}

/* ---- settings values and their hashes ---- */

static void
sha256_hex(const char *s, char hex[SHA256_HEX_LEN])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	EVP_Digest(s, strlen(s), d, &n, EVP_sha256(), NULL);
	for (unsigned i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* {"sha256": hex} of a plain value, null for an absent one, a copy of a
 * value that is a hash already. */
static cJSON *
hashed(const cJSON *v)
{
	char hex[SHA256_HEX_LEN];
	cJSON *o;

	if (!v || cJSON_IsNull(v))
		return cJSON_CreateNull();
	if (!cJSON_IsString(v))
		return cJSON_Duplicate(v, true);
	sha256_hex(v->valuestring, hex);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, PLATFORM_SHA256, hex);
	return o;
}

cJSON *
platform_hashed(const cJSON *value)
{
	return hashed(value);
}

/* The hash a wanted value stands for: its own, or the one a snapshot gave. */
static const char *
wanted_hash(const cJSON *want, char hex[SHA256_HEX_LEN])
{
	const cJSON *h;

	if (cJSON_IsString(want)) {
		sha256_hex(want->valuestring, hex);
		return hex;
	}
	h = cJSON_GetObjectItemCaseSensitive(want, PLATFORM_SHA256);
	return cJSON_IsString(h) ? h->valuestring : NULL;
}

/* True when the current plain value cur (NULL: absent) is what want asks. */
static bool
setting_holds(const cJSON *cur, const cJSON *want)
{
	char a[SHA256_HEX_LEN], b[SHA256_HEX_LEN];
	const char *wh;

	if (!want || cJSON_IsNull(want))
		return !cJSON_IsString(cur);
	if (!cJSON_IsString(cur))
		return false;
	if (cJSON_IsString(want))
		return strcmp(cur->valuestring, want->valuestring) == 0;
	wh = wanted_hash(want, b);
	sha256_hex(cur->valuestring, a);
	return wh && strcmp(a, wh) == 0;
}

/* A settings map for documents: each key of names (every key of plain when
 * names is NULL) with its hash, or null when plain has no such key. */
static cJSON *
hashed_settings(const cJSON *plain, const cJSON *names)
{
	cJSON *out = cJSON_CreateObject();

	for (const cJSON *n = names ? names->child : plain ? plain->child : NULL; n; n = n->next)
		cJSON_AddItemToObject(out, n->string, hashed(cJSON_GetObjectItemCaseSensitive(plain, n->string)));
	return out;
}

/* A copy of obj whose settings map is hashed (names as in hashed_settings). */
static cJSON *
doc_form(const cJSON *obj, const cJSON *names)
{
	cJSON *out = cJSON_CreateObject();

	for (const cJSON *it = obj ? obj->child : NULL; it; it = it->next)
		if (strcmp(it->string, PLATFORM_SETTINGS) != 0)
			cJSON_AddItemToObject(out, it->string, cJSON_Duplicate(it, true));
	if (names || cJSON_GetObjectItemCaseSensitive(obj, PLATFORM_SETTINGS))
		cJSON_AddItemToObject(out, PLATFORM_SETTINGS,
		    hashed_settings(cJSON_GetObjectItemCaseSensitive(obj, PLATFORM_SETTINGS), names));
	return out;
}

/* ---- checking a section ---- */

static bool
is_hex_sha256(const char *s)
{
	return strlen(s) == SHA256_HEX_LEN - 1 && strspn(s, "0123456789abcdef") == SHA256_HEX_LEN - 1;
}

/* The entry's "settings": {"NAME": "value" | null | {"sha256": hex}}. */
static int
check_settings(const cJSON *entry, const char *ctx)
{
	static const char *const hash_keys[] = {PLATFORM_SHA256, NULL};
	const cJSON *set = NULL;
	char sctx[ECTX_MAX + SETTING_NAME_MAX + 16];
	int rc;

	if ((rc = doc_get_object(entry, PLATFORM_SETTINGS, PR_OPTIONAL, ctx, &set)) || !set)
		return rc;
	for (const cJSON *v = set->child; v; v = v->next) {
		const cJSON *h;
		size_t n = strlen(v->string);

		snprintf(sctx, sizeof sctx, "%s.%s.%s", ctx, PLATFORM_SETTINGS, v->string);
		if (n == 0 || n > SETTING_NAME_MAX || strcspn(v->string, "\t\r\n\"/\\") != n)
			return pr_error(PR_INPUT, "%s.%s: \"%s\" is not a setting name (1 to %d characters, "
			    "no quotes, slashes or line breaks)", ctx, PLATFORM_SETTINGS, v->string, SETTING_NAME_MAX);
		if (cJSON_IsString(v) || cJSON_IsNull(v))
			continue;
		if (!cJSON_IsObject(v))
			return pr_error(PR_INPUT, "%s: expected a string (the value), null (delete it) or "
			    "{\"sha256\": hex}, found %s", sctx, doc_json_type(v));
		if ((rc = doc_check_fields(v, hash_keys, sctx)))
			return rc;
		h = cJSON_GetObjectItemCaseSensitive(v, PLATFORM_SHA256);
		if (!cJSON_IsString(h) || !is_hex_sha256(h->valuestring))
			return pr_error(PR_INPUT, "%s.%s: expected 64 lowercase hex digits", sctx, PLATFORM_SHA256);
	}
	return PR_OK;
}

/* The settings maps of the kinds that take them (the provider checked the rest). */
static int
check_kinds_settings(const struct platform_provider *p, const cJSON *sec, const char *ctx)
{
	char ectx[ECTX_MAX];
	int rc;

	for (const struct platform_kind *k = p->kinds; k->list; k++) {
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(sec, k->list);
		int i = 0;

		if (!k->settings)
			continue;
		for (const cJSON *e = cJSON_IsArray(arr) ? arr->child : NULL; e; e = e->next, i++) {
			snprintf(ectx, sizeof ectx, "%s.%s[%d]", ctx, k->list, i);
			if ((rc = check_settings(e, ectx)))
				return rc;
		}
	}
	return PR_OK;
}

int
platform_check(const cJSON *platform, const struct platform_opts *o)
{
	const char *src = o && o->source ? o->source : "platform";
	char ctx[CTX_MAX];
	int rc;

	if (!cJSON_IsObject(platform))
		return pr_error(PR_INPUT, "%s: expected an object, found %s (fix the platform section)",
		    src, doc_json_type(platform));
	if (!platform->child)
		return pr_error(PR_INPUT, "%s: no provider section (expected one of: %s)", src, provider_names);
	for (const cJSON *m = platform->child; m; m = m->next) {
		const struct platform_provider *p = provider_named(m->string);

		snprintf(ctx, sizeof ctx, "%s.%s", src, m->string);
		if (!p)
			return pr_error(PR_INPUT, "%s: unknown provider (expected one of: %s)", ctx, provider_names);
		if (!cJSON_IsObject(m))
			return pr_error(PR_INPUT, "%s: expected an object, found %s", ctx, doc_json_type(m));
		if ((rc = p->check(m, ctx)) || (rc = check_kinds_settings(p, m, ctx)))
			return rc;
	}
	return PR_OK;
}

/* ---- walking a section's resources ---- */

struct walk {
	const cJSON *member;		/* the provider's object in the section */
	const struct platform_provider *p;
	const struct platform_kind *k;
	const cJSON *entry;		/* the resource's entry, NULL before the first */
};

/* Step w to the next resource of platform (checked); false after the last.
 * With only set, stays within that provider's object. */
static bool
walk_next(const cJSON *platform, const cJSON *only, struct walk *w)
{
	if (w->entry && w->entry->next) {
		w->entry = w->entry->next;
		return true;
	}
	for (;;) {
		const cJSON *arr;

		if (w->k && w->k[1].list) {
			w->k++;
		} else {
			w->member = only ? (w->member ? NULL : only) : w->member ? w->member->next : platform->child;
			if (!w->member)
				return false;
			w->p = provider_named(w->member->string);
			w->k = w->p ? w->p->kinds : NULL;
			if (!w->k || !w->k->list) {
				w->k = NULL;
				continue;
			}
		}
		arr = cJSON_GetObjectItemCaseSensitive(w->member, w->k->list);
		if ((w->entry = cJSON_IsArray(arr) ? arr->child : NULL))
			return true;
	}
}

static void
resource_of(const struct walk *w, struct platform_resource *r)
{
	memset(r, 0, sizeof *r);
	r->kind = w->k;
	r->section = w->member;
	r->entry = w->entry;
	r->name = cJSON_GetObjectItemCaseSensitive(w->entry, w->p->key)->valuestring;
	w->p->label(r, r->label, sizeof r->label);
}

static bool
is_directive(const struct platform_kind *k, const char *field)
{
	for (const char *const *d = k->directives; d && *d; d++)
		if (strcmp(*d, field) == 0)
			return true;
	return false;
}

/* The desired settings of an entry: all but its key field, its directives
 * and nulls (settings keep theirs: null deletes).  New object. */
static cJSON *
desired_of(const struct platform_provider *p, const struct platform_resource *r)
{
	cJSON *out = cJSON_CreateObject();

	for (const cJSON *it = r->entry->child; it; it = it->next)
		if (strcmp(it->string, p->key) != 0 && !is_directive(r->kind, it->string) && !cJSON_IsNull(it))
			cJSON_AddItemToObject(out, it->string, cJSON_Duplicate(it, true));
	return out;
}

/* The document entry of a resource before anything is known. */
static cJSON *
entry_doc(const struct platform_provider *p, const struct platform_resource *r, const cJSON *want)
{
	char *id = p->id(r);
	cJSON *out = cJSON_CreateObject();

	cJSON_AddStringToObject(out, "type", r->kind->type);
	cJSON_AddStringToObject(out, "name", r->name);
	cJSON_AddStringToObject(out, "id", id);
	cJSON_AddNullToObject(out, "before");
	cJSON_AddItemToObject(out, "desired", doc_form(want, NULL));
	cJSON_AddNullToObject(out, "after");
	cJSON_AddItemToObject(out, "changes", cJSON_CreateArray());
	cJSON_AddStringToObject(out, "status", "failed");
	cJSON_AddNullToObject(out, "error");
	free(id);
	return out;
}

static void
set_field(cJSON *obj, const char *key, cJSON *item)
{
	cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item);
}

/* Hide in text every value of the "settings" map of section (a resource's
 * wanted or current settings): an error body may echo a value sent. */
static void
hide_values(char *text, size_t textlen, const cJSON *section)
{
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(section, PLATFORM_SETTINGS);

	for (const cJSON *v = cJSON_IsObject(set) ? set->child : NULL; v; v = v->next)
		if (cJSON_IsString(v))
			util_scrub(text, textlen, v->valuestring);
}

/*
 * Report an API failure as one line and keep the same text for the
 * document, the values of want's and cur's settings (either may be NULL)
 * hidden.
 */
static void
report(cJSON *entry, const char *method, const struct platform_resource *r, const struct platform_error *err,
    const cJSON *want, const cJSON *cur)
{
	char line[PLATFORM_MSG_MAX + PLATFORM_LABEL_MAX + 256];

	snprintf(line, sizeof line, "%s %s%s: %s", *err->method ? err->method : method, r->label, err->path,
	    err->text);
	hide_values(line, sizeof line, want);
	hide_values(line, sizeof line, cur);
	pr_error(PR_EXTERNAL, "%s (%s)", line, err->hint ? err->hint : "see the error above");
	set_field(entry, "error", cJSON_CreateString(line));
	set_field(entry, "status", cJSON_CreateString("failed"));
}

/* ---- plan, write, verify ---- */

static void
add_change(cJSON *changes, const char *setting, cJSON *from, cJSON *to)
{
	cJSON *ch = cJSON_CreateObject();

	cJSON_AddStringToObject(ch, "setting", setting);
	cJSON_AddItemToObject(ch, "from", from);
	cJSON_AddItemToObject(ch, "to", to);
	cJSON_AddItemToArray(changes, ch);
}

/*
 * What differs between cur and want: the document's "changes" (settings as
 * hashes), the provider's change (plain values; no key for a value only a
 * hash names, which cannot be written) and the old plain values of the
 * settings it changes, for the restore section.
 */
static void
plan(const struct platform_provider *p, const cJSON *cur, const cJSON *want, cJSON *changes, cJSON *change,
    cJSON *old)
{
	const cJSON *cs = cJSON_GetObjectItemCaseSensitive(cur, PLATFORM_SETTINGS);
	const cJSON *ws = cJSON_GetObjectItemCaseSensitive(want, PLATFORM_SETTINGS);
	cJSON *set_new = NULL, *set_old = NULL;
	struct buf name = {0};

	for (const cJSON *d = want->child; d; d = d->next) {
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(cur, d->string);

		if (strcmp(d->string, PLATFORM_SETTINGS) == 0 || same_setting(p, d->string, b, d))
			continue;
		add_change(changes, d->string, b ? cJSON_Duplicate(b, true) : cJSON_CreateNull(),
		    cJSON_Duplicate(d, true));
		cJSON_AddItemToObject(change, d->string, cJSON_Duplicate(d, true));
	}
	for (const cJSON *v = ws ? ws->child : NULL; v; v = v->next) {
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(cs, v->string);

		if (setting_holds(b, v))
			continue;
		buf_reset(&name);
		buf_printf(&name, "%s.%s", PLATFORM_SETTINGS, v->string);
		add_change(changes, name.data, hashed(b), hashed(v));
		if (cJSON_IsObject(v))
			continue;	/* only its hash is known: nothing to write */
		if (!set_new) {
			set_new = cJSON_AddObjectToObject(change, PLATFORM_SETTINGS);
			set_old = cJSON_AddObjectToObject(old, PLATFORM_SETTINGS);
		}
		cJSON_AddItemToObject(set_new, v->string, cJSON_Duplicate(v, true));
		cJSON_AddItemToObject(set_old, v->string,
		    cJSON_IsString(b) ? cJSON_Duplicate(b, true) : cJSON_CreateNull());
	}
	buf_free(&name);
}

/* Progress notes for changes; settings by name only. */
static void
note_changes(const struct platform_resource *r, const cJSON *changes)
{
	for (const cJSON *ch = changes->child; ch; ch = ch->next) {
		const char *setting = cJSON_GetObjectItemCaseSensitive(ch, "setting")->valuestring;
		const cJSON *to = cJSON_GetObjectItemCaseSensitive(ch, "to");
		char *f, *t;

		if (strncmp(setting, PLATFORM_SETTINGS ".", sizeof PLATFORM_SETTINGS) == 0) {
			pr_note("%s: %s %s", r->label, setting, cJSON_IsNull(to) ? "deleted" : "set (value not shown)");
			continue;
		}
		f = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(ch, "from"));
		t = cJSON_PrintUnformatted(to);
		pr_note("%s: %s %s -> %s", r->label, setting, f, t);
		free(f);
		free(t);
	}
}

/* The first desired setting after does not hold, as a message (values of
 * settings maps never shown); NULL if all hold. */
static char *
unverified(const struct platform_provider *p, const cJSON *after, const cJSON *want)
{
	const cJSON *as = cJSON_GetObjectItemCaseSensitive(after, PLATFORM_SETTINGS);
	const cJSON *ws = cJSON_GetObjectItemCaseSensitive(want, PLATFORM_SETTINGS);
	struct buf b = {0};

	for (const cJSON *d = want->child; d; d = d->next) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(after, d->string);
		char *av, *dv;

		if (strcmp(d->string, PLATFORM_SETTINGS) == 0 || same_setting(p, d->string, a, d))
			continue;
		av = a ? cJSON_PrintUnformatted(a) : xstrdup("absent");
		dv = cJSON_PrintUnformatted(d);
		buf_printf(&b, "%s is %s after apply, wanted %s", d->string, av, dv);
		free(av);
		free(dv);
		return buf_detach(&b);
	}
	for (const cJSON *s = ws ? ws->child : NULL; s; s = s->next) {
		if (setting_holds(cJSON_GetObjectItemCaseSensitive(as, s->string), s))
			continue;
		if (cJSON_IsObject(s))
			buf_printf(&b, "%s.%s differs from the snapshot's, which kept only its hash: put it back "
			    "from the apply document (pr-apply-scale --from-apply FILE --restore)", PLATFORM_SETTINGS,
			    s->string);
		else
			buf_printf(&b, "%s.%s does not hold the wanted value after apply", PLATFORM_SETTINGS,
			    s->string);
		return buf_detach(&b);
	}
	return NULL;
}

/* Read back after a write and verify; the entry says how it went. */
static void
verify(void *client, const struct platform_provider *p, const struct platform_resource *r, const cJSON *want,
    const cJSON *names, cJSON *out)
{
	struct platform_error err = {0};
	cJSON *raw = NULL, *after;
	char *why;

	if (p->read(client, r, &raw, &err)) {
		report(out, "GET (read back)", r, &err, want, NULL);
		set_field(out, "status", cJSON_CreateString("not_verified"));
		return;
	}
	after = p->current(r, raw);
	set_field(out, "after", doc_form(after, names));
	if ((why = unverified(p, after, want))) {
		pr_error(PR_FAIL, "verify %s: %s (the change did not stick; check the resource's activity log)",
		    r->label, why);
		set_field(out, "status", cJSON_CreateString("not_verified"));
		set_field(out, "error", cJSON_CreateString(why));
	} else {
		set_field(out, "status", cJSON_CreateString("changed"));
		pr_note("%s: changed and verified", r->label);
	}
	free(why);
	doc_wipe(after);
	doc_wipe(raw);
}

/*
 * Read, diff, write, read back and verify one resource.  Returns its
 * pr-tools/apply/1 entry (caller frees); status says how it went.  *old
 * gets the old plain values of the settings written (caller frees), *wrote
 * whether anything may have changed.
 */
static cJSON *
apply_one(void *client, const struct platform_provider *p, const struct platform_resource *r, bool dry_run,
    bool *auth_refused, cJSON **old, bool *wrote)
{
	cJSON *want = desired_of(p, r), *out = entry_doc(p, r, want);
	cJSON *names = cJSON_GetObjectItemCaseSensitive(want, PLATFORM_SETTINGS);
	cJSON *raw = NULL, *cur = NULL, *changes, *change = cJSON_CreateObject();
	struct platform_error err = {0};
	int rc;

	*old = cJSON_CreateObject();
	if (p->read(client, r, &raw, &err)) {
		report(out, "GET", r, &err, want, NULL);
		*auth_refused = err.status == 401;
		goto out;
	}
	cur = p->current(r, raw);
	set_field(out, "before", doc_form(cur, names));
	changes = cJSON_CreateArray();
	plan(p, cur, want, changes, change, *old);
	set_field(out, "changes", changes);
	if (dry_run || !changes->child) {
		if (!changes->child)
			set_field(out, "after", doc_form(cur, names));
		set_field(out, "status", cJSON_CreateString(changes->child ? "planned" : "unchanged"));
		goto out;
	}
	note_changes(r, changes);
	if (change->child && (rc = p->write(client, r, raw, change, &err))) {
		*wrote = rc == PR_PARTIAL;
		report(out, "PATCH", r, &err, want, cur);
		goto out;
	}
	*wrote = change->child != NULL;
	verify(client, p, r, want, names, out);
out:
	doc_wipe(change);
	doc_wipe(cur);
	doc_wipe(raw);
	doc_wipe(want);
	return out;
}

/* An entry for a resource that was never tried, and why. */
static cJSON *
not_tried(const struct platform_provider *p, const struct platform_resource *r, const char *why)
{
	cJSON *want = desired_of(p, r), *out = entry_doc(p, r, want);

	set_field(out, "error", cJSON_CreateString(why));
	cJSON_Delete(want);
	return out;
}

static bool
has_status(const cJSON *resources, const char *status)
{
	for (const cJSON *r = resources->child; r; r = r->next)
		if (strcmp(cJSON_GetObjectItemCaseSensitive(r, "status")->valuestring, status) == 0)
			return true;
	return false;
}

/* True when the provider's object names at least one resource. */
static bool
has_resources(const cJSON *member)
{
	struct walk w = {0};

	return walk_next(NULL, member, &w);
}

/* Apply one provider's object through client; entries go to resources,
 * the old values of settings written to olds. */
static void
apply_provider(const struct platform_provider *p, void *client, const cJSON *member, const struct platform_opts *o,
    cJSON *resources, cJSON *olds, bool *wrote)
{
	struct walk w = {0};
	bool authed = !has_resources(member) || p->login(client) == PR_OK, refused = false;
	char why[256];

	while (walk_next(NULL, member, &w)) {
		struct platform_resource r;
		cJSON *old = NULL;
		bool wrote_one = false;

		resource_of(&w, &r);
		if (!authed || refused) {
			if (!authed)
				snprintf(why, sizeof why, "not attempted: no %s token", p->title);
			else
				snprintf(why, sizeof why, "not attempted: %s refused the token", p->api);
			cJSON_AddItemToArray(resources, not_tried(p, &r, why));
		} else {
			cJSON_AddItemToArray(resources, apply_one(client, p, &r, o && o->dry_run, &refused, &old,
			    &wrote_one));
		}
		cJSON_AddItemToArray(olds, old ? old : cJSON_CreateObject());
		*wrote |= wrote_one;
	}
	if (o && o->credential && !*o->credential)
		*o->credential = p->credential(client);
}

static cJSON *restore_build(const cJSON *desired, const cJSON *resources, const cJSON *olds);

int
platform_apply(const cJSON *desired, const struct platform_opts *o, cJSON **resources)
{
	int n = 0, i = 0, rc;
	void **clients;
	cJSON *olds;
	bool wrote = false;

	*resources = NULL;
	if (o && o->restore)
		*o->restore = NULL;
	if (o && o->credential)
		*o->credential = NULL;
	if ((rc = platform_check(desired, o)))
		return rc;
	/* Every client first: a bad endpoint stops the run before any write. */
	n = cJSON_GetArraySize(desired);
	clients = xcalloc((size_t)n, sizeof *clients);
	for (const cJSON *m = desired->child; m && rc == PR_OK; m = m->next, i++)
		rc = provider_named(m->string)->open(&clients[i], m, o);
	if (rc == PR_OK) {
		*resources = cJSON_CreateArray();
		olds = cJSON_CreateArray();
		i = 0;
		for (const cJSON *m = desired->child; m; m = m->next, i++)
			apply_provider(provider_named(m->string), clients[i], m, o, *resources, olds, &wrote);
		if (o && o->restore)
			*o->restore = restore_build(desired, *resources, olds);
		cJSON_Delete(olds);
	}
	i = 0;
	for (const cJSON *m = desired->child; m; m = m->next, i++)
		if (clients[i])
			provider_named(m->string)->close(clients[i]);
	free(clients);
	if (rc)
		return rc;
	if (has_status(*resources, "failed"))
		return wrote || has_status(*resources, "changed") || has_status(*resources, "not_verified") ?
		    PR_PARTIAL : PR_EXTERNAL;
	if (has_status(*resources, "not_verified"))
		return PR_FAIL;
	return PR_OK;
}

/* ---- reading, and going back ---- */

/* The provider's object with its plain fields (ids) and an empty list per
 * kind, as a reader's result or a restore section starts.  New object. */
static cJSON *
section_head(const struct platform_provider *p, const cJSON *member)
{
	cJSON *out = cJSON_CreateObject();

	for (const cJSON *it = member->child; it; it = it->next)
		if (cJSON_IsString(it) || cJSON_IsNumber(it) || cJSON_IsBool(it))
			cJSON_AddItemToObject(out, it->string, cJSON_Duplicate(it, true));
	for (const struct platform_kind *k = p->kinds; k->list; k++)
		cJSON_AddArrayToObject(out, k->list);
	return out;
}

/* Read one resource into the list, settings hashed.  0 or PR_EXTERNAL (reported). */
static int
read_one(void *client, const struct platform_provider *p, const struct platform_resource *r, cJSON *list)
{
	struct platform_error err = {0};
	cJSON *raw = NULL, *plain, *cur, *item;

	if (p->read(client, r, &raw, &err))
		return pr_error(PR_EXTERNAL, "%s %s%s: %s (%s)", *err.method ? err.method : "GET", r->label, err.path,
		    err.text, err.hint ? err.hint : "see the error above");
	plain = p->current(r, raw);
	cur = doc_form(plain, NULL);
	doc_wipe(plain);
	item = cJSON_CreateObject();
	cJSON_AddStringToObject(item, p->key, r->name);
	for (cJSON *n; (n = cur->child);)
		cJSON_AddItemToObject(item, n->string, cJSON_DetachItemViaPointer(cur, n));
	cJSON_AddItemToArray(list, item);
	cJSON_Delete(cur);
	doc_wipe(raw);
	return PR_OK;
}

int
platform_read(const cJSON *platform, const struct platform_opts *o, cJSON **current)
{
	cJSON *out;
	int rc;

	*current = NULL;
	if ((rc = platform_check(platform, o)))
		return rc;
	out = cJSON_CreateObject();
	for (const cJSON *m = platform->child; m && rc == PR_OK; m = m->next) {
		const struct platform_provider *p = provider_named(m->string);
		cJSON *sec = section_head(p, m);
		struct walk w = {0};
		void *client;

		cJSON_AddItemToObject(out, m->string, sec);
		if ((rc = p->open(&client, m, o)))
			break;
		if (has_resources(m))
			rc = p->login(client);
		while (rc == PR_OK && walk_next(NULL, m, &w)) {
			struct platform_resource r;

			resource_of(&w, &r);
			rc = read_one(client, p, &r, cJSON_GetObjectItemCaseSensitive(sec, w.k->list));
		}
		p->close(client);
	}
	if (rc) {
		cJSON_Delete(out);
		return rc;
	}
	*current = out;
	return PR_OK;
}

/* The provider and kind of a document's resource "type". */
static const struct platform_provider *
provider_of_type(const char *type, const struct platform_kind **kind)
{
	for (int i = 0; providers[i]; i++)
		for (const struct platform_kind *k = providers[i]->kinds; k->list; k++)
			if (strcmp(k->type, type) == 0) {
				*kind = k;
				return providers[i];
			}
	return NULL;
}

/* The entry of list that names name, or NULL. */
static const cJSON *
entry_named(const cJSON *list, const char *key, const char *name)
{
	for (const cJSON *e = cJSON_IsArray(list) ? list->child : NULL; e; e = e->next) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, key);

		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			return e;
	}
	return NULL;
}

/* The restore entry of one resource: the before values of the settings its
 * desired named, from old the plain values of the settings written, and
 * the directives of its entry in member (a restart, say, is wanted going
 * back as it was going forth). */
static cJSON *
restore_entry(const struct platform_provider *p, const struct platform_kind *k, const cJSON *member,
    const cJSON *r, const cJSON *old)
{
	const cJSON *before = cJSON_GetObjectItemCaseSensitive(r, "before");
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(r, "desired");
	const cJSON *os = cJSON_GetObjectItemCaseSensitive(old, PLATFORM_SETTINGS);
	const char *name = cJSON_GetObjectItemCaseSensitive(r, "name")->valuestring;
	const cJSON *entry = entry_named(cJSON_GetObjectItemCaseSensitive(member, k->list), p->key, name);
	cJSON *item = cJSON_CreateObject();

	cJSON_AddStringToObject(item, p->key, name);
	for (const cJSON *it = entry ? entry->child : NULL; it; it = it->next)
		if (is_directive(k, it->string))
			cJSON_AddItemToObject(item, it->string, cJSON_Duplicate(it, true));
	for (const cJSON *d = want ? want->child : NULL; d; d = d->next) {
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(before, d->string);

		if (b && strcmp(d->string, PLATFORM_SETTINGS) != 0)
			cJSON_AddItemToObject(item, d->string, cJSON_Duplicate(b, true));
	}
	if (os && os->child)
		cJSON_AddItemToObject(item, PLATFORM_SETTINGS, cJSON_Duplicate(os, true));
	return item;
}

static cJSON *
restore_build(const cJSON *desired, const cJSON *resources, const cJSON *olds)
{
	cJSON *out = cJSON_CreateObject();
	const cJSON *old = olds ? olds->child : NULL;

	for (const cJSON *m = cJSON_IsObject(desired) ? desired->child : NULL; m; m = m->next) {
		const struct platform_provider *p = provider_named(m->string);

		if (p && cJSON_IsObject(m) && !cJSON_GetObjectItemCaseSensitive(out, m->string))
			cJSON_AddItemToObject(out, m->string, section_head(p, m));
	}
	for (const cJSON *r = resources ? resources->child : NULL; r; r = r->next, old = old ? old->next : NULL) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(r, "type");
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(r, "name");
		const struct platform_kind *k = NULL;
		const struct platform_provider *p;
		cJSON *sec;

		if (!cJSON_IsString(type) || !cJSON_IsString(name) ||
		    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(r, "before")) ||
		    !(p = provider_of_type(type->valuestring, &k)) ||
		    !(sec = cJSON_GetObjectItemCaseSensitive(out, p->name)))
			continue;
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(sec, k->list),
		    restore_entry(p, k, cJSON_GetObjectItemCaseSensitive(desired, p->name), r, old));
	}
	return out;
}

cJSON *
platform_restore(const cJSON *desired, const cJSON *resources)
{
	return restore_build(desired, resources, NULL);
}
