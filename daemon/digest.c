#include "digest.h"
#include "digest_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define DIGEST_TEXT_MAX		(4 * 1024 * 1024)
#define DIGEST_LIST_MAX		200	/* rows per section, then "…and N more" */
#define DIGEST_EXCERPT		120	/* characters of a feedback excerpt */
#define DIGEST_BAR		10	/* cells of a text progress bar */

void
digest_msg_clear(struct digest_msg *m)
{
	if (m == NULL)
		return;
	free(m->subject);
	free(m->text);
	free(m->html);
	memset(m, 0, sizeof(*m));
}

/* The Monday of `day`'s ISO week, and its ISO year and week number. */
static int32_t
iso_week(int32_t day, int *year, int *week)
{
	int32_t	 mon = day - (day_weekday(day) - 1), jan4, mon1;
	int	 y, m, d;

	day_to_ymd(mon + 3, &y, &m, &d);	/* the Thursday decides */
	jan4 = day_from_ymd(y, 1, 4);
	mon1 = jan4 - (day_weekday(jan4) - 1);
	*year = y;
	*week = (mon - mon1) / 7 + 1;
	return mon;
}

/* The instant this week's digest is due (week of Monday `mon`). */
static int64_t
due_at(const struct cfg *cfg, const struct cal *cal, int32_t mon)
{
	int32_t	 d = mon + cfg->digest.weekday - 1, w;

	for (w = d; w <= mon + 6 && !cal_is_workday(cal, w); w++)
		;
	return cal_instant(cal, w <= mon + 6 ? w : d, cfg->digest.time);
}

bool
digest_due(const struct cfg *cfg, const struct cal *cal, int64_t now,
    char week[16], int64_t *next)
{
	int32_t	 today, mon;
	int	 minute, y, w;
	int64_t	 at;

	cal_civil(cal, now, &today, &minute);
	mon = iso_week(today, &y, &w);
	snprintf(week, 16, "%04d-W%02d", y, w);
	at = due_at(cfg, cal, mon);
	*next = now < at ? at : due_at(cfg, cal, mon + 7);
	return cfg->digest.enabled && now >= at;
}

static int
state_instant(struct store *st, const char *name, int64_t now, int64_t *t,
    struct derr *err)
{
	char		*v = NULL;
	long long	 x;
	int		 r;

	if ((r = store_state_get(st, name, &v, err)) < 0)
		return -1;
	r = v != NULL && str_to_ll(v, 0, now, &x) == 0;
	if (r)
		*t = x;
	free(v);
	return r;
}

int
digest_since(struct store *st, const char *week, int64_t now,
    int64_t *since, struct derr *err)
{
	int	 this_week, r;

	*since = now - 7 * 86400;
	if ((this_week = digest_week_done(st, week, err)) < 0)
		return -1;
	r = state_instant(st, this_week ? "digest_since" : "digest_at", now,
	    since, err);
	return r < 0 ? -1 : 0;
}

int
digest_week_done(struct store *st, const char *week, struct derr *err)
{
	char	*done = NULL;
	int	 r;

	if (store_state_get(st, "digest_week", &done, err) < 0)
		return -1;
	r = done != NULL && strcmp(done, week) == 0;
	free(done);
	return r;
}

int
digest_mark_queued(struct store *st, const char *week, int64_t since,
    const char *summary, int64_t now, struct derr *err)
{
	char	 at[32], from[32];

	snprintf(at, sizeof(at), "%lld", (long long)now);
	snprintf(from, sizeof(from), "%lld", (long long)since);
	if (store_state_set(st, "digest_since", from, now, err) < 0 ||
	    store_state_set(st, "digest_week", week, now, err) < 0 ||
	    store_state_set(st, "digest_at", at, now, err) < 0 ||
	    store_state_set(st, "last_digest", summary, now, err) < 0)
		return -1;
	return 0;
}

bool
digest_in_scope(const struct digest_in *in, const char *key)
{
	const struct cfg_person	*p;

	if (in->scope == NULL)
		return true;
	if (key == NULL)
		return false;
	if (strcmp(key, in->scope->key) == 0)
		return true;
	p = cfg_person_get(in->cfg, key);
	return p != NULL && strv_has(&p->leaders, in->scope->key);
}

