/* SPDX-License-Identifier: MIT */
/* The journal's native protocol, the datagram form only (entries are small). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/journal.h"
#include "base/log.h"

bool journal_key_valid(const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || n > 64 || key[0] == '_' || (key[0] >= '0' && key[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((key[i] >= 'A' && key[i] <= 'Z') || (key[i] >= '0' && key[i] <= '9') || key[i] == '_'))
			return false;
	return true;
}

size_t journal_format(char *out, size_t len, const struct journal_field *fields, size_t n)
{
	size_t used = 0;

	for (size_t i = 0; i < n; i++) {
		const char *v = fields[i].value;
		size_t kl = strlen(fields[i].key), vl;

		if (!journal_key_valid(fields[i].key))
			return 0;
		if (!v)
			continue;
		vl = strlen(v);
		if (!strchr(v, '\n')) {
			if (used + kl + 1 + vl + 1 > len)
				return 0;
			memcpy(out + used, fields[i].key, kl);
			out[used + kl] = '=';
			memcpy(out + used + kl + 1, v, vl);
			out[used + kl + 1 + vl] = '\n';
			used += kl + vl + 2;
		} else {
			if (used + kl + 1 + 8 + vl + 1 > len)
				return 0;
			memcpy(out + used, fields[i].key, kl);
			out[used + kl] = '\n';
			for (int b = 0; b < 8; b++) /* little-endian whatever the host */
				out[used + kl + 1 + b] = (char)((uint64_t)vl >> (8 * b));
			memcpy(out + used + kl + 9, v, vl);
			out[used + kl + 9 + vl] = '\n';
			used += kl + vl + 10;
		}
	}
	return used;
}

bool journal_wanted(void)
{
	static int wanted = -1;

	if (wanted < 0)
		wanted = (getenv("INVOCATION_ID") || getenv("JOURNAL_STREAM")) &&
			 access(JOURNAL_SOCKET, W_OK) == 0;
	return wanted;
}

void journal_send(const struct journal_field *fields, size_t n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };
	static char buf[JOURNAL_ENTRY_MAX];
	size_t len;
	int fd;

	if (!journal_wanted())
		return;
	len = journal_format(buf, sizeof(buf), fields, n);
	if (!len) {
		log_debug("journal: entry too large or a bad field name; not sent");
		return;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		log_debug("journal: cannot send an entry: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
}
