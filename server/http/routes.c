/* Every URL pmkb answers, in one table. */
#include <string.h>

#include "pmkb/http/routes.h"

const struct route routes[] = {
	{ "GET", "/healthz", api_healthz, 1, ROUTE_PUBLIC },
	{ "GET", "/readyz", metrics_readyz, 1, ROUTE_PUBLIC },
	{ "GET", "/metrics", metrics_serve, 1, ROUTE_READ },
	{ "GET", "/login", auth_login_page, 1, ROUTE_PUBLIC },
	{ "POST", "/login", auth_login_post, 1, ROUTE_PUBLIC },
	{ "POST", "/logout", auth_logout_post, 1, ROUTE_PUBLIC },
	{ "GET", "/api/session", auth_session_get, 1, ROUTE_READ },
	{ "GET", "/api/postmortems", api_list, 1, ROUTE_READ },
	{ "GET", "/api/postmortems/{slug}", api_get, 1, ROUTE_READ },
	{ "GET", "/api/postmortems/{slug}/similar", api_similar, 1,
	  ROUTE_READ },
	{ "GET", "/api/suggest", api_suggest, 1, ROUTE_READ },
	{ "GET", "/api/search", api_search, 1, ROUTE_READ },
	{ "GET", "/api/problems", api_problems, 1, ROUTE_READ },
	{ "GET", "/api/stats/causes", api_stats_causes, 1, ROUTE_READ },
	{ "GET", "/api/stats/durations", api_stats_durations, 1, ROUTE_READ },
	{ "GET", "/api/stats/follow-through", api_stats_follow_through, 1,
	  ROUTE_READ },
	{ "GET", "/api/action-items", api_action_items, 1, ROUTE_READ },
	{ "GET", "/api/openapi.yaml", api_openapi, 1, ROUTE_READ },
	{ "GET", "/api/sync", hooks_sync_status, 1, ROUTE_READ },
	{ "POST", "/hooks/git", hooks_git, 1, ROUTE_PUBLIC },
	{ "POST", "/hooks/github", hooks_github, 1, ROUTE_PUBLIC },
	{ "POST", "/hooks/gitlab", hooks_gitlab, 1, ROUTE_PUBLIC },
	{ "POST", "/hooks/actions", hooks_actions, 1, ROUTE_PUBLIC },
	{ "POST", "/slack/command", slack_command, 1, ROUTE_PUBLIC },
	{ "GET", "/api/outbox", api_outbox, 1, ROUTE_READ },
	{ "GET", "/", assets_index, 0, ROUTE_READ },
	{ "GET", "/p/{slug}", api_page, 0, ROUTE_READ },
	{ "GET", "/trends", assets_index, 0, ROUTE_READ },
	{ "GET", "/actions", assets_index, 0, ROUTE_READ },
	{ "GET", "/problems", assets_index, 0, ROUTE_READ },
	{ "GET", "/feed.atom", feed_atom, 1, ROUTE_READ },
	{ "GET", "/favicon.ico", assets_favicon, 0, ROUTE_PUBLIC },
	/* Images and sources from --dir; {path} may hold slashes. */
	{ "GET", "/files/{path}", assets_repo_file, 0, ROUTE_READ },
	/* The UI's modules, style and icons: whatever web/ embeds. */
	{ "GET", "/{slug}.js", assets_serve, 0, ROUTE_PUBLIC },
	{ "GET", "/{slug}.css", assets_serve, 0, ROUTE_PUBLIC },
	{ "GET", "/{slug}.svg", assets_serve, 0, ROUTE_PUBLIC },
	{ NULL, NULL, NULL, 0, ROUTE_READ },
};

/* Matches path against pattern; copies the {slug} segment, or the rest
 * of the path for a pattern ending in {path}, into param. */
static int match(const char *pattern, const char *path, char *param,
		 unsigned psz)
{
	const char *brace = strstr(pattern, "{slug}");
	const char *rest = strstr(pattern, "{path}");
	size_t pre, post_len, seg;
	const char *post, *end;

	if (rest) {
		pre = (size_t)(rest - pattern);
		if (strncmp(pattern, path, pre))
			return 0;
		seg = strlen(path + pre);
		if (!seg || seg >= psz)
			return 0;
		memcpy(param, path + pre, seg + 1);
		return 1;
	}
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
				 char *param, unsigned psz, const char **allow)
{
	int get = 0, post = 0;

	*allow = NULL;
	for (const struct route *r = routes; r->method; r++) {
		if (!match(r->pattern, path, param, psz))
			continue;
		if (!strcmp(r->method, method) ||
		    (!strcmp(method, "HEAD") && !strcmp(r->method, "GET")))
			return r;
		if (!strcmp(r->method, "GET"))
			get = 1;
		else if (!strcmp(r->method, "POST"))
			post = 1;
	}
	if (get || post)
		*allow = get && post ? "GET, HEAD, POST" : get ? "GET, HEAD"
							       : "POST";
	return NULL;
}
