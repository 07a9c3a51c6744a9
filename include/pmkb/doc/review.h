/*
 * The review lint: what a postmortem reviewer would ask about, checked on
 * every parse and reported as ordinary diagnostics (pmkb lint, the
 * pre-receive hook, the page's problems box).
 *
 *   action_owner    an open action item without @owner or due:date
 *   non_action      an action item that only asks people to try harder
 *                   (気を付ける, 注意する, 周知徹底, "be more careful", ...)
 *   human_error     "human error" / ヒューマンエラー / 人為的ミス given as
 *                   the only cause
 *   counterfactual  hindsight that reads as blame ("should have",
 *                   べきだった, 〜していれば)
 *
 * Each message is written in the language of the text it is about
 * (Japanese text gets a Japanese message), says why the rule matters and
 * suggests a better form. Rules are set in .pmkb.yml:
 *
 *   review:
 *     action_owner: warning          # off | warning | error
 *     non_action: {level: error, phrases: [様子を見る, "try harder"]}
 *     counterfactual: off
 *
 * An error fails `pmkb lint` and rejects a push at pre-receive.
 */
#ifndef PMKB_DOC_REVIEW_H
#define PMKB_DOC_REVIEW_H

#include <stddef.h>

#include "pmkb/base/status.h"

struct postmortem;
struct ynode;

enum review_rule {
	REVIEW_ACTION_OWNER,
	REVIEW_NON_ACTION,
	REVIEW_HUMAN_ERROR,
	REVIEW_COUNTERFACTUAL,
	REVIEW__MAX
};

enum review_level { REVIEW_OFF, REVIEW_WARNING, REVIEW_ERROR };

/* Extra phrases per rule are capped at this many. */
#define REVIEW_MAX_PHRASES 64

struct review_rules {
	enum review_level level[REVIEW__MAX];
	char **phrases[REVIEW__MAX]; /* extra phrases, besides the built-in */
	size_t n_phrases[REVIEW__MAX];
};

/* "action_owner", "non_action", "human_error", "counterfactual". */
const char *review_rule_name(enum review_rule r);

/*
 * Reads the `review:` mapping of .pmkb.yml (borrowed) into *out (owned:
 * review_rules_free()). Every rule starts at warning. PM_INVALID with the
 * line and reason in err (source as given) for an unknown rule or level.
 */
enum pm_status review_rules_parse(struct review_rules **out,
				  const struct ynode *v, const char *source,
				  struct pm_error *err);
void review_rules_free(struct review_rules *rules);

/*
 * Checks pm (already parsed; its actions, causes and source lines are
 * read) and its Markdown body (borrowed; body_line is the file's line of
 * its first byte), adding a diagnostic per finding. rules NULL means every
 * rule at warning with the built-in phrases only.
 */
void review_check(struct postmortem *pm, const char *body, size_t body_len,
		  int body_line, const struct review_rules *rules);

#endif
