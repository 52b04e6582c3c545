// SPDX-License-Identifier: MIT
/* One-shot runs for the daemon's rules that attach to a process; see supervise.h. */
#include "trigger/supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/child_end.h"
#include "base/json_flat.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/mono_clock.h"
#include "base/proc.h"
#include "dump/spool.h"

extern char **environ;

#define SELF_EXE "/proc/self/exe"
#define MAX_RUN_ARGS 128
/* A run ends cleanly on SIGTERM (the target released, the profiler unloaded); past this it is killed. */
#define STOP_GRACE_MS 30000

static void say(const char *event, const struct supervised *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(const char *event, const struct supervised *v, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_event(&(struct log_event){ .event = event, .pid = v->target, .rule = v->rule->name, .message = msg });
}

static int spawn(struct supervisor *s, struct supervised *v)
{
	const struct config *cfg = v->rule->cfg;
	char *argv[MAX_RUN_ARGS + 8], left[16], pid_s[16], caps[256], caps_env[300];
	char **envp;
	int argc = 0, pipefd[2], err;
	size_t nenv = 0;
	posix_spawn_file_actions_t fa;
	pid_t child;

	argv[argc++] = (char *)"coretrap";
	for (char *const *a = v->rule->run_argv; *a && argc < MAX_RUN_ARGS; a++)
		argv[argc++] = *a;
	if (v->rule->run_n) { /* -n counts this process's dumps over all its runs */
		snprintf(left, sizeof(left), "%d",
			 cfg->dump_count > 0 ? cfg->dump_count - (int)v->dumps : 0);
		argv[argc++] = (char *)"-n";
		argv[argc++] = left;
	}
	snprintf(pid_s, sizeof(pid_s), "%d", (int)v->target);
	argv[argc++] = (char *)"-json";
	argv[argc++] = pid_s;
	argv[argc++] = (char *)cfg->dump_dir;
	argv[argc] = NULL;

	/* the run obeys the spool's caps too: they come in its environment */
	while (environ[nenv])
		nenv++;
	envp = calloc(nenv + 2, sizeof(*envp));
	if (!envp)
		return -ENOMEM;
	nenv = 0;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, SPOOL_CAPS_ENV "=", sizeof(SPOOL_CAPS_ENV)))
			envp[nenv++] = *e;
	if (spool_caps_line(cfg->dump_dir, caps, sizeof(caps)) == 0) {
		snprintf(caps_env, sizeof(caps_env), "%s=%s", SPOOL_CAPS_ENV, caps);
		envp[nenv++] = caps_env;
	}
	if (pipe2(pipefd, O_CLOEXEC)) {
		free(envp);
		return -errno;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	err = posix_spawn(&child, SELF_EXE, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	free(envp);
	close(pipefd[1]);
	if (err) {
		close(pipefd[0]);
		return -err;
	}
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = pipefd[0] };

	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, pipefd[0], &ev)) {
		err = -errno;
		kill(child, SIGTERM);
		waitpid(child, NULL, 0);
		close(pipefd[0]);
		return err;
	}
	v->child = child;
	v->out = pipefd[0];
	v->used = 0;
	return 0;
}

/* Held back: "throttled" once, and the time to start again. */
static void hold(struct supervised *v, uint64_t now)
{
	uint64_t next = rule_limits_next_ns(&v->rule->limits, now);

	v->restart_ns = next > now ? next : now + NS_PER_S;
	say("throttled", v, "Rule %s holds back its next dump for %llu s: process %d is let go until then",
	    v->rule->name, (unsigned long long)((v->restart_ns - now + NS_PER_S - 1) / NS_PER_S), (int)v->target);
	metrics_throttled(v->rule->name);
}

int supervise_start(struct supervisor *s, struct monitor_rule *r, pid_t target)
{
	struct supervised *v = calloc(1, sizeof(*v)), **grown;
	uint64_t now = now_ns();
	int err = 0;

	if (!v)
		return -ENOMEM;
	grown = realloc(s->v, (s->n + 1) * sizeof(*s->v));
	if (!grown) {
		free(v);
		return -ENOMEM;
	}
	s->v = grown;
	*v = (struct supervised){ .target = target, .out = -1, .rule = r };
	if (rule_limits_check(&r->limits, now) != RULE_ALLOW)
		hold(v, now);
	else if ((err = spawn(s, v))) {
		free(v);
		return err;
	}
	s->v[s->n++] = v;
	return 0;
}

bool supervise_has(const struct supervisor *s, pid_t target)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i]->target == target)
			return true;
	return false;
}

/* Wait for the run to end (it was told to, or its stdout closed); SIGKILL past the grace. */
static void reap(struct supervised *v, uint64_t grace_ms)
{
	if (!v->child)
		return;
	child_end(v->child, v->child, grace_ms, NULL);
	v->child = 0;
}

static void close_out(struct supervisor *s, struct supervised *v)
{
	if (v->out < 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, v->out, NULL);
	close(v->out);
	v->out = -1;
}

static void forget(struct supervisor *s, size_t i)
{
	close_out(s, s->v[i]);
	free(s->v[i]);
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->n--;
}

