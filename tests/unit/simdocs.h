/*
 * Postmortems the similarity tests share (test_similar.c, test_shares.c):
 * two Redis evictions that tell one story, and a migration lock that
 * tells another. Each is the text of the file named in its comment.
 */
#ifndef PMKB_TESTS_SIMDOCS_H
#define PMKB_TESTS_SIMDOCS_H

/* 2017-04-18-redis-eviction.md */
#define SIMDOC_REDIS_EVICTION \
	"---\ntitle: Redis evictions after a key format change\n" \
	"started_at: 2017-04-18\nseverity: SEV2\ncause: capacity\n" \
	"services: [redis, web-frontend]\ntags: [cache]\n" \
	"summary: Redis hit maxmemory and evicted hot keys.\n---\n" \
	"# Summary\n\nA key format change doubled the keys in Redis. " \
	"The instance reached maxmemory and the allkeys-lru policy " \
	"evicted hot keys; the hit ratio fell and the database took " \
	"the load. We raised maxmemory and fixed the key format.\n"

/* 2018-05-16-redis-token-eviction.md */
#define SIMDOC_REDIS_TOKENS \
	"---\ntitle: Token store Redis hit maxmemory\n" \
	"started_at: 2018-05-16\nseverity: SEV2\ncause: [capacity, " \
	"application]\nservices: [redis, auth]\n" \
	"summary: Refresh tokens were evicted from Redis.\n---\n" \
	"# Summary\n\nThe token Redis reached maxmemory. Its eviction " \
	"policy was allkeys-lru, so refresh tokens were evicted and " \
	"users were logged out. Redis now uses noeviction.\n"

/* 2017-06-01-migration-lock.md */
#define SIMDOC_MIGRATION_LOCK \
	"---\ntitle: Migration locked the orders table\n" \
	"started_at: 2017-06-01\nseverity: SEV2\ncause: deployment\n" \
	"services: [checkout]\n" \
	"summary: A schema migration held a lock during checkout.\n---\n" \
	"# Summary\n\nThe deploy ran an ALTER TABLE on orders which " \
	"locked the table for twelve minutes. Checkout timed out. " \
	"Migrations now run online with gh-ost.\n"

#endif
