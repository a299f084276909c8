/*
 * outbox: delivering.  Drains the queue in rounds through the channels:
 * claim, send, classify the outcome (message / channel pause / stop),
 * back off, record through the store's journal.  Composing is
 * outbox_compose.c; an email row queued without its message (an older
 * dutyd) is built here by the same outbox_mail_build.
 */
#include "outbox.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outbox_int.h"

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
	struct mime_builder	*mb;		/* emails built when sent */
};

static void
round_clear(struct round *rd)
{
	size_t	 i;

	for (i = 0; i < rd->n; i++)
		free(rd->v[i].name);
	free(rd->v);
	free(rd->clock);
	mime_builder_free(rd->mb);
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

/*
 * The email to send for `r`: the one built when it was queued, or, for a
 * row queued without it, built now by the same function (the row read
 * back carries its reply token, so the token and Reply-To are there).
 */
static int
row_mail(const struct outbox_drain_opts *o, struct round *rd,
    const struct outbox_row *r, struct buf *b, struct derr *err)
{
	if (r->message != NULL || strcmp(r->channel, "email") != 0)
		return 0;
	if (rd->mb == NULL)
		rd->mb = mime_builder_new();
	if (outbox_mail_build(rd->mb, o->from_addr != NULL ? o->from_addr :
	    CFG_FROM_FALLBACK, o->from_name, o->reply_addr, r, o->utc_offset,
	    b, err) == -1) {
		derr_prefix(err, "email");
		return -1;
	}
	return 0;
}

static enum channel_outcome
send_row(struct channel *ch, const struct outbox_drain_opts *o,
    struct round *rd, const struct outbox_row *r, int64_t now,
    char *peer, struct derr *err)
{
	struct channel_msg	 m;
	struct buf		 b;
	enum channel_outcome	 oc;

	memset(&m, 0, sizeof(m));
	m.key = r->key;
	m.to_addr = r->recipient;
	m.subject = r->subject;
	m.text = r->body_text;
	m.date = r->created_at;
	m.now = now;
	m.raw = r->message;
	m.raw_len = r->message_len;
	peer[0] = '\0';
	if (ch == NULL)
		return derr_set(err, DERR_CONFIG, false, "no %s channel is "
		    "configured", r->channel), CHANNEL_TRANSIENT;
	memset(&ch->hold, 0, sizeof(ch->hold));
	buf_init(&b, OUTBOX_MAIL_MAX);
	if (row_mail(o, rd, r, &b, err) == -1) {
		buf_clear(&b);
		return CHANNEL_PERMANENT;
	}
	if (m.raw == NULL && b.data != NULL) {
		m.raw = b.data;
		m.raw_len = b.len;
	}
	oc = ch->send(ch->ctx, &m, peer, err);
	buf_clear(&b);
	return oc;
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
		oc = send_row(ch, o, rd, row, a->now, a->peer, &serr);
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
