/* SPDX-License-Identifier: MIT */
/*
 * .NET target discovery and the diagnostics IPC transport: find the socket
 * the way the runtime names it (from the target's own view), connect, send
 * one request, read one reply — each step bounded by a deadline, because the
 * peer may be dead, busy (the server is sequential) or hostile.
 *
 * Paths inside the target are resolved with openat2(RESOLVE_IN_ROOT) under
 * /proc/PID/root, so symlinks in a container resolve against the container's
 * root, not ours. The socket is reached through /proc/self/fd/N/NAME, which
 * keeps sun_path short (108 bytes) whatever the target's TMPDIR is.
 */
#include "dotnet/dotnet.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/mono_clock.h"
#include "base/proc_parse.h"
#include "base/proc_read.h"

int dotnet_open_in_root(int root_fd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

void dotnet_target_close(struct dotnet_target *t)
{
	if (t->root_fd >= 0)
		close(t->root_fd);
	if (t->socket_dir_fd >= 0)
		close(t->socket_dir_fd);
	t->root_fd = t->socket_dir_fd = -1;
}

/* Who pid is (start time, ids in its namespace) and its temp dir: what names its socket. */
static int read_target_identity(pid_t pid, struct dotnet_target *t)
{
	char stat[PROC_PAGE_FILE_MAX], *buf = NULL;
	struct proc_stat st;
	size_t len = 0;
	uint64_t uid, gid, caps = 0;
	const char *tmp;
	int err;

	if ((err = proc_read(pid, 0, "stat", stat, sizeof(stat), NULL)))
		return err;
	if (proc_parse_stat(stat, &st))
		return -ESRCH; /* no stat line: not a process we can name */
	t->start_key = st.starttime;
	if ((err = proc_read_alloc(pid, 0, "status", &buf, NULL)))
		return err;
	/* real, effective, saved, fs: createdump creates files with the fs ids,
	 * which follow the effective ones */
	err = proc_status_nspid(buf, &t->ns_pid);
	if (!err)
		err = proc_field_num(buf, "Uid", PROC_ID_EFFECTIVE, &uid);
	if (!err)
		err = proc_field_num(buf, "Gid", PROC_ID_EFFECTIVE, &gid);
	if (!err && proc_field_hex(buf, "CapEff", &caps) == 0)
		t->dac_override = caps & (1ull << 1); /* CAP_DAC_OVERRIDE */
	free(buf);
	if (err)
		return -ESRCH;
	t->uid = (uid_t)uid;
	t->gid = (gid_t)gid;
	/* the runtime's GetTempPath: TMPDIR at startup, else /tmp/, with a '/' */
	if ((err = proc_read_alloc(pid, 0, "environ", &buf, &len)))
		return err;
	tmp = proc_environ_get(buf, len, "TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp/";
	if (snprintf(t->tmpdir, sizeof(t->tmpdir), "%s%s", tmp,
		     tmp[strlen(tmp) - 1] == '/' ? "" : "/") >= (int)sizeof(t->tmpdir)) {
		free(buf);
		return -ENAMETOOLONG;
	}
	free(buf);
	return 0;
}

int dotnet_target_open(pid_t pid, struct dotnet_target *t)
{
	const char *override = getenv(DOTNET_SOCKET_OVERRIDE_ENV);
	struct stat st;
	int err;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->root_fd = t->socket_dir_fd = -1;
	if ((err = read_target_identity(pid, t)))
		return err;
	t->root_fd = proc_open(pid, 0, "root", O_PATH | O_DIRECTORY);
	if (t->root_fd < 0) {
		err = t->root_fd;
		t->root_fd = -1;
		return err;
	}
	if (override && *override) {
		/* test hook: a given socket path replaces discovery */
		if (snprintf(t->override_path, sizeof(t->override_path), "%s", override) >=
		    (int)sizeof(t->override_path))
			err = -ENAMETOOLONG;
		else if (stat(override, &st) < 0)
			err = -errno;
		else if (!S_ISSOCK(st.st_mode))
			err = -ENOENT;
		if (err)
			dotnet_target_close(t);
		return err;
	}
	snprintf(t->socket_name, sizeof(t->socket_name), "dotnet-diagnostic-%d-%llu-socket",
		 (int)t->ns_pid, t->start_key);
	err = dotnet_open_in_root(t->root_fd, t->tmpdir, O_PATH | O_DIRECTORY);
	if (err < 0) {
		dotnet_target_close(t);
		return err == -ENOTDIR ? -ENOENT : err;
	}
	t->socket_dir_fd = err;
	/* the exact start-time name: a stale socket of a dead process with the
	 * same pid has another key and is never taken */
	if (fstatat(t->socket_dir_fd, t->socket_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISSOCK(st.st_mode)) {
		dotnet_target_close(t);
		return -ENOENT;
	}
	return 0;
}

bool dotnet_detect(pid_t pid)
{
	struct dotnet_target t;

	if (dotnet_target_open(pid, &t) < 0)
		return false;
	dotnet_target_close(&t);
	return true;
}

/* ---------------- transport with deadlines ---------------- */

/* Wait for events until the deadline; -ETIMEDOUT when it passes. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		uint64_t now = now_ms(), left;
		int n;

		if (now >= deadline)
			return -ETIMEDOUT;
		left = deadline - now;
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n > 0)
			return 0; /* ready, or HUP/ERR: the next call reports it */
	}
}

static int ds_connect(const struct dotnet_target *t, uint64_t deadline, int *fd_out)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, n;

	if (t->override_path[0])
		n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", t->override_path);
	else
		n = snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s",
			     t->socket_dir_fd, t->socket_name);
	if (n >= (int)sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	for (;;) {
		int err = 0;
		socklen_t elen = sizeof(err);

		if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			/* listen backlog full: retry briefly until the deadline */
			if (now_ms() >= deadline) {
				close(fd);
				return -ETIMEDOUT;
			}
			usleep(10000);
			continue;
		}
		if (errno != EINPROGRESS) {
			err = -errno;
			close(fd);
			return err;
		}
		if ((err = wait_fd(fd, POLLOUT, deadline))) {
			close(fd);
			return err;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (err) {
			close(fd);
			return -err;
		}
		break;
	}
	*fd_out = fd;
	return 0;
}

