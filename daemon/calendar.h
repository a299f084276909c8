/*
 * calendar: civil dates in the configured time zone and the official
 * working-day calendar (weekends off, public holidays off, adjusted working
 * days on), built in for the years the State Council has published
 * (data/holidays-cn.tsv) and extendable from the config.  Periods (month,
 * quarter, half, year).  The only module that turns instants into civil
 * dates.  Must not read the clock (`now` always comes in as a parameter)
 * nor touch process-wide time zone state (TZ, tzset, localtime, mktime).
 */
#ifndef DUTYD_CALENDAR_H
#define DUTYD_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

struct cal;

/*
 * Build a calendar: built-in years plus `holidays` (extra days off) and
 * `workdays` (extra working days) from the config; the config wins over
 * the built-in table.  `tz` (IANA name, e.g. "Asia/Shanghai") is read once
 * here from its TZif file under /usr/share/zoneinfo and kept in the
 * calendar; the process's TZ and libc's zone are neither read nor changed,
 * so calendars with different zones can coexist.  An unsafe name (absolute,
 * "..", control characters), an unknown zone or an unreadable or corrupt
 * file is DERR_CONFIG.
 */
struct cal *cal_new(const char *tz, const int32_t *holidays, size_t nholidays,
	    const int32_t *workdays, size_t nworkdays, struct derr *);
void	cal_free(struct cal *);

/* True if `day` is a working day. */
bool	cal_is_workday(const struct cal *, int32_t day);
/* True if the official arrangement of `year` is known (built in or config). */
bool	cal_year_known(const struct cal *, int year);
/*
 * Name of the holiday `day` belongs to ("春节", "国庆节") when it is one of
 * the built-in days off (data/holidays-cn.tsv) and still off; NULL for a
 * working day (调休上班 included), a plain weekend, and a day off from
 * general.holidays, which has no name.  Static storage.
 */
const char *cal_holiday_name(const struct cal *, int32_t day);

/*
 * The day that is `n` working days after `day` (n > 0) or before (n < 0);
 * `day` itself does not count.  n == 0 returns `day`.
 */
int32_t	cal_add_workdays(const struct cal *, int32_t day, int n);
/* Working days in (from, to]; negative (-count in (to, from]) if to < from. */
int	cal_workdays_between(const struct cal *, int32_t from, int32_t to);
/* The latest working day <= `day`. */
int32_t	cal_workday_on_or_before(const struct cal *, int32_t day);
/* The earliest working day >= `day`. */
int32_t	cal_workday_on_or_after(const struct cal *, int32_t day);

/* Civil day and minute of day of a Unix instant in the calendar's zone. */
void	cal_civil(const struct cal *, int64_t now, int32_t *day, int *minute);
/*
 * The Unix instant of `day` at `minute` in the calendar's zone: the first
 * one if the wall time happens twice; in a spring-forward gap, the reading
 * glibc's mktime gives with tm_isdst = -1 (02:30 that does not exist is
 * read with the offset before the gap, so it is 03:30 DST).
 */
int64_t	cal_instant(const struct cal *, int32_t day, int minute);
/* The calendar's offset from UTC at `now`, in minutes (+480 in Shanghai). */
int	cal_utc_offset(const struct cal *, int64_t now);

struct cal_period {
	enum cfg_period	 kind;
	int32_t		 start;		/* first day, inclusive */
	int32_t		 end;		/* last day, inclusive */
	char		 label[16];	/* 2026-11, 2026Q4, 2026H2, 2026 */
};

/* The period of `kind` containing `day`. */
void	cal_period_of(enum cfg_period, int32_t day, struct cal_period *);
/* The period just before `p`. */
void	cal_period_prev(const struct cal_period *, struct cal_period *);
/* The period in Chinese: 2026年11月, 2026年第四季度, 2026年下半年, 2026年. */
void	cal_period_name(const struct cal_period *, char *out, size_t n);
/* Parse a label ("2026-11", "2026Q4", "2026H2", "2026"); 0 or -1. */
int	cal_period_parse(const char *, struct cal_period *);

#endif
