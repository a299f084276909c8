/*
 * plan tests: scenario tables, each pinning `now` in Asia/Shanghai against
 * the built-in 2025/2026 working-day calendar, asserting the exact keys
 * planned, who gets them, who cannot be reached and the next run.  The
 * rules under test: reminders 7, 3 and 1 working days before the deadline,
 * on the due day, then every 2 working days while overdue; leaders after 3
 * working days overdue, the principal after 10; only at 09:00 on working
 * days; after downtime one catch-up per item.
 *
 * Calendar facts the expectations rely on (all checked by test_calendar):
 * 2026-02-14 (Sat) and 2026-02-28 (Sat) are 调休 working days, 02-15..02-23
 * are off (春节); 2026-01-01..01-03 are off and 01-04 (Sun) works;
 * 2026-11-27 is a Friday, 11-28/29 the weekend.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/*
 * libdutyd.a is built without UNIT_TESTING: what plan allocates comes from
 * libc and is freed by plan_out_clear, not by cmocka's test_free.
 */
#undef malloc
#undef calloc
#undef realloc
#undef free

#include "calendar.h"
#include "config.h"
#include "model.h"
#include "plan.h"

enum { ZHANG, ZHAO, LI, WANG, NPEOPLE };

#define ANYDAY	0x1	/* working_days_only = false */
#define SMS	0x2	/* channels email + sms, sms_from 3 */

static char	*zhang_leaders[] = { "li" };
static int	 before[] = { 7, 3, 1 };

static void
cfg_init(struct cfg *c, struct cfg_person *p, unsigned flags)
{
	memset(c, 0, sizeof(*c));
	memset(p, 0, NPEOPLE * sizeof(*p));
	p[ZHANG].key = "zhang";
	p[ZHANG].name = "张伟";
	p[ZHANG].email = "zhang@example.org";
	p[ZHANG].phone = "+8613800138000";
	p[ZHANG].roles = CFG_ROLE_OFFICER;
	p[ZHANG].leaders.v = zhang_leaders;
	p[ZHANG].leaders.n = 1;
	p[ZHAO].key = "zhao";
	p[ZHAO].name = "赵敏";
	p[ZHAO].roles = CFG_ROLE_OFFICER;		/* no address at all */
	p[LI].key = "li";
	p[LI].name = "李婷";
	p[LI].email = "li@example.org";
	p[LI].roles = CFG_ROLE_LEADER;
	p[WANG].key = "wang";
	p[WANG].name = "王立群";
	p[WANG].email = "wang@example.org";
	p[WANG].roles = CFG_ROLE_PRINCIPAL;
	c->people = p;
	c->npeople = NPEOPLE;
	c->general.timezone = "Asia/Shanghai";
	c->reminders.time = 9 * 60;
	c->reminders.working_days_only = (flags & ANYDAY) == 0;
	c->reminders.before = before;
	c->reminders.nbefore = sizeof(before) / sizeof(before[0]);
	c->reminders.due_day = true;
	c->reminders.overdue_every = 2;
	c->reminders.escalate_leader = 3;
	c->reminders.escalate_principal = 10;
	c->reminders.yellow = 7;
	c->reminders.red = 3;
	c->reminders.channels = CFG_CH_EMAIL;
	if (flags & SMS) {
		c->reminders.channels |= CFG_CH_SMS;
		c->reminders.sms_from = 3;
	}
}

static struct cal *
cal_shanghai(void)
{
	struct derr	 err = { 0 };
	struct cal	*cal;

	cal = cal_new("Asia/Shanghai", NULL, 0, NULL, 0, &err);
	if (cal == NULL)
		fail_msg("cal_new: %s", err.msg);
	return cal;
}

static int32_t
day(const char *s)
{
	int32_t	 d;

	if (day_parse(s, &d) < 0)
		fail_msg("bad day %s", s);
	return d;
}

/* "YYYY-MM-DD HH:MM" in Shanghai to an instant. */
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

static void
fmt_instant(const struct cal *cal, int64_t t, char *out, size_t len)
{
	int32_t	 d;
	int	 minute;
	char	 b[11];

	cal_civil(cal, t, &d, &minute);
	snprintf(out, len, "%s %02d:%02d", day_format(d, b), minute / 60,
	    minute % 60);
}

