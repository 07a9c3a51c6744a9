/*
 * The Atom 1.0 feed of new postmortems (RFC 4287), served at /feed.atom so
 * that feed readers and chat bots can follow what the team publishes.
 *
 * The feed holds the newest FEED_MAX_ENTRIES postmortems whose status is
 * "published", newest first. An entry's published time is when the file
 * was first committed (the incident's start when the index was built from
 * a plain directory, which has no history); its updated time is the last
 * commit that changed the file (the file's modification time for a plain
 * directory). Links and ids are absolute, built on the server's public
 * URL (--public-url), so set that when pmkb runs behind a proxy.
 */
#ifndef PMKB_HTTP_FEED_H
#define PMKB_HTTP_FEED_H

#include <stdint.h>

#include "pmkb/base/status.h"

struct buf;
struct dbconn;
struct request;
struct reply;

#define FEED_MAX_ENTRIES 50

/*
 * Appends s as XML character data: &, <, >, " and ' become entities, and
 * characters XML 1.0 cannot carry at all (C0 controls other than tab, LF
 * and CR; U+FFFE and U+FFFF) are dropped. s must be UTF-8 (the index
 * repairs it at ingest).
 */
void feed_add_xml_text(struct buf *out, const char *s);

/* Appends t (seconds since 1970) as an RFC 3339 UTC time: ...T...Z. */
void feed_add_time(struct buf *out, int64_t t);

/*
 * Writes the whole feed document onto out, reading the index through c
 * (borrowed). base_url is the server's public URL without a trailing
 * slash; now is used for the feed's updated time when it has no entries.
 * Returns PM_DB when the index cannot be read (out then holds a partial
 * document and must not be sent).
 */
enum pm_status feed_render(struct dbconn *c, const char *base_url,
			   int64_t now, struct buf *out);

#endif
