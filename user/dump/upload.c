// SPDX-License-Identifier: MIT
/* The uploader thread and the hook it runs; see upload.h and upload_plan.h. */
#include "dump/upload.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/child_end.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/mono_clock.h"
#include "dump/spool.h"
#include "dump/spool_caps.h"

extern char **environ;

#define OUT_MAX 1024
/* How long a hook has to end after SIGTERM (a stop, a timeout) before SIGKILL.
 */
#define TERM_GRACE_MS 2000

struct item {
	char *path;
	unsigned attempts; /* made so far */
	uint64_t due_ns;   /* not before */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running;
	atomic_bool stop;
	struct upload_config cfg;
	struct upload_env env;
	struct item *q;
	size_t n, cap;
} U = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Under U.lock. */
static void push(const char *path, uint64_t due)
{
	char *copy;

	for (size_t i = 0; i < U.n; i++)
		if (!strcmp(U.q[i].path, path))
			return;
	if (U.n == U.cap) {
		size_t cap = U.cap ? 2 * U.cap : 32;
		struct item *q = realloc(U.q, cap * sizeof(*q));

		if (!q)
			return;
		U.q = q;
		U.cap = cap;
	}
	if (!(copy = strdup(path)))
		return;
	U.q[U.n++] = (struct item){ .path = copy, .due_ns = due };
}

/* Under U.lock. */
static void drop(size_t i)
{
	free(U.q[i].path);
	memmove(&U.q[i], &U.q[i + 1], (U.n - i - 1) * sizeof(*U.q));
	U.n--;
}

/* Under U.lock: the first item (queue order = oldest first) that is due, or the earliest due time. */
static long next_due(uint64_t now, uint64_t *earliest)
{
	*earliest = UINT64_MAX;
	for (size_t i = 0; i < U.n; i++) {
		if (U.q[i].due_ns <= now)
			return (long)i;
		if (U.q[i].due_ns < *earliest)
			*earliest = U.q[i].due_ns;
	}
	return -1;
}

/* One line kept from a hook's output: the first one (stdout) or the last one (stderr). */
struct line_keeper {
	char keep[OUT_MAX], cur[OUT_MAX];
	size_t used;
	bool first_only, done, eof;
};

static void keeper_end_line(struct line_keeper *k)
{
	if (k->used && !k->done) {
		memcpy(k->keep, k->cur, k->used + 1);
		k->done = k->first_only;
	}
	k->used = 0;
	k->cur[0] = 0;
}

static void keeper_read(struct line_keeper *k, int fd)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			k->eof = true;
			keeper_end_line(k);
		}
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n')
			keeper_end_line(k);
		else if ((unsigned char)buf[i] >= ' ' && k->used < OUT_MAX - 1) {
			k->cur[k->used++] = buf[i];
			k->cur[k->used] = 0;
		}
	}
}

struct hook_result {
	int status; /* waitpid status */
	bool timed_out, stopped;
	struct line_keeper out; /* stdout's first line */
	struct line_keeper err; /* stderr's last line */
	int spawn_err;		/* posix_spawn's error, 0 = ran */
};

/* The hook leads its own process group: its helpers (curl, rclone's children) end with it. */
static void end_group(pid_t pid)
{
	kill(-pid, SIGTERM);
	child_end(pid, -pid, TERM_GRACE_MS, NULL);
}

/* The environment of one attempt: ours, the env-file's, the CORETRAP_* facts.
 */
static char **hook_env(const struct upload_env *env, const char *path, uint64_t size, unsigned attempt,
		       char facts[4][PATH_MAX + 32])
{
	size_t n = 0, k = 0;
	char **envp;
	const char *base = strrchr(path, '/');

	while (environ && environ[n])
		n++;
	envp = calloc(n + env->n + 5, sizeof(*envp));
	if (!envp)
		return NULL;
	snprintf(facts[0], PATH_MAX + 32, "CORETRAP_DUMP=%s", path);
	snprintf(facts[1], PATH_MAX + 32, "CORETRAP_DUMP_NAME=%s", base ? base + 1 : path);
	snprintf(facts[2], PATH_MAX + 32, "CORETRAP_DUMP_SIZE=%llu", (unsigned long long)size);
	snprintf(facts[3], PATH_MAX + 32, "CORETRAP_ATTEMPT=%u", attempt);
	for (int i = 0; i < 4; i++)
		envp[k++] = facts[i];
	for (size_t i = 0; i < env->n; i++)
		envp[k++] = (char *)env->var[i];
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "CORETRAP_", 9))
			envp[k++] = environ[i];
	envp[k] = NULL;
	return envp;
}

