/*
 * Tests for config: the shipped example and the demo config load with the
 * documented values, a minimal file gets every default, and each file in
 * the corpus tests/data/conf/bad-*.conf fails with exactly the lines in its
 * .expect file.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
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

/*
 * libdutyd.a is built without UNIT_TESTING, so what it allocates comes from
 * libc; freeing that through cmocka's test_free corrupts the heap.  Leaks
 * are checked by LeakSanitizer under SAN=1 instead.
 */
#undef malloc
#undef calloc
#undef realloc
#undef free

#include "config.h"
#include "model.h"
#include "util.h"

#define CORPUS	TOP_SRCDIR "/tests/data/conf"

static int32_t
day(const char *s)
{
	int32_t	 d;

	assert_int_equal(day_parse(s, &d), 0);
	return d;
}

/* Load `path`, failing the test with every error line if it does not. */
static struct cfg *
load_ok(const char *path, unsigned flags)
{
	struct strv	 errors = { 0 };
	struct derr	 err = { 0 };
	struct cfg	*cfg;
	size_t		 i;

	cfg = cfg_load_flags(path, flags, &errors, &err);
	for (i = 0; i < errors.n; i++)
		print_error("%s\n", errors.v[i]);
	if (cfg == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(errors.n, 0);
	strv_clear(&errors);
	return cfg;
}

static char *
dir_real(const char *d)
{
	char	*r = realpath(d, NULL);

	assert_non_null(r);
	return r;
}

static void
test_config_example_parses(void **state)
{
	struct cfg		*cfg;
	const struct cfg_person	*p;
	const struct cfg_duty	*d;

	(void)state;
	cfg = load_ok(TOP_SRCDIR "/conf/dutyd.conf", CFG_LOAD_NO_FILES);
	assert_string_equal(cfg->general.timezone, "Asia/Shanghai");
	assert_string_equal(cfg->general.database, "/var/lib/dutyd/dutyd.db");
	assert_string_equal(cfg->general.office, "共青团宁海县委员会");
	assert_int_equal(cfg->general.nholidays, 1);
	assert_int_equal(cfg->general.holidays[0], day("2027-01-01"));
	assert_int_equal(cfg->general.workdays[0], day("2027-02-07"));
	assert_int_equal(cfg->npeople, 4);
	p = cfg_person_get(cfg, "zhang");
	assert_non_null(p);
	assert_string_equal(p->name, "张伟");
	assert_string_equal(p->phone, "+8613800138000");
	assert_int_equal(p->roles, CFG_ROLE_OFFICER);
	assert_string_equal(p->leaders.v[0], "li");
	assert_int_equal(cfg_person_get(cfg, "xu")->roles,
	    CFG_ROLE_OFFICER | CFG_ROLE_ADMIN);
	assert_null(cfg_person_get(cfg, "xu")->phone);
	assert_true(cfg->smtp.enabled);
	assert_int_equal(cfg->smtp.tls, CFG_TLS_IMPLICIT);
	assert_string_equal(cfg->smtp.password_file, "/etc/dutyd/smtp.pass");
	assert_string_equal(cfg->smtp.from_name, "团县委巡察整改办");
	assert_int_equal(cfg->reminders.time, 9 * 60);
	assert_int_equal(cfg->reminders.nbefore, 3);
	assert_int_equal(cfg->reminders.before[2], 1);
	assert_int_equal(cfg->reminders.channels, CFG_CH_EMAIL | CFG_CH_IM);
	assert_int_equal(cfg->nim, 1);
	assert_string_equal(cfg->im[0].kinds.v[1], "digest");
	d = cfg_duty_get(cfg, "talks");
	assert_non_null(d);
	assert_int_equal(d->period, CFG_PERIOD_QUARTER);
	assert_int_equal(d->nwarn, 3);
	assert_int_equal(d->warn[0], 20);
	assert_int_equal(d->targets.n, 3);
	assert_int_equal(cfg->digest.weekday, 1);
	assert_int_equal(cfg->digest.time, 8 * 60 + 30);
	cfg_free(cfg);
}

/* Without CFG_LOAD_NO_FILES, each missing secret file is one error. */
static void
test_config_example_needs_secret_files(void **state)
{
	static const char *const want[] = {
		"smtp.password_file: cannot access file: No such file or "
		    "directory (got \"/etc/dutyd/smtp.pass\")",
		"sms.secret_file: cannot access file: No such file or "
		    "directory (got \"/etc/dutyd/sms.secret\")",
		"im.[0].secret_file: cannot access file: No such file or "
		    "directory (got \"/etc/dutyd/dingtalk.secret\")",
		"mailbox.password_file: cannot access file: No such file or "
		    "directory (got \"/etc/dutyd/imap.pass\")",
		"replies.key_file: cannot access file: No such file or "
		    "directory (got \"/etc/dutyd/replies.key\")",
	};
	struct strv	 errors = { 0 };
	struct derr	 err = { 0 };
	size_t		 i;

	(void)state;
	if (access("/etc/dutyd", F_OK) == 0)
		skip();
	assert_null(cfg_load(TOP_SRCDIR "/conf/dutyd.conf", &errors, &err));
	assert_int_equal(err.kind, DERR_CONFIG);
	assert_int_equal(errors.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < errors.n; i++) {
		assert_non_null(strstr(errors.v[i], "/conf/dutyd.conf:"));
		assert_non_null(strstr(errors.v[i], want[i]));
	}
	strv_clear(&errors);
}

static void
test_config_demo_loads(void **state)
{
	struct cfg		*cfg;
	const struct cfg_duty	*d;
	char			*conf, *want, *sum;

	(void)state;
	/* conf/demo/run.sh writes the demo's SMS secret file. */
	cfg = load_ok(TOP_SRCDIR "/conf/demo.conf", CFG_LOAD_NO_FILES);
	conf = dir_real(TOP_SRCDIR "/conf");
	want = xasprintf("%s/../var/demo.db", conf);
	assert_string_equal(cfg->general.database, want);
	free(want);
	want = xasprintf("%s/templates", conf);
	assert_string_equal(cfg->general.templates, want);
	free(want);
	want = xasprintf("%s/../var/outbox", conf);
	assert_string_equal(cfg->maildir.path, want);
	assert_false(cfg->smtp.enabled);
	assert_int_equal(cfg->reminders.time, 0);
	assert_false(cfg->reminders.working_days_only);
	assert_int_equal(cfg->npeople, 10);
	assert_int_equal(cfg->nduties, 7);
	assert_string_equal(cfg_person_find(cfg, "王立群")->key, "wang");
	assert_int_equal(cfg_person_get(cfg, "wang")->roles,
	    CFG_ROLE_PRINCIPAL);
	d = cfg_duty_get(cfg, "talks");
	assert_int_equal(d->owners.n, 3);
	assert_int_equal(cfg_person_get(cfg, d->owners.v[1])->roles,
	    CFG_ROLE_LEADER);
	assert_int_equal(cfg_duty_get(cfg, "dues")->period, CFG_PERIOD_MONTH);
	assert_int_equal(cfg_duty_get(cfg, "party-lecture")->period,
	    CFG_PERIOD_QUARTER);
	assert_int_equal(cfg->digest.to.n, 1);
	assert_string_equal(cfg->digest.to.v[0], "wang");
	sum = cfg_summary(cfg);
	free(want);
	want = xasprintf("configuration OK: 10 people, 7 duties, email to "
	    "maildir %s/../var/outbox, sms aliyun, 0 im, mailbox off, "
	    "database %s/../var/demo.db", conf, conf);
	assert_string_equal(sum, want);
	free(sum);
	free(want);
	free(conf);
	cfg_free(cfg);
}

static void
test_config_ok_minimal_defaults(void **state)
{
	struct cfg	*cfg;
	char		*dir, *want;

	(void)state;
	cfg = load_ok(CORPUS "/ok-minimal.conf", 0);
	dir = dir_real(CORPUS);
	want = xasprintf("%s/min.db", dir);
	assert_string_equal(cfg->general.database, want);
	free(want);
	free(dir);
	assert_string_equal(cfg->general.timezone, "Asia/Shanghai");
	assert_string_equal(cfg->general.templates,
	    "/usr/local/share/dutyd/templates");
	assert_null(cfg->general.office);
	assert_string_equal(cfg->general.log_level, "info");
	assert_int_equal(cfg->general.nholidays, 0);
	assert_int_equal(cfg->people[0].roles, CFG_ROLE_PRINCIPAL);
	assert_int_equal(cfg->people[1].roles, CFG_ROLE_OFFICER);
	assert_false(cfg->people[1].disabled);
	assert_null(cfg->people[1].phone);
	assert_false(cfg->smtp.enabled);
	assert_int_equal(cfg->smtp.connect_timeout, 10);
	assert_int_equal(cfg->smtp.timeout, 60);
	assert_int_equal(cfg->outbox.retry_min, 300);
	assert_int_equal(cfg->outbox.retry_max, 4000);
	assert_int_equal(cfg->outbox.give_up, 432000);
	assert_int_equal(cfg->outbox.batch, 100);
	assert_int_equal(cfg->reminders.time, 9 * 60);
	assert_true(cfg->reminders.working_days_only);
	assert_int_equal(cfg->reminders.nbefore, 3);
	assert_int_equal(cfg->reminders.before[0], 7);
	assert_int_equal(cfg->reminders.before[1], 3);
	assert_int_equal(cfg->reminders.before[2], 1);
	assert_true(cfg->reminders.due_day);
	assert_int_equal(cfg->reminders.overdue_every, 2);
	assert_int_equal(cfg->reminders.escalate_leader, 3);
	assert_int_equal(cfg->reminders.escalate_principal, 10);
	assert_int_equal(cfg->reminders.yellow, 7);
	assert_int_equal(cfg->reminders.red, 3);
	assert_int_equal(cfg->reminders.channels, CFG_CH_EMAIL);
	assert_int_equal(cfg->reminders.sms_from, 1);
	assert_false(cfg->sms.enabled);
	assert_string_equal(cfg->sms.endpoint,
	    "https://dysmsapi.aliyuncs.com/");
	assert_int_equal(cfg->sms.timeout, 15);
	assert_int_equal(cfg->nim, 0);
	assert_false(cfg->mailbox.enabled);
	assert_int_equal(cfg->mailbox.poll_interval, 600);
	assert_int_equal(cfg->mailbox.max_size, 10485760);
	assert_int_equal(cfg->mailbox.answer_days, 15);
	assert_int_equal(cfg->nduties, 1);
	assert_int_equal(cfg->duties[0].at_least, 1);
	assert_int_equal(cfg->duties[0].nwarn, 3);
	assert_int_equal(cfg->duties[0].warn[0], 20);
	assert_int_equal(cfg->duties[0].warn[2], 3);
	assert_int_equal(cfg->duties[0].channels, CFG_CH_EMAIL);
	assert_int_equal(cfg->duties[0].late_days, 10);
	assert_int_equal(cfg->duties[0].targets.n, 0);
	assert_true(cfg->digest.enabled);
	assert_int_equal(cfg->digest.weekday, 1);
	assert_int_equal(cfg->digest.time, 8 * 60 + 30);
	assert_int_equal(cfg->digest.to.n, 1);
	assert_string_equal(cfg->digest.to.v[0], "boss");
	cfg_free(cfg);
}

/* Values the example does not use: local relay, tencent, weekday 7. */
static void
test_config_ok_variants(void **state)
{
	struct cfg	*cfg;

	(void)state;
	/* It holds a robot URL: the checkout's 0644 would be refused. */
	assert_int_equal(chmod(CORPUS "/ok-variants.conf", 0600), 0);
	cfg = load_ok(CORPUS "/ok-variants.conf", 0);
	assert_int_equal(cfg->smtp.tls, CFG_TLS_NONE);
	assert_string_equal(cfg->sms.endpoint, "http://127.0.0.1:8080/sms");
	assert_string_equal(cfg->sms.region, "ap-guangzhou");
	assert_string_equal(cfg->sms.template_overdue, "1234567");
	assert_int_equal(cfg->reminders.channels, CFG_CH_EMAIL | CFG_CH_SMS |
	    CFG_CH_IM);
	assert_int_equal(cfg->reminders.before[0], 5);
	assert_int_equal(cfg->reminders.before[1], 2);
	assert_int_equal(cfg->digest.weekday, 7);
	assert_int_equal(cfg->general.holidays[0], day("2027-01-01"));
	assert_int_equal(cfg->general.holidays[1], day("2027-10-08"));
	assert_int_equal(cfg->duties[0].period, CFG_PERIOD_HALF);
	assert_int_equal(cfg->duties[1].period, CFG_PERIOD_YEAR);
	assert_true(cfg->people[1].disabled);
	cfg_free(cfg);
}

/* Read a .expect file into lines. */
static void
expect_read(const char *path, struct strv *lines)
{
	struct derr	 err = { 0 };
	char		*text, *line, *nl;
	size_t		 len;

	if (file_read(path, 1 << 16, &text, &len, &err) == -1)
		fail_msg("%s", err.msg);
	for (line = text; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			fail_msg("%s: last line lacks a newline", path);
		*nl = '\0';
		strv_push(lines, line);
	}
	free(text);
}

/* Returns 0 if `conf` fails with exactly the lines of its .expect. */
static int
corpus_one(const char *conf)
{
	struct strv	 got = { 0 }, want = { 0 };
	struct derr	 err = { 0 };
	struct cfg	*cfg;
	char		*expect;
	size_t		 i;
	int		 bad = 0;

	expect = xasprintf("%.*s.expect", (int)(strlen(conf) - 5), conf);
	expect_read(expect, &want);
	cfg = cfg_load(conf, &got, &err);
	if (cfg != NULL) {
		print_error("%s: loaded, but should fail\n", conf);
		cfg_free(cfg);
		bad = 1;
	}
	for (i = 0; i < got.n || i < want.n; i++) {
		if (i < got.n && i < want.n &&
		    strcmp(got.v[i], want.v[i]) == 0)
			continue;
		print_error("%s line %zu:\n  want: %s\n  got:  %s\n", conf,
		    i + 1, i < want.n ? want.v[i] : "(nothing)",
		    i < got.n ? got.v[i] : "(nothing)");
		bad = 1;
	}
	strv_clear(&got);
	strv_clear(&want);
	free(expect);
	return bad;
}

static void
test_config_bad_corpus(void **state)
{
	glob_t	 g;
	size_t	 i;
	int	 bad = 0, here;

	(void)state;
	/* Relative names, so the messages hold "bad-x.conf:LINE:". */
	here = open(".", O_RDONLY | O_DIRECTORY);
	assert_true(here >= 0);
	assert_int_equal(chdir(CORPUS), 0);
	assert_int_equal(glob("bad-*.conf", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 20);
	for (i = 0; i < g.gl_pathc; i++)
		bad += corpus_one(g.gl_pathv[i]);
	globfree(&g);
	assert_int_equal(fchdir(here), 0);
	close(here);
	assert_int_equal(bad, 0);
}

static void
test_config_missing_file_is_sys_error(void **state)
{
	struct strv	 errors = { 0 };
	struct derr	 err = { 0 };

	(void)state;
	assert_null(cfg_load(CORPUS "/no-such.conf", &errors, &err));
	assert_int_equal(err.kind, DERR_SYS);
	assert_non_null(strstr(err.msg, "No such file or directory"));
	strv_clear(&errors);
}

/*
 * A syntax error is one line in the list; the summary only counts it, so
 * cfg_report does not print "syntax error" twice.
 */
static void
test_config_syntax_error_once(void **state)
{
	struct strv	 errors = { 0 };
	struct derr	 err = { 0 };

	(void)state;
	assert_null(cfg_load(CORPUS "/bad-fullwidth-semicolon.conf", &errors,
	    &err));
	assert_int_equal(err.kind, DERR_CONFIG);
	assert_int_equal(errors.n, 1);
	assert_non_null(strstr(errors.v[0], ":12: syntax error (line 12 has "
	    "a full-width semicolon \"；\": use \";\")"));
	assert_null(strstr(err.msg, "syntax error"));
	assert_non_null(strstr(err.msg, ": 1 error"));
	strv_clear(&errors);
}

/* 60 bad emails: 50 lines reported, the summary counts all of them. */
static void
test_config_error_cap(void **state)
{
	struct strv	 errors = { 0 };
	struct derr	 err = { 0 };
	char		 path[] = "/tmp/test_config_XXXXXX";
	FILE		*fp;
	int		 fd, i;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fprintf(fp, "general = { database = \"x.db\"; };\npeople = (\n");
	for (i = 0; i < 60; i++)
		fprintf(fp, "%s{ key = \"p%d\"; name = \"P%d\"; "
		    "email = \"bad%d\"; }\n", i > 0 ? "," : "", i, i, i);
	fprintf(fp, ");\nmaildir = { path = \"o\"; };\n");
	assert_int_equal(fclose(fp), 0);
	assert_null(cfg_load(path, &errors, &err));
	unlink(path);
	assert_int_equal(errors.n, CFG_MAX_ERRORS);
	assert_non_null(strstr(errors.v[0], ":3: people.[0].email: not an "
	    "email address (got \"bad0\")"));
	assert_non_null(strstr(err.msg, "60 errors (first 50 shown)"));
	strv_clear(&errors);
}

static void
test_config_lookups_absent(void **state)
{
	struct cfg	*cfg;

	(void)state;
	cfg = load_ok(CORPUS "/ok-minimal.conf", 0);
	assert_null(cfg_person_get(cfg, "nobody"));
	assert_null(cfg_person_get(cfg, "老板"));
	assert_string_equal(cfg_person_find(cfg, "老板")->key, "boss");
	assert_null(cfg_person_find(cfg, "nobody"));
	assert_null(cfg_duty_get(cfg, "nothing"));
	cfg_free(cfg);
	cfg_free(NULL);
}

/* Write `text` to a fresh file in /tmp with `mode`; returns its path. */
static char *
conf_tmp(const char *text, mode_t mode)
{
	char	*path = xstrdup("/tmp/test_config_XXXXXX");
	int	 fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

#define ROBOT_CONF \
	"general = { database = \"x.db\"; };\n" \
	"people = ( { key = \"a\"; name = \"A\"; " \
	"roles = [\"principal\"]; } );\n" \
	"reminders = { channels = [ \"im\" ]; };\n" \
	"im = ( { name = \"r\"; type = \"wecom\"; url = \"https://qyapi." \
	"weixin.qq.com/cgi-bin/webhook/send?key=SECRETKEY\"; } );\n"

/* A config holding a robot URL is refused when group/others can read it. */
static void
test_config_secret_inline_mode_refused(void **state)
{
	static const mode_t bad[] = { 0640, 0604, 0660, 0644 };
	struct strv	 errors = { 0 };
	struct derr	 err = { 0 };
	struct cfg	*cfg;
	char		*path, *want;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		path = conf_tmp(ROBOT_CONF, bad[i]);
		assert_null(cfg_load(path, &errors, &err));
		assert_int_equal(errors.n, 1);
		want = xasprintf("%s: holds secrets (im.[0].url: a robot "
		    "webhook address is its access token) but has mode %04o: "
		    "it must not be readable by group or others (run: chmod "
		    "600 %s, and chown it to the user dutyd runs as)", path,
		    (unsigned)bad[i], path);
		assert_string_equal(errors.v[0], want);
		assert_null(strstr(errors.v[0], "SECRETKEY"));
		free(want);
		strv_clear(&errors);
		unlink(path);
		free(path);
	}
	path = conf_tmp(ROBOT_CONF, 0600);
	cfg = load_ok(path, 0);
	cfg_free(cfg);
	unlink(path);
	free(path);
	/* Without a robot URL the file may be 0644 (it holds no secret). */
	path = conf_tmp("general = { database = \"x.db\"; };\n"
	    "people = ( { key = \"a\"; name = \"A\"; roles = "
	    "[\"principal\"]; } );\n"
	    "maildir = { path = \"o\"; };\n", 0644);
	cfg = load_ok(path, 0);
	cfg_free(cfg);
	unlink(path);
	free(path);
}

#define CRED_CONF \
	"general = { database = \"x.db\"; };\n" \
	"people = ( { key = \"a\"; name = \"A\"; " \
	"roles = [\"principal\"]; } );\n" \
	"smtp = { enabled = true; url = \"smtps://smtp.126.com:465\"; " \
	"from = \"a@126.com\"; password_file = \"%s\"; };\n"

/* "credential:NAME" reads $CREDENTIALS_DIRECTORY/NAME when it is set. */
/* A robot URL in an error message shows its host, never its token. */
static void
test_config_secret_url_redacted(void **state)
{
	struct strv	 errors = { 0 };
	struct derr	 err = { 0 };
	char		*path;
	size_t		 i;

	(void)state;
	path = conf_tmp("general = { database = \"x.db\"; };\n"
	    "people = ( { key = \"a\"; name = \"A\"; "
	    "roles = [\"principal\"]; } );\n"
	    "maildir = { path = \"o\"; };\n"
	    "smtp = { url = \"smtp://dutyd:PASSWORD@mail.example.org\"; };\n"
	    "im = ( { name = \"d\"; type = \"dingtalk\"; url = "
	    "\"http://oapi.dingtalk.com/robot/send?access_token=TOKEN1\"; },\n"
	    "\t{ name = \"w\"; type = \"wecom\"; url = \"qyapi.weixin.qq."
	    "com/cgi-bin/webhook/send?key=TOKEN2\"; },\n"
	    "\t{ name = \"f\"; type = \"feishu\"; url = \"ftp://open."
	    "feishu.cn/open-apis/bot/v2/hook/TOKEN3\"; },\n"
	    "\t{ name = \"x\"; type = \"webhook\"; url = \"TOKEN4\"; } );\n",
	    0600);
	assert_null(cfg_load(path, &errors, &err));
	assert_int_equal(errors.n, 5);
	for (i = 0; i < errors.n; i++) {
		assert_null(strstr(errors.v[i], "TOKEN"));
		assert_null(strstr(errors.v[i], "PASSWORD"));
	}
	assert_non_null(strstr(errors.v[0], "(got \"smtp://***@mail."
	    "example.org\")"));
	assert_non_null(strstr(errors.v[1], "im.[0].url: plain http:// is "
	    "only allowed to 127.0.0.1, localhost or ::1 (got \"http://"
	    "oapi.dingtalk.com/***\")"));
	assert_non_null(strstr(errors.v[2], "(got \"qyapi.weixin.qq.com/"
	    "***\")"));
	assert_non_null(strstr(errors.v[3], "(got \"ftp://open.feishu.cn/"
	    "***\")"));
	assert_non_null(strstr(errors.v[4], "(got \"***\")"));
	strv_clear(&errors);
	unlink(path);
	free(path);
}

/* The mode rule holds for the file that holds the secret: an @include. */
static void
test_config_include_mode_refused(void **state)
{
	struct strv	 errors = { 0 };
	struct derr	 err = { 0 };
	struct cfg	*cfg;
	char		*inc, *path, *text, *want;

	(void)state;
	inc = conf_tmp("im = ( { name = \"r\"; type = \"wecom\"; url = "
	    "\"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="
	    "SECRETKEY\"; } );\n", 0644);
	text = xasprintf("general = { database = \"x.db\"; };\n"
	    "people = ( { key = \"a\"; name = \"A\"; "
	    "roles = [\"principal\"]; } );\n"
	    "reminders = { channels = [ \"im\" ]; };\n"
	    "@include \"%s\"\n", inc + strlen("/tmp/"));
	path = conf_tmp(text, 0600);
	assert_null(cfg_load(path, &errors, &err));
	assert_int_equal(errors.n, 1);
	want = xasprintf("%s: holds secrets (im.[0].url: a robot webhook "
	    "address is its access token) but has mode 0644: it must not be "
	    "readable by group or others (run: chmod 600 %s, and chown it to "
	    "the user dutyd runs as)", inc, inc);
	assert_string_equal(errors.v[0], want);
	strv_clear(&errors);
	assert_int_equal(chmod(inc, 0600), 0);
	cfg = load_ok(path, 0);
	cfg_free(cfg);
	/* The including file holds no secret: 0644 is fine. */
	assert_int_equal(chmod(path, 0644), 0);
	cfg = load_ok(path, 0);
	cfg_free(cfg);
	free(want);
	free(text);
	unlink(path);
	unlink(inc);
	free(path);
	free(inc);
}

/* A secret file another ordinary user owns is that user's to swap. */
static void
test_config_secret_owner(void **state)
{
	struct derr	 err = { 0 };
	char		*path, *pw = NULL, *want;

	(void)state;
	if (geteuid() != 0)
		skip();
	path = conf_tmp("token\n", 0600);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(secret_file_read(path, &pw, &err), -1);
	assert_int_equal(err.kind, DERR_CONFIG);
	want = xasprintf("secret file %s is owned by nobody (uid 65534), but "
	    "dutyd runs as root (uid 0): it must belong to root (run: "
	    "chown root %s)", path, path);
	assert_string_equal(err.msg, want);
	assert_null(pw);
	free(want);
	/* root's own file (the admin made it) is fine. */
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(secret_file_read(path, &pw, &err), 0);
	assert_string_equal(pw, "token");
	xfree_secret(pw);
	unlink(path);
	free(path);
}

static void
test_config_credential(void **state)
{
	struct strv	 errors = { 0 };
	struct derr	 err = { 0 };
	struct cfg	*cfg;
	char		*path, *text, dir[] = "/tmp/test_creds_XXXXXX", *pw;
	char		*want;
	int		 fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	text = xasprintf(CRED_CONF, "credential:smtp.pass");
	path = conf_tmp(text, 0644);
	unsetenv("CREDENTIALS_DIRECTORY");
	cfg = load_ok(path, 0);
	assert_string_equal(cfg->smtp.password_file, "credential:smtp.pass");
	assert_int_equal(secret_file_read(cfg->smtp.password_file, &pw, &err),
	    -1);
	assert_non_null(strstr(err.msg, "LoadCredential=smtp.pass:"));
	cfg_free(cfg);
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	assert_null(cfg_load(path, &errors, &err));
	assert_int_equal(errors.n, 1);
	assert_non_null(strstr(errors.v[0], "smtp.password_file: cannot "
	    "access file"));
	strv_clear(&errors);
	want = xasprintf("%s/smtp.pass", dir);
	fd = open(want, O_WRONLY | O_CREAT, 0400);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "pw\n", 3), 3);
	close(fd);
	cfg = load_ok(path, 0);
	assert_string_equal(cfg->smtp.password_file, want);
	assert_int_equal(secret_file_read(cfg->smtp.password_file, &pw, &err),
	    0);
	assert_string_equal(pw, "pw");
	xfree_secret(pw);
	cfg_free(cfg);
	unlink(want);
	unlink(path);
	free(path);
	free(text);
	text = xasprintf(CRED_CONF, "credential:../x");
	path = conf_tmp(text, 0600);
	assert_null(cfg_load(path, &errors, &err));
	assert_non_null(strstr(errors.v[0], "not a credential name"));
	strv_clear(&errors);
	unsetenv("CREDENTIALS_DIRECTORY");
	rmdir(dir);
	unlink(path);
	free(path);
	free(text);
	free(want);
}

