/*
 * store tests: migrations from an empty database (every run opens
 * ":memory:"), refusal of a newer schema, the measure lifecycle with its
 * audit rows, ledger import (all or nothing, idempotent), bound values,
 * the outbox state machine and the daemon's key/value state.  `now` is
 * always a pinned number; nothing reads the clock.
 */
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

#include "model.h"
#include "store.h"
#include "util.h"

#define NOW	1795000000	/* 2026-11-18, any pinned instant will do */
#define EVIL	"'); DROP TABLE measure; --"

extern char **environ;

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
	struct store	*s;

	s = store_open(":memory:", &err);
	if (s == NULL)
		fail_msg("store_open: %s", err.msg);
	return s;
}

#define BOOT	"0b7c8e52-3f1a-4d7e-9a51-2c8d5e6f7a80"

/* Claim one row for a drain round, as this boot. */
static int
claim1(struct store *s, int64_t id, int64_t now)
{
	struct derr	 err = { 0 };
	bool		 claimed = false;
	int		 n;

	n = store_outbox_claim(s, &id, 1, BOOT, &claimed, now, &err);
	assert_int_equal(n, claimed ? 1 : 0);
	return n;
}

/* Fill `m` with borrowed strings (never measure_clear'ed). */
static void
mk(struct measure *m, char *problem, char *code, char *text, char **owners,
    size_t nowners, const char *deadline)
{
	memset(m, 0, sizeof(*m));
	m->problem_code = problem;
	m->problem_title = NULL;
	m->code = code;
	m->text = text;
	m->owners.v = owners;
	m->owners.n = nowners;
	m->kind = deadline ? MEASURE_DEADLINE : MEASURE_ONGOING;
	m->deadline = deadline ? day(deadline) : DAY_NONE;
	m->status = MEASURE_OPEN;
}

static void
add_ok(struct store *s, const struct measure *m)
{
	struct derr	 err = { 0 };

	if (store_measure_add(s, m, "admin", NOW, &err) != 0)
		fail_msg("add %s: %s", m->code, err.msg);
}

static struct store_filter
any_filter(void)
{
	struct store_filter	 f;

	memset(&f, 0, sizeof(f));
	f.status = -1;
	f.due_before = DAY_NONE;
	return f;
}

/* Codes of the measures matching `f`, comma-separated, into `out`. */
static const char *
list_codes(struct store *s, const struct store_filter *f, char *out,
    size_t len)
{
	struct measure_list	 l = { 0 };
	struct derr		 err = { 0 };
	size_t			 i, o = 0;

	assert_int_equal(store_measure_list(s, f, &l, &err), 0);
	out[0] = '\0';
	for (i = 0; i < l.n; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", i ? "," : "",
		    l.v[i].code);
	measure_list_clear(&l);
	return out;
}

