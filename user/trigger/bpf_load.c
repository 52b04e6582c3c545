// SPDX-License-Identifier: MIT
/*
 * BPF object loading: pick, at run time, the attach flavour of every program
 * (STYLE.md #3) and enable only the programs the switches need, so that an
 * unused hook costs the rest of the system nothing.
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "events.h"
#include "base/libbpf_log.h"
#include "base/log.h"
#include "watch.skel.h"
#include "trigger/bpf_load.h"
#include "base/quiet_thread.h"

#define FEXIT_SYSCALL_PREFIX "fexit/__x64_sys_"
/* The two places libbpf (1.1) looks for tracefs, in its order. */
static const char *const tracefs_dirs[] = { "/sys/kernel/debug/tracing", "/sys/kernel/tracing" };
#define TRACEFS_MOUNT_POINT "/sys/kernel/tracing"

const char *fd_hook_name(enum fd_hook h)
{
	switch (h) {
	case FD_HOOK_SWITCH:
		return "switch";
	case FD_HOOK_FEXIT:
		return "fexit";
	case FD_HOOK_TRACEPOINT:
		return "tracepoint";
	case FD_HOOK_SYS_EXIT:
		return "sys_exit";
	default:
		return "none";
	}
}

const char *cpu_acct_name(enum cpu_acct a)
{
	switch (a) {
	case CPU_ACCT_SAMPLE:
		return "sample";
	case CPU_ACCT_EXACT:
		return "exact";
	default:
		return "none";
	}
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The tracefs directory libbpf will use, or NULL when tracefs is not mounted. */
static const char *tracefs_dir(void)
{
	for (size_t i = 0; i < sizeof(tracefs_dirs) / sizeof(tracefs_dirs[0]); i++) {
		char path[64];

		snprintf(path, sizeof(path), "%s/events", tracefs_dirs[i]);
		if (access(tracefs_dirs[i], F_OK) == 0)
			return access(path, F_OK) == 0 ? tracefs_dirs[i] : NULL;
	}
	return NULL;
}

/*
 * Syscall tracepoints need tracefs. Mount it when nobody has: it is the
 * kernel's own view of its tracepoints and holds no state of its own. It is
 * unmounted again at exit (lazily: our perf events keep working until then).
 */
static int ensure_tracefs(struct watch_loaded *w)
{
	if (tracefs_dir())
		return 0;
	if (mount("nodev", TRACEFS_MOUNT_POINT, "tracefs", 0, NULL) < 0)
		return -errno;
	w->mounted_tracefs = true;
	log_debug("mounted tracefs on %s for the syscall tracepoints", TRACEFS_MOUNT_POINT);
	return tracefs_dir() ? 0 : -ENOENT;
}

/* "fexit/__x64_sys_openat" -> "openat": FD_SYSCALLS of bpf/watch_fds.bpf.c. */
static const char *fd_syscall_of(const struct bpf_program *p)
{
	const char *sec = bpf_program__section_name(p);

	return starts_with(sec, FEXIT_SYSCALL_PREFIX) ? sec + strlen(FEXIT_SYSCALL_PREFIX) : NULL;
}

/* Enable the fexit programs whose syscall this kernel has; how many. */
static int select_fexit_programs(struct watch_bpf *s, bool fexit)
{
	struct btf *vmlinux = fexit ? btf__load_vmlinux_btf() : NULL;
	struct bpf_program *p;
	int n = 0;

	bpf_object__for_each_program(p, s->obj) {
		const char *sec = bpf_program__section_name(p);
		bool want;

		if (!fd_syscall_of(p))
			continue;
		/* A syscall this kernel does not have is skipped, not fatal. */
		want = vmlinux && btf__find_by_name_kind(vmlinux, sec + strlen("fexit/"), BTF_KIND_FUNC) > 0;
		bpf_program__set_autoload(p, want);
		n += want;
	}
	btf__free(vmlinux);
	return n;
}

/*
 * Attach the shared fd program to syscalls/sys_exit_<name> of every fd
 * syscall this kernel has a tracepoint for. Links are kept in w and
 * destroyed by watch_unload().
 */
static int attach_fd_tracepoints(struct watch_bpf *s, const char *tracefs, struct watch_loaded *w)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, s->obj) {
		const char *name = fd_syscall_of(p);
		char event[64], path[256];
		struct bpf_link *link;

		if (!name)
			continue;
		snprintf(event, sizeof(event), "sys_exit_%s", name);
		snprintf(path, sizeof(path), "%s/events/syscalls/%s/id", tracefs, event);
		if (access(path, F_OK) != 0)
			continue;
		if (w->fd_tp_count == FD_TP_LINKS_MAX)
			return -E2BIG;
		link = bpf_program__attach_tracepoint(s->progs.fd_syscall_tp, "syscalls", event);
		if (!link)
			return -errno;
		w->fd_tp_links[w->fd_tp_count++] = link;
	}
	return w->fd_tp_count ? 0 : -ENOENT;
}

