// SPDX-License-Identifier: GPL-2.0
/*
 * File descriptors (-fc): recount a target's open-fd bitmap, at times
 * chosen by one of four flavours the loader picks at run time
 * (user/trigger/bpf_load.c): the sample tick and sched_switch ("switch",
 * the default), or after each fd-changing syscall (fexit, the syscall
 * tracepoints, raw sys_exit).
 */
#include "watch.bpf.h"

/*
 * The scan covers at most FD_SCAN_WORDS words of the bitmap: 65536 fds.
 * The bound exists for the verifier: a loop must have one it can prove,
 * and it walks the counting loop of fd_recount once per possible
 * iteration, as it cannot know how big a table will be. At about 47
 * instructions an iteration, each program with the scan costs it some
 * 50,000 of the 1,000,000 instructions it examines per program at most
 * (measured here: 48,000 to 55,000). The bound also sizes the
 * per-CPU scratch copy (8 KiB a slot). A bigger table is counted up to
 * fd 65535 only (health.fd_scan_truncated).
 */
#define FD_SCAN_WORDS 1024

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
	/* A constant bound the verifier can check (FD_SCAN_WORDS); at run time only `words` iterations. */
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
	st = state_of(*tgid);
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

/*
 * The loop over targets is the helper's: it stops after the map's
 * max_entries (MAX_TARGETS), and the verifier checks fd_tick_one as a
 * callback, at a cost that does not depend on the number of targets.
 */
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
 * releases the fd even when it returns an error). The loader
 * (user/trigger/bpf_load.c) enables one flavour: switch unless
 * CORETRAP_FD_HOOK asks for an exact one, then the first exact one that
 * loads and attaches:
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