/* Keep the measures with an owner in scope. */
static void
scope_measures(const struct digest_in *in, struct measure_list *l)
{
	size_t	 i, j, k = 0;
	bool	 keep;

	for (i = 0; in->scope != NULL && i < l->n; i++) {
		for (j = 0, keep = false; j < l->v[i].owners.n && !keep; j++)
			keep = digest_in_scope(in, l->v[i].owners.v[j]);
		if (keep)
			l->v[k++] = l->v[i];
		else
			measure_clear(&l->v[i]);
	}
	if (in->scope != NULL)
		l->n = k;
}

/* Keep the feedback assigned to someone in scope. */
static void
scope_feedback(const struct digest_in *in, struct feedback_list *l)
{
	size_t	 i, k = 0;

	for (i = 0; in->scope != NULL && i < l->n; i++)
		if (digest_in_scope(in, l->v[i].assignee))
			l->v[k++] = l->v[i];
		else
			feedback_clear(&l->v[i]);
	if (in->scope != NULL)
		l->n = k;
}

static void
owner_names(const struct cfg *cfg, const struct strv *owners, struct buf *b)
{
	const struct cfg_person	*p;
	size_t			 i;

	buf_reset(b);
	for (i = 0; i < owners->n; i++) {
		p = cfg_person_get(cfg, owners->v[i]);
		buf_puts(b, i ? "、" : "", NULL);
		buf_puts(b, p ? p->name : owners->v[i], NULL);
	}
}

static const char *
person_name(const struct cfg *cfg, const char *key)
{
	const struct cfg_person	*p = key ? cfg_person_get(cfg, key) : NULL;

	return p ? p->name : key ? key : "";
}

static void
fmt_local(const struct cal *cal, int64_t t, char *out, size_t n)
{
	int32_t	 d;
	int	 min;
	char	 b[11];

	cal_civil(cal, t, &d, &min);
	snprintf(out, n, "%s %02d:%02d", day_format(d, b), min / 60, min % 60);
}

struct ledger_sums {
	int	 total, done, overdue, due_soon, unreachable;
};

static void
measure_row(struct rval *list, const struct cfg *cfg, const struct cal *cal,
    const struct measure *m, int32_t today, struct buf *b)
{
	struct rval	*v = rval_list_add_map(list);
	const char	*hol;
	char		 d[11];

	rval_map_set_str(v, "code", m->code);
	rval_map_set_str(v, "problem_code", m->problem_code);
	rval_map_set_str(v, "problem_title", m->problem_title);
	rval_map_set_str(v, "text", m->text);
	owner_names(cfg, &m->owners, b);
	rval_map_set_str(v, "owners", b->data ? b->data : "");
	rval_map_set_str(v, "deadline", day_format(m->deadline, d));
	rval_map_set_int(v, "days_overdue", today - m->deadline);
	rval_map_set_int(v, "days_left", m->deadline - today);
	rval_map_set_int(v, "workdays_left", m->deadline > today ?
	    cal_workdays_between(cal, today, m->deadline) : 0);
	/* A deadline in a holiday's days off (国庆节) comes before them. */
	hol = cal_holiday_name(cal, m->deadline);
	rval_map_set_bool(v, "has_deadline_holiday", hol != NULL);
	rval_map_set_str(v, "deadline_holiday", hol != NULL ? hol : "");
	rval_map_set_bool(v, "extended", m->extensions > 0);
	if (m->extensions > 0) {
		rval_map_set_str(v, "extended_from",
		    day_format(m->extended_from, d));
		rval_map_set_str(v, "extension_reason", m->extension_reason ?
		    m->extension_reason : "");
	}
	rval_map_set_bool(v, "due_today", m->deadline == today);
}

/* Descending by days overdue: the oldest deadline first. */
static int
by_deadline(const void *a, const void *b)
{
	const struct measure *const	*x = a, *const *y = b;

	if ((*x)->deadline != (*y)->deadline)
		return (*x)->deadline < (*y)->deadline ? -1 : 1;
	return strcmp((*x)->code, (*y)->code);
}

/* Rows a list shows: the robot's summary is short. */
static size_t
list_max(const struct digest_in *in)
{
	return in->list_max > 0 ? in->list_max : DIGEST_LIST_MAX;
}

static void
more(struct rval *ctx, const char *key, size_t n, size_t max)
{
	rval_map_set_int(ctx, key, n > max ? (int64_t)(n - max) : 0);
}

