// SPDX-License-Identifier: MIT
/*
 * The ptrace engine; see ptrace_engine.h. Own threads are let go with
 * PTRACE_DETACH: detaching also drops a pending interrupt trap, so the
 * target never sees a stray stop after we leave.
 */
#include "base/ptrace_engine.h"

#include <elf.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/mono_clock.h"
#include "base/proc_task.h"

/*
 * How long the threads get to report their stops. A running or sleeping
 * thread stops within microseconds of PTRACE_INTERRUPT; one in
 * uninterruptible sleep (disk or NFS I/O, a fault on a slow mapping, a
 * vfork parent) only when that ends. Seconds, so a slow disk does not fail
 * a dump; no more, so a hung one does not hang us (the caller reports
 * -ETIMEDOUT).
 */
#define STOP_TIMEOUT_NS (5000ull * 1000000)
/*
 * Polls of waitpid that only yield the CPU before the loop starts to sleep:
 * an interrupted thread stops within a few µs, sooner than a sleep returns,
 * and on a busy machine the yield lets it run.
 */
#define STOP_SPIN_POLLS 50
/* Sleep between the later polls: far below the timeout, long enough not to keep a core busy. */
#define STOP_POLL_SLEEP_NS 100000ull
/*
 * A thread silent this long may be a zombie leader (pthread_exit in main):
 * its exit is reported only after every other thread's, and it never stops.
 * From then on /proc is asked about the silent threads every
 * ZOMBIE_RECHECK_NS. Far above a normal stop, so healthy threads never cost a
 * /proc read; far below the timeout, so a zombie leader costs little.
 */
#define ZOMBIE_GRACE_NS (50ull * 1000000)
#define ZOMBIE_RECHECK_NS (10ull * 1000000)
/*
 * Threads of ours that died while held (SIGKILL): a traced zombie stays until
 * its tracer waits for it, and the leader's exit comes after the others'.
 * A dying thread is a zombie within milliseconds: wait this long in all,
 * polling every REAP_POLL_SLEEP_NS.
 */
#define REAP_TIMEOUT_NS (100ull * 1000000)
#define REAP_POLL_SLEEP_NS 1000000ull

static void sleep_ns(uint64_t ns)
{
	struct timespec d = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	nanosleep(&d, NULL);
}

static void *sig_arg(int sig)
{
	return (void *)(long)sig;
}

enum seize_result {
	SEIZE_GONE,  /* exited meanwhile, or a zombie: not part of the process any more */
	SEIZE_NEW,   /* seized now, with PTRACE_O_TRACECLONE */
	SEIZE_OURS,  /* already ours: auto-attached through TRACECLONE */
};

/* SEIZE_* (>= 0), or a negative errno (-EPERM: another tracer, or not allowed). */
static int seize_thread(pid_t tgid, pid_t tid)
{
	pid_t tracer;
	int err;

	if (ptrace(PTRACE_SEIZE, tid, 0, (void *)(long)PTRACE_O_TRACECLONE) == 0)
		return SEIZE_NEW;
	err = errno;
	if (err == ESRCH)
		return SEIZE_GONE;
	if (err != EPERM)
		return -err;
	/*
	 * EPERM has four causes: a thread created by one we had already
	 * seized (TRACECLONE attached it to us), a thread that exited between
	 * readdir and the seize (its /proc entry is gone too), a zombie (a
	 * leader that exited before its threads cannot be traced), or a real
	 * refusal (another tracer, or not allowed). TracerPid names the tracing
	 * thread: this one, since every request comes from it.
	 */
	tracer = proc_task_tracer(tgid, tid);
	if (tracer == gettid())
		return SEIZE_OURS;
	if (tracer < 0 || proc_task_is_zombie(tgid, tid))
		return SEIZE_GONE;
	return -EPERM;
}

