/*
 * config: what the module's files share.  The loader's error collection
 * (`struct ld`, opaque here) and the checks that live outside config.c.
 * Private to config*.c; no libconfig type appears here.
 */
#ifndef DUTYD_CONFIG_INT_H
#define DUTYD_CONFIG_INT_H

#include <stdbool.h>

#include "config.h"

struct ld;

/* Report `what` about the setting at `path` (its file:line, or the
 * nearest group's). */
void	cfg_ld_bad(struct ld *, const char *path, const char *what);

/* Whether the file sets `path` (a default does not count). */
bool	cfg_ld_has(const struct ld *, const char *path);

/*
 * Refuse a robot kind that would never be sent (reminder or escalation
 * without "im" in reminders.channels, duty without a duty whose channels
 * hold "im", digest with the digest disabled), and "im" in a channel list
 * no robot takes.  A robot without `kinds` keeps those of the defaults
 * that are sent (cfg is changed for that).
 */
void	cfg_check_routes(struct ld *, struct cfg *);

#endif
