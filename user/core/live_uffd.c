// SPDX-License-Identifier: MIT
/* The live dump's userfaultfd; see live_uffd.h. */
#include "core/live_uffd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
/* PIDFD_THREAD (Linux 6.9): a pidfd of one thread */
#define PIDFD_THREAD_FLAG O_EXCL

/*
 * One syscall in the first thread that can take it; threads whose stop
 * changed are marked. *tid: the thread it ran in.
 */
static int inject_somewhere(pid_t pid, struct live_thread *threads, size_t n, long nr,
			    const unsigned long args[6], long *ret, pid_t *tid)
{
	int last = -ENOENT;

	for (size_t i = 0; i < n; i++) {
		struct live_thread *t = &threads[i];
		struct inject_result r;
		int err;

		if (t->changed)
			continue;
		err = ptrace_inject_syscall(pid, t->tid, nr, args, &r);
		if (err == -EPERM || err == -ENOEXEC)
			return err; /* seccomp, ABI, no vdso: the same for every thread */
		if (err) {
			last = err == -EINVAL ? last : err; /* not in an interrupt stop: try the next */
			continue;
		}
		if (r.stop != INJECT_STOP_EVENT) {
			t->changed = true;
			t->stop = r.stop;
			t->sig = r.sig;
		}
		if (r.ran) {
			*ret = r.ret;
			*tid = t->tid;
			return 0;
		}
	}
	return last;
}

/*
 * pidfd_getfd of fd in the target. Through the thread (PIDFD_THREAD, Linux
 * 6.9) first: a leader that exited before its threads has no files left;
 * through the process where the kernel is older.
 */
static int take_fd(pid_t pid, pid_t tid, int fd)
{
	pid_t ids[2] = { tid, pid };
	int flags[2] = { PIDFD_THREAD_FLAG, 0 }, err = -ESRCH;

	for (int i = 0; i < 2; i++) {
		int pidfd = (int)syscall(SYS_pidfd_open, ids[i], flags[i]);
		int ours;

		if (pidfd < 0) {
			err = -errno;
			continue;
		}
		ours = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
		err = ours < 0 ? -errno : 0;
		close(pidfd);
		if (ours >= 0)
			return ours;
	}
	return err;
}

static bool is_userfaultfd(int fd)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	return !strcmp(link, "anon_inode:[userfaultfd]");
}

int live_uffd_create(pid_t pid, struct live_thread *threads, size_t n, int *fd, char *why,
		     size_t why_len)
{
	unsigned long args[6] = { O_CLOEXEC | O_NONBLOCK };
	long target_fd = -1, closed = -1;
	pid_t tid = 0;
	int ours = -1, err;

	*fd = -1;
	err = inject_somewhere(pid, threads, n, SYS_userfaultfd, args, &target_fd, &tid);
	if (err) {
		if (err == -EPERM)
			snprintf(why, why_len, "the target runs under seccomp");
		else if (err == -ENOENT)
			snprintf(why, why_len, "no thread of the target in an interrupt stop");
		else
			snprintf(why, why_len, "cannot run userfaultfd() in the target: %s", strerror(-err));
		return err;
	}
	if (target_fd < 0) {
		snprintf(why, why_len, "userfaultfd() in the target failed: %s%s",
			 strerror((int)-target_fd),
			 target_fd == -EPERM ? " (it lacks CAP_SYS_PTRACE and vm.unprivileged_userfaultfd is 0)"
					     : "");
		return (int)target_fd;
	}
	ours = take_fd(pid, tid, (int)target_fd);
	err = ours < 0 ? ours : 0;
	/* Ours alone, whatever happened: the target's copy is closed. */
	args[0] = (unsigned long)target_fd;
	if (inject_somewhere(pid, threads, n, SYS_close, args, &closed, &tid) || closed != 0) {
		/* the target keeps an unregistered userfaultfd: harmless, but never protect through it */
		snprintf(why, why_len, "cannot close the userfaultfd in the target");
		if (ours >= 0)
			close(ours);
		return -EIO;
	}
	if (err) {
		snprintf(why, why_len, "pidfd_getfd of the target's userfaultfd failed: %s", strerror(-err));
		return err;
	}
	if (!is_userfaultfd(ours)) {
		snprintf(why, why_len, "the fd taken from the target is not a userfaultfd");
		close(ours);
		return -EIO;
	}
	*fd = ours;
	return 0;
}

static int api(int fd, uint64_t features, uint64_t *enabled)
{
	struct uffdio_api a = { .api = UFFD_API, .features = features };

	if (ioctl(fd, UFFDIO_API, &a) < 0)
		return -errno;
	*enabled = features;
	return 0;
}

int live_uffd_api(int fd, uint64_t want_extra, uint64_t *features)
{
	/*
	 * A feature the kernel does not know fails the handshake with EINVAL
	 * and leaves the userfaultfd uninitialised, so it can be tried again
	 * with less.
	 */
	if (want_extra && api(fd, LIVE_UFFD_FEATURES | want_extra, features) == 0)
		return 0;
	if (api(fd, LIVE_UFFD_FEATURES, features) == 0)
		return 0;
	return -EOPNOTSUPP;
}

int live_uffd_register(int fd, uint64_t addr, uint64_t len)
{
	struct uffdio_register r = { .range = { addr, len }, .mode = UFFDIO_REGISTER_MODE_WP };

	if (ioctl(fd, UFFDIO_REGISTER, &r) < 0)
		return -errno;
	/* registered, but write-protect is not among the range's ioctls: unusable */
	if (!(r.ioctls & (1ull << _UFFDIO_WRITEPROTECT))) {
		live_uffd_unregister(fd, addr, len);
		return -EOPNOTSUPP;
	}
	return 0;
}

int live_uffd_unregister(int fd, uint64_t addr, uint64_t len)
{
	struct uffdio_range r = { addr, len };

	return ioctl(fd, UFFDIO_UNREGISTER, &r) < 0 ? -errno : 0;
}

int live_uffd_protect(int fd, uint64_t addr, uint64_t len, bool on)
{
	struct uffdio_writeprotect w = { .range = { addr, len },
					 .mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0 };

	return ioctl(fd, UFFDIO_WRITEPROTECT, &w) < 0 ? -errno : 0;
}

int live_uffd_wake(int fd, uint64_t addr, uint64_t len)
{
	struct uffdio_range r = { addr, len };

	return ioctl(fd, UFFDIO_WAKE, &r) < 0 ? -errno : 0;
}