/* Assert the audit row `back` steps from the newest (0 = newest). */
static void
assert_audit(struct store *s, size_t back, const char *who, const char *action,
    const char *object, const char *before, const char *after)
{
	struct store_audit_list	 l = { 0 };
	struct derr		 err = { 0 };
	const struct store_audit *a;

	assert_int_equal(store_audit_list(s, 100, &l, &err), 0);
	assert_true(back < l.n);
	a = &l.v[back];
	assert_int_equal(a->at, NOW);
	assert_string_equal(a->who, who);
	assert_string_equal(a->action, action);
	assert_string_equal(a->object, object);
	if (before == NULL)
		assert_null(a->before);
	else
		assert_string_equal(a->before, before);
	if (after == NULL)
		assert_null(a->after);
	else
		assert_string_equal(a->after, after);
	store_audit_list_clear(&l);
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

static void
test_store_migrates_from_empty(void **state)
{
	struct store	*s;

	(void)state;
	assert_true(store_schema_latest() >= 1);
	s = open_mem();
	assert_int_equal(store_schema_version(s), store_schema_latest());
	assert_int_equal(audit_count(s), 0);
	store_close(s);
	store_close(NULL);
}

/* Run the sqlite3 shell on `path` with one statement; its exit status. */
static int
sqlite3_run(const char *path, const char *sql)
{
	char	*argv[] = { "sqlite3", NULL, NULL, NULL };
	pid_t	 pid;
	int	 status;

	argv[1] = xstrdup(path);
	argv[2] = xstrdup(sql);
	assert_int_equal(posix_spawnp(&pid, "sqlite3", NULL, NULL, argv,
	    environ), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	free(argv[1]);
	free(argv[2]);
	return WEXITSTATUS(status);
}

static void
sqlite3_cli(const char *path, const char *sql)
{
	assert_int_equal(sqlite3_run(path, sql), 0);
}

static void
test_store_refuses_newer_schema(void **state)
{
	char		 dir[] = "/tmp/test_store.XXXXXX";
	char		*path, *side;
	struct derr	 err = { 0 };
	struct store	*s;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/dutyd.db", dir);
	s = store_open(path, &err);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	store_close(s);

	/* Reopening the current schema is fine and migrates nothing. */
	s = store_open(path, &err);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	store_close(s);

	sqlite3_cli(path, "PRAGMA user_version = 99");
	memset(&err, 0, sizeof(err));
	s = store_open(path, &err);
	assert_null(s);
	assert_int_equal(err.kind, DERR_DB);
	if (strstr(err.msg, "newer") == NULL)
		fail_msg("message does not say newer: %s", err.msg);
	if (strstr(err.msg, "99") == NULL)
		fail_msg("message does not give the version: %s", err.msg);

	unlink(path);
	side = xasprintf("%s-wal", path);
	unlink(side);
	free(side);
	side = xasprintf("%s-shm", path);
	unlink(side);
	free(side);
	assert_int_equal(rmdir(dir), 0);
	free(path);
}

static void
test_store_measure_add_get(void **state)
{
	char		*own[] = { "zhang", "zhao" };
	struct measure	 m, got;
	struct derr	 err = { 0 };
	struct store	*s;

	(void)state;
	s = open_mem();
	mk(&m, "P01", "P01-1", "建立台账", own, 2, "2026-11-27");
	m.problem_title = "问题一";
	add_ok(s, &m);

	assert_int_equal(store_measure_get(s, "P01-1", &got, &err), 1);
	assert_true(got.id > 0);
	assert_string_equal(got.problem_code, "P01");
	assert_string_equal(got.problem_title, "问题一");
	assert_string_equal(got.code, "P01-1");
	assert_string_equal(got.text, "建立台账");
	assert_int_equal(got.owners.n, 2);
	assert_string_equal(got.owners.v[0], "zhang");
	assert_string_equal(got.owners.v[1], "zhao");
	assert_int_equal(got.kind, MEASURE_DEADLINE);
	assert_int_equal(got.deadline, day("2026-11-27"));
	assert_int_equal(got.status, MEASURE_OPEN);
	assert_int_equal(got.done_at, 0);
	assert_null(got.evidence);
	assert_null(got.closed_by);
	assert_int_equal(got.reopened, 0);
	assert_audit(s, 0, "admin", "measure.add", "P01-1", NULL,
	    "problem=P01; code=P01-1; kind=deadline; deadline=2026-11-27; "
	    "status=open; owners=zhang,zhao; text=建立台账");

	/* By id too. */
	{
		struct measure	 byid;
		int64_t		 id = got.id;

		assert_int_equal(store_measure_get_id(s, id, &byid, &err), 1);
		assert_string_equal(byid.code, "P01-1");
		measure_clear(&byid);
		assert_int_equal(store_measure_get_id(s, id + 100, &byid,
		    &err), 0);
	}
	measure_clear(&got);

	/* A second measure under the same problem reuses it. */
	mk(&m, "P01", "P01-2", "长期坚持", own, 1, NULL);
	add_ok(s, &m);
	assert_int_equal(store_measure_get(s, "P01-2", &got, &err), 1);
	assert_string_equal(got.problem_title, "问题一");
	assert_int_equal(got.kind, MEASURE_ONGOING);
	assert_int_equal(got.deadline, DAY_NONE);
	measure_clear(&got);

	/* The same code again is refused and changes nothing. */
	mk(&m, "P09", "P01-1", "again", own, 1, "2026-12-01");
	assert_int_equal(store_measure_add(s, &m, "admin", NOW, &err), -1);
	assert_int_equal(err.kind, DERR_INPUT);
	assert_non_null(strstr(err.msg, "already exists"));
	assert_int_equal(audit_count(s), 2);
	{
		struct store_filter	 f = any_filter();
		char			 b[256];

		f.problem = "P09";
		assert_string_equal(list_codes(s, &f, b, sizeof(b)), "");
	}

	assert_int_equal(store_measure_get(s, "nope", &got, &err), 0);
	store_close(s);
}

static void
test_store_measure_list_filters(void **state)
{
	char			*zhang[] = { "zhang" };
	char			*zhao[] = { "zhao" };
	char			*both[] = { "zhao", "zhang" };
	struct measure		 m;
	struct store_filter	 f;
	struct derr		 err = { 0 };
	struct store		*s;
	char			 b[256];

	(void)state;
	s = open_mem();
	mk(&m, "P01", "P01-1", "a", zhang, 1, "2026-11-27");
	add_ok(s, &m);
	mk(&m, "P01", "P01-2", "b", zhao, 1, "2026-12-31");
	add_ok(s, &m);
	mk(&m, "P02", "P02-1", "c", both, 2, "2026-11-30");
	add_ok(s, &m);
	mk(&m, "P02", "P02-2", "d", zhang, 1, NULL);
	add_ok(s, &m);
	assert_int_equal(store_measure_close(s, "P01-1", "会议纪要", "zhang",
	    NOW, &err), 1);

	f = any_filter();
	assert_string_equal(list_codes(s, &f, b, sizeof(b)),
	    "P01-1,P01-2,P02-1,P02-2");
	f.owner = "zhang";
	assert_string_equal(list_codes(s, &f, b, sizeof(b)),
	    "P01-1,P02-1,P02-2");
	f.owner = "nobody";
	assert_string_equal(list_codes(s, &f, b, sizeof(b)), "");

	f = any_filter();
	f.problem = "P02";
	assert_string_equal(list_codes(s, &f, b, sizeof(b)), "P02-1,P02-2");

	f = any_filter();
	f.status = MEASURE_OPEN;
	assert_string_equal(list_codes(s, &f, b, sizeof(b)),
	    "P01-2,P02-1,P02-2");
	f.status = MEASURE_DONE;
	assert_string_equal(list_codes(s, &f, b, sizeof(b)), "P01-1");

	/* due_before is inclusive and skips measures without a deadline. */
	f = any_filter();
	f.due_before = day("2026-11-30");
	assert_string_equal(list_codes(s, &f, b, sizeof(b)), "P01-1,P02-1");
	f.due_before = day("2026-11-29");
	assert_string_equal(list_codes(s, &f, b, sizeof(b)), "P01-1");

	f = any_filter();
	f.with_deadline = true;
	assert_string_equal(list_codes(s, &f, b, sizeof(b)),
	    "P01-1,P01-2,P02-1");

	/* Filters combine. */
	f = any_filter();
	f.owner = "zhang";
	f.status = MEASURE_OPEN;
	f.due_before = day("2026-12-31");
	assert_string_equal(list_codes(s, &f, b, sizeof(b)), "P02-1");
	store_close(s);
}

static void
test_store_measure_edit(void **state)
{
	char		*zhang[] = { "zhang" };
	char		*both[] = { "zhang", "li" };
	struct measure	 m, got;
	struct derr	 err = { 0 };
	struct store	*s;

	(void)state;
	s = open_mem();
	mk(&m, "P01", "P01-1", "旧措施", zhang, 1, "2026-11-27");
	add_ok(s, &m);

	mk(&m, "P01", "P01-1", "新措施", both, 2, "2026-12-04");
	assert_int_equal(store_measure_edit(s, &m, "admin", NOW, &err), 1);
	assert_int_equal(store_measure_get(s, "P01-1", &got, &err), 1);
	assert_string_equal(got.text, "新措施");
	assert_int_equal(got.deadline, day("2026-12-04"));
	assert_int_equal(got.owners.n, 2);
	assert_string_equal(got.owners.v[1], "li");
	measure_clear(&got);
	assert_audit(s, 0, "admin", "measure.edit", "P01-1",
	    "problem=P01; code=P01-1; kind=deadline; deadline=2026-11-27; "
	    "status=open; owners=zhang; text=旧措施",
	    "problem=P01; code=P01-1; kind=deadline; deadline=2026-12-04; "
	    "status=open; owners=zhang,li; text=新措施");

	/* Identical: 0 and no audit row. */
	assert_int_equal(store_measure_edit(s, &m, "admin", NOW, &err), 0);
	assert_int_equal(audit_count(s), 2);

	/* Owner order is part of the measure (first is the lead). */
	mk(&m, "P01", "P01-1", "新措施", both + 1, 1, "2026-12-04");
	assert_int_equal(store_measure_edit(s, &m, "admin", NOW, &err), 1);

	/* Kind and deadline: to 长期坚持 without a deadline. */
	mk(&m, "P01", "P01-1", "新措施", both + 1, 1, NULL);
	assert_int_equal(store_measure_edit(s, &m, "admin", NOW, &err), 1);
	assert_int_equal(store_measure_get(s, "P01-1", &got, &err), 1);
	assert_int_equal(got.kind, MEASURE_ONGOING);
	assert_int_equal(got.deadline, DAY_NONE);
	measure_clear(&got);

	mk(&m, "P01", "P01-9", "x", zhang, 1, NULL);
	assert_int_equal(store_measure_edit(s, &m, "admin", NOW, &err), -1);
	assert_int_equal(err.kind, DERR_INPUT);
	assert_int_equal(audit_count(s), 4);

	/*
	 * Editing a closed measure: the audit shows the row as stored (done,
	 * its evidence, its problem), not the caller's struct.
	 */
	assert_int_equal(store_measure_close(s, "P01-1", "纪要", "li", NOW,
	    &err), 1);
	mk(&m, NULL, "P01-1", "改后", zhang, 1, "2026-12-04");
	assert_int_equal(store_measure_edit(s, &m, "admin", NOW, &err), 1);
	assert_audit(s, 0, "admin", "measure.edit", "P01-1",
	    "problem=P01; code=P01-1; kind=ongoing; deadline=; "
	    "status=done; owners=li; text=新措施; evidence=纪要",
	    "problem=P01; code=P01-1; kind=deadline; deadline=2026-12-04; "
	    "status=done; owners=zhang; text=改后; evidence=纪要");
	assert_int_equal(store_measure_get(s, "P01-1", &got, &err), 1);
	assert_int_equal(got.status, MEASURE_DONE);
	assert_string_equal(got.problem_code, "P01");
	measure_clear(&got);
	store_close(s);
}

static void
test_store_measure_close_reopen(void **state)
{
	char		*zhang[] = { "zhang" };
	struct measure	 m, got;
	struct derr	 err = { 0 };
	struct store	*s;

	(void)state;
	s = open_mem();
	mk(&m, "P01", "P01-1", "整改", zhang, 1, "2026-11-27");
	add_ok(s, &m);

	assert_int_equal(store_measure_close(s, "P01-1", "文件2026-3号",
	    "zhang", NOW, &err), 1);
	assert_int_equal(store_measure_get(s, "P01-1", &got, &err), 1);
	assert_int_equal(got.status, MEASURE_DONE);
	assert_int_equal(got.done_at, NOW);
	assert_string_equal(got.evidence, "文件2026-3号");
	assert_string_equal(got.closed_by, "zhang");
	measure_clear(&got);
	assert_audit(s, 0, "zhang", "measure.done", "P01-1",
	    "problem=P01; code=P01-1; kind=deadline; deadline=2026-11-27; "
	    "status=open; owners=zhang; text=整改",
	    "status=done; evidence=文件2026-3号");

	/* Already closed: 0, nothing written. */
	assert_int_equal(store_measure_close(s, "P01-1", "again", "li", NOW,
	    &err), 0);
	assert_int_equal(audit_count(s), 2);
	assert_int_equal(store_measure_reopen(s, "P01-9", "x", "li", NOW,
	    &err), -1);
	assert_int_equal(err.kind, DERR_INPUT);

	/* 回头看: reopen counts. */
	assert_int_equal(store_measure_reopen(s, "P01-1", "回头看发现反弹",
	    "li", NOW, &err), 1);
	assert_int_equal(store_measure_get(s, "P01-1", &got, &err), 1);
	assert_int_equal(got.status, MEASURE_OPEN);
	assert_int_equal(got.reopened, 1);
	assert_int_equal(got.done_at, 0);
	assert_null(got.evidence);
	assert_null(got.closed_by);
	measure_clear(&got);
	assert_audit(s, 0, "li", "measure.reopen", "P01-1",
	    "problem=P01; code=P01-1; kind=deadline; deadline=2026-11-27; "
	    "status=done; owners=zhang; text=整改; evidence=文件2026-3号",
	    "status=open; reason=回头看发现反弹");
	assert_int_equal(store_measure_reopen(s, "P01-1", "again", "li", NOW,
	    &err), 0);
	assert_int_equal(audit_count(s), 3);

	assert_int_equal(store_measure_close(s, "P01-1", "再次整改", "zhang",
	    NOW, &err), 1);
	assert_int_equal(store_measure_reopen(s, "P01-1", "第二次", "li", NOW,
	    &err), 1);
	assert_int_equal(store_measure_get(s, "P01-1", &got, &err), 1);
	assert_int_equal(got.reopened, 2);
	measure_clear(&got);
	assert_int_equal(audit_count(s), 5);
	store_close(s);
}

struct scan_log {
	char	 text[512];
	size_t	 len;
	int	 stop_after;	/* rows before fn asks to stop; 0: never */
	int	 rows;
};

static int
scan_cb(void *arg, const struct store_scan_row *r)
{
	struct scan_log	*l = arg;
	char		 d[11];

	l->len += (size_t)snprintf(l->text + l->len, sizeof(l->text) - l->len,
	    "%s%lld:%s:%s", l->len ? " " : "", (long long)r->id,
	    day_format(r->deadline, d), r->owners);
	l->rows++;
	return l->stop_after > 0 && l->rows >= l->stop_after;
}

/*
 * The planning scan: open measures with a deadline, in id order, each
 * with all its owners; done and ongoing measures are skipped, and so
 * are their owners (the scan merges two ordered streams).
 */
static void
test_store_measure_scan(void **state)
{
	char		*zl[] = { "zhang", "li" }, *w[] = { "wang" },
			*lw[] = { "li", "wang" }, *z[] = { "zhang" };
	struct measure	 m;
	struct scan_log	 l;
	struct derr	 err = { 0 };
	struct store	*s;

	(void)state;
	s = open_mem();
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_measure_scan(s, scan_cb, &l, &err), 0);
	assert_int_equal(l.rows, 0);

	mk(&m, "P01", "P01-1", "a", zl, 2, "2026-12-01");
	add_ok(s, &m);
	mk(&m, "P01", "P01-2", "b", lw, 2, "2026-12-02");	/* done */
	add_ok(s, &m);
	mk(&m, "P01", "P01-3", "c", w, 1, NULL);		/* ongoing */
	add_ok(s, &m);
	mk(&m, "P01", "P01-4", "d", w, 1, "2027-02-28");
	add_ok(s, &m);
	mk(&m, "P01", "P01-5", "e", lw, 2, "2026-12-05");	/* done */
	add_ok(s, &m);
	mk(&m, "P02", "P02-1", "f", z, 1, "2024-02-29");
	add_ok(s, &m);
	assert_int_equal(store_measure_close(s, "P01-2", "x", "li", NOW,
	    &err), 1);
	assert_int_equal(store_measure_close(s, "P01-5", "x", "li", NOW,
	    &err), 1);

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_measure_scan(s, scan_cb, &l, &err), 0);
	assert_string_equal(l.text, "1:2026-12-01:li,zhang "
	    "4:2027-02-28:wang 6:2024-02-29:zhang");

	/* fn can stop the scan. */
	memset(&l, 0, sizeof(l));
	l.stop_after = 2;
	assert_int_equal(store_measure_scan(s, scan_cb, &l, &err), 0);
	assert_string_equal(l.text, "1:2026-12-01:li,zhang 4:2027-02-28:wang");
	store_close(s);
}

