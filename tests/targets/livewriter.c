// SPDX-License-Identifier: MIT
/*
 * Target for live dumps (tests/integration/test_live.py): it keeps writing
 * its memory during the dump, in a way that lets a core be checked for
 * being of one moment.
 *
 * A writer thread makes passes over a region of --mb MiB of private
 * anonymous memory. Its i-th page write (counting from 0) writes
 * generation i / P (P pages), plus GEN_BASE so that no page is ever zero
 * (a hole in a core), into the first and the last word of page
 * perm(i % P), a scrambled order (perm(j) = j * K mod P), and then sets
 * ctl->progress = i + 1 (ctl is a page of its own; g_progress, in .bss,
 * follows it). Generation 0, every page, is written before "ready". A
 * core of one moment with progress N therefore has, at position j of the
 * pass, generation N / P for j < N % P and N / P - 1 above, except the
 * page of write N, which may hold N / P already (in whole or in part).
 * --rate N: N pages per millisecond (0: as fast as it can). --thp: the
 * region in transparent huge pages (else 4 KiB pages). --shmem: a second
 * region of the same size, MAP_SHARED|MAP_ANONYMOUS (shmem), and --hugetlb
 * a third, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB (2 MiB pages: --mb must be
 * even and vm.nr_hugepages big enough), each written like the first one,
 * at the same page with the same generation, before the progress counter
 * ("shmem" and "huge" in the info line, 0 when absent). --hugetlb-shared:
 * the third one MAP_SHARED instead. --memfd: the
 * shared region is a memfd instead, its fd closed once mapped unless
 * --keep-fd. --shmem-child: a child forked at start shares the shared
 * region (it only sleeps; it dies with us).
 *
 * Commands on stdin, each answered with one line:
 *   readbuf         read(0) 64 bytes into a page written before the dump,
 *                   then reads the next line into it: "readbuf N ERRNO TEXT"
 *   dontneed A N    madvise(MADV_DONTNEED) N pages of the region from page A
 *   munmap A N      munmap the same
 *   mremap A N      move them to a free address
 *   fork            fork a child that writes every page (of the shared region
 *                   too), wait: "forked STATUS"
 *   progress        "progress N"
 *   stall           "stall US": the longest gap between two page writes
 *                   since the last "stall" (a stop, a wait on a fault)
 *   exec            exec /bin/sleep 60
 *   exit            exit(0)
 * --seccomp: a seccomp filter refuses userfaultfd (EPERM).
 * --own-uffd: the target registers a userfaultfd of its own (missing mode)
 *   on a 1 MiB region filled with 0x0E ("own" in the info line).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cue.h"

#define PS 4096ul
#define WORDS (PS / 8)
#define GEN_BASE 0x6e6500000000ull

struct ctl {
	volatile uint64_t progress;
};

struct ctl *ctl;
volatile uint64_t g_progress;
static uint64_t *region, *shmem, *huge;
static size_t pages, perm_k;
static long rate;
static volatile long long longest_gap_ns;
/* pages munmapped or moved away: the writer leaves them alone (under the lock) */
static size_t gone_first, gone_count;
static pthread_mutex_t gone_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t perm(size_t j)
{
	return (size_t)((unsigned __int128)j * perm_k % pages);
}

static void write_one(uint64_t *r, size_t page, uint64_t gen)
{
	volatile uint64_t *p = r + page * WORDS;

	p[0] = GEN_BASE + gen;
	p[WORDS - 1] = GEN_BASE + gen;
}

static void write_page(size_t page, uint64_t gen)
{
	write_one(region, page, gen);
	if (shmem)
		write_one(shmem, page, gen);
	if (huge)
		write_one(huge, page, gen);
}

/* A multiplier coprime with the page count: a permutation that jumps far each step. */
static size_t coprime_near(size_t n, size_t want)
{
	for (size_t k = want;; k++) {
		size_t a = n, b = k;

		while (b) {
			size_t t = a % b;

			a = b;
			b = t;
		}
		if (a == 1)
			return k;
	}
}

static void *writer(void *arg)
{
	long long next = mono_ns(), last = next;

	(void)arg;
	for (uint64_t i = pages;; i++) {
		size_t page = perm(i % pages);
		long long now = mono_ns();

		if (now - last > longest_gap_ns)
			longest_gap_ns = now - last;
		last = now;

		pthread_mutex_lock(&gone_lock);
		if (page < gone_first || page >= gone_first + gone_count)
			write_page(page, i / pages);
		pthread_mutex_unlock(&gone_lock);
		ctl->progress = i + 1;
		g_progress = i + 1;
		if (rate && (i + 1) % (uint64_t)rate == 0) {
			next += 1000000;
			while (mono_ns() < next)
				;
		}
	}
	return NULL;
}

static int refuse_userfaultfd(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_userfaultfd, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static void *own_uffd_region(void)
{
	size_t len = 1 << 20;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .range = { (uintptr_t)p, len }, .mode = UFFDIO_REGISTER_MODE_MISSING };

	if (p == MAP_FAILED || fd < 0)
		return NULL;
	memset(p, 0x0E, len); /* every page present: its own handler never gets a fault */
	if (ioctl(fd, UFFDIO_API, &api) < 0 || ioctl(fd, UFFDIO_REGISTER, &reg) < 0)
		return NULL;
	return p;
}

