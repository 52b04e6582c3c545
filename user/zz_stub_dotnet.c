// SPDX-License-Identifier: MIT
/* STUB until branch dotnet lands: minimal diagnostics IPC client. */
#include "zz_stub_dotnet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int stub_dotnet_socket_path(pid_t pid, char *out, size_t len)
{
	char p[64], buf[1024];
	snprintf(p, sizeof(p), "/proc/%d/stat", pid);
	FILE *f = fopen(p, "r");
	if (!f)
		return -errno;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *s = strrchr(buf, ')');
	if (!s)
		return -EIO;
	s += 2;
	for (int i = 0; i < 19; i++) {
		s = strchr(s, ' ');
		if (!s)
			return -EIO;
		s++;
	}
	unsigned long long start = strtoull(s, NULL, 10);
	/* NSpid: last value */
	snprintf(p, sizeof(p), "/proc/%d/status", pid);
	f = fopen(p, "r");
	if (!f)
		return -errno;
	long nspid = pid;
	while (fgets(buf, sizeof(buf), f)) {
		if (!strncmp(buf, "NSpid:", 6)) {
			char *t = strrchr(buf, '\t');
			nspid = strtol(t ? t + 1 : buf + 6, NULL, 10);
		}
	}
	fclose(f);
	snprintf(out, len, "/proc/%d/root/tmp/dotnet-diagnostic-%ld-%llu-socket", pid, nspid, start);
	return access(out, F_OK) ? -ENOENT : 0;
}

static size_t put_str(uint8_t *b, const char *s)
{
	size_t n = strlen(s) + 1, o = 4;
	uint32_t c = (uint32_t)n;
	memcpy(b, &c, 4);
	for (size_t i = 0; i < n; i++) {
		b[o++] = (uint8_t)s[i];
		b[o++] = 0;
	}
	return o;
}

static int transact(pid_t pid, const uint8_t *msg, size_t len, uint32_t *hresult)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int err = stub_dotnet_socket_path(pid, sa.sun_path, sizeof(sa.sun_path));
	if (err)
		return err;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (void *)&sa, sizeof(sa)) < 0 || write(fd, msg, len) != (ssize_t)len) {
		err = -errno;
		close(fd);
		return err;
	}
	uint8_t r[24];
	size_t got = 0;
	while (got < sizeof(r)) {
		ssize_t n = read(fd, r + got, sizeof(r) - got);
		if (n <= 0) {
			close(fd);
			return n < 0 ? -errno : -EPROTO;
		}
		got += (size_t)n;
	}
	close(fd);
	memcpy(hresult, r + 20, 4);
	return 0;
}

static size_t header(uint8_t *b, uint8_t set, uint8_t id)
{
	memcpy(b, "DOTNET_IPC_V1", 14);
	b[16] = set;
	b[17] = id;
	b[18] = b[19] = 0;
	return 20;
}

static void finish(uint8_t *b, size_t len)
{
	b[14] = (uint8_t)len;
	b[15] = (uint8_t)(len >> 8);
}

int stub_dotnet_attach_profiler(pid_t pid, const uint8_t clsid[16], const char *so_path, const void *data,
				size_t data_len, uint32_t attach_timeout_ms, uint32_t *hresult)
{
	uint8_t b[16384];
	size_t o = header(b, 3, 1);
	if (data_len + 2 * strlen(so_path) + 64 > sizeof(b))
		return -E2BIG;
	memcpy(b + o, &attach_timeout_ms, 4);
	o += 4;
	memcpy(b + o, clsid, 16);
	o += 16;
	o += put_str(b + o, so_path);
	uint32_t dl = (uint32_t)data_len;
	memcpy(b + o, &dl, 4);
	o += 4;
	memcpy(b + o, data, data_len);
	o += data_len;
	finish(b, o);
	return transact(pid, b, o, hresult);
}

int stub_dotnet_dump(pid_t pid, const char *path, uint32_t *hresult)
{
	uint8_t b[4096];
	size_t o = header(b, 1, 2);
	o += put_str(b + o, path);
	uint32_t type = 2, flags = 0;
	memcpy(b + o, &type, 4);
	o += 4;
	memcpy(b + o, &flags, 4);
	o += 4;
	finish(b, o);
	return transact(pid, b, o, hresult);
}
