/*
 * calendar tests: the 2025/2026 State Council arrangements, config
 * overrides, working-day arithmetic, periods and time zones.  Every day
 * is pinned; nothing reads the clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "calendar.h"
#include "model.h"

#define SHANGHAI	"Asia/Shanghai"

static int32_t
day(const char *s)
{
	int32_t	 d;

	assert_int_equal(day_parse(s, &d), 0);
	return d;
}

static const char *
fmt(int32_t d, char *out)
{
	return day_format(d, out);
}

static struct cal *
cal_plain(void)
{
	struct derr	 err = { 0 };
	struct cal	*cal;

	cal = cal_new(SHANGHAI, NULL, 0, NULL, 0, &err);
	assert_non_null(cal);
	return cal;
}

static void
assert_off(const struct cal *cal, const char *from, const char *to)
{
	int32_t	 d;
	char	 s[16];

	for (d = day(from); d <= day(to); d++)
		if (cal_is_workday(cal, d))
			fail_msg("%s should be a day off", fmt(d, s));
}

static void
assert_on(const struct cal *cal, const char *s)
{
	if (!cal_is_workday(cal, day(s)))
		fail_msg("%s should be a working day", s);
}

static void
test_calendar_spring_festival_2026(void **state)
{
	struct cal	*cal;

	(void)state;
	cal = cal_plain();
	assert_off(cal, "2026-02-15", "2026-02-23");
	assert_on(cal, "2026-02-13");
	assert_on(cal, "2026-02-14");	/* Saturday, 调休上班 */
	assert_on(cal, "2026-02-24");
	assert_on(cal, "2026-02-28");	/* Saturday, 调休上班 */
	assert_off(cal, "2026-03-01", "2026-03-01");
	cal_free(cal);
}

static void
test_calendar_national_day(void **state)
{
	struct cal	*cal;

	(void)state;
	cal = cal_plain();
	assert_off(cal, "2026-10-01", "2026-10-07");
	assert_on(cal, "2026-09-20");	/* Sunday */
	assert_on(cal, "2026-10-10");	/* Saturday */
	assert_on(cal, "2026-10-08");
	assert_off(cal, "2026-09-25", "2026-09-27");
	assert_off(cal, "2025-10-01", "2025-10-08");
	assert_on(cal, "2025-09-28");
	assert_on(cal, "2025-10-09");
	assert_on(cal, "2025-10-11");
	cal_free(cal);
}

static void
test_calendar_ordinary_weekend(void **state)
{
	struct cal	*cal;

	(void)state;
	cal = cal_plain();
	assert_off(cal, "2026-03-07", "2026-03-08");
	assert_on(cal, "2026-03-06");
	assert_on(cal, "2026-03-09");
	cal_free(cal);
}

static void
test_calendar_unknown_year_is_plain(void **state)
{
	struct cal	*cal;

	(void)state;
	cal = cal_plain();
	assert_true(cal_year_known(cal, 2025));
	assert_true(cal_year_known(cal, 2026));
	assert_false(cal_year_known(cal, 2027));
	assert_false(cal_year_known(cal, 2024));
	assert_on(cal, "2027-01-01");	/* a Friday, no notice yet */
	assert_on(cal, "2027-10-01");
	assert_off(cal, "2027-10-02", "2027-10-03");
	assert_on(cal, "2027-10-04");
	assert_null(cal_holiday_name(cal, day("2026-03-02")));
	cal_free(cal);
}

/*
 * The built-in days off carry their holiday's name (data/holidays-cn.tsv,
 * third column); adjusted working days, plain weekends and the config's
 * own holidays have none, and a built-in day off the config made a
 * working day loses it.
 */
