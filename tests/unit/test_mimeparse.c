/*
 * test_mimeparse: mime_parse on the feedback-mailbox corpus in
 * tests/data/mail (every NN-name.eml against its NN-name.expect), plus
 * hostile shapes: no header at all, deep nesting, the HTML stripper.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include <cmocka.h>

#undef malloc
#undef calloc
#undef realloc
#undef free

#include "mime.h"
#include "util.h"

#define CORPUS	TOP_SRCDIR "/tests/data/mail"
#define ARRIVAL	INT64_C(1796000000)

/* The value of "field: value" in the .expect text, "" if absent. */
static void
expect_get(const char *text, const char *field, char *out, size_t n)
{
	char		 key[32];
	const char	*p, *eol;

	snprintf(key, sizeof(key), "\n%s: ", field);
	out[0] = '\0';
	p = strstr(text, key);
	if (p == NULL && strncmp(text, key + 1, strlen(key + 1)) == 0)
		p = text - 1;
	if (p == NULL)
		return;
	p += strlen(key);
	eol = strchr(p, '\n');
	snprintf(out, n, "%.*s", (int)(eol ? eol - p : (long)strlen(p)), p);
}

static void
join(const struct strv *v, char *out, size_t n)
{
	size_t	 i, len = 0;

	out[0] = '\0';
	for (i = 0; i < v->n; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%s",
		    i > 0 ? "|" : "", v->v[i]);
}

static void
check_one(const char *name)
{
	struct mime_msg	 m;
	struct derr	 err = { 0 };
	char		 path[512], want[1024], got[1024], *eml, *exp;
	size_t		 len, elen;

	snprintf(path, sizeof(path), "%s/%s.eml", CORPUS, name);
	assert_int_equal(file_read(path, 1 << 22, &eml, &len, &err), 0);
	snprintf(path, sizeof(path), "%s/%s.expect", CORPUS, name);
	assert_int_equal(file_read(path, 1 << 16, &exp, &elen, &err), 0);
	if (mime_parse(eml, len, ARRIVAL, 480, &m, &err) != 0)
		fail_msg("%s: %s", name, err.msg);
	expect_get(exp, "subject", want, sizeof(want));
	printf("# %s\n", name);
	assert_string_equal(m.subject, want);
	expect_get(exp, "from", want, sizeof(want));
	assert_string_equal(m.from, want);
	expect_get(exp, "excerpt", want, sizeof(want));
	assert_string_equal(m.excerpt, want);
	expect_get(exp, "attachments", want, sizeof(want));
	join(&m.attachments, got, sizeof(got));
	assert_string_equal(got, want);
	expect_get(exp, "message_id", want, sizeof(want));
	assert_string_equal(m.message_id ? m.message_id : "", want);
	/* "kind" is written only for mail that is not 群众意见. */
	expect_get(exp, "kind", want, sizeof(want));
	assert_string_equal(m.kind, want[0] != '\0' ? want : "citizen");
	expect_get(exp, "date", want, sizeof(want));
	if (strcmp(want, "flagged") == 0) {
		assert_true(m.date_flagged);
		assert_int_equal(m.date, ARRIVAL);
	} else if (strstr(want, " assumed") != NULL) {
		/* Read in the office's zone (+0800), and flagged. */
		assert_true(m.date_flagged);
		snprintf(got, sizeof(got), "%lld assumed", (long long)m.date);
		assert_string_equal(got, want);
	} else {
		assert_false(m.date_flagged);
		snprintf(got, sizeof(got), "%lld", (long long)m.date);
		assert_string_equal(got, want);
	}
	assert_int_equal(strlen(m.header_hash), 64);
	mime_msg_clear(&m);
	free(eml);
	free(exp);
}

static void
test_mimeparse_corpus(void **state)
{
	DIR		*d;
	struct dirent	*de;
	char		 name[256];
	size_t		 n, count = 0;

	(void)state;
	d = opendir(CORPUS);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".eml") != 0)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(n - 4), de->d_name);
		check_one(name);
		count++;
	}
	closedir(d);
	assert_true(count >= 10);
}

