#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "digest.h"
#include "engine_int.h"
#include "gather.h"
#include "channels/im.h"
#include "channels/maildir.h"
#include "channels/sms.h"
#include "channels/smtp.h"
#include "log.h"
#include "mailbox.h"
#include "net.h"
#include "outbox.h"
#include "plan.h"
#include "store.h"

struct engine {
	struct cfg		*cfg;
	struct cal		*cal;
	struct store		*store;
	struct channel		*email;
	struct channel		*sms;		/* NULL: SMS off or dry run */
	struct channel		*im;		/* NULL: no robots or dry run */
	struct engine_opts	 opts;
	bool			 recovered;
	bool			 ticked;	/* a tick ran in this process */
	bool			 wake;		/* end channel stops (start,
						 * reload: the admin may have
						 * fixed the account) */
	bool			 poll_failed;	/* the last mailbox poll */
	char			*imap_pw;	/* mailbox password, or NULL */
};

/* The mailbox password, read at start and on reload; NULL if unused. */
static int
mailbox_secret(const struct cfg *cfg, char **pw, struct derr *err)
{
	*pw = NULL;
	if (!cfg->mailbox.enabled || cfg->mailbox.password_file == NULL)
		return 0;
	if (secret_file_read(cfg->mailbox.password_file, pw, err) < 0) {
		derr_prefix(err, "mailbox.password_file");
		return -1;
	}
	return 0;
}

static struct channel *
email_channel(const struct cfg *cfg, const char *dry_run, struct derr *err)
{
	struct channel	*ch;
	char		*pw = NULL;

	if (dry_run != NULL || !cfg->smtp.enabled)
		return maildir_channel_new(dry_run ? dry_run :
		    cfg->maildir.path, cfg->smtp.from ? cfg->smtp.from :
		    CFG_FROM_FALLBACK, cfg->smtp.from_name, err);
	if (cfg->smtp.password_file != NULL &&
	    secret_file_read(cfg->smtp.password_file, &pw, err) < 0)
		return NULL;
	ch = smtp_channel_new(&cfg->smtp, pw, &net_curl_ops, err);
	xfree_secret(pw);
	return ch;
}

static void
channel_flush(struct channel *ch)
{
	if (ch != NULL && ch->flush != NULL)
		ch->flush(ch->ctx);
}

static void
channel_free(struct channel *ch)
{
	if (ch != NULL)
		ch->free(ch->ctx);
}

/* The SMS channel; *ch stays NULL when SMS is off or in a dry run. */
static int
sms_channel(const struct cfg *cfg, const char *dry_run, struct channel **ch,
    struct derr *err)
{
	char	*secret = NULL;

	*ch = NULL;
	if (dry_run != NULL || !cfg->sms.enabled)
		return 0;
	if (secret_file_read(cfg->sms.secret_file, &secret, err) < 0)
		return -1;
	*ch = sms_channel_new(&cfg->sms, secret, &net_curl_ops, err);
	xfree_secret(secret);
	return *ch != NULL ? 0 : -1;
}

/* All group robots as one channel; NULL when none or in a dry run. */
static int
im_channel(const struct cfg *cfg, const char *dry_run, struct channel **ch,
    struct derr *err)
{
	char	**secrets;
	size_t	 i;
	int	 r = 0;

	*ch = NULL;
	if (dry_run != NULL || cfg->nim == 0)
		return 0;
	secrets = xcalloc(cfg->nim, sizeof(*secrets));
	for (i = 0; i < cfg->nim && r == 0; i++)
		if (cfg->im[i].secret_file != NULL && secret_file_read(
		    cfg->im[i].secret_file, &secrets[i], err) < 0) {
			derr_prefix(err, "im.[%zu].secret_file", i);
			r = -1;
		}
	if (r == 0 && (*ch = im_channel_new(cfg->im, cfg->nim,
	    (const char *const *)secrets, &net_curl_ops, err)) == NULL)
		r = -1;
	for (i = 0; i < cfg->nim; i++)
		xfree_secret(secrets[i]);
	free(secrets);
	return r;
}

