/*
 * store tests for replies by email (store_reply.c, migration 010): the
 * tokens reminders carry (by token in any case, else by Message-ID; a
 * token recorded twice keeps the first), an officer's answer with its
 * files and audit rows (a replay writes nothing), the pending request and
 * its decision (approve or reject once; deciding again changes nothing),
 * and the outgoing marks.
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
#define TOKEN	"ABCDEFGHIJKLMNOP"
#define HASH	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

static struct store *
open_mem(void)
{
	struct derr	 err = { 0 };
	struct store	*s = store_open(":memory:", &err);

	if (s == NULL)
		fail_msg("store_open: %s", err.msg);
	return s;
}

/* Measure `code` owned by zhang; returns its id. */
static int64_t
measure(struct store *s, const char *code)
{
	struct measure	 m;
	struct derr	 err = { 0 };
	int64_t		 id;

	memset(&m, 0, sizeof(m));
	m.problem_code = (char *)(uintptr_t)"八";
	m.problem_title = (char *)(uintptr_t)"意识形态工作责任制落实不到位";
	m.code = (char *)(uintptr_t)code;
	m.text = (char *)(uintptr_t)"修订责任清单";
	m.kind = MEASURE_DEADLINE;
	m.deadline = day_from_ymd(2026, 12, 2);
	strv_push(&m.owners, "zhang");
	assert_int_equal(store_measure_add(s, &m, "admin", NOW, &err), 0);
	strv_clear(&m.owners);
	assert_int_equal(store_measure_get(s, code, &m, &err), 1);
	id = m.id;
	measure_clear(&m);
	return id;
}

static size_t
audit_count(struct store *s)
{
	struct store_audit_list	 l = { 0 };
	struct derr		 err = { 0 };
	size_t			 n;

	assert_int_equal(store_audit_list(s, 1000, &l, &err), 0);
	n = l.n;
	store_audit_list_clear(&l);
	return n;
}

/* The audit row `back` rows from the newest has `action` on `object` and
 * its `after` holds `needle`. */
static void
assert_audit(struct store *s, size_t back, const char *who,
    const char *action, const char *object, const char *needle)
{
	struct store_audit_list	 l = { 0 };
	struct derr		 err = { 0 };

	assert_int_equal(store_audit_list(s, 100, &l, &err), 0);
	assert_true(back < l.n);
	assert_string_equal(l.v[back].who, who);
	assert_string_equal(l.v[back].action, action);
	assert_string_equal(l.v[back].object, object);
	assert_non_null(l.v[back].after);
	if (strstr(l.v[back].after, needle) == NULL)
		fail_msg("audit %s: [%s] not in [%s]", action, needle,
		    l.v[back].after);
	store_audit_list_clear(&l);
}

/* An answer from zhang about `measure_id` (0: none). */
static void
answer(struct reply_row *r, const char *mid, const char *verb,
    int64_t measure_id, const char *status)
{
	memset(r, 0, sizeof(*r));
	r->message_id = (char *)(uintptr_t)mid;
	r->from_addr = (char *)(uintptr_t)"zhangwei@example.org";
	r->person = (char *)(uintptr_t)"zhang";
	r->token = (char *)(uintptr_t)TOKEN;
	r->subject = (char *)(uintptr_t)"回复：提醒 [#" TOKEN "]";
	r->received_at = NOW;
	r->verb = (char *)(uintptr_t)verb;
	r->measure_id = measure_id;
	r->text = (char *)(uintptr_t)"清单已印发";
	r->new_deadline = DAY_NONE;
	r->status = (char *)(uintptr_t)status;
	r->answer_to = (char *)(uintptr_t)"zhang";
	r->answer_subject = (char *)(uintptr_t)"【已收到】";
	r->answer_text = (char *)(uintptr_t)"已收到";
}

