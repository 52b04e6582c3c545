/* SPDX-License-Identifier: MIT */
/*
 * /proc readers. A process may vanish between any two reads: every reader
 * maps that to -ESRCH and never trusts a partial read.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/proc.h"

static const char *base_of(const char *path, size_t len, size_t *base_len)
{
	const char *b = path;

	for (size_t i = 0; i < len; i++)
		if (path[i] == '/')
			b = path + i + 1;
	*base_len = len - (size_t)(b - path);
	return b;
}

int proc_name_from_cmdline(const char *buf, size_t len, char *out, size_t outlen)
{
	const char *arg = buf;
	size_t arg_len = strnlen(buf, len);
	const char *b;
	size_t blen;

	b = base_of(arg, arg_len, &blen);
	if (blen == 4 && !memcmp(b, "sudo", 4) && arg_len + 1 < len) {
		arg = buf + arg_len + 1;
		arg_len = strnlen(arg, len - arg_len - 1);
	}
	const char *space = memchr(arg, ' ', arg_len);

	if (space)
		arg_len = (size_t)(space - arg);
	b = base_of(arg, arg_len, &blen);
	if (!blen || !outlen)
		return -ENOENT;
	if (blen >= outlen)
		blen = outlen - 1;
	memcpy(out, b, blen);
	out[blen] = '\0';
	return 0;
}

char proc_state_from_stat(const char *buf)
{
	const char *paren = strrchr(buf, ')');

	if (!paren || paren[1] != ' ' || !isalpha((unsigned char)paren[2]))
		return 0;
	return paren[2];
}

int proc_euid_from_status(const char *buf, uid_t *out)
{
	const char *line = strstr(buf, "\nUid:");
	unsigned long real, eff;

	if (!line || sscanf(line + 5, "%lu %lu", &real, &eff) != 2)
		return -EINVAL;
	*out = (uid_t)eff;
	return 0;
}

/* The number the kernel prints after `field` ("\nThreads:") in status text, or -EINVAL. */
static int status_number(const char *buf, const char *field)
{
	const char *line = strstr(buf, field);
	int n;

	if (!line || sscanf(line + strlen(field), "%d", &n) != 1 || n < 0)
		return -EINVAL;
	return n;
}

int proc_threads_from_status(const char *buf)
{
	return status_number(buf, "\nThreads:");
}

/* Whole small /proc file into buf (NUL-terminated); bytes read or -ESRCH. */
static ssize_t read_proc(pid_t pid, const char *file, char *buf, size_t len)
{
	char path[64];
	ssize_t n, total = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == EACCES ? -EACCES : -ESRCH;
	while ((size_t)total < len - 1 && (n = read(fd, buf + total, len - 1 - (size_t)total)) > 0)
		total += n;
	if (total == 0 && n < 0)
		total = -ESRCH; /* ESRCH from a dying task, or EIO */
	close(fd);
	if (total >= 0)
		buf[total] = '\0';
	return total;
}

int proc_name(pid_t pid, char *out, size_t len)
{
	char buf[4096];
	ssize_t n = read_proc(pid, "cmdline", buf, sizeof(buf));

	if (n > 0 && proc_name_from_cmdline(buf, (size_t)n, out, len) == 0)
		return 0;
	/* kernel thread, zombie or empty cmdline: comm */
	n = read_proc(pid, "comm", buf, sizeof(buf));
	if (n <= 0)
		return n < 0 ? (int)n : -ESRCH;
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(out, len, "%s", buf);
	return 0;
}

bool proc_alive(pid_t pid)
{
	char buf[1024];
	char state;

	if (pid <= 0 || read_proc(pid, "stat", buf, sizeof(buf)) <= 0)
		return false;
	state = proc_state_from_stat(buf);
	return state && state != 'Z' && state != 'X' && state != 'x';
}

bool proc_has_live_thread(pid_t pid)
{
	char status[4096];

	if (proc_alive(pid))
		return true;
	/*
	 * A zombie leader whose other threads still run (pthread_exit in
	 * main); a dead process that is not reaped yet counts only its leader.
	 */
	return read_proc(pid, "status", status, sizeof(status)) > 0 &&
	       strstr(status, "\nState:\tZ") && proc_threads_from_status(status) > 1;
}

int proc_seccomp_from_status(const char *buf)
{
	return status_number(buf, "\nSeccomp:");
}

int proc_cap_eff_from_status(const char *buf, uint64_t *out)
{
	const char *line = strstr(buf, "\nCapEff:");
	unsigned long long caps;

	if (!line || sscanf(line + 8, "%llx", &caps) != 1)
		return -EINVAL;
	*out = caps;
	return 0;
}

/* A status file (rel: "status", "task/TID/status") into buf; 0 or a negative errno. */
static int read_status(pid_t pid, const char *rel, char *buf, size_t len)
{
	ssize_t n = read_proc(pid, rel, buf, len);

	return n > 0 ? 0 : n < 0 ? (int)n : -ESRCH;
}

int proc_cap_eff(pid_t pid, uint64_t *out)
{
	char buf[4096];
	int err = read_status(pid, "status", buf, sizeof(buf));

	return err ? err : proc_cap_eff_from_status(buf, out);
}

int proc_thread_seccomp(pid_t pid, pid_t tid)
{
	char buf[4096], rel[48];
	int err;

	snprintf(rel, sizeof(rel), "task/%d/status", tid);
	err = read_status(pid, rel, buf, sizeof(buf));
	return err ? err : proc_seccomp_from_status(buf);
}

int proc_euid(pid_t pid, uid_t *out)
{
	char buf[4096];
	int err = read_status(pid, "status", buf, sizeof(buf));

	if (err)
		return err;
	return proc_euid_from_status(buf, out) ? -ESRCH : 0;
}

int proc_find_by_name(const char *name, bool ignore_case, pid_t *out)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid(), best = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char comm[256], *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || pid == self || (best && pid >= best))
			continue;
		if (proc_name((pid_t)pid, comm, sizeof(comm)))
			continue; /* vanished meanwhile */
		if ((ignore_case ? strcasecmp(comm, name) : strcmp(comm, name)) || !proc_alive((pid_t)pid))
			continue;
		best = (pid_t)pid;
	}
	closedir(d);
	if (!best)
		return -ESRCH;
	*out = best;
	return 0;
}
