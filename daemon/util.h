/*
 * util: allocation that cannot fail, bounded buffers, and small string and
 * validation helpers shared by every module.  libc only; no I/O except the
 * secret-file reader, no logging except the allocators' fatal exit.
 */
#ifndef DUTYD_UTIL_H
#define DUTYD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Allocators: on failure log at crit and exit EX_OSERR. Never NULL. */
void	*xmalloc(size_t);
/* p, or the out-of-memory exit if it is NULL: for a library's allocating
 * constructors (libetpan), as xmalloc is for malloc. */
void	*xalloced(void *p);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

/* Zero and free a secret string; NULL is a no-op. */
void	 xfree_secret(char *);

/*
 * A growable byte buffer with a hard maximum. Always NUL-terminated after
 * any append (the NUL is not counted in `len`).
 */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;	/* 0: unlimited (only for data we produce ourselves) */
};

void	buf_init(struct buf *, size_t max);
void	buf_clear(struct buf *);
/* Append; returns -1 with DERR_INPUT if the maximum would be exceeded. */
int	buf_append(struct buf *, const void *, size_t, struct derr *);
int	buf_puts(struct buf *, const char *, struct derr *);
/* Append formatted text (no maximum check failure for unlimited bufs). */
int	buf_printf(struct buf *, struct derr *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* Hand over the data (caller frees) and reset the buffer. */
char	*buf_take(struct buf *);
void	buf_reset(struct buf *);

/* A list of owned strings. */
struct strv {
	char	**v;
	size_t	  n;
};
void	strv_push(struct strv *, const char *);
void	strv_clear(struct strv *);
bool	strv_has(const struct strv *, const char *);

/* True if `s` holds CR, LF, NUL-before-len or other C0/DEL control bytes. */
bool	str_has_ctl(const char *);
/* True if `s` is valid UTF-8. */
bool	str_utf8_valid(const char *, size_t);
/* Display width in a terminal (CJK wide characters count 2). */
size_t	str_width(const char *);
/* Strip ASCII whitespace at both ends, in place; returns `s`. */
char	*str_trim(char *);
/*
 * A one-line excerpt of `s`: whitespace runs become one space, at most
 * `max` characters, then "…".  The caller frees it.
 */
char	*str_excerpt(const char *s, size_t max);
/* Parse a decimal integer in [min, max]; returns 0 or -1. */
int	str_to_ll(const char *, long long min, long long max, long long *);

/* A plausible mail address: local@domain, no controls, <>, spaces; <= 254. */
bool	addr_email_valid(const char *);
/* An E.164 number: '+', 8 to 15 digits, first digit not 0. */
bool	addr_phone_valid(const char *);
/* Mask an address for logs: "zh***@example.org", "+86138****0013". */
void	addr_mask(const char *, char *out, size_t outlen);

/*
 * Read a secret file (password, key) into a fresh string with the trailing
 * newline removed. Refuses files readable or writable by group or others,
 * files owned by an ordinary user other than the one running (DERR_CONFIG,
 * with a message saying how to fix it; root's are fine) and files over
 * 4 KiB.
 * A path still reading "credential:NAME" (config found no
 * $CREDENTIALS_DIRECTORY) is refused with a message naming LoadCredential=.
 */
#define SECRET_CREDENTIAL	"credential:"
int	secret_file_read(const char *path, char **out, struct derr *);

/* Read a whole file with a maximum size; caller frees `*out`. */
int	file_read(const char *path, size_t max, char **out, size_t *len,
	    struct derr *);

/* Write all `n` bytes to `fd`, again after EINTR.  0, or -1 with errno. */
int	fd_write_all(int fd, const void *p, size_t n);

/*
 * Run as root, give what was just created at `path` (open as `fd`, or -1)
 * to the owner of its directory when that is another user: what root's
 * dutyctl creates in the service user's /var/lib/dutyd (the database,
 * evidence) stays usable by dutyd (User=dutyd).  Otherwise nothing.
 */
void	path_adopt_dir_owner(const char *path, int fd);

#endif
