// SPDX-License-Identifier: MIT
/*
 * Signal trigger main loop.
 *
 * Every thread of the target is PTRACE_SEIZEd (never stopped by us), with
 * PTRACE_O_TRACECLONE so new threads are seized by the kernel. A seized
 * thread runs at full speed; the kernel stops it only when it is about to
 * act on a signal (signal-delivery-stop) or joins a group-stop. At a
 * signal-delivery-stop of a watched signal the dump is written while that
 * thread sits at the exact point of delivery, then PTRACE_CONT hands the
 * same signal back, so the kernel delivers it as if nobody had looked.
 *
 * Stop signals (SIGINT, SIGTERM...) are blocked from main() on (sigctl.h):
 * their signalfd is in our epoll set and sigctl_interrupted, which the core
 * writer polls between chunks, abandons a dump in progress. SIGCHLD is
 * blocked too and read from a signalfd: the kernel sends it to the tracer
 * for every ptrace-stop. All ptrace calls stay on the calling thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dump/dispatch.h"
#include "base/log.h"
#include "base/mono_clock.h"
#include "base/proc.h"
#include "base/ptrace_engine.h"
#include "base/sigctl.h"
#include "signal/sigset_logic.h"
#include "signal/sigtrap.h"
#include "signal/sigtrap_bpf.h"

/* After the last dump, how long to wait for a fatal signal to end the target. */
#define FINISH_TIMEOUT_NS (5ull * 1000000000ull)

struct sigtrap {
	const struct config *cfg;
	pid_t pid;
	char name[CONFIG_NAME_MAX];
	sigmask64_t set;
	struct ptrace_set th;
	struct sig_budget budget;
	struct sigwatch *bpf;
	uint64_t finish_deadline_ns; /* non-zero: -n reached, a fatal signal is on its way */
	bool done;
};

static bool delivery_kills(pid_t pid, int sig)
{
	sigmask64_t ign, cgt;

	return proc_dispositions(pid, &ign, &cgt) == 0 && sigset_delivery_kills(sig, ign, cgt);
}

/*
 * origin: the BPF record's account of the sender ("" without BPF). A fault
 * is described from the siginfo itself (its address is what matters); a
 * sent signal by BPF when available (it knows the sender's comm even if the
 * sender has exited), else by the siginfo's si_pid.
 */
static void log_trigger(struct sigtrap *st, pid_t tid, const siginfo_t *si, const char *bpf_origin)
{
	char msg[320], from_siginfo[128];
	const char *origin = siginfo_describe(si->si_signo, si->si_code, si->si_pid, si->si_addr, tid,
					      from_siginfo, sizeof(from_siginfo));

	if (bpf_origin[0] && !strstr(origin, "fault at"))
		origin = bpf_origin;
	snprintf(msg, sizeof(msg), "Trigger: Signal:%d on process ID: %d%s", si->si_signo, st->pid, origin);
	log_event(&(struct log_event){ .event = "trigger", .pid = st->pid, .name = st->name, .trigger = "signal",
				       .value = si->si_signo, .message = msg,
				       .index = st->budget.dumps_done, .has = LOG_HAS_VALUE | LOG_HAS_INDEX });
	log_debug("signal %d on thread %d: si_code %d, si_pid %d, si_addr %p", si->si_signo, tid, si->si_code,
		  si->si_pid, si->si_addr);
}