static int send_all(int fd, const uint8_t *buf, size_t len, uint64_t deadline)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		int err;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if ((err = wait_fd(fd, POLLOUT, deadline)))
				return err;
			continue;
		}
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Exactly len bytes; a peer that closes early gives -ECONNRESET. */
static int recv_exact(int fd, uint8_t *buf, size_t len, uint64_t deadline)
{
	while (len) {
		ssize_t n = recv(fd, buf, len, 0);
		int err;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if ((err = wait_fd(fd, POLLIN, deadline)))
				return err;
			continue;
		}
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Connect, send one request, read one reply message into reply (a reply
 * longer than reply_cap is garbage for that command: -EBADMSG). With
 * keep_fd the connection stays open for a continuation.
 */
static int transact(const struct dotnet_target *t, const uint8_t *req, size_t req_len,
		    int reply_timeout_ms, uint8_t *reply, size_t reply_cap, size_t *reply_len,
		    int *keep_fd)
{
	uint64_t deadline = now_ms() + DOTNET_CMD_TIMEOUT_MS;
	struct ipc_header h;
	int fd = -1, err;

	if ((err = ds_connect(t, deadline, &fd)))
		return err;
	/* one complete buffer: the server blocks on partial messages */
	if ((err = send_all(fd, req, req_len, deadline)))
		goto out;
	deadline = now_ms() + (uint64_t)(reply_timeout_ms > 0 ? reply_timeout_ms : 0);
	if ((err = recv_exact(fd, reply, IPC_HEADER_SIZE, deadline)))
		goto out;
	if (ipc_decode_header(reply, IPC_HEADER_SIZE, &h) < 0 || h.size > reply_cap) {
		err = -EBADMSG;
		goto out;
	}
	if ((err = recv_exact(fd, reply + IPC_HEADER_SIZE, h.size - IPC_HEADER_SIZE, deadline)))
		goto out;
	*reply_len = h.size;
	if (keep_fd) {
		*keep_fd = fd;
		return 0;
	}
out:
	close(fd);
	return err;
}

int dotnet_connect(const struct dotnet_target *t, int timeout_ms, int *fd)
{
	return ds_connect(t, now_ms() + (uint64_t)timeout_ms, fd);
}

int dotnet_send(int fd, const uint8_t *buf, size_t len, int timeout_ms)
{
	return send_all(fd, buf, len, now_ms() + (uint64_t)timeout_ms);
}

int dotnet_recv(int fd, uint8_t *buf, size_t len, int timeout_ms)
{
	return recv_exact(fd, buf, len, now_ms() + (uint64_t)timeout_ms);
}

/* A request whose reply is a status; returns -errno or the HRESULT via *hr. */
static int status_command(const struct dotnet_target *t, const uint8_t *req, size_t len,
			  int timeout_ms, uint32_t *hr, char *text, size_t text_len)
{
	uint8_t *reply = malloc(IPC_MAX_MESSAGE);
	size_t rlen = 0;
	int err;

	if (!reply)
		return -ENOMEM;
	err = transact(t, req, len, timeout_ms, reply, IPC_MAX_MESSAGE, &rlen, NULL);
	if (!err)
		err = ipc_decode_status(reply, rlen, hr, text, text_len);
	free(reply);
	return err;
}

int dotnet_process_info(struct dotnet_target *t, struct ipc_process_info *info)
{
	static const struct { uint8_t id; int level; } order[] = {
		{ IPC_PROCESS_INFO3, 3 }, { IPC_PROCESS_INFO2, 2 }, { IPC_PROCESS_INFO, 1 },
	};
	uint8_t *reply = malloc(IPC_MAX_MESSAGE);
	int err = -EOPNOTSUPP;

	if (!reply)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		uint8_t req[IPC_HEADER_SIZE];
		size_t rlen = 0;
		uint32_t hr;

		ipc_encode_empty(req, sizeof(req), IPC_SET_PROCESS, order[i].id);
		if ((err = transact(t, req, sizeof(req), DOTNET_CMD_TIMEOUT_MS, reply, IPC_MAX_MESSAGE,
				    &rlen, NULL)))
			break;
		if ((err = ipc_decode_process_info(reply, rlen, order[i].level, info)) == 0)
			break;
		if (ipc_decode_status(reply, rlen, &hr, NULL, 0) < 0 || hr == IPC_HR_OK) {
			err = -EBADMSG;
			break;
		}
		err = hr == IPC_HR_UNKNOWN_COMMAND ? -EOPNOTSUPP : ipc_hresult_errno(hr);
		if (hr != IPC_HR_UNKNOWN_COMMAND)
			break;
	}
	free(reply);
	return err;
}

