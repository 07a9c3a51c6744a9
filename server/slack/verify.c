/* Slack request signatures: see include/pmkb/slack/verify.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/sig.h"
#include "pmkb/slack/verify.h"

enum pm_status slack_check_timestamp(const char *timestamp, int64_t now)
{
	int64_t ts = 0;
	const char *p = timestamp;

	if (!p || !*p)
		return PM_UNAUTHORIZED;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || p - timestamp >= 12)
			return PM_UNAUTHORIZED;
		ts = ts * 10 + (*p - '0');
	}
	if (ts < now - SLACK_MAX_SKEW || ts > now + SLACK_MAX_SKEW)
		return PM_UNAUTHORIZED;
	return PM_OK;
}

/* The signed message is "v0:" timestamp ":" body, given in parts. */
static void signed_parts(struct sig_part parts[4], const char *timestamp,
			 const char *body, size_t len)
{
	parts[0] = SIG_STR("v0:");
	parts[1] = SIG_STR(timestamp);
	parts[2] = SIG_STR(":");
	parts[3] = (struct sig_part){ body, len };
}

void slack_signature(const char *secret, const char *timestamp,
		     const char *body, size_t len,
		     char out[SLACK_SIGNATURE_LEN + 1])
{
	struct sig_part parts[4];
	char hex[SIG_SHA256_HEX];

	signed_parts(parts, timestamp, body, len);
	sig_hmac_sha256_hex(secret, strlen(secret), parts, 4, hex);
	snprintf(out, SLACK_SIGNATURE_LEN + 1, "v0=%s", hex);
}

enum pm_status slack_verify(const char *secret, const char *timestamp,
			    const char *signature, const char *body,
			    size_t len, int64_t now, struct pm_error *err)
{
	struct sig_part parts[4];

	if (!timestamp || !signature)
		return pm_error_set(err, PM_UNAUTHORIZED, "slack", 0,
				    "missing X-Slack-Request-Timestamp or "
				    "X-Slack-Signature");
	if (slack_check_timestamp(timestamp, now) != PM_OK)
		return pm_error_set(err, PM_UNAUTHORIZED, "slack", 0,
				    "X-Slack-Request-Timestamp is not within "
				    "%d seconds of this server's clock",
				    SLACK_MAX_SKEW);
	if (strncmp(signature, "v0=", 3))
		return pm_error_set(err, PM_UNAUTHORIZED, "slack", 0,
				    "X-Slack-Signature is not a v0 "
				    "signature");
	signed_parts(parts, timestamp, body, len);
	if (sig_verify_hex(secret, strlen(secret), parts, 4, signature + 3) !=
	    PM_OK)
		return pm_error_set(err, PM_UNAUTHORIZED, "slack", 0,
				    "X-Slack-Signature does not match");
	return PM_OK;
}
