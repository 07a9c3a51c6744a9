/*
 * Access control without HTTP: addresses and networks, the failure
 * limiter, tokens (only a keyed hash stored), sessions, the modes and
 * scopes of auth_check, and the cookie's attributes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pmkb/http/auth.h"
#include "pmkb/base/buf.h"
#include "pmkb/http/metrics.h"
#include "pmkb/db/store.h"
#include "pmkb/http/app.h"
#include "pmkb/http/routes.h"
#include "tap.h"
#include "testdb.h"

static struct sockaddr_in v4(const char *ip)
{
	struct sockaddr_in in = { 0 };

	in.sin_family = AF_INET;
	inet_pton(AF_INET, ip, &in.sin_addr);
	return in;
}

static void test_addresses(void)
{
	struct net_addr a;
	struct net_list l = { 0 };
	struct sockaddr_in6 in6 = { 0 };
	struct pm_error err;

	ok(net_addr_parse(&a, "127.0.0.1") && net_addr_is_loopback(&a),
	   "127.0.0.1 is loopback");
	ok(net_addr_parse(&a, "127.9.9.9") && net_addr_is_loopback(&a),
	   "all of 127/8 is loopback");
	ok(net_addr_parse(&a, "::1") && net_addr_is_loopback(&a),
	   "::1 is loopback");
	ok(net_addr_parse(&a, "10.0.0.1") && !net_addr_is_loopback(&a),
	   "10.0.0.1 is not");
	ok(!net_addr_parse(&a, "localhost"), "names are not addresses");
	ok(!net_addr_parse(&a, "10.0.0.1/8"), "nor networks");
	in6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &in6.sin6_addr);
	net_addr_from_sockaddr(&a, (struct sockaddr *)&in6);
	ok(a.family == AF_INET, "a mapped address is IPv4");
	is_str(a.text, "10.1.2.3", "and printed as such");

	is_int(net_list_parse(&l, "10.0.0.0/8, 192.168.1.7 fd00::/8", &err),
	       PM_OK, "a list of networks");
	is_int(l.n, 3, "three entries");
	net_addr_parse(&a, "10.200.3.4");
	ok(net_list_has(&l, &a), "10.200.3.4 is in 10/8");
	net_addr_parse(&a, "11.0.0.1");
	ok(!net_list_has(&l, &a), "11.0.0.1 is not");
	net_addr_parse(&a, "192.168.1.7");
	ok(net_list_has(&l, &a), "a single address");
	net_addr_parse(&a, "192.168.1.8");
	ok(!net_list_has(&l, &a), "its neighbour is not");
	net_addr_parse(&a, "fd12::5");
	ok(net_list_has(&l, &a), "IPv6 networks");
	net_list_release(&l);
	ok(net_list_parse(&l, "10.0.0.0/33", &err) == PM_INVALID &&
		   strstr(err.message, "10.0.0.0/33"),
	   "a prefix too long is refused, and named");
	ok(net_list_parse(&l, "proxy.example.com", &err) == PM_INVALID,
	   "a name is refused");
	is_int(l.n, 0, "a refused list is empty");
	is_int(net_list_parse(&l, NULL, &err), PM_OK, "no list");
	net_list_release(&l);
}

static void test_cookie(void)
{
	struct buf b = BUF_INIT;

	auth_cookie(&b, "abc", 3600, 0);
	is_str(b.ptr,
	       "pmkb_session=abc; Path=/; HttpOnly; SameSite=Strict; "
	       "Max-Age=3600",
	       "HttpOnly, SameSite=Strict, no Secure over plain HTTP");
	buf_reset(&b);
	auth_cookie(&b, "abc", 60, 1);
	ok(strstr(b.ptr, "; Secure") != NULL, "Secure over HTTPS");
	buf_reset(&b);
	auth_cookie(&b, NULL, 60, 0);
	ok(strstr(b.ptr, "pmkb_session=;") && strstr(b.ptr, "Max-Age=0"),
	   "clearing the cookie");
	buf_release(&b);
}

/* Whether the file at path holds the bytes of s. */
static int file_has(const char *path, const char *s)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;
	int found = 0;

	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = malloc((size_t)n + 1);
	if (data && fread(data, 1, (size_t)n, f) == (size_t)n)
		found = memmem(data, (size_t)n, s, strlen(s)) != NULL;
	free(data);
	fclose(f);
	return found;
}

static enum auth_verdict check(struct auth *a, const char *peer,
			       const char *authz, const char *cookie,
			       enum auth_scope need, struct auth_result *res)
{
	struct sockaddr_in in = v4(peer);
	struct auth_input i = { 0 };