static void
test_store_import_all_or_nothing(void **state)
{
	char				*zhang[] = { "zhang" };
	char				*twice[] = { "zhao", "zhao" };
	struct measure			 v[2];
	struct measure_list		 l = { v, 2 };
	struct store_import_stats	 st = { 9, 9, 9, 9, 9 };
	struct store_filter		 f = any_filter();
	struct derr			 err = { 0 };
	struct store			*s;
	char				 b[256];

	(void)state;
	s = open_mem();

	/* The 2nd row breaks a constraint (same owner twice). */
	mk(&v[0], "P01", "P01-1", "a", zhang, 1, "2026-11-27");
	mk(&v[1], "P02", "P02-1", "b", twice, 2, "2026-11-30");
	assert_int_equal(store_ledger_import(s, &l, "ledger.csv", "admin",
	    NOW, 0, &st, NULL, &err), -1);
	assert_int_equal(err.kind, DERR_DB);
	assert_non_null(strstr(err.msg, "P02-1"));
	assert_int_equal(st.added, 9);
	assert_string_equal(list_codes(s, &f, b, sizeof(b)), "");
	assert_int_equal(audit_count(s), 0);

	/* The 2nd row has no text (NOT NULL). */
	mk(&v[1], "P02", "P02-1", NULL, zhang, 1, "2026-11-30");
	assert_int_equal(store_ledger_import(s, &l, "ledger.csv", "admin",
	    NOW, 0, &st, NULL, &err), -1);
	assert_string_equal(list_codes(s, &f, b, sizeof(b)), "");
	assert_int_equal(audit_count(s), 0);

	/* The problem the failed import created is gone too. */
	mk(&v[1], "P02", "P02-1", "b", zhang, 1, "2026-11-30");
	v[1].problem_title = "问题二";
	assert_int_equal(store_ledger_import(s, &l, "ledger.csv", "admin",
	    NOW, 0, &st, NULL, &err), 0);
	assert_int_equal(st.added, 2);
	assert_int_equal(st.changed, 0);
	assert_int_equal(st.closed, 0);
	assert_int_equal(st.unchanged, 0);
	assert_string_equal(list_codes(s, &f, b, sizeof(b)), "P01-1,P02-1");
	assert_audit(s, 0, "admin", "ledger.import", "ledger.csv", NULL,
	    "source=ledger.csv; added=2; changed=0; closed=0; unchanged=0; "
	    "conflicts=0");
	assert_int_equal(audit_count(s), 3);

	/* The same ledger again changes nothing and writes no audit row. */
	assert_int_equal(store_ledger_import(s, &l, "ledger.csv", "admin",
	    NOW, 0, &st, NULL, &err), 0);
	assert_int_equal(st.added, 0);
	assert_int_equal(st.changed, 0);
	assert_int_equal(st.closed, 0);
	assert_int_equal(st.unchanged, 2);
	assert_int_equal(audit_count(s), 3);

	/* One row edited, one marked done. */
	v[0].text = "a2";
	v[1].status = MEASURE_DONE;
	v[1].evidence = "台账照片";
	assert_int_equal(store_ledger_import(s, &l, "ledger.csv", "admin",
	    NOW, 0, &st, NULL, &err), 0);
	assert_int_equal(st.added, 0);
	assert_int_equal(st.changed, 1);
	assert_int_equal(st.closed, 1);
	assert_int_equal(st.unchanged, 0);
	f.status = MEASURE_DONE;
	assert_string_equal(list_codes(s, &f, b, sizeof(b)), "P02-1");

	/* And once more: nothing to do. */
	assert_int_equal(store_ledger_import(s, &l, "ledger.csv", "admin",
	    NOW, 0, &st, NULL, &err), 0);
	assert_int_equal(st.changed + st.added + st.closed, 0);
	assert_int_equal(st.unchanged, 2);
	store_close(s);
}

