/* Commands that manage an index's tokens and Slack outbox. */
#ifndef PMKB_ADMIN_H
#define PMKB_ADMIN_H

struct pm_config;

/* `pmkb token create|list|revoke`; returns the exit status. */
int token_command(const struct pm_config *cfg, int nargs, const char **args);

/*
 * `pmkb outbox [status | retry [ID] | test [TEXT...]]` on cfg->db: prints
 * the counts and the rows not sent; queues failed rows again; queues a
 * test message for the running server to deliver. Returns the exit
 * status.
 */
int outbox_command(const struct pm_config *cfg, int nargs,
		   const char **args);

/*
 * `pmkb digest [--dry-run]`: with --dry-run prints the action-item digest
 * of the latest period (slack/digest.h) from cfg->db and the .pmkb.yml of
 * cfg->dir; without, queues it on the outbox unless it was queued before.
 * Returns the exit status.
 */
int digest_command(const struct pm_config *cfg);

#endif
