// SPDX-License-Identifier: MIT
#include "dump/info.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/zread.h"

#define IN_CHUNK (1u << 20)
#define OUT_CHUNK (4u << 20)

/* Keep decoded bytes until the headers and notes parse (or prove not to be a core). */
struct head {
	unsigned char *buf;
	size_t len, cap;
	bool done;
};

static void head_add(struct head *h, struct dump_info *info, const unsigned char *p, size_t n)
{
	size_t need = 0;
	int r;

	if (h->done)
		return;
	if (h->len + n > h->cap) {
		size_t cap = h->cap ? h->cap : OUT_CHUNK;
		unsigned char *b;

		while (cap < h->len + n)
			cap *= 2;
		if (cap > COREINFO_MAX_HEAD + OUT_CHUNK || !(b = realloc(h->buf, cap))) {
			h->done = true;
			return;
		}
		h->buf = b;
		h->cap = cap;
	}
	memcpy(h->buf + h->len, p, n);
	h->len += n;
	r = coreinfo_parse(h->buf, h->len, &info->ci, &need);
	if (r == -EAGAIN)
		return;
	info->parsed = r == 0;
	h->done = true;
	free(h->buf);
	h->buf = NULL;
}

int dump_info_read(const char *path, struct dump_info *info)
{
	unsigned char *in = malloc(IN_CHUNK), *out = malloc(OUT_CHUNK);
	struct head h = { 0 };
	struct zread zr;
	bool first = true;
	int fd, err = 0;

	memset(info, 0, sizeof(*info));
	memset(&zr, 0, sizeof(zr));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !in || !out) {
		err = fd < 0 ? -errno : -ENOMEM;
		goto done;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		ssize_t n = read(fd, in, IN_CHUNK);
		size_t pos = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto done;
		}
		if (n == 0)
			break;
		info->file_bytes += (uint64_t)n;
		if (first) {
			info->fmt = zread_detect(in, (size_t)n);
			if ((err = zread_init(&zr, info->fmt)))
				goto done;
			first = false;
		}
		while (pos < (size_t)n && !info->corrupt) {
			size_t used, made;

			if (zread_step(&zr, in + pos, (size_t)n - pos, &used, out, OUT_CHUNK, &made)) {
				info->corrupt = true;
				break;
			}
			pos += used;
			info->core_bytes += made;
			head_add(&h, info, out, made);
			if (!used && !made)
				break;
		}
		if (info->corrupt)
			break;
	}
	/* flush what the decoder still holds: a frame's end may need output room only */
	for (int k = 0; !first && !info->corrupt && k < 1 << 20; k++) {
		size_t used, made;

		if (zread_step(&zr, in, 0, &used, out, OUT_CHUNK, &made)) {
			info->corrupt = true;
			break;
		}
		if (!made)
			break;
		info->core_bytes += made;
		head_add(&h, info, out, made);
	}
	info->truncated = !first && !info->corrupt && !zread_complete(&zr);
	info->units = zr.units;
	if (!h.done && h.len) {
		size_t need;

		/* the file ended before the headers and notes did */
		info->parsed = coreinfo_parse(h.buf, h.len, &info->ci, &need) == 0;
	}
	info->short_core = info->parsed && info->core_bytes < info->ci.expected_bytes;
done:
	free(h.buf);
	zread_fini(&zr);
	if (fd >= 0)
		close(fd);
	free(in);
	free(out);
	return err;
}

bool dump_info_print(FILE *out, const char *path, const struct dump_info *info)
{
	bool complete = info->parsed && !info->truncated && !info->corrupt && !info->short_core;

	fprintf(out, "file: %s\n", path);
	if (info->fmt == ZFORMAT_NONE)
		fprintf(out, "format: uncompressed, %llu bytes\n", (unsigned long long)info->file_bytes);
	else
		fprintf(out, "format: %s, %llu %s, %llu bytes (%.1f%% of the core)\n", zformat_name(info->fmt),
			(unsigned long long)info->units, info->fmt == ZFORMAT_GZIP ? "members" : "frames",
			(unsigned long long)info->file_bytes,
			info->core_bytes ? 100.0 * info->file_bytes / info->core_bytes : 0.0);
	if (info->parsed) {
		const struct coreinfo *ci = &info->ci;

		if (ci->has_psinfo) {
			fprintf(out, "pid: %d\n", ci->pid);
			fprintf(out, "name: %s\n", ci->name);
			fprintf(out, "command: %s\n", ci->args);
		}
		fprintf(out, "trigger: %s\n", ci->trigger[0] ? ci->trigger : "(not recorded)");
		if (ci->time[0])
			fprintf(out, "time: %s\n", ci->time);
		fprintf(out, "threads: %u\n", ci->threads);
		if (ci->signal)
			fprintf(out, "signal: %d\n", ci->signal);
		fprintf(out, "segments: %u\n", ci->segments);
		fprintf(out, "size: %llu bytes uncompressed\n", (unsigned long long)ci->expected_bytes);
	}
	if (complete)
		fprintf(out, "complete: yes\n");
	else if (info->corrupt)
		fprintf(out, "complete: no, corrupt %s data after %llu bytes of core\n", zformat_name(info->fmt),
			(unsigned long long)info->core_bytes);
	else if (info->truncated)
		fprintf(out, "complete: no, the %s stream is cut short after %llu bytes of core\n",
			zformat_name(info->fmt), (unsigned long long)info->core_bytes);
	else if (!info->parsed)
		fprintf(out, "complete: no, not an ELF core dump\n");
	else
		fprintf(out, "complete: no, %llu of %llu bytes\n", (unsigned long long)info->core_bytes,
			(unsigned long long)info->ci.expected_bytes);
	return complete;
}
