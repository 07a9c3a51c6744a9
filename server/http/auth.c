/*
 * Access control.
 *
 * Map: names → addresses and networks → the hashing key and keyed
 * hashes → auth_check (modes, bearer tokens, sessions, the proxy's
 * identity header; failures counted per address by http/limiter.h) →
 * login and logout → the login page's handlers → token management for
 * the command line.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pmkb/http/auth.h"
#include "pmkb/http/limiter.h"
#include "pmkb/base/buf.h"
#include "pmkb/base/config.h"
#include "pmkb/base/log.h"
#include "pmkb/base/form.h"
#include "pmkb/db/store.h"
#include "pmkb/base/xalloc.h"

#define KEY_BYTES crypto_generichash_KEYBYTES
#define HASH_BYTES 32
#define HASH_HEX (2 * HASH_BYTES + 1)
#define TOKEN_PREFIX "pmkb_"
/* A token's last use is written at most this often (seconds). */
#define LAST_USED_EVERY 3600
#define FAIL_WINDOW 60

static const char sql_key_get[] =
	"SELECT value FROM meta WHERE key = 'auth_key'";
static const char sql_key_put[] =
	"INSERT OR IGNORE INTO meta(key, value) VALUES('auth_key', ?1)";
static const char sql_token_by_hash[] =
	"SELECT id, name, scope, hash, coalesce(last_used_at, 0) "
	"FROM tokens WHERE hash = ?1";
static const char sql_token_used[] =
	"UPDATE tokens SET last_used_at = ?2 WHERE id = ?1";
/* On the sessions database (store_sessions()). */
static const char sql_session_by_hash[] =
	"SELECT hash, token_hash, expires_at FROM sessions WHERE hash = ?1";
static const char sql_session_add[] =
	"INSERT INTO sessions(hash, token_hash, created_at, expires_at) "
	"VALUES(?1, ?2, ?3, ?4)";
static const char sql_session_expire[] =
	"DELETE FROM sessions WHERE expires_at <= ?1";
static const char sql_session_delete[] =
	"DELETE FROM sessions WHERE hash = ?1";
static const char sql_sessions_of[] =
	"DELETE FROM sessions WHERE token_hash = ?1";
static const char sql_sessions_count[] =
	"SELECT count(*) FROM sessions WHERE token_hash = ?1 "
	"AND expires_at > ?2";
static const char sql_token_add[] =
	"INSERT INTO tokens(name, scope, hash, created_at) "
	"VALUES(?1, ?2, ?3, ?4)";
static const char sql_token_named[] =
	"SELECT hash FROM tokens WHERE name = ?1";
static const char sql_token_delete[] = "DELETE FROM tokens WHERE name = ?1";
static const char sql_token_list[] =
	"SELECT name, scope, created_at, last_used_at, hash FROM tokens "
	"ORDER BY name";

/* --- names ------------------------------------------------------------ */

int auth_mode_parse(const char *s)
{
	if (!s)
		return -1;
	if (!strcmp(s, "open"))
		return AUTH_OPEN;
	if (!strcmp(s, "token"))
		return AUTH_TOKEN;
	if (!strcmp(s, "proxy"))
		return AUTH_PROXY;
	return -1;
}

int auth_scope_parse(const char *s)
{
	if (!s)
		return -1;
	if (!strcmp(s, "read"))
		return AUTH_SCOPE_READ;
	if (!strcmp(s, "admin"))
		return AUTH_SCOPE_ADMIN;
	return -1;
}

const char *auth_scope_name(enum auth_scope scope)
{
	switch (scope) {
	case AUTH_SCOPE_READ: return "read";
	case AUTH_SCOPE_ADMIN: return "admin";
	default: return "none";
	}
}

/* --- keys and keyed hashes -------------------------------------------- */

struct auth {
	struct store *store;
	enum auth_mode mode;
	struct net_list trusted;
	char *identity_header;
	long session_ttl;
	struct limiter *limiter;
	unsigned char key[KEY_BYTES];
};

/* hex keyed BLAKE2b-256 of secret. */
static void keyed_hash(const unsigned char key[KEY_BYTES], const char *secret,
		       char hex[HASH_HEX])
{
	unsigned char h[HASH_BYTES];

	crypto_generichash(h, sizeof(h), (const unsigned char *)secret,
			   strlen(secret), key, KEY_BYTES);
	sodium_bin2hex(hex, HASH_HEX, h, sizeof(h));
	sodium_memzero(h, sizeof(h));
}

