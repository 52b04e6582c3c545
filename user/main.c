/* SPDX-License-Identifier: MIT */
/* Scaffold entry point; replaced by the CLI/dump work. */
#include <stdio.h>
#include "watch.skel.h"

int main(void)
{
	struct watch_bpf *skel = watch_bpf__open();

	if (!skel)
		return 1;
	watch_bpf__destroy(skel);
	puts("coretrap: scaffold");
	return 0;
}
