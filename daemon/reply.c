/*
 * reply: officers' answers by email, checked and applied (see reply.h).
 *
 * An answer is recognised by the token dutyd put in the subject of what
 * it sent ([#XXXXXXXXXXXXXXXX], kept by phone clients that drop headers),
 * or by In-Reply-To / References naming an email dutyd sent.  It is
 * accepted only when the token is one dutyd issued (the HMAC checks
 * against the key), the From address is the person it was issued to
 * and, with replies.require_dkim, the receiving server says DKIM passed
 * for that address's domain.  A Message-ID seen before is dropped: a
 * replayed message applies nothing twice.
 */
#include "reply.h"
#include "reply_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "evidence.h"
#include "log.h"
#include "model.h"
#include "render.h"
#include "sign.h"
#include "util.h"

/* Answers to one person per day at most: a loop or a flood stops here. */
#define REPLY_ANSWERS_PER_DAY	5
#define REPLY_OUT_MAX		(64 * 1024)
#define REPLY_DAY_S		86400

/* One answer being handled. */
struct ans {
	struct store		*st;
	const struct cfg	*cfg;
	const struct mime_msg	*m;
	struct mime_reply	 rp;
	struct reply_token	 tok;	/* the token row, if found */
	char			*tok_str;	/* the token as written */
	struct reply_line	 line;
	struct reply_row	 row;
	const struct cfg_person	*from;	/* the sender, if a person */
	char			*why;	/* refusal code */
	struct measure		 meas;	/* the measure, if one */
	bool			 have_meas;
	int64_t			 now;
};

static bool
b32_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '2' && c <= '7');
}

/* The first "[#TOKEN]" in `s`, or NULL (caller frees). */
static char *
token_find(const char *s)
{
	const char	*p;
	size_t		 i;

	for (p = s; p != NULL && (p = strstr(p, "[#")) != NULL; p += 2) {
		for (i = 0; i < SIGN_TOKEN_LEN && b32_char(p[2 + i]); i++)
			;
		if (i == SIGN_TOKEN_LEN && p[2 + i] == ']')
			return xasprintf("%.*s", SIGN_TOKEN_LEN, p + 2);
	}
	return NULL;
}

static const struct cfg_person *
person_by_addr(const struct cfg *cfg, const char *addr)
{
	size_t	 i;

	if (addr == NULL || *addr == '\0')
		return NULL;
	for (i = 0; i < cfg->npeople; i++)
		if (cfg->people[i].email != NULL && !cfg->people[i].disabled &&
		    strcasecmp(cfg->people[i].email, addr) == 0)
			return &cfg->people[i];
	return NULL;
}

/* Find the token row: the written token, else the thread. 1, 0, -1. */
static int
token_lookup(struct ans *a, struct derr *err)
{
	size_t	 i;
	int	 r;

	a->tok_str = token_find(a->m->subject);
	if (a->tok_str == NULL)
		a->tok_str = token_find(a->rp.text);
	r = store_reply_token_get(a->st, a->tok_str, a->rp.in_reply_to,
	    &a->tok, err);
	for (i = a->rp.references.n; r == 0 && i > 0; i--)
		r = store_reply_token_get(a->st, NULL,
		    a->rp.references.v[i - 1], &a->tok, err);
	return r;
}

/* Does the token check against the key for what it was issued for? */
static int
token_valid(const struct ans *a, struct derr *err)
{
	char	 tok[SIGN_TOKEN_LEN + 1];
	char	*key, *msg;
	int	 r;

	if (secret_file_read(a->cfg->replies.key_file, &key, err) < 0) {
		derr_prefix(err, "replies.key_file");
		return -1;
	}
	msg = notif_token_input(a->tok.person, a->tok.items,
	    a->tok.message_id);
	r = sign_token(key, strlen(key), msg, tok, err);
	xfree_secret(key);
	free(msg);
	if (r < 0)
		return -1;
	return sign_token_equal(tok, a->tok.token) &&
	    sign_token_equal(tok, a->tok_str);
}

