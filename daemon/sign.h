/*
 * sign: the hashes, MACs and encodings that provider request signing is
 * made of (HMAC-SHA1, HMAC-SHA256, SHA-256, lowercase hex, Base64 and
 * RFC 3986 percent-encoding), on top of OpenSSL libcrypto, the only module
 * that includes <openssl/...>.  Pure functions but sign_nonce (OpenSSL's
 * random generator): no I/O, no clock, no logging.  It knows no
 * provider; the channels assemble the strings.
 */
#ifndef DUTYD_SIGN_H
#define DUTYD_SIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "util.h"

#define SIGN_SHA1_LEN		20
#define SIGN_SHA256_LEN		32
/* Lowercase hex of a SHA-256 digest, with its NUL. */
#define SIGN_SHA256_HEX		(2 * SIGN_SHA256_LEN + 1)

/*
 * HMAC of `msg` under `key` into `out` (SIGN_SHA1_LEN or SIGN_SHA256_LEN
 * bytes).  Returns 0, or -1 with DERR_BUG if libcrypto fails.
 */
int	sign_hmac_sha1(const void *key, size_t klen, const void *msg,
	    size_t mlen, unsigned char out[SIGN_SHA1_LEN], struct derr *);
int	sign_hmac_sha256(const void *key, size_t klen, const void *msg,
	    size_t mlen, unsigned char out[SIGN_SHA256_LEN], struct derr *);

/* SHA-256 of `data`, as lowercase hex into `hex`.  0 or -1 (DERR_BUG). */
int	sign_sha256_hex(const void *data, size_t len,
	    char hex[SIGN_SHA256_HEX], struct derr *);

/* Lowercase hex of `n` bytes into `out` (2n + 1 bytes). */
void	sign_hex(const unsigned char *, size_t n, char *out);

/* Standard Base64 (with + / and = padding) of `n` bytes; caller frees. */
char	*sign_base64(const unsigned char *, size_t n);

/*
 * Append `s` percent-encoded as RFC 3986 wants it for signing: bytes of
 * A-Z a-z 0-9 - _ . ~ as they are, every other byte as %XX with upper
 * case hex (so space is %20, never +, and * is %2A).  -1 if `out` is full.
 */
int	sign_pct_encode(struct buf *out, const char *s, struct derr *);

/*
 * A random UUID (version 4, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx") into
 * `out`, for nonces that must differ per request.  0, or -1 (DERR_SYS)
 * if the random generator fails.
 */
int	sign_nonce(char out[37], struct derr *);

/* Characters of a reply token (sign_token), without its NUL. */
#define SIGN_TOKEN_LEN		16

/*
 * A short token that proves `msg` came from whoever holds `key`: the
 * first 80 bits of HMAC-SHA256(key, msg) in RFC 4648 base32 (A-Z, 2-7),
 * SIGN_TOKEN_LEN characters into `out` with a NUL.  It survives mail
 * clients that change case or drop headers, so it goes in a subject.
 * 0, or -1 with DERR_BUG.
 */
int	sign_token(const void *key, size_t klen, const char *msg,
	    char out[SIGN_TOKEN_LEN + 1], struct derr *);

/* Whether `a` and `b` (SIGN_TOKEN_LEN characters each, any case) are the
 * same token, in time that does not depend on where they differ. */
bool	sign_token_equal(const char *a, const char *b);

#endif
