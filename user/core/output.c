// SPDX-License-Identifier: MIT
#include "core/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#ifndef STATX_DIOALIGN
#define STATX_DIOALIGN 0x00002000U
#endif

static void split_dir(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

int core_output_open(struct core_output *out, const char *path, bool overwrite)
{
	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (strlen(path) >= sizeof(out->path))
		return -ENAMETOOLONG;
	snprintf(out->path, sizeof(out->path), "%s", path);
	split_dir(path, out->dir, sizeof(out->dir));
	if (!overwrite && access(path, F_OK) == 0)
		return -EEXIST;

	out->fd = open(out->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (out->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		int n = snprintf(out->tmp_name, sizeof(out->tmp_name), "%s/.coretrap-XXXXXX", out->dir);

		if (n < 0 || (size_t)n >= sizeof(out->tmp_name))
			return -ENAMETOOLONG;
		out->fd = mkostemp(out->tmp_name, O_CLOEXEC);
		if (out->fd < 0)
			out->tmp_name[0] = '\0';
	}
	if (out->fd < 0)
		return -errno;
	/* umask must not widen or narrow it: dumps hold secrets, owner only. */
	if (fchmod(out->fd, 0600) < 0) {
		int err = -errno;

		core_output_abort(out);
		return err;
	}
	return 0;
}

bool core_output_use_direct(struct core_output *out, size_t page_size, bool prefer)
{
	const char *env = getenv("CORETRAP_DIRECT_IO");
	struct statx stx;
	int flags;

	if (env && (!strcmp(env, "0") || !strcmp(env, "1")))
		prefer = env[0] == '1';
	if (!prefer)
		return false;
	/* Older kernels do not report DIOALIGN: then we do not guess. */
	if (statx(out->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) < 0 ||
	    !(stx.stx_mask & STATX_DIOALIGN) || !stx.stx_dio_offset_align ||
	    stx.stx_dio_offset_align > page_size || stx.stx_dio_mem_align > page_size)
		return false;
	flags = fcntl(out->fd, F_GETFL);
	if (flags < 0 || fcntl(out->fd, F_SETFL, flags | O_DIRECT) < 0)
		return false;
	out->direct = true;
	return true;
}

/* Clear O_DIRECT on fd (another writer thread may have done it already). */
static void drop_direct(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags >= 0 && (flags & O_DIRECT))
		fcntl(fd, F_SETFL, flags & ~O_DIRECT);
}

int core_output_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	const unsigned char *p = buf;
	bool retried = false;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* once, buffered: an EINVAL that remains is a real error */
			if (errno == EINVAL && !retried) {
				retried = true;
				drop_direct(fd);
				continue;
			}
			return -errno;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int core_output_free_bytes(const struct core_output *out, uint64_t *bytes)
{
	struct statvfs st;

	if (fstatvfs(out->fd, &st) < 0)
		return -errno;
	*bytes = (uint64_t)st.f_bavail * st.f_frsize;
	return 0;
}

int core_output_commit(struct core_output *out, bool overwrite)
{
	char proc_fd[64], tmp[PATH_MAX + 32];
	int err = 0;

	if (!out->tmp_name[0]) {
		snprintf(proc_fd, sizeof(proc_fd), "/proc/self/fd/%d", out->fd);
		if (!overwrite) {
			if (linkat(AT_FDCWD, proc_fd, AT_FDCWD, out->path, AT_SYMLINK_FOLLOW) < 0)
				err = -errno;
		} else {
			/* link under a unique hidden name, then rename over: atomic replace */
			for (int i = 0; i < 100; i++) {
				snprintf(tmp, sizeof(tmp), "%s/.coretrap-%d-%d", out->dir, getpid(), i);
				if (linkat(AT_FDCWD, proc_fd, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0) {
					err = 0;
					break;
				}
				err = -errno;
				if (errno != EEXIST)
					break;
			}
			if (!err && rename(tmp, out->path) < 0) {
				err = -errno;
				unlink(tmp);
			}
		}
	} else {
		if (!overwrite) {
			if (link(out->tmp_name, out->path) < 0)
				err = -errno;
			unlink(out->tmp_name);
		} else if (rename(out->tmp_name, out->path) < 0) {
			err = -errno;
			unlink(out->tmp_name);
		}
		out->tmp_name[0] = '\0';
	}
	close(out->fd);
	out->fd = -1;
	return err;
}

void core_output_abort(struct core_output *out)
{
	if (out->fd >= 0)
		close(out->fd);
	out->fd = -1;
	if (out->tmp_name[0])
		unlink(out->tmp_name);
	out->tmp_name[0] = '\0';
}
