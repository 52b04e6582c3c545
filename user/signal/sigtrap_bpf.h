/* SPDX-License-Identifier: MIT */
/*
 * Loader of bpf/signals.bpf.c: a tp_btf/signal_generate program filtered to
 * the target's tgid and the watched signals (plus SIGKILL), whose records
 * are queued until the ptrace delivery stop they belong to takes them.
 */
#ifndef CORETRAP_SIGTRAP_BPF_H
#define CORETRAP_SIGTRAP_BPF_H

#include <stdbool.h>
#include <sys/types.h>

#include "signal/sigset_logic.h"

struct sigwatch;

/* 0 or a negative errno (no BTF, no CAP_BPF...): the caller goes on without it. */
int sigwatch_open(pid_t tgid, sigmask64_t mask, struct sigwatch **out);
/* fd to poll for readability (the ring buffer's epoll fd). */
int sigwatch_fd(const struct sigwatch *w);
/*
 * Move every pending ring-buffer record into the queue. Records that will
 * never reach a delivery stop (SIGKILL, ignored, merged into a pending one)
 * are logged here, since ptrace cannot see them.
 */
void sigwatch_poll(struct sigwatch *w);
/* See origin_queue_take(). Polls first, so a record generated just before the stop is found. */
bool sigwatch_take(struct sigwatch *w, int sig, pid_t tid, struct signal_origin *out);
/* Logs the drop counters when non-zero, detaches and frees. NULL is fine. */
void sigwatch_close(struct sigwatch *w);

#endif
