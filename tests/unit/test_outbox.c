/*
 * outbox tests, with a store on :memory:, the config from a file written
 * here and the real templates.  Composing: a reminder row carries the
 * email built when queued, byte for byte what mime builds from the row.
 * Delivering: a fake channel (struct channel) records what it is given
 * and answers from a script (sent, transient, permanent, unknown, channel
 * paused); the rows' states, attempts and retry times are checked, and a
 * row queued without its message goes out as the same bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

/* libdutyd allocates with the real malloc: so does this test. */
#undef malloc
#undef calloc
#undef realloc
#undef free

#include "calendar.h"
#include "config.h"
#include "mime.h"
#include "model.h"
#include "outbox.h"
#include "store.h"
#include "util.h"

#define FAKE_MAX	8

/* A channel that records each message and answers from `script`. */
struct fake {
	struct channel		 ch;
	enum channel_outcome	 script[FAKE_MAX];
	size_t			 nscript;	/* past the end: CHANNEL_SENT */
	size_t			 calls;
	char			*raw[FAKE_MAX];	/* copies of msg->raw */
	size_t			 raw_len[FAKE_MAX];
	char			*key[FAKE_MAX];
	int			 flushes;
};

struct fx {
	char		 dir[64];
	struct cfg	*cfg;
	struct cal	*cal;
	struct store	*st;
	struct fake	 fake;
	int64_t		 now;
};

static const char conf_text[] =
    "general = { database = \"d.db\"; templates = \"" TOP_SRCDIR
    "/conf/templates\"; office = \"团县委\"; };\n"
    "people = (\n"
    " { key = \"wang\"; name = \"王立群\"; email = \"w@example.org\";"
    " roles = [\"principal\"]; },\n"
    " { key = \"zhang\"; name = \"张伟\"; email = \"z@example.org\";"
    " leaders = [\"wang\"]; }\n);\n"
    "smtp = { from = \"duty@example.org\"; from_name = \"团县委整改办\"; };\n"
    "maildir = { path = \"md\"; };\n"
    "outbox = { retry_min = 300; retry_max = 4000; batch = 10; };\n"
    "digest = { enabled = false; };\n";

static enum channel_outcome
fake_send(void *ctx, const struct channel_msg *m, char *peer,
    struct derr *err)
{
	struct fake		*f = ctx;
	enum channel_outcome	 oc;
	size_t			 i = f->calls++;

	assert_true(i < FAKE_MAX);
	f->key[i] = strdup(m->key);
	if (m->raw != NULL) {
		f->raw[i] = malloc(m->raw_len);
		memcpy(f->raw[i], m->raw, m->raw_len);
		f->raw_len[i] = m->raw_len;
	}
	oc = i < f->nscript ? f->script[i] : CHANNEL_SENT;
	switch (oc) {
	case CHANNEL_SENT:
		snprintf(peer, 128, "peer-%zu", i + 1);
		break;
	case CHANNEL_PAUSED:
		f->ch.hold.pause = 900;
		snprintf(f->ch.hold.cause, sizeof(f->ch.hold.cause),
		    "额度已用完");
		derr_set(err, DERR_PEER, true, "451 quota");
		break;
	default:
		derr_set(err, DERR_PEER, oc != CHANNEL_PERMANENT,
		    "scripted %d", (int)oc);
		break;
	}
	return oc;
}

static void
fake_flush(void *ctx)
{
	((struct fake *)ctx)->flushes++;
}

static struct channel *
fake_for(void *ctx, const char *name)
{
	struct fake	*f = ctx;

	return strcmp(name, "email") == 0 ? &f->ch : NULL;
}

static void
fake_clear(struct fake *f)
{
	size_t	 i;

	for (i = 0; i < FAKE_MAX; i++) {
		free(f->raw[i]);
		free(f->key[i]);
	}
}

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	struct strv	 errors = { 0 };
	struct derr	 err = { 0 };
	char		 path[96];
	FILE		*fp;

	snprintf(f->dir, sizeof(f->dir), "/tmp/dutyd-outbox.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/d.conf", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs(conf_text, fp);
	fclose(fp);
	f->cfg = cfg_load(path, &errors, &err);
	if (f->cfg == NULL)
		fail_msg("%s %s", err.msg, errors.n ? errors.v[0] : "");
	strv_clear(&errors);
	unlink(path);
	rmdir(f->dir);
	assert_non_null(f->cal = cal_new("Asia/Shanghai", NULL, 0, NULL, 0,
	    &err));
	assert_non_null(f->st = store_open(":memory:", &err));
	f->now = cal_instant(f->cal, day_from_ymd(2026, 11, 30), 9 * 60);
	f->fake.ch.name = "email";
	f->fake.ch.ctx = &f->fake;
	f->fake.ch.send = fake_send;
	f->fake.ch.flush = fake_flush;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	fake_clear(&f->fake);
	store_close(f->st);
	cal_free(f->cal);
	cfg_free(f->cfg);
	free(f);
	return 0;
}

