/*
 * A YAML document as a small tree, for front matter and .pmkb.yml. Built
 * from libyaml events with the depth capped at YNODE_MAX_DEPTH; aliases
 * are refused (they could multiply the work of a walker) and tags ignored.
 */
#ifndef PMKB_DOC_YNODE_H
#define PMKB_DOC_YNODE_H

#include <stddef.h>

#include "pmkb/base/status.h"

/* Deeper YAML than this is an error (guards the tree walkers). */
#define YNODE_MAX_DEPTH 32

enum ynode_type { YNODE_SCALAR, YNODE_SEQUENCE, YNODE_MAPPING };

struct ynode {
	enum ynode_type type;
	int line;	/* 1-based line in the file */
	int is_null;	/* a plain empty, ~ or null scalar */
	char *value;	/* scalar text (NUL-terminated), else NULL */
	size_t len;	/* scalar length */
	struct ynode **kids; /* sequence items; mapping keys and values */
	size_t n, alloc;       /* alternate: kids[2i] key, kids[2i+1] value */
};

/*
 * Loads the first document of yaml (whose first line is line first_line of
 * the file) into *root (owned: ynode_free(); NULL for an empty document).
 * PM_INVALID for YAML that is not valid or that pmkb refuses, with the
 * file's line and the reason in err.
 */
enum pm_status ynode_load(struct ynode **root, const char *yaml, size_t len,
			  int first_line, struct pm_error *err);
void ynode_free(struct ynode *n);
/* The value for key in a mapping (the first one), or NULL. */
const struct ynode *ynode_get(const struct ynode *map, const char *key);
/* "text", "a list" or "a mapping", for messages. */
const char *ynode_type_name(const struct ynode *n);

#endif
