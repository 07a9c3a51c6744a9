/*
 * Files compiled into the binary: the web UI under web/ and the schema
 * under schema/. server/base/embed.py generates the table at build time.
 */
#ifndef PMKB_BASE_EMBEDDED_H
#define PMKB_BASE_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *path; /* relative to the source tree: "web/app.js" */
	const char *data; /* NUL-terminated for convenience */
	size_t len;
};

/* Ends with an entry whose path is NULL. */
extern const struct embedded_file embedded_files[];

/* The file at PATH ("schema/001_init.sql"), or NULL. */
const struct embedded_file *embedded_find(const char *path);

#endif
