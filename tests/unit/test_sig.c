/* HMAC-SHA256 signatures and constant-time secret checks (sig.c). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "pmkb/base/sig.h"
#include "tap.h"

/* GitHub's documented example for X-Hub-Signature-256. */
static const char gh_secret[] = "It's a Secret to Everybody";
static const char gh_payload[] = "Hello, World!";
static const char gh_sig[] = "sha256=757107ea0eb2509fc211221cce984b8a375"
			     "70b6d7586c22c46f4379c8b043e17";

static void github_example(void)
{
	struct sig_part p = SIG_STR(gh_payload);
	char hex[SIG_SHA256_HEX];
	char upper[80];

	sig_hmac_sha256_hex(gh_secret, strlen(gh_secret), &p, 1, hex);
	is_str(hex, gh_sig + 7, "GitHub's example signature");
	is_int(sig_verify_hex(gh_secret, strlen(gh_secret), &p, 1, gh_sig),
	       PM_OK, "verifies with the sha256= prefix");
	is_int(sig_verify_hex(gh_secret, strlen(gh_secret), &p, 1,
			      gh_sig + 7),
	       PM_OK, "verifies without the prefix (Gitea)");
	snprintf(upper, sizeof(upper), "sha256=");
	for (size_t i = 7; gh_sig[i]; i++)
		upper[i] = (char)(gh_sig[i] >= 'a' && gh_sig[i] <= 'f'
					  ? gh_sig[i] - 32
					  : gh_sig[i]);
	upper[strlen(gh_sig)] = '\0';
	is_int(sig_verify_hex(gh_secret, strlen(gh_secret), &p, 1, upper),
	       PM_OK, "upper-case hex is accepted");
}

static void rejections(void)
{
	struct sig_part p = SIG_STR(gh_payload);
	struct sig_part other = SIG_STR("Hello, World?");
	char bad[80];
	size_t k = strlen(gh_secret);

	is_int(sig_verify_hex(gh_secret, k, &p, 1, NULL), PM_UNAUTHORIZED,
	       "a missing signature is refused");
	is_int(sig_verify_hex(gh_secret, k, &p, 1, ""), PM_UNAUTHORIZED,
	       "an empty signature is refused");
	is_int(sig_verify_hex(gh_secret, k, &p, 1, "sha256="),
	       PM_UNAUTHORIZED, "a bare prefix is refused");
	is_int(sig_verify_hex(gh_secret, k, &other, 1, gh_sig),
	       PM_UNAUTHORIZED,
	       "a valid signature of another body is refused (stale)");
	is_int(sig_verify_hex("It's a Secret to Everybodz", k, &p, 1, gh_sig),
	       PM_UNAUTHORIZED, "another secret is refused");
	snprintf(bad, sizeof(bad), "%s", gh_sig);
	bad[strlen(bad) - 1] = '8';
	is_int(sig_verify_hex(gh_secret, k, &p, 1, bad), PM_UNAUTHORIZED,
	       "one changed digit is refused");
	snprintf(bad, sizeof(bad), "%s", gh_sig);
	bad[strlen(bad) - 1] = '\0';
	is_int(sig_verify_hex(gh_secret, k, &p, 1, bad), PM_UNAUTHORIZED,
	       "a short signature is refused");
	snprintf(bad, sizeof(bad), "%s0", gh_sig);
	is_int(sig_verify_hex(gh_secret, k, &p, 1, bad), PM_UNAUTHORIZED,
	       "a long signature is refused");
	snprintf(bad, sizeof(bad), "%s", gh_sig);
	bad[10] = 'g';
	is_int(sig_verify_hex(gh_secret, k, &p, 1, bad), PM_UNAUTHORIZED,
	       "a non-hex signature is refused");
	snprintf(bad, sizeof(bad), "sha1=%s", gh_sig + 7);
	is_int(sig_verify_hex(gh_secret, k, &p, 1, bad), PM_UNAUTHORIZED,
	       "another algorithm's prefix is refused");
}

/* RFC 4231: keys shorter and longer than the 64-byte block. */
static void rfc4231(void)
{
	unsigned char key[131];
	struct sig_part p;
	char hex[SIG_SHA256_HEX];

	memset(key, 0x0b, 20);
	p = SIG_STR("Hi There");
	sig_hmac_sha256_hex(key, 20, &p, 1, hex);
	is_str(hex,
	       "b0344c61d8db38535ca8afceaf0bf12b"
	       "881dc200c9833da726e9376c2e32cff7",
	       "RFC 4231 case 1 (20-byte key)");
	p = SIG_STR("what do ya want for nothing?");
	sig_hmac_sha256_hex("Jefe", 4, &p, 1, hex);
	is_str(hex,
	       "5bdcc146bf60754e6a042426089575c7"
	       "5a003f089d2739839dec58b964ec3843",
	       "RFC 4231 case 2 (4-byte key)");
	memset(key, 0xaa, sizeof(key));
	p = SIG_STR("Test Using Larger Than Block-Size Key - Hash Key First");
	sig_hmac_sha256_hex(key, sizeof(key), &p, 1, hex);
	is_str(hex,
	       "60e431591ee0b67f0d8a26aacbf5b77f"
	       "8e0bc6213728c5140546040f0ee37f54",
	       "RFC 4231 case 6 (131-byte key, hashed first)");
}

/* Parts sign like their concatenation (Slack's v0:ts:body). */
static void parts(void)
{
	struct sig_part whole = SIG_STR("v0:1531420618:token=xyz&text=hi");
	struct sig_part split[] = { SIG_STR("v0:"), SIG_STR("1531420618"),
				    SIG_STR(":"), SIG_STR("token=xyz&text=hi"),
				    { NULL, 0 } };
	char a[SIG_SHA256_HEX], b[SIG_SHA256_HEX], c[SIG_SHA256_HEX];

	sig_hmac_sha256_hex("k", 1, &whole, 1, a);
	sig_hmac_sha256_hex("k", 1, split, 5, b);
	is_str(b, a, "a message in parts signs like the whole");
	sig_hmac_sha256_hex("", 0, NULL, 0, c);
	is_str(c,
	       "b613679a0814d9ec772f95d778c35fc5"
	       "ff1697c493715653c6c712144292c5ad",
	       "empty key and empty message");
	is_int(sig_verify_hex("k", 1, split, 5, a), PM_OK,
	       "verify takes parts too");
}

static void secrets(void)
{
	ok(sig_secret_equal("glpat-abc", "glpat-abc"), "equal tokens");
	ok(!sig_secret_equal("glpat-abc", "glpat-abd"), "different tokens");
	ok(!sig_secret_equal("glpat-abc", "glpat-ab"), "a prefix is not equal");
	ok(!sig_secret_equal("", "x"), "empty is not equal to a token");
	ok(!sig_secret_equal(NULL, "x"), "a missing token is not equal");
	ok(!sig_secret_equal("x", NULL), "nothing equals a missing secret");
}

int main(void)
{
	if (sodium_init() < 0) {
		printf("Bail out! sodium_init failed\n");
		return 1;
	}
	github_example();
	rejections();
	rfc4231();
	parts();
	secrets();
	return tap_done();
}
