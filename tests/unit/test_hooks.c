/* The body of POST /hooks/git: git's post-receive lines (hooks.c). */
#include <string.h>

#include "pmkb/http/hooks.h"
#include "tap.h"

#define Z "0000000000000000000000000000000000000000"
#define A "1111111111111111111111111111111111111111"
#define B "abcdefABCDEF0123456789abcdefabcdef012345"

static enum pm_status parse(const char *body, char *ref, size_t refsz)
{
	struct pm_error err;

	pm_error_clear(&err);
	return hooks_parse_ref_lines(body, strlen(body), "main", ref, refsz,
				     &err);
}

int main(void)
{
	char ref[64];
	struct pm_error err;

	is_int(parse(A " " B " refs/heads/main\n", ref, sizeof(ref)), PM_OK,
	       "one line");
	is_str(ref, "refs/heads/main", "its ref");
	is_int(parse(Z " " A " refs/heads/feature\n" A " " B
		       " refs/heads/main\n" A " " B " refs/tags/v1\n",
		     ref, sizeof(ref)),
	       PM_OK, "several lines");
	is_str(ref, "refs/heads/main", "the followed branch wins");
	is_int(parse(A " " B " refs/heads/mainline\n" A " " B
		       " refs/heads/x\n", ref, sizeof(ref)),
	       PM_OK, "no line for the branch");
	is_str(ref, "refs/heads/mainline", "then the first ref (a prefix "
	       "of the branch name is another branch)");
	is_int(parse("", ref, sizeof(ref)), PM_OK, "an empty body");
	is_str(ref, "", "asks for a plain sync");
	is_int(parse("\n\r\n" A " " B " refs/heads/main\r\n\n", ref,
		     sizeof(ref)),
	       PM_OK, "blank lines and CRLF are allowed");
	is_str(ref, "refs/heads/main", "and the ref has no CR");
	is_int(parse(A " " B " refs/heads/main", ref, sizeof(ref)), PM_OK,
	       "no final newline");
	is_int(parse("hello world\n", ref, sizeof(ref)), PM_INVALID,
	       "prose is refused");
	is_int(parse(A " " B "\n", ref, sizeof(ref)), PM_INVALID,
	       "a missing ref is refused");
	is_int(parse(A " " B " refs/heads/main extra\n", ref, sizeof(ref)),
	       PM_INVALID, "a fourth field is refused");
	is_int(parse("111 " B " refs/heads/main\n", ref, sizeof(ref)),
	       PM_INVALID, "a short id is refused");
	is_int(parse(A " " B "g refs/heads/main\n", ref, sizeof(ref)),
	       PM_INVALID, "a non-hex id is refused");
	pm_error_clear(&err);
	hooks_parse_ref_lines(A " " B " refs/heads/main\nbad\n",
			      strlen(A " " B " refs/heads/main\nbad\n"), "main",
			      ref, sizeof(ref), &err);
	ok(strstr(err.message, "line 2") != NULL, "the bad line is named");
	is_int(parse(A " " B " refs/heads/a-very-long-branch-name-that-does-"
		       "not-fit-in-the-buffer\n", ref, 16),
	       PM_OK, "a ref longer than the buffer");
	is_str(ref, "", "is not copied, nor truncated");
	return tap_done();
}
