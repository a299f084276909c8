/*
 * test_maildir: deliver into a temporary maildir and read the files back
 * the way a mail client would.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>

#include <gmime/gmime.h>

#include "channels/maildir.h"
#include "mime.h"
#include "util.h"

/*
 * libdutyd allocates with the real malloc, and a channel's `free` member
 * would be renamed by cmocka's macros: both are wrapped before cmocka.h.
 */
static void
lib_free(void *p)
{
	free(p);
}

static void
channel_free(struct channel *ch)
{
	ch->free(ch->ctx);
}

#include <cmocka.h>

#include "testmail.h"

struct fixture {
	char		 top[64];
	char		*dir;
	struct channel	*ch;
};

/* raw: built in main, as the outbox builds it when queueing. */
static struct channel_msg msg = {
	.key = "item:42:before:3",
	.to_addr = "zhang.san@example.cn",
	.subject = "整改提醒：P01-3 还有 3 天到期",
	.text = "张三同志：\n整改措施 P01-3 将于 2026年4月3日 到期。\n",
	.date = INT64_C(1774918800),
};
static struct buf msg_raw;

/* Names of the regular files in `dir`, sorted; returns the count. */
static size_t
list(const char *dir, struct strv *out)
{
	DIR		*d;
	struct dirent	*e;

	d = opendir(dir);
	assert_non_null(d);
	for (e = readdir(d); e != NULL; e = readdir(d))
		if (e->d_name[0] != '.')
			strv_push(out, e->d_name);
	closedir(d);
	return out->n;
}

static char *
sub(const struct fixture *f, const char *name)
{
	return xasprintf("%s/%s", f->dir, name);
}

static void
rm_dir(const char *dir)
{
	struct strv	 names = { 0 };
	char		*p;
	size_t		 i;

	list(dir, &names);
	for (i = 0; i < names.n; i++) {
		p = xasprintf("%s/%s", dir, names.v[i]);
		unlink(p);
		lib_free(p);
	}
	strv_clear(&names);
	rmdir(dir);
}

static int
setup(void **state)
{
	struct fixture	*f;
	struct derr	 err = { 0 };

	f = calloc(1, sizeof(*f));
	snprintf(f->top, sizeof(f->top), "/tmp/test_maildir.XXXXXX");
	assert_non_null(mkdtemp(f->top));
	f->dir = xasprintf("%s/Maildir", f->top);
	f->ch = maildir_channel_new(f->dir, &err);
	assert_non_null(f->ch);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	const char	*subs[] = { "tmp", "new", "cur" };
	char		*p;
	size_t		 i;

	channel_free(f->ch);
	for (i = 0; i < 3; i++) {
		p = sub(f, subs[i]);
		rm_dir(p);
		lib_free(p);
	}
	rmdir(f->dir);
	rmdir(f->top);
	lib_free(f->dir);
	free(f);
	return 0;
}

static GMimeMessage *
parse_file(const char *path)
{
	char		*data;
	size_t		 len;
	struct derr	 err = { 0 };
	GMimeStream	*stream;
	GMimeParser	*parser;
	GMimeMessage	*m;

	assert_int_equal(file_read(path, 1 << 20, &data, &len, &err), 0);
	/* Maildir files use the local LF convention. */
	assert_null(strstr(data, "\r\n"));
	stream = g_mime_stream_mem_new_with_buffer(data, len);
	parser = g_mime_parser_new_with_stream(stream);
	m = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	lib_free(data);
	assert_non_null(m);
	return m;
}

static void
test_maildir_delivers_into_new(void **state)
{
	struct fixture	*f = *state;
	struct strv	 names = { 0 }, tmp = { 0 };
	struct derr	 err = { 0 };
	char		 peer[128];
	char		*dir, *path;
	GMimeMessage	*m;

	assert_int_equal(f->ch->send(f->ch->ctx, &msg, peer, &err),
	    CHANNEL_SENT);
	dir = sub(f, "new");
	assert_int_equal(list(dir, &names), 1);
	assert_string_equal(names.v[0], peer);
	assert_non_null(strstr(names.v[0], ".item_42_before_3"));
	assert_non_null(strstr(names.v[0], "1774918800."));
	path = xasprintf("%s/%s", dir, names.v[0]);
	m = parse_file(path);
	assert_string_equal(g_mime_message_get_subject(m), msg.subject);
	assert_string_equal(g_mime_message_get_message_id(m),
	    TESTMAIL_MESSAGE_ID);
	g_object_unref(m);
	lib_free(path);
	lib_free(dir);
	strv_clear(&names);
	dir = sub(f, "tmp");
	assert_int_equal(list(dir, &tmp), 0);
	lib_free(dir);
}