/* Every input the fuzzer kept (crashes included, once fixed) parses. */
static void
test_mimeparse_fuzz_corpus(void **state)
{
	DIR		*d;
	struct dirent	*de;
	struct mime_msg	 m;
	struct derr	 err = { 0 };
	char		 path[512], *data;
	size_t		 len, n = 0;

	(void)state;
	d = opendir(TOP_SRCDIR "/tests/fuzz/corpus/mime");
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s",
		    TOP_SRCDIR "/tests/fuzz/corpus/mime", de->d_name);
		assert_int_equal(file_read(path, 1 << 22, &data, &len, &err),
		    0);
		if (mime_parse(data, len, ARRIVAL, 480, &m, &err) == 0)
			mime_msg_clear(&m);
		free(data);
		n++;
	}
	closedir(d);
	assert_true(n > 10);
}

static void
test_mimeparse_no_header(void **state)
{
	struct mime_msg	 m;
	struct derr	 err = { 0 };

	(void)state;
	/* GMime reads nearly anything as a message; it must not crash. */
	if (mime_parse("", 0, ARRIVAL, 480, &m, &err) == 0) {
		assert_true(m.date_flagged);
		mime_msg_clear(&m);
	}
	if (mime_parse("\r\n\r\n\x01\xff", 6, ARRIVAL, 480, &m,
	    &err) == 0) {
		assert_string_equal(m.subject, "");
		mime_msg_clear(&m);
	}
}

static void
test_mimeparse_deep_nesting_cut(void **state)
{
	struct mime_msg	 m;
	struct derr	 err = { 0 };
	struct buf	 b;
	int		 i;

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "From: deep@example.com\r\nSubject: deep\r\n", NULL);
	for (i = 0; i < 5000; i++)
		buf_printf(&b, NULL, "Content-Type: multipart/mixed; "
		    "boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i);
	assert_int_equal(mime_parse(b.data, b.len, ARRIVAL, 480, &m, &err),
	    0);
	assert_string_equal(m.subject, "deep");
	assert_string_equal(m.excerpt, "");
	assert_non_null(m.note);
	assert_non_null(strstr(m.note, "邮件结构过于复杂"));
	mime_msg_clear(&m);
	buf_clear(&b);
}

/*
 * Parts need no Content-Type line, and "Content-Type :" is one too: a
 * million empty parts are read up to the bound, and the text a reader
 * sees first (before the bound) is still the excerpt.
 */
static void
test_mimeparse_many_parts_keep_first_text(void **state)
{
	struct mime_msg	 m;
	struct derr	 err = { 0 };
	struct buf	 b;
	int		 i;

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "From: parts@example.com\r\nSubject: parts\r\n"
	    "MIME-Version: 1.0\r\nContent-Type : multipart/mixed; "
	    "boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; "
	    "charset=utf-8\r\n\r\n路灯不亮\r\n", NULL);
	for (i = 0; i < 100000; i++)
		buf_puts(&b, "--b\r\n\r\nx\r\n", NULL);
	buf_puts(&b, "--b--\r\n", NULL);
	assert_int_equal(mime_parse(b.data, b.len, ARRIVAL, 480, &m, &err),
	    0);
	assert_string_equal(m.subject, "parts");
	assert_string_equal(m.excerpt, "路灯不亮");
	assert_non_null(m.note);
	mime_msg_clear(&m);
	buf_clear(&b);
}

/* C1 controls and direction overrides never reach a terminal or a mail. */
static void
test_mimeparse_controls_stripped(void **state)
{
	static const char msg[] = "Subject: =?utf-8?B?"
	    "5Y+N5pig4oCu6Lev54Gvwp5bMm0=?=\r\n\r\nx\xc2\x85y\r\n";
	struct mime_msg	 m;
	struct derr	 err = { 0 };

	(void)state;
	assert_int_equal(mime_parse(msg, sizeof(msg) - 1, ARRIVAL, 480, &m,
	    &err), 0);
	assert_string_equal(m.subject, "反映路灯 [2m");
	assert_string_equal(m.excerpt, "x y");
	mime_msg_clear(&m);
}

