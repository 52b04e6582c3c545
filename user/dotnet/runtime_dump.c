/* SPDX-License-Identifier: MIT */
/*
 * A .NET dump written by the runtime itself. The runtime forks createdump,
 * which runs as the target's uid, in the target's mount namespace and cwd
 * (ProcDump issue 255: a path that is fine for us may not exist or be
 * writable there). So:
 *
 *  1. We create a private staging directory (mode 0700, owned by the target's
 *     uid) that the target can see: inside the destination directory when the
 *     target sees that very directory (same device and inode through
 *     /proc/PID/root) and has CAP_DAC_OVERRIDE (so no mode on the way can
 *     stop it), else inside the target's own TMPDIR (where the runtime
 *     already made its socket, so it is reachable and writable).
 *  2. createdump writes <staging>/core, named by its path in the target's view.
 *  3. We check the file really exists (an old runtime replied OK regardless),
 *     take it over (root-owned, 0600) and rename it to the destination, or copy
 *     it sparsely when the staging directory is on another filesystem; then the
 *     staging directory is removed.
 *
 * Around the dump, DOTNET_DbgDisablePagemapUse=0 is set in the runtime
 * (SetEnvironmentVariable) so createdump skips non-present pages instead of
 * faulting them in — the target must not grow because we dumped it. The
 * previous value is restored afterwards; there is no "unset" command, so a
 * variable that was unset is set to "1", the runtime's default meaning.
 */
#include "dotnet/dotnet.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/mono_clock.h"

#define STAGED_NAME "core"

struct stage {
	int parent_fd;          /* directory holding the staging directory */
	int dir_fd;             /* the staging directory */
	char name[64];          /* its name in parent_fd */
	char view_path[PATH_MAX]; /* <staging>/core as the target sees it, '%' escaped */
};

static uint32_t ipc_dump_type(enum dotnet_dump_type type)
{
	switch (type) {
	case DOTNET_DUMP_MINI: return IPC_DUMP_TYPE_NORMAL;
	case DOTNET_DUMP_TRIAGE: return IPC_DUMP_TYPE_TRIAGE;
	case DOTNET_DUMP_FULL: return IPC_DUMP_TYPE_FULL;
	case DOTNET_DUMP_HEAP:
	default: return IPC_DUMP_TYPE_WITH_HEAP;
	}
}

const char *dotnet_dump_type_name(enum dotnet_dump_type type)
{
	switch (type) {
	case DOTNET_DUMP_MINI: return "mini";
	case DOTNET_DUMP_TRIAGE: return "triage";
	case DOTNET_DUMP_FULL: return "full";
	case DOTNET_DUMP_HEAP:
	default: return "heap";
	}
}