static void
problem_row(struct rval *list, const struct measure *first, int done,
    int total)
{
	struct rval	*v = rval_list_add_map(list);
	char		 bar[DIGEST_BAR * 3 + 1], *p = bar;
	int		 pct = total ? done * 100 / total : 0, i;

	rval_map_set_str(v, "code", first->problem_code);
	rval_map_set_str(v, "title", first->problem_title);
	rval_map_set_int(v, "done", done);
	rval_map_set_int(v, "total", total);
	rval_map_set_int(v, "percent", pct);
	rval_map_set_int(v, "bar_done", pct);
	rval_map_set_int(v, "bar_rest", 100 - pct);
	rval_map_set_bool(v, "complete", done == total);
	for (i = 0; i < DIGEST_BAR; i++) {
		memcpy(p, i < (done * DIGEST_BAR + total / 2) / (total ? total : 1)
		    ? "■" : "□", 3);
		p += 3;
	}
	*p = '\0';
	rval_map_set_str(v, "bar", bar);
}

/* People who own open measures but cannot be reached by email. */
static void
unreachable_rows(struct rval *ctx, const struct cfg *cfg,
    const struct measure_list *l, struct ledger_sums *s)
{
	struct rval		*list = rval_map_set_list(ctx, "unreachable"), *v;
	const struct cfg_person	*p;
	struct strv		 seen = { 0 };
	size_t			 i, j, k;
	int			 n;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].status != MEASURE_OPEN)
			continue;
		for (j = 0; j < l->v[i].owners.n; j++) {
			const char *key = l->v[i].owners.v[j];

			p = cfg_person_get(cfg, key);
			if ((p != NULL && !p->disabled && p->email != NULL) ||
			    strv_has(&seen, key))
				continue;
			strv_push(&seen, key);
			for (k = i, n = 0; k < l->n; k++)
				n += l->v[k].status == MEASURE_OPEN &&
				    strv_has(&l->v[k].owners, key);
			v = rval_list_add_map(list);
			rval_map_set_str(v, "name", p ? p->name : key);
			rval_map_set_str(v, "why", p == NULL ? "不在配置的人员中" :
			    p->disabled ? "已停用" : "没有邮箱");
			rval_map_set_int(v, "count", n);
			s->unreachable++;
		}
	}
	strv_clear(&seen);
	rval_map_set_bool(ctx, "has_unreachable", s->unreachable > 0);
}

/*
 * Years the holiday calendar does not know among the next 60 days and the
 * open deadlines: their working days are guesses (Monday to Friday).
 */
static void
calendar_years(struct rval *ctx, const struct cal *cal,
    const struct measure_list *l, int32_t today)
{
	struct buf	 b;
	int		 y, m, d, seen[8];
	size_t		 i, k, n = 0;
	int32_t		 day;

	buf_init(&b, 0);
	for (i = 0; i < l->n + 2; i++) {
		day = i == 0 ? today : i == 1 ? today + 60 : l->v[i - 2].deadline;
		if (i >= 2 && (l->v[i - 2].status != MEASURE_OPEN ||
		    day == DAY_NONE))
			continue;
		day_to_ymd(day, &y, &m, &d);
		for (k = 0; k < n && seen[k] != y; k++)
			;
		if (k < n || n == 8 || cal_year_known(cal, y))
			continue;
		seen[n++] = y;
		(void)buf_printf(&b, NULL, "%s%d", n > 1 ? "、" : "", y);
	}
	rval_map_set_str(ctx, "calendar_unknown", b.data ? b.data : "");
	buf_clear(&b);
}

static int
ledger_part(struct store *st, const struct digest_in *in, int32_t today,
    struct rval *ctx, struct derr *err)
{
	const struct cfg	*cfg = in->cfg;
	struct store_filter	 f = { NULL, NULL, -1, DAY_NONE, false };
	struct measure_list	 l = { 0 };
	const struct measure	**over, **soon;
	struct rval		*list;
	struct ledger_sums	 s = { 0 };
	struct buf		 b;
	size_t			 i, j, no = 0, ns = 0;
	int			 done, pct;

