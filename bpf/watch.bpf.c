// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel accounting for coretrap's CPU, memory, thread and fd triggers,
 * plus process discovery (-w, -pgid) and target exit.
 *
 * Every program looks its tgid up in target_cfg first and returns at once
 * for processes nobody watches, so the cost for the rest of the system is
 * one hash lookup. A condition that changes ("at/above" became true or
 * false) is pushed as one struct event; nothing is sent while it stays the
 * same, so a busy target cannot flood the ring buffer.
 *
 * Each program exists in two flavours, tp_btf (preferred) and raw_tp (for
 * kernels that cannot load tp_btf); the loader enables one of them at run
 * time. Bodies read kernel memory with BPF_CORE_READ so both flavours work.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

#define PF_EXITING 0x00000004 /* include/linux/sched.h: a macro, not in BTF */

/* Set by the loader before load. */
const volatile bool watch_exec = false;        /* -w: report execs of watch_comm */
const volatile char watch_comm[TASK_COMM_LEN_EV] = {};

struct health health = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct target_cfg);
} target_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct target_state);
} target_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FILTER_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} target_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Cheap first test: false means "certainly not watched". */
static __always_inline bool maybe_watched(__u32 tgid)
{
	__u32 slot = tgid & (FILTER_SLOTS - 1);
	__u32 *v = bpf_map_lookup_elem(&target_filter, &slot);

	return v && (*v == tgid || *v == FILTER_SHARED);
}

/* The full test: the thresholds of a watched tgid, or NULL. */
static __always_inline struct target_cfg *cfg_of(__u32 tgid)
{
	if (!maybe_watched(tgid))
		return NULL;
	return bpf_map_lookup_elem(&target_cfg, &tgid);
}

static __always_inline struct target_state *state_of(__u32 tgid)
{
	struct target_state *st = bpf_map_lookup_elem(&target_state, &tgid);
	static const struct target_state zero = {};

	if (st)
		return st;
	/* The loader creates the entry before the cfg; this is only a fallback. */
	if (bpf_map_update_elem(&target_state, &tgid, &zero, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&target_state, &tgid)) {
		__sync_fetch_and_add(&health.state_full, 1);
		return NULL;
	}
	return bpf_map_lookup_elem(&target_state, &tgid);
}

/* The state of a watched tgid, with its thresholds in *cfg; NULL if it is not watched. */
static __always_inline struct target_state *watched_state(__u32 tgid, struct target_cfg **cfg)
{
	*cfg = cfg_of(tgid);
	return *cfg ? state_of(tgid) : NULL;
}

static __always_inline struct event *event_new(__u32 type, __u32 tgid, __u64 now)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&health.ringbuf_drops, 1);
		return NULL;
	}
	e->type = type;
	e->tgid = tgid;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->trigger = 0;
	e->ts_ns = now;
	e->value = 0;
	e->above = 0;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

static __always_inline void event_send(struct event *e)
{
	bpf_ringbuf_submit(e, 0);
	__sync_fetch_and_add(&health.events_sent, 1);
}

/*
 * Report a condition change. The "above" bit only flips once the event is
 * in the ring buffer, so a dropped event is retried at the next update.
 * Two CPUs may both report the same flip: user space treats events as
 * idempotent state, so a duplicate is harmless.
 */
static __always_inline void report(struct target_state *st, __u32 tgid, __u32 trig, bool above,
				   __u64 value, __u64 now)
{
	__u32 bit = 1u << trig;
	struct event *e;

	if (!!(st->above & bit) == above)
		return;
	e = event_new(EVENT_CROSS, tgid, now);
	if (!e)
		return;
	e->trigger = trig;
	e->value = value;
	e->above = above;
	event_send(e);
	if (above)
		st->above |= bit;
	else
		st->above &= ~bit;
}

/* ---- CPU: sliding window of CPU_BUCKETS buckets per target ---- */