/* Bounces and auto-replies are kept but are not 群众意见. */
static void
test_mimeparse_kinds(void **state)
{
	static const char *const cases[][2] = {
		{ "From: a@example.cn\r\nSubject: x\r\n\r\nhi\r\n",
		    "citizen" },
		{ "From: MAILER-DAEMON@mx.example.cn\r\nSubject: Undelivered"
		    "\r\n\r\nx\r\n", "bounce" },
		{ "From: a@example.cn\r\nContent-Type: multipart/report; "
		    "report-type=delivery-status; boundary=b\r\n\r\n--b\r\n"
		    "\r\nx\r\n--b--\r\n", "bounce" },
		{ "From: a@example.cn\r\nAuto-Submitted: auto-replied\r\n"
		    "\r\nx\r\n", "auto" },
		{ "From: a@example.cn\r\nAuto-Submitted: no\r\n\r\nx\r\n",
		    "citizen" },
		{ "From: a@example.cn\r\nX-Autoreply: yes\r\n\r\nx\r\n",
		    "auto" },
		{ "From: a@example.cn\r\nSubject: =?utf-8?B?6Ieq5Yqo5Zue5aSN"
		    "77ya5L2g5aW9?=\r\n\r\nx\r\n", "auto" },
	};
	struct mime_msg	 m;
	struct derr	 err = { 0 };
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(mime_parse(cases[i][0], strlen(cases[i][0]),
		    ARRIVAL, 480, &m, &err), 0);
		assert_string_equal(m.kind, cases[i][1]);
		mime_msg_clear(&m);
	}
	assert_int_equal(mime_parse(cases[1][0], strlen(cases[1][0]),
	    ARRIVAL, 480, &m, &err), 0);
	assert_string_equal(m.from_addr, "MAILER-DAEMON@mx.example.cn");
	mime_msg_clear(&m);
}

/* "=?a?B?x" repeated (quadratic to join and to decode) is read as text. */
static void
test_mimeparse_broken_words(void **state)
{
	struct mime_msg	 m;
	struct derr	 err = { 0 };
	struct buf	 b;
	int		 i;

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "From: w@example.com\r\nSubject: ", NULL);
	for (i = 0; i < 150000; i++)
		buf_puts(&b, "=?a?B?x", NULL);
	buf_puts(&b, "\r\n\r\nbody\r\n", NULL);
	assert_int_equal(mime_parse(b.data, b.len, ARRIVAL, 480, &m, &err),
	    0);
	assert_int_equal(strncmp(m.subject, "=?a?B?x", 7) == 0 ||
	    strncmp(m.subject, " ?a?B?x", 7) == 0 ||
	    strncmp(m.subject, "?a?B?x", 6) == 0, 1);
	assert_string_equal(m.excerpt, "body");
	mime_msg_clear(&m);
	buf_clear(&b);
}

static void
test_mimeparse_html_text(void **state)
{
	static const char html[] = "<b>a</b>&lt;<br>b<script>x<y</script>"
	    "&#20013;&#x6587;&bogus; <STYLE>p{}</STYLE>c&";
	struct buf	 b;

	(void)state;
	buf_init(&b, 0);
	mime_html_text(html, sizeof(html) - 1, &b);
	assert_string_equal(b.data, "a<\nb中文&bogus; c&");
	buf_clear(&b);
}

static void
test_mimeparse_long_excerpt_cut(void **state)
{
	struct mime_msg	 m;
	struct derr	 err = { 0 };
	struct buf	 b;
	int		 i;

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "Subject: long\r\nContent-Type: text/plain; "
	    "charset=utf-8\r\n\r\n", NULL);
	for (i = 0; i < 2000; i++)
		buf_puts(&b, "长", NULL);
	assert_int_equal(mime_parse(b.data, b.len, ARRIVAL, 480, &m, &err),
	    0);
	/* 500 characters of 3 bytes, and the ellipsis (3 bytes). */
	assert_int_equal(strlen(m.excerpt), MIME_EXCERPT_MAX * 3 + 3);
	mime_msg_clear(&m);
	buf_clear(&b);
}

/* A bounce's report: the recipient, status, diagnostic (continued on a
 * second line) and the Message-ID of the mail it returns, not its own. */
