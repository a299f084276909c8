/*
 * calendar_int: private to the calendar module (calendar*.c and its
 * tests).  A time zone read from a TZif file (RFC 8536): the transitions
 * it lists, then the POSIX TZ rule of its footer for every instant after
 * the last one.  Conversions read only the zone they are given: no
 * environment, no libc time zone state.
 */
#ifndef DUTYD_CALENDAR_INT_H
#define DUTYD_CALENDAR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "err.h"

/* Local time is at most this far from UTC (RFC 8536: -89999..93599 s). */
#define CAL_OFF_MIN	(-89999)
#define CAL_OFF_MAX	93599

/* A day of the year in a POSIX TZ rule, and the local time on it. */
enum cal_when_kind {
	CAL_WHEN_JULIAN = 1,	/* Jn: 1..365, February 29 never counted */
	CAL_WHEN_ZERO,		/* n: 0..365, February 29 counted */
	CAL_WHEN_MONTH		/* Mm.w.d: weekday d of week w of month m */
};

struct cal_when {
	enum cal_when_kind kind;
	int		 n;		/* day number (JULIAN, ZERO) */
	int		 m, w, d;	/* month, week 1..5 (5: last), weekday */
	int32_t		 secs;		/* local time of day, -167h..167h */
};

/* A POSIX TZ string such as "EST5EDT,M3.2.0,M11.1.0". */
struct cal_rule {
	int32_t		 std_off;	/* seconds east of UTC */
	int32_t		 dst_off;
	bool		 has_dst;
	struct cal_when	 start;		/* DST starts, in standard time */
	struct cal_when	 end;		/* DST ends, in daylight time */
};

/* The offset in force from one instant up to, not including, `end`. */
struct cal_span {
	int64_t		 end;		/* INT64_MAX: never changes again */
	int32_t		 off;		/* seconds east of UTC */
	bool		 dst;
};

struct cal_tz {
	int64_t		*at;		/* transition instants, ascending */
	int32_t		*off;		/* offset from at[i] on */
	uint8_t		*dst;		/* dst[i]: DST from at[i] on */
	size_t		 n;
	int32_t		 first_off;	/* before at[0], or always if n == 0 */
	bool		 first_dst;
	bool		 has_rule;	/* the footer governs from at[n-1] on */
	struct cal_rule	 rule;
};

/* The largest TZif file read; the biggest in tzdata is under 4 KiB. */
#define CAL_TZIF_MAX	(1024 * 1024)

/*
 * Parse TZif data (versions 1 to 4) into `tz`, which the caller clears.
 * Every count is checked against `len`.  Leap-second zones are refused.
 * -1 with a sentence in `err` (DERR_CONFIG), `out` untouched.
 */
int	cal_tz_parse(struct cal_tz *, const unsigned char *, size_t,
	    struct derr *);
/* Load `name` below the directory `dir`; DERR_CONFIG if it cannot. */
int	cal_tz_load(struct cal_tz *, const char *dir, const char *name,
	    struct derr *);
void	cal_tz_clear(struct cal_tz *);
/* Parse a POSIX TZ string (RFC 8536 section 3.3); 0 or -1. */
int	cal_rule_parse(const char *, struct cal_rule *);

/* The offset in force at `t` and until when. */
void	cal_tz_span(const struct cal_tz *, int64_t t, struct cal_span *);
/*
 * The instant whose local time is `wall` (seconds since 1970-01-01 00:00
 * local): the first if there are two; in a gap, the reading glibc's
 * mktime gives with tm_isdst = -1.
 */
int64_t	cal_tz_instant(const struct cal_tz *, int64_t wall);

/* a / b rounded toward minus infinity (b > 0). */
int64_t	cal_floor_div(int64_t, int64_t);

/* cal_new with the zone read below `zoneinfo` instead of the system's. */
struct cal *cal_new_in(const char *zoneinfo, const char *tz,
	    const int32_t *holidays, size_t nholidays,
	    const int32_t *workdays, size_t nworkdays, struct derr *);

#endif
