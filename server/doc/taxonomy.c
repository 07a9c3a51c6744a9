/*
 * The repository's taxonomy (.pmkb.yml): see include/pmkb/doc/taxonomy.h.
 *
 * The file is read with the same YAML tree as front matter (ynode_load), so
 * the depth cap and the refusal of aliases hold here too. Every problem is
 * reported with the line of the offending value; the first one stops the
 * parse, because a half-read taxonomy would miscount every postmortem.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pmkb/base/text.h"
#include "pmkb/base/buf.h"
#include "pmkb/doc/ynode.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/codemap.h"
#include "pmkb/doc/review.h"
#include "pmkb/doc/severity.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/doc/learning.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"

/* Settings files are small; anything larger is not one. */
#define TAXONOMY_MAX_SIZE (1u << 20)
/* Ids and aliases longer than this are not names anybody types. */
#define NAME_MAX_LEN 64
#define ZONEINFO "/usr/share/zoneinfo"

static const char *const default_severities[] = { "SEV0", "SEV1", "SEV2",
						  "SEV3", "SEV4" };
#define N_DEFAULT_SEVERITIES \
	(sizeof(default_severities) / sizeof(default_severities[0]))

struct taxonomy *taxonomy_default(void)
{
	struct taxonomy *tax = xcalloc(1, sizeof(*tax));
	size_t i;

	tax->severities = xcalloc(N_DEFAULT_SEVERITIES, sizeof(char *));
	for (i = 0; i < N_DEFAULT_SEVERITIES; i++)
		tax->severities[i] = xstrdup(default_severities[i]);
	tax->n_severities = N_DEFAULT_SEVERITIES;
	tax->fiscal_start_month = 1;
	tax->time_zone = xstrdup("UTC");
	tax->learning = learning_new();
	return tax;
}

static void cause_release(struct pm_cause *c)
{
	size_t i;

	free(c->id);
	free(c->label);
	free(c->label_ja);
	free(c->group);
	free(c->color);
	for (i = 0; i < c->n_aliases; i++)
		free(c->aliases[i]);
	free(c->aliases);
}

static void free_severities(struct taxonomy *tax)
{
	size_t i;

	for (i = 0; i < tax->n_severities; i++)
		free(tax->severities[i]);
	free(tax->severities);
	tax->severities = NULL;
	tax->n_severities = 0;
}

void taxonomy_free(struct taxonomy *tax)
{
	size_t i;

	if (!tax)
		return;
	for (i = 0; i < tax->n_causes; i++)
		cause_release(&tax->causes[i]);
	free(tax->causes);
	free_severities(tax);
	free(tax->time_zone);
	for (i = 0; i < tax->n_meta_keys; i++)
		free(tax->meta_keys[i].key);
	free(tax->meta_keys);
	review_rules_free(tax->review);
	codemap_free(tax->codemap);
	learning_free(tax->learning);
	for (i = 0; i < tax->n_synonyms; i++)
		pm_list_release(&tax->synonyms[i]);
	free(tax->synonyms);
	free(tax);
}

/* ASCII case-insensitive, exact for every other byte (UTF-8 included). */
static int name_eq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen; i++) {
		unsigned char x = (unsigned char)a[i];
		unsigned char y = (unsigned char)b[i];

		if (!y)
			return 0;
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return b[alen] == '\0';
}

static const char *trim(const char *s, size_t *len)
{
	*len = strlen(s);
	return text_trim(s, len);
}

/* The cause whose id or alias is name, or NULL. */
static const struct pm_cause *match_cause(const struct taxonomy *tax,
					  const char *s, size_t len)
{
	size_t i, j;

	for (i = 0; i < tax->n_causes; i++) {
		const struct pm_cause *c = &tax->causes[i];

		if (name_eq(s, len, c->id))
			return c;
		for (j = 0; j < c->n_aliases; j++)
			if (name_eq(s, len, c->aliases[j]))
				return c;
	}
	return NULL;
}