static void
test_mimeparse_dsn_fields(void **state)
{
	static const char dsn[] = "From: MAILER-DAEMON@mx.example.org\r\n"
	    "Subject: Undelivered\r\nMessage-ID: <own@mx>\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
	    "failed\r\n--B\r\nContent-Type: message/delivery-status\r\n"
	    "\r\nReporting-MTA: dns; mx\r\n\r\nfinal-recipient: rfc822;"
	    "<ZhangWei@example.org>\r\nAction: failed\r\nStatus: 5.1.1\r\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 User\r\n\tnot found\r\n\r\n"
	    "--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-Id: "
	    "<remind.1@example.org>\r\n\r\n--B--\r\n";
	static const char plain[] = "From: a@example.cn\r\nSubject: x\r\n"
	    "\r\nStatus: 5.1.1\r\n";
	struct mime_msg	 m;
	struct derr	 err = { 0 };

	(void)state;
	assert_int_equal(mime_parse(dsn, sizeof(dsn) - 1, ARRIVAL, 480, &m,
	    &err), 0);
	assert_string_equal(m.kind, "bounce");
	assert_string_equal(m.dsn_rcpt, "ZhangWei@example.org");
	assert_string_equal(m.dsn_action, "failed");
	assert_string_equal(m.dsn_status, "5.1.1");
	assert_string_equal(m.dsn_diag, "smtp; 550 5.1.1 User not found");
	assert_string_equal(m.dsn_msgid, "remind.1@example.org");
	mime_msg_clear(&m);
	/* Citizens' mail is not read as a report, whatever it says. */
	assert_int_equal(mime_parse(plain, sizeof(plain) - 1, ARRIVAL, 480,
	    &m, &err), 0);
	assert_null(m.dsn_status);
	mime_msg_clear(&m);
}

/* A report for several recipients: one entry a group, its fields in any
 * order, a group without Final-Recipient (per-message fields, the
 * returned header's "Status: RO") is none. */
static void
test_mimeparse_dsn_recipients(void **state)
{
	static const char dsn[] = "From: MAILER-DAEMON@mx.example.org\r\n"
	    "Subject: Undelivered\r\nMessage-ID: <own@mx>\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=B\r\n\r\n--B\r\nContent-Type: message/delivery-status"
	    "\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
	    "Final-Recipient: rfc822; a@example.org\r\nAction: failed\r\n"
	    "Status: 5.1.1\r\n\r\n"
	    "Action: delayed\r\nFinal-Recipient: rfc822; b@example.org\r\n"
	    "Status: 4.4.1\r\n\r\n"
	    "Status: 5.2.2\r\nDiagnostic-Code: smtp; 552\r\n full\r\n"
	    "Final-Recipient: rfc822;<C@example.org>\r\nAction: failed\r\n"
	    "\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
	    "Message-Id: <remind.1@example.org>\r\nStatus: RO\r\n\r\n"
	    "--B--\r\n";
	struct mime_msg	 m;
	struct derr	 err = { 0 };

	(void)state;
	assert_int_equal(mime_parse(dsn, sizeof(dsn) - 1, ARRIVAL, 480, &m,
	    &err), 0);
	assert_string_equal(m.kind, "bounce");
	assert_string_equal(m.dsn_msgid, "remind.1@example.org");
	assert_int_equal(m.dsn_n, 3);
	assert_string_equal(m.dsn_v[0].rcpt, "a@example.org");
	assert_string_equal(m.dsn_v[0].action, "failed");
	assert_string_equal(m.dsn_v[0].status, "5.1.1");
	assert_null(m.dsn_v[0].diag);
	assert_string_equal(m.dsn_v[1].rcpt, "b@example.org");
	assert_string_equal(m.dsn_v[1].action, "delayed");
	assert_string_equal(m.dsn_v[1].status, "4.4.1");
	assert_string_equal(m.dsn_v[2].rcpt, "C@example.org");
	assert_string_equal(m.dsn_v[2].action, "failed");
	assert_string_equal(m.dsn_v[2].status, "5.2.2");
	assert_string_equal(m.dsn_v[2].diag, "smtp; 552 full");
	/* The first of each, as before. */
	assert_string_equal(m.dsn_rcpt, "a@example.org");
	assert_string_equal(m.dsn_status, "5.1.1");
	mime_msg_clear(&m);
}

static int
setup(void **state)
{
	(void)state;
	mime_global_init();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	mime_global_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mimeparse_corpus),
		cmocka_unit_test(test_mimeparse_fuzz_corpus),
		cmocka_unit_test(test_mimeparse_no_header),
		cmocka_unit_test(test_mimeparse_deep_nesting_cut),
		cmocka_unit_test(test_mimeparse_many_parts_keep_first_text),
		cmocka_unit_test(test_mimeparse_broken_words),
		cmocka_unit_test(test_mimeparse_controls_stripped),
		cmocka_unit_test(test_mimeparse_kinds),
		cmocka_unit_test(test_mimeparse_html_text),
		cmocka_unit_test(test_mimeparse_long_excerpt_cut),
		cmocka_unit_test(test_mimeparse_dsn_fields),
		cmocka_unit_test(test_mimeparse_dsn_recipients),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
