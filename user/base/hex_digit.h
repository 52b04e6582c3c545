/* SPDX-License-Identifier: MIT */
/* One hexadecimal digit's value, for the parsers that read GUIDs and \u escapes. */
#ifndef CORETRAP_BASE_HEX_DIGIT_H
#define CORETRAP_BASE_HEX_DIGIT_H

/* 0..15, or -1 when c is not a hex digit (either case). */
static inline int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
