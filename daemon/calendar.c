/*
 * calendar: the working-day calendar is one int32 prefix-sum array over a
 * fixed window of days, so counting working days between two dates is two
 * lookups and adding working days is a binary search over the same array.
 * Outside the window only weekends are off, and a closed formula counts them.
 */
#include "calendar.h"
#include "calendar_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util.h"

/* Must match the definition in the file tools/holidays.sh generates. */
struct cal_builtin_day {
	const char	*day;
	int		 work;
	const char	*name;		/* the holiday's, "国庆节"; may be "" */
};
extern const struct cal_builtin_day cal_builtin_days[];
extern const size_t cal_builtin_count;

/* The window: 1970-01-01 up to, not including, 2200-01-01. */
#define CAL_FIRST_YEAR	1970
#define CAL_END_YEAR	2200
#define CAL_NYEARS	(CAL_END_YEAR - CAL_FIRST_YEAR)

#define CAL_ZONEINFO	"/usr/share/zoneinfo"

/* A built-in day off and the holiday it belongs to. */
struct cal_named {
	int32_t		 day;
	const char	*name;		/* static, from the built-in table */
};

struct cal {
	int32_t		 end;		/* first day after the window */
	int32_t		*cum;		/* cum[i]: working days in [0, i) */
	uint8_t		*work;		/* work[i]: day i is a working day */
	bool		 known[CAL_NYEARS];
	struct cal_tz	 tz;		/* the zone, read once */
	struct cal_named *named;	/* built-in days off, by day */
	size_t		 nnamed;
};

/*
 * Mondays to Fridays in [0, d) for any d.  Day 0, 1970-01-01, is a
 * Thursday: of the days 0..6, days 0, 1, 4, 5 and 6 are weekdays.
 */
static int64_t
plain_count(int64_t d)
{
	static const int	 part[7] = { 0, 1, 2, 2, 2, 3, 4 };
	int64_t			 weeks;

	weeks = cal_floor_div(d, 7);
	return weeks * 5 + part[d - weeks * 7];
}

static bool
plain_is_workday(int64_t d)
{
	return plain_count(d + 1) - plain_count(d) == 1;
}

/* Working days in [0, d), negative for d < 0. */
static int64_t
cal_count(const struct cal *cal, int64_t d)
{
	if (d < 0)
		return plain_count(d);
	if (d <= cal->end)
		return cal->cum[d];
	return cal->cum[cal->end] + plain_count(d) - plain_count(cal->end);
}

static int
year_of(int32_t day)
{
	int	 y, m, d;

	day_to_ymd(day, &y, &m, &d);
	return y;
}

static int
cal_set(struct cal *cal, int32_t day, int work, bool *cfg, struct derr *err)
{
	char	 s[16];

	if (day < 0 || day >= cal->end)
		return derr_set(err, DERR_CONFIG, false,
		    "calendar: %s is outside %d..%d", day_format(day, s),
		    CAL_FIRST_YEAR, CAL_END_YEAR - 1);
	if (cfg != NULL) {
		if (cfg[day])
			return derr_set(err, DERR_CONFIG, false,
			    "calendar: %s is both a holiday and a workday",
			    day_format(day, s));
		cfg[day] = true;
	}
	cal->work[day] = (uint8_t)work;
	cal->known[year_of(day) - CAL_FIRST_YEAR] = true;
	return 0;
}

static int
named_cmp(const void *a, const void *b)
{
	const struct cal_named	*x = a, *y = b;

	return (x->day > y->day) - (x->day < y->day);
}

