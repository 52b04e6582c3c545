// SPDX-License-Identifier: MIT
/*
 * Test driver of base/ptrace_inject alone (tests/integration/test_ptrace_inject.py):
 *   injectsys PID [--signal SIG] [--cont MS]
 * Seizes and interrupts every thread of PID, injects gettid() into each,
 * compares its registers (general and FPU) before and after, and detaches.
 * --signal: first queue SIG to each stopped thread (tgkill): the injection
 * must then hand the thread back in that signal's delivery stop, and the
 * detach delivers it. One JSON line per thread; exit 0 when all went as
 * expected.
 * --cont: resume with PTRACE_CONT, as the signal trigger does, and stay
 * attached MS milliseconds before detaching; unlike PTRACE_DETACH, CONT
 * does not itself make the kernel revisit an interrupted call.
 */
#include <elf.h>
#include <errno.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/ptrace_inject.h"

#define MAX_THREADS 64

struct regs_snapshot {
	struct user_regs_struct gp;
	struct user_fpregs_struct fp;
};

static int snap(pid_t tid, struct regs_snapshot *s)
{
	struct iovec a = { &s->gp, sizeof(s->gp) }, b = { &s->fp, sizeof(s->fp) };

	memset(s, 0, sizeof(*s));
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &a) < 0 ||
	    ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRFPREG, &b) < 0)
		return -errno;
	return 0;
}

static int list_threads(pid_t pid, pid_t *tids)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < MAX_THREADS)
		if (atoi(de->d_name) > 0)
			tids[n++] = atoi(de->d_name);
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	static const char *stops[] = { "event", "signal", "group" };
	pid_t pid, tids[MAX_THREADS];
	int sig = 0, cont_ms = -1, n, failures = 0, resume_sig[MAX_THREADS] = { 0 };

	if (argc < 2) {
		fprintf(stderr, "usage: injectsys PID [--signal SIG]\n");
		return 2;
	}
	pid = atoi(argv[1]);
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--signal"))
			sig = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--cont"))
			cont_ms = atoi(argv[i + 1]);
	}
	n = list_threads(pid, tids);
	if (n <= 0) {
		fprintf(stderr, "injectsys: no threads in %d\n", pid);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		int status;

		if (ptrace(PTRACE_SEIZE, tids[i], 0, 0) < 0 || ptrace(PTRACE_INTERRUPT, tids[i], 0, 0) < 0 ||
		    waitpid(tids[i], &status, __WALL) != tids[i]) {
			perror("injectsys: seize");
			return 1;
		}
		if (sig)
			syscall(SYS_tgkill, pid, tids[i], sig);
	}
	for (int i = 0; i < n; i++) {
		struct regs_snapshot before, after;
		struct inject_result res;
		unsigned long args[6] = { 0 };
		int err, same;

		snap(tids[i], &before);
		err = ptrace_inject_syscall(pid, tids[i], SYS_gettid, args, &res);
		snap(tids[i], &after);
		same = !memcmp(&before.gp, &after.gp, sizeof(before.gp)) &&
		       !memcmp(&before.fp, &after.fp, sizeof(before.fp));
		printf("{\"tid\":%d,\"err\":%d,\"ran\":%d,\"ret\":%ld,\"stop\":\"%s\",\"sig\":%d,"
		       "\"regs_same\":%d}\n",
		       tids[i], err, res.ran, res.ret, stops[res.stop], res.sig, same);
		if (res.stop == INJECT_STOP_SIGNAL)
			resume_sig[i] = res.sig;
		if (err || !same)
			failures++;
		else if (sig ? (res.ran || res.stop != INJECT_STOP_SIGNAL || res.sig != sig)
			     : (!res.ran || res.ret != tids[i] || res.stop != INJECT_STOP_EVENT))
			failures++;
	}
	fflush(stdout);
	if (cont_ms >= 0) {
		for (int i = 0; i < n; i++)
			ptrace(PTRACE_CONT, tids[i], 0, (void *)(long)resume_sig[i]);
		printf("resumed\n");
		fflush(stdout);
		usleep((useconds_t)cont_ms * 1000);
		for (int i = 0; i < n; i++) {
			int status;

			/* back to a stop to detach from; pass on any signal met meanwhile */
			resume_sig[i] = 0;
			if (ptrace(PTRACE_INTERRUPT, tids[i], 0, 0) < 0)
				continue;
			/* WNOHANG: a dead leader is not reported before its threads are reaped */
			for (int k = 0; k < 2000; k++) {
				pid_t w = waitpid(tids[i], &status, __WALL | WNOHANG);

				if (w < 0 || (w == tids[i] && !WIFSTOPPED(status)))
					break;
				if (w == 0) {
					usleep(1000);
					continue;
				}
				if ((status >> 16) != 0)
					break; /* the interrupt stop */
				ptrace(PTRACE_CONT, tids[i], 0, (void *)(long)WSTOPSIG(status));
			}
		}
	}
	for (int i = 0; i < n; i++)
		ptrace(PTRACE_DETACH, tids[i], 0, (void *)(long)resume_sig[i]);
	fflush(stdout);
	return failures ? 1 : 0;
}
