/*
 * config: what the module's files share.  The loader's error collection
 * (`struct ld`, opaque here) and the checks that live outside config.c.
 * Private to config*.c; no libconfig type appears here.
 */
#ifndef DUTYD_CONFIG_INT_H
#define DUTYD_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct ld;

/* Report `what` about the setting at `path` (its file:line, or the
 * nearest group's). */
void	cfg_ld_bad(struct ld *, const char *path, const char *what);

/* Whether the file sets `path` (a default does not count). */
bool	cfg_ld_has(const struct ld *, const char *path);

/*
 * Report `what` about the setting at `path`, at its file:line, or, when
 * the file does not set it (a default), at the line of its nearest
 * enclosing group that it does set.
 */
void	cfg_ld_bad_near(struct ld *, const char *path, const char *what);

/* The CFG_LOAD_* flags of this load. */
unsigned cfg_ld_flags(const struct ld *);

/* How many problems were reported so far. */
size_t	cfg_ld_nerrs(const struct ld *);

/*
 * Refuse a robot kind that would never be sent (reminder or escalation
 * without "im" in reminders.channels, duty without a duty whose channels
 * hold "im", digest with the digest disabled), and "im" in a channel list
 * no robot takes.  A robot without `kinds` keeps those of the defaults
 * that are sent (cfg is changed for that).
 */
void	cfg_check_routes(struct ld *, struct cfg *);

/*
 * With CFG_LOAD_TEMPLATES, for a file otherwise valid: every template the
 * configuration will use (general.templates, report.docx_template,
 * im.[i].body_template) is a readable file; each one that is not is
 * reported once, at the setting that needs it (config_tmpl.c).
 */
void	cfg_check_templates(struct ld *, struct cfg *);

#endif
