/* SPDX-License-Identifier: MIT */
/*
 * libbpf's messages through the one output path (log.h), with one policy
 * for every BPF user (the trigger monitor and the signal trap):
 * LIBBPF_WARN becomes a WARN line; LIBBPF_INFO and LIBBPF_DEBUG become
 * debug lines, shown only with -log. A multi-line message (a verifier log)
 * becomes one line each, every one starting "libbpf: ".
 *
 * A loader that tries one way after another (bpf_load.c: tp_btf then
 * raw_tp, one -fc hook after another) expects some attempts to fail: the
 * warnings of an attempt are held (shown as debug lines only) and printed
 * as WARN lines only if the caller says the load failed for good.
 */
#ifndef CORETRAP_LIBBPF_LOG_H
#define CORETRAP_LIBBPF_LOG_H

#include <stdbool.h>

/* Install the callback (libbpf_set_print); idempotent. After log_init(). */
void libbpf_log_route(void);

/* An attempt starts: hold its warnings, forgetting those of an earlier attempt. */
void libbpf_log_hold(void);
/* The attempts are over: print the held warnings as WARN lines if failed, then stop holding. */
void libbpf_log_release(bool failed);

#endif
