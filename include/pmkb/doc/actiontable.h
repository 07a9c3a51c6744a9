/*
 * Action items kept in a table under an action heading (doc/sections.h's
 * SECTION_ACTIONS: "## Action items", "## アクションアイテム", "## 再発防止策"),
 * one row each, as many Japanese templates write them:
 *
 *   | # | アクション | 担当 | 期限 | 状態 |
 *   |---|---|---|---|---|
 *   | P-1 | jemalloc を入れる | 開発担当者 | 2026-03-23 | 完了 |
 *
 * The header row names the columns: the action (アクション, 対策, 内容,
 * Action, Task, Item, ...), its owner (担当, 担当者, Owner, Assignee), its
 * due date (期限, 期日, Due, Deadline) and its state (状態, ステータス,
 * Status). A table without an action column holds no actions. A row is
 * done when its state says so (完了, 対応済み, Done, Closed, ✅) and its
 * due date counts when it is one (2026-03-23, 2026/3/23).
 *
 * The Markdown walk (doc/markdown.c) finds the tables and hands over the
 * text of their cells; this module knows what the columns mean.
 */
#ifndef PMKB_DOC_ACTIONTABLE_H
#define PMKB_DOC_ACTIONTABLE_H

#include <stddef.h>

struct postmortem;

/* The columns of one table. Zero-initialised: no table. */
struct action_table {
	int action, owner, due, state; /* column indexes, -1: none */
};

/*
 * Reads the header cells cells[0..n) into t; 0 when they name no action
 * column (t is then no table).
 */
int action_table_header(struct action_table *t, const char *const *cells,
			size_t n);

/*
 * Adds the row cells[0..n) of t's table, which starts on line, to pm's
 * action items (postmortem_add_action(): past the cap it is counted, not
 * kept). A row with an empty action cell is no item.
 */
void action_table_row(const struct action_table *t, struct postmortem *pm,
		      const char *const *cells, size_t n, int line);

#endif
