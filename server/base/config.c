/*
 * The option table. Each option names its flag, its environment variable,
 * where it goes in struct pm_config, and which commands take it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/config.h"
#include "pmkb/base/xalloc.h"

/*
 * OPT_FLAG takes no value (--pre-receive); OPT_SECONDS is a duration such
 * as 90, 90s, 5m or 1h, stored in seconds; OPT_CHOICE is a string that
 * must be one of choices ("open|token|proxy").
 */
enum opt_type { OPT_STRING, OPT_LONG, OPT_FLAG, OPT_SECONDS, OPT_CHOICE };

struct option_def {
	const char *flag;
	const char *env;
	enum opt_type type;
	size_t offset;
	unsigned commands;
	const char *arg;
	const char *help;
	long min, max;
};

/* The values an OPT_CHOICE option takes, by flag. */
static const struct {
	const char *flag;
	const char *choices;
} choice_lists[] = {
	{ "auth", "open|token|proxy" },
	{ "log-level", "debug|info|warn|error|off" },
	{ "scope", "read|admin" },
	{ "slack-announce", "new|new+updated|off" },
	{ "pr-comments", "forge|slack" },
};

#define ALL_INDEX \
	(CFG_SERVE | CFG_IMPORT | CFG_REINDEX | CFG_SEARCH | CFG_OUTBOX | \
	 CFG_STATS | CFG_TOKEN | CFG_BACKUP | CFG_CHECK | CFG_RECALL | \
	 CFG_DIGEST)
#define STR(field) OPT_STRING, offsetof(struct pm_config, field)
#define NUM(field) OPT_LONG, offsetof(struct pm_config, field)
#define FLAG(field) OPT_FLAG, offsetof(struct pm_config, field)
#define SECS(field) OPT_SECONDS, offsetof(struct pm_config, field)
#define CHOICE(field) OPT_CHOICE, offsetof(struct pm_config, field)