static struct cal *
engine_cal(const struct cfg *cfg, struct derr *err)
{
	const struct cfg_general	*g = &cfg->general;

	return cal_new(g->timezone, g->holidays, g->nholidays, g->workdays,
	    g->nworkdays, err);
}

struct engine *
engine_new(struct cfg *cfg, const struct engine_opts *opts, struct derr *err)
{
	struct engine	*e = xcalloc(1, sizeof(*e));

	e->cfg = cfg;
	if (opts != NULL)
		e->opts = *opts;
	if ((e->cal = engine_cal(cfg, err)) == NULL ||
	    (e->store = e->opts.dry_run_dir != NULL ?
	    store_open_copy(cfg->general.database, err) :
	    store_open(cfg->general.database, err)) == NULL ||
	    (e->email = email_channel(cfg, e->opts.dry_run_dir, err)) == NULL ||
	    mailbox_secret(cfg, &e->imap_pw, err) < 0 ||
	    sms_channel(cfg, e->opts.dry_run_dir, &e->sms, err) < 0 ||
	    im_channel(cfg, e->opts.dry_run_dir, &e->im, err) < 0) {
		engine_free(e);
		return NULL;
	}
	e->wake = true;
	if (e->opts.dry_run_dir == NULL && !cfg->smtp.enabled)
		log_notice("engine: smtp disabled: email goes to the maildir "
		    "%s", cfg->maildir.path);
	return e;
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	channel_free(e->email);
	xfree_secret(e->imap_pw);
	channel_free(e->sms);
	channel_free(e->im);
	store_close(e->store);
	cal_free(e->cal);
	cfg_free(e->cfg);
	free(e);
}

int
engine_reload(struct engine *e, struct cfg *cfg, struct derr *err)
{
	struct cal	*cal;
	struct channel	*ch, *sms = NULL, *im = NULL;
	char		*pw = NULL;

	if (strcmp(cfg->general.database, e->cfg->general.database) != 0) {
		cfg_free(cfg);
		return derr_set(err, DERR_CONFIG, false, "general.database "
		    "cannot change on reload: restart dutyd");
	}
	if ((cal = engine_cal(cfg, err)) == NULL) {
		cfg_free(cfg);
		return -1;
	}
	if ((ch = email_channel(cfg, e->opts.dry_run_dir, err)) == NULL) {
		cal_free(cal);
		cfg_free(cfg);
		return -1;
	}
	if (mailbox_secret(cfg, &pw, err) < 0 ||
	    sms_channel(cfg, e->opts.dry_run_dir, &sms, err) < 0 ||
	    im_channel(cfg, e->opts.dry_run_dir, &im, err) < 0) {
		xfree_secret(pw);
		channel_free(sms);
		channel_free(ch);
		cal_free(cal);
		cfg_free(cfg);
		return -1;
	}
	xfree_secret(e->imap_pw);
	e->imap_pw = pw;
	channel_free(e->sms);
	channel_free(e->im);
	e->sms = sms;
	e->im = im;
	channel_free(e->email);
	cal_free(e->cal);
	cfg_free(e->cfg);
	e->email = ch;
	e->cal = cal;
	e->cfg = cfg;
	e->wake = true;
	return 0;
}

struct snap_ctx {
	const struct cfg	*cfg;
	struct plan_snapshot	*snap;
};

