/*
 * net: listing and fetching the feedback mailbox's messages over IMAP
 * (see net.h); the session, its stream and deadline are net_imap.c's.
 *
 * One FETCH asks for several listed messages at once (a round trip each
 * cost more than parsing and storing one), and the FETCH for the next
 * batch is sent as soon as a batch's answer is read, so the server
 * writes while mailbox parses and stores; the answers are kept until
 * mailbox asks for them.  libetpan's parser takes each literal by its
 * byte count, so a body holding "* 2 FETCH (UID 2 BODY[] {N}" cannot
 * become another message.
 */
#include "net.h"

#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "log.h"
#include "net_imap_int.h"
#include "util.h"

/* Messages, and bytes as the listing counted them, one FETCH asks for
 * (fuzz_imap makes batches of 2, so its short inputs reach the FETCH
 * sent ahead). */
#ifndef IMAP_BATCH_MAX
#define IMAP_BATCH_MAX		512
#endif
#define IMAP_BATCH_BYTES	(4 * 1024 * 1024)

void
net_imap_got_clear(struct net_imap *s)
{
	size_t	 i;

	for (i = 0; i < s->ngot; i++)
		free(s->got[i].data);
	free(s->got);
	s->got = NULL;
	s->ngot = 0;
}

void
net_imap_list_clear(struct net_imap_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
msg_cmp(const void *a, const void *b)
{
	const struct net_imap_msg	*x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

static int
msg_find(const struct net_imap_list *l, int64_t uid)
{
	size_t	 lo = 0, hi = l->n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (l->v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->n && l->v[lo].uid == uid ? (int)lo : -1;
}

/* The static item of `type` in a FETCH answer, or NULL. */
static struct mailimap_msg_att_static *
att_get(struct mailimap_msg_att *ma, int type)
{
	struct mailimap_msg_att_item	*it;
	clistiter			*c;

	for (c = clist_begin(ma->att_list); c != NULL; c = clist_next(c)) {
		it = clist_content(c);
		if (it->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
		    it->att_data.att_static != NULL &&
		    it->att_data.att_static->att_type == type)
			return it->att_data.att_static;
	}
	return NULL;
}

/* Copy each message's bytes out of a FETCH answer into s->got, after
 * what it holds. */
static void
got_add(struct net_imap *s, clist *res)
{
	struct mailimap_msg_att_static	*u, *b;
	struct mailimap_msg_att_body_section *bs;
	clistiter			*c;

	if (res == NULL)
		return;
	s->got = xreallocarray(s->got, s->ngot + (size_t)clist_count(res) + 1,
	    sizeof(*s->got));
	for (c = clist_begin(res); c != NULL; c = clist_next(c)) {
		u = att_get(clist_content(c), MAILIMAP_MSG_ATT_UID);
		b = att_get(clist_content(c), MAILIMAP_MSG_ATT_BODY_SECTION);
		if (u == NULL || b == NULL ||
		    (bs = b->att_data.att_body_section) == NULL ||
		    bs->sec_body_part == NULL)
			continue;
		s->got[s->ngot].uid = u->att_data.att_uid;
		s->got[s->ngot].len = bs->sec_length;
		s->got[s->ngot].data = xmalloc(bs->sec_length + 1);
		memcpy(s->got[s->ngot].data, bs->sec_body_part,
		    bs->sec_length);
		s->ngot++;
	}
}

/* The messages of one FETCH answer in s->got, in place of the last. */
static void
got_take(struct net_imap *s, clist *res)
{
	net_imap_got_clear(s);
	got_add(s, res);
}

/*
 * Read the answer to the FETCH sent ahead (pend_send) into *res, as
 * mailimap_uid_fetch reads its own: the same parser, the same tag
 * check (nothing was sent after it), the same deadline and caps.
 */
static int
pend_read(struct net_imap *s, clist **res, struct derr *err)
{
	struct mailimap_response	*resp;
	int				 r, cond;

	*res = NULL;
	s->pending = false;
	s->quiet = true;
	net_imap_arm(s, s->pend_bytes);
	if (mailimap_read_line(s->imap) == NULL)
		r = MAILIMAP_ERROR_STREAM;
	else
		r = mailimap_parse_response(s->imap, &resp);
	s->quiet = false;
	if (r != MAILIMAP_NO_ERROR)
		return net_imap_fail(s, r, "UID FETCH", err);
	*res = s->imap->imap_response_info->rsp_fetch_list;
	s->imap->imap_response_info->rsp_fetch_list = NULL;
	cond = *res != NULL && clist_count(*res) > 0 ?
	    MAILIMAP_RESP_COND_STATE_OK :
	    resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->rsp_type;
	mailimap_response_free(resp);
	if (cond == MAILIMAP_RESP_COND_STATE_OK)
		return 0;
	if (*res != NULL)
		mailimap_fetch_list_free(*res);
	*res = NULL;
	return net_imap_fail(s, MAILIMAP_ERROR_UID_FETCH, "UID FETCH", err);
}

/* Before any other command: the answer sent ahead, into s->got. */
static int
pend_drain(struct net_imap *s, struct derr *err)
{
	clist	*res;

	if (!s->pending)
		return 0;
	if (pend_read(s, &res, err) == -1) {
		/* Over the cap: the connection is gone; one by one now. */
		if (err->kind != DERR_INPUT)
			return -1;
		s->single_lo = s->pend_lo;
		s->single_hi = s->pend_hi;
		return 0;
	}
	got_add(s, res);
	if (res != NULL)
		mailimap_fetch_list_free(res);
	return 0;
}

/* UID FETCH `set` for `atts` (both taken), about `bytes` of answer;
 * the answers in `*res`. */
static int
imap_uid_fetch(struct net_imap *s, struct mailimap_set *set,
    struct mailimap_fetch_type *ft, size_t bytes, clist **res,
    struct derr *err)
{
	int	 r;

	*res = NULL;
	if (pend_drain(s, err) == -1 || net_imap_ready(s, err) == -1) {
		mailimap_set_free(set);
		mailimap_fetch_type_free(ft);
		return -1;
	}
	s->quiet = true;
	net_imap_arm(s, bytes);
	r = mailimap_uid_fetch(s->imap, set, ft, res);
	s->quiet = false;
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r == MAILIMAP_NO_ERROR)
		return 0;
	if (*res != NULL)
		mailimap_fetch_list_free(*res);
	*res = NULL;
	return net_imap_fail(s, r, "UID FETCH", err);
}

static void
list_add(struct net_imap_list *out, clist *res, int64_t after,
    size_t max_size)
{
	struct mailimap_msg_att_static	*u, *z;
	clistiter			*c;
	size_t				 cap = 0;

	for (c = clist_begin(res); c != NULL; c = clist_next(c)) {
		u = att_get(clist_content(c), MAILIMAP_MSG_ATT_UID);
		z = att_get(clist_content(c), MAILIMAP_MSG_ATT_RFC822_SIZE);
		/* "n:*" also answers for the last message when n is past
		 * it. */
		if (u == NULL || (int64_t)u->att_data.att_uid <= after)
			continue;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			out->v = xreallocarray(out->v, cap, sizeof(*out->v));
		}
		out->v[out->n].uid = u->att_data.att_uid;
		out->v[out->n].size = z == NULL ? 0 :
		    z->att_data.att_rfc822_size > max_size ?
		    (int64_t)max_size + 1 : z->att_data.att_rfc822_size;
		out->n++;
	}
}

/* UID FETCH after+1:* (UID RFC822.SIZE): the new messages and sizes. */
int
net_imap_list(struct net_imap *s, int64_t after, size_t max,
    struct net_imap_list *out, struct derr *err)
{
	struct mailimap_fetch_type	*ft;
	clist				*res;

	net_imap_list_clear(&s->listed);
	net_imap_got_clear(s);
	s->single_lo = s->single_hi = 0;
	if (s->box.exists == 0 || after >= UINT32_MAX)
		return 0;
	ft = xalloced(mailimap_fetch_type_new_fetch_att_list_empty());
	if (mailimap_fetch_type_new_fetch_att_list_add(ft,
	    xalloced(mailimap_fetch_att_new_uid())) != MAILIMAP_NO_ERROR ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft,
	    xalloced(mailimap_fetch_att_new_rfc822_size())) !=
	    MAILIMAP_NO_ERROR)
		xalloced(NULL);		/* out of memory */
	/* About 40 bytes a message: "* n FETCH (UID u RFC822.SIZE z)". */
	if (imap_uid_fetch(s, xalloced(mailimap_set_new_interval(
	    (uint32_t)after + 1, 0)), ft, (size_t)s->box.exists * 48, &res,
	    err) == -1)
		return -1;
	list_add(out, res, after, s->o.max_size);
	mailimap_fetch_list_free(res);
	if (out->n > 1)		/* qsort(NULL, 0): undefined (fuzz_imap) */
		qsort(out->v, out->n, sizeof(*out->v), msg_cmp);
	if (out->n > max)
		out->n = max;
	if (out->n > 0) {
		s->listed.v = xreallocarray(NULL, out->n, sizeof(*out->v));
		memcpy(s->listed.v, out->v, out->n * sizeof(*out->v));
		s->listed.n = out->n;
	}
	return 0;
}

