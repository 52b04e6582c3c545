// SPDX-License-Identifier: MIT
#include "core/snapshot.h"
#include "core/output.h"
#include "base/mono_clock.h"
#include "base/quiet_thread.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define HUGE_PAGE (2u << 20)
/* ring fault-in step: small enough that one slow step of huge pages costs little */
#define FAULT_STEP (HUGE_PAGE * 8)
#define FAULT_PACE_MIN_BYTES_PER_S (2.0 * (1u << 30))

bool snapshot_fault_pace_slow(uint64_t bytes, uint64_t ns)
{
	return (double)bytes * 1e9 < FAULT_PACE_MIN_BYTES_PER_S * (double)ns;
}

bool snapshot_switch_to_small_pages(uint64_t step_bytes, uint64_t step_ns, bool disk_bound)
{
	return !disk_bound && snapshot_fault_pace_slow(step_bytes, step_ns);
}

bool snapshot_fault_should_stop(uint64_t faulted, uint64_t elapsed_ns, uint64_t budget_ns,
				bool disk_bound)
{
	if (faulted < SNAPSHOT_SMALL_RING)
		return false;
	return elapsed_ns >= budget_ns || (disk_bound && snapshot_fault_pace_slow(faulted, elapsed_ns));
}

/*
 * How a paced ring starts: cautious where the host is likely to stop the
 * VM (freeze_watch_likely), else unlimited; CORETRAP_LIVE_PACE (a test
 * hook, docs/testing.md) says "cautious", "eager" or "off" (no pace).
 * -1 for off, else whether cautious.
 */
static int pace_mode(void)
{
	const char *v = getenv("CORETRAP_LIVE_PACE");

	if (v && !strcmp(v, "off"))
		return -1;
	if (v && !strcmp(v, "cautious"))
		return 1;
	if (v && !strcmp(v, "eager"))
		return 0;
	return freeze_watch_likely();
}

/* A paced writer's turn to write `bytes`: wait for the pace's booking. */
static void keep_pace(struct snapshot *s, size_t bytes)
{
	uint64_t wait;

	pthread_mutex_lock(&s->pace_lock);
	wait = write_pace_reserve(&s->pace, now_ns(), bytes);
	pthread_mutex_unlock(&s->pace_lock);
	if (wait) {
		struct timespec ts = { (time_t)(wait / 1000000000ull), (long)(wait % 1000000000ull) };

		nanosleep(&ts, NULL);
	}
}

/* SNAPSHOT_FAULT_BUDGET_NS, or CORETRAP_RING_FAULT_BUDGET_MS (a test hook: README). */
static uint64_t fault_budget_ns(void)
{
	const char *v = getenv("CORETRAP_RING_FAULT_BUDGET_MS");
	char *end;
	unsigned long long ms;

	if (!v || !*v)
		return SNAPSHOT_FAULT_BUDGET_NS;
	errno = 0;
	ms = strtoull(v, &end, 10);
	return (errno || *end) ? SNAPSHOT_FAULT_BUDGET_NS : ms * 1000 * 1000;
}

static bool page_is_zero(const unsigned char *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)p;
	uint64_t acc = 0;

	/* most non-zero pages differ at one end: skip the full scan for them */
	if (w[0] | w[len / 8 - 1])
		return false;
	for (size_t i = 0; i < len / 8; i++)
		acc |= w[i];
	return acc == 0;
}

int core_write_window(int fd, const unsigned char *state, const unsigned char *base, size_t npages,
		      size_t ps, bool packed, uint64_t file_off, uint64_t *data_bytes)
{
	size_t k = 0; /* slot of page p when packed */

	for (size_t p = 0; p < npages;) {
		const unsigned char *src = base + (packed ? k : p) * ps;
		size_t r;
		int err;

		if (state[p] != PG_READY || page_is_zero(src, ps)) {
			k += state[p] != PG_HOLE;
			p++;
			continue;
		}
		/* READY pages in a row have consecutive slots: one write per run */
		for (r = p + 1; r < npages && state[r] == PG_READY && !page_is_zero(src + (r - p) * ps, ps);
		     r++)
			;
		err = core_output_pwrite(fd, src, (r - p) * ps, file_off + p * ps);
		if (err)
			return err;
		*data_bytes += (r - p) * ps;
		k += r - p;
		p = r;
	}
	return 0;
}

bool snapshot_prefer_direct(uint64_t estimate, uint64_t dirty_headroom)
{
	return estimate > SNAPSHOT_SMALL_RING || estimate > dirty_headroom;
}