static void
test_store_injection_text_round_trips(void **state)
{
	char		*own[] = { EVIL };
	struct measure	 m, got;
	struct derr	 err = { 0 };
	struct store	*s;
	char		*value = NULL;

	(void)state;
	s = open_mem();
	mk(&m, EVIL, EVIL, EVIL, own, 1, "2026-11-27");
	m.problem_title = EVIL;
	add_ok(s, &m);
	assert_int_equal(store_measure_get(s, EVIL, &got, &err), 1);
	assert_string_equal(got.problem_code, EVIL);
	assert_string_equal(got.problem_title, EVIL);
	assert_string_equal(got.text, EVIL);
	assert_string_equal(got.owners.v[0], EVIL);
	measure_clear(&got);
	assert_int_equal(store_measure_close(s, EVIL, EVIL, EVIL, NOW, &err),
	    1);
	assert_int_equal(store_measure_get(s, EVIL, &got, &err), 1);
	assert_string_equal(got.evidence, EVIL);
	assert_string_equal(got.closed_by, EVIL);
	measure_clear(&got);
	assert_audit(s, 0, EVIL, "measure.done", EVIL,
	    "problem=" EVIL "; code=" EVIL "; kind=deadline; "
	    "deadline=2026-11-27; status=open; owners=" EVIL "; text=" EVIL,
	    "status=done; evidence=" EVIL);

	assert_int_equal(store_state_set(s, EVIL, EVIL, NOW, &err), 0);
	assert_int_equal(store_state_get(s, EVIL, &value, &err), 1);
	assert_string_equal(value, EVIL);
	free(value);

	/* The table is still there. */
	assert_int_equal(store_measure_get(s, EVIL, &got, &err), 1);
	measure_clear(&got);
	store_close(s);
}

/* ---- outbox -------------------------------------------------------- */

static int64_t
outbox_add(struct store *s, const char *key, int64_t next)
{
	struct outbox_row	 r;
	struct derr		 err = { 0 };
	int64_t			 id = -1;

	memset(&r, 0, sizeof(r));
	r.key = xstrdup(key);
	r.kind = xstrdup("reminder");
	r.channel = xstrdup("email");
	r.person = xstrdup("zhang");
	r.recipient = xstrdup("zhang@example.org");
	r.recipient_name = xstrdup("张伟");
	r.subject = xstrdup("整改提醒");
	r.body_text = xstrdup("body");
	r.message_id = xasprintf("%s@example.org", key);
	r.created_at = NOW;
	r.next_attempt_at = next;
	if (store_outbox_insert(s, &r, &id, &err) != 1)
		fail_msg("insert %s: %s", key, err.msg);
	outbox_row_clear(&r);
	return id;
}

static void
get_row(struct store *s, int64_t id, struct outbox_row *r)
{
	struct derr	 err = { 0 };

	assert_int_equal(store_outbox_get(s, id, r, &err), 1);
}

static void
test_store_outbox_insert_or_ignore(void **state)
{
	struct outbox_row	 r, got;
	struct derr		 err = { 0 };
	struct store		*s;
	int64_t			 id, id2 = 777;

	(void)state;
	s = open_mem();
	id = outbox_add(s, "remind:zhang:email:item:42:before:3", NOW);
	assert_true(id > 0);

	memset(&r, 0, sizeof(r));
	r.key = "remind:zhang:email:item:42:before:3";
	r.kind = "reminder";
	r.channel = "email";
	r.person = "zhang";
	r.recipient = "other@example.org";
	r.message_id = "x@example.org";
	r.created_at = NOW + 5;
	r.next_attempt_at = NOW + 5;
	assert_int_equal(store_outbox_insert(s, &r, &id2, &err), 0);
	assert_int_equal(id2, 777);

	get_row(s, id, &got);
	assert_string_equal(got.key, "remind:zhang:email:item:42:before:3");
	assert_string_equal(got.kind, "reminder");
	assert_string_equal(got.channel, "email");
	assert_string_equal(got.person, "zhang");
	assert_string_equal(got.recipient, "zhang@example.org");
	assert_string_equal(got.recipient_name, "张伟");
	assert_string_equal(got.subject, "整改提醒");
	assert_string_equal(got.body_text, "body");
	assert_null(got.body_html);
	assert_int_equal(got.status, OUTBOX_PENDING);
	assert_int_equal(got.attempts, 0);
	assert_false(got.maybe_dup);
	assert_int_equal(got.created_at, NOW);
	assert_int_equal(got.first_attempt_at, 0);
	assert_int_equal(got.next_attempt_at, NOW);
	assert_int_equal(got.sent_at, 0);
	assert_null(got.last_error);
	assert_null(got.provider_id);
	outbox_row_clear(&got);

	/*
	 * A row that breaks a constraint other than the key is an error, not
	 * "already planned": otherwise the notification would be lost.
	 */
	r.key = "remind:zhao:email:item:43:due";
	r.recipient = NULL;
	id2 = 777;
	assert_int_equal(store_outbox_insert(s, &r, &id2, &err), -1);
	assert_int_equal(err.kind, DERR_DB);
	assert_int_equal(id2, 777);

	assert_int_equal(store_outbox_get(s, id + 1000, &got, &err), 0);
	store_close(s);
}

