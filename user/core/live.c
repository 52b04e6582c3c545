// SPDX-License-Identifier: MIT
/* Live dumps: protect in the pause, copy while the target runs; see live.h. */
#include "core/live.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/live_protect.h"
#include "core/output.h"
#include "core/live_threads.h"
#include "core/live_uffd.h"
#include "base/pagemap.h"
#include "base/proc.h"
#include "base/proc_read.h"

#define CAP_SYS_PTRACE_BIT 19

static void sleep_ns(long ns)
{
	struct timespec d = { 0, ns };

	nanosleep(&d, NULL);
}

/* Whether this kernel has userfaultfd write-protection, asked once with a userfaultfd of our own. */
static int kernel_support(void)
{
	static int known = 1; /* 1: not asked yet */
	uint64_t features;
	int fd;

	if (known != 1)
		return known;
	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		/* refused to us (not root, seccomp) tells nothing about the kernel: let the target try */
		known = errno == ENOSYS ? -ENOSYS : 0;
		return known;
	}
	known = live_uffd_api(fd, 0, &features);
	close(fd);
	return known;
}

static long read_number(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* Default action "core" in signal(7): the signal ends the process unless it is handled. */
static bool crash_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGABRT || sig == SIGBUS || sig == SIGFPE || sig == SIGILL ||
	       sig == SIGTRAP || sig == SIGSYS || sig == SIGQUIT || sig == SIGXCPU || sig == SIGXFSZ;
}

/* The test hook CORETRAP_LIVE_<name>=1, which makes this kernel look as if it lacked a feature. */
static bool pretend_without(const char *name)
{
	char var[64];
	const char *v;

	snprintf(var, sizeof(var), "CORETRAP_LIVE_%s", name);
	v = getenv(var);
	return v && !strcmp(v, "1");
}

/* Test hooks with a number: CORETRAP_LIVE_<name>=N, or -1 when unset. */
static long long test_number(const char *name)
{
	char var[64];
	const char *v;

	snprintf(var, sizeof(var), "CORETRAP_LIVE_%s", name);
	v = getenv(var);
	return v && *v ? strtoll(v, NULL, 10) : -1;
}

bool core_live_possible(pid_t pid, int held_signal, char *why, size_t why_len)
{
	uint64_t caps = 0;
	/* test hook: a kernel whose userfaultfd has no write-protect (before 5.7) */
	int err = pretend_without("NO_WP") ? -EOPNOTSUPP : kernel_support();

	/*
	 * A crash: another thread left running could end the process (exit,
	 * a second fault) before its memory is copied, and nobody is served
	 * by keeping a dying process running. It stays stopped whole.
	 */
	if (crash_signal(held_signal)) {
		snprintf(why, why_len, "a crash (signal %d): the whole process stays stopped", held_signal);
		return false;
	}

	if (err) {
		snprintf(why, why_len, "%s", err == -ENOSYS ? "kernel without userfaultfd"
							     : "kernel without userfaultfd write-protect");
		return false;
	}
	if (proc_thread_seccomp(pid, pid) > 0) {
		snprintf(why, why_len, "the target runs under seccomp");
		return false;
	}
	/*
	 * userfaultfd() runs as the target: a handler of kernel faults needs
	 * CAP_SYS_PTRACE there, or vm.unprivileged_userfaultfd=1. Known
	 * before the stop, so the stop-the-world dump gets its full ring.
	 */
	if (proc_cap_eff(pid, &caps) == 0 && !(caps & (1ull << CAP_SYS_PTRACE_BIT)) &&
	    read_number("/proc/sys/vm/unprivileged_userfaultfd") != 1) {
		snprintf(why, why_len, "userfaultfd() would be refused in the target: it lacks "
				       "CAP_SYS_PTRACE and vm.unprivileged_userfaultfd is 0");
		return false;
	}
	return true;
}

/* Whether the handshake enabled write-protect of hugetlb memory. */
static bool wp_hugetlb(const struct core_live *lv)
{
	return (lv->features & LIVE_UFFD_FEATURE_WP_SHMEM) != 0;
}

