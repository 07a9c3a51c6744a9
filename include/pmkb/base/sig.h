/*
 * Message signatures and shared-secret checks (libsodium).
 *
 * HMAC-SHA256 with keys of any length: GitHub, Gitea, Slack and pmkb's own
 * hook secrets are not 32 bytes, so the one-shot crypto_auth_hmacsha256()
 * (which wants exactly crypto_auth_hmacsha256_KEYBYTES) cannot be used.
 * A message is given as parts, so that a caller signing "v0:" + timestamp
 * + ":" + body (Slack) never has to concatenate a copy of the body.
 *
 * Every comparison with a secret or a signature runs in constant time.
 */
#ifndef PMKB_BASE_SIG_H
#define PMKB_BASE_SIG_H

#include <stddef.h>
#include <string.h>

#include "pmkb/base/status.h"

#define SIG_SHA256_BYTES 32
#define SIG_SHA256_HEX 65 /* 64 hex digits and the NUL */

/* One piece of a message to sign. data may be NULL when len is 0. */
struct sig_part {
	const void *data;
	size_t len;
};

/* A part for a NUL-terminated string (evaluates s twice). */
#define SIG_STR(s) ((struct sig_part){ (s), strlen(s) })

/*
 * HMAC-SHA256 of the concatenation of parts[0..n) under key (keylen bytes,
 * any length, may be 0), written to out as raw bytes.
 */
void sig_hmac_sha256(const void *key, size_t keylen,
		     const struct sig_part *parts, size_t n,
		     unsigned char out[SIG_SHA256_BYTES]);

/* The same, as 64 lower-case hex digits (NUL-terminated) in hex. */
void sig_hmac_sha256_hex(const void *key, size_t keylen,
			 const struct sig_part *parts, size_t n,
			 char hex[SIG_SHA256_HEX]);

/*
 * Checks a signature given as hex (borrowed; upper or lower case; a
 * "sha256=" prefix is allowed, as GitHub and pmkb send it) against the
 * HMAC-SHA256 of parts under key. Returns PM_OK when it matches and
 * PM_UNAUTHORIZED otherwise (NULL, wrong length, not hex, or different).
 * The comparison of the digests is constant-time (sodium_memcmp).
 */
enum pm_status sig_verify_hex(const void *key, size_t keylen,
			      const struct sig_part *parts, size_t n,
			      const char *hex);

/*
 * Whether two secrets (such as a GitLab token and the configured one) are
 * equal, in time that depends on neither their contents nor the length of
 * the common prefix: both are hashed (BLAKE2b) and the digests compared
 * with sodium_memcmp. NULL equals nothing. Returns 1 when equal.
 */
int sig_secret_equal(const char *a, const char *b);

#endif
