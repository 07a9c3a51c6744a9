/*
 * The Atom feed's text escaping and time format: what keeps the document
 * well-formed whatever people put in a title.
 */
#include <stdlib.h>

#include "pmkb/base/buf.h"
#include "pmkb/http/feed.h"
#include "tap.h"

static void check_text(const char *in, const char *want, const char *what)
{
	struct buf b = BUF_INIT;

	feed_add_xml_text(&b, in);
	is_str(b.ptr, want, what);
	buf_release(&b);
}

static void check_time(long long t, const char *want)
{
	struct buf b = BUF_INIT;

	feed_add_time(&b, (int64_t)t);
	is_str(b.ptr, want, want);
	buf_release(&b);
}

int main(void)
{
	check_text("plain text", "plain text", "plain text is unchanged");
	check_text("", "", "empty");
	check_text("<script>alert('x')</script> & \"q\"",
		   "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
		   "&quot;q&quot;",
		   "markup characters become entities");
	check_text("a]]>b", "a]]&gt;b", "]]> cannot end a CDATA that is not");
	check_text("障害 ＤＢ", "障害 ＤＢ", "UTF-8 passes through");
	check_text("tab\tnl\ncr\r", "tab\tnl\ncr\r",
		   "tab, LF and CR are XML characters");
	check_text("a\x01" "b\x1f" "c\x0b" "d\x0c" "e", "abcde",
		   "other C0 controls are dropped");
	check_text("x\xef\xbf\xbey\xef\xbf\xbfz", "xyz",
		   "U+FFFE and U+FFFF are dropped");
	check_text("\xef\xbf\xbd\xef\xbc\xa1", "\xef\xbf\xbd\xef\xbc\xa1",
		   "U+FFFD and U+FF21 are kept");
	check_text("end\xef", "end\xef", "a truncated sequence at the end "
					   "is not read past");
	check_time(0, "1970-01-01T00:00:00Z");
	check_time(1518568080, "2018-02-14T00:28:00Z");
	check_time(951782400, "2000-02-29T00:00:00Z");
	check_time(-86400, "1969-12-31T00:00:00Z");
	return tap_done();
}
