/*
 * Which code belongs to which service, from .pmkb.yml, so that a change to
 * code can recall the incidents of its services (search/recall.h):
 *
 *   services:
 *     billing-api:
 *       paths: ['billing/<two stars>', 'deploy/billing.yaml']
 *
 * Paths are globs (base/glob.h) relative to the code repository's root.
 */
#ifndef PMKB_DOC_CODEMAP_H
#define PMKB_DOC_CODEMAP_H

#include <stddef.h>

#include "pmkb/base/status.h"

struct ynode;

/* At most this many services and globs per service. */
#define CODEMAP_MAX 1024

struct code_service {
	char *name;
	char **globs;
	size_t n_globs;
};

struct codemap {
	struct code_service *v;
	size_t n;
};

/*
 * Reads the `services:` mapping (borrowed) into *out (owned:
 * codemap_free()). PM_INVALID with the line and reason in err (source as
 * given) when it is not a mapping of names to {paths: [globs]}.
 */
enum pm_status codemap_parse(struct codemap **out, const struct ynode *v,
			     const char *source, struct pm_error *err);
void codemap_free(struct codemap *m);

/*
 * The first glob of service s that path matches, or NULL.
 */
const char *codemap_match(const struct code_service *s, const char *path);

#endif
