/*
 * Action items from tables: see include/pmkb/doc/actiontable.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pmkb/base/text.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/actiontable.h"
#include "pmkb/doc/pmtime.h"
#include "pmkb/doc/postmortem.h"

/* An owner or due cell longer than this is prose, not a name or date. */
#define CELL_MAX 80

static const char *const action_names[] = {
	"action",	"actions",   "action item", "action items",
	"アクション",	"アクションアイテム", "対策", "対策内容",
	"改善策",	"再発防止策", "内容",	     "対応",
	"対応内容",	"task",	     "tasks",	     "タスク",
	"item",		"項目",	     "description", "todo",
	"what",		NULL,
};
static const char *const owner_names[] = {
	"owner",    "owners", "オーナー",	"担当",	       "担当者",
	"担当チーム", "assignee", "assigned to", "responsible", "who",
	NULL,
};
static const char *const due_names[] = {
	"due",	    "due date", "期限",	    "期日",	   "deadline",
	"target",   "target date", "完了予定", "完了予定日", "when",
	NULL,
};
static const char *const state_names[] = {
	"status", "state", "状態", "ステータス", "進捗", "done", "完了", NULL,
};

/* The cell's text trimmed, as s and *len. */
static const char *cell(const char *s, size_t *len)
{
	*len = s ? strlen(s) : 0;
	return s ? text_trim(s, len) : "";
}

static int named(const char *s, const char *const *names)
{
	size_t len;

	s = cell(s, &len);
	for (size_t i = 0; names[i]; i++)
		if (strlen(names[i]) == len && !strncasecmp(s, names[i], len))
			return 1;
	return 0;
}

int action_table_header(struct action_table *t, const char *const *cells,
			size_t n)
{
	t->action = t->owner = t->due = t->state = -1;
	for (size_t i = 0; i < n; i++) {
		int *col = named(cells[i], action_names)  ? &t->action
			   : named(cells[i], owner_names) ? &t->owner
			   : named(cells[i], due_names)	  ? &t->due
			   : named(cells[i], state_names) ? &t->state
							  : NULL;

		if (col && *col < 0)
			*col = (int)i;
	}
	return t->action >= 0;
}

/*
 * Whether a state cell says done: it begins with a word for it, "完了"
 * but not "完了予定" (scheduled), "Done" but not "Not done".
 */
static int says_done(const char *s)
{
	static const char *const words[] = {
		"done",	    "completed", "complete", "closed",	"resolved",
		"fixed",    "finished",	 "完了",     "対応済み", "対応済",
		"実施済み", "実施済",	 "済み",     "済",	"✅",
		"✔",	    "☑",	 "[x]",	     NULL,
	};
	size_t len;

	s = cell(s, &len);
	for (size_t i = 0; words[i]; i++) {
		size_t n = strlen(words[i]);

		if (len >= n && !strncasecmp(s, words[i], n) &&
		    strncmp(s + n, "予定", strlen("予定")))
			return 1;
	}
	return 0;
}

/* An owner's name from its cell, owned, or NULL: empty, a dash, TBD. */
static char *owner_of(const char *s)
{
	static const char *const none[] = { "-", "—", "–", "tbd", "未定",
					    "なし", "n/a", NULL };
	size_t len;

	s = cell(s, &len);
	if (len && *s == '@') {
		s++;
		len--;
	}
	if (!len || len > CELL_MAX)
		return NULL;
	for (size_t i = 0; none[i]; i++)
		if (strlen(none[i]) == len && !strncasecmp(s, none[i], len))
			return NULL;
	return xstrndup(s, len);
}

/* The due date in a cell (2026-03-23, 2026/3/23 (予定)), owned, or NULL. */
static char *due_of(const char *s)
{
	struct pm_time t;
	size_t len;

	s = cell(s, &len);
	if (!len || len > CELL_MAX || pm_time_scan(&t, s, NULL))
		return NULL;
	return xstrndup(t.text, 10);
}

/* Whether column col is one of a row of n cells. */
static int in_row(int col, size_t n)
{
	return col >= 0 && (size_t)col < n;
}

void action_table_row(const struct action_table *t, struct postmortem *pm,
		      const char *const *cells, size_t n, int line)
{
	const char *text;
	struct pm_action *a;
	char *item;
	size_t len;
	int done;

	if (!in_row(t->action, n))
		return;
	text = cell(cells[t->action], &len);
	if (!len)
		return;
	item = xstrndup(text, len);
	done = in_row(t->state, n) && says_done(cells[t->state]);
	a = postmortem_add_action(pm, done, item, line);
	free(item);
	if (!a)
		return;
	if (!a->owner && in_row(t->owner, n))
		a->owner = owner_of(cells[t->owner]);
	if (!a->due && in_row(t->due, n))
		a->due = due_of(cells[t->due]);
}