/* A watched or unwatched signal reached delivery on thread t, held with it pending. */
static void on_signal(struct sigtrap *st, struct pt_thread *t, int sig)
{
	struct signal_origin origin;
	char origin_txt[128] = "";
	siginfo_t si;
	uint64_t now = now_ns();
	enum sig_decision dec;

	dec = sigset_decide(st->set, sig, &st->budget, now);
	if (dec == SIG_PASS_UNLISTED) {
		ptrace_resume(&st->th, t);
		return;
	}
	/* Pair the BPF record even when not dumping, so records never go stale. */
	if (st->bpf && sigwatch_take(st->bpf, sig, t->tid, &origin))
		signal_origin_describe(&origin, st->pid, origin_txt, sizeof(origin_txt));
	if (dec != SIG_DUMP) {
		log_debug("signal %d on thread %d delivered without a dump (%s)", sig, t->tid,
			  dec == SIG_PASS_COOLDOWN ? "within -s of the previous dump" : "-n dumps written");
		ptrace_resume(&st->th, t);
		return;
	}
	if (ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) != 0) {
		ptrace_resume(&st->th, t);
		return;
	}

	log_trigger(st, t->tid, &si, origin_txt);
	struct trigger_info why = {
		.kind = "signal",
		.tid = t->tid,
		.siginfo = &si,
		.already_seized = true,
		.interrupted = &sigctl_interrupted,
	};
	char path[PATH_MAX];
	pid_t tid = t->tid;
	int err = dump_process(st->cfg, st->pid, &why, (unsigned)st->budget.dumps_done, path, sizeof(path));

	/* dump_process never touches our table, but re-find: keep no stale pointer habits. */
	t = ptrace_set_find(&st->th, tid);
	st->budget.have_last = true;
	st->budget.last_dump_ns = now;
	if (!err)
		st->budget.dumps_done++;
	if (!t || sigctl_interrupted)
		return; /* ptrace_release hands the signal back */
	if (st->budget.dumps_done < st->budget.max_dumps) {
		ptrace_resume(&st->th, t);
		return;
	}
	/*
	 * Last dump. A signal that will kill the target is delivered while we
	 * still watch, to report how it died; anything else: detach now.
	 */
	if (delivery_kills(st->pid, sig)) {
		st->finish_deadline_ns = now_ns() + FINISH_TIMEOUT_NS;
		ptrace_resume(&st->th, t);
	} else {
		ptrace_release(&st->th);
		st->done = true;
	}
}

static void report_exit(struct sigtrap *st, const struct stop_desc *d)
{
	char msg[160];

	if (d->kind == STOP_KILLED)
		snprintf(msg, sizeof(msg), "Target process %d was killed by signal %d%s", st->pid, d->sig,
			 d->core_dumped ? " (core dumped)" : "");
	else
		snprintf(msg, sizeof(msg), "Target process %d exited with status %d", st->pid, d->sig);
	log_event(&(struct log_event){ .event = "exit", .pid = st->pid, .name = st->name, .value = d->sig,
				       .message = msg, .has = LOG_HAS_VALUE });
}

static void on_status(struct sigtrap *st, pid_t tid, int status)
{
	struct pt_thread *t;
	struct stop_desc d = ptrace_note_status(&st->th, tid, status, &t);

	if (d.kind == STOP_EXITED || d.kind == STOP_KILLED) {
		if (tid == st->pid) { /* the leader is reported last */
			/* The signal that killed it was generated before: say who sent it first. */
			if (st->bpf)
				sigwatch_poll(st->bpf);
			report_exit(st, &d);
			st->done = true;
		}
		return;
	}
	if (!t)
		return; /* not a thread of the target (clone without CLONE_THREAD): let go */
	if (d.kind == STOP_SIGNAL)
		on_signal(st, t, d.sig);
	else
		ptrace_resume(&st->th, t); /* a group-stop stays stopped (LISTEN); any other stop runs on */
}

/* Handle every status the kernel has for us. */
static void reap(struct sigtrap *st)
{
	while (!st->done && !sigctl_interrupted) {
		int status;
		pid_t tid = waitpid(-1, &status, __WALL | WNOHANG);

		if (tid == 0)
			return;
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD) { /* no tracee left: the target is gone */
				log_warn("Target process %d is no longer alive", st->pid);
				st->done = true;
			}
			return;
		}
		on_status(st, tid, status);
	}
}

static void drain_fd(int fd)
{
	char buf[256];

	while (read(fd, buf, sizeof(buf)) > 0) {
	}
}

