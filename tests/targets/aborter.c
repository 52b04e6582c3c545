// SPDX-License-Identifier: MIT
/* Test target: calls abort() when stdin says "abort". Prints "ready PID" first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	char line[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", getpid());
	while (fgets(line, sizeof(line), stdin))
		if (!strcmp(line, "abort\n"))
			abort();
	return 0;
}
