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
	duty_tally_list_clear(&s->counts);
	duty_tally_list_clear(&s->closed);
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
	duty_tally_list_clear(&o->closes);
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
flag_unreachable(struct plan_out *o, int64_t item, int duty, int person,
    bool feedback)
{
	struct plan_unreachable	*u;
	size_t			 i;

	for (i = 0; i < o->nunreachable; i++)
		if (o->unreachable[i].item_id == item &&
		    o->unreachable[i].duty == duty &&
		    o->unreachable[i].person == person &&
		    o->unreachable[i].feedback == feedback)
			return;
	o->unreachable = xreallocarray(o->unreachable, o->nunreachable + 1,
	    sizeof(*o->unreachable));
	u = &o->unreachable[o->nunreachable++];
	u->item_id = item;
	u->duty = duty;
	u->person = person;
	u->feedback = feedback;
}

/*
 * Push `proto` for `person` once per channel of `channels` they can be
 * reached on (an item's SMS only from `sms_from` working days left; a
 * duty's warnings keep the duty's own lead times).  Returns whether any
 * was pushed.
 */
static bool
push_channels(const struct cfg *cfg, struct plan_out *out,
    const struct notif *proto, int person, unsigned channels)
{
	static const unsigned	 chans[] = { CFG_CH_EMAIL, CFG_CH_SMS,
	    CFG_CH_IM };
	struct notif		 n;
	size_t			 i;
	bool			 any = false;

	for (i = 0; i < sizeof(chans) / sizeof(chans[0]); i++) {
		if ((channels & chans[i]) == 0)
			continue;
		if (chans[i] == CFG_CH_SMS && proto->what != NOTIF_DUTY &&
		    proto->days > (int)cfg->reminders.sms_from)
			continue;
		if (!reachable(&cfg->people[person], chans[i]))
			continue;
		n = *proto;
		n.person = person;
		n.channel = chans[i];
		notif_list_push(&out->notifs, &n);
		any = true;
	}
	return any;
}

struct emit {
	const struct cfg	*cfg;
	const struct plan_item	*it;
	const struct stage	*st;
	struct plan_out		*out;
	char			 key[NOTIF_KEY_MAX];
};

/* One notification per channel the person gets at this stage. */
static void
emit_person(struct emit *e, int person, int owner, bool escalation)
{
	const struct cfg_reminders	*r = &e->cfg->reminders;
	struct notif			 n;

	memset(&n, 0, sizeof(n));
	memcpy(n.key, e->key, sizeof(n.key));
	n.what = e->it->feedback ? NOTIF_FEEDBACK : NOTIF_ITEM;
	n.item_id = e->it->id;
	n.deadline = e->it->deadline;
	n.owner = owner;
	n.stage = e->st->stage;
	n.days = e->st->days;
	n.colour = plan_colour(r, e->st->days);
	n.escalation = escalation;
	n.duty = -1;
	n.target = -1;
	if (!push_channels(e->cfg, e->out, &n, person, r->channels) &&
	    !escalation)
		flag_unreachable(e->out, e->it->id, -1, person,
		    e->it->feedback);
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
		snprintf(e.key, sizeof(e.key), "%s:%lldr%u:%s",
		    it->feedback ? "feedback" : "item", (long long)it->id,
		    it->reopened, st.suffix);
	else
		snprintf(e.key, sizeof(e.key), "%s:%lld:%s",
		    it->feedback ? "feedback" : "item", (long long)it->id,
		    st.suffix);
	for (i = 0; i < it->nowners; i++)
		emit_person(&e, it->owners[i], it->owners[i], false);
	if (st.stage == NOTIF_OVERDUE)
		emit_escalation(&e, from);
}


/* ---- standing duties ------------------------------------------------ */

/*
 * The periods of `kind` closed on or after `since` before the current
 * one, newest first (the previous one always), at most PLAN_MAX_BACK.
 */
static size_t
closed_periods(enum cfg_period kind, int32_t today, int32_t since,
    struct cal_period *out)
{
	struct cal_period	 p;
	size_t			 n = 0;

