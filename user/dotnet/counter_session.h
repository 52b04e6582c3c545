/* SPDX-License-Identifier: MIT */
/*
 * One EventPipe session in a .NET target for the -pc/-pcl counters: open it
 * (CollectTracing2 on the target's diagnostics socket), hand the streaming
 * connection's fd to the caller's event loop, decode what arrives
 * (dotnet/nettrace.h) and stop it again (StopTracing over a second
 * connection, then close). A session left running would cost the target CPU
 * for as long as it lives, so counter_session_stop() is the one way out and
 * is safe to call on every path, twice included.
 */
#ifndef CORETRAP_DOTNET_COUNTER_SESSION_H
#define CORETRAP_DOTNET_COUNTER_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dotnet/counters.h"
#include "dotnet/dotnet.h"
#include "dotnet/nettrace.h"

#define COUNTER_SESSION_BUFFER_MB 16   /* the runtime's circular buffer for this session */
#define COUNTER_SESSION_READ_MAX (1u << 20) /* bytes taken per readable call: never starve the loop */

struct counter_session {
	struct dotnet_target target;
	bool target_open;
	int fd;                   /* the streaming connection, -1 when closed */
	bool running;             /* the runtime acknowledged it and no stop was sent yet */
	uint64_t session_id;
	struct counter_plan plan;
	struct nettrace_parser parser;
	uint8_t *buf;
	size_t len, cap;
	uint64_t bytes;           /* stream bytes received */
};

/*
 * Open a session in pid for specs; events go to on_event(ctx, ev) from
 * counter_session_read(). 0, or -errno: -ENOENT (no diagnostics socket: not
 * .NET), the runtime's refusal as ipc_hresult_errno(), -EBADMSG (a reply
 * that is not one). On failure nothing is left running.
 */
int counter_session_start(struct counter_session *s, pid_t pid, const struct counter_spec *specs,
			  size_t n, int interval_ms, nettrace_event_fn on_event, void *ctx);

/*
 * The stream fd is readable: take what is there and decode it. 0, or
 * -ECONNRESET (the runtime closed the stream: the session ended), -EBADMSG
 * (the stream is not nettrace), -errno.
 */
int counter_session_read(struct counter_session *s);

/*
 * StopTracing over a second connection (bounded by timeouts), then close
 * the stream. 0 when the runtime acknowledged the stop (or no session was
 * running), else -errno: the stream is closed anyway, and a runtime whose
 * stream is closed ends the session at its next write.
 */
int counter_session_stop(struct counter_session *s);

#endif /* CORETRAP_DOTNET_COUNTER_SESSION_H */