/*
 * Shared memory is protected only when the copy in the pause it saves is
 * worth a look at every process (proc_holders.h): from 4 MiB resident.
 */
#define SHARED_WORTH_BYTES (4ull << 20)

/* Whether m is shared memory found to be the target's alone, and no fork has shared it since. */
static bool lone_shared(const struct core_live *lv, const struct mapping *m)
{
	if (atomic_load(&lv->fault.forked))
		return false;
	for (size_t i = 0; i < lv->nshared; i++)
		if (lv->shared[i].inode == m->inode && !strcmp(lv->shared[i].path, m->path))
			return !lv->shared[i].elsewhere;
	return false;
}

/* What live_route may do with m here. */
static unsigned route_can(const struct core_live *lv, const struct mapping *m)
{
	return (wp_hugetlb(lv) ? LIVE_CAN_WP_HUGETLB : 0) |
	       (lone_shared(lv, m) ? LIVE_CAN_WP_SHARED : 0);
}

/* The page size protection goes by: a hugetlb mapping's huge page, else 0 (the base page). */
static uint64_t range_page(const struct mapping *m, size_t page_size)
{
	uint64_t b = m->kpage_kb * 1024;

	return b > page_size ? b : 0;
}

/*
 * The fault handler copies a page of shared memory from the object itself
 * (live_plan.h): map_files reaches it even unlinked, as the reader does.
 */
static int open_shared(const struct core_live *lv, const struct mapping *m, struct live_range *r)
{
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "map_files/%llx-%llx", (unsigned long long)m->start,
		 (unsigned long long)m->end);
	fd = proc_open(lv->pid, 0, name, O_RDONLY);
	if (fd < 0)
		return fd;
	r->shared = true;
	r->fd = fd;
	r->file_pos = m->offset + (r->vaddr - m->start);
	return 0;
}

/* Each segment's route and the list of those to protect. */
static int plan(struct core_live *lv)
{
	size_t n = lv->maps->n;

	lv->route = calloc(n ? n : 1, sizeof(*lv->route));
	lv->ranges = calloc(n ? n : 1, sizeof(*lv->ranges));
	if (!lv->route || !lv->ranges)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct elfcore_segment *s = &lv->segs[i];

		const struct mapping *m = &lv->maps->v[i];
		struct live_range r = { s->vaddr, s->filesz, s->offset, range_page(m, lv->cm->page_size),
					false, -1, 0 };

		lv->route[i] = live_route(m, s->filesz, route_can(lv, m));
		if (lv->route[i] != LIVE_PROTECT)
			continue;
		if ((m->perms & MAP_PERM_SHARED) && open_shared(lv, m, &r) != 0) {
			lv->route[i] = (m->perms & MAP_PERM_W) ? LIVE_IN_PAUSE : LIVE_AFTER;
			continue;
		}
		lv->ranges[lv->nranges++] = r;
	}
	return 0;
}

/*
 * Ranges UFFDIO_REGISTER refused (len 0) leave the list: their segments
 * are copied in the pause if they can change, else after it.
 */
static void demote_refused(struct core_live *lv)
{
	size_t k = 0, seg = 0;

	for (size_t i = 0; i < lv->nranges; i++) {
		if (lv->ranges[i].len) {
			lv->ranges[k++] = lv->ranges[i];
			continue;
		}
		if (lv->ranges[i].shared)
			close(lv->ranges[i].fd);
		/* ranges and segments are both in address order */
		while (seg < lv->maps->n && lv->segs[seg].vaddr != lv->ranges[i].vaddr)
			seg++;
		if (seg < lv->maps->n)
			lv->route[seg] = (lv->maps->v[seg].perms & MAP_PERM_W) ? LIVE_IN_PAUSE : LIVE_AFTER;
	}
	lv->nranges = k;
}

static void free_shared(struct core_live *lv)
{
	for (size_t i = 0; i < lv->nshared; i++)
		free((char *)lv->shared[i].path);
	free(lv->shared);
	lv->shared = NULL;
	lv->nshared = 0;
}

