/* SPDX-License-Identifier: MIT */
/*
 * .NET (CoreCLR) targets: find the runtime's diagnostics socket as the
 * target itself names it, talk to it with timeouts, and have the runtime
 * write its own dump (createdump) — which keeps the managed heap readable by
 * ClrMD/SOS, unlike a native core. Wire format: user/ipc.h.
 *
 * Every function returns 0 or a negative errno and prints nothing; details
 * the caller may want to show (createdump's own error text) come back in
 * struct dotnet_dump_result.detail.
 *
 * Test hook: when the environment variable CORETRAP_DOTNET_SOCKET names a
 * socket path, it replaces socket discovery for every pid (the rest — the
 * target's root, uid and TMPDIR — still comes from the pid). Integration tests
 * use it to point coretrap at a hostile fake server.
 */
#ifndef CORETRAP_DOTNET_H
#define CORETRAP_DOTNET_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/config.h"
#include "dotnet/ipc.h"

#define DOTNET_CMD_TIMEOUT_MS 5000      /* connect/read/write of small commands */
#define DOTNET_DUMP_TIMEOUT_MS 300000   /* createdump of a big heap can take minutes */
#define DOTNET_PAGEMAP_VAR "DOTNET_DbgDisablePagemapUse"
#define DOTNET_SOCKET_OVERRIDE_ENV "CORETRAP_DOTNET_SOCKET"
#define DOTNET_DUMP_TIMEOUT_ENV "CORETRAP_DOTNET_DUMP_TIMEOUT_S"
#define DOTNET_NO_PAGEMAP_ENV "CORETRAP_DOTNET_NO_PAGEMAP" /* test/bench hook */

struct dotnet_target {
	pid_t pid;                  /* host pid */
	pid_t ns_pid;               /* pid inside the target's own PID namespace */
	unsigned long long start_key; /* field 22 of /proc/PID/stat */
	uid_t uid;                  /* effective uid/gid: createdump writes as them */
	gid_t gid;
	bool dac_override;          /* CAP_DAC_OVERRIDE in its effective set */
	char tmpdir[PATH_MAX];      /* the target's temp dir in its own view, ends in '/' */
	char socket_name[128];      /* dotnet-diagnostic-<nspid>-<key>-socket */
	int root_fd;                /* O_PATH of /proc/PID/root */
	int socket_dir_fd;          /* O_PATH of the socket's directory */
	char override_path[PATH_MAX]; /* CORETRAP_DOTNET_SOCKET, "" = none */
};

/*
 * Locate the diagnostics socket of pid. 0 = found (close with
 * dotnet_target_close), -ENOENT = no socket (not a .NET target, or
 * diagnostics disabled), -ESRCH = no such process (any more), other
 * -errno = /proc could not be read.
 */
int dotnet_target_open(pid_t pid, struct dotnet_target *t);
void dotnet_target_close(struct dotnet_target *t);
/* True when pid runs a CoreCLR runtime that listens on its diagnostics socket. */
bool dotnet_detect(pid_t pid);

/* ProcessInfo3, falling back to 2 and 1 on DS_IPC_E_UNKNOWN_COMMAND. */
int dotnet_process_info(struct dotnet_target *t, struct ipc_process_info *info);
/* Current value of a variable in the runtime's environment (ProcessEnvironment). */
int dotnet_get_env(struct dotnet_target *t, const char *name, char *value, size_t len,
		   bool *found);
/* SetEnvironmentVariable; a runtime error HRESULT maps to -errno (ipc_hresult_errno). */
int dotnet_set_env(struct dotnet_target *t, const char *name, const char *value);
/*
 * AttachProfiler: the runtime loads profiler_path (resolved in the target's
 * mount namespace) and calls InitializeForAttach(client_data). The reply
 * comes after that returns. *hresult gets the runtime's HRESULT (0 = loaded).
 * Returns 0 when a well-formed reply arrived (check *hresult), else -errno.
 */
int dotnet_attach_profiler(struct dotnet_target *t, uint32_t attach_timeout_ms,
			   const uint8_t clsid[16], const char *profiler_path,
			   const void *client_data, uint32_t client_data_len, int reply_timeout_ms,
			   uint32_t *hresult);

struct dotnet_dump_result {
	struct ipc_process_info info; /* info.level 0 = could not be read */
	uint32_t hresult;             /* runtime's answer to the dump command */
	int command_id;               /* 1, 2 or 3: GenerateCoreDump variant used */
	bool pagemap_trick;           /* DOTNET_DbgDisablePagemapUse=0 was in force */
	bool copied;                  /* staged dump was copied (other fs), not renamed */
	uint64_t apparent_bytes;
	uint64_t allocated_bytes;
	uint64_t wall_ns;
	char detail[512];             /* why it failed (createdump's text), or "" */
};

/*
 * Ask the runtime of pid for a dump of `type` and place it at path (mode
 * 0600, owned by us). timeout_ms bounds the dump command (0 = default,
 * overridable with CORETRAP_DOTNET_DUMP_TIMEOUT_S). -EEXIST when path exists
 * and !overwrite. On failure nothing is left at path or in the target's view.
 */
int dotnet_write_dump(pid_t pid, const char *path, enum dotnet_dump_type type, bool overwrite,
		      int timeout_ms, struct dotnet_dump_result *res);

/* "heap", "full", "mini", "triage" and back; -EINVAL for other text. */
const char *dotnet_dump_type_name(enum dotnet_dump_type type);
int dotnet_dump_type_parse(const char *text, enum dotnet_dump_type *out);
/* ".NET 10.0.12, entry MarkerApp, heap dump" for the log line. */
void dotnet_describe(const struct dotnet_dump_result *res, enum dotnet_dump_type type, char *out,
		     size_t len);

/* One GenerateCoreDump request (id 1..3) with its own reply timeout (internal). */
int dotnet_send_dump(const struct dotnet_target *t, uint8_t id, const char *name, uint32_t type,
		     int timeout_ms, uint32_t *hresult, char *text, size_t text_len);

/*
 * The transport alone, for streams (dotnet/counter_session.c): a
 * non-blocking connection to the target's socket, and sends/receives of
 * exactly len bytes, each bounded by timeout_ms. 0 or -errno (-ETIMEDOUT,
 * -ECONNRESET when the peer closes early).
 */
int dotnet_connect(const struct dotnet_target *t, int timeout_ms, int *fd);
int dotnet_send(int fd, const uint8_t *buf, size_t len, int timeout_ms);
int dotnet_recv(int fd, uint8_t *buf, size_t len, int timeout_ms);

/* openat2(root_fd, path, RESOLVE_IN_ROOT): path as the target sees it; fd or -errno. */
int dotnet_open_in_root(int root_fd, const char *path, int flags);

#endif /* CORETRAP_DOTNET_H */