uint64_t snapshot_ring_size(uint64_t estimate, uint64_t mem_available, uint64_t dirty_headroom,
			    bool direct)
{
	uint64_t want;

	if (!direct)
		want = estimate + estimate / 16 + (16ull << 20);
	else if (estimate <= dirty_headroom)
		want = estimate / 4 * 3;
	else
		want = estimate / 2;

	if (want < SNAPSHOT_SMALL_RING)
		want = SNAPSHOT_SMALL_RING;
	return want < mem_available / 2 ? want : mem_available / 2;
}

static void *writer_main(void *arg)
{
	struct snapshot *s = arg;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct snap_window w;
		size_t idx;
		uint64_t bytes = 0;
		int err;

		while (s->nclaimed == s->nwins && !s->copy_done && !s->abort && !s->err)
			pthread_cond_wait(&s->cond, &s->lock);
		if (s->abort || s->err || s->nclaimed == s->nwins)
			break;
		idx = s->nclaimed++;
		w = s->wins[idx];
		pthread_mutex_unlock(&s->lock);

		if (s->paced)
			keep_pace(s, w.bytes);
		err = (s->interrupted && *s->interrupted) ? -EINTR
			: core_write_window(s->out_fd, w.state, w.data, w.npages, s->page_size, true,
					    w.file_off, &bytes);
		free(w.state);

		pthread_mutex_lock(&s->lock);
		/*
		 * Once the copy is over the ring is not reused: give written
		 * memory back, as the kernel's dirty-page limits shrink with
		 * free memory and would throttle the rest of our writes.
		 */
		if (s->copy_done)
			madvise(w.data, w.bytes, MADV_DONTNEED);
		s->data_bytes += bytes;
		if (err && !s->err)
			s->err = err;
		s->wins[idx].written = true;
		s->wins[idx].state = NULL;
		while (s->nwritten < s->nclaimed && s->wins[s->nwritten].written)
			s->nwritten++;
		pthread_cond_broadcast(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int snapshot_start(struct snapshot *s, int out_fd, size_t page_size, volatile int *interrupted,
		   uint64_t bytes, unsigned writers, bool disk_bound, bool paced)
{
	size_t len = (size_t)((bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE);
	unsigned char *p;
	uint64_t t0, budget;
	int err, mode;

	memset(s, 0, sizeof(*s));
	s->out_fd = out_fd;
	s->page_size = page_size;
	s->interrupted = interrupted;
	if (len == 0)
		return 0;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->inited = true;
	p = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	s->map = p;
	s->map_len = len + HUGE_PAGE;
	/* 2 MiB aligned so transparent huge pages back it: few faults, fast copies */
	s->ring = (unsigned char *)(((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	s->ring_len = len;
	madvise(s->ring, len, MADV_HUGEPAGE);
	/*
	 * Fault it all in now, before the target is stopped; in steps, so
	 * Ctrl-C is not held up and slow huge pages are noticed early.
	 */
	budget = fault_budget_ns();
	t0 = now_ns();
	s->wanted_len = len;
	for (size_t at = 0, n; at < len; at += n) {
		uint64_t t = now_ns();

		if (snapshot_fault_should_stop(at, t - t0, budget, disk_bound)) {
			s->ring_len = at; /* the rest stays untouched, never used */
			break;
		}
		n = len - at < FAULT_STEP ? len - at : FAULT_STEP;
		if (interrupted && *interrupted) {
			snapshot_fini(s);
			return -EINTR;
		}
		if (madvise(s->ring + at, n, MADV_POPULATE_WRITE) < 0)
			for (size_t i = 0; i < n; i += page_size)
				s->ring[at + i] = 0;
		if (!s->small_pages && at + n < len && snapshot_switch_to_small_pages(n, now_ns() - t, disk_bound)) {
			madvise(s->ring + at + n, len - at - n, MADV_NOHUGEPAGE);
			s->small_pages = true;
		}
	}
	s->fault_ns = now_ns() - t0;
	/* before the writers, which read s->paced; without a watchdog, unpaced */
	if (paced && (mode = pace_mode()) >= 0) {
		pthread_mutex_init(&s->pace_lock, NULL);
		write_pace_init(&s->pace, mode, now_ns());
		s->paced = freeze_watch_start(&s->watch, &s->pace, &s->pace_lock) == 0;
		if (!s->paced)
			pthread_mutex_destroy(&s->pace_lock);
	}
	if (writers < 1 || writers > SNAPSHOT_MAX_WRITERS)
		writers = 1;
	for (; s->nwriters < writers; s->nwriters++) {
		err = quiet_thread_create(&s->writers[s->nwriters], NULL, writer_main, s);
		if (err)
			break;
	}
	if (!s->nwriters) {
		snapshot_fini(s);
		return -err;
	}
	s->running = true;
	return 0;
}

/* Start of a free run of `bytes` in the ring, or NULL while there is none. Under lock. */
static unsigned char *ring_room(const struct snapshot *s, size_t bytes)
{
	const struct snap_window *oldest, *newest;
	unsigned char *end = s->ring + s->ring_len, *head;

	if (s->nwritten == s->nwins)
		return bytes <= s->ring_len ? s->ring : NULL;
	oldest = &s->wins[s->nwritten];
	newest = &s->wins[s->nwins - 1];
	head = newest->data + newest->bytes;
	if (newest->data >= oldest->data) {
		/* in use: [oldest, head); free: [head, end) and [ring, oldest) */
		if (head + bytes <= end)
			return head;
		return s->ring + bytes <= oldest->data ? s->ring : NULL;
	}
	/* wrapped: in use [oldest, end) and [ring, head); free: [head, oldest) */
	return head + bytes <= oldest->data ? head : NULL;
}

unsigned char *snapshot_alloc(struct snapshot *s, size_t bytes, int *err)
{
	unsigned char *p = NULL;

	*err = 0;
	if (!s->running)
		return NULL;
	pthread_mutex_lock(&s->lock);
	while (!s->err && !(p = ring_room(s, bytes)))
		pthread_cond_wait(&s->cond, &s->lock);
	*err = s->err;
	pthread_mutex_unlock(&s->lock);
	return *err ? NULL : p;
}

int snapshot_queue(struct snapshot *s, const unsigned char *state, size_t npages,
		   unsigned char *data, size_t bytes, uint64_t file_off)
{
	struct snap_window w = { file_off, npages, malloc(npages), data, bytes, false };
	int err = 0;

	if (!w.state)
		return -ENOMEM;
	memcpy(w.state, state, npages);
	pthread_mutex_lock(&s->lock);
	if (s->nwins == s->capwins) {
		size_t cap = s->capwins ? s->capwins * 2 : 256;
		struct snap_window *v = realloc(s->wins, cap * sizeof(*v));

		if (v) {
			s->wins = v;
			s->capwins = cap;
		} else {
			err = -ENOMEM;
		}
	}
	if (!err) {
		s->wins[s->nwins++] = w;
		pthread_cond_broadcast(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	if (err)
		free(w.state);
	return err;
}

/* Give back the part of the ring that holds no unwritten window. Under lock. */
static void release_free(const struct snapshot *s)
{
	const struct snap_window *oldest, *newest;
	unsigned char *end = s->ring + s->ring_len, *head;

	if (s->nwritten == s->nwins) {
		madvise(s->ring, s->ring_len, MADV_DONTNEED);
		return;
	}
	oldest = &s->wins[s->nwritten];
	newest = &s->wins[s->nwins - 1];
	head = newest->data + newest->bytes;
	if (newest->data >= oldest->data) {
		madvise(head, (size_t)(end - head), MADV_DONTNEED);
		madvise(s->ring, (size_t)(oldest->data - s->ring), MADV_DONTNEED);
	} else {
		madvise(head, (size_t)(oldest->data - head), MADV_DONTNEED);
	}
}

static void stop_writer(struct snapshot *s, bool abort)
{
	if (!s->running)
		return;
	pthread_mutex_lock(&s->lock);
	s->copy_done = true;
	s->abort = s->abort || abort;
	/* written and not to be reused: give it back now, the rest as it is written */
	if (!abort)
		release_free(s);
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	for (unsigned i = 0; i < s->nwriters; i++)
		pthread_join(s->writers[i], NULL);
	s->nwriters = 0;
	s->running = false;
	freeze_watch_stop(&s->watch);
}

uint64_t snapshot_pending_floor(struct snapshot *s)
{
	uint64_t floor = UINT64_MAX;

	if (!s->inited)
		return floor;
	pthread_mutex_lock(&s->lock);
	/* FIFO order is not file order (a live dump queues what it copies in the pause first) */
	for (size_t w = s->nwritten; w < s->nwins; w++)
		if (!s->wins[w].written && s->wins[w].file_off < floor)
			floor = s->wins[w].file_off;
	pthread_mutex_unlock(&s->lock);
	return floor;
}

int snapshot_finish(struct snapshot *s)
{
	stop_writer(s, false);
	return s->err;
}

void snapshot_fini(struct snapshot *s)
{
	stop_writer(s, true);
	if (s->paced) {
		freeze_watch_stop(&s->watch);
		pthread_mutex_destroy(&s->pace_lock);
		s->paced = false;
	}
	if (s->inited) {
		pthread_cond_destroy(&s->cond);
		pthread_mutex_destroy(&s->lock);
		s->inited = false;
	}
	for (size_t w = s->nwritten; w < s->nwins; w++)
		free(s->wins[w].state); /* NULL once written */
	free(s->wins);
	if (s->map)
		munmap(s->map, s->map_len);
	s->map = s->ring = NULL;
	s->wins = NULL;
	s->nwins = s->nwritten = s->nclaimed = s->capwins = 0;
}