static void run_hook(const struct upload_config *cfg, const struct upload_env *env, const char *path, int dump_fd,
		     uint64_t size, unsigned attempt, struct hook_result *res)
{
	char facts[4][PATH_MAX + 32];
	char *argv[UPLOAD_MAX_ARGS + 3];
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, argc = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	char **envp = hook_env(env, path, size, attempt, facts);
	uint64_t deadline;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->out.first_only = true;
	argv[argc++] = (char *)cfg->exec;
	for (size_t i = 0; i < cfg->nargs; i++)
		argv[argc++] = (char *)cfg->args[i];
	argv[argc++] = (char *)path;
	argv[argc] = NULL;
	if (!envp || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		res->spawn_err = envp ? errno : ENOMEM;
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, dump_fd, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	posix_spawnattr_init(&attr);
	/* our stop signals are blocked in every thread: the hook gets them back */
	sigemptyset(&none);
	sigfillset(&dfl);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setpgroup(&attr, 0); /* its own group: a timeout ends its children too */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	res->spawn_err = posix_spawn(&pid, cfg->exec, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	if (res->spawn_err)
		goto out;
	deadline = now_ns() + (uint64_t)cfg->timeout_s * 1000000000ull;
	while (!res->out.eof || !res->err.eof) {
		struct pollfd p[2] = { { res->out.eof ? -1 : out[0], POLLIN, 0 },
				       { res->err.eof ? -1 : err[0], POLLIN, 0 } };

		if (atomic_load(&U.stop) || (cfg->timeout_s && now_ns() > deadline)) {
			res->stopped = atomic_load(&U.stop);
			res->timed_out = !res->stopped;
			end_group(pid);
			goto out;
		}
		if (poll(p, 2, 200) <= 0)
			continue;
		if (p[0].revents)
			keeper_read(&res->out, out[0]);
		if (p[1].revents)
			keeper_read(&res->err, err[0]);
	}
	/* both pipes closed: the hook is ending (or left a child holding none of them) */
	while (waitpid(pid, &res->status, WNOHANG) == 0) {
		if (atomic_load(&U.stop) || (cfg->timeout_s && now_ns() > deadline)) {
			res->stopped = atomic_load(&U.stop);
			res->timed_out = !res->stopped;
			end_group(pid);
			goto out;
		}
		usleep(20000);
	}
out:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	free(envp);
}

static void describe_failure(const struct hook_result *r, char *buf, size_t len)
{
	if (r->spawn_err)
		snprintf(buf, len, "cannot run the hook: %s", strerror(r->spawn_err));
	else if (r->timed_out)
		snprintf(buf, len, "the hook took longer than its timeout and was ended");
	else if (WIFSIGNALED(r->status))
		snprintf(buf, len, "the hook was killed by signal %d%s%s", WTERMSIG(r->status),
			 r->err.keep[0] ? ": " : "", r->err.keep);
	else
		snprintf(buf, len, "the hook exited with status %d%s%s", WEXITSTATUS(r->status),
			 r->err.keep[0] ? ": " : "", r->err.keep);
}

/* One attempt at q[i] (U.lock not held); true when the item is finished with.
 */
static bool attempt(const struct upload_config *cfg, const struct upload_env *env, const char *path, unsigned n,
		    unsigned *backoff)
{
	struct hook_result r;
	char line[PATH_MAX + 3 * OUT_MAX], what[2 * OUT_MAX], sz[32];
	uint64_t t0 = now_ns();
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	*backoff = 0;
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(line, sizeof(line), "Dump %s is no longer in the spool (%s): not uploaded", path,
			 strerror(errno));
		log_event(&(struct log_event){ .event = "warning", .path = path, .message = line });
		if (fd >= 0)
			close(fd);
		return true;
	}
	run_hook(cfg, env, path, fd, (uint64_t)st.st_size, n, &r);
	close(fd);
	if (r.stopped)
		return false; /* the daemon is stopping: stays queued for the next start */
	if (!r.spawn_err && !r.timed_out && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) {
		int err = cfg->delete_after ? spool_remove(path) : spool_mark_uploaded(path);

		upload_redact(r.out.keep, env, environ);
		snprintf(line, sizeof(line), "Uploaded dump %s (%s) in %.1f s%s%s%s", path,
			 spool_fmt_size((uint64_t)st.st_blocks * 512, sz, sizeof(sz)), (now_ns() - t0) / 1e9,
			 r.out.keep[0] ? " to " : "", r.out.keep,
			 cfg->delete_after && !err ? "; removed from the spool" : "");
		metrics_upload("ok");
		log_event(&(struct log_event){ .event = "uploaded",
					       .path = path,
					       .index = (int)n,
					       .has = LOG_HAS_INDEX,
					       .message = line });
		if (err)
			log_warn("uploaded dump %s: cannot %s: %s", path,
				 cfg->delete_after ? "remove it from the spool" : "mark it uploaded", strerror(-err));
		return true;
	}
	describe_failure(&r, what, sizeof(what));
	upload_redact(what, env, environ);
	metrics_upload("failed");
	if (upload_may_try(cfg, n + 1)) {
		*backoff = upload_backoff_s(cfg, n);
		snprintf(line, sizeof(line), "Upload of dump %s failed (attempt %u): %s; trying again in %u s", path, n,
			 what, *backoff);
	} else {
		snprintf(line, sizeof(line),
			 "Upload of dump %s failed (attempt %u of %u): %s; it stays in the "
			 "spool, queued again at "
			 "the next start",
			 path, n, cfg->retries, what);
	}
	log_event(&(struct log_event){ .event = "upload_failed",
				       .path = path,
				       .index = (int)n,
				       .has = LOG_HAS_INDEX,
				       .message = line });
	return !*backoff;
}

static void *uploader(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&U.lock);
	while (!atomic_load(&U.stop)) {
		uint64_t earliest, now = now_ns();
		long i = next_due(now, &earliest);

		if (i < 0) {
			if (earliest == UINT64_MAX) {
				pthread_cond_wait(&U.wake, &U.lock);
			} else {
				struct timespec ts = { .tv_sec = (time_t)(earliest / 1000000000u),
						       .tv_nsec = (long)(earliest % 1000000000u) };

				pthread_cond_timedwait(&U.wake, &U.lock, &ts);
			}
			continue;
		}

		struct upload_config cfg = U.cfg;
		struct upload_env *env = malloc(sizeof(*env));
		char *path = strdup(U.q[i].path);
		unsigned n = ++U.q[i].attempts, backoff = 0;
		bool done;

		if (!env || !path) {
			free(env);
			free(path);
			U.q[i].due_ns = now + 1000000000ull; /* no memory now: later */
			continue;
		}
		*env = U.env;
		pthread_mutex_unlock(&U.lock);
		done = attempt(&cfg, env, path, n, &backoff);
		pthread_mutex_lock(&U.lock);
		for (size_t j = 0; j < U.n; j++)
			if (!strcmp(U.q[j].path, path)) {
				if (done)
					drop(j);
				else if (backoff)
					U.q[j].due_ns = now_ns() + (uint64_t)backoff * 1000000000ull;
				else
					U.q[j].attempts--; /* stopped: the attempt does not count */
				break;
			}
		free(env);
		free(path);
	}
	pthread_mutex_unlock(&U.lock);
	return NULL;
}

