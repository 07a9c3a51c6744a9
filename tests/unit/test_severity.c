/* A severity as people write it, against a list of levels (doc/severity.h). */
#include <string.h>

#include "pmkb/doc/severity.h"
#include "tap.h"

static const char *const sev[] = { "SEV0", "SEV1", "SEV2", "SEV3", "SEV4" };
static const char *const prio[] = { "P1", "P2", "P3" };

static void test_rank(void)
{
	struct severity_list s = { sev, 5 }, p = { prio, 3 };
	const char *canon = "x";
	char c[16];

	is_int(severity_rank(&s, "sev-1", &canon), 1, "sev-1 is SEV1");
	is_str(canon, "SEV1", "spelt as the list spells it");
	is_int(severity_rank(&s, " Sev 2", NULL), 2, "spaces do not count");
	is_int(severity_rank(&s, "3", NULL), 3, "digits alone: SEV3");
	is_int(severity_rank(&p, "2", NULL), 1, "and P2 in a P list");
	is_int(severity_rank(&s, "P1", &canon), -1, "P1 is not in SEV0..4");
	ok(canon == NULL, "unknown: no spelling");
	is_int(severity_rank(&s, "", NULL), -1, "empty: unknown");
	ok(severity_compact("sev_1 a", c, sizeof(c)) && !strcmp(c, "SEV1A"),
	   "compact drops blanks, hyphens and underscores");
	ok(!severity_compact("a very long severity name", c, 8),
	   "compact refuses what does not fit");
}

static void test_lead(void)
{
	struct severity_list s = { sev, 5 };
	size_t n = 0;

	is_int(severity_rank_lead(&s, "Sev 1 (customers could not pay)", NULL,
				  &n),
	       1, "a note in brackets");
	is_int((long long)n, 5, "the level is the first 5 bytes");
	is_int(severity_rank_lead(&s, "SEV-3\xef\xbc\x88一部機能\xef\xbc\x89",
				  NULL, &n),
	       3, "a note in full-width brackets");
	is_int(severity_rank_lead(&s, "Critical - complete outage", NULL, &n),
	       -1, "no level");
	is_int((long long)n, 8, "the value before its note: Critical");
}

static void test_stored(void)
{
	struct severity_list s = { sev, 5 };
	char out[16];

	is_str(severity_stored(&s, 0, "sev 2", out, sizeof(out)), "SEV2",
	       "a known level, as the list spells it");
	is_str(severity_stored(&s, 0, " down ", out, sizeof(out)), "DOWN",
	       "an unknown one upper-cased and trimmed");
	ok(!severity_stored(&s, 1, "down", out, sizeof(out)),
	   "none when the list is closed");
	ok(!severity_stored(&s, 0, "  ", out, sizeof(out)), "none when empty");
	ok(!severity_stored(&s, 0, "a-very-long-level", out, 8),
	   "none when it does not fit");
}

int main(void)
{
	test_rank();
	test_lead();
	test_stored();
	return tap_done();
}