static int monitor(struct sigtrap *st, int chld_fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC), err = 0;

	if (ep < 0)
		return -errno;
	epoll_ctl(ep, EPOLL_CTL_ADD, chld_fd, &ev);
	epoll_ctl(ep, EPOLL_CTL_ADD, sigctl_fd(), &ev);
	if (st->bpf)
		epoll_ctl(ep, EPOLL_CTL_ADD, sigwatch_fd(st->bpf), &ev);

	/* Anything that happened between seizing and now is waiting in waitpid. */
	while (!st->done && !sigctl_pending()) {
		reap(st);
		if (st->done || sigctl_interrupted)
			break;
		if (st->finish_deadline_ns && now_ns() > st->finish_deadline_ns) {
			ptrace_release(&st->th);
			break;
		}
		/* SIGCHLD wakes us for every ptrace stop; the timeout is a safety net. */
		struct epoll_event out[4];
		int n = epoll_wait(ep, out, 4, 1000);

		if (n < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		drain_fd(chld_fd);
		sigctl_pending(); /* a stop signal stays pending: main's next wait sees it too */
		if (st->bpf)
			sigwatch_poll(st->bpf);
	}
	close(ep);
	return err;
}

static void log_line(const char *event, const struct sigtrap *st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void log_line(const char *event, const struct sigtrap *st, const char *fmt, ...)
{
	char msg[CONFIG_NAME_MAX + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_event(&(struct log_event){ .event = event, .pid = st->pid, .name = st->name, .trigger = "signal",
				       .message = msg });
}

int sigtrap_run(const struct config *cfg)
{
	struct sigtrap st = { .cfg = cfg, .pid = cfg->target_pid };
	sigset_t chld, old;
	int chld_fd = -1, bad_sig = 0, err;

	/*
	 * options_parse() refused -pgid, -w, SIGKILL and numbers outside 1..64,
	 * and main() resolved a name to its PID: the set always builds here.
	 */
	err = sigset_from_config(cfg, &st.set, &bad_sig);
	if (err) {
		log_error("failed to watch signal %d: %s", bad_sig, strerror(-err));
		return 1;
	}
	ptrace_set_init(&st.th, st.pid);
	/* -n 0: no limit, as in timer mode. */
	st.budget.max_dumps = cfg->dump_count > 0 ? cfg->dump_count : INT_MAX;
	st.budget.interval_s = cfg->interval_s;
	if (proc_name(st.pid, st.name, sizeof(st.name)) != 0)
		snprintf(st.name, sizeof(st.name), "%d", st.pid);

	/* The kernel tells the tracer of every ptrace-stop with SIGCHLD. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, &old);
	chld_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (chld_fd < 0) {
		err = -errno;
		log_error("failed to watch SIGCHLD: %s", strerror(-err));
		goto out;
	}

	/* BPF first, so no signal generated after we seize is missed by it. */
	err = sigwatch_open(st.pid, st.set, &st.bpf);
	if (err) {
		log_warn("BPF signal watcher unavailable (%s): senders will not be named", strerror(-err));
		st.bpf = NULL;
	}
	err = ptrace_seize_all(&st.th);
	if (err) {
		log_error("failed to attach to process %d: %s", st.pid, strerror(-err));
		goto out;
	}
	log_info("Press Ctrl-C to end monitoring without terminating the process(es).");
	log_line("start", &st, "Starting monitor for process %s (%d)", st.name, st.pid);
	log_debug("seized %zu thread(s) of %d", st.th.n, st.pid);

	err = monitor(&st, chld_fd);
	if (err)
		log_error("failed to wait for process %d: %s", st.pid, strerror(-err));
	if (st.th.n)
		ptrace_release(&st.th);
	log_line("stop", &st, "Stopping monitor for process %s (%d)", st.name, st.pid);
out:
	if (st.th.n)
		ptrace_release(&st.th);
	ptrace_set_free(&st.th);
	sigwatch_close(st.bpf);
	if (chld_fd >= 0)
		close(chld_fd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err ? 1 : 0;
}
