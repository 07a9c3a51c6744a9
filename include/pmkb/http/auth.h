/*
 * Read access control: who may use pmkb's pages and API.
 *
 * Three modes (--auth):
 *   open   everyone may read; admin routes only from loopback peers or
 *          with an admin token. The default, and refused on a
 *          non-loopback --listen unless --allow-open-network is given.
 *   token  a bearer token (Authorization: Bearer pmkb_...) or the session
 *          cookie set by the login page (POST /login with a token).
 *   proxy  an identity header (X-Forwarded-Email by default) set by an
 *          SSO proxy such as oauth2-proxy, trusted only when the peer is
 *          one of --trusted-proxy; tokens work too.
 *
 * Tokens are created by `pmkb token create NAME [--scope read|admin]`,
 * which prints the token once. The database keeps only a keyed BLAKE2b
 * hash of each token and of each session id (key: 32 random bytes in
 * meta 'auth_key'), so reading the database does not let anyone in; a
 * lookup by keyed hash needs no comparison of secrets that could leak
 * timing, and the found hash is compared again with sodium_memcmp.
 *
 * Failed credentials (a wrong token, an unknown or expired session) are
 * counted per client address; past --auth-fail-limit in a minute the
 * address gets 429 until the minute is over. A request without any
 * credentials is not a failure (a browser before logging in).
 *
 * Webhooks and the Slack command carry their own signatures and are
 * exempt (ROUTE_PUBLIC in routes.h), as are /healthz, /readyz and the
 * login page.
 */
#ifndef PMKB_HTTP_AUTH_H
#define PMKB_HTTP_AUTH_H

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "pmkb/base/netaddr.h"
#include "pmkb/base/status.h"

struct store;
struct pm_config;
struct request;
struct reply;
struct buf;
struct auth;

enum auth_mode { AUTH_OPEN, AUTH_TOKEN, AUTH_PROXY };

enum auth_scope { AUTH_SCOPE_NONE, AUTH_SCOPE_READ, AUTH_SCOPE_ADMIN };

/* "open", "token", "proxy" → enum auth_mode; -1 for anything else. */
int auth_mode_parse(const char *s);
/* "read", "admin" → enum auth_scope; -1 for anything else. */
int auth_scope_parse(const char *s);
/* "none", "read" or "admin". */
const char *auth_scope_name(enum auth_scope scope);

/* "pmkb_" and 43 base64url characters (32 random bytes). */
#define AUTH_TOKEN_LEN 48
/* A session id: 43 base64url characters (32 random bytes). */
#define AUTH_SESSION_LEN 43
#define AUTH_COOKIE "pmkb_session"

struct auth_settings {
	enum auth_mode mode;
	const char *trusted_proxies; /* --trusted-proxy, may be NULL */
	const char *identity_header; /* --proxy-header */
	long session_ttl;	     /* seconds */
	long fail_limit;	     /* failures per address per minute */
};

/* Fills s from the configuration; PM_INVALID for a bad value. */
enum pm_status auth_settings_from_config(struct auth_settings *s,
					 const struct pm_config *cfg,
					 struct pm_error *err);

/*
 * Creates the access checker for st (borrowed until auth_free), loading
 * or creating the hashing key. PM_INVALID for a bad --trusted-proxy, PM_DB
 * when the key cannot be read or stored.
 */
enum pm_status auth_new(struct auth **out, struct store *st,
			const struct auth_settings *s, struct pm_error *err);
void auth_free(struct auth *a);
enum auth_mode auth_get_mode(const struct auth *a);

/* What a request offers. Borrowed; any field may be NULL. */
struct auth_input {
	const struct sockaddr *peer;
	const char *authorization;   /* the Authorization header */
	const char *cookie;	     /* the Cookie header */
	const char *identity;	     /* the identity header's value */
	const char *forwarded_for;   /* X-Forwarded-For */
	const char *forwarded_proto; /* X-Forwarded-Proto */
};

enum auth_verdict {
	AUTH_ALLOW,	/* go on */
	AUTH_MISSING,	/* no credentials: 401, or the login page */
	AUTH_DENIED,	/* wrong credentials (counted): 401 */
	AUTH_FORBIDDEN, /* valid, but the scope is too small: 403 */
	AUTH_LIMITED	/* too many failures from this address: 429 */
};

struct auth_result {
	enum auth_verdict verdict;
	enum auth_scope scope; /* granted */
	/* For logs: "open", "token:NAME", "session:NAME", "proxy:EMAIL". */
	char who[160];
	/*
	 * The client: the peer, or the last X-Forwarded-For hop when the
	 * peer is a trusted proxy. Rate limits and logs use it.
	 */
	char client[INET6_ADDRSTRLEN];
	int https;	  /* X-Forwarded-Proto: https from a trusted proxy */
	long retry_after; /* seconds, with AUTH_LIMITED */
};

/*
 * Decides whether a request that needs scope need may go on. Always fills
 * res (client and https even when need is AUTH_SCOPE_NONE). Returns PM_DB
 * when the database cannot be read (the caller answers 503).
 */
enum pm_status auth_check(struct auth *a, const struct auth_input *in,
			  enum auth_scope need, struct auth_result *res);

/*
 * The login form's POST: verifies token (typed by a person) and starts a
 * session, writing its id into sid. res->verdict is AUTH_ALLOW,
 * AUTH_DENIED (counted) or AUTH_LIMITED. PM_DB when the session cannot
 * be stored.
 */
enum pm_status auth_login(struct auth *a, const struct auth_input *in,
			  const char *token, char sid[AUTH_SESSION_LEN + 1],
			  struct auth_result *res);
/* Ends the session named by the Cookie header, if any. */
void auth_logout(struct auth *a, const char *cookie);

/*
 * The Set-Cookie value for sid (NULL: one that clears the cookie):
 * HttpOnly, SameSite=Strict, Path=/, Max-Age, and Secure when https.
 */
void auth_cookie(struct buf *out, const char *sid, long max_age, int secure);
long auth_session_ttl(const struct auth *a);

/*
 * Token management on st (the command line; the server need not be
 * stopped). auth_token_create writes the new token into token, to be
 * shown once; PM_CONFLICT when name is taken, PM_INVALID for a bad name
 * (1-64 characters: letters, digits, "-", "_", ".", "@").
 */
enum pm_status auth_token_create(struct store *st, const char *name,
				 enum auth_scope scope,
				 char token[AUTH_TOKEN_LEN + 1],
				 struct pm_error *err);
/* Deletes a token and its sessions; PM_NOT_FOUND when there is none. */
enum pm_status auth_token_revoke(struct store *st, const char *name,
				 struct pm_error *err);
/* Prints the tokens (never a secret) as a table. */
enum pm_status auth_token_list(struct store *st, FILE *out,
			       struct pm_error *err);


#endif