static void
test_store_outbox_due_order(void **state)
{
	struct outbox_list	 l = { 0 };
	struct derr		 err = { 0 };
	struct store		*s;
	int64_t			 a, b, c, d, at = 0;

	(void)state;
	s = open_mem();
	assert_int_equal(store_outbox_next(s, &at, &err), 0);
	a = outbox_add(s, "a", NOW + 100);
	b = outbox_add(s, "b", NOW + 50);
	c = outbox_add(s, "c", NOW + 200);
	d = outbox_add(s, "d", NOW + 50);
	assert_int_equal(store_outbox_next(s, &at, &err), 1);
	assert_int_equal(at, NOW + 50);

	assert_int_equal(store_outbox_due(s, NOW + 150, 10, &l, &err), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[0].id, b);		/* same time: by id */
	assert_int_equal(l.v[1].id, d);
	assert_int_equal(l.v[2].id, a);
	outbox_list_clear(&l);

	assert_int_equal(store_outbox_due(s, NOW + 150, 1, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].id, b);
	outbox_list_clear(&l);

	assert_int_equal(store_outbox_due(s, NOW + 49, 10, &l, &err), 0);
	assert_int_equal(l.n, 0);

	/* Sending rows are not due; failed ones are, at their time. */
	assert_int_equal(claim1(s, b, NOW), 1);
	assert_int_equal(store_outbox_due(s, NOW + 500, 10, &l, &err), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[0].id, d);
	assert_int_equal(l.v[1].id, a);
	assert_int_equal(l.v[2].id, c);
	outbox_list_clear(&l);
	store_close(s);
}

static void
test_store_outbox_send_chain(void **state)
{
	struct outbox_result	 ok = { OUTBOX_SENT, false, 0, NULL, "msg-1" };
	struct outbox_result	 soft = { OUTBOX_FAILED, false, NOW + 600,
	    "451 try later", NULL };
	struct outbox_result	 hard = { OUTBOX_DEAD, false, NOW,
	    "550 no such user", NULL };
	struct outbox_row	 r;
	struct derr		 err = { 0 };
	struct store		*s;
	int64_t			 ids[4];
	bool			 claimed[4];
	int64_t			 a, b, c, d;

	(void)state;
	s = open_mem();
	a = ids[0] = outbox_add(s, "a", NOW);
	b = ids[1] = outbox_add(s, "b", NOW);
	c = ids[2] = outbox_add(s, "c", NOW);
	d = ids[3] = outbox_add(s, "d", NOW);
	assert_int_equal(store_outbox_cancel(s, d, "li", NOW, &err), 1);

	/* One claim for the round; the cancelled row is not claimed. */
	assert_int_equal(store_outbox_claim(s, ids, 4, BOOT, claimed, NOW + 1,
	    &err), 3);
	assert_true(claimed[0] && claimed[1] && claimed[2]);
	assert_false(claimed[3]);
	get_row(s, a, &r);
	assert_int_equal(r.status, OUTBOX_SENDING);
	assert_int_equal(r.attempts, 0);
	outbox_row_clear(&r);
	get_row(s, d, &r);
	assert_int_equal(r.status, OUTBOX_CANCELLED);
	outbox_row_clear(&r);

	/* a sent, b next in flight, in the same call. */
	assert_int_equal(store_outbox_finish(s, a, &ok, b, NOW + 2, &err), 1);
	get_row(s, a, &r);
	assert_int_equal(r.status, OUTBOX_SENT);
	assert_int_equal(r.sent_at, NOW + 2);
	assert_string_equal(r.provider_id, "msg-1");
	assert_null(r.last_error);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.first_attempt_at, NOW + 2);
	outbox_row_clear(&r);
	get_row(s, b, &r);
	assert_int_equal(r.status, OUTBOX_SENDING);
	outbox_row_clear(&r);

	/* b failed (transient), c next. */
	assert_int_equal(store_outbox_finish(s, b, &soft, c, NOW + 3, &err),
	    1);
	get_row(s, b, &r);
	assert_int_equal(r.status, OUTBOX_FAILED);
	assert_string_equal(r.last_error, "451 try later");
	assert_int_equal(r.next_attempt_at, NOW + 600);
	assert_int_equal(r.sent_at, 0);
	assert_int_equal(r.attempts, 1);
	outbox_row_clear(&r);
	get_row(s, c, &r);
	assert_int_equal(r.status, OUTBOX_SENDING);
	outbox_row_clear(&r);

	/* c dead (permanent), end of the round. */
	assert_int_equal(store_outbox_finish(s, c, &hard, 0, NOW + 4, &err),
	    0);
	get_row(s, c, &r);
	assert_int_equal(r.status, OUTBOX_DEAD);
	assert_string_equal(r.last_error, "550 no such user");
	outbox_row_clear(&r);

	/* b's retry: attempts 2, first attempt kept. */
	assert_int_equal(claim1(s, b, NOW + 600), 1);
	ok.maybe_dup = true;
	assert_int_equal(store_outbox_finish(s, b, &ok, 0, NOW + 601, &err),
	    0);
	get_row(s, b, &r);
	assert_int_equal(r.status, OUTBOX_SENT);
	assert_int_equal(r.attempts, 2);
	assert_int_equal(r.first_attempt_at, NOW + 3);
	assert_true(r.maybe_dup);	/* a lost reply: maybe duplicated */
	outbox_row_clear(&r);

	/* Finishing a row that is not sending changes nothing. */
	assert_int_equal(store_outbox_finish(s, c, &ok, 0, NOW + 700, &err),
	    0);
	get_row(s, c, &r);
	assert_int_equal(r.status, OUTBOX_DEAD);
	assert_int_equal(r.attempts, 1);
	outbox_row_clear(&r);
	store_close(s);
}

/* A round stopped early: the claimed rows not tried are due again. */
static void
test_store_outbox_round_stop(void **state)
{
	struct outbox_result	 ok = { OUTBOX_SENT, false, 0, NULL, NULL };
	struct outbox_result	 soft = { OUTBOX_FAILED, false, NOW + 600,
	    "451 try later", NULL };
	struct outbox_row	 r;
	struct derr		 err = { 0 };
	struct store		*s;
	int64_t			 ids[3];
	bool			 claimed[3];

	(void)state;
	s = open_mem();
	ids[0] = outbox_add(s, "a", NOW);
	ids[1] = outbox_add(s, "b", NOW);
	ids[2] = outbox_add(s, "c", NOW);
	/* c failed once before this round. */
	assert_int_equal(claim1(s, ids[2], NOW), 1);
	assert_int_equal(store_outbox_finish(s, ids[2], &soft, 0, NOW, &err),
	    0);
	assert_int_equal(store_outbox_claim(s, ids, 3, BOOT, claimed, NOW + 700,
	    &err), 3);
	assert_int_equal(store_outbox_finish(s, ids[0], &ok, 0, NOW + 701,
	    &err), 0);
	get_row(s, ids[1], &r);
	assert_int_equal(r.status, OUTBOX_PENDING);
	assert_int_equal(r.attempts, 0);
	assert_false(r.maybe_dup);
	outbox_row_clear(&r);
	get_row(s, ids[2], &r);
	assert_int_equal(r.status, OUTBOX_FAILED);
	assert_int_equal(r.attempts, 1);
	outbox_row_clear(&r);
	store_close(s);
}