/* The email mime builds from `r`'s fields, as the outbox must send it. */
static void
expected_mail(const struct fx *f, const struct outbox_row *r, struct buf *b)
{
	struct mime_out	 m;
	struct derr	 err = { 0 };

	memset(&m, 0, sizeof(m));
	m.from_addr = "duty@example.org";
	m.from_name = "团县委整改办";
	m.to_addr = r->recipient;
	m.to_name = r->recipient_name;
	m.subject = r->subject;
	m.text = r->body_text;
	m.html = r->body_html;
	m.message_id = r->message_id;
	m.date = r->created_at;
	m.utc_offset = cal_utc_offset(f->cal, r->created_at);
	buf_init(b, 1 << 22);
	assert_int_equal(mime_build(&m, b, &err), 0);
}

/* Queue one ready-made email under `key`; returns its row id. */
static int64_t
queue(struct fx *f, const char *key)
{
	struct outbox_list	 l = { 0 };
	struct derr		 err = { 0 };
	int64_t			 id = 0;
	size_t			 i;

	assert_int_equal(outbox_enqueue_email(f->st, f->cfg, f->cal, "digest",
	    key, "zhang", "本周整改情况", "正文\n第二行\n", "<p>正文</p>",
	    f->now, &err), 1);
	assert_int_equal(store_outbox_since(f->st, 0, &l, &err), 0);
	for (i = 0; i < l.n; i++)
		if (strcmp(l.v[i].key, key) == 0)
			id = l.v[i].id;
	outbox_list_clear(&l);
	assert_true(id > 0);
	return id;
}

static void
get(struct fx *f, int64_t id, struct outbox_row *r)
{
	struct derr	 err = { 0 };

	memset(r, 0, sizeof(*r));
	assert_int_equal(store_outbox_get(f->st, id, r, &err), 1);
}

static int
drain(struct fx *f, int64_t now, struct outbox_stats *st)
{
	struct outbox_drain_opts	 o;
	struct derr			 err = { 0 };
	int				 n;

	memset(&o, 0, sizeof(o));
	memset(st, 0, sizeof(*st));
	o.channel = fake_for;
	o.chctx = &f->fake;
	o.utc_offset = cal_utc_offset(f->cal, now);
	o.from_addr = f->cfg->smtp.from;
	o.from_name = f->cfg->smtp.from_name;
	o.reply_addr = f->cfg->replies.address;
	n = outbox_drain(f->st, &f->cfg->outbox, &o, now, st, &err);
	if (n < 0)
		fail_msg("outbox_drain: %s", err.msg);
	return n;
}

static void
test_outbox_compose_builds_the_email_when_queued(void **state)
{
	struct fx		*f = *state;
	struct outbox_row	 r;
	struct buf		 want;

	get(f, queue(f, "digest:zhang:email:2026-W49"), &r);
	assert_int_equal(r.status, OUTBOX_PENDING);
	assert_string_equal(r.recipient, "z@example.org");
	assert_string_equal(r.message_id,
	    "digest.zhang.email.2026-W49@example.org");
	assert_non_null(r.message);
	expected_mail(f, &r, &want);
	assert_int_equal(r.message_len, want.len);
	assert_memory_equal(r.message, want.data, want.len);
	assert_non_null(strstr(r.message, "Date: Mon, 30 Nov 2026 09:00:00 "
	    "+0800\r\n"));
	buf_clear(&want);
	outbox_row_clear(&r);
}

