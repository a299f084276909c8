/*
 * mailbox tests: mailbox_poll against a fake IMAP server (struct
 * net_imap_ops) that hands out raw messages, and a store on :memory:.
 * New messages become feedback rows; the UID high-water mark makes the
 * next poll ask only for what is newer; after a UIDVALIDITY change the
 * mailbox is read again and nothing is stored twice; a server that is
 * down costs a backoff, not an error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* libdutyd allocates with the real malloc: so does this test. */
#undef malloc
#undef calloc
#undef realloc
#undef free

#include "config.h"
#include "mailbox.h"
#include "mime.h"
#include "net.h"
#include "store.h"
#include "util.h"

#define SRV_MAX		8
#define POLL_EVERY	600
#define URL		"imaps://imap.example.org/INBOX"

/* The fake server: its mailbox, and what it was asked. */
struct srv {
	int64_t		 uidvalidity;
	int64_t		 uid[SRV_MAX];
	const char	*raw[SRV_MAX];
	size_t		 n;
	bool		 down;		/* imap_open fails (DERR_NET) */
	int		 opens;
	int64_t		 listed_after;	/* imap_list's `after`, -1: never */
	int		 fetches;
};

struct net_imap {
	struct srv	*srv;
};

/* The ops get no context: the server of the running test. */
static struct srv *srv;

static struct net_imap *
fake_open(const struct net_imap_opts *o, struct net_imap_box *box,
    struct derr *err)
{
	struct net_imap	*s;

	assert_string_equal(o->url, URL);
	srv->opens++;
	if (srv->down) {
		derr_set(err, DERR_NET, true, "connection refused");
		return NULL;
	}
	box->uidvalidity = srv->uidvalidity;
	box->uidnext = srv->n > 0 ? srv->uid[srv->n - 1] + 1 : 1;
	box->exists = (int64_t)srv->n;
	s = calloc(1, sizeof(*s));
	s->srv = srv;
	return s;
}

static int
fake_list(struct net_imap *s, int64_t after, size_t max,
    struct net_imap_list *l, struct derr *err)
{
	size_t	 i;

	(void)err;
	s->srv->listed_after = after;
	l->v = calloc(SRV_MAX, sizeof(*l->v));
	l->n = 0;
	for (i = 0; i < s->srv->n && l->n < max; i++)
		if (s->srv->uid[i] > after) {
			l->v[l->n].uid = s->srv->uid[i];
			l->v[l->n].size = (int64_t)strlen(s->srv->raw[i]);
			l->n++;
		}
	return 0;
}

static int
fake_fetch(struct net_imap *s, int64_t uid, bool headers_only,
    struct buf *out, struct derr *err)
{
	size_t	 i;

	assert_false(headers_only);
	s->srv->fetches++;
	for (i = 0; i < s->srv->n; i++)
		if (s->srv->uid[i] == uid)
			return buf_append(out, s->srv->raw[i],
			    strlen(s->srv->raw[i]), err) < 0 ? -1 : 1;
	return 0;
}

static int
fake_seen(struct net_imap *s, int64_t uid, struct derr *err)
{
	(void)s;
	(void)uid;
	(void)err;
	fail_msg("mark_seen is off: nothing is marked");
	return -1;
}

static void
fake_free(struct net_imap *s)
{
	free(s);
}

static const struct net_imap_ops fake_ops = {
	.imap_open = fake_open, .imap_list = fake_list,
	.imap_fetch = fake_fetch, .imap_seen = fake_seen,
	.imap_free = fake_free,
};

