// SPDX-License-Identifier: MIT
/*
 * Stop/resume of every thread with ptrace. PTRACE_SEIZE (not ATTACH) so no
 * SIGSTOP is ever queued to the target, PTRACE_INTERRUPT to stop, and
 * PTRACE_DETACH to resume: detaching also drops a pending interrupt trap, so
 * the target never sees a stray stop after we leave.
 */
#include "base/threads_stop.h"
#include "base/wait_status.h"
#include "base/task_seize.h"
#include "base/proc_task.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STOP_TIMEOUT_MS 5000

static struct stopped_thread *find(struct thread_set *ts, pid_t tid)
{
	for (size_t i = 0; i < ts->n; i++)
		if (ts->v[i].tid == tid)
			return &ts->v[i];
	return NULL;
}

static struct stopped_thread *add(struct thread_set *ts, pid_t tid)
{
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 16;
		struct stopped_thread *v = realloc(ts->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		ts->v = v;
		ts->cap = cap;
	}
	memset(&ts->v[ts->n], 0, sizeof(ts->v[0]));
	ts->v[ts->n].tid = tid;
	return &ts->v[ts->n++];
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/*
 * Handle one wait status of a thread we are stopping. A clone event brings
 * a new, auto-attached thread into the set.
 */
static int note_status(struct thread_set *ts, struct stopped_thread *t, int status)
{
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		t->gone = true;
		return 0;
	}
	if (!WIFSTOPPED(status))
		return 0;
	t->stopped_by_us = true;
	int event = status >> 16;

	if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK ||
	    event == PTRACE_EVENT_VFORK) {
		unsigned long child = 0;

		if (event == PTRACE_EVENT_CLONE && ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &child) == 0 &&
		    child && !find(ts, (pid_t)child)) {
			struct stopped_thread *c = add(ts, (pid_t)child);

			if (!c)
				return -ENOMEM;
			c->seized_by_us = !ts->already_seized;
		}
		return 0;
	}
	if (event == PTRACE_EVENT_STOP && wait_is_stop_signal(WSTOPSIG(status))) {
		/*
		 * Interrupted in (or on its way into) a job-control stop: the
		 * user stopped the process, so it must stay stopped after us.
		 */
		t->group_stop = true;
		return 0;
	}
	if (event == 0 && WSTOPSIG(status) != SIGTRAP) {
		/*
		 * A signal-delivery-stop: the thread was about to get this
		 * signal. Keep it and hand it back on resume so it is never lost.
		 */
		t->resume_sig = WSTOPSIG(status);
	}
	return 0;
}

/* Wait until every thread in the set is stopped or gone. */
static int wait_all_stopped(struct thread_set *ts, volatile int *interrupted)
{
	uint64_t deadline = now_ms() + STOP_TIMEOUT_MS;
	unsigned spins = 0;

	for (;;) {
		bool pending = false;

		for (size_t i = 0; i < ts->n; i++) {
			struct stopped_thread *t = &ts->v[i];
			int status, r;
			pid_t w;

			if (t->gone || t->stopped_by_us || t->tid == ts->keep_stopped)
				continue;
			w = waitpid(t->tid, &status, __WALL | WNOHANG);
			if (w == t->tid) {
				r = note_status(ts, t, status);
				if (r < 0)
					return r;
				t = &ts->v[i]; /* the set may have moved */
				if (!t->gone && !t->stopped_by_us)
					pending = true;
			} else if (w < 0 && errno == ECHILD) {
				t->gone = true; /* exited and already reaped */
			} else {
				pending = true;
			}
		}
		if (!pending)
			return 0;
		if (interrupted && *interrupted)
			return -EINTR;
		if (now_ms() > deadline)
			return -ETIMEDOUT;
		/* Interrupt stops arrive within microseconds: spin briefly, then sleep. */
		if (++spins > 50) {
			struct timespec d = { 0, 100000 };

			nanosleep(&d, NULL);
		} else {
			sched_yield();
		}
	}
}

struct grab {
	struct thread_set *ts;
	bool found_new;
};

