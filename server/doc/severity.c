/*
 * A severity as people write it: see include/pmkb/doc/severity.h.
 */
#include <stdio.h>
#include <string.h>

#include "pmkb/base/text.h"
#include "pmkb/doc/severity.h"

int severity_compact(const char *s, char *out, size_t outsz)
{
	size_t n = 0;

	for (; *s; s++) {
		if (*s == ' ' || *s == '-' || *s == '_' || *s == '\t')
			continue;
		if (n + 1 >= outsz)
			return 0;
		out[n++] = (*s >= 'a' && *s <= 'z') ? (char)(*s - 'a' + 'A')
						    : *s;
	}
	out[n] = '\0';
	return 1;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* The digits that end a name like SEV1 or P1 after letters, or NULL. */
static const char *level_digits(const char *s)
{
	const char *p = s;

	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	return p > s && all_digits(p) ? p : NULL;
}

int severity_rank(const struct severity_list *l, const char *raw,
		  const char **canon)
{
	const char *const *sevs = l->v;
	size_t n = l->n, i;
	char want[64], have[64];
	const char *d;

	if (canon)
		*canon = NULL;
	if (!severity_compact(raw, want, sizeof(want)) || !want[0])
		return -1;
	for (i = 0; i < n; i++) {
		if (!severity_compact(sevs[i], have, sizeof(have)))
			continue;
		if (strcmp(want, have) &&
		    !(all_digits(want) && (d = level_digits(have)) &&
		      !strcmp(d, want)))
			continue;
		if (canon)
			*canon = sevs[i];
		return (int)i;
	}
	return -1;
}

/* Whether a severity's name may end before s[0]: a note follows. */
static int ends_name(const char *s)
{
	return !*s || strchr(" \t([,;:/|", *s) || (unsigned char)*s >= 0x80;
}

int severity_rank_lead(const struct severity_list *l, const char *raw,
		       const char **canon, size_t *lead_len)
{
	char lead[32];
	size_t n, i;
	int rank = severity_rank(l, raw, canon);

	n = strlen(raw);
	if (rank >= 0) {
		if (lead_len)
			*lead_len = n;
		return rank;
	}
	/* The shortest beginning that names one: "Sev 1 (…)" is "Sev 1". */
	for (i = 1; i < n && i < sizeof(lead); i++) {
		if (!ends_name(raw + i))
			continue;
		memcpy(lead, raw, i);
		lead[i] = '\0';
		if ((rank = severity_rank(l, lead, canon)) >= 0) {
			if (lead_len)
				*lead_len = i;
			return rank;
		}
	}
	/*
	 * None: the value up to its note, in brackets or after a dash or a
	 * colon ("Critical - complete outage"), if it has one.
	 */
	for (i = 0; i < n && !strchr("([:,", raw[i]) &&
		    strncmp(raw + i, "\xef\xbc\x88", 3) && /* （ */
		    strncmp(raw + i, " - ", 3) &&
		    strncmp(raw + i, " \xe2\x80\x93 ", 5) && /* – */
		    strncmp(raw + i, " \xe2\x80\x94 ", 5);   /* — */
	     i++)
		;
	while (i && (raw[i - 1] == ' ' || raw[i - 1] == '\t'))
		i--;
	if (lead_len)
		*lead_len = i;
	return -1;
}

const char *severity_stored(const struct severity_list *l, int closed,
			    const char *raw, char *out, size_t outsz)
{
	const char *canon, *s = raw;
	size_t len = strlen(raw);

	if (severity_rank(l, raw, &canon) >= 0) {
		snprintf(out, outsz, "%s", canon);
		return out;
	}
	s = text_trim(s, &len);
	if (!len || len >= outsz || closed)
		return NULL;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A'
							  : s[i]);
	out[len] = '\0';
	return out;
}