struct item_spec {
	int64_t		 id;		/* 0 ends the list */
	const char	*deadline;	/* NULL: none */
	int		 kind;		/* enum measure_kind */
	int		 reopened;
	int		 owners[3];
	int		 nowners;
};

struct scenario {
	const char		*why;
	unsigned		 flags;
	const char		*now;		/* "YYYY-MM-DD HH:MM" */
	struct item_spec	 items[5];	/* ends with id 0 */
	/* "key person" per notif, ", "-separated; "!" marks an escalation. */
	const char		*want;
	const char		*unreachable;	/* "id person, ..." */
	const char		*next;		/* next_run (NULL: any) */
};

#define DL	MEASURE_DEADLINE

static void
snapshot_build(const struct item_spec *spec, struct plan_snapshot *snap)
{
	struct plan_item	 it;
	int			 i;

	for (; spec->id != 0; spec++) {
		memset(&it, 0, sizeof(it));
		it.id = spec->id;
		it.deadline = spec->deadline ? day(spec->deadline) : DAY_NONE;
		it.kind = (uint8_t)spec->kind;
		it.reopened = (uint16_t)spec->reopened;
		for (i = 0; i < spec->nowners; i++)
			it.owners[i] = (uint16_t)spec->owners[i];
		it.nowners = (uint8_t)spec->nowners;
		plan_snapshot_push(snap, &it);
	}
}

static void
describe(const struct cfg *cfg, const struct plan_out *out, char *notifs,
    char *unreach, size_t len)
{
	const struct notif	*n;
	size_t			 i, o = 0;

	notifs[0] = '\0';
	for (i = 0; i < out->notifs.n; i++) {
		n = &out->notifs.v[i];
		o += (size_t)snprintf(notifs + o, len - o, "%s%s %s%s%s",
		    i ? ", " : "", n->key, cfg->people[n->person].key,
		    n->channel == CFG_CH_SMS ? "/sms" : "",
		    n->escalation ? "!" : "");
	}
	unreach[0] = '\0';
	for (i = 0, o = 0; i < out->nunreachable; i++)
		o += (size_t)snprintf(unreach + o, len - o, "%s%lld %s",
		    i ? ", " : "", (long long)out->unreachable[i].item_id,
		    cfg->people[out->unreachable[i].person].key);
}

static void
run_table(const struct scenario *tab, size_t n)
{
	struct cfg_person	 people[NPEOPLE];
	struct cfg		 cfg;
	struct cal		*cal = cal_shanghai();
	struct plan_snapshot	 snap;
	struct plan_out		 out;
	char			 got[1024], unreach[1024], next[32];
	size_t			 i;

	for (i = 0; i < n; i++) {
		cfg_init(&cfg, people, tab[i].flags);
		memset(&snap, 0, sizeof(snap));
		memset(&out, 0, sizeof(out));
		snapshot_build(tab[i].items, &snap);
		assert_int_equal(plan_run(&cfg, cal, &snap, at(cal,
		    tab[i].now), &out), 0);
		describe(&cfg, &out, got, unreach, sizeof(got));
		fmt_instant(cal, out.next_run, next, sizeof(next));
		if (strcmp(got, tab[i].want) != 0)
			fail_msg("%s (now %s):\n  want [%s]\n  got  [%s]",
			    tab[i].why, tab[i].now, tab[i].want, got);
		if (strcmp(unreach, tab[i].unreachable ?
		    tab[i].unreachable : "") != 0)
			fail_msg("%s (now %s): unreachable\n  want [%s]\n"
			    "  got  [%s]", tab[i].why, tab[i].now,
			    tab[i].unreachable, unreach);
		if (tab[i].next != NULL && strcmp(next, tab[i].next) != 0)
			fail_msg("%s (now %s): next_run want %s got %s",
			    tab[i].why, tab[i].now, tab[i].next, next);
		plan_out_clear(&out);
		plan_snapshot_clear(&snap);
	}
	cal_free(cal);
}

