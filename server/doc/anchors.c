/* Heading anchors: see include/pmkb/doc/anchors.h. */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "pmkb/base/hash.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/anchors.h"

/* Long enough for any real heading; keeps URLs with anchors sane. */
#define ANCHOR_MAX 200

static void add_codepoint(struct buf *b, utf8proc_int32_t cp)
{
	utf8proc_uint8_t enc[4];
	utf8proc_ssize_t n = utf8proc_encode_char(cp, enc);

	buf_add(b, enc, (size_t)n);
}

/* The slot holding id, or the empty slot where it would go. */
static struct anchor_slot *anchor_slot(struct anchors *set, const char *id)
{
	size_t i = (size_t)hash_str(id) & (set->cap - 1);

	while (set->slots[i].id && strcmp(set->slots[i].id, id))
		i = (i + 1) & (set->cap - 1);
	return &set->slots[i];
}

static void anchor_add(struct anchors *set, const char *id)
{
	struct anchor_slot *old = set->slots, *slot;
	size_t i, old_cap = set->cap;

	/* Keep the load under a half so that probes stay short. */
	if (2 * (set->n + 1) > set->cap) {
		set->cap = set->cap ? 2 * set->cap : 64;
		set->slots = xcalloc(set->cap, sizeof(*set->slots));
		for (i = 0; i < old_cap; i++)
			if (old[i].id)
				*anchor_slot(set, old[i].id) = old[i];
		free(old);
	}
	slot = anchor_slot(set, id);
	slot->id = xstrdup(id);
	slot->next = 1;
	set->n++;
}

void anchors_add(struct anchors *seen, const char *s, size_t len)
{
	struct buf *out = &seen->scratch;
	const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;
	struct anchor_slot *slot;
	size_t i = 0, base;
	char *base_id;

	buf_reset(out);
	while (i < len && out->len < ANCHOR_MAX) {
		n = utf8proc_iterate(u + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0) {
			i++;
			continue;
		}
		i += (size_t)n;
		switch (utf8proc_category(cp)) {
		case UTF8PROC_CATEGORY_LU:
		case UTF8PROC_CATEGORY_LL:
		case UTF8PROC_CATEGORY_LT:
		case UTF8PROC_CATEGORY_LM:
		case UTF8PROC_CATEGORY_LO:
		case UTF8PROC_CATEGORY_MN:
		case UTF8PROC_CATEGORY_MC:
		case UTF8PROC_CATEGORY_ME:
		case UTF8PROC_CATEGORY_ND:
		case UTF8PROC_CATEGORY_NL:
		case UTF8PROC_CATEGORY_NO:
			add_codepoint(out, utf8proc_tolower(cp));
			break;
		case UTF8PROC_CATEGORY_ZS:
			buf_addch(out, '-');
			break;
		default:
			if (cp == '-' || cp == '_')
				buf_addch(out, (char)cp);
			break;
		}
	}
	if (!out->len)
		buf_addstr(out, "section");
	if (seen->cap && (slot = anchor_slot(seen, out->ptr))->id) {
		/* "a" repeated: try a-1, a-2... from where we left off. */
		base = out->len;
		base_id = xstrdup(out->ptr);
		do {
			slot = anchor_slot(seen, base_id);
			buf_setlen(out, base);
			buf_addf(out, "-%zu", slot->next++);
		} while (anchor_slot(seen, out->ptr)->id);
		free(base_id);
	}
	anchor_add(seen, out->ptr);
	pm_list_add(&seen->ids, out->ptr);
}

void anchors_splice(const struct anchors *a, struct buf *out,
		    const char *html)
{
	const struct pm_list *ids = &a->ids;
	const char *p, *q;
	size_t count = 0, k = 0;

	for (p = html; (q = strstr(p, "<h")); p = q + 2)
		if (q[2] >= '1' && q[2] <= '6' && q[3] == '>')
			count++;
	if (count != ids->n) {
		buf_addstr(out, html);
		return;
	}
	for (p = html; (q = strstr(p, "<h")); p = q + 2) {
		buf_add(out, p, (size_t)(q - p) + 2);
		if (q[2] >= '1' && q[2] <= '6' && q[3] == '>') {
			buf_addch(out, q[2]);
			buf_addstr(out, " id=\"");
			buf_add_html(out, ids->v[k], strlen(ids->v[k]));
			buf_addch(out, '"');
			k++;
			q++;
		}
	}
	buf_addstr(out, p);
}

void anchors_release(struct anchors *a)
{
	for (size_t i = 0; i < a->cap; i++)
		free(a->slots[i].id);
	free(a->slots);
	pm_list_release(&a->ids);
	buf_release(&a->scratch);
	a->slots = NULL;
	a->n = a->cap = 0;
}