static void
test_calendar_holiday_names(void **state)
{
	struct derr	 err = { 0 };
	struct cal	*cal;
	int32_t		 hol = day("2027-10-08"), work = day("2026-10-07");

	(void)state;
	cal = cal_plain();
	assert_string_equal(cal_holiday_name(cal, day("2026-10-01")),
	    "国庆节");
	assert_string_equal(cal_holiday_name(cal, day("2026-10-03")),
	    "国庆节");
	assert_string_equal(cal_holiday_name(cal, day("2026-09-26")),
	    "中秋节");
	assert_string_equal(cal_holiday_name(cal, day("2026-02-17")),
	    "春节");
	assert_string_equal(cal_holiday_name(cal, day("2025-01-01")),
	    "元旦");
	assert_null(cal_holiday_name(cal, day("2026-10-10")));	/* 调休上班 */
	assert_null(cal_holiday_name(cal, day("2026-10-08")));	/* Thursday */
	assert_null(cal_holiday_name(cal, day("2026-10-17")));	/* Saturday */
	assert_null(cal_holiday_name(cal, day("2024-10-01")));	/* unknown */
	cal_free(cal);
	cal = cal_new(SHANGHAI, &hol, 1, &work, 1, &err);
	assert_non_null(cal);
	assert_null(cal_holiday_name(cal, hol));
	assert_null(cal_holiday_name(cal, work));
	assert_string_equal(cal_holiday_name(cal, day("2026-10-06")),
	    "国庆节");
	cal_free(cal);
}

/* Runs of days off that contain a weekday are the notices' holiday blocks. */
static void
test_calendar_builtin_counts(void **state)
{
	struct cal	*cal;
	int32_t		 d, run_start;
	int		 off = 0;
	int		 weekday_off = 0;
	int		 work_weekend = 0;
	bool		 run_has_weekday = false;

	(void)state;
	cal = cal_plain();
	run_start = DAY_NONE;
	for (d = day("2025-01-01"); d <= day("2027-01-01"); d++) {
		bool	 weekend = day_weekday(d) >= 6;

		if (cal_is_workday(cal, d)) {
			if (run_start != DAY_NONE && run_has_weekday)
				off += d - run_start;
			run_start = DAY_NONE;
			run_has_weekday = false;
			work_weekend += weekend;
			continue;
		}
		if (run_start == DAY_NONE)
			run_start = d;
		if (!weekend) {
			run_has_weekday = true;
			weekday_off++;
		}
	}
	assert_int_equal(off, 28 + 33);
	assert_int_equal(work_weekend, 5 + 6);
	assert_int_equal(weekday_off, 18 + 19);
	cal_free(cal);
}

static void
test_calendar_config_overrides(void **state)
{
	struct derr	 err = { 0 };
	struct cal	*cal;
	int32_t		 hol[2], work[2];

	(void)state;
	hol[0] = day("2026-10-10");	/* cancels a built-in workday */
	hol[1] = day("2027-10-01");	/* adds a holiday */
	work[0] = day("2026-10-05");	/* cancels a built-in holiday */
	work[1] = day("2027-10-09");	/* adds a working Saturday */
	cal = cal_new(SHANGHAI, hol, 2, work, 2, &err);
	assert_non_null(cal);
	assert_false(cal_is_workday(cal, day("2026-10-10")));
	assert_true(cal_is_workday(cal, day("2026-10-05")));
	assert_false(cal_is_workday(cal, day("2026-10-04")));
	assert_false(cal_is_workday(cal, day("2027-10-01")));
	assert_true(cal_is_workday(cal, day("2027-10-09")));
	assert_true(cal_year_known(cal, 2027));
	assert_false(cal_year_known(cal, 2028));
	cal_free(cal);
}

static void
test_calendar_config_conflict_rejected(void **state)
{
	struct derr	 err = { 0 };
	int32_t		 d, far;

	(void)state;
	d = day("2027-05-03");
	assert_null(cal_new(SHANGHAI, &d, 1, &d, 1, &err));
	assert_int_equal(err.kind, DERR_CONFIG);
	assert_non_null(strstr(err.msg, "2027-05-03"));
	far = day("2300-01-01");
	assert_null(cal_new(SHANGHAI, &far, 1, NULL, 0, &err));
	assert_int_equal(err.kind, DERR_CONFIG);
	assert_non_null(strstr(err.msg, "2300-01-01"));
}

static void
assert_add(const struct cal *cal, const char *from, int n, const char *want)
{
	char	 s[16];

	assert_string_equal(fmt(cal_add_workdays(cal, day(from), n), s),
	    want);
}

