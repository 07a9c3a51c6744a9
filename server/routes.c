/* Every URL pmkb answers, in one table. */
#include <string.h>

#include "pmkb/hooks.h"
#include "pmkb/routes.h"

const struct route routes[] = {
	{ "GET", "/healthz", api_healthz, 1 },
	{ "GET", "/api/postmortems", api_list, 1 },
	{ "GET", "/api/postmortems/{slug}", api_get, 1 },
	{ "GET", "/api/search", api_search, 1 },
	{ "GET", "/api/problems", api_problems, 1 },
	{ "GET", "/api/stats/causes", api_stats_causes, 1 },
	{ "GET", "/api/stats/durations", api_stats_durations, 1 },
	{ "GET", "/api/action-items", api_action_items, 1 },
	{ "GET", "/api/openapi.yaml", api_openapi, 1 },
	{ "GET", "/api/sync", hooks_sync_status, 1 },
	{ "POST", "/hooks/git", hooks_git, 1 },
	{ "POST", "/hooks/github", hooks_github, 1 },
	{ "POST", "/hooks/gitlab", hooks_gitlab, 1 },
	{ "POST", "/slack/command", slack_command, 1 },
	{ "GET", "/api/outbox", api_outbox, 1 },
	{ "GET", "/", assets_index, 0 },
	{ "GET", "/p/{slug}", assets_index, 0 },
	{ "GET", "/problems", assets_index, 0 },
	{ "GET", "/app.js", assets_serve, 0 },
	{ "GET", "/app.css", assets_serve, 0 },
	{ NULL, NULL, NULL, 0 },
};

/* Matches path against pattern; copies the {slug} segment into param. */
static int match(const char *pattern, const char *path, char *param,
		 unsigned psz)
{
	const char *brace = strstr(pattern, "{slug}");
	size_t pre, post_len, seg;
	const char *post, *end;

	if (!brace)
		return !strcmp(pattern, path);
	pre = (size_t)(brace - pattern);
	if (strncmp(pattern, path, pre))
		return 0;
	post = brace + 6;
	post_len = strlen(post);
	end = path + strlen(path);
	if ((size_t)(end - (path + pre)) < post_len + 1 ||
	    strcmp(end - post_len, post))
		return 0;
	seg = (size_t)(end - post_len - (path + pre));
	if (memchr(path + pre, '/', seg) || seg >= psz)
		return 0;
	memcpy(param, path + pre, seg);
	param[seg] = '\0';
	return 1;
}

const struct route *routes_match(const char *method, const char *path,
				 char *param, unsigned psz, int *wrong_method)
{
	*wrong_method = 0;
	for (const struct route *r = routes; r->method; r++) {
		if (!match(r->pattern, path, param, psz))
			continue;
		if (!strcmp(r->method, method) ||
		    (!strcmp(method, "HEAD") && !strcmp(r->method, "GET")))
			return r;
		*wrong_method = 1;
	}
	return NULL;
}
