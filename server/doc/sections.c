/*
 * What a section heading names: see include/pmkb/doc/sections.h.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "pmkb/base/text.h"
#include "pmkb/base/utf8.h"
#include "pmkb/doc/sections.h"

enum section_kind section_kind(const char *s, size_t len)
{
	static const struct {
		const char *name;
		enum section_kind kind;
	} names[] = {
		{ "summary", SECTION_SUMMARY },
		{ "incident summary", SECTION_SUMMARY },
		{ "issue summary", SECTION_SUMMARY },
		{ "what happened", SECTION_SUMMARY },
		{ "what happened?", SECTION_SUMMARY },
		{ "executive summary", SECTION_SUMMARY },
		{ "overview", SECTION_SUMMARY },
		{ "incident overview", SECTION_SUMMARY },
		{ "tl;dr", SECTION_SUMMARY },
		{ "tldr", SECTION_SUMMARY },
		{ "概要", SECTION_SUMMARY },
		{ "サマリー", SECTION_SUMMARY },
		{ "サマリ", SECTION_SUMMARY },
		{ "要約", SECTION_SUMMARY },
		{ "障害概要", SECTION_SUMMARY },
		{ "障害の概要", SECTION_SUMMARY },
		{ "インシデント概要", SECTION_SUMMARY },
		{ "事象概要", SECTION_SUMMARY },
		{ "事象", SECTION_SUMMARY },
		{ "何が起きたか", SECTION_SUMMARY },
		{ "何が起きた", SECTION_SUMMARY },
		{ "metadata", SECTION_METADATA },
		{ "メタデータ", SECTION_METADATA },
		{ "基本情報", SECTION_METADATA },
		{ "details", SECTION_METADATA },
		{ "incident details", SECTION_METADATA },
		{ "incident information", SECTION_METADATA },
		/* dfds/postmortems: the category and times come last */
		{ "stats", SECTION_METADATA },
		{ "action items", SECTION_ACTIONS },
		{ "actions", SECTION_ACTIONS },
		{ "action plan", SECTION_ACTIONS },
		{ "follow-up", SECTION_ACTIONS },
		{ "follow-ups", SECTION_ACTIONS },
		{ "follow-up items", SECTION_ACTIONS },
		{ "follow-up actions", SECTION_ACTIONS },
		{ "next steps", SECTION_ACTIONS },
		{ "remediation", SECTION_ACTIONS },
		{ "remediation items", SECTION_ACTIONS },
		{ "corrective actions", SECTION_ACTIONS },
		{ "preventive actions", SECTION_ACTIONS },
		{ "アクションアイテム", SECTION_ACTIONS },
		{ "アクション", SECTION_ACTIONS },
		{ "再発防止策", SECTION_ACTIONS },
		{ "再発防止", SECTION_ACTIONS },
		{ "対策", SECTION_ACTIONS },
		{ "恒久対策", SECTION_ACTIONS },
		{ "改善策", SECTION_ACTIONS },
		{ "今後の対応", SECTION_ACTIONS },
		{ "今後の対策", SECTION_ACTIONS },
		{ "タスク", SECTION_ACTIONS },
		{ "timeline", SECTION_TIMELINE },
		{ "incident timeline", SECTION_TIMELINE },
		{ "detailed timeline", SECTION_TIMELINE },
		{ "timeline of events", SECTION_TIMELINE },
		{ "sequence of events", SECTION_TIMELINE },
		{ "chronology", SECTION_TIMELINE },
		{ "タイムライン", SECTION_TIMELINE },
		{ "時系列", SECTION_TIMELINE },
		{ "経緯", SECTION_TIMELINE },
		{ "対応経緯", SECTION_TIMELINE },
		{ "障害の経緯", SECTION_TIMELINE },
		{ "発生から復旧までの経緯", SECTION_TIMELINE },
		{ "対応履歴", SECTION_TIMELINE },
		{ "対応の流れ", SECTION_TIMELINE },
	};
	const char *open;
	uint32_t cp;
	int k;

	while (len) {
		if ((unsigned char)*s < 0x80) {
			if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z')
				break;
			k = 1;
		} else if (!(k = utf8_decode(s, len, &cp))) {
			return SECTION_OTHER;
		} else if (cp < 0x2000 || utf8_script(cp) != UTF8_OTHER) {
			break; /* a letter; symbols and emoji lie above */
		}
		s += k;
		len -= (size_t)k;
	}
	while (len && s[len - 1] && strchr(" \t\n:?", s[len - 1]))
		len--;
	/* ： and ？ */
	while (len >= 3 && (!memcmp(s + len - 3, "\xef\xbc\x9a", 3) ||
			    !memcmp(s + len - 3, "\xef\xbc\x9f", 3)))
		len -= 3;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == len &&
		    !strncasecmp(s, names[i].name, len))
			return names[i].kind;
	/* A name and its translation or a note in brackets: "再発防止
	 * （Action Items）", "何が起きた？（1行）". */
	if ((open = text_bracket_note(s, len)) && open > s) {
		size_t in = *open == '(' ? 1 : 3;
		size_t out = s[len - 1] == ')' ? 1 : 3;
		enum section_kind a = section_kind(s, (size_t)(open - s));

		if (a != SECTION_OTHER)
			return a;
		return section_kind(open + in,
				    len - (size_t)(open - s) - in - out);
	}
	/* Two names for one section: "Action items / 再発防止策". */
	for (size_t i = 0; i + 1 < len; i++)
		if (s[i] == '/' && i && s[i - 1] == ' ') {
			enum section_kind a = section_kind(s, i);

			return a != SECTION_OTHER
				       ? a
				       : section_kind(s + i + 1, len - i - 1);
		}
	return SECTION_OTHER;
}
