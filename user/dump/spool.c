// SPDX-License-Identifier: MIT
/* The daemon's spool: scan, caps, eviction, slots, upload marks; see spool.h.
 */
#include "dump/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/log.h"
#include "base/metrics.h"
#include "base/proc.h"
#include "dump/upload.h"

#define UPLOADED_DIR ".uploaded"
#define SLOTS_DIR ".slots"
/* Notes, headers and rounding on top of the resident memory. */
#define ESTIMATE_OVERHEAD (1u << 20)

static struct {
	pthread_mutex_t lock; /* the uploader thread marks and removes while the monitor admits */
	char dir[PATH_MAX];
	struct spool_caps caps;
} S = { .lock = PTHREAD_MUTEX_INITIALIZER };

void spool_configure(const char *dir, const struct spool_caps *caps)
{
	pthread_mutex_lock(&S.lock);
	snprintf(S.dir, sizeof(S.dir), "%s", dir);
	S.caps = *caps;
	pthread_mutex_unlock(&S.lock);
	spool_update_gauge();
}

bool spool_governs(const char *dump_dir)
{
	bool yes;

	pthread_mutex_lock(&S.lock);
	yes = S.dir[0] && !strcmp(S.dir, dump_dir);
	pthread_mutex_unlock(&S.lock);
	return yes;
}

int spool_caps_line(const char *dir, char *buf, size_t len)
{
	int err = -ENOENT;

	pthread_mutex_lock(&S.lock);
	if (S.dir[0] && !strcmp(S.dir, dir)) {
		spool_caps_format(&S.caps, buf, len);
		err = 0;
	}
	pthread_mutex_unlock(&S.lock);
	return err;
}

/* The dumps of the spool (not hidden, regular files). */
struct scan {
	struct spool_entry *e;
	char **name;
	size_t n, cap;
};

static void scan_free(struct scan *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->name[i]);
	free(s->e);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

static int scan_dir(const char *dir, struct scan *out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int dfd;

	memset(out, 0, sizeof(*out));
	if (!d)
		return -errno;
	dfd = dirfd(d);
	while ((de = readdir(d))) {
		struct stat st;
		char mark[NAME_MAX + sizeof(UPLOADED_DIR) + 2];

		if (de->d_name[0] == '.' || fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (out->n == out->cap) {
			size_t cap = out->cap ? 2 * out->cap : 64;
			struct spool_entry *e = realloc(out->e, cap * sizeof(*e));
			char **name = e ? realloc(out->name, cap * sizeof(*name)) : NULL;

			if (e)
				out->e = e;
			if (!name) {
				closedir(d);
				scan_free(out);
				return -ENOMEM;
			}
			out->name = name;
			out->cap = cap;
		}
		snprintf(mark, sizeof(mark), "%s/%s", UPLOADED_DIR, de->d_name);
		out->name[out->n] = strdup(de->d_name);
		if (!out->name[out->n]) {
			closedir(d);
			scan_free(out);
			return -ENOMEM;
		}
		out->e[out->n++] = (struct spool_entry){
			.bytes = (uint64_t)st.st_blocks * 512,
			.mtime = st.st_mtim.tv_sec,
			.uploaded = faccessat(dfd, mark, F_OK, AT_SYMLINK_NOFOLLOW) == 0,
		};
	}
	closedir(d);
	return 0;
}

static uint64_t scan_bytes(const struct scan *s)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < s->n; i++)
		sum += s->e[i].bytes;
	return sum;
}

void spool_update_gauge(void)
{
	char dir[PATH_MAX];
	struct scan s;

	pthread_mutex_lock(&S.lock);
	snprintf(dir, sizeof(dir), "%s", S.dir);
	pthread_mutex_unlock(&S.lock);
	if (!dir[0] || scan_dir(dir, &s))
		return;
	metrics_spool_bytes(scan_bytes(&s));
	scan_free(&s);
}

/* What a native core of pid takes on disk at most: its resident memory, plus the notes. */
static uint64_t estimate_bytes(pid_t pid)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t rss_pages = 0;
	uint32_t threads = 0;

	if (proc_counts(pid, page, &rss_pages, &threads))
		return ESTIMATE_OVERHEAD;
	return rss_pages * (uint64_t)page + ESTIMATE_OVERHEAD;
}

