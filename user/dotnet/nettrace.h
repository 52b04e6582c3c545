/* SPDX-License-Identifier: MIT */
/*
 * The EventPipe "nettrace" stream (format V5, what CollectTracing* with
 * format 1 sends after its OK reply), decoded from plain buffers. Pure: the
 * session (dotnet/counter_session.c) appends what the socket gave to a
 * buffer and calls nettrace_feed(); it consumes every complete unit (the
 * header, the Trace object, one block object, the end tag) and leaves a
 * partial one for the next call. The stream comes from the target, so it is
 * hostile: every length is checked, blocks are bounded, and a malformed
 * stream gives -EBADMSG, never a crash (fuzzed: tests/fuzz/fuzz_nettrace.c).
 *
 * Layout (all little-endian):
 *   "Nettrace" | u32 20 "!FastSerialization.1"
 *   object := 5 (BeginPrivateObject) type payload 6 (EndObject)
 *   type   := 5 1 (NullReference) u32 version u32 minReaderVersion u32 n name[n] 6
 *   Trace payload: SYSTEMTIME(16) i64 syncQPC i64 qpcFreq u32 pointerSize u32 pid
 *                  u32 cpus u32 samplingRate
 *   block payload (EventBlock, MetadataBlock, StackBlock, SPBlock):
 *                  u32 size, zero padding to a 4-byte stream offset, size bytes
 *   end of stream: 1 (NullReference) where the next object would start.
 * Event and metadata blocks: u16 headerSize u16 flags (bit 0: compressed
 * event headers) ... then events. A compressed header is one flag byte and
 * the fields it announces (varints), deltas against the previous event of the
 * same block; the payload follows. A metadata event's payload describes one
 * event: u32 id, provider and event names (UTF-16, NUL-terminated), u32 event
 * id, u64 keywords, u32 version, u32 level, u32 field count and the fields
 * ({u32 type [u32 element type] [u32 n, n fields] name}), optionally tagged
 * sections after them (tag 2: V2 parameters, which replace the fields).
 */
#ifndef CORETRAP_DOTNET_NETTRACE_H
#define CORETRAP_DOTNET_NETTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETTRACE_MAX_BLOCK (16u << 20) /* the runtime's blocks are ~100 KB */
#define NETTRACE_MAX_METADATA 4096     /* distinct event kinds of one session */
#define NETTRACE_MAX_FIELDS 64         /* flattened fields of one event kind */
#define NETTRACE_MAX_DEPTH 4           /* nesting of object fields */
#define NETTRACE_NAME_MAX 128
#define NETTRACE_VALUE_MAX 512         /* a decoded string field, UTF-8 */

/* Field type codes (System.TypeCode, plus 19 for arrays). */
enum {
	NT_TYPE_OBJECT = 1,
	NT_TYPE_BOOL = 3,
	NT_TYPE_CHAR = 4,
	NT_TYPE_SBYTE = 5,
	NT_TYPE_BYTE = 6,
	NT_TYPE_INT16 = 7,
	NT_TYPE_UINT16 = 8,
	NT_TYPE_INT32 = 9,
	NT_TYPE_UINT32 = 10,
	NT_TYPE_INT64 = 11,
	NT_TYPE_UINT64 = 12,
	NT_TYPE_SINGLE = 13,
	NT_TYPE_DOUBLE = 14,
	NT_TYPE_DECIMAL = 15,
	NT_TYPE_DATETIME = 16,
	NT_TYPE_GUID = 17,
	NT_TYPE_STRING = 18,
	NT_TYPE_ARRAY = 19,
};

/* One field, flattened in payload order: an object is followed by its `children` fields. */
struct nettrace_field {
	uint8_t type;
	uint8_t element_type; /* NT_TYPE_ARRAY only: a primitive type (arrays of objects are not decoded) */
	uint8_t depth;
	uint16_t children;    /* NT_TYPE_OBJECT: direct children */
	char name[NETTRACE_NAME_MAX];
};

struct nettrace_meta {
	uint32_t id;
	uint32_t event_id;
	uint32_t version, level;
	uint64_t keywords;
	char provider[NETTRACE_NAME_MAX];
	char event_name[NETTRACE_NAME_MAX];
	bool fields_known;    /* false: the field list could not be read; payloads are opaque */
	uint16_t nfields;
	struct nettrace_field fields[NETTRACE_MAX_FIELDS];
};

/* One event as the consumer sees it. */
struct nettrace_event {
	const struct nettrace_meta *meta;
	uint64_t timestamp;   /* QPC ticks (trace.qpc_freq per second) */
	uint64_t thread_id;
	const uint8_t *payload;
	uint32_t payload_len;
};

struct nettrace_trace_info {
	uint64_t sync_qpc, qpc_freq;
	uint32_t pointer_size, pid, cpus;
};

struct nettrace_stats {
	uint64_t events, metadata, event_blocks, metadata_blocks, stack_blocks, sp_blocks;
	uint64_t unknown_metadata; /* events whose metadata id was never described */
};

typedef void (*nettrace_event_fn)(void *ctx, const struct nettrace_event *ev);

struct nettrace_parser {
	int stage;            /* internal: what the next unit is */
	uint64_t offset;      /* stream offset of the next unconsumed byte (alignment) */
	uint64_t buf_base;    /* internal: stream offset of the buffer being fed */
	bool ended;           /* the end-of-stream tag was read */
	struct nettrace_trace_info trace;
	struct nettrace_stats stats;
	struct nettrace_meta **meta;
	size_t nmeta, cap_meta;
	nettrace_event_fn on_event;
	void *ctx;
};

void nettrace_init(struct nettrace_parser *p, nettrace_event_fn on_event, void *ctx);
void nettrace_free(struct nettrace_parser *p);

/*
 * Consume the complete units at the start of buf[0..len). *used gets how
 * many bytes were consumed (keep the rest and feed it again with more).
 * Returns 0, -EBADMSG for a malformed stream (also: a block over
 * NETTRACE_MAX_BLOCK, bytes after the end tag), -ENOMEM.
 */
int nettrace_feed(struct nettrace_parser *p, const uint8_t *buf, size_t len, size_t *used);

/* The metadata of id, or NULL. */
const struct nettrace_meta *nettrace_find_meta(const struct nettrace_parser *p, uint32_t id);

/* A decoded field value. */
struct nettrace_value {
	uint8_t type;
	double num;           /* numeric types (and bool) */
	char str[NETTRACE_VALUE_MAX]; /* strings, UTF-8 (truncated to fit) */
};

/*
 * Find the first field called name (at any depth) in an event's payload and
 * decode it. 0, -ENOENT (no such field, or the payload is opaque), -EBADMSG
 * (the payload is shorter than its metadata says).
 */
int nettrace_get_field(const struct nettrace_event *ev, const char *name, struct nettrace_value *out);

/* Parse one metadata payload (exposed for tests). 0 or -EBADMSG. */
int nettrace_parse_meta(const uint8_t *buf, size_t len, struct nettrace_meta *out);

#endif /* CORETRAP_DOTNET_NETTRACE_H */
