/* SPDX-License-Identifier: MIT */
/*
 * The only ABI between the BPF programs and the loader: fixed-width fields,
 * no includes, included by both sides.
 */
#ifndef CORETRAP_EVENTS_H
#define CORETRAP_EVENTS_H

#define EVENT_NONE 0

struct event {
	__u32 kind;   /* EVENT_* */
	__u32 tgid;
	__u32 tid;
	__u32 pad;
	__u64 ts_ns;
	__u64 value;
};

#endif
