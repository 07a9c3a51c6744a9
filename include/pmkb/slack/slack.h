/*
 * The Slack slash command (POST /slack/command) and the pieces of Slack's
 * protocols that other modules share: request signatures, the form
 * encoding Slack posts, and mrkdwn text escaping.
 *
 * A request is verified before anything else reads it: the timestamp must
 * be within five minutes of now, and X-Slack-Signature must be "v0=" and
 * the hex HMAC-SHA256 of "v0:{timestamp}:{raw body}" keyed with the
 * signing secret (PMKB_SLACK_SIGNING_SECRET), compared in constant time.
 */
#ifndef PMKB_SLACK_H
#define PMKB_SLACK_H

#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/status.h"

struct app;
struct buf;

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

/* One decoded name=value pair of a form. */
struct slack_field {
	char *name;
	char *value;
};

/* A parsed application/x-www-form-urlencoded body. Zero it to init. */
struct slack_form {
	struct slack_field *v;
	size_t n, alloc;
};

/* Fields past this many are refused. */
#define SLACK_FORM_MAX_FIELDS 64

/*
 * Parses an application/x-www-form-urlencoded body: pairs separated by
 * "&", "+" as a space, %XX escapes. Empty pairs are skipped; a pair
 * without "=" has an empty value. PM_INVALID (with a reason in err) for a
 * bad escape, an escaped NUL, invalid UTF-8 after decoding, or more than
 * SLACK_FORM_MAX_FIELDS fields; form is then left empty. Never reads past
 * body + len; body needs no terminator.
 */
enum pm_status slack_form_parse(struct slack_form *form, const char *body,
				size_t len, struct pm_error *err);

/* The value of the first field called name, or NULL. Borrowed from form. */
const char *slack_form_get(const struct slack_form *form, const char *name);

/* Frees the fields and leaves form empty. */
void slack_form_release(struct slack_form *form);

/*
 * Appends s[0..len) as mrkdwn text: &, < and > become &amp;, &lt; and
 * &gt; (the three characters Slack requires escaped), control characters
 * other than newline become spaces. Other bytes, UTF-8 included, are kept.
 */
void slack_escape(struct buf *out, const char *s, size_t len);

/*
 * Appends NUL-terminated s escaped as by slack_escape, cut to at most max
 * bytes (never inside a UTF-8 sequence) and followed by "…" when cut.
 */
void slack_escape_max(struct buf *out, const char *s, size_t max);

/*
 * Sets Slack up for `pmkb serve`, with secrets from the environment only:
 * with PMKB_SLACK_SIGNING_SECRET the slash command (app->slack), and with
 * PMKB_SLACK_WEBHOOK_URL the outbox worker (app->outbox) and what git
 * syncs announce (app->announce, per --slack-announce; links use
 * --public-url). Call before the first sync; undo with slack_stop().
 *
 * A command that takes longer than --slack-inline-ms is answered "looking
 * that up" at once and for real through the response_url Slack sent
 * (which must start with --slack-response-prefix), because Slack gives up
 * on an answer after 3 seconds.
 */
enum pm_status slack_start(struct app *app, struct pm_error *err);

/*
 * Stops the outbox worker and waits for commands still answering late
 * (call after the HTTP server and the syncs have stopped), then wipes the
 * secret. Safe on an app slack_start() skipped.
 */
void slack_stop(struct app *app);

#endif