const char *taxonomy_cause(const struct taxonomy *tax, const char *raw,
			   char *out, size_t outsz)
{
	const struct pm_cause *c;
	size_t len, i;
	const char *s = trim(raw, &len);

	if (!len)
		return NULL;
	if (!tax || !tax->closed) {
		if (!outsz)
			return NULL;
		len = utf8_truncate(s, len, outsz - 1);
		for (i = 0; i < len; i++)
			out[i] = (s[i] >= 'A' && s[i] <= 'Z')
					 ? (char)(s[i] - 'A' + 'a')
					 : s[i];
		out[len] = '\0';
		return out;
	}
	if ((c = match_cause(tax, s, len)))
		return c->id;
	/* Files without front matter are "unknown"; writers may say so too. */
	if (name_eq(s, len, "unknown"))
		return "unknown";
	return NULL;
}

const struct pm_cause *taxonomy_find(const struct taxonomy *tax,
				     const char *id)
{
	size_t i;

	for (i = 0; tax && i < tax->n_causes; i++)
		if (!strcmp(tax->causes[i].id, id))
			return &tax->causes[i];
	return NULL;
}

/* tax's severities as a list (the defaults for tax NULL). */
static struct severity_list severity_list_of(const struct taxonomy *tax)
{
	struct severity_list l = { default_severities, N_DEFAULT_SEVERITIES };

	if (tax) {
		l.v = (const char *const *)tax->severities;
		l.n = tax->n_severities;
	}
	return l;
}

int taxonomy_severity(const struct taxonomy *tax, const char *raw,
		      const char **canon)
{
	struct severity_list l = severity_list_of(tax);

	return severity_rank(&l, raw, canon);
}

void taxonomy_severity_names(const struct taxonomy *tax, char *out,
			     size_t size)
{
	size_t used = 0;

	if (!tax) {
		snprintf(out, size, "SEV0 to SEV4");
		return;
	}
	out[0] = '\0';
	for (size_t i = 0; i < tax->n_severities && used + 40 < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s",
					 i ? ", " : "", tax->severities[i]);
}

int taxonomy_severity_lead(const struct taxonomy *tax, const char *raw,
			   const char **canon, size_t *lead_len)
{
	struct severity_list l = severity_list_of(tax);

	return severity_rank_lead(&l, raw, canon, lead_len);
}

/* Parsing .pmkb.yml. */

struct tparse {
	struct taxonomy *tax;
	const char *source;
	struct pm_error *err;
};

