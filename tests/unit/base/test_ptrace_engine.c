// SPDX-License-Identifier: MIT
/*
 * The ptrace engine's state machine against a scripted kernel: ptrace,
 * waitpid, the clock and the sleeps are wrapped (-Wl,--wrap, see the
 * Makefile), and the /proc task readers are defined here. Each test scripts
 * what every thread reports and checks the requests the engine made.
 */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/proc_task.h"
#include "base/ptrace_engine.h"

/* Wait statuses the way the kernel encodes them. */
#define ST_EXITED(code) (((code) & 0xff) << 8)
#define ST_KILLED(sig) (sig)
#define ST_STOPPED(sig, event) (0x7f | ((sig) << 8) | ((event) << 16))
#define ST_INTERRUPT ST_STOPPED(SIGTRAP, PTRACE_EVENT_STOP)

#define TGID 100
#define MAX_FAKES 8
#define MAX_CALLS 128
#define MAX_REPORTS 4

/* One thread (or task) of the scripted kernel. */
struct fake {
	pid_t tid;
	bool listed;        /* in /proc/TGID/task */
	bool zombie;
	pid_t tracer;       /* TracerPid, read when a seize fails with EPERM */
	int seize_errno, interrupt_errno, detach_errno, cont_errno, listen_errno;
	int reports[MAX_REPORTS]; /* what waitpid returns, in order; then "nothing yet" */
	int nreports, next;
	int silent_polls;   /* waitpid finds nothing this many times before the reports */
	bool echild_after;  /* once its reports are taken, waitpid fails with ECHILD */
	unsigned long eventmsg;
	pid_t listed_by_clone; /* set: the clone report makes this task appear in /proc */
	unsigned char set_regs[sizeof(elf_gregset_t)];
	bool regs_written;
};

struct call {
	long req;
	pid_t tid;
	long data;
};

static struct fake fakes[MAX_FAKES];
static int nfakes;
static struct call calls[MAX_CALLS];
static int ncalls;
static uint64_t fake_now_ns;
static bool process_gone;

static struct fake *fake_find(pid_t tid)
{
	for (int i = 0; i < nfakes; i++)
		if (fakes[i].tid == tid)
			return &fakes[i];
	return NULL;
}

static struct fake *fake_add(pid_t tid, bool listed)
{
	struct fake *f = &fakes[nfakes++];

	memset(f, 0, sizeof(*f));
	f->tid = tid;
	f->listed = listed;
	return f;
}

static void fake_reports(struct fake *f, int n, ...)
{
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		f->reports[f->nreports++] = va_arg(ap, int);
	va_end(ap);
}

static int reset(void **state)
{
	(void)state;
	nfakes = ncalls = 0;
	fake_now_ns = 1000000000ull;
	process_gone = false;
	return 0;
}

/* How many times req was made to tid; *data of the last one. */
static int calls_to(long req, pid_t tid, long *data)
{
	int n = 0;

	for (int i = 0; i < ncalls; i++)
		if (calls[i].req == req && calls[i].tid == tid) {
			n++;
			if (data)
				*data = calls[i].data;
		}
	return n;
}

static int index_of(long req, pid_t tid)
{
	for (int i = 0; i < ncalls; i++)
		if (calls[i].req == req && calls[i].tid == tid)
			return i;
	return -1;
}

static int calls_for(pid_t tid)
{
	int n = 0;

	for (int i = 0; i < ncalls; i++)
		n += calls[i].tid == tid;
	return n;
}

/* ---- the wrapped system calls ---- */

