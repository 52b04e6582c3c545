// SPDX-License-Identifier: MIT
/*
 * coretrap's side of the profiler triggers (-e, -f, -fx, -gcm, -gcgen).
 *
 *   drop files -> AttachProfiler (settings as client data) -> accept the
 *   profiler's channel -> remove the files -> serve dump requests ->
 *   STOP / close -> wait until /proc/PID/maps no longer lists the .so
 *
 * The dump itself goes through dump_process(), the same path every other
 * trigger uses, while the profiler holds the throwing (or GC) thread.
 * Whatever ends us, the profiler notices the closed channel (the kernel
 * closes it even on kill -9) and detaches itself.
 */
#include "trigger/profiler_host.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dump/dispatch.h"
#include "base/log.h"
#include "base/mono_clock.h"
#include "base/proc.h"
#include "dotnet/profstatus.h"
#include "dotnet/dotnet.h"
#include "dotnet/ipc.h"
#include "dotnet/profiler_drop.h"
#include "base/sigctl.h"

#define HRESULT_PROFILER_ALREADY_ACTIVE 0x8013136Au
#define ATTACH_TIMEOUT_MS 5000      /* runtime's wait for a background GC during attach */
#define STARTUP_WAIT_NS (15ull * 1000000000) /* how long a starting runtime may say "not yet available" */
#define STARTUP_RETRY_MS 100
#define ATTACH_REPLY_TIMEOUT_MS 30000 /* dlopen + InitializeForAttach + a GC wait */
#define ACCEPT_TIMEOUT_MS 10000
#define HEARTBEAT_MS 2000
#define UNLOAD_WAIT_MS 15000

/* Dump bookkeeping: coretrap, not the profiler, decides when a trigger is spent. */
struct budget {
	int filter_slots;                         /* include filters, or 1 for "every exception" */
	int per_filter;
	int filter_dumps[CONFIG_MAX_FILTERS];
	bool gcm_fired[CONFIG_MAX_THRESHOLDS];
	int gcgen_dumps;
	unsigned total;
};

struct host {
	const struct config *cfg;
	pid_t pid;
	struct dotnet_target dn;
	struct profiler_drop drop;
	int conn;
	int sigfd;
	struct budget b;
	uint8_t rbuf[PROFSTATUS_FRAME_MAX * 2];
	size_t rlen;
};

