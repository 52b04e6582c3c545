// SPDX-License-Identifier: GPL-2.0
/*
 * The watch BPF object: in-kernel accounting for coretrap's CPU, memory,
 * thread and fd triggers, plus process discovery (-w, -pgid) and target
 * exit. It is built from several files, compiled one by one and linked
 * by bpftool into one object and one skeleton (watch.skel.h, see the
 * Makefile):
 *
 *   watch.bpf.c       this file: the license and the shared maps
 *   watch.bpf.h       what the parts share: map declarations, the
 *                     per-target lookups, events and crossing reports
 *   watch_cpu.bpf.c   CPU time: cpu-clock sampling or sched_stat_runtime
 *   watch_rss.bpf.c   RSS at every rss_stat update
 *   watch_proc.bpf.c  threads, fork (-pgid), exec (-w), target exit
 *   watch_fds.bpf.c   the open-fd recount and its four flavours
 *
 * Every program looks its tgid up in the pre-filter and target_cfg first
 * and returns at once for processes nobody watches, so the cost for the
 * rest of the system is one array load. A condition that changes
 * ("at/above" became true or false) is pushed as one struct event;
 * nothing is sent while it stays the same, so a busy target cannot flood
 * the ring buffer.
 *
 * Each tracepoint program exists in two flavours, tp_btf (preferred) and
 * raw_tp (for kernels that cannot load tp_btf); the loader
 * (user/trigger/bpf_load.c) enables one of them at run time with
 * bpf_program__set_autoload() and leaves every program a switch does not
 * need unloaded. Bodies read kernel memory with BPF_CORE_READ so both
 * flavours work.
 */
#define WATCH_BPF_DEFINE
#include "watch.bpf.h"

char LICENSE[] SEC("license") = "GPL";