long __wrap_ptrace(enum __ptrace_request req, ...);
long __wrap_ptrace(enum __ptrace_request req, ...)
{
	va_list ap;
	pid_t tid;
	void *data;
	struct fake *f;
	int e = 0;

	va_start(ap, req);
	tid = va_arg(ap, pid_t);
	(void)va_arg(ap, void *);
	data = va_arg(ap, void *);
	va_end(ap);
	assert_true(ncalls < MAX_CALLS);
	calls[ncalls++] = (struct call){ req, tid, (long)data };
	f = fake_find(tid);
	if (!f) {
		errno = ESRCH;
		return -1;
	}
	switch ((int)req) {
	case PTRACE_SEIZE:
		assert_int_equal((long)data, PTRACE_O_TRACECLONE);
		e = f->seize_errno;
		break;
	case PTRACE_INTERRUPT:
		e = f->interrupt_errno;
		break;
	case PTRACE_DETACH:
		e = f->detach_errno;
		break;
	case PTRACE_CONT:
		e = f->cont_errno;
		break;
	case PTRACE_LISTEN:
		e = f->listen_errno;
		break;
	case PTRACE_GETEVENTMSG:
		*(unsigned long *)data = f->eventmsg;
		break;
	case PTRACE_GETREGSET: {
		struct iovec *iov = data;

		assert_true(iov->iov_len >= sizeof(elf_gregset_t));
		memset(iov->iov_base, tid & 0xff, sizeof(elf_gregset_t));
		iov->iov_len = sizeof(elf_gregset_t);
		break;
	}
	case PTRACE_SETREGSET: {
		struct iovec *iov = data;

		assert_int_equal(iov->iov_len, sizeof(elf_gregset_t));
		memcpy(f->set_regs, iov->iov_base, sizeof(f->set_regs));
		f->regs_written = true;
		break;
	}
	default:
		fail_msg("unexpected ptrace request %d", (int)req);
	}
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}

pid_t __wrap_waitpid(pid_t pid, int *status, int options);
pid_t __wrap_waitpid(pid_t pid, int *status, int options)
{
	struct fake *f = fake_find(pid);

	assert_true(options & __WALL);
	assert_true(options & WNOHANG);
	if (!f || (f->next == f->nreports && f->echild_after)) {
		errno = ECHILD;
		return -1;
	}
	if (f->silent_polls > 0) {
		f->silent_polls--;
		return 0;
	}
	if (f->next == f->nreports)
		return 0;
	*status = f->reports[f->next++];
	if (WIFEXITED(*status) || WIFSIGNALED(*status))
		f->listed = false; /* reaped: gone from /proc */
	if (f->listed_by_clone && (*status >> 16) == PTRACE_EVENT_CLONE)
		fake_find(f->listed_by_clone)->listed = true;
	return pid;
}

int __wrap_nanosleep(const struct timespec *req, struct timespec *rem);
int __wrap_nanosleep(const struct timespec *req, struct timespec *rem)
{
	(void)rem;
	fake_now_ns += (uint64_t)req->tv_sec * 1000000000ull + (uint64_t)req->tv_nsec;
	return 0;
}

int __wrap_sched_yield(void);
int __wrap_sched_yield(void)
{
	fake_now_ns += 1000;
	return 0;
}

int __wrap_clock_gettime(clockid_t clk, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clk, struct timespec *ts)
{
	assert_int_equal(clk, CLOCK_MONOTONIC);
	ts->tv_sec = (time_t)(fake_now_ns / 1000000000ull);
	ts->tv_nsec = (long)(fake_now_ns % 1000000000ull);
	return 0;
}

/* ---- the /proc seam ---- */

int proc_task_foreach(pid_t tgid, int (*fn)(pid_t tid, void *arg), void *arg)
{
	assert_int_equal(tgid, TGID);
	if (process_gone)
		return -ESRCH;
	for (int i = 0; i < nfakes; i++) {
		int r;

		if (!fakes[i].listed)
			continue;
		r = fn(fakes[i].tid, arg);
		if (r)
			return r;
	}
	return 0;
}

bool proc_task_exists(pid_t tgid, pid_t tid)
{
	struct fake *f = fake_find(tid);

	return tgid == TGID && f && f->listed;
}

