/*
 * YAML front matter: see include/pmkb/doc/frontmatter.h for the contract.
 *
 * The YAML is first built into a small tree (doc/ynode.h), because a
 * field's checks want its whole value and its line. frontmatter_parse()
 * then looks each top-level key up in one table of
 * names and aliases and hands the value to the field's reader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pmkb/base/text.h"
#include "pmkb/base/buf.h"
#include "pmkb/doc/frontmatter.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/doc/ynode.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"

/* Is the line [p, eol) exactly marker, allowing trailing blanks and CR? */
static int is_fence(const char *p, const char *eol, const char *marker)
{
	size_t n = strlen(marker);

	if ((size_t)(eol - p) < n || memcmp(p, marker, n))
		return 0;
	for (p += n; p < eol; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return 0;
	return 1;
}


int frontmatter_split(const char *data, size_t len, const char **yaml,
		      size_t *yaml_len, const char **body, size_t *body_len,
		      int *body_line)
{
	const char *end = data + len, *p = data, *eol, *start;
	int line;

	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	*yaml = NULL;
	*yaml_len = 0;
	*body = p;
	*body_len = (size_t)(end - p);
	*body_line = 1;
	eol = text_line_end(p, end);
	if (!is_fence(p, eol, "---"))
		return 0;
	start = eol < end ? eol + 1 : end;
	line = 2;
	for (p = start; p < end; p = eol + 1, line++) {
		eol = text_line_end(p, end);
		if (is_fence(p, eol, "---") || is_fence(p, eol, "...")) {
			*yaml = start;
			*yaml_len = (size_t)(p - start);
			*body = eol < end ? eol + 1 : end;
			*body_len = (size_t)(end - *body);
			*body_line = line + 1;
			return 0;
		}
		if (eol == end)
			break;
	}
	return -1;
}

/* What the readers need besides the node. */
struct ctx {
	struct postmortem *pm;
	const struct taxonomy *tax;
	unsigned found;
};

/* The scalar's text without surrounding white space, in *len. */
static const char *trimmed(const struct ynode *n, size_t *len)
{
	*len = n->len;
	return text_trim(n->value, len);
}

/* A value quoted in a message, shortened so the message stays readable. */
#define QUOTE_MAX 60
#define QUOTED(s, l) (int)utf8_truncate((s), (l), QUOTE_MAX), (s)

/*
 * Copies a scalar's trimmed text, or returns NULL when the value is null,
 * empty or not a scalar (an error). Text over max bytes is truncated with
 * a warning; max 0 means no limit (the front matter as a whole is capped).
 */
static char *get_text(struct ctx *c, const char *key, const struct ynode *v,
		      size_t max)
{
	const char *s;
	size_t len;

	if (v->type != YNODE_SCALAR) {
		postmortem_diag(c->pm, PM_DIAG_ERROR, v->line,
				"%s: expected text, got %s", key,
				ynode_type_name(v));
		return NULL;
	}
	if (v->is_null)
		return NULL;
	s = trimmed(v, &len);
	if (!len)
		return NULL;
	if (max && len > max) {
		postmortem_diag(c->pm, PM_DIAG_WARNING, v->line,
				"%s is longer than %zu bytes; truncated", key,
				max);
		len = utf8_truncate(s, len, max);
	}
	return xstrndup(s, len);
}

static void ascii_upper(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

/* One list item: trimmed text inside the tree, and where it is. */
struct item {
	const char *s;
	size_t len;
	int line;
};

/*
 * The non-empty scalar items of a list, or the value itself when it is a
 * single scalar, into items[FM_MAX_ITEMS]. Items that are not text are
 * errors, and so is a list longer than FM_MAX_ITEMS (the rest are left).
 */
static size_t get_items(struct ctx *c, const char *key,
			const struct ynode *v, struct item *items)
{
	const struct ynode *const *kids = &v;
	size_t n = 1, i, k = 0;

	if (v->type == YNODE_MAPPING) {
		postmortem_diag(c->pm, PM_DIAG_ERROR, v->line,
				"%s: expected a list or text, got a mapping",
				key);
		return 0;
	}
	if (v->type == YNODE_SEQUENCE) {
		kids = (const struct ynode *const *)v->kids;
		n = v->n;
	}
	for (i = 0; i < n; i++) {
		const struct ynode *it = kids[i];

		if (it->type != YNODE_SCALAR) {
			postmortem_diag(c->pm, PM_DIAG_ERROR, it->line,
					"%s[%zu]: expected text, got %s", key,
					i, ynode_type_name(it));
			continue;
		}
		if (it->is_null)
			continue;
		if (k == FM_MAX_ITEMS) {
			postmortem_diag(c->pm, PM_DIAG_ERROR, it->line,
					"%s: more than %d items; the rest are "
					"ignored",
					key, FM_MAX_ITEMS);
			break;
		}
		items[k].s = trimmed(it, &items[k].len);
		items[k].line = it->line;
		if (!items[k].len)
			continue;
		if (items[k].len > FM_MAX_SCALAR) {
			postmortem_diag(c->pm, PM_DIAG_WARNING, it->line,
					"%s[%zu] is longer than %d bytes; "
					"truncated",
					key, i, FM_MAX_SCALAR);
			items[k].len = utf8_truncate(items[k].s, items[k].len,
						     FM_MAX_SCALAR);
		}
		k++;
	}
	return k;
}

static void read_list(struct ctx *c, const char *key, const struct ynode *v,
		      struct pm_list *out)
{
	struct item items[FM_MAX_ITEMS];
	size_t n = get_items(c, key, v, items), i;
	char *s;

	for (i = 0; i < n; i++) {
		s = xstrndup(items[i].s, items[i].len);
		pm_list_add_unique(out, s);
		free(s);
	}
}

static void read_date(struct ctx *c, const char *key, const struct ynode *v,
		      enum pm_field f)
{
	struct postmortem *pm = c->pm;
	struct pm_time *t = pm_field_time(pm, f);
	char *s = get_text(c, key, v, 0);

	/* An empty value is not given at all: icco writes start_time: "". */
	if (!s)
		return;
	if (f == PM_F_STARTED)
		c->found |= FM_FOUND_STARTED;
	if (pm_time_parse(t, s)) {
		/* The key as the writer wrote it, alias or not. */
		postmortem_diag(pm, PM_DIAG_ERROR, v->line,
				"%s: expected a date like 2018-02-14 or "
				"2018-02-14T09:28:00+09:00, got '%.*s'",
				key, QUOTED(s, strlen(s)));
	} else {
		t->line = v->line;
	}
	free(s);
}

/* "infrastructure, application, …": the ids, as many as fit in out. */
static void known_causes(const struct taxonomy *tax, char *out, size_t outsz)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < tax->n_causes; i++) {
		const char *id = tax->causes[i].id;
		size_t need = strlen(id) + (i ? 2 : 0);

		if (used + need + 8 >= outsz) {
			snprintf(out + used, outsz - used, ", …");
			return;
		}
		used += (size_t)snprintf(out + used, outsz - used, "%s%s",
					 i ? ", " : "", id);
	}
}

