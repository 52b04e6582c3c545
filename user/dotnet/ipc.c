/* SPDX-License-Identifier: MIT */
/*
 * Diagnostics IPC encoder/decoder. Pure: buffers in, buffers out. See ipc.h
 * for the wire format; every read below is bounds-checked because replies
 * come from a socket that anyone owning the target's uid could serve.
 */
#include "dotnet/ipc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/hex_digit.h"

static const uint8_t ipc_magic[IPC_MAGIC_SIZE] = "DOTNET_IPC_V1"; /* + NUL = 14 */

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* ---------------- UTF-8 <-> UTF-16 ---------------- */

/* Next code point of a NUL-terminated UTF-8 string; -1 on invalid input. */
static long utf8_next(const unsigned char **s)
{
	const unsigned char *p = *s;
	unsigned char c = p[0];
	long cp;
	int more;

	if (c < 0x80) {
		*s = p + 1;
		return c;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		cp = c & 0x1F;
		more = 1;
	} else if (c >= 0xE0 && c <= 0xEF) {
		cp = c & 0x0F;
		more = 2;
	} else if (c >= 0xF0 && c <= 0xF4) {
		cp = c & 0x07;
		more = 3;
	} else {
		return -1;
	}
	for (int i = 1; i <= more; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return -1; /* also stops at the NUL */
		cp = cp << 6 | (p[i] & 0x3F);
	}
	/* overlong forms, surrogates and values past U+10FFFF */
	if ((more == 2 && cp < 0x800) || (more == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*s = p + more + 1;
	return cp;
}

ssize_t ipc_put_string(uint8_t *buf, size_t cap, const char *utf8)
{
	const unsigned char *s = (const unsigned char *)utf8;
	size_t units = 0, off = 4;

	if (!utf8)
		return -EINVAL;
	while (*s) {
		long cp = utf8_next(&s);
		uint16_t u[2];
		int n = 1;

		if (cp < 0)
			return -EILSEQ;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			u[0] = (uint16_t)(0xD800 | (cp >> 10));
			u[1] = (uint16_t)(0xDC00 | (cp & 0x3FF));
			n = 2;
		} else {
			u[0] = (uint16_t)cp;
		}
		for (int i = 0; i < n; i++) {
			if (off + 2 > cap)
				return -ENOSPC;
			put_u16(buf + off, u[i]);
			off += 2;
			units++;
		}
	}
	if (off + 2 > cap)
		return -ENOSPC;
	put_u16(buf + off, 0); /* the terminator is part of the count */
	off += 2;
	units++;
	put_u32(buf, (uint32_t)units);
	return (ssize_t)off;
}

/* Append code point cp as UTF-8 if it fits entirely (no split sequences). */
static void utf8_append(char *out, size_t out_len, size_t *pos, uint32_t cp)
{
	char tmp[4];
	size_t n;

	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xC0 | cp >> 6);
		tmp[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xE0 | cp >> 12);
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		tmp[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		tmp[0] = (char)(0xF0 | cp >> 18);
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		tmp[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	if (*pos + n < out_len) {
		memcpy(out + *pos, tmp, n);
		*pos += n;
	} else {
		*pos = out_len; /* full: drop the rest, keep the output well-formed */
	}
}

int ipc_get_string(const uint8_t *buf, size_t len, size_t *off, char *out, size_t out_len,
		   bool *was_null)
{
	uint64_t count, bytes;
	size_t pos = 0, p;

	if (!buf || !off || *off > len || len - *off < 4)
		return -EBADMSG;
	count = get_u32(buf + *off);
	bytes = count * 2; /* count < 2^32, no overflow in 64 bits */
	if (bytes > len - *off - 4)
		return -EBADMSG; /* the count lies about the payload */
	p = *off + 4;
	if (count > 0 && get_u16(buf + p + bytes - 2) != 0)
		return -EBADMSG; /* the runtime requires the counted terminator too */
	if (was_null)
		*was_null = (count == 0);
	for (uint64_t i = 0; count > 0 && i + 1 < count; i++) {
		uint32_t u = get_u16(buf + p + 2 * i);

		if (u >= 0xD800 && u <= 0xDBFF && i + 2 < count) {
			uint32_t lo = get_u16(buf + p + 2 * (i + 1));

			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				i++;
			} else {
				u = 0xFFFD;
			}
		} else if (u >= 0xD800 && u <= 0xDFFF) {
			u = 0xFFFD;
		} else if (u == 0) {
			u = 0xFFFD; /* an embedded NUL would silently cut the text */
		}
		if (out && out_len)
			utf8_append(out, out_len, &pos, u);
	}
	if (out && out_len)
		out[pos < out_len ? pos : out_len - 1] = '\0';
	*off = p + (size_t)bytes;
	return 0;
}

/* ---------------- encoders ---------------- */

static ssize_t finish_header(uint8_t *buf, size_t len, uint8_t set, uint8_t id)
{
	if (len > IPC_MAX_MESSAGE)
		return -ENOSPC;
	memcpy(buf, ipc_magic, IPC_MAGIC_SIZE);
	put_u16(buf + 14, (uint16_t)len);
	buf[16] = set;
	buf[17] = id;
	put_u16(buf + 18, 0);
	return (ssize_t)len;
}

ssize_t ipc_encode_empty(uint8_t *buf, size_t cap, uint8_t set, uint8_t id)
{
	if (!buf)
		return -EINVAL;
	if (cap < IPC_HEADER_SIZE)
		return -ENOSPC;
	return finish_header(buf, IPC_HEADER_SIZE, set, id);
}

/* Append a string at *off; -errno on failure. */
static int append_string(uint8_t *buf, size_t cap, size_t *off, const char *s)
{
	ssize_t n;

	if (*off > cap)
		return -ENOSPC;
	n = ipc_put_string(buf + *off, cap - *off, s);
	if (n < 0)
		return (int)n;
	*off += (size_t)n;
	return 0;
}

static int append_u32(uint8_t *buf, size_t cap, size_t *off, uint32_t v)
{
	if (*off > cap || cap - *off < 4)
		return -ENOSPC;
	put_u32(buf + *off, v);
	*off += 4;
	return 0;
}

ssize_t ipc_encode_dump(uint8_t *buf, size_t cap, uint8_t id, const char *name, uint32_t type,
			uint32_t flags)
{
	size_t off = IPC_HEADER_SIZE;
	int err;

	if (!buf || !name || id < IPC_DUMP_GENERATE || id > IPC_DUMP_GENERATE3 ||
	    type < IPC_DUMP_TYPE_NORMAL || type > IPC_DUMP_TYPE_FULL)
		return -EINVAL;
	if (id == IPC_DUMP_GENERATE)
		flags = (flags & IPC_DUMP_FLAG_LOGGING) ? 1 : 0; /* id 1: "diagnostics" bool */
	if (cap < IPC_HEADER_SIZE)
		return -ENOSPC;
	if ((err = append_string(buf, cap, &off, name)) || (err = append_u32(buf, cap, &off, type)) ||
	    (err = append_u32(buf, cap, &off, flags)))
		return err;
	return finish_header(buf, off, IPC_SET_DUMP, id);
}

ssize_t ipc_encode_set_env(uint8_t *buf, size_t cap, const char *name, const char *value)
{
	size_t off = IPC_HEADER_SIZE;
	int err;

	if (!buf || !name || !value || !*name || strchr(name, '='))
		return -EINVAL;
	if (cap < IPC_HEADER_SIZE)
		return -ENOSPC;
	if ((err = append_string(buf, cap, &off, name)) || (err = append_string(buf, cap, &off, value)))
		return err;
	return finish_header(buf, off, IPC_SET_PROCESS, IPC_PROCESS_SET_ENV);
}

ssize_t ipc_encode_attach_profiler(uint8_t *buf, size_t cap, uint32_t attach_timeout_ms,
				   const uint8_t clsid[16], const char *profiler_path,
				   const void *client_data, uint32_t client_data_len)
{
	size_t off = IPC_HEADER_SIZE;
	int err;

	if (!buf || !clsid || !profiler_path || (client_data_len && !client_data))
		return -EINVAL;
	if (cap < IPC_HEADER_SIZE)
		return -ENOSPC;
	if ((err = append_u32(buf, cap, &off, attach_timeout_ms)))
		return err;
	if (cap - off < 16)
		return -ENOSPC;
	memcpy(buf + off, clsid, 16);
	off += 16;
	if ((err = append_string(buf, cap, &off, profiler_path)) ||
	    (err = append_u32(buf, cap, &off, client_data_len)))
		return err;
	if (cap - off < client_data_len)
		return -ENOSPC;
	if (client_data_len)
		memcpy(buf + off, client_data, client_data_len);
	off += client_data_len;
	return finish_header(buf, off, IPC_SET_PROFILER, IPC_PROFILER_ATTACH);
}

ssize_t ipc_encode_collect_tracing2(uint8_t *buf, size_t cap, uint32_t buffer_mb,
				    const struct ipc_provider *providers, size_t count)
{
	size_t off = IPC_HEADER_SIZE;
	int err;

	if (!buf || !providers || count == 0 || count > IPC_MAX_PROVIDERS)
		return -EINVAL;
	if (cap < IPC_HEADER_SIZE)
		return -ENOSPC;
	if ((err = append_u32(buf, cap, &off, buffer_mb)) ||
	    (err = append_u32(buf, cap, &off, IPC_EVENTPIPE_FORMAT_NETTRACE)))
		return err;
	if (cap - off < 1)
		return -ENOSPC;
	buf[off++] = 0; /* requestRundown: a counter session needs no rundown */
	if ((err = append_u32(buf, cap, &off, (uint32_t)count)))
		return err;
	for (size_t i = 0; i < count; i++) {
		const struct ipc_provider *p = &providers[i];

		if (!p->name || !*p->name)
			return -EINVAL;
		if ((err = append_u32(buf, cap, &off, (uint32_t)p->keywords)) ||
		    (err = append_u32(buf, cap, &off, (uint32_t)(p->keywords >> 32))) ||
		    (err = append_u32(buf, cap, &off, p->level)) ||
		    (err = append_string(buf, cap, &off, p->name)) ||
		    (err = append_string(buf, cap, &off, p->filter ? p->filter : "")))
			return err;
	}
	return finish_header(buf, off, IPC_SET_EVENTPIPE, IPC_EVENTPIPE_COLLECT2);
}

ssize_t ipc_encode_stop_tracing(uint8_t *buf, size_t cap, uint64_t session_id)
{
	size_t off = IPC_HEADER_SIZE;
	int err;

	if (!buf)
		return -EINVAL;
	if (cap < IPC_HEADER_SIZE)
		return -ENOSPC;
	if ((err = append_u32(buf, cap, &off, (uint32_t)session_id)) ||
	    (err = append_u32(buf, cap, &off, (uint32_t)(session_id >> 32))))
		return err;
	return finish_header(buf, off, IPC_SET_EVENTPIPE, IPC_EVENTPIPE_STOP);
}

int ipc_guid_parse(const char *text, uint8_t out[16])
{
	/* Canonical text order is Data1-Data2-Data3-Data4[0..1]-Data4[2..7]. */
	static const int group_len[5] = { 8, 4, 4, 4, 12 };
	uint8_t bytes[16];
	size_t n = 0;
	const char *p = text;
	bool brace;

	if (!text || !out)
		return -EINVAL;
	brace = (*p == '{');
	if (brace)
		p++;
	for (int g = 0; g < 5; g++) {
		if (g > 0 && *p++ != '-')
			return -EINVAL;
		for (int i = 0; i < group_len[g]; i += 2) {
			int hi = hex_digit(p[0]), lo = hi < 0 ? -1 : hex_digit(p[1]);

			if (hi < 0 || lo < 0)
				return -EINVAL;
			bytes[n++] = (uint8_t)(hi << 4 | lo);
			p += 2;
		}
	}
	if (brace && *p++ != '}')
		return -EINVAL;
	if (*p)
		return -EINVAL;
	/* Data1, Data2, Data3 are little-endian in memory; Data4 stays as written. */
	out[0] = bytes[3], out[1] = bytes[2], out[2] = bytes[1], out[3] = bytes[0];
	out[4] = bytes[5], out[5] = bytes[4];
	out[6] = bytes[7], out[7] = bytes[6];
	memcpy(out + 8, bytes + 8, 8);
	return 0;
}

/* ---------------- decoders ---------------- */

int ipc_decode_header(const uint8_t *buf, size_t len, struct ipc_header *out)
{
	if (!buf || !out || len < IPC_HEADER_SIZE)
		return -EBADMSG;
	if (memcmp(buf, ipc_magic, IPC_MAGIC_SIZE) != 0)
		return -EBADMSG;
	out->size = get_u16(buf + 14);
	out->command_set = buf[16];
	out->command_id = buf[17];
	if (out->size < IPC_HEADER_SIZE)
		return -EBADMSG;
	return 0;
}

/* Header checks shared by reply decoders; gives payload bounds. */
static int reply_payload(const uint8_t *msg, size_t len, struct ipc_header *h, const uint8_t **payload,
			 size_t *payload_len)
{
	if (ipc_decode_header(msg, len, h) < 0)
		return -EBADMSG;
	if (h->size > len)
		return -EBADMSG; /* the size field claims bytes we do not have */
	*payload = msg + IPC_HEADER_SIZE;
	*payload_len = h->size - IPC_HEADER_SIZE;
	return 0;
}

int ipc_decode_status(const uint8_t *msg, size_t len, uint32_t *hresult, char *err_text,
		      size_t err_len)
{
	struct ipc_header h;
	const uint8_t *pl;
	size_t pl_len, off;

	if (err_text && err_len)
		err_text[0] = '\0';
	if (!hresult || reply_payload(msg, len, &h, &pl, &pl_len) < 0)
		return -EBADMSG;
	if (h.command_set != IPC_SET_SERVER)
		return -EBADMSG;
	if (h.command_id == IPC_SERVER_OK) {
		/* Status commands send int32 0; other OK replies carry command data. */
		*hresult = IPC_HR_OK;
		return 0;
	}
	if (h.command_id != IPC_SERVER_ERROR || pl_len < 4)
		return -EBADMSG;
	*hresult = get_u32(pl);
	if (*hresult == IPC_HR_OK)
		return -EBADMSG; /* an error that says success is garbage */
	off = 4;
	if (pl_len > 4 && ipc_get_string(pl, pl_len, &off, err_text, err_len, NULL) < 0) {
		if (err_text && err_len)
			err_text[0] = '\0'; /* a broken message text must not hide the HRESULT */
	}
	return 0;
}

int ipc_decode_process_info(const uint8_t *msg, size_t len, int level,
			    struct ipc_process_info *out)
{
	struct ipc_header h;
	const uint8_t *pl;
	size_t pl_len, off = 0;

	if (!out || level < 1 || level > 3)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (reply_payload(msg, len, &h, &pl, &pl_len) < 0 || h.command_set != IPC_SET_SERVER ||
	    h.command_id != IPC_SERVER_OK)
		return -EBADMSG;
	out->level = level;
	if (level == 3) {
		if (pl_len < 4)
			return -EBADMSG;
		out->info_version = get_u32(pl);
		off = 4;
	}
	if (pl_len - off < 8 + 16)
		return -EBADMSG;
	out->pid = get_u64(pl + off);
	memcpy(out->cookie, pl + off + 8, 16);
	off += 24;
	if (ipc_get_string(pl, pl_len, &off, out->command_line, sizeof(out->command_line), NULL) ||
	    ipc_get_string(pl, pl_len, &off, out->os, sizeof(out->os), NULL) ||
	    ipc_get_string(pl, pl_len, &off, out->arch, sizeof(out->arch), NULL))
		return -EBADMSG;
	if (level >= 2 &&
	    (ipc_get_string(pl, pl_len, &off, out->entry_assembly, sizeof(out->entry_assembly), NULL) ||
	     ipc_get_string(pl, pl_len, &off, out->runtime_version, sizeof(out->runtime_version), NULL)))
		return -EBADMSG;
	if (level == 3 && out->info_version >= 1 &&
	    ipc_get_string(pl, pl_len, &off, out->runtime_id, sizeof(out->runtime_id), NULL))
		return -EBADMSG;
	return 0;
}

int ipc_decode_env_header(const uint8_t *msg, size_t len, uint32_t *incoming_bytes)
{
	struct ipc_header h;
	const uint8_t *pl;
	size_t pl_len;

	if (!incoming_bytes || reply_payload(msg, len, &h, &pl, &pl_len) < 0 ||
	    h.command_set != IPC_SET_SERVER || h.command_id != IPC_SERVER_OK || pl_len < 6)
		return -EBADMSG;
	*incoming_bytes = get_u32(pl);
	if (*incoming_bytes < 4 || *incoming_bytes > IPC_ENV_MAX_BYTES)
		return -EBADMSG;
	return 0;
}

int ipc_env_lookup(const uint8_t *blob, size_t len, const char *name, char *value,
		   size_t value_len, bool *found)
{
	char entry[4096];
	size_t off = 4, name_len;
	uint32_t count;

	if (!blob || !name || !found || !value || !value_len)
		return -EINVAL;
	*found = false;
	value[0] = '\0';
	if (len < 4)
		return -EBADMSG;
	count = get_u32(blob);
	if (count > (len - 4) / 4)
		return -EBADMSG; /* every string takes at least its 4-byte count */
	name_len = strlen(name);
	for (uint32_t i = 0; i < count; i++) {
		if (ipc_get_string(blob, len, &off, entry, sizeof(entry), NULL) < 0)
			return -EBADMSG;
		if (strncmp(entry, name, name_len) == 0 && entry[name_len] == '=') {
			/* entries longer than `entry` are cut: treat as too long for us */
			if (strlen(entry) == sizeof(entry) - 1 ||
			    strlen(entry + name_len + 1) >= value_len)
				return -ENAMETOOLONG;
			strcpy(value, entry + name_len + 1);
			*found = true; /* keep going: the last definition wins, as in getenv order */
		}
	}
	return 0;
}

const char *ipc_hresult_name(uint32_t hresult)
{
	switch (hresult) {
	case IPC_HR_OK: return "S_OK";
	case IPC_HR_BAD_ENCODING: return "DS_IPC_E_BAD_ENCODING";
	case IPC_HR_UNKNOWN_COMMAND: return "DS_IPC_E_UNKNOWN_COMMAND";
	case IPC_HR_UNKNOWN_MAGIC: return "DS_IPC_E_UNKNOWN_MAGIC";
	case IPC_HR_UNKNOWN_ERROR: return "DS_IPC_E_UNKNOWN_ERROR";
	case IPC_HR_NOTSUPPORTED: return "DS_IPC_E_NOTSUPPORTED";
	case IPC_HR_FAIL: return "E_FAIL";
	case IPC_HR_NOT_YET_AVAILABLE: return "DS_IPC_E_NOT_YET_AVAILABLE";
	case IPC_HR_RUNTIME_UNINITIALIZED: return "DS_IPC_E_RUNTIME_UNINITIALIZED";
	case IPC_HR_INVALIDARG: return "E_INVALIDARG";
	case IPC_HR_ENVVAR_NOT_FOUND: return "DS_IPC_E_ENVVAR_NOT_FOUND";
	case IPC_HR_PROFILER_ALREADY_ACTIVE: return "CORPROF_E_PROFILER_ALREADY_ACTIVE";
	default: return NULL;
	}
}

int ipc_hresult_errno(uint32_t hresult)
{
	switch (hresult) {
	case IPC_HR_OK: return 0;
	case IPC_HR_UNKNOWN_COMMAND:
	case IPC_HR_NOTSUPPORTED: return -EOPNOTSUPP;
	case IPC_HR_BAD_ENCODING:
	case IPC_HR_UNKNOWN_MAGIC: return -EPROTO;
	case IPC_HR_NOT_YET_AVAILABLE:
	case IPC_HR_RUNTIME_UNINITIALIZED: return -EAGAIN;
	case IPC_HR_INVALIDARG: return -EINVAL;
	case IPC_HR_ENVVAR_NOT_FOUND: return -ENOENT;
	case IPC_HR_PROFILER_ALREADY_ACTIVE: return -EBUSY;
	case 0x8007007Eu: return -ENOENT;  /* HRESULT_FROM_WIN32(ERROR_MOD_NOT_FOUND) */
	default: return -EIO;
	}
}

int ipc_decode_session_reply(const uint8_t *msg, size_t len, uint64_t *session_id, uint32_t *hresult)
{
	struct ipc_header h;

	if (ipc_decode_header(msg, len, &h) < 0 || h.size != len || h.command_set != IPC_SET_SERVER)
		return -EBADMSG;
	if (h.command_id == IPC_SERVER_OK && len == IPC_HEADER_SIZE + 8) {
		*session_id = get_u64(msg + IPC_HEADER_SIZE);
		*hresult = IPC_HR_OK;
		return 0;
	}
	if (h.command_id == IPC_SERVER_ERROR && len >= IPC_HEADER_SIZE + 4) {
		*hresult = get_u32(msg + IPC_HEADER_SIZE);
		return *hresult == IPC_HR_OK ? -EBADMSG : 0; /* an "error" that says OK is a lie */
	}
	return -EBADMSG;
}