bool proc_task_is_zombie(pid_t tgid, pid_t tid)
{
	struct fake *f = fake_find(tid);

	assert_int_equal(tgid, TGID);
	return !f || f->zombie;
}

pid_t proc_task_tracer(pid_t tgid, pid_t tid)
{
	struct fake *f = fake_find(tid);

	assert_int_equal(tgid, TGID);
	return f && f->listed ? f->tracer : -1;
}

/* A leader that stops when interrupted and a worker whose first report is worker_report (0: none). */
static void two_threads(struct fake **leader, struct fake **worker, int worker_report)
{
	*leader = fake_add(TGID, true);
	fake_reports(*leader, 1, ST_INTERRUPT);
	*worker = fake_add(TGID + 1, true);
	if (worker_report)
		fake_reports(*worker, 1, worker_report);
}

/* ---- the tests ---- */

static void seize_interrupt_and_detach(void **state)
{
	struct fake *a, *b;
	struct ptrace_set s;
	long data = -1;

	(void)state;
	two_threads(&a, &b, ST_INTERRUPT);
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_stop_all(&s, NULL), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(ptrace_set_stopped(&s), 2);
	for (pid_t tid = TGID; tid <= TGID + 1; tid++) {
		struct pt_thread *t = ptrace_set_find(&s, tid);

		assert_int_equal(t->state, PT_HELD);
		assert_int_equal(t->pending_sig, 0);
		assert_int_equal(calls_to(PTRACE_SEIZE, tid, NULL), 1);
		assert_int_equal(calls_to(PTRACE_INTERRUPT, tid, NULL), 1);
		assert_true(index_of(PTRACE_SEIZE, tid) < index_of(PTRACE_INTERRUPT, tid));
	}
	ptrace_release(&s);
	assert_int_equal(s.n, 0);
	for (pid_t tid = TGID; tid <= TGID + 1; tid++) {
		assert_int_equal(calls_to(PTRACE_DETACH, tid, &data), 1);
		assert_int_equal(data, 0); /* the interrupt stop is ours: nothing to hand back */
	}
	assert_int_equal(s.reinjected, 0);
	ptrace_set_free(&s);
}

/* The bug this engine fixes: a SIGTRAP delivery-stop is a real signal under SEIZE. */
static void sigtrap_delivery_stop_is_handed_back_on_detach(void **state)
{
	struct fake *a, *b;
	struct ptrace_set s;
	long data = 0;

	(void)state;
	two_threads(&a, &b, ST_STOPPED(SIGTRAP, 0));
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_stop_all(&s, NULL), 0);
	assert_int_equal(ptrace_set_find(&s, TGID + 1)->pending_sig, SIGTRAP);
	ptrace_release(&s);
	assert_int_equal(calls_to(PTRACE_DETACH, TGID + 1, &data), 1);
	assert_int_equal(data, SIGTRAP);
	assert_int_equal(calls_to(PTRACE_DETACH, TGID, &data), 1);
	assert_int_equal(data, 0);
	assert_int_equal(s.reinjected, 1);
	assert_int_equal(s.last_reinjected_sig, SIGTRAP);
	assert_int_equal(s.last_reinjected_tid, TGID + 1);
	ptrace_set_free(&s);
}

