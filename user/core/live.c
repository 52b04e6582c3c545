// SPDX-License-Identifier: MIT
/* Live dumps: protect in the pause, copy while the target runs; see live.h. */
#include "core/live.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/pagemap.h"
#include "base/proc.h"

#define PM_UFFD_WP (1ull << 57)
#define CAP_SYS_PTRACE_BIT 19
/* How long the reader keeps retrying an unprotect while an event waits for the handler. */
#define EAGAIN_RETRY_NS (5ull * 1000 * 1000 * 1000)

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

bool core_live_possible(pid_t pid, char *why, size_t why_len)
{
	uint64_t caps = 0;
	int err = kernel_support();

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

		lv->route[i] = live_route(&lv->maps->v[i], s->filesz);
		if (lv->route[i] == LIVE_PROTECT)
			lv->ranges[lv->nranges++] = (struct live_range){ s->vaddr, s->filesz, s->offset };
	}
	return 0;
}

/* Segment index of a protected range (segments and ranges are both in address order). */
static size_t segment_of(const struct core_live *lv, uint64_t vaddr)
{
	for (size_t i = 0; i < lv->maps->n; i++)
		if (lv->segs[i].vaddr == vaddr)
			return i;
	return lv->maps->n;
}

/* A range that cannot be protected is copied in the pause if it can change, else after it. */
static void demote(struct core_live *lv, size_t r)
{
	size_t i = segment_of(lv, lv->ranges[r].vaddr);

	if (i < lv->maps->n)
		lv->route[i] = (lv->maps->v[i].perms & MAP_PERM_W) ? LIVE_IN_PAUSE : LIVE_AFTER;
	lv->ranges[r].len = 0; /* dropped by compact() */
}

static void compact(struct core_live *lv)
{
	size_t k = 0;

	for (size_t i = 0; i < lv->nranges; i++)
		if (lv->ranges[i].len)
			lv->ranges[k++] = lv->ranges[i];
	lv->nranges = k;
}

/*
 * Register and write-protect every range: a run of touching ranges at
 * once, range by range where the run is refused (another userfaultfd on
 * one of them: EBUSY). A refused range is demoted. Returns the last
 * refusal, for the debug line when nothing could be protected.
 */
static int protect_all(struct core_live *lv)
{
	int last = 0;

	for (size_t i = 0; i < lv->nranges;) {
		size_t end = live_run_end(lv->ranges, lv->nranges, i);
		uint64_t a = lv->ranges[i].vaddr;
		uint64_t len = lv->ranges[end - 1].vaddr + lv->ranges[end - 1].len - a;

		if (live_uffd_register(lv->uffd, a, len) == 0) {
			if (live_uffd_protect(lv->uffd, a, len, true) == 0) {
				i = end;
				continue;
			}
			live_uffd_unregister(lv->uffd, a, len);
		}
		for (; i < end; i++) {
			struct live_range *r = &lv->ranges[i];
			int err = live_uffd_register(lv->uffd, r->vaddr, r->len);

			if (!err) {
				err = live_uffd_protect(lv->uffd, r->vaddr, r->len, true);
				if (err)
					live_uffd_unregister(lv->uffd, r->vaddr, r->len);
			}
			if (err) {
				last = err;
				demote(lv, i);
			}
		}
	}
	compact(lv);
	return last;
}

static void unregister_all(struct core_live *lv)
{
	/* unregistering also lifts the protection and wakes every waiter (kernel 6.x) */
	for (size_t i = 0; i < lv->nranges;) {
		size_t end = live_run_end(lv->ranges, lv->nranges, i);
		uint64_t a = lv->ranges[i].vaddr;
		uint64_t len = lv->ranges[end - 1].vaddr + lv->ranges[end - 1].len - a;

		/* refused for a run partly unmapped meanwhile: range by range */
		if (live_uffd_unregister(lv->uffd, a, len) != 0)
			for (size_t k = i; k < end; k++)
				live_uffd_unregister(lv->uffd, lv->ranges[k].vaddr, lv->ranges[k].len);
		i = end;
	}
}

/*
 * Lift every protection, stop the handler, close the userfaultfd (our only
 * reference: closing releases whatever is left). -ESRCH when the target's
 * mm is gone (it exited or exec'd): what was read may not be its memory.
 */
static int lift(struct core_live *lv)
{
	uint64_t e;
	int err = 0;

	if (lv->uffd < 0)
		return 0;
	unregister_all(lv);
	live_fault_stop(&lv->fault);
	close(lv->uffd);
	lv->uffd = -1;
	/* the pagemap fd was opened on the mm of the pause: it reads nothing once that mm is gone */
	if (lv->nranges &&
	    pread(lv->cm->pagemap_fd, &e, sizeof(e), (off_t)(lv->ranges[0].vaddr / lv->cm->page_size * 8)) !=
		    (ssize_t)sizeof(e))
		err = -ESRCH;
	return err;
}

int core_live_begin(struct core_live *lv, pid_t pid, struct live_thread *threads, size_t nthreads,
		    struct core_mem *cm, const struct maps *maps, const struct elfcore_segment *segs)
{
	int err;

