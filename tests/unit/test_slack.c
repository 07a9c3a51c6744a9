/*
 * Slack's request signatures (with the example from Slack's documentation,
 * "Verifying requests from Slack"), the replay window on its own, the
 * form parser on hostile input, and mrkdwn escaping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/form.h"
#include "pmkb/slack/mrkdwn.h"
#include "pmkb/slack/verify.h"
#include "tap.h"

static const char doc_secret[] = "8f742231b10e8888abcd99yyyzzz85a5";
static const char doc_ts[] = "1531420618";
static const char doc_body[] =
	"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain="
	"testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id="
	"U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"
	"response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F"
	"397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015."
	"47445629121.803a0bc887a14d10d2c447fce8b6703c";
static const char doc_sig[] =
	"v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

static void test_signature(void)
{
	char sig[SLACK_SIGNATURE_LEN + 1];
	char bad[sizeof(doc_sig)];
	struct pm_error err;
	size_t len = strlen(doc_body);
	const int64_t now = 1531420618;

	slack_signature(doc_secret, doc_ts, doc_body, len, sig);
	is_str(sig, doc_sig, "Slack's documented example signature");
	is_int(strlen(sig), SLACK_SIGNATURE_LEN, "v0= and 64 hex digits");

	/* The HMAC on its own: the clock is the documented moment. */
	is_int(slack_verify(doc_secret, doc_ts, doc_sig, doc_body, len, now,
			    &err),
	       PM_OK, "the documented request verifies at its own time");
	is_int(slack_verify(doc_secret, doc_ts, doc_sig, doc_body, len - 1,
			    now, &err),
	       PM_UNAUTHORIZED, "one byte less of body fails");
	is_int(slack_verify("8f742231b10e8888abcd99yyyzzz85a6", doc_ts,
			    doc_sig, doc_body, len, now, &err),
	       PM_UNAUTHORIZED, "another secret fails");
	memcpy(bad, doc_sig, sizeof(bad));
	bad[10] = bad[10] == '0' ? '1' : '0';
	is_int(slack_verify(doc_secret, doc_ts, bad, doc_body, len, now,
			    &err),
	       PM_UNAUTHORIZED, "one changed hex digit fails");
	ok(!strstr(err.message, bad) && !strstr(err.message, doc_secret),
	   "the reason names neither the signature nor the secret");
	bad[10] = doc_sig[10];
	bad[0] = 'v', bad[1] = '1';
	is_int(slack_verify(doc_secret, doc_ts, bad, doc_body, len, now,
			    &err),
	       PM_UNAUTHORIZED, "a v1= signature is refused");
	is_int(slack_verify(doc_secret, doc_ts, "v0=", doc_body, len, now,
			    &err),
	       PM_UNAUTHORIZED, "an empty signature is refused");
	is_int(slack_verify(doc_secret, doc_ts, doc_sig + 3, doc_body, len,
			    now, &err),
	       PM_UNAUTHORIZED, "hex without v0= is refused");
	is_int(slack_verify(doc_secret, NULL, doc_sig, doc_body, len, now,
			    &err),
	       PM_UNAUTHORIZED, "a missing timestamp is refused");
	is_int(slack_verify(doc_secret, doc_ts, NULL, doc_body, len, now,
			    &err),
	       PM_UNAUTHORIZED, "a missing signature is refused");
	/* A replay: the old signature with a fresh timestamp. */
	is_int(slack_verify(doc_secret, "1531420700", doc_sig, doc_body, len,
			    1531420700, &err),
	       PM_UNAUTHORIZED, "the old signature with a new timestamp");
	is_int(slack_verify(doc_secret, doc_ts, doc_sig, doc_body, len,
			    now + 301, &err),
	       PM_UNAUTHORIZED, "a correct signature 301 s late is refused");
}

static void test_clock(void)
{
	const int64_t t = 1531420618;

	is_int(slack_check_timestamp("1531420618", t), PM_OK, "now");
	is_int(slack_check_timestamp("1531420618", t + 300), PM_OK,
	       "300 s old is within the window");
	is_int(slack_check_timestamp("1531420618", t - 300), PM_OK,
	       "300 s ahead is within the window");
	is_int(slack_check_timestamp("1531420618", t + 301), PM_UNAUTHORIZED,
	       "301 s old is stale");
	is_int(slack_check_timestamp("1531420618", t - 301), PM_UNAUTHORIZED,
	       "301 s ahead is refused");
	is_int(slack_check_timestamp("", t), PM_UNAUTHORIZED, "empty");
	is_int(slack_check_timestamp(NULL, t), PM_UNAUTHORIZED, "missing");
	is_int(slack_check_timestamp("+1531420618", t), PM_UNAUTHORIZED,
	       "a sign");
	is_int(slack_check_timestamp("1531420618 ", t), PM_UNAUTHORIZED,
	       "trailing space");
	is_int(slack_check_timestamp("1531420618.5", t), PM_UNAUTHORIZED,
	       "a fraction");
	is_int(slack_check_timestamp("99999999999999999999999", t),
	       PM_UNAUTHORIZED, "too many digits (no overflow)");
	is_int(slack_check_timestamp("0", t), PM_UNAUTHORIZED, "1970");
}

