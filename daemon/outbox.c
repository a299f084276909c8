#include "outbox.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mime.h"
#include "render.h"
#include "channels/sms.h"

#define OUTBOX_TEXT_MAX	(1024 * 1024)
#define OUTBOX_EXCERPT	120	/* characters of a complaint in a reminder */

static const char *
channel_name(unsigned ch)
{
	return ch == CFG_CH_SMS ? "sms" : ch == CFG_CH_IM ? "im" : "email";
}

/* Overdue first (most overdue first), then by deadline, then item id. */
static int
notif_cmp(const void *a, const void *b)
{
	const struct notif	*x = a, *y = b;

	if (x->person != y->person)
		return x->person < y->person ? -1 : 1;
	if (x->channel != y->channel)
		return x->channel < y->channel ? -1 : 1;
	if (x->what != y->what)
		return x->what < y->what ? -1 : 1;
	if (x->escalation != y->escalation)
		return x->escalation ? 1 : -1;
	if (x->deadline != y->deadline)
		return x->deadline < y->deadline ? -1 : 1;
	if (x->item_id != y->item_id)
		return x->item_id < y->item_id ? -1 : 1;
	if (x->duty != y->duty)
		return x->duty < y->duty ? -1 : 1;
	return strcmp(x->key, y->key);
}

static const char *const colour_labels[] = {
	[NOTIF_GREEN] = "green", [NOTIF_YELLOW] = "yellow", [NOTIF_RED] = "red"
};

/* 延期: extended, the first deadline and the latest reason. */
static void
extension_value(struct rval *v, const struct measure *m)
{
	char	 d[11];

	rval_map_set_bool(v, "extended", m->extensions > 0);
	if (m->extensions == 0)
		return;
	rval_map_set_str(v, "extended_from", day_format(m->extended_from, d));
	rval_map_set_str(v, "extension_reason", m->extension_reason ?
	    m->extension_reason : "");
}

/* Every owner of a measure, by name, joined with 、. */
static void
owners_value(struct rval *v, const struct cfg *cfg, const struct strv *keys)
{
	const struct cfg_person	*p;
	struct buf		 b;
	size_t			 i;

	buf_init(&b, 0);
	for (i = 0; i < keys->n; i++) {
		p = cfg_person_get(cfg, keys->v[i]);
		(void)buf_printf(&b, NULL, "%s%s", i ? "、" : "",
		    p ? p->name : keys->v[i]);	/* unlimited buf */
	}
	rval_map_set_str(v, "owner_names", b.data ? b.data : "");
	buf_clear(&b);
}

static void
item_fill(struct rval *v, const struct cfg *cfg, const struct notif *n,
    const struct measure *m, int32_t today)
{
	char		 d[11];

	rval_map_set_str(v, "code", m->code);
	rval_map_set_str(v, "problem_code", m->problem_code);
	rval_map_set_str(v, "problem_title", m->problem_title);
	rval_map_set_str(v, "text", m->text);
	rval_map_set_str(v, "deadline", day_format(m->deadline, d));
	rval_map_set_str(v, "kind", measure_kind_label(m->kind));
	rval_map_set_str(v, "colour", colour_labels[n->colour]);
	/* Working days for the stages; calendar days when none are left. */
	rval_map_set_bool(v, "overdue", m->deadline < today);
	rval_map_set_bool(v, "due_today", m->deadline == today);
	rval_map_set_int(v, "days_left", n->days > 0 ? n->days : 0);
	rval_map_set_int(v, "days_left_cal", m->deadline > today ?
	    m->deadline - today : 0);
	rval_map_set_int(v, "days_overdue", m->deadline < today ?
	    today - m->deadline : 0);
	rval_map_set_int(v, "workdays_overdue", n->days < 0 ? -n->days : 0);
	rval_map_set_str(v, "owner_name", cfg->people[n->owner].name);
	owners_value(v, cfg, &m->owners);
	/* Why an escalation reached this person: a leader of the owner, or
	 * a principal once it is long overdue. */
	rval_map_set_bool(v, "via_leader", strv_has(
	    &cfg->people[n->owner].leaders, cfg->people[n->person].key));
	rval_map_set_int(v, "escalate_principal",
	    cfg->reminders.escalate_principal);
	extension_value(v, m);
}

/* An unmet duty quota (warning) or a closed period's shortfall. */
static void
duty_fill(struct rval *v, const struct cfg *cfg, const struct notif *n)
{
	const struct cfg_duty	*d = &cfg->duties[n->duty];
	struct cal_period	 p;
	char			 b[11], name[32];

	rval_map_set_str(v, "id", d->id);
	rval_map_set_str(v, "title", d->title);
	rval_map_set_str(v, "target", n->target >= 0 ?
	    d->targets.v[n->target] : "");
	rval_map_set_str(v, "period", n->period);
	if (cal_period_parse(n->period, &p) == 0) {
		cal_period_name(&p, name, sizeof(name));
		rval_map_set_str(v, "period_name", name);
	}
	rval_map_set_str(v, "period_start", day_format(n->period_start, b));
	rval_map_set_str(v, "period_end", day_format(n->deadline, b));
	rval_map_set_int(v, "done", n->done);
	rval_map_set_int(v, "required", n->required);
	rval_map_set_int(v, "missing", n->required - n->done);
	rval_map_set_int(v, "days_left", n->days > 0 ? n->days : 0);
	rval_map_set_bool(v, "last_day", n->days <= 0);
	rval_map_set_str(v, "colour", colour_labels[n->colour]);
	rval_map_set_str(v, "owner_name", cfg->people[n->owner].name);
}

static void
duty_value(struct rval *list, const struct cfg *cfg, const struct notif *n)
{
	duty_fill(rval_list_add_map(list), cfg, n);
}

