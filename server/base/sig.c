/*
 * HMAC-SHA256 over message parts, hex signatures, constant-time checks.
 *
 * libsodium's crypto_auth_hmacsha256_init() hashes a key longer than the
 * block size first and pads a shorter one, exactly as RFC 2104 says, so
 * the streaming API gives the standard HMAC for any key length.
 */
#include <sodium.h>
#include <string.h>

#include "pmkb/base/sig.h"

void sig_hmac_sha256(const void *key, size_t keylen,
		     const struct sig_part *parts, size_t n,
		     unsigned char out[SIG_SHA256_BYTES])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, keylen);
	for (size_t i = 0; i < n; i++)
		if (parts[i].len)
			crypto_auth_hmacsha256_update(
				&st, (const unsigned char *)parts[i].data,
				parts[i].len);
	crypto_auth_hmacsha256_final(&st, out);
	/* The state holds key material. */
	sodium_memzero(&st, sizeof(st));
}

void sig_hmac_sha256_hex(const void *key, size_t keylen,
			 const struct sig_part *parts, size_t n,
			 char hex[SIG_SHA256_HEX])
{
	unsigned char mac[SIG_SHA256_BYTES];

	sig_hmac_sha256(key, keylen, parts, n, mac);
	sodium_bin2hex(hex, SIG_SHA256_HEX, mac, sizeof(mac));
}

enum pm_status sig_verify_hex(const void *key, size_t keylen,
			      const struct sig_part *parts, size_t n,
			      const char *hex)
{
	unsigned char want[SIG_SHA256_BYTES], got[SIG_SHA256_BYTES];
	size_t got_len = 0;
	const char *end = NULL;
	enum pm_status rc = PM_UNAUTHORIZED;

	if (!hex)
		return rc;
	if (!strncmp(hex, "sha256=", 7))
		hex += 7;
	/*
	 * The length and the alphabet of the header are public; only the
	 * digest comparison must not leak how much of it was right.
	 */
	if (strlen(hex) != 2 * SIG_SHA256_BYTES ||
	    sodium_hex2bin(got, sizeof(got), hex, strlen(hex), NULL, &got_len,
			   &end) != 0 ||
	    got_len != sizeof(got) || *end)
		goto out;
	sig_hmac_sha256(key, keylen, parts, n, want);
	if (sodium_memcmp(want, got, sizeof(want)) == 0)
		rc = PM_OK;
out:
	sodium_memzero(want, sizeof(want));
	return rc;
}

int sig_secret_equal(const char *a, const char *b)
{
	unsigned char ha[crypto_generichash_BYTES];
	unsigned char hb[crypto_generichash_BYTES];

	if (!a || !b)
		return 0;
	crypto_generichash(ha, sizeof(ha), (const unsigned char *)a,
			   strlen(a), NULL, 0);
	crypto_generichash(hb, sizeof(hb), (const unsigned char *)b,
			   strlen(b), NULL, 0);
	return sodium_memcmp(ha, hb, sizeof(ha)) == 0;
}