/* A reminder from plan's notification: one row, rendered and built. */
static void
test_outbox_compose_reminder(void **state)
{
	struct fx		*f = *state;
	struct notif_list	 l = { 0 };
	struct notif		 n;
	struct measure		 m;
	struct outbox_stats	 st = { 0 };
	struct outbox_list	 rows = { 0 };
	struct derr		 err = { 0 };
	struct buf		 want;

	memset(&m, 0, sizeof(m));
	m.problem_code = (char *)(uintptr_t)"一";
	m.problem_title = (char *)(uintptr_t)"理论学习不到位";
	m.code = (char *)(uintptr_t)"一-1";
	m.text = (char *)(uintptr_t)"制定年度学习计划";
	m.kind = MEASURE_DEADLINE;
	m.deadline = day_from_ymd(2026, 12, 3);
	strv_push(&m.owners, "zhang");
	assert_int_equal(store_measure_add(f->st, &m, "test", f->now, &err),
	    0);
	strv_clear(&m.owners);
	assert_int_equal(store_measure_get(f->st, "一-1", &m, &err), 1);
	memset(&n, 0, sizeof(n));
	snprintf(n.key, sizeof(n.key), "item:%lld:before:3",
	    (long long)m.id);
	n.what = NOTIF_ITEM;
	n.item_id = m.id;
	n.deadline = m.deadline;
	n.person = 1;
	n.owner = 1;
	n.channel = CFG_CH_EMAIL;
	n.days = 3;
	n.colour = NOTIF_YELLOW;
	n.duty = -1;
	n.target = -1;
	measure_clear(&m);
	notif_list_push(&l, &n);
	assert_int_equal(outbox_enqueue(f->st, f->cfg, f->cal, &l, f->now, &st,
	    &err), 0);
	assert_int_equal(st.enqueued, 1);
	assert_int_equal(st.stages, 1);
	/* The same stages again: nothing new. */
	memset(&st, 0, sizeof(st));
	assert_int_equal(outbox_enqueue(f->st, f->cfg, f->cal, &l, f->now + 60,
	    &st, &err), 0);
	assert_int_equal(st.enqueued, 0);
	assert_int_equal(store_outbox_since(f->st, 0, &rows, &err), 0);
	assert_int_equal(rows.n, 1);
	assert_string_equal(rows.v[0].kind, "reminder");
	assert_non_null(strstr(rows.v[0].key, "remind:zhang:email:item:"));
	assert_non_null(strstr(rows.v[0].body_text, "一-1"));
	assert_non_null(rows.v[0].message);
	expected_mail(f, &rows.v[0], &want);
	assert_int_equal(rows.v[0].message_len, want.len);
	assert_memory_equal(rows.v[0].message, want.data, want.len);
	buf_clear(&want);
	outbox_list_clear(&rows);
	notif_list_clear(&l);
}

/*
 * A deadline that falls in a holiday's days off (国庆节) is told so in the
 * reminder, text and HTML: the work is due before the holiday.
 */
static void
test_outbox_compose_reminder_names_holiday(void **state)
{
	struct fx		*f = *state;
	struct notif_list	 l = { 0 };
	struct notif		 n;
	struct measure		 m;
	struct outbox_stats	 st = { 0 };
	struct outbox_list	 rows = { 0 };
	struct derr		 err = { 0 };
	int64_t			 now;

	now = cal_instant(f->cal, day_from_ymd(2026, 9, 28), 9 * 60);
	memset(&m, 0, sizeof(m));
	m.problem_code = (char *)(uintptr_t)"一";
	m.problem_title = (char *)(uintptr_t)"理论学习不到位";
	m.code = (char *)(uintptr_t)"一-2";
	m.text = (char *)(uintptr_t)"开展专题学习";
	m.kind = MEASURE_DEADLINE;
	m.deadline = day_from_ymd(2026, 10, 3);
	strv_push(&m.owners, "zhang");
	assert_int_equal(store_measure_add(f->st, &m, "test", now, &err), 0);
	strv_clear(&m.owners);
	assert_int_equal(store_measure_get(f->st, "一-2", &m, &err), 1);
	memset(&n, 0, sizeof(n));
	snprintf(n.key, sizeof(n.key), "item:%lld:before:3",
	    (long long)m.id);
	n.what = NOTIF_ITEM;
	n.item_id = m.id;
	n.deadline = m.deadline;
	n.person = 1;
	n.owner = 1;
	n.channel = CFG_CH_EMAIL;
	n.days = 3;
	n.colour = NOTIF_YELLOW;
	n.duty = -1;
	n.target = -1;
	measure_clear(&m);
	notif_list_push(&l, &n);
	assert_int_equal(outbox_enqueue(f->st, f->cfg, f->cal, &l, now, &st,
	    &err), 0);
	assert_int_equal(store_outbox_since(f->st, 0, &rows, &err), 0);
	assert_int_equal(rows.n, 1);
	assert_non_null(strstr(rows.v[0].body_text, "时限：2026-10-03"
	    "（适逢国庆节假期，请在节前完成）"));
	assert_non_null(strstr(rows.v[0].body_html, "（适逢国庆节假期，"
	    "请在节前完成）"));
	outbox_list_clear(&rows);
	notif_list_clear(&l);
}

