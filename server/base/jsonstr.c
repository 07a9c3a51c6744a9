/* Strings out of JSON objects: see include/pmkb/base/jsonstr.h. */
#include "pmkb/base/jsonstr.h"

const char *jstr(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}