#define RUN(tab)	run_table(tab, sizeof(tab) / sizeof(tab[0]))

/* Deadline Wed 02-25, right after the Spring Festival block. */
static void
test_plan_spring_festival_before_stages(void **state)
{
	static const struct scenario tab[] = {
		{ "8 working days left: nothing yet", 0, "2026-02-06 09:00",
		    { { 1, "2026-02-25", DL, 0, { ZHANG }, 1 } },
		    "", NULL, "2026-02-09 09:00" },
		{ "7 left: 9,10,...,13, 14, 24, 25 -> before:7", 0,
		    "2026-02-09 09:00",
		    { { 1, "2026-02-25", DL, 0, { ZHANG }, 1 } },
		    "item:1:before:7 zhang", NULL, "2026-02-10 09:00" },
		{ "4 left: still the 7 stage (same key)", 0,
		    "2026-02-12 09:00",
		    { { 1, "2026-02-25", DL, 0, { ZHANG }, 1 } },
		    "item:1:before:7 zhang", NULL, "2026-02-13 09:00" },
		{ "3 working days before is Fri 02-13, before the holiday",
		    0, "2026-02-13 09:00",
		    { { 1, "2026-02-25", DL, 0, { ZHANG }, 1 } },
		    "item:1:before:3 zhang", NULL, "2026-02-14 09:00" },
		{ "Sat 02-14 works: 2 left, the 3 stage again", 0,
		    "2026-02-14 09:00",
		    { { 1, "2026-02-25", DL, 0, { ZHANG }, 1 } },
		    "item:1:before:3 zhang", NULL, "2026-02-24 09:00" },
		{ "inside the holiday: quiet", 0, "2026-02-18 09:00",
		    { { 1, "2026-02-25", DL, 0, { ZHANG }, 1 } },
		    "", NULL, "2026-02-24 09:00" },
		{ "first day back: 1 left", 0, "2026-02-24 09:00",
		    { { 1, "2026-02-25", DL, 0, { ZHANG }, 1 } },
		    "item:1:before:1 zhang", NULL, "2026-02-25 09:00" },
		{ "the due day", 0, "2026-02-25 09:00",
		    { { 1, "2026-02-25", DL, 0, { ZHANG }, 1 } },
		    "item:1:due zhang", NULL, "2026-02-26 09:00" },
	};

	(void)state;
	RUN(tab);
}

static void
test_plan_adjusted_saturday_is_a_reminder_day(void **state)
{
	static const struct scenario tab[] = {
		{ "Sat 02-14 (调休) is 1 working day before Tue 02-24", 0,
		    "2026-02-14 09:00",
		    { { 2, "2026-02-24", DL, 0, { ZHANG }, 1 } },
		    "item:2:before:1 zhang", NULL, "2026-02-24 09:00" },
		{ "Sat 02-28 (调休) is 1 working day before Mon 03-02", 0,
		    "2026-02-28 09:00",
		    { { 3, "2026-03-02", DL, 0, { ZHANG }, 1 } },
		    "item:3:before:1 zhang", NULL, "2026-03-02 09:00" },
		{ "Fri 02-13 after 09:00: next run is Sat 02-14", 0,
		    "2026-02-13 17:30", { { 0 } }, "", NULL,
		    "2026-02-14 09:00" },
		{ "Sun 01-04 (调休) after New Year: 1 before Mon 01-05", 0,
		    "2026-01-04 09:00",
		    { { 4, "2026-01-05", DL, 0, { ZHANG }, 1 } },
		    "item:4:before:1 zhang", NULL, "2026-01-05 09:00" },
		{ "New Year's Eve: 01-04 and 01-05 left -> before:3", 0,
		    "2025-12-31 09:00",
		    { { 4, "2026-01-05", DL, 0, { ZHANG }, 1 } },
		    "item:4:before:3 zhang", NULL, "2026-01-04 09:00" },
	};

	(void)state;
	RUN(tab);
}

