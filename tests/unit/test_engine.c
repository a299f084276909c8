/*
 * engine tests: one engine_tick at a pinned `now` (and a fake clock for
 * the sends) over a temporary SQLite database and a maildir, with the
 * real templates.  What the tick queues (the reminder stage due today,
 * the week's digest on its day, nothing twice, nothing before the
 * reminder time), that it goes out, and when the engine wakes next.
 */
#include <dirent.h>
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

#include "config.h"
#include "digest.h"
#include "engine.h"
#include "mime.h"
#include "model.h"
#include "store.h"
#include "util.h"

struct fx {
	char		 dir[64];
	char		 md[96];	/* the maildir's new/ */
	struct engine	*e;
	int64_t		 clock;		/* what the fake clock says */
};

static const char conf_fmt[] =
    "general = { database = \"%s/d.db\"; templates = \"" TOP_SRCDIR
    "/conf/templates\"; office = \"团县委\"; timezone = \"Asia/Shanghai\";"
    " };\n"
    "people = (\n"
    " { key = \"wang\"; name = \"王立群\"; email = \"w@example.org\";"
    " roles = [\"principal\"]; },\n"
    " { key = \"zhang\"; name = \"张伟\"; email = \"z@example.org\";"
    " leaders = [\"wang\"]; }\n);\n"
    "smtp = { from = \"duty@example.org\"; };\n"
    "maildir = { path = \"%s/md\"; };\n"
    "reminders = { time = \"09:00\"; before = [ 7, 3, 1 ]; };\n"
    "digest = { %s };\n";

static int64_t
fake_clock(void *ctx)
{
	return ((struct fx *)ctx)->clock;
}

static void
rm_tree(const char *path)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	char		 sub[512];

	if (lstat(path, &sb) == -1)
		return;
	if (S_ISDIR(sb.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			rm_tree(sub);
		}
		closedir(d);
		rmdir(path);
	} else
		unlink(path);
}

/* `s` with CRLF line ends as LF (a maildir file). */
static char *
lf(const char *s)
{
	char	*out = malloc(strlen(s) + 1), *o = out;

	for (; *s != '\0'; s++)
		if (!(s[0] == '\r' && s[1] == '\n'))
			*o++ = *s;
	*o = '\0';
	return out;
}

/* Files in the maildir's new/; the first one's content in *first. */
static size_t
delivered(const struct fx *f, char **first)
{
	DIR		*d;
	struct dirent	*de;
	struct derr	 err = { 0 };
	char		 p[512];
	size_t		 n = 0, len;

	if (first != NULL)
		*first = NULL;
	if ((d = opendir(f->md)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n++ == 0 && first != NULL) {
			snprintf(p, sizeof(p), "%s/%s", f->md, de->d_name);
			assert_int_equal(file_read(p, 1 << 20, first, &len,
			    &err), 0);
		}
	}
	closedir(d);
	return n;
}

/* A config (digest section `digest`), a measure due 2026-12-03 of zhang. */
static void
start(struct fx *f, const char *digest)
{
	struct engine_opts	 o;
	struct strv		 errors = { 0 };
	struct measure		 m;
	struct derr		 err = { 0 };
	struct store		*st;
	struct cfg		*cfg;
	char			 path[96];
	FILE			*fp;

	snprintf(path, sizeof(path), "%s/d.conf", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, conf_fmt, f->dir, f->dir, digest);
	fclose(fp);
	if ((cfg = cfg_load(path, &errors, &err)) == NULL)
		fail_msg("%s %s", err.msg, errors.n ? errors.v[0] : "");
	strv_clear(&errors);
	snprintf(path, sizeof(path), "%s/d.db", f->dir);
	assert_non_null(st = store_open(path, &err));
	memset(&m, 0, sizeof(m));
	m.problem_code = (char *)(uintptr_t)"一";
	m.problem_title = (char *)(uintptr_t)"理论学习不到位";
	m.code = (char *)(uintptr_t)"一-1";
	m.text = (char *)(uintptr_t)"制定年度学习计划";
	m.kind = MEASURE_DEADLINE;
	m.deadline = day_from_ymd(2026, 12, 3);
	strv_push(&m.owners, "zhang");
	assert_int_equal(store_measure_add(st, &m, "test", 0, &err), 0);
	strv_clear(&m.owners);
	store_close(st);
	memset(&o, 0, sizeof(o));
	o.clock = fake_clock;
	o.clockctx = f;
	if ((f->e = engine_new(cfg, &o, &err)) == NULL)
		fail_msg("engine_new: %s", err.msg);
}

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/dutyd-engine.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->md, sizeof(f->md), "%s/md/new", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	engine_free(f->e);
	rm_tree(f->dir);
	free(f);
	return 0;
}