static void
test_store_reply_token_add_get(void **state)
{
	struct reply_token	 t, got;
	struct derr		 err = { 0 };
	struct store		*s;

	(void)state;
	s = open_mem();
	memset(&t, 0, sizeof(t));
	t.token = (char *)(uintptr_t)TOKEN;
	t.message_id = (char *)(uintptr_t)"remind.zhang.1@example.org";
	t.kind = (char *)(uintptr_t)"reminder";
	t.person = (char *)(uintptr_t)"zhang";
	t.items = (char *)(uintptr_t)"3,7";
	t.created_at = NOW;
	assert_int_equal(store_reply_token_add(s, &t, &err), 0);

	/* Any case: phone clients lower-case subjects. */
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_reply_token_get(s, "abcdefghijklmnop", NULL,
	    &got, &err), 1);
	assert_string_equal(got.token, TOKEN);
	assert_string_equal(got.message_id, "remind.zhang.1@example.org");
	assert_string_equal(got.kind, "reminder");
	assert_string_equal(got.person, "zhang");
	assert_string_equal(got.items, "3,7");
	assert_int_equal(got.request_id, 0);
	assert_int_equal(got.created_at, NOW);
	reply_token_clear(&got);

	/* No token, or an unknown one: the Message-ID answered. */
	assert_int_equal(store_reply_token_get(s, NULL,
	    "remind.zhang.1@example.org", &got, &err), 1);
	assert_string_equal(got.token, TOKEN);
	reply_token_clear(&got);
	assert_int_equal(store_reply_token_get(s, "QQQQQQQQQQQQQQQQ",
	    "remind.zhang.1@example.org", &got, &err), 1);
	assert_string_equal(got.token, TOKEN);
	reply_token_clear(&got);
	assert_int_equal(store_reply_token_get(s, "QQQQQQQQQQQQQQQQ",
	    "other@example.org", &got, &err), 0);
	assert_int_equal(store_reply_token_get(s, NULL, NULL, &got, &err), 0);

	/* Recorded again (a re-queue): the first is kept, no error. */
	t.person = (char *)(uintptr_t)"wang";
	t.items = (char *)(uintptr_t)"9";
	assert_int_equal(store_reply_token_add(s, &t, &err), 0);
	assert_int_equal(store_reply_token_get(s, TOKEN, NULL, &got, &err), 1);
	assert_string_equal(got.person, "zhang");
	assert_string_equal(got.items, "3,7");
	reply_token_clear(&got);

	/* An approval request names the answer it asks about. */
	t.token = (char *)(uintptr_t)"BBBBBBBBBBBBBBBB";
	t.message_id = (char *)(uintptr_t)"ask.1@example.org";
	t.kind = (char *)(uintptr_t)"approval";
	t.person = (char *)(uintptr_t)"li";
	t.request_id = 42;
	assert_int_equal(store_reply_token_add(s, &t, &err), 0);
	assert_int_equal(store_reply_token_get(s, "BBBBBBBBBBBBBBBB", NULL,
	    &got, &err), 1);
	assert_string_equal(got.kind, "approval");
	assert_int_equal(got.request_id, 42);
	reply_token_clear(&got);
	reply_token_clear(&got);	/* a second clear is a no-op */

	/* The schema is a second guard: a malformed token is refused. */
	t.token = (char *)(uintptr_t)"SHORT";
	t.message_id = (char *)(uintptr_t)"x@example.org";
	assert_int_equal(store_reply_token_add(s, &t, &err), -1);
	assert_int_equal(err.kind, DERR_DB);
	store_close(s);
}

/* A progress note with a file: the row, the evidence, the audit rows;
 * the same message again writes nothing. */
