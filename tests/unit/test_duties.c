/*
 * Standing-duty planning tests: quotas per period, warnings at working-day
 * lead times before the period ends, shortfalls recorded once when a
 * period closes and told to the owner's leader, and the compliance
 * matrix.  Each scenario pins `now` in Asia/Shanghai against the built-in
 * calendar and asserts the exact keys planned.
 *
 * Calendar facts used: 2025-09-28 (Sun) and 2025-10-11 (Sat) are 调休
 * working days, 2025-10-01..10-08 are off (国庆节、中秋节); 2026-11-30 is
 * a Monday.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* plan allocates with libc (libdutyd.a is built without UNIT_TESTING). */
#undef malloc
#undef calloc
#undef realloc
#undef free

#include "calendar.h"
#include "config.h"
#include "model.h"
#include "plan.h"

enum { ZHANG, ZHAO, LI, WANG, NPEOPLE };

static char	*zhang_leaders[] = { "li" };
static char	*owners_zhang[] = { "zhang" };
static char	*owners_two[] = { "zhang", "li" };
static char	*owners_zhao[] = { "zhao", "zhang" };
static char	*targets[] = { "办公室", "组织部" };
static int	 warn_month[] = { 10, 5, 2 };
static int	 warn_quarter[] = { 20, 10, 3 };

struct world {
	struct cfg_person	 people[NPEOPLE];
	struct cfg_duty		 duty;
	struct cfg		 cfg;
	struct cal		*cal;
	struct plan_snapshot	 snap;
	struct plan_out		 out;
};

static int32_t
day(const char *s)
{
	int32_t	 d;

	if (day_parse(s, &d) < 0)
		fail_msg("bad day %s", s);
	return d;
}

static int64_t
at(const struct cal *cal, const char *s)
{
	char	 d[11];
	int	 minute;

	assert_int_equal(strlen(s), 16);
	memcpy(d, s, 10);
	d[10] = '\0';
	assert_int_equal(hhmm_parse(s + 11, &minute), 0);
	return cal_instant(cal, day(d), minute);
}

/* One duty "d": monthly, at least 1, owner zhang, warn 10/5/2. */
static void
world_init(struct world *w)
{
	struct derr	 err = { 0 };
	struct cfg	*c = &w->cfg;

	memset(w, 0, sizeof(*w));
	w->people[ZHANG] = (struct cfg_person){ .key = "zhang", .name = "张伟",
	    .email = "zhang@example.org", .roles = CFG_ROLE_OFFICER,
	    .leaders = { zhang_leaders, 1 } };
	w->people[ZHAO] = (struct cfg_person){ .key = "zhao", .name = "赵敏",
	    .roles = CFG_ROLE_OFFICER };
	w->people[LI] = (struct cfg_person){ .key = "li", .name = "李婷",
	    .email = "li@example.org", .roles = CFG_ROLE_LEADER };
	w->people[WANG] = (struct cfg_person){ .key = "wang", .name = "王立群",
	    .email = "wang@example.org", .roles = CFG_ROLE_PRINCIPAL };
	c->people = w->people;
	c->npeople = NPEOPLE;
	c->general.timezone = "Asia/Shanghai";
	c->reminders.time = 9 * 60;
	c->reminders.working_days_only = true;
	c->reminders.channels = CFG_CH_EMAIL;
	w->duty = (struct cfg_duty){ .id = "d", .title = "开展主题团日活动",
	    .period = CFG_PERIOD_MONTH, .at_least = 1,
	    .owners = { owners_zhang, 1 }, .warn = warn_month, .nwarn = 3,
	    .channels = CFG_CH_EMAIL, .late_days = 10 };
	c->duties = &w->duty;
	c->nduties = 1;
	w->cal = cal_new("Asia/Shanghai", NULL, 0, NULL, 0, &err);
	if (w->cal == NULL)
		fail_msg("cal_new: %s", err.msg);
	w->snap.duties_since = DAY_NONE;	/* no period judged */
}

static void
world_free(struct world *w)
{
	plan_snapshot_clear(&w->snap);
	plan_out_clear(&w->out);
	cal_free(w->cal);
}