static void borrowed_set_hands_signals_back_and_leaves_the_callers_thread(void **state)
{
	struct fake *a, *b, *c;
	struct ptrace_set s;
	long data = 0;

	(void)state;
	a = fake_add(TGID, true);      /* the caller holds it at a signal's delivery */
	b = fake_add(TGID + 1, true);
	fake_reports(b, 1, ST_STOPPED(SIGTRAP, 0));
	c = fake_add(TGID + 2, true);
	fake_reports(c, 1, ST_INTERRUPT);
	(void)a;
	assert_int_equal(ptrace_set_borrow(&s, TGID, TGID), 0);
	assert_int_equal(ptrace_stop_all(&s, NULL), 0);
	assert_int_equal(ptrace_set_stopped(&s), 3);
	assert_int_equal(ptrace_set_find(&s, TGID)->state, PT_CALLER);
	ptrace_release(&s);
	assert_int_equal(calls_for(TGID), 0); /* never seized, interrupted or resumed by the set */
	assert_int_equal(calls_to(PTRACE_SEIZE, TGID + 1, NULL), 0);
	assert_int_equal(calls_to(PTRACE_CONT, TGID + 1, &data), 1);
	assert_int_equal(data, SIGTRAP);
	assert_int_equal(calls_to(PTRACE_CONT, TGID + 2, &data), 1);
	assert_int_equal(data, 0);
	assert_int_equal(calls_to(PTRACE_DETACH, TGID + 1, NULL) + calls_to(PTRACE_DETACH, TGID + 2, NULL), 0);
	assert_int_equal(s.reinjected, 1);
	ptrace_set_free(&s);
}

static void group_stop_goes_back_to_its_stop(void **state)
{
	struct fake *a, *b;
	struct ptrace_set s;
	long data = -1;

	(void)state;
	/* borrowed: PTRACE_LISTEN, never a plain restart */
	a = fake_add(TGID, true);
	b = fake_add(TGID + 1, true);
	fake_reports(b, 1, ST_STOPPED(SIGSTOP, PTRACE_EVENT_STOP));
	(void)a;
	assert_int_equal(ptrace_set_borrow(&s, TGID, TGID), 0);
	assert_int_equal(ptrace_stop_all(&s, NULL), 0);
	assert_true(ptrace_set_find(&s, TGID + 1)->group_stop);
	ptrace_release(&s);
	assert_int_equal(calls_to(PTRACE_LISTEN, TGID + 1, NULL), 1);
	assert_int_equal(calls_to(PTRACE_CONT, TGID + 1, NULL), 0);
	ptrace_set_free(&s);

	/* own: a detach without a signal; the kernel puts it back in the group-stop */
	reset(NULL);
	two_threads(&a, &b, ST_STOPPED(SIGTSTP, PTRACE_EVENT_STOP));
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_stop_all(&s, NULL), 0);
	ptrace_release(&s);
	assert_int_equal(calls_to(PTRACE_DETACH, TGID + 1, &data), 1);
	assert_int_equal(data, 0);
	assert_int_equal(calls_to(PTRACE_LISTEN, TGID + 1, NULL), 0);
	ptrace_set_free(&s);
}

static void listen_refused_falls_back_to_a_restart(void **state)
{
	struct ptrace_set s;
	struct fake *b;

	(void)state;
	fake_add(TGID, true);
	b = fake_add(TGID + 1, true);
	fake_reports(b, 1, ST_STOPPED(SIGSTOP, PTRACE_EVENT_STOP));
	b->listen_errno = EIO;
	assert_int_equal(ptrace_set_borrow(&s, TGID, TGID), 0);
	assert_int_equal(ptrace_stop_all(&s, NULL), 0);
	ptrace_release(&s);
	assert_int_equal(calls_to(PTRACE_LISTEN, TGID + 1, NULL), 1);
	assert_int_equal(calls_to(PTRACE_CONT, TGID + 1, NULL), 1); /* never left held */
	ptrace_set_free(&s);
}