/* Map a store row onto a compact plan item (owners as people indexes). */
static int
snap_row(void *arg, const struct store_scan_row *r)
{
	struct snap_ctx		*c = arg;
	struct plan_item	 it;
	const struct cfg_person	*p;
	const char		*s = r->owners, *comma;
	char			 key[64];
	size_t			 n;

	memset(&it, 0, sizeof(it));
	it.id = r->id;
	it.deadline = r->deadline;
	it.kind = (uint8_t)r->kind;
	it.reopened = (uint16_t)r->reopened;
	while (*s != '\0' && it.nowners < PLAN_MAX_OWNERS) {
		comma = strchr(s, ',');
		n = comma ? (size_t)(comma - s) : strlen(s);
		if (n < sizeof(key)) {
			memcpy(key, s, n);
			key[n] = '\0';
			if ((p = cfg_person_get(c->cfg, key)) != NULL)
				it.owners[it.nowners++] =
				    (uint16_t)(p - c->cfg->people);
			else
				log_warn("plan: measure %lld: owner %s is not "
				    "in the config", (long long)r->id, key);
		}
		s = comma ? comma + 1 : s + n;
	}
	plan_snapshot_push(c->snap, &it);
	return 0;
}

static struct channel *
channel_for(void *arg, const char *name)
{
	struct engine	*e = arg;

	if (strcmp(name, "sms") == 0)
		return e->sms;
	if (strcmp(name, "im") == 0)
		return e->im;
	return strcmp(name, "email") == 0 ? e->email : NULL;
}

static void
log_unreachable(const struct engine *e, const struct plan_out *o)
{
	const struct plan_unreachable	*u;
	size_t				 i;

	for (i = 0; i < o->nunreachable; i++) {
		u = &o->unreachable[i];
		if (u->duty >= 0)
			log_warn("plan: duty %s: %s has no usable address or "
			    "is disabled: change the duty's owners",
			    e->cfg->duties[u->duty].id,
			    e->cfg->people[u->person].key);
		else
			log_warn("plan: %s %lld: %s has no usable address "
			    "or is disabled: reassign %s",
			    u->feedback ? "feedback" : "measure",
			    (long long)u->item_id,
			    e->cfg->people[u->person].key, u->feedback ?
			    "it (dutyctl feedback assign)" : "the measure");
	}
}

/*
 * Duty counts for the current and previous periods, the records of
 * periods closed since the oldest of those, and the day duties have been
 * judged from (remembered on the first run: periods that ended before
 * dutyd knew of them are not judged).
 */
/* Assigned feedback awaits its answer: reminded like a measure. */
static int
snap_feedback(struct engine *e, struct plan_snapshot *snap, struct derr *err)
{
	struct feedback_filter	 f = { FEEDBACK_ASSIGNED, 0, DAY_NONE, 0,
	    false };
	struct feedback_list	 l = { 0 };
	const struct cfg_person	*p;
	struct plan_item	 it;
	size_t			 i;

	if (store_feedback_list(e->store, &f, &l, err) < 0)
		return -1;
	for (i = 0; i < l.n; i++) {
		if (l.v[i].answer_deadline == DAY_NONE || l.v[i].assignee ==
		    NULL)
			continue;
		if ((p = cfg_person_get(e->cfg, l.v[i].assignee)) == NULL) {
			log_warn("plan: feedback %lld: assignee %s is not in "
			    "the config", (long long)l.v[i].id,
			    l.v[i].assignee);
			continue;
		}
		memset(&it, 0, sizeof(it));
		it.id = l.v[i].id;
		it.deadline = l.v[i].answer_deadline;
		it.kind = MEASURE_DEADLINE;
		it.owners[0] = (uint16_t)(p - e->cfg->people);
		it.nowners = 1;
		it.feedback = 1;
		plan_snapshot_push(snap, &it);
	}
	feedback_list_clear(&l);
	return 0;
}

/* Remember the last planning run for dutyctl status. */
static void
last_plan(struct engine *e, int64_t now, const struct plan_out *o)
{
	struct derr	 err = { 0 };
	char		 v[128], d[11];
	int32_t		 day;
	int		 min;

	cal_civil(e->cal, now, &day, &min);
	snprintf(v, sizeof(v), "%s %02d:%02d: %zu reminder stage(s) due",
	    day_format(day, d), min / 60, min % 60, o->notifs.n);
	if (store_state_set(e->store, "last_plan", v, now, &err) < 0)
		log_warn("engine: %s", err.msg);
}

