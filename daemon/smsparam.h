/*
 * smsparam: an SMS template's parameters, for the outbox that builds them
 * and the SMS channel that sends them.  Pure: no I/O, no clock, no
 * logging; jansson stays inside smsparam.c.
 */
#ifndef DUTYD_SMSPARAM_H
#define DUTYD_SMSPARAM_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Parameters one SMS template takes, at most. */
#define SMSPARAM_MAX	16

/*
 * Template parameters from `lines` ("name=value" per line, in the order
 * of the template's variables; blank lines ignored) as a JSON object in
 * that order, each value cleaned by smsparam_clean with `max` characters.
 * Names are 1-32 of [A-Za-z0-9_]. Returns 0 with a new `*json`, or -1 with
 * DERR_INPUT naming the line.
 */
int	smsparam_build(const char *lines, int max, char **json,
	    struct derr *);

/*
 * A template value made safe: control characters become spaces, runs of
 * white space one space, the characters that could change a template's
 * meaning or forge a signature ([]{}<>$\"'` and 【】〖〗［］｛｝) are
 * dropped, and the result is cut to `max` characters (the last one then
 * "…"). An empty result becomes "-". Returns a new string, or NULL if `s`
 * is not UTF-8.
 */
char	*smsparam_clean(const char *s, int max);

/* Whether the `n` bytes at `s` are a parameter name: 1-32 [A-Za-z0-9_]. */
bool	smsparam_name_ok(const char *s, size_t n);

#endif
