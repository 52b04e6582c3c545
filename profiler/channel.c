// SPDX-License-Identifier: MIT
/*
 * The profiler's side of the status channel. One persistent Unix stream
 * socket to coretrap; one helper thread that is its only reader. Threads that
 * want a dump send a request and sleep on a condition variable until the
 * helper thread hands them the reply.
 *
 * The helper thread ends the profiler's life: on STOP, EOF (coretrap exited,
 * however it died), a silent coretrap, or "nothing left to watch", it wakes
 * every waiter, closes the socket, calls RequestProfilerDetach and returns.
 * No thread of ours survives detach, so the runtime's dlclose can unmap us.
 */
#include "profiler.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int chan_fd = -1;
static pthread_t helper;
static bool helper_started;
static atomic_bool detaching;
static atomic_int detach_reason; /* set by channel_request_detach */

/* Serialises writes to the socket. */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
/* One dump request in flight at a time. */
static pthread_mutex_t request_lock = PTHREAD_MUTEX_INITIALIZER;
/* Reply hand-over from the helper thread. */
static pthread_mutex_t reply_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reply_cond;
static bool reply_ready;
static struct profmsg reply;
static uint32_t next_seq = 1;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int send_msg(const struct profmsg *m)
{
	uint8_t buf[PROFSTATUS_FRAME_MAX];
	ssize_t n = profstatus_encode(m, buf, sizeof(buf));
	int err = 0;

	if (n < 0)
		return (int)n;
	pthread_mutex_lock(&write_lock);
	for (ssize_t off = 0; off < n && !err;) {
		if (chan_fd < 0) {
			err = -EPIPE;
			break;
		}
		ssize_t w = send(chan_fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
		if (w < 0 && errno != EINTR)
			err = -errno;
		else if (w > 0)
			off += w;
	}
	pthread_mutex_unlock(&write_lock);
	return err;
}

int channel_open(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pthread_condattr_t ca;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&reply_cond, &ca);
	pthread_condattr_destroy(&ca);

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	chan_fd = fd;
	struct profmsg hello = { .type = PROFMSG_HELLO, .pid = (uint32_t)getpid(),
				 .version = PROFSTATUS_VERSION };
	int err = send_msg(&hello);
	if (err)
		channel_abort();
	return err;
}

void channel_abort(void)
{
	pthread_mutex_lock(&write_lock);
	if (chan_fd >= 0)
		close(chan_fd);
	chan_fd = -1;
	pthread_mutex_unlock(&write_lock);
}

bool channel_detaching(void)
{
	return atomic_load_explicit(&detaching, memory_order_relaxed);
}

void channel_request_detach(int reason)
{
	int zero = 0;
	atomic_compare_exchange_strong(&detach_reason, &zero, reason);
}

static void deliver_reply(const struct profmsg *m)
{
	pthread_mutex_lock(&reply_lock);
	reply = *m;
	reply_ready = true;
	pthread_cond_broadcast(&reply_cond);
	pthread_mutex_unlock(&reply_lock);
}

static void wake_all_waiters(void)
{
	pthread_mutex_lock(&reply_lock);
	pthread_cond_broadcast(&reply_cond);
	pthread_mutex_unlock(&reply_lock);
}

int channel_request_dump(struct profmsg *req, uint32_t *flags)
{
	int result;

	*flags = 0;
	if (channel_detaching())
		return -ECANCELED;
	pthread_mutex_lock(&request_lock);
	if (channel_detaching()) {
		pthread_mutex_unlock(&request_lock);
		return -ECANCELED;
	}
	pthread_mutex_lock(&reply_lock);
	reply_ready = false;
	req->type = PROFMSG_DUMP_REQUEST;
	req->seq = next_seq++;
	pthread_mutex_unlock(&reply_lock);

	result = send_msg(req);
	if (!result) {
		struct timespec deadline;
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += PROF_REPLY_TIMEOUT_MS / 1000;
		result = -ETIMEDOUT;
		pthread_mutex_lock(&reply_lock);
		for (;;) {
			if (reply_ready && reply.seq == req->seq) {
				result = reply.result;
				*flags = reply.flags;
				break;
			}
			if (channel_detaching()) {
				result = -ECANCELED;
				break;
			}
			if (pthread_cond_timedwait(&reply_cond, &reply_lock, &deadline) == ETIMEDOUT)
				break;
		}
		pthread_mutex_unlock(&reply_lock);
	}
	pthread_mutex_unlock(&request_lock);
	if (*flags & PROFREPLY_STOP)
		channel_request_detach(PROF_BYE_STOP);
	return result;
}

