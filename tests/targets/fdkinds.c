// SPDX-License-Identifier: MIT
/*
 * Test target for the fd trigger: creates descriptors through one syscall
 * kind at a time, on cue. Commands on stdin, one per line:
 *   openat N | dup N | socket N | pipe2 N   create N fds that way (pipe2: N/2 pipes)
 *   close                                   close() every fd created so far
 * After "ready PID COUNT" and after each command it prints "ok COUNT", COUNT
 * being its number of open fds (from /proc/self/fd, the directory's own fd
 * included), so a test can compare with what coretrap counted.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_FDS 512

static int fds[MAX_FDS];
static int nfds;

/*
 * Counted through a directory fd opened once at start, read with lseek and
 * getdents64 only: counting must not itself open or close anything, or the
 * fd trigger would see an fd-changing syscall that is not the one tested.
 */
static int proc_fd_dir = -1;

static int open_fd_count(void)
{
	char buf[8192];
	long len;
	int n = 0;

	if (lseek(proc_fd_dir, 0, SEEK_SET) < 0)
		return -1;
	while ((len = syscall(SYS_getdents64, proc_fd_dir, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < len;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);

			n += e->d_name[0] != '.';
			off += e->d_reclen;
		}
	}
	return n; /* the directory's own fd included: it is open too */
}

static void keep(int fd)
{
	if (fd >= 0 && nfds < MAX_FDS)
		fds[nfds++] = fd;
}

static void create(const char *kind, int n)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(kind, "openat") == 0) {
			keep(openat(AT_FDCWD, "/dev/null", O_RDONLY));
		} else if (strcmp(kind, "dup") == 0) {
			keep(dup(0));
		} else if (strcmp(kind, "socket") == 0) {
			keep(socket(AF_UNIX, SOCK_DGRAM, 0));
		} else if (strcmp(kind, "pipe2") == 0 && i % 2 == 0) {
			int p[2];

			if (pipe2(p, 0) == 0) {
				keep(p[0]);
				keep(p[1]);
			}
		}
	}
}

int main(void)
{
	char line[128], kind[32];
	int n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	proc_fd_dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
	if (proc_fd_dir < 0)
		return 1;
	printf("ready %d %d\n", (int)getpid(), open_fd_count());
	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "%31s %d", kind, &n) == 2) {
			create(kind, n);
		} else if (strncmp(line, "close", 5) == 0) {
			while (nfds > 0)
				close(fds[--nfds]);
		}
		printf("ok %d\n", open_fd_count());
	}
	return 0;
}
