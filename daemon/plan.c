#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
plan_snapshot_clear(struct plan_snapshot *s)
{
	if (s == NULL)
		return;
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

void
plan_snapshot_push(struct plan_snapshot *s, const struct plan_item *it)
{
	if ((s->n & (s->n - 1)) == 0)
		s->v = xreallocarray(s->v, s->n == 0 ? 1 : s->n * 2,
		    sizeof(*s->v));
	s->v[s->n++] = *it;
}

void
plan_out_clear(struct plan_out *o)
{
	if (o == NULL)
		return;
	notif_list_clear(&o->notifs);
	free(o->unreachable);
	o->unreachable = NULL;
	o->nunreachable = 0;
}

enum notif_colour
plan_colour(const struct cfg_reminders *r, int days)
{
	if (days <= r->red)
		return NOTIF_RED;
	if (days <= r->yellow)
		return NOTIF_YELLOW;
	return NOTIF_GREEN;
}

/* Today's stage of one item, if any: fills stage, days and key suffix. */
struct stage {
	enum notif_stage	 stage;
	int			 days;		/* working days left */
	int			 overdue;	/* working days overdue */
	char			 suffix[32];
};

static int
stage_before(const struct cfg_reminders *r, int left, struct stage *st)
{
	size_t	 i;
	int	 best = -1;

	/* The smallest configured N that is still >= the days left. */
	for (i = 0; i < r->nbefore; i++)
		if (r->before[i] >= left && (best < 0 || r->before[i] < best))
			best = r->before[i];
	if (best < 0)
		return 0;
	st->stage = NOTIF_BEFORE;
	snprintf(st->suffix, sizeof(st->suffix), "before:%d", best);
	return 1;
}

static int
item_stage(const struct cfg_reminders *r, const struct cal *cal,
    int32_t today, int32_t deadline, struct stage *st)
{
	int	 k, rep;
	char	 d[11];

	memset(st, 0, sizeof(*st));
	if (today < deadline) {
		st->days = cal_workdays_between(cal, today, deadline);
		if (st->days > 0)
			return stage_before(r, st->days, st);
	}
	k = today > deadline ? cal_workdays_between(cal, deadline, today) : 0;
	if (k <= 0) {
		/* The due day, or a day off between the last working day and it. */
		if (!r->due_day)
			return 0;
		st->stage = NOTIF_DUE;
		snprintf(st->suffix, sizeof(st->suffix), "due");
		return 1;
	}
	st->stage = NOTIF_OVERDUE;
	st->days = -k;
	st->overdue = k;
	rep = (k - 1) / r->overdue_every;
	snprintf(st->suffix, sizeof(st->suffix), "overdue:%s",
	    day_format(cal_add_workdays(cal, deadline,
	    1 + rep * r->overdue_every), d));
	return 1;
}

static bool
reachable(const struct cfg_person *p, unsigned ch)
{
	if (p->disabled)
		return false;
	if (ch == CFG_CH_EMAIL)
		return p->email != NULL;
	if (ch == CFG_CH_SMS)
		return p->phone != NULL;
	/* Group robots reach the group; the outbox picks the robots. */
	return ch == CFG_CH_IM;
}

static void
flag_unreachable(struct plan_out *o, int64_t item, int person)
{
	size_t	 i;

	for (i = 0; i < o->nunreachable; i++)
		if (o->unreachable[i].item_id == item &&
		    o->unreachable[i].person == person)
			return;
	o->unreachable = xreallocarray(o->unreachable, o->nunreachable + 1,
	    sizeof(*o->unreachable));
	o->unreachable[o->nunreachable].item_id = item;
	o->unreachable[o->nunreachable++].person = person;
}

struct emit {
	const struct cfg	*cfg;
	const struct plan_item	*it;
	const struct stage	*st;
	struct plan_out		*out;
	char			 key[64];
};

/* One notification per channel the person gets at this stage. */
static void
emit_person(struct emit *e, int person, int owner, bool escalation)
{
	const struct cfg_reminders	*r = &e->cfg->reminders;
	const struct cfg_person		*p = &e->cfg->people[person];
	static const unsigned		 chans[] = { CFG_CH_EMAIL, CFG_CH_SMS,
	    CFG_CH_IM };
	struct notif			 n;
	size_t				 i;
	bool				 any = false;

	for (i = 0; i < sizeof(chans) / sizeof(chans[0]); i++) {
		if ((r->channels & chans[i]) == 0)
			continue;
		if (chans[i] == CFG_CH_SMS && e->st->days > (int)r->sms_from)
			continue;
		if (!reachable(p, chans[i]))
			continue;
		memset(&n, 0, sizeof(n));
		memcpy(n.key, e->key, sizeof(n.key));
		n.item_id = e->it->id;
		n.deadline = e->it->deadline;
		n.person = person;
		n.owner = owner;
		n.channel = chans[i];
		n.stage = e->st->stage;
		n.days = e->st->days;
		n.colour = plan_colour(r, e->st->days);
		n.escalation = escalation;
		notif_list_push(&e->out->notifs, &n);
		any = true;
	}
	if (!any && !escalation)
		flag_unreachable(e->out, e->it->id, person);
}

static bool
already(const struct notif_list *l, size_t from, int person)
{
	size_t	 i;

	for (i = from; i < l->n; i++)
		if (l->v[i].person == person)
			return true;
	return false;
}

/* Leaders of each owner, then principals, by how long it is overdue. */
static void
emit_escalation(struct emit *e, size_t from)
{
	const struct cfg	*cfg = e->cfg;
	size_t			 i, j;
	int			 owner, p;

	for (i = 0; i < e->it->nowners; i++) {
		owner = e->it->owners[i];
		if (e->st->overdue < cfg->reminders.escalate_leader)
			break;
		for (j = 0; j < cfg->people[owner].leaders.n; j++) {
			const struct cfg_person *l = cfg_person_get(cfg,
			    cfg->people[owner].leaders.v[j]);

			p = (int)(l - cfg->people);
			if (!already(&e->out->notifs, from, p))
				emit_person(e, p, owner, true);
		}
		if (e->st->overdue < cfg->reminders.escalate_principal)
			continue;
		for (j = 0; j < cfg->npeople; j++)
			if ((cfg->people[j].roles & CFG_ROLE_PRINCIPAL) &&
			    !already(&e->out->notifs, from, (int)j))
				emit_person(e, (int)j, owner, true);
	}
}

static void
plan_item(const struct cfg *cfg, const struct cal *cal, int32_t today,
    const struct plan_item *it, struct plan_out *out)
{
	struct stage	 st;
	struct emit	 e;
	size_t		 i, from = out->notifs.n;

	if (it->kind == MEASURE_ONGOING || it->deadline == DAY_NONE)
		return;
	if (!item_stage(&cfg->reminders, cal, today, it->deadline, &st))
		return;
	e.cfg = cfg;
	e.it = it;
	e.st = &st;
	e.out = out;
	if (it->reopened > 0)
		snprintf(e.key, sizeof(e.key), "item:%lldr%u:%s",
		    (long long)it->id, it->reopened, st.suffix);
	else
		snprintf(e.key, sizeof(e.key), "item:%lld:%s",
		    (long long)it->id, st.suffix);
	for (i = 0; i < it->nowners; i++)
		emit_person(&e, it->owners[i], it->owners[i], false);
	if (st.stage == NOTIF_OVERDUE)
		emit_escalation(&e, from);
}

/* The next day on or after `day` when reminders may go out. */
static int32_t
next_send_day(const struct cfg *cfg, const struct cal *cal, int32_t day)
{
	if (!cfg->reminders.working_days_only)
		return day;
	return cal_workday_on_or_after(cal, day);
}

int
plan_run(const struct cfg *cfg, const struct cal *cal,
    const struct plan_snapshot *snap, int64_t now, struct plan_out *out)
{
	const struct cfg_reminders	*r = &cfg->reminders;
	int32_t				 today;
	int				 minute;
	size_t				 i;
	bool				 open;

	cal_civil(cal, now, &today, &minute);
	open = minute >= r->time &&
	    (!r->working_days_only || cal_is_workday(cal, today));
	if (open)
		for (i = 0; i < snap->n; i++)
			plan_item(cfg, cal, today, &snap->v[i], out);
	/* Sent or not, the next chance is the next send day's send time. */
	out->next_run = cal_instant(cal, next_send_day(cfg, cal,
	    minute < r->time ? today : today + 1), r->time);
	return 0;
}