	if (store_measure_list(st, &f, &l, err) < 0)
		return -1;
	scope_measures(in, &l);
	buf_init(&b, 0);
	over = xcalloc(l.n + 1, sizeof(*over));
	soon = xcalloc(l.n + 1, sizeof(*soon));
	list = rval_map_set_list(ctx, "problems");
	for (i = 0; i < l.n; i = j) {
		for (j = i, done = 0; j < l.n &&
		    strcmp(l.v[j].problem_code, l.v[i].problem_code) == 0; j++)
			done += l.v[j].status == MEASURE_DONE;
		problem_row(list, &l.v[i], done, (int)(j - i));
		s.done += done;
	}
	for (i = 0; i < l.n; i++) {
		const struct measure *m = &l.v[i];

		if (m->status != MEASURE_OPEN || m->deadline == DAY_NONE ||
		    m->kind == MEASURE_ONGOING)
			continue;
		if (m->deadline < today)
			over[no++] = m;
		else if (m->deadline - today <= DIGEST_DUE_DAYS)
			soon[ns++] = m;
	}
	qsort(over, no, sizeof(*over), by_deadline);
	qsort(soon, ns, sizeof(*soon), by_deadline);
	list = rval_map_set_list(ctx, "overdue");
	for (i = 0; i < no && i < list_max(in); i++)
		measure_row(list, cfg, in->cal, over[i], today, &b);
	list = rval_map_set_list(ctx, "due_soon");
	for (i = 0; i < ns && i < list_max(in); i++)
		measure_row(list, cfg, in->cal, soon[i], today, &b);
	more(ctx, "overdue_more", no, list_max(in));
	more(ctx, "due_soon_more", ns, list_max(in));
	s.total = (int)l.n;
	pct = s.total ? s.done * 100 / s.total : 0;
	rval_map_set_int(ctx, "total", s.total);
	rval_map_set_int(ctx, "done", s.done);
	rval_map_set_int(ctx, "open", s.total - s.done);
	rval_map_set_int(ctx, "percent", pct);
	rval_map_set_int(ctx, "overdue_count", (int64_t)no);
	rval_map_set_int(ctx, "due_soon_count", (int64_t)ns);
	rval_map_set_int(ctx, "due_days", DIGEST_DUE_DAYS);
	rval_map_set_bool(ctx, "has_overdue", no > 0);
	rval_map_set_bool(ctx, "has_due_soon", ns > 0);
	rval_map_set_bool(ctx, "has_problems", l.n > 0);
	unreachable_rows(ctx, cfg, &l, &s);
	calendar_years(ctx, in->cal, &l, today);
	free(over);
	free(soon);
	buf_clear(&b);
	measure_list_clear(&l);
	return 0;
}

static const char *
state_colour(enum duty_state s)
{
	switch (s) {
	case DUTY_MET:
		return "#2e7d32";
	case DUTY_OPEN:
		return "#555555";
	case DUTY_WARN:
		return "#b26a00";
	default:
		return "#c62828";
	}
}

static void
period_name(const char *label, char *out, size_t n)
{
	struct cal_period	 p;

	if (cal_period_parse(label, &p) == 0)
		cal_period_name(&p, out, n);
	else
		snprintf(out, n, "%s", label);
}

static void
duty_part(const struct digest_in *in, int32_t today, struct rval *ctx)
{
	const struct cfg	*cfg = in->cfg;
	const struct cfg_duty	*d;
	const struct duty_cell	*c;
	const struct duty_tally	*r;
	struct cal_period	 cur, prev;
	struct rval		*list, *v;
	char			 name[32];
	size_t			 i, j;
	int			 met = 0, nshort = 0, ncells = 0;

	list = rval_map_set_list(ctx, "duties");
	for (i = 0; in->cells != NULL && i < in->cells->n; i++) {
		c = &in->cells->v[i];
		if (!digest_in_scope(in, c->person))
			continue;
		ncells++;
		v = rval_list_add_map(list);
		rval_map_set_str(v, "title", cfg->duties[c->duty].title);
		period_name(c->period, name, sizeof(name));
		rval_map_set_str(v, "period_name", name);
		rval_map_set_str(v, "owner", person_name(cfg, c->person));
		rval_map_set_str(v, "target", c->target);
		rval_map_set_int(v, "done", c->done);
		rval_map_set_int(v, "required", c->required);
		rval_map_set_str(v, "state", duty_state_label(c->state));
		rval_map_set_str(v, "colour", state_colour(c->state));
		rval_map_set_bool(v, "met", c->state == DUTY_MET);
		rval_map_set_int(v, "days_left", c->days_left);
		met += c->state == DUTY_MET;
	}
	rval_map_set_bool(ctx, "has_duties", ncells > 0);
	rval_map_set_int(ctx, "duty_total", ncells);
	rval_map_set_int(ctx, "duty_met", met);
	/* The last closed period of each duty: its shortfalls. */
	list = rval_map_set_list(ctx, "shortfalls");
	for (i = 0; i < cfg->nduties && in->closed != NULL; i++) {
		d = &cfg->duties[i];
		cal_period_of(d->period, today, &cur);
		cal_period_prev(&cur, &prev);
		for (j = 0; j < in->closed->n; j++) {
			r = &in->closed->v[j];
			if (r->start != prev.start || r->done >= r->required ||
			    strcmp(r->duty, d->id) != 0 ||
			    !digest_in_scope(in, r->person))
				continue;
			v = rval_list_add_map(list);
			rval_map_set_str(v, "title", r->title ? r->title :
			    d->title);
			period_name(r->period, name, sizeof(name));
			rval_map_set_str(v, "period_name", name);
			rval_map_set_str(v, "owner", person_name(cfg, r->person));
			rval_map_set_str(v, "target", r->target);
			rval_map_set_int(v, "done", r->done);
			rval_map_set_int(v, "required", r->required);
			nshort++;
		}
	}
	rval_map_set_bool(ctx, "has_shortfalls", nshort > 0);
	rval_map_set_int(ctx, "shortfall_count", nshort);
}