static void clone_event_adds_the_new_thread(void **state)
{
	struct fake *a, *b, *c;
	struct ptrace_set s;

	(void)state;
	two_threads(&a, &b, ST_STOPPED(SIGTRAP, PTRACE_EVENT_CLONE));
	b->eventmsg = TGID + 2;
	b->listed_by_clone = TGID + 2;
	c = fake_add(TGID + 2, false);     /* listed once the clone happened */
	fake_reports(c, 1, ST_INTERRUPT);  /* an auto-attached thread's first stop */
	c->seize_errno = EPERM;            /* already ours: seizing it again fails */
	c->tracer = gettid();
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_stop_all(&s, NULL), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(ptrace_set_stopped(&s), 3);
	assert_int_equal(s.v[2].tid, TGID + 2);
	assert_true(s.v[2].ours);
	assert_int_equal(calls_to(PTRACE_SEIZE, TGID + 2, NULL), 0);
	assert_int_equal(ptrace_set_find(&s, TGID + 1)->pending_sig, 0);
	ptrace_release(&s);
	for (pid_t tid = TGID; tid <= TGID + 2; tid++)
		assert_int_equal(calls_to(PTRACE_DETACH, tid, NULL), 1);
	ptrace_set_free(&s);
}

static void auto_attached_thread_found_in_proc_is_ours(void **state)
{
	struct fake *a, *b;
	struct ptrace_set s;

	(void)state;
	two_threads(&a, &b, ST_INTERRUPT);
	b->seize_errno = EPERM; /* TRACECLONE attached it to us before the walk reached it */
	b->tracer = gettid();
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_stop_all(&s, NULL), 0);
	assert_true(ptrace_set_find(&s, TGID + 1)->ours);
	ptrace_release(&s);
	assert_int_equal(calls_to(PTRACE_DETACH, TGID + 1, NULL), 1);
	ptrace_set_free(&s);
}

static void clone_of_a_process_is_let_go_at_its_first_stop(void **state)
{
	struct fake *a, *b, *p;
	struct ptrace_set s;
	long data = -1;

	(void)state;
	two_threads(&a, &b, ST_STOPPED(SIGTRAP, PTRACE_EVENT_CLONE));
	b->eventmsg = 300;
	p = fake_add(300, false); /* not a thread of TGID: never listed */
	fake_reports(p, 1, ST_INTERRUPT);
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_stop_all(&s, NULL), 0);
	assert_null(ptrace_set_find(&s, 300));
	assert_int_equal(calls_to(PTRACE_DETACH, 300, &data), 1);
	assert_int_equal(data, 0);
	ptrace_release(&s);
	assert_int_equal(calls_to(PTRACE_DETACH, 300, NULL), 1);
	ptrace_set_free(&s);
}

static void thread_exiting_mid_stop_leaves_the_set(void **state)
{
	struct fake *a, *b, *c;
	struct ptrace_set s;

	(void)state;
	two_threads(&a, &b, 0);
	b->interrupt_errno = ESRCH; /* exiting: the interrupt cannot reach it */
	fake_reports(b, 1, ST_EXITED(0));
	c = fake_add(TGID + 2, true);
	c->echild_after = true; /* exited and reaped elsewhere */
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_stop_all(&s, NULL), 0);
	assert_null(ptrace_set_find(&s, TGID + 1));
	assert_int_equal(ptrace_set_find(&s, TGID + 2)->state, PT_GONE);
	assert_int_equal(ptrace_set_stopped(&s), 1);
	ptrace_release(&s);
	assert_int_equal(calls_to(PTRACE_DETACH, TGID + 1, NULL), 0);
	assert_int_equal(calls_to(PTRACE_DETACH, TGID + 2, NULL), 0);
	assert_int_equal(calls_to(PTRACE_DETACH, TGID, NULL), 1);
	ptrace_set_free(&s);
}

static void esrch_races(void **state)
{
	struct fake *a, *b, *c;
	struct ptrace_set s;

	(void)state;
	two_threads(&a, &b, 0);
	b->seize_errno = ESRCH;  /* exited between readdir and the seize */
	c = fake_add(TGID + 2, true);
	fake_reports(c, 2, ST_INTERRUPT, ST_KILLED(SIGKILL));
	c->detach_errno = ESRCH; /* killed while held: its exit must still be waited for */
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_stop_all(&s, NULL), 0);
	assert_int_equal(ptrace_set_find(&s, TGID + 1)->state, PT_GONE);
	assert_int_equal(calls_for(TGID + 1), 1); /* the seize only */
	ptrace_release(&s);
	assert_int_equal(c->next, 2); /* its exit was reaped: no traced zombie left */
	ptrace_set_free(&s);
}