/* `n` occurrences of duty d by `person` (x target) in `period`. */
static void
count(struct world *w, const char *person, const char *target,
    const char *period, int n)
{
	struct duty_tally	 t = { 0 };
	struct cal_period	 p;

	assert_int_equal(cal_period_parse(period, &p), 0);
	t.duty = "d";
	t.person = (char *)(uintptr_t)person;
	t.target = (char *)(uintptr_t)target;
	snprintf(t.period, sizeof(t.period), "%s", period);
	t.start = p.start;
	t.end = p.end;
	t.done = n;
	duty_tally_list_push(&w->snap.counts, &t);
}

/* Plan at `now` and compare "key person[!]" of every notification. */
static void
expect(struct world *w, const char *now, const char *want)
{
	char		 got[2048];
	size_t		 i, o = 0;

	plan_out_clear(&w->out);
	memset(&w->out, 0, sizeof(w->out));
	assert_int_equal(plan_run(&w->cfg, w->cal, &w->snap, at(w->cal, now),
	    &w->out), 0);
	got[0] = '\0';
	for (i = 0; i < w->out.notifs.n; i++)
		o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s %s%s",
		    i ? ", " : "", w->out.notifs.v[i].key,
		    w->cfg.people[w->out.notifs.v[i].person].key,
		    w->out.notifs.v[i].escalation ? "!" : "");
	if (strcmp(got, want) != 0)
		fail_msg("now %s:\n  want [%s]\n  got  [%s]", now, want, got);
}

static void
test_duty_met_early_no_warning(void **state)
{
	struct world	 w;

	(void)state;
	world_init(&w);
	count(&w, "zhang", "", "2026-11", 1);
	expect(&w, "2026-11-20 09:00", "");
	expect(&w, "2026-11-30 09:00", "");
	world_free(&w);
}

static void
test_duty_warn_stages(void **state)
{
	struct world	 w;

	(void)state;
	world_init(&w);
	/* 2026-11-16 Mon: (16, 30] holds 10 working days. */
	expect(&w, "2026-11-13 09:00", "");
	expect(&w, "2026-11-16 09:00", "duty:d:2026-11:zhang:warn:10 zhang");
	assert_int_equal(w.out.notifs.v[0].days, 10);
	assert_int_equal(w.out.notifs.v[0].required, 1);
	assert_int_equal(w.out.notifs.v[0].done, 0);
	assert_int_equal(w.out.notifs.v[0].deadline, day("2026-11-30"));
	expect(&w, "2026-11-23 09:00", "duty:d:2026-11:zhang:warn:5 zhang");
	expect(&w, "2026-11-26 09:00", "duty:d:2026-11:zhang:warn:2 zhang");
	/* The last day is still warn:2 (a catch-up if it was missed). */
	expect(&w, "2026-11-30 09:00", "duty:d:2026-11:zhang:warn:2 zhang");
	/* Quiet hours and weekends plan nothing. */
	expect(&w, "2026-11-26 08:59", "");
	expect(&w, "2026-11-28 09:00", "");
	world_free(&w);
}

/* A duty's warnings go by SMS at its own lead times, not reminders'
 * sms_from (which is for items): 10 working days left still texts. */
static void
test_duty_warn_sms_at_its_lead_times(void **state)
{
	struct world	 w;
	size_t		 i, sms = 0;

	(void)state;
	world_init(&w);
	w.people[ZHANG].phone = "+8613800138000";
	w.duty.channels = CFG_CH_EMAIL | CFG_CH_SMS;
	w.cfg.reminders.sms_from = 1;
	expect(&w, "2026-11-16 09:00", "duty:d:2026-11:zhang:warn:10 zhang, "
	    "duty:d:2026-11:zhang:warn:10 zhang");
	for (i = 0; i < w.out.notifs.n; i++)
		sms += w.out.notifs.v[i].channel == CFG_CH_SMS;
	assert_int_equal(sms, 1);
	world_free(&w);
}

static void
test_duty_met_after_first_warning(void **state)
{
	struct world	 w;

	(void)state;
	world_init(&w);
	expect(&w, "2026-11-16 09:00", "duty:d:2026-11:zhang:warn:10 zhang");
	count(&w, "zhang", "", "2026-11", 1);
	expect(&w, "2026-11-23 09:00", "");
	expect(&w, "2026-11-26 09:00", "");
	world_free(&w);
}

