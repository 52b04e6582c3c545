/* SPDX-License-Identifier: MIT */
/*
 * Demo/test target: sleeps forever in a named function with a known global
 * marker, so a dump can be checked with gdb ("print marker" -> 0xdeadbeef).
 * Prints "ready" once running so tests need not sleep.
 */
#include <stdio.h>
#include <unistd.h>

volatile unsigned long marker = 0xdeadbeef;

__attribute__((noinline)) static void sleeper_wait(void)
{
	for (;;)
		pause();
}

int main(void)
{
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	sleeper_wait();
	return 0;
}
