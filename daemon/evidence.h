/*
 * evidence: the files that prove a measure was done (minutes, photos,
 * scans), stored once by content under the evidence directory as
 * DIR/ab/abcdef... (the SHA-256 in lowercase hex, computed by the caller),
 * mode 0600 in 0700 directories whatever the umask.  Plain file I/O:
 * no hashing, no database, no clock.
 */
#ifndef DUTYD_EVIDENCE_H
#define DUTYD_EVIDENCE_H

#include <stddef.h>

#include "err.h"

#define EVIDENCE_HEX	64	/* characters of a SHA-256 in hex */

/* Whether `hex` is 64 lowercase hex digits. */
int	evidence_hash_ok(const char *hex);

/*
 * Store `len` bytes under `hex` in `dir` (created 0700 if missing):
 * written to a temporary file, fsynced and renamed, so the name always
 * holds the whole file; a file already there is kept (same content).
 * 0, or -1 with DERR_SYS naming the path.
 */
int	evidence_put(const char *dir, const char *hex, const void *data,
	    size_t len, struct derr *);

/*
 * Read the file stored under `hex` (at most `max` bytes) into *data
 * (caller frees) and *len.  1 found, 0 absent, -1 error.
 */
int	evidence_read(const char *dir, const char *hex, size_t max,
	    char **data, size_t *len, struct derr *);

/*
 * Delete the file stored under `hex` (the caller has checked that no
 * measure holds it any more).  1 deleted, 0 it was not there, -1 with
 * DERR_SYS naming the path.
 */
int	evidence_remove(const char *dir, const char *hex, struct derr *);

/*
 * Take the lock of evidence directory `dir` (the file DIR/.lock, mode
 * 0600; DIR is created 0700 if missing), waiting while another process
 * holds it.  Whoever adds a file holds it around "bytes, then row" and
 * whoever deletes one around "row, then bytes", so the bytes of a file
 * are never unlinked under a row just added for the same content.
 * Returns the lock's descriptor for evidence_unlock, or -1 with DERR_SYS
 * naming the path.
 */
int	evidence_lock(const char *dir, struct derr *);

/* Release a lock from evidence_lock; -1 is a no-op. */
void	evidence_unlock(int fd);

#endif