	i.peer = (struct sockaddr *)&in;
	i.authorization = authz;
	i.cookie = cookie;
	if (auth_check(a, &i, need, res) != PM_OK)
		return (enum auth_verdict)-1;
	return res->verdict;
}

struct login_try {
	struct auth *a;
	struct auth_input *in;
	const char *token;
	char sid[AUTH_SESSION_LEN + 1];
	struct auth_result res;
	enum pm_status rc;
};

static void *login_thread(void *p)
{
	struct login_try *t = p;

	t->rc = auth_login(t->a, t->in, t->token, t->sid, &t->res);
	return NULL;
}

/*
 * A sync holds the index's writer for as long as it runs; a login must
 * not wait for it (its session goes to the sessions database).
 */
static void login_while_writing(struct store *st, struct auth *a,
				struct auth_input *in, const char *token)
{
	struct login_try t = { a, in, token, "", { 0 }, PM_INTERNAL };
	struct timespec until;
	pthread_t th;
	int joined;

	store_writer(st);
	pthread_create(&th, NULL, login_thread, &t);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	joined = pthread_timedjoin_np(th, NULL, &until) == 0;
	store_writer_release(st);
	if (!joined)
		pthread_join(th, NULL);
	ok(joined, "a login does not wait for the index's writer");
	is_int(t.rc, PM_OK, "and succeeds");
	is_int(t.res.verdict, AUTH_ALLOW, "with the token");
}

/* Rows in the sessions database. */
static int count_rows(struct store *st)
{
	sqlite3_stmt *s = dbconn_stmt(store_sessions(st),
				      "SELECT count(*) FROM sessions");
	int n = -1;

	if (s && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	if (s)
		sqlite3_reset(s);
	store_sessions_release(st);
	return n;
}

/* The database's files: the index and the sessions, each with WAL. */
static void remove_database(const char *path)
{
	static const char *const suffix[] = {
		"", "-wal", "-shm", "-sessions", "-sessions-wal",
		"-sessions-shm"
	};
	char p[300];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(*suffix); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		unlink(p);
	}
}

