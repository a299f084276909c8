/*
 * sign: HMAC, SHA-256, hex, Base64, percent-encoding.  See sign.h.
 */
#include "sign.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "util.h"

static int
hmac(const EVP_MD *md, const void *key, size_t klen, const void *msg,
    size_t mlen, unsigned char *out, unsigned int want, struct derr *err)
{
	unsigned int	 n = 0;

	if (klen > INT32_MAX)
		return derr_set(err, DERR_BUG, false, "HMAC key too long");
	/* An empty message still needs a valid pointer. */
	if (HMAC(md, key, (int)klen, msg != NULL ? msg : (const void *)"",
	    mlen, out, &n) == NULL || n != want)
		return derr_set(err, DERR_BUG, false, "HMAC failed in "
		    "libcrypto");
	return 0;
}

int
sign_hmac_sha1(const void *key, size_t klen, const void *msg, size_t mlen,
    unsigned char out[SIGN_SHA1_LEN], struct derr *err)
{
	return hmac(EVP_sha1(), key, klen, msg, mlen, out, SIGN_SHA1_LEN, err);
}

int
sign_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
    unsigned char out[SIGN_SHA256_LEN], struct derr *err)
{
	return hmac(EVP_sha256(), key, klen, msg, mlen, out, SIGN_SHA256_LEN,
	    err);
}

int
sign_sha256_hex(const void *data, size_t len, char hex[SIGN_SHA256_HEX],
    struct derr *err)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0;

	if (EVP_Digest(data != NULL ? data : (const void *)"", len, md, &n,
	    EVP_sha256(), NULL) != 1 || n != SIGN_SHA256_LEN)
		return derr_set(err, DERR_BUG, false, "SHA-256 failed in "
		    "libcrypto");
	sign_hex(md, n, hex);
	return 0;
}

void
sign_hex(const unsigned char *p, size_t n, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

char *
sign_base64(const unsigned char *p, size_t n)
{
	char	*out;

	out = xmalloc(4 * ((n + 2) / 3) + 1);
	/* EVP_EncodeBlock writes no newlines and NUL-terminates. */
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~';
}

int
sign_pct_encode(struct buf *out, const char *s, struct derr *err)
{
	static const char	 digits[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)s;
	char			 e[3];

	for (; *p != '\0'; p++) {
		if (unreserved(*p)) {
			if (buf_append(out, p, 1, err) < 0)
				return -1;
			continue;
		}
		e[0] = '%';
		e[1] = digits[*p >> 4];
		e[2] = digits[*p & 0xf];
		if (buf_append(out, e, 3, err) < 0)
			return -1;
	}
	return 0;
}

int
sign_nonce(char out[37], struct derr *err)
{
	unsigned char	 b[16];
	char		 h[33];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return derr_set(err, DERR_SYS, true, "no random bytes for a "
		    "nonce");
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	sign_hex(b, sizeof(b), h);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12,
	    h + 16, h + 20);
	return 0;
}
