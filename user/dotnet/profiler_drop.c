// SPDX-License-Identifier: MIT
/*
 * The profiler's files in the target's world. Paths are built through
 * /proc/PID/root so they land in the target's mount namespace (containers
 * included); the runtime resolves the .so path itself, inside the target.
 * The private directory is 0755 and the .so 0644 so the target's user can
 * load it whatever its uid; the socket is owned by that user and 0600.
 */
#include "dotnet/profiler_drop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/proc.h"

extern const unsigned char _binary_libcoretrap_profiler_so_start[];
extern const unsigned char _binary_libcoretrap_profiler_so_end[];

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int write_so(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	size_t n = (size_t)(_binary_libcoretrap_profiler_so_end - _binary_libcoretrap_profiler_so_start);
	int err = write_all(fd, _binary_libcoretrap_profiler_so_start, n);
	if (!err && fchmod(fd, 0644) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (err)
		unlink(path);
	return err;
}

static int listen_socket(const char *path, uid_t uid, gid_t gid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* chmod/chown before listen: nobody else can connect in between. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    (geteuid() == 0 && chown(path, uid, gid) < 0) || listen(fd, 4) < 0) {
		int err = -errno;
		close(fd);
		unlink(path);
		return err;
	}
	return fd;
}

int profiler_drop_create(struct profiler_drop *d, pid_t pid)
{
	static unsigned counter;
	struct stat st;
	char proc[64];
	int err;

	memset(d, 0, sizeof(*d));
	d->pid = pid;
	d->listen_fd = -1;
	snprintf(proc, sizeof(proc), "/proc/%d", pid);
	if (stat(proc, &st) < 0)
		return -errno;
	/* The pid plus a counter is unique for our lifetime; O_EXCL below catches leftovers. */
	snprintf(d->target_dir, sizeof(d->target_dir), "/tmp/coretrap-%d-%u", getpid(), counter++);
	snprintf(d->host_dir, sizeof(d->host_dir), "/proc/%d/root%s", pid, d->target_dir);
	snprintf(d->target_so, sizeof(d->target_so), "%s/libcoretrap_profiler.so", d->target_dir);
	snprintf(d->host_so, sizeof(d->host_so), "%s/libcoretrap_profiler.so", d->host_dir);
	snprintf(d->target_sock, sizeof(d->target_sock), "%s/status.sock", d->target_dir);
	snprintf(d->host_sock, sizeof(d->host_sock), "%s/status.sock", d->host_dir);

	if (mkdir(d->host_dir, 0755) < 0)
		return -errno;
	if (chmod(d->host_dir, 0755) < 0) { /* umask may have narrowed it */
		err = -errno;
		goto fail;
	}
	err = write_so(d->host_so);
	if (err)
		goto fail;
	err = listen_socket(d->host_sock, st.st_uid, st.st_gid);
	if (err < 0)
		goto fail;
	d->listen_fd = err;
	return 0;
fail:
	profiler_drop_remove(d);
	return err;
}

void profiler_drop_remove(struct profiler_drop *d)
{
	if (!d->host_dir[0])
		return;
	if (d->listen_fd >= 0)
		close(d->listen_fd);
	d->listen_fd = -1;
	unlink(d->host_sock);
	unlink(d->host_so);
	rmdir(d->host_dir);
}

/* True when a mapping's path names needle; an unreadable maps counts as not mapped. */
static bool maps_contain(pid_t pid, const char *needle)
{
	struct maps maps;
	bool found = false;

	if (proc_read_maps(pid, false, &maps) < 0)
		return false;
	for (size_t i = 0; i < maps.n && !found; i++)
		found = strstr(maps.v[i].path, needle) != NULL;
	maps_free(&maps);
	return found;
}

bool profiler_drop_mapped(const struct profiler_drop *d)
{
	return maps_contain(d->pid, d->target_so);
}

bool profiler_any_mapped(pid_t pid)
{
	return maps_contain(pid, "/libcoretrap_profiler.so");
}