/* 32 random bytes as 43 base64url characters after prefix. */
static void random_secret(char *out, size_t size, const char *prefix)
{
	unsigned char r[32];
	size_t plen = strlen(prefix);

	randombytes_buf(r, sizeof(r));
	memcpy(out, prefix, plen);
	sodium_bin2base64(out + plen, size - plen, r, sizeof(r),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(r, sizeof(r));
}

static int step_is_done(sqlite3_stmt *s)
{
	int rc = s ? sqlite3_step(s) : SQLITE_ERROR;

	if (s)
		sqlite3_reset(s);
	return rc == SQLITE_DONE;
}

/*
 * Reads the key from meta, creating it first when missing. BEGIN
 * IMMEDIATE makes two processes that start together agree on one key.
 */
static enum pm_status load_key(struct store *st, unsigned char key[KEY_BYTES],
			       struct pm_error *err)
{
	struct dbconn *w = store_writer(st);
	sqlite3_stmt *s;
	char hex[2 * KEY_BYTES + 1];
	size_t got = 0;
	enum pm_status rc;
	int have = 0;

	if ((rc = dbconn_begin(w)) != PM_OK)
		goto out;
	if (!(s = dbconn_stmt(w, sql_key_get))) {
		rc = PM_DB;
		goto out;
	}
	if (sqlite3_step(s) == SQLITE_ROW &&
	    sodium_hex2bin(key, KEY_BYTES,
			   (const char *)sqlite3_column_text(s, 0),
			   (size_t)sqlite3_column_bytes(s, 0), NULL, &got,
			   NULL) == 0 &&
	    got == KEY_BYTES)
		have = 1;
	sqlite3_reset(s);
	if (!have) {
		randombytes_buf(key, KEY_BYTES);
		sodium_bin2hex(hex, sizeof(hex), key, KEY_BYTES);
		s = dbconn_stmt(w, sql_key_put);
		if (s)
			sqlite3_bind_text(s, 1, hex, -1, SQLITE_TRANSIENT);
		sodium_memzero(hex, sizeof(hex));
		if (!step_is_done(s)) {
			rc = PM_DB;
			goto out;
		}
	}
	rc = dbconn_commit(w);
out:
	if (rc != PM_OK) {
		pm_error_set(err, rc, "database", 0,
			     "cannot read or store the token key: %s",
			     sqlite3_errmsg(dbconn_db(w)));
		dbconn_rollback(w);
	}
	store_writer_release(st);
	return rc;
}

/* --- settings and the checker ----------------------------------------- */

enum pm_status auth_settings_from_config(struct auth_settings *s,
					 const struct pm_config *cfg,
					 struct pm_error *err)
{
	int mode = auth_mode_parse(cfg->auth);

	memset(s, 0, sizeof(*s));
	if (mode < 0)
		return pm_error_set(err, PM_INVALID, "--auth", 0,
				    "--auth: expected open, token or proxy, "
				    "got '%s'",
				    cfg->auth ? cfg->auth : "");
	s->mode = (enum auth_mode)mode;
	s->trusted_proxies = cfg->trusted_proxy;
	s->identity_header = cfg->proxy_header && *cfg->proxy_header
				     ? cfg->proxy_header
				     : "X-Forwarded-Email";
	s->session_ttl = cfg->session_ttl > 0 ? cfg->session_ttl : 43200;
	s->fail_limit = cfg->auth_fail_limit > 0 ? cfg->auth_fail_limit : 10;
	if (s->mode == AUTH_PROXY &&
	    !(cfg->trusted_proxy && *cfg->trusted_proxy))
		return pm_error_set(err, PM_INVALID, "--auth", 0,
				    "--auth proxy needs --trusted-proxy: the "
				    "addresses whose %s header is believed",
				    s->identity_header);
	return PM_OK;
}

enum pm_status auth_new(struct auth **out, struct store *st,
			const struct auth_settings *s, struct pm_error *err)
{
	struct auth *a = xcalloc(1, sizeof(*a));
	enum pm_status rc;

	*out = NULL;
	a->store = st;
	a->mode = s->mode;
	a->identity_header = xstrdup(s->identity_header ? s->identity_header
							 : "X-Forwarded-Email");
	a->session_ttl = s->session_ttl > 0 ? s->session_ttl : 43200;
	a->limiter = limiter_new(s->fail_limit > 0 ? s->fail_limit : 10,
				      FAIL_WINDOW);
	if ((rc = net_list_parse(&a->trusted, s->trusted_proxies, err)) !=
		    PM_OK ||
	    (rc = load_key(st, a->key, err)) != PM_OK)
		goto out;
	*out = a;
	a = NULL;
out:
	auth_free(a);
	return rc;
}

void auth_free(struct auth *a)
{
	if (!a)
		return;
	sodium_memzero(a->key, sizeof(a->key));
	net_list_release(&a->trusted);
	limiter_free(a->limiter);
	free(a->identity_header);
	free(a);
}

enum auth_mode auth_get_mode(const struct auth *a)
{
	return a->mode;
}

long auth_session_ttl(const struct auth *a)
{
	return a->session_ttl;
}

/* --- auth_check ------------------------------------------------------- */

/* The last hop of an X-Forwarded-For list: the one our proxy added. */
static int last_forwarded(const char *xff, struct net_addr *out)
{
	const char *comma = strrchr(xff, ',');
	const char *p = comma ? comma + 1 : xff;
	char item[INET6_ADDRSTRLEN + 8];
	size_t len;

	while (*p == ' ' || *p == '\t')
		p++;
	len = strcspn(p, " \t");
	if (!len || len >= sizeof(item))
		return 0;
	memcpy(item, p, len);
	item[len] = '\0';
	return net_addr_parse(out, item);
}

/* The token of "Authorization: Bearer TOKEN", or NULL. */
static const char *bearer(const char *h, char *buf, size_t size)
{
	size_t len;

	if (!h || strncasecmp(h, "Bearer ", 7))
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	len = strcspn(h, " \t");
	if (!len || len >= size)
		return h; /* present but impossible: a failure */
	memcpy(buf, h, len);
	buf[len] = '\0';
	return buf;
}

/* Copies the value of the session cookie into out; 0 when absent. */
static int session_cookie(const char *cookies, char *out, size_t size)
{
	const char *p = cookies;
	size_t nlen = strlen(AUTH_COOKIE);

	while (p && *p) {
		size_t len;

		while (*p == ' ' || *p == ';')
			p++;
		len = strcspn(p, ";");
		if (len > nlen && !strncmp(p, AUTH_COOKIE, nlen) &&
		    p[nlen] == '=') {
			size_t vlen = len - nlen - 1;

			while (vlen && p[nlen + 1 + vlen - 1] == ' ')
				vlen--;
			if (!vlen || vlen >= size)
				return 0;
			memcpy(out, p + nlen + 1, vlen);
			out[vlen] = '\0';
			return 1;
		}
		p += len;
	}
	return 0;
}

/* Whether s looks like a token: the prefix and 43 base64url characters. */
static int token_shaped(const char *s)
{
	size_t plen = strlen(TOKEN_PREFIX);

	if (strlen(s) != AUTH_TOKEN_LEN || strncmp(s, TOKEN_PREFIX, plen))
		return 0;
	for (s += plen; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return 0;
	return 1;
}

struct found {
	int64_t id;
	enum auth_scope scope;
	char name[80];
	int64_t last_used;
};

/*
 * Whether column col of the row found by hex holds hex. SQLite found the
 * row by this very hash; comparing again in constant time costs nothing
 * and keeps the check from depending on how SQLite compares text.
 */
static int same_hash(sqlite3_stmt *s, int col, const char *hex)
{
	const char *h = (const char *)sqlite3_column_text(s, col);

	return h && strlen(h) == strlen(hex) &&
	       !sodium_memcmp(h, hex, strlen(hex));
}

/*
 * Looks a token up by its hash; 1 found, 0 not, -1 on a database error.
 */
static int lookup(struct auth *a, const char *hex, struct found *f)
{
	struct dbconn *c = store_reader(a->store);
	sqlite3_stmt *s;
	int rc = -1, step;

	if (!c)
		return -1;
	if (!(s = dbconn_stmt(c, sql_token_by_hash)))
		goto out;
	sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		rc = 0;
	} else if (step == SQLITE_ROW) {
		int scope = auth_scope_parse(
			(const char *)sqlite3_column_text(s, 2));

		rc = same_hash(s, 3, hex) && scope > 0;
		if (rc) {
			f->id = sqlite3_column_int64(s, 0);
			snprintf(f->name, sizeof(f->name), "%s",
				 (const char *)sqlite3_column_text(s, 1));
			f->scope = (enum auth_scope)scope;
			f->last_used = sqlite3_column_int64(s, 4);
		}
	}
	sqlite3_reset(s);
out:
	store_reader_release(a->store, c);
	return rc;
}

/*
 * The token hash of the session whose id hashes to hex (into token_hex);
 * 1 found, 0 not (or expired, or no one has logged in yet), -1 on a
 * database error. Read on a connection of its own: a login waiting for
 * the write lock holds store_sessions(), and requests run while it waits.
 */
static int session_lookup(struct auth *a, const char *hex, int64_t now,
			  char token_hex[HASH_HEX])
{
	struct dbconn *c = store_sessions_reader(a->store);
	sqlite3_stmt *s = c ? dbconn_stmt(c, sql_session_by_hash) : NULL;
	int rc = c ? -1 : 0, step;

	if (s) {
		sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
		step = sqlite3_step(s);
		rc = step == SQLITE_DONE ? 0 : step == SQLITE_ROW ? 1 : -1;
		if (rc == 1) {
			const char *t =
				(const char *)sqlite3_column_text(s, 1);

			rc = same_hash(s, 0, hex) && t &&
			     strlen(t) < HASH_HEX &&
			     sqlite3_column_int64(s, 2) > now;
			if (rc)
				snprintf(token_hex, HASH_HEX, "%s", t);
		}
		sqlite3_reset(s);
	}
	store_sessions_reader_release(a->store);
	return rc;
}

/*
 * Notes a token's use, at most hourly, and only when no one is writing:
 * a usage timestamp is not worth waiting for a sync.
 */
static void note_use(struct auth *a, const struct found *f, int64_t now)
{
	struct dbconn *w;
	sqlite3_stmt *s;

	if (now - f->last_used < LAST_USED_EVERY ||
	    !(w = store_writer_try(a->store)))
		return;
	if ((s = dbconn_stmt(w, sql_token_used))) {
		sqlite3_bind_int64(s, 1, f->id);
		sqlite3_bind_int64(s, 2, now);
		step_is_done(s);
	}
	store_writer_release(a->store);
}

static void grant(struct auth_result *res, enum auth_scope scope,
		  const char *kind, const char *name)
{
	res->scope = scope;
	snprintf(res->who, sizeof(res->who), "%s%s%s", kind, name ? ":" : "",
		 name ? name : "");
}

/*
 * Checks a bearer token or the session cookie. Returns 1 when one was
 * given and is valid (res->scope set), 0 when none was given, -1 when
 * one was given and is wrong, -2 on a database error.
 */
static int credentials(struct auth *a, const struct auth_input *in,
		       int64_t now, struct auth_result *res)
{
	char tok[AUTH_TOKEN_LEN + 1], sid[AUTH_SESSION_LEN + 1];
	char hex[HASH_HEX], token_hex[HASH_HEX];
	const char *t = bearer(in->authorization, tok, sizeof(tok));
	struct found f = { 0 };
	int rc;

	if (t) {
		if (t != tok || !token_shaped(tok))
			return -1;
		keyed_hash(a->key, tok, hex);
		sodium_memzero(tok, sizeof(tok));
		if ((rc = lookup(a, hex, &f)) < 0)
			return -2;
		if (!rc)
			return -1;
		grant(res, f.scope, "token", f.name);
		note_use(a, &f, now);
		return 1;
	}
	/*
	 * An unknown or expired session is not counted as a failure: a
	 * browser holding an old cookie sends it with every request, and
	 * a 256-bit session id cannot be guessed anyway.
	 */
	if (!session_cookie(in->cookie, sid, sizeof(sid)))
		return 0;
	keyed_hash(a->key, sid, hex);
	sodium_memzero(sid, sizeof(sid));
	/* A session of a revoked token is not found: its hash is gone. */
	if ((rc = session_lookup(a, hex, now, token_hex)) < 0 ||
	    (rc == 1 && (rc = lookup(a, token_hex, &f)) < 0))
		return -2;
	if (!rc)
		return 0;
	grant(res, f.scope, "session", f.name);
	return 1;
}

/* Fills res->client and res->https from the peer and trusted headers. */
static void client_of(struct auth *a, const struct auth_input *in,
		      const struct net_addr *peer, int trusted,
		      struct auth_result *res)
{
	struct net_addr fwd;

	snprintf(res->client, sizeof(res->client), "%s",
		 peer->text[0] ? peer->text : "unknown");
	if (!trusted)
		return;
	if (in->forwarded_for && last_forwarded(in->forwarded_for, &fwd))
		snprintf(res->client, sizeof(res->client), "%s", fwd.text);
	res->https = in->forwarded_proto &&
		     !strcasecmp(in->forwarded_proto, "https");
}

enum pm_status auth_check(struct auth *a, const struct auth_input *in,
			  enum auth_scope need, struct auth_result *res)
{
	struct net_addr peer;
	int64_t now = (int64_t)time(NULL);
	int trusted, rc;

	memset(res, 0, sizeof(*res));
	net_addr_from_sockaddr(&peer, in->peer);
	trusted = net_list_has(&a->trusted, &peer);
	client_of(a, in, &peer, trusted, res);
	res->verdict = AUTH_ALLOW;
	if (need == AUTH_SCOPE_NONE)
		return PM_OK;
	if (a->mode == AUTH_OPEN) {
		/*
		 * Open means open for reading; changing state from another
		 * machine still takes an admin token.
		 */
		grant(res, net_addr_is_loopback(&peer) ? AUTH_SCOPE_ADMIN
							: AUTH_SCOPE_READ,
		      "open", NULL);
		if (res->scope >= need)
			return PM_OK;
	}
	if (a->mode == AUTH_PROXY && trusted && in->identity &&
	    *in->identity) {
		char who[128];

		/* The identity is for logs: keep it printable and short. */
		snprintf(who, sizeof(who), "%s", in->identity);
		for (char *p = who; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		grant(res, AUTH_SCOPE_READ, "proxy", who);
		if (res->scope >= need)
			return PM_OK;
	}
	if ((res->retry_after = limiter_blocked(a->limiter, res->client,
						     now)) > 0) {
		res->verdict = AUTH_LIMITED;
		return PM_OK;
	}
	rc = credentials(a, in, now, res);
	if (rc == -2)
		return PM_DB;
	if (rc == -1) {
		limiter_fail(a->limiter, res->client, now);
		log_kv(LOG_WARN, "auth.failed", "client", res->client, "why",
		       "wrong token", NULL);
		res->verdict = AUTH_DENIED;
	} else if (rc == 0) {
		res->verdict = res->scope ? AUTH_FORBIDDEN : AUTH_MISSING;
	} else {
		res->verdict = res->scope >= need ? AUTH_ALLOW
						  : AUTH_FORBIDDEN;
	}
	return PM_OK;
}

/* --- login and logout ------------------------------------------------- */

enum pm_status auth_login(struct auth *a, const struct auth_input *in,
			  const char *token, char sid[AUTH_SESSION_LEN + 1],
			  struct auth_result *res)
{
	struct net_addr peer;
	int64_t now = (int64_t)time(NULL);
	char hex[HASH_HEX], token_hex[HASH_HEX];
	struct found f = { 0 };
	struct dbconn *c;
	sqlite3_stmt *s;
	enum pm_status rc = PM_OK;
	int found;

	memset(res, 0, sizeof(*res));
	sid[0] = '\0';
	net_addr_from_sockaddr(&peer, in->peer);
	client_of(a, in, &peer, net_list_has(&a->trusted, &peer), res);
	if ((res->retry_after = limiter_blocked(a->limiter, res->client,
						     now)) > 0) {
		res->verdict = AUTH_LIMITED;
		return PM_OK;
	}
	found = 0;
	if (token && token_shaped(token)) {
		keyed_hash(a->key, token, token_hex);
		if ((found = lookup(a, token_hex, &f)) < 0)
			return PM_DB;
	}
	if (!found) {
		limiter_fail(a->limiter, res->client, now);
		log_kv(LOG_WARN, "auth.failed", "client", res->client, "why",
		       "wrong token at login", NULL);
		res->verdict = AUTH_DENIED;
		return PM_OK;
	}
	random_secret(sid, AUTH_SESSION_LEN + 1, "");
	keyed_hash(a->key, sid, hex);
	/* Not the index's writer: a sync may hold that for minutes. */
	c = store_sessions(a->store);
	s = dbconn_stmt(c, sql_session_expire);
	if (s)
		sqlite3_bind_int64(s, 1, now);
	step_is_done(s);
	if ((s = dbconn_stmt(c, sql_session_add))) {
		sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, token_hex, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, now);
		sqlite3_bind_int64(s, 4, now + a->session_ttl);
	}
	if (!step_is_done(s))
		rc = PM_DB;
	store_sessions_release(a->store);
	note_use(a, &f, now);
	if (rc != PM_OK) {
		sid[0] = '\0';
		return rc;
	}
	grant(res, f.scope, "session", f.name);
	res->verdict = AUTH_ALLOW;
	log_kv(LOG_INFO, "auth.login", "client", res->client, "token", f.name,
	       NULL);
	return PM_OK;
}

void auth_logout(struct auth *a, const char *cookie)
{
	char sid[AUTH_SESSION_LEN + 1], hex[HASH_HEX];
	struct dbconn *c;
	sqlite3_stmt *s;

	if (!session_cookie(cookie, sid, sizeof(sid)))
		return;
	keyed_hash(a->key, sid, hex);
	sodium_memzero(sid, sizeof(sid));
	c = store_sessions(a->store);
	if ((s = dbconn_stmt(c, sql_session_delete))) {
		sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
		step_is_done(s);
	}
	store_sessions_release(a->store);
}

void auth_cookie(struct buf *out, const char *sid, long max_age, int secure)
{
	buf_addf(out, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s",
		 AUTH_COOKIE, sid ? sid : "", sid ? max_age : 0L,
		 secure ? "; Secure" : "");
}

/* --- tokens for the command line -------------------------------------- */

static int name_ok(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > 64)
		return 0;
	for (; *name; name++)
		if (!isalnum((unsigned char)*name) && !strchr("-_.@", *name))
			return 0;
	return 1;
}

