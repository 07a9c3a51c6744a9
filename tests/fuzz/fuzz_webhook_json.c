/*
 * Fuzzes what the webhooks parse once a signature has been checked: the
 * "old new ref" lines of POST /hooks/git (hooks_parse_ref_lines), and the
 * JSON push events of GitHub, Gitea and GitLab, loaded as hooks.c loads
 * them (json_loadb, an object, then "ref", "after", "object_kind" and
 * "repository"), also when form-encoded as payload=... (GitHub's form
 * content type; decoded here with the form parser).
 *
 * hooks.c reads the JSON inside its handlers, which need a live
 * connection; exposing that step as a function would let this target
 * call the very same code.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pmkb/http/hooks.h"
#include "pmkb/base/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void push_event(const char *data, size_t len)
{
	json_error_t jerr;
	json_t *j = json_loadb(data, len, 0, &jerr), *repo;

	if (!j || !json_is_object(j))
		goto out;
	json_string_value(json_object_get(j, "ref"));
	json_string_value(json_object_get(j, "after"));
	json_string_value(json_object_get(j, "object_kind"));
	repo = json_object_get(j, "repository");
	if (json_is_object(repo))
		json_string_value(json_object_get(repo, "clone_url"));
out:
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct form form = { 0 };
	struct pm_error err;
	char ref[256];
	const char *payload;

	hooks_parse_ref_lines(body, size, "main", ref, sizeof(ref), &err);
	push_event(body, size);
	if (size > 8 && !memcmp(body, "payload=", 8) &&
	    form_parse(&form, body, size, &err) == PM_OK &&
	    (payload = form_get(&form, "payload")))
		push_event(payload, strlen(payload));
	form_release(&form);
	return 0;
}