/* Note a shared object the early protection covers, once; its resident size is added to *rss. */
static int note_shared(struct core_live *lv, const struct mapping *m, uint64_t *rss)
{
	char *path;

	/* smaps' Rss leaves hugetlb pages out: its size stands for them */
	*rss += (m->vmflags & VMF_HUGETLB) ? m->end - m->start : m->rss_kb * 1024;
	for (size_t i = 0; i < lv->nshared; i++)
		if (lv->shared[i].inode == m->inode && !strcmp(lv->shared[i].path, m->path))
			return 0;
	path = strdup(m->path);
	if (!path)
		return -ENOMEM;
	lv->shared[lv->nshared++] = (struct shared_object){ m->inode, path,
							    !strncmp(m->path, "/memfd:", 7), false };
	return 0;
}

/*
 * Before the pause: smaps as it is now (kept for core_live_read_maps),
 * and from it what to protect early: the private anonymous mappings the
 * filter dumps, and the shared memory that may turn out to be the
 * target's alone (lone_shared; looked at once it is registered, see
 * look_for_other_holders). The pause's own list is the one that counts;
 * this one only saves it work.
 */
static int early_ranges(struct core_live *lv, pid_t pid, unsigned long filter)
{
	int err = proc_read_maps(pid, true, &lv->before);
	bool may_share = (lv->features & LIVE_UFFD_FEATURE_WP_SHMEM) &&
			 (lv->features & LIVE_UFFD_FEATURE_EVENT_FORK);
	size_t cap = lv->before.n ? lv->before.n : 1, k = 0;
	uint64_t shared_rss = 0;

	if (err)
		return err;
	lv->early = calloc(cap, sizeof(*lv->early));
	lv->shared = calloc(cap, sizeof(*lv->shared));
	if (!lv->early || !lv->shared)
		return -ENOMEM;
	for (size_t i = 0; i < lv->before.n; i++) {
		const struct mapping *m = &lv->before.v[i];
		bool shared = (m->perms & MAP_PERM_SHARED) != 0;
		unsigned can = (wp_hugetlb(lv) ? LIVE_CAN_WP_HUGETLB : 0) | (may_share ? LIVE_CAN_WP_SHARED : 0);

		if (maps_dump_kind(m, filter) != DUMP_WHOLE || live_route(m, 1, can) != LIVE_PROTECT)
			continue;
		if (shared && note_shared(lv, m, &shared_rss) != 0)
			return -ENOMEM;
		lv->early[lv->nearly++] = (struct live_range){ m->start, m->end - m->start, 0,
							       range_page(m, lv->cm->page_size), shared,
							       -1, 0 };
	}
	if (shared_rss >= SHARED_WORTH_BYTES)
		return 0;
	/* not worth it: shared memory is copied in the pause */
	for (size_t i = 0; i < lv->nearly; i++)
		if (!lv->early[i].shared)
			lv->early[k++] = lv->early[i];
	lv->nearly = k;
	free_shared(lv);
	return 0;
}

/*
 * Whether the shared memory protected early is the target's alone. Asked
 * once it is registered: a fork from now on is heard of (the handler
 * notes it, and no shared memory is protected in the pause then), and a
 * child forked before maps it now. What cannot be answered counts as
 * held elsewhere.
 */
static void look_for_other_holders(struct core_live *lv, pid_t tgid)
{
	if (lv->nshared && proc_mark_other_holders(tgid, lv->shared, lv->nshared) != 0)
		for (size_t i = 0; i < lv->nshared; i++)
			lv->shared[i].elsewhere = true;
}

int core_live_read_maps(struct core_live *lv, pid_t pid, struct maps *out)
{
	int err;

	if (!lv->before.n)
		return -ENOENT;
	err = proc_read_maps(pid, false, out);
	if (!err)
		err = maps_merge_smaps(out, &lv->before);
	if (err)
		maps_free(out);
	return err;
}

