/* SPDX-License-Identifier: MIT */
/*
 * One dump: name it, write it, say so once. -mc is handed to the writer as
 * the filter to apply, instead of rewriting /proc/PID/coredump_filter as
 * ProcDump does: nothing in the target changes, so nothing needs restoring.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/coredump.h"
#include "dump/companion.h"
#include "dotnet/dotnet.h"
#include "dump/dispatch_dotnet.h"
#include "dump/dispatch.h"
#include "base/journal.h"
#include "base/log.h"
#include "base/metrics.h"
#include "dump/naming.h"
#include "dump/spool.h"
#include "base/proc.h"

static void failed(pid_t pid, const char *name, const char *path, unsigned index, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void failed(pid_t pid, const char *name, const char *path, unsigned index, const char *fmt, ...)
{
	char msg[PATH_MAX + 256];
	va_list ap;
	struct log_event ev = { .event = "dump_failed", .pid = pid, .name = name, .path = path,
				.index = (int)index, .message = msg, .has = LOG_HAS_INDEX };

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_event(&ev);
}

/*
 * A default name is only unique to the second: a second dump of the same
 * process for the same trigger within that second (-s 0, exception bursts)
 * gets "_1", "_2"... instead of failing. A custom name already carries the
 * dump counter, so an existing file there is a real conflict (-o decides).
 */
/*
 * The dump's name is taken: by the dump itself (`suffix` appended: -z names
 * the compressed file), or by its companion's file (a .restrack report).
 */
static bool name_taken(const char *path, const char *suffix)
{
	const struct dump_companion *c = dump_companion_get();
	char other[PATH_MAX + 32];

	snprintf(other, sizeof(other), "%s%s", path, suffix);
	if (access(other, F_OK) == 0)
		return true;
	if (!c || !c->suffix)
		return false;
	snprintf(other, sizeof(other), "%s%s", path, c->suffix);
	return access(other, F_OK) == 0;
}

static int avoid_same_second_collision(const struct config *cfg, char *path, size_t len,
				       const char *suffix)
{
	char base[PATH_MAX];
	unsigned k;

	if (cfg->dump_name[0] || cfg->overwrite || !name_taken(path, suffix))
		return 0;
	snprintf(base, sizeof(base), "%s", path);
	for (k = 1; k < 1000; k++) {
		snprintf(path, len, "%s", base);
		if (naming_add_suffix(path, len, k))
			return -ENAMETOOLONG;
		if (!name_taken(path, suffix))
			return 0;
	}
	return 0; /* give up: the writer reports EEXIST */
}

/*
 * -z's level: the format's default (the fast end), or CORETRAP_Z_LEVEL
 * (gzip 1..9, zstd 1..19) for the bench and for tuning.
 */
int compress_level(void)
{
	const char *v = getenv("CORETRAP_Z_LEVEL");

	return v ? atoi(v) : 0;
}

/* -z: ".gz" or ".zst" after the name. */
static int add_compress_suffix(const struct config *cfg, char *path, size_t len)
{
	size_t n = strlen(path), k = strlen(zformat_suffix(cfg->compress));

	if (n + k >= len)
		return -ENAMETOOLONG;
	memcpy(path + n, zformat_suffix(cfg->compress), k + 1);
	return 0;
}

/* The end of the dump's debug line: live (and what the fault handler copied) or stopped. */
static const char *live_summary(const struct dump_result *res, char *buf, size_t len)
{
	int n;

	if (!res->live) {
		snprintf(buf, len, "stopped for the copy");
		return buf;
	}
	n = snprintf(buf, len, "live: %llu MiB write-protected, %llu pages copied at their first write",
		     (unsigned long long)(res->live_protected_bytes >> 20),
		     (unsigned long long)res->live_fault_pages);
	if (n >= 0 && (size_t)n < len && (res->live_parked_pages || res->live_placed_pages))
		n += snprintf(buf + n, len - (size_t)n, " (%llu waited in a scratch file, %llu written apart)",
			      (unsigned long long)res->live_parked_pages, (unsigned long long)res->live_placed_pages);
	/* an eager pace that never met a freeze never held the writers back */
	if (n >= 0 && (size_t)n < len && res->live_paced && !res->live_slowest_pace)
		snprintf(buf + n, len - (size_t)n, "; writes at full speed, no VM freeze seen");
	else if (n >= 0 && (size_t)n < len && res->live_paced)
		snprintf(buf + n, len - (size_t)n, "; writes paced: %u VM freezes (worst %.1f ms), slowest %llu MB/s",
			 res->live_freezes, res->live_worst_freeze_ns / 1e6,
			 (unsigned long long)(res->live_slowest_pace / 1000000));
	return buf;
}