/* Ask a running thread to stop, once. 0 or a negative errno; ESRCH (exiting) is waited for like a stop. */
static int interrupt(struct pt_thread *t)
{
	if (t->interrupt_sent)
		return 0;
	t->interrupt_sent = true;
	if (ptrace(PTRACE_INTERRUPT, t->tid, 0, 0) < 0 && errno != ESRCH)
		return -errno;
	return 0;
}

struct walk {
	struct ptrace_set *s;
	/*
	 * Interrupt each thread as soon as it is seized: until it stops it
	 * runs on, and every signal it meets becomes a stop to wait for.
	 */
	bool stop;
	bool best_effort; /* releasing: a thread that cannot be seized is skipped, not an error */
	bool found_new;
};

/* proc_task_foreach callback: a thread not yet in the set joins it (seized, in an own set). */
static int take_thread(pid_t tid, void *arg)
{
	struct walk *w = arg;
	struct pt_thread *t;
	int r = SEIZE_OURS;

	if (ptrace_set_find(w->s, tid))
		return 0;
	t = ptrace_set_add(w->s, tid);
	if (!t)
		return w->best_effort ? 0 : -ENOMEM;
	if (!w->s->borrowed) { /* a borrowed set's threads are the caller's, auto-attached to it */
		r = seize_thread(w->s->tgid, tid);
		if (r < 0) {
			ptrace_set_forget(w->s, t); /* refused: not new, the next pass refuses it again */
			return w->best_effort ? 0 : r;
		}
		t->ours = r != SEIZE_GONE;
	}
	w->found_new = true;
	if (r == SEIZE_GONE) {
		t->state = PT_GONE;
		t->reaped = true; /* never ours to wait for */
		return 0;
	}
	r = w->stop ? interrupt(t) : 0;
	return w->best_effort ? 0 : r;
}

/* One pass over /proc/TGID/task; *found_new: some thread joined the set. */
static int walk_tasks(struct ptrace_set *s, bool stop, bool best_effort, bool *found_new)
{
	struct walk w = { s, stop, best_effort, false };
	int err = proc_task_foreach(s->tgid, take_thread, &w);

	*found_new = w.found_new;
	return err;
}

static void hold(struct pt_thread *t, const struct stop_desc *d)
{
	t->state = PT_HELD;
	t->group_stop = d->kind == STOP_GROUP;
	t->pending_sig = d->kind == STOP_SIGNAL ? d->sig : 0;
}

/* A clone event of parent: the new task joins the set, RUNNING; its first stop comes by itself. */
static void note_clone(struct ptrace_set *s, pid_t parent)
{
	unsigned long child = 0;
	struct pt_thread *c;

	if (ptrace(PTRACE_GETEVENTMSG, parent, 0, &child) < 0 || !child || ptrace_set_find(s, (pid_t)child))
		return;
	c = ptrace_set_add(s, (pid_t)child);
	if (!c)
		return; /* its first stop will be of a tid the set does not know: let go then */
	c->ours = !s->borrowed;
	/* a clone() without CLONE_THREAD is auto-attached too; the child is already listed if it is a thread */
	c->foreign = !proc_task_exists(s->tgid, (pid_t)child);
}

struct stop_desc ptrace_note_status(struct ptrace_set *s, pid_t tid, int status, struct pt_thread **out)
{
	struct stop_desc d = wait_status_classify(status);
	struct pt_thread *t = ptrace_set_find(s, tid);

	*out = NULL;
	if (d.kind == STOP_EXITED || d.kind == STOP_KILLED) {
		if (t)
			ptrace_set_forget(s, t); /* reaped: nothing of ours is left on it */
		return d;
	}
	if (d.kind == STOP_UNKNOWN || (t && t->state == PT_CALLER)) {
		*out = t;
		return d;
	}
	if (!t && proc_task_exists(s->tgid, tid)) {
		t = ptrace_set_add(s, tid);
		if (t)
			t->ours = !s->borrowed;
	}
	if (!t || t->foreign) {
		/* Not a thread of the process (or one we cannot track): never keep it. */
		ptrace(PTRACE_DETACH, tid, 0, sig_arg(d.kind == STOP_SIGNAL ? d.sig : 0));
		if (t)
			ptrace_set_forget(s, t);
		return d;
	}
	hold(t, &d);
	if (d.kind == STOP_CLONE) {
		note_clone(s, tid);
		t = ptrace_set_find(s, tid); /* the add may have moved the set */
	}
	*out = t;
	return d;
}