static const struct option_def options[] = {
	{ "db", "PMKB_DB", STR(db), ALL_INDEX | CFG_LINT, "FILE",
	  "the SQLite index (created if missing; lint only reads one "
	  "that exists)", 0, 0 },
	{ "dir", "PMKB_DIR", STR(dir),
	  CFG_SERVE | CFG_REINDEX | CFG_LINT | CFG_SEARCH | CFG_STATS |
		  CFG_RECALL | CFG_DIGEST, "DIR",
	  "the directory of postmortems to index", 0, 0 },
	{ "listen", "PMKB_LISTEN", STR(listen), CFG_SERVE, "HOST:PORT",
	  "address to serve on (port 0: pick a free port)", 0, 0 },
	{ "public-url", "PMKB_PUBLIC_URL", STR(public_url), CFG_SERVE | CFG_DIGEST, "URL",
	  "the URL people reach pmkb at, for links", 0, 0 },
	{ "threads", "PMKB_THREADS", NUM(threads), CFG_SERVE, "N",
	  "threads that read connections and answer reads (as many "
	  "again run writes: logins, webhooks, Slack)", 1, 64 },
	{ "max-body", "PMKB_MAX_BODY", NUM(max_body), CFG_SERVE, "BYTES",
	  "largest request body accepted (413 beyond; default 1 MiB)", 1024, 64 << 20 },
	{ "max-connections", "PMKB_MAX_CONNECTIONS", NUM(max_connections),
	  CFG_SERVE, "N", "open connections at most; more are closed at once (default "
	  "1024)", 4, 100000 },
	{ "max-per-ip", "PMKB_MAX_PER_IP", NUM(max_per_ip), CFG_SERVE, "N",
	  "open connections per client address at most; more are closed "
	  "at once (default 256)", 1, 100000 },
	{ "timeout", "PMKB_TIMEOUT", NUM(timeout), CFG_SERVE, "SECONDS",
	  "close connections idle this long (default 30)", 1, 3600 },
	{ "request-timeout", "PMKB_REQUEST_TIMEOUT", SECS(request_timeout),
	  CFG_SERVE, "DURATION",
	  "answer 408 and close a connection that has not sent a whole "
	  "request (headers and body) this long after it opened, or "
	  "--timeout plus this after its last answer (slow clients; "
	  "default 20s)", 1, 3600 },
	{ "max-url", "PMKB_MAX_URL", NUM(max_url), CFG_SERVE, "BYTES",
	  "longest path and query string accepted (414 beyond; default "
	  "8192)", 256,
	  1 << 20 },
	{ "max-header", "PMKB_MAX_HEADER", NUM(max_header), CFG_SERVE,
	  "BYTES", "size of a request's headers accepted (431 beyond; default "
	  "32768)",
	  4096, 1 << 20 },
	{ "shutdown-timeout", "PMKB_SHUTDOWN_TIMEOUT", SECS(shutdown_timeout),
	  CFG_SERVE, "DURATION",
	  "on SIGTERM, wait this long for requests in flight (default "
	  "10s); a second signal exits at once", 0, 600 },
	{ "max-db-size", "PMKB_MAX_DB_SIZE", NUM(max_db_size),
	  CFG_SERVE | CFG_IMPORT | CFG_REINDEX, "BYTES",
	  "let the database grow to this size at most (0: no limit); "
	  "writes beyond fail as on a full disk", 0, 0x7fffffffL },
	{ "search-cache", "PMKB_SEARCH_CACHE", NUM(search_cache), CFG_SERVE,
	  "N", "keep up to N search answers until the index changes "
	  "(0: off)", 0, 65536 },
	{ "auth", "PMKB_AUTH", CHOICE(auth), CFG_SERVE, "MODE",
	  "who may read: open (default; loopback only unless "
	  "--allow-open-network), token (bearer tokens or the login page) "
	  "or proxy (an identity header from --trusted-proxy)", 0, 0 },
	{ "allow-open-network", "PMKB_ALLOW_OPEN_NETWORK",
	  FLAG(allow_open_network), CFG_SERVE, "",
	  "allow --auth open on a non-loopback --listen address", 0, 0 },
	{ "trusted-proxy", "PMKB_TRUSTED_PROXY", STR(trusted_proxy), CFG_SERVE,
	  "ADDRS",
	  "reverse proxies (addresses or networks, comma-separated) whose "
	  "X-Forwarded-For, X-Forwarded-Proto and identity header are "
	  "believed", 0, 0 },
	{ "proxy-header", "PMKB_PROXY_HEADER", STR(proxy_header), CFG_SERVE,
	  "NAME", "the identity header of --auth proxy (default "
	  "X-Forwarded-Email)", 0, 0 },
	{ "session-ttl", "PMKB_SESSION_TTL", SECS(session_ttl), CFG_SERVE,
	  "DURATION", "how long a login lasts (default 12h)", 60,
	  90 * 86400L },
	{ "auth-fail-limit", "PMKB_AUTH_FAIL_LIMIT", NUM(auth_fail_limit),
	  CFG_SERVE, "N",
	  "failed logins or tokens per client address a minute before 429",
	  1, 100000 },
	{ "scope", NULL, CHOICE(scope), CFG_TOKEN, "SCOPE",
	  "what a new token may do: read (default) or admin", 0, 0 },
	{ "limit", NULL, NUM(limit), CFG_SEARCH, "N",
	  "how many results to print", 1, 1000 },
	{ "period", NULL, STR(period), CFG_STATS, "PERIOD",
	  "half (default), quarter, year or month", 0, 0 },
	{ "mode", NULL, STR(mode), CFG_STATS, "MODE",
	  "primary (first cause, default) or any (every cause listed)", 0,
	  0 },
	{ "format", NULL, STR(format), CFG_STATS | CFG_RECALL, "FORMAT",
	  "table (default), csv, md or json; recall: text, md or json", 0,
	  0 },
	{ "paths", NULL, STR(paths), CFG_RECALL, "PATHS",
	  "the changed paths, separated by commas or spaces", 0, 0 },
	{ "diff", NULL, STR(diff), CFG_RECALL, "REV..REV",
	  "the paths changed between two commits of the git repository "
	  "here", 0, 0 },
	{ "from", NULL, STR(from), CFG_STATS, "DATE",
	  "first day or period: 2017, 2017-07, 2017-07-01, 2017-H2, FY2017",
	  0, 0 },
	{ "min-n", NULL, STR(min_n), CFG_STATS, "N",
	  "durations: a period with fewer values is too few to call a trend "
	  "(default 5)", 0, 0 },
	{ "to", NULL, STR(to), CFG_STATS, "DATE",
	  "last day or period, same forms as --from", 0, 0 },
	{ "as-of", NULL, STR(as_of), CFG_STATS, "REV",
	  "as the followed branch stood at a commit (4 to 40 hex digits) "
	  "or at the end of a day (YYYY-MM-DD, UTC): its files and its "
	  ".pmkb.yml (an index made with serve --repo)", 0, 0 },
	{ "slack-announce", "PMKB_SLACK_ANNOUNCE", CHOICE(slack_announce),
	  CFG_SERVE, "WHAT",
	  "post to Slack: new (new or newly published postmortems), "
	  "new+updated, or off", 0, 0 },
	{ "pr-comments", "PMKB_PR_COMMENTS", CHOICE(pr_comments), CFG_SERVE,
	  "WHERE",
	  "the recall for a pull request goes to: forge (one comment on it, "
	  "edited by later pushes) or slack (the incoming webhook's channel)",
	  0, 0 },
	{ "slack-max-attempts", "PMKB_SLACK_MAX_ATTEMPTS",
	  NUM(slack_max_attempts), CFG_SERVE, "N",
	  "tries per Slack message before it is kept as failed", 1, 100 },
	{ "slack-inline-ms", "PMKB_SLACK_INLINE_MS", NUM(slack_inline_ms),
	  CFG_SERVE, "MS",
	  "a slash command slower than this is answered later, through "
	  "Slack's response_url (0: always)", 0, 2900 },
	{ "slack-response-prefix", "PMKB_SLACK_RESPONSE_PREFIX",
	  STR(slack_response_prefix), CFG_SERVE, "URL",
	  "where response_url may point (Slack: https://hooks.slack.com/)",
	  0, 0 },
	{ "slack-backoff-ms", "PMKB_SLACK_BACKOFF_MS", NUM(slack_backoff_ms),
	  CFG_SERVE, "MS",
	  "first retry delay; doubles each try, with jitter", 10, 3600000 },
	{ "slack-timeout-ms", "PMKB_SLACK_TIMEOUT_MS", NUM(slack_timeout_ms),
	  CFG_SERVE, "MS",
	  "wait this long for the webhook's answer (default 30000); a "
	  "message sent without an answer in time may have been posted and "
	  "is not sent again", 1000, 600000 },
	{ "repo", "PMKB_REPO", STR(repo), CFG_SERVE, "URL|PATH",
	  "follow this git repository (path, file://, https://, ssh://); "
	  "--dir is then the postmortems directory inside it", 0, 0 },
	{ "branch", "PMKB_BRANCH", STR(branch), CFG_SERVE, "NAME",
	  "the branch to follow (default main)", 0, 0 },
	{ "poll", "PMKB_POLL", SECS(poll), CFG_SERVE, "DURATION",
	  "also sync every DURATION (60s, 5m; default 0: off)", 0, 604800 },
	{ "source-url", "PMKB_SOURCE_URL", STR(source_url), CFG_SERVE,
	  "TEMPLATE",
	  "link to a file's source, with {commit}, {path} and {branch}", 0,
	  0 },
	{ "data-dir", "PMKB_DATA_DIR", STR(data_dir), CFG_SERVE | CFG_STATS,
	  "DIR",
	  "where the clone of --repo is kept (default: beside --db)", 0, 0 },
	{ "server", "PMKB_SERVER", STR(server), CFG_NOTIFY, "URL",
	  "the pmkb server to notify (default http://127.0.0.1:8080)", 0, 0 },
	{ "explain", NULL, FLAG(explain), CFG_IMPORT, "",
	  "PATH is one file: print each field, its value and where it came "
	  "from, and index nothing", 0, 0 },
	{ "dry-run", NULL, FLAG(dry_run), CFG_DIGEST, "",
	  "print this period's digest instead of queueing it", 0, 0 },
	{ "pre-receive", NULL, FLAG(pre_receive), CFG_LINT, "",
	  "run as a git pre-receive hook: lint what the push changes", 0, 0 },
	{ "log-level", "PMKB_LOG_LEVEL", CHOICE(log_level),
	  ALL_INDEX | CFG_LINT, "LEVEL", "debug, info, warn, error or off", 0,
	  0 },
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

/* v is one of o's choices; else says which, as "a, b or c". */
static enum pm_status check_choice(const struct option_def *o,
				   const char *v, const char *from,
				   struct pm_error *err)
{
	struct buf list = BUF_INIT;
	const char *p = NULL;
	size_t vlen = strlen(v);
	enum pm_status st;

	for (size_t i = 0; i < sizeof(choice_lists) / sizeof(choice_lists[0]);
	     i++)
		if (!strcmp(choice_lists[i].flag, o->flag))
			p = choice_lists[i].choices;
	if (!p)
		return PM_OK;
	for (;;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == vlen && !memcmp(p, v, len)) {
			buf_release(&list);
			return PM_OK;
		}
		if (list.len)
			buf_addstr(&list, bar ? ", " : " or ");
		buf_addf(&list, "%.*s", (int)len, p);
		if (!bar)
			break;
		p = bar + 1;
	}
	st = pm_error_set(err, PM_INVALID, from, 0,
			  "%s: expected %s, got '%s'", from, list.ptr, v);
	buf_release(&list);
	return st;
}

