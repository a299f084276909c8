/*
 * journal: an append-only file of checksummed records, for facts that
 * must outlive a crash of the process between two database commits.
 *
 * A record is in the kernel's page cache once journal_append returns:
 * a killed process loses none (like a SQLite commit with synchronous =
 * NORMAL), a power loss may lose any of them.  journal_read gives the
 * records up to the first one that is missing, torn or corrupt, so a
 * reader always sees a prefix of what was appended.  libc only.
 */
#ifndef DUTYD_JOURNAL_H
#define DUTYD_JOURNAL_H

#include <stddef.h>

#include "err.h"

/* Largest record; larger ones are refused (DERR_INPUT). */
#define JOURNAL_RECORD_MAX	4096

struct journal;

/* Open (create, mode 0600, no symlink) `path` for appending. */
struct journal	*journal_open(const char *path, struct derr *);
void		 journal_free(struct journal *);
/* Append one record of `len` bytes in a single write.  0 or -1. */
int		 journal_append(struct journal *, const void *, size_t,
		    struct derr *);
/* Forget every record (truncate to 0).  0 or -1. */
int		 journal_reset(struct journal *, struct derr *);

/*
 * Call `fn` on each valid record of the file at `path`, in order, up to
 * the first invalid one; a missing file has none.  `fn` returns 0 to go
 * on or -1 to stop with its error.  Returns the number of records read,
 * or -1.
 */
typedef int (*journal_fn)(void *, const char *, size_t, struct derr *);
int		 journal_read(const char *path, journal_fn fn, void *ctx,
		    struct derr *);

#endif
