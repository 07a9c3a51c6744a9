/*
 * Slack request signatures. A request is verified before anything else
 * reads it: the timestamp must be within five minutes of now, and
 * X-Slack-Signature must be "v0=" and the hex HMAC-SHA256 of
 * "v0:{timestamp}:{raw body}" keyed with the signing secret
 * (PMKB_SLACK_SIGNING_SECRET), compared in constant time.
 */
#ifndef PMKB_SLACK_VERIFY_H
#define PMKB_SLACK_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/status.h"

/* Slack's replay window: a request older or newer than this is refused. */
#define SLACK_MAX_SKEW 300
/* Slack's bodies are a few hundred bytes; anything near this is not one. */
#define SLACK_MAX_BODY (64 * 1024)
/* Length of "v0=" and 64 hex digits, without the NUL. */
#define SLACK_SIGNATURE_LEN 67

/*
 * Checks a X-Slack-Request-Timestamp value: decimal seconds since 1970,
 * within SLACK_MAX_SKEW of now. PM_UNAUTHORIZED otherwise.
 */
enum pm_status slack_check_timestamp(const char *timestamp, int64_t now);

/*
 * Writes "v0=" and the hex HMAC-SHA256 of "v0:{timestamp}:{body}" keyed
 * with secret into out (NUL-terminated).
 */
void slack_signature(const char *secret, const char *timestamp,
		     const char *body, size_t len,
		     char out[SLACK_SIGNATURE_LEN + 1]);

/*
 * Verifies a request: both headers present (NULL when missing), the
 * timestamp within the window around now, the signature equal to the
 * expected one (constant time). PM_UNAUTHORIZED with a reason in err
 * otherwise; the reason never contains the secret or a signature.
 */
enum pm_status slack_verify(const char *secret, const char *timestamp,
			    const char *signature, const char *body,
			    size_t len, int64_t now, struct pm_error *err);

#endif
