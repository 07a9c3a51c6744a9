/* tasklines.c: which lines tick a box, and their keys. */
#include <stdlib.h>
#include <string.h>

#include "pmkb/doc/tasklines.h"
#include "tap.h"

#define S(lit) (lit), sizeof(lit) - 1

int main(void)
{
	static const char doc[] =
		"# Action items\n"               /* 1 */
		"- [x] Rotate  the keys\n"       /* 2 */
		"- [ ] Open one\n"               /* 3 */
		"* [X] Star\tbullet\r\n"         /* 4 */
		"  1. [x] numbered\n"            /* 5 */
		"> - [x] quoted\n"               /* 6 */
		"-[x] no blank after the dash\n" /* 7 */
		"- [x]glued\n"                   /* 8 */
		"- [x]\n"                        /* 9: empty, still ticked */
		"1234567890. [x] ten digits\n"   /* 10 */
		"+ [x] last, no newline";        /* 11 */
	struct taskline *v;
	size_t n = tasklines_ticked(doc, sizeof(doc) - 1, &v);
	static const int want[] = {2, 4, 5, 6, 9, 11};
	uint64_t moved;

	is_int(n, 6, "six ticked lines");
	for (size_t i = 0; i < n && i < 6; i++)
		is_int(v[i].line, want[i], "ticked line");
	for (size_t i = 0; i < n; i++)
		ok(v[i].key != 0, "keys are never 0");
	is_int(tasklines_key_at(doc, sizeof(doc) - 1, 2), v[0].key,
	       "key_at agrees with the scan");
	is_int(tasklines_key_at(doc, sizeof(doc) - 1, 3), 0, "open: no key");
	is_int(tasklines_key_at(doc, sizeof(doc) - 1, 11), v[5].key,
	       "the last line without a newline");
	is_int(tasklines_key_at(doc, sizeof(doc) - 1, 12), 0, "past the end");
	is_int(tasklines_key_at(doc, sizeof(doc) - 1, 0), 0, "line 0");
	moved = tasklines_key_at(S("intro\n\n  * [X]   Rotate the keys  \n"),
				 3);
	is_int(moved, v[0].key,
	       "the same text elsewhere, bullet and blanks aside: same key");
	ok(tasklines_key_at(S("- [x] Rotate the key\n"), 1) != v[0].key,
	   "other text, other key");
	ok(tasklines_key_at(S("- [x] Star bullet\n"), 1) == v[1].key,
	   "a tab and a CR are blanks");
	free(v);
	n = tasklines_ticked(S("no list at all\n"), &v);
	ok(n == 0 && !v, "none: NULL");
	n = tasklines_ticked("", 0, &v);
	ok(n == 0 && !v, "empty");
	return tap_done();
}
