/* SPDX-License-Identifier: MIT */
/*
 * .NET diagnostics IPC wire format (the runtime's "DOTNET_IPC_V1" protocol),
 * encoded and decoded from plain buffers. No I/O here: user/dotnet.c moves
 * the bytes, this module only says what they mean. Every decoder treats its
 * input as hostile (it is fuzzed): lengths are checked before every read,
 * strings are bounded, and a malformed message gives -EBADMSG, never a crash.
 *
 * Layout facts: header of 20 bytes (14-byte magic, uint16 total size
 * including the header, command set, command id, 2 reserved bytes), all
 * integers little-endian, strings as uint32 count of UTF-16LE code units
 * with the terminating U+0000 counted (count 0 = null string).
 */
#ifndef CORETRAP_IPC_H
#define CORETRAP_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IPC_HEADER_SIZE 20
#define IPC_MAGIC_SIZE 14
#define IPC_MAX_MESSAGE 65535 /* the size field is a uint16 */

/* Command sets and ids (set << 8 | id is how the protocol docs name them). */
enum {
	IPC_SET_DUMP = 0x01,
	IPC_SET_EVENTPIPE = 0x02,
	IPC_SET_PROFILER = 0x03,
	IPC_SET_PROCESS = 0x04,
	IPC_SET_SERVER = 0xFF, /* replies */
};
enum {
	IPC_DUMP_GENERATE = 0x01,  /* GenerateCoreDump: flags field = "diagnostics" bool */
	IPC_DUMP_GENERATE2 = 0x02, /* .NET 6: flags */
	IPC_DUMP_GENERATE3 = 0x03, /* .NET 7: error reply carries createdump's message */
};
enum {
	IPC_EVENTPIPE_STOP = 0x01,     /* StopTracing: u64 session id */
	IPC_EVENTPIPE_COLLECT2 = 0x03, /* CollectTracing2: + requestRundown */
};
#define IPC_EVENTPIPE_FORMAT_NETTRACE 1u
#define IPC_MAX_PROVIDERS 1000 /* the runtime refuses more */
enum {
	IPC_PROFILER_ATTACH = 0x01,
	IPC_PROFILER_STARTUP = 0x02,
};
enum {
	IPC_PROCESS_INFO = 0x00,
	IPC_PROCESS_RESUME = 0x01,
	IPC_PROCESS_ENVIRONMENT = 0x02,
	IPC_PROCESS_SET_ENV = 0x03,
	IPC_PROCESS_INFO2 = 0x04,
	IPC_PROCESS_INFO3 = 0x08,
};
enum {
	IPC_SERVER_OK = 0x00,
	IPC_SERVER_ERROR = 0xFF,
};

/* Dump types as the runtime numbers them. */
enum {
	IPC_DUMP_TYPE_NORMAL = 1, /* "mini" */
	IPC_DUMP_TYPE_WITH_HEAP = 2,
	IPC_DUMP_TYPE_TRIAGE = 3,
	IPC_DUMP_TYPE_FULL = 4,
};
/* GenerateCoreDump2/3 flags. */
#define IPC_DUMP_FLAG_LOGGING 0x01u
#define IPC_DUMP_FLAG_VERBOSE 0x02u
#define IPC_DUMP_FLAG_CRASHREPORT 0x04u

/* HRESULTs the runtime answers with. */
#define IPC_HR_OK 0x00000000u
#define IPC_HR_BAD_ENCODING 0x80131384u
#define IPC_HR_UNKNOWN_COMMAND 0x80131385u
#define IPC_HR_UNKNOWN_MAGIC 0x80131386u
#define IPC_HR_UNKNOWN_ERROR 0x80131387u
#define IPC_HR_NOTSUPPORTED 0x80131515u
#define IPC_HR_FAIL 0x80004005u
#define IPC_HR_NOT_YET_AVAILABLE 0x8013135Bu
#define IPC_HR_RUNTIME_UNINITIALIZED 0x80131371u
#define IPC_HR_INVALIDARG 0x80070057u
#define IPC_HR_ENVVAR_NOT_FOUND 0x800000CBu
#define IPC_HR_PROFILER_ALREADY_ACTIVE 0x8013136Au

struct ipc_header {
	uint16_t size; /* whole message, header included */
	uint8_t command_set;
	uint8_t command_id;
};

/* Bound on what a ProcessEnvironment continuation may claim (hostile peer). */
#define IPC_ENV_MAX_BYTES (8u << 20)

/* ---------------- encoders: return the message length or -errno ---------------- */
/*
 * Each writes a complete message (header + payload) into buf. -ENOSPC when
 * cap is too small or the message would exceed 65535 bytes, -EILSEQ for a
 * string that is not valid UTF-8, -EINVAL for bad arguments.
 */
ssize_t ipc_encode_empty(uint8_t *buf, size_t cap, uint8_t set, uint8_t id);
/* GenerateCoreDump id 1/2/3: name (UTF-8 path), type 1..4, flags. */
ssize_t ipc_encode_dump(uint8_t *buf, size_t cap, uint8_t id, const char *name, uint32_t type,
			uint32_t flags);