static void read_causes(struct ctx *c, const char *key,
			const struct ynode *v)
{
	struct item items[FM_MAX_ITEMS];
	size_t n, i;
	char canon[256], known[120];
	int unknown = 0;
	char *raw;
	const char *id;

	c->found |= FM_FOUND_CAUSE;
	if (v->type == YNODE_SCALAR && v->is_null)
		n = 0;
	else
		n = get_items(c, key, v, items);
	for (i = 0; i < n; i++) {
		raw = xstrndup(items[i].s, items[i].len);
		id = taxonomy_cause(c->tax, raw, canon, sizeof(canon));
		if (id) {
			pm_list_add_unique(&c->pm->causes, id);
		} else {
			known_causes(c->tax, known, sizeof(known));
			postmortem_diag(c->pm, PM_DIAG_ERROR, items[i].line,
					"unknown cause '%.*s' (known: %s)",
					QUOTED(raw, strlen(raw)), known);
			unknown = 1;
		}
		free(raw);
	}
	if (!c->pm->causes.n && !unknown)
		postmortem_diag(c->pm, PM_DIAG_WARNING, v->line,
				"%s is empty; the incident is counted as "
				"'unknown'",
				key);
}

static void read_severity(struct ctx *c, const char *key,
			  const struct ynode *v)
{
	const struct taxonomy *tax = c->tax;
	const char *canon;
	char *s = get_text(c, key, v, FM_MAX_SCALAR);
	char known[120];

	if (!s)
		return;
	if (taxonomy_severity_lead(tax, s, &canon, NULL) >= 0) {
		c->pm->severity = xstrdup(canon);
		goto out;
	}
	taxonomy_severity_names(tax, known, sizeof(known));
	if (tax && tax->closed && tax->closed_severities) {
		postmortem_diag(c->pm, PM_DIAG_ERROR, v->line,
				"unknown severity '%.*s' (known: %s)",
				QUOTED(s, strlen(s)), known);
		goto out;
	}
	postmortem_diag(c->pm, PM_DIAG_WARNING, v->line,
			"unknown severity '%.*s' (expected %s); kept as "
			"written",
			QUOTED(s, strlen(s)), known);
	ascii_upper(s);
	c->pm->severity = s;
	s = NULL;
out:
	free(s);
}

