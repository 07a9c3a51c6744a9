/*
 * The commands that read the index and print what they find (cliread.c):
 * `pmkb search`, `pmkb stats` and `pmkb recall`, with the opening of the
 * index that cli.c's commands share.
 */
#ifndef PMKB_CLIREAD_H
#define PMKB_CLIREAD_H

struct pm_config;
struct store;

/*
 * Opens the index cfg->db within --max-db-size into *st. Returns 1, or 0
 * after saying why on stderr.
 */
int cli_open_store(const struct pm_config *cfg, struct store **st);

/* The commands, as cli.c's table calls them: the exit status. */
int cli_search(struct pm_config *cfg, int nargs, const char **args);
int cli_stats(struct pm_config *cfg, int nargs, const char **args);
int cli_recall(struct pm_config *cfg, int nargs, const char **args);

#endif