/* Sent: the channel got the queued bytes; the row is sent, attempt 1. */
static void
test_outbox_deliver_sends_the_queued_bytes(void **state)
{
	struct fx		*f = *state;
	struct outbox_stats	 st;
	struct outbox_row	 r;
	int64_t			 id = queue(f, "k:1");

	assert_int_equal(drain(f, f->now, &st), 1);
	assert_int_equal(st.sent, 1);
	assert_int_equal(f->fake.calls, 1);
	assert_int_equal(f->fake.flushes, 1);
	get(f, id, &r);
	assert_int_equal(r.status, OUTBOX_SENT);
	assert_int_equal(r.attempts, 1);
	assert_string_equal(r.provider_id, "peer-1");
	assert_int_equal(f->fake.raw_len[0], r.message_len);
	assert_memory_equal(f->fake.raw[0], r.message, r.message_len);
	outbox_row_clear(&r);
	/* Nothing is due any more. */
	assert_int_equal(drain(f, f->now + 3600, &st), 0);
	assert_int_equal(f->fake.calls, 1);
}

/* Transient, then permanent: retried after the backoff, then dead. */
static void
test_outbox_deliver_retries_then_gives_up(void **state)
{
	struct fx		*f = *state;
	struct outbox_stats	 st;
	struct outbox_row	 r;
	int64_t			 id = queue(f, "k:2"), due;

	f->fake.script[0] = CHANNEL_TRANSIENT;
	f->fake.script[1] = CHANNEL_PERMANENT;
	f->fake.nscript = 2;
	assert_int_equal(drain(f, f->now, &st), 1);
	assert_int_equal(st.failed, 1);
	get(f, id, &r);
	assert_int_equal(r.status, OUTBOX_FAILED);
	assert_int_equal(r.attempts, 1);
	due = f->now + outbox_backoff(&f->cfg->outbox, id, 1);
	assert_int_equal(r.next_attempt_at, due);
	assert_true(due - f->now >= 270 && due - f->now <= 330);
	assert_string_equal(r.last_error, "scripted 1");
	outbox_row_clear(&r);
	/* Not before its time. */
	assert_int_equal(drain(f, due - 1, &st), 0);
	assert_int_equal(f->fake.calls, 1);
	assert_int_equal(drain(f, due, &st), 1);
	assert_int_equal(st.dead, 1);
	get(f, id, &r);
	assert_int_equal(r.status, OUTBOX_DEAD);
	assert_int_equal(r.attempts, 2);
	assert_string_equal(r.last_error, "scripted 2");
	outbox_row_clear(&r);
}

/* A reply lost: retried, and the row says it may be a duplicate. */
static void
test_outbox_deliver_unknown_may_duplicate(void **state)
{
	struct fx		*f = *state;
	struct outbox_stats	 st;
	struct outbox_row	 r;
	int64_t			 id = queue(f, "k:3");

	f->fake.script[0] = CHANNEL_UNKNOWN;
	f->fake.nscript = 1;
	assert_int_equal(drain(f, f->now, &st), 1);
	assert_int_equal(st.unknown, 1);
	get(f, id, &r);
	assert_int_equal(r.status, OUTBOX_FAILED);
	assert_true(r.maybe_dup);
	assert_int_equal(r.attempts, 1);
	outbox_row_clear(&r);
}

/*
 * The channel pauses: the message is held without spending an attempt,
 * the next one is not even tried, and the pause is recorded.
 */
