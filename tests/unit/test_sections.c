/* What a section heading names (doc/sections.h). */
#include <string.h>

#include "pmkb/doc/sections.h"
#include "tap.h"

static void kind_is(const char *heading, enum section_kind want)
{
	is_int(section_kind(heading, strlen(heading)), want, heading);
}

int main(void)
{
	kind_is("## Summary", SECTION_SUMMARY);
	kind_is("## 📌 Incident Summary", SECTION_SUMMARY);
	kind_is("1. Executive summary:", SECTION_SUMMARY);
	kind_is("## What happened?", SECTION_SUMMARY);
	kind_is("## 1. 何が起きた？（1行）", SECTION_SUMMARY);
	kind_is("## 概要 / Summary", SECTION_SUMMARY);
	kind_is("# Metadata", SECTION_METADATA);
	kind_is("## メタデータ", SECTION_METADATA);
	kind_is("# Stats", SECTION_METADATA);
	kind_is("## Action items / 再発防止策", SECTION_ACTIONS);
	kind_is("## 再発防止（Action Items）", SECTION_ACTIONS);
	kind_is("### Follow-ups", SECTION_ACTIONS);
	kind_is("## Timeline (all times UTC)", SECTION_TIMELINE);
	kind_is("## 時系列（Timeline）", SECTION_TIMELINE);
	kind_is("### 対応経緯", SECTION_TIMELINE);
	kind_is("## Timeline", SECTION_TIMELINE);
	kind_is("## Summary of the timeline", SECTION_OTHER);
	kind_is("", SECTION_OTHER);
	kind_is("## 🚨", SECTION_OTHER);
	return tap_done();
}