	cal_period_of(kind, today, &p);
	cal_period_prev(&p, &out[n++]);
	while (n < PLAN_MAX_BACK && since != DAY_NONE &&
	    out[n - 1].start > since) {
		cal_period_prev(&out[n - 1], &p);
		out[n++] = p;
	}
	return n;
}

size_t
plan_duty_ranges(const struct cfg *cfg, int32_t today, int32_t since,
    struct cal_period *out)
{
	struct cal_period	 back[PLAN_MAX_BACK];
	size_t			 i, j, k, nb, n = 0;
	bool			 seen;

	for (i = 0; i < cfg->nduties; i++) {
		seen = false;
		for (j = 0; j < n && !seen; j++)
			seen = out[j].kind == cfg->duties[i].period;
		nb = closed_periods(cfg->duties[i].period, today, since, back);
		if (seen || n + 1 + nb > PLAN_MAX_RANGES)
			continue;
		cal_period_of(cfg->duties[i].period, today, &out[n++]);
		for (k = 0; k < nb; k++)
			out[n++] = back[k];
	}
	return n;
}

static int
tally_done(const struct plan_snapshot *snap, const char *duty,
    const char *person, const char *target, int32_t start)
{
	const struct duty_tally	*t;

	t = duty_tally_find(&snap->counts, duty, person, target, start);
	return t ? t->done : 0;
}

/* The smallest lead time >= `left`, or -1 (warn is sorted descending). */
static int
duty_lead(const struct cfg_duty *d, int left)
{
	size_t	 i;

	for (i = d->nwarn; i-- > 0;)
		if (d->warn[i] >= left)
			return d->warn[i];
	return -1;
}

static enum duty_state
duty_state(const struct cfg_duty *d, int done, int required, bool closed,
    int left)
{
	if (done >= required)
		return DUTY_MET;
	if (closed)
		return DUTY_SHORT;
	if (d->nwarn > 0 && left <= d->warn[d->nwarn - 1])
		return DUTY_URGENT;
	if (d->nwarn > 0 && left <= d->warn[0])
		return DUTY_WARN;
	return DUTY_OPEN;
}

static void
cell_push(struct duty_cells *c, const struct duty_cell *cell)
{
	c->v = xreallocarray(c->v, c->n + 1, sizeof(*c->v));
	c->v[c->n++] = *cell;
}

static void
period_cells(const struct cfg *cfg, const struct cal *cal, int32_t today,
    int di, const struct cal_period *p, const struct plan_snapshot *snap,
    struct duty_cells *out)
{
	const struct cfg_duty	*d = &cfg->duties[di];
	const struct duty_tally	*r;
	struct duty_cell	 c;
	size_t			 i, o, t, nt = d->targets.n ? d->targets.n : 1;
	bool			 recorded = false;

	memset(&c, 0, sizeof(c));
	c.duty = di;
	memcpy(c.period, p->label, sizeof(c.period));
	c.start = p->start;
	c.end = p->end;
	c.closed = p->end < today;
	c.days_left = c.closed ? 0 : cal_workdays_between(cal,
	    today > p->start ? today : p->start, p->end);
	for (i = 0; c.closed && i < snap->closed.n; i++) {
		r = &snap->closed.v[i];
		if (r->start != p->start || strcmp(r->duty, d->id) != 0)
			continue;
		recorded = true;
		c.person = r->person;
		c.target = r->target;
		c.done = tally_done(snap, d->id, r->person, r->target,
		    p->start);
		c.required = r->required;
		c.recorded = true;
		c.state = duty_state(d, c.done, c.required, true, 0);
		cell_push(out, &c);
	}
	if (recorded)
		return;
	for (o = 0; o < d->owners.n; o++)
		for (t = 0; t < nt; t++) {
			c.person = d->owners.v[o];
			c.target = d->targets.n ? d->targets.v[t] : "";
			c.done = tally_done(snap, d->id, c.person, c.target,
			    p->start);
			c.required = d->at_least;
			c.state = duty_state(d, c.done, c.required, c.closed,
			    c.days_left);
			cell_push(out, &c);
		}
}

