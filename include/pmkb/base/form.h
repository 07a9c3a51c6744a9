/*
 * application/x-www-form-urlencoded bodies: Slack's slash commands and the
 * login form post them.
 */
#ifndef PMKB_BASE_FORM_H
#define PMKB_BASE_FORM_H

#include <stddef.h>

#include "pmkb/base/status.h"

/* The value of the hexadecimal digit c, or -1. */
int hex_digit(char c);

/* One decoded name=value pair of a form. */
struct form_field {
	char *name;
	char *value;
};

/* A parsed application/x-www-form-urlencoded body. Zero it to init. */
struct form {
	struct form_field *v;
	size_t n, alloc;
};

/* Fields past this many are refused. */
#define FORM_MAX_FIELDS 64

/*
 * Parses an application/x-www-form-urlencoded body: pairs separated by
 * "&", "+" as a space, %XX escapes. Empty pairs are skipped; a pair
 * without "=" has an empty value. PM_INVALID (with a reason in err) for a
 * bad escape, an escaped NUL, invalid UTF-8 after decoding, or more than
 * FORM_MAX_FIELDS fields; form is then left empty. Never reads past
 * body + len; body needs no terminator.
 */
enum pm_status form_parse(struct form *form, const char *body,
				size_t len, struct pm_error *err);

/* The value of the first field called name, or NULL. Borrowed from form. */
const char *form_get(const struct form *form, const char *name);

/* Frees the fields and leaves form empty. */
void form_release(struct form *form);

#endif