static void *destroy_link(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

/*
 * Closing a syscall tracepoint's perf event waits for an RCU grace period
 * (about 70 ms here), one after the other: 45 of them made Ctrl-C take 3 s.
 * Waits that run at the same time share their grace periods, so the links
 * are destroyed in parallel; one by one only if a thread cannot start.
 */
static void detach_fd_tracepoints(struct watch_loaded *w)
{
	pthread_t tids[FD_TP_LINKS_MAX];
	bool started[FD_TP_LINKS_MAX] = {};

	for (int i = 0; i < w->fd_tp_count; i++)
		started[i] = quiet_thread_create(&tids[i], NULL, destroy_link, w->fd_tp_links[i]) == 0;
	for (int i = 0; i < w->fd_tp_count; i++) {
		if (started[i])
			pthread_join(tids[i], NULL);
		else
			bpf_link__destroy(w->fd_tp_links[i]);
	}
	w->fd_tp_count = 0;
}

/* A cpu-clock sampling event on one CPU (an hrtimer, idle or not): its fd or -errno. */
static int open_cpu_clock(int cpu, uint64_t period_ns)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = period_ns,
	};
	int pfd = syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);

	return pfd < 0 ? -errno : pfd;
}

/*
 * One software cpu-clock sampling event per online CPU, each running
 * cpu_sample. cpu-clock is an hrtimer that counts the CPU's time whoever
 * runs (idle included), so every period one sample is charged to the
 * interrupted task. A CPU that is offline (ENODEV) is skipped. The links own
 * the perf event fds: bpf_link__destroy() disables and closes them.
 */
static int attach_cpu_samples(struct watch_bpf *s, uint64_t period_ns, struct watch_loaded *w)
{
	int ncpu = libbpf_num_possible_cpus();

	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -ENODEV;
	if (!period_ns)
		return -EINVAL;
	w->cpu_links = calloc(ncpu, sizeof(*w->cpu_links));
	if (!w->cpu_links)
		return -ENOMEM;
	for (int cpu = 0; cpu < ncpu; cpu++) {
		struct bpf_link *link;
		int pfd = open_cpu_clock(cpu, period_ns);

		if (pfd < 0) {
			if (pfd == -ENODEV)
				continue;
			return pfd;
		}
		link = bpf_program__attach_perf_event(s->progs.cpu_sample, pfd);
		if (!link) {
			int err = -errno;

			close(pfd);
			return err;
		}
		w->cpu_links[w->cpu_link_count++] = link;
	}
	return w->cpu_link_count ? 0 : -ENODEV;
}

/*
 * The -fc switch flavour's tick: one cpu-clock event on the first CPU that
 * takes one, running fd_tick every period (the CPU sampling period).
 */
static int attach_fd_tick(struct watch_bpf *s, uint64_t period_ns, struct watch_loaded *w)
{
	int ncpu = libbpf_num_possible_cpus(), err = -ENODEV;

	if (!period_ns)
		return -EINVAL;
	for (int cpu = 0; cpu < ncpu; cpu++) {
		int pfd = open_cpu_clock(cpu, period_ns);

		if (pfd < 0) {
			err = pfd;
			if (pfd == -ENODEV)
				continue; /* offline CPU */
			return err;
		}
		w->fd_tick_link = bpf_program__attach_perf_event(s->progs.fd_tick, pfd);
		if (!w->fd_tick_link) {
			err = -errno;
			close(pfd);
			return err;
		}
		return 0;
	}
	return err;
}

static void detach_cpu_samples(struct watch_loaded *w)
{
	for (int i = 0; i < w->cpu_link_count; i++)
		bpf_link__destroy(w->cpu_links[i]);
	free(w->cpu_links);
	w->cpu_links = NULL;
	w->cpu_link_count = 0;
}