static void
test_store_outbox_recover(void **state)
{
	struct outbox_result	 ok = { OUTBOX_SENT, false, 0, NULL, NULL };
	struct outbox_row	 r;
	struct derr		 err = { 0 };
	struct store		*s;
	int64_t			 ids[3];
	bool			 claimed[3];

	(void)state;
	s = open_mem();
	ids[0] = outbox_add(s, "a", NOW);
	ids[1] = outbox_add(s, "b", NOW);
	ids[2] = outbox_add(s, "c", NOW);
	assert_int_equal(store_outbox_recover(s, BOOT, NOW, &err), 0);
	assert_int_equal(store_outbox_claim(s, ids, 3, BOOT, claimed, NOW,
	    &err), 3);
	assert_int_equal(store_outbox_finish(s, ids[0], &ok, ids[1], NOW,
	    &err), 1);

	/* dutyd died sending b; same boot: only b may have gone out. */
	assert_int_equal(store_outbox_recover(s, BOOT, NOW + 900, &err), 1);
	get_row(s, ids[0], &r);
	assert_int_equal(r.status, OUTBOX_SENT);
	assert_false(r.maybe_dup);
	outbox_row_clear(&r);
	get_row(s, ids[1], &r);
	assert_int_equal(r.status, OUTBOX_PENDING);
	assert_true(r.maybe_dup);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.next_attempt_at, NOW + 900);
	assert_non_null(r.last_error);
	assert_non_null(strstr(r.last_error, "may have been delivered"));
	outbox_row_clear(&r);
	get_row(s, ids[2], &r);
	assert_int_equal(r.status, OUTBOX_PENDING);
	assert_false(r.maybe_dup);
	assert_int_equal(r.attempts, 0);
	outbox_row_clear(&r);
	assert_int_equal(store_outbox_recover(s, BOOT, NOW + 901, &err), 0);

	/*
	 * After a reboot unsynced commits may be lost: every row still
	 * claimed may have gone out, and is flagged.
	 */
	assert_int_equal(store_outbox_claim(s, ids + 1, 2, BOOT, claimed,
	    NOW + 1000, &err), 2);
	assert_int_equal(store_outbox_recover(s, "another-boot", NOW + 2000,
	    &err), 2);
	get_row(s, ids[2], &r);
	assert_int_equal(r.status, OUTBOX_PENDING);
	assert_true(r.maybe_dup);
	assert_int_equal(r.attempts, 1);
	outbox_row_clear(&r);
	/* No boot id at all: the same caution. */
	assert_int_equal(store_outbox_claim(s, ids + 2, 1, BOOT, claimed,
	    NOW + 3000, &err), 1);
	assert_int_equal(store_outbox_recover(s, NULL, NOW + 3001, &err), 1);
	store_close(s);
}

/* ---- the drain round on disk: results wait in the journal ----------- */

static const struct outbox_result j_ok = { OUTBOX_SENT, false, 0, NULL,
    "-msg 1%25" };
static const struct outbox_result j_soft = { OUTBOX_FAILED, false,
    NOW + 600, "451 try later\n(from %the% server)", NULL };

static void
expect_row(struct store *s, int64_t id, enum outbox_status status,
    bool dup, int attempts)
{
	struct outbox_row	 r;

	get_row(s, id, &r);
	if (r.status != status || r.maybe_dup != dup || r.attempts != attempts)
		fail_msg("row %lld: status %d dup %d attempts %d, want %d %d "
		    "%d", (long long)id, r.status, r.maybe_dup, r.attempts,
		    status, dup, attempts);
	outbox_row_clear(&r);
}