/* Assigned feedback awaiting its answer. */
static int
feedback_value(struct store *st, struct rval *list, const struct cfg *cfg,
    const struct notif *n, int32_t today, struct derr *err)
{
	struct feedback	 f;
	struct rval	*v;
	char		 d[11], *ex;
	int		 r;

	if ((r = store_feedback_get(st, n->item_id, &f, err)) <= 0)
		return r < 0 ? -1 : derr_set(err, DERR_BUG, false,
		    "feedback %lld vanished", (long long)n->item_id);
	v = rval_list_add_map(list);
	rval_map_set_int(v, "id", f.id);
	rval_map_set_str(v, "sender", f.sender);
	rval_map_set_str(v, "subject", *f.subject ? f.subject : "（无主题）");
	ex = str_excerpt(f.excerpt, OUTBOX_EXCERPT);
	rval_map_set_str(v, "excerpt", ex);
	free(ex);
	rval_map_set_str(v, "deadline", day_format(f.answer_deadline, d));
	rval_map_set_bool(v, "overdue", f.answer_deadline < today);
	rval_map_set_bool(v, "due_today", f.answer_deadline == today);
	rval_map_set_int(v, "days_left", n->days > 0 ? n->days : 0);
	rval_map_set_int(v, "days_overdue", f.answer_deadline < today ?
	    today - f.answer_deadline : 0);
	rval_map_set_str(v, "owner_name", cfg->people[n->owner].name);
	feedback_clear(&f);
	return 0;
}

static void
item_value(struct rval *list, const struct cfg *cfg, const struct notif *n,
    const struct measure *m, int32_t today)
{
	item_fill(rval_list_add_map(list), cfg, n, m, today);
}

struct group {
	const struct notif	*v;	/* a run of notifs: same person, channel */
	size_t			 n;
	size_t			 nnew;
	bool			*fresh;	/* not planned before */
	/* SMS: an approved template names what it carries, so items and
	 * shortfalls go in rows of their own (this row's kind). */
	enum notif_what		 sms_what;
};

static int
group_context(struct store *st, const struct cfg *cfg, const struct cal *cal,
    const struct group *g, int64_t now, struct rval *ctx, struct derr *err)
{
	struct rval	*own, *esc, *duties, *shorts, *fown, *fesc, *oshort;
	struct measure	 m;
	size_t		 i;
	int		 nown = 0, nesc = 0, nduty = 0, nshort = 0, nlate = 0, r;
	int		 noshort = 0;
	int		 nfown = 0, nfesc = 0;
	int32_t		 today;
	int		 minute;
	char		 d[11];

	cal_civil(cal, now, &today, &minute);
	rval_map_set_str(ctx, "office", cfg->general.office);
	rval_map_set_str(ctx, "name", cfg->people[g->v[0].person].name);
	rval_map_set_str(ctx, "today", day_format(today, d));
	own = rval_map_set_list(ctx, "items");
	esc = rval_map_set_list(ctx, "escalations");
	duties = rval_map_set_list(ctx, "duties");
	fown = rval_map_set_list(ctx, "feedback");
	fesc = rval_map_set_list(ctx, "feedback_escalations");
	shorts = rval_map_set_list(ctx, "shortfalls");
	/* A shortfall of the reader's own (a 书记 with nobody above him). */
	oshort = rval_map_set_list(ctx, "own_shortfalls");
	for (i = 0; i < g->n; i++) {
		if (!g->fresh[i])
			continue;
		if (g->v[i].what == NOTIF_FEEDBACK) {
			if (feedback_value(st, g->v[i].escalation ? fesc :
			    fown, cfg, &g->v[i], today, err) < 0)
				return -1;
			*(g->v[i].escalation ? &nfesc : &nfown) += 1;
			continue;
		}
		if (g->v[i].what == NOTIF_SHORTFALL &&
		    g->v[i].owner == g->v[i].person) {
			duty_value(oshort, cfg, &g->v[i]);
			noshort++;
			continue;
		}
		if (g->v[i].what != NOTIF_ITEM) {
			/* The first shortfall, for an SMS that names one. */
			if (g->v[i].what == NOTIF_SHORTFALL && nshort == 0)
				duty_fill(rval_map_set_map(ctx,
				    "first_shortfall"), cfg, &g->v[i]);
			duty_value(g->v[i].what == NOTIF_DUTY ? duties :
			    shorts, cfg, &g->v[i]);
			*(g->v[i].what == NOTIF_DUTY ? &nduty : &nshort) += 1;
			continue;
		}
		if ((r = store_measure_get_id(st, g->v[i].item_id, &m,
		    err)) <= 0)
			return r < 0 ? -1 : derr_set(err, DERR_BUG, false,
			    "measure %lld vanished", (long long)g->v[i].item_id);
		item_value(g->v[i].escalation ? esc : own, cfg, &g->v[i], &m,
		    today);
		/* The most urgent item, for messages that name only one. */
		if (nown + nesc == 0)
			item_fill(rval_map_set_map(ctx, "first"), cfg,
			    &g->v[i], &m, today);
		nlate += m.deadline < today;
		if (g->v[i].escalation)
			nesc++;
		else
			nown++;
		measure_clear(&m);
	}
	rval_map_set_int(ctx, "count", nown);
	rval_map_set_int(ctx, "escalation_count", nesc);
	rval_map_set_int(ctx, "overdue_count", nlate);
	rval_map_set_int(ctx, "total", nown + nesc);
	rval_map_set_bool(ctx, "has_items", nown > 0);
	rval_map_set_bool(ctx, "has_escalations", nesc > 0);
	rval_map_set_int(ctx, "feedback_count", nfown);
	rval_map_set_int(ctx, "feedback_escalation_count", nfesc);
	rval_map_set_bool(ctx, "has_feedback", nfown > 0);
	rval_map_set_bool(ctx, "has_feedback_escalations", nfesc > 0);
	rval_map_set_int(ctx, "duty_count", nduty);
	rval_map_set_int(ctx, "shortfall_count", nshort);
	rval_map_set_bool(ctx, "has_duties", nduty > 0);
	rval_map_set_bool(ctx, "has_shortfalls", nshort > 0);
	rval_map_set_int(ctx, "own_shortfall_count", noshort);
	rval_map_set_bool(ctx, "has_own_shortfalls", noshort > 0);
	return 0;
}

static int
render_part(const struct cfg *cfg, const char *name, const struct rval *ctx,
    enum render_escape esc, char **out, struct derr *err)
{
	struct buf	 b;

	buf_init(&b, OUTBOX_TEXT_MAX);
	if (render_file(cfg->general.templates, name, ctx, esc, &b, err) < 0) {
		buf_clear(&b);
		return -1;
	}
	*out = str_trim(buf_take(&b));
	return 0;
}

