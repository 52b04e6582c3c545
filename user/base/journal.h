/* SPDX-License-Identifier: MIT */
/*
 * journald entries for dumps, sent with the journal's native protocol (one
 * datagram to /run/systemd/journal/socket, fields as KEY=VALUE lines, a
 * value with a line feed in the binary form: KEY\n, 64-bit little-endian
 * length, value, \n). No libsystemd: the protocol is documented and stable.
 *
 * When: coretrap sends entries only when it runs as a systemd service (the
 * manager sets INVOCATION_ID or JOURNAL_STREAM in the environment) and the
 * journal socket exists. Anywhere else journal_send() does nothing.
 */
#ifndef CORETRAP_JOURNAL_H
#define CORETRAP_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

/* The MESSAGE_ID of a dump entry (journalctl MESSAGE_ID=...), ours alone. */
#define JOURNAL_MESSAGE_ID_DUMP "6090f9bce78748af8795e7a917b082ad"
#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define JOURNAL_ENTRY_MAX 16384 /* one datagram; a larger entry is not sent (a debug line says so) */

struct journal_field {
	const char *key;   /* upper case, digits, '_'; not starting with '_' */
	const char *value; /* NULL: the field is left out */
};

/*
 * Pure (unit-tested): the datagram for fields. Returns the length written,
 * or 0 when it does not fit in len or a key is not a valid journal field
 * name.
 */
size_t journal_format(char *out, size_t len, const struct journal_field *fields, size_t n);
/* Pure: a valid journal field name (A-Z 0-9 _, not first '_' or digit, at most 64). */
bool journal_key_valid(const char *key);

/* Whether entries are sent (see above); decided once. */
bool journal_wanted(void);
/* Send one entry when journal_wanted(); a failure is a debug line, never fatal. */
void journal_send(const struct journal_field *fields, size_t n);

#endif
