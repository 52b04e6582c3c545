/* SPDX-License-Identifier: MIT */
/*
 * EventPipe session I/O for counters: the diagnostics-IPC requests and the
 * non-blocking stream. Decoding is dotnet/nettrace.c and dotnet/counters.c;
 * this file only moves bytes, with a deadline on every blocking step.
 */
#include "dotnet/counter_session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REPLY_MAX 64            /* a session reply is 28 bytes, an error 24 */
#define START_TIMEOUT_MS 5000
#define STOP_CONNECT_TIMEOUT_MS 2000
#define STOP_REPLY_TIMEOUT_MS 5000

/* One request on connection fd, one session reply back. */
static int session_reply(int fd, const uint8_t *req, size_t len, int timeout_ms, uint64_t *id,
			 uint32_t *hr)
{
	uint8_t reply[REPLY_MAX];
	struct ipc_header h;
	int err;

	if ((err = dotnet_send(fd, req, len, timeout_ms)) ||
	    (err = dotnet_recv(fd, reply, IPC_HEADER_SIZE, timeout_ms)))
		return err;
	if (ipc_decode_header(reply, IPC_HEADER_SIZE, &h) < 0 || h.size > sizeof(reply))
		return -EBADMSG;
	if ((err = dotnet_recv(fd, reply + IPC_HEADER_SIZE, h.size - IPC_HEADER_SIZE, timeout_ms)))
		return err;
	return ipc_decode_session_reply(reply, h.size, id, hr);
}

static void close_all(struct counter_session *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->running = false;
	if (s->target_open)
		dotnet_target_close(&s->target);
	s->target_open = false;
	nettrace_free(&s->parser);
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
}

int counter_session_start(struct counter_session *s, pid_t pid, const struct counter_spec *specs,
			  size_t n, int interval_ms, nettrace_event_fn on_event, void *ctx)
{
	uint8_t req[8192];
	char sid[64];
	uint32_t hr = 0;
	ssize_t len;
	int err;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	nettrace_init(&s->parser, on_event, ctx);
	/* unique per coretrap and target: our Metrics events are told from others' by it */
	snprintf(sid, sizeof(sid), "coretrap-%d-%d", (int)getpid(), (int)pid);
	if ((err = counter_plan_build(specs, n, interval_ms, sid, &s->plan)))
		return err;
	len = ipc_encode_collect_tracing2(req, sizeof(req), COUNTER_SESSION_BUFFER_MB, s->plan.providers,
					  s->plan.count);
	if (len < 0)
		return (int)len;
	if ((err = dotnet_target_open(pid, &s->target)))
		return err;
	s->target_open = true;
	if ((err = dotnet_connect(&s->target, START_TIMEOUT_MS, &s->fd)))
		goto fail;
	err = session_reply(s->fd, req, (size_t)len, START_TIMEOUT_MS, &s->session_id, &hr);
	if (!err && hr != IPC_HR_OK)
		err = ipc_hresult_errno(hr);
	if (err)
		goto fail;
	s->running = true;
	return 0;
fail:
	close_all(s);
	return err;
}

int counter_session_read(struct counter_session *s)
{
	size_t taken = 0;

	if (s->fd < 0)
		return -EBADF;
	while (taken < COUNTER_SESSION_READ_MAX) {
		if (s->cap - s->len < 65536) {
			size_t cap = s->cap ? s->cap * 2 : 131072;

			/* a whole block and its framing must fit; nettrace refuses bigger ones */
			if (cap > NETTRACE_MAX_BLOCK + 131072)
				return -EBADMSG;
			uint8_t *nb = realloc(s->buf, cap);

			if (!nb)
				return -ENOMEM;
			s->buf = nb;
			s->cap = cap;
		}
		ssize_t n = recv(s->fd, s->buf + s->len, s->cap - s->len, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		s->len += (size_t)n;
		s->bytes += (uint64_t)n;
		taken += (size_t)n;

		size_t used = 0;
		int err = nettrace_feed(&s->parser, s->buf, s->len, &used);

		if (err)
			return err;
		memmove(s->buf, s->buf + used, s->len - used);
		s->len -= used;
		if (s->parser.ended)
			return -ECONNRESET; /* the end tag: nothing more will come */
	}
	return 0;
}

int counter_session_stop(struct counter_session *s)
{
	uint8_t req[IPC_HEADER_SIZE + 8];
	uint64_t id = 0;
	uint32_t hr = 0;
	int fd = -1, err = 0;

	if (s->running && s->target_open) {
		ipc_encode_stop_tracing(req, sizeof(req), s->session_id);
		err = dotnet_connect(&s->target, STOP_CONNECT_TIMEOUT_MS, &fd);
		if (!err) {
			err = session_reply(fd, req, sizeof(req), STOP_REPLY_TIMEOUT_MS, &id, &hr);
			close(fd);
		}
		if (!err && hr != IPC_HR_OK)
			err = ipc_hresult_errno(hr);
		else if (!err && id != s->session_id)
			err = -EBADMSG;
	}
	close_all(s);
	return err;
}