/*
 * One waitpid poll of a RUNNING thread. Returns true when it may still
 * report (pending); *forgotten when the report took it out of the set.
 */
static bool poll_thread(struct ptrace_set *s, struct pt_thread *t, bool check_zombie, bool *forgotten)
{
	pid_t tid = t->tid, w;
	struct pt_thread *after;
	int status;

	*forgotten = false;
	w = waitpid(tid, &status, __WALL | WNOHANG);
	if (w == tid) {
		ptrace_note_status(s, tid, status, &after);
		*forgotten = !after;
		return after && after->state == PT_RUNNING;
	}
	if (w < 0 && errno == ECHILD) {
		t->state = PT_GONE; /* exited and already reaped, or not ours any more */
		t->reaped = true;
		return false;
	}
	if (w == 0 && check_zombie && proc_task_is_zombie(s->tgid, tid)) {
		t->state = PT_GONE; /* a zombie leader: reported only when the process ends */
		t->reaped = true;
		return false;
	}
	return true;
}

/* Interrupt every RUNNING thread and wait until none is left RUNNING (new threads included). */
static int wait_all_stopped(struct ptrace_set *s, volatile int *interrupted)
{
	uint64_t start = now_ns(), zombie_check = start + ZOMBIE_GRACE_NS;
	unsigned polls = 0;

	for (;;) {
		uint64_t now = now_ns();
		bool pending = false, check_zombie = now >= zombie_check;

		if (check_zombie)
			zombie_check = now + ZOMBIE_RECHECK_NS;
		for (size_t i = 0; i < s->n;) {
			struct pt_thread *t = &s->v[i];
			bool forgotten;
			int err;

			if (t->state != PT_RUNNING) {
				i++;
				continue;
			}
			err = interrupt(t);
			if (err)
				return err;
			if (poll_thread(s, t, check_zombie, &forgotten))
				pending = true;
			if (!forgotten)
				i++; /* else the next thread moved into slot i */
		}
		if (!pending)
			return 0;
		if (interrupted && *interrupted)
			return -EINTR;
		if (now_ns() - start > STOP_TIMEOUT_NS)
			return -ETIMEDOUT;
		if (++polls <= STOP_SPIN_POLLS)
			sched_yield();
		else
			sleep_ns(STOP_POLL_SLEEP_NS);
	}
}

static int stop_threads(struct ptrace_set *s, volatile int *interrupted, bool best_effort)
{
	bool found_new;
	int err;

	/* Until a pass over /proc finds no thread that was not yet stopped. */
	do {
		err = walk_tasks(s, true, best_effort, &found_new);
		if (err && !best_effort)
			return err;
		err = wait_all_stopped(s, interrupted);
		if (err)
			return err;
	} while (found_new);
	/* A zombie leader alone does not make a live process. */
	return ptrace_set_stopped(s) ? 0 : -ESRCH;
}

int ptrace_stop_all(struct ptrace_set *s, volatile int *interrupted)
{
	int err = stop_threads(s, interrupted, false);

	if (err)
		ptrace_release(s);
	return err;
}

int ptrace_seize_all(struct ptrace_set *s)
{
	bool found_new;
	int err;

	do {
		err = walk_tasks(s, false, false, &found_new);
		if (err) {
			ptrace_release(s);
			return err;
		}
	} while (found_new);
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].state != PT_GONE)
			return 0;
	ptrace_set_free(s);
	return -ESRCH;
}

int ptrace_save_regs(struct pt_thread *t)
{
	struct iovec iov = { &t->regs, sizeof(t->regs) };

	if (t->state != PT_HELD)
		return -EINVAL;
	if (ptrace(PTRACE_GETREGSET, t->tid, (void *)(long)NT_PRSTATUS, &iov) < 0)
		return -errno;
	t->regs_len = iov.iov_len;
	t->regs_saved = true;
	return 0;
}

