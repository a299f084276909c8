/*
 * mailbox: the feedback mailbox poll.  See mailbox.h.
 */
#include "mailbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "mime.h"
#include "util.h"

/* One poll in progress. */
struct poll {
	struct store			*store;
	const struct mailbox_opts	*o;
	struct net_imap			*imap;
	struct mailbox_state		 st;
	struct mailbox_stats		*stats;
	int64_t				 now;
	int				 pending;	/* rows in the open tx */
	bool				 in_tx;
};

static int64_t
backoff(const struct cfg_mailbox *c, int failures)
{
	int64_t	 d = c->poll_interval;
	int	 i;

	for (i = 1; i < failures && d < MAILBOX_BACKOFF_MAX; i++)
		d *= 2;
	if (d > MAILBOX_BACKOFF_MAX)
		d = MAILBOX_BACKOFF_MAX;
	return d < c->poll_interval ? c->poll_interval : d;
}

int
mailbox_next(struct store *s, const struct cfg_mailbox *c, int64_t now,
    int64_t *at, struct derr *err)
{
	struct mailbox_state	 st;

	if (store_mailbox_get(s, c->url, &st, err) < 0)
		return -1;
	*at = st.next_poll > now ? st.next_poll : now;
	return 0;
}

static char *
join_names(const struct strv *v)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b, 0);
	for (i = 0; i < v->n; i++) {
		if (i > 0)
			buf_puts(&b, "\n", NULL);
		buf_puts(&b, v->v[i], NULL);
	}
	return buf_take(&b);
}

/* A feedback row from a parsed message (strings borrowed from `m`). */
static void
row_from(struct feedback *f, const struct poll *p, int64_t uid, int64_t size,
    struct mime_msg *m)
{
	memset(f, 0, sizeof(*f));
	f->source = (char *)(uintptr_t)"imap";
	f->uidvalidity = p->st.uidvalidity;
	f->uid = uid;
	f->message_id = m->message_id;
	f->header_hash = m->header_hash;
	f->content_hash = m->content_hash;
	f->kind = (char *)(uintptr_t)(m->kind != NULL ? m->kind : "citizen");
	/* The office's own mail (a reminder sent to the mailbox, a reply
	 * that came back): not 群众意见. */
	if (p->o->own_addr != NULL && m->from_addr != NULL &&
	    strcasecmp(m->from_addr, p->o->own_addr) == 0)
		f->kind = (char *)(uintptr_t)"own";
	f->sender = m->from;
	f->subject = m->subject;
	f->date = m->date;
	f->date_flagged = m->date_flagged;
	f->excerpt = m->excerpt;
	f->attachments = join_names(&m->attachments);
	f->note = m->note;
	f->size = size;
	f->received_at = p->now;
	f->answer_deadline = DAY_NONE;
}

static int
tx_begin(struct poll *p, struct derr *err)
{
	if (p->in_tx)
		return 0;
	if (store_begin(p->store, err) < 0)
		return -1;
	p->in_tx = true;
	p->pending = 0;
	return 0;
}

/* Commit the open batch together with the state (last UID) it reached. */
static int
tx_commit(struct poll *p, struct derr *err)
{
	if (!p->in_tx)
		return 0;
	p->in_tx = false;
	if (store_mailbox_set(p->store, p->o->cfg->url, &p->st, err) < 0) {
		store_rollback(p->store);
		return -1;
	}
	return store_commit(p->store, err);
}

static int
store_msg(struct poll *p, int64_t uid, int64_t size, struct mime_msg *m,
    struct derr *err)
{
	struct feedback	 f;
	int64_t		 id = 0;
	char		 subj[96];
	int		 r;