/* "remind:zhang:email:item:42:before:3" -> "remind.zhang.email.item.42..." */
static char *
message_id(const char *key, const char *from)
{
	const char	*at = from ? strchr(from, '@') : NULL;
	char		*id, *p;

	id = xasprintf("%s@%s", key, at ? at + 1 : "dutyd.invalid");
	for (p = id; *p != '@'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-'))
			*p = '.';
	return id;
}

static int
email_parts(const struct cfg *cfg, const struct rval *ctx,
    struct outbox_row *row, struct derr *err)
{
	if (render_part(cfg, "reminder.subject.txt", ctx, RENDER_NONE,
	    &row->subject, err) < 0 ||
	    render_part(cfg, "reminder.txt", ctx, RENDER_NONE,
	    &row->body_text, err) < 0 ||
	    render_part(cfg, "reminder.html", ctx, RENDER_HTML,
	    &row->body_html, err) < 0)
		return -1;
	return 0;
}

/*
 * An SMS row holds only what the provider's approved template takes: the
 * template code (subject) and the cleaned parameters as JSON (text). The
 * overdue template is used when anything in it is overdue.
 */
static int
sms_parts(const struct cfg *cfg, const struct group *g,
    const struct rval *ctx, struct outbox_row *row, struct derr *err)
{
	const char	*name, *code;
	char		*lines;
	bool		 late = false;
	size_t		 i;
	int		 r;

	for (i = 0; i < g->n; i++)
		late |= g->fresh[i] && (g->v[i].days < 0 ||
		    g->v[i].escalation);
	name = late ? "sms-overdue.txt" : "sms-reminder.txt";
	code = late ? cfg->sms.template_overdue : cfg->sms.template_reminder;
	if (g->sms_what == NOTIF_SHORTFALL) {
		name = "sms-shortfall.txt";
		code = cfg->sms.template_shortfall;
	}
	if (code == NULL)
		return derr_set(err, DERR_CONFIG, false, "sms.%s is not set",
		    g->sms_what == NOTIF_SHORTFALL ? "template_shortfall" :
		    late ? "template_overdue" : "template_reminder");
	if (render_part(cfg, name, ctx, RENDER_NONE, &lines, err) < 0)
		return -1;
	r = sms_params_build(lines, cfg->sms.param_max, &row->body_text, err);
	free(lines);
	if (r < 0) {
		derr_prefix(err, "%s", name);
		return -1;
	}
	row->subject = xstrdup(code);
	return 0;
}

/*
 * Build the email of `row` now, as it will go out: a mail queue keeps
 * the message itself, so every attempt sends the same bytes and sending
 * costs no more than the send.  A message that cannot be built is queued
 * without: the channel tries again when it sends, and the error lands on
 * the row (dutyctl outbox show).
 */
static void
email_message(const struct cfg *cfg, const struct cal *cal,
    struct outbox_row *row)
{
	struct mime_out	 m;
	struct buf	 b;
	struct derr	 err = { 0 };

	memset(&m, 0, sizeof(m));
	m.from_addr = cfg->smtp.from ? cfg->smtp.from : CFG_FROM_FALLBACK;
	m.from_name = cfg->smtp.from_name;
	m.to_addr = row->recipient;
	m.to_name = row->recipient_name;
	m.subject = row->subject;
	m.text = row->body_text;
	m.html = row->body_html;
	m.message_id = row->message_id;
	m.date = row->created_at;
	m.utc_offset = cal_utc_offset(cal, row->created_at);
	buf_init(&b, OUTBOX_TEXT_MAX * 4);
	if (mime_build(&m, &b, &err) == -1) {
		log_warn("outbox: %s: %s (built again when sent)", row->key,
		    err.msg);
		buf_clear(&b);
		return;
	}
	row->message_len = b.len;
	row->message = buf_take(&b);
}

static int
group_row(struct store *st, const struct cfg *cfg, const struct cal *cal,
    const struct group *g, int64_t now, struct outbox_row *row,
    struct derr *err)
{
	const struct cfg_person	*p = &cfg->people[g->v[0].person];
	struct rval		*ctx = rval_map_new();
	size_t			 i;
	int			 r = -1;

	for (i = 0; i < g->n && !g->fresh[i]; i++)
		;
	row->key = xasprintf("remind:%s:%s:%s", p->key,
	    channel_name(g->v[0].channel), g->v[i].key);
	row->kind = xstrdup("reminder");
	row->channel = xstrdup(channel_name(g->v[0].channel));
	row->person = xstrdup(p->key);
	row->recipient = xstrdup(g->v[0].channel == CFG_CH_SMS ? p->phone :
	    p->email);
	row->recipient_name = xstrdup(p->name);
	row->message_id = message_id(row->key, cfg->smtp.from);
	row->created_at = now;
	row->next_attempt_at = now;
	if (group_context(st, cfg, cal, g, now, ctx, err) == 0)
		r = g->v[0].channel == CFG_CH_SMS ? sms_parts(cfg, g, ctx, row,
		    err) : email_parts(cfg, ctx, row, err);
	rval_free(ctx);
	if (r == 0 && g->v[0].channel == CFG_CH_EMAIL)
		email_message(cfg, cal, row);
	return r;
}

/* Mark which stages of the group are new; returns how many. */
static int
group_fresh(struct store *st, struct group *g, const struct cfg *cfg,
    struct derr *err)
{
	size_t	 i;
	int	 r;

	g->nnew = 0;
	for (i = 0; i < g->n; i++) {
		/* An SMS template names measures or a shortfall: duty
		 * warnings and feedback reach the person by email. */
		if (g->v[i].channel == CFG_CH_SMS &&
		    g->v[i].what != g->sms_what) {
			g->fresh[i] = false;
			continue;
		}
		r = store_notif_exists(st, g->v[i].key,
		    cfg->people[g->v[i].person].key,
		    channel_name(g->v[i].channel), err);
		if (r < 0)
			return -1;
		g->fresh[i] = r == 0;
		g->nnew += r == 0;
	}
	return (int)g->nnew;
}

/* Queue one row for the fresh stages of `g`, and note the stages. */
static int
enqueue_row(struct store *st, const struct cfg *cfg, const struct cal *cal,
    const struct group *g, int64_t now, struct outbox_stats *stats,
    struct derr *err)
{
	struct outbox_row	 row = { 0 };
	int64_t			 id = 0;
	size_t			 i;
	int			 r;

	if (group_row(st, cfg, cal, g, now, &row, err) < 0 ||
	    (r = store_outbox_insert(st, &row, &id, err)) < 0) {
		outbox_row_clear(&row);
		return -1;
	}
	for (i = 0; r > 0 && i < g->n; i++)
		if (g->fresh[i] && store_notif_add(st, g->v[i].key,
		    row.person, row.channel, id, now, err) < 0) {
			outbox_row_clear(&row);
			return -1;
		}
	if (r > 0) {
		stats->enqueued++;
		stats->stages += (int)g->nnew;
	}
	outbox_row_clear(&row);
	return 0;
}

static bool
stage_late(const struct notif *n)
{
	return n->days < 0 || n->escalation;
}

/*
 * An SMS template speaks of one kind of item: the overdue template of
 * overdue (and escalated) items, the reminder template of items not yet
 * due.  So a person with both gets two messages, each naming its own
 * items and their count.
 */
static int
enqueue_sms(struct store *st, const struct cfg *cfg, const struct cal *cal,
    const struct group *g, int64_t now, struct outbox_stats *stats,
    struct derr *err)
{
	struct group	 sub = *g;
	bool		*fresh = xcalloc(g->n, sizeof(*fresh));
	size_t		 i;
	int		 late, r = 0;

	sub.fresh = fresh;
	for (late = 1; r == 0 && late >= 0; late--) {
		sub.nnew = 0;
		for (i = 0; i < g->n; i++) {
			fresh[i] = g->fresh[i] && stage_late(&g->v[i]) == late;
			sub.nnew += fresh[i];
		}
		if (sub.nnew > 0)
			r = enqueue_row(st, cfg, cal, &sub, now, stats, err);
	}
	free(fresh);
	return r;
}

static int
enqueue_group(struct store *st, const struct cfg *cfg, const struct cal *cal,
    struct group *g, int64_t now, struct outbox_stats *stats,
    struct derr *err)
{
	int	 r;

	if ((r = group_fresh(st, g, cfg, err)) <= 0)
		return r;
	if (g->v[0].channel == CFG_CH_SMS)
		return enqueue_sms(st, cfg, cal, g, now, stats, err);
	return enqueue_row(st, cfg, cal, g, now, stats, err);
}

/* ------------------------------------------------------------------ */
/* Group robots: one message per robot per run, each item listed once */

struct robot_item {
	int32_t		 deadline;
	int64_t		 item_id;
	size_t		 idx;
};

static int
robot_item_cmp(const void *a, const void *b)
{
	const struct robot_item	*x = a, *y = b;

	if (x->deadline != y->deadline)
		return x->deadline < y->deadline ? -1 : 1;
	if (x->item_id != y->item_id)
		return x->item_id < y->item_id ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The robot kind (cfg im.kinds) a stage belongs to. */
static const char *
robot_kind(const struct notif *n)
{
	if (n->what == NOTIF_DUTY || n->what == NOTIF_SHORTFALL)
		return "duty";
	return n->escalation ? "escalation" : "reminder";
}

/* Was the same duty stage (another owner's copy) listed before `i`? */
static bool
duty_seen(const struct notif_list *l, const bool *fresh, size_t i)
{
	const struct notif	*a = &l->v[i], *b;
	size_t			 j;

	for (j = 0; j < i; j++) {
		b = &l->v[j];
		if (fresh[j] && b->what == a->what && b->duty == a->duty &&
		    b->target == a->target && b->stage == a->stage &&
		    strcmp(b->period, a->period) == 0)
			return true;
	}
	return false;
}

/* Duty warnings and shortfalls for a robot that takes kind "duty". */
static void
robot_duties(const struct cfg *cfg, const struct notif_list *l,
    const bool *fresh, struct rval *ctx)
{
	struct rval	*duties, *shorts;
	size_t		 i;
	int		 nd = 0, ns = 0;

	duties = rval_map_set_list(ctx, "duties");
	shorts = rval_map_set_list(ctx, "shortfalls");
	for (i = 0; i < l->n; i++) {
		if (!fresh[i] || l->v[i].what == NOTIF_ITEM ||
		    l->v[i].what == NOTIF_FEEDBACK || duty_seen(l, fresh, i))
			continue;
		duty_value(l->v[i].what == NOTIF_DUTY ? duties : shorts, cfg,
		    &l->v[i]);
		*(l->v[i].what == NOTIF_DUTY ? &nd : &ns) += 1;
	}
	rval_map_set_bool(ctx, "has_duties", nd > 0);
	rval_map_set_bool(ctx, "has_shortfalls", ns > 0);
}

/* Mark the stages for this robot that it has not carried yet. */
static int
robot_fresh(struct store *st, const struct cfg *cfg, const struct cfg_im *im,
    const char *chan, const struct notif_list *l, bool *fresh,
    struct derr *err)
{
	const struct notif	*n;
	size_t			 i;
	int			 r, nnew = 0;

	for (i = 0; i < l->n; i++) {
		n = &l->v[i];
		fresh[i] = false;
		/* XXX feedback does not go to robots. */
		if (n->channel != CFG_CH_IM || n->what == NOTIF_FEEDBACK ||
		    !strv_has(&im->kinds, robot_kind(n)))
			continue;
		r = store_notif_exists(st, n->key, cfg->people[n->person].key,
		    chan, err);
		if (r < 0)
			return -1;
		fresh[i] = r == 0;
		nnew += r == 0;
	}
	return nnew;
}

static int
robot_context(struct store *st, const struct cfg *cfg, const struct cal *cal,
    const struct notif_list *l, const bool *fresh, int64_t now,
    struct rval *ctx, struct derr *err)
{
	struct robot_item	*it = xcalloc(l->n, sizeof(*it));
	struct rval		*items, *v;
	struct measure		 m;
	size_t			 i, n = 0;
	int32_t			 today;
	int			 minute, late = 0, count = 0, r = 0;
	char			 d[11];

	for (i = 0; i < l->n; i++)
		if (fresh[i] && l->v[i].what == NOTIF_ITEM)
			it[n++] = (struct robot_item){ l->v[i].deadline,
			    l->v[i].item_id, i };
	robot_duties(cfg, l, fresh, ctx);
	qsort(it, n, sizeof(*it), robot_item_cmp);
	cal_civil(cal, now, &today, &minute);
	rval_map_set_str(ctx, "office", cfg->general.office);
	rval_map_set_str(ctx, "today", day_format(today, d));
	items = rval_map_set_list(ctx, "items");
	for (i = 0; i < n && r == 0; i++) {
		if (i > 0 && it[i].item_id == it[i - 1].item_id)
			continue;
		if ((r = store_measure_get_id(st, it[i].item_id, &m, err)) <= 0) {
			r = r < 0 ? -1 : derr_set(err, DERR_BUG, false,
			    "measure %lld vanished", (long long)it[i].item_id);
			break;
		}
		v = rval_list_add_map(items);
		item_fill(v, cfg, &l->v[it[i].idx], &m, today);
		/* A JSON body template needs commas between items. */
		rval_map_set_str(v, "sep", count > 0 ? "," : "");
		late += m.deadline < today;
		count++;
		measure_clear(&m);
		r = 0;
	}
	rval_map_set_int(ctx, "count", count);
	rval_map_set_bool(ctx, "has_items", count > 0);
	rval_map_set_int(ctx, "overdue_count", late);
	free(it);
	return r;
}

static int
robot_parts(const struct cfg *cfg, const struct cfg_im *im,
    const struct rval *ctx, struct outbox_row *row, struct derr *err)
{
	bool	 md = im->format != NULL && strcmp(im->format, "markdown") == 0;

	if (strcmp(im->type, "webhook") == 0) {
		row->subject = xstrdup("");
		return render_part(cfg, im->body_template, ctx, RENDER_JSON,
		    &row->body_text, err);
	}
	if (strcmp(im->type, "feishu") == 0)
		md = false;
	if (render_part(cfg, "im-reminder.title.txt", ctx, RENDER_NONE,
	    &row->subject, err) < 0)
		return -1;
	return render_part(cfg, md ? "im-reminder.md" : "im-reminder.txt", ctx,
	    RENDER_NONE, &row->body_text, err);
}

static int
robot_row(struct store *st, const struct cfg *cfg, const struct cal *cal,
    const struct cfg_im *im, const struct notif_list *l, const bool *fresh,
    int64_t now, struct outbox_row *row, struct derr *err)
{
	struct rval	*ctx = rval_map_new();
	size_t		 i;
	int		 r = -1;

	for (i = 0; !fresh[i]; i++)
		;
	row->key = xasprintf("remind:im:%s:%s:%s", im->name,
	    cfg->people[l->v[i].person].key, l->v[i].key);
	row->kind = xstrdup("reminder");
	row->channel = xstrdup("im");
	row->person = xasprintf("im:%s", im->name);
	row->recipient = xstrdup(im->name);
	row->recipient_name = xstrdup(im->type);
	row->message_id = message_id(row->key, cfg->smtp.from);
	row->created_at = now;
	row->next_attempt_at = now;
	rval_map_set_str(ctx, "robot", im->name);
	if (robot_context(st, cfg, cal, l, fresh, now, ctx, err) == 0 &&
	    robot_parts(cfg, im, ctx, row, err) == 0)
		r = 0;
	rval_free(ctx);
	return r;
}

static int
enqueue_robot(struct store *st, const struct cfg *cfg, const struct cal *cal,
    const struct cfg_im *im, const struct notif_list *l, int64_t now,
    struct outbox_stats *stats, struct derr *err)
{
	struct outbox_row	 row = { 0 };
	char			*chan = xasprintf("im:%s", im->name);
	bool			*fresh = xcalloc(l->n, sizeof(*fresh));
	int64_t			 id = 0;
	size_t			 i;
	int			 r, nnew;

	if ((nnew = r = robot_fresh(st, cfg, im, chan, l, fresh, err)) <= 0)
		goto out;
	if (robot_row(st, cfg, cal, im, l, fresh, now, &row, err) < 0 ||
	    (r = store_outbox_insert(st, &row, &id, err)) < 0) {
		derr_prefix(err, "im %s", im->name);
		r = -1;
		goto out;
	}
	for (i = 0; r > 0 && i < l->n; i++)
		if (fresh[i] && store_notif_add(st, l->v[i].key,
		    cfg->people[l->v[i].person].key, chan, id, now, err) < 0) {
			r = -1;
			goto out;
		}
	if (r > 0) {
		stats->enqueued++;
		stats->stages += nnew;
	}
	r = 0;
out:
	outbox_row_clear(&row);
	free(fresh);
	free(chan);
	return r;
}

static int
enqueue_all(struct store *st, const struct cfg *cfg, const struct cal *cal,
    const struct notif_list *sorted, int64_t now, struct outbox_stats *stats,
    struct derr *err)
{
	struct group	 g;
	size_t		 i, j;
	int		 r = 0;

	g.fresh = xcalloc(sorted->n, sizeof(*g.fresh));
	for (i = 0; i < sorted->n && r == 0; i = j) {
		for (j = i; j < sorted->n &&
		    sorted->v[j].person == sorted->v[i].person &&
		    sorted->v[j].channel == sorted->v[i].channel; j++)
			;
		g.v = &sorted->v[i];
		g.n = j - i;
		/* Group robots take everyone's stages: see enqueue_robot. */
		if (sorted->v[i].channel == CFG_CH_IM)
			continue;
		g.sms_what = NOTIF_ITEM;
		r = enqueue_group(st, cfg, cal, &g, now, stats, err);
		if (r == 0 && sorted->v[i].channel == CFG_CH_SMS) {
			g.sms_what = NOTIF_SHORTFALL;
			r = enqueue_group(st, cfg, cal, &g, now, stats, err);
		}
	}
	free(g.fresh);
	for (i = 0; i < cfg->nim && r == 0; i++)
		r = enqueue_robot(st, cfg, cal, &cfg->im[i], sorted, now, stats,
		    err);
	return r;
}

int
outbox_enqueue(struct store *st, const struct cfg *cfg, const struct cal *cal,
    const struct notif_list *notifs, int64_t now, struct outbox_stats *stats,
    struct derr *err)
{
	struct notif_list	 sorted = { 0 };
	int			 r;

	if (notifs->n == 0)
		return 0;
	sorted.v = xreallocarray(NULL, notifs->n, sizeof(*sorted.v));
	memcpy(sorted.v, notifs->v, notifs->n * sizeof(*sorted.v));
	sorted.n = notifs->n;
	qsort(sorted.v, sorted.n, sizeof(*sorted.v), notif_cmp);
	if (store_begin(st, err) < 0) {
		notif_list_clear(&sorted);
		return -1;
	}
	r = enqueue_all(st, cfg, cal, &sorted, now, stats, err);
	notif_list_clear(&sorted);
	if (r < 0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, err);
}

int
outbox_enqueue_email(struct store *st, const struct cfg *cfg,
    const struct cal *cal, const char *kind, const char *key,
    const char *person,
    const char *subject, const char *text, const char *html, int64_t now,
    struct derr *err)
{
	const struct cfg_person	*p = cfg_person_get(cfg, person);
	struct outbox_row	 row = { 0 };
	int64_t			 id;
	int			 r;

	if (p == NULL || p->email == NULL || p->disabled)
		return derr_set(err, DERR_CONFIG, false, "%s: %s has no email "
		    "address or is disabled", key, person);
	row.key = (char *)(uintptr_t)key;
	row.kind = (char *)(uintptr_t)kind;
	row.channel = (char *)(uintptr_t)"email";
	row.person = p->key;
	row.recipient = p->email;
	row.recipient_name = p->name;
	row.subject = (char *)(uintptr_t)subject;
	row.body_text = (char *)(uintptr_t)text;
	row.body_html = (char *)(uintptr_t)html;
	row.message_id = message_id(key, cfg->smtp.from);
	row.created_at = now;
	row.next_attempt_at = now;
	email_message(cfg, cal, &row);
	r = store_outbox_insert(st, &row, &id, err);
	free(row.message_id);
	free(row.message);
	return r;
}

int64_t
outbox_backoff(const struct cfg_outbox *c, int64_t id, int attempts)
{
	int64_t		 d = c->retry_min;
	uint64_t	 h;
	int		 i;

	for (i = 1; i < attempts && d < c->retry_max; i++)
		d *= 2;
	if (d > c->retry_max)
		d = c->retry_max;
	/* Jitter of +-10%, derived from the row so it needs no rand(). */
	h = (uint64_t)id * 0x9e3779b97f4a7c15ULL + (uint64_t)attempts;
	h ^= h >> 29;
	d += (int64_t)(h % (uint64_t)(d / 5 + 1)) - d / 10;
	return d < 1 ? 1 : d;
}

struct attempt {
	const struct cfg_outbox	*cfg;
	struct outbox_row	*row;
	int64_t			 now;
	struct outbox_result	 res;
	char			 peer[128];
	char			 errmsg[256];
};

/*
 * A channel as this round sees it: paused until when, and how many of
 * its messages went out in the last minute (its rate).
 */
struct round_ch {
	struct channel	*ch;
	char		*name;		/* the rows' channel: "email", "im:x" */
	int64_t		 paused_until;	/* 0: not paused */
	bool		 was_paused;	/* a pause to clear once one goes */
	bool		 rate_told;
	int		 in_window;	/* sent in the last minute */
};

/* daemon_state: "CHANNEL\tERROR" of the last refusal that blamed our
 * clock, "" once that channel sends again (dutyctl status shows it). */
#define OUTBOX_CLOCK_STATE	"clock_suspect"

struct round {
	struct channel_pause_list pauses;	/* as the round began */
	char			*clock;		/* OUTBOX_CLOCK_STATE's channel,
						 * NULL: none */
	struct round_ch		*v;
	size_t			 n;
};

static void
round_clear(struct round *rd)
{
	size_t	 i;

	for (i = 0; i < rd->n; i++)
		free(rd->v[i].name);
	free(rd->v);
	free(rd->clock);
	channel_pause_list_clear(&rd->pauses);
}

static int
round_load(struct store *s, struct round *rd, struct derr *err)
{
	char	*v = NULL, *tab;
	int	 r;

	if (store_channel_pause_list(s, &rd->pauses, err) < 0 ||
	    (r = store_state_get(s, OUTBOX_CLOCK_STATE, &v, err)) < 0)
		return -1;
	if (r > 0 && (tab = strchr(v, '\t')) != NULL) {
		*tab = '\0';
		rd->clock = v;
	} else
		free(v);
	return 0;
}

/* A refusal blamed our timestamp (`on`), or `name` sent again (!on). */
static int
clock_note(struct store *s, struct round *rd, const char *name, bool on,
    const char *why, int64_t now, struct derr *err)
{
	char	*v;
	int	 r;

	if (!on && (rd->clock == NULL || strcmp(rd->clock, name) != 0))
		return 0;
	v = on ? xasprintf("%s\t%s", name, why) : xstrdup("");
	r = store_state_set(s, OUTBOX_CLOCK_STATE, v, now, err);
	free(v);
	free(rd->clock);
	rd->clock = on ? xstrdup(name) : NULL;
	if (r == 0 && on)
		log_warn("outbox: %s refused our timestamp: this machine's "
		    "clock looks wrong (check timedatectl)", name);
	return r;
}

/* The round's view of `ch` (NULL for rows of no configured channel). */
static int
round_ch_get(struct store *s, struct round *rd, struct channel *ch,
    const char *name, int64_t now, struct round_ch **out, struct derr *err)
{
	struct round_ch	*c;
	int64_t		 oldest;
	size_t		 i;

	*out = NULL;
	for (i = 0; ch != NULL && i < rd->n; i++)
		if (rd->v[i].ch == ch && strcmp(rd->v[i].name, name) == 0) {
			*out = &rd->v[i];
			return 0;
		}
	if (ch == NULL)
		return 0;
	rd->v = xreallocarray(rd->v, rd->n + 1, sizeof(*rd->v));
	c = &rd->v[rd->n++];
	memset(c, 0, sizeof(*c));
	c->ch = ch;
	c->name = xstrdup(name);
	for (i = 0; i < rd->pauses.n; i++)
		if (strcmp(rd->pauses.v[i].channel, name) == 0) {
			c->was_paused = true;
			c->paused_until = rd->pauses.v[i].until;
		}
	if (ch->rate > 0 && store_outbox_sent_since(s, name, NULL, now - 59,
	    &c->in_window, &oldest, err) < 0)
		return -1;
	*out = c;
	return 0;
}

static void
classify(struct attempt *a, enum channel_outcome oc, const struct derr *err)
{
	const struct outbox_row	*r = a->row;
	int64_t			 first = r->first_attempt_at ?
	    r->first_attempt_at : a->now;
	bool			 expired = a->now - first >= a->cfg->give_up;

	memset(&a->res, 0, sizeof(a->res));
	a->res.provider_id = a->peer;
	a->res.next_attempt_at = a->now;
	if (oc == CHANNEL_SENT) {
		a->res.status = OUTBOX_SENT;
		return;
	}
	snprintf(a->errmsg, sizeof(a->errmsg), "%s", err->msg);
	a->res.error = a->errmsg;
	a->res.maybe_dup = oc == CHANNEL_UNKNOWN;
	if (oc == CHANNEL_PERMANENT || expired) {
		a->res.status = OUTBOX_DEAD;
		return;
	}
	a->res.status = OUTBOX_FAILED;
	a->res.next_attempt_at = a->now + outbox_backoff(a->cfg, r->id,
	    r->attempts + 1);
}

/* Not attempted: back in the queue at `until`, attempts unchanged. */
static void
hold(struct attempt *a, int64_t until)
{
	memset(&a->res, 0, sizeof(a->res));
	a->res.status = OUTBOX_PENDING;
	a->res.next_attempt_at = until;
}

static void
log_attempt(const struct attempt *a, enum channel_outcome oc)
{
	static const char *const what[] = {
		[CHANNEL_SENT] = "sent", [CHANNEL_TRANSIENT] = "failed "
		"(transient)", [CHANNEL_PERMANENT] = "failed (permanent)",
		[CHANNEL_UNKNOWN] = "reply lost (may be delivered)",
		[CHANNEL_PAUSED] = "held",
	};
	char	 to[128];

	addr_mask(a->row->recipient, to, sizeof(to));
	if (oc == CHANNEL_SENT)
		log_info("outbox: sent id=%lld key=%s channel=%s to=%s "
		    "attempt=%d%s", (long long)a->row->id, a->row->key,
		    a->row->channel, to, a->row->attempts + 1,
		    a->row->maybe_dup ? " maybe_dup=1" : "");
	else if (a->res.status == OUTBOX_PENDING)
		log_debug("outbox: held (channel paused or at its rate) "
		    "id=%lld channel=%s until=%lld", (long long)a->row->id,
		    a->row->channel, (long long)a->res.next_attempt_at);
	else if (a->res.status == OUTBOX_DEAD)
		log_err("outbox: %s: %s id=%lld key=%s channel=%s to=%s "
		    "attempt=%d: gave up", what[oc], a->errmsg,
		    (long long)a->row->id, a->row->key, a->row->channel, to,
		    a->row->attempts + 1);
	else
		log_warn("outbox: %s: %s id=%lld key=%s channel=%s to=%s "
		    "attempt=%d retry_in=%llds", what[oc], a->errmsg,
		    (long long)a->row->id, a->row->key, a->row->channel, to,
		    a->row->attempts + 1,
		    (long long)(a->res.next_attempt_at - a->now));
}

/*
 * When a per-recipient limit of `ch` forbids sending row `r` now: 0 if
 * none does, else the time a slot frees (with `why` filled), or -1.
 */
static int64_t
limit_until(struct store *s, const struct channel *ch,
    const struct outbox_row *r, int64_t now, char *why, size_t whylen,
    struct derr *err)
{
	const struct channel_limit	*l;
	int64_t				 oldest, until = 0;
	size_t				 i;
	int				 n;

	for (i = 0; ch != NULL && i < ch->nlimits; i++) {
		l = &ch->limits[i];
		if (l->window <= 0 || l->max <= 0)
			continue;
		if (store_outbox_sent_since(s, ch->name, r->recipient,
		    now - l->window + 1, &n, &oldest, err) < 0)
			return -1;
		if (n < l->max || oldest + l->window <= until)
			continue;
		until = oldest + l->window;
		snprintf(why, whylen, "rate limit: at most %d %s message(s) "
		    "to one recipient in %llds", l->max, ch->name,
		    (long long)l->window);
	}
	return until;
}

static enum channel_outcome
send_row(struct channel *ch, const struct outbox_row *r, int offset,
    int64_t now, char *peer, struct derr *err)
{
	struct channel_msg	 m;

	memset(&m, 0, sizeof(m));
	m.key = r->key;
	m.to_addr = r->recipient;
	m.to_name = r->recipient_name;
	m.subject = r->subject;
	m.text = r->body_text;
	m.html = r->body_html;
	m.message_id = r->message_id;
	m.date = r->created_at;
	m.utc_offset = offset;
	m.now = now;
	m.raw = r->message;
	m.raw_len = r->message_len;
	peer[0] = '\0';
	if (ch == NULL)
		return derr_set(err, DERR_CONFIG, false, "no %s channel is "
		    "configured", r->channel), CHANNEL_TRANSIENT;
	memset(&ch->hold, 0, sizeof(ch->hold));
	return ch->send(ch->ctx, &m, peer, err);
}

static void
stats_add(struct outbox_stats *st, const struct attempt *a,
    enum channel_outcome oc)
{
	if (a->res.status == OUTBOX_PENDING)
		st->held++;
	else if (oc == CHANNEL_SENT)
		st->sent++;
	else if (a->res.status == OUTBOX_DEAD)
		st->dead++;
	else if (oc == CHANNEL_UNKNOWN)
		st->unknown++;
	else
		st->failed++;
}

/* The claimed row after `i`, or due->n. */
static size_t
next_claimed(const bool *claimed, size_t n, size_t i)
{
	for (i++; i < n && !claimed[i]; i++)
		;
	return i;
}

/*
 * The channel refused as a whole (login, quota): pause it, hold the
 * message, and tell the admin once per cause.
 */
static int
pause_channel(struct store *s, struct round_ch *c, const struct derr *serr,
    int64_t now, struct derr *err)
{
	const struct channel_hold	*h = &c->ch->hold;
	struct channel_pause		 p;
	int				 r;

	memset(&p, 0, sizeof(p));
	p.channel = c->name;
	p.since = now;
	p.until = now + (h->pause > 0 ? h->pause : 60);
	p.stop = h->stop;
	p.cause = (char *)(uintptr_t)(h->cause[0] != '\0' ? h->cause :
	    "通道暂停");
	p.reply = (char *)(uintptr_t)serr->msg;
	if ((r = store_channel_pause_set(s, &p, err)) < 0)
		return -1;
	c->paused_until = p.until;
	c->was_paused = true;
	if (r > 0)
		log_err("outbox: channel %s %s: %s: %s retry_in=%llds",
		    c->name, h->stop ? "stopped until the admin acts" :
		    "paused", p.cause, serr->msg, (long long)(p.until - now));
	else
		log_warn("outbox: channel %s still paused: %s retry_in=%llds",
		    c->name, serr->msg, (long long)(p.until - now));
	return 0;
}

/* A message went out: the channel's pause, if any, is over. */
static int
resume_channel(struct store *s, struct round_ch *c, struct derr *err)
{
	c->in_window++;
	if (!c->was_paused)
		return 0;
	if (store_channel_pause_clear(s, c->name, err) < 0)
		return -1;
	c->was_paused = false;
	c->paused_until = 0;
	log_notice("outbox: channel %s resumed: a message went out", c->name);
	return 0;
}

/* Hold the row instead of sending it? The time it waits until, or 0. */
static int64_t
held_until(struct round_ch *c, int64_t now)
{
	if (c == NULL)
		return 0;
	if (c->paused_until > now)
		return c->paused_until;
	if (c->ch->rate <= 0 || c->in_window < c->ch->rate)
		return 0;
	if (!c->rate_told)
		log_info("outbox: channel %s sent its %d message(s) of this "
		    "minute (rate): the rest wait", c->name, c->ch->rate);
	c->rate_told = true;
	return now + 60;
}

/*
 * After the send: what the channel said beyond the outcome.  The pause
 * and clock notes are advice: a database error here is logged and the
 * attempt's result stands (the message may have gone out).
 */
static void
after_send(struct store *s, struct round *rd, struct attempt *a,
    struct round_ch *c, enum channel_outcome oc, const struct derr *serr)
{
	struct derr	 err = { 0 };
	int64_t		 nb;
	char		 who[160];
	int		 r = 0;

	if (c == NULL)
		return;
	/* Robots share the "im" rows: each is a provider of its own. */
	snprintf(who, sizeof(who), "%s%s%s", c->name, strcmp(c->name, "im") ==
	    0 ? ":" : "", strcmp(c->name, "im") == 0 ? a->row->recipient : "");
	if (oc == CHANNEL_SENT)
		r = clock_note(s, rd, who, false, NULL, a->now, &err) < 0 ?
		    -1 : resume_channel(s, c, &err);
	else if (c->ch->hold.clock)
		r = clock_note(s, rd, who, true, serr->msg, a->now, &err);
	if (oc == CHANNEL_PAUSED) {
		if (pause_channel(s, c, serr, a->now, &err) < 0) {
			r = -1;
			c->paused_until = a->now + (c->ch->hold.pause > 0 ?
			    c->ch->hold.pause : 60);
		}
		hold(a, c->paused_until);
	}
	nb = a->now + c->ch->hold.not_before;
	if (a->res.status == OUTBOX_FAILED && a->res.next_attempt_at < nb)
		a->res.next_attempt_at = nb;
	if (r < 0)
		log_warn("outbox: channel %s: state not recorded: %s", c->name,
		    err.msg);
}

/* The time now, never before `floor` (a clock stepped back). */
static int64_t
clock_now(const struct outbox_drain_opts *o, int64_t floor)
{
	int64_t	 t;

	if (o->clock == NULL)
		return floor;
	t = o->clock(o->clockctx);
	return t > floor ? t : floor;
}

/* Attempt row `row` (sent, or held back by a limit or a pause). */
static int
attempt_one(struct store *s, const struct cfg_outbox *cfg,
    const struct outbox_drain_opts *o, struct outbox_row *row, int64_t now,
    struct attempt *a, struct outbox_stats *st, struct round *rd,
    struct derr *err)
{
	enum channel_outcome	 oc;
	struct round_ch		*c;
	struct channel		*ch;
	struct derr		 serr;
	int64_t			 until;

	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->row = row;
	a->now = clock_now(o, now);
	derr_clear(&serr);
	ch = o->channel(o->chctx, row->channel);
	if (round_ch_get(s, rd, ch, row->channel, now, &c, err) < 0)
		return -1;
	if ((until = held_until(c, now)) > 0) {
		hold(a, until);
		log_attempt(a, CHANNEL_PAUSED);
		stats_add(st, a, CHANNEL_PAUSED);
		return 0;
	}
	until = limit_until(s, ch, row, now, serr.msg, sizeof(serr.msg), err);
	if (until < 0)
		return -1;
	if (until > 0)
		oc = CHANNEL_TRANSIENT;	/* not sent: wait for a slot */
	else {
		/* Signed now; the retry counts from the attempt's end. */
		oc = send_row(ch, row, o->utc_offset, a->now, a->peer, &serr);
		a->now = clock_now(o, a->now);
	}
	classify(a, oc, &serr);
	if (until > 0 && a->res.status == OUTBOX_FAILED)
		a->res.next_attempt_at = until;
	if (until == 0)
		after_send(s, rd, a, c, oc, &serr);
	log_attempt(a, oc);
	stats_add(st, a, oc);
	return 0;
}

int
outbox_drain(struct store *s, const struct cfg_outbox *cfg,
    const struct outbox_drain_opts *o, int64_t now, struct outbox_stats *st,
    struct derr *err)
{
	struct outbox_list	 due = { 0 };
	struct attempt		 a;
	struct round		 rd;
	int64_t			*ids = NULL;
	bool			*claimed = NULL;
	size_t			 i, j, next;
	int			 r = -1;

	memset(&rd, 0, sizeof(rd));
	if (store_outbox_due(s, now, cfg->batch, &due, err) < 0)
		return -1;
	if (due.n > 0 && round_load(s, &rd, err) < 0)
		goto out;
	ids = xcalloc(due.n + 1, sizeof(*ids));
	claimed = xcalloc(due.n + 1, sizeof(*claimed));
	for (i = 0; i < due.n; i++)
		ids[i] = due.v[i].id;
	/* One durable claim for the round (store.c: why that is enough). */
	if (due.n > 0 && store_outbox_claim(s, ids, due.n, o->boot_id,
	    claimed, now, err) < 0)
		goto out;
	/* Rows cancelled (dutyctl) since the due query are not claimed. */
	for (i = next_claimed(claimed, due.n, (size_t)-1); i < due.n;
	    i = next) {
		if (attempt_one(s, cfg, o, &due.v[i], now, &a, st, &rd,
		    err) < 0)
			goto out;
		next = next_claimed(claimed, due.n, i);
		if (o->stop != NULL && o->stop(o->stopctx))
			next = due.n;
		/* The result and the next row in flight share one commit. */
		if (store_outbox_finish(s, due.v[i].id, &a.res,
		    next < due.n ? due.v[next].id : 0, a.now, err) < 0)
			goto out;
	}
	r = (int)due.n;
out:
	for (j = 0; j < rd.n && !o->keep_open; j++)
		if (rd.v[j].ch->flush != NULL)
			rd.v[j].ch->flush(rd.v[j].ch->ctx);
	round_clear(&rd);
	free(ids);
	free(claimed);
	outbox_list_clear(&due);
	return r;
}