static void answer(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void answer(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	size_t mb = 64;
	int thp = 0, want_shmem = 0, want_huge = 0, memfd = 0, keep_fd = 0, shmem_child = 0;
	int huge_flags = MAP_PRIVATE;
	void *own = NULL;
	char *rbuf, *spare, line[256];
	pthread_t t;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mb") && i + 1 < argc)
			mb = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
			rate = strtol(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--thp"))
			thp = 1;
		else if (!strcmp(argv[i], "--shmem"))
			want_shmem = 1;
		else if (!strcmp(argv[i], "--memfd"))
			want_shmem = memfd = 1;
		else if (!strcmp(argv[i], "--keep-fd"))
			keep_fd = 1;
		else if (!strcmp(argv[i], "--shmem-child"))
			shmem_child = 1;
		else if (!strcmp(argv[i], "--hugetlb"))
			want_huge = 1;
		else if (!strcmp(argv[i], "--hugetlb-shared"))
			want_huge = 1, huge_flags = MAP_SHARED;
		else if (!strcmp(argv[i], "--own-uffd") && !(own = own_uffd_region()))
			return 3;
		else if (!strcmp(argv[i], "--seccomp") && refuse_userfaultfd() < 0)
			return 4;
	}
	pages = (mb << 20) / PS;
	perm_k = coprime_near(pages, pages / 3 + 1);
	region = mmap(NULL, pages * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ctl = mmap(NULL, PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rbuf = mmap(NULL, PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* reserved for mremap: a free place to move pages to */
	spare = mmap(NULL, pages * PS, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (region == MAP_FAILED || ctl == MAP_FAILED || rbuf == MAP_FAILED || spare == MAP_FAILED)
		return 1;
	if (want_shmem) {
		int fd = memfd ? memfd_create("livewriter", MFD_CLOEXEC) : -1;

		if (memfd && (fd < 0 || ftruncate(fd, (off_t)(pages * PS)) != 0))
			return 5;
		shmem = mmap(NULL, pages * PS, PROT_READ | PROT_WRITE,
			     MAP_SHARED | (memfd ? 0 : MAP_ANONYMOUS), fd, 0);
		if (shmem == MAP_FAILED)
			return 5;
		if (memfd && !keep_fd)
			close(fd);
		if (shmem_child && fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
	}
	if (want_huge) {
		huge = mmap(NULL, pages * PS, PROT_READ | PROT_WRITE,
			    huge_flags | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (huge == MAP_FAILED)
			return 6;
	}
	/* 4 KiB pages: each write fault is one page, and the test's figures are page counts */
	madvise(region, pages * PS, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	for (size_t p = 0; p < pages; p++)
		write_page(p, 0);
	memset(rbuf, 'r', PS);
	ctl->progress = g_progress = pages;
	pthread_create(&t, NULL, writer, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("info {\"region\":%lu,\"pages\":%zu,\"perm_k\":%zu,\"base\":%llu,\"ctl\":%lu,"
	       "\"rbuf\":%lu,\"own\":%lu,\"shmem\":%lu,\"huge\":%lu}\n",
	       (unsigned long)region, pages, perm_k, (unsigned long long)GEN_BASE, (unsigned long)ctl,
	       (unsigned long)rbuf, (unsigned long)own, (unsigned long)shmem, (unsigned long)huge);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		unsigned long a = 0, n = 0;

		line[strcspn(line, "\n")] = '\0';
		sscanf(line, "%*s %lu %lu", &a, &n);
		if (!strcmp(line, "readbuf")) {
			/* the kernel writes into a protected page: it must wait for the dump, not fail */
			ssize_t r = read(0, rbuf, 64);
			int e = r < 0 ? errno : 0;

			rbuf[r > 0 ? r - 1 : 0] = '\0';
			answer("readbuf %zd %d %s\n", r, e, rbuf);
		} else if (!strncmp(line, "dontneed ", 9)) {
			answer("dontneed %d\n", madvise(region + a * WORDS, n * PS, MADV_DONTNEED));
		} else if (!strncmp(line, "munmap ", 7)) {
			int r;

			pthread_mutex_lock(&gone_lock);
			gone_first = a;
			gone_count = n;
			r = munmap(region + a * WORDS, n * PS);
			pthread_mutex_unlock(&gone_lock);
			answer("munmap %d\n", r);
		} else if (!strncmp(line, "mremap ", 7)) {
			void *to;

			pthread_mutex_lock(&gone_lock);
			gone_first = a;
			gone_count = n;
			to = mremap(region + a * WORDS, n * PS, n * PS, MREMAP_MAYMOVE | MREMAP_FIXED,
				    spare + a * PS);
			pthread_mutex_unlock(&gone_lock);
			answer("mremap %d\n", to == MAP_FAILED ? -1 : 0);
		} else if (!strcmp(line, "fork")) {
			int status = -1;
			pid_t c = fork();

			if (c == 0) {
				for (size_t p = 0; p < pages; p++) {
					write_one(region, p, 0x7777777);
					if (shmem)
						write_one(shmem, p, 0x7777777);
				}
				_exit(0);
			}
			waitpid(c, &status, 0);
			answer("forked %d\n", status);
		} else if (!strcmp(line, "stall")) {
			answer("stall %lld\n", longest_gap_ns / 1000);
			longest_gap_ns = 0;
		} else if (!strcmp(line, "progress")) {
			answer("progress %llu\n", (unsigned long long)ctl->progress);
		} else if (!strcmp(line, "exec")) {
			execl("/bin/sleep", "sleep", "60", (char *)NULL);
			answer("exec failed %d\n", errno);
		} else if (!strcmp(line, "exit")) {
			exit(0);
		}
	}
	return 0;
}
