/*
 * Action items from tables: which columns a header names, and what a row
 * gives (tests/fixtures/postmortem/action-table-ja drives the parser).
 */
#include <string.h>

#include "pmkb/doc/actiontable.h"
#include "pmkb/doc/postmortem.h"
#include "tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_header(void)
{
	static const char *const ja[] = { "#", "カテゴリ", " アクション ",
					  "担当", "期限", "ステータス" };
	static const char *const en[] = { "Owner", "Task", "Due date",
					  "State", "Task" };
	static const char *const none[] = { "時刻", "出来事" };
	struct action_table t;

	ok(action_table_header(&t, ja, N(ja)), "a Japanese header");
	ok(t.action == 2 && t.owner == 3 && t.due == 4 && t.state == 5,
	   "its columns");
	ok(action_table_header(&t, en, N(en)), "an English header");
	ok(t.action == 1 && t.owner == 0 && t.due == 2 && t.state == 3,
	   "its columns; the first of two action columns");
	ok(!action_table_header(&t, none, N(none)),
	   "a timeline names no action column");
	ok(!action_table_header(&t, NULL, 0), "no cells");
}

/* The one item a row of {action, state, owner, due} gives, or NULL. */
static const struct pm_action *row(struct postmortem *pm, const char *action,
				   const char *state, const char *owner,
				   const char *due)
{
	static const char *const header[] = { "Action", "Status", "Owner",
					      "Due" };
	const char *cells[] = { action, state, owner, due };
	struct action_table t;
	size_t before = pm->n_actions;

	action_table_header(&t, header, N(header));
	action_table_row(&t, pm, cells, N(cells), 7);
	return pm->n_actions > before ? &pm->actions[pm->n_actions - 1] : NULL;
}

static void test_rows(void)
{
	static const char *const done[] = { "Done", "completed", "完了",
					    "完了（4/16）", "対応済み", "✅",
					    "[x] yes" };
	static const char *const open[] = { "未完了", "完了予定", "Not done",
					    "In progress", "", "未着手" };
	struct postmortem pm;
	const struct pm_action *a;

	postmortem_init(&pm);
	for (size_t i = 0; i < N(done); i++) {
		a = row(&pm, "x", done[i], "", "");
		ok(a && a->done, done[i]);
	}
	for (size_t i = 0; i < N(open); i++) {
		a = row(&pm, "x", open[i], "", "");
		ok(a && !a->done, open[i][0] ? open[i] : "an empty state");
	}
	a = row(&pm, " Fix the alert ", "", "@ann", "2026/4/6 (予定)");
	ok(a && !strcmp(a->text, "Fix the alert"), "the action, trimmed");
	ok(a && a->owner && !strcmp(a->owner, "ann"), "the owner without @");
	ok(a && a->due && !strcmp(a->due, "2026-04-06"),
	   "a due date with a note");
	ok(a && a->line == 7, "the row's line");
	a = row(&pm, "Fix it @bob due:2026-05-01", "", "ann", "2026-04-06");
	ok(a && !strcmp(a->owner, "bob") && !strcmp(a->due, "2026-05-01"),
	   "markers in the text win over the cells");
	a = row(&pm, "y", "", "TBD", "4月末");
	ok(a && !a->owner && !a->due, "no owner, no date");
	ok(!row(&pm, "   ", "Done", "ann", ""), "an empty action: no item");
	postmortem_release(&pm);
}

int main(void)
{
	test_header();
	test_rows();
	return tap_done();
}
