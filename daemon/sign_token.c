/*
 * sign: the reply token, a truncated HMAC in base32 (see sign.h).
 */
#include "sign.h"

#include <stdbool.h>
#include <string.h>

#include "err.h"

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int
sign_token(const void *key, size_t klen, const char *msg,
    char out[SIGN_TOKEN_LEN + 1], struct derr *err)
{
	unsigned char	 mac[SIGN_SHA256_LEN];
	unsigned	 acc = 0;
	int		 bits = 0;
	size_t		 i, o = 0;

	if (sign_hmac_sha256(key, klen, msg, strlen(msg), mac, err) == -1)
		return -1;
	/* 10 bytes are 80 bits, exactly 16 base32 digits. */
	for (i = 0; i < 10; i++) {
		acc = (acc << 8) | mac[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32[(acc >> bits) & 31];
		}
	}
	out[o] = '\0';
	explicit_bzero(mac, sizeof(mac));
	return 0;
}

static unsigned char
upper(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : c;
}

bool
sign_token_equal(const char *a, const char *b)
{
	unsigned char	 d = 0;
	size_t		 i;

	if (strlen(a) != SIGN_TOKEN_LEN || strlen(b) != SIGN_TOKEN_LEN)
		return false;
	for (i = 0; i < SIGN_TOKEN_LEN; i++)
		d |= upper((unsigned char)a[i]) ^ upper((unsigned char)b[i]);
	return d == 0;
}