static void
test_duty_owner_target_pairs(void **state)
{
	struct world	 w;

	(void)state;
	world_init(&w);
	w.duty.owners = (struct strv){ owners_two, 2 };
	w.duty.targets = (struct strv){ targets, 2 };
	w.duty.period = CFG_PERIOD_QUARTER;
	w.duty.warn = warn_quarter;
	count(&w, "li", "组织部", "2026Q4", 1);
	count(&w, "zhang", "组织部", "2026Q3", 1);	/* last quarter */
	/* 2026-12-03 Thu: (3, 31] holds 20 working days. */
	expect(&w, "2026-12-03 09:00",
	    "duty:d:2026Q4:zhang:办公室:warn:20 zhang, "
	    "duty:d:2026Q4:zhang:组织部:warn:20 zhang, "
	    "duty:d:2026Q4:li:办公室:warn:20 li");
	assert_int_equal(w.out.notifs.v[1].target, 1);
	world_free(&w);
}

static void
test_duty_working_days_around_national_day(void **state)
{
	struct world	 w;

	(void)state;
	world_init(&w);
	w.duty.period = CFG_PERIOD_QUARTER;
	w.duty.warn = warn_quarter;
	/*
	 * 2025Q3 ends Tue 09-30; Sun 09-28 is a 调休 working day.  On Thu
	 * 09-25, (25, 30] holds 26, 28, 29, 30: 4 working days (3 if the
	 * Sunday were off), so the stage is still warn:10, not warn:3.
	 */
	expect(&w, "2025-09-25 09:00", "duty:d:2025Q3:zhang:warn:10 zhang");
	assert_int_equal(w.out.notifs.v[0].days, 4);
	expect(&w, "2025-09-26 09:00", "duty:d:2025Q3:zhang:warn:3 zhang");
	expect(&w, "2025-09-28 09:00", "duty:d:2025Q3:zhang:warn:3 zhang");
	/*
	 * A month that starts with the holiday: October 2025 has 17 working
	 * days after 10-09 (10-10, Sat 10-11, then three full weeks), so a
	 * 20-day lead time is already due while 22 calendar days remain;
	 * nothing is sent during the holiday itself.
	 */
	w.duty.period = CFG_PERIOD_MONTH;
	w.duty.warn = warn_quarter;
	expect(&w, "2025-10-03 09:00", "");
	expect(&w, "2025-10-09 09:00", "duty:d:2025-10:zhang:warn:20 zhang");
	assert_int_equal(w.out.notifs.v[0].days, 17);
	world_free(&w);
}

static void
test_duty_shortfall_at_close(void **state)
{
	struct world		 w;
	struct duty_tally_list	 saved = { 0 };
	const struct duty_tally	*r;

	(void)state;
	world_init(&w);
	w.snap.duties_since = day("2026-11-10");	/* dutyd started */
	/* 12-01: November closed with nothing: recorded, li told. */
	expect(&w, "2026-12-01 09:00", "shortfall:d:2026-11:zhang li!");
	assert_int_equal(w.out.closes.n, 1);
	r = &w.out.closes.v[0];
	assert_string_equal(r->period, "2026-11");
	assert_int_equal(r->done, 0);
	assert_int_equal(r->required, 1);
	assert_string_equal(r->title, "开展主题团日活动");
	duty_tally_list_push(&saved, r);
	/* Recorded before 09:00 too, but nobody is told then. */
	expect(&w, "2026-12-01 08:00", "");
	assert_int_equal(w.out.closes.n, 1);
	/* Once recorded, the record is used and not written again. */
	duty_tally_list_push(&w.snap.closed, &saved.v[0]);
	duty_tally_list_clear(&saved);
	expect(&w, "2026-12-01 09:00", "shortfall:d:2026-11:zhang li!");
	assert_int_equal(w.out.closes.n, 0);
	/* A period met at close is recorded, nobody told. */
	plan_snapshot_clear(&w.snap);
	w.snap.duties_since = day("2026-11-10");
	count(&w, "zhang", "", "2026-11", 2);
	expect(&w, "2026-12-01 09:00", "");
	assert_int_equal(w.out.closes.n, 1);
	assert_int_equal(w.out.closes.v[0].done, 2);
	/* Periods that ended before dutyd knew of the duties are not judged. */
	plan_snapshot_clear(&w.snap);
	w.snap.duties_since = day("2026-12-01");
	expect(&w, "2026-12-01 09:00", "");
	assert_int_equal(w.out.closes.n, 0);
	world_free(&w);
}