static void
test_calendar_add_workdays_spring_festival(void **state)
{
	struct cal	*cal;

	(void)state;
	cal = cal_plain();
	assert_add(cal, "2026-02-25", -1, "2026-02-24");
	assert_add(cal, "2026-02-25", -2, "2026-02-14");
	assert_add(cal, "2026-02-25", -3, "2026-02-13");
	assert_add(cal, "2026-02-13", 1, "2026-02-14");
	assert_add(cal, "2026-02-13", 2, "2026-02-24");
	assert_add(cal, "2026-02-13", 3, "2026-02-25");
	assert_add(cal, "2026-02-18", 1, "2026-02-24");	/* from a day off */
	assert_add(cal, "2026-02-18", -1, "2026-02-14");
	assert_add(cal, "2026-02-18", 0, "2026-02-18");
	assert_add(cal, "2026-02-27", 1, "2026-02-28");
	assert_add(cal, "2026-02-28", 1, "2026-03-02");
	cal_free(cal);
}

static void
test_calendar_add_workdays_new_year(void **state)
{
	struct cal	*cal;

	(void)state;
	cal = cal_plain();
	assert_add(cal, "2025-12-31", 1, "2026-01-04");	/* Sunday, 调休 */
	assert_add(cal, "2025-12-31", 2, "2026-01-05");
	assert_add(cal, "2026-01-05", -2, "2025-12-31");
	assert_add(cal, "2026-01-04", -1, "2025-12-31");
	assert_add(cal, "2026-01-02", -1, "2025-12-31");
	assert_add(cal, "2026-10-09", 15, "2026-10-29");
	assert_add(cal, "2026-09-30", 1, "2026-10-08");
	cal_free(cal);
}

static void
test_calendar_workdays_between(void **state)
{
	struct cal	*cal;

	(void)state;
	cal = cal_plain();
	assert_int_equal(cal_workdays_between(cal, day("2026-02-13"),
	    day("2026-02-28")), 6);
	assert_int_equal(cal_workdays_between(cal, day("2026-02-28"),
	    day("2026-02-13")), -6);
	assert_int_equal(cal_workdays_between(cal, day("2026-02-14"),
	    day("2026-02-14")), 0);
	assert_int_equal(cal_workdays_between(cal, day("2026-02-15"),
	    day("2026-02-23")), 0);
	assert_int_equal(cal_workdays_between(cal, day("2025-12-31"),
	    day("2026-01-04")), 1);
	/* 2027 has no notice: 261 Mondays to Fridays. */
	assert_int_equal(cal_workdays_between(cal, day("2026-12-31"),
	    day("2027-12-31")), 261);
	cal_free(cal);
}

static void
test_calendar_on_or_before_after(void **state)
{
	struct cal	*cal;
	char		 s[16];

	(void)state;
	cal = cal_plain();
	assert_string_equal(fmt(cal_workday_on_or_before(cal,
	    day("2026-10-05")), s), "2026-09-30");
	assert_string_equal(fmt(cal_workday_on_or_after(cal,
	    day("2026-10-05")), s), "2026-10-08");
	assert_string_equal(fmt(cal_workday_on_or_after(cal,
	    day("2026-10-08")), s), "2026-10-08");
	assert_string_equal(fmt(cal_workday_on_or_before(cal,
	    day("2026-03-08")), s), "2026-03-06");
	cal_free(cal);
}

/* The fast paths must agree with counting day by day, window edges too. */
static void
test_calendar_arithmetic_matches_naive(void **state)
{
	static const char	*starts[] = { "1970-01-01", "2025-12-20",
	    "2026-02-10", "2199-12-20", "2250-06-15" };
	struct cal		*cal;
	int32_t			 from, d, got;
	size_t			 i;
	int			 n, count;

	(void)state;
	cal = cal_plain();
	for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		from = day(starts[i]);
		count = 0;
		for (d = from + 1; d < from + 60; d++) {
			count += cal_is_workday(cal, d);
			assert_int_equal(cal_workdays_between(cal, from, d),
			    count);
			assert_int_equal(cal_workdays_between(cal, d, from),
			    -count);
		}
		for (n = -40; n <= 40; n++) {
			got = cal_add_workdays(cal, from, n);
			assert_true(n == 0 || cal_is_workday(cal, got));
			/* n working days in (from, got], -n in [got, from) */
			if (n >= 0)
				assert_int_equal(cal_workdays_between(cal,
				    from, got), n);
			else
				assert_int_equal(cal_workdays_between(cal,
				    got - 1, from - 1), -n);
		}
	}
	cal_free(cal);
}

