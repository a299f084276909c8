/*
 * digest: what officers reported by email since the last digest, and the
 * 销号 / 延期 requests waiting for approval (待认定), for the leader's
 * weekly digest (replies by email, issue 18).
 */
#include "digest.h"
#include "digest_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "util.h"

#define DIGEST_REPLY_MAX	30	/* rows listed per part */

static void
reply_value(const struct digest_in *in, const struct reply_row *r,
    struct rval *v)
{
	const struct cfg_person	*p = cfg_person_get(in->cfg, r->person);
	char			 d[11];
	int32_t			 day;
	int			 min;

	cal_civil(in->cal, r->received_at, &day, &min);
	rval_map_set_str(v, "date", day_format(day, d));
	rval_map_set_str(v, "code", r->code ? r->code : "");
	rval_map_set_str(v, "person", p != NULL ? p->name : r->person);
	rval_map_set_str(v, "text", r->text ? r->text : "");
	rval_map_set_int(v, "files", r->nfiles);
	rval_map_set_str(v, "deadline", day_format(r->new_deadline, d));
	rval_map_set_bool(v, "extend", strcmp(r->verb, "extend") == 0);
}

/* One list of the digest: rows of `f` in scope, at most DIGEST_REPLY_MAX. */
static int
reply_rows(struct store *st, const struct digest_in *in,
    const struct reply_filter *f, struct rval *ctx, const char *name,
    struct derr *err)
{
	struct reply_list	 l = { 0 };
	struct rval		*list = rval_map_set_list(ctx, name);
	char			 key[64];
	size_t			 i;
	int			 n = 0;

	if (store_reply_list(st, f, &l, err) < 0)
		return -1;
	for (i = 0; i < l.n; i++) {
		if (l.v[i].verb == NULL || !digest_in_scope(in, l.v[i].person))
			continue;
		if (++n <= DIGEST_REPLY_MAX)
			reply_value(in, &l.v[i], rval_list_add_map(list));
	}
	reply_list_clear(&l);
	snprintf(key, sizeof(key), "%s_count", name);
	rval_map_set_int(ctx, key, n);
	return n;
}

int
digest_reply_part(struct store *st, const struct digest_in *in,
    struct rval *ctx, struct derr *err)
{
	struct reply_filter	 fp = { .status = "applied",
	    .since = in->since };
	struct reply_filter	 fw = { .status = "pending" };
	int			 a, b;

	if (!in->cfg->replies.enabled)
		return 0;
	if ((a = reply_rows(st, in, &fp, ctx, "reply_progress", err)) < 0 ||
	    (b = reply_rows(st, in, &fw, ctx, "reply_pending", err)) < 0)
		return -1;
	rval_map_set_bool(ctx, "has_reply_section", a + b > 0);
	rval_map_set_bool(ctx, "has_reply_progress", a > 0);
	rval_map_set_bool(ctx, "has_reply_pending", b > 0);
	return 0;
}