static void zombie_leader_is_not_waited_for(void **state)
{
	struct fake *a, *b;
	struct ptrace_set s;

	(void)state;
	two_threads(&a, &b, 0);
	a->nreports = 0;
	a->seize_errno = EPERM; /* a zombie cannot be traced */
	a->zombie = true;
	fake_reports(b, 1, ST_INTERRUPT);
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_stop_all(&s, NULL), 0);
	assert_int_equal(ptrace_set_find(&s, TGID)->state, PT_GONE);
	assert_int_equal(ptrace_set_stopped(&s), 1);
	ptrace_release(&s);
	assert_int_equal(calls_to(PTRACE_DETACH, TGID, NULL), 0);
	assert_int_equal(calls_to(PTRACE_DETACH, TGID + 1, NULL), 1);
	ptrace_set_free(&s);
}

static void borrowed_zombie_leader_is_found_by_proc(void **state)
{
	struct fake *a, *b;
	struct ptrace_set s;
	uint64_t start = fake_now_ns;

	(void)state;
	a = fake_add(TGID, true); /* seized by the caller, then pthread_exit: never reports */
	a->zombie = true;
	b = fake_add(TGID + 1, true); /* the caller's thread */
	(void)b;
	assert_int_equal(ptrace_set_borrow(&s, TGID, TGID + 1), 0);
	assert_int_equal(ptrace_stop_all(&s, NULL), 0);
	assert_int_equal(ptrace_set_find(&s, TGID)->state, PT_GONE);
	assert_true(fake_now_ns - start >= 50ull * 1000000);  /* after the grace */
	assert_true(fake_now_ns - start < 1000ull * 1000000); /* long before the timeout */
	ptrace_release(&s);
	ptrace_set_free(&s);
}

static void another_tracer_is_eperm_and_undone(void **state)
{
	struct fake *a, *b;
	struct ptrace_set s;

	(void)state;
	two_threads(&a, &b, 0);
	b->seize_errno = EPERM;
	b->tracer = 4242; /* a debugger */
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_stop_all(&s, NULL), -EPERM);
	assert_int_equal(s.n, 0);
	assert_int_equal(calls_to(PTRACE_DETACH, TGID, NULL), 1); /* what was seized is let go */
	assert_int_equal(calls_to(PTRACE_INTERRUPT, TGID + 1, NULL), 0);
	ptrace_set_free(&s);

	reset(NULL);
	two_threads(&a, &b, 0);
	b->seize_errno = EPERM;
	b->tracer = 4242;
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_seize_all(&s), -EPERM);
	assert_int_equal(calls_to(PTRACE_DETACH, TGID, NULL), 1);
	ptrace_set_free(&s);
}

static void no_live_thread_is_esrch(void **state)
{
	struct ptrace_set s;

	(void)state;
	fake_add(TGID, true)->seize_errno = ESRCH;
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_stop_all(&s, NULL), -ESRCH);
	ptrace_set_free(&s);
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_seize_all(&s), -ESRCH);
	ptrace_set_free(&s);

	reset(NULL);
	process_gone = true;
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_stop_all(&s, NULL), -ESRCH);
	ptrace_set_free(&s);
}

static void silent_thread_times_out(void **state)
{
	struct fake *a, *b;
	struct ptrace_set s;
	uint64_t start = fake_now_ns;

	(void)state;
	two_threads(&a, &b, 0); /* b never reports and is no zombie: uninterruptible sleep */
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_stop_all(&s, NULL), -ETIMEDOUT);
	assert_true(fake_now_ns - start >= 5000ull * 1000000);
	assert_int_equal(calls_to(PTRACE_DETACH, TGID, NULL), 1);
	assert_int_equal(calls_to(PTRACE_DETACH, TGID + 1, NULL), 0); /* a running tracee cannot be */
	ptrace_set_free(&s);
}

