// SPDX-License-Identifier: MIT
/* Typed /proc readers; see proc.h. The I/O and its error policy are proc_read's. */
#include "base/proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/proc_parse.h"
#include "base/proc_read.h"

int proc_name(pid_t pid, char *out, size_t len)
{
	char comm[PROC_PAGE_FILE_MAX], *cmdline;
	size_t n;
	int err;

	if (proc_read_alloc(pid, 0, "cmdline", &cmdline, &n) == 0) {
		err = n ? proc_name_from_cmdline(cmdline, n, out, len) : -ENOENT;
		free(cmdline);
		if (!err)
			return 0;
	}
	/* kernel thread, zombie or empty cmdline: comm */
	err = proc_read(pid, 0, "comm", comm, sizeof(comm), &n);
	if (err)
		return err;
	if (!n)
		return -ESRCH;
	comm[strcspn(comm, "\n")] = '\0';
	snprintf(out, len, "%s", comm);
	return 0;
}

int proc_each_pid(void (*fn)(pid_t pid, void *ctx), void *ctx)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (!*end && pid > 0 && pid != self)
			fn((pid_t)pid, ctx);
	}
	closedir(d);
	return 0;
}

struct name_search {
	const char *name;
	bool ignore_case;
	pid_t best;
};

static void consider_by_name(pid_t pid, void *ctx)
{
	struct name_search *s = ctx;
	char comm[256];

	if (s->best && pid >= s->best)
		return;
	if (proc_name(pid, comm, sizeof(comm)))
		return; /* vanished meanwhile */
	if ((s->ignore_case ? strcasecmp(comm, s->name) : strcmp(comm, s->name)) || !proc_alive(pid))
		return;
	s->best = pid;
}

int proc_find_by_name(const char *name, bool ignore_case, pid_t *out)
{
	struct name_search s = { name, ignore_case, 0 };
	int err = proc_each_pid(consider_by_name, &s);

	if (err)
		return err;
	if (!s.best)
		return -ESRCH;
	*out = s.best;
	return 0;
}

int proc_state(pid_t tgid, pid_t tid, char *state)
{
	char stat[PROC_PAGE_FILE_MAX];
	int err = proc_read(tgid, tid, "stat", stat, sizeof(stat), NULL);

	if (err)
		return err;
	*state = proc_stat_state(stat);
	return *state ? 0 : -EINVAL;
}

bool proc_alive(pid_t pid)
{
	char state;

	return pid > 0 && proc_state(pid, 0, &state) == 0 && !proc_state_dead(state);
}

/* The status text of a process or thread, malloc'd: it can take many pages (Groups:). */
static int read_status(pid_t tgid, pid_t tid, char **status)
{
	return proc_read_alloc(tgid, tid, "status", status, NULL);
}

bool proc_has_live_thread(pid_t pid)
{
	const char *state;
	char *status;
	uint64_t threads;
	bool live;

	if (proc_alive(pid))
		return true;
	/*
	 * A zombie leader whose other threads still run (pthread_exit in
	 * main); a dead process that is not reaped yet counts only its leader.
	 */
	if (pid <= 0 || read_status(pid, 0, &status))
		return false;
	state = proc_field(status, "State");
	live = state && *state == 'Z' && proc_field_num(status, "Threads", 0, &threads) == 0 && threads > 1;
	free(status);
	return live;
}

int proc_tracer_pid(pid_t tgid, pid_t tid, pid_t *tracer)
{
	char *status;
	uint64_t v;
	int err = read_status(tgid, tid, &status);

	if (err)
		return err;
	err = proc_field_num(status, "TracerPid", 0, &v);
	free(status);
	if (!err)
		*tracer = (pid_t)v;
	return err;
}

int proc_thread_seccomp(pid_t pid, pid_t tid)
{
	char *status;
	uint64_t mode;
	int err = read_status(pid, tid, &status);

	if (err)
		return err;
	err = proc_field_num(status, "Seccomp", 0, &mode);
	free(status);
	return err ? err : (int)mode;
}

int proc_cap_eff(pid_t pid, uint64_t *out)
{
	char *status;
	int err = read_status(pid, 0, &status);

	if (err)
		return err;
	err = proc_field_hex(status, "CapEff", out);
	free(status);
	return err;
}

int proc_euid(pid_t pid, uid_t *out)
{
	char *status;
	uint64_t v;
	int err = read_status(pid, 0, &status);

	if (err)
		return err;
	err = proc_field_num(status, "Uid", PROC_ID_EFFECTIVE, &v);
	free(status);
	if (!err)
		*out = (uid_t)v;
	return err;
}

int proc_dispositions(pid_t pid, uint64_t *ignored, uint64_t *caught)
{
	char *status;
	int err = read_status(pid, 0, &status);

	if (err)
		return err;
	err = proc_field_hex(status, "SigIgn", ignored);
	if (!err)
		err = proc_field_hex(status, "SigCgt", caught);
	free(status);
	return err;
}

int proc_counts(pid_t pid, long page_size, uint64_t *rss_pages, uint32_t *threads)
{
	char *status;
	int err = read_status(pid, 0, &status);

	if (err)
		return err;
	err = proc_status_counts(status, page_size, rss_pages, threads);
	free(status);
	return err;
}

int proc_fd_count(pid_t pid, uint32_t *out)
{
	int fd = proc_open(pid, 0, "fd", O_RDONLY | O_DIRECTORY);
	struct dirent *de;
	uint32_t n = 0;
	DIR *dir;

	if (fd < 0)
		return fd;
	dir = fdopendir(fd);
	if (!dir) {
		int err = -errno;

		close(fd);
		return err;
	}
	/* readdir gives no error of its own for a process that exits meanwhile: a stale count */
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	*out = n;
	return 0;
}

int proc_read_maps(pid_t pid, bool smaps, struct maps *out)
{
	char *text;
	size_t len;
	int err;

	memset(out, 0, sizeof(*out)); /* maps_free is safe whatever happens */
	err = proc_read_alloc(pid, 0, smaps ? "smaps" : "maps", &text, &len);
	if (err)
		return err;
	err = maps_parse(text, len, out);
	free(text);
	return err;
}

/* A "Key:   N kB" line of meminfo in bytes; 0 when this kernel lacks it. */
static uint64_t meminfo_bytes(const char *meminfo, const char *key)
{
	uint64_t kb;

	return proc_field_num(meminfo, key, 0, &kb) ? 0 : kb * 1024;
}

int proc_meminfo(struct proc_meminfo *out)
{
	char *text;
	int err = proc_read_alloc(PROC_SYSTEM, 0, "meminfo", &text, NULL);

	if (err)
		return err;
	out->available_bytes = meminfo_bytes(text, "MemAvailable");
	out->dirty_bytes = meminfo_bytes(text, "Dirty");
	out->writeback_bytes = meminfo_bytes(text, "Writeback");
	free(text);
	return 0;
}

int proc_sys_number(const char *file, uint64_t *out)
{
	char buf[PROC_PAGE_FILE_MAX];
	int err = proc_read(PROC_SYSTEM, 0, file, buf, sizeof(buf), NULL);

	return err ? err : proc_parse_number(buf, 10, out);
}

uint64_t proc_ticks_to_us(uint64_t ticks)
{
	static long hz;

	if (!hz)
		hz = sysconf(_SC_CLK_TCK);
	return ticks * 1000000ull / (uint64_t)(hz > 0 ? hz : 100);
}