static void
test_outbox_deliver_channel_pause_holds(void **state)
{
	struct fx			*f = *state;
	struct outbox_stats		 st;
	struct outbox_row		 r;
	struct channel_pause_list	 pl = { 0 };
	struct derr			 err = { 0 };
	int64_t				 a = queue(f, "k:4"), b = queue(f,
	    "k:5");

	f->fake.script[0] = CHANNEL_PAUSED;
	f->fake.nscript = 1;
	assert_int_equal(drain(f, f->now, &st), 2);
	assert_int_equal(f->fake.calls, 1);
	assert_int_equal(st.held, 2);
	assert_int_equal(st.sent + st.failed + st.dead, 0);
	get(f, a, &r);
	assert_int_equal(r.status, OUTBOX_PENDING);
	assert_int_equal(r.attempts, 0);
	assert_int_equal(r.next_attempt_at, f->now + 900);
	outbox_row_clear(&r);
	get(f, b, &r);
	assert_int_equal(r.status, OUTBOX_PENDING);
	assert_int_equal(r.attempts, 0);
	outbox_row_clear(&r);
	assert_int_equal(store_channel_pause_list(f->st, &pl, &err), 0);
	assert_int_equal(pl.n, 1);
	assert_string_equal(pl.v[0].channel, "email");
	assert_string_equal(pl.v[0].cause, "额度已用完");
	assert_int_equal(pl.v[0].until, f->now + 900);
	channel_pause_list_clear(&pl);
	/* Both go when the pause is over, and the pause ends. */
	assert_int_equal(drain(f, f->now + 900, &st), 2);
	assert_int_equal(st.sent, 2);
	assert_int_equal(store_channel_pause_list(f->st, &pl, &err), 0);
	assert_int_equal(pl.n, 0);
	channel_pause_list_clear(&pl);
}

/*
 * A row queued without its message (an older dutyd): built when sent by
 * the same function, so the channel gets the same bytes.
 */
static void
test_outbox_deliver_builds_a_row_without_message(void **state)
{
	struct fx		*f = *state;
	struct outbox_stats	 st;
	struct outbox_row	 r, old;
	struct derr		 err = { 0 };
	struct buf		 want;
	int64_t			 id;

	get(f, queue(f, "k:6"), &r);
	memset(&old, 0, sizeof(old));
	old.key = (char *)(uintptr_t)"k:7";
	old.kind = r.kind;
	old.channel = r.channel;
	old.person = r.person;
	old.recipient = r.recipient;
	old.recipient_name = r.recipient_name;
	old.subject = r.subject;
	old.body_text = r.body_text;
	old.body_html = r.body_html;
	old.message_id = r.message_id;
	old.created_at = r.created_at;
	old.next_attempt_at = r.created_at;
	assert_int_equal(store_outbox_insert(f->st, &old, &id, &err), 1);
	assert_int_equal(store_outbox_cancel(f->st, r.id, "test", f->now,
	    &err), 1);
	assert_int_equal(drain(f, f->now, &st), 1);
	assert_int_equal(st.sent, 1);
	assert_string_equal(f->fake.key[0], "k:7");
	assert_non_null(f->fake.raw[0]);
	assert_int_equal(f->fake.raw_len[0], r.message_len);
	assert_memory_equal(f->fake.raw[0], r.message, r.message_len);
	expected_mail(f, &r, &want);
	assert_memory_equal(f->fake.raw[0], want.data, want.len);
	buf_clear(&want);
	outbox_row_clear(&r);
}