/* A profiler life-cycle line: on the console as INFO, under -json as {"event":"profiler",...}. */
static void profiler_event(pid_t pid, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void profiler_event(pid_t pid, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	struct log_event ev = { .event = "profiler", .pid = pid, .message = line };
	log_event(&ev);
}

static void budget_init(struct budget *b, const struct config *cfg)
{
	memset(b, 0, sizeof(*b));
	b->filter_slots = cfg->exception ? (cfg->filter_count > 0 ? cfg->filter_count : 1) : 0;
	b->per_filter = cfg->exception_dumps > 0 ? cfg->exception_dumps : (cfg->dump_count > 0 ? cfg->dump_count : 1);
}

static bool budget_spent(const struct budget *b, const struct config *cfg)
{
	for (int i = 0; i < b->filter_slots; i++)
		if (b->filter_dumps[i] < b->per_filter)
			return false;
	for (int i = 0; i < cfg->gcm_count; i++)
		if (!b->gcm_fired[i])
			return false;
	return cfg->gc_generation < 0 || b->gcgen_dumps >= 2;
}

static int send_msg(int fd, const struct profmsg *m)
{
	uint8_t buf[PROFSTATUS_FRAME_MAX];
	ssize_t n = profstatus_encode(m, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
		return -errno;
	return 0;
}

static void settings_from_config(const struct config *cfg, const struct profiler_drop *d,
				 struct prof_settings *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->status_path, sizeof(s->status_path), "%s", d->target_sock);
	s->exceptions = cfg->exception;
	s->filter_count = cfg->filter_count;
	memcpy(s->filters, cfg->filters, sizeof(s->filters));
	snprintf(s->exclude, sizeof(s->exclude), "%s", cfg->exclude_filter);
	s->gcm_heap = cfg->gcm_heap;
	s->gcm_count = cfg->gcm_count;
	memcpy(s->gcm_mb, cfg->gcm_mb, sizeof(s->gcm_mb));
	s->gc_generation = cfg->gc_generation;
}

/* Load the profiler into the target. 0 or -errno; prints its own one-line error. */
static int attach(struct host *h)
{
	static const uint8_t clsid[16] = {
		PROF_CLSID_DATA1 & 0xff, (PROF_CLSID_DATA1 >> 8) & 0xff, (PROF_CLSID_DATA1 >> 16) & 0xff,
		PROF_CLSID_DATA1 >> 24, PROF_CLSID_DATA2 & 0xff, PROF_CLSID_DATA2 >> 8,
		PROF_CLSID_DATA3 & 0xff, PROF_CLSID_DATA3 >> 8, PROF_CLSID_DATA4,
	};
	struct prof_settings s;
	char data[16384];
	uint32_t hr = 0;

	settings_from_config(h->cfg, &h->drop, &s);
	ssize_t n = profstatus_encode_settings(&s, data, sizeof(data));
	if (n < 0) {
		log_error("failed to encode profiler settings: %s", strerror((int)-n));
		return (int)n;
	}
	uint64_t give_up = now_ns() + STARTUP_WAIT_NS;
	int err;

	/*
	 * A runtime still starting says "not yet available": a process found
	 * at its exec (-w, the daemon) is asked again until it is ready.
	 */
	for (;;) {
		err = dotnet_attach_profiler(&h->dn, ATTACH_TIMEOUT_MS, clsid, h->drop.target_so, data, (uint32_t)n,
					     ATTACH_REPLY_TIMEOUT_MS, &hr);
		if (err || (hr != IPC_HR_NOT_YET_AVAILABLE && hr != IPC_HR_RUNTIME_UNINITIALIZED) ||
		    now_ns() > give_up || sigctl_wait(STARTUP_RETRY_MS))
			break;
	}
	if (err) {
		log_error("failed to attach profiler to %d: %s", h->pid, strerror(-err));
		return err;
	}
	if (hr == HRESULT_PROFILER_ALREADY_ACTIVE) {
		log_error("%d already has a profiler attached (another coretrap?)", h->pid);
		/* The runtime refuses only after loading us, and keeps that copy mapped (inert, no threads). */
		if (profiler_drop_mapped(&h->drop))
			log_warn("the runtime of %d keeps the refused profiler library mapped; it runs no code", h->pid);
		return -EBUSY;
	}
	if (hr != 0) {
		log_error("failed to attach profiler to %d: runtime error 0x%08x", h->pid, hr);
		return -EPROTO;
	}
	/* InitializeForAttach has connected already: the connection waits in the backlog. */
	struct pollfd p = { .fd = h->drop.listen_fd, .events = POLLIN };
	if (poll(&p, 1, ACCEPT_TIMEOUT_MS) <= 0) {
		log_error("failed to hear from the profiler in %d: %s", h->pid, strerror(ETIMEDOUT));
		return -ETIMEDOUT;
	}
	h->conn = accept4(h->drop.listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (h->conn < 0) {
		err = -errno;
		log_error("failed to accept the profiler channel: %s", strerror(-err));
		return err;
	}
	/* Only the target itself may speak for the profiler (the kernel translates the pid for us). */
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	if (getsockopt(h->conn, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 || cred.pid != h->pid) {
		log_error("failed to accept the profiler channel: %s", "peer is not the target process");
		return -EPERM;
	}
	return 0;
}

static void reply(struct host *h, uint32_t seq, int result, uint32_t flags)
{
	struct profmsg m = { .type = PROFMSG_DUMP_REPLY, .seq = seq, .result = result, .flags = flags };
	send_msg(h->conn, &m);
}

static const char *trigger_kind(uint32_t trigger)
{
	switch (trigger) {
	case PROF_TRIGGER_EXCEPTION:
		return "exception";
	case PROF_TRIGGER_GC_MEMORY:
		return "gcm";
	case PROF_TRIGGER_GC_START: /* start and end differ so their names (second resolution) do too */
		return "gc_start";
	default:
		return "gc_end";
	}
}

/* One dump request: log it, dump, count it, answer. Returns true when everything is spent. */
static bool serve_dump(struct host *h, const struct profmsg *m)
{
	struct budget *b = &h->b;
	uint32_t flags = 0;
	int idx = m->filter;
	char line[PROFSTATUS_TEXT_MAX + 64];

	switch (m->trigger) {
	case PROF_TRIGGER_EXCEPTION:
		if (idx < 0 || idx >= b->filter_slots || b->filter_dumps[idx] >= b->per_filter) {
			reply(h, m->seq, -ERANGE, PROFREPLY_FILTER_DONE);
			return false;
		}
		snprintf(line, sizeof(line), "Exception on thread %u: %s", m->tid, m->text);
		break;
	case PROF_TRIGGER_GC_MEMORY:
		if (idx < 0 || idx >= h->cfg->gcm_count || b->gcm_fired[idx]) {
			reply(h, m->seq, -ERANGE, PROFREPLY_FILTER_DONE);
			return false;
		}
		snprintf(line, sizeof(line), "Managed heap %llu MB >= %ld MB after a GC",
			 (unsigned long long)m->value, h->cfg->gcm_mb[idx]);
		break;
	case PROF_TRIGGER_GC_START:
	case PROF_TRIGGER_GC_END:
		if (h->cfg->gc_generation < 0 || b->gcgen_dumps >= 2) {
			reply(h, m->seq, -ERANGE, PROFREPLY_FILTER_DONE);
			return false;
		}
		snprintf(line, sizeof(line), "Generation %llu GC %s", (unsigned long long)m->value,
			 m->trigger == PROF_TRIGGER_GC_START ? "started" : "finished");
		break;
	default:
		reply(h, m->seq, -EINVAL, 0);
		return false;
	}

	struct log_event ev = { .event = "trigger", .pid = h->pid, .trigger = trigger_kind(m->trigger),
				.value = (long long)m->value, .message = line, .index = (int)b->total,
				.has = LOG_HAS_INDEX };
	if (m->trigger == PROF_TRIGGER_GC_MEMORY) {
		ev.threshold = h->cfg->gcm_mb[idx];
		ev.has |= LOG_HAS_VALUE | LOG_HAS_THRESHOLD;
	} else if (m->trigger != PROF_TRIGGER_EXCEPTION) {
		ev.has |= LOG_HAS_VALUE;
	}
	log_event(&ev);

	struct trigger_info why = { .kind = trigger_kind(m->trigger), .interrupted = &sigctl_interrupted };
	char path[PATH_MAX];
	int err = dump_process(h->cfg, h->pid, &why, b->total, path, sizeof(path));
	b->total++; /* failed attempts count too: a failing dump must not loop forever */

	if (m->trigger == PROF_TRIGGER_EXCEPTION && ++b->filter_dumps[idx] >= b->per_filter)
		flags |= PROFREPLY_FILTER_DONE;
	else if (m->trigger == PROF_TRIGGER_GC_MEMORY) {
		b->gcm_fired[idx] = true;
		flags |= PROFREPLY_FILTER_DONE;
	} else if (m->trigger == PROF_TRIGGER_GC_START || m->trigger == PROF_TRIGGER_GC_END)
		b->gcgen_dumps++;
	bool spent = budget_spent(b, h->cfg);
	if (spent)
		flags |= PROFREPLY_STOP;
	reply(h, m->seq, err, flags);
	return spent;
}

enum loop_end { END_SPENT, END_SIGNAL, END_PROFILER_GONE, END_TARGET_GONE, END_FAILURE };

/* Handle whatever arrived. Returns -1 to keep going, else an enum loop_end. */
static int on_channel(struct host *h)
{
	ssize_t r = recv(h->conn, h->rbuf + h->rlen, sizeof(h->rbuf) - h->rlen, 0);
	if (r <= 0)
		return (r < 0 && errno == EINTR) ? -1 : END_PROFILER_GONE;
	h->rlen += (size_t)r;
	for (;;) {
		struct profmsg m;
		ssize_t used = profstatus_decode(h->rbuf, h->rlen, &m);
		if (used < 0) {
			log_error("failed to read the profiler channel: %s", strerror(EBADMSG));
			return END_FAILURE;
		}
		if (used == 0)
			return -1;
		memmove(h->rbuf, h->rbuf + used, h->rlen - (size_t)used);
		h->rlen -= (size_t)used;
		switch (m.type) {
		case PROFMSG_HELLO:
			log_debug("profiler ready in %d (its pid %u)", h->pid, m.pid);
			break;
		case PROFMSG_DUMP_REQUEST:
			if (serve_dump(h, &m))
				return END_SPENT;
			break;
		case PROFMSG_FAILURE:
			log_error("profiler in %d failed: %s (0x%08x)", h->pid, m.text, (unsigned)m.hresult);
			return END_FAILURE;
		case PROFMSG_GOODBYE:
			return m.reason == PROF_BYE_SHUTDOWN ? END_TARGET_GONE : END_PROFILER_GONE;
		default:
			break;
		}
	}
}

static int serve(struct host *h)
{
	uint64_t last_beat = 0;

	for (;;) {
		struct pollfd p[2] = { { .fd = h->conn, .events = POLLIN }, { .fd = h->sigfd, .events = POLLIN } };
		int n = poll(p, 2, 500);
		if (n < 0 && errno != EINTR)
			return END_FAILURE;
		if (n > 0 && p[1].revents) {
			int sig = sigctl_read();
			if (sig > 0) {
				log_info("Signal %d received, detaching the profiler", sig);
				return END_SIGNAL;
			}
		}
		if (n > 0 && p[0].revents) {
			int end = on_channel(h);
			if (end >= 0)
				return end;
		}
		if (!proc_alive(h->pid))
			return END_TARGET_GONE;
		if (now_ms() - last_beat >= HEARTBEAT_MS) {
			struct profmsg hb = { .type = PROFMSG_HEARTBEAT };
			send_msg(h->conn, &hb);
			last_beat = now_ms();
		}
	}
}

/* Ask the profiler to leave, close the channel, then watch it go. */
static int finish(struct host *h, int end)
{
	if (h->conn >= 0) {
		struct profmsg stop = { .type = PROFMSG_STOP };
		send_msg(h->conn, &stop);
		close(h->conn); /* EOF on its side is the real guarantee */
		h->conn = -1;
	}
	if (end == END_TARGET_GONE || !proc_alive(h->pid)) {
		profiler_event(h->pid, "Target process %d exited", h->pid);
		return 0;
	}
	uint64_t deadline = now_ms() + UNLOAD_WAIT_MS;
	while (profiler_drop_mapped(&h->drop)) {
		if (now_ms() > deadline) {
			log_warn("profiler still loaded in %d after %d s", h->pid, UNLOAD_WAIT_MS / 1000);
			return -EBUSY;
		}
		usleep(100 * 1000);
	}
	profiler_event(h->pid, "Profiler unloaded from %d", h->pid);
	return 0;
}

int profiler_run(const struct config *cfg)
{
	struct host h = { .cfg = cfg, .pid = cfg->target_pid, .conn = -1, .sigfd = sigctl_fd() };
	int err;

	budget_init(&h.b, cfg);
	err = dotnet_target_open(h.pid, &h.dn);
	if (err == -ENOENT) {
		log_error("%d is not a .NET process (no diagnostics socket); -e, -gcm and -gcgen need one",
			  h.pid);
		return 1;
	}
	if (err) {
		log_error("failed to inspect %d: %s", h.pid, strerror(-err));
		return 1;
	}
	/*
	 * Refuse before attaching when a profiler is known to hold the slot:
	 * a refused AttachProfiler leaves the library mapped in the target.
	 */
	char enabled[16] = "";
	bool found = false;
	if (profiler_any_mapped(h.pid)) {
		log_error("%d already has a profiler attached (another coretrap?)", h.pid);
		err = -EBUSY;
		goto out_target;
	}
	if (!dotnet_get_env(&h.dn, "CORECLR_ENABLE_PROFILING", enabled, sizeof(enabled), &found) && found &&
	    !strcmp(enabled, "1")) {
		log_error("%d already has a profiler loaded at startup (CORECLR_ENABLE_PROFILING=1)", h.pid);
		err = -EBUSY;
		goto out_target;
	}
	err = profiler_drop_create(&h.drop, h.pid);
	if (err) {
		log_error("failed to write the profiler into %d's /tmp: %s", h.pid, strerror(-err));
		goto out_target;
	}
	err = attach(&h);
	/* Loaded (or refused): the files are no longer needed either way. */
	profiler_drop_remove(&h.drop);
	if (err)
		goto out_conn;
	profiler_event(h.pid, "Profiler attached to %d, waiting for %s%s%s", h.pid, cfg->exception ? "exceptions" : "",
		 cfg->exception && (cfg->gcm_count || cfg->gc_generation >= 0) ? " and " : "",
		 (cfg->gcm_count || cfg->gc_generation >= 0) ? "garbage collections" : "");

	int end = serve(&h);
	if (end == END_FAILURE)
		err = -EPROTO;
	int unload = finish(&h, end);
	if (!err)
		err = unload;
out_conn:
	if (h.conn >= 0)
		close(h.conn);
out_target:
	dotnet_target_close(&h.dn);
	return err ? 1 : 0;
}