/*
 * dutyd was down from mid-August to 12-01: September, October and
 * November each closed while it was away.  Each is recorded (oldest
 * first) and each shortfall is told; August, which it saw end, too.
 */
static void
test_duty_close_after_downtime(void **state)
{
	struct world	 w;

	(void)state;
	world_init(&w);
	w.snap.duties_since = day("2026-08-10");
	count(&w, "zhang", "", "2026-10", 1);
	expect(&w, "2026-12-01 09:00", "shortfall:d:2026-08:zhang li!, "
	    "shortfall:d:2026-09:zhang li!, shortfall:d:2026-11:zhang li!");
	assert_int_equal(w.out.closes.n, 4);
	assert_string_equal(w.out.closes.v[0].period, "2026-08");
	assert_string_equal(w.out.closes.v[1].period, "2026-09");
	assert_string_equal(w.out.closes.v[2].period, "2026-10");
	assert_int_equal(w.out.closes.v[2].done, 1);
	assert_string_equal(w.out.closes.v[3].period, "2026-11");
	world_free(&w);
}

static void
test_duty_shortfall_people(void **state)
{
	struct world	 w;

	(void)state;
	world_init(&w);
	/* li (a leader with no leaders) falls short: the principal hears. */
	w.duty.owners = (struct strv){ owners_two, 2 };
	w.snap.duties_since = day("2026-11-01");
	count(&w, "zhang", "", "2026-11", 1);
	expect(&w, "2026-12-01 09:00", "shortfall:d:2026-11:li wang!");
	world_free(&w);
}

static void
test_duty_unreachable_owner(void **state)
{
	struct world	 w;

	(void)state;
	world_init(&w);
	w.duty.owners = (struct strv){ owners_zhao, 2 };
	expect(&w, "2026-11-16 09:00", "duty:d:2026-11:zhang:warn:10 zhang");
	assert_int_equal(w.out.nunreachable, 1);
	assert_int_equal(w.out.unreachable[0].duty, 0);
	assert_int_equal(w.out.unreachable[0].person, ZHAO);
	world_free(&w);
}

static void
test_duty_config_change_mid_quarter(void **state)
{
	struct world		 w;
	struct duty_tally	 rec = { 0 };
	struct duty_cells	 cells = { 0 };
	struct cal_period	 q3;

	(void)state;
	world_init(&w);
	w.duty.period = CFG_PERIOD_QUARTER;
	w.duty.warn = warn_quarter;
	/* Q3 closed met with the quota of 1 and owner zhang only. */
	rec.duty = "d";
	rec.person = "zhang";
	rec.target = "";
	snprintf(rec.period, sizeof(rec.period), "2026Q3");
	rec.start = day("2026-07-01");
	rec.end = day("2026-09-30");
	rec.done = 1;
	rec.required = 1;
	rec.title = "开展主题团日活动";
	duty_tally_list_push(&w.snap.closed, &rec);
	count(&w, "zhang", "", "2026Q3", 1);
	count(&w, "zhang", "", "2026Q4", 1);
	/* Mid-quarter the quota goes up to 2 and li becomes an owner. */
	w.duty.at_least = 2;
	w.duty.owners = (struct strv){ owners_two, 2 };
	expect(&w, "2026-12-03 09:00",
	    "duty:d:2026Q4:zhang:warn:20 zhang, duty:d:2026Q4:li:warn:20 li");
	assert_int_equal(w.out.notifs.v[0].done, 1);
	assert_int_equal(w.out.notifs.v[0].required, 2);
	assert_int_equal(w.out.closes.n, 0);	/* Q3 stays as recorded */
	/* The matrix: Q3 as it was (1/1 met, zhang only), Q4 under the new
	 * quota. */
	assert_int_equal(cal_period_parse("2026Q3", &q3), 0);
	plan_duty_cells(&w.cfg, w.cal, day("2026-12-03"), &q3, &w.snap,
	    &cells);
	assert_int_equal(cells.n, 1);
	assert_string_equal(cells.v[0].person, "zhang");
	assert_int_equal(cells.v[0].required, 1);
	assert_int_equal(cells.v[0].state, DUTY_MET);
	assert_true(cells.v[0].recorded);
	duty_cells_clear(&cells);
	plan_duty_cells(&w.cfg, w.cal, day("2026-12-03"), NULL, &w.snap,
	    &cells);
	assert_int_equal(cells.n, 2);
	assert_int_equal(cells.v[0].done, 1);
	assert_int_equal(cells.v[0].required, 2);
	assert_int_equal(cells.v[0].state, DUTY_WARN);
	assert_int_equal(cells.v[0].days_left, 20);
	assert_int_equal(cells.v[1].state, DUTY_WARN);
	duty_cells_clear(&cells);
	world_free(&w);
}