/*
 * An Authentication-Results header from our own server (authserv-id
 * first, RFC 8601) saying dkim=pass for the From address's domain.
 */
static bool
dkim_pass(const struct strv *ar, const char *authserv, const char *from)
{
	const char	*dom = from != NULL ? strrchr(from, '@') : NULL;
	char		*want_d, *want_i;
	size_t		 i, n;
	bool		 ok = false;

	if (dom == NULL || authserv == NULL)
		return false;
	want_d = xasprintf("header.d=%s", dom + 1);
	want_i = xasprintf("header.i=@%s", dom + 1);
	n = strlen(authserv);
	for (i = 0; i < ar->n && !ok; i++) {
		const char *v = ar->v[i];

		while (*v == ' ')
			v++;
		if (strncasecmp(v, authserv, n) != 0 || (v[n] != ';' &&
		    v[n] != ' '))
			continue;
		ok = strstr(v, "dkim=pass") != NULL && (strcasestr(v,
		    want_d) != NULL || strcasestr(v, want_i) != NULL);
	}
	free(want_d);
	free(want_i);
	return ok;
}

static int
refuse(struct ans *a, const char *why)
{
	if (a->why == NULL)
		a->why = xstrdup(why);
	return 0;
}

static bool
id_in(const char *items, int64_t id)
{
	char	 want[24];
	const char *p = items;
	size_t	 n;

	n = (size_t)snprintf(want, sizeof(want), "%lld", (long long)id);
	while (p != NULL && *p != '\0') {
		if (strncmp(p, want, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		p = strchr(p, ',');
		p = p != NULL ? p + 1 : NULL;
	}
	return false;
}

/* Which measure the answer is about; 0 (found or refused) or -1. */
static int
which_measure(struct ans *a, struct derr *err)
{
	long long	 id = 0;
	int		 r;

	if (a->line.code[0] != '\0') {
		if ((r = store_measure_get(a->st, a->line.code, &a->meas,
		    err)) < 0)
			return -1;
		if (r == 0)
			return refuse(a, "code-unknown");
		a->have_meas = true;
		if (!id_in(a->tok.items, a->meas.id))
			return refuse(a, "code-other");
		return 0;
	}
	if (strchr(a->tok.items, ',') != NULL)
		return refuse(a, "code-needed");
	if (a->tok.items[0] == '\0' || str_to_ll(a->tok.items, 1, INT64_MAX,
	    &id) < 0)
		return refuse(a, "code-needed");
	if ((r = store_measure_get_id(a->st, (int64_t)id, &a->meas, err)) < 0)
		return -1;
	if (r == 0)
		return refuse(a, "code-unknown");
	a->have_meas = true;
	return 0;
}

/* An officer's progress note or request on one of the email's measures. */
static int
check_officer(struct ans *a, struct derr *err)
{
	int64_t	 pid;
	int	 r;

	if (a->line.verb == REPLY_APPROVE || a->line.verb == REPLY_REJECT)
		return refuse(a, "unparsed");
	if (which_measure(a, err) < 0)
		return -1;
	if (a->why != NULL)
		return 0;
	if (a->meas.status == MEASURE_DONE)
		return refuse(a, "done-already");
	if (a->line.verb == REPLY_PROGRESS)
		return 0;
	if ((r = store_reply_pending(a->st, a->meas.id, &pid, err)) < 0)
		return -1;
	if (r > 0)
		return refuse(a, "pending-already");
	if (a->line.verb == REPLY_EXTEND && (a->meas.kind == MEASURE_ONGOING ||
	    (a->meas.deadline != DAY_NONE && a->line.date <= a->meas.deadline)))
		return refuse(a, "extend-earlier");
	return 0;
}

/* A leader's 同意 / 不同意 on a request that still waits for it. */
static int
check_approver(struct ans *a, struct derr *err)
{
	struct reply_row	 req;
	int			 r;

	if (a->line.verb != REPLY_APPROVE && a->line.verb != REPLY_REJECT)
		return refuse(a, "unparsed");
	if (which_measure(a, err) < 0)
		return -1;
	if (a->why != NULL)
		return 0;
	if ((r = store_reply_get(a->st, a->tok.request_id, &req, err)) < 0)
		return -1;
	if (r == 0 || strcmp(req.status, "pending") != 0)
		refuse(a, "decided-already");
	if (r > 0)
		reply_row_clear(&req);
	return 0;
}

/* Every check in order; the first that fails names the refusal. */
static int
check(struct ans *a, bool headers_only, struct derr *err)
{
	size_t	 i;
	int	 r;

	if (a->m->kind != NULL && strcmp(a->m->kind, "citizen") != 0)
		return refuse(a, "auto");
	if (a->tok_str == NULL)
		return refuse(a, "token-missing");
	if (a->tok.token == NULL)
		return refuse(a, "token-unknown");
	if ((r = token_valid(a, err)) < 0)
		return -1;
	if (r == 0)
		return refuse(a, "token-unknown");
	if (a->from == NULL || strcmp(a->from->key, a->tok.person) != 0)
		return refuse(a, "from");
	if (a->cfg->replies.require_dkim && !dkim_pass(&a->rp.auth_results,
	    a->cfg->replies.authserv_id, a->m->from_addr))
		return refuse(a, "dkim");
	if (headers_only)
		return refuse(a, "too-large");
	for (i = 0; i < a->rp.nfiles; i++)
		if (a->rp.files[i].too_big)
			return refuse(a, "attachment");
	if (a->rp.too_many)
		return refuse(a, "attachment");
	if (reply_parse(a->rp.text, &a->line) < 0)
		return refuse(a, "unparsed");
	if (strcmp(a->tok.kind, "approval") == 0)
		return check_approver(a, err);
	return check_officer(a, err);
}

static const char *const verb_keys[] = {
	[REPLY_NONE] = NULL, [REPLY_PROGRESS] = "progress",
	[REPLY_DONE] = "done", [REPLY_EXTEND] = "extend",
	[REPLY_APPROVE] = "approve", [REPLY_REJECT] = "reject",
};

int
reply_render_pair(const struct cfg *cfg, const char *name,
    const struct rval *ctx, char **subject, char **text, struct derr *err)
{
	struct buf	 b;
	char		 f[64];

	*subject = *text = NULL;
	buf_init(&b, REPLY_OUT_MAX);
	snprintf(f, sizeof(f), "%s.subject.txt", name);
	if (render_file(cfg->general.templates, f, ctx, RENDER_NONE, &b,
	    err) < 0) {
		buf_clear(&b);
		return -1;
	}
	*subject = str_trim(buf_take(&b));
	buf_init(&b, REPLY_OUT_MAX);
	snprintf(f, sizeof(f), "%s.txt", name);
	if (render_file(cfg->general.templates, f, ctx, RENDER_NONE, &b,
	    err) < 0) {
		buf_clear(&b);
		free(*subject);
		*subject = NULL;
		return -1;
	}
	*text = str_trim(buf_take(&b));
	return 0;
}

static void
ctx_common(struct rval *ctx, const struct cfg *cfg, const char *name)
{
	rval_map_set_str(ctx, "office", cfg->general.office ?
	    cfg->general.office : "");
	rval_map_set_str(ctx, "name", name);
}

/* What dutyd answers the sender: recorded with the row, queued later. */
static int
answer(struct ans *a, struct derr *err)
{
	struct rval	*ctx;
	char		 d[11], key[40];
	int		 n, r;

	if (a->from == NULL || (a->why != NULL && strcmp(a->why, "auto") ==
	    0))
		return 0;
	n = store_reply_answers_since(a->st, a->from->key, a->now - REPLY_DAY_S,
	    err);
	if (n < 0)
		return -1;
	if (n >= REPLY_ANSWERS_PER_DAY) {
		log_info("reply: no answer to %s: %d answers today already",
		    a->from->key, n);
		return 0;
	}
	ctx = rval_map_new();
	ctx_common(ctx, a->cfg, a->from->name);
	rval_map_set_str(ctx, "subject", a->m->subject);
	rval_map_set_str(ctx, "code", a->have_meas ? a->meas.code :
	    a->line.code);
	rval_map_set_str(ctx, "text", a->line.text ? a->line.text : "");
	rval_map_set_int(ctx, "files", (int64_t)a->rp.nfiles);
	rval_map_set_str(ctx, "deadline", day_format(a->line.date, d));
	rval_map_set_int(ctx, "max_attachment_mb",
	    a->cfg->replies.max_attachment / (1024 * 1024));
	if (a->why != NULL) {
		snprintf(key, sizeof(key), "why_%s", a->why);
		for (n = 0; key[n] != '\0'; n++)
			if (key[n] == '-')
				key[n] = '_';
		rval_map_set_bool(ctx, key, true);
		rval_map_set_bool(ctx, "refused", true);
	} else if (a->line.verb != REPLY_NONE) {
		rval_map_set_bool(ctx, verb_keys[a->line.verb], true);
	}
	r = reply_render_pair(a->cfg, "reply-answer", ctx, &a->row.answer_subject,
	    &a->row.answer_text, err);
	rval_free(ctx);
	if (r < 0)
		return -1;
	a->row.answer_to = xstrdup(a->from->key);
	return 0;
}

/* Store the accepted answer's files by content; describe them in `v`. */
static int
files_put(struct ans *a, struct store_evidence **v, struct derr *err)
{
	const struct mime_file	*f;
	size_t			 i;

	*v = xcalloc(a->rp.nfiles + 1, sizeof(**v));
	for (i = 0; i < a->rp.nfiles; i++) {
		f = &a->rp.files[i];
		if (sign_sha256_hex(f->data, f->len, (*v)[i].hash, err) < 0 ||
		    evidence_put(a->cfg->general.evidence_dir, (*v)[i].hash,
		    f->data, f->len, err) < 0)
			return -1;
		(*v)[i].name = f->name;
		(*v)[i].size = (int64_t)f->len;
	}
	return 0;
}

static void
row_fill(struct ans *a)
{
	struct reply_row	*r = &a->row;
	const char		*v = verb_keys[a->line.verb];

	r->message_id = a->m->message_id != NULL ? xstrdup(a->m->message_id) :
	    xasprintf("sha256:%s", a->m->content_hash ? a->m->content_hash :
	    "-");
	r->from_addr = xstrdup(a->m->from_addr ? a->m->from_addr : "");
	r->person = a->from != NULL ? xstrdup(a->from->key) : NULL;
	r->token = a->tok_str != NULL ? xstrdup(a->tok_str) : NULL;
	r->subject = xstrdup(a->m->subject ? a->m->subject : "");
	r->received_at = a->now;
	r->verb = v != NULL && a->why == NULL ? xstrdup(v) : NULL;
	r->measure_id = a->have_meas ? a->meas.id : 0;
	r->text = xstrdup(a->line.text ? a->line.text : "");
	r->new_deadline = a->why == NULL && a->line.verb == REPLY_EXTEND ?
	    a->line.date : DAY_NONE;
	if (a->why != NULL)
		r->status = xstrdup("refused");
	else if (a->line.verb == REPLY_DONE || a->line.verb == REPLY_EXTEND)
		r->status = xstrdup("pending");
	else
		r->status = xstrdup("applied");
	r->reason = a->why != NULL ? xstrdup(a->why) : NULL;
}

static void
ans_clear(struct ans *a)
{
	mime_reply_clear(&a->rp);
	reply_token_clear(&a->tok);
	free(a->tok_str);
	reply_line_clear(&a->line);
	reply_row_clear(&a->row);
	free(a->why);
	if (a->have_meas)
		measure_clear(&a->meas);
}

static void
log_outcome(const struct ans *a, int r)
{
	char	 to[64], mid[96];

	addr_mask(a->row.from_addr, to, sizeof(to));
	log_escape(a->row.message_id, mid, sizeof(mid));
	if (r == 0)
		log_info("reply: replayed message dropped from=%s "
		    "message_id=%s", to, mid);
	else if (a->why != NULL)
		log_info("reply: refused (%s) from=%s message_id=%s", a->why,
		    to, mid);
	else
		log_info("reply: %s %s measure=%s from=%s message_id=%s",
		    a->row.status, a->row.verb, a->have_meas ? a->meas.code :
		    "-", to, mid);
}

/* The approver's 同意 / 不同意 on the request the token was issued for. */
static int
decide_by_mail(struct ans *a, struct reply_stats *stats, struct derr *err)
{
	int	 r;

	r = reply_decide(a->st, a->cfg, a->tok.request_id,
	    a->line.verb == REPLY_APPROVE, a->line.text, a->from->key,
	    a->row.message_id, a->now, err);
	if (r < 0 && err->kind == DERR_INPUT) {
		log_info("reply: approval by %s not applied: %s",
		    a->from->key, err->msg);
		return 0;
	}
	stats->decided += r > 0;
	return r < 0 ? -1 : 0;
}

static int
record(struct ans *a, struct reply_stats *stats, struct derr *err)
{
	struct store_evidence	*v = NULL;
	int64_t			 id = 0;
	size_t			 n = 0;
	int			 r, lock = -1;

	if (a->why == NULL && a->rp.nfiles > 0) {
		/* Held until the rows are in: see evidence_lock. */
		if ((lock = evidence_lock(a->cfg->general.evidence_dir,
		    err)) < 0)
			return -1;
		if (files_put(a, &v, err) < 0) {
			evidence_unlock(lock);
			free(v);
			return -1;
		}
		n = a->rp.nfiles;
	}
	if (answer(a, err) < 0) {
		evidence_unlock(lock);
		free(v);
		return -1;
	}
	row_fill(a);
	r = store_reply_add(a->st, &a->row, v, n, a->now, &id, err);
	evidence_unlock(lock);
	free(v);
	if (r < 0)
		return -1;
	log_outcome(a, r);
	if (r == 0) {
		stats->duplicates++;
		return 0;
	}
	if (a->why != NULL)
		stats->refused++;
	else if (strcmp(a->tok.kind, "approval") == 0)
		return decide_by_mail(a, stats, err);
	else if (strcmp(a->row.status, "pending") == 0)
		stats->pending++;
	else
		stats->applied++;
	return 0;
}

int
reply_handle(struct store *st, const struct cfg *cfg, const char *raw,
    size_t len, bool headers_only, const struct mime_msg *m, int64_t now,
    struct reply_stats *stats, struct derr *err)
{
	struct ans	 a;
	struct derr	 perr = { 0 };
	int		 r;

	if (!cfg->replies.enabled)
		return 0;
	memset(&a, 0, sizeof(a));
	a.st = st;
	a.cfg = cfg;
	a.m = m;
	a.now = now;
	if (mime_reply_parse(raw, len, (size_t)cfg->replies.max_attachment,
	    &a.rp, &perr) < 0)
		return 0;
	if ((r = token_lookup(&a, err)) < 0 ||
	    (r == 0 && a.tok_str == NULL)) {
		ans_clear(&a);
		return r;	/* not an answer to dutyd: feedback */
	}
	a.from = person_by_addr(cfg, m->from_addr);
	r = check(&a, headers_only, err);
	if (r == 0)
		r = record(&a, stats, err);
	ans_clear(&a);
	return r < 0 ? -1 : 1;
}
