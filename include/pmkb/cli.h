/* The command line: `pmkb COMMAND [OPTIONS]`, one handler per command. */
#ifndef PMKB_CLI_H
#define PMKB_CLI_H

/* Runs the command named by argv[1]; returns the process exit status. */
int cli_main(int argc, char **argv);

#endif