static void
test_store_reply_add_progress(void **state)
{
	struct store_evidence		 f;
	struct store_evidence_list	 ev = { 0 };
	struct reply_row		 r, got;
	struct derr			 err = { 0 };
	struct store			*s;
	int64_t				 mid, id = 0, id2 = 0;
	size_t				 n;

	(void)state;
	s = open_mem();
	mid = measure(s, "八-二");
	answer(&r, "r1@phone.example", "progress", mid, "applied");
	memset(&f, 0, sizeof(f));
	memcpy(f.hash, HASH, sizeof(f.hash));
	f.name = (char *)(uintptr_t)"会议纪要.pdf";
	f.size = 5000;
	assert_int_equal(store_reply_add(s, &r, &f, 1, NOW, &id, &err), 1);
	assert_true(id > 0);

	memset(&got, 0, sizeof(got));
	assert_int_equal(store_reply_get(s, id, &got, &err), 1);
	assert_int_equal(got.id, id);
	assert_string_equal(got.message_id, "r1@phone.example");
	assert_string_equal(got.from_addr, "zhangwei@example.org");
	assert_string_equal(got.person, "zhang");
	assert_string_equal(got.token, TOKEN);
	assert_string_equal(got.verb, "progress");
	assert_int_equal(got.measure_id, mid);
	assert_string_equal(got.code, "八-二");
	assert_string_equal(got.text, "清单已印发");
	assert_int_equal(got.new_deadline, DAY_NONE);
	assert_string_equal(got.status, "applied");
	assert_null(got.reason);
	assert_null(got.decided_by);
	assert_string_equal(got.answer_to, "zhang");
	assert_false(got.answered);
	assert_false(got.asked);
	assert_int_equal(got.nfiles, 1);
	reply_row_clear(&got);
	reply_row_clear(&got);
	assert_int_equal(store_reply_get(s, id + 1, &got, &err), 0);

	assert_int_equal(store_evidence_list(s, "八-二", NULL, &ev, &err), 0);
	assert_int_equal(ev.n, 1);
	assert_string_equal(ev.v[0].name, "会议纪要.pdf");
	assert_string_equal(ev.v[0].who, "zhang");
	store_evidence_list_clear(&ev);
	assert_audit(s, 0, "zhang", "measure.progress", "八-二",
	    "progress=清单已印发; message_id=r1@phone.example");
	assert_audit(s, 1, "zhang", "reply.receive", "reply:1",
	    "message_id=r1@phone.example; from=zhangwei@example.org; "
	    "verb=progress; status=applied; measure=八-二");
	assert_audit(s, 2, "zhang", "evidence.add", "八-二",
	    "file=会议纪要.pdf; size=5000");

	/* A replay (same Message-ID): 0, nothing written, *id untouched. */
	n = audit_count(s);
	r.text = (char *)(uintptr_t)"改过的正文";
	assert_int_equal(store_reply_add(s, &r, &f, 1, NOW + 60, &id2, &err),
	    0);
	assert_int_equal(id2, 0);
	assert_int_equal(audit_count(s), n);
	assert_int_equal(store_reply_get(s, id, &got, &err), 1);
	assert_string_equal(got.text, "清单已印发");
	reply_row_clear(&got);
	store_close(s);
}

/* A refused answer is kept with its reason; its files are listed on the
 * answer but never become evidence, and the measure's history is not
 * touched. */
static void
test_store_reply_add_refused(void **state)
{
	struct store_evidence		 f;
	struct store_evidence_list	 ev = { 0 };
	struct reply_row		 r, got;
	struct derr			 err = { 0 };
	struct store			*s;
	int64_t				 mid, id = 0;

	(void)state;
	s = open_mem();
	mid = measure(s, "八-二");
	answer(&r, "b3@x", "done", mid, "refused");
	r.from_addr = (char *)(uintptr_t)"attacker@evil.example";
	r.person = NULL;
	r.reason = (char *)(uintptr_t)"from";
	r.answer_to = NULL;
	r.answer_subject = NULL;
	r.answer_text = NULL;
	memset(&f, 0, sizeof(f));
	memcpy(f.hash, HASH, sizeof(f.hash));
	f.name = (char *)(uintptr_t)"伪造.pdf";
	f.size = 10;
	assert_int_equal(store_reply_add(s, &r, &f, 1, NOW, &id, &err), 1);
	assert_int_equal(store_reply_get(s, id, &got, &err), 1);
	assert_string_equal(got.status, "refused");
	assert_string_equal(got.reason, "from");
	assert_null(got.person);
	assert_null(got.answer_to);
	assert_int_equal(got.nfiles, 1);
	reply_row_clear(&got);
	assert_int_equal(store_evidence_list(s, "八-二", NULL, &ev, &err), 0);
	assert_int_equal(ev.n, 0);
	store_evidence_list_clear(&ev);
	/* One audit row for the answer (by "mail": no known sender). */
	assert_audit(s, 0, "mail", "reply.receive", "reply:1",
	    "status=refused; measure=八-二; reason=from");
	assert_audit(s, 1, "admin", "measure.add", "八-二", "code=八-二");
	store_close(s);
}

