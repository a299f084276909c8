#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "channels/maildir.h"
#include "channels/smtp.h"
#include "log.h"
#include "net.h"
#include "outbox.h"
#include "plan.h"
#include "store.h"

struct engine {
	struct cfg		*cfg;
	struct cal		*cal;
	struct store		*store;
	struct channel		*email;
	struct engine_opts	 opts;
	bool			 recovered;
};

static struct channel *
email_channel(const struct cfg *cfg, const char *dry_run, struct derr *err)
{
	struct channel	*ch;
	char		*pw = NULL;

	if (dry_run != NULL || !cfg->smtp.enabled)
		return maildir_channel_new(dry_run ? dry_run :
		    cfg->maildir.path, cfg->smtp.from ? cfg->smtp.from :
		    "dutyd@localhost.localdomain", cfg->smtp.from_name, err);
	if (cfg->smtp.password_file != NULL &&
	    secret_file_read(cfg->smtp.password_file, &pw, err) < 0)
		return NULL;
	ch = smtp_channel_new(&cfg->smtp, pw, &net_curl_ops, err);
	xfree_secret(pw);
	return ch;
}

static void
channel_free(struct channel *ch)
{
	if (ch != NULL)
		ch->free(ch->ctx);
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
	    (e->email = email_channel(cfg, e->opts.dry_run_dir, err)) == NULL) {
		engine_free(e);
		return NULL;
	}
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
	store_close(e->store);
	cal_free(e->cal);
	cfg_free(e->cfg);
	free(e);
}

int
engine_reload(struct engine *e, struct cfg *cfg, struct derr *err)
{
	struct cal	*cal;
	struct channel	*ch;

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
	channel_free(e->email);
	cal_free(e->cal);
	cfg_free(e->cfg);
	e->email = ch;
	e->cal = cal;
	e->cfg = cfg;
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

	return strcmp(name, "email") == 0 ? e->email : NULL;
}

static void
log_unreachable(const struct engine *e, const struct plan_out *o)
{
	size_t	 i;

	for (i = 0; i < o->nunreachable; i++)
		log_warn("plan: measure %lld: %s has no usable address or is "
		    "disabled: reassign the measure",
		    (long long)o->unreachable[i].item_id,
		    e->cfg->people[o->unreachable[i].person].key);
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

static int
plan_enqueue(struct engine *e, int64_t now, int64_t *next_plan,
    struct outbox_stats *st, struct derr *err)
{
	struct plan_snapshot	 snap = { 0 };
	struct plan_out		 out = { 0 };
	struct snap_ctx		 c = { e->cfg, &snap };
	int			 r;

	if (store_measure_scan(e->store, snap_row, &c, err) < 0)
		return -1;
	plan_run(e->cfg, e->cal, &snap, now, &out);
	plan_snapshot_clear(&snap);
	*next_plan = out.next_run;
	log_unreachable(e, &out);
	last_plan(e, now, &out);
	r = outbox_enqueue(e->store, e->cfg, e->cal, &out.notifs, now, st,
	    err);
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
	do {
		n = outbox_drain(e->store, &e->cfg->outbox, &o, now, st, err);
		if (n < 0)
			return -1;
	} while (n >= e->cfg->outbox.batch && !(o.stop && o.stop(o.stopctx)));
	if (st->sent + st->failed + st->dead + st->unknown > 0)
		log_info("outbox: %d sent, %d to retry, %d dead, %d maybe "
		    "duplicated", st->sent, st->failed, st->dead, st->unknown);
	return 0;
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
			    "dutyd stopped: sending again (may duplicate)", r);
		e->recovered = true;
	}
	if (plan_enqueue(e, now, &next_plan, &st, &err) < 0)
		goto fail;
	if (st.enqueued > 0)
		log_info("plan: %d message(s) queued for %d reminder stage(s)",
		    st.enqueued, st.stages);
	if (drain(e, now, &st, &err) < 0)
		goto fail;
	*next = next_plan;
	if (store_outbox_next(e->store, &retry, &err) > 0 && retry < *next)
		*next = retry <= now ? now + 1 : retry;
	return 0;
fail:
	log_err("engine: %s", err.msg);
	/* A round cut short leaves rows claimed: recover them next tick. */
	e->recovered = false;
	*next = now + (err.transient ? 10 : 60);
	return -1;
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