/* Turn replies on, with a key file in `dir` (removed by the caller). */
static void
replies_on(struct fx *f, char *dir, size_t dirsz, char *key, size_t keysz)
{
	FILE	*fp;

	snprintf(dir, dirsz, "/tmp/dutyd-outbox.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(key, keysz, "%s/replies.key", dir);
	assert_non_null(fp = fopen(key, "w"));
	fputs("0123456789abcdef0123456789abcdef\n", fp);
	fclose(fp);
	assert_int_equal(chmod(key, 0600), 0);
	free(f->cfg->replies.address);
	free(f->cfg->replies.key_file);
	f->cfg->replies.enabled = true;
	f->cfg->replies.address = strdup("reply@example.org");
	f->cfg->replies.key_file = strdup(key);
}

/*
 * An answerable row queued without its message: built when sent with
 * its token (the store keeps it in reply_token) and the Reply-To, so the
 * channel gets the bytes it would have got from the queued message.
 */
static void
test_outbox_deliver_builds_an_answerable_row_with_its_token(void **state)
{
	struct fx		*f = *state;
	struct outbox_stats	 st;
	struct outbox_list	 l = { 0 };
	struct outbox_row	 r, old;
	struct derr		 err = { 0 };
	char			 dir[64], key[96];
	int64_t			 id = 0;

	replies_on(f, dir, sizeof(dir), key, sizeof(key));
	assert_int_equal(outbox_enqueue_answerable(f->st, f->cfg, f->cal,
	    "reply-ask", "ask:1", "wang", "请认定", "正文\n", "", 0, f->now,
	    &err), 1);
	unlink(key);
	rmdir(dir);
	assert_int_equal(store_outbox_since(f->st, 0, &l, &err), 0);
	assert_int_equal(l.n, 1);
	get(f, l.v[0].id, &r);
	outbox_list_clear(&l);
	assert_string_equal(r.key, "ask:1");
	assert_non_null(r.message);
	assert_non_null(strstr(r.message, "Reply-To: reply@example.org"));
	assert_non_null(r.reply_token);
	assert_non_null(strstr(r.subject, r.reply_token));
	memset(&old, 0, sizeof(old));
	old.key = (char *)(uintptr_t)"ask:2";
	old.kind = r.kind;
	old.channel = r.channel;
	old.person = r.person;
	old.recipient = r.recipient;
	old.recipient_name = r.recipient_name;
	old.subject = r.subject;
	old.body_text = r.body_text;
	old.body_html = r.body_html;
	old.message_id = r.message_id;
	old.created_at = r.created_at;
	old.next_attempt_at = r.created_at;
	assert_int_equal(store_outbox_insert(f->st, &old, &id, &err), 1);
	assert_int_equal(store_outbox_cancel(f->st, r.id, "test", f->now,
	    &err), 1);
	assert_int_equal(drain(f, f->now, &st), 1);
	assert_int_equal(st.sent, 1);
	assert_string_equal(f->fake.key[0], "ask:2");
	assert_non_null(f->fake.raw[0]);
	assert_int_equal(f->fake.raw_len[0], r.message_len);
	assert_memory_equal(f->fake.raw[0], r.message, r.message_len);
	outbox_row_clear(&r);
}

/* A row without a message that cannot be built: dead, channel untried. */
static void
test_outbox_deliver_unbuildable_row_is_dead(void **state)
{
	struct fx		*f = *state;
	struct outbox_stats	 st;
	struct outbox_row	 r;
	struct derr		 err = { 0 };
	int64_t			 id;

	memset(&r, 0, sizeof(r));
	r.key = (char *)(uintptr_t)"k:8";
	r.kind = (char *)(uintptr_t)"digest";
	r.channel = (char *)(uintptr_t)"email";
	r.person = (char *)(uintptr_t)"zhang";
	r.recipient = (char *)(uintptr_t)"z@example.org";
	r.subject = (char *)(uintptr_t)"bad\r\nBcc: x@example.org";
	r.body_text = (char *)(uintptr_t)"x";
	r.message_id = (char *)(uintptr_t)"k.8@example.org";
	r.created_at = f->now;
	r.next_attempt_at = f->now;
	assert_int_equal(store_outbox_insert(f->st, &r, &id, &err), 1);
	assert_int_equal(drain(f, f->now, &st), 1);
	assert_int_equal(st.dead, 1);
	assert_int_equal(f->fake.calls, 0);
	get(f, id, &r);
	assert_int_equal(r.status, OUTBOX_DEAD);
	assert_non_null(strstr(r.last_error, "email: "));
	outbox_row_clear(&r);
}

#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_outbox_compose_builds_the_email_when_queued),
		T(test_outbox_compose_reminder),
		T(test_outbox_compose_reminder_names_holiday),
		T(test_outbox_deliver_sends_the_queued_bytes),
		T(test_outbox_deliver_retries_then_gives_up),
		T(test_outbox_deliver_unknown_may_duplicate),
		T(test_outbox_deliver_channel_pause_holds),
		T(test_outbox_deliver_builds_a_row_without_message),
		T(test_outbox_deliver_builds_an_answerable_row_with_its_token),
		T(test_outbox_deliver_unbuildable_row_is_dead),
	};
	int	 rc;

	mime_global_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	mime_global_cleanup();
	return rc;
}
