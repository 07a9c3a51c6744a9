/* Provenance of answers from the index (include/pmkb/ingest/asof.h). */
#include <stdlib.h>
#include <string.h>

#include "pmkb/db/store.h"
#include "pmkb/ingest/asof.h"
#include "pmkb/ingest/gitsync.h"

json_t *asof_provenance(struct dbconn *c)
{
	char *commit = store_meta_get(c, GITSYNC_META_COMMIT);
	char *settings = store_meta_get(c, GITSYNC_META_SETTINGS);
	json_t *j, *s = json_null();
	char *at = settings ? strrchr(settings, '@') : NULL;

	if (!commit || !*commit) {
		free(commit);
		free(settings);
		return json_null();
	}
	if (at) {
		*at = '\0';
		s = json_pack("{s:s,s:s}", "path", settings, "blob", at + 1);
	}
	j = json_pack("{s:s,s:o}", "commit", commit, "settings", s);
	free(commit);
	free(settings);
	return j;
}

void asof_provenance_md(struct buf *out, const json_t *prov)
{
	const json_t *s = json_object_get(prov, "settings");

	if (!json_is_object(prov))
		return;
	buf_addf(out, "\nComputed from commit `%s`",
		 json_string_value(json_object_get(prov, "commit")));
	if (json_is_object(s))
		buf_addf(out, " with `%s` blob `%s`",
			 json_string_value(json_object_get(s, "path")),
			 json_string_value(json_object_get(s, "blob")));
	buf_addstr(out, ".\n");
}
