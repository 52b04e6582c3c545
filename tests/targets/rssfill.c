// SPDX-License-Identifier: MIT
/*
 * Bench target: rssfill MB — allocate MB MiB, fill every page with non-zero
 * data (so nothing is a hole), print "ready", wait.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 0) : 1024;
	size_t len = mb << 20;
	uint64_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	for (size_t i = 0; i < len / 8; i++)
		p[i] = 0x9E3779B97F4A7C15ull * (i + 1);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
