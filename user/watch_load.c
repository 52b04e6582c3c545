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
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "events.h"
#include "log.h"
#include "watch.skel.h"
#include "watch_load.h"

#define FEXIT_SYSCALL_PREFIX "fexit/__x64_sys_"
/* The two places libbpf (1.1) looks for tracefs, in its order. */
static const char *const tracefs_dirs[] = { "/sys/kernel/debug/tracing", "/sys/kernel/tracing" };
#define TRACEFS_MOUNT_POINT "/sys/kernel/tracing"

const char *fd_hook_name(enum fd_hook h)
{
	switch (h) {
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

/* "fexit/__x64_sys_openat" -> "openat": FD_SYSCALLS of bpf/watch.bpf.c. */
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
		started[i] = pthread_create(&tids[i], NULL, destroy_link, w->fd_tp_links[i]) == 0;
	for (int i = 0; i < w->fd_tp_count; i++) {
		if (started[i])
			pthread_join(tids[i], NULL);
		else
			bpf_link__destroy(w->fd_tp_links[i]);
	}
	w->fd_tp_count = 0;
}

static int load_once(const struct watch_needs *n, bool btf, enum fd_hook hook, struct watch_loaded *w)
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
	progs[0] = (typeof(progs[0])){ s->progs.tp_runtime, s->progs.raw_runtime, n->cpu };
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
	bpf_program__set_autoload(s->progs.fd_syscall_tp, hook == FD_HOOK_TRACEPOINT);
	bpf_program__set_autoattach(s->progs.fd_syscall_tp, false);
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
	if (err)
		goto fail;
	w->skel = s;
	w->btf = btf;
	w->fd_hook = hook;
	return 0;
fail:
	detach_fd_tracepoints(w);
	watch_bpf__destroy(s);
	if (w->mounted_tracefs && umount2(TRACEFS_MOUNT_POINT, MNT_DETACH) == 0)
		w->mounted_tracefs = false;
	return err;
}

int watch_load(const struct watch_needs *n, struct watch_loaded *w)
{
	static const enum fd_hook order[] = { FD_HOOK_FEXIT, FD_HOOK_TRACEPOINT, FD_HOOK_SYS_EXIT };
	const char *only = getenv("CORETRAP_FD_HOOK");
	int err = -ENOENT;

	memset(w, 0, sizeof(*w));
	for (int btf = 1; btf >= 0; btf--) {
		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
			enum fd_hook hook = n->fds ? order[i] : FD_HOOK_NONE;

			if (n->fds && only && *only && strcmp(only, fd_hook_name(hook)) != 0)
				continue;
			/* fexit needs BTF like tp_btf: no use trying it with raw_tp. */
			if (hook == FD_HOOK_FEXIT && !btf)
				continue;
			err = load_once(n, btf, hook, w);
			if (!err) {
				log_debug("BPF programs attached: %s, -fc hook %s", btf ? "tp_btf" : "raw_tp",
					  fd_hook_name(hook));
				return 0;
			}
			log_debug("BPF programs did not load as %s with -fc hook %s (%s)",
				  btf ? "tp_btf" : "raw_tp", fd_hook_name(hook), strerror(-err));
			if (!n->fds)
				break;
		}
	}
	watch_unload(w);
	return err;
}

void watch_unload(struct watch_loaded *w)
{
	detach_fd_tracepoints(w);
	watch_bpf__destroy(w->skel);
	w->skel = NULL;
	if (w->mounted_tracefs && umount2(TRACEFS_MOUNT_POINT, MNT_DETACH) == 0)
		w->mounted_tracefs = false;
}