void channel_report_failure(HRESULT hr, const char *what)
{
	struct profmsg m = { .type = PROFMSG_FAILURE, .hresult = hr };
	strncpy(m.text, what, PROFSTATUS_TEXT_MAX);
	send_msg(&m);
}

/* Read and dispatch what is there. Returns 0, or a goodbye reason. */
static int read_messages(uint8_t *buf, size_t *have, size_t cap, uint64_t *last_heard)
{
	ssize_t r = recv(chan_fd, buf + *have, cap - *have, MSG_DONTWAIT);
	if (r == 0)
		return PROF_BYE_EOF;
	if (r < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : PROF_BYE_EOF;
	*have += (size_t)r;
	*last_heard = now_ms();
	for (;;) {
		struct profmsg m;
		ssize_t used = profstatus_decode(buf, *have, &m);
		if (used < 0)
			return PROF_BYE_EOF; /* garbage: treat as a lost coretrap */
		if (used == 0)
			return 0;
		memmove(buf, buf + used, *have - (size_t)used);
		*have -= (size_t)used;
		if (m.type == PROFMSG_DUMP_REPLY)
			deliver_reply(&m);
		else if (m.type == PROFMSG_STOP)
			return PROF_BYE_STOP;
		/* HEARTBEAT: last_heard already updated */
	}
}

static void *helper_main(void *arg)
{
	uint8_t buf[PROFSTATUS_FRAME_MAX * 2];
	size_t have = 0;
	uint64_t last_heard = now_ms(), last_beat = 0;
	int reason = 0;

	(void)arg;
	while (!reason) {
		struct pollfd pfd = { .fd = chan_fd, .events = POLLIN };
		int n = poll(&pfd, 1, 250);
		if (n < 0 && errno != EINTR)
			reason = PROF_BYE_EOF;
		else if (n > 0)
			reason = read_messages(buf, &have, sizeof(buf), &last_heard);
		uint64_t now = now_ms();
		if (!reason && now - last_beat >= PROF_HEARTBEAT_MS) {
			struct profmsg hb = { .type = PROFMSG_HEARTBEAT };
			int err = send_msg(&hb);
			if (err == -EPIPE || err == -ECONNRESET)
				reason = PROF_BYE_EOF;
			last_beat = now;
		}
		if (!reason && now - last_heard >= PROF_SILENCE_LIMIT_MS)
			reason = PROF_BYE_TIMEOUT;
		if (!reason)
			reason = atomic_load(&detach_reason);
	}

	atomic_store(&detaching, true);
	wake_all_waiters();
	/* Take the request lock: no thread is between "send" and "wait" any more. */
	pthread_mutex_lock(&request_lock);
	struct profmsg bye = { .type = PROFMSG_GOODBYE, .reason = (uint32_t)reason };
	send_msg(&bye);
	channel_abort();
	pthread_mutex_unlock(&request_lock);

	HRESULT hr = COM_CALL(g_info, SLOT_INFO_REQUEST_DETACH, fn_request_detach, PROF_DETACH_EXPECTED_MS);
	(void)hr; /* nobody left to tell; the runtime keeps us loaded on failure */
	return NULL;
}

int channel_start(void)
{
	int err = pthread_create(&helper, NULL, helper_main, NULL);
	if (err)
		return -err;
	helper_started = true;
	return 0;
}

void channel_join(void)
{
	if (helper_started && !pthread_equal(pthread_self(), helper)) {
		pthread_join(helper, NULL);
		helper_started = false;
	}
}
