/* Form bodies: see include/pmkb/base/form.h. */
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/form.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"

int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..len) into out; PM_INVALID with a reason in err. */
static enum pm_status form_decode(const char *s, size_t len, struct buf *out,
				  struct pm_error *err)
{
	buf_reset(out);
	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '+') {
			buf_addch(out, ' ');
			continue;
		}
		if (s[i] == '\0')
			return pm_error_set(err, PM_INVALID, "form", 0,
					    "a NUL byte in the form");
		if (s[i] != '%') {
			buf_addch(out, s[i]);
			continue;
		}
		if (len - i < 3 || (hi = hex_digit(s[i + 1])) < 0 ||
		    (lo = hex_digit(s[i + 2])) < 0)
			return pm_error_set(err, PM_INVALID, "form", 0,
					    "a bad %%-escape in the form");
		if (!hi && !lo)
			return pm_error_set(err, PM_INVALID, "form", 0,
					    "an escaped NUL byte in the form");
		buf_addch(out, hi << 4 | lo);
		i += 2;
	}
	if (!utf8_valid(out->ptr, out->len))
		return pm_error_set(err, PM_INVALID, "form", 0,
				    "the form is not UTF-8");
	return PM_OK;
}

enum pm_status form_parse(struct form *form, const char *body,
				size_t len, struct pm_error *err)
{
	struct buf name = BUF_INIT, value = BUF_INIT;
	enum pm_status st = PM_OK;
	size_t i = 0;

	memset(form, 0, sizeof(*form));
	while (i < len) {
		const char *pair = body + i, *amp, *eq;
		size_t plen;

		amp = memchr(pair, '&', len - i);
		plen = amp ? (size_t)(amp - pair) : len - i;
		i += plen + 1;
		if (!plen)
			continue;
		if (form->n >= FORM_MAX_FIELDS) {
			st = pm_error_set(err, PM_INVALID, "form", 0,
					  "more than %d fields in the form",
					  FORM_MAX_FIELDS);
			goto out;
		}
		eq = memchr(pair, '=', plen);
		if ((st = form_decode(pair, eq ? (size_t)(eq - pair) : plen,
				      &name, err)) != PM_OK)
			goto out;
		if (eq && (st = form_decode(eq + 1,
					    plen - (size_t)(eq - pair) - 1,
					    &value, err)) != PM_OK)
			goto out;
		if (!eq)
			buf_reset(&value);
		XGROW(form->v, form->alloc, form->n + 1);
		form->v[form->n].name = xstrndup(name.ptr, name.len);
		form->v[form->n].value = xstrndup(value.ptr, value.len);
		form->n++;
	}
out:
	if (st != PM_OK)
		form_release(form);
	buf_release(&name);
	buf_release(&value);
	return st;
}

const char *form_get(const struct form *form, const char *name)
{
	for (size_t i = 0; i < form->n; i++)
		if (!strcmp(form->v[i].name, name))
			return form->v[i].value;
	return NULL;
}

void form_release(struct form *form)
{
	for (size_t i = 0; i < form->n; i++) {
		free(form->v[i].name);
		free(form->v[i].value);
	}
	free(form->v);
	memset(form, 0, sizeof(*form));
}