/*
 * A templates directory copied before the last release: every shipped
 * template but im-digest.* and sms-duty.txt, and reminder.html a
 * directory.  `dir` gets the temporary directory (the config is
 * dir/dutyd.conf, the templates dir/t).
 */
static void
templates_old(char *dir)
{
	glob_t	 g;
	char	*p, *link;
	size_t	 i;
	FILE	*fp;

	assert_non_null(mkdtemp(dir));
	p = xasprintf("%s/t", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	assert_int_equal(glob(TOP_SRCDIR "/conf/templates/*", 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		p = strrchr(g.gl_pathv[i], '/') + 1;
		if (strncmp(p, "im-digest.", 10) == 0 ||
		    strcmp(p, "sms-duty.txt") == 0)
			continue;
		link = xasprintf("%s/t/%s", dir, p);
		if (strcmp(p, "reminder.html") == 0)
			assert_int_equal(mkdir(link, 0700), 0);
		else
			assert_int_equal(symlink(g.gl_pathv[i], link), 0);
		free(link);
	}
	globfree(&g);
	p = xasprintf("%s/s.pass", dir);
	assert_non_null(fp = fopen(p, "w"));
	fputs("secret\n", fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(p, 0600), 0);
	free(p);
	p = xasprintf("%s/dutyd.conf", dir);
	assert_non_null(fp = fopen(p, "w"));
	fputs("general = { database = \"x.db\"; templates = \"t\"; };\n"
	    "people = ( { key = \"a\"; name = \"A\"; "
	    "email = \"a@example.org\";\n"
	    "  phone = \"+8613800138000\"; roles = [ \"principal\" ]; } );\n"
	    "maildir = { path = \"o\"; };\n"
	    "sms = { enabled = true; provider = \"aliyun\"; endpoint = "
	    "\"http://127.0.0.1:8080/sms\"; access_key_id = \"AK\"; "
	    "secret_file = \"s.pass\"; sign_name = \"测试\"; "
	    "template_reminder = \"SMS_1\"; template_duty = \"SMS_2\"; "
	    "template_shortfall = \"SMS_3\"; };\n"
	    "im = ( { name = \"r\"; type = \"wecom\"; url = "
	    "\"https://qyapi.weixin.qq.com/x\"; kinds = [ \"digest\" ]; } );\n"
	    "duties = ( { id = \"t\"; title = \"谈心\"; period = \"quarter\";\n"
	    "  owners = [ \"a\" ]; channels = [ \"email\", \"sms\" ]; } );\n",
	    fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(p, 0600), 0);
	free(p);
}

static void
templates_old_remove(const char *dir)
{
	glob_t	 g;
	char	*p;
	size_t	 i;

	p = xasprintf("%s/t/*", dir);
	assert_int_equal(glob(p, 0, NULL, &g), 0);
	free(p);
	for (i = 0; i < g.gl_pathc; i++)
		if (rmdir(g.gl_pathv[i]) == -1)
			assert_int_equal(unlink(g.gl_pathv[i]), 0);
	globfree(&g);
	p = xasprintf("%s/t", dir);
	assert_int_equal(rmdir(p), 0);
	free(p);
	p = xasprintf("%s/s.pass", dir);
	assert_int_equal(unlink(p), 0);
	free(p);
	p = xasprintf("%s/dutyd.conf", dir);
	assert_int_equal(unlink(p), 0);
	free(p);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * With CFG_LOAD_TEMPLATES (dutyd, check-config) every template the
 * configuration will use must be there: each missing or unreadable one
 * is named once, at the setting that needs it; other dutyctl commands
 * load the same file.
 */
static void
test_config_templates_missing(void **state)
{
	struct strv	 errors = { 0 };
	struct derr	 err = { 0 };
	struct cfg	*cfg;
	char		 dir[] = "/tmp/test_config_XXXXXX";
	char		*conf, *want[4];
	size_t		 i;

	(void)state;
	templates_old(dir);
	conf = xasprintf("%s/dutyd.conf", dir);
	want[0] = xasprintf("%s:1: general.templates: needs the template "
	    "%s/t/reminder.html, which cannot be read: Is a directory (got "
	    "\"t\")", conf, dir);
	want[1] = xasprintf("%s:6: im.[0].kinds: needs the template "
	    "%s/t/im-digest.title.txt, which does not exist (copy it from "
	    "the templates of this version of dutyd)", conf, dir);
	want[2] = xasprintf("%s:6: im.[0].kinds: needs the template "
	    "%s/t/im-digest.md, which does not exist (copy it from the "
	    "templates of this version of dutyd)", conf, dir);
	want[3] = xasprintf("%s:8: duties.[0].channels: needs the template "
	    "%s/t/sms-duty.txt, which does not exist (copy it from the "
	    "templates of this version of dutyd)", conf, dir);
	assert_null(cfg_load_flags(conf, CFG_LOAD_TEMPLATES, &errors, &err));
	assert_int_equal(errors.n, 4);
	for (i = 0; i < 4; i++) {
		assert_string_equal(errors.v[i], want[i]);
		free(want[i]);
	}
	assert_non_null(strstr(err.msg, ": 4 errors"));
	strv_clear(&errors);
	cfg = load_ok(conf, 0);
	cfg_free(cfg);
	free(conf);
	templates_old_remove(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_example_parses),
		cmocka_unit_test(test_config_example_needs_secret_files),
		cmocka_unit_test(test_config_demo_loads),
		cmocka_unit_test(test_config_ok_minimal_defaults),
		cmocka_unit_test(test_config_ok_variants),
		cmocka_unit_test(test_config_missing_file_is_sys_error),
		cmocka_unit_test(test_config_syntax_error_once),
		cmocka_unit_test(test_config_error_cap),
		cmocka_unit_test(test_config_lookups_absent),
		cmocka_unit_test(test_config_bad_corpus),
		cmocka_unit_test(test_config_secret_inline_mode_refused),
		cmocka_unit_test(test_config_credential),
		cmocka_unit_test(test_config_secret_url_redacted),
		cmocka_unit_test(test_config_include_mode_refused),
		cmocka_unit_test(test_config_secret_owner),
		cmocka_unit_test(test_config_templates_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
