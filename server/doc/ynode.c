/*
 * The YAML tree: see include/pmkb/doc/ynode.h. Building it ourselves from
 * libyaml's events lets us cap the depth and refuse aliases before
 * anything walks it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "pmkb/base/text.h"
#include "pmkb/base/buf.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/ynode.h"

void ynode_free(struct ynode *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->n; i++)
		ynode_free(n->kids[i]);
	free(n->kids);
	free(n->value);
	free(n);
}

/*
 * A plain scalar that YAML reads as null. Only plain ones: a quoted "null"
 * is the text null.
 */
static int is_null_scalar(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") ||
	       !strcmp(v, "Null") || !strcmp(v, "NULL");
}

/* Whether line (0-based) of yaml contains a tab, for a hint. */
static int line_has_tab(const char *yaml, size_t len, size_t line)
{
	const char *p = yaml, *end = yaml + len, *eol;

	for (; p < end; p = eol + 1) {
		eol = text_line_end(p, end);
		if (!line--)
			return memchr(p, '\t', (size_t)(eol - p)) != NULL;
		if (eol == end)
			break;
	}
	return 0;
}

enum pm_status ynode_load(struct ynode **root, const char *yaml, size_t len,
			  int first_line, struct pm_error *err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct ynode *stack[YNODE_MAX_DEPTH];
	struct ynode *top = NULL, *node;
	size_t depth = 0;
	int have_event = 0, done = 0;
	enum pm_status rc = PM_INVALID;
	struct buf msg = BUF_INIT;

	*root = NULL;
	if (!yaml_parser_initialize(&parser)) {
		fprintf(stderr, "pmkb: out of memory in libyaml\n");
		abort();
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			size_t l = parser.problem_mark.line;

			buf_addf(&msg, "not valid YAML: %s",
				 parser.problem ? parser.problem : "error");
			/*
			 * libyaml notices an unclosed [ or { where the next
			 * thing starts; the writer needs where it opened.
			 */
			if (parser.context && parser.context_mark.line != l)
				buf_addf(&msg, " (%s that starts on line %d)",
					 parser.context,
					 first_line +
						 (int)parser.context_mark.line);
			else if (parser.context)
				buf_addf(&msg, " (%s)", parser.context);
			if (line_has_tab(yaml, len, l))
				buf_addstr(&msg, "; YAML does not allow tabs for "
						 "indentation, use spaces");
			pm_error_set(err, PM_INVALID, "yaml", first_line + (int)l,
				     "%s", msg.ptr);
			goto out;
		}
		have_event = 1;
		node = NULL;
		switch (ev.type) {
		case YAML_DOCUMENT_END_EVENT:
		case YAML_STREAM_END_EVENT:
			/* Only the first document counts. */
			done = 1;
			break;
		case YAML_ALIAS_EVENT:
			pm_error_set(err, PM_INVALID, "yaml",
				     first_line + (int)ev.start_mark.line,
				     "YAML aliases (*%s) are not supported",
				     (const char *)ev.data.alias.anchor);
			goto out;
		case YAML_SCALAR_EVENT:
			node = xcalloc(1, sizeof(*node));
			node->type = YNODE_SCALAR;
			node->value =
				xstrndup((const char *)ev.data.scalar.value,
					 ev.data.scalar.length);
			node->len = strlen(node->value);
			node->is_null = is_null_scalar(&ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			node = xcalloc(1, sizeof(*node));
			node->type = ev.type == YAML_SEQUENCE_START_EVENT
					     ? YNODE_SEQUENCE
					     : YNODE_MAPPING;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if (node) {
			node->line = first_line + (int)ev.start_mark.line;
			if (depth) {
				struct ynode *parent = stack[depth - 1];

				XGROW(parent->kids, parent->alloc,
				      parent->n + 1);
				parent->kids[parent->n++] = node;
			} else {
				ynode_free(top);
				top = node;
			}
			if (node->type != YNODE_SCALAR) {
				if (depth == YNODE_MAX_DEPTH) {
					pm_error_set(err, PM_INVALID, "yaml",
						     node->line,
						     "YAML nested more than %d "
						     "levels deep",
						     YNODE_MAX_DEPTH);
					goto out;
				}
				stack[depth++] = node;
			}
		}
		yaml_event_delete(&ev);
		have_event = 0;
	}
	*root = top;
	top = NULL;
	rc = PM_OK;
out:
	buf_release(&msg);
	if (have_event)
		yaml_event_delete(&ev);
	ynode_free(top);
	yaml_parser_delete(&parser);
	return rc;
}

const struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (!map || map->type != YNODE_MAPPING)
		return NULL;
	for (i = 0; i + 1 < map->n; i += 2)
		if (map->kids[i]->type == YNODE_SCALAR &&
		    !strcmp(map->kids[i]->value, key))
			return map->kids[i + 1];
	return NULL;
}

const char *ynode_type_name(const struct ynode *n)
{
	switch (n->type) {
	case YNODE_SEQUENCE:
		return "a list";
	case YNODE_MAPPING:
		return "a mapping";
	default:
		return "text";
	}
}
