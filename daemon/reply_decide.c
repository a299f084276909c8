/*
 * reply: deciding a pending 销号 / 延期 request, and what the engine
 * queues for replies (answers to the sender, requests to the approver).
 * See reply.h.
 */
#include "reply.h"
#include "reply_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "model.h"
#include "render.h"
#include "util.h"


/*
 * Who decides a request of `officer`: the officer's leaders (分管领导),
 * else the principals.  Admins may always decide.
 */
static void
approvers(const struct cfg *cfg, const char *officer, struct strv *out)
{
	const struct cfg_person	*p = cfg_person_get(cfg, officer);
	size_t			 i;

	if (p != NULL)
		for (i = 0; i < p->leaders.n; i++)
			strv_push(out, p->leaders.v[i]);
	for (i = 0; out->n == 0 && i < cfg->npeople; i++)
		if (cfg->people[i].roles & CFG_ROLE_PRINCIPAL &&
		    !cfg->people[i].disabled)
			strv_push(out, cfg->people[i].key);
}

static bool
may_decide(const struct cfg *cfg, const char *officer, const char *who)
{
	const struct cfg_person	*p = cfg_person_get(cfg, who);
	struct strv		 v = { 0 };
	bool			 ok;

	if (p != NULL && p->roles & CFG_ROLE_ADMIN)
		return true;
	approvers(cfg, officer, &v);
	ok = strv_has(&v, who);
	strv_clear(&v);
	return ok;
}

/* The context of a request: who asks what about which measure. */
static struct rval *
request_ctx(const struct cfg *cfg, const struct reply_row *r)
{
	const struct cfg_person	*p = cfg_person_get(cfg, r->person);
	struct rval		*ctx = rval_map_new();
	char			 d[11];

	rval_map_set_str(ctx, "office", cfg->general.office ?
	    cfg->general.office : "");
	rval_map_set_str(ctx, "officer", p != NULL ? p->name : r->person);
	rval_map_set_str(ctx, "code", r->code ? r->code : "");
	rval_map_set_str(ctx, "text", r->text ? r->text : "");
	rval_map_set_bool(ctx, "done", r->verb && strcmp(r->verb, "done") ==
	    0);
	rval_map_set_bool(ctx, "extend", r->verb && strcmp(r->verb,
	    "extend") == 0);
	rval_map_set_str(ctx, "deadline", day_format(r->new_deadline, d));
	rval_map_set_int(ctx, "files", r->nfiles);
	return ctx;
}

/* Apply an approved request to the ledger (its own transaction). */
static int
apply(struct store *st, const struct reply_row *r, const char *who,
    int64_t now, struct derr *err)
{
	char	*ev;
	int	 x;

	if (r->code == NULL)
		return derr_set(err, DERR_INPUT, false, "request %lld names "
		    "no measure", (long long)r->id);
	if (strcmp(r->verb, "extend") == 0) {
		struct measure	 m;

		if ((x = store_measure_get(st, r->code, &m, err)) <= 0)
			return x < 0 ? -1 : derr_set(err, DERR_INPUT, false,
			    "no measure %s", r->code);
		/* Extended already: a decision cut short before it was
		 * recorded. */
		x = m.deadline == r->new_deadline;
		measure_clear(&m);
		if (x)
			return 0;
		return store_measure_extend(st, r->code, r->new_deadline,
		    r->text, who, r->person, now, err);
	}
	ev = xasprintf("%s（%s 邮件申请，%s 认定；%s）", r->text[0] ? r->text :
	    "已完成", r->person, who, r->message_id);
	x = store_measure_close(st, r->code, ev, who, now, err);
	free(ev);
	return x < 0 ? -1 : 0;
}

