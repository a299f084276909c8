/*
 * err: an error is a value that carries a sentence.
 *
 * Fallible functions take a `struct derr *` as their last parameter and
 * return -1 through derr_set().  Each layer may prepend context with
 * derr_prefix() on the way up; only the code that decides logs it.
 * This module must not log, allocate or exit.
 */
#ifndef DUTYD_ERR_H
#define DUTYD_ERR_H

#include <stdbool.h>

enum derr_kind {
	DERR_SYS = 1,
	DERR_CONFIG,
	DERR_DB,
	DERR_NET,
	DERR_PEER,
	DERR_INPUT,
	DERR_BUG
};

struct derr {
	enum derr_kind	 kind;
	bool		 transient;	/* retrying later may succeed */
	char		 msg[256];
};

/* Fill `err` (may be NULL) with kind, transient flag and a message. Returns -1. */
int	derr_set(struct derr *, enum derr_kind, bool, const char *, ...)
	    __attribute__((format(printf, 4, 5)));

/* Prepend "context: " to the message in `err` (NULL is a no-op). */
void	derr_prefix(struct derr *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* Reset `err` to "no error". */
void	derr_clear(struct derr *);

/* The kind's short name ("system", "config", ...). */
const char *derr_kind_name(enum derr_kind);

#endif