static void interrupted_flag_abandons_the_stop(void **state)
{
	struct fake *a, *b;
	struct ptrace_set s;
	volatile int interrupted = SIGINT;
	long data = 0;

	(void)state;
	two_threads(&a, &b, 0);
	/* the first poll finds b silent; the release's wait then gets its delivery-stop */
	b->silent_polls = 1;
	fake_reports(b, 1, ST_STOPPED(SIGTRAP, 0));
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_stop_all(&s, &interrupted), -EINTR);
	assert_int_equal(calls_to(PTRACE_DETACH, TGID, NULL), 1);
	assert_int_equal(calls_to(PTRACE_INTERRUPT, TGID + 1, NULL), 1); /* not sent twice */
	assert_int_equal(calls_to(PTRACE_DETACH, TGID + 1, &data), 1);
	assert_int_equal(data, SIGTRAP);
	ptrace_set_free(&s);
}

static void release_of_a_seized_set_hands_back_what_the_interrupt_found(void **state)
{
	struct fake *a, *b;
	struct ptrace_set s;
	long data = 0;

	(void)state;
	two_threads(&a, &b, ST_STOPPED(SIGTRAP, 0)); /* a breakpoint hit just before our interrupt */
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_seize_all(&s), 0);
	assert_int_equal(ncalls, 2); /* two seizes, nothing stopped */
	assert_int_equal(s.v[0].state, PT_RUNNING);
	ptrace_release(&s);
	assert_int_equal(calls_to(PTRACE_INTERRUPT, TGID + 1, NULL), 1);
	assert_int_equal(calls_to(PTRACE_DETACH, TGID + 1, &data), 1);
	assert_int_equal(data, SIGTRAP);
	ptrace_set_free(&s);
}

static void note_status_drives_a_callers_wait_loop(void **state)
{
	struct fake *a, *b, *c;
	struct ptrace_set s;
	struct pt_thread *t;
	struct stop_desc d;
	long data = 0;

	(void)state;
	two_threads(&a, &b, 0);
	c = fake_add(TGID + 2, true); /* created later: not seen by the seize */
	c->seize_errno = EPERM;
	c->tracer = gettid();
	ptrace_set_init(&s, TGID);
	c->listed = false;
	assert_int_equal(ptrace_seize_all(&s), 0);
	c->listed = true;

	d = ptrace_note_status(&s, TGID + 1, ST_STOPPED(SIGUSR1, 0), &t);
	assert_int_equal(d.kind, STOP_SIGNAL);
	assert_int_equal(t->state, PT_HELD);
	assert_int_equal(t->pending_sig, SIGUSR1);
	assert_int_equal(ptrace_resume(&s, t), 0);
	assert_int_equal(calls_to(PTRACE_CONT, TGID + 1, &data), 1);
	assert_int_equal(data, SIGUSR1);
	assert_int_equal(t->state, PT_RUNNING);

	/* a new thread's first stop before its creator's clone event */
	d = ptrace_note_status(&s, TGID + 2, ST_INTERRUPT, &t);
	assert_int_equal(d.kind, STOP_EVENT);
	assert_non_null(t);
	assert_int_equal(t->tid, TGID + 2);
	assert_true(t->ours);
	assert_int_equal(ptrace_resume(&s, t), 0);
	assert_int_equal(calls_to(PTRACE_CONT, TGID + 2, &data), 1);
	assert_int_equal(data, 0);

	/* a process, not a thread: let go with its signal */
	fake_add(301, false);
	ptrace_note_status(&s, 301, ST_STOPPED(SIGUSR2, 0), &t);
	assert_null(t);
	assert_int_equal(calls_to(PTRACE_DETACH, 301, &data), 1);
	assert_int_equal(data, SIGUSR2);

	/* a group-stop: LISTEN */
	ptrace_note_status(&s, TGID, ST_STOPPED(SIGSTOP, PTRACE_EVENT_STOP), &t);
	assert_int_equal(ptrace_resume(&s, t), 0);
	assert_int_equal(calls_to(PTRACE_LISTEN, TGID, NULL), 1);

	/* an exit leaves the set */
	d = ptrace_note_status(&s, TGID + 1, ST_EXITED(3), &t);
	assert_int_equal(d.kind, STOP_EXITED);
	assert_null(t);
	assert_null(ptrace_set_find(&s, TGID + 1));
	assert_int_equal(s.n, 2);
	ptrace_set_free(&s);
}

