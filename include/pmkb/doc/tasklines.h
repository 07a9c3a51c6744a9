/*
 * Ticked task-list lines ("- [x] text") read straight from a Markdown
 * file's bytes, without parsing it: enough to tell which boxes one version
 * of a file ticks, so that the versions of a file in git can be compared
 * quickly. A line's key is a hash of its text after the box with white
 * space collapsed, so a box keeps its key when lines move around it.
 */
#ifndef PMKB_DOC_TASKLINES_H
#define PMKB_DOC_TASKLINES_H

#include <stddef.h>
#include <stdint.h>

struct taskline {
	int line;     /* 1-based */
	uint64_t key; /* tasklines_key() of the text after the box */
};

/*
 * The ticked task lines of data[0..len), in order, into *out (owned, NULL
 * when there are none); returns how many. A line counts when it is a list
 * item ("-", "*", "+", "1." or "1)", indented or quoted with ">") whose
 * text starts with "[x]" or "[X]" and a blank.
 */
size_t tasklines_ticked(const char *data, size_t len, struct taskline **out);

/* The key of line (1-based) of data[0..len) when it is a ticked task
 * line; 0 otherwise. */
uint64_t tasklines_key_at(const char *data, size_t len, int line);

#endif