/* FETCH items: UID and BODY.PEEK[] (or [HEADER]<0.max_size>). */
static struct mailimap_fetch_type *
body_fetch_type(const struct net_imap *s, bool headers_only)
{
	struct mailimap_fetch_type	*ft;
	struct mailimap_fetch_att	*fa;
	struct mailimap_section		*sec;

	ft = xalloced(mailimap_fetch_type_new_fetch_att_list_empty());
	sec = xalloced(headers_only ? mailimap_section_new_header() :
	    mailimap_section_new(NULL));
	fa = xalloced(headers_only ?
	    mailimap_fetch_att_new_body_peek_section_partial(sec, 0,
	    (uint32_t)s->o.max_size) :
	    mailimap_fetch_att_new_body_peek_section(sec));
	/* Adding fails only when out of memory. */
	if (mailimap_fetch_type_new_fetch_att_list_add(ft,
	    xalloced(mailimap_fetch_att_new_uid())) != MAILIMAP_NO_ERROR ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft, fa) !=
	    MAILIMAP_NO_ERROR)
		xalloced(NULL);
	return ft;
}

/* How many listed messages from index k on one FETCH asks for: at most
 * IMAP_BATCH_MAX, IMAP_BATCH_BYTES, none over max_size; their listed
 * size in *bytes. */
