// SPDX-License-Identifier: MIT
/* signal_generate watcher for the signal trigger; see sigtrap_bpf.h. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "base/libbpf_log.h"
#include "base/log.h"
#include "signal_events.h"
#include "signals.skel.h"
#include "signal/sigtrap_bpf.h"

struct sigwatch {
	struct signals_bpf *skel;
	struct ring_buffer *rb;
	pid_t tgid;
	struct origin_queue q;
};

static void report_undeliverable(struct sigwatch *w, const struct signal_origin *o)
{
	char name[32], from[96];

	sigset_name(o->sig, name, sizeof(name));
	signal_origin_describe(o, w->tgid, from, sizeof(from));
	if (o->sig == SIGKILL)
		log_warn("Target process %d received %s%s: it cannot be intercepted", w->tgid, name, from);
	else
		log_info("Signal %s to process %d was %s%s: it will not be delivered again, no dump", name, w->tgid,
			 signal_result_name(o->result), from);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct sigwatch *w = ctx;
	const struct signal_event *e = data;
	struct signal_origin o = { 0 };

	if (size < sizeof(*e))
		return 0;
	o.sig = (int)e->sig;
	o.code = e->code == SIGNAL_CODE_NONE ? SIGINFO_CODE_NONE : e->code;
	o.result = e->result;
	o.group = e->group != 0;
	o.target_tid = (int)e->target_tid;
	o.sender_tgid = (int)e->sender_tgid;
	o.sender_tid = (int)e->sender_tid;
	memcpy(o.sender_comm, e->sender_comm, sizeof(o.sender_comm));
	o.sender_comm[sizeof(o.sender_comm) - 1] = '\0';
	o.ts_ns = e->ts_ns;

	if (o.sig == SIGKILL || o.result != 0)
		report_undeliverable(w, &o);
	else
		origin_queue_push(&w->q, &o);
	return 0;
}

int sigwatch_open(pid_t tgid, sigmask64_t mask, struct sigwatch **out)
{
	struct sigwatch *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return -ENOMEM;
	libbpf_log_route();
	w->tgid = tgid;
	w->skel = signals_bpf__open();
	if (!w->skel) {
		err = -errno;
		goto fail;
	}
	w->skel->rodata->target_tgid = (__u32)tgid;
	w->skel->rodata->sig_mask = mask | sigmask64_bit(SIGKILL);
	err = signals_bpf__load(w->skel);
	if (err)
		goto fail;
	err = signals_bpf__attach(w->skel);
	if (err)
		goto fail;
	w->rb = ring_buffer__new(bpf_map__fd(w->skel->maps.signal_ring), on_record, w, NULL);
	if (!w->rb) {
		err = -errno;
		goto fail;
	}
	*out = w;
	return 0;
fail:
	signals_bpf__destroy(w->skel);
	free(w);
	return err < 0 ? err : -EINVAL;
}

int sigwatch_fd(const struct sigwatch *w)
{
	return ring_buffer__epoll_fd(w->rb);
}

void sigwatch_poll(struct sigwatch *w)
{
	ring_buffer__consume(w->rb);
}

bool sigwatch_take(struct sigwatch *w, int sig, pid_t tid, struct signal_origin *out)
{
	sigwatch_poll(w);
	return origin_queue_take(&w->q, sig, w->tgid, tid, out);
}

void sigwatch_close(struct sigwatch *w)
{
	if (!w)
		return;
	if (w->skel->bss->stats.dropped || w->q.overwritten)
		log_warn("BPF signal watcher: %llu records dropped (ring full), %llu overwritten",
			 (unsigned long long)w->skel->bss->stats.dropped, (unsigned long long)w->q.overwritten);
	ring_buffer__free(w->rb);
	signals_bpf__destroy(w->skel);
	free(w);
}