/* Lift what is still protected (unregistering does), stop the handler, close the userfaultfd. */
static void teardown(struct core_live *lv)
{
	if (lv->uffd < 0)
		return;
	live_unregister_ranges(lv->uffd, lv->ranges, lv->nranges);
	live_unregister_ranges(lv->uffd, lv->early, lv->nearly);
	live_fault_stop(&lv->fault);
	close(lv->uffd);
	lv->uffd = -1;
	if (lv->fault_fd >= 0)
		close(lv->fault_fd);
	lv->fault_fd = -1;
}

/*
 * Lift every protection, stop the handler, close the userfaultfd (our only
 * reference: closing releases whatever is left). -ESRCH when the target's
 * mm is gone (it exited or exec'd): what was read may not be its memory.
 */
static int lift(struct core_live *lv)
{
	uint64_t e;

	if (lv->uffd < 0)
		return 0;
	teardown(lv);
	/* the pagemap fd was opened on the mm of the pause: it reads nothing once that mm is gone */
	if (lv->nranges &&
	    pread(lv->cm->pagemap_fd, &e, sizeof(e), (off_t)(lv->ranges[0].vaddr / lv->cm->page_size * 8)) !=
		    (ssize_t)sizeof(e))
		return -ESRCH;
	return 0;
}

/*
 * The fault handler's own way into the core: without O_DIRECT, so that a
 * page's write costs a copy into the page cache, not a wait behind the
 * ring's 8 MiB direct writes while the next fault waits for the handler.
 * The same file, opened anew (flags belong to the open file); the fd
 * itself when that fails.
 */
static int buffered_fd(int fd)
{
	char path[64];
	int flags = fcntl(fd, F_GETFL), nfd;

	if (flags < 0 || !(flags & O_DIRECT))
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, O_WRONLY | O_CLOEXEC);
	return nfd;
}

/*
 * Write-protect of hugetlb and shared memory where the kernel has it, and
 * the fork events that protecting shared memory needs. Test hook:
 * CORETRAP_LIVE_NO_WP_SHMEM=1 leaves them out of the handshake, as on a
 * kernel without them, so that such memory is copied in the pause.
 */
static uint64_t want_features(void)
{
	return pretend_without("NO_WP_SHMEM") ? 0 : LIVE_UFFD_FEATURE_WP_SHMEM | LIVE_UFFD_FEATURE_EVENT_FORK;
}