/* A 销号 request waits; approving it decides it once; deciding again (by
 * mail after the office did) changes nothing. */
static void
test_store_reply_decide_approve(void **state)
{
	struct reply_list	 l = { 0 };
	struct reply_filter	 flt;
	struct reply_row	 r, got;
	struct derr		 err = { 0 };
	struct store		*s;
	int64_t			 mid, id = 0, pid = 0;
	size_t			 n;

	(void)state;
	s = open_mem();
	mid = measure(s, "八-二");
	assert_int_equal(store_reply_pending(s, mid, &pid, &err), 0);
	answer(&r, "r2@phone.example", "done", mid, "pending");
	assert_int_equal(store_reply_add(s, &r, NULL, 0, NOW, &id, &err), 1);
	assert_int_equal(store_reply_pending(s, mid, &pid, &err), 1);
	assert_int_equal(pid, id);

	memset(&flt, 0, sizeof(flt));
	flt.status = "pending";
	assert_int_equal(store_reply_list(s, &flt, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].code, "八-二");
	reply_list_clear(&l);
	flt.status = "approved";
	assert_int_equal(store_reply_list(s, &flt, &l, &err), 0);
	assert_int_equal(l.n, 0);
	reply_list_clear(&l);

	assert_int_equal(store_reply_decide(s, id, true, "li",
	    "r3@leader.example", NULL, "zhang", "【认定结果】", "已同意",
	    NOW + 60, &err), 1);
	assert_int_equal(store_reply_get(s, id, &got, &err), 1);
	assert_string_equal(got.status, "approved");
	assert_string_equal(got.decided_by, "li");
	assert_int_equal(got.decided_at, NOW + 60);
	assert_string_equal(got.decided_mid, "r3@leader.example");
	assert_null(got.reason);
	assert_string_equal(got.answer_subject, "【认定结果】");
	assert_string_equal(got.answer_text, "已同意");
	assert_false(got.answered);
	reply_row_clear(&got);
	assert_audit(s, 0, "li", "reply.approve", "reply:1",
	    "status=approved; message_id=r3@leader.example");
	assert_int_equal(store_reply_pending(s, mid, &pid, &err), 0);

	/* Again, either way: 0, and neither the row nor the audit moves. */
	n = audit_count(s);
	assert_int_equal(store_reply_decide(s, id, true, "admin", NULL, NULL,
	    "zhang", "x", "x", NOW + 120, &err), 0);
	assert_int_equal(store_reply_decide(s, id, false, "li", "r4@x",
	    "还要再看看", "zhang", "x", "x", NOW + 180, &err), 0);
	assert_int_equal(audit_count(s), n);
	assert_int_equal(store_reply_get(s, id, &got, &err), 1);
	assert_string_equal(got.status, "approved");
	assert_string_equal(got.decided_by, "li");
	assert_int_equal(got.decided_at, NOW + 60);
	reply_row_clear(&got);
	/* A decision on no answer at all. */
	assert_int_equal(store_reply_decide(s, id + 5, true, "li", NULL, NULL,
	    NULL, NULL, NULL, NOW, &err), 0);
	store_close(s);
}