static const char *const mails[] = {
	"From: 张三 <zhangsan@example.net>\r\n"
	"To: yjx@example.org\r\n"
	"Subject: =?UTF-8?B?5Y+N5pig6Lev54Gv5LiN5Lqu?=\r\n"
	"Date: Mon, 30 Nov 2026 08:00:00 +0800\r\n"
	"Message-ID: <a1@example.net>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: text/plain; charset=UTF-8\r\n"
	"Content-Transfer-Encoding: 8bit\r\n\r\n"
	"村口路灯坏了三个月。\r\n",
	"From: li@example.net\r\n"
	"Subject: second\r\n"
	"Date: Mon, 30 Nov 2026 08:10:00 +0800\r\n"
	"Message-ID: <a2@example.net>\r\n\r\n"
	"body two\r\n",
	"From: wang@example.net\r\n"
	"Subject: third\r\n"
	"Date: Mon, 30 Nov 2026 08:20:00 +0800\r\n"
	"Message-ID: <a3@example.net>\r\n\r\n"
	"body three\r\n",
	"From: zhao@example.net\r\n"
	"Subject: fourth\r\n"
	"Date: Mon, 30 Nov 2026 09:20:00 +0800\r\n"
	"Message-ID: <a4@example.net>\r\n\r\n"
	"body four\r\n",
};

struct fx {
	struct store		*st;
	struct srv		 srv;
	struct cfg_mailbox	 cfg;
	struct mailbox_opts	 o;
	int64_t			 now;
};

static void
srv_put(struct srv *s, int64_t uid, const char *raw)
{
	assert_true(s->n < SRV_MAX);
	s->uid[s->n] = uid;
	s->raw[s->n] = raw;
	s->n++;
}

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	struct derr	 err = { 0 };
	size_t		 i;

	assert_non_null(f->st = store_open(":memory:", &err));
	f->srv.uidvalidity = 7;
	f->srv.listed_after = -1;
	for (i = 0; i < 3; i++)
		srv_put(&f->srv, (int64_t)i + 1, mails[i]);
	srv = &f->srv;
	f->cfg.enabled = true;
	f->cfg.url = (char *)(uintptr_t)URL;
	f->cfg.username = (char *)(uintptr_t)"yjx@example.org";
	f->cfg.poll_interval = POLL_EVERY;
	f->cfg.max_size = 1 << 20;
	f->cfg.answer_days = 15;
	f->o.cfg = &f->cfg;
	f->o.password = "secret";
	f->o.net = &fake_ops;
	f->o.utc_offset = 480;
	f->now = INT64_C(1796000000);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	store_close(f->st);
	free(f);
	srv = NULL;
	return 0;
}

static void
poll_at(struct fx *f, int64_t now, int want, struct mailbox_stats *st)
{
	struct derr	 err = { 0 };
	int		 r;

	r = mailbox_poll(f->st, &f->o, now, st, &err);
	if (r < 0)
		fail_msg("mailbox_poll: %s", err.msg);
	assert_int_equal(r, want);
}

static size_t
rows(struct fx *f, struct feedback_list *l)
{
	struct feedback_filter	 flt = { -1, 0, DAY_NONE, 0, false };
	struct derr		 err = { 0 };

	memset(l, 0, sizeof(*l));
	assert_int_equal(store_feedback_list(f->st, &flt, l, &err), 0);
	return l->n;
}

static void
state_of(struct fx *f, struct mailbox_state *ms)
{
	struct derr	 err = { 0 };

	assert_int_equal(store_mailbox_get(f->st, URL, ms, &err), 1);
}

static void
test_mailbox_stores_new_messages(void **state)
{
	struct fx		*f = *state;
	struct mailbox_stats	 st;
	struct mailbox_state	 ms;
	struct feedback_list	 l;

	poll_at(f, f->now, 1, &st);
	assert_int_equal(f->srv.listed_after, 0);
	assert_int_equal(st.listed, 3);
	assert_int_equal(st.stored, 3);
	assert_int_equal(st.duplicates, 0);
	assert_false(st.failed);
	assert_int_equal(rows(f, &l), 3);
	assert_string_equal(l.v[0].subject, "反映路灯不亮");
	assert_string_equal(l.v[0].sender, "张三 <zhangsan@example.net>");
	assert_non_null(strstr(l.v[0].excerpt, "村口路灯坏了三个月"));
	assert_string_equal(l.v[0].message_id, "a1@example.net");
	assert_int_equal(l.v[0].uidvalidity, 7);
	assert_int_equal(l.v[0].uid, 1);
	assert_int_equal(l.v[0].received_at, f->now);
	assert_string_equal(l.v[2].subject, "third");
	feedback_list_clear(&l);
	state_of(f, &ms);
	assert_int_equal(ms.uidvalidity, 7);
	assert_int_equal(ms.last_uid, 3);
	assert_int_equal(ms.failures, 0);
	assert_int_equal(ms.last_ok, f->now);
	assert_int_equal(ms.next_poll, f->now + POLL_EVERY);
}

