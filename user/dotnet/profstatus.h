/* SPDX-License-Identifier: MIT */
/*
 * The status channel between coretrap and its CLR profiler, and the settings
 * coretrap hands the profiler as AttachProfiler client data. Pure codec:
 * buffers in, structs out. Compiled into both coretrap and the profiler .so.
 *
 * Channel: one Unix stream socket, opened by the profiler inside
 * InitializeForAttach and kept for the profiler's whole life. Its EOF is how
 * the profiler learns that coretrap is gone (any exit, kill -9 included).
 *
 * Frame (little-endian):
 *   0  2  magic "CT"
 *   2  1  version (PROFSTATUS_VERSION)
 *   3  1  type (enum profmsg_type)
 *   4  4  body length in bytes (<= PROFSTATUS_BODY_MAX)
 *   8  .. body
 * Bodies:
 *   HELLO        p->c  u32 pid (in the target's namespace), u32 proto version
 *   DUMP_REQUEST p->c  u32 seq, u32 trigger, i32 filter, u32 tid, u64 value,
 *                      u16 text length, text (UTF-8, "Type: message")
 *   DUMP_REPLY   c->p  u32 seq, i32 result (0 or -errno), u32 flags
 *   HEARTBEAT    both  empty
 *   FAILURE      p->c  i32 hresult, u16 text length, text
 *   STOP         c->p  empty: detach now
 *   GOODBYE      p->c  u32 reason: the profiler is detaching
 * The thread that sent DUMP_REQUEST is held until the matching DUMP_REPLY.
 */
#ifndef CORETRAP_PROFSTATUS_H
#define CORETRAP_PROFSTATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/config.h"

#define PROFSTATUS_VERSION 1

/* CLSID of the coretrap profiler {C0E7A1D2-5B3F-4E8A-9C61-7A0B2F4D9E13}. */
#define PROF_CLSID_DATA1 0xC0E7A1D2u
#define PROF_CLSID_DATA2 0x5B3Fu
#define PROF_CLSID_DATA3 0x4E8Au
#define PROF_CLSID_DATA4 0x9C, 0x61, 0x7A, 0x0B, 0x2F, 0x4D, 0x9E, 0x13
#define PROFSTATUS_HEADER_BYTES 8
#define PROFSTATUS_TEXT_MAX 1024
#define PROFSTATUS_BODY_MAX (32 + PROFSTATUS_TEXT_MAX)
#define PROFSTATUS_FRAME_MAX (PROFSTATUS_HEADER_BYTES + PROFSTATUS_BODY_MAX)

enum profmsg_type {
	PROFMSG_HELLO = 1,
	PROFMSG_DUMP_REQUEST = 2,
	PROFMSG_DUMP_REPLY = 3,
	PROFMSG_HEARTBEAT = 4,
	PROFMSG_FAILURE = 5,
	PROFMSG_STOP = 6,
	PROFMSG_GOODBYE = 7,
};

enum prof_trigger {
	PROF_TRIGGER_EXCEPTION = 1, /* first-chance exception matched a filter */
	PROF_TRIGGER_GC_MEMORY = 2, /* -gcm threshold crossed after a GC; value = MB, filter = threshold index */
	PROF_TRIGGER_GC_START = 3,  /* -gcgen: GC of that generation starting */
	PROF_TRIGGER_GC_END = 4,    /* -gcgen: the same GC finished */
};

/* DUMP_REPLY flags */
#define PROFREPLY_FILTER_DONE 0x1 /* this filter/threshold needs no more dumps */
#define PROFREPLY_STOP 0x2        /* coretrap is done: detach */

/* GOODBYE reasons */
enum prof_goodbye {
	PROF_BYE_STOP = 1,      /* coretrap asked */
	PROF_BYE_EOF = 2,       /* channel closed */
	PROF_BYE_TIMEOUT = 3,   /* no heartbeat */
	PROF_BYE_SHUTDOWN = 4,  /* runtime shutting down */
	PROF_BYE_DONE = 5,      /* nothing left to watch */
};

struct profmsg {
	uint8_t type;
	uint32_t pid, version;       /* HELLO */
	uint32_t seq;                /* DUMP_REQUEST, DUMP_REPLY */
	uint32_t trigger;            /* DUMP_REQUEST: enum prof_trigger */
	int32_t filter;              /* DUMP_REQUEST: filter/threshold index, -1 none */
	uint32_t tid;                /* DUMP_REQUEST: OS thread id (target namespace) */
	uint64_t value;              /* DUMP_REQUEST: MB for GC triggers, generation for -gcgen */
	int32_t result;              /* DUMP_REPLY */
	uint32_t flags;              /* DUMP_REPLY */
	int32_t hresult;             /* FAILURE */
	uint32_t reason;             /* GOODBYE */
	char text[PROFSTATUS_TEXT_MAX + 1]; /* DUMP_REQUEST, FAILURE; NUL-terminated */
};

/* Encode one frame. Returns its length, or -EINVAL (unknown type) / -ENOSPC. Long text is truncated. */
ssize_t profstatus_encode(const struct profmsg *m, uint8_t *buf, size_t len);

/*
 * Decode the frame at the start of buf. Returns the bytes it used, 0 when
 * buf holds only part of a frame, or -EBADMSG for anything malformed.
 */
ssize_t profstatus_decode(const uint8_t *buf, size_t len, struct profmsg *m);

/* ---- settings, sent once as client data ---- */

struct prof_settings {
	char status_path[108];       /* the channel socket, as the target sees it */
	bool exceptions;             /* -e */
	int filter_count;            /* 0 with -e = every exception */
	char filters[CONFIG_MAX_FILTERS][CONFIG_FILTER_MAX];
	char exclude[CONFIG_FILTER_MAX]; /* -fx, "" = none */
	enum gc_heap gcm_heap;
	long gcm_mb[CONFIG_MAX_THRESHOLDS];
	int gcm_count;
	int gc_generation;           /* -gcgen, -1 = off */
};

/*
 * Settings as text lines ("key value\n"), readable in a debugger and easy to
 * extend: "coretrap 1", "sock P", "exc 1", "f P", "fx P", "gcheap N",
 * "gcm MB", "gcgen G". Returns the length (no NUL is counted) or -ENOSPC /
 * -EINVAL (a pattern or path containing a newline).
 */
ssize_t profstatus_encode_settings(const struct prof_settings *s, char *buf, size_t len);
/* Returns 0 or -EBADMSG. Unknown keys are ignored (newer coretrap, older profiler). */
int profstatus_decode_settings(const char *buf, size_t len, struct prof_settings *s);

#endif
