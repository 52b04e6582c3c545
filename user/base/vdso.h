/* SPDX-License-Identifier: MIT */
/*
 * Where a process's vdso is. Every native process of one kernel maps the
 * same vdso image, so our own copy stands in for a target's: the core
 * writer copies untouched vdso pages from it (never faulting them into the
 * target), and syscall injection finds a `syscall` instruction in it.
 */
#ifndef CORETRAP_BASE_VDSO_H
#define CORETRAP_BASE_VDSO_H

#include <stdint.h>
#include <sys/types.h>

/* [vdso] of pid (0: ourselves) from /proc/PID/maps. 0, -ENOENT (none), -ESRCH... */
int vdso_find(pid_t pid, uint64_t *start, uint64_t *size);

/* Our own vdso image, or NULL. */
const unsigned char *vdso_own(uint64_t *size);

#endif