/* What became of a message: its state and who handles it. */
static void
feedback_handling(struct rval *v, const struct cfg *cfg,
    const struct feedback *f)
{
	static const char *const label[] = { "未交办", "已交办", "已答复",
		"已办结" };

	rval_map_set_str(v, "status", (size_t)f->status <
	    sizeof(label) / sizeof(label[0]) ? label[f->status] :
	    feedback_status_name(f->status));
	rval_map_set_str(v, "assignee", f->assignee ? person_name(cfg,
	    f->assignee) : "");
	rval_map_set_bool(v, "assigned", f->assignee != NULL);
}

static int
feedback_part(struct store *st, const struct digest_in *in, int32_t today,
    struct rval *ctx, struct derr *err)
{
	struct feedback_filter	 fnew = { -1, in->since, DAY_NONE, 0,
	    true };
	struct feedback_filter	 fover = { -1, 0, today, 0, false };
	struct feedback_list	 l = { 0 };
	struct rval		*list, *v;
	char			 t[32], d[11], *ex;
	size_t			 i;

	if (store_feedback_list(st, &fnew, &l, err) < 0)
		return -1;
	scope_feedback(in, &l);
	list = rval_map_set_list(ctx, "feedback_new");
	for (i = 0; i < l.n && i < list_max(in); i++) {
		const struct feedback *f = &l.v[i];

		v = rval_list_add_map(list);
		rval_map_set_int(v, "id", f->id);
		rval_map_set_str(v, "sender", f->sender);
		fmt_local(in->cal, f->date ? f->date : f->received_at, t,
		    sizeof(t));
		rval_map_set_str(v, "date", t);
		/* A date the mail did not give (or gave without a zone), as
		 * feedback list marks it. */
		rval_map_set_bool(v, "date_flagged", f->date_flagged);
		rval_map_set_str(v, "subject", *f->subject ? f->subject :
		    "（无主题）");
		ex = str_excerpt(f->excerpt, DIGEST_EXCERPT);
		rval_map_set_str(v, "excerpt", ex);
		free(ex);
		rval_map_set_str(v, "source", strcmp(f->source, "phone") == 0 ?
		    "电话" : strcmp(f->source, "imap") == 0 ? "邮件" : "登记");
		rval_map_set_bool(v, "has_attachments", f->attachments &&
		    *f->attachments);
		feedback_handling(v, in->cfg, f);
	}
	rval_map_set_int(ctx, "feedback_new_count", (int64_t)l.n);
	rval_map_set_bool(ctx, "has_feedback_new", l.n > 0);
	more(ctx, "feedback_new_more", l.n, list_max(in));
	feedback_list_clear(&l);
	if (store_feedback_list(st, &fover, &l, err) < 0)
		return -1;
	scope_feedback(in, &l);
	list = rval_map_set_list(ctx, "feedback_overdue");
	for (i = 0; i < l.n && i < DIGEST_LIST_MAX; i++) {
		const struct feedback *f = &l.v[i];

		v = rval_list_add_map(list);
		rval_map_set_int(v, "id", f->id);
		rval_map_set_str(v, "subject", *f->subject ? f->subject :
		    "（无主题）");
		rval_map_set_str(v, "assignee", f->assignee ?
		    person_name(in->cfg, f->assignee) : "未分派");
		rval_map_set_str(v, "deadline", day_format(f->answer_deadline,
		    d));
		rval_map_set_int(v, "days_overdue", today - f->answer_deadline);
	}
	rval_map_set_int(ctx, "feedback_overdue_count", (int64_t)l.n);
	rval_map_set_bool(ctx, "has_feedback_overdue", l.n > 0);
	feedback_list_clear(&l);
	return 0;
}