	row_from(&f, p, uid, size, m);
	if (tx_begin(p, err) < 0) {
		free(f.attachments);
		return -1;
	}
	r = store_feedback_insert(p->store, &f, "dutyd", p->now, &id, err);
	free(f.attachments);
	if (r < 0)
		return -1;
	if (r == 0)
		p->stats->duplicates++;
	else
		p->stats->stored++;
	log_debug("mailbox: uid=%lld %s id=%lld subject=%s", (long long)uid,
	    r ? "stored" : "duplicate", (long long)id,
	    log_escape(m->subject, subj, sizeof(subj)));
	p->st.last_uid = uid;
	if (++p->pending >= MAILBOX_COMMIT_EVERY)
		return tx_commit(p, err);
	return 0;
}

/* A message we could not read at all still becomes a row, with why. */
static int
store_unreadable(struct poll *p, int64_t uid, int64_t size, const char *why,
    struct derr *err)
{
	struct mime_msg	 m;
	int		 r;

	memset(&m, 0, sizeof(m));
	m.subject = xstrdup("");
	m.from = xstrdup("");
	m.excerpt = xstrdup("");
	m.header_hash = NULL;
	m.date = p->now;
	m.date_flagged = true;
	m.note = xasprintf("无法读取这封邮件（UID %lld）：%s", (long long)uid,
	    why);
	p->stats->unreadable++;
	r = store_msg(p, uid, size, &m, err);
	free(m.subject);
	free(m.from);
	free(m.excerpt);
	free(m.note);
	return r;
}

/* A DSN's Status and Diagnostic-Code in the words of those who read the
 * digest; the code stays beside them for the admin. */
static char *
bounce_reason(const struct mime_dsn_rcpt *m)
{
	static const struct {
		const char	*status;	/* prefix, or NULL */
		const char	*needle;	/* in the diagnostic, or NULL */
		const char	*words;
	} causes[] = {
		{ "5.1.1", NULL, "收件人地址不存在" },
		{ "5.1.2", NULL, "收件人的邮件域名不存在" },
		{ "5.2.1", NULL, "收件人邮箱已停用" },
		{ "5.2.2", NULL, "收件人邮箱已满" },
		{ "4.2.2", NULL, "收件人邮箱已满" },
		{ "5.7.", NULL, "被对方服务器拒收（反垃圾或安全策略）" },
		{ NULL, "not found", "收件人地址不存在" },
		{ NULL, "unknown", "收件人地址不存在" },
		{ NULL, "does not exist", "收件人地址不存在" },
		{ NULL, "不存在", "收件人地址不存在" },
		{ NULL, "quota", "收件人邮箱已满" },
		{ NULL, "full", "收件人邮箱已满" },
		{ "4.", NULL, "暂时无法投递" },
	};
	const char	*words = "邮件被退回", *code;
	size_t		 i;

	for (i = 0; i < sizeof(causes) / sizeof(causes[0]); i++)
		if ((causes[i].status != NULL && m->status != NULL &&
		    strncmp(m->status, causes[i].status,
		    strlen(causes[i].status)) == 0) ||
		    (causes[i].needle != NULL && m->diag != NULL &&
		    strcasestr(m->diag, causes[i].needle) != NULL)) {
			words = causes[i].words;
			break;
		}
	code = m->diag != NULL ? m->diag : m->status;
	if (code == NULL)
		return xasprintf("退信：%s", words);
	return xasprintf("退信：%s（%s）", words, code);
}

/*
 * The sent email a failed recipient of a bounce is about: the one with
 * the returned Message-ID sent to that address, else the last email sent
 * to that address, else (`alone`: the report names no other recipient,
 * e.g. a forwarded address failed) the one with that Message-ID.
 */
static int
bounce_match(struct poll *p, const char *msgid, const char *rcpt,
    bool alone, int64_t *id, struct derr *err)
{
	int	 r = 0;

	if (msgid != NULL && rcpt != NULL &&
	    (r = store_outbox_bounced(p->store, msgid, rcpt, id, err)) != 0)
		return r;
	if (rcpt != NULL &&
	    (r = store_outbox_bounced(p->store, NULL, rcpt, id, err)) != 0)
		return r;
	if (msgid != NULL && alone)
		r = store_outbox_bounced(p->store, msgid, NULL, id, err);
	return r;
}