static int
cal_load_builtin(struct cal *cal, struct derr *err)
{
	size_t	 i;
	int32_t	 day;

	for (i = 0; i < cal_builtin_count; i++) {
		if (day_parse(cal_builtin_days[i].day, &day) == -1)
			return derr_set(err, DERR_BUG, false,
			    "calendar: bad built-in date \"%s\"",
			    cal_builtin_days[i].day);
		if (cal_set(cal, day, cal_builtin_days[i].work != 0, NULL,
		    err) == -1)
			return -1;
		if (cal_builtin_days[i].work != 0 ||
		    cal_builtin_days[i].name == NULL ||
		    cal_builtin_days[i].name[0] == '\0')
			continue;
		cal->named = xreallocarray(cal->named, cal->nnamed + 1,
		    sizeof(*cal->named));
		cal->named[cal->nnamed].day = day;
		cal->named[cal->nnamed++].name = cal_builtin_days[i].name;
	}
	if (cal->nnamed > 1)
		qsort(cal->named, cal->nnamed, sizeof(*cal->named),
		    named_cmp);
	return 0;
}

static int
cal_load_config(struct cal *cal, const int32_t *days, size_t n, int work,
    bool *cfg, struct derr *err)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (cal_set(cal, days[i], work, cfg, err) == -1)
			return -1;
	return 0;
}

static void
cal_sum(struct cal *cal)
{
	int32_t	 i;

	cal->cum[0] = 0;
	for (i = 0; i < cal->end; i++)
		cal->cum[i + 1] = cal->cum[i] + cal->work[i];
}

struct cal *
cal_new(const char *tz, const int32_t *holidays, size_t nholidays,
    const int32_t *workdays, size_t nworkdays, struct derr *err)
{
	return cal_new_in(CAL_ZONEINFO, tz, holidays, nholidays, workdays,
	    nworkdays, err);
}

struct cal *
cal_new_in(const char *zoneinfo, const char *tz, const int32_t *holidays,
    size_t nholidays, const int32_t *workdays, size_t nworkdays,
    struct derr *err)
{
	struct cal	*cal;
	bool		*cfg;
	int32_t		 i;
	int		 rc;

	cal = xcalloc(1, sizeof(*cal));
	if (cal_tz_load(&cal->tz, zoneinfo, tz, err) == -1) {
		free(cal);
		return NULL;
	}
	cal->end = day_from_ymd(CAL_END_YEAR, 1, 1);
	cal->cum = xcalloc((size_t)cal->end + 1, sizeof(*cal->cum));
	cal->work = xcalloc((size_t)cal->end, sizeof(*cal->work));
	cfg = xcalloc((size_t)cal->end, sizeof(*cfg));
	for (i = 0; i < cal->end; i++)
		cal->work[i] = plain_is_workday(i);
	rc = cal_load_builtin(cal, err);
	if (rc == 0)
		rc = cal_load_config(cal, holidays, nholidays, 0, cfg, err);
	if (rc == 0)
		rc = cal_load_config(cal, workdays, nworkdays, 1, cfg, err);
	free(cfg);
	if (rc == -1) {
		cal_free(cal);
		return NULL;
	}
	cal_sum(cal);
	return cal;
}

void
cal_free(struct cal *cal)
{
	if (cal == NULL)
		return;
	free(cal->cum);
	free(cal->work);
	free(cal->named);
	cal_tz_clear(&cal->tz);
	free(cal);
}

bool
cal_is_workday(const struct cal *cal, int32_t day)
{
	if (day >= 0 && day < cal->end)
		return cal->work[day] != 0;
	return plain_is_workday(day);
}

bool
cal_year_known(const struct cal *cal, int year)
{
	if (year < CAL_FIRST_YEAR || year >= CAL_END_YEAR)
		return false;
	return cal->known[year - CAL_FIRST_YEAR];
}

/*
 * Only a built-in day off has a name: general.holidays gives dates alone,
 * and a built-in day off that general.workdays made a working day is no
 * holiday any more.
 */
const char *
cal_holiday_name(const struct cal *cal, int32_t day)
{
	const struct cal_named	 key = { day, NULL }, *hit;

	if (cal_is_workday(cal, day) || cal->nnamed == 0)
		return NULL;
	hit = bsearch(&key, cal->named, cal->nnamed, sizeof(*cal->named),
	    named_cmp);
	return hit != NULL ? hit->name : NULL;
}