/* Channels paused as a whole: the cause, for the leader to pass on. */
static int
paused_part(struct store *st, const struct digest_in *in, struct rval *ctx,
    struct derr *err)
{
	struct channel_pause_list	 l = { 0 };
	struct rval			*list, *v;
	char				 t[32];
	size_t				 i;

	if (store_channel_pause_list(st, &l, err) < 0)
		return -1;
	list = rval_map_set_list(ctx, "paused");
	for (i = 0; i < l.n; i++) {
		v = rval_list_add_map(list);
		rval_map_set_str(v, "channel", l.v[i].channel);
		rval_map_set_str(v, "state", l.v[i].stop ? "已停止发送" :
		    "已暂停");
		fmt_local(in->cal, l.v[i].since, t, sizeof(t));
		rval_map_set_str(v, "since", t);
		fmt_local(in->cal, l.v[i].until, t, sizeof(t));
		rval_map_set_str(v, "until", t);
		rval_map_set_str(v, "cause", l.v[i].cause);
		rval_map_set_str(v, "reply", l.v[i].reply);
	}
	rval_map_set_bool(ctx, "has_paused", l.n > 0);
	channel_pause_list_clear(&l);
	return 0;
}

/*
 * The last poll in the leader's words; the technical text stays in
 * dutyctl status.  "ok: 4 new, ..." -> 正常，新收4封.
 */
static const char *
mailbox_words(const struct mailbox_state *mb)
{
	static const struct {
		const char	*needle;
		const char	*words;
	} causes[] = {
		/* First: "LOGIN: timed out: ..." is a silent server. */
		{ ": timed out: ", "邮件服务器无响应" },
		{ "AUTHENTICATIONFAILED", "用户名、密码或授权码错误" },
		{ "LOGIN", "用户名、密码或授权码错误" },
		{ "login", "用户名、密码或授权码错误" },
		{ "password", "用户名、密码或授权码错误" },
		{ "certificate", "服务器证书校验失败" },
		{ "TLS", "加密连接失败" },
		{ "resolve", "找不到邮件服务器" },
		{ "connect", "无法连接邮件服务器" },
		{ "timed out", "邮件服务器无响应" },
		{ "timeout", "邮件服务器无响应" },
	};
	size_t	 i;

	if (mb->failures == 0)
		return strncmp(mb->last_result, "ok", 2) == 0 ? "收取正常" :
		    "尚未收取";
	for (i = 0; i < sizeof(causes) / sizeof(causes[0]); i++)
		if (strstr(mb->last_result, causes[i].needle) != NULL)
			return causes[i].words;
	return "收取失败（详情见 dutyctl status）";
}

/* Addresses a bounce said are failing (mailbox.c, "bounce:ADDRESS"). */
static int
bounce_part(struct store *st, const struct digest_in *in, struct rval *ctx,
    struct derr *err)
{
	struct strv	 names = { 0 }, values = { 0 };
	struct rval	*list, *v;
	char		*person, *id, *why;
	size_t		 i;
	int		 n = 0;

	if (store_state_list(st, "bounce:", &names, &values, err) < 0)
		return -1;
	list = rval_map_set_list(ctx, "bounced");
	for (i = 0; i < names.n; i++) {
		person = values.v[i];
		if ((id = strchr(person, '\t')) == NULL ||
		    (why = strchr(id + 1, '\t')) == NULL)
			continue;
		*id = '\0';
		if (!digest_in_scope(in, person) ||
		    !cfg_person_email_is(in->cfg, person,
		    names.v[i] + strlen("bounce:")))
			continue;
		v = rval_list_add_map(list);
		rval_map_set_str(v, "person", person_name(in->cfg, person));
		rval_map_set_str(v, "address", names.v[i] + strlen("bounce:"));
		rval_map_set_str(v, "why", why + 1);
		n++;
	}
	strv_clear(&names);
	strv_clear(&values);
	rval_map_set_bool(ctx, "has_bounced", n > 0);
	rval_map_set_int(ctx, "bounced_count", n);
	return 0;
}

