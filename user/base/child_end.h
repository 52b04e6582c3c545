/* SPDX-License-Identifier: MIT */
/*
 * Ending a child we started (an upload hook, a supervised run): wait for it
 * within a grace, SIGKILL it past that, and always reap it, so no zombie
 * outlives the caller's decision (and, killing its process group, none of its
 * helpers either). Unit-tested
 * (tests/unit/base/test_child_end.c) with real children.
 */
#ifndef CORETRAP_BASE_CHILD_END_H
#define CORETRAP_BASE_CHILD_END_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Wait up to grace_ms for child to end (the caller has told it to, or
 * expects it to); past that, SIGKILL kill_target (the child's pid, or -pgid
 * to take its helpers with it) and wait for it. Reaps child; its waitpid
 * status goes to *status when not NULL. Returns true when it ended within
 * the grace, false when it had to be killed.
 */
bool child_end(pid_t child, pid_t kill_target, uint64_t grace_ms, int *status);

#endif