enum pm_status auth_token_create(struct store *st, const char *name,
				 enum auth_scope scope,
				 char token[AUTH_TOKEN_LEN + 1],
				 struct pm_error *err)
{
	unsigned char key[KEY_BYTES];
	char hex[HASH_HEX];
	struct dbconn *w;
	sqlite3_stmt *s;
	enum pm_status rc;
	int taken = 0;

	token[0] = '\0';
	if (!name_ok(name))
		return pm_error_set(err, PM_INVALID, "token", 0,
				    "a token name is 1 to 64 letters, digits, "
				    "'-', '_', '.' or '@'; got '%.64s'",
				    name);
	if (scope != AUTH_SCOPE_READ && scope != AUTH_SCOPE_ADMIN)
		return pm_error_set(err, PM_INVALID, "--scope", 0,
				    "--scope: expected read or admin");
	if ((rc = load_key(st, key, err)) != PM_OK)
		return rc;
	random_secret(token, AUTH_TOKEN_LEN + 1, TOKEN_PREFIX);
	keyed_hash(key, token, hex);
	sodium_memzero(key, sizeof(key));
	w = store_writer(st);
	if ((s = dbconn_stmt(w, sql_token_named))) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		taken = sqlite3_step(s) == SQLITE_ROW;
		sqlite3_reset(s);
	}
	if (taken) {
		rc = pm_error_set(err, PM_CONFLICT, "token", 0,
				  "a token named '%s' exists; revoke it "
				  "first or choose another name",
				  name);
		goto out;
	}
	if ((s = dbconn_stmt(w, sql_token_add))) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, auth_scope_name(scope), -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(s, 3, hex, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, (int64_t)time(NULL));
	}
	if (!step_is_done(s))
		rc = pm_error_set(err, PM_DB, "database", 0,
				  "cannot store the token: %s",
				  sqlite3_errmsg(dbconn_db(w)));