/* mkdir SPOOL/SUB once (0700). */
static int sub_dir(const char *dir, const char *sub, char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s/%s", dir, sub) >= len)
		return -ENAMETOOLONG;
	if (mkdir(out, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* One free slot of max slots, flock()ed: its fd, or -EDQUOT when all are held.
 */
static int take_slot(const char *dir, unsigned max)
{
	char slots[PATH_MAX + 16], path[PATH_MAX + 32];
	int err = sub_dir(dir, SLOTS_DIR, slots, sizeof(slots));

	if (err)
		return err;
	for (unsigned k = 0; k < max; k++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%u", slots, k);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return -errno;
		if (!flock(fd, LOCK_EX | LOCK_NB))
			return fd;
		err = errno;
		close(fd);
		if (err != EWOULDBLOCK)
			return -err;
	}
	return -EDQUOT;
}

static void remove_named(const char *dir, const char *name)
{
	char path[PATH_MAX + NAME_MAX + 16];

	snprintf(path, sizeof(path), "%s/%s/%s", dir, UPLOADED_DIR, name);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

int spool_admit(pid_t pid, struct spool_slot *slot, char *why, size_t why_len)
{
	char dir[PATH_MAX], a[32];
	struct spool_caps caps;
	struct statvfs vfs;
	struct spool_fs fs;
	struct scan s;
	size_t *evict = NULL, nevict = 0;
	uint64_t estimate = estimate_bytes(pid);
	enum spool_verdict v;
	int err;

	slot->fd = -1;
	why[0] = 0;
	pthread_mutex_lock(&S.lock);
	snprintf(dir, sizeof(dir), "%s", S.dir);
	caps = S.caps;
	pthread_mutex_unlock(&S.lock);
	if (caps.max_concurrent) {
		slot->fd = take_slot(dir, caps.max_concurrent);
		if (slot->fd == -EDQUOT) {
			snprintf(why, why_len, "%u dump%s already being written on this host (max-concurrent %u)",
				 caps.max_concurrent, caps.max_concurrent == 1 ? " is" : "s are", caps.max_concurrent);
			slot->fd = -1;
			return -EDQUOT;
		}
		if (slot->fd < 0) {
			err = slot->fd;
			slot->fd = -1;
			snprintf(why, why_len, "cannot take a slot in %s/%s: %s", dir, SLOTS_DIR, strerror(-err));
			return err;
		}
	}
	if (statvfs(dir, &vfs)) {
		err = -errno;
		snprintf(why, why_len, "cannot read the spool's filesystem %s: %s", dir, strerror(-err));
		spool_release(slot);
		return err;
	}
	fs.total_bytes = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	fs.avail_bytes = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	pthread_mutex_lock(&S.lock); /* no upload mark or removal between the plan and the eviction */
	err = scan_dir(dir, &s);
	if (!err && !(evict = calloc(s.n ? s.n : 1, sizeof(*evict))))
		err = -ENOMEM;
	if (err) {
		pthread_mutex_unlock(&S.lock);
		snprintf(why, why_len, "cannot read the spool %s: %s", dir, strerror(-err));
		scan_free(&s); /* zeroed when the scan failed */
		spool_release(slot);
		return err;
	}
	v = spool_plan(&caps, &fs, s.e, s.n, estimate, evict, &nevict, why, why_len);
	for (size_t i = 0; v == SPOOL_GO && i < nevict; i++) {
		char line[PATH_MAX + NAME_MAX + 128], path[PATH_MAX + NAME_MAX + 2];
		const char *name = s.name[evict[i]];

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		remove_named(dir, name);
		snprintf(line, sizeof(line), "Evicted uploaded dump %s (%s) to make room for the next", path,
			 spool_fmt_size(s.e[evict[i]].bytes, a, sizeof(a)));
		log_event(&(struct log_event){ .event = "evicted", .path = path, .message = line });
	}
	pthread_mutex_unlock(&S.lock);
	free(evict);
	scan_free(&s);
	if (v != SPOOL_GO) {
		spool_release(slot);
		return -EDQUOT;
	}
	return 0;
}

void spool_release(struct spool_slot *slot)
{
	if (slot->fd >= 0)
		close(slot->fd); /* the flock goes with it */
	slot->fd = -1;
}

void spool_written(const char *path)
{
	spool_update_gauge();
	upload_enqueue(path);
}

int spool_mark_uploaded(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX], marks[PATH_MAX + 16], mark[PATH_MAX + NAME_MAX + 32];
	int fd, err;

	if (!slash)
		return -EINVAL;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	pthread_mutex_lock(&S.lock);
	err = sub_dir(dir, UPLOADED_DIR, marks, sizeof(marks));
	if (!err) {
		snprintf(mark, sizeof(mark), "%s/%s", marks, slash + 1);
		fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			err = -errno;
		else
			close(fd);
	}
	pthread_mutex_unlock(&S.lock);
	return err;
}

int spool_remove(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int err = 0;

	if (!slash)
		return -EINVAL;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	pthread_mutex_lock(&S.lock);
	if (unlink(path))
		err = -errno;
	remove_named(dir, slash + 1);
	pthread_mutex_unlock(&S.lock);
	spool_update_gauge();
	return err;
}

static int by_mtime(const void *a, const void *b, void *ctx)
{
	const struct scan *s = ctx;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (s->e[i].mtime != s->e[j].mtime)
		return s->e[i].mtime < s->e[j].mtime ? -1 : 1;
	return strcmp(s->name[i], s->name[j]);
}

int spool_pending(char ***out, size_t *n)
{
	char dir[PATH_MAX];
	size_t *order = NULL, k = 0;
	struct scan s;
	int err;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&S.lock);
	snprintf(dir, sizeof(dir), "%s", S.dir);
	err = dir[0] ? scan_dir(dir, &s) : -ENOENT;
	pthread_mutex_unlock(&S.lock);
	if (err)
		return err;
	order = calloc(s.n ? s.n : 1, sizeof(*order));
	*out = calloc(s.n ? s.n : 1, sizeof(**out));
	if (!order || !*out) {
		free(order);
		free(*out);
		*out = NULL;
		scan_free(&s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s.n; i++)
		if (!s.e[i].uploaded)
			order[k++] = i;
	qsort_r(order, k, sizeof(*order), by_mtime, &s);
	for (size_t i = 0; i < k; i++) {
		size_t len = strlen(dir) + strlen(s.name[order[i]]) + 2;
		char *p = malloc(len);

		if (!p)
			break;
		snprintf(p, len, "%s/%s", dir, s.name[order[i]]);
		(*out)[(*n)++] = p;
	}
	free(order);
	scan_free(&s);
	return 0;
}
