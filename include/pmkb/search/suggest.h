/*
 * Typeahead for the search box: causes (with their labels and aliases
 * from the settings, so that インフラ suggests infrastructure), services,
 * tags and postmortem titles that begin with, or contain a word beginning
 * with, what was typed.
 */
#ifndef PMKB_SEARCH_SUGGEST_H
#define PMKB_SEARCH_SUGGEST_H

#include <jansson.h>

#include "pmkb/base/status.h"

struct dbconn;
struct taxonomy;

#define PM_SUGGEST_DEFAULT_LIMIT 8
#define PM_SUGGEST_MAX_LIMIT 20
#define PM_SUGGEST_MAX_BYTES 128 /* longer text is PM_INVALID */

/*
 * Suggestions for the text q, at most limit (1..PM_SUGGEST_MAX_LIMIT).
 * Sets *out (owned) to
 *   {"query": q, "suggestions": [suggestion...]}
 * where each suggestion is one of
 *   {"kind": "cause", "value": id, "label", "label_ja", "count",
 *    "matched"?}
 *   {"kind": "service" | "tag", "value", "label", "count"}
 *   {"kind": "title", "value": title, "label": title, "slug"}
 * causes, services and tags first (each by count, most used first; at
 * most half the list when titles match too), then titles (most recently
 * indexed first). "count" is the number of postmortems listing the
 * value (any of their causes, for a cause); "matched" is the label or
 * alias that q matched when it is not the id.
 *
 * Causes, services and tags match when one of their names begins with q
 * (ASCII letters in any case). Titles match when they hold every word of
 * q, the last one as a prefix ("pay" finds "payment-api"), Japanese
 * included (証明 finds 証明書); a lone final CJK character matches the
 * words it begins. Matching uses the full-text index, so NFKC forms match
 * (ＤＢ finds DB).
 *
 * q empty or only spaces, longer than PM_SUGGEST_MAX_BYTES or not valid
 * UTF-8 is PM_INVALID with a message in err. tax (may be NULL) is read
 * under the caller's settings lock; c is a reader, borrowed.
 */
enum pm_status suggest_run(struct dbconn *c, const struct taxonomy *tax,
			   const char *q, int limit, json_t **out,
			   struct pm_error *err);

#endif