void
plan_duty_cells(const struct cfg *cfg, const struct cal *cal, int32_t today,
    const struct cal_period *within, const struct plan_snapshot *snap,
    struct duty_cells *out)
{
	struct cal_period	 p;
	int32_t			 from = within ? within->start : today;
	int32_t			 to = within ? within->end : today;
	size_t			 i;

	for (i = 0; i < cfg->nduties; i++)
		for (cal_period_of(cfg->duties[i].period, from, &p);
		    p.start <= to; cal_period_of(p.kind, p.end + 1, &p))
			period_cells(cfg, cal, today, (int)i, &p, snap, out);
}

static int
person_index(const struct cfg *cfg, const char *key)
{
	const struct cfg_person	*p = cfg_person_get(cfg, key);

	return p ? (int)(p - cfg->people) : -1;
}

/* duty:talks:2026Q4:chen:办公室:warn:10, shortfall:talks:2026Q4:chen:办公室 */
static void
duty_key(char *key, const char *what, const char *id, const char *period,
    const char *person, const char *target, const char *stage)
{
	snprintf(key, NOTIF_KEY_MAX, "%s:%s:%s:%s%s%s%s%s", what, id, period,
	    person, *target ? ":" : "", target, *stage ? ":" : "", stage);
}

/* Warn each owner (x target) of duty `di` whose quota is not met yet. */
static void
duty_warn(const struct cfg *cfg, const struct cal *cal, int32_t today, int di,
    const struct plan_snapshot *snap, struct plan_out *out)
{
	const struct cfg_duty	*d = &cfg->duties[di];
	struct cal_period	 cur;
	struct notif		 n;
	size_t			 o, t, nt = d->targets.n ? d->targets.n : 1;
	int			 left, lead, owner;
	char			 stage[24];
	const char		*target;

	cal_period_of(d->period, today, &cur);
	left = cal_workdays_between(cal, today, cur.end);
	if ((lead = duty_lead(d, left)) < 0)
		return;
	snprintf(stage, sizeof(stage), "warn:%d", lead);
	for (o = 0; o < d->owners.n; o++) {
		if ((owner = person_index(cfg, d->owners.v[o])) < 0)
			continue;
		for (t = 0; t < nt; t++) {
			target = d->targets.n ? d->targets.v[t] : "";
			memset(&n, 0, sizeof(n));
			n.done = tally_done(snap, d->id, d->owners.v[o],
			    target, cur.start);
			if (n.done >= d->at_least)
				continue;
			duty_key(n.key, "duty", d->id, cur.label,
			    d->owners.v[o], target, stage);
			n.what = NOTIF_DUTY;
			n.deadline = cur.end;
			n.owner = owner;
			n.stage = NOTIF_BEFORE;
			n.days = left;
			n.colour = left <= d->warn[d->nwarn - 1] ? NOTIF_RED :
			    NOTIF_YELLOW;
			n.duty = di;
			n.target = d->targets.n ? (int)t : -1;
			n.required = d->at_least;
			memcpy(n.period, cur.label, sizeof(n.period));
			n.period_start = cur.start;
			if (!push_channels(cfg, out, &n, owner, d->channels))
				flag_unreachable(out, 0, di, owner, false);
		}
	}
}

/* Who hears of a shortfall: the owner's leaders, else the principals. */
static size_t
shortfall_people(const struct cfg *cfg, int owner, int *v, size_t max)
{
	const struct cfg_person	*p = &cfg->people[owner];
	size_t			 i, n = 0;
	int			 l;

	for (i = 0; i < p->leaders.n && n < max; i++)
		if ((l = person_index(cfg, p->leaders.v[i])) >= 0)
			v[n++] = l;
	for (i = 0; n == 0 && i < cfg->npeople; i++)
		if ((cfg->people[i].roles & CFG_ROLE_PRINCIPAL) &&
		    (int)i != owner)
			v[n++] = (int)i;
	if (n == 0)
		v[n++] = owner;
	return n;
}

