/* SPDX-License-Identifier: MIT */
/*
 * Stop signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT) without handlers: they
 * are blocked in every thread from the start of main(), so coretrap can
 * never die while a target is stopped. They are observed three ways:
 *  - sigctl_fd(): a signalfd to put in an epoll set (read it with
 *    sigctl_read(), which also sets the flag below);
 *  - sigctl_wait(ms): sleep that ends at once when a stop signal arrives;
 *  - sigctl_interrupted: a flag a small watcher thread sets as soon as a
 *    stop signal is pending, without consuming it. Pass &sigctl_interrupted
 *    as the `interrupted` pointer of a dump: the core writer polls it per
 *    chunk and abandons the dump.
 * Once set, the flag stays set: a stop signal always means "finish now".
 */
#ifndef CORETRAP_SIGCTL_H
#define CORETRAP_SIGCTL_H

#include <stdbool.h>

extern volatile int sigctl_interrupted;

/* Block the stop signals, open the signalfd, start the watcher. Call first in main(). */
int sigctl_init(void);
int sigctl_fd(void);
/* Read one stop signal from the signalfd: its number, 0 if none, or -errno. */
int sigctl_read(void);
/* 1 when a stop signal is (or becomes) pending within timeout_ms, 0 on timeout. */
int sigctl_wait(int timeout_ms);
/* True when a stop signal is pending or was seen; updates sigctl_interrupted. */
bool sigctl_pending(void);

/*
 * The daemon: SIGHUP stops being a stop signal and becomes "reload the
 * rules", read from its own signalfd; it never interrupts a dump. Call
 * once, right after sigctl_init. 0 or -errno.
 */
int sigctl_hup_reloads(void);
/* The SIGHUP signalfd (-1 before sigctl_hup_reloads). */
int sigctl_reload_fd(void);
/* 1 when a SIGHUP was read from it, 0 if none, or -errno. */
int sigctl_read_reload(void);

#endif