out:
	store_writer_release(st);
	if (rc != PM_OK)
		sodium_memzero(token, AUTH_TOKEN_LEN + 1);
	return rc;
}

/* Ends the sessions of the token whose hash is hex (sessions database). */
static enum pm_status end_sessions(struct store *st, const char *hex,
				   struct pm_error *err)
{
	struct dbconn *c = store_sessions(st);
	sqlite3_stmt *s = dbconn_stmt(c, sql_sessions_of);
	enum pm_status rc = PM_OK;

	if (s)
		sqlite3_bind_text(s, 1, hex, -1, SQLITE_TRANSIENT);
	if (!step_is_done(s))
		rc = pm_error_set(err, PM_DB, "database", 0,
				  "cannot end the token's sessions: %s",
				  c ? sqlite3_errmsg(dbconn_db(c))
				    : "the sessions database cannot be opened");
	store_sessions_release(st);
	return rc;
}

/*
 * The sessions go first, then the token. Either way a session of a
 * revoked token lets no one in (its token's hash is gone); this order
 * leaves none behind when the second step fails.
 */
enum pm_status auth_token_revoke(struct store *st, const char *name,
				 struct pm_error *err)
{
	struct dbconn *w = store_writer(st);
	sqlite3_stmt *s = dbconn_stmt(w, sql_token_named);
	enum pm_status rc = PM_OK;
	int found = 0;