static int write_dump(const struct config *cfg, pid_t pid, const struct trigger_info *why, unsigned index,
		      const char *name, const char *path, char *path_out, size_t path_len,
		      struct dump_result *res);
static int dump_process_uncounted(const struct config *cfg, pid_t pid, const struct trigger_info *why,
				  unsigned index, char *path_out, size_t path_len, struct dump_result *res);

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *dump_result_label(int r)
{
	return r == 0 ? "ok" : r == -EINTR ? "interrupted" : r == -EDQUOT ? "skipped" : "failed";
}

/* One journal entry per dump, with the fields systemd-coredump uses where they mean the same. */
static void journal_dump(pid_t pid, const char *comm, const char *exe, const struct trigger_info *why,
			 const char *rule, int r, const char *path, uint64_t bytes)
{
	char pid_s[16], sig_s[16], size_s[24], msg[PATH_MAX + 256];

	snprintf(pid_s, sizeof(pid_s), "%d", (int)pid);
	snprintf(sig_s, sizeof(sig_s), "%d", why->siginfo ? why->siginfo->si_signo : 0);
	snprintf(size_s, sizeof(size_s), "%llu", (unsigned long long)bytes);
	if (!r)
		snprintf(msg, sizeof(msg), "Process %d (%s) dumped on %s trigger: %s", (int)pid, comm, why->kind,
			 path);
	else
		snprintf(msg, sizeof(msg), "Process %d (%s): dump on %s trigger %s: %s", (int)pid, comm,
			 why->kind, dump_result_label(r), r == -EDQUOT ? "a storage cap refused it" : strerror(-r));

	const struct journal_field f[] = {
		{ "MESSAGE", msg },
		{ "MESSAGE_ID", JOURNAL_MESSAGE_ID_DUMP },
		{ "PRIORITY", r ? "3" : "5" },
		{ "SYSLOG_IDENTIFIER", "coretrap" },
		{ "COREDUMP_PID", pid_s },
		{ "COREDUMP_COMM", comm[0] ? comm : NULL },
		{ "COREDUMP_EXE", exe[0] ? exe : NULL },
		{ "COREDUMP_SIGNAL", why->siginfo ? sig_s : NULL },
		{ "COREDUMP_FILENAME", r ? NULL : path },
		{ "CORETRAP_TRIGGER", why->kind },
		{ "CORETRAP_RULE", rule },
		{ "CORETRAP_RESULT", dump_result_label(r) },
		{ "CORETRAP_SIZE", r ? NULL : size_s },
	};
	journal_send(f, sizeof(f) / sizeof(f[0]));
}

/*
 * The daemon's spool caps, before anything is written: a refusal is an
 * event ("dump_skipped", saying which cap and by how much), never a silent
 * skip. 0 (slot held), -EDQUOT (refused) or -errno (the spool is unreadable).
 */
static int admit(const struct config *cfg, pid_t pid, const struct trigger_info *why, unsigned index,
		 struct spool_slot *slot)
{
	char name[CONFIG_NAME_MAX] = "?", reason[512], msg[PATH_MAX + 700];
	int r = spool_admit(pid, slot, reason, sizeof(reason));

