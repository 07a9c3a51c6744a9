/*
 * The slash command's answers as data: /postmortem search, similar,
 * latest, stats, actions and help, each a Block Kit reply.
 */
#ifndef PMKB_SLACK_COMMAND_H
#define PMKB_SLACK_COMMAND_H

#include <jansson.h>

struct settings;
struct store;

/* What the commands read: the index, the settings, links' base URL. */
struct slack_env {
	struct store *store;
	struct settings *settings;
	const char *public_url; /* without a trailing slash */
	/* Whether pmkb serves a page at path (the UI grows pages). */
	int (*have_page)(const char *path);
	const char *user_id; /* who typed the command (Slack), or NULL */
};

/*
 * Runs the command line raw, typed after command ("/postmortem"), and
 * returns the Slack reply (owned): {"response_type", "text", "blocks"}.
 */
json_t *slack_answer(const struct slack_env *env, const char *command,
		     const char *raw);

#endif