	if (s) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		if ((found = sqlite3_step(s) == SQLITE_ROW))
			rc = end_sessions(st,
					  (const char *)sqlite3_column_text(
						  s, 0),
					  err);
		sqlite3_reset(s);
	}
	if (rc != PM_OK)
		goto out;
	if (!found) {
		rc = pm_error_set(err, PM_NOT_FOUND, "token", 0,
				  "no token is named '%.64s'", name);
		goto out;
	}
	if ((s = dbconn_stmt(w, sql_token_delete)))
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (!step_is_done(s))
		rc = pm_error_set(err, PM_DB, "database", 0,
				  "cannot revoke the token: %s",
				  sqlite3_errmsg(dbconn_db(w)));
out:
	store_writer_release(st);
	return rc;
}

/* The live sessions of the token whose hash is hex; -1 if unknown. */
static long long count_sessions(struct store *st, const char *hex)
{
	struct dbconn *c = store_sessions(st);
	sqlite3_stmt *s = dbconn_stmt(c, sql_sessions_count);
	long long n = -1;

	if (s) {
		sqlite3_bind_text(s, 1, hex, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, (int64_t)time(NULL));
		if (sqlite3_step(s) == SQLITE_ROW)
			n = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	store_sessions_release(st);
	return n;
}

static void format_time(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t) {
		snprintf(out, size, "never");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

enum pm_status auth_token_list(struct store *st, FILE *out,
			       struct pm_error *err)
{
	struct dbconn *c = store_reader(st);
	sqlite3_stmt *s;
	enum pm_status rc = PM_OK;
	int n = 0, step;

	if (!c || !(s = dbconn_stmt(c, sql_token_list))) {
		rc = pm_error_set(err, PM_DB, "database",
				  0, "cannot read the tokens");
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		char created[32], used[32];

		if (!n++)
			fprintf(out, "%-24s %-6s %-20s %-20s %s\n", "NAME",
				"SCOPE", "CREATED", "LAST USED", "SESSIONS");
		format_time(sqlite3_column_int64(s, 2), created,
			    sizeof(created));
		format_time(sqlite3_column_int64(s, 3), used, sizeof(used));
		fprintf(out, "%-24s %-6s %-20s %-20s %lld\n",
			(const char *)sqlite3_column_text(s, 0),
			(const char *)sqlite3_column_text(s, 1), created, used,
			count_sessions(st, (const char *)sqlite3_column_text(
						   s, 4)));
	}
	if (step != SQLITE_DONE)
		rc = pm_error_set(err, PM_DB, "database", 0,
				  "cannot read the tokens: %s",
				  sqlite3_errmsg(dbconn_db(c)));
	else if (!n)
		fprintf(out, "no tokens; create one with 'pmkb token create "
			     "NAME'\n");
	sqlite3_reset(s);
out:
	store_reader_release(st, c);
	return rc;
}