static int
delivery_part(struct store *st, const struct digest_in *in, struct rval *ctx,
    struct derr *err)
{
	static const int	 which[] = { OUTBOX_FAILED, OUTBOX_DEAD };
	struct outbox_list	 l = { 0 };
	struct mailbox_state	 mb;
	struct rval		*list, *v;
	char			 t[32];
	size_t			 i, k;
	int			 n = 0, r;

	list = rval_map_set_list(ctx, "delivery");
	for (k = 0; k < 2; k++) {
		if (store_outbox_list(st, which[k], DIGEST_LIST_MAX, &l,
		    err) < 0)
			return -1;
		for (i = 0; i < l.n; i++) {
			const struct outbox_row *o = &l.v[i];

			/* Dead rows stay; show those of the last week. */
			if ((o->status == OUTBOX_DEAD && o->created_at <
			    in->since) || !digest_in_scope(in, o->person))
				continue;
			v = rval_list_add_map(list);
			rval_map_set_str(v, "person", person_name(in->cfg,
			    o->person));
			rval_map_set_str(v, "channel", o->channel);
			rval_map_set_str(v, "status", o->status == OUTBOX_DEAD ?
			    "已放弃" : "重试中");
			rval_map_set_int(v, "attempts", o->attempts);
			rval_map_set_str(v, "error", o->last_error ?
			    o->last_error : "");
			rval_map_set_int(v, "id", o->id);
			n++;
		}
		outbox_list_clear(&l);
	}
	rval_map_set_bool(ctx, "has_delivery", n > 0);
	rval_map_set_int(ctx, "delivery_count", n);
	if (bounce_part(st, in, ctx, err) < 0 ||
	    paused_part(st, in, ctx, err) < 0)
		return -1;
	rval_map_set_bool(ctx, "mailbox_enabled", in->cfg->mailbox.enabled);
	if (!in->cfg->mailbox.enabled)
		return 0;
	if ((r = store_mailbox_get(st, in->cfg->mailbox.url, &mb, err)) < 0)
		return -1;
	v = rval_map_set_map(ctx, "mailbox");
	if (r == 0 || mb.last_poll == 0)
		rval_map_set_str(v, "last_poll", "从未");
	else {
		fmt_local(in->cal, mb.last_poll, t, sizeof(t));
		rval_map_set_str(v, "last_poll", t);
	}
	rval_map_set_str(v, "last_result", mailbox_words(&mb));
	rval_map_set_int(v, "failures", mb.failures);
	rval_map_set_bool(v, "failing", mb.failures > 0);
	return 0;
}

static int
render_part(const struct cfg *cfg, const char *name, const struct rval *ctx,
    enum render_escape esc, char **out, struct derr *err)
{
	struct buf	 b;

	buf_init(&b, DIGEST_TEXT_MAX);
	if (render_file(cfg->general.templates, name, ctx, esc, &b, err) < 0) {
		buf_clear(&b);
		return -1;
	}
	*out = str_trim(buf_take(&b));
	return 0;
}

/*
 * A leader who is not a principal reads what they lead: `scoped` and the
 * names of the people in scope for the template.
 */
static void
scope_set(struct digest_in *in, const char *to, struct rval *ctx)
{
	const struct cfg_person	*p = cfg_person_get(in->cfg, to);
	struct buf		 b;
	size_t			 i;

	in->scope = NULL;
	rval_map_set_bool(ctx, "scoped", false);
	if (p == NULL || (p->roles & CFG_ROLE_PRINCIPAL) != 0)
		return;
	in->scope = p;
	buf_init(&b, 0);
	for (i = 0; i < in->cfg->npeople; i++)
		if (strv_has(&in->cfg->people[i].leaders, p->key))
			(void)buf_printf(&b, NULL, "%s%s", b.len ? "、" : "",
			    in->cfg->people[i].name);	/* unlimited buf */
	rval_map_set_bool(ctx, "scoped", true);
	rval_map_set_str(ctx, "scope_names", b.data ? b.data : p->name);
	buf_clear(&b);
}

