/* Every API route is described in schema/openapi.yaml. */
#include <stdio.h>
#include <string.h>

#include "pmkb/http/assets.h"
#include "pmkb/http/routes.h"
#include "tap.h"

int main(void)
{
	const struct embedded_file *spec = embedded_find("schema/openapi.yaml");
	char param[64];
	const char *allow;

	ok(spec != NULL, "openapi.yaml is embedded");
	for (const struct route *r = routes; spec && r->method; r++) {
		char key[256], what[300];
		const char *at;

		if (!r->api)
			continue;
		snprintf(key, sizeof(key), "\n  %s:\n", r->pattern);
		at = strstr(spec->data, key);
		snprintf(what, sizeof(what), "%s %s is in openapi.yaml",
			 r->method, r->pattern);
		ok(at != NULL, what);
	}
	ok(routes_match("GET", "/api/postmortems/a b", param, sizeof(param),
			&allow) &&
		   !strcmp(param, "a b"),
	   "{slug} matches one segment");
	ok(!routes_match("GET", "/api/postmortems/a/b/c", param,
			 sizeof(param), &allow),
	   "{slug} does not match several segments");
	ok(!routes_match("DELETE", "/api/search", param, sizeof(param),
			 &allow) &&
		   allow && !strcmp(allow, "GET, HEAD"),
	   "a known path with another method is a 405 naming GET");
	ok(!routes_match("GET", "/hooks/github", param, sizeof(param),
			 &allow) &&
		   allow && !strcmp(allow, "POST"),
	   "a POST-only path announces POST");
	ok(!routes_match("GET", "/no/such/page", param, sizeof(param),
			 &allow) &&
		   !allow,
	   "an unknown path is no 405");
	ok(routes_match("GET", "/files/img/a b.png", param, sizeof(param),
			&allow) &&
		   !strcmp(param, "img/a b.png"),
	   "{path} matches the rest of the path, slashes and all");
	ok(!routes_match("GET", "/files/", param, sizeof(param), &allow),
	   "{path} is never empty");
	ok(!routes_match("GET", "/filesx", param, sizeof(param), &allow),
	   "{path} needs its prefix");
	ok(routes_match("HEAD", "/healthz", param, sizeof(param), &allow) !=
		   NULL,
	   "HEAD is answered like GET");
	return tap_done();
}