/* A message built when queued (CRLF) is kept with LF; a lone CR stays. */
static void
test_maildir_writes_queued_message(void **state)
{
	static const char raw[] = "Subject: x\r\nTo: <a@b.cn>\r\n\r\n"
	    "line\rwith a lone CR\r\nlast\r\n";
	struct fixture		*f = *state;
	struct channel_msg	 m = msg;
	struct strv		 names = { 0 };
	struct derr		 err = { 0 };
	char			 peer[128];
	char			*dir, *path, *data;
	size_t			 len;

	m.raw = raw;
	m.raw_len = sizeof(raw) - 1;
	assert_int_equal(f->ch->send(f->ch->ctx, &m, peer, &err),
	    CHANNEL_SENT);
	dir = sub(f, "new");
	assert_int_equal(list(dir, &names), 1);
	path = xasprintf("%s/%s", dir, names.v[0]);
	assert_int_equal(file_read(path, 1 << 20, &data, &len, &err), 0);
	assert_string_equal(data, "Subject: x\nTo: <a@b.cn>\n\n"
	    "line\rwith a lone CR\nlast\n");
	lib_free(data);
	lib_free(path);
	lib_free(dir);
	strv_clear(&names);
}

static void
test_maildir_redelivery_is_visible(void **state)
{
	struct fixture	*f = *state;
	struct strv	 names = { 0 };
	struct derr	 err = { 0 };
	char		 peer1[128], peer2[128];
	char		*dir;

	assert_int_equal(f->ch->send(f->ch->ctx, &msg, peer1, &err),
	    CHANNEL_SENT);
	assert_int_equal(f->ch->send(f->ch->ctx, &msg, peer2, &err),
	    CHANNEL_SENT);
	assert_string_not_equal(peer1, peer2);
	dir = sub(f, "new");
	assert_int_equal(list(dir, &names), 2);
	assert_non_null(strstr(names.v[0], ".item_42_before_3"));
	assert_non_null(strstr(names.v[1], ".item_42_before_3"));
	strv_clear(&names);
	lib_free(dir);
}

/* The channel builds no mail: a message without its bytes is refused. */
static void
test_maildir_refuses_unbuilt_message(void **state)
{
	struct fixture		*f = *state;
	struct channel_msg	 bad = msg;
	struct strv		 names = { 0 };
	struct derr		 err = { 0 };
	char			 peer[128];
	char			*dir;

	bad.raw = NULL;
	bad.raw_len = 0;
	assert_int_equal(f->ch->send(f->ch->ctx, &bad, peer, &err),
	    CHANNEL_PERMANENT);
	assert_int_equal(err.kind, DERR_BUG);
	dir = sub(f, "new");
	assert_int_equal(list(dir, &names), 0);
	lib_free(dir);
	dir = sub(f, "tmp");
	assert_int_equal(list(dir, &names), 0);
	lib_free(dir);
}

static void
test_maildir_refuses_no_directory(void **state)
{
	struct derr	 err = { 0 };

	(void)state;
	assert_null(maildir_channel_new("", &err));
	assert_int_equal(err.kind, DERR_CONFIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_maildir_writes_queued_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_maildir_delivers_into_new,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_maildir_redelivery_is_visible, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_maildir_refuses_unbuilt_message, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_maildir_refuses_no_directory, setup, teardown),
	};
	int	 rc;

	mime_global_init();
	testmail_build(&msg, NULL, &msg_raw);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	buf_clear(&msg_raw);
	mime_global_cleanup();
	return rc;
}
