/* SPDX-License-Identifier: MIT */
/*
 * Loading the watch BPF object (bpf/watch.bpf.c and its parts) with only
 * the programs the given switches need, each in the first attach flavour
 * this kernel accepts.
 */
#ifndef CORETRAP_WATCH_LOAD_H
#define CORETRAP_WATCH_LOAD_H

#include <stdbool.h>
#include <stdint.h>

struct watch_bpf;
struct bpf_link;

/* When the -fc programs recount a target's fds (bpf/watch_fds.bpf.c, flavours 0-3). */
enum fd_hook {
	FD_HOOK_NONE,        /* -fc not given */
	FD_HOOK_SWITCH,      /* at each sample tick, and each switch-out once its table is big enough */
	FD_HOOK_FEXIT,       /* fexit on each fd syscall: nothing else pays */
	FD_HOOK_TRACEPOINT,  /* syscalls/sys_exit_<name> tracepoints (tracefs) */
	FD_HOOK_SYS_EXIT,    /* raw sys_exit: every syscall of the system */
};

/* How -c / -cl account CPU time (bpf/watch_cpu.bpf.c). */
enum cpu_acct {
	CPU_ACCT_NONE,           /* -c / -cl not given */
	CPU_ACCT_SAMPLE,         /* per-CPU cpu-clock sampling: no cost per context switch */
	CPU_ACCT_EXACT,          /* sched_stat_runtime: exact, runs at every context switch */
};

struct watch_needs {
	bool cpu;                /* -c / -cl */
	uint64_t cpu_sample_period_ns; /* sampling flavour: ns between samples on each CPU */
	bool mem;                /* -m / -ml: rss_stat */
	bool fork;               /* -tc or -pgid: sched_process_fork */
	bool fds;                /* -fc */
	const char *exec_comm;   /* -w: report execs of this comm; "": every exec (daemon); NULL: none */
};

#define FD_TP_LINKS_MAX 64

struct watch_loaded {
	struct watch_bpf *skel;
	struct bpf_link *fd_tp_links[FD_TP_LINKS_MAX]; /* hand-attached: fd_syscall_tp */
	int fd_tp_count;
	struct bpf_link **cpu_links; /* CPU sampling: one perf event link per CPU */
	struct bpf_link *fd_tick_link;   /* -fc switch: fd_tick on one CPU's cpu-clock event */
	struct bpf_link *fd_switch_link; /* -fc switch: sched_switch, while a target is armed */
	int cpu_link_count;
	bool btf;                /* tp_btf (true) or raw_tp copies */
	enum fd_hook fd_hook;
	enum cpu_acct cpu_acct;
	bool mounted_tracefs;    /* we mounted tracefs; unmounted by watch_unload() */
};

const char *fd_hook_name(enum fd_hook h);
const char *cpu_acct_name(enum cpu_acct a);

/*
 * Open, configure, load and attach. Tries tp_btf then raw_tp, for -fc
 * the fd hooks in the order above, and for -c/-cl sampling then exact.
 * The environment variable CORETRAP_FD_HOOK (switch, fexit, tracepoint or
 * sys_exit) allows only that -fc flavour, "exact" any of the last three.
 * CORETRAP_CPU_ACCT (sample or exact) allows only that CPU flavour.
 * Returns 0 or the negative errno of the last attempt.
 */
int watch_load(const struct watch_needs *needs, struct watch_loaded *out);

/*
 * -fc switch flavour: a target's fd table reached its threshold
 * (EVENT_FD_ARM), so recount at context switches too: attach sched_switch
 * (once; 0 or a negative errno; a no-op for other flavours). Disarm when no
 * armed target is left.
 */
int watch_fd_arm(struct watch_loaded *w);
void watch_fd_disarm(struct watch_loaded *w);

/* Detach everything (destroying the skeleton) and undo a tracefs mount. */
void watch_unload(struct watch_loaded *w);

#endif /* CORETRAP_WATCH_LOAD_H */
