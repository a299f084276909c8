#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "render.h"

#define OUTBOX_TEXT_MAX	(1024 * 1024)

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
	if (x->escalation != y->escalation)
		return x->escalation ? 1 : -1;
	if (x->deadline != y->deadline)
		return x->deadline < y->deadline ? -1 : 1;
	if (x->item_id != y->item_id)
		return x->item_id < y->item_id ? -1 : 1;
	return 0;
}

static const char *const colour_labels[] = {
	[NOTIF_GREEN] = "green", [NOTIF_YELLOW] = "yellow", [NOTIF_RED] = "red"
};

static void
item_value(struct rval *list, const struct cfg *cfg, const struct notif *n,
    const struct measure *m, int32_t today)
{
	struct rval	*v = rval_list_add_map(list);
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
}

struct group {
	const struct notif	*v;	/* a run of notifs: same person, channel */
	size_t			 n;
	size_t			 nnew;
	bool			*fresh;	/* not planned before */
};

static int
group_context(struct store *st, const struct cfg *cfg, const struct cal *cal,
    const struct group *g, int64_t now, struct rval *ctx, struct derr *err)
{
	struct rval	*own, *esc;
	struct measure	 m;
	size_t		 i;
	int		 nown = 0, nesc = 0, r;
	int32_t		 today;
	int		 minute;
	char		 d[11];

	cal_civil(cal, now, &today, &minute);
	rval_map_set_str(ctx, "office", cfg->general.office);
	rval_map_set_str(ctx, "name", cfg->people[g->v[0].person].name);
	rval_map_set_str(ctx, "today", day_format(today, d));
	own = rval_map_set_list(ctx, "items");
	esc = rval_map_set_list(ctx, "escalations");
	for (i = 0; i < g->n; i++) {
		if (!g->fresh[i])
			continue;
		if ((r = store_measure_get_id(st, g->v[i].item_id, &m,
		    err)) <= 0)
			return r < 0 ? -1 : derr_set(err, DERR_BUG, false,
			    "measure %lld vanished", (long long)g->v[i].item_id);
		item_value(g->v[i].escalation ? esc : own, cfg, &g->v[i], &m,
		    today);
		if (g->v[i].escalation)
			nesc++;
		else
			nown++;
		measure_clear(&m);
	}
	rval_map_set_int(ctx, "count", nown);
	rval_map_set_int(ctx, "escalation_count", nesc);
	rval_map_set_bool(ctx, "has_items", nown > 0);
	rval_map_set_bool(ctx, "has_escalations", nesc > 0);
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
	if (group_context(st, cfg, cal, g, now, ctx, err) == 0 &&
	    render_part(cfg, "reminder.subject.txt", ctx, RENDER_NONE,
	    &row->subject, err) == 0 &&
	    render_part(cfg, "reminder.txt", ctx, RENDER_NONE,
	    &row->body_text, err) == 0 &&
	    render_part(cfg, "reminder.html", ctx, RENDER_HTML,
	    &row->body_html, err) == 0)
		r = 0;
	rval_free(ctx);
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

static int
enqueue_group(struct store *st, const struct cfg *cfg, const struct cal *cal,
    struct group *g, int64_t now, struct outbox_stats *stats,
    struct derr *err)
{
	struct outbox_row	 row = { 0 };
	int64_t			 id = 0;
	size_t			 i;
	int			 r;

	if ((r = group_fresh(st, g, cfg, err)) <= 0)
		return r;
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
		if (sorted->v[i].channel != CFG_CH_EMAIL) {
			/* XXX SMS and IM channels arrive with issue 6. */
			continue;
		}
		r = enqueue_group(st, cfg, cal, &g, now, stats, err);
	}
	free(g.fresh);
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

static void
log_attempt(const struct attempt *a, enum channel_outcome oc)
{
	static const char *const what[] = {
		[CHANNEL_SENT] = "sent", [CHANNEL_TRANSIENT] = "failed "
		"(transient)", [CHANNEL_PERMANENT] = "failed (permanent)",
		[CHANNEL_UNKNOWN] = "reply lost (may be delivered)",
	};
	char	 to[128];

	addr_mask(a->row->recipient, to, sizeof(to));
	if (oc == CHANNEL_SENT)
		log_info("outbox: sent id=%lld key=%s channel=%s to=%s "
		    "attempt=%d%s", (long long)a->row->id, a->row->key,
		    a->row->channel, to, a->row->attempts + 1,
		    a->row->maybe_dup ? " maybe_dup=1" : "");
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

static enum channel_outcome
send_row(struct channel *ch, const struct outbox_row *r, int offset,
    char *peer, struct derr *err)
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
	peer[0] = '\0';
	if (ch == NULL)
		return derr_set(err, DERR_CONFIG, false, "no %s channel is "
		    "configured", r->channel), CHANNEL_TRANSIENT;
	return ch->send(ch->ctx, &m, peer, err);
}

static void
stats_add(struct outbox_stats *st, const struct attempt *a,
    enum channel_outcome oc)
{
	if (oc == CHANNEL_SENT)
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

static void
attempt_one(const struct cfg_outbox *cfg, const struct outbox_drain_opts *o,
    struct outbox_row *row, int64_t now, struct attempt *a,
    struct outbox_stats *st, struct channel **ch)
{
	enum channel_outcome	 oc;
	struct derr		 serr;

	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->row = row;
	a->now = now;
	derr_clear(&serr);
	*ch = o->channel(o->chctx, row->channel);
	oc = send_row(*ch, row, o->utc_offset, a->peer, &serr);
	classify(a, oc, &serr);
	log_attempt(a, oc);
	stats_add(st, a, oc);
}

int
outbox_drain(struct store *s, const struct cfg_outbox *cfg,
    const struct outbox_drain_opts *o, int64_t now, struct outbox_stats *st,
    struct derr *err)
{
	struct outbox_list	 due = { 0 };
	struct attempt		 a;
	struct channel		*ch, *used[4] = { 0 };
	int64_t			*ids = NULL;
	bool			*claimed = NULL;
	size_t			 i, j, next, nused = 0;
	int			 r = -1;

	if (store_outbox_due(s, now, cfg->batch, &due, err) < 0)
		return -1;
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
		attempt_one(cfg, o, &due.v[i], now, &a, st, &ch);
		for (j = 0; j < nused && used[j] != ch; j++)
			;
		if (j == nused && ch != NULL && nused < 4)
			used[nused++] = ch;
		next = next_claimed(claimed, due.n, i);
		if (o->stop != NULL && o->stop(o->stopctx))
			next = due.n;
		/* The result and the next row in flight share one commit. */
		if (store_outbox_finish(s, due.v[i].id, &a.res,
		    next < due.n ? due.v[next].id : 0, now, err) < 0)
			goto out;
	}
	r = (int)due.n;
out:
	for (j = 0; j < nused; j++)
		if (used[j]->flush != NULL)
			used[j]->flush(used[j]->ctx);
	free(ids);
	free(claimed);
	outbox_list_clear(&due);
	return r;
}