/* One recipient of a bounce: if it failed and was dutyd's, note it. */
static int
bounce_rcpt(struct poll *p, const char *msgid, const struct mime_dsn_rcpt *g,
    bool alone, struct derr *err)
{
	struct outbox_row	 row;
	char			*name, *v, *why, masked[64];
	int64_t			 id;
	int			 r;

	/* "delayed" (still trying), "delivered", "relayed": not failing. */
	if (g->action != NULL && strcasecmp(g->action, "failed") != 0)
		return 0;
	if ((r = bounce_match(p, msgid, g->rcpt, alone, &id, err)) <= 0 ||
	    (r = store_outbox_get(p->store, id, &row, err)) <= 0)
		return r;
	why = bounce_reason(g);
	name = xasprintf("bounce:%s", row.recipient);
	v = xasprintf("%s\t%lld\t%s", row.person, (long long)id, why);
	r = store_state_set(p->store, name, v, p->now, err);
	addr_mask(row.recipient, masked, sizeof(masked));
	if (r == 0)
		log_warn("mailbox: a bounce says %s (%s) is failing: outbox "
		    "id=%lld status=%s", masked, row.person, (long long)id,
		    g->status != NULL ? g->status : "-");
	free(name);
	free(v);
	free(why);
	outbox_row_clear(&row);
	return r < 0 ? -1 : 1;
}

/*
 * A bounce of an email dutyd sent: each failed recipient it names that
 * is a person's address (matched by bounce_match) is failing, with why
 * (daemon_state "bounce:ADDRESS", shown by dutyctl status and the
 * digest).  Mail of others bounced is only stored.  A report without
 * recipient groups is matched by its Message-ID alone.
 */
static int
bounce_note(struct poll *p, const struct mime_msg *m, struct derr *err)
{
	struct mime_dsn_rcpt	 one;
	size_t			 i;

	if (m->dsn_n == 0) {
		one.rcpt = NULL;
		one.action = m->dsn_action;
		one.status = m->dsn_status;
		one.diag = m->dsn_diag;
		return m->dsn_msgid == NULL ? 0 :
		    bounce_rcpt(p, m->dsn_msgid, &one, true, err);
	}
	for (i = 0; i < m->dsn_n; i++)
		if (bounce_rcpt(p, m->dsn_msgid, &m->dsn_v[i], m->dsn_n == 1,
		    err) < 0)
			return -1;
	return 0;
}

/*
 * An answer to dutyd's own mail belongs to the reply handler, not the
 * feedback table.  It runs its own transactions, so the batch so far is
 * committed first; its Message-ID guards a crash before the UID is.
 */
static int
reply_hook(struct poll *p, int64_t uid, const struct buf *raw, bool big,
    const struct mime_msg *m, struct derr *err)
{
	int	 r;

	if (tx_commit(p, err) < 0)
		return -1;
	r = p->o->reply(p->o->replyctx, raw->data, raw->len, big, m, p->now,
	    err);
	if (r <= 0)
		return r;
	p->stats->replies++;
	p->st.last_uid = uid;
	if (tx_begin(p, err) < 0)
		return -1;
	p->pending++;
	return 1;
}

/* mailbox.mark_seen: a message handled is \Seen (a failure only warns). */
static void
mark_seen(struct poll *p, int64_t uid)
{
	struct derr	 ferr = { 0 };

	if (p->o->cfg->mark_seen &&
	    p->o->net->imap_seen(p->imap, uid, &ferr) < 0)
		log_warn("mailbox: cannot mark uid=%lld seen: %s",
		    (long long)uid, ferr.msg);
}

