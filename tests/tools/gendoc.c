// SPDX-License-Identifier: MIT
/*
 * Build tool: what is written from the switch table (user/cli/options_doc.c).
 *   gendoc man VERSION DATE   the coretrap(1) page in roff
 *   gendoc bash               the bash completion script
 */
#include <stdio.h>
#include <string.h>

#include "cli/options.h"

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "man"))
		options_man(stdout, argv[2], argv[3]);
	else if (argc == 2 && !strcmp(argv[1], "bash"))
		options_completion_bash(stdout);
	else {
		fprintf(stderr, "usage: gendoc man VERSION DATE | gendoc bash\n");
		return 2;
	}
	return fflush(stdout) ? 1 : 0;
}
