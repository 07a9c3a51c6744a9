/*
 * The settings in force: the taxonomy (.pmkb.yml) that requests read while a
 * sync may replace it. A reader acquires a reference to the current
 * taxonomy and releases it when done; a replacement takes effect for the
 * next acquire, and the old taxonomy is freed when its last reader lets go.
 * Nobody holds a lock while working.
 */
#ifndef PMKB_DOC_SETTINGS_H
#define PMKB_DOC_SETTINGS_H

#include "pmkb/doc/taxonomy.h"

struct settings;

/* Starts with tax (owned from now on), or the defaults when tax is NULL. */
struct settings *settings_new(struct taxonomy *tax);

/* Frees the holder and the current taxonomy; no reader may remain. */
void settings_free(struct settings *s);

/* The current taxonomy, to be given back with settings_release(). */
const struct taxonomy *settings_acquire(struct settings *s);
void settings_release(struct settings *s, const struct taxonomy *tax);

/* Puts tax (owned from now on) in force. */
void settings_replace(struct settings *s, struct taxonomy *tax);

#endif