/* Remember when the daemon will wake up next, for dutyctl status. */
static void
next_wakeup(struct engine *e, int64_t now, int64_t next)
{
	struct derr	 err = { 0 };
	char		 v[32], d[11];
	int32_t		 day;
	int		 min;

	cal_civil(e->cal, next, &day, &min);
	snprintf(v, sizeof(v), "%s %02d:%02d", day_format(day, d), min / 60,
	    min % 60);
	if (store_state_set(e->store, "next_wakeup", v, now, &err) < 0)
		log_warn("engine: %s", err.msg);
}

static int
plan_enqueue(struct engine *e, int64_t now, int64_t *next_plan,
    struct outbox_stats *st, struct derr *err)
{
	struct plan_snapshot	 snap = { 0 };
	struct plan_out		 out = { 0 };
	struct snap_ctx		 c = { e->cfg, &snap };
	int			 r;

	if (store_measure_scan(e->store, snap_row, &c, err) < 0 ||
	    snap_feedback(e, &snap, err) < 0 ||
	    engine_reply_hold(e->store, e->cfg, &snap, err) < 0 ||
	    gather_duties(e->store, e->cfg, e->cal, now, true, &snap, err) < 0) {
		plan_snapshot_clear(&snap);
		return -1;
	}
	plan_run(e->cfg, e->cal, &snap, now, &out);
	plan_snapshot_clear(&snap);
	*next_plan = out.next_run;
	log_unreachable(e, &out);
	last_plan(e, now, &out);
	if ((r = store_duty_close(e->store, &out.closes, now, err)) > 0)
		log_info("plan: recorded %d duty result(s) of closed periods",
		    r);
	r = r < 0 ? -1 : outbox_enqueue(e->store, e->cfg, e->cal,
	    &out.notifs, now, st, err);
	plan_out_clear(&out);
	return r;
}

/* Drain batch after batch until nothing is due or we are asked to stop. */
static int
drain(struct engine *e, int64_t now, struct outbox_stats *st,
    struct derr *err)
{
	struct outbox_drain_opts	 o;
	int				 n;

	memset(&o, 0, sizeof(o));
	o.channel = channel_for;
	o.chctx = e;
	o.stop = e->opts.stop;
	o.stopctx = e->opts.stopctx;
	o.utc_offset = cal_utc_offset(e->cal, now);
	o.boot_id = e->opts.boot_id;
	o.clock = e->opts.clock;
	o.clockctx = e->opts.clockctx;
	/* One connection per channel for all the rounds, closed at the end. */
	o.keep_open = true;
	do {
		n = outbox_drain(e->store, &e->cfg->outbox, &o, now, st, err);
		if (e->opts.alive != NULL)
			e->opts.alive(e->opts.stopctx);
	} while (n >= e->cfg->outbox.batch && !(o.stop && o.stop(o.stopctx)));
	channel_flush(e->email);
	channel_flush(e->sms);
	channel_flush(e->im);
	if (n < 0)
		return -1;
	if (st->sent + st->failed + st->dead + st->unknown + st->held > 0)
		log_info("outbox: %d sent, %d to retry, %d dead, %d maybe "
		    "duplicated, %d held (channel paused or at its rate)",
		    st->sent, st->failed, st->dead, st->unknown, st->held);
	return 0;
}

/*
 * Poll the feedback mailbox when it is due and bring *next forward to
 * the next poll. Server trouble is mailbox's to log; a db error is ours.
 */
