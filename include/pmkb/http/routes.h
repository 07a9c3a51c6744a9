/*
 * The route table: method and path pattern → handler. A pattern is a
 * literal path, or one with a single "{slug}" segment (any text without a
 * slash), or ends in "*" (any rest).
 */
#ifndef PMKB_HTTP_ROUTES_H
#define PMKB_HTTP_ROUTES_H

struct request;
struct reply;

typedef void (*route_fn)(struct request *req, struct reply *rep);

/*
 * Who may call a route (auth.h). Routes are ROUTE_READ unless marked:
 * ROUTE_PUBLIC for probes, the login page, static assets, and endpoints
 * that verify their own signatures (webhooks, Slack); ROUTE_ADMIN for
 * what changes state on request of a person.
 */
enum route_access { ROUTE_READ, ROUTE_PUBLIC, ROUTE_ADMIN };

struct route {
	const char *method;
	const char *pattern;
	route_fn fn;
	int api;		  /* 1: described in schema/openapi.yaml */
	enum route_access access; /* ROUTE_READ when left out */
};

/* Ends with an entry whose method is NULL. */
extern const struct route routes[];

/*
 * The route for method and path, copying a {slug} into param (size psz).
 * When the path exists with other methods only, returns NULL and sets
 * *allow to those methods ("GET, HEAD", "POST"...), for a 405's Allow
 * header; otherwise *allow is NULL.
 */
const struct route *routes_match(const char *method, const char *path,
				 char *param, unsigned psz, const char **allow);

/* Handlers (api.c, assets.c). */
void api_healthz(struct request *req, struct reply *rep);
void api_list(struct request *req, struct reply *rep);
void api_get(struct request *req, struct reply *rep);
void api_search(struct request *req, struct reply *rep);
void api_problems(struct request *req, struct reply *rep);
void api_openapi(struct request *req, struct reply *rep);
/*
 * GET /api/postmortems/{slug}/similar (similar.c) and GET /api/suggest
 * (suggest.c): see similar.h and suggest.h.
 */
void api_similar(struct request *req, struct reply *rep);
void api_suggest(struct request *req, struct reply *rep);
/* api_stats.c */
void api_stats_causes(struct request *req, struct reply *rep);
void api_stats_durations(struct request *req, struct reply *rep);
void api_stats_follow_through(struct request *req, struct reply *rep);
void api_action_items(struct request *req, struct reply *rep);
/* Slack (slack.c, outbox.c). */
void slack_command(struct request *req, struct reply *rep);
void api_outbox(struct request *req, struct reply *rep);
void assets_serve(struct request *req, struct reply *rep);
void assets_index(struct request *req, struct reply *rep);
void assets_favicon(struct request *req, struct reply *rep);
void assets_repo_file(struct request *req, struct reply *rep);
void api_page(struct request *req, struct reply *rep);
void auth_login_page(struct request *req, struct reply *rep);
void auth_login_post(struct request *req, struct reply *rep);
void auth_logout_post(struct request *req, struct reply *rep);
void auth_session_get(struct request *req, struct reply *rep);
void feed_atom(struct request *req, struct reply *rep);
void hooks_git(struct request *req, struct reply *rep);
void hooks_github(struct request *req, struct reply *rep);
void hooks_gitlab(struct request *req, struct reply *rep);
void hooks_actions(struct request *req, struct reply *rep);
void hooks_sync_status(struct request *req, struct reply *rep);
void metrics_serve(struct request *req, struct reply *rep);
void metrics_readyz(struct request *req, struct reply *rep);

#endif