/* Monday 2026-11-30 (ISO week 49) at `minute` in Shanghai. */
static int64_t
monday(const struct fx *f, int minute)
{
	return engine_local_instant(f->e, day_from_ymd(2026, 11, 30), minute);
}

static void
tick(struct fx *f, int64_t now, int64_t *next)
{
	f->clock = now;
	assert_int_equal(engine_tick(f->e, now, next), 0);
}

static size_t
queued(struct fx *f, struct outbox_list *l)
{
	struct derr	 err = { 0 };

	memset(l, 0, sizeof(*l));
	assert_int_equal(engine_queued_since(f->e, 0, l, &err), 0);
	return l->n;
}

/* 3 working days before the deadline at 09:00: that stage, sent once. */
static void
test_engine_tick_queues_the_due_stage(void **state)
{
	struct fx		*f = *state;
	struct outbox_list	 l;
	int64_t			 now, next = 0;
	char			*file, *want;

	start(f, "enabled = false;");
	now = monday(f, 9 * 60);
	tick(f, now, &next);
	assert_int_equal(queued(f, &l), 1);
	assert_string_equal(l.v[0].key, "remind:zhang:email:item:1:before:3");
	assert_string_equal(l.v[0].recipient, "z@example.org");
	assert_int_equal(l.v[0].status, OUTBOX_SENT);
	assert_int_equal(l.v[0].attempts, 1);
	assert_int_equal(l.v[0].created_at, now);
	assert_non_null(strstr(l.v[0].body_text, "一-1"));
	/* What went out is the message queued, with LF line ends. */
	assert_int_equal(delivered(f, &file), 1);
	want = lf(l.v[0].message);
	assert_string_equal(file, want);
	free(want);
	free(file);
	outbox_list_clear(&l);
	/* Next: the plan's next run, tomorrow at 09:00. */
	assert_int_equal(next, engine_local_instant(f->e,
	    day_from_ymd(2026, 12, 1), 9 * 60));
	/* The same tick again, and an hour later: nothing twice. */
	tick(f, now, &next);
	tick(f, now + 3600, &next);
	assert_int_equal(queued(f, &l), 1);
	outbox_list_clear(&l);
	assert_int_equal(delivered(f, NULL), 1);
}

/* Before the reminder time nothing is queued; it wakes at 09:00. */
static void
test_engine_tick_waits_for_the_reminder_time(void **state)
{
	struct fx		*f = *state;
	struct outbox_list	 l;
	int64_t			 next = 0;

	start(f, "enabled = false;");
	tick(f, monday(f, 8 * 60), &next);
	assert_int_equal(queued(f, &l), 0);
	outbox_list_clear(&l);
	assert_int_equal(delivered(f, NULL), 0);
	assert_int_equal(next, monday(f, 9 * 60));
}

/* On the digest's day and time, the week's digest goes out too, once. */
static void
test_engine_tick_queues_the_weekly_digest(void **state)
{
	struct fx		*f = *state;
	struct outbox_list	 l;
	struct derr		 err = { 0 };
	struct store		*st;
	char			 path[96];
	int64_t			 next = 0;
	size_t			 i, ndigest = 0;

	start(f, "to = [\"wang\"]; weekday = 1; time = \"09:00\";");
	tick(f, monday(f, 9 * 60), &next);
	tick(f, monday(f, 9 * 60 + 5), &next);
	assert_int_equal(queued(f, &l), 2);
	for (i = 0; i < l.n; i++) {
		if (strcmp(l.v[i].kind, "digest") != 0)
			continue;
		ndigest++;
		assert_string_equal(l.v[i].key, "digest:wang:email:2026-W49");
		assert_string_equal(l.v[i].recipient, "w@example.org");
		assert_int_equal(l.v[i].status, OUTBOX_SENT);
		assert_non_null(strstr(l.v[i].body_text, "一-1"));
	}
	assert_int_equal(ndigest, 1);
	outbox_list_clear(&l);
	assert_int_equal(delivered(f, NULL), 2);
	snprintf(path, sizeof(path), "%s/d.db", f->dir);
	assert_non_null(st = store_open_read(path, &err));
	assert_int_equal(digest_week_done(st, "2026-W49", &err), 1);
	store_close(st);
}

#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_engine_tick_queues_the_due_stage),
		T(test_engine_tick_waits_for_the_reminder_time),
		T(test_engine_tick_queues_the_weekly_digest),
	};
	int	 rc;

	mime_global_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	mime_global_cleanup();
	return rc;
}