static int
mailbox_tick(struct engine *e, int64_t now, int64_t *next, struct derr *err)
{
	struct mailbox_opts	 o;
	struct mailbox_stats	 st;
	struct engine_reply_ctx	 rc = { .store = e->store, .cfg = e->cfg };
	int64_t			 at;

	if (!e->cfg->mailbox.enabled || e->opts.dry_run_dir != NULL)
		return 0;
	memset(&o, 0, sizeof(o));
	o.cfg = &e->cfg->mailbox;
	o.password = e->imap_pw;
	o.net = &net_imap_etpan_ops;
	o.utc_offset = cal_utc_offset(e->cal, now);
	o.own_addr = e->cfg->smtp.from;
	o.stop = e->opts.stop;
	o.alive = e->opts.alive;
	o.stopctx = e->opts.stopctx;
	if (e->cfg->replies.enabled) {
		o.reply = engine_reply_hook;
		o.replyctx = &rc;
	}
	memset(&st, 0, sizeof(st));
	if (mailbox_poll(e->store, &o, now, &st, err) < 0 ||
	    mailbox_next(e->store, o.cfg, now, &at, err) < 0)
		return -1;
	engine_reply_log(&rc.stats);
	e->poll_failed = st.failed;
	if (at < *next)
		*next = at <= now ? now + 1 : at;
	return 0;
}

/*
 * The short summary for each robot that takes kind "digest", from the
 * same gathered input as the emails; key digest:im:<robot>:<week>.  A
 * summary that cannot be rendered is logged and skipped: the leaders'
 * emails still go.  Returns the number queued, or -1 (store error).
 */
static int
digest_robots(struct engine *e, const struct digest_in *in, const char *week,
    int64_t now, struct derr *err)
{
	const struct cfg_im	*im;
	struct digest_msg	 msg;
	char			 key[160];
	size_t			 i;
	int			 r, q = 0;

	for (i = 0; i < e->cfg->nim; i++) {
		im = &e->cfg->im[i];
		if (!strv_has(&im->kinds, "digest"))
			continue;
		if (digest_robot_build(e->store, in, im, &msg, err) < 0) {
			if (err->kind == DERR_DB)
				return -1;
			log_err("digest: im %s: %s", im->name, err->msg);
			continue;
		}
		snprintf(key, sizeof(key), "digest:im:%s:%s", im->name, week);
		r = outbox_enqueue_robot(e->store, e->cfg, im, "digest", key,
		    msg.subject, msg.text, now, err);
		digest_msg_clear(&msg);
		if (r < 0)
			return -1;
		q += r;
	}
	return q;
}

/*
 * The week's digest, once per ISO week (daemon_state digest_week; the
 * outbox key digest:<person>:email:<week> guards a crash in between).
 * Feedback is "new" since the previous digest (or 7 days).  Returns the
 * number of digests queued.
 */
static int
digest_tick(struct engine *e, int64_t now, int64_t *next, struct derr *err)
{
	struct gather_digest	 g;
	struct digest_msg	 msg;
	char			 week[16], key[96], v[256], d[11];
	int64_t			 due_next, since;
	int32_t			 today;
	size_t			 i;
	int			 r = 0, q = 0, robots = 0, min;

	if (!digest_due(e->cfg, e->cal, now, week, &due_next)) {
		if (e->cfg->digest.enabled && due_next < *next)
			*next = due_next;
		return 0;
	}
	if (due_next < *next)
		*next = due_next;
	if ((r = digest_week_done(e->store, week, err)) != 0)
		return r < 0 ? -1 : 0;
	if (gather_digest(e->store, e->cfg, e->cal, now, true, &g, err) < 0)
		return -1;
	cal_civil(e->cal, now, &today, &min);
	for (i = 0; r == 0 && i < e->cfg->digest.to.n; i++) {
		const char *to = e->cfg->digest.to.v[i];

		if ((r = digest_build(e->store, &g.in, to, &msg, err)) < 0)
			break;
		snprintf(key, sizeof(key), "digest:%s:email:%s", to, week);
		r = outbox_enqueue_email(e->store, e->cfg, e->cal, "digest",
		    key, to, msg.subject, msg.text, msg.html, now, err);
		digest_msg_clear(&msg);
		if (r < 0 && err->kind == DERR_CONFIG) {
			log_warn("digest: %s", err->msg);
			r = 0;
			continue;
		}
		q += r > 0;
		r = r < 0 ? -1 : 0;
	}
	if (r == 0 && (robots = digest_robots(e, &g.in, week, now, err)) < 0)
		r = -1;
	since = g.in.since;
	gather_digest_clear(&g);
	if (r < 0)
		return -1;
	snprintf(v, sizeof(v), "%s, %s %02d:%02d, %d queued", week,
	    day_format(today, d), min / 60, min % 60, q);
	if (digest_mark_queued(e->store, week, since, v, now, err) < 0)
		return -1;
	log_info("digest: %s: %d digest(s) queued, %d robot summary(ies)",
	    week, q, robots);
	return q;
}

