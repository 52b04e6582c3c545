/* SPDX-License-Identifier: MIT */
/*
 * What a waitpid(__WALL) status of a PTRACE_SEIZEd thread means. Pure: no
 * system calls, unit-tested (tests/unit/base/test_wait_status.c).
 */
#ifndef CORETRAP_BASE_WAIT_STATUS_H
#define CORETRAP_BASE_WAIT_STATUS_H

#include <stdbool.h>

/* A stopping signal: the one group-stops report (SIGSTOP/TSTP/TTIN/TTOU). */
bool wait_is_stop_signal(int sig);

/* What a waitpid(__WALL) status of a seized thread is. */
enum stop_kind {
	STOP_EXITED,          /* WIFEXITED */
	STOP_KILLED,          /* WIFSIGNALED */
	STOP_SIGNAL,          /* signal-delivery-stop: sig is pending for delivery */
	STOP_GROUP,           /* group-stop (PTRACE_EVENT_STOP + stopping signal): PTRACE_LISTEN */
	STOP_EVENT,           /* PTRACE_EVENT_STOP with SIGTRAP: interrupt or new-thread stop */
	STOP_CLONE,           /* PTRACE_EVENT_CLONE: a new thread, tid in the event message */
	STOP_OTHER_EVENT,     /* any other PTRACE_EVENT_*: resume without a signal */
	STOP_UNKNOWN,
};
struct stop_desc {
	enum stop_kind kind;
	int sig;              /* signal of the stop, exit code for STOP_EXITED */
	bool core_dumped;     /* STOP_KILLED: WCOREDUMP */
};
struct stop_desc wait_status_classify(int status);

#endif
