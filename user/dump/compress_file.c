// SPDX-License-Identifier: MIT
#include "dump/compress_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mono_clock.h"
#include "base/zstream.h"
#include "core/output.h"

int compress_file(const char *raw, const char *path, bool overwrite, enum zformat fmt, int level,
		  struct compress_file_result *res)
{
	uint64_t t0 = now_ns();
	struct core_output out;
	struct zstream z;
	struct stat st;
	int in_fd, err;

	memset(res, 0, sizeof(*res));
	in_fd = open(raw, O_RDWR | O_CLOEXEC);
	if (in_fd < 0) {
		err = -errno;
		unlink(raw);
		return err;
	}
	err = fstat(in_fd, &st) < 0 ? -errno : core_output_open(&out, path, overwrite);
	if (err) {
		close(in_fd);
		unlink(raw);
		return err;
	}
	struct zstream_cfg zc = { .in_fd = in_fd, .out_fd = out.fd, .fmt = fmt, .level = level,
				  .punch = true };

	err = zstream_start(&z, &zc);
	if (!err) {
		err = zstream_finish(&z, (uint64_t)st.st_size);
		res->out_bytes = zstream_out_bytes(&z);
		res->cpu_ns = z.cpu_ns;
		zstream_abort(&z);
	}
	close(in_fd);
	unlink(raw);
	if (!err)
		err = core_output_commit(&out, overwrite);
	else
		core_output_abort(&out);
	res->in_bytes = (uint64_t)st.st_size;
	res->wall_ns = now_ns() - t0;
	return err;
}
