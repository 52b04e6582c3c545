// SPDX-License-Identifier: MIT
/*
 * Test driver for the core writer alone, so its tests can set what the CLI
 * does not expose (first thread, filter, an already-seized target) and read
 * the whole dump_result:
 *   dumpcore PID PATH [--first-tid T] [--filter HEX] [--overwrite] [--live off]
 *            [--seized-signal [--group-stop]] [--z gzip|zstd] [--z-level N] [--trigger KIND]
 * Prints the dump_result (or the error) as one JSON line; exit 0 on success.
 * SIGINT/SIGTERM are blocked and read from a signalfd by a helper thread that
 * sets the interrupted flag, as the real caller does.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/coredump.h"
#include "base/proc.h"

static volatile int interrupted;

static void *signal_reader(void *arg)
{
	int fd = *(int *)arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		interrupted = (int)si.ssi_signo;
	return NULL;
}

/*
 * --seized-signal: play the signal trigger. Seize every thread, print
 * "seized", wait for a signal-delivery-stop, dump in already_seized mode,
 * then check the stopped thread is still in its stop and release everything.
 */
static pid_t tids[256];
static int ntids;

static int seize_all(pid_t pid)
{
	char path[64];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && ntids < 256) {
		pid_t tid = atoi(de->d_name);

		if (tid > 0 && ptrace(PTRACE_SEIZE, tid, 0, PTRACE_O_TRACECLONE) == 0)
			tids[ntids++] = tid;
	}
	closedir(d);
	return ntids ? 0 : -ESRCH;
}

static pid_t wait_signal_stop(siginfo_t *si)
{
	for (;;) {
		int status;
		pid_t w = waitpid(-1, &status, __WALL);

		if (w < 0)
			return -errno;
		if (!WIFSTOPPED(status))
			continue;
		if ((status >> 16) == 0) { /* under SEIZE every event-0 stop is a signal, SIGTRAP too */
			ptrace(PTRACE_GETSIGINFO, w, 0, si);
			return w;
		}
		ptrace(PTRACE_CONT, w, 0, 0); /* group-stop or other event: keep going */
	}
}

static char thread_state(pid_t pid, pid_t tid)
{
	char state;

	return proc_state(pid, tid, &state) ? '?' : state;
}

static void release_all(pid_t first)
{
	for (int i = 0; i < ntids; i++) {
		int status;

		if (tids[i] != first && ptrace(PTRACE_INTERRUPT, tids[i], 0, 0) == 0)
			waitpid(tids[i], &status, __WALL);
		ptrace(PTRACE_DETACH, tids[i], 0, 0);
	}
}

/*
 * --group-stop: before the dump, stop the process for job control (SIGSTOP)
 * and hold every other thread in its group-stop with PTRACE_LISTEN, as the
 * signal trigger does. The writer must leave them in it.
 */
static void group_stop_others(pid_t pid)
{
	int listening = 0;

	kill(pid, SIGSTOP);
	while (listening < ntids - 1) {
		int status, event;
		pid_t w = waitpid(-1, &status, __WALL);

		if (w < 0)
			return;
		if (!WIFSTOPPED(status))
			continue;
		event = status >> 16;
		if (event == PTRACE_EVENT_STOP && WSTOPSIG(status) == SIGSTOP) {
			ptrace(PTRACE_LISTEN, w, 0, 0);
			listening++;
		} else {
			/* the thread that took SIGSTOP: let it start the group-stop (and never drop a signal) */
			ptrace(PTRACE_CONT, w, 0, (void *)(long)(event == 0 ? WSTOPSIG(status) : 0));
		}
	}
}

/* 1 when every thread but first is still in a ptrace-stop (its group-stop). */
static int others_stopped(pid_t pid, pid_t first)
{
	for (int i = 0; i < ntids; i++)
		if (tids[i] != first && thread_state(pid, tids[i]) != 't')
			return 0;
	return 1;
}

static int seized_signal_mode(struct dump_request *req, struct dump_result *res, int *first_ok,
			      bool group_stop, int *others_ok)
{
	siginfo_t si;
	pid_t first;
	int err = seize_all(req->pid);

	if (err)
		return err;
	printf("seized\n");
	fflush(stdout);
	first = wait_signal_stop(&si);
	if (first < 0)
		return first;
	if (group_stop)
		group_stop_others(req->pid);
	req->first_tid = first;
	req->siginfo = &si;
	req->already_seized = true;
	err = coredump_write(req, res);
	/* the caller's thread must still sit in its signal-delivery-stop, still ours */
	*first_ok = thread_state(req->pid, first) == 't' && waitpid(first, NULL, __WALL | WNOHANG) == 0;
	if (group_stop) {
		usleep(100000); /* a thread wrongly resumed would be running by now */
		*others_ok = others_stopped(req->pid, first);
	}
	release_all(first);
	return err;
}

