// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * hex.c - hex for blobs and ids on the command line. Decoding runs in time
 * independent of the digits' values, so it may see secret-bearing blobs.
 */
#include "libszkm.h"

#include <errno.h>
#include <string.h>

void szkm_hex_encode(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

/* Value of one digit, or -1, without branches on the digit. */
static int hex_val(unsigned char c)
{
	int num = c - '0', low = (c | 0x20) - 'a';
	int is_num = ((num >= 0) & (num <= 9));
	int is_low = ((low >= 0) & (low <= 5));

	return (num & -is_num) | ((low + 10) & -is_low) | (-1 & ~(-is_num | -is_low));
}

int szkm_hex_decode(uint8_t *out, size_t out_len, const char *in)
{
	int bad = 0;

	if (strlen(in) != 2 * out_len)
		return -EINVAL;
	for (size_t i = 0; i < out_len; i++) {
		int hi = hex_val((unsigned char)in[2 * i]);
		int lo = hex_val((unsigned char)in[2 * i + 1]);

		bad |= (hi | lo) < 0;
		out[i] = (uint8_t)((hi << 4) | (lo & 15));
	}
	if (bad) {
		memset(out, 0, out_len);
		return -EINVAL;
	}
	return 0;
}
