/*
 * CSV cells (RFC 4180) that spreadsheets open as text: every CSV pmkb
 * writes, statistics and search results alike, quotes through here.
 */
#ifndef PMKB_BASE_CSV_H
#define PMKB_BASE_CSV_H

#include "pmkb/base/buf.h"

/*
 * Appends s as one cell: quoted when it holds a comma, a quote or a line
 * break, and, unless it is a number, prefixed with ' inside quotes when it
 * starts with = + - @ or a tab or CR, which spreadsheets would run as a
 * formula.
 */
void csv_cell(struct buf *out, const char *s);

#endif