	memset(lv, 0, sizeof(*lv));
	lv->pid = pid;
	lv->cm = cm;
	lv->maps = maps;
	lv->segs = segs;
	lv->uffd = -1;
	err = plan(lv);
	if (err)
		return err;
	if (!lv->nranges) {
		snprintf(lv->why, sizeof(lv->why), "no private anonymous memory to write-protect");
		return -EOPNOTSUPP;
	}
	lv->pm = calloc(CORE_CHUNK_BYTES / cm->page_size, sizeof(*lv->pm));
	if (!lv->pm)
		return -ENOMEM;
	err = live_uffd_create(pid, threads, nthreads, &lv->uffd, lv->why, sizeof(lv->why));
	if (err)
		return -EOPNOTSUPP;
	if (live_uffd_api(lv->uffd, 0, &lv->features) < 0) {
		snprintf(lv->why, sizeof(lv->why), "kernel without userfaultfd write-protect");
		core_live_fini(lv);
		return -EOPNOTSUPP;
	}
	err = protect_all(lv);
	if (!lv->nranges) {
		snprintf(lv->why, sizeof(lv->why), "UFFDIO_REGISTER refused every range: %s",
			 strerror(-err));
		core_live_fini(lv);
		return -EOPNOTSUPP;
	}
	/*
	 * The handler starts once the ranges are final (it reads them
	 * unlocked). Nothing of the target runs yet; a write by the kernel on
	 * its behalf (AIO) waits the few microseconds until it does.
	 */
	err = pthread_mutex_init(&lv->lock, NULL);
	if (err) {
		core_live_fini(lv);
		return -err;
	}
	lv->lock_inited = true;
	lv->fault = (struct live_fault){ .uffd = lv->uffd, .out_fd = cm->out_fd,
					 .pagemap_fd = cm->pagemap_fd, .pid = cm->pid,
					 .page_size = cm->page_size, .ranges = lv->ranges,
					 .nranges = lv->nranges, .lock = &lv->lock,
					 .reader_done = &lv->reader_done, .stop_fd = -1 };
	err = live_fault_start(&lv->fault);
	if (err) {
		snprintf(lv->why, sizeof(lv->why), "cannot start the fault handler: %s", strerror(-err));
		core_live_fini(lv);
		return -EOPNOTSUPP;
	}
	for (size_t i = 0; i < lv->nranges; i++)
		lv->protected_bytes += lv->ranges[i].len;

	/* What may change and cannot be protected is copied now, while stopped. */
	for (size_t i = 0; i < maps->n; i++) {
		if (lv->route[i] != LIVE_IN_PAUSE)
			continue;
		err = core_mem_dump_range(cm, &maps->v[i], segs[i].vaddr, segs[i].filesz, segs[i].offset);
		if (err)
			return err;
		lv->copied_in_pause++;
	}
	return 0;
}

/* Lift the protection of a window the reader has copied, under the lock (see live_fault.h). */
static int unprotect_window(struct core_live *lv, uint64_t addr, uint64_t len)
{
	uint64_t waited = 0;

	for (;;) {
		int err;

		pthread_mutex_lock(&lv->lock);
		err = live_uffd_protect(lv->uffd, addr, len, false);
		pthread_mutex_unlock(&lv->lock);
		if (err != -EAGAIN)
			return 0; /* -ENOENT: partly unmapped meanwhile, which the handler judges */
		/* an event waits for the handler, which may need the lock: let go and retry */
		if (waited > EAGAIN_RETRY_NS)
			return -ETIMEDOUT;
		sleep_ns(100 * 1000);
		waited += 100 * 1000;
	}
}

/*
 * core_mem_guard.after_copy: keep only the pages that were still
 * protected after their copy (then nobody let the target write them
 * before), then lift the window's protection: its pages are in our hands.
 */
static int after_copy(void *arg, uint64_t addr, size_t npages, unsigned char *state)
{
	struct core_live *lv = arg;
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

		if (state[i] == PG_READY && !((e & PM_PRESENT) && (e & PM_UFFD_WP)))
			state[i] = PG_FAILED; /* the handler copied it, or the target dropped it */
	}
	err = unprotect_window(lv, addr, npages * ps);
	if (err)
		return err;
	atomic_store(&lv->reader_done, addr + npages * ps);
	return live_fault_status(&lv->fault);
}

/* CORETRAP_LIVE_HOLD_MS (a test hook): wait this long with the protection on before copying. */
static int hold(struct core_live *lv)
{
	const char *v = getenv("CORETRAP_LIVE_HOLD_MS");
	long ms = v ? strtol(v, NULL, 10) : 0;

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

void core_live_fini(struct core_live *lv)
{
	if (lv->uffd >= 0) {
		unregister_all(lv);
		live_fault_stop(&lv->fault);
		close(lv->uffd);
		lv->uffd = -1;
	}
	if (lv->lock_inited)
		pthread_mutex_destroy(&lv->lock);
	lv->lock_inited = false;
	free(lv->route);
	free(lv->ranges);
	free(lv->pm);
	lv->route = NULL;
	lv->ranges = NULL;
	lv->pm = NULL;
	lv->nranges = 0;
}