/* SetEnvironmentVariable 0x0403. */
ssize_t ipc_encode_set_env(uint8_t *buf, size_t cap, const char *name, const char *value);
/*
 * AttachProfiler 0x0301: attach_timeout_ms (the runtime reads milliseconds),
 * the CLSID in Windows GUID memory order, the .so path (resolved inside the
 * target), and opaque client data passed to InitializeForAttach.
 */
ssize_t ipc_encode_attach_profiler(uint8_t *buf, size_t cap, uint32_t attach_timeout_ms,
				   const uint8_t clsid[16], const char *profiler_path,
				   const void *client_data, uint32_t client_data_len);

/* One EventPipe provider of a session: keywords, level (0..5), name, "k=v;k=v" filter or NULL. */
struct ipc_provider {
	uint64_t keywords;
	uint32_t level;
	const char *name;
	const char *filter;
};
/*
 * CollectTracing2 0x0203: circular buffer size, NetTrace format, no rundown,
 * the providers. The OK reply carries the session id (ipc_decode_session_reply)
 * and the nettrace stream follows on the same connection (dotnet/nettrace.h).
 */
ssize_t ipc_encode_collect_tracing2(uint8_t *buf, size_t cap, uint32_t buffer_mb,
				    const struct ipc_provider *providers, size_t count);
/* StopTracing 0x0201, sent on a second connection. */
ssize_t ipc_encode_stop_tracing(uint8_t *buf, size_t cap, uint64_t session_id);

/* "{01234567-89ab-cdef-0123-456789abcdef}" (braces optional) -> Windows memory order. */
int ipc_guid_parse(const char *text, uint8_t out[16]);

/* UTF-8 -> counted UTF-16LE string at buf; returns bytes written or -errno. */
ssize_t ipc_put_string(uint8_t *buf, size_t cap, const char *utf8);

/* ---------------- decoders: return 0 or -EBADMSG (never crash) ---------------- */
/* buf holds at least the 20 header bytes; checks magic and size >= 20. */
int ipc_decode_header(const uint8_t *buf, size_t len, struct ipc_header *out);

/*
 * Read one counted UTF-16LE string at *off in buf[0..len), advance *off,
 * convert to UTF-8 into out (truncated to fit, always NUL-terminated; invalid
 * surrogates become U+FFFD). A null string (count 0) gives "" and *was_null.
 */
int ipc_get_string(const uint8_t *buf, size_t len, size_t *off, char *out, size_t out_len,
		   bool *was_null);

/*
 * A status reply: generic OK (hresult 0, payload optional) or generic error
 * (int32 hresult, for GenerateCoreDump3 followed by a message string, copied
 * into err_text when given). msg is the whole message (header + payload).
 * Returns 0 when well-formed (*hresult says OK or not), -EBADMSG otherwise
 * (including a reply that is neither OK nor error).
 */
int ipc_decode_status(const uint8_t *msg, size_t len, uint32_t *hresult, char *err_text,
		      size_t err_len);

struct ipc_process_info {
	uint32_t info_version;  /* ProcessInfo3's version field, 0 otherwise */
	uint64_t pid;           /* pid in the target's own namespace */
	uint8_t cookie[16];
	char command_line[1024];
	char os[32];
	char arch[32];
	char entry_assembly[256]; /* ProcessInfo2+ */
	char runtime_version[96]; /* ProcessInfo2+ */
	char runtime_id[64];      /* ProcessInfo3 version >= 1 */
	int level;                /* 1, 2 or 3: which reply was decoded */
};
/* msg = whole OK reply to ProcessInfo (level 1), ProcessInfo2 (2) or ProcessInfo3 (3). */
int ipc_decode_process_info(const uint8_t *msg, size_t len, int level,
			    struct ipc_process_info *out);

/* ProcessEnvironment's first reply: OK header + uint32 continuation length + uint16. */
int ipc_decode_env_header(const uint8_t *msg, size_t len, uint32_t *incoming_bytes);
/*
 * The continuation: uint32 count + count strings "NAME=value". Look up name;
 * *found tells whether it was there, value gets its value (truncation = -ENAMETOOLONG).
 */
int ipc_env_lookup(const uint8_t *blob, size_t len, const char *name, char *value,
		   size_t value_len, bool *found);

/*
 * The reply to CollectTracing2 or StopTracing: OK with a u64 session id
 * (*hresult 0), or an error (*hresult its HRESULT). -EBADMSG otherwise.
 */
int ipc_decode_session_reply(const uint8_t *msg, size_t len, uint64_t *session_id, uint32_t *hresult);

/* Readable name of an HRESULT ("DS_IPC_E_UNKNOWN_COMMAND") or NULL. */
const char *ipc_hresult_name(uint32_t hresult);
/* A negative errno that fits an HRESULT, for the 0-or-negative-errno convention. */
int ipc_hresult_errno(uint32_t hresult);

#endif /* CORETRAP_IPC_H */
