/*
 * journal: an append-only file of checksummed records.  See journal.h.
 *
 * Each record is framed as "LLLL CCCCCCCCCCCCCCCC PAYLOAD\n": the payload
 * length in hex (4 digits), its FNV-1a 64 checksum in hex (16 digits),
 * then the payload.  A record is written by one write(2) on a file opened
 * O_APPEND, so records never interleave and a torn one is caught by its
 * length, checksum or missing newline.
 */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define JOURNAL_HEAD	22		/* "LLLL CCCCCCCCCCCCCCCC " */
/* Read at most this much: records past it count as missing. */
#define JOURNAL_READ_MAX	(16 * 1024 * 1024)

struct journal {
	int	 fd;
	char	*path;
};

static uint64_t
fnv1a(const void *p, size_t len)
{
	const unsigned char	*s = p;
	uint64_t		 h = 0xcbf29ce484222325ULL;
	size_t			 i;

	for (i = 0; i < len; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return h;
}

struct journal *
journal_open(const char *path, struct derr *err)
{
	struct journal	*j;
	int		 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd < 0) {
		derr_set(err, DERR_SYS, false, "%s: %s", path,
		    strerror(errno));
		return NULL;
	}
	j = xcalloc(1, sizeof(*j));
	j->fd = fd;
	j->path = xstrdup(path);
	return j;
}

void
journal_free(struct journal *j)
{
	if (j == NULL)
		return;
	close(j->fd);
	free(j->path);
	free(j);
}

int
journal_append(struct journal *j, const void *rec, size_t len,
    struct derr *err)
{
	char	 b[JOURNAL_HEAD + JOURNAL_RECORD_MAX + 2];
	size_t	 n;
	ssize_t	 w;

	if (len > JOURNAL_RECORD_MAX)
		return derr_set(err, DERR_INPUT, false, "%s: record of %zu "
		    "bytes is too long", j->path, len);
	snprintf(b, sizeof(b), "%04zx %016llx ", len,
	    (unsigned long long)fnv1a(rec, len));
	memcpy(b + JOURNAL_HEAD, rec, len);
	b[JOURNAL_HEAD + len] = '\n';
	n = JOURNAL_HEAD + len + 1;
	do
		w = write(j->fd, b, n);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return derr_set(err, DERR_SYS, false, "%s: %s", j->path,
		    strerror(errno));
	/* A short write leaves a torn record: readers stop there. */
	if ((size_t)w != n)
		return derr_set(err, DERR_SYS, false, "%s: short write",
		    j->path);
	return 0;
}

int
journal_reset(struct journal *j, struct derr *err)
{
	if (ftruncate(j->fd, 0) < 0)
		return derr_set(err, DERR_SYS, false, "%s: %s", j->path,
		    strerror(errno));
	return 0;
}

/* Read up to JOURNAL_READ_MAX bytes of `path`; a missing file is empty. */
static int
slurp(const char *path, struct buf *b, struct derr *err)
{
	char	 chunk[8192];
	ssize_t	 r;
	size_t	 want;
	int	 fd;

	buf_init(b, 0);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT)
			return 0;
		return derr_set(err, DERR_SYS, false, "%s: %s", path,
		    strerror(errno));
	}
	while (b->len < JOURNAL_READ_MAX) {
		want = JOURNAL_READ_MAX - b->len;
		r = read(fd, chunk, want < sizeof(chunk) ? want :
		    sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			derr_set(err, DERR_SYS, false, "%s: %s", path,
			    strerror(errno));
			close(fd);
			buf_clear(b);
			return -1;
		}
		if (r == 0)
			break;
		(void)buf_append(b, chunk, (size_t)r, NULL);
	}
	close(fd);
	return 0;
}

/* The `n` hex digits at `p` (exactly: no sign, no space). */
static bool
hex_parse(const char *p, size_t n, uint64_t *out)
{
	uint64_t	 v = 0;
	size_t		 i;
	int		 d;

	for (i = 0; i < n; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			d = p[i] - 'a' + 10;
		else
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return true;
}

/* Length of the valid record at `p` (of `left` bytes), or 0. */
static size_t
record_at(const char *p, size_t left, size_t *len)
{
	uint64_t	 n, sum;

	if (left < JOURNAL_HEAD + 1 || p[4] != ' ' ||
	    p[JOURNAL_HEAD - 1] != ' ' || !hex_parse(p, 4, &n) ||
	    !hex_parse(p + 5, 16, &sum))
		return 0;
	if (n > JOURNAL_RECORD_MAX || left < JOURNAL_HEAD + n + 1 ||
	    p[JOURNAL_HEAD + n] != '\n' || sum != fnv1a(p + JOURNAL_HEAD, n))
		return 0;
	*len = n;
	return JOURNAL_HEAD + n + 1;
}

int
journal_read(const char *path, journal_fn fn, void *ctx, struct derr *err)
{
	struct buf	 b;
	size_t		 off = 0, step, len = 0;
	int		 count = 0;

	if (slurp(path, &b, err) < 0)
		return -1;
	while (off < b.len &&
	    (step = record_at(b.data + off, b.len - off, &len)) > 0) {
		if (fn(ctx, b.data + off + JOURNAL_HEAD, len, err) < 0) {
			buf_clear(&b);
			return -1;
		}
		off += step;
		count++;
	}
	buf_clear(&b);
	return count;
}