/* Write back the registers ptrace_save_regs kept, before the thread runs again. */
static int restore_regs(struct pt_thread *t)
{
	struct iovec iov = { &t->regs, t->regs_len };

	if (!t->regs_saved)
		return 0;
	t->regs_saved = false;
	return ptrace(PTRACE_SETREGSET, t->tid, (void *)(long)NT_PRSTATUS, &iov) < 0 ? -errno : 0;
}

static void count_reinjected(struct ptrace_set *s, const struct pt_thread *t)
{
	if (!t->pending_sig)
		return;
	s->reinjected++;
	s->last_reinjected_sig = t->pending_sig;
	s->last_reinjected_tid = t->tid;
}

/* The thread died under us: an own one still has to be waited for (reap_gone). */
static void died_while_held(struct pt_thread *t)
{
	t->state = PT_GONE;
	t->reaped = false;
}

int ptrace_resume(struct ptrace_set *s, struct pt_thread *t)
{
	long r = 0;

	if (t->state != PT_HELD)
		return 0;
	restore_regs(t);
	if (t->group_stop) {
		/* Back into the group-stop: it stays stopped, and SIGCONT wakes it. */
		r = ptrace(PTRACE_LISTEN, t->tid, 0, 0);
	}
	/* EIO from LISTEN: the kernel no longer sees a group-stop; never leave it held. */
	if (!t->group_stop || (r < 0 && errno == EIO))
		r = ptrace(PTRACE_CONT, t->tid, 0, sig_arg(t->pending_sig));
	if (r < 0) {
		int err = -errno;

		if (err == -ESRCH)
			died_while_held(t);
		return err;
	}
	count_reinjected(s, t);
	t->state = PT_RUNNING;
	t->group_stop = false;
	t->pending_sig = 0;
	t->interrupt_sent = false;
	return 0;
}

/* Own set: let a HELD thread go with what it owes (a group-stop is re-entered by the kernel). */
static void detach_held(struct ptrace_set *s, struct pt_thread *t)
{
	restore_regs(t);
	if (ptrace(PTRACE_DETACH, t->tid, 0, sig_arg(t->pending_sig)) < 0) {
		if (errno == ESRCH)
			died_while_held(t);
		return;
	}
	count_reinjected(s, t);
	t->state = PT_GONE;
	t->ours = false; /* not ours any more: nothing to wait for */
}

/* Wait for the exits of own threads that died while held; the leader's comes last. */
static void reap_gone(struct ptrace_set *s)
{
	uint64_t deadline = now_ns() + REAP_TIMEOUT_NS;

	for (;;) {
		bool left = false;

		for (size_t i = 0; i < s->n; i++) {
			struct pt_thread *t = &s->v[i];
			int status;
			pid_t w;

			if (t->state != PT_GONE || !t->ours || t->reaped)
				continue;
			w = waitpid(t->tid, &status, __WALL | WNOHANG);
			if (w == t->tid || (w < 0 && errno == ECHILD))
				t->reaped = true;
			else
				left = true;
		}
		if (!left || now_ns() > deadline)
			return;
		sleep_ns(REAP_POLL_SLEEP_NS);
	}
}

void ptrace_release(struct ptrace_set *s)
{
	if (s->borrowed) {
		for (size_t i = 0; i < s->n; i++)
			ptrace_resume(s, &s->v[i]);
	} else {
		/*
		 * Only a stopped thread can be detached: stop the running ones
		 * (and any thread the set has not seen yet) first. Best effort:
		 * whatever cannot be stopped stays traced until we exit.
		 */
		stop_threads(s, NULL, true);
		for (size_t i = 0; i < s->n; i++)
			if (s->v[i].state == PT_HELD)
				detach_held(s, &s->v[i]);
		reap_gone(s);
	}
	s->n = 0;
}