static void saved_registers_are_restored_before_the_thread_runs(void **state)
{
	struct fake *a, *b;
	struct ptrace_set s;
	struct pt_thread *t;
	unsigned char want[sizeof(elf_gregset_t)];

	(void)state;
	two_threads(&a, &b, ST_STOPPED(SIGTRAP, 0));
	ptrace_set_init(&s, TGID);
	assert_int_equal(ptrace_stop_all(&s, NULL), 0);
	t = ptrace_set_find(&s, TGID + 1);
	assert_int_equal(ptrace_save_regs(t), 0);
	assert_true(t->regs_saved);
	memset(want, (TGID + 1) & 0xff, sizeof(want));
	/* what an injection would do to the live registers does not matter: the saved copy goes back */
	ptrace_release(&s);
	assert_true(b->regs_written);
	assert_memory_equal(b->set_regs, want, sizeof(want));
	assert_true(index_of(PTRACE_SETREGSET, TGID + 1) < index_of(PTRACE_DETACH, TGID + 1));
	assert_false(a->regs_written); /* not saved: not written */

	/* only a thread we hold can be saved */
	reset(NULL);
	ptrace_set_init(&s, TGID);
	t = ptrace_set_add(&s, TGID);
	assert_int_equal(ptrace_save_regs(t), -EINVAL);
	ptrace_set_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(seize_interrupt_and_detach, reset),
		cmocka_unit_test_setup(sigtrap_delivery_stop_is_handed_back_on_detach, reset),
		cmocka_unit_test_setup(borrowed_set_hands_signals_back_and_leaves_the_callers_thread, reset),
		cmocka_unit_test_setup(group_stop_goes_back_to_its_stop, reset),
		cmocka_unit_test_setup(listen_refused_falls_back_to_a_restart, reset),
		cmocka_unit_test_setup(clone_event_adds_the_new_thread, reset),
		cmocka_unit_test_setup(auto_attached_thread_found_in_proc_is_ours, reset),
		cmocka_unit_test_setup(clone_of_a_process_is_let_go_at_its_first_stop, reset),
		cmocka_unit_test_setup(thread_exiting_mid_stop_leaves_the_set, reset),
		cmocka_unit_test_setup(esrch_races, reset),
		cmocka_unit_test_setup(zombie_leader_is_not_waited_for, reset),
		cmocka_unit_test_setup(borrowed_zombie_leader_is_found_by_proc, reset),
		cmocka_unit_test_setup(another_tracer_is_eperm_and_undone, reset),
		cmocka_unit_test_setup(no_live_thread_is_esrch, reset),
		cmocka_unit_test_setup(silent_thread_times_out, reset),
		cmocka_unit_test_setup(interrupted_flag_abandons_the_stop, reset),
		cmocka_unit_test_setup(release_of_a_seized_set_hands_back_what_the_interrupt_found, reset),
		cmocka_unit_test_setup(note_status_drives_a_callers_wait_loop, reset),
		cmocka_unit_test_setup(saved_registers_are_restored_before_the_thread_runs, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