static void
test_duty_matrix_states(void **state)
{
	struct world		 w;
	struct duty_cells	 cells = { 0 };
	struct cal_period	 q4;

	(void)state;
	world_init(&w);
	count(&w, "zhang", "", "2026-10", 1);
	/* A quarter shows each month of a monthly duty. */
	assert_int_equal(cal_period_parse("2026Q4", &q4), 0);
	plan_duty_cells(&w.cfg, w.cal, day("2026-11-27"), &q4, &w.snap,
	    &cells);
	assert_int_equal(cells.n, 3);
	assert_string_equal(cells.v[0].period, "2026-10");
	assert_int_equal(cells.v[0].state, DUTY_MET);
	assert_string_equal(cells.v[1].period, "2026-11");
	assert_int_equal(cells.v[1].state, DUTY_URGENT);	/* 1 day left */
	assert_int_equal(cells.v[1].days_left, 1);
	assert_string_equal(cells.v[2].period, "2026-12");
	assert_int_equal(cells.v[2].state, DUTY_OPEN);
	assert_false(cells.v[2].closed);
	duty_cells_clear(&cells);
	plan_duty_cells(&w.cfg, w.cal, day("2026-12-02"), &q4, &w.snap,
	    &cells);
	assert_int_equal(cells.v[1].state, DUTY_SHORT);
	assert_true(cells.v[1].closed);
	duty_cells_clear(&cells);
	world_free(&w);
}

static void
test_duty_ranges(void **state)
{
	struct world		 w;
	struct cal_period	 r[PLAN_MAX_RANGES];
	struct cfg_duty		 two[2];

	(void)state;
	world_init(&w);
	two[0] = w.duty;
	two[1] = w.duty;
	two[1].period = CFG_PERIOD_YEAR;
	w.cfg.duties = two;
	w.cfg.nduties = 2;
	assert_int_equal(plan_duty_ranges(&w.cfg, day("2026-01-15"), DAY_NONE,
	    r), 4);
	assert_string_equal(r[0].label, "2026-01");
	assert_string_equal(r[1].label, "2025-12");
	assert_string_equal(r[2].label, "2026");
	assert_string_equal(r[3].label, "2025");
	/* Judged since 2025-09-20: the months closed since then too. */
	assert_int_equal(plan_duty_ranges(&w.cfg, day("2026-01-15"),
	    day("2025-09-20"), r), 7);
	assert_string_equal(r[0].label, "2026-01");
	assert_string_equal(r[1].label, "2025-12");
	assert_string_equal(r[4].label, "2025-09");
	assert_string_equal(r[5].label, "2026");
	assert_string_equal(r[6].label, "2025");
	/* At most PLAN_MAX_BACK closed periods of a kind. */
	assert_int_equal(plan_duty_ranges(&w.cfg, day("2026-01-15"),
	    day("2000-01-01"), r), 1 + PLAN_MAX_BACK + 1 + PLAN_MAX_BACK);
	world_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duty_met_early_no_warning),
		cmocka_unit_test(test_duty_warn_stages),
		cmocka_unit_test(test_duty_warn_sms_at_its_lead_times),
		cmocka_unit_test(test_duty_met_after_first_warning),
		cmocka_unit_test(test_duty_owner_target_pairs),
		cmocka_unit_test(test_duty_working_days_around_national_day),
		cmocka_unit_test(test_duty_shortfall_at_close),
		cmocka_unit_test(test_duty_close_after_downtime),
		cmocka_unit_test(test_duty_shortfall_people),
		cmocka_unit_test(test_duty_unreachable_owner),
		cmocka_unit_test(test_duty_config_change_mid_quarter),
		cmocka_unit_test(test_duty_matrix_states),
		cmocka_unit_test(test_duty_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
