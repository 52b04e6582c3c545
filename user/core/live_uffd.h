/* SPDX-License-Identifier: MIT */
/*
 * The userfaultfd of a live dump: created inside the target (a userfaultfd
 * acts on the mm of the process that created it), then held by us alone,
 * so that our death releases it and with it every write protection and
 * every thread waiting on one. Thin wrappers of the ioctls that act on the
 * target's memory from here.
 */
#ifndef CORETRAP_CORE_LIVE_UFFD_H
#define CORETRAP_CORE_LIVE_UFFD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/ptrace_inject.h"

/* Feature bits the Debian 12 headers (6.1) may lack. */
#define LIVE_UFFD_FEATURE_WP (1ull << 0)          /* UFFD_FEATURE_PAGEFAULT_FLAG_WP */
#define LIVE_UFFD_FEATURE_EVENT_FORK (1ull << 1)
#define LIVE_UFFD_FEATURE_EVENT_REMAP (1ull << 2)
#define LIVE_UFFD_FEATURE_EVENT_REMOVE (1ull << 3)
#define LIVE_UFFD_FEATURE_EVENT_UNMAP (1ull << 6)
#define LIVE_UFFD_FEATURE_WP_SHMEM (1ull << 12)   /* UFFD_FEATURE_WP_HUGETLBFS_SHMEM */

/*
 * What a live dump needs: write-protect faults, and to hear of the target
 * unmapping, discarding (MADV_DONTNEED) or moving (mremap) protected
 * memory before it has been copied. UFFD_FEATURE_EVENT_FORK is asked for
 * with shared memory's write-protect (core/live.c): a fork is then heard of
 * before the child runs, and its userfaultfd, closed at once, leaves it
 * unprotected; a child shares the target's shared memory, not its private.
 */
#define LIVE_UFFD_FEATURES                                                                 \
	(LIVE_UFFD_FEATURE_WP | LIVE_UFFD_FEATURE_EVENT_REMAP | LIVE_UFFD_FEATURE_EVENT_REMOVE | \
	 LIVE_UFFD_FEATURE_EVENT_UNMAP)

/* A thread of the target that we hold in a ptrace stop, and what injecting did to its stop. */
struct live_thread {
	pid_t tid;
	bool changed;          /* no longer in its interrupt stop: see stop, sig */
	enum inject_stop stop;
	int sig;
};

/*
 * Create the target's userfaultfd: inject userfaultfd(O_CLOEXEC |
 * O_NONBLOCK) into the first thread of `threads` that can take it (not
 * UFFD_USER_MODE_ONLY: a write the kernel does for the target, read() into
 * a protected buffer, must wait for us rather than fail with EFAULT), take
 * it with pidfd_getfd, close it in the target. *fd is ours alone. 0 or a
 * negative errno with `why` saying what refused (for the fallback's debug
 * line): the target's userfaultfd() error (-EPERM: it lacks CAP_SYS_PTRACE
 * and vm.unprivileged_userfaultfd is 0), -EPERM under seccomp, -ENOENT no
 * thread in an interrupt stop...
 */
int live_uffd_create(pid_t pid, struct live_thread *threads, size_t n, int *fd, char *why,
		     size_t why_len);

/*
 * The API handshake with LIVE_UFFD_FEATURES (plus want_extra where the
 * kernel has them). 0 with *features as enabled; -EOPNOTSUPP when the
 * kernel has no write-protect support.
 */
int live_uffd_api(int fd, uint64_t want_extra, uint64_t *features);

/* UFFDIO_REGISTER in write-protect mode. 0, -EINVAL (not anonymous...), -EBUSY (another userfaultfd)... */
int live_uffd_register(int fd, uint64_t addr, uint64_t len);
int live_uffd_unregister(int fd, uint64_t addr, uint64_t len);
/*
 * UFFDIO_WRITEPROTECT on or off; off wakes the threads waiting in the
 * range. -EAGAIN while an unmap/remove/remap event waits to be read.
 */
int live_uffd_protect(int fd, uint64_t addr, uint64_t len, bool on);
/* Wake threads waiting on a range (after another path already lifted the protection). */
int live_uffd_wake(int fd, uint64_t addr, uint64_t len);

#endif
