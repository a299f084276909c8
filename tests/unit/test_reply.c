/*
 * reply tests: the first-line grammar of an officer's answer (verbs,
 * item codes, full-width forms, dates), quoted originals and signatures
 * dropped, and the reply token.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#undef malloc
#undef calloc
#undef realloc
#undef free

#include "model.h"
#include "reply.h"
#include "sign.h"

static int32_t
day(const char *s)
{
	int32_t	 d;

	assert_int_equal(day_parse(s, &d), 0);
	return d;
}

/* Parse `body`, expect `verb`, `code` and `text`. */
static void
expect(const char *body, enum reply_verb verb, const char *code,
    const char *text)
{
	struct reply_line	 l;
	int			 r;

	r = reply_parse(body, &l);
	assert_int_equal(r, verb == REPLY_NONE ? -1 : 0);
	assert_int_equal(l.verb, verb);
	assert_string_equal(l.code, code);
	if (text != NULL)
		assert_string_equal(l.text, text);
	reply_line_clear(&l);
}

static void
test_reply_verbs(void **state)
{
	(void)state;
	expect("进展：已召开专题会议，完成方案起草", REPLY_PROGRESS, "",
	    "已召开专题会议，完成方案起草");
	expect("进展: half-width colon", REPLY_PROGRESS, "",
	    "half-width colon");
	expect("工作进展：方案已印发", REPLY_PROGRESS, "", "方案已印发");
	expect("已完成：已修订责任清单并印发", REPLY_DONE, "",
	    "已修订责任清单并印发");
	expect("销号", REPLY_DONE, "", "");
	expect("申请销号。", REPLY_DONE, "", "");
	expect("同意", REPLY_APPROVE, "", "");
	expect("同意。", REPLY_APPROVE, "", "");
	expect("不同意：佐证材料不足", REPLY_REJECT, "", "佐证材料不足");
	expect("完成了吗", REPLY_NONE, "", NULL);
	expect("进展：", REPLY_NONE, "", NULL);	/* says nothing */
	expect("你好，请问这个怎么填", REPLY_NONE, "", NULL);
	expect("", REPLY_NONE, "", "");
}

static void
test_reply_extension_dates(void **state)
{
	static const char *const forms[] = {
		"申请延期至2027-01-15：需协调资金",
		"申请延期至 2027/1/15：需协调资金",
		"申请延期到2027年1月15日，原因：需协调资金",
		"延期至２０２７－０１－１５：需协调资金",
		"申请延期至2027.1.15 原因 需协调资金",
	};
	struct reply_line	 l;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		assert_int_equal(reply_parse(forms[i], &l), 0);
		assert_int_equal(l.verb, REPLY_EXTEND);
		assert_int_equal(l.date, day("2027-01-15"));
		assert_string_equal(l.text, "需协调资金");
		reply_line_clear(&l);
	}
	/* No reason, or no real date: not understood. */
	expect("申请延期至2027-01-15", REPLY_NONE, "", NULL);
	expect("申请延期至2027-02-30：原因", REPLY_NONE, "", NULL);
	expect("申请延期至下个月：原因", REPLY_NONE, "", NULL);
}

static void
test_reply_codes(void **state)
{
	(void)state;
	expect("八-二 已完成：已印发", REPLY_DONE, "八-二", "已印发");
	expect("八-二　进展：已起草", REPLY_PROGRESS, "八-二", "已起草");
	expect("八－二已完成", REPLY_DONE, "八-二", "");
	expect("P01-3 进展: drafted", REPLY_PROGRESS, "P01-3", "drafted");
	expect("八 二 已完成", REPLY_NONE, "", NULL);
}

static void
test_reply_quotes_and_signatures(void **state)
{
	(void)state;
	expect("进展：方案已起草\r\n下周上会研究\r\n\r\n发自我的iPhone\r\n"
	    "\r\n------------------ 原始邮件 ------------------\r\n"
	    "发件人: 巡察整改办\r\n进展：伪造\r\n", REPLY_PROGRESS, "",
	    "方案已起草\n下周上会研究");
	expect("\n\n已完成：见附件\n-----原始邮件-----\n同意\n",
	    REPLY_DONE, "", "见附件");
	expect("进展：一\n> 同意\n二\n-- \n张伟\n", REPLY_PROGRESS, "",
	    "一\n二");
	expect("同意\n\n在 2026年12月1日 09:30，李娜 写道：\n> 销号\n",
	    REPLY_APPROVE, "", "");
	expect("> quoted only\nOn Mon, Dec 1 wrote:\n", REPLY_NONE, "", "");
}

static void
test_reply_note_capped(void **state)
{
	char			 body[12000];
	struct reply_line	 l;
	size_t			 i;

	(void)state;
	memcpy(body, "进展：", strlen("进展："));
	for (i = strlen("进展："); i + 3 < sizeof(body); i += 3)
		memcpy(body + i, "很", 3);
	body[i] = '\0';
	assert_int_equal(reply_parse(body, &l), 0);
	assert_true(strlen(l.text) <= REPLY_TEXT_MAX);
	assert_int_equal(strlen(l.text) % 3, 0);	/* whole characters */
	reply_line_clear(&l);
}

static void
test_reply_token(void **state)
{
	char		 a[SIGN_TOKEN_LEN + 1], b[SIGN_TOKEN_LEN + 1];
	char		*in;
	int64_t		 ids[] = { 15, 12, 15 };
	char		*csv;
	struct derr	 err = { 0 };

	(void)state;
	csv = notif_items_csv(ids, 3);
	assert_string_equal(csv, "12,15");
	in = notif_token_input("zhang", csv, "m1@example.org");
	assert_string_equal(in, "dutyd-reply:1|zhang|12,15|m1@example.org");
	assert_int_equal(sign_token("k", 1, in, a, &err), 0);
	assert_int_equal(strlen(a), SIGN_TOKEN_LEN);
	assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
	    SIGN_TOKEN_LEN);
	assert_int_equal(sign_token("k", 1, in, b, &err), 0);
	assert_true(sign_token_equal(a, b));
	b[0] = (char)(b[0] == 'A' ? 'B' : 'A');
	assert_false(sign_token_equal(a, b));
	/* Mail clients may lower-case a subject. */
	memcpy(b, a, sizeof(b));
	b[3] = (char)(b[3] >= 'A' && b[3] <= 'Z' ? b[3] + 32 : b[3]);
	assert_true(sign_token_equal(a, b));
	assert_int_equal(sign_token("other", 5, in, b, &err), 0);
	assert_false(sign_token_equal(a, b));
	assert_false(sign_token_equal(a, "short"));
	free(in);
	free(csv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_verbs),
		cmocka_unit_test(test_reply_extension_dates),
		cmocka_unit_test(test_reply_codes),
		cmocka_unit_test(test_reply_quotes_and_signatures),
		cmocka_unit_test(test_reply_note_capped),
		cmocka_unit_test(test_reply_token),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