/* Deadline Tue 02-17, inside the Spring Festival holiday. */
static void
test_plan_deadline_on_a_holiday(void **state)
{
	static const struct scenario tab[] = {
		{ "Fri 02-13: one working day (Sat 02-14) left", 0,
		    "2026-02-13 09:00",
		    { { 4, "2026-02-17", DL, 0, { ZHANG }, 1 } },
		    "item:4:before:1 zhang", NULL, "2026-02-14 09:00" },
		{ "Sat 02-14, the last working day before it: due", 0,
		    "2026-02-14 09:00",
		    { { 4, "2026-02-17", DL, 0, { ZHANG }, 1 } },
		    "item:4:due zhang", NULL, "2026-02-24 09:00" },
		{ "the deadline itself is a day off: quiet", 0,
		    "2026-02-17 09:00",
		    { { 4, "2026-02-17", DL, 0, { ZHANG }, 1 } },
		    "", NULL, "2026-02-24 09:00" },
		{ "any-day mode: the holiday deadline is the due day",
		    ANYDAY, "2026-02-17 09:00",
		    { { 4, "2026-02-17", DL, 0, { ZHANG }, 1 } },
		    "item:4:due zhang", NULL, "2026-02-18 09:00" },
		{ "any-day mode: the day off before it is due too", ANYDAY,
		    "2026-02-16 09:00",
		    { { 4, "2026-02-17", DL, 0, { ZHANG }, 1 } },
		    "item:4:due zhang", NULL, "2026-02-17 09:00" },
		{ "any-day mode: after it, still no working day: due",
		    ANYDAY, "2026-02-20 09:00",
		    { { 4, "2026-02-17", DL, 0, { ZHANG }, 1 } },
		    "item:4:due zhang", NULL, "2026-02-21 09:00" },
		{ "first working day after: overdue, keyed by that day", 0,
		    "2026-02-24 09:00",
		    { { 4, "2026-02-17", DL, 0, { ZHANG }, 1 } },
		    "item:4:overdue:2026-02-24 zhang", NULL,
		    "2026-02-25 09:00" },
		{ "3 working days overdue: next repeat and the leader", 0,
		    "2026-02-26 09:00",
		    { { 4, "2026-02-17", DL, 0, { ZHANG }, 1 } },
		    "item:4:overdue:2026-02-26 zhang, "
		    "item:4:overdue:2026-02-26 li!", NULL,
		    "2026-02-27 09:00" },
	};

	(void)state;
	RUN(tab);
}

