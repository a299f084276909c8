/*
 * engine: officers' answers by email, wired between the mailbox poll,
 * the reply service and the outbox (services never call each other).
 */
#include "engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outbox.h"

int
engine_reply_hook(void *ctx, const char *raw, size_t len, bool headers_only,
    const struct mime_msg *m, int64_t now, struct derr *err)
{
	struct engine_reply_ctx	*c = ctx;

	return reply_handle(c->store, c->cfg, raw, len, headers_only, m, now,
	    &c->stats, err);
}

void
engine_reply_log(const struct reply_stats *s)
{
	if (s->applied + s->pending + s->decided + s->refused +
	    s->duplicates == 0)
		return;
	log_info("reply: %d progress note(s), %d request(s) pending, %d "
	    "decided by mail, %d refused, %d replayed", s->applied,
	    s->pending, s->decided, s->refused, s->duplicates);
}

/* Queue one; 1 queued (or there already), 0 skipped, -1 DERR_DB. */
static int
queue_one(struct store *st, const struct cfg *cfg, const struct cal *cal,
    const struct reply_out *o, int64_t now, struct derr *err)
{
	int	 r;

	if (o->key == NULL)
		return 0;	/* nobody to ask */
	if (o->ask)
		r = outbox_enqueue_answerable(st, cfg, cal, "reply-ask",
		    o->key, o->person, o->subject, o->text, o->items,
		    o->reply_id, now, err);
	else
		r = outbox_enqueue_email(st, cfg, cal, "reply-answer", o->key,
		    o->person, o->subject, o->text, NULL, now, err);
	if (r < 0 && err->kind == DERR_CONFIG) {
		log_warn("reply: %s", err->msg);
		return 0;
	}
	return r < 0 ? -1 : 1;
}

int
engine_replies_queue(struct store *st, const struct cfg *cfg,
    const struct cal *cal, int64_t now, struct derr *err)
{
	struct reply_out_list	 l = { 0 };
	size_t			 i;
	int			 r = 0, q = 0;

	if (!cfg->replies.enabled)
		return 0;
	if (reply_outgoing(st, cfg, &l, err) < 0)
		return -1;
	for (i = 0; r >= 0 && i < l.n; i++)
		if ((r = queue_one(st, cfg, cal, &l.v[i], now, err)) >= 0) {
			q += r;
			r = reply_out_done(st, &l.v[i], err);
		}
	reply_out_list_clear(&l);
	return r < 0 ? -1 : q;
}

static int
id_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
engine_reply_hold(struct store *st, const struct cfg *cfg,
    struct plan_snapshot *snap, struct derr *err)
{
	struct reply_filter	 f = { .status = "pending" };
	struct reply_list	 l = { 0 };
	int64_t			*ids;
	size_t			 i, k = 0, n = 0;

	if (!cfg->replies.enabled)
		return 0;
	if (store_reply_list(st, &f, &l, err) < 0)
		return -1;
	ids = xcalloc(l.n + 1, sizeof(*ids));
	for (i = 0; i < l.n; i++)
		if (l.v[i].verb != NULL && strcmp(l.v[i].verb, "done") == 0)
			ids[n++] = l.v[i].measure_id;
	reply_list_clear(&l);
	qsort(ids, n, sizeof(*ids), id_cmp);
	for (i = 0; n > 0 && i < snap->n; i++)
		if (snap->v[i].feedback || bsearch(&snap->v[i].id, ids, n,
		    sizeof(*ids), id_cmp) == NULL)
			snap->v[k++] = snap->v[i];
	if (n > 0)
		snap->n = k;
	free(ids);
	return 0;
}