/* proc_task_foreach callback: take one thread not yet in the set and interrupt it. */
static int grab_thread(pid_t tid, void *arg)
{
	struct grab *g = arg;
	struct thread_set *ts = g->ts;
	struct stopped_thread *t;

	if (find(ts, tid))
		return 0;
	t = add(ts, tid);
	if (!t)
		return -ENOMEM;
	g->found_new = true;
	if (tid == ts->keep_stopped)
		return 0;
	if (!ts->already_seized) {
		int r = task_seize(ts->pid, tid);

		if (r < 0)
			return r;
		if (r == TASK_GONE) {
			t->gone = true; /* exited: not part of the core */
			return 0;
		}
		t->seized_by_us = true;
	}
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0)
		return errno == ESRCH ? 0 : -errno; /* exiting: wait_all_stopped sees it go */
	return 0;
}

/* Seize and interrupt every thread in /proc/PID/task not yet in the set. */
static int grab_new_threads(struct thread_set *ts, bool *found_new)
{
	struct grab g = { ts, false };
	int err = proc_task_foreach(ts->pid, grab_thread, &g);

	*found_new = g.found_new;
	return err;
}

int threads_stop(pid_t pid, bool already_seized, pid_t keep_stopped, volatile int *interrupted,
		 struct thread_set *out)
{
	bool found_new;
	int err;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	out->already_seized = already_seized;
	out->keep_stopped = already_seized ? keep_stopped : 0;
	do {
		err = grab_new_threads(out, &found_new);
		if (!err)
			err = wait_all_stopped(out, interrupted);
		if (err)
			break;
	} while (found_new);

	if (!err) {
		/*
		 * The process is gone when no thread is left. Its leader alone may
		 * be: one that called pthread_exit is a zombie while the others run.
		 */
		size_t live = 0;

		for (size_t i = 0; i < out->n; i++)
			live += !out->v[i].gone;
		if (!live)
			err = -ESRCH;
	}
	if (err) {
		threads_resume(out);
		return err;
	}
	return 0;
}

static void reap_exited(pid_t tid)
{
	/* A traced thread that exited stays a zombie until its tracer waits for it. */
	for (int i = 0; i < 100; i++) {
		int status;
		pid_t w = waitpid(tid, &status, __WALL | WNOHANG);
		struct timespec d = { 0, 1000000 };

		if (w == tid || (w < 0 && errno == ECHILD))
			return;
		nanosleep(&d, NULL);
	}
}

void threads_resume(struct thread_set *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		struct stopped_thread *t = &ts->v[i];

		if (t->tid == ts->keep_stopped)
			continue;
		if (ts->already_seized) {
			/*
			 * Caller keeps the attachment: only restart what we
			 * stopped; a thread in a group-stop goes back to it,
			 * listening for SIGCONT, as the caller had left it.
			 */
			long r = !t->stopped_by_us || t->gone ? 0
				 : t->group_stop ? ptrace(PTRACE_LISTEN, t->tid, 0, 0)
						 : ptrace(PTRACE_CONT, t->tid, 0, (void *)(long)t->resume_sig);

			if (r < 0 && errno == ESRCH)
				t->gone = true;
			if (t->resume_sig) {
				ts->reinjected++;
				ts->last_reinjected_sig = t->resume_sig;
				ts->last_reinjected_tid = t->tid;
			}
			continue;
		}
		if (!t->seized_by_us)
			continue;
		if (t->gone) {
			reap_exited(t->tid);
			continue;
		}
		if (!t->stopped_by_us) {
			/* Seized but its stop not reported yet: wait briefly so detach can work. */
			int status;

			for (int k = 0; k < 1000; k++) {
				pid_t w = waitpid(t->tid, &status, __WALL | WNOHANG);
				struct timespec d = { 0, 100000 };

				if (w == t->tid) {
					if (WIFEXITED(status) || WIFSIGNALED(status))
						t->gone = true;
					else if (WIFSTOPPED(status) && (status >> 16) == 0 &&
						 WSTOPSIG(status) != SIGTRAP)
						t->resume_sig = WSTOPSIG(status);
					break;
				}
				if (w < 0) {
					t->gone = true;
					break;
				}
				nanosleep(&d, NULL);
			}
			if (t->gone)
				continue;
		}
		if (ptrace(PTRACE_DETACH, t->tid, 0, (void *)(long)t->resume_sig) < 0 && errno == ESRCH)
			reap_exited(t->tid);
	}
	free(ts->v);
	ts->v = NULL;
	ts->n = ts->cap = 0;
}

size_t threads_alive(const struct thread_set *ts)
{
	size_t n = 0;

	for (size_t i = 0; i < ts->n; i++)
		if (!ts->v[i].gone)
			n++;
	return n;
}