static enum pm_status fail(struct tparse *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum pm_status fail(struct tparse *p, int line, const char *fmt, ...)
{
	va_list ap;

	if (p->err) {
		snprintf(p->err->source, sizeof(p->err->source), "%s",
			 p->source);
		p->err->line = line;
		p->err->column = 0;
		va_start(ap, fmt);
		vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
		va_end(ap);
	}
	return PM_INVALID;
}

/* The trimmed text of a scalar, or an error for anything else. */
static enum pm_status text(struct tparse *p, const char *what,
			   const struct ynode *v, char **out)
{
	const char *s;
	size_t len;

	*out = NULL;
	if (v->type != YNODE_SCALAR)
		return fail(p, v->line, "%s: expected text, got %s", what,
			    ynode_type_name(v));
	s = trim(v->value, &len);
	if (!len || v->is_null)
		return fail(p, v->line, "%s: is empty", what);
	*out = xstrndup(s, len);
	return PM_OK;
}

static enum pm_status name_text(struct tparse *p, const char *what,
				const struct ynode *v, char **out)
{
	enum pm_status st = text(p, what, v, out);

	if (st == PM_OK && strlen(*out) > NAME_MAX_LEN) {
		free(*out);
		*out = NULL;
		return fail(p, v->line, "%s: longer than %d bytes", what,
			    NAME_MAX_LEN);
	}
	return st;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static enum pm_status read_color(struct tparse *p, const char *what,
				 const struct ynode *v, char **out)
{
	enum pm_status st = text(p, what, v, out);
	size_t i;

	if (st)
		return st;
	for (i = 1; i < 7 && (*out)[0] == '#' && is_hex((*out)[i]); i++)
		;
	if (i != 7 || (*out)[7]) {
		st = fail(p, v->line,
			  "%s: expected a colour like \"#c0392b\" (quoted: "
			  "# starts a YAML comment), got '%.40s'",
			  what, *out);
		free(*out);
		*out = NULL;
		return st;
	}
	for (i = 1; i < 7; i++)
		if ((*out)[i] >= 'A' && (*out)[i] <= 'F')
			(*out)[i] = (char)((*out)[i] - 'A' + 'a');
	return PM_OK;
}

static enum pm_status read_month(struct tparse *p, const struct ynode *v)
{
	char *s = NULL;
	enum pm_status st = text(p, "fiscal_year_start_month", v, &s);
	char *end;
	long m;

	if (st)
		goto out;
	m = strtol(s, &end, 10);
	if (*end || m < 1 || m > 12) {
		st = fail(p, v->line,
			  "fiscal_year_start_month: expected a month number "
			  "from 1 to 12, got '%.40s'",
			  s);
		goto out;
	}
	p->tax->fiscal_start_month = (int)m;
out:
	free(s);
	return st;
}

/*
 * Whether the zone exists in the system's tzdata. The name is checked
 * first so that it can only name a file under ZONEINFO.
 */
static int zone_exists(const char *tz)
{
	char path[512];
	struct stat st;
	const char *c;

	if (!strcmp(tz, "UTC"))
		return 1;
	if (tz[0] == '/' || strstr(tz, "..") || strlen(tz) > 200)
		return 0;
	for (c = tz; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("/_+-", *c)))
			return 0;
	snprintf(path, sizeof(path), ZONEINFO "/%s", tz);
	return !stat(path, &st) && S_ISREG(st.st_mode);
}

static enum pm_status read_zone(struct tparse *p, const struct ynode *v)
{
	char *s = NULL;
	enum pm_status st = text(p, "time_zone", v, &s);

	if (st)
		goto out;
	if (!zone_exists(s)) {
		st = fail(p, v->line,
			  "time_zone: unknown time zone '%.60s' (expected an "
			  "IANA name like Asia/Tokyo or UTC, found in "
			  ZONEINFO "; is tzdata installed?)",
			  s);
		goto out;
	}
	free(p->tax->time_zone);
	p->tax->time_zone = s;
	s = NULL;
out:
	free(s);
	return st;
}

/* metadata_keys: a mapping of body keys to field names (or "period"). */
static enum pm_status read_meta_keys(struct tparse *p, const struct ynode *v)
{
	size_t alloc = 0;

	if (v->type != YNODE_MAPPING)
		return fail(p, v->line, "metadata_keys: expected keys and "
			    "field names, like '障害日: started_at'");
	for (size_t i = 0; i + 1 < v->n; i += 2) {
		const struct ynode *k = v->kids[i], *f = v->kids[i + 1];
		struct pm_meta_key *m;
		int field, period = 0;

		if (k->type != YNODE_SCALAR || f->type != YNODE_SCALAR ||
		    !k->len || f->is_null)
			return fail(p, k->line, "metadata_keys: expected "
				    "'key: field name'");
		if (!strcmp(f->value, "period")) {
			field = PM_F_STARTED;
			period = 1;
		} else if ((field = pm_field_lookup(f->value)) < 0 ||
			   field == PM_F_ACTIONS || field == PM_F_SUMMARY ||
			   field == PM_F_TITLE || field == PM_F_STATUS) {
			return fail(p, f->line, "metadata_keys.%.60s: unknown "
				    "field '%.60s' (expected started_at, "
				    "detected_at, mitigated_at, resolved_at, "
				    "period, severity, cause, trigger, "
				    "detection, services, teams, authors or "
				    "tags)", k->value, f->value);
		}
		XGROW(p->tax->meta_keys, alloc, p->tax->n_meta_keys + 1);
		m = &p->tax->meta_keys[p->tax->n_meta_keys++];
		m->key = xstrdup(k->value);
		m->field = field;
		m->period = period;
	}
	return PM_OK;
}

static enum pm_status read_severities(struct tparse *p,
				      const struct ynode *v)
{
	struct taxonomy *tax = p->tax;
	char what[64], a[64], b[64];
	size_t i, j;
	enum pm_status st;

	if (v->type != YNODE_SEQUENCE || !v->n)
		return fail(p, v->line,
			    "severities: expected a list like [SEV0, SEV1, "
			    "SEV2], got %s",
			    v->type == YNODE_SEQUENCE ? "an empty list"
						   : ynode_type_name(v));
	if (v->n > 32)
		return fail(p, v->line, "severities: more than 32");
	free_severities(tax);
	tax->severities = xcalloc(v->n, sizeof(char *));
	for (i = 0; i < v->n; i++) {
		snprintf(what, sizeof(what), "severities[%zu]", i);
		st = name_text(p, what, v->kids[i], &tax->severities[i]);
		if (st)
			return st;
		tax->n_severities++;
		severity_compact(tax->severities[i], a, sizeof(a));
		for (j = 0; j < i; j++) {
			severity_compact(tax->severities[j], b, sizeof(b));
			if (!strcmp(a, b))
				return fail(p, v->kids[i]->line,
					    "%s: '%s' is listed twice", what,
					    tax->severities[i]);
		}
	}
	tax->closed_severities = 1;
	return PM_OK;
}

static enum pm_status read_aliases(struct tparse *p, const char *what,
				   const struct ynode *v,
				   struct pm_cause *c)
{
	char name[96];
	size_t i;
	enum pm_status st;

	if (v->type == YNODE_SCALAR && v->is_null)
		return PM_OK;
	if (v->type != YNODE_SEQUENCE)
		return fail(p, v->line, "%s.aliases: expected a list, got %s",
			    what, ynode_type_name(v));
	if (v->n > 256)
		return fail(p, v->line, "%s.aliases: more than 256", what);
	c->aliases = xcalloc(v->n, sizeof(char *));
	for (i = 0; i < v->n; i++) {
		snprintf(name, sizeof(name), "%s.aliases[%zu]", what, i);
		st = name_text(p, name, v->kids[i], &c->aliases[i]);
		if (st)
			return st;
		c->n_aliases++;
	}
	return PM_OK;
}

static enum pm_status read_cause(struct tparse *p, size_t idx,
				 const struct ynode *m, struct pm_cause *c)
{
	char what[32], name[64];
	size_t i;
	enum pm_status st = PM_OK;

	snprintf(what, sizeof(what), "causes[%zu]", idx);
	if (m->type != YNODE_MAPPING)
		return fail(p, m->line,
			    "%s: expected a mapping with id, label, label_ja, "
			    "group, color and aliases, got %s",
			    what, ynode_type_name(m));
	for (i = 0; i + 1 < m->n && !st; i += 2) {
		const struct ynode *k = m->kids[i], *v = m->kids[i + 1];
		const char *key = k->type == YNODE_SCALAR ? k->value : "";
		char **dst = NULL;

		snprintf(name, sizeof(name), "%s.%s", what, key);
		if (!strcmp(key, "id"))
			dst = &c->id;
		else if (!strcmp(key, "label"))
			dst = &c->label;
		else if (!strcmp(key, "label_ja"))
			dst = &c->label_ja;
		else if (!strcmp(key, "group"))
			dst = &c->group;
		if (dst && *dst)
			return fail(p, k->line, "%s: duplicate key '%s'", what,
				    key);
		if (!strcmp(key, "id"))
			st = name_text(p, name, v, dst);
		else if (dst)
			st = text(p, name, v, dst);
		else if (!strcmp(key, "color") || !strcmp(key, "colour"))
			st = c->color ? fail(p, k->line,
					     "%s: duplicate key '%s'", what,
					     key)
				      : read_color(p, name, v, &c->color);
		else if (!strcmp(key, "aliases"))
			st = c->aliases ? fail(p, k->line,
					       "%s: duplicate key '%s'", what,
					       key)
					: read_aliases(p, what, v, c);
		else
			return fail(p, k->line,
				    "%s: unknown key '%.40s' (expected id, "
				    "label, label_ja, group, color or "
				    "aliases)",
				    what, key);
	}
	if (st)
		return st;
	if (!c->id)
		return fail(p, m->line, "%s: missing id", what);
	if (!c->label)
		c->label = xstrdup(c->id);
	if (!c->label_ja)
		c->label_ja = xstrdup(c->label);
	return PM_OK;
}

/*
 * Every id and alias must name exactly one cause, or a front matter value
 * could count under two causes depending on the order of the file.
 */
static enum pm_status check_names(struct tparse *p,
				  const struct ynode *causes)
{
	const struct taxonomy *tax = p->tax;
	size_t i, j, k;

	for (i = 0; i < tax->n_causes; i++) {
		const struct pm_cause *c = &tax->causes[i];
		const struct ynode *aliases = ynode_get(causes->kids[i],
						       "aliases");
		int line = ynode_get(causes->kids[i], "id")->line;

		for (j = 0; j < i; j++) {
			const struct pm_cause *o = &tax->causes[j];

			if (name_eq(c->id, strlen(c->id), o->id))
				return fail(p, line,
					    "causes[%zu]: duplicate id '%s' "
					    "(also causes[%zu])",
					    i, c->id, j);
		}
		for (k = 0; k < c->n_aliases; k++) {
			const char *a = c->aliases[k];

			/*
			 * Point at the alias itself, not at its cause. A key
			 * given twice ("aliases:" empty, then a list) leaves
			 * ynode_get() with the first, which has no items: keep
			 * the cause's line then (found by fuzz_taxonomy).
			 */
			if (aliases && aliases->type == YNODE_SEQUENCE &&
			    k < aliases->n)
				line = aliases->kids[k]->line;

			for (j = 0; j < tax->n_causes; j++) {
				const struct pm_cause *o = &tax->causes[j];
				size_t m;

				if (j == i)
					continue;
				if (name_eq(a, strlen(a), o->id))
					return fail(p, line,
						    "causes[%zu]: alias '%s' "
						    "is the id of causes[%zu]",
						    i, a, j);
				for (m = 0; j < i && m < o->n_aliases; m++)
					if (name_eq(a, strlen(a),
						    o->aliases[m]))
						return fail(
							p, line,
							"causes[%zu]: alias "
							"'%s' is also an alias "
							"of '%s'",
							i, a, o->id);
			}
		}
	}
	return PM_OK;
}

static enum pm_status read_causes(struct tparse *p, const struct ynode *v)
{
	struct taxonomy *tax = p->tax;
	size_t i;
	enum pm_status st;

	if (v->type == YNODE_SCALAR && v->is_null)
		return PM_OK;
	if (v->type != YNODE_SEQUENCE)
		return fail(p, v->line, "causes: expected a list, got %s",
			    ynode_type_name(v));
	if (v->n > 1000)
		return fail(p, v->line, "causes: more than 1000");
	tax->causes = xcalloc(v->n ? v->n : 1, sizeof(*tax->causes));
	for (i = 0; i < v->n; i++) {
		/* Counted first, so that taxonomy_free() releases it. */
		tax->n_causes++;
		st = read_cause(p, i, v->kids[i], &tax->causes[i]);
		if (st)
			return st;
	}
	tax->closed = tax->n_causes > 0;
	return check_names(p, v);
}

/*
 * synonyms: a list of groups, each a list of at least two terms (words or
 * phrases) that mean the same. Checked here for shape and size; what the
 * index makes of each term is the glossary's business (search/glossary.c).
 */
static enum pm_status read_synonyms(struct tparse *p, const struct ynode *v)
{
	struct taxonomy *tax = p->tax;
	char what[64];
	enum pm_status st;

	if (tax->synonyms)
		return fail(p, v->line, "duplicate key 'synonyms'");
	if (v->type == YNODE_SCALAR && v->is_null)
		return PM_OK;
	if (v->type != YNODE_SEQUENCE)
		return fail(p, v->line,
			    "synonyms: expected a list of groups like "
			    "[[決済, billing, payment]], got %s",
			    ynode_type_name(v));
	if (v->n > PM_SYNONYM_GROUPS_MAX)
		return fail(p, v->line, "synonyms: more than %d groups",
			    PM_SYNONYM_GROUPS_MAX);
	tax->synonyms = xcalloc(v->n ? v->n : 1, sizeof(*tax->synonyms));
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *g = v->kids[i];
		struct pm_list *l = &tax->synonyms[tax->n_synonyms++];

		if (g->type != YNODE_SEQUENCE || g->n < 2)
			return fail(p, g->line,
				    "synonyms[%zu]: expected a list of at "
				    "least two terms, like [決済, payment]",
				    i);
		if (g->n > PM_SYNONYM_TERMS_MAX)
			return fail(p, g->line,
				    "synonyms[%zu]: more than %d terms", i,
				    PM_SYNONYM_TERMS_MAX);
		for (size_t j = 0; j < g->n; j++) {
			char *t = NULL;

			snprintf(what, sizeof(what), "synonyms[%zu][%zu]", i,
				 j);
			if ((st = name_text(p, what, g->kids[j], &t)) !=
			    PM_OK)
				return st;
			pm_list_add_unique(l, t);
			free(t);
		}
	}
	return PM_OK;
}