/* One event line of the run: relayed with the rule; a dump counted, queued, and judged by the limits. */
static void relay(struct supervisor *s, struct supervised *v, const char *line, uint64_t now)
{
	char event[32], name[64] = "", trigger[32] = "", path[4096] = "", message[1024] = "", counter[128] = "";
	long long pid = v->target, value, threshold, index;
	struct log_event ev = { .rule = v->rule->name };
	const char *rule = v->rule->name;

	(void)s;
	if (!json_flat_string(line, "event", event, sizeof(event))) {
		log_info("%s", line); /* not an event line: pass it on as it is */
		return;
	}
	json_flat_int(line, "pid", &pid);
	json_flat_string(line, "name", name, sizeof(name));
	json_flat_string(line, "trigger", trigger, sizeof(trigger));
	json_flat_string(line, "path", path, sizeof(path));
	json_flat_string(line, "message", message, sizeof(message));
	json_flat_string(line, "counter", counter, sizeof(counter));
	ev.event = event;
	ev.pid = (pid_t)pid;
	ev.name = name[0] ? name : NULL;
	ev.trigger = trigger[0] ? trigger : NULL;
	ev.path = path[0] ? path : NULL;
	ev.message = message[0] ? message : NULL;
	ev.counter = counter[0] ? counter : NULL;
	if (json_flat_int(line, "value", &value)) {
		ev.value = value;
		ev.has |= LOG_HAS_VALUE;
	}
	if (json_flat_int(line, "threshold", &threshold)) {
		ev.threshold = threshold;
		ev.has |= LOG_HAS_THRESHOLD;
	}
	if (json_flat_int(line, "index", &index)) {
		ev.index = (int)index;
		ev.has |= LOG_HAS_INDEX;
	}
	log_event(&ev);

	if (!strcmp(event, "trigger")) {
		metrics_trigger(rule, trigger[0] ? trigger : "?");
	} else if (!strcmp(event, "dump_failed")) {
		metrics_dump(rule, "failed", 0, 0, 0);
	} else if (!strcmp(event, "dump_skipped")) {
		metrics_dump(rule, "skipped", 0, 0, 0);
	} else if (!strcmp(event, "dump") && path[0]) {
		struct stat st;

		metrics_dump(rule, "ok", stat(path, &st) ? 0 : (uint64_t)st.st_size, 0, 0);
		v->dumps++;
		rule_limits_record(&v->rule->limits, now);
		spool_written(path); /* the spool gauge, the upload queue */
		if (rule_limits_check(&v->rule->limits, now) != RULE_ALLOW &&
		    (v->rule->cfg->dump_count <= 0 || v->dumps < (unsigned)v->rule->cfg->dump_count))
			v->restart_ns = 1; /* end this run once its line is read: see supervise_readable */
	}
}

/* Relay every whole line the run has written so far; true at the end of its output. */
static bool read_lines(struct supervisor *s, struct supervised *v, uint64_t now)
{
	for (;;) {
		ssize_t n = read(v->out, v->buf + v->used, sizeof(v->buf) - 1 - v->used);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 || errno != EAGAIN;
		v->used += (size_t)n;
		v->buf[v->used] = 0;
		while ((nl = memchr(v->buf, '\n', v->used))) {
			*nl = 0;
			relay(s, v, v->buf, now);
			v->used -= (size_t)(nl + 1 - v->buf);
			memmove(v->buf, nl + 1, v->used);
		}
		if (v->used == sizeof(v->buf) - 1) { /* a line longer than any event: pass it on */
			relay(s, v, v->buf, now);
			v->used = 0;
		}
	}
}

bool supervise_readable(struct supervisor *s, int fd, uint64_t now)
{
	struct supervised *v;
	size_t i;
	bool eof;

	for (i = 0; i < s->n && s->v[i]->out != fd; i++)
		;
	if (i == s->n)
		return false;
	v = s->v[i];
	eof = read_lines(s, v, now);
	if (v->restart_ns == 1) { /* the limits hold back the next dump: let the process go */
		if (v->child)
			kill(v->child, SIGTERM);
		reap(v, STOP_GRACE_MS);
		read_lines(s, v, now); /* its last words: the stop */
		close_out(s, v);
		hold(v, now);
		return true;
	}
	if (eof) { /* the run is over: its target exited, its -n is done, or it failed (it said why) */
		close_out(s, v);
		reap(v, STOP_GRACE_MS);
		forget(s, i);
	}
	return true;
}

uint64_t supervise_tick(struct supervisor *s, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = s->n; i-- > 0;) {
		struct supervised *v = s->v[i];
		int err;

		if (v->child || !v->restart_ns)
			continue;
		if (kill(v->target, 0) && errno == ESRCH) {
			forget(s, i); /* it exited while held back */
			continue;
		}
		if (now < v->restart_ns) {
			if (v->restart_ns < next)
				next = v->restart_ns;
			continue;
		}
		if (rule_limits_check(&v->rule->limits, now) != RULE_ALLOW) {
			v->restart_ns = rule_limits_next_ns(&v->rule->limits, now);
			if (v->restart_ns <= now)
				v->restart_ns = now + NS_PER_S;
			if (v->restart_ns < next)
				next = v->restart_ns;
			continue;
		}
		v->restart_ns = 0;
		if ((err = spawn(s, v))) {
			say("error", v, "rule %s: cannot start watching process %d again: %s", v->rule->name,
			    (int)v->target, strerror(-err));
			forget(s, i);
		}
	}
	return next;
}

void supervise_stop_all(struct supervisor *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i]->child)
			kill(s->v[i]->child, SIGTERM);
	for (size_t i = 0; i < s->n; i++) {
		struct supervised *v = s->v[i];

		reap(v, STOP_GRACE_MS);
		if (v->out >= 0)
			read_lines(s, v, now_ns()); /* relays what it said while ending: a dump abandoned, its stop */
		v->restart_ns = 0;
	}
	while (s->n)
		forget(s, s->n - 1);
	free(s->v);
	s->v = NULL;
}