void upload_enqueue(const char *path)
{
	pthread_mutex_lock(&U.lock);
	if (U.running) {
		push(path, 0);
		pthread_cond_signal(&U.wake);
	}
	pthread_mutex_unlock(&U.lock);
}

int upload_configure(const struct upload_config *cfg, const struct upload_env *env)
{
	pthread_condattr_t ca;
	char **pending;
	size_t npending;
	int err;

	if (!cfg->exec[0]) {
		upload_stop();
		return 0;
	}
	pthread_mutex_lock(&U.lock);
	U.cfg = *cfg;
	U.env = *env;
	if (U.running) {
		pthread_cond_signal(&U.wake);
		pthread_mutex_unlock(&U.lock);
		return 0;
	}
	pthread_mutex_unlock(&U.lock);
	/* the dumps left by an earlier run (or written while the storage was down) go first */
	if ((err = spool_pending(&pending, &npending)))
		return err;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* due times are monotonic */
	pthread_cond_init(&U.wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_lock(&U.lock);
	for (size_t i = 0; i < npending; i++) {
		push(pending[i], 0);
		free(pending[i]);
	}
	free(pending);
	atomic_store(&U.stop, false);
	err = -pthread_create(&U.thread, NULL, uploader, NULL);
	U.running = !err;
	pthread_mutex_unlock(&U.lock);
	return err;
}

void upload_stop(void)
{
	pthread_mutex_lock(&U.lock);
	if (!U.running) {
		pthread_mutex_unlock(&U.lock);
		return;
	}
	atomic_store(&U.stop, true);
	pthread_cond_signal(&U.wake);
	pthread_mutex_unlock(&U.lock);
	pthread_join(U.thread, NULL);
	pthread_mutex_lock(&U.lock);
	U.running = false;
	while (U.n)
		drop(U.n - 1);
	pthread_mutex_unlock(&U.lock);
	pthread_cond_destroy(&U.wake);
}