static void test_form(void)
{
	struct form f = { 0 };
	struct pm_error err;
	char many[2048] = "";
	const char *s;

	is_int(form_parse(&f, doc_body, strlen(doc_body), &err), PM_OK,
	       "the documented body parses");
	is_int(f.n, 11, "eleven fields");
	is_str(form_get(&f, "command"), "/webhook-collect",
	       "%2F is decoded");
	is_str(form_get(&f, "text"), "", "an empty value");
	is_str(form_get(&f, "response_url"),
	       "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/"
	       "96rGlfmibIGlgcZRskXaIFfN",
	       "a URL value");
	ok(!form_get(&f, "missing"), "an absent field is NULL");
	form_release(&f);
	is_int(f.n, 0, "release empties the form");

	s = "text=%E9%9A%9C%E5%AE%B3+%E5%A0%B1%E5%91%8A&x&&=v&text=second";
	is_int(form_parse(&f, s, strlen(s), &err), PM_OK,
	       "Japanese, a bare name, an empty pair, an empty name");
	is_str(form_get(&f, "text"), "障害 報告",
	       "UTF-8 escapes and + as a space");
	is_str(form_get(&f, "x"), "", "a name without = is empty");
	is_str(form_get(&f, ""), "v", "an empty name is kept");
	is_int(f.n, 4, "empty pairs are skipped; duplicates kept");
	form_release(&f);

	s = "text=abc&more=1";
	is_int(form_parse(&f, s, 8, &err), PM_OK,
	       "only len bytes are read");
	is_int(f.n, 1, "one field within len");
	is_str(form_get(&f, "text"), "abc", "cut at len");
	form_release(&f);

	is_int(form_parse(&f, "", 0, &err), PM_OK, "an empty body");
	is_int(f.n, 0, "has no fields");
	is_int(form_parse(&f, "&&&", 3, &err), PM_OK,
	       "only separators");
	is_int(f.n, 0, "have no fields");

	{
		static const char *const bad[] = {
			"a=%zz",  "a=%4",	   "a=%",     "a=%00",
			"a=%FF",  "a=%C3%28",	   "%00=1",   "a=%e3%81",
			"a=b%",	  "a=%ED%A0%80",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
			char what[64];

			snprintf(what, sizeof(what), "refused: %s", bad[i]);
			is_int(form_parse(&f, bad[i], strlen(bad[i]),
						&err),
			       PM_INVALID, what);
			ok(f.n == 0 && f.v == NULL, "and the form is empty");
		}
	}
	is_int(form_parse(&f, "a=b\0c", 5, &err), PM_INVALID,
	       "a raw NUL byte is refused");

	for (int i = 0; i <= FORM_MAX_FIELDS; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
			 "f%d=%d&", i, i);
	is_int(form_parse(&f, many, strlen(many), &err), PM_INVALID,
	       "more than FORM_MAX_FIELDS fields are refused");
	many[strlen(many) - strlen("f64=64&")] = '\0';
	is_int(form_parse(&f, many, strlen(many), &err), PM_OK,
	       "FORM_MAX_FIELDS fields are fine");
	is_int(f.n, FORM_MAX_FIELDS, "all kept");
	form_release(&f);

	/* Every prefix of the documented body: no overread, no crash. */
	{
		int fine = 1;

		for (size_t n = 0; n <= strlen(doc_body); n++) {
			char *copy = malloc(n ? n : 1);

			memcpy(copy, doc_body, n);
			if (form_parse(&f, copy, n, &err) == PM_OK)
				form_release(&f);
			else
				fine &= f.n == 0;
			free(copy);
		}
		ok(fine, "every prefix of a body parses or fails cleanly");
	}
}

static void test_escape(void)
{
	struct buf b = BUF_INIT;
	const char *s = "a & b < c > d\t障害\n<@U123>";

	slack_escape(&b, s, strlen(s));
	is_str(b.ptr, "a &amp; b &lt; c &gt; d 障害\n&lt;@U123&gt;",
	       "&, <, > escaped; tab a space; newline and UTF-8 kept");
	buf_reset(&b);
	slack_escape_max(&b, "障害報告", 7);
	is_str(b.ptr, "障害…", "cut on a character boundary, with …");
	buf_reset(&b);
	slack_escape_max(&b, "障害", 6);
	is_str(b.ptr, "障害", "not cut when it fits");
	buf_reset(&b);
	slack_escape_max(&b, "<<<<", 2);
	is_str(b.ptr, "&lt;&lt;…", "the limit is on the input");
	buf_release(&b);
}

int main(void)
{
	test_signature();
	test_clock();
	test_form();
	test_escape();
	return tap_done();
}
