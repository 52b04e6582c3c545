// SPDX-License-Identifier: MIT
/*
 * Test driver for the core writer until the CLI exists:
 *   dumpcore PID PATH [--first-tid T] [--filter HEX] [--overwrite]
 * Prints the dump_result (or the error) as one JSON line; exit 0 on success.
 * SIGINT/SIGTERM are blocked and read from a signalfd by a helper thread that
 * sets the interrupted flag, as the real caller does.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "coredump.h"

static volatile int interrupted;

static void *signal_reader(void *arg)
{
	int fd = *(int *)arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		interrupted = (int)si.ssi_signo;
	return NULL;
}

int main(int argc, char **argv)
{
	struct dump_request req = { 0 };
	struct dump_result res;
	pthread_t th;
	sigset_t set;
	int sfd, err;

	if (argc < 3) {
		fprintf(stderr, "usage: dumpcore PID PATH [--first-tid T] [--filter HEX] [--overwrite]\n");
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
		} else if (!strcmp(argv[i], "--overwrite")) {
			req.overwrite = true;
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

	err = coredump_write(&req, &res);
	printf("{\"rc\":%d,\"error\":\"%s\",\"apparent_bytes\":%llu,\"allocated_bytes\":%llu,"
	       "\"stopped_ns\":%llu,\"wall_ns\":%llu,\"threads\":%u,\"segments\":%u,"
	       "\"swapped_pages_skipped\":%llu,\"interrupted\":%d}\n",
	       err, err ? strerror(-err) : "", (unsigned long long)res.apparent_bytes,
	       (unsigned long long)res.allocated_bytes, (unsigned long long)res.stopped_ns,
	       (unsigned long long)res.wall_ns, res.threads, res.segments,
	       (unsigned long long)res.swapped_pages_skipped, interrupted);
	if (err)
		fprintf(stderr, "coretrap: failed to write core of %d: %s\n", req.pid, strerror(-err));
	return err ? 1 : 0;
}
