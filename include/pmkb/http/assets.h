/*
 * Serving the embedded files (base/embedded.h): content types and ETags.
 */
#ifndef PMKB_HTTP_ASSETS_H
#define PMKB_HTTP_ASSETS_H

#include "pmkb/base/embedded.h"

/* A Content-Type for path from its extension. */
const char *assets_content_type(const char *path);

/* A strong ETag for the file: "\"<16 hex digits>\"" (static storage). */
const char *assets_etag(const struct embedded_file *f);

#endif
