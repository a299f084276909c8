/*
 * test_mime: build messages and read them back with GMime's parser, the
 * way a mail client would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>
#include <cmocka.h>

#include "mime.h"
#include "util.h"

/* 2026-03-31 09:00:00 +0800 */
#define T_DATE	INT64_C(1774918800)

static const struct mime_out base = {
	.from_addr = "duty@office.example.cn",
	.from_name = "县巡察整改办公室",
	.to_addr = "zhang.san@example.cn",
	.to_name = "张三",
	.subject = "整改提醒：P01-3 还有 3 天到期",
	.text = "张三同志：\n\n整改措施 P01-3 将于 2026年4月3日 到期。\n"
	    ". a line that starts with a dot\n",
	.html = "<p>张三同志：</p><p>整改措施 <b>P01-3</b> 将于 2026年4月3日 "
	    "到期。</p>",
	.message_id = "item.42.before.3@dutyd.example.cn",
	.date = T_DATE,
	.utc_offset = 480,
};

static GMimeMessage *
parse(const struct buf *b)
{
	GMimeStream	*stream;
	GMimeParser	*parser;
	GMimeMessage	*msg;

	stream = g_mime_stream_mem_new_with_buffer(b->data, b->len);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	assert_non_null(msg);
	return msg;
}

static void
build_ok(const struct mime_out *m, struct buf *b)
{
	struct derr	 err = { 0 };

	buf_init(b, 1 << 20);
	assert_int_equal(mime_build(m, b, &err), 0);
}

/* Text travels with CRLF line ends; the fixtures use LF. */
static void
drop_cr(char *s)
{
	char	*w = s;

	for (; *s != '\0'; s++)
		if (*s != '\r')
			*w++ = *s;
	*w = '\0';
}

static void
assert_part_text(GMimeObject *part, const char *type, const char *want)
{
	char	*text;

	assert_true(GMIME_IS_TEXT_PART(part));
	assert_true(g_mime_content_type_is_type(
	    g_mime_object_get_content_type(part), "text", type));
	text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
	drop_cr(text);
	assert_string_equal(text, want);
	g_free(text);
}

static void
test_mime_roundtrip_chinese(void **state)
{
	struct buf	 b;
	GMimeMessage	*msg;
	InternetAddress	*from;
	GMimeObject	*body;

	(void)state;
	build_ok(&base, &b);
	msg = parse(&b);
	assert_string_equal(g_mime_message_get_subject(msg), base.subject);
	from = internet_address_list_get_address(
	    g_mime_message_get_from(msg), 0);
	assert_string_equal(internet_address_get_name(from), base.from_name);
	assert_string_equal(internet_address_mailbox_get_addr(
	    INTERNET_ADDRESS_MAILBOX(from)), base.from_addr);
	assert_string_equal(g_mime_message_get_message_id(msg),
	    base.message_id);
	body = g_mime_message_get_mime_part(msg);
	assert_true(GMIME_IS_MULTIPART(body));
	assert_int_equal(g_mime_multipart_get_count(GMIME_MULTIPART(body)), 2);
	assert_part_text(g_mime_multipart_get_part(GMIME_MULTIPART(body), 0),
	    "plain", base.text);
	assert_part_text(g_mime_multipart_get_part(GMIME_MULTIPART(body), 1),
	    "html", base.html);
	g_object_unref(msg);
	buf_clear(&b);
}

/*
 * A base64 text part carries canonical CRLF line ends (RFC 2045 6.8):
 * a lone LF gains its CR, an existing CRLF is not doubled, and the
 * encoded lines are at most 76 columns.
 */