static int load_once(const struct watch_needs *n, bool btf, enum fd_hook hook, enum cpu_acct acct,
		     struct watch_loaded *w)
{
	struct watch_bpf *s = watch_bpf__open();
	const char *tracefs = NULL;
	struct {
		struct bpf_program *tp, *raw;
		bool needed;
	} progs[6];
	int err;

	if (!s)
		return -errno;
	progs[0] = (typeof(progs[0])){ s->progs.tp_runtime, s->progs.raw_runtime, acct == CPU_ACCT_EXACT };
	progs[1] = (typeof(progs[0])){ s->progs.tp_rss, s->progs.raw_rss, n->mem };
	progs[2] = (typeof(progs[0])){ s->progs.tp_fork, s->progs.raw_fork, n->fork };
	progs[3] = (typeof(progs[0])){ s->progs.tp_exit, s->progs.raw_exit, true }; /* target exit */
	progs[4] = (typeof(progs[0])){ s->progs.tp_exec, s->progs.raw_exec, n->exec_comm != NULL };
	progs[5] = (typeof(progs[0])){ s->progs.tp_sys_exit, s->progs.raw_sys_exit,
				       hook == FD_HOOK_SYS_EXIT };
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		bpf_program__set_autoload(progs[i].tp, progs[i].needed && btf);
		bpf_program__set_autoload(progs[i].raw, progs[i].needed && !btf);
	}
	/* Switch flavour: fd_tick now, sched_switch only once a target is armed (watch_fd_arm). */
	bpf_program__set_autoload(s->progs.fd_tick, hook == FD_HOOK_SWITCH);
	bpf_program__set_autoattach(s->progs.fd_tick, false);
	bpf_program__set_autoload(s->progs.tp_switch, hook == FD_HOOK_SWITCH && btf);
	bpf_program__set_autoload(s->progs.raw_switch, hook == FD_HOOK_SWITCH && !btf);
	bpf_program__set_autoattach(s->progs.tp_switch, false);
	bpf_program__set_autoattach(s->progs.raw_switch, false);
	bpf_program__set_autoload(s->progs.fd_syscall_tp, hook == FD_HOOK_TRACEPOINT);
	bpf_program__set_autoattach(s->progs.fd_syscall_tp, false);
	bpf_program__set_autoload(s->progs.cpu_sample, acct == CPU_ACCT_SAMPLE);
	bpf_program__set_autoattach(s->progs.cpu_sample, false);
	if (hook == FD_HOOK_TRACEPOINT) {
		err = ensure_tracefs(w);
		if (err)
			goto fail;
		tracefs = tracefs_dir();
	}
	if (select_fexit_programs(s, hook == FD_HOOK_FEXIT) == 0 && hook == FD_HOOK_FEXIT) {
		err = -ENOENT;
		goto fail;
	}
	if (n->exec_comm) {
		s->rodata->watch_exec = true;
		/* comm is the executable's name cut at 15 characters. */
		memcpy((char *)s->rodata->watch_comm, n->exec_comm,
		       strnlen(n->exec_comm, TASK_COMM_LEN_EV - 1));
	}
	err = watch_bpf__load(s);
	if (!err)
		err = watch_bpf__attach(s);
	if (!err && hook == FD_HOOK_TRACEPOINT)
		err = attach_fd_tracepoints(s, tracefs, w);
	if (!err && acct == CPU_ACCT_SAMPLE)
		err = attach_cpu_samples(s, n->cpu_sample_period_ns, w);
	if (!err && hook == FD_HOOK_SWITCH)
		err = attach_fd_tick(s, n->cpu_sample_period_ns, w);
	if (err)
		goto fail;
	w->skel = s;
	w->btf = btf;
	w->fd_hook = hook;
	w->cpu_acct = acct;
	return 0;
fail:
	bpf_link__destroy(w->fd_tick_link);
	w->fd_tick_link = NULL;
	detach_cpu_samples(w);
	detach_fd_tracepoints(w);
	watch_bpf__destroy(s);
	if (w->mounted_tracefs && umount2(TRACEFS_MOUNT_POINT, MNT_DETACH) == 0)
		w->mounted_tracefs = false;
	return err;
}

/*
 * Sampling first, exact as the fallback (or the only one allowed by
 * CORETRAP_CPU_ACCT). Returns the flavours' count written to acct[].
 */
