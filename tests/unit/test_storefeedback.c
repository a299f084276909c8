/*
 * store tests for the feedback mailbox: insert and dedupe (Message-ID,
 * else header hash), the assign/answer lifecycle with audit rows, the
 * digest's two queries (new since, unanswered past the deadline) and the
 * mailbox poll state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#undef malloc
#undef calloc
#undef realloc
#undef free

#include "model.h"
#include "store.h"
#include "util.h"

#define NOW	1795000000

static int32_t
day(const char *s)
{
	int32_t	 d;

	assert_int_equal(day_parse(s, &d), 0);
	return d;
}

static struct store *
open_mem(void)
{
	struct derr	 err = { 0 };
	struct store	*s = store_open(":memory:", &err);

	if (s == NULL)
		fail_msg("store_open: %s", err.msg);
	return s;
}

/* A message from the mailbox: UID, Message-ID and content hash. */
static int
add_uid(struct store *s, int64_t uid, const char *msgid, const char *hash,
    int64_t at)
{
	struct feedback	 f = { 0 };
	struct derr	 err = { 0 };
	int64_t		 id = 0;
	int		 r;

	f.source = (char *)(uintptr_t)"imap";
	f.uidvalidity = 7;
	f.uid = uid;
	f.message_id = (char *)(uintptr_t)msgid;
	f.content_hash = (char *)(uintptr_t)hash;
	f.sender = (char *)(uintptr_t)"王芳 <a@example.cn>";
	f.subject = (char *)(uintptr_t)"'); DROP TABLE feedback; --";
	f.received_at = at;
	assert_int_equal(store_begin(s, &err), 0);
	r = store_feedback_insert(s, &f, "dutyd", at, &id, &err);
	assert_int_equal(store_commit(s, &err), 0);
	return r;
}

static int
add(struct store *s, const char *msgid, const char *hash, int64_t at)
{
	return add_uid(s, at, msgid, hash, at);	/* one message a second */
}

static void
test_storefeedback_dedupe(void **state)
{
	struct store		*s = open_mem();
	struct feedback_list	 l = { 0 };
	struct feedback_filter	 f = { -1, 0, DAY_NONE, 0, false };
	struct derr		 err = { 0 };

	(void)state;
	assert_int_equal(add_uid(s, 1, "m1@x", "h1", NOW), 1);
	/* The same UID again (a poll that stopped before its commit). */
	assert_int_equal(add_uid(s, 1, "m1@x", "h1", NOW), 0);
	/* Another message with the same Message-ID is a message. */
	assert_int_equal(add_uid(s, 2, "m1@x", "h2", NOW), 1);
	/* The same bytes under another UID (UIDVALIDITY changed). */
	assert_int_equal(add_uid(s, 3, "m1@x", "h2", NOW), 0);
	assert_int_equal(add_uid(s, 4, NULL, "h3", NOW), 1);
	assert_int_equal(add_uid(s, 5, NULL, "h3", NOW), 0);
	assert_int_equal(store_feedback_list(s, &f, &l, &err), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].subject, "'); DROP TABLE feedback; --");
	assert_int_equal(l.v[0].status, FEEDBACK_NEW);
	feedback_list_clear(&l);
	store_close(s);
}

static void
test_storefeedback_lifecycle(void **state)
{
	struct store		*s = open_mem();
	struct feedback		 fb;
	struct feedback_list	 l = { 0 };
	struct feedback_filter	 f = { -1, 0, DAY_NONE, 0, false };
	struct store_audit_list	 a = { 0 };
	struct derr		 err = { 0 };

	(void)state;
	assert_int_equal(add(s, "m1@x", NULL, NOW), 1);
	assert_int_equal(add(s, "m2@x", NULL, NOW + 100), 1);
	assert_int_equal(store_feedback_assign(s, 1, "zhang",
	    day("2026-12-09"), "alice", NOW, &err), 1);
	assert_int_equal(store_feedback_assign(s, 1, "zhang",
	    day("2026-12-09"), "alice", NOW, &err), 0);
	/* Unanswered past the deadline on 2026-12-10, not on 12-09. */
	f.overdue_on = day("2026-12-09");
	assert_int_equal(store_feedback_list(s, &f, &l, &err), 0);
	assert_int_equal(l.n, 0);
	f.overdue_on = day("2026-12-10");
	assert_int_equal(store_feedback_list(s, &f, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].id, 1);
	feedback_list_clear(&l);
	/* New since: only the second. */
	f.overdue_on = DAY_NONE;
	f.since = NOW + 1;
	assert_int_equal(store_feedback_list(s, &f, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].id, 2);
	feedback_list_clear(&l);
	assert_int_equal(store_feedback_answer(s, 1, "已修复", "alice",
	    NOW + 5, &err), 1);
	assert_int_equal(store_feedback_get(s, 1, &fb, &err), 1);
	assert_int_equal(fb.status, FEEDBACK_ANSWERED);
	assert_string_equal(fb.answer, "已修复");
	assert_string_equal(fb.answered_by, "alice");
	feedback_clear(&fb);
	assert_int_equal(store_feedback_answer(s, 1, "again", "alice",
	    NOW + 6, &err), -1);
	assert_int_equal(err.kind, DERR_INPUT);
	assert_int_equal(store_feedback_assign(s, 99, "zhang",
	    day("2026-12-09"), "alice", NOW, &err), -1);
	assert_non_null(strstr(err.msg, "no feedback 99"));
	assert_int_equal(store_feedback_get(s, 99, &fb, &err), 0);
	assert_int_equal(store_audit_list(s, 10, &a, &err), 0);
	assert_int_equal(a.n, 4);
	assert_string_equal(a.v[0].action, "feedback.answer");
	assert_string_equal(a.v[1].action, "feedback.assign");
	store_audit_list_clear(&a);
	store_close(s);
}

static void
test_storefeedback_mailbox_state(void **state)
{
	struct store		*s = open_mem();
	struct mailbox_state	 m, got;
	struct derr		 err = { 0 };

	(void)state;
	assert_int_equal(store_mailbox_get(s, "imap://x/INBOX", &got, &err), 0);
	assert_int_equal(got.uidvalidity, 0);
	memset(&m, 0, sizeof(m));
	m.uidvalidity = 1234;
	m.last_uid = 56;
	m.failures = 2;
	m.next_poll = NOW + 60;
	snprintf(m.last_result, sizeof(m.last_result), "connection refused");
	assert_int_equal(store_mailbox_set(s, "imap://x/INBOX", &m, &err), 0);
	m.last_uid = 57;
	assert_int_equal(store_mailbox_set(s, "imap://x/INBOX", &m, &err), 0);
	assert_int_equal(store_mailbox_get(s, "imap://x/INBOX", &got, &err), 1);
	assert_int_equal(got.last_uid, 57);
	assert_int_equal(got.failures, 2);
	assert_int_equal(got.next_poll, NOW + 60);
	assert_string_equal(got.last_result, "connection refused");
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storefeedback_dedupe),
		cmocka_unit_test(test_storefeedback_lifecycle),
		cmocka_unit_test(test_storefeedback_mailbox_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