static void test_tokens(void)
{
	char dir[] = "/tmp/pmkb-auth-XXXXXX", path[256], wal[300];
	char sessions[300], sessions_wal[320];
	char reader[AUTH_TOKEN_LEN + 1], admin[AUTH_TOKEN_LEN + 1];
	char sid[AUTH_SESSION_LEN + 1], hdr[128], cookie[128];
	struct store *st = NULL;
	struct auth *a = NULL;
	struct auth_settings s = { 0 };
	struct auth_result res;
	struct pm_error err;
	struct sockaddr_in peer = v4("10.1.1.1");
	struct auth_input in = { 0 };

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/pmkb.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	snprintf(sessions, sizeof(sessions), "%s-sessions", path);
	snprintf(sessions_wal, sizeof(sessions_wal), "%s-wal", sessions);
	is_int(store_open(&st, path, &err), PM_OK, "a fresh database");
	ok(access(sessions, F_OK) != 0, "no sessions file before a login");
	is_int(auth_token_create(st, "ci-bot", AUTH_SCOPE_READ, reader, &err),
	       PM_OK, "create a read token");
	is_int(strlen(reader), AUTH_TOKEN_LEN, "48 characters");
	ok(!strncmp(reader, "pmkb_", 5), "recognisable by its prefix");
	is_int(auth_token_create(st, "ops", AUTH_SCOPE_ADMIN, admin, &err),
	       PM_OK, "create an admin token");
	ok(strcmp(reader, admin), "tokens differ");
	is_int(auth_token_create(st, "ci-bot", AUTH_SCOPE_READ, hdr, &err),
	       PM_CONFLICT, "a name is used once");
	is_int(auth_token_create(st, "bad name", AUTH_SCOPE_READ, hdr, &err),
	       PM_INVALID, "names are checked");
	ok(!file_has(path, reader) && !file_has(wal, reader) &&
		   !file_has(path, reader + 5) && !file_has(wal, reader + 5),
	   "the token itself is not stored");

	s.mode = AUTH_TOKEN;
	s.fail_limit = 3;
	s.session_ttl = 3600;
	is_int(auth_new(&a, st, &s, &err), PM_OK, "token mode");
	is_int(check(a, "10.1.1.1", NULL, NULL, AUTH_SCOPE_NONE, &res),
	       AUTH_ALLOW, "public routes need nothing");
	is_int(check(a, "10.1.1.1", NULL, NULL, AUTH_SCOPE_READ, &res),
	       AUTH_MISSING, "no credentials: missing");
	snprintf(hdr, sizeof(hdr), "Bearer %s", reader);
	is_int(check(a, "10.1.1.1", hdr, NULL, AUTH_SCOPE_READ, &res),
	       AUTH_ALLOW, "the read token reads");
	is_str(res.who, "token:ci-bot", "and is named in logs");
	is_int(check(a, "10.1.1.1", hdr, NULL, AUTH_SCOPE_ADMIN, &res),
	       AUTH_FORBIDDEN, "but is not admin");
	snprintf(hdr, sizeof(hdr), "bearer   %s", admin);
	is_int(check(a, "10.1.1.1", hdr, NULL, AUTH_SCOPE_ADMIN, &res),
	       AUTH_ALLOW, "the admin token (any case, extra spaces)");
	is_int(check(a, "10.2.2.2", "Bearer pmkb_nope", NULL, AUTH_SCOPE_READ,
		     &res),
	       AUTH_DENIED, "a malformed token is denied");
	snprintf(hdr, sizeof(hdr), "Bearer %s", reader);
	hdr[20] ^= 1;
	is_int(check(a, "10.2.2.2", hdr, NULL, AUTH_SCOPE_READ, &res),
	       AUTH_DENIED, "a token one bit off is denied");
	is_int(check(a, "10.2.2.2", "Basic dXNlcjpwYXNz", NULL,
		     AUTH_SCOPE_READ, &res),
	       AUTH_MISSING, "other schemes are not tokens");
	is_int(check(a, "10.2.2.2", "Bearer x", NULL, AUTH_SCOPE_READ, &res),
	       AUTH_DENIED, "third failure");
	snprintf(hdr, sizeof(hdr), "Bearer %s", reader);
	is_int(check(a, "10.2.2.2", hdr, NULL, AUTH_SCOPE_READ, &res),
	       AUTH_LIMITED, "then even a good token waits");
	ok(res.retry_after > 0 && res.retry_after <= 60, "for at most 60 s");
	is_int(check(a, "10.1.1.1", hdr, NULL, AUTH_SCOPE_READ, &res),
	       AUTH_ALLOW, "other addresses are not affected");

	in.peer = (struct sockaddr *)&peer;
	is_int(auth_login(a, &in, admin, sid, &res), PM_OK, "log in");
	is_int(res.verdict, AUTH_ALLOW, "with the admin token");
	is_int(strlen(sid), AUTH_SESSION_LEN, "a session id");
	ok(access(sessions, F_OK) == 0, "kept beside the database");
	snprintf(cookie, sizeof(cookie), "theme=dark; %s=%s; x=y",
		 AUTH_COOKIE, sid);
	is_int(check(a, "10.1.1.1", NULL, cookie, AUTH_SCOPE_ADMIN, &res),
	       AUTH_ALLOW, "the session carries the token's scope");
	is_str(res.who, "session:ops", "named after its token");
	ok(!file_has(path, sid) && !file_has(wal, sid) &&
		   !file_has(sessions, sid) && !file_has(sessions_wal, sid),
	   "the session id is not stored");
	login_while_writing(st, a, &in, admin);
	is_int(check(a, "10.1.1.1", NULL, "pmkb_session=forged",
		     AUTH_SCOPE_READ, &res),
	       AUTH_MISSING, "an unknown session is no session");
	is_int(auth_login(a, &in, "pmkb_wrong", sid, &res), PM_OK,
	       "a wrong login");
	is_int(res.verdict, AUTH_DENIED, "is denied");

	is_int(auth_token_revoke(st, "ops", &err), PM_OK, "revoke");
	is_int(check(a, "10.1.1.1", NULL, cookie, AUTH_SCOPE_READ, &res),
	       AUTH_MISSING, "its sessions end with it");
	is_int(count_rows(st), 0, "and are deleted");
	snprintf(hdr, sizeof(hdr), "Bearer %s", admin);
	is_int(check(a, "10.3.3.3", hdr, NULL, AUTH_SCOPE_READ, &res),
	       AUTH_DENIED, "and the token is refused");
	is_int(auth_token_revoke(st, "ops", &err), PM_NOT_FOUND,
	       "revoking twice: not found");
	auth_free(a);
	a = NULL;

	/* Open mode: reading for all, admin for loopback. */
	s.mode = AUTH_OPEN;
	is_int(auth_new(&a, st, &s, &err), PM_OK, "open mode");
	is_int(check(a, "10.1.1.1", NULL, NULL, AUTH_SCOPE_READ, &res),
	       AUTH_ALLOW, "anyone reads");
	is_int(check(a, "10.1.1.1", NULL, NULL, AUTH_SCOPE_ADMIN, &res),
	       AUTH_FORBIDDEN, "admin from afar needs a token");
	is_int(check(a, "127.0.0.1", NULL, NULL, AUTH_SCOPE_ADMIN, &res),
	       AUTH_ALLOW, "admin from loopback");
	auth_free(a);
	a = NULL;

	/* Proxy mode: the identity header only from trusted peers. */
	s.mode = AUTH_PROXY;
	s.trusted_proxies = "10.9.0.0/16";
	is_int(auth_new(&a, st, &s, &err), PM_OK, "proxy mode");
	{
		struct sockaddr_in p = v4("10.9.1.1"), q = v4("10.8.1.1");
		struct auth_input i = { 0 };

		i.peer = (struct sockaddr *)&p;
		i.identity = "ada@example.com";
		i.forwarded_for = "203.0.113.9, 198.51.100.7";
		i.forwarded_proto = "https";
		auth_check(a, &i, AUTH_SCOPE_READ, &res);
		is_int(res.verdict, AUTH_ALLOW, "a trusted proxy's identity");
		is_str(res.who, "proxy:ada@example.com", "logged as such");
		is_str(res.client, "198.51.100.7",
		       "the client is the hop the proxy added");
		ok(res.https, "HTTPS as the proxy says");
		i.peer = (struct sockaddr *)&q;
		auth_check(a, &i, AUTH_SCOPE_READ, &res);
		is_int(res.verdict, AUTH_MISSING,
		       "the same header from elsewhere is ignored");
		is_str(res.client, "10.8.1.1", "and so is X-Forwarded-For");
		ok(!res.https, "and X-Forwarded-Proto");
	}
	auth_free(a);
	a = NULL;
	s.trusted_proxies = "not-an-address";
	is_int(auth_new(&a, st, &s, &err), PM_INVALID,
	       "a bad --trusted-proxy is refused");
	store_close(st);
	remove_database(path);
	ok(rmdir(dir) == 0 || errno != ENOTEMPTY,
	   "no other file was left");
}