static int32_t
clamp_day(int64_t d)
{
	if (d > INT32_MAX)
		return INT32_MAX;
	if (d < INT32_MIN + 1)
		return INT32_MIN + 1;
	return (int32_t)d;
}

/* The smallest x > lo with cal_count(x) >= target. */
static int64_t
search_up(const struct cal *cal, int64_t lo, int64_t target)
{
	int64_t	 hi, step, mid;

	step = 64;
	hi = lo + step;
	while (cal_count(cal, hi) < target) {
		lo = hi;
		step *= 2;
		hi = lo + step;
	}
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (cal_count(cal, mid) >= target)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/* The largest x < hi with cal_count(x) <= target. */
static int64_t
search_down(const struct cal *cal, int64_t hi, int64_t target)
{
	int64_t	 lo, step, mid;

	step = 64;
	lo = hi - step;
	while (cal_count(cal, lo) > target) {
		hi = lo;
		step *= 2;
		lo = hi - step;
	}
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (cal_count(cal, mid) <= target)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int32_t
cal_add_workdays(const struct cal *cal, int32_t day, int n)
{
	int64_t	 base;

	if (n == 0)
		return day;
	if (n > 0) {
		/* (day, d] holds n working days and d is one of them. */
		base = cal_count(cal, (int64_t)day + 1);
		return clamp_day(search_up(cal, (int64_t)day + 1,
		    base + n) - 1);
	}
	/* [d, day) holds -n working days and d is one of them. */
	base = cal_count(cal, day);
	return clamp_day(search_down(cal, day, base + n));
}

int
cal_workdays_between(const struct cal *cal, int32_t from, int32_t to)
{
	return (int)(cal_count(cal, (int64_t)to + 1) -
	    cal_count(cal, (int64_t)from + 1));
}

int32_t
cal_workday_on_or_before(const struct cal *cal, int32_t day)
{
	if (cal_is_workday(cal, day))
		return day;
	return cal_add_workdays(cal, day, -1);
}

int32_t
cal_workday_on_or_after(const struct cal *cal, int32_t day)
{
	if (cal_is_workday(cal, day))
		return day;
	return cal_add_workdays(cal, day, 1);
}

/* Far beyond any date, and far from overflowing when an offset is added. */
#define CAL_T_LIMIT	((int64_t)1 << 60)

void
cal_civil(const struct cal *cal, int64_t now, int32_t *day, int *minute)
{
	struct cal_span	 sp;
	int64_t		 local, d;

	if (now > CAL_T_LIMIT)
		now = CAL_T_LIMIT;
	if (now < -CAL_T_LIMIT)
		now = -CAL_T_LIMIT;
	cal_tz_span(&cal->tz, now, &sp);
	local = now + sp.off;
	d = cal_floor_div(local, 86400);
	*day = clamp_day(d);
	*minute = (int)((local - d * 86400) / 60);
}

int64_t
cal_instant(const struct cal *cal, int32_t day, int minute)
{
	return cal_tz_instant(&cal->tz, (int64_t)day * 86400 +
	    (int64_t)minute * 60);
}

int
cal_utc_offset(const struct cal *cal, int64_t now)
{
	struct cal_span	 sp;

	cal_tz_span(&cal->tz, now, &sp);
	return sp.off / 60;
}

/*
 * Periods.  Each kind is a number of months and a label format; the
 * period's index within its year is (month - 1) / months.
 */
typedef void (*cal_label_fn)(char *, size_t, int, int);

static void
label_month(char *out, size_t len, int y, int i)
{
	snprintf(out, len, "%04d-%02d", y, i + 1);
}

static void
label_quarter(char *out, size_t len, int y, int i)
{
	snprintf(out, len, "%04dQ%d", y, i + 1);
}

static void
label_half(char *out, size_t len, int y, int i)
{
	snprintf(out, len, "%04dH%d", y, i + 1);
}

static void
label_year(char *out, size_t len, int y, int i)
{
	(void)i;
	snprintf(out, len, "%04d", y);
}

static const struct cal_kind {
	enum cfg_period	 kind;
	int		 months;
	char		 tag;		/* after the year in a label */
	int		 count;		/* periods in a year */
	cal_label_fn	 label;
} cal_kinds[] = {
	{ CFG_PERIOD_MONTH, 1, '-', 12, label_month },
	{ CFG_PERIOD_QUARTER, 3, 'Q', 4, label_quarter },
	{ CFG_PERIOD_HALF, 6, 'H', 2, label_half },
	{ CFG_PERIOD_YEAR, 12, '\0', 1, label_year },
};

static const struct cal_kind *
cal_kind_get(enum cfg_period kind)
{
	size_t	 i;

	for (i = 0; i < sizeof(cal_kinds) / sizeof(cal_kinds[0]); i++)
		if (cal_kinds[i].kind == kind)
			return &cal_kinds[i];
	return &cal_kinds[0];
}

static void
cal_period_make(const struct cal_kind *k, int y, int i, struct cal_period *p)
{
	int	 m;

	m = i * k->months + 1;
	p->kind = k->kind;
	p->start = day_from_ymd(y, m, 1);
	if (m + k->months > 12)
		p->end = day_from_ymd(y + 1, 1, 1) - 1;
	else
		p->end = day_from_ymd(y, m + k->months, 1) - 1;
	k->label(p->label, sizeof(p->label), y, i);
}

void
cal_period_of(enum cfg_period kind, int32_t day, struct cal_period *p)
{
	const struct cal_kind	*k;
	int			 y, m, d;

	k = cal_kind_get(kind);
	day_to_ymd(day, &y, &m, &d);
	cal_period_make(k, y, (m - 1) / k->months, p);
}

void
cal_period_prev(const struct cal_period *p, struct cal_period *out)
{
	cal_period_of(p->kind, p->start - 1, out);
}

void
cal_period_name(const struct cal_period *p, char *out, size_t n)
{
	static const char *const q[] = { "一", "二", "三", "四" };
	int	 y, m, d;

	day_to_ymd(p->start, &y, &m, &d);
	switch (p->kind) {
	case CFG_PERIOD_MONTH:
		snprintf(out, n, "%d年%d月", y, m);
		break;
	case CFG_PERIOD_QUARTER:
		snprintf(out, n, "%d年第%s季度", y, q[(m - 1) / 3]);
		break;
	case CFG_PERIOD_HALF:
		snprintf(out, n, "%d年%s半年", y, m < 7 ? "上" : "下");
		break;
	default:
		snprintf(out, n, "%d年", y);
		break;
	}
}

static const struct cal_kind *
cal_kind_by_tag(char tag)
{
	size_t	 i;

	for (i = 0; i < sizeof(cal_kinds) / sizeof(cal_kinds[0]); i++)
		if (cal_kinds[i].tag == tag)
			return &cal_kinds[i];
	return NULL;
}

/*
 * Strict: the year is four digits, the index one or two, and the label
 * built back from the result must equal the input byte for byte.
 */
int
cal_period_parse(const char *s, struct cal_period *out)
{
	const struct cal_kind	*k;
	struct cal_period	 p;
	long long		 y, i;
	char			 ys[5];

	if (s == NULL || strlen(s) < 4 || strlen(s) > 7)
		return -1;
	memcpy(ys, s, 4);
	ys[4] = '\0';
	if (ys[0] < '0' || ys[0] > '9' ||
	    str_to_ll(ys, CAL_FIRST_YEAR, 9999, &y) == -1)
		return -1;
	k = cal_kind_by_tag(s[4]);
	if (k == NULL)
		return -1;
	i = 1;
	if (k->count > 1 && (s[5] < '0' || s[5] > '9' ||
	    str_to_ll(s + 5, 1, k->count, &i) == -1))
		return -1;
	cal_period_make(k, (int)y, (int)i - 1, &p);
	if (strcmp(p.label, s) != 0)
		return -1;
	*out = p;
	return 0;
}
