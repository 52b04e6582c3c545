// SPDX-License-Identifier: MIT
/* A statically linked process (no libc mapped): prints "ready PID", then sleeps until killed. */
#include <unistd.h>

#include "cue.h"

int main(void)
{
	cue_ready();
	for (;;)
		pause();
}