static enum pm_status set_value(struct pm_config *cfg,
				const struct option_def *o, const char *v,
				const char *from, struct pm_error *err)
{
	char *end;
	long n;

	if (o->type == OPT_CHOICE && check_choice(o, v, from, err) != PM_OK)
		return PM_INVALID;
	if (o->type == OPT_STRING || o->type == OPT_CHOICE) {
		*(const char **)((char *)cfg + o->offset) = v;
		return PM_OK;
	}
	if (o->type == OPT_FLAG) {
		*(long *)((char *)cfg + o->offset) = 1;
		return PM_OK;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (o->type == OPT_SECONDS && !errno && end != v && *end &&
	    !end[1] && strchr("smh", *end)) {
		long unit = *end == 'h' ? 3600 : *end == 'm' ? 60 : 1;

		if (n <= o->max / unit)
			n *= unit;
		else
			n = o->max + 1;
		end++;
	}
	if (o->type == OPT_SECONDS &&
	    (errno || end == v || *end || n < o->min || n > o->max))
		return pm_error_set(err, PM_INVALID, from, 0,
				    "%s: expected a duration such as 60s, 5m "
				    "or 1h (at most %ld s), got '%s'",
				    from, o->max, v);
	if (errno || end == v || *end || n < o->min || n > o->max)
		return pm_error_set(err, PM_INVALID, from, 0,
				    "%s: expected a number from %ld to %ld, "
				    "got '%s'",
				    from, o->min, o->max, v);
	*(long *)((char *)cfg + o->offset) = n;
	return PM_OK;
}

void config_defaults(struct pm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->db = "var/pmkb.db";
	cfg->listen = "127.0.0.1:8080";
	cfg->dir = "postmortems";
	cfg->log_level = "info";
	cfg->threads = 2;
	cfg->max_body = 1 << 20;
	cfg->max_connections = 1024;
	cfg->max_per_ip = 256;
	cfg->timeout = 30;
	cfg->request_timeout = 20;
	cfg->max_url = 8192;
	cfg->max_header = 32768;
	cfg->shutdown_timeout = 10;
	cfg->search_cache = 256;
	cfg->auth = "open";
	cfg->proxy_header = "X-Forwarded-Email";
	cfg->session_ttl = 12 * 3600;
	cfg->auth_fail_limit = 10;
	cfg->scope = "read";
	cfg->limit = 10;
	cfg->slack_announce = "new";
	cfg->slack_max_attempts = 8;
	cfg->slack_backoff_ms = 5000;
	cfg->pr_comments = "forge";
	cfg->slack_timeout_ms = 30000;
	cfg->slack_inline_ms = 2500;
	cfg->slack_response_prefix = "https://hooks.slack.com/";
	cfg->branch = "main";
	cfg->server = "http://127.0.0.1:8080";
	cfg->webhook_secret = getenv("PMKB_WEBHOOK_SECRET");
	cfg->gitlab_token = getenv("PMKB_GITLAB_TOKEN");
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const char *v = options[i].env ? getenv(options[i].env) : NULL;

		/* A bad variable is reported when the flag is parsed. */
		if (v && *v)
			set_value(cfg, &options[i], v, options[i].env, NULL);
	}
}

