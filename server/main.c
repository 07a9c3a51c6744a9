/* pmkb: the postmortem knowledge base. The command table lives in cli.c. */
#include "pmkb/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