/* Reads a value that must be one of words (lower-cased), or NULL. */
static char *read_choice(struct ctx *c, const char *key,
			 const struct ynode *v, const char *const *words,
			 const char *expected, enum pm_diag_level level)
{
	char *s = get_text(c, key, v, FM_MAX_SCALAR);
	size_t i;

	if (!s)
		return NULL;
	text_ascii_lower(s);
	for (i = 0; words[i]; i++)
		if (!strcmp(s, words[i]))
			return s;
	postmortem_diag(c->pm, level, v->line, "%s: expected %s, got '%.*s'%s",
			key, expected, QUOTED(s, strlen(s)),
			level == PM_DIAG_WARNING ? "; ignored" : "");
	free(s);
	return NULL;
}

/* YAML 1.1 booleans, as people write them for "done". */
static int parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "true", "yes", "on", "y", "1",
					   "done", "x", NULL };
	static const char *const no[] = { "false", "no", "off", "n", "0",
					  "", NULL };
	size_t i;

	for (i = 0; yes[i]; i++)
		if (!strcasecmp(s, yes[i])) {
			*out = 1;
			return 0;
		}
	for (i = 0; no[i]; i++)
		if (!strcasecmp(s, no[i])) {
			*out = 0;
			return 0;
		}
	return -1;
}

/* One action_items entry written as a mapping. */
static void read_action_map(struct ctx *c, const char *key, size_t idx,
			    const struct ynode *m)
{
	char name[64];
	const struct ynode *v;
	struct pm_action *a;
	struct pm_time t;
	char *text = NULL, *owner = NULL, *due = NULL, *done_s = NULL;
	int done = 0;

	snprintf(name, sizeof(name), "%s[%zu]", key, idx);
	if ((v = ynode_get(m, "text")))
		text = get_text(c, name, v, FM_MAX_SCALAR);
	if (!text) {
		postmortem_diag(c->pm, PM_DIAG_ERROR, m->line,
				"%s: missing text", name);
		goto out;
	}
	if ((v = ynode_get(m, "owner")))
		owner = get_text(c, name, v, FM_MAX_SCALAR);
	if ((v = ynode_get(m, "due")) && (due = get_text(c, name, v, 64)) &&
	    (pm_time_parse(&t, due) || !t.date_only)) {
		postmortem_diag(c->pm, PM_DIAG_WARNING, v->line,
				"%s.due: expected a date like 2018-03-31, got "
				"'%.*s'",
				name, QUOTED(due, strlen(due)));
		free(due);
		due = NULL;
	}
	if ((v = ynode_get(m, "done")) && (done_s = get_text(c, name, v, 64)) &&
	    parse_bool(done_s, &done))
		postmortem_diag(c->pm, PM_DIAG_WARNING, v->line,
				"%s.done: expected true or false, got '%.*s'",
				name, QUOTED(done_s, strlen(done_s)));
	a = postmortem_add_action(c->pm, done, text, m->line);
	if (!a)
		goto out;
	/* Explicit fields win over markers found in the text. */
	if (owner) {
		free(a->owner);
		a->owner = xstrdup(owner[0] == '@' ? owner + 1 : owner);
	}
	if (due) {
		free(a->due);
		a->due = due;
		due = NULL;
	}
out:
	free(done_s);
	free(due);
	free(owner);
	free(text);
}

