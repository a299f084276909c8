/*
 * util tests: UTF-8 validation (every outgoing header and body goes
 * through it) against the cases RFC 3629 rules out, and display width.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#undef malloc
#undef calloc
#undef realloc
#undef free

#include "log.h"
#include "util.h"

static bool
valid(const char *s)
{
	return str_utf8_valid(s, strlen(s));
}

static void
test_util_utf8_valid(void **state)
{
	(void)state;
	assert_true(valid(""));
	assert_true(valid("plain ASCII <p>markup</p>\r\n"));
	assert_true(valid("【整改提醒】陈晓峰，您有1项整改措施需要关注"));
	assert_true(valid("\xc2\xa9 \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 "
	    "\xef\xbf\xbd \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf"));
	assert_true(valid("\xe4\xb8\xad"));		/* 中, at the end */
	/* Overlong forms. */
	assert_false(valid("\xc0\xaf"));
	assert_false(valid("\xc1\xbf"));
	assert_false(valid("\xe0\x80\xaf"));
	assert_false(valid("\xe0\x9f\xbf"));
	assert_false(valid("\xf0\x8f\xbf\xbf"));
	/* UTF-16 surrogates and code points past U+10FFFF. */
	assert_false(valid("\xed\xa0\x80"));
	assert_false(valid("\xed\xbf\xbf"));
	assert_false(valid("\xf4\x90\x80\x80"));
	assert_false(valid("\xf5\x80\x80\x80"));
	/* Truncated sequences, at the end and before ASCII. */
	assert_false(valid("中\xe4\xb8"));
	assert_false(valid("\xe4\xb8x"));
	assert_false(valid("\xe4"));
	assert_false(valid("\xf0\x90\x80"));
	/* Stray continuation bytes and bytes never used. */
	assert_false(valid("\x80"));
	assert_false(valid("a\xbf"));
	assert_false(valid("\xfe"));
	assert_false(valid("\xff"));
	/* A bad second or third byte in a CJK-range sequence. */
	assert_false(valid("\xe4\x38\xad"));
	assert_false(valid("\xe4\xb8\x2d"));
	assert_false(valid("\xe4\xb8\xc0"));
	/* Length is what counts, not the NUL. */
	assert_true(str_utf8_valid("中\xe4", 3));
	assert_false(str_utf8_valid("中\xe4", 4));
}

static void
test_util_width(void **state)
{
	(void)state;
	assert_int_equal(str_width("abc"), 3);
	assert_int_equal(str_width("办公室"), 6);
	assert_int_equal(str_width("2026年第四季度"), 14);
	assert_int_equal(str_width("a\xe4"), 2);	/* a bad byte counts 1 */
}

/* A cut string stays UTF-8: no half character before the "...". */
static void
test_util_escape_cut_whole(void **state)
{
	char	 out[16];

	(void)state;
	assert_string_equal(log_escape("整改", out, 8), "整...");
	assert_string_equal(log_escape("整改", out, 7), "整...");
	assert_string_equal(log_escape("abcdefgh", out, 8), "abcd...");
	assert_string_equal(log_escape("a\x12整改落实", out, 16), "a\\x12整改...");
	log_escape("ab整改", out, 9);
	assert_true(str_utf8_valid(out, strlen(out)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util_utf8_valid),
		cmocka_unit_test(test_util_width),
		cmocka_unit_test(test_util_escape_cut_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