static __always_inline int handle_runtime(__u32 tgid, __u64 runtime)
{
	struct target_cfg *cfg;
	struct target_state *st;
	struct cpu_bucket *b;
	__u64 now, width, epoch, sum = 0;

	st = watched_state(tgid, &cfg);
	if (!st)
		return 0;
	now = bpf_ktime_get_ns();
	__sync_fetch_and_add(&st->cpu_total_ns, runtime);
	st->last_update_ns = now;
	if (!cfg->cpu_window_ns)
		return 0;
	width = cfg->cpu_window_ns / CPU_BUCKETS;
	if (!width)
		width = 1;
	epoch = now / width;
	b = &st->cpu[epoch & (CPU_BUCKETS - 1)];
	if (b->epoch != epoch) {
		/* Racy with another CPU of the same target: at most one tick is lost. */
		b->epoch = epoch;
		b->ns = 0;
	}
	__sync_fetch_and_add(&b->ns, runtime);
	if (!cfg->cpu_above_ns)
		return 0;
#pragma unroll
	for (int i = 0; i < CPU_BUCKETS; i++) {
		if (st->cpu[i].epoch + CPU_BUCKETS > epoch)
			sum += st->cpu[i].ns;
	}
	report(st, tgid, TRIG_CPU, sum >= cfg->cpu_above_ns, sum, now);
	return 0;
}

/*
 * Sampling flavour (the default, user/watch_load.c): one software cpu-clock
 * perf event per CPU fires every sample period (an hrtimer, idle CPUs
 * included) and this program charges that whole period to the task it
 * interrupted. Unlike sched_stat_runtime it does not run at context
 * switches, so a switch-heavy system pays nothing; the price is
 * quantisation (one period per sample) and N timer interrupts per second
 * per CPU. The bucket ring and the crossing check are the exact flavour's.
 */
SEC("perf_event")
int cpu_sample(struct bpf_perf_event_data *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	/* The idle task (tgid 0) is common and never a target; empty filter slots hold 0. */
	if (!tgid)
		return 0;
	return handle_runtime(tgid, ctx->sample_period);
}

SEC("tp_btf/sched_stat_runtime")
int BPF_PROG(tp_runtime, struct task_struct *task, __u64 runtime)
{
	/* BTF-typed pointer: a direct load, no probe-read helper on this hot path. */
	return handle_runtime(task->tgid, runtime);
}

SEC("raw_tp/sched_stat_runtime")
int BPF_PROG(raw_runtime, struct task_struct *task, __u64 runtime)
{
	return handle_runtime(BPF_CORE_READ(task, tgid), runtime);
}

/* ---- Memory: RSS = file + anon + shmem pages, read from the mm ---- */

static __always_inline __u64 counter_pages(struct mm_struct *mm, int member)
{
	__s64 v = BPF_CORE_READ(mm, rss_stat[member].count);

	return v > 0 ? (__u64)v : 0;
}

static __always_inline int handle_rss(struct mm_struct *mm, int member)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	struct target_cfg *cfg;
	struct target_state *st;
	__u64 pages, now;
	__u32 tgid;

	if (member == MM_SWAPENTS)
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (BPF_CORE_READ(cur, mm) == mm) {
		if (!maybe_watched(tgid))
			return 0;
	} else if (bpf_core_field_exists(mm->owner)) {
		/* Another task changed this mm (reclaim, exit, remote fault). */
		struct task_struct *owner = BPF_CORE_READ(mm, owner);

		if (!owner)
			return 0;
		tgid = BPF_CORE_READ(owner, tgid);
	} else {
		return 0;
	}
	st = watched_state(tgid, &cfg);
	if (!st)
		return 0;
	now = bpf_ktime_get_ns();
	pages = counter_pages(mm, MM_FILEPAGES) + counter_pages(mm, MM_ANONPAGES) +
		counter_pages(mm, MM_SHMEMPAGES);
	st->rss_pages = pages;
	st->last_update_ns = now;
	if (cfg->mem_above_pages)
		report(st, tgid, TRIG_MEM, pages >= cfg->mem_above_pages, pages, now);
	return 0;
}

SEC("tp_btf/rss_stat")
int BPF_PROG(tp_rss, struct mm_struct *mm, int member)
{
	return handle_rss(mm, member);
}

SEC("raw_tp/rss_stat")
int BPF_PROG(raw_rss, struct mm_struct *mm, int member)
{
	return handle_rss(mm, member);
}

/* ---- Threads and new processes ---- */

/* Record a target's exact live thread count and report a crossing. */
static __always_inline void threads_changed(struct target_cfg *cfg, __u32 tgid, __u32 live, __u64 now)
{
	struct target_state *st = state_of(tgid);

	if (!st)
		return;
	st->threads = live;
	st->last_update_ns = now;
	if (cfg->threads_above)
		report(st, tgid, TRIG_THREADS, live >= cfg->threads_above, live, now);
}

