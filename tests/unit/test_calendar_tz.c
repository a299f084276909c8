/*
 * calendar time zone tests: the calendar's own TZif reader and POSIX rule
 * against glibc.  Only this test program sets TZ (to ask glibc for the
 * expected answer); the calendar must neither read nor change it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "calendar.h"
#include "calendar_int.h"
#include "model.h"

#define STEP		(6 * 3600)
#define Y1970		((int64_t)0)
#define Y2041		((int64_t)2240524800)

/* What glibc says about `t` under the TZ set by libc_zone(). */
struct libc_at {
	int32_t		 day;
	int		 minute;
	long		 off;		/* seconds east */
	int		 dst;
};

static void
libc_zone(const char *tz)
{
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

static void
libc_at(int64_t t, struct libc_at *a)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	assert_non_null(localtime_r(&tt, &tm));
	a->day = day_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	a->minute = tm.tm_hour * 60 + tm.tm_min;
	a->off = tm.tm_gmtoff;
	a->dst = tm.tm_isdst > 0;
}

/* glibc's mktime of a wall time, tm_isdst = -1. */
static int64_t
libc_mktime(int64_t wall)
{
	struct tm	 tm;
	time_t		 w = (time_t)wall;

	assert_non_null(gmtime_r(&w, &tm));
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static void
check_instant(const struct cal *cal, const char *what, int64_t t)
{
	struct libc_at	 a;
	int32_t		 day;
	int		 minute;

	libc_at(t, &a);
	cal_civil(cal, t, &day, &minute);
	if (day != a.day || minute != a.minute ||
	    cal_utc_offset(cal, t) != a.off / 60)
		fail_msg("%s at %lld: day %d minute %d offset %d, glibc %d %d "
		    "%ld", what, (long long)t, day, minute,
		    cal_utc_offset(cal, t), a.day, a.minute, a.off / 60);
}

/* Back from civil time: the same wall time, at or shortly before `t`. */
static void
check_round_trip(const struct cal *cal, const char *what, int64_t t)
{
	int32_t		 day, day2;
	int		 minute, minute2;
	int64_t		 back;

	cal_civil(cal, t, &day, &minute);
	back = cal_instant(cal, day, minute);
	cal_civil(cal, back, &day2, &minute2);
	if (day2 != day || minute2 != minute || back > t ||
	    back < t - 3 * 3600)
		fail_msg("%s: instant of civil(%lld) is %lld", what,
		    (long long)t, (long long)back);
}

/*
 * Around the transition at `at` from `a` to `b`: the instants either
 * side, then every wall time in the gap (glibc's mktime reading, or the
 * offset before when DST is on neither side or both) or the overlap (the
 * first instant).
 */
static void
check_edge(const struct cal *cal, const char *what, int64_t at,
    const struct libc_at *a, const struct libc_at *b)
{
	int64_t	 w, want;

	check_instant(cal, what, at - 1);
	check_instant(cal, what, at);
	check_instant(cal, what, at + 1);
	for (w = at + (b->off < a->off ? b->off : a->off);
	    w < at + (b->off < a->off ? a->off : b->off); w += 15 * 60) {
		if (b->off < a->off)
			want = w - a->off;
		else if (a->dst != b->dst)
			want = libc_mktime(w);
		else
			want = w - a->off;
		if (cal_instant(cal, (int32_t)(w / 86400),
		    (int)(w % 86400 / 60)) != want)
			fail_msg("%s: wall %lld near %lld: got %lld, want "
			    "%lld", what, (long long)w, (long long)at,
			    (long long)cal_instant(cal, (int32_t)(w / 86400),
			    (int)(w % 86400 / 60)), (long long)want);
	}
}

static int64_t
bisect(int64_t lo, int64_t hi, const struct libc_at *a)
{
	struct libc_at	 m;
	int64_t		 mid;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		libc_at(mid, &m);
		if (m.off == a->off && m.dst == a->dst)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/* Every STEP from `from` to `to`, and every transition glibc sees. */
static int
compare_with_libc(const struct cal *cal, const char *what, int64_t from,
    int64_t to)
{
	struct libc_at	 a, b;
	int64_t		 t, at;
	int		 edges = 0;

	libc_at(from, &a);
	for (t = from; t < to; t += STEP) {
		check_instant(cal, what, t);
		check_round_trip(cal, what, t);
		libc_at(t + STEP, &b);
		if (b.off != a.off || b.dst != a.dst) {
			at = bisect(t, t + STEP, &a);
			check_edge(cal, what, at, &a, &b);
			edges++;
		}
		a = b;
	}
	return edges;
}

static void
test_calendar_zones_match_libc(void **state)
{
	static const struct {
		const char	*zone;
		int		 min_edges;
	} z[] = {
		{ "Asia/Shanghai", 12 },
		{ "America/New_York", 140 },
		{ "Europe/London", 120 },
		{ "Australia/Lord_Howe", 100 },
		{ "America/Sao_Paulo", 60 },
		{ "Pacific/Chatham", 120 },
		{ "Europe/Dublin", 130 },
		{ "UTC", 0 },
	};
	struct derr	 err = { 0 };
	struct cal	*cal;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(z) / sizeof(z[0]); i++) {
		cal = cal_new(z[i].zone, NULL, 0, NULL, 0, &err);
		if (cal == NULL)
			fail_msg("%s: %s", z[i].zone, err.msg);
		libc_zone(z[i].zone);
		assert_true(compare_with_libc(cal, z[i].zone, Y1970, Y2041) >=
		    z[i].min_edges);
		cal_free(cal);
	}
	unsetenv("TZ");
}

/* A TZif file with `n` transitions (types alternate 0, 1) and `footer`. */
static size_t
tzif_make(unsigned char *p, const int64_t *at, size_t n, const int32_t *off,
    const char *footer)
{
	static const unsigned char v1[] = { 'T', 'Z', 'i', 'f', '2',
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 1, 0, 0, 0, 4,
	    0, 0, 0, 0, 0, 0, 'X', 'X', 'X', 0 };
	size_t	 len, i;
	int	 k;

	memcpy(p, v1, sizeof(v1));
	len = sizeof(v1);
	memcpy(p + len, v1, 44);
	p[len + 35] = (unsigned char)n;
	p[len + 39] = 2;
	len += 44;
	for (i = 0; i < n; i++)
		for (k = 0; k < 8; k++)
			p[len++] = (unsigned char)((uint64_t)at[i] >>
			    (56 - 8 * k));
	for (i = 0; i < n; i++)
		p[len++] = (unsigned char)(i % 2);
	for (i = 0; i < 2; i++) {
		for (k = 0; k < 4; k++)
			p[len++] = (unsigned char)((uint32_t)off[i] >>
			    (24 - 8 * k));
		p[len++] = (unsigned char)i;
		p[len++] = 0;
	}
	memcpy(p + len, "XXX", 4);
	len += 4;
	len += (size_t)sprintf((char *)p + len, "\n%s\n", footer);
	return len;
}

struct zdir {
	char	 dir[64];
};

static void
zdir_write(const struct zdir *z, const char *name, const void *p,
    size_t len)
{
	char	 path[128];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", z->dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
zdir_remove(const struct zdir *z, const char *name)
{
	char	 path[128];

	snprintf(path, sizeof(path), "%s/%s", z->dir, name);
	assert_int_equal(unlink(path), 0);
}

static struct cal *
zdir_cal(const struct zdir *z, const char *name, struct derr *err)
{
	return cal_new_in(z->dir, name, NULL, 0, NULL, 0, err);
}

static void
zdir_init(struct zdir *z)
{
	snprintf(z->dir, sizeof(z->dir), "/tmp/dutyd-caltz.XXXXXX");
	assert_non_null(mkdtemp(z->dir));
}

/* The footer alone, for 1990-2061, against glibc reading the same rule. */
static void
test_calendar_posix_rules_match_libc(void **state)
{
	static const char *const rules[] = {
		"EST5EDT,M3.2.0,M11.1.0",
		"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
		"IST-1GMT0,M10.5.0,M3.5.0/1",
		"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
		"<-03>3<-02>,M10.3.0/0,M2.3.0/0",
		"CET-1CEST,M3.5.0,M10.5.0/3",
		"AAA3BBB,J60/2,J300/2",
		"AAA-5BBB-6,59,300/23:30",
		"WET0WEST,M3.5.0/1,M10.5.0",
		"<-01>1<+00>,M3.5.0/0,M10.5.0/1",
	};
	unsigned char	 buf[512];
	int64_t		 no_at = 0;
	int32_t		 off[2] = { 0, 0 };
	struct zdir	 z;
	struct derr	 err = { 0 };
	struct cal	*cal;
	size_t		 i, len;

	(void)state;
	zdir_init(&z);
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		len = tzif_make(buf, &no_at, 0, off, rules[i]);
		zdir_write(&z, "Rule", buf, len);
		cal = zdir_cal(&z, "Rule", &err);
		if (cal == NULL)
			fail_msg("%s: %s", rules[i], err.msg);
		libc_zone(rules[i]);
		assert_true(compare_with_libc(cal, rules[i], 631152000,
		    2872000000LL) > 100);
		cal_free(cal);
		zdir_remove(&z, "Rule");
	}
	unsetenv("TZ");
	assert_int_equal(rmdir(z.dir), 0);
}

static void
test_calendar_posix_rule_parse(void **state)
{
	static const char *const good[] = { "CST-8", "UTC0", "<+13>-13",
	    "<-03>3", "EST5EDT,M3.2.0,M11.1.0",
	    "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
	    "IST-1GMT0,M10.5.0,M3.5.0/1", "EST5EDT,0/0,J365/25",
	    "<-02>2<-01>,M3.5.0/-1,M10.5.0/167", "AAA24:59:59" };
	static const char *const bad[] = { "", "EST", "EST5EDT", "AB5",
	    "EST25", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.6.0,M11.1.0",
	    "EST5EDT,M3.2.7,M11.1.0", "EST5EDT,M3.2.0,M11.1.0/168",
	    "EST5EDT,M3.2.0,M11.1.0x", "<+10", "<+1>1", "EST5EDT,J0,J365",
	    "EST5EDT,366,J1", "EST5:60", "EST5EDT,M3.2.0", "EST1234" };
	struct cal_rule	 r;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (cal_rule_parse(good[i], &r) != 0)
			fail_msg("refused \"%s\"", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cal_rule_parse(bad[i], &r) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(cal_rule_parse("<+1030>-10:30<+11>-11,M10.1.0,"
	    "M4.1.0", &r), 0);
	assert_int_equal(r.std_off, 37800);
	assert_int_equal(r.dst_off, 39600);
}

/* DST all year: the end on December 31 at 25:00 meets the next start. */
static void
test_calendar_posix_rule_dst_all_year(void **state)
{
	struct cal_tz	 tz;
	struct cal_span	 sp;

	(void)state;
	memset(&tz, 0, sizeof(tz));
	assert_int_equal(cal_rule_parse("EST5EDT,0/0,J365/25", &tz.rule), 0);
	tz.has_rule = true;
	cal_tz_span(&tz, 1798761600, &sp);	/* 2027-01-01 00:00 UTC */
	assert_int_equal(sp.off, -4 * 3600);
	assert_true(sp.dst);
	cal_tz_span(&tz, 1782864000, &sp);	/* 2026-07-01 */
	assert_int_equal(sp.off, -4 * 3600);
	/* Not at 2027-01-01 05:00 UTC, where DST ends and starts again. */
	assert_true(sp.end > 1798761600 + 86400);
}

static void
test_calendar_transitions_then_rule(void **state)
{
	/* Shanghai-like until 2000, then New York's rule. */
	unsigned char	 buf[512];
	int64_t		 at[2] = { 0, 946684800 };
	int32_t		 off[2] = { 8 * 3600, -5 * 3600 };
	struct zdir	 z;
	struct derr	 err = { 0 };
	struct cal	*cal;
	int32_t		 day;
	int		 minute;

	(void)state;
	zdir_init(&z);
	zdir_write(&z, "Mixed", buf, tzif_make(buf, at, 2, off,
	    "EST5EDT,M3.2.0,M11.1.0"));
	assert_non_null(cal = zdir_cal(&z, "Mixed", &err));
	assert_int_equal(cal_utc_offset(cal, -1), 480);
	assert_int_equal(cal_utc_offset(cal, 946684799), 480);
	assert_int_equal(cal_utc_offset(cal, 946684800), -300);
	assert_int_equal(cal_utc_offset(cal, 1782864000), -240);
	cal_civil(cal, 946684800, &day, &minute);
	assert_int_equal(day, day_from_ymd(1999, 12, 31));
	assert_int_equal(minute, 19 * 60);
	cal_free(cal);
	zdir_remove(&z, "Mixed");
	assert_int_equal(rmdir(z.dir), 0);
}

static void
test_calendar_zones_coexist(void **state)
{
	struct derr	 err = { 0 };
	struct cal	*sh, *ny, *lon;
	int32_t		 d1, d2;
	int		 m1, m2;
	int64_t		 t = 1782910800;	/* 2026-07-01 13:00 UTC */

	(void)state;
	assert_non_null(sh = cal_new("Asia/Shanghai", NULL, 0, NULL, 0,
	    &err));
	assert_non_null(ny = cal_new("America/New_York", NULL, 0, NULL, 0,
	    &err));
	cal_civil(sh, t, &d1, &m1);
	cal_civil(ny, t, &d2, &m2);
	assert_int_equal(d1, day_from_ymd(2026, 7, 1));
	assert_int_equal(m1, 21 * 60);
	assert_int_equal(d2, day_from_ymd(2026, 7, 1));
	assert_int_equal(m2, 9 * 60);
	/* A third calendar changes neither. */
	assert_non_null(lon = cal_new("Europe/London", NULL, 0, NULL, 0,
	    &err));
	assert_int_equal(cal_utc_offset(sh, t), 480);
	assert_int_equal(cal_utc_offset(ny, t), -240);
	assert_int_equal(cal_utc_offset(lon, t), 60);
	assert_int_equal(cal_instant(sh, day_from_ymd(2026, 7, 1), 0),
	    1782864000 - 8 * 3600);
	assert_int_equal(cal_instant(ny, day_from_ymd(2026, 7, 1), 0),
	    1782864000 + 4 * 3600);
	/* 02:30 on 2026-03-08 does not exist in New York: 03:30 EDT. */
	assert_int_equal(cal_instant(ny, day_from_ymd(2026, 3, 8), 150),
	    (int64_t)day_from_ymd(2026, 3, 8) * 86400 + 150 * 60 + 5 * 3600);
	cal_free(lon);
	cal_free(ny);
	cal_free(sh);
}

static void
test_calendar_leaves_tz_alone(void **state)
{
	struct derr	 err = { 0 };
	struct cal	*cal;
	struct tm	 tm;
	time_t		 t = 0;

	(void)state;
	unsetenv("TZ");
	assert_non_null(cal = cal_new("America/New_York", NULL, 0, NULL, 0,
	    &err));
	assert_null(getenv("TZ"));
	cal_free(cal);
	libc_zone("UTC");
	assert_non_null(cal = cal_new("Asia/Shanghai", NULL, 0, NULL, 0,
	    &err));
	assert_string_equal(getenv("TZ"), "UTC");
	assert_non_null(localtime_r(&t, &tm));
	assert_int_equal(tm.tm_gmtoff, 0);
	cal_free(cal);
	unsetenv("TZ");
}

static void
expect_refused(const struct zdir *z, const char *name, const void *p,
    size_t len, const char *why)
{
	struct derr	 err = { 0 };
	struct cal	*cal;

	zdir_write(z, name, p, len);
	cal = zdir_cal(z, name, &err);
	if (cal != NULL) {
		cal_free(cal);
		fail_msg("%s (%zu bytes) accepted", why, len);
	}
	assert_int_equal(err.kind, DERR_CONFIG);
	assert_non_null(strstr(err.msg, "time zone"));
	zdir_remove(z, name);
}

/* Patch one byte of a good file and expect it refused. */
static void
expect_patch_refused(const struct zdir *z, const unsigned char *good,
    size_t len, size_t at, unsigned char v, const char *why)
{
	unsigned char	 bad[512];

	memcpy(bad, good, len);
	bad[at] = v;
	expect_refused(z, "Bad", bad, len, why);
}

static void
test_calendar_corrupt_tzif_refused(void **state)
{
	unsigned char	 good[512], *real, *big;
	int64_t		 at[2] = { 100, 200 };
	int32_t		 off[2] = { 3600, 7200 };
	struct zdir	 z;
	struct derr	 err = { 0 };
	struct cal	*cal;
	FILE		*f;
	size_t		 len, n;

	(void)state;
	zdir_init(&z);
	len = tzif_make(good, at, 2, off, "CET-1CEST,M3.5.0,M10.5.0/3");
	zdir_write(&z, "Good", good, len);
	assert_non_null(cal = zdir_cal(&z, "Good", &err));
	cal_free(cal);
	zdir_remove(&z, "Good");
	/* Header 2 starts at 54; data at 98: times, indices, types. */
	expect_patch_refused(&z, good, len, 0, 'X', "bad magic");
	expect_patch_refused(&z, good, len, 4, '9', "unknown version");
	expect_patch_refused(&z, good, len, 54 + 31, 1, "leap seconds");
	expect_patch_refused(&z, good, len, 54 + 35, 200, "timecnt too big");
	expect_patch_refused(&z, good, len, 54 + 39, 0, "no types");
	expect_patch_refused(&z, good, len, 98 + 15, 50, "unsorted");
	expect_patch_refused(&z, good, len, 98 + 17, 2, "bad type index");
	expect_patch_refused(&z, good, len, 98 + 18, 0x7f, "offset range");
	expect_patch_refused(&z, good, len, 98 + 22, 2, "bad isdst");
	expect_patch_refused(&z, good, len, len - 3, '@', "bad footer");
	expect_patch_refused(&z, good, len, len - 1, 'x', "no newline");
	/* Every truncation of a real file. */
	assert_non_null(f = fopen("/usr/share/zoneinfo/America/New_York",
	    "r"));
	real = malloc(8192);
	assert_non_null(real);
	n = fread(real, 1, 8192, f);
	fclose(f);
	assert_true(n > 1000 && n < 8192);
	for (len = 0; len < n; len++)
		expect_refused(&z, "Cut", real, len, "truncated");
	expect_refused(&z, "Junk", "not a zone\n", 11, "junk");
	/* Bigger than the cap, though it starts well. */
	big = calloc(1, CAL_TZIF_MAX + 1);
	assert_non_null(big);
	memcpy(big, real, n);
	expect_refused(&z, "Big", big, CAL_TZIF_MAX + 1, "too big");
	free(big);
	free(real);
	assert_int_equal(rmdir(z.dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calendar_zones_match_libc),
		cmocka_unit_test(test_calendar_posix_rules_match_libc),
		cmocka_unit_test(test_calendar_posix_rule_parse),
		cmocka_unit_test(test_calendar_posix_rule_dst_all_year),
		cmocka_unit_test(test_calendar_transitions_then_rule),
		cmocka_unit_test(test_calendar_zones_coexist),
		cmocka_unit_test(test_calendar_leaves_tz_alone),
		cmocka_unit_test(test_calendar_corrupt_tzif_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