int
engine_tick(struct engine *e, int64_t now, int64_t *next)
{
	struct outbox_stats	 st = { 0 };
	struct derr		 err = { 0 };
	int64_t			 next_plan = now + 3600, retry;
	int			 r;

	if (!e->recovered) {
		if ((r = store_outbox_recover(e->store, e->opts.boot_id, now,
		    &err)) < 0)
			goto fail;
		if (r > 0)
			log_warn("outbox: %d message(s) were being sent when "
			    "%s: sending again (may duplicate)", r, e->ticked ?
			    "the last round failed" : "dutyd stopped");
		e->recovered = true;
	}
	e->ticked = true;
	if (e->wake) {
		if ((r = store_channel_pause_wake(e->store, now, &err)) < 0)
			goto fail;
		if (r > 0)
			log_notice("outbox: %d stopped channel(s) try again "
			    "(dutyd started or reloaded)", r);
		e->wake = false;
	}
	if (plan_enqueue(e, now, &next_plan, &st, &err) < 0)
		goto fail;
	if (st.enqueued > 0)
		log_info("plan: %d message(s) queued for %d reminder stage(s)",
		    st.enqueued, st.stages);
	if (drain(e, now, &st, &err) < 0)
		goto fail;
	*next = next_plan;
	if (mailbox_tick(e, now, next, &err) < 0 ||
	    (r = digest_tick(e, now, next, &err)) < 0)
		goto fail;
	if (e->opts.dry_run_dir == NULL) {
		int q = engine_replies_queue(e->store, e->cfg, e->cal, now,
		    &err);

		if (q < 0)
			goto fail;
		r += q;
	}
	if (r > 0) {
		memset(&st, 0, sizeof(st));
		if (drain(e, now, &st, &err) < 0)
			goto fail;
	}
	if (store_outbox_next(e->store, &retry, &err) > 0 && retry < *next)
		*next = retry <= now ? now + 1 : retry;
	next_wakeup(e, now, *next);
	return 0;
fail:
	log_err("engine: %s", err.msg);
	/* A round cut short leaves rows claimed: recover them next tick. */
	e->recovered = false;
	*next = now + (err.transient ? 10 : 60);
	return -1;
}

bool
engine_poll_failed(const struct engine *e)
{
	return e->poll_failed;
}

int
engine_backlog(struct engine *e)
{
	int		 c[6];
	struct derr	 err;

	if (store_outbox_counts(e->store, c, &err) < 0)
		return -1;
	return c[OUTBOX_PENDING] + c[OUTBOX_FAILED] + c[OUTBOX_SENDING];
}

int
engine_queued_since(struct engine *e, int64_t since, struct outbox_list *out,
    struct derr *err)
{
	return store_outbox_since(e->store, since, out, err);
}

int64_t
engine_local_instant(const struct engine *e, int32_t day, int minute)
{
	return cal_instant(e->cal, day, minute);
}