static int cpu_acct_order(const struct watch_needs *n, enum cpu_acct acct[2])
{
	const char *only = getenv("CORETRAP_CPU_ACCT");
	int k = 0;

	if (!n->cpu) {
		acct[0] = CPU_ACCT_NONE;
		return 1;
	}
	for (enum cpu_acct a = CPU_ACCT_SAMPLE; a <= CPU_ACCT_EXACT; a++)
		if (!only || !*only || strcmp(only, cpu_acct_name(a)) == 0)
			acct[k++] = a;
	return k;
}

/* CORETRAP_FD_HOOK: unset or empty allows all, "exact" all but switch, else one by name. */
static bool fd_hook_allowed(enum fd_hook hook, const char *only)
{
	if (!only || !*only)
		return true;
	if (strcmp(only, "exact") == 0)
		return hook != FD_HOOK_SWITCH;
	return strcmp(only, fd_hook_name(hook)) == 0;
}

int watch_load(const struct watch_needs *n, struct watch_loaded *w)
{
	static const enum fd_hook order[] = { FD_HOOK_SWITCH, FD_HOOK_FEXIT, FD_HOOK_TRACEPOINT,
					      FD_HOOK_SYS_EXIT };
	const char *only = getenv("CORETRAP_FD_HOOK");
	enum cpu_acct accts[2];
	int nacct = cpu_acct_order(n, accts);
	int err = -ENOENT;

	memset(w, 0, sizeof(*w));
	if (!nacct)
		return -EINVAL; /* CORETRAP_CPU_ACCT names no flavour */
	for (int btf = 1; btf >= 0; btf--) {
		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
			enum fd_hook hook = n->fds ? order[i] : FD_HOOK_NONE;

			if (n->fds && !fd_hook_allowed(hook, only))
				continue;
			/* fexit needs BTF like tp_btf: no use trying it with raw_tp. */
			if (hook == FD_HOOK_FEXIT && !btf)
				continue;
			for (int a = 0; a < nacct; a++) {
				/* A failed attempt is not news when the next one works. */
				libbpf_log_hold();
				err = load_once(n, btf, hook, accts[a], w);
				if (!err) {
					libbpf_log_release(false);
					log_debug("BPF programs attached: %s, -fc hook %s, CPU accounting %s",
						  btf ? "tp_btf" : "raw_tp", fd_hook_name(hook),
						  cpu_acct_name(accts[a]));
					if (w->fd_tick_link)
						log_debug("fd tick: every %llu us",
							  (unsigned long long)n->cpu_sample_period_ns / 1000);
					if (w->cpu_link_count)
						log_debug("CPU sampling: every %llu us on %d CPUs",
							  (unsigned long long)n->cpu_sample_period_ns / 1000,
							  w->cpu_link_count);
					return 0;
				}
				log_debug("BPF programs did not load as %s with -fc hook %s, CPU accounting %s (%s)",
					  btf ? "tp_btf" : "raw_tp", fd_hook_name(hook), cpu_acct_name(accts[a]),
					  strerror(-err));
			}
			if (!n->fds)
				break;
		}
	}
	libbpf_log_release(true); /* every way failed: say what libbpf said of the last */
	watch_unload(w);
	return err;
}

int watch_fd_arm(struct watch_loaded *w)
{
	struct bpf_program *p;

	if (w->fd_switch_link || w->fd_hook != FD_HOOK_SWITCH)
		return 0;
	p = w->btf ? w->skel->progs.tp_switch : w->skel->progs.raw_switch;
	w->fd_switch_link = bpf_program__attach(p);
	return w->fd_switch_link ? 0 : -errno;
}

void watch_fd_disarm(struct watch_loaded *w)
{
	bpf_link__destroy(w->fd_switch_link);
	w->fd_switch_link = NULL;
}

void watch_unload(struct watch_loaded *w)
{
	watch_fd_disarm(w);
	bpf_link__destroy(w->fd_tick_link);
	w->fd_tick_link = NULL;
	detach_cpu_samples(w);
	detach_fd_tracepoints(w);
	watch_bpf__destroy(w->skel);
	w->skel = NULL;
	if (w->mounted_tracefs && umount2(TRACEFS_MOUNT_POINT, MNT_DETACH) == 0)
		w->mounted_tracefs = false;
}