/* Deadline Fri 11-27; 11-28/29 is a weekend. */
static void
test_plan_overdue_repeats_and_escalates(void **state)
{
	static const struct scenario tab[] = {
		{ "due day", 0, "2026-11-27 09:00",
		    { { 5, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "item:5:due zhang", NULL, "2026-11-30 09:00" },
		{ "Saturday: quiet", 0, "2026-11-28 09:00",
		    { { 5, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "", NULL, "2026-11-30 09:00" },
		{ "1 working day overdue", 0, "2026-11-30 09:00",
		    { { 5, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "item:5:overdue:2026-11-30 zhang", NULL, NULL },
		{ "2 overdue: same repeat", 0, "2026-12-01 09:00",
		    { { 5, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "item:5:overdue:2026-11-30 zhang", NULL, NULL },
		{ "3 overdue: new repeat, leader li joins", 0,
		    "2026-12-02 09:00",
		    { { 5, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "item:5:overdue:2026-12-02 zhang, "
		    "item:5:overdue:2026-12-02 li!", NULL, NULL },
		{ "4 overdue: same repeat", 0, "2026-12-03 09:00",
		    { { 5, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "item:5:overdue:2026-12-02 zhang, "
		    "item:5:overdue:2026-12-02 li!", NULL, NULL },
		{ "5 overdue", 0, "2026-12-04 09:00",
		    { { 5, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "item:5:overdue:2026-12-04 zhang, "
		    "item:5:overdue:2026-12-04 li!", NULL,
		    "2026-12-07 09:00" },
		{ "9 overdue: no principal yet", 0, "2026-12-10 09:00",
		    { { 5, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "item:5:overdue:2026-12-10 zhang, "
		    "item:5:overdue:2026-12-10 li!", NULL, NULL },
		{ "10 overdue: principal wang joins", 0, "2026-12-11 09:00",
		    { { 5, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "item:5:overdue:2026-12-10 zhang, "
		    "item:5:overdue:2026-12-10 li!, "
		    "item:5:overdue:2026-12-10 wang!", NULL,
		    "2026-12-14 09:00" },
		{ "11 overdue", 0, "2026-12-14 09:00",
		    { { 5, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "item:5:overdue:2026-12-14 zhang, "
		    "item:5:overdue:2026-12-14 li!, "
		    "item:5:overdue:2026-12-14 wang!", NULL, NULL },
	};

	(void)state;
	RUN(tab);
}

static void
test_plan_escalation_people(void **state)
{
	static const struct scenario tab[] = {
		{ "two owners: leaders and the principal once each", 0,
		    "2026-12-11 09:00",
		    { { 6, "2026-11-27", DL, 0, { ZHANG, ZHAO }, 2 } },
		    "item:6:overdue:2026-12-10 zhang, "
		    "item:6:overdue:2026-12-10 li!, "
		    "item:6:overdue:2026-12-10 wang!", "6 zhao", NULL },
		{ "the leader is also an owner: one notif for li", 0,
		    "2026-12-02 09:00",
		    { { 7, "2026-11-27", DL, 0, { ZHANG, LI }, 2 } },
		    "item:7:overdue:2026-12-02 zhang, "
		    "item:7:overdue:2026-12-02 li", NULL, NULL },
		{ "an unreachable owner still escalates", 0,
		    "2026-12-11 09:00",
		    { { 8, "2026-11-27", DL, 0, { ZHAO }, 1 } },
		    "item:8:overdue:2026-12-10 wang!", "8 zhao", NULL },
	};

	(void)state;
	RUN(tab);
}

static void
test_plan_nothing_to_remind(void **state)
{
	static const struct scenario tab[] = {
		{ "长期坚持 has no reminders, even with a date", 0,
		    "2026-11-27 09:00",
		    { { 9, "2026-11-27", MEASURE_ONGOING, 0, { ZHANG }, 1 } },
		    "", NULL, "2026-11-30 09:00" },
		{ "no deadline", 0, "2026-11-27 09:00",
		    { { 9, NULL, DL, 0, { ZHANG }, 1 } },
		    "", NULL, "2026-11-30 09:00" },
		{ "empty snapshot (done items are never in it)", 0,
		    "2026-11-27 09:00", { { 0 } }, "", NULL,
		    "2026-11-30 09:00" },
		{ "立行立改 with a date is reminded like 限期整改", 0,
		    "2026-11-27 09:00",
		    { { 9, "2026-11-27", MEASURE_IMMEDIATE, 0, { ZHANG },
		    1 } }, "item:9:due zhang", NULL, NULL },
	};

	(void)state;
	RUN(tab);
}

static void
test_plan_catch_up_after_downtime(void **state)
{
	static const struct scenario tab[] = {
		{ "down since 11-20 (7 and 3 stages missed): one key", 0,
		    "2026-12-02 09:00",
		    { { 10, "2026-12-04", DL, 0, { ZHANG }, 1 } },
		    "item:10:before:3 zhang", NULL, NULL },
		{ "down over due day and two repeats: current repeat only",
		    0, "2026-12-07 09:00",
		    { { 11, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "item:11:overdue:2026-12-04 zhang, "
		    "item:11:overdue:2026-12-04 li!", NULL, NULL },
		{ "late start in the afternoon still plans", 0,
		    "2026-12-02 15:45",
		    { { 10, "2026-12-04", DL, 0, { ZHANG }, 1 } },
		    "item:10:before:3 zhang", NULL, "2026-12-03 09:00" },
	};

	(void)state;
	RUN(tab);
}

static void
test_plan_quiet_hours(void **state)
{
	static const struct scenario tab[] = {
		{ "08:59 on a working day: wait for 09:00", 0,
		    "2026-11-27 08:59",
		    { { 12, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "", NULL, "2026-11-27 09:00" },
		{ "00:00 on a working day", 0, "2026-11-27 00:00",
		    { { 12, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "", NULL, "2026-11-27 09:00" },
		{ "09:00 sharp", 0, "2026-11-27 09:00",
		    { { 12, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "item:12:due zhang", NULL, "2026-11-30 09:00" },
		{ "Saturday 10:00: next working day", 0, "2026-11-28 10:00",
		    { { 12, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "", NULL, "2026-11-30 09:00" },
		{ "Sunday 08:00: next working day", 0, "2026-11-29 08:00",
		    { { 12, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "", NULL, "2026-11-30 09:00" },
		{ "holiday weekend before a holiday Monday", 0,
		    "2026-02-21 09:00",
		    { { 12, "2026-02-25", DL, 0, { ZHANG }, 1 } },
		    "", NULL, "2026-02-24 09:00" },
		{ "any-day mode: Saturday plans", ANYDAY, "2026-11-28 10:00",
		    { { 12, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "item:12:due zhang", NULL, "2026-11-29 09:00" },
	};

	(void)state;
	RUN(tab);
}

static void
test_plan_people_and_items(void **state)
{
	static const struct scenario tab[] = {
		{ "no email: flagged, nothing planned", 0,
		    "2026-11-27 09:00",
		    { { 13, "2026-11-27", DL, 0, { ZHAO }, 1 } },
		    "", "13 zhao", NULL },
		{ "one person, several items: one notif each, in order", 0,
		    "2026-11-27 09:00",
		    { { 14, "2026-11-27", DL, 0, { ZHANG }, 1 },
		    { 15, "2026-12-01", DL, 0, { ZHANG }, 1 },
		    { 16, "2026-12-09", DL, 0, { ZHANG }, 1 },
		    { 17, "2026-12-07", DL, 0, { ZHAO, ZHANG }, 2 } },
		    "item:14:due zhang, item:15:before:3 zhang, "
		    "item:17:before:7 zhang", "17 zhao", NULL },
		{ "reopened once: a fresh key space", 0, "2026-11-30 09:00",
		    { { 42, "2026-11-27", DL, 1, { ZHANG }, 1 } },
		    "item:42r1:overdue:2026-11-30 zhang", NULL, NULL },
		{ "reopened twice", 0, "2026-11-26 09:00",
		    { { 42, "2026-11-27", DL, 2, { ZHANG }, 1 } },
		    "item:42r2:before:1 zhang", NULL, NULL },
	};

	(void)state;
	RUN(tab);
}

static void
test_plan_sms_from(void **state)
{
	static const struct scenario tab[] = {
		{ "5 left: email only (sms from 3)", SMS, "2026-11-20 09:00",
		    { { 18, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "item:18:before:7 zhang", NULL, NULL },
		{ "3 left: email and sms", SMS, "2026-11-24 09:00",
		    { { 18, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "item:18:before:3 zhang, item:18:before:3 zhang/sms",
		    NULL, NULL },
		{ "overdue: sms to the owner, leader has no phone", SMS,
		    "2026-12-02 09:00",
		    { { 18, "2026-11-27", DL, 0, { ZHANG }, 1 } },
		    "item:18:overdue:2026-12-02 zhang, "
		    "item:18:overdue:2026-12-02 zhang/sms, "
		    "item:18:overdue:2026-12-02 li!", NULL, NULL },
	};

	(void)state;
	RUN(tab);
}

/* Days left and colour carried by each notification. */
static void
test_plan_days_and_colour(void **state)
{
	static const struct {
		const char	*now;
		int		 days;
		enum notif_colour colour;
		enum notif_stage stage;
	} tab[] = {
		{ "2026-11-18 09:00", 7, NOTIF_YELLOW, NOTIF_BEFORE },
		{ "2026-11-23 09:00", 4, NOTIF_YELLOW, NOTIF_BEFORE },
		{ "2026-11-24 09:00", 3, NOTIF_RED, NOTIF_BEFORE },
		{ "2026-11-27 09:00", 0, NOTIF_RED, NOTIF_DUE },
		{ "2026-11-30 09:00", -1, NOTIF_RED, NOTIF_OVERDUE },
		{ "2026-12-11 09:00", -10, NOTIF_RED, NOTIF_OVERDUE },
	};
	struct cfg_person	 people[NPEOPLE];
	struct cfg		 cfg;
	struct cal		*cal = cal_shanghai();
	struct plan_snapshot	 snap = { 0 };
	struct plan_item	 it = { 0 };
	struct plan_out		 out;
	size_t			 i;

	(void)state;
	cfg_init(&cfg, people, 0);
	it.id = 20;
	it.deadline = day("2026-11-27");
	it.kind = MEASURE_DEADLINE;
	it.owners[0] = ZHANG;
	it.nowners = 1;
	plan_snapshot_push(&snap, &it);
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		memset(&out, 0, sizeof(out));
		assert_int_equal(plan_run(&cfg, cal, &snap, at(cal,
		    tab[i].now), &out), 0);
		assert_true(out.notifs.n >= 1);
		assert_int_equal(out.notifs.v[0].item_id, 20);
		assert_int_equal(out.notifs.v[0].deadline, it.deadline);
		assert_int_equal(out.notifs.v[0].person, ZHANG);
		assert_int_equal(out.notifs.v[0].owner, ZHANG);
		assert_int_equal(out.notifs.v[0].channel, CFG_CH_EMAIL);
		assert_false(out.notifs.v[0].escalation);
		assert_int_equal(out.notifs.v[0].days, tab[i].days);
		assert_int_equal(out.notifs.v[0].colour, tab[i].colour);
		assert_int_equal(out.notifs.v[0].stage, tab[i].stage);
		plan_out_clear(&out);
	}
	plan_snapshot_clear(&snap);

	assert_int_equal(plan_colour(&cfg.reminders, 8), NOTIF_GREEN);
	assert_int_equal(plan_colour(&cfg.reminders, 7), NOTIF_YELLOW);
	assert_int_equal(plan_colour(&cfg.reminders, 4), NOTIF_YELLOW);
	assert_int_equal(plan_colour(&cfg.reminders, 3), NOTIF_RED);
	assert_int_equal(plan_colour(&cfg.reminders, -2), NOTIF_RED);
	cal_free(cal);
}

/* The escalation notif names the owner it is about. */
static void
test_plan_escalation_owner(void **state)
{
	struct cfg_person	 people[NPEOPLE];
	struct cfg		 cfg;
	struct cal		*cal = cal_shanghai();
	struct plan_snapshot	 snap = { 0 };
	struct plan_item	 it = { 0 };
	struct plan_out		 out = { 0 };

	(void)state;
	cfg_init(&cfg, people, 0);
	it.id = 21;
	it.deadline = day("2026-11-27");
	it.kind = MEASURE_DEADLINE;
	it.owners[0] = ZHANG;
	it.nowners = 1;
	plan_snapshot_push(&snap, &it);
	assert_int_equal(plan_run(&cfg, cal, &snap, at(cal,
	    "2026-12-11 09:00"), &out), 0);
	assert_int_equal(out.notifs.n, 3);
	assert_int_equal(out.notifs.v[1].person, LI);
	assert_int_equal(out.notifs.v[1].owner, ZHANG);
	assert_true(out.notifs.v[1].escalation);
	assert_int_equal(out.notifs.v[1].days, -10);
	assert_int_equal(out.notifs.v[2].person, WANG);
	assert_int_equal(out.notifs.v[2].owner, ZHANG);
	assert_true(out.notifs.v[2].escalation);
	plan_out_clear(&out);
	plan_snapshot_clear(&snap);
	cal_free(cal);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_plan_spring_festival_before_stages),
		cmocka_unit_test(test_plan_adjusted_saturday_is_a_reminder_day),
		cmocka_unit_test(test_plan_deadline_on_a_holiday),
		cmocka_unit_test(test_plan_overdue_repeats_and_escalates),
		cmocka_unit_test(test_plan_escalation_people),
		cmocka_unit_test(test_plan_nothing_to_remind),
		cmocka_unit_test(test_plan_catch_up_after_downtime),
		cmocka_unit_test(test_plan_quiet_hours),
		cmocka_unit_test(test_plan_people_and_items),
		cmocka_unit_test(test_plan_sms_from),
		cmocka_unit_test(test_plan_days_and_colour),
		cmocka_unit_test(test_plan_escalation_owner),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
