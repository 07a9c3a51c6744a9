/*
 * The search cache serves a body only while the database is unchanged,
 * whoever commits, and never keeps a body computed across a change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "pmkb/search/searchcache.h"
#include "tap.h"

static int commit(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

int main(void)
{
	char path[] = "/tmp/pmkb-searchcache-XXXXXX";
	char wal[64], shm[64];
	struct search_cache *c = NULL;
	struct pm_error err;
	sqlite3 *w = NULL;
	uint64_t gen, gen2;
	size_t len;
	char *body;
	int fd = mkstemp(path);

	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	snprintf(shm, sizeof(shm), "%s-shm", path);
	ok(sqlite3_open(path, &w) == SQLITE_OK &&
		   commit(w, "PRAGMA journal_mode = WAL;"
			     "CREATE TABLE t(x)"),
	   "a WAL database");

	pm_error_clear(&err);
	ok(search_cache_open(&c, path, 0, &err) == PM_OK && !c,
	   "0 slots: no cache");
	ok(!search_cache_get(NULL, "k", &len, &gen), "NULL cache: a miss");
	search_cache_put(NULL, "k", gen, "x", 1);

	ok(search_cache_open(&c, path, 8, &err) == PM_OK && c, "open");
	ok(!search_cache_get(c, "q=a", &len, &gen), "empty: a miss");
	search_cache_put(c, "q=a", gen, "{\"a\":1}", 7);
	body = search_cache_get(c, "q=a", &len, &gen2);
	is_str(body, "{\"a\":1}", "a hit returns the body");
	is_int(len, 7, "and its length");
	is_int(gen2, gen, "same generation while nothing changed");
	free(body);
	ok(!search_cache_get(c, "q=b", &len, &gen2), "another key: a miss");

	ok(commit(w, "INSERT INTO t VALUES(1)"), "another connection commits");
	ok(!search_cache_get(c, "q=a", &len, &gen2), "the old body is gone");
	ok(gen2 != gen, "a new generation");

	/* A body computed before a commit and stored after it is dropped. */
	ok(!search_cache_get(c, "q=c", &len, &gen), "miss");
	ok(commit(w, "INSERT INTO t VALUES(2)"), "commit meanwhile");
	ok(!search_cache_get(c, "q=d", &len, &gen2), "someone notices");
	search_cache_put(c, "q=c", gen, "stale", 5);
	ok(!search_cache_get(c, "q=c", &len, &gen2),
	   "the stale body is not kept");

	body = malloc(SEARCH_CACHE_MAX_BODY + 2);
	memset(body, 'x', SEARCH_CACHE_MAX_BODY + 1);
	body[SEARCH_CACHE_MAX_BODY + 1] = '\0';
	search_cache_put(c, "big", gen2, body, SEARCH_CACHE_MAX_BODY + 1);
	free(body);
	ok(!search_cache_get(c, "big", &len, &gen2),
	   "oversized bodies are not kept");

	search_cache_free(c);

	/* Four slots: every key may take any; the least recently used goes. */
	ok(search_cache_open(&c, path, 4, &err) == PM_OK, "open 4 slots");
	{
		static const char *const keys[] = { "k1", "k2", "k3", "k4" };
		int all = 1;

		for (int i = 0; i < 4; i++) {
			search_cache_get(c, keys[i], &len, &gen);
			search_cache_put(c, keys[i], gen, keys[i], 2);
		}
		for (int i = 0; i < 4; i++) {
			body = search_cache_get(c, keys[i], &len, &gen);
			all = all && body && !strcmp(body, keys[i]);
			free(body);
		}
		ok(all, "four keys in four slots are all kept");
		/* k1 was used longest ago. */
		search_cache_put(c, "k5", gen, "k5", 2);
		body = search_cache_get(c, "k1", &len, &gen);
		ok(!body, "a fifth key evicts the least recently used");
		free(body);
		body = search_cache_get(c, "k4", &len, &gen);
		is_str(body, "k4", "the others stay");
		free(body);
	}
	search_cache_free(c);
	sqlite3_close(w);
	unlink(path);
	unlink(wal);
	unlink(shm);
	return tap_done();
}