int dotnet_dump_type_parse(const char *text, enum dotnet_dump_type *out)
{
	static const enum dotnet_dump_type all[] = { DOTNET_DUMP_HEAP, DOTNET_DUMP_MINI,
						     DOTNET_DUMP_TRIAGE, DOTNET_DUMP_FULL };

	for (size_t i = 0; text && i < sizeof(all) / sizeof(all[0]); i++)
		if (strcasecmp(text, dotnet_dump_type_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return -EINVAL;
}

void dotnet_describe(const struct dotnet_dump_result *res, enum dotnet_dump_type type, char *out,
		     size_t len)
{
	const struct ipc_process_info *i = &res->info;
	char version[sizeof(i->runtime_version)];

	/* "10.0.12+commit" -> "10.0.12" */
	snprintf(version, sizeof(version), "%s", i->runtime_version);
	version[strcspn(version, "+")] = '\0';
	snprintf(out, len, ".NET%s%s%s%s, %s dump", version[0] ? " " : "", version,
		 i->entry_assembly[0] ? ", entry " : "", i->entry_assembly,
		 dotnet_dump_type_name(type));
}

/* Copy src into dst doubling every '%': createdump expands %p, %e, %h, %t. */
static int escape_percent(char *dst, size_t cap, const char *src)
{
	size_t o = 0;

	for (; *src; src++) {
		if (o + 3 > cap)
			return -ENAMETOOLONG;
		if (*src == '%')
			dst[o++] = '%';
		dst[o++] = *src;
	}
	dst[o] = '\0';
	return 0;
}

static void stage_remove(struct stage *s)
{
	if (s->dir_fd >= 0) {
		unlinkat(s->dir_fd, STAGED_NAME, 0);
		unlinkat(s->dir_fd, STAGED_NAME ".crashreport.json", 0);
		close(s->dir_fd);
		/* fails (ENOTEMPTY) only if a timed-out createdump is still writing */
		unlinkat(s->parent_fd, s->name, AT_REMOVEDIR);
	}
	if (s->parent_fd >= 0)
		close(s->parent_fd);
	s->dir_fd = s->parent_fd = -1;
}

/* Pick the parent directory (see the top comment) and create the staging dir. */
static int stage_create(const struct dotnet_target *t, const char *dest_dir, struct stage *s)
{
	const char *view_parent = dest_dir;
	char view[PATH_MAX];
	struct stat ours, theirs;
	int err;

	s->parent_fd = s->dir_fd = -1;
	/* The destination only works when the target sees that very directory
	 * and can reach it whatever its modes: i.e. it has CAP_DAC_OVERRIDE.
	 * Its TMPDIR always works: the runtime made its socket there. */
	err = t->dac_override ? dotnet_open_in_root(t->root_fd, dest_dir, O_PATH | O_DIRECTORY)
			      : -EACCES;
	if (err >= 0 && (stat(dest_dir, &ours) < 0 || fstat(err, &theirs) < 0 ||
			 ours.st_dev != theirs.st_dev || ours.st_ino != theirs.st_ino)) {
		close(err);
		err = -ENOENT;
	}
	if (err < 0) {
		/* the target does not see our destination: stage in its TMPDIR */
		view_parent = t->tmpdir;
		err = dotnet_open_in_root(t->root_fd, t->tmpdir, O_PATH | O_DIRECTORY);
		if (err < 0)
			return err;
	}
	s->parent_fd = err;
	for (int attempt = 0;; attempt++) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(s->name, sizeof(s->name), ".coretrap-%d-%lx", (int)getpid(),
			 (unsigned long)(ts.tv_nsec ^ (attempt * 0x9E3779B1u)));
		if (mkdirat(s->parent_fd, s->name, 0700) == 0)
			break;
		if (errno != EEXIST || attempt > 16) {
			err = -errno;
			goto fail;
		}
	}
	s->dir_fd = openat(s->parent_fd, s->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->dir_fd < 0) {
		err = -errno;
		unlinkat(s->parent_fd, s->name, AT_REMOVEDIR);
		goto fail;
	}
	/* createdump runs as the target's uid: the directory must be its own */
	if (fchown(s->dir_fd, t->uid, t->gid) < 0 || fchmod(s->dir_fd, 0700) < 0) {
		err = -errno;
		goto fail;
	}
	if (snprintf(view, sizeof(view), "%s%s%s/" STAGED_NAME, view_parent,
		     view_parent[strlen(view_parent) - 1] == '/' ? "" : "/", s->name) >= (int)sizeof(view)) {
		err = -ENAMETOOLONG;
		goto fail;
	}
	if ((err = escape_percent(s->view_path, sizeof(s->view_path), view)))
		goto fail;
	return 0;
fail:
	stage_remove(s);
	return err;
}

/* Copy [from, to) at the same offsets: copy_file_range, or read/write when
 * the kernel refuses it between these filesystems (EXDEV tmpfs -> ext4). */
static int copy_range(int src, int dst, off_t from, off_t to)
{
	static char buf[1 << 20];
	bool plain = false;

	while (from < to) {
		ssize_t n;

		if (!plain) {
			off_t in = from, out = from;

			n = copy_file_range(src, &in, dst, &out, (size_t)(to - from), 0);
			if (n < 0 && (errno == EXDEV || errno == EOPNOTSUPP || errno == EINVAL ||
				      errno == ENOSYS)) {
				plain = true;
				continue;
			}
		} else {
			size_t want = (size_t)(to - from) < sizeof(buf) ? (size_t)(to - from) : sizeof(buf);

			n = pread(src, buf, want, from);
			if (n > 0) {
				for (ssize_t done = 0; done < n;) {
					ssize_t w = pwrite(dst, buf + done, (size_t)(n - done), from + done);

					if (w < 0 && errno == EINTR)
						continue;
					if (w <= 0)
						return w < 0 ? -errno : -EIO;
					done += w;
				}
			}
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		from += n;
	}
	return 0;
}

/* Sparse copy of src into a new 0600 file at path (other filesystem case). */
static int copy_sparse(int src, const char *dest_dir, const char *path, bool overwrite)
{
	char fdpath[64], tmpname[PATH_MAX];
	off_t size = lseek(src, 0, SEEK_END), data = 0;
	int dst = open(dest_dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600), err = 0;

	if (dst < 0)
		return -errno;
	while (data < size) {
		off_t hole;

		data = lseek(src, data, SEEK_DATA);
		if (data < 0) {
			if (errno != ENXIO)
				err = -errno;
			break; /* ENXIO: only a hole is left */
		}
		hole = lseek(src, data, SEEK_HOLE);
		if (hole < 0) {
			err = -errno;
			break;
		}
		if ((err = copy_range(src, dst, data, hole)))
			break;
		data = hole;
	}
	if (!err && ftruncate(dst, size) < 0)
		err = -errno;
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", dst);
	if (!err && !overwrite && linkat(AT_FDCWD, fdpath, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0)
		err = -errno;
	if (!err && overwrite) {
		snprintf(tmpname, sizeof(tmpname), "%s.coretrap-tmp-%d", path, (int)getpid());
		if (linkat(AT_FDCWD, fdpath, AT_FDCWD, tmpname, AT_SYMLINK_FOLLOW) < 0)
			err = -errno;
		else if (rename(tmpname, path) < 0) {
			err = -errno;
			unlink(tmpname);
		}
	}
	close(dst);
	return err;
}

/* Take over the staged file and put it at path. */
static int place_dump(const struct dotnet_target *t, struct stage *s, const char *dest_dir,
		      const char *path, bool overwrite, struct dotnet_dump_result *res)
{
	struct stat st;
	int fd = openat(s->dir_fd, STAGED_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	int err = 0;

	if (fd < 0) {
		err = -errno;
		snprintf(res->detail, sizeof(res->detail),
			 "the runtime answered OK but no dump file was written");
		return err == -ENOENT ? -EIO : err;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != t->uid) {
		snprintf(res->detail, sizeof(res->detail), "staged dump is not a plain file of the target");
		close(fd);
		return -EPERM;
	}
	/* from now on only we can read it, whoever the target's user is */
	if (fchown(fd, geteuid(), getegid()) < 0 || fchmod(fd, 0600) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (renameat2(s->dir_fd, STAGED_NAME, AT_FDCWD, path, overwrite ? 0 : RENAME_NOREPLACE) < 0) {
		err = -errno;
		if (err == -EXDEV) {
			err = copy_sparse(fd, dest_dir, path, overwrite);
			res->copied = true;
		}
	}
	close(fd);
	return err;
}

static int dump_timeout_ms(int requested)
{
	const char *env = getenv(DOTNET_DUMP_TIMEOUT_ENV);
	long s = env ? strtol(env, NULL, 10) : 0;

	if (requested > 0)
		return requested;
	return s > 0 && s < 86400 ? (int)(s * 1000) : DOTNET_DUMP_TIMEOUT_MS;
}

/* Dump3 -> Dump2 -> Dump, falling back only on DS_IPC_E_UNKNOWN_COMMAND. */
static int request_dump(const struct dotnet_target *t, const struct stage *s,
			enum dotnet_dump_type type, int timeout_ms, struct dotnet_dump_result *res)
{
	char text[sizeof(res->detail)] = "";
	int err = 0;

	for (uint8_t id = IPC_DUMP_GENERATE3; id >= IPC_DUMP_GENERATE; id--) {
		res->command_id = id;
		err = dotnet_send_dump(t, id, s->view_path, ipc_dump_type(type), timeout_ms,
				       &res->hresult, text, sizeof(text));
		if (err)
			return err;
		if (res->hresult != IPC_HR_UNKNOWN_COMMAND)
			break;
	}
	if (res->hresult == IPC_HR_OK)
		return 0;
	/* createdump's stderr ends with a newline; keep one line */
	text[strcspn(text, "\n")] = '\0';
	if (text[0])
		snprintf(res->detail, sizeof(res->detail), "%s", text);
	else
		snprintf(res->detail, sizeof(res->detail), "runtime answered %s (0x%08x)",
			 ipc_hresult_name(res->hresult) ? ipc_hresult_name(res->hresult) : "an error",
			 res->hresult);
	return ipc_hresult_errno(res->hresult);
}

int dotnet_write_dump(pid_t pid, const char *path, enum dotnet_dump_type type, bool overwrite,
		      int timeout_ms, struct dotnet_dump_result *res)
{
	struct dotnet_target t;
	struct stage s = { .parent_fd = -1, .dir_fd = -1 };
	char dir_copy[PATH_MAX], dest_dir[PATH_MAX], previous[256] = "";
	bool had_previous = false;
	uint64_t t0 = now_ns();
	struct stat st;
	int err, restore_err = 0;

	memset(res, 0, sizeof(*res));
	if (!path || snprintf(dir_copy, sizeof(dir_copy), "%s", path) >= (int)sizeof(dir_copy))
		return -ENAMETOOLONG;
	if (!realpath(dirname(dir_copy), dest_dir))
		return -errno;
	if (!overwrite && lstat(path, &st) == 0)
		return -EEXIST;
	if ((err = dotnet_target_open(pid, &t)))
		return err;
	/* also proves the server answers before we create anything */
	err = dotnet_process_info(&t, &res->info);
	if (err == -EOPNOTSUPP)
		err = 0;
	if (err) {
		snprintf(res->detail, sizeof(res->detail), "no valid answer to ProcessInfo");
		goto out;
	}
	/* test/bench hook: CORETRAP_DOTNET_NO_PAGEMAP=1 dumps without the trick
	 * to show what it saves */
	if (getenv(DOTNET_NO_PAGEMAP_ENV) && strcmp(getenv(DOTNET_NO_PAGEMAP_ENV), "1") == 0)
		err = -EOPNOTSUPP;
	else
		err = dotnet_get_env(&t, DOTNET_PAGEMAP_VAR, previous, sizeof(previous), &had_previous);
	if (err == 0)
		err = dotnet_set_env(&t, DOTNET_PAGEMAP_VAR, "0");
	if (err == 0)
		res->pagemap_trick = true;
	else if (err == -EOPNOTSUPP || err == -ENOENT || err == -EIO)
		err = 0; /* runtime refuses: dump without the trick */
	else {
		snprintf(res->detail, sizeof(res->detail), "no valid answer to ProcessEnvironment");
		goto out;
	}
	if ((err = stage_create(&t, dest_dir, &s))) {
		snprintf(res->detail, sizeof(res->detail), "cannot create a staging directory the target can write");
		goto restore;
	}
	err = request_dump(&t, &s, type, dump_timeout_ms(timeout_ms), res);
	if (err == -ETIMEDOUT)
		snprintf(res->detail, sizeof(res->detail), "no answer to the dump command in time");
	if (!err)
		err = place_dump(&t, &s, dest_dir, path, overwrite, res);
restore:
	if (res->pagemap_trick)
		restore_err = dotnet_set_env(&t, DOTNET_PAGEMAP_VAR, had_previous ? previous : "1");
	if (restore_err && !err) {
		/* the dump is fine, but the target is left changed: say so */
		snprintf(res->detail, sizeof(res->detail), "could not restore %s in the target: %s",
			 DOTNET_PAGEMAP_VAR, strerror(-restore_err));
	}
	stage_remove(&s);
	if (!err && stat(path, &st) == 0) {
		res->apparent_bytes = (uint64_t)st.st_size;
		res->allocated_bytes = (uint64_t)st.st_blocks * 512;
	}
out:
	dotnet_target_close(&t);
	res->wall_ns = now_ns() - t0;
	return err;
}