static __always_inline int handle_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	struct target_cfg *cfg = cfg_of(ptgid);
	__u64 now;

	if (!cfg)
		return 0;
	now = bpf_ktime_get_ns();
	if (ctgid == ptgid) {
		/* signal->live already counts the new thread here. */
		threads_changed(cfg, ptgid, BPF_CORE_READ(child, signal, live.counter), now);
	} else if (cfg->flags & TCFG_FOLLOW_FORK) {
		struct event *e = event_new(EVENT_FORK, ctgid, now);

		if (e) {
			e->value = ptgid;
			event_send(e);
		}
	}
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(tp_fork, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(parent, child);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(raw_fork, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(parent, child);
}

static __always_inline int handle_exit(struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct target_cfg *cfg = cfg_of(tgid);
	__u32 live;
	__u64 now;

	if (!cfg)
		return 0;
	now = bpf_ktime_get_ns();
	/* do_exit() decrements signal->live before this tracepoint fires. */
	live = BPF_CORE_READ(task, signal, live.counter);
	if (live == 0) {
		struct event *e = event_new(EVENT_EXIT, tgid, now);

		if (e) {
			e->value = BPF_CORE_READ(task, exit_code);
			event_send(e);
		}
		return 0;
	}
	threads_changed(cfg, tgid, live, now);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tp_exit, struct task_struct *task)
{
	return handle_exit(task);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(raw_exit, struct task_struct *task)
{
	return handle_exit(task);
}

static __always_inline int handle_exec(void)
{
	char comm[TASK_COMM_LEN_EV];
	struct event *e;

	if (!watch_exec)
		return 0;
	bpf_get_current_comm(comm, sizeof(comm));
#pragma unroll
	for (int i = 0; i < TASK_COMM_LEN_EV; i++) {
		if (comm[i] != watch_comm[i])
			return 0;
		if (!comm[i])
			break;
	}
	e = event_new(EVENT_EXEC, bpf_get_current_pid_tgid() >> 32, bpf_ktime_get_ns());
	if (e)
		event_send(e);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tp_exec)
{
	return handle_exec();
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(raw_exec)
{
	return handle_exec();
}

/* ---- File descriptors: recount the open-fd bitmap ---- */

#define FD_SCAN_WORDS 1024 /* 65536 fds */

/*
 * Room for one copy of an open-fd bitmap, per CPU: one probe read per
 * recount instead of one per word. Slot 1 is for fd_tick, which runs in
 * hard interrupt context and may interrupt a syscall-exit recount using
 * slot 0 on the same CPU (sched_switch runs with interrupts off).
 */
struct fd_bitmap {
	__u64 w[FD_SCAN_WORDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct fd_bitmap);
} fd_scratch SEC(".maps");

static __always_inline __u32 popcount64(__u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (__u32)((x * 0x0101010101010101ULL) >> 56);
}

/*
 * Recount a target task's open fds (every bit of its open-fd bitmap) and
 * report a crossing. The count is exact at the
 * moment of the call; the flavours below differ only in when it is made.
 */
static __always_inline int fd_recount(struct task_struct *task, __u32 tgid, __u32 slot)
{
	struct target_cfg *cfg = cfg_of(tgid);
	struct fd_bitmap *bits;
	struct files_struct *files;
	struct target_state *st;
	unsigned long *open_fds;
	__u64 max_fds, words, size;
	__u32 count = 0;
	__u64 now;

	if (!cfg || !cfg->fds_above)
		return 0;
	/*
	 * An exiting thread has dropped (or is dropping) its reference to the
	 * table: its view says nothing about the process's other threads.
	 */
	if (BPF_CORE_READ(task, flags) & PF_EXITING)
		return 0;
	files = BPF_CORE_READ(task, files);
	if (!files)
		return 0;
	st = state_of(tgid);
	if (!st)
		return 0;
	max_fds = BPF_CORE_READ(files, fdt, max_fds);
	/*
	 * A cheap bound before the scan, which this runs at every context
	 * switch of a target: no fd is at or above max_fds, the table's size
	 * (it only grows, in powers of two, when more fds are needed). A
	 * table smaller than the threshold cannot hold a crossing, and below
	 * is already what was reported: nothing to do. The usual target, far
	 * below its threshold, costs three reads. Everywhere else the exact
	 * scan runs, so the count user space reads back stays exact.
	 */
	if (max_fds < cfg->fds_above && !(st->above & (1u << TRIG_FDS)))
		return 0;
	open_fds = BPF_CORE_READ(files, fdt, open_fds);
	words = (max_fds + 63) / 64;
	if (words > FD_SCAN_WORDS) {
		__sync_fetch_and_add(&health.fd_scan_truncated, 1);
		words = FD_SCAN_WORDS;
	}
	bits = bpf_map_lookup_elem(&fd_scratch, &slot);
	if (!bits)
		return 0;
	size = words * sizeof(bits->w[0]);
	/* Re-check the bound on the register the helper gets: clang may clamp a copy. */
	barrier_var(size);
	if (size > sizeof(bits->w))
		return 0;
	if (bpf_probe_read_kernel(bits->w, size, open_fds))
		return 0; /* the table moved under us: the next event recounts */
	for (__u64 i = 0; i < FD_SCAN_WORDS; i++) {
		if (i >= words)
			break;
		count += popcount64(bits->w[i]);
	}
	now = bpf_ktime_get_ns();
	st->fds = count;
	st->last_update_ns = now;
	report(st, tgid, TRIG_FDS, count >= cfg->fds_above, count, now);
	return 0;
}

/* The exact flavours run in the task that made the syscall. */
static __always_inline int fd_changed(void)
{
	return fd_recount((struct task_struct *)bpf_get_current_task(),
			  bpf_get_current_pid_tgid() >> 32, 0);
}

/*
 * Flavour 0, the default ("switch"), in two parts, so that only a target
 * that can cross costs anything per context switch:
 *
 * - fd_tick runs on one CPU's cpu-clock event every sample period and
 *   recounts every -fc target, running or asleep (bpf_task_from_pid). The
 *   cheap bound of fd_recount makes that three reads for a target whose
 *   fd table is smaller than its threshold. When a target's table reaches
 *   its threshold it sends EVENT_FD_ARM, once.
 * - On that event user space attaches sched_switch (tp_switch/raw_switch),
 *   which then recounts whenever a target thread leaves a CPU (it blocked,
 *   slept, was preempted or exits); it is detached again when no armed
 *   target is left. Every context switch of the system pays one BPF
 *   dispatch while it is attached. (Per-thread software perf events, which
 *   would run only for the targets, cost more: any per-task perf event
 *   puts every context switch of the system through perf's scheduler
 *   hooks.)
 *
 * No syscall hook, so the rest of the system keeps the fast syscall path.
 * A descriptor held for one sample period is counted, and once the table
 * is big enough, one held across any blocking call too; a burst opened and
 * closed again within one sample period without blocking (or, in a table
 * still smaller than the threshold, at all) can be missed: the exact
 * flavours 1-3 below see every syscall.
 */
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

static long fd_tick_one(struct bpf_map *map, __u32 *tgid, struct target_cfg *cfg, void *ctx)
{
	struct files_struct *files;
	struct task_struct *task;
	struct target_state *st;
	bool leader_gone;
	__u32 size;

	if (!cfg->fds_above)
		return 0;
	task = bpf_task_from_pid(cfg->fd_tid ? cfg->fd_tid : *tgid);
	if (!task)
		return 0;
	st = bpf_map_lookup_elem(&target_state, tgid);
	files = BPF_CORE_READ(task, files);
	size = files ? BPF_CORE_READ(files, fdt, max_fds) : 0;
	/*
	 * The table is read through the thread user space chose: the leader,
	 * or a live thread if the leader had exited before the others
	 * (pthread_exit in main). When that thread has exited since, only the
	 * context switches of the live threads can show the count: arm at
	 * once (reported with size 0).
	 */
	leader_gone = !files || (BPF_CORE_READ(task, flags) & PF_EXITING);
	if (st && !st->fd_armed && (leader_gone || size >= cfg->fds_above)) {
		struct event *e = event_new(EVENT_FD_ARM, *tgid, bpf_ktime_get_ns());

		if (e) {
			e->value = size;
			event_send(e);
			st->fd_armed = 1;
		}
	}
	fd_recount(task, *tgid, 1);
	bpf_task_release(task);
	return 0;
}

SEC("perf_event")
int fd_tick(struct bpf_perf_event_data *ctx)
{
	bpf_for_each_map_elem(&target_cfg, fd_tick_one, NULL, 0);
	return 0;
}

static __always_inline int handle_switch(struct task_struct *prev, __u32 tgid)
{
	if (!tgid || !maybe_watched(tgid))
		return 0;
	return fd_recount(prev, tgid, 0);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(tp_switch, bool preempt, struct task_struct *prev)
{
	/* BTF-typed pointer: a direct load, no probe-read helper on this hot path. */
	return handle_switch(prev, prev->tgid);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(raw_switch, bool preempt, struct task_struct *prev)
{
	return handle_switch(prev, BPF_CORE_READ(prev, tgid));
}

/*
 * The exact flavours recount after every syscall that can create,
 * duplicate, receive or close descriptors, whatever its result (close()
 * releases the fd even when it returns an error). The loader enables one
 * flavour (user/watch_load.c): switch unless CORETRAP_FD_HOOK asks for an
 * exact one, then the first exact one that loads and attaches:
 *
 * 1. fexit on each fd-changing syscall (BPF trampolines): only those
 *    syscalls pay anything; read(), write() and the rest of the system run
 *    exactly as without coretrap.
 * 2. The per-syscall tracepoints syscalls/sys_exit_<name> (needs tracefs).
 *    Only those syscalls run the program, but enabling any syscall
 *    tracepoint puts every task of the system on the slow syscall-exit path
 *    (measured here: +6% on a pipe ping-pong instead of +12% for flavour 3).
 * 3. The raw sys_exit tracepoint: the program runs at the exit of every
 *    syscall of the system and rejects the others by number.
 *
 * FD_SYSCALLS lists the syscalls of flavours 1 and 2 (x86-64 names and
 * numbers); fd_syscall() below must list the same numbers.
 */
#define FD_SYSCALLS(X)                                                                      \
	X(open) X(creat) X(openat) X(openat2) X(open_by_handle_at) X(open_tree) X(close)    \
	X(close_range) X(dup) X(dup2) X(dup3) X(fcntl) X(pipe) X(pipe2) X(socket)           \
	X(socketpair) X(accept) X(accept4) X(recvmsg) X(recvmmsg) X(eventfd) X(eventfd2)    \
	X(memfd_create) X(memfd_secret) X(epoll_create) X(epoll_create1) X(timerfd_create)  \
	X(signalfd) X(signalfd4) X(inotify_init) X(inotify_init1) X(fanotify_init)         \
	X(perf_event_open) X(bpf) X(userfaultfd) X(io_uring_setup) X(pidfd_open)            \
	X(pidfd_getfd) X(fsopen) X(fsmount) X(fspick) X(mq_open) X(landlock_create_ruleset) \
	X(execve) X(execveat)

#if defined(__TARGET_ARCH_x86)
#define FD_FEXIT(name)                                                      \
	SEC("fexit/__x64_sys_" #name)                                       \
	int BPF_PROG(fdx_##name, struct pt_regs *regs, long ret)            \
	{                                                                   \
		return fd_changed();                                        \
	}
FD_SYSCALLS(FD_FEXIT)
#endif

/*
 * Flavour 2: one program, attached by the loader to the tracepoint
 * syscalls/sys_exit_<name> of every syscall of FD_SYSCALLS (the names come
 * from the fexit sections above). All of them share the sys_exit layout.
 */
SEC("tracepoint/syscalls/sys_exit_close")
int fd_syscall_tp(void *ctx)
{
	return fd_changed();
}

/* Flavour 3: the same syscalls by number. */
static __always_inline bool fd_syscall(long nr)
{
#if defined(__TARGET_ARCH_x86)
	switch (nr) {
	case 2: case 3: case 22: case 32: case 33: case 41: case 43: case 47: case 53: case 59:
	case 72: case 85: case 213: case 240: case 253: case 257: case 282: case 283: case 284:
	case 288: case 289: case 290: case 291: case 292: case 293: case 294: case 298: case 299:
	case 300: case 304: case 319: case 321: case 322: case 323: case 425: case 428: case 430:
	case 432: case 433: case 434: case 436: case 437: case 438: case 444: case 447:
		return true;
	}
	return false;
#else
	/* Other architectures: recount at every syscall of the target (slower, still exact). */
	return true;
#endif
}

static __always_inline long syscall_nr(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return BPF_CORE_READ(regs, orig_ax);
#else
	return -1;
#endif
}

static __always_inline int handle_sys_exit(struct pt_regs *regs)
{
	/* The pre-filter first: this runs at the exit of every syscall of the system. */
	if (!maybe_watched(bpf_get_current_pid_tgid() >> 32))
		return 0;
	if (!fd_syscall(syscall_nr(regs)))
		return 0;
	return fd_changed();
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tp_sys_exit, struct pt_regs *regs, long ret)
{
	return handle_sys_exit(regs);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(raw_sys_exit, struct pt_regs *regs, long ret)
{
	return handle_sys_exit(regs);
}