static enum pm_status parse_listen(struct pm_config *cfg, struct pm_error *err)
{
	const char *colon = strrchr(cfg->listen, ':');
	const char *host = cfg->listen;
	size_t hlen;
	char *end;
	long port;

	if (!colon)
		goto bad;
	hlen = (size_t)(colon - host);
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(cfg->host))
		goto bad;
	port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || port < 0 || port > 65535)
		goto bad;
	memcpy(cfg->host, host, hlen);
	cfg->host[hlen] = '\0';
	cfg->port = (unsigned)port;
	return PM_OK;
bad:
	return pm_error_set(err, PM_INVALID, "--listen", 0,
			    "--listen: expected HOST:PORT such as "
			    "127.0.0.1:8080, got '%s'",
			    cfg->listen);
}

enum pm_status config_parse(struct pm_config *cfg, unsigned mask, int argc,
			    char **argv, const char **rest, int *n_rest,
			    int *help, struct pm_error *err)
{
	int only_args = 0;

	*n_rest = 0;
	*help = 0;
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const char *v = options[i].env ? getenv(options[i].env) : NULL;
		enum pm_status rc;

		if (v && *v && (options[i].commands & mask) &&
		    (rc = set_value(cfg, &options[i], v, options[i].env,
				    err)) != PM_OK)
			return rc;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *name, *eq, *value;
		const struct option_def *o = NULL;
		size_t nlen;
		enum pm_status rc;

		if (only_args || a[0] != '-' || a[1] != '-' || !a[2]) {
			if (!strcmp(a, "--"))
				only_args = 1;
			else if (!strcmp(a, "-h"))
				*help = 1;
			else
				rest[(*n_rest)++] = a;
			continue;
		}
		name = a + 2;
		if (!strcmp(name, "help")) {
			*help = 1;
			continue;
		}
		eq = strchr(name, '=');
		nlen = eq ? (size_t)(eq - name) : strlen(name);
		for (size_t k = 0; k < N_OPTIONS; k++)
			if ((options[k].commands & mask) &&
			    strlen(options[k].flag) == nlen &&
			    !strncmp(options[k].flag, name, nlen))
				o = &options[k];
		if (!o)
			return pm_error_set(err, PM_INVALID, a, 0,
					    "unknown option '%.*s' (see "
					    "--help)",
					    (int)nlen + 2, a);
		if (eq) {
			value = eq + 1;
		} else if (o->type == OPT_FLAG) {
			value = "1";
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			return pm_error_set(err, PM_INVALID, a, 0,
					    "option --%s needs a value (%s)",
					    o->flag, o->arg);
		}
		if ((rc = set_value(cfg, o, value, a, err)) != PM_OK)
			return rc;
	}
	if (mask & CFG_SERVE)
		return parse_listen(cfg, err);
	return PM_OK;
}

void config_usage(FILE *out, unsigned mask)
{
	fprintf(out, "Options (each also read from its environment "
		     "variable):\n");
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const struct option_def *o = &options[i];
		char left[64];

		if (!(o->commands & mask))
			continue;
		snprintf(left, sizeof(left), "--%s %s", o->flag, o->arg);
		fprintf(out, "  %-28s %s", left, o->help);
		if (o->env)
			fprintf(out, " [%s]", o->env);
		fputc('\n', out);
	}
}

char *config_data_dir(const struct pm_config *cfg)
{
	const char *slash;

	if (cfg->data_dir && *cfg->data_dir)
		return xstrdup(cfg->data_dir);
	slash = strrchr(cfg->db, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == cfg->db)
		return xstrdup("/");
	return xstrndup(cfg->db, (size_t)(slash - cfg->db));
}