enum pm_status taxonomy_parse(struct taxonomy **out, const char *yaml,
			      size_t len, const char *source,
			      struct pm_error *err)
{
	struct tparse p = { NULL, source ? source : ".pmkb.yml", err };
	struct ynode *root = NULL;
	enum pm_status st = PM_INVALID;
	struct pm_error yerr;
	int line;
	size_t i, bad;

	*out = NULL;
	pm_error_clear(err);
	if (len > TAXONOMY_MAX_SIZE) {
		st = fail(&p, 0, "the file is %zu bytes; the limit is %u", len,
			  TAXONOMY_MAX_SIZE);
		goto out;
	}
	bad = utf8_first_invalid(yaml, len);
	if (bad < len) {
		for (line = 1, i = 0; i < bad; i++)
			line += yaml[i] == '\n';
		st = fail(&p, line, "not valid UTF-8 (or contains a NUL byte)");
		goto out;
	}
	if (ynode_load(&root, yaml, len, 1, &yerr) != PM_OK) {
		st = fail(&p, yerr.line, "%s", yerr.message);
		goto out;
	}
	p.tax = taxonomy_default();
	st = PM_OK;
	/* An empty file is an open taxonomy with the defaults. */
	if (!root)
		goto out;
	if (root->type != YNODE_MAPPING) {
		st = fail(&p, root->line,
			  "expected settings as keys and values, got %s",
			  ynode_type_name(root));
		goto out;
	}
	for (i = 0; i + 1 < root->n && !st; i += 2) {
		const struct ynode *k = root->kids[i], *v = root->kids[i + 1];
		const char *key = k->type == YNODE_SCALAR ? k->value : "";

		if (!strcmp(key, "fiscal_year_start_month"))
			st = read_month(&p, v);
		else if (!strcmp(key, "time_zone"))
			st = read_zone(&p, v);
		else if (!strcmp(key, "severities"))
			st = read_severities(&p, v);
		else if (!strcmp(key, "metadata_keys"))
			st = read_meta_keys(&p, v);
		else if (!strcmp(key, "services"))
			st = p.tax->codemap ? fail(&p, k->line,
						   "duplicate key 'services'")
					    : codemap_parse(&p.tax->codemap, v,
							    p.source, p.err);
		else if (!strcmp(key, "review"))
			st = p.tax->review ? fail(&p, k->line,
						  "duplicate key 'review'")
					   : review_rules_parse(&p.tax->review,
								v, p.source,
								p.err);
		else if (!strcmp(key, "causes"))
			st = p.tax->causes ? fail(&p, k->line,
						  "duplicate key 'causes'")
					   : read_causes(&p, v);
		else if (!strcmp(key, "synonyms"))
			st = read_synonyms(&p, v);
		else if (learning_is_key(key))
			st = learning_read(p.tax->learning, key, v, p.source,
					   err);
	}
out:
	ynode_free(root);
	if (st) {
		taxonomy_free(p.tax);
		return st;
	}
	*out = p.tax;
	return PM_OK;
}

enum pm_status taxonomy_load(struct taxonomy **out, const char *path,
			     struct pm_error *err)
{
	struct buf data = BUF_INIT;
	enum pm_status st;
	char chunk[8192];
	size_t n;
	FILE *f;

	*out = NULL;
	pm_error_clear(err);
	f = fopen(path, "rb");
	if (!f) {
		st = pm_error_set(err, errno == ENOENT ? PM_NOT_FOUND : PM_IO,
				  path, 0, "cannot open: %s", strerror(errno));
		goto out;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_add(&data, chunk, n);
		if (data.len > TAXONOMY_MAX_SIZE)
			break;
	}
	if (ferror(f)) {
		st = pm_error_set(err, PM_IO, path, 0, "cannot read: %s",
				  strerror(errno));
		goto out;
	}
	st = taxonomy_parse(out, data.ptr, data.len, path, err);
out:
	if (f)
		fclose(f);
	buf_release(&data);
	return st;
}

const char *taxonomy_severity_stored(const struct taxonomy *tax,
				     const char *raw, char *out,
				     size_t outsz)
{
	struct severity_list l = severity_list_of(tax);

	return severity_stored(&l, tax && tax->closed_severities, raw, out,
			       outsz);
}