static int
fetch_one(struct poll *p, const struct net_imap_msg *msg, struct buf *raw,
    struct derr *err)
{
	const struct cfg_mailbox	*c = p->o->cfg;
	struct mime_msg			 m;
	struct derr			 ferr = { 0 };
	bool				 big = msg->size > c->max_size;
	int				 r, tries, garbled = 0;

	/* A garbled answer is asked again once; a message larger than it
	 * was listed (the server announced more than max_size) is read
	 * from its headers, like one listed as larger. */
	for (tries = 0; tries < 3; tries++) {
		buf_reset(raw);
		r = p->o->net->imap_fetch(p->imap, msg->uid, big, raw, &ferr);
		if (r >= 0 || (ferr.kind == DERR_INPUT && big))
			break;
		if (ferr.kind == DERR_INPUT)
			big = true;
		else if (ferr.kind != DERR_PEER || garbled++ > 0)
			break;
	}
	if (r == 0)
		return 0;		/* expunged meanwhile */
	if (r < 0 && ferr.kind == DERR_NET) {
		*err = ferr;		/* the connection is gone */
		return -2;
	}
	if (r < 0)
		return store_unreadable(p, msg->uid, msg->size, ferr.msg, err);
	if (mime_parse(raw->data, raw->len, p->now, p->o->utc_offset, &m,
	    &ferr) < 0)
		return store_unreadable(p, msg->uid, msg->size, ferr.msg, err);
	if (big && m.note == NULL)
		m.note = xasprintf("邮件超过 %d 字节的上限（mailbox.max_size），"
		    "只保存了信头", c->max_size);
	/* A bounce may quote the reminder's subject, token and all: it is
	 * the server's word about the address, not the officer's answer. */
	if (p->o->reply != NULL && strcmp(m.kind, "bounce") != 0 &&
	    (r = reply_hook(p, msg->uid, raw, big, &m, err)) != 0) {
		mime_msg_clear(&m);
		if (r < 0)
			return -1;
		mark_seen(p, msg->uid);	/* the reply is committed */
		return 0;
	}
	r = store_msg(p, msg->uid, big ? 0 : (int64_t)raw->len, &m, err);
	if (r == 0 && strcmp(m.kind, "bounce") == 0 &&
	    bounce_note(p, &m, err) < 0)
		r = -1;
	mime_msg_clear(&m);
	if (r == 0)
		mark_seen(p, msg->uid);
	return r;
}

/* Fetch and store every listed message; -2 when the server went away. */
static int
fetch_all(struct poll *p, const struct net_imap_list *l, struct derr *err)
{
	struct buf	 raw;
	size_t		 i;
	int		 r = 0;

	buf_init(&raw, (size_t)p->o->cfg->max_size + 65536);
	for (i = 0; i < l->n && r >= 0; i++) {
		if (p->o->stop != NULL && p->o->stop(p->o->stopctx))
			break;
		if (p->o->alive != NULL)
			p->o->alive(p->o->stopctx);
		r = fetch_one(p, &l->v[i], &raw, err);
	}
	buf_clear(&raw);
	return r;
}

static void
record_failure(struct poll *p, const struct derr *e)
{
	const struct cfg_mailbox	*c = p->o->cfg;
	int64_t				 wait;

	p->stats->failed = true;
	p->st.failures++;
	wait = backoff(c, p->st.failures);
	p->st.next_poll = p->now + wait;
	p->st.last_poll = p->now;
	snprintf(p->st.last_result, sizeof(p->st.last_result), "%s", e->msg);
	if (e->kind == DERR_CONFIG)
		log_err("mailbox: poll failed (fix the config): %s "
		    "failures=%d retry_in=%llds", e->msg, p->st.failures,
		    (long long)wait);
	else
		log_warn("mailbox: poll failed (transient): %s failures=%d "
		    "retry_in=%llds", e->msg, p->st.failures, (long long)wait);
}