static size_t
batch_span(const struct net_imap *s, size_t k, size_t *nbytes)
{
	size_t	 n = 0, bytes = 0;

	for (; k < s->listed.n && n < IMAP_BATCH_MAX; k++, n++) {
		if ((k >= s->single_lo && k < s->single_hi) ||
		    s->listed.v[k].size > (int64_t)s->o.max_size ||
		    (n > 0 && bytes + (size_t)s->listed.v[k].size >
		    IMAP_BATCH_BYTES))
			break;
		bytes += (size_t)s->listed.v[k].size;
	}
	*nbytes = bytes;
	return n;
}

/* The UIDs of listed[k..k+n) as a set for libetpan, in runs. */
static struct mailimap_set *
batch_set(const struct net_imap *s, size_t k, size_t n)
{
	struct mailimap_set	*set = xalloced(mailimap_set_new_empty());
	size_t			 i, j;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && s->listed.v[k + j].uid ==
		    s->listed.v[k + j - 1].uid + 1; j++)
			;
		if (mailimap_set_add_interval(set,
		    (uint32_t)s->listed.v[k + i].uid,
		    (uint32_t)s->listed.v[k + j - 1].uid) != MAILIMAP_NO_ERROR)
			xalloced(NULL);		/* out of memory */
	}
	return set;
}

/*
 * Send the FETCH for the batch from listed index k and leave its answer
 * unread (pend_read takes it): the server writes it while mailbox parses
 * and stores the batch before, instead of both waiting in turn.  The
 * command is what mailimap_uid_fetch sends for the same set, UIDs in
 * runs ("1:512").  A failed write drops the connection: the next
 * command opens a new one.
 */
static void
pend_send(struct net_imap *s, size_t k)
{
	struct mailimap_set	*set;
	struct mailimap_set_item *it;
	struct buf		 cmd;
	clistiter		*c;
	size_t			 n, bytes;
	bool			 ok;

	if (s->pending || s->imap == NULL ||
	    s->imap->imap_state != MAILIMAP_STATE_SELECTED ||
	    (n = batch_span(s, k, &bytes)) == 0)
		return;
	set = batch_set(s, k, n);
	buf_init(&cmd, 64);
	(void)buf_puts(&cmd, "UID FETCH ", NULL);
	for (c = clist_begin(set->set_list); c != NULL; c = clist_next(c)) {
		it = clist_content(c);
		(void)buf_printf(&cmd, NULL, "%s%lu", c != clist_begin(
		    set->set_list) ? "," : "", (unsigned long)it->set_first);
		if (it->set_last != it->set_first)
			(void)buf_printf(&cmd, NULL, ":%lu",
			    (unsigned long)it->set_last);
	}
	mailimap_set_free(set);
	(void)buf_puts(&cmd, " (UID BODY.PEEK[])\r\n", NULL);
	net_imap_arm(s, 0);
	ok = mailimap_send_current_tag(s->imap) == MAILIMAP_NO_ERROR &&
	    mailstream_write(s->imap->imap_stream, cmd.data, cmd.len) ==
	    (ssize_t)cmd.len && mailstream_flush(s->imap->imap_stream) == 0;
	buf_clear(&cmd);
	if (!ok) {
		log_debug("net: cannot send the next UID FETCH ahead; "
		    "reconnecting for it");
		net_imap_drop(s);
		return;
	}
	s->pending = true;
	s->pend_lo = k;
	s->pend_hi = k + n;
	s->pend_bytes = bytes;
}