static off_t
file_size(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* A database on disk in the new directory `dir` with rows a..d queued. */
static struct store *
disk_db(char *dir, char **path, int64_t ids[4], int64_t d_next)
{
	struct derr	 err = { 0 };
	struct store	*s;

	assert_non_null(mkdtemp(dir));
	*path = xasprintf("%s/dutyd.db", dir);
	s = store_open(*path, &err);
	assert_non_null(s);
	ids[0] = outbox_add(s, "a", NOW);
	ids[1] = outbox_add(s, "b", NOW);
	ids[2] = outbox_add(s, "c", NOW);
	ids[3] = outbox_add(s, "d", d_next);
	return s;
}

/*
 * A child claims 4 rows, records a's and b's results, and dies with c in
 * flight (_exit: no cleanup, as SIGKILL).  Returns the database path.
 */
static char *
crash_mid_round(char *dir, int64_t ids[4])
{
	struct derr	 err = { 0 };
	struct store	*s;
	bool		 claimed[4];
	char		*path;
	pid_t		 pid;
	int		 st;

	s = disk_db(dir, &path, ids, NOW);
	assert_int_equal(store_outbox_recover(s, BOOT, NOW, &err), 0);
	store_close(s);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		s = store_open(path, &err);
		if (s == NULL || store_outbox_claim(s, ids, 4, BOOT, claimed,
		    NOW + 1, &err) != 4 ||
		    store_outbox_finish(s, ids[0], &j_ok, ids[1], NOW + 2,
		    &err) != 1 ||
		    store_outbox_finish(s, ids[1], &j_soft, ids[2], NOW + 3,
		    &err) != 1)
			_exit(1);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return path;
}

static void
remove_db(char *dir, char *path)
{
	char	*side;

	unlink(path);
	side = xasprintf("%s-wal", path);
	unlink(side);
	free(side);
	side = xasprintf("%s-shm", path);
	unlink(side);
	free(side);
	side = xasprintf("%s-progress", path);
	unlink(side);
	free(side);
	rmdir(dir);
	free(path);
}

/* Killed in the same boot: the journal tells what went out. */
static void
test_store_journal_crash_same_boot(void **state)
{
	char		 dir[] = "/tmp/test_store.XXXXXX";
	char		*path, *jpath, *bpath;
	int64_t		 ids[4];
	struct outbox_row r;
	struct derr	 err = { 0 };
	struct store	*s, *b;

	(void)state;
	path = crash_mid_round(dir, ids);
	jpath = xasprintf("%s-progress", path);
	assert_true(file_size(jpath) > 0);
	s = store_open(path, &err);
	assert_non_null(s);
	/* The database alone still shows the whole round in flight. */
	expect_row(s, ids[0], OUTBOX_SENDING, false, 0);
	expect_row(s, ids[1], OUTBOX_SENDING, false, 0);
	/* A backup taken now lacks the journal: restored, it counts every
	 * claimed row as maybe sent. */
	bpath = xasprintf("%s/backup.db", dir);
	assert_int_equal(store_backup(s, bpath, false, &err), 0);
	b = store_open(bpath, &err);
	assert_non_null(b);
	assert_int_equal(store_outbox_recover(b, BOOT, NOW + 10, &err), 4);
	store_close(b);
	unlink(bpath);
	free(bpath);
	/* Only c was in flight: it alone may have gone out twice. */
	assert_int_equal(store_outbox_recover(s, BOOT, NOW + 10, &err), 1);
	expect_row(s, ids[0], OUTBOX_SENT, false, 1);
	expect_row(s, ids[1], OUTBOX_FAILED, false, 1);
	expect_row(s, ids[2], OUTBOX_PENDING, true, 1);
	expect_row(s, ids[3], OUTBOX_PENDING, false, 0);
	get_row(s, ids[0], &r);
	assert_int_equal(r.sent_at, NOW + 2);
	assert_string_equal(r.provider_id, j_ok.provider_id);
	outbox_row_clear(&r);
	get_row(s, ids[1], &r);
	assert_string_equal(r.last_error, j_soft.error);
	assert_int_equal(r.next_attempt_at, NOW + 600);
	outbox_row_clear(&r);
	assert_int_equal(file_size(jpath), 0);
	/* Recovering again changes nothing. */
	assert_int_equal(store_outbox_recover(s, BOOT, NOW + 11, &err), 0);
	expect_row(s, ids[0], OUTBOX_SENT, false, 1);
	store_close(s);
	free(jpath);
	remove_db(dir, path);
}

/*
 * After a reboot the records that survived still count; every row left
 * without one may have gone out.  A record of another round (a journal
 * not emptied, a restored backup) is never applied.
 */
static void
test_store_journal_crash_reboot(void **state)
{
	char		 dir[] = "/tmp/test_store.XXXXXX";
	char		*path;
	int64_t		 ids[4];
	struct derr	 err = { 0 };
	struct store	*s;

	(void)state;
	path = crash_mid_round(dir, ids);
	s = store_open(path, &err);
	assert_non_null(s);
	assert_int_equal(store_outbox_recover(s, "another-boot", NOW + 10,
	    &err), 2);
	expect_row(s, ids[0], OUTBOX_SENT, false, 1);
	expect_row(s, ids[1], OUTBOX_FAILED, false, 1);
	expect_row(s, ids[2], OUTBOX_PENDING, true, 1);
	expect_row(s, ids[3], OUTBOX_PENDING, true, 1);
	store_close(s);
	remove_db(dir, path);

	/* The same crash, but the round in the database is another one. */
	memcpy(dir, "/tmp/test_store.XXXXXX", sizeof(dir));
	path = crash_mid_round(dir, ids);
	sqlite3_cli(path, "UPDATE daemon_state SET value = 'other' "
	    "WHERE name = 'outbox_claim_round'");
	s = store_open(path, &err);
	assert_non_null(s);
	assert_int_equal(store_outbox_recover(s, BOOT, NOW + 10, &err), 1);
	expect_row(s, ids[0], OUTBOX_PENDING, true, 1);
	expect_row(s, ids[1], OUTBOX_PENDING, false, 0);
	store_close(s);
	remove_db(dir, path);
}

/*
 * In one process: results wait until the round ends, rate limits see
 * them at once, and a round that ended in an error is closed by the next
 * claim (its results applied, its untried rows due again).
 */
static void
test_store_journal_round(void **state)
{
	char		 dir[] = "/tmp/test_store.XXXXXX";
	char		*path;
	int64_t		 ids[4], oldest;
	bool		 claimed[4];
	struct derr	 err = { 0 };
	struct store	*s;
	int		 n;

	(void)state;
	s = disk_db(dir, &path, ids, NOW + 100);
	assert_int_equal(store_outbox_claim(s, ids, 3, BOOT, claimed, NOW + 1,
	    &err), 3);
	assert_int_equal(store_outbox_finish(s, ids[0], &j_ok, ids[1], NOW + 2,
	    &err), 1);
	expect_row(s, ids[0], OUTBOX_SENDING, false, 0);
	assert_int_equal(store_outbox_sent_since(s, "email",
	    "zhang@example.org", NOW, &n, &oldest, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(oldest, NOW + 2);
	expect_row(s, ids[0], OUTBOX_SENT, false, 1);
	assert_int_equal(store_outbox_finish(s, ids[1], &j_ok, ids[2], NOW + 3,
	    &err), 1);
	/* The round stops here with an error: c never went out. */
	assert_int_equal(store_outbox_claim(s, ids + 3, 1, BOOT, claimed,
	    NOW + 100, &err), 1);
	expect_row(s, ids[1], OUTBOX_SENT, false, 1);
	expect_row(s, ids[2], OUTBOX_PENDING, false, 0);
	expect_row(s, ids[3], OUTBOX_SENDING, false, 0);
	assert_int_equal(store_outbox_finish(s, ids[3], &j_soft, 0, NOW + 101,
	    &err), 0);
	expect_row(s, ids[3], OUTBOX_FAILED, false, 1);
	store_close(s);
	remove_db(dir, path);
}

/* A database of schema 3 keeps its queued messages' content (004). */
static void
test_store_outbox_body_migration(void **state)
{
	static const char *const old[] = { "001-ledger.sql",
	    "002-duty-period.sql", "003-feedback-mailbox.sql" };
	char			 dir[] = "/tmp/test_store.XXXXXX";
	char			*path, *cmd;
	struct outbox_row	 r;
	struct derr		 err = { 0 };
	struct store		*s;
	size_t			 i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/dutyd.db", dir);
	for (i = 0; i < 3; i++) {
		cmd = xasprintf(".read %s/db/%s", TOP_SRCDIR, old[i]);
		sqlite3_cli(path, cmd);
		free(cmd);
	}
	sqlite3_cli(path, "INSERT INTO outbox (key, kind, channel, person, "
	    "recipient, recipient_name, subject, body_text, body_html, "
	    "message_id, status, created_at, next_attempt_at) VALUES ('k', "
	    "'reminder', 'email', 'zhang', 'z@example.org', '张伟', "
	    "'【整改提醒】', '正文', '<p>正文</p>', 'k@example.org', 'failed', "
	    "1, 2); PRAGMA user_version = 3");
	s = store_open(path, &err);
	if (s == NULL)
		fail_msg("migration: %s", err.msg);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	get_row(s, 1, &r);
	assert_string_equal(r.key, "k");
	assert_string_equal(r.subject, "【整改提醒】");
	assert_string_equal(r.body_text, "正文");
	assert_string_equal(r.body_html, "<p>正文</p>");
	assert_int_equal(r.status, OUTBOX_FAILED);
	assert_int_equal(r.next_attempt_at, 2);
	outbox_row_clear(&r);
	/* Foreign keys are on again after the migration. */
	assert_int_equal(store_notif_add(s, "item:1:due", "zhang", "email",
	    999, NOW, &err), -1);
	assert_int_equal(store_notif_add(s, "item:1:due", "zhang", "email",
	    1, NOW, &err), 0);
	store_close(s);
	/* The rebuilt table still checks its status. */
	assert_int_not_equal(sqlite3_run(path, "UPDATE outbox SET status = "
	    "'bogus'"), 0);
	remove_db(dir, path);
}

static void
test_store_outbox_admin(void **state)
{
	struct outbox_result	 hard = { OUTBOX_DEAD, false, NOW, "550",
	    NULL };
	struct outbox_row	 r;
	struct outbox_list	 l = { 0 };
	struct derr		 err = { 0 };
	struct store		*s;
	int			 counts[6];
	int64_t			 a, b, c;
	char			 obj[32];

	(void)state;
	s = open_mem();
	a = outbox_add(s, "a", NOW);
	b = outbox_add(s, "b", NOW);
	c = outbox_add(s, "c", NOW);
	assert_int_equal(claim1(s, a, NOW), 1);
	assert_int_equal(store_outbox_finish(s, a, &hard, 0, NOW, &err), 0);

	/* Retry a dead row: pending again, due now, audited. */
	assert_int_equal(store_outbox_retry(s, a, "admin", NOW, &err), 1);
	get_row(s, a, &r);
	assert_int_equal(r.status, OUTBOX_PENDING);
	assert_int_equal(r.next_attempt_at, NOW);
	assert_int_equal(r.first_attempt_at, 0);
	outbox_row_clear(&r);
	snprintf(obj, sizeof(obj), "outbox %lld", (long long)a);
	assert_audit(s, 0, "admin", "outbox.retry", obj, NULL, NULL);
	assert_int_equal(audit_count(s), 1);
	/* A pending row needs no retry. */
	assert_int_equal(store_outbox_retry(s, b, "admin", NOW, &err), 0);
	assert_int_equal(audit_count(s), 1);

	assert_int_equal(store_outbox_cancel(s, b, "li", NOW, &err), 1);
	get_row(s, b, &r);
	assert_int_equal(r.status, OUTBOX_CANCELLED);
	outbox_row_clear(&r);
	snprintf(obj, sizeof(obj), "outbox %lld", (long long)b);
	assert_audit(s, 0, "li", "outbox.cancel", obj, NULL, NULL);
	assert_int_equal(store_outbox_cancel(s, b, "li", NOW, &err), 0);
	assert_int_equal(store_outbox_cancel(s, b + 100, "li", NOW, &err), 0);
	assert_int_equal(audit_count(s), 2);

	/* A cancelled row can be retried; a sending one not cancelled. */
	assert_int_equal(store_outbox_retry(s, b, "admin", NOW, &err), 1);
	assert_int_equal(claim1(s, c, NOW), 1);
	assert_int_equal(store_outbox_cancel(s, c, "li", NOW, &err), 0);
	assert_int_equal(audit_count(s), 3);

	assert_int_equal(store_outbox_counts(s, counts, &err), 0);
	assert_int_equal(counts[OUTBOX_PENDING], 2);
	assert_int_equal(counts[OUTBOX_SENDING], 1);
	assert_int_equal(counts[OUTBOX_SENT], 0);
	assert_int_equal(counts[OUTBOX_FAILED], 0);
	assert_int_equal(counts[OUTBOX_DEAD], 0);
	assert_int_equal(counts[OUTBOX_CANCELLED], 0);

	assert_int_equal(store_outbox_list(s, OUTBOX_PENDING, 10, &l, &err),
	    0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].id, b);		/* newest first */
	assert_int_equal(l.v[1].id, a);
	outbox_list_clear(&l);
	assert_int_equal(store_outbox_list(s, -1, 2, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].id, c);
	outbox_list_clear(&l);

	assert_int_equal(outbox_status_parse("dead"), OUTBOX_DEAD);
	assert_string_equal(outbox_status_name(OUTBOX_CANCELLED), "cancelled");
	assert_int_equal(outbox_status_parse("lost"), -1);
	store_close(s);
}

static void
test_store_notif(void **state)
{
	struct derr	 err = { 0 };
	struct store	*s;
	int64_t		 id;

	(void)state;
	s = open_mem();
	id = outbox_add(s, "remind:zhang:email:item:42:before:3", NOW);
	assert_int_equal(store_notif_exists(s, "item:42:before:3", "zhang",
	    "email", &err), 0);
	assert_int_equal(store_notif_add(s, "item:42:before:3", "zhang",
	    "email", id, NOW, &err), 0);
	assert_int_equal(store_notif_exists(s, "item:42:before:3", "zhang",
	    "email", &err), 1);
	/* Adding it again is harmless. */
	assert_int_equal(store_notif_add(s, "item:42:before:3", "zhang",
	    "email", id, NOW, &err), 0);
	assert_int_equal(store_notif_exists(s, "item:42:before:3", "zhang",
	    "sms", &err), 0);
	assert_int_equal(store_notif_exists(s, "item:42:before:3", "li",
	    "email", &err), 0);
	assert_int_equal(store_notif_exists(s, "item:42:due", "zhang",
	    "email", &err), 0);
	/* A missing field is an error, not "already there". */
	assert_int_equal(store_notif_add(s, NULL, "zhang", "email", id, NOW,
	    &err), -1);
	/* The outbox row must exist (foreign key). */
	assert_int_equal(store_notif_add(s, "item:42:due", "zhang", "email",
	    id + 100, NOW, &err), -1);
	assert_int_equal(store_notif_exists(s, "item:42:due", "zhang",
	    "email", &err), 0);
	store_close(s);
}

static void
test_store_state(void **state)
{
	struct derr	 err = { 0 };
	struct store	*s;
	char		*v = NULL;

	(void)state;
	s = open_mem();
	assert_int_equal(store_state_get(s, "last_plan", &v, &err), 0);
	assert_null(v);
	assert_int_equal(store_state_set(s, "last_plan", "1795000000", NOW,
	    &err), 0);
	assert_int_equal(store_state_get(s, "last_plan", &v, &err), 1);
	assert_string_equal(v, "1795000000");
	free(v);
	assert_int_equal(store_state_set(s, "last_plan", "1795086400",
	    NOW + 1, &err), 0);
	assert_int_equal(store_state_get(s, "last_plan", &v, &err), 1);
	assert_string_equal(v, "1795086400");
	free(v);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_store_migrates_from_empty),
		cmocka_unit_test(test_store_refuses_newer_schema),
		cmocka_unit_test(test_store_measure_add_get),
		cmocka_unit_test(test_store_measure_list_filters),
		cmocka_unit_test(test_store_measure_edit),
		cmocka_unit_test(test_store_measure_close_reopen),
		cmocka_unit_test(test_store_measure_scan),
		cmocka_unit_test(test_store_import_all_or_nothing),
		cmocka_unit_test(test_store_injection_text_round_trips),
		cmocka_unit_test(test_store_outbox_insert_or_ignore),
		cmocka_unit_test(test_store_outbox_due_order),
		cmocka_unit_test(test_store_outbox_send_chain),
		cmocka_unit_test(test_store_outbox_round_stop),
		cmocka_unit_test(test_store_outbox_recover),
		cmocka_unit_test(test_store_journal_crash_same_boot),
		cmocka_unit_test(test_store_journal_crash_reboot),
		cmocka_unit_test(test_store_journal_round),
		cmocka_unit_test(test_store_outbox_body_migration),
		cmocka_unit_test(test_store_outbox_admin),
		cmocka_unit_test(test_store_notif),
		cmocka_unit_test(test_store_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
