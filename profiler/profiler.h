/* SPDX-License-Identifier: MIT */
/* Internal interfaces between the files of the profiler .so. */
#ifndef CORETRAP_PROFILER_H
#define CORETRAP_PROFILER_H

#include <stdbool.h>
#include <stddef.h>

#include "cor.h"
#include "dotnet/profstatus.h"

/* Milliseconds the throwing (or GC) thread waits for coretrap's answer. */
#define PROF_REPLY_TIMEOUT_MS 120000
/* The helper thread's heartbeat period and how long coretrap may stay silent. */
#define PROF_HEARTBEAT_MS 2000
#define PROF_SILENCE_LIMIT_MS 60000
/* Passed to RequestProfilerDetach: the runtime first checks after this long. */
#define PROF_DETACH_EXPECTED_MS 300

/* The runtime's ICorProfilerInfo5, held (AddRef'ed) from attach to detach. */
extern void *g_info;
extern struct prof_settings g_settings;

/* ---- channel.c: the status socket and the helper thread ---- */

/* Connect to coretrap and say hello. 0 or -errno. */
int channel_open(const char *path);
/* Start the helper thread (heartbeats, EOF watch, detach). 0 or -errno. */
int channel_start(void);
/* Close the socket without a helper thread (failed attach). */
void channel_abort(void);
/*
 * Ask coretrap for a dump and hold the calling thread until it answers.
 * Fills seq itself. Returns coretrap's result (0 or -errno), -ETIMEDOUT,
 * or -ECANCELED once detaching. *flags gets the reply flags.
 */
int channel_request_dump(struct profmsg *req, uint32_t *flags);
/* Report a failure (best effort, never blocks long). */
void channel_report_failure(HRESULT hr, const char *what);
/* True once the profiler is on its way out: callbacks return at once. */
bool channel_detaching(void);
/* Ask the helper thread to detach the profiler (nothing left to watch). */
void channel_request_detach(int reason);
/* Wait for the helper thread to end (ProfilerDetachSucceeded). */
void channel_join(void);

/* ---- exception_text.c ---- */

/* "Namespace.Type: message" (or just the type) of a thrown object, UTF-8. 0 or -errno. */
int exception_describe(ObjectID obj, char *out, size_t len);

/* ---- gc_watch.c ---- */
HRESULT gc_started(int generations, const BOOL *collected, int reason);
HRESULT gc_finished(void);

#endif
