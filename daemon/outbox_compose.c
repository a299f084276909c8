/*
 * outbox: composing.  Turns plan's notifications into outbox rows: one
 * message per person and channel, rendered from the templates (email with
 * its MIME built once, SMS as the template's parameters, one robot post per
 * run), queued idempotently by key.  Delivery is outbox_deliver.c.
 */
#include "outbox.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outbox_int.h"
#include "render.h"
#include "smsparam.h"

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
item_fill(struct rval *v, const struct cfg *cfg, const struct cal *cal,
    const struct notif *n, const struct measure *m, int32_t today)
{
	const char	*hol;
	char		 d[11];

	rval_map_set_str(v, "code", m->code);
	rval_map_set_str(v, "problem_code", m->problem_code);
	rval_map_set_str(v, "problem_title", m->problem_title);
	rval_map_set_str(v, "text", m->text);
	rval_map_set_str(v, "deadline", day_format(m->deadline, d));
	/* A deadline in a holiday (国庆节) falls before the days off. */
	hol = m->deadline != DAY_NONE ? cal_holiday_name(cal, m->deadline) :
	    NULL;
	rval_map_set_bool(v, "has_deadline_holiday", hol != NULL);
	rval_map_set_str(v, "deadline_holiday", hol != NULL ? hol : "");
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
item_value(struct rval *list, const struct cfg *cfg, const struct cal *cal,
    const struct notif *n, const struct measure *m, int32_t today)
{
	item_fill(rval_list_add_map(list), cfg, cal, n, m, today);
}

struct group {
	const struct notif	*v;	/* a run of notifs: same person, channel */
	size_t			 n;
	size_t			 nnew;
	bool			*fresh;	/* not planned before */
	/* SMS: an approved template names what it carries, so items, duty
	 * warnings and shortfalls go in rows of their own (this row's). */
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
			/* The first of each, for an SMS that names one. */
			if (g->v[i].what == NOTIF_SHORTFALL && nshort == 0)
				duty_fill(rval_map_set_map(ctx,
				    "first_shortfall"), cfg, &g->v[i]);
			if (g->v[i].what == NOTIF_DUTY && nduty == 0)
				duty_fill(rval_map_set_map(ctx,
				    "first_duty"), cfg, &g->v[i]);
			duty_value(g->v[i].what == NOTIF_DUTY ? duties :
			    shorts, cfg, &g->v[i]);
			*(g->v[i].what == NOTIF_DUTY ? &nduty : &nshort) += 1;
			continue;
		}
		if ((r = store_measure_get_id(st, g->v[i].item_id, &m,
		    err)) <= 0)
			return r < 0 ? -1 : derr_set(err, DERR_BUG, false,
			    "measure %lld vanished", (long long)g->v[i].item_id);
		item_value(g->v[i].escalation ? esc : own, cfg, cal, &g->v[i],
		    &m, today);
		/* The most urgent item, for messages that name only one. */
		if (nown + nesc == 0)
			item_fill(rval_map_set_map(ctx, "first"), cfg, cal,
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
	} else if (g->sms_what == NOTIF_DUTY) {
		name = "sms-duty.txt";
		code = cfg->sms.template_duty;
	}
	if (code == NULL)
		return derr_set(err, DERR_CONFIG, false, "sms.%s is not set",
		    g->sms_what == NOTIF_SHORTFALL ? "template_shortfall" :
		    g->sms_what == NOTIF_DUTY ? "template_duty" :
		    late ? "template_overdue" : "template_reminder");
	if (render_part(cfg, name, ctx, RENDER_NONE, &lines, err) < 0)
		return -1;
	r = smsparam_build(lines, cfg->sms.param_max, &row->body_text, err);
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
 * without: outbox_deliver.c tries again when it sends, and the error
 * lands on the row (dutyctl outbox show).
 */
static void
email_message(const struct cfg *cfg, const struct cal *cal,
    struct outbox_row *row)
{
	struct buf	 b;
	struct derr	 err = { 0 };

	buf_init(&b, OUTBOX_MAIL_MAX);
	if (outbox_mail_build(NULL, cfg->smtp.from ? cfg->smtp.from :
	    CFG_FROM_FALLBACK, cfg->smtp.from_name, cfg->replies.address, row,
	    cal_utc_offset(cal, row->created_at), &b, &err) == -1) {
		log_warn("outbox: %s: %s (built again when sent)", row->key,
		    err.msg);
		buf_clear(&b);
		return;
	}
	row->message_len = b.len;
	row->message = buf_take(&b);
}

int
outbox_mail_build(struct mime_builder *mb, const char *from_addr,
    const char *from_name, const char *reply_addr,
    const struct outbox_row *row, int utc_offset, struct buf *out,
    struct derr *err)
{
	struct mime_out	 m;

	memset(&m, 0, sizeof(m));
	m.from_addr = from_addr;
	m.from_name = from_name;
	m.to_addr = row->recipient;
	m.to_name = row->recipient_name;
	m.subject = row->subject;
	m.text = row->body_text;
	m.html = row->body_html;
	m.message_id = row->message_id;
	m.reply_to = row->reply_token ? reply_addr : NULL;
	m.token = row->reply_token;
	m.date = row->created_at;
	m.utc_offset = utc_offset;
	return mb != NULL ? mime_builder_build(mb, &m, out, err) :
	    mime_build(&m, out, err);
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
	rval_map_set_bool(ctx, "replies", cfg->replies.enabled);
	if (group_context(st, cfg, cal, g, now, ctx, err) == 0)
		r = g->v[0].channel == CFG_CH_SMS ? sms_parts(cfg, g, ctx, row,
		    err) : email_parts(cfg, ctx, row, err);
	rval_free(ctx);
	if (r == 0 && g->v[0].channel == CFG_CH_EMAIL && cfg->replies.enabled)
		r = outbox_reply_sign(&cfg->replies, g->v, g->n, row, err);
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
		/* An SMS template names measures, a duty's warning or a
		 * shortfall: feedback reaches the person by email. */
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
	if (r > 0 && outbox_reply_record(st, &row, g->v, g->n, err) < 0) {
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
		item_fill(v, cfg, cal, &l->v[it[i].idx], &m, today);
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
			g.sms_what = NOTIF_DUTY;
			r = enqueue_group(st, cfg, cal, &g, now, stats, err);
		}
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

int
outbox_enqueue_robot(struct store *st, const struct cfg *cfg,
    const struct cfg_im *im, const char *kind, const char *key,
    const char *title, const char *text, int64_t now, struct derr *err)
{
	struct outbox_row	 row = { 0 };
	int64_t			 id;
	int			 r;

	row.key = (char *)(uintptr_t)key;
	row.kind = (char *)(uintptr_t)kind;
	row.channel = (char *)(uintptr_t)"im";
	row.person = xasprintf("im:%s", im->name);
	row.recipient = im->name;
	row.recipient_name = im->type;
	row.subject = (char *)(uintptr_t)title;
	row.body_text = (char *)(uintptr_t)text;
	row.message_id = message_id(key, cfg->smtp.from);
	row.created_at = now;
	row.next_attempt_at = now;
	r = store_outbox_insert(st, &row, &id, err);
	if (r < 0)
		derr_prefix(err, "im %s", im->name);
	free(row.person);
	free(row.message_id);
	return r;
}

/* For outbox_reply.c: the Message-ID and the built message every row gets. */
char *
outbox_row_message_id(const char *key, const char *from)
{
	return message_id(key, from);
}

void
outbox_row_build(const struct cfg *cfg, const struct cal *cal,
    struct outbox_row *row)
{
	email_message(cfg, cal, row);
}
