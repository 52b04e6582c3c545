/* SPDX-License-Identifier: MIT */
/*
 * Who else holds a piece of shared memory: the processes that map it, and
 * those with a file descriptor on it. A live dump write-protects shared
 * memory only when the target alone can write it, and only through its
 * mapping (core/live.c).
 */
#ifndef CORETRAP_PROC_HOLDERS_H
#define CORETRAP_PROC_HOLDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct shared_object {
	unsigned long inode;
	const char *path;  /* as /proc/PID/maps shows it */
	bool by_fd;        /* a file descriptor can reach it (memfd): look at every fd too */
	bool elsewhere;    /* result: another process maps it, or some process holds an fd on it */
};

/*
 * Mark every object that a process other than tgid maps, or on which any
 * process (tgid included) holds a file descriptor. A process that cannot
 * be looked at counts as holding what a file descriptor reaches, and
 * what a mapping reaches when it bears the target's name. 0, or a negative errno when
 * the question cannot be answered here at all (not in the initial PID
 * namespace: processes outside it are out of sight).
 */
int proc_mark_other_holders(pid_t tgid, struct shared_object *objs, size_t n);

#endif