static void read_actions(struct ctx *c, const char *key,
			 const struct ynode *v)
{
	const struct ynode *const *kids = &v;
	size_t n = 1, i;
	char *s;

	if (v->type == YNODE_SCALAR && v->is_null)
		return;
	if (v->type == YNODE_SEQUENCE) {
		kids = (const struct ynode *const *)v->kids;
		n = v->n;
	}
	for (i = 0; i < n; i++) {
		const struct ynode *it = kids[i];

		if (it->type == YNODE_MAPPING) {
			read_action_map(c, key, i, it);
		} else if (it->type == YNODE_SCALAR) {
			char name[64];

			snprintf(name, sizeof(name), "%s[%zu]", key, i);
			s = get_text(c, name, it, FM_MAX_SCALAR);
			if (s)
				postmortem_add_action(c->pm, 0, s, it->line);
			free(s);
		} else {
			postmortem_diag(c->pm, PM_DIAG_ERROR, it->line,
					"%s[%zu]: expected text or a mapping "
					"with text, owner, due and done, got "
					"a list",
					key, i);
		}
	}
}

static void set_text(char **dst, char *s)
{
	free(*dst);
	*dst = s;
}

static void read_field(struct ctx *c, enum pm_field f, const char *key,
		       const struct ynode *v)
{
	static const char *const statuses[] = { "draft", "review", "published",
						NULL };
	static const char *const detections[] = { "alert", "customer",
						  "internal", "other", NULL };
	struct postmortem *pm = c->pm;
	char *s;

	if (f != PM_F_TITLE && f != PM_F_SUMMARY && f != PM_F_TAGS &&
	    f != PM_F_STATUS && f != PM_F_AUTHORS &&
	    !(f == PM_F_STARTED && !strcasecmp(key, "date")))
		c->found |= FM_FOUND_INCIDENT;
	switch (f) {
	case PM_F_TITLE:
		c->found |= FM_FOUND_TITLE;
		set_text(&pm->title, get_text(c, key, v, FM_MAX_SCALAR));
		break;
	case PM_F_STARTED:
	case PM_F_DETECTED:
	case PM_F_MITIGATED:
	case PM_F_RESOLVED:
		read_date(c, key, v, f);
		break;
	case PM_F_SEVERITY:
		read_severity(c, key, v);
		break;
	case PM_F_CAUSE:
		read_causes(c, key, v);
		break;
	case PM_F_TRIGGER:
		set_text(&pm->trigger, get_text(c, key, v, FM_MAX_SCALAR));
		break;
	case PM_F_DETECTION:
		set_text(&pm->detection,
			 read_choice(c, key, v, detections,
				     "alert, customer, internal or other",
				     PM_DIAG_WARNING));
		break;
	case PM_F_SERVICES:
		read_list(c, key, v, &pm->services);
		break;
	case PM_F_TEAMS:
		read_list(c, key, v, &pm->teams);
		break;
	case PM_F_AUTHORS:
		read_list(c, key, v, &pm->authors);
		break;
	case PM_F_TAGS:
		read_list(c, key, v, &pm->tags);
		break;
	case PM_F_STATUS:
		s = read_choice(c, key, v, statuses,
				"draft, review or published", PM_DIAG_ERROR);
		if (s)
			set_text(&pm->status, s);
		break;
	case PM_F_SUMMARY:
		set_text(&pm->summary, get_text(c, key, v, 0));
		break;
	case PM_F_ACTIONS:
		read_actions(c, key, v);
		break;
	default:
		break;
	}
}

/*
 * Keeps the text of a value under a key pmkb does not know (affected:,
 * company:, product:...), so that search finds it, and a table row of
 * the key and its values for the page. Nested mappings are left out:
 * they are configuration more often than words.
 */