int dotnet_get_env(struct dotnet_target *t, const char *name, char *value, size_t len,
		   bool *found)
{
	uint8_t req[IPC_HEADER_SIZE], *blob, reply[64];
	size_t rlen = 0;
	uint32_t incoming, hr;
	int fd = -1, err;

	/* the first reply is a 26-byte header (or a short error): a small
	 * buffer is enough, anything bigger is refused by transact */
	ipc_encode_empty(req, sizeof(req), IPC_SET_PROCESS, IPC_PROCESS_ENVIRONMENT);
	if ((err = transact(t, req, sizeof(req), DOTNET_CMD_TIMEOUT_MS, reply, sizeof(reply), &rlen,
			    &fd)))
		return err;
	if (ipc_decode_env_header(reply, rlen, &incoming) < 0) {
		close(fd);
		if (ipc_decode_status(reply, rlen, &hr, NULL, 0) == 0 && hr != IPC_HR_OK)
			return ipc_hresult_errno(hr);
		return -EBADMSG;
	}
	blob = malloc(incoming);
	if (!blob) {
		close(fd);
		return -ENOMEM;
	}
	err = recv_exact(fd, blob, incoming, now_ms() + DOTNET_CMD_TIMEOUT_MS);
	close(fd);
	if (!err)
		err = ipc_env_lookup(blob, incoming, name, value, len, found);
	free(blob);
	return err;
}

int dotnet_set_env(struct dotnet_target *t, const char *name, const char *value)
{
	uint8_t req[4096];
	ssize_t n = ipc_encode_set_env(req, sizeof(req), name, value);
	uint32_t hr;
	int err;

	if (n < 0)
		return (int)n;
	if ((err = status_command(t, req, (size_t)n, DOTNET_CMD_TIMEOUT_MS, &hr, NULL, 0)))
		return err;
	return ipc_hresult_errno(hr);
}

int dotnet_attach_profiler(struct dotnet_target *t, uint32_t attach_timeout_ms,
			   const uint8_t clsid[16], const char *profiler_path,
			   const void *client_data, uint32_t client_data_len, int reply_timeout_ms,
			   uint32_t *hresult)
{
	uint8_t *req = malloc(IPC_MAX_MESSAGE);
	ssize_t n;
	int err;

	if (!req)
		return -ENOMEM;
	n = ipc_encode_attach_profiler(req, IPC_MAX_MESSAGE, attach_timeout_ms, clsid, profiler_path,
				       client_data, client_data_len);
	err = n < 0 ? (int)n
		    : status_command(t, req, (size_t)n,
				     reply_timeout_ms > 0 ? reply_timeout_ms : DOTNET_CMD_TIMEOUT_MS,
				     hresult, NULL, 0);
	free(req);
	return err;
}

/* Used by dotnet_dump.c: one GenerateCoreDump request. */
int dotnet_send_dump(const struct dotnet_target *t, uint8_t id, const char *name, uint32_t type,
		     int timeout_ms, uint32_t *hresult, char *text, size_t text_len)
{
	uint8_t req[8192];
	ssize_t n = ipc_encode_dump(req, sizeof(req), id, name, type, 0);

	if (n < 0)
		return (int)n;
	return status_command(t, req, (size_t)n, timeout_ms, hresult, text, text_len);
}