static void
record_success(struct poll *p)
{
	const struct mailbox_stats	*s = p->stats;

	p->st.failures = 0;
	p->st.last_poll = p->st.last_ok = p->now;
	p->st.next_poll = p->now + p->o->cfg->poll_interval;
	snprintf(p->st.last_result, sizeof(p->st.last_result),
	    "ok: %d new, %d duplicate(s), %d unreadable", s->stored,
	    s->duplicates, s->unreadable);
	log_info("mailbox: poll ok: %d new, %d duplicate(s), %d unreadable "
	    "uidvalidity=%lld last_uid=%lld", s->stored, s->duplicates,
	    s->unreadable, (long long)p->st.uidvalidity,
	    (long long)p->st.last_uid);
}

static int
open_session(struct poll *p, struct net_imap_box *box, struct derr *err)
{
	const struct cfg_mailbox	*c = p->o->cfg;
	struct net_imap_opts		 no;

	memset(&no, 0, sizeof(no));
	no.url = c->url;
	no.username = c->username;
	no.password = p->o->password;
	no.ca_file = c->ca_file;
	no.connect_timeout = 30;
	/* At most 50 s, under WatchdogSec=60: a server that stops answering,
	 * or trickles, costs one timeout; bytes coming call `alive`. */
	no.timeout = c->timeout;
	no.alive = p->o->alive;
	no.alivectx = p->o->stopctx;
	no.read_write = c->mark_seen;
	no.max_size = (size_t)c->max_size;
	p->imap = p->o->net->imap_open(&no, box, err);
	if (p->imap == NULL)
		return -1;
	if (box->uidvalidity != p->st.uidvalidity) {
		if (p->st.uidvalidity != 0)
			log_notice("mailbox: UIDVALIDITY changed (%lld -> "
			    "%lld): reading the mailbox again, skipping "
			    "what is stored", (long long)p->st.uidvalidity,
			    (long long)box->uidvalidity);
		p->st.uidvalidity = box->uidvalidity;
		p->st.last_uid = 0;
	}
	return 0;
}

/* The network part; -1 = server/network trouble in `nerr`, -2 = db. */
static int
poll_server(struct poll *p, struct derr *nerr, struct derr *err)
{
	struct net_imap_box	 box;
	struct net_imap_list	 l = { 0 };
	int			 r;

	if (open_session(p, &box, nerr) < 0)
		return -1;
	/* UIDNEXT says nothing is new: the poll is over. */
	if (box.uidnext > 0 && box.uidnext <= p->st.last_uid + 1)
		return 0;
	if (p->o->net->imap_list(p->imap, p->st.last_uid, MAILBOX_POLL_MAX,
	    &l, nerr) < 0)
		return -1;
	p->stats->listed = (int)l.n;
	r = fetch_all(p, &l, err);
	net_imap_list_clear(&l);
	if (r == -2) {
		*nerr = *err;
		return -1;
	}
	return r < 0 ? -2 : 0;
}

int
mailbox_poll(struct store *s, const struct mailbox_opts *o, int64_t now,
    struct mailbox_stats *stats, struct derr *err)
{
	struct poll	 p;
	struct derr	 nerr = { 0 };
	int		 r;

	memset(stats, 0, sizeof(*stats));
	memset(&p, 0, sizeof(p));
	p.store = s;
	p.o = o;
	p.stats = stats;
	p.now = now;
	if (store_mailbox_get(s, o->cfg->url, &p.st, err) < 0)
		return -1;
	if (p.st.next_poll > now)
		return 0;
	r = poll_server(&p, &nerr, err);
	if (r == -2) {
		if (p.in_tx)
			store_rollback(s);
		o->net->imap_free(p.imap);
		return -1;
	}
	if (r == -1)
		record_failure(&p, &nerr);
	else
		record_success(&p);
	o->net->imap_free(p.imap);
	if (p.in_tx)
		return tx_commit(&p, err) < 0 ? -1 : 1;
	return store_mailbox_set(s, o->cfg->url, &p.st, err) < 0 ? -1 : 1;
}
