// SPDX-License-Identifier: MIT
/* Decoding waitpid() statuses of seized threads; see wait_status.h. */
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "base/wait_status.h"

bool wait_is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

struct stop_desc wait_status_classify(int status)
{
	struct stop_desc d = { .kind = STOP_UNKNOWN };

	if (WIFEXITED(status)) {
		d.kind = STOP_EXITED;
		d.sig = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		d.kind = STOP_KILLED;
		d.sig = WTERMSIG(status);
		d.core_dumped = WCOREDUMP(status);
	} else if (WIFSTOPPED(status)) {
		int event = (unsigned)status >> 16;

		d.sig = WSTOPSIG(status);
		if (event == 0)
			d.kind = STOP_SIGNAL;
		else if (event == PTRACE_EVENT_STOP)
			d.kind = wait_is_stop_signal(d.sig) ? STOP_GROUP : STOP_EVENT;
		else if (event == PTRACE_EVENT_CLONE)
			d.kind = STOP_CLONE;
		else
			d.kind = STOP_OTHER_EVENT;
	}
	return d;
}