static void
shortfall_notify(const struct cfg *cfg, int di, const struct duty_tally *r,
    struct plan_out *out)
{
	const struct cfg_duty	*d = &cfg->duties[di];
	struct notif		 n;
	int			 owner, to[16];
	size_t			 i, nto;

	if (r->done >= r->required ||
	    (owner = person_index(cfg, r->person)) < 0)
		return;
	memset(&n, 0, sizeof(n));
	duty_key(n.key, "shortfall", d->id, r->period, r->person, r->target,
	    "");
	n.what = NOTIF_SHORTFALL;
	n.deadline = r->end;
	n.owner = owner;
	n.stage = NOTIF_OVERDUE;
	n.colour = NOTIF_RED;
	n.escalation = true;
	n.duty = di;
	n.target = -1;
	for (i = 0; i < d->targets.n; i++)
		if (strcmp(d->targets.v[i], r->target) == 0)
			n.target = (int)i;
	n.done = r->done;
	n.required = r->required;
	memcpy(n.period, r->period, sizeof(n.period));
	n.period_start = r->start;
	nto = shortfall_people(cfg, owner, to, sizeof(to) / sizeof(to[0]));
	for (i = 0; i < nto; i++)
		push_channels(cfg, out, &n, to[i], d->channels);
}

/*
 * Period `prev` of duty `di` has closed: record it once (from the current
 * config and counts) and tell the leaders of each shortfall.
 */
static void
close_one(const struct cfg *cfg, int di, const struct cal_period *prev,
    bool open, const struct plan_snapshot *snap, struct plan_out *out)
{
	const struct cfg_duty	*d = &cfg->duties[di];
	struct duty_tally	 r;
	size_t			 i, o, t, from = out->closes.n;
	size_t			 nt = d->targets.n ? d->targets.n : 1;
	bool			 recorded = false;

	for (i = 0; i < snap->closed.n; i++) {
		if (snap->closed.v[i].start != prev->start ||
		    strcmp(snap->closed.v[i].duty, d->id) != 0)
			continue;
		recorded = true;
		if (open)
			shortfall_notify(cfg, di, &snap->closed.v[i], out);
	}
	if (recorded)
		return;
	memset(&r, 0, sizeof(r));
	r.duty = d->id;
	r.title = d->title;
	memcpy(r.period, prev->label, sizeof(r.period));
	r.start = prev->start;
	r.end = prev->end;
	r.required = d->at_least;
	for (o = 0; o < d->owners.n; o++)
		for (t = 0; t < nt; t++) {
			r.person = d->owners.v[o];
			r.target = d->targets.n ? d->targets.v[t] : "";
			r.done = tally_done(snap, d->id, r.person, r.target,
			    prev->start);
			duty_tally_list_push(&out->closes, &r);
		}
	for (i = from; open && i < out->closes.n; i++)
		shortfall_notify(cfg, di, &out->closes.v[i], out);
}

/*
 * The periods of duty `di` that closed since duties are judged: each is
 * recorded once, oldest first; after downtime, every one missed (up to
 * PLAN_MAX_BACK), not only the last.
 */
static void
duty_close(const struct cfg *cfg, int32_t today, int di, bool open,
    const struct plan_snapshot *snap, struct plan_out *out)
{
	struct cal_period	 back[PLAN_MAX_BACK];
	size_t			 n;

	if (snap->duties_since == DAY_NONE)
		return;
	n = closed_periods(cfg->duties[di].period, today, snap->duties_since,
	    back);
	while (n-- > 0)
		if (back[n].end >= snap->duties_since)
			close_one(cfg, di, &back[n], open, snap, out);
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
	for (i = 0; i < cfg->nduties; i++) {
		if (open)
			duty_warn(cfg, cal, today, (int)i, snap, out);
		duty_close(cfg, today, (int)i, open, snap, out);
	}
	/* Sent or not, the next chance is the next send day's send time. */
	out->next_run = cal_instant(cal, next_send_day(cfg, cal,
	    minute < r->time ? today : today + 1), r->time);
	return 0;
}