/* Everything the digest says, for `to` (NULL: the whole office). */
static int
digest_context(struct store *st, const struct digest_in *in, const char *to,
    struct rval *ctx, struct derr *err)
{
	struct digest_in	 sin = *in;
	int32_t			 today, mon;
	int			 minute, y, w, y1, m1, dd1, y2, m2, dd2;
	char			 b[64], d1[11];

	if (to != NULL)
		scope_set(&sin, to, ctx);
	else
		sin.scope = NULL;
	in = &sin;
	cal_civil(in->cal, in->now, &today, &minute);
	mon = iso_week(today, &y, &w);
	rval_map_set_str(ctx, "office", in->cfg->general.office);
	rval_map_set_str(ctx, "name", person_name(in->cfg, to));
	rval_map_set_str(ctx, "today", day_format(today, d1));
	snprintf(b, sizeof(b), "%04d-W%02d", y, w);
	rval_map_set_str(ctx, "week", b);
	day_to_ymd(mon, &y1, &m1, &dd1);
	day_to_ymd(mon + 6, &y2, &m2, &dd2);
	snprintf(b, sizeof(b), "%d年第%d周（%d月%d日—%d月%d日）", y, w, m1, dd1,
	    m2, dd2);
	rval_map_set_str(ctx, "week_name", b);
	fmt_local(in->cal, in->since, b, sizeof(b));
	rval_map_set_str(ctx, "since", b);
	duty_part(in, today, ctx);
	if (ledger_part(st, in, today, ctx, err) < 0 ||
	    feedback_part(st, in, today, ctx, err) < 0 ||
	    digest_reply_part(st, in, ctx, err) < 0 ||
	    delivery_part(st, in, ctx, err) < 0)
		return -1;
	return 0;
}

int
digest_build(struct store *st, const struct digest_in *in, const char *to,
    struct digest_msg *msg, struct derr *err)
{
	struct rval	*ctx = rval_map_new();
	int		 r = -1;

	memset(msg, 0, sizeof(*msg));
	if (digest_context(st, in, to, ctx, err) == 0 &&
	    render_part(in->cfg, "digest.subject.txt", ctx, RENDER_NONE,
	    &msg->subject, err) == 0 &&
	    render_part(in->cfg, "digest.txt", ctx, RENDER_NONE, &msg->text,
	    err) == 0 &&
	    render_part(in->cfg, "digest.html", ctx, RENDER_HTML, &msg->html,
	    err) == 0)
		r = 0;
	rval_free(ctx);
	if (r < 0)
		digest_msg_clear(msg);
	return r;
}

/* Who got the full digest by email, by name, joined with 、. */
static void
recipients_value(struct rval *ctx, const struct cfg *cfg)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b, 0);
	for (i = 0; i < cfg->digest.to.n; i++)
		(void)buf_printf(&b, NULL, "%s%s", i ? "、" : "",
		    person_name(cfg, cfg->digest.to.v[i]));	/* unlimited */
	rval_map_set_str(ctx, "digest_to", b.data ? b.data : "");
	buf_clear(&b);
}

/* The summary's body: markdown, text (Feishu) or a webhook's JSON. */
static const char *
robot_template(const struct cfg_im *im)
{
	if (strcmp(im->type, "webhook") == 0)
		return "im-digest.json";
	if (strcmp(im->type, "feishu") == 0 || im->format == NULL ||
	    strcmp(im->format, "markdown") != 0)
		return "im-digest.txt";
	return "im-digest.md";
}

int
digest_robot_build(struct store *st, const struct digest_in *in,
    const struct cfg_im *im, struct digest_msg *msg, struct derr *err)
{
	struct rval		*ctx = rval_map_new();
	struct digest_in	 sin = *in;
	bool			 json = strcmp(im->type, "webhook") == 0;
	int			 r = -1;

	memset(msg, 0, sizeof(*msg));
	sin.list_max = DIGEST_ROBOT_LIST;
	rval_map_set_str(ctx, "robot", im->name);
	recipients_value(ctx, in->cfg);
	if (digest_context(st, &sin, NULL, ctx, err) == 0 &&
	    render_part(in->cfg, "im-digest.title.txt", ctx, RENDER_NONE,
	    &msg->subject, err) == 0 &&
	    render_part(in->cfg, robot_template(im), ctx, json ? RENDER_JSON :
	    RENDER_NONE, &msg->text, err) == 0)
		r = 0;
	rval_free(ctx);
	if (r < 0)
		digest_msg_clear(msg);
	return r;
}