/* The next poll asks only for UIDs above the last one stored. */
static void
test_mailbox_high_water_mark(void **state)
{
	struct fx		*f = *state;
	struct mailbox_stats	 st;
	struct mailbox_state	 ms;
	struct feedback_list	 l;

	poll_at(f, f->now, 1, &st);
	/* Not due yet: the server is not even asked. */
	poll_at(f, f->now + POLL_EVERY - 1, 0, &st);
	assert_int_equal(f->srv.opens, 1);
	/* Nothing new (UIDNEXT says so): no listing. */
	f->srv.listed_after = -1;
	poll_at(f, f->now + POLL_EVERY, 1, &st);
	assert_int_equal(f->srv.listed_after, -1);
	assert_int_equal(st.stored, 0);
	srv_put(&f->srv, 4, mails[3]);
	poll_at(f, f->now + 2 * POLL_EVERY, 1, &st);
	assert_int_equal(f->srv.listed_after, 3);
	assert_int_equal(st.listed, 1);
	assert_int_equal(st.stored, 1);
	assert_int_equal(f->srv.fetches, 4);
	state_of(f, &ms);
	assert_int_equal(ms.last_uid, 4);
	assert_int_equal(rows(f, &l), 4);
	assert_string_equal(l.v[3].subject, "fourth");
	feedback_list_clear(&l);
}

/* A new UIDVALIDITY: the mailbox is read again, nothing stored twice. */
static void
test_mailbox_dedupes_after_uidvalidity_change(void **state)
{
	struct fx		*f = *state;
	struct mailbox_stats	 st;
	struct mailbox_state	 ms;
	struct feedback_list	 l;
	size_t			 i;

	poll_at(f, f->now, 1, &st);
	f->srv.uidvalidity = 9;
	for (i = 0; i < f->srv.n; i++)
		f->srv.uid[i] += 100;
	srv_put(&f->srv, 104, mails[3]);
	poll_at(f, f->now + POLL_EVERY, 1, &st);
	assert_int_equal(f->srv.listed_after, 0);
	assert_int_equal(st.listed, 4);
	assert_int_equal(st.duplicates, 3);
	assert_int_equal(st.stored, 1);
	state_of(f, &ms);
	assert_int_equal(ms.uidvalidity, 9);
	assert_int_equal(ms.last_uid, 104);
	assert_int_equal(rows(f, &l), 4);
	feedback_list_clear(&l);
}

/* A server that is down: no rows, a backoff, and the failure recorded. */
static void
test_mailbox_server_down_backs_off(void **state)
{
	struct fx		*f = *state;
	struct mailbox_stats	 st;
	struct mailbox_state	 ms;
	struct feedback_list	 l;

	f->srv.down = true;
	poll_at(f, f->now, 1, &st);
	assert_true(st.failed);
	assert_int_equal(rows(f, &l), 0);
	feedback_list_clear(&l);
	state_of(f, &ms);
	assert_int_equal(ms.failures, 1);
	assert_int_equal(ms.last_ok, 0);
	assert_true(ms.next_poll > f->now);
	assert_non_null(strstr(ms.last_result, "connection refused"));
	/* Back up: the poll after the backoff stores everything. */
	f->srv.down = false;
	poll_at(f, ms.next_poll, 1, &st);
	assert_int_equal(st.stored, 3);
	state_of(f, &ms);
	assert_int_equal(ms.failures, 0);
}

#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_mailbox_stores_new_messages),
		T(test_mailbox_high_water_mark),
		T(test_mailbox_dedupes_after_uidvalidity_change),
		T(test_mailbox_server_down_backs_off),
	};
	int	 rc;

	mime_global_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	mime_global_cleanup();
	return rc;
}
