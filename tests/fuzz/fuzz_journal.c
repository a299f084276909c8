/*
 * fuzz_journal: libFuzzer target for journal_read, which reads back after
 * a crash a file a crash may have torn anywhere.  The input up to the
 * first 0xff byte is split at NUL bytes into records written with
 * journal_append; the rest is written raw after them (a torn or garbage
 * tail).  journal_read must give every appended record back, in order and
 * byte for byte, and may give more only if the raw tail happens to hold a
 * valid record; otherwise it traps.  The file lives in a directory made
 * under $TMPDIR (or /tmp) at the first run and removed at exit.  Built and run by `make fuzz`;
 * `make fuzz-replay` replays tests/fuzz/corpus/journal.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "journal.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct rec {
	const char	*p;
	size_t		 len;
};

struct want {
	struct rec	 v[1024];
	size_t		 n;
	size_t		 seen;
};

static int
compare(void *ctx, const char *rec, size_t len, struct derr *err)
{
	struct want	*w = ctx;

	(void)err;
	if (w->seen < w->n && (w->v[w->seen].len != len ||
	    memcmp(w->v[w->seen].p, rec, len) != 0))
		__builtin_trap();
	if (len > JOURNAL_RECORD_MAX)
		__builtin_trap();
	w->seen++;
	return 0;
}

static char	 path[4096], dir[4000];

/* Leave nothing behind in $TMPDIR. */
static void
cleanup(void)
{
	(void)unlink(path);	/* may never have been written */
	(void)rmdir(dir);
}

static const char *
journal_path(void)
{
	const char	*tmp;

	if (path[0] != '\0')
		return path;
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/fuzz-journal.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/journal", dir);
	atexit(cleanup);
	return path;
}

/* Append the records of [p, end) split at NUL; note them in `w`. */
static void
append_records(struct journal *j, const char *p, const char *end,
    struct want *w)
{
	const char	*q;
	struct derr	 err;

	while (p < end && w->n < 1024) {
		if ((q = memchr(p, '\0', (size_t)(end - p))) == NULL)
			q = end;
		if (journal_append(j, p, (size_t)(q - p), &err) == 0) {
			w->v[w->n].p = p;
			w->v[w->n].len = (size_t)(q - p);
			w->n++;
		} else if ((size_t)(q - p) <= JOURNAL_RECORD_MAX)
			__builtin_trap();
		p = q + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*path = journal_path();
	const char	*s = (const char *)data, *cut;
	struct journal	*j;
	struct want	*w;
	struct derr	 err;
	int		 fd, n;

	if ((cut = memchr(s, 0xff, size)) == NULL)
		cut = s + size;
	w = calloc(1, sizeof(*w));
	unlink(path);
	if (w == NULL || (j = journal_open(path, &err)) == NULL)
		abort();
	append_records(j, s, cut, w);
	journal_free(j);
	if (cut < s + size) {
		if ((fd = open(path, O_WRONLY | O_APPEND)) < 0)
			abort();
		if (write(fd, cut + 1, (size_t)(s + size - cut - 1)) < 0)
			abort();
		close(fd);
	}
	n = journal_read(path, compare, w, &err);
	if (n < 0 || (size_t)n < w->n || w->seen != (size_t)n)
		__builtin_trap();
	free(w);
	return 0;
}
