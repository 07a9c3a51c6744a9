/*
 * What every handler can reach: the configuration, the index, the
 * settings in force, Slack, the syncer and the server's own parts. One
 * value lives for the whole of `pmkb serve` (cli.c).
 */
#ifndef PMKB_HTTP_APP_H
#define PMKB_HTTP_APP_H

#include <stdint.h>

struct auth;
struct pm_config;
struct settings;
struct store;
struct outbox_worker;
struct pr_worker;
struct slack;
struct outbox_context;
struct digest_scheduler;
struct syncer;
struct server;
struct metrics;

/* What every handler can reach, passed through libmicrohttpd's closure. */
struct app {
	const struct pm_config *cfg;
	struct store *store;
	char *public_url; /* without a trailing slash */
	/* The settings in force (doc/settings.h), replaced by a sync. */
	struct settings *settings;
	/*
	 * Slack (slack.c, outbox.c), with its secrets from the environment
	 * only: the slash command (with PMKB_SLACK_SIGNING_SECRET), the
	 * delivery worker (with PMKB_SLACK_WEBHOOK_URL) and what incremental
	 * syncs announce. Each is NULL when not configured.
	 */
	struct slack *slack;
	struct outbox_worker *outbox;
	struct outbox_context *announce;
	struct digest_scheduler *digest; /* with announce; slack/digest.h */
	/* Comments on pull requests (prcomment.h); NULL without a forge
	 * token. */
	struct pr_worker *prs;
	/* The git syncer (syncer.h) with --repo, else NULL. */
	struct syncer *syncer;
	/* Indexes as of past commits (asofcache.h) with --repo, else NULL. */
	struct asof_cache *asof;
	/* Recent search answers (searchcache.h); NULL: --search-cache 0. */
	struct search_cache *search_cache;
	/*
	 * Operations. server_start() creates auth and metrics and sets
	 * server; import_* describe the import of --dir that cmd_serve ran
	 * without --repo (for /metrics; the syncer reports its own).
	 */
	struct server *server;
	struct auth *auth;
	struct metrics *metrics;
	int64_t import_at;	/* seconds since 1970; 0: none */
	int import_ok;
	double import_seconds;
};

#endif