static void
assert_period(enum cfg_period kind, const char *in, const char *label,
    const char *start, const char *end)
{
	struct cal_period	 p;
	char			 s[16];

	cal_period_of(kind, day(in), &p);
	assert_int_equal(p.kind, kind);
	assert_string_equal(p.label, label);
	assert_string_equal(fmt(p.start, s), start);
	assert_string_equal(fmt(p.end, s), end);
}

/* day_parse takes real dates only: leap years, month lengths. */
static void
test_calendar_day_parse_bounds(void **state)
{
	static const char *const good[] = { "2024-02-29", "2000-02-29",
	    "2026-04-30", "2026-12-31", "1970-01-01" };
	static const char *const bad[] = { "2026-02-29", "2100-02-29",
	    "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00",
	    "1969-12-31", "2026-1-01", "2026/01/01", "" };
	char		 b[11];
	int32_t		 d;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(day_parse(good[i], &d), 0);
		assert_string_equal(day_format(d, b), good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(day_parse(bad[i], &d), -1);
}

static void
test_calendar_period_of(void **state)
{
	(void)state;
	assert_period(CFG_PERIOD_MONTH, "2028-02-29", "2028-02", "2028-02-01",
	    "2028-02-29");
	assert_period(CFG_PERIOD_QUARTER, "2028-02-29", "2028Q1",
	    "2028-01-01", "2028-03-31");
	assert_period(CFG_PERIOD_HALF, "2028-02-29", "2028H1", "2028-01-01",
	    "2028-06-30");
	assert_period(CFG_PERIOD_YEAR, "2028-02-29", "2028", "2028-01-01",
	    "2028-12-31");
	assert_period(CFG_PERIOD_MONTH, "2026-11-30", "2026-11", "2026-11-01",
	    "2026-11-30");
	assert_period(CFG_PERIOD_QUARTER, "2026-09-30", "2026Q3",
	    "2026-07-01", "2026-09-30");
	assert_period(CFG_PERIOD_QUARTER, "2026-10-01", "2026Q4",
	    "2026-10-01", "2026-12-31");
	assert_period(CFG_PERIOD_QUARTER, "2026-12-31", "2026Q4",
	    "2026-10-01", "2026-12-31");
	assert_period(CFG_PERIOD_HALF, "2026-07-01", "2026H2", "2026-07-01",
	    "2026-12-31");
	assert_period(CFG_PERIOD_HALF, "2026-06-30", "2026H1", "2026-01-01",
	    "2026-06-30");
}

static void
assert_prev(const char *label, const char *want, const char *end)
{
	struct cal_period	 p, prev;
	char			 s[16];

	assert_int_equal(cal_period_parse(label, &p), 0);
	cal_period_prev(&p, &prev);
	assert_int_equal(prev.kind, p.kind);
	assert_string_equal(prev.label, want);
	assert_string_equal(fmt(prev.end, s), end);
	assert_int_equal(prev.end + 1, p.start);
}

static void
test_calendar_period_prev(void **state)
{
	(void)state;
	assert_prev("2026-01", "2025-12", "2025-12-31");
	assert_prev("2028-03", "2028-02", "2028-02-29");
	assert_prev("2026Q1", "2025Q4", "2025-12-31");
	assert_prev("2026Q4", "2026Q3", "2026-09-30");
	assert_prev("2026H1", "2025H2", "2025-12-31");
	assert_prev("2026H2", "2026H1", "2026-06-30");
	assert_prev("2026", "2025", "2025-12-31");
}

static void
test_calendar_period_parse(void **state)
{
	static const char	*bad[] = { "2026Q5", "2026-13", "2026-00",
	    "2026Q0", "2026H3", "2026H0", "2026-1", "2026q4", "26Q4", "+026",
	    "2026Q4x", "", "abcd", "2026-11 ", " 2026", "1969", "20261",
	    "2026-", "2026Q", "2026-+1", "2026Q+1", "-2026", "2026-011" };
	struct cal_period	 p;
	char			 s[16];
	size_t			 i;

	(void)state;
	assert_int_equal(cal_period_parse("2026-11", &p), 0);
	assert_int_equal(p.kind, CFG_PERIOD_MONTH);
	assert_string_equal(fmt(p.end, s), "2026-11-30");
	assert_int_equal(cal_period_parse("2026Q4", &p), 0);
	assert_int_equal(p.kind, CFG_PERIOD_QUARTER);
	assert_string_equal(fmt(p.start, s), "2026-10-01");
	assert_int_equal(cal_period_parse("2026H2", &p), 0);
	assert_int_equal(p.kind, CFG_PERIOD_HALF);
	assert_string_equal(p.label, "2026H2");
	assert_int_equal(cal_period_parse("2026", &p), 0);
	assert_int_equal(p.kind, CFG_PERIOD_YEAR);
	assert_string_equal(fmt(p.end, s), "2026-12-31");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&p, 0x5a, sizeof(p));
		if (cal_period_parse(bad[i], &p) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(p.start, 0x5a5a5a5a);
	}
}