/* Move message `uid` of the last batch into `out`: 1, or 0 if absent. */
static int
got_give(struct net_imap *s, int64_t uid, struct buf *out, struct derr *err)
{
	size_t	 i;
	int	 r;

	for (i = 0; i < s->ngot; i++) {
		if (s->got[i].uid != uid || s->got[i].data == NULL)
			continue;
		if (s->got[i].len > s->o.max_size + 65536)
			r = derr_set(err, DERR_INPUT, false, "message UID %lld "
			    "is larger than mailbox.max_size",
			    (long long)uid);
		else
			r = buf_append(out, s->got[i].data, s->got[i].len,
			    err) < 0 ? -1 : 1;
		free(s->got[i].data);
		s->got[i].data = NULL;
		return r;
	}
	return 0;
}

int
net_imap_fetch(struct net_imap *s, int64_t uid, bool headers_only,
    struct buf *out, struct derr *err)
{
	struct mailimap_set	*set;
	clist			*res;
	size_t			 bytes, n = 0;
	bool			 batch;
	int			 k, r;

	if (uid <= 0 || uid > UINT32_MAX)
		return 0;
	if (!headers_only && (r = got_give(s, uid, out, err)) != 0)
		return r;
	k = msg_find(&s->listed, uid);
	/* In the batch sent ahead: its answer, and the next one sent. */
	if (!headers_only && s->pending && k >= 0 &&
	    (size_t)k >= s->pend_lo && (size_t)k < s->pend_hi) {
		if (pend_read(s, &res, err) == -1) {
			if (err->kind != DERR_INPUT)
				return -1;
			s->single_lo = s->pend_lo;	/* which one: one by one */
			s->single_hi = s->pend_hi;
			return net_imap_fetch(s, uid, headers_only, out, err);
		}
		got_take(s, res);
		if (res != NULL)
			mailimap_fetch_list_free(res);
		pend_send(s, s->pend_hi);
		return got_give(s, uid, out, err);
	}
	batch = !headers_only && k >= 0 &&
	    (n = batch_span(s, (size_t)k, &bytes)) > 0;
	if (batch) {
		set = batch_set(s, (size_t)k, n);
	} else {
		set = xalloced(mailimap_set_new_single((uint32_t)uid));
		bytes = k < 0 || s->listed.v[k].size > (int64_t)s->o.max_size ?
		    s->o.max_size : (size_t)s->listed.v[k].size;
	}
	r = imap_uid_fetch(s, set, body_fetch_type(s, headers_only), bytes,
	    &res, err);
	/* One of the batch is over the cap, but which: one by one now. */
	if (r == -1 && batch && err->kind == DERR_INPUT) {
		s->single_lo = (size_t)k;
		s->single_hi = (size_t)k + n;
		return net_imap_fetch(s, uid, headers_only, out, err);
	}
	if (r == -1)
		return -1;
	got_take(s, res);
	mailimap_fetch_list_free(res);
	if (batch)
		pend_send(s, (size_t)k + n);
	return got_give(s, uid, out, err);
}

int
net_imap_seen(struct net_imap *s, int64_t uid, struct derr *err)
{
	struct mailimap_flag_list	*fl;
	struct mailimap_store_att_flags	*sf;
	struct mailimap_set		*set;
	int				 r;

	if (pend_drain(s, err) == -1 || net_imap_ready(s, err) == -1)
		return -1;
	fl = xalloced(mailimap_flag_list_new_empty());
	set = xalloced(mailimap_set_new_single((uint32_t)uid));
	if (mailimap_flag_list_add(fl, xalloced(mailimap_flag_new_seen())) !=
	    MAILIMAP_NO_ERROR)
		xalloced(NULL);		/* out of memory */
	sf = xalloced(mailimap_store_att_flags_new_add_flags_silent(fl));
	net_imap_arm(s, 0);
	r = mailimap_uid_store(s->imap, set, sf);
	mailimap_set_free(set);
	mailimap_store_att_flags_free(sf);
	return r == MAILIMAP_NO_ERROR ? 0 : net_imap_fail(s, r, "UID STORE", err);
}

