/*
 * log: one line per event on stderr.  Under systemd (JOURNAL_STREAM set or
 * LOG_JOURNAL requested) each line carries a "<N>" syslog priority prefix and
 * no timestamp; interactive runs prefix the program name instead.  Log lines
 * cannot be forged by content: every line is escaped (CR, LF and control
 * bytes become \xNN) and capped.  Never pass secrets or message bodies.
 */
#ifndef DUTYD_LOG_H
#define DUTYD_LOG_H

#include <stddef.h>

enum log_level {
	LOGL_CRIT = 2,
	LOGL_ERR = 3,
	LOGL_WARN = 4,
	LOGL_NOTICE = 5,
	LOGL_INFO = 6,
	LOGL_DEBUG = 7
};

enum log_dest {
	LOG_DEST_AUTO,		/* journal if JOURNAL_STREAM is set */
	LOG_DEST_TTY,		/* "prog: " prefix */
	LOG_DEST_JOURNAL	/* "<N>" prefix */
};

/* Set program name, destination and maximum level shown. */
void	log_init(const char *prog, enum log_dest, enum log_level);
/* Parse "err", "warn", "notice", "info", "debug"; -1 if unknown. */
int	log_level_parse(const char *);
enum log_level log_level_get(void);

void	log_crit(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_err(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));

/*
 * Escape `in` into `out` (size `n`): bytes < 0x20 and 0x7f become \xNN,
 * backslash is doubled; truncated with "..." when longer. Returns `out`.
 */
char	*log_escape(const char *in, char *out, size_t n);

#endif
