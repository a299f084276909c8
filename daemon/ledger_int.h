/*
 * ledger's private header: what ledger.c (CSV rows, columns, problems,
 * export) shares with ledger_date.c (the deadline cell: dates as offices
 * write them, kinds, standing duties).  Nothing outside ledger*.c
 * includes this.
 */
#ifndef DUTYD_LEDGER_INT_H
#define DUTYD_LEDGER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* What one deadline cell says. */
struct ledger_deadline {
	int		 kind;		/* enum measure_kind, -1: not said */
	int32_t		 date;		/* DAY_NONE: no date */
	bool		 guessed_year;	/* the year came from `today` */
	bool		 duty;		/* 每季度1次 ...: a standing duty */
	const char	*period;	/* its cfg period, NULL: none fits */
	int		 times;		/* its at_least */
};

/*
 * Read a deadline cell (ledger.h lists the forms) with `today` (DAY_NONE:
 * unknown) for dates without a year.  Returns 0 and fills `d`, or -1
 * with DERR_INPUT and the reason in Chinese, which quotes the cell.
 */
int	ledger_deadline_parse(const char *cell, int32_t today,
	    struct ledger_deadline *d, struct derr *err);

/* A kind cell: 立行立改, 限期整改, 长期坚持, 长期 or the English name. */
int	ledger_kind_parse(const char *s);

/* Copy `s` into `out` (`n` bytes), cut on a UTF-8 boundary with "...". */
const char *ledger_shorten(const char *s, char *out, size_t n);

/* Trim ASCII white space and full-width spaces at both ends, in place. */
char	*ledger_trim(char *s);

#define LEDGER_DATE_HINT \
	"应为2026-12-31、2026年12月底前、长期坚持或立行立改"

#endif