static void add_extra(struct postmortem *pm, const struct ynode *k,
		      const struct ynode *v)
{
	struct buf b = BUF_INIT, row = BUF_INIT;
	size_t n = v->type == YNODE_SEQUENCE ? v->n : 1, values = 0;

	if (v->type == YNODE_MAPPING)
		return;
	if (pm->extra)
		buf_addstr(&b, pm->extra);
	buf_addstr(&row, "<tr><th>");
	buf_add_html(&row, k->value, k->len);
	buf_addstr(&row, "</th><td>");
	for (size_t i = 0; i < n && b.len < PM_MAX_FRONT_MATTER; i++) {
		const struct ynode *it = v->type == YNODE_SEQUENCE ? v->kids[i]
								   : v;

		if (it->type != YNODE_SCALAR || it->is_null || !it->len)
			continue;
		if (b.len)
			buf_addch(&b, ' ');
		buf_add(&b, it->value, it->len);
		if (values++)
			buf_addstr(&row, ", ");
		buf_add_html(&row, it->value, it->len);
	}
	buf_addstr(&row, "</td></tr>\n");
	free(pm->extra);
	pm->extra = buf_detach(&b, NULL);
	if (values) {
		buf_reset(&b);
		if (pm->extra_rows)
			buf_addstr(&b, pm->extra_rows);
		buf_add(&b, row.ptr, row.len);
		free(pm->extra_rows);
		pm->extra_rows = buf_detach(&b, NULL);
	}
	buf_release(&row);
	buf_release(&b);
}

/*
 * related: [slug, ...] and recurrence_of: slug (doc/postmortem.h).
 * Returns 1 when key is one of them.
 */
static int read_relation(struct postmortem *pm, const char *key,
			 const struct ynode *v)
{
	size_t n = v->type == YNODE_SEQUENCE ? v->n : 1;

	if (strcmp(key, "related") && strcmp(key, "recurrence_of"))
		return 0;
	for (size_t i = 0; i < n && i < PM_MAX_RELATED; i++) {
		const struct ynode *it = v->type == YNODE_SEQUENCE ? v->kids[i]
								   : v;

		if (it->type != YNODE_SCALAR || it->is_null || !it->len ||
		    it->len > 200)
			continue;
		if (key[0] == 'r' && key[1] == 'e' && key[2] == 'c') {
			if (!pm->recurrence_of)
				pm->recurrence_of = xstrndup(it->value,
							     it->len);
		} else {
			char *slug = xstrndup(it->value, it->len);

			pm_list_add_unique(&pm->related, slug);
			free(slug);
		}
	}
	return 1;
}

unsigned frontmatter_parse(struct postmortem *pm, const char *yaml,
			   size_t len, int first_line,
			   const struct taxonomy *tax)
{
	struct ctx c = { pm, tax, 0 };
	struct ynode *root = NULL;
	int seen_line[PM_F__MAX] = { 0 };
	struct pm_error err;
	int f;
	size_t i;

	if (ynode_load(&root, yaml, len, first_line, &err) != PM_OK) {
		postmortem_diag(pm, PM_DIAG_ERROR, err.line,
				"front matter: %s", err.message);
		c.found = FM_BROKEN;
		goto out;
	}
	/* Empty front matter is a mapping without keys. */
	if (!root)
		goto out;
	if (root->type != YNODE_MAPPING) {
		postmortem_diag(pm, PM_DIAG_ERROR, root->line,
				"the front matter must be keys and values "
				"(like 'title: ...'), not %s",
				root->type == YNODE_SEQUENCE ? "a list"
							  : "plain text");
		c.found = FM_BROKEN;
		goto out;
	}
	for (i = 0; i + 1 < root->n; i += 2) {
		const struct ynode *k = root->kids[i], *v = root->kids[i + 1];

		if (k->type != YNODE_SCALAR)
			continue;
		if (read_relation(pm, k->value, v))
			continue;
		if ((f = pm_field_lookup(k->value)) < 0) {
			add_extra(pm, k, v);
			continue;
		}
		/* Status pages write "resolved: true": whether, not when. */
		if (f == PM_F_RESOLVED && v->type == YNODE_SCALAR &&
		    v->value && !parse_bool(v->value, &(int){ 0 }))
			continue;
		if (seen_line[f]) {
			postmortem_diag(pm, PM_DIAG_WARNING, k->line,
					"duplicate key '%.*s' (the same field "
					"is on line %d); the first value is "
					"used",
					QUOTED(k->value, k->len), seen_line[f]);
			continue;
		}
		seen_line[f] = k->line;
		read_field(&c, (enum pm_field)f, k->value, v);
	}
out:
	ynode_free(root);
	return c.found;
}