/* Rejecting keeps the reason; only pending answers can be decided. */
static void
test_store_reply_decide_reject(void **state)
{
	struct reply_row	 r, got;
	struct derr		 err = { 0 };
	struct store		*s;
	int64_t			 mid, id = 0, applied = 0;

	(void)state;
	s = open_mem();
	mid = measure(s, "九-一");
	answer(&r, "r11@x", "extend", mid, "pending");
	r.new_deadline = day_from_ymd(2027, 1, 15);
	r.text = (char *)(uintptr_t)"需协调资金";
	assert_int_equal(store_reply_add(s, &r, NULL, 0, NOW, &id, &err), 1);
	assert_int_equal(store_reply_get(s, id, &got, &err), 1);
	assert_int_equal(got.new_deadline, day_from_ymd(2027, 1, 15));
	reply_row_clear(&got);
	assert_audit(s, 0, "zhang", "measure.request", "九-一",
	    "extend=需协调资金");
	assert_audit(s, 1, "zhang", "reply.receive", "reply:1",
	    "verb=extend; status=pending; measure=九-一; to=2027-01-15");

	assert_int_equal(store_reply_decide(s, id, false, "admin", NULL,
	    "理由不充分", "zhang", "【认定结果】", "不同意", NOW + 60, &err),
	    1);
	assert_int_equal(store_reply_get(s, id, &got, &err), 1);
	assert_string_equal(got.status, "rejected");
	assert_string_equal(got.reason, "理由不充分");
	assert_null(got.decided_mid);
	reply_row_clear(&got);
	assert_audit(s, 0, "admin", "reply.reject", "reply:1",
	    "status=rejected; reason=理由不充分; message_id=-");
	assert_int_equal(store_reply_decide(s, id, true, "li", NULL, NULL,
	    NULL, NULL, NULL, NOW + 120, &err), 0);

	/* An applied progress note is not a request. */
	answer(&r, "r12@x", "progress", mid, "applied");
	assert_int_equal(store_reply_add(s, &r, NULL, 0, NOW, &applied,
	    &err), 1);
	assert_int_equal(store_reply_decide(s, applied, true, "li", NULL,
	    NULL, NULL, NULL, NULL, NOW + 180, &err), 0);
	assert_int_equal(store_reply_get(s, applied, &got, &err), 1);
	assert_string_equal(got.status, "applied");
	reply_row_clear(&got);
	store_close(s);
}

/* What is still to be queued (an answer, a request to ask about), the
 * marks that say it is, and the count of answers a day. */
static void
test_store_reply_outgoing_marks(void **state)
{
	struct reply_list	 l = { 0 };
	struct reply_filter	 flt;
	struct reply_row	 r;
	struct derr		 err = { 0 };
	struct store		*s;
	int64_t			 mid, a = 0, p = 0;

	(void)state;
	s = open_mem();
	mid = measure(s, "八-二");
	answer(&r, "r1@x", "progress", mid, "applied");
	assert_int_equal(store_reply_add(s, &r, NULL, 0, NOW, &a, &err), 1);
	answer(&r, "r2@x", "done", mid, "pending");
	assert_int_equal(store_reply_add(s, &r, NULL, 0, NOW + 10, &p, &err),
	    1);
	memset(&flt, 0, sizeof(flt));
	flt.outgoing = true;
	assert_int_equal(store_reply_list(s, &flt, &l, &err), 0);
	assert_int_equal(l.n, 2);
	reply_list_clear(&l);

	assert_int_equal(store_reply_mark(s, a, false, &err), 0);
	assert_int_equal(store_reply_mark(s, p, false, &err), 0);
	assert_int_equal(store_reply_list(s, &flt, &l, &err), 0);
	assert_int_equal(l.n, 1);		/* p: its approver not asked */
	assert_int_equal(l.v[0].id, p);
	assert_true(l.v[0].answered);
	reply_list_clear(&l);
	assert_int_equal(store_reply_mark(s, p, true, &err), 0);
	assert_int_equal(store_reply_mark(s, p, true, &err), 0);
	assert_int_equal(store_reply_list(s, &flt, &l, &err), 0);
	assert_int_equal(l.n, 0);
	reply_list_clear(&l);

	assert_int_equal(store_reply_answers_since(s, "zhang", NOW, &err), 2);
	assert_int_equal(store_reply_answers_since(s, "zhang", NOW + 1, &err),
	    0);
	assert_int_equal(store_reply_answers_since(s, "li", 0, &err), 0);
	flt.outgoing = false;
	flt.since = NOW + 1;
	assert_int_equal(store_reply_list(s, &flt, &l, &err), 0);
	assert_int_equal(l.n, 0);
	reply_list_clear(&l);
	flt.since = 0;
	flt.code = "八-二";
	assert_int_equal(store_reply_list(s, &flt, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].id, a);		/* oldest first */
	reply_list_clear(&l);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_reply_token_add_get),
		cmocka_unit_test(test_store_reply_add_progress),
		cmocka_unit_test(test_store_reply_add_refused),
		cmocka_unit_test(test_store_reply_decide_approve),
		cmocka_unit_test(test_store_reply_decide_reject),
		cmocka_unit_test(test_store_reply_outgoing_marks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