static void has_line(const char *text, const char *line)
{
	const char *p = text;
	size_t n = strlen(line);
	int found = 0;

	while (!found && (p = strstr(p, line)) != NULL) {
		found = (p == text || p[-1] == '\n') &&
			(p[n] == '\n' || p[n] == '\0');
		p += n;
	}
	if (!ok(found, line))
		printf("# in:\n%s", text);
}

static void test_metrics(void)
{
	static const struct test_doc doc = { "a.md", "# A\n" };
	struct metrics *m = metrics_new(3);
	struct testdb t;
	struct app app = { 0 };
	struct buf out = BUF_INIT;
	char line[160];

	metrics_observe(m, 0, 200, 300000);
	metrics_observe(m, 0, 200, 2000000000LL);
	metrics_observe(m, 7, 404, 1000);
	metrics_observe(m, -1, 599, 1000);
	metrics_refused(m, 1);
	metrics_timed_out(m);
	metrics_auth_failed(m, 0);
	metrics_auth_failed(m, 1);
	/* A missing metrics object is ignored (the process survives). */
	metrics_observe(NULL, 0, 200, 1);
	if (!testdb_open(&t, "metrics", &doc, 1, NULL))
		goto out;
	app.store = t.store;
	metrics_render(m, &app, 4, 2, &out);
	snprintf(line, sizeof(line),
		 "pmkb_http_requests_total{method=\"%s\",route=\"%s\","
		 "status=\"200\"} 2",
		 routes[0].method, routes[0].pattern);
	has_line(out.ptr, line);
	has_line(out.ptr, "pmkb_http_requests_total{method=\"\","
			  "route=\"none\",status=\"404\"} 1");
	has_line(out.ptr, "pmkb_http_requests_total{method=\"\","
			  "route=\"none\",status=\"other\"} 1");
	snprintf(line, sizeof(line),
		 "pmkb_http_request_duration_seconds_sum{method=\"%s\","
		 "route=\"%s\"} 2.000300",
		 routes[0].method, routes[0].pattern);
	has_line(out.ptr, line);
	has_line(out.ptr, "pmkb_http_connections 4");
	has_line(out.ptr, "pmkb_http_requests_in_flight 2");
	has_line(out.ptr, "pmkb_http_connections_refused_total"
			  "{limit=\"total\"} 0");
	has_line(out.ptr, "pmkb_http_connections_refused_total"
			  "{limit=\"per_address\"} 1");
	has_line(out.ptr, "pmkb_http_request_timeouts_total 1");
	has_line(out.ptr, "pmkb_auth_failures_total{result=\"denied\"} 1");
	has_line(out.ptr,
		 "pmkb_auth_failures_total{result=\"rate_limited\"} 1");
	has_line(out.ptr, "pmkb_postmortems 1");
	testdb_close(&t);
out:
	buf_release(&out);
	metrics_free(m);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_addresses();
	test_cookie();
	test_tokens();
	test_metrics();
	return tap_done();
}