int core_live_prepare(struct core_live *lv, const struct core_live_target *t)
{
	long long pool;
	int err;

	memset(lv, 0, sizeof(*lv));
	lv->pid = t->mm_pid;
	lv->cm = t->cm;
	lv->uffd = lv->fault_fd = lv->scratch_fd = -1;
	lv->pm = calloc(CORE_CHUNK_BYTES / t->cm->page_size, sizeof(*lv->pm));
	if (!lv->pm) {
		snprintf(lv->why, sizeof(lv->why), "out of memory");
		return -ENOMEM;
	}
	err = live_threads_create_uffd(t->tgid, t->already_seized, t->keep_stopped, t->interrupted,
				       &lv->uffd, t->reinjected, lv->why, sizeof(lv->why));
	if (err)
		return err;
	if (live_uffd_api(lv->uffd, want_features(), &lv->features) < 0) {
		snprintf(lv->why, sizeof(lv->why), "kernel without userfaultfd write-protect");
		goto fail;
	}
	err = -pthread_mutex_init(&lv->lock, NULL);
	if (err) {
		snprintf(lv->why, sizeof(lv->why), "cannot set up the fault handler: %s", strerror(-err));
		goto fail;
	}
	lv->lock_inited = true;
	/*
	 * Without PAGEMAP_SCAN (before 6.7) the pause protects everything
	 * itself: nothing to gain early. Test hook: CORETRAP_LIVE_NO_SCAN=1.
	 */
	lv->scan = !pretend_without("NO_SCAN") && live_can_scan(t->cm->pagemap_fd);
	if (lv->scan && early_ranges(lv, t->mm_pid, t->filter) != 0) {
		lv->nearly = 0;
		free_shared(lv);
	}
	lv->fault_fd = buffered_fd(t->cm->out_fd);
	/* a direct core only: a buffered one takes scattered pages into the page cache cheaply */
	if (lv->fault_fd >= 0 && t->dir)
		lv->scratch_fd = open(t->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	pool = test_number("POOL_PAGES");
	/* tracking lifts a fault's protection by the page size of its range: hugetlb by huge pages */
	lv->fault = (struct live_fault){ .uffd = lv->uffd,
					 .out_fd = lv->fault_fd >= 0 ? lv->fault_fd : t->cm->out_fd,
					 .pagemap_fd = t->cm->pagemap_fd, .pid = t->mm_pid,
					 .page_size = t->cm->page_size, .lock = &lv->lock,
					 .mode = LIVE_FAULT_TRACK, .ranges = lv->early,
					 .nranges = lv->nearly, .reader_done = &lv->reader_done,
					 .pool_pages = pool > 0 ? (unsigned)pool : 0, .stop_fd = -1 };
	err = live_fault_start(&lv->fault);
	if (err) {
		snprintf(lv->why, sizeof(lv->why), "cannot start the fault handler: %s", strerror(-err));
		goto fail;
	}
	if (lv->scan && lv->nearly) {
		/* it drops refused ranges from the list the handler looks huge pages up in */
		pthread_mutex_lock(&lv->lock);
		live_register_ranges(lv->uffd, lv->early, lv->nearly);
		pthread_mutex_unlock(&lv->lock);
		if (live_protect_ranges(lv->uffd, lv->early, lv->nearly, true) != 0)
			lv->scan = false; /* then the pause protects everything */
	}
	if (lv->scan)
		look_for_other_holders(lv, t->tgid);
	else
		free_shared(lv); /* without the early registration no fork would be heard of in time */
	return 0;
fail:
	teardown(lv);
	return err < 0 ? err : -EOPNOTSUPP;
}

/*
 * Hand the scratch file to the pool, with half the free space the core
 * leaves as its budget: parked copies must never be why the core itself
 * meets a full disk. Test hook: CORETRAP_LIVE_SCRATCH_PAGES=N, at most N
 * pages (0: none).
 */
static void give_scratch(struct core_live *lv)
{
	uint64_t budget = lv->spare_bytes / 2 / lv->cm->page_size;
	long long cap = test_number("SCRATCH_PAGES");
	int fd = lv->scratch_fd;

	if (fd < 0)
		return;
	lv->scratch_fd = -1;
	if (cap >= 0 && (uint64_t)cap < budget)
		budget = (uint64_t)cap;
	if (!budget) {
		close(fd);
		return;
	}
	live_pages_allow_scratch(&lv->fault.pages, fd, budget); /* owns fd, also when it fails */
}

int core_live_begin(struct core_live *lv, const struct maps *maps, const struct elfcore_segment *segs)
{
	int err;

	if (lv->uffd < 0)
		return -EOPNOTSUPP; /* core_live_prepare said why */
	lv->maps = maps;
	lv->segs = segs;
	err = plan(lv);
	if (err)
		return err;
	if (!lv->nranges) {
		snprintf(lv->why, sizeof(lv->why), "no private anonymous memory to write-protect");
		teardown(lv);
		return -EOPNOTSUPP;
	}
	/* registered before the pause already, mostly: again is harmless, and covers new mappings */
	err = live_register_ranges(lv->uffd, lv->ranges, lv->nranges);
	demote_refused(lv);
	if (!lv->nranges) {
		snprintf(lv->why, sizeof(lv->why), "UFFDIO_REGISTER refused every range: %s",
			 strerror(-err));
		teardown(lv);
		return -EOPNOTSUPP;
	}
	give_scratch(lv);
	/*
	 * Copy from now on; then protect again what was written since the
	 * first protection (its fault lifted it) or populated since: after
	 * the switch no fault lifts a protection without a copy.
	 */
	live_fault_copy(&lv->fault, lv->ranges, lv->nranges);
	err = lv->scan ? live_reprotect_written(lv->uffd, lv->cm->pagemap_fd, lv->ranges, lv->nranges,
						lv->cm->page_size)
		       : live_protect_ranges(lv->uffd, lv->ranges, lv->nranges, true);
	if (err) {
		snprintf(lv->why, sizeof(lv->why), "cannot write-protect the target's memory: %s",
			 strerror(-err));
		teardown(lv);
		return -EOPNOTSUPP;
	}
	for (size_t i = 0; i < lv->nranges; i++)
		lv->protected_bytes += lv->ranges[i].len;

	/* What may change and cannot be protected is copied now, while stopped. */
	for (size_t i = 0; i < maps->n; i++) {
		if (lv->route[i] != LIVE_IN_PAUSE)
			continue;
		err = core_mem_dump_range(lv->cm, &maps->v[i], segs[i].vaddr, segs[i].filesz,
					  segs[i].offset);
		if (err)
			return err;
		lv->copied_in_pause++;
	}
	return 0;
}

/* The window after_copy works on: where each of its pages is copied to (core/memory.h). */
struct window {
	struct core_live *lv;
	uint64_t addr;
	unsigned char *state;
};

/*
 * A copy the fault handler took of a page of this window (core/live_pages.h).
 * The reader's own copy of a page it dropped (the handler lifted its
 * protection) is replaced by it; one it kept is as good (still protected
 * after the copy). A page that had no place in the window (swapped out
 * when the window was looked at, swapped in and written since) goes
 * straight to its place.
 */
static void merge_copy(void *arg, uint64_t addr, uint64_t off, const unsigned char *data)
{
	struct window *w = arg;
	struct core_mem *cm = w->lv->cm;
	size_t i = (size_t)((addr - w->addr) / cm->page_size);

	if (w->state[i] == PG_FAILED) {
		memcpy(cm->base + cm->off[i], data, cm->page_size);
		w->state[i] = PG_READY;
	} else if (w->state[i] == PG_HOLE) {
		int err = core_output_pwrite(cm->out_fd, data, cm->page_size, off);

		if (err)
			live_fault_fail(&w->lv->fault, err);
	}
}

/*
 * Lift the protection of a window the reader has copied, under the lock
 * (see live_fault.h), and take the handler's copies of its pages: after
 * the protection is gone no more can come.
 */
static int unprotect_window(struct window *w, size_t npages)
{
	struct core_live *lv = w->lv;
	uint64_t len = npages * lv->cm->page_size;

	for (int tries = 0;; tries++) {
		int err;

		pthread_mutex_lock(&lv->lock);
		err = live_uffd_protect(lv->uffd, w->addr, len, false);
		if (err != -EAGAIN) {
			/* -ENOENT: partly unmapped meanwhile, which the handler judges */
			live_pages_take(&lv->fault.pages, w->addr, w->addr + len, merge_copy, w);
			pthread_mutex_unlock(&lv->lock);
			return 0;
		}
		pthread_mutex_unlock(&lv->lock);
		/* an event waits for the handler, which may need the lock: let go and retry */
		if (tries > 50 * 1000)
			return -ETIMEDOUT;
		sleep_ns(100 * 1000);
	}
}

/*
 * core_mem_guard.after_copy: keep only the pages that were still
 * protected after their copy (then nobody let the target write them
 * before), then lift the window's protection and put in the copies the
 * fault handler took meanwhile.
 */
static int after_copy(void *arg, uint64_t addr, size_t npages, unsigned char *state)
{
	struct core_live *lv = arg;
	struct window w = { lv, addr, state };
	size_t ps = lv->cm->page_size;
	ssize_t n;
	int err = live_fault_status(&lv->fault);

	if (err)
		return err;
	n = pread(lv->cm->pagemap_fd, lv->pm, npages * sizeof(*lv->pm), (off_t)(addr / ps * 8));
	if (n <= 0)
		return -ESRCH; /* the mm of the pause is gone (exit, exec) */
	for (size_t i = 0; i < npages; i++) {
		uint64_t e = i < (size_t)n / sizeof(*lv->pm) ? lv->pm[i] : 0;

		/* still protected: mapped so, or (shared memory) a marker where it is not mapped */
		if (state[i] == PG_READY && !(e & PM_UFFD_WP))
			state[i] = PG_FAILED; /* the handler copied it, or the target dropped it */
	}
	/* copies parked in the scratch file: read back before the lock the handler needs */
	live_pages_take_parked(&lv->fault.pages, addr, addr + npages * ps, merge_copy, &w);
	err = unprotect_window(&w, npages);
	if (err)
		return err;
	atomic_store(&lv->reader_done, addr + npages * ps);
	return live_fault_status(&lv->fault);
}

/*
 * Test hooks: CORETRAP_LIVE_HOLD_MS, wait this long after the pause with
 * the protection on before copying; CORETRAP_LIVE_HOLD_FILE, a file
 * created when that wait begins (the target runs live from then on).
 */
static int hold(struct core_live *lv)
{
	const char *v = getenv("CORETRAP_LIVE_HOLD_MS"), *note = getenv("CORETRAP_LIVE_HOLD_FILE");
	long ms = v ? strtol(v, NULL, 10) : 0;

	if (note) {
		int fd = open(note, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

		if (fd >= 0)
			close(fd);
	}

	for (long i = 0; i < ms; i++) {
		int err = live_fault_status(&lv->fault);

		if (err)
			return err;
		if (lv->cm->interrupted && *lv->cm->interrupted)
			return -EINTR;
		sleep_ns(1000 * 1000);
	}
	return 0;
}

int core_live_finish(struct core_live *lv)
{
	struct core_mem_guard guard = { PM_PRESENT | PM_UFFD_WP, after_copy, lv };
	int err = hold(lv), lifted;

	for (size_t i = 0; !err && i < lv->maps->n; i++) {
		const struct elfcore_segment *s = &lv->segs[i];

		if (lv->route[i] == LIVE_PROTECT)
			err = core_mem_dump_range_guarded(lv->cm, &lv->maps->v[i], s->vaddr, s->filesz,
							  s->offset, &guard);
		else if (lv->route[i] == LIVE_AFTER)
			err = core_mem_dump_range(lv->cm, &lv->maps->v[i], s->vaddr, s->filesz, s->offset);
	}
	/* everything is copied: below UINT64_MAX nothing is at risk any more */
	atomic_store(&lv->reader_done, UINT64_MAX);
	lifted = lift(lv);
	if (!err)
		err = live_fault_status(&lv->fault);
	if (err == -EAGAIN)
		snprintf(lv->why, sizeof(lv->why), "%s", lv->fault.why);
	if (lifted && err != -EAGAIN)
		err = lifted; /* exited or exec'd: that explains any other error */
	return err;
}

uint64_t core_live_fault_pages(struct core_live *lv)
{
	return atomic_load(&lv->fault.copied_pages);
}

void core_live_spill_counts(const struct core_live *lv, uint64_t *parked, uint64_t *placed)
{
	*parked = lv->fault.pages.parked;
	*placed = lv->fault.pages.written;
}

void core_live_fini(struct core_live *lv)
{
	teardown(lv);
	if (lv->scratch_fd >= 0)
		close(lv->scratch_fd);
	lv->scratch_fd = -1;
	if (lv->lock_inited)
		pthread_mutex_destroy(&lv->lock);
	lv->lock_inited = false;
	for (size_t i = 0; lv->ranges && i < lv->nranges; i++)
		if (lv->ranges[i].shared && lv->ranges[i].fd >= 0)
			close(lv->ranges[i].fd);
	free_shared(lv);
	free(lv->route);
	free(lv->ranges);
	free(lv->early);
	free(lv->pm);
	maps_free(&lv->before);
	lv->route = NULL;
	lv->ranges = lv->early = NULL;
	lv->pm = NULL;
	lv->nranges = lv->nearly = 0;
}