static void
test_calendar_shanghai_round_trip(void **state)
{
	struct cal	*cal;
	int32_t		 d;
	int		 minute;
	char		 s[16];

	(void)state;
	cal = cal_plain();
	cal_civil(cal, 1735660800, &d, &minute);
	assert_string_equal(fmt(d, s), "2025-01-01");
	assert_int_equal(minute, 0);
	cal_civil(cal, 1735660800 - 60, &d, &minute);
	assert_string_equal(fmt(d, s), "2024-12-31");
	assert_int_equal(minute, 23 * 60 + 59);
	assert_int_equal(cal_instant(cal, day("2025-01-01"), 0), 1735660800);
	assert_int_equal(cal_instant(cal, day("2025-01-01"), 8 * 60 + 30),
	    1735660800 + 30600);
	assert_int_equal(cal_utc_offset(cal, 1735660800), 480);
	cal_free(cal);
}

static void
test_calendar_dst_ambiguous_takes_first(void **state)
{
	struct derr	 err = { 0 };
	struct cal	*cal;
	int64_t		 midnight_utc;

	(void)state;
	cal = cal_new("Europe/Berlin", NULL, 0, NULL, 0, &err);
	assert_non_null(cal);
	/* 2026-10-25 02:30 happens twice; the first is still CEST (+2). */
	midnight_utc = (int64_t)day("2026-10-25") * 86400;
	assert_int_equal(cal_instant(cal, day("2026-10-25"), 150),
	    midnight_utc + 30 * 60);
	assert_int_equal(cal_utc_offset(cal, midnight_utc), 120);
	assert_int_equal(cal_utc_offset(cal, midnight_utc + 3 * 3600), 60);
	cal_free(cal);
}

static void
test_calendar_unknown_zone_rejected(void **state)
{
	static const char	*bad[] = { "Mars/Olympus_Mons",
	    "../../etc/passwd", "/etc/localtime", "", "Asia/../Asia/Shanghai",
	    "Asia", "Asia/Shang\nhai" };
	struct derr		 err;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_null(cal_new(bad[i], NULL, 0, NULL, 0, &err));
		assert_int_equal(err.kind, DERR_CONFIG);
		assert_non_null(strstr(err.msg, "time zone"));
	}
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_calendar_spring_festival_2026),
		cmocka_unit_test(test_calendar_national_day),
		cmocka_unit_test(test_calendar_ordinary_weekend),
		cmocka_unit_test(test_calendar_unknown_year_is_plain),
		cmocka_unit_test(test_calendar_holiday_names),
		cmocka_unit_test(test_calendar_builtin_counts),
		cmocka_unit_test(test_calendar_config_overrides),
		cmocka_unit_test(test_calendar_config_conflict_rejected),
		cmocka_unit_test(test_calendar_add_workdays_spring_festival),
		cmocka_unit_test(test_calendar_add_workdays_new_year),
		cmocka_unit_test(test_calendar_workdays_between),
		cmocka_unit_test(test_calendar_on_or_before_after),
		cmocka_unit_test(test_calendar_arithmetic_matches_naive),
		cmocka_unit_test(test_calendar_day_parse_bounds),
		cmocka_unit_test(test_calendar_period_of),
		cmocka_unit_test(test_calendar_period_prev),
		cmocka_unit_test(test_calendar_period_parse),
		cmocka_unit_test(test_calendar_shanghai_round_trip),
		cmocka_unit_test(test_calendar_dst_ambiguous_takes_first),
		cmocka_unit_test(test_calendar_unknown_zone_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