int main(int argc, char **argv)
{
	bool seized_signal = false, group_stop = false;
	int first_ok = -1, others_ok = -1;
	struct dump_request req = { 0 };
	struct dump_result res;
	pthread_t th;
	sigset_t set;
	int sfd, err;

	if (argc < 3) {
		fprintf(stderr, "usage: dumpcore PID PATH [--first-tid T] [--filter HEX] [--overwrite] [--live off] [--seized-signal [--group-stop]]\n");
		return 2;
	}
	req.pid = atoi(argv[1]);
	req.path = argv[2];
	req.interrupted = &interrupted;
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--first-tid") && i + 1 < argc) {
			req.first_tid = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--filter") && i + 1 < argc) {
			req.has_filter = true;
			req.filter = strtoul(argv[++i], NULL, 16);
		} else if (!strcmp(argv[i], "--seized-signal")) {
			seized_signal = true;
		} else if (!strcmp(argv[i], "--group-stop")) {
			group_stop = true;
		} else if (!strcmp(argv[i], "--z") && i + 1 < argc) {
			i++;
			req.compress = !strcmp(argv[i], "gzip") ? ZFORMAT_GZIP
				       : !strcmp(argv[i], "zstd") ? ZFORMAT_ZSTD : ZFORMAT_NONE;
			if (!req.compress) {
				fprintf(stderr, "dumpcore: --z gzip or zstd\n");
				return 2;
			}
		} else if (!strcmp(argv[i], "--z-level") && i + 1 < argc) {
			req.compress_level = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--trigger") && i + 1 < argc) {
			req.trigger = argv[++i];
		} else if (!strcmp(argv[i], "--overwrite")) {
			req.overwrite = true;
		} else if (!strcmp(argv[i], "--live") && i + 1 < argc && !strcmp(argv[i + 1], "off")) {
			req.live_off = true;
			i++;
		} else {
			fprintf(stderr, "dumpcore: unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0 || pthread_create(&th, NULL, signal_reader, &sfd) != 0) {
		perror("dumpcore: signalfd");
		return 2;
	}
	pthread_detach(th);

	memset(&res, 0, sizeof(res));
	err = seized_signal ? seized_signal_mode(&req, &res, &first_ok, group_stop, &others_ok)
			    : coredump_write(&req, &res);
	printf("{\"rc\":%d,\"error\":\"%s\",\"apparent_bytes\":%llu,\"allocated_bytes\":%llu,"
	       "\"stopped_ns\":%llu,\"wall_ns\":%llu,\"threads\":%u,\"segments\":%u,"
	       "\"swapped_pages_skipped\":%llu,\"interrupted\":%d,\"first_tid\":%d,"
	       "\"first_still_stopped\":%d,\"others_still_stopped\":%d,\"reinjected_signals\":%u,"
	       "\"direct_io\":%d,\"ring_bytes\":%llu,\"ring_wanted_bytes\":%llu,\"ring_fault_ns\":%llu,\"ring_small_pages\":%d,"
	       "\"live\":%d,\"live_restarted\":%d,\"live_protected_bytes\":%llu,\"live_fault_pages\":%llu,"
	       "\"live_parked_pages\":%llu,\"live_placed_pages\":%llu,"
	       "\"live_paced\":%d,\"live_freezes\":%u,\"live_worst_freeze_ns\":%llu,\"live_slowest_pace\":%llu,"
	       "\"live_copied_in_pause\":%u,\"live_two_phase\":%d,\"live_why\":\"%s\",\"compressed_bytes\":%llu,"
	       "\"compress_cpu_ns\":%llu,\"compress_tail_ns\":%llu}\n",
	       err, err ? strerror(-err) : "", (unsigned long long)res.apparent_bytes,
	       (unsigned long long)res.allocated_bytes, (unsigned long long)res.stopped_ns,
	       (unsigned long long)res.wall_ns, res.threads, res.segments,
	       (unsigned long long)res.swapped_pages_skipped, interrupted, req.first_tid, first_ok,
	       others_ok, res.reinjected_signals, res.direct_io, (unsigned long long)res.ring_bytes,
	       (unsigned long long)res.ring_wanted_bytes,
	       (unsigned long long)res.ring_fault_ns, res.ring_small_pages, res.live, res.live_restarted,
	       (unsigned long long)res.live_protected_bytes, (unsigned long long)res.live_fault_pages,
	       (unsigned long long)res.live_parked_pages, (unsigned long long)res.live_placed_pages,
	       res.live_paced, res.live_freezes, (unsigned long long)res.live_worst_freeze_ns,
	       (unsigned long long)res.live_slowest_pace, res.live_copied_in_pause, res.live_two_phase, res.live_why, (unsigned long long)res.compressed_bytes,
	       (unsigned long long)res.compress_cpu_ns, (unsigned long long)res.compress_tail_ns);
	if (err)
		fprintf(stderr, "coretrap: failed to write core of %d: %s\n", req.pid, strerror(-err));
	return err ? 1 : 0;
}