static void
test_mime_base64_crlf(void **state)
{
	struct mime_out	 m = base;
	struct buf	 b;
	GMimeMessage	*msg;
	GMimeObject	*body;
	GMimePart	*part;
	char		*text, *line, *save = NULL;

	(void)state;
	m.html = NULL;
	m.text = "第一行\n第二行\r\n\n第四行，这一行很长很长很长很长很长很长"
	    "很长很长很长很长很长很长很长很长很长很长很长很长很长很长\n";
	build_ok(&m, &b);
	msg = parse(&b);
	body = g_mime_message_get_mime_part(msg);
	part = GMIME_PART(body);
	assert_int_equal(g_mime_part_get_content_encoding(part),
	    GMIME_CONTENT_ENCODING_BASE64);
	text = g_mime_text_part_get_text(GMIME_TEXT_PART(body));
	assert_string_equal(text, "第一行\r\n第二行\r\n\r\n第四行，这一行很长"
	    "很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长"
	    "很长很长很长很长\r\n");
	g_free(text);
	g_object_unref(msg);
	for (line = strtok_r(b.data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		assert_true(strlen(line) <= 78);
	buf_clear(&b);
}

static void
test_mime_headers(void **state)
{
	struct buf	 b;
	GMimeMessage	*msg;
	GMimeObject	*o;

	(void)state;
	build_ok(&base, &b);
	msg = parse(&b);
	o = GMIME_OBJECT(msg);
	assert_string_equal(g_mime_object_get_header(o, "Date"),
	    "Tue, 31 Mar 2026 09:00:00 +0800");
	assert_string_equal(g_mime_object_get_header(o, "Auto-Submitted"),
	    "auto-generated");
	assert_string_equal(g_mime_object_get_header(o,
	    "X-Auto-Response-Suppress"), "All");
	assert_string_equal(g_mime_object_get_header(o, "MIME-Version"),
	    "1.0");
	/* Headers travel as RFC 2047 words in UTF-8, never raw 8-bit. */
	assert_non_null(strcasestr(b.data, "Subject: =?utf-8?b?"));
	g_object_unref(msg);
	buf_clear(&b);
}

static void
test_mime_wire_format(void **state)
{
	struct buf	 b;
	const char	*p, *line;
	size_t		 i;

	(void)state;
	build_ok(&base, &b);
	line = b.data;
	for (i = 0; i < b.len; i++) {
		assert_true((unsigned char)b.data[i] < 0x80);
		if (b.data[i] != '\n')
			continue;
		assert_true(i > 0 && b.data[i - 1] == '\r');
		p = b.data + i;
		assert_true(p - line <= 78);
		line = p + 1;
	}
	buf_clear(&b);
}

/*
 * The boundary comes from the Message-ID ("=-", which base64 and QP never
 * produce): the same message builds to the same bytes, and the parser
 * still finds both parts.
 */
static void
test_mime_boundary_from_message_id(void **state)
{
	struct mime_out	 other = base;
	struct buf	 a, b, c;
	GMimeMessage	*msg;
	GMimeObject	*body;

	(void)state;
	build_ok(&base, &a);
	build_ok(&base, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	assert_non_null(strstr(a.data, "boundary=\"=-dutyd-"));
	other.message_id = "item.43.before.3@dutyd.example.cn";
	build_ok(&other, &c);
	assert_true(a.len != c.len || memcmp(a.data, c.data, a.len) != 0);
	msg = parse(&a);
	body = g_mime_message_get_body(msg);
	assert_true(GMIME_IS_MULTIPART(body));
	assert_int_equal(g_mime_multipart_get_count(GMIME_MULTIPART(body)), 2);
	g_object_unref(msg);
	buf_clear(&a);
	buf_clear(&b);
	buf_clear(&c);
}

/*
 * A builder refills the last message's GMime tree: every message it
 * builds must be byte-identical to a fresh build of the same fields,
 * whatever the previous message was (shape, encodings, names, line ends).
 */
static void
test_mime_builder_matches_fresh(void **state)
{
	struct mime_out		 v[7];
	struct mime_builder	*mb;
	struct derr		 err = { 0 };
	struct buf		 a, b;
	size_t			 i, round;

	(void)state;
	for (i = 0; i < 7; i++)
		v[i] = base;
	v[1].to_addr = "li.si@example.cn";
	v[1].to_name = NULL;
	v[1].subject = "Reminder: P01-4 due";
	v[1].text = "Plain ASCII text, quoted-printable.\n";
	v[1].message_id = "item.43.before.1@dutyd.example.cn";
	v[2].html = NULL;
	v[2].to_name = "王五";
	v[3].from_name = NULL;
	v[3].from_addr = "other@office.example.cn";
	v[3].html = "<p>ASCII only</p>";
	v[3].date = T_DATE + 86400 * 40;
	v[3].utc_offset = -300;
	v[4].lf = true;
	v[4].message_id = "item.44.overdue.2026-12-01@dutyd.example.cn";
	v[5].html = NULL;
	v[5].text = "短";
	v[5].lf = true;
	v[6].subject = "";
	mb = mime_builder_new();
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 7; i++) {
			build_ok(&v[i], &a);
			buf_init(&b, 1 << 20);
			assert_int_equal(mime_builder_build(mb, &v[i], &b, &err),
			    0);
			assert_int_equal(a.len, b.len);
			assert_memory_equal(a.data, b.data, a.len);
			buf_clear(&a);
			buf_clear(&b);
		}
		/* A refused message leaves the builder usable. */
		v[0].to_addr = "bad\r\nRCPT TO:<x@y.org>";
		buf_init(&b, 1 << 20);
		assert_int_equal(mime_builder_build(mb, &v[0], &b, &err), -1);
		buf_clear(&b);
		v[0].to_addr = base.to_addr;
	}
	mime_builder_free(mb);
	mime_builder_free(NULL);
}

static void
test_mime_text_only(void **state)
{
	struct mime_out	 m = base;
	struct buf	 b;
	GMimeMessage	*msg;

	(void)state;
	m.html = NULL;
	m.to_name = NULL;
	m.lf = true;
	build_ok(&m, &b);
	assert_null(strstr(b.data, "\r\n"));
	msg = parse(&b);
	assert_part_text(g_mime_message_get_mime_part(msg), "plain", m.text);
	g_object_unref(msg);
	buf_clear(&b);
}

static void
expect_refused(const struct mime_out *m, const char *why)
{
	struct buf	 b;
	struct derr	 err = { 0 };

	buf_init(&b, 1 << 20);
	assert_int_equal(mime_build(m, &b, &err), -1);
	assert_int_equal(err.kind, DERR_INPUT);
	assert_false(err.transient);
	assert_non_null(strstr(err.msg, why));
	buf_clear(&b);
}

static void
test_mime_rejects_injection(void **state)
{
	struct mime_out	 m;

	(void)state;
	m = base;
	m.subject = "hello\r\nBcc: victim@example.org";
	expect_refused(&m, "subject");
	m = base;
	m.to_name = "张三\nBcc: victim@example.org";
	expect_refused(&m, "to name");
	m = base;
	m.from_name = "x\x01y";
	expect_refused(&m, "from name");
	m = base;
	m.to_addr = "a@b.org\r\nBcc: victim@example.org";
	expect_refused(&m, "to address");
	m = base;
	m.message_id = "x@y>\r\nBcc: v@e.org";
	expect_refused(&m, "Message-ID");
}

static void
test_mime_rejects_bad_address(void **state)
{
	struct mime_out	 m;

	(void)state;
	m = base;
	m.to_addr = "not-an-address";
	expect_refused(&m, "to address");
	m = base;
	m.from_addr = "<duty@office.example.cn>";
	expect_refused(&m, "from address");
	m = base;
	m.subject = "\xff\xfe";
	expect_refused(&m, "UTF-8");
}

static void
test_mime_respects_buf_max(void **state)
{
	struct buf	 b;
	struct derr	 err = { 0 };

	(void)state;
	buf_init(&b, 256);
	assert_int_equal(mime_build(&base, &b, &err), -1);
	assert_int_equal(err.kind, DERR_INPUT);
	buf_clear(&b);
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
		cmocka_unit_test(test_mime_roundtrip_chinese),
		cmocka_unit_test(test_mime_headers),
		cmocka_unit_test(test_mime_wire_format),
		cmocka_unit_test(test_mime_boundary_from_message_id),
		cmocka_unit_test(test_mime_builder_matches_fresh),
		cmocka_unit_test(test_mime_base64_crlf),
		cmocka_unit_test(test_mime_text_only),
		cmocka_unit_test(test_mime_rejects_injection),
		cmocka_unit_test(test_mime_rejects_bad_address),
		cmocka_unit_test(test_mime_respects_buf_max),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