	if (!r)
		return 0;
	proc_name(pid, name, sizeof(name));
	if (r == -EDQUOT) {
		snprintf(msg, sizeof(msg), "Dump of process %d (%s) on %s trigger skipped: %s", (int)pid, name,
			 why->kind, reason);
		log_event(&(struct log_event){ .event = "dump_skipped", .pid = pid, .name = name, .trigger = why->kind,
					       .rule = why->rule, .path = cfg->dump_dir, .index = (int)index,
					       .has = LOG_HAS_INDEX, .message = msg });
	} else {
		failed(pid, name, NULL, index, "dump of process %d not started: %s", (int)pid, reason);
	}
	return r;
}

int dump_process(const struct config *cfg, pid_t pid, const struct trigger_info *why,
		 unsigned index, char *path_out, size_t path_len)
{
	const char *rule = why->rule ? why->rule : METRICS_RULE_CMDLINE;
	struct spool_slot slot = { .fd = -1 };
	struct dump_result res = { 0 };
	char path[PATH_MAX] = "";
	uint64_t t0 = mono_ns();
	int r;

	char comm[CONFIG_NAME_MAX] = "", exe[PATH_MAX] = "", link[64];
	bool journal = journal_wanted();

	if (journal) { /* read before the dump: the target may be gone after it */
		ssize_t n;

		proc_name(pid, comm, sizeof(comm));
		snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
		n = readlink(link, exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = '\0';
	}
	metrics_trigger(rule, why->kind);
	bool in_spool = spool_governs(cfg->dump_dir); /* one answer for the admission and the queueing */

	r = in_spool ? admit(cfg, pid, why, index, &slot) : 0;
	if (!r)
		r = dump_process_uncounted(cfg, pid, why, index, path, sizeof(path), &res);
	spool_release(&slot);
	if (!r && in_spool)
		spool_written(path); /* the spool gauge, the upload queue */
	if (!r && !res.wall_ns) { /* a .NET dump or a report alone: no writer figures, measure here */
		struct stat st;

		res.wall_ns = mono_ns() - t0;
		if (!stat(path, &st))
			res.apparent_bytes = (uint64_t)st.st_size;
	}
	/* the bytes of the file on disk: with -z the compressed ones */
	uint64_t bytes = res.compressed_bytes ? res.compressed_bytes : res.apparent_bytes;

	metrics_dump(rule, dump_result_label(r), bytes, res.wall_ns, res.stopped_ns);
	if (journal)
		journal_dump(pid, comm, exe, why, rule, r, path, bytes);
	if (!r && path_out && path_len)
		snprintf(path_out, path_len, "%s", path);
	return r;
}

static int dump_process_uncounted(const struct config *cfg, pid_t pid, const struct trigger_info *why,
				  unsigned index, char *path_out, size_t path_len, struct dump_result *res)
{
	char name[CONFIG_NAME_MAX], path[PATH_MAX], plain[PATH_MAX];
	time_t now = time(NULL);
	struct tm local;
	int r;

	if (proc_name(pid, name, sizeof(name))) {
		failed(pid, NULL, NULL, index, "process %d exited before it could be dumped", (int)pid);
		return -ESRCH;
	}
	localtime_r(&now, &local);
	r = naming_build(path, sizeof(path), cfg->dump_dir, name, cfg->dump_name, why->kind, &local, pid,
			 index);
	if (r) {
		failed(pid, name, NULL, index, "dump file name in '%s' is too long", cfg->dump_dir);
		return r;
	}
	r = avoid_same_second_collision(cfg, path, sizeof(path), zformat_suffix(cfg->compress));
	/* the report is named after the uncompressed name: it is text, not gzip/zstd */
	snprintf(plain, sizeof(plain), "%s", path);
	if (!r)
		r = add_compress_suffix(cfg, path, sizeof(path));
	if (r) {
		failed(pid, name, NULL, index, "dump file name in '%s' is too long", cfg->dump_dir);
		return r;
	}

	const struct dump_companion *c = dump_companion_get();

	if (c && c->replaces_dump) { /* -restrack nodump: the report alone, under the dump's name */
		r = c->after_dump(c->ctx, pid, why->kind, plain, index);
		if (!r && path_out && path_len)
			snprintf(path_out, path_len, "%s", plain);
		return r;
	}
	r = write_dump(cfg, pid, why, index, name, path, path_out, path_len, res);
	/* The dump is written whatever becomes of its report (which says so itself). */
	if (!r && c)
		c->after_dump(c->ctx, pid, why->kind, plain, index);
	return r;
}

static int write_dump(const struct config *cfg, pid_t pid, const struct trigger_info *why, unsigned index,
		      const char *name, const char *path, char *path_out, size_t path_len,
		      struct dump_result *out)
{
	struct dump_result res;
	char summary[256];
	int r;

	/* .NET targets get the runtime's own dump (managed heap readable by
	 * ClrMD/SOS); a target the caller already holds in ptrace cannot be
	 * attached by createdump, so it keeps the native writer. */
	if (!why->already_seized && dotnet_detect(pid))
		return dotnet_dump_and_log(cfg, pid, why, index, name, path, path_out, path_len);

	struct dump_request req = {
		.pid = pid,
		.first_tid = why->tid,
		.siginfo = why->siginfo,
		.has_filter = cfg->has_coredump_filter,
		.filter = cfg->coredump_filter,
		.path = path,
		.overwrite = cfg->overwrite,
		.already_seized = why->already_seized,
		.interrupted = why->interrupted,
		.live_off = cfg->live_mode == LIVE_OFF,
		.trigger = why->kind,
		.compress = cfg->compress,
		.compress_level = compress_level(),
	};
	r = coredump_write(&req, &res);
	if (!r)
		*out = res;
	switch (r) {
	case 0: {
		struct log_event ev = { .event = "dump", .pid = pid, .name = name, .trigger = why->kind,
					.rule = why->rule, .path = path, .index = (int)index, .has = LOG_HAS_INDEX };

		log_event(&ev);
		if (path_out && path_len)
			snprintf(path_out, path_len, "%s", path);
		/* why a native dump stopped the target for the whole copy (not said for -live off) */
		if (res.live_restarted)
			log_debug("dump %s: live dump dropped, written stopped: %s", path, res.live_why);
		else if (!res.live && res.live_why[0])
			log_debug("dump %s: not live, written stopped: %s", path, res.live_why);
		log_debug("dump %s: %llu bytes (%llu allocated), %u threads, %u segments, stopped %.3f ms, "
			  "%s I/O, ring %llu of %llu MiB (%s pages) faulted in %.3f ms before the stop, %s",
			  path, (unsigned long long)res.apparent_bytes,
			  (unsigned long long)res.allocated_bytes, res.threads, res.segments,
			  res.stopped_ns / 1e6, res.direct_io ? "direct" : "buffered",
			  (unsigned long long)(res.ring_bytes >> 20),
			  (unsigned long long)(res.ring_wanted_bytes >> 20), res.ring_small_pages ? "4 KiB" : "huge",
			  res.ring_fault_ns / 1e6, live_summary(&res, summary, sizeof(summary)));
		if (cfg->compress)
			log_debug("dump %s: %s, %llu bytes of %llu (%.1f%%), compressor CPU %.1f ms, "
				  "%.1f ms after the copy",
				  path, zformat_name(cfg->compress), (unsigned long long)res.compressed_bytes,
				  (unsigned long long)res.apparent_bytes,
				  res.apparent_bytes ? 100.0 * res.compressed_bytes / res.apparent_bytes : 0.0,
				  res.compress_cpu_ns / 1e6, res.compress_tail_ns / 1e6);
		return 0;
	}
	case -EEXIST:
		failed(pid, name, path, index, "dump file %s already exists (use -o to overwrite)", path);
		break;
	case -ESRCH:
		failed(pid, name, path, index, "process %d exited during the dump; no file written", (int)pid);
		break;
	case -EINTR:
		failed(pid, name, path, index, "dump of process %d interrupted; no file written", (int)pid);
		break;
	default:
		failed(pid, name, path, index, "failed to write dump %s: %s", path, strerror(-r));
	}
	return r;
}