int
reply_decide(struct store *st, const struct cfg *cfg, int64_t id,
    bool approve, const char *reason, const char *who, const char *mid,
    int64_t now, struct derr *err)
{
	struct reply_row	 r;
	struct rval		*ctx;
	char			*subject = NULL, *text = NULL;
	int			 x;

	if ((x = store_reply_get(st, id, &r, err)) <= 0)
		return x < 0 ? -1 : derr_set(err, DERR_INPUT, false,
		    "no request %lld", (long long)id);
	if (strcmp(r.status, "pending") != 0) {
		reply_row_clear(&r);
		return 0;
	}
	if (mid != NULL && !may_decide(cfg, r.person, who)) {
		reply_row_clear(&r);
		return derr_set(err, DERR_INPUT, false, "%s may not decide "
		    "%s's requests", who, r.person);
	}
	if (approve && apply(st, &r, who, now, err) < 0) {
		reply_row_clear(&r);
		return -1;
	}
	ctx = request_ctx(cfg, &r);
	rval_map_set_bool(ctx, "approved", approve);
	rval_map_set_str(ctx, "reason", reason ? reason : "");
	{
		const struct cfg_person *d = cfg_person_get(cfg, who);

		rval_map_set_str(ctx, "decider", d != NULL ? d->name : who);
	}
	x = reply_render_pair(cfg, "reply-decided", ctx, &subject, &text, err);
	rval_free(ctx);
	if (x == 0)
		x = store_reply_decide(st, id, approve, who, mid, reason,
		    r.person, subject, text, now, err);
	if (x > 0)
		log_info("reply: request %lld on %s %s by %s", (long long)id,
		    r.code ? r.code : "-", approve ? "approved" : "rejected",
		    who);
	free(subject);
	free(text);
	reply_row_clear(&r);
	return x;
}

void
reply_out_list_clear(struct reply_out_list *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].person);
		free(l->v[i].subject);
		free(l->v[i].text);
		free(l->v[i].items);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static struct reply_out *
out_add(struct reply_out_list *l, const struct reply_row *r, bool ask)
{
	struct reply_out	*o;

	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	o = &l->v[l->n++];
	memset(o, 0, sizeof(*o));
	o->reply_id = r->id;
	o->ask = ask;
	return o;
}

/* The approval requests of pending row `r`, one per approver. */
static int
asks(const struct cfg *cfg, const struct reply_row *r,
    struct reply_out_list *l, struct derr *err)
{
	struct strv		 v = { 0 };
	struct rval		*ctx = request_ctx(cfg, r);
	struct reply_out	*o;
	char			*subject, *text;
	size_t			 i;
	int			 x;

	x = reply_render_pair(cfg, "reply-ask", ctx, &subject, &text, err);
	rval_free(ctx);
	if (x < 0)
		return -1;
	approvers(cfg, r->person, &v);
	for (i = 0; i < v.n; i++) {
		o = out_add(l, r, true);
		o->key = xasprintf("reply-ask:%lld:%s", (long long)r->id,
		    v.v[i]);
		o->person = xstrdup(v.v[i]);
		o->subject = xstrdup(subject);
		o->text = xstrdup(text);
		o->items = xasprintf("%lld", (long long)r->measure_id);
	}
	if (v.n == 0)	/* nobody to ask: dutyctl item approve */
		out_add(l, r, true);
	strv_clear(&v);
	free(subject);
	free(text);
	return 0;
}

int
reply_outgoing(struct store *st, const struct cfg *cfg,
    struct reply_out_list *out, struct derr *err)
{
	struct reply_filter	 f = { .outgoing = true };
	struct reply_list	 l = { 0 };
	struct reply_out	*o;
	size_t			 i;
	int			 r = 0;

	if (store_reply_list(st, &f, &l, err) < 0)
		return -1;
	for (i = 0; r == 0 && i < l.n; i++) {
		const struct reply_row *w = &l.v[i];

		if (w->answer_text != NULL && !w->answered) {
			o = out_add(out, w, false);
			o->key = xasprintf("reply-answer:%lld:%lld",
			    (long long)w->id, (long long)w->decided_at);
			o->person = xstrdup(w->answer_to);
			o->subject = xstrdup(w->answer_subject);
			o->text = xstrdup(w->answer_text);
		}
		if (strcmp(w->status, "pending") == 0 && !w->asked)
			r = asks(cfg, w, out, err);
	}
	reply_list_clear(&l);
	return r;
}

int
reply_out_done(struct store *st, const struct reply_out *o, struct derr *err)
{
	return store_reply_mark(st, o->reply_id, o->ask, err);
}
