/*
 * Configuration from command-line flags and PMKB_* environment variables,
 * declared once in a table (config.c) that also produces --help. A flag
 * wins over its variable, which wins over the default.
 */
#ifndef PMKB_BASE_CONFIG_H
#define PMKB_BASE_CONFIG_H

#include <stdio.h>

#include "pmkb/base/status.h"

struct pm_config {
	const char *db;		/* --db, PMKB_DB */
	const char *listen;	/* --listen HOST:PORT, PMKB_LISTEN */
	const char *dir;	/* --dir, PMKB_DIR: the postmortems */
	const char *public_url; /* --public-url, PMKB_PUBLIC_URL */
	const char *log_level;	/* --log-level, PMKB_LOG_LEVEL */
	long threads;		/* --threads, PMKB_THREADS */
	long max_body;		/* --max-body BYTES, PMKB_MAX_BODY */
	long max_connections;	/* --max-connections */
	long max_per_ip;	/* --max-per-ip */
	long timeout;		/* --timeout SECONDS (idle connection) */
	long limit;		/* --limit N (pmkb search) */
	/* Slack announcements; the secrets come from the environment only. */
	const char *slack_announce; /* --slack-announce new|new+updated|off */
	const char *pr_comments;    /* --pr-comments forge|slack */
	long slack_max_attempts;    /* --slack-max-attempts */
	long slack_backoff_ms;	    /* --slack-backoff-ms: the first delay */
	long slack_timeout_ms;	    /* --slack-timeout-ms: wait for an answer */
	long slack_inline_ms;	    /* --slack-inline-ms: answer later past it */
	const char *slack_response_prefix; /* --slack-response-prefix */
	/* pmkb stats: parameters as in GET /api/stats/... (checked there). */
	const char *period; /* --period half|quarter|year|month */
	const char *mode;   /* --mode primary|any */
	const char *format; /* --format table|csv|md|json */
	const char *from;   /* --from DATE|PERIOD */
	const char *to;	    /* --to DATE|PERIOD */
	const char *as_of;  /* --as-of REV */
	const char *min_n;  /* --min-n N: fewer durations are too few */
	/* Following a git repository (gitsync.c, syncer.c, hooks.c). */
	const char *repo;	/* --repo URL_OR_PATH, PMKB_REPO */
	const char *branch;	/* --branch, PMKB_BRANCH (default main) */
	long poll;		/* --poll DURATION in seconds, 0: off */
	const char *source_url; /* --source-url TEMPLATE, PMKB_SOURCE_URL */
	const char *data_dir;	/* --data-dir, PMKB_DATA_DIR */
	const char *server;	/* --server URL (pmkb notify), PMKB_SERVER */
	long pre_receive;	/* --pre-receive (pmkb lint), a flag */
	long explain;		/* --explain (pmkb import FILE), a flag */
	long dry_run;		/* --dry-run (pmkb digest), a flag */
	const char *paths;	/* --paths A,B (pmkb recall) */
	const char *diff;	/* --diff REV..REV (pmkb recall) */
	/* Access control, limits and shutdown (auth.c, server.c). */
	const char *auth;	   /* --auth open|token|proxy, PMKB_AUTH */
	long allow_open_network;   /* --allow-open-network, a flag */
	const char *trusted_proxy; /* --trusted-proxy ADDRS */
	const char *proxy_header;  /* --proxy-header NAME */
	long session_ttl;	   /* --session-ttl DURATION in seconds */
	long auth_fail_limit;	   /* --auth-fail-limit N a minute */
	long max_url;		   /* --max-url BYTES: path and query */
	long max_header;	   /* --max-header BYTES: all headers */
	long request_timeout;	   /* --request-timeout: to send a request */
	long shutdown_timeout;	   /* --shutdown-timeout: in-flight wait */
	long max_db_size;	   /* --max-db-size BYTES, 0: unlimited */
	long search_cache;	   /* --search-cache N responses, 0: off */
	const char *scope;	   /* --scope read|admin (pmkb token) */
	/* Secrets: from the environment only, never flags, never logged. */
	const char *webhook_secret; /* PMKB_WEBHOOK_SECRET */
	const char *gitlab_token;   /* PMKB_GITLAB_TOKEN */

	/* Parsed from listen. */
	char host[64];
	unsigned port;
};

/* Which commands accept an option: bits of enum config_cmd. */
enum config_cmd {
	CFG_SERVE = 1 << 0,
	CFG_IMPORT = 1 << 1,
	CFG_REINDEX = 1 << 2,
	CFG_LINT = 1 << 3,
	CFG_SEARCH = 1 << 4,
	CFG_OUTBOX = 1 << 5,
	CFG_STATS = 1 << 6,
	CFG_NOTIFY = 1 << 7,
	CFG_TOKEN = 1 << 8,
	CFG_BACKUP = 1 << 9,
	CFG_CHECK = 1 << 10,
	CFG_RECALL = 1 << 11,
	CFG_DIGEST = 1 << 12,
};

/* Fills cfg with the defaults, then the environment. */
void config_defaults(struct pm_config *cfg);

/* The data directory: --data-dir, else the directory of --db. Owned. */
char *config_data_dir(const struct pm_config *cfg);

/*
 * Parses the options of a command (mask: which options it accepts) from
 * argv[1..argc), leaving the non-option arguments in order in *rest
 * (pointers into argv; *rest has room for argc entries) and their number in
 * *n_rest. "--help" sets *help. Returns PM_INVALID with a message for an
 * unknown option or a bad value.
 */
enum pm_status config_parse(struct pm_config *cfg, unsigned mask, int argc,
			    char **argv, const char **rest, int *n_rest,
			    int *help, struct pm_error *err);

/* Prints the options of the commands in mask, with their variables. */
void config_usage(FILE *out, unsigned mask);

#endif
