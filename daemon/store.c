#include "store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "journal.h"
#include "util.h"

struct embedded_file {
	const char	*name;
	const char	*text;
};
extern const struct embedded_file migrations_files[];
extern const size_t migrations_count;

/*
 * Statements run once per message while the outbox drains or the mailbox
 * is read: prepared once per connection and kept
 * (SQLITE_PREPARE_PERSISTENT), where parsing the SQL again each time cost
 * more than executing it.
 */
enum store_stmt {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_FINISH,
	STMT_CLAIM,
	STMT_RELEASE,
	STMT_STATE_SET,
	STMT_AUDIT,
	STMT_FEEDBACK_INSERT,
	STMT_COUNT
};

static const char *const stmt_sql[STMT_COUNT] = {
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_FINISH] = "UPDATE outbox SET status = ?1, "
	    "maybe_dup = maybe_dup OR ?2, next_attempt_at = ?3, "
	    "last_error = CASE WHEN ?1 = 'sent' THEN NULL ELSE "
	    "coalesce(?4, last_error) END, provider_id = ?5, "
	    "sent_at = CASE WHEN ?1 = 'sent' THEN ?6 ELSE sent_at END, "
	    "attempts = attempts + 1, "
	    "first_attempt_at = coalesce(first_attempt_at, ?6) "
	    "WHERE id = ?7 AND status = 'sending'",
	[STMT_CLAIM] = "UPDATE outbox SET status = 'sending' WHERE id = ?1 "
	    "AND status IN ('pending', 'failed')",
	/* Claimed but not attempted: back to what it was. */
	[STMT_RELEASE] = "UPDATE outbox SET status = CASE WHEN attempts > 0 "
	    "THEN 'failed' ELSE 'pending' END WHERE status = 'sending'",
	[STMT_STATE_SET] = "INSERT INTO daemon_state (name, value, "
	    "updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE "
	    "SET value = ?2, updated_at = ?3",
	[STMT_AUDIT] = "INSERT INTO audit (at, who, action, object, before, "
	    "after) VALUES (?, ?, ?, ?, ?, ?)",
	[STMT_FEEDBACK_INSERT] = "INSERT INTO feedback (source, uidvalidity, "
	    "uid, message_id, header_hash, sender, subject, date, "
	    "date_flagged, excerpt, attachments, note, size, received_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT DO NOTHING",
};

struct store {
	sqlite3		*db;
	int		 version;
	bool		 relaxed;	/* synchronous = NORMAL for now */
	sqlite3_stmt	*stmt[STMT_COUNT];
	char		*path;		/* NULL: in memory */
	/* The drain round (store_outbox_claim explains). */
	struct journal	*journal;
	bool		 journal_off;	/* unusable: commit each result */
	char		 round[64];	/* token of the round claimed last */
	unsigned	 rounds;
	bool		 round_open;	/* claimed, not yet released */
	struct store_result *results;	/* waiting for the round's end */
	size_t		 nresults;
};

#define BUSY_TIMEOUT_MS	10000

/* The drain round's results (further down, with the outbox). */
static void	results_clear(struct store *);
static int	results_apply(struct store *, bool, struct derr *);

static int
db_err(struct store *s, struct derr *err, const char *what)
{
	int	 code = sqlite3_extended_errcode(s->db);
	bool	 busy = (code & 0xff) == SQLITE_BUSY ||
	    (code & 0xff) == SQLITE_LOCKED;

	return derr_set(err, DERR_DB, busy, "%s: %s", what,
	    sqlite3_errmsg(s->db));
}

static int
exec_sql(struct store *s, const char *sql, struct derr *err)
{
	char	*msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		derr_set(err, DERR_DB, false, "%s", msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static sqlite3_stmt *
prep(struct store *s, const char *sql, struct derr *err)
{
	sqlite3_stmt	*st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_err(s, err, "prepare");
		return NULL;
	}
	return st;
}

/* Bind helpers: NULL strings bind as SQL NULL. */
static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static void
bind_day(sqlite3_stmt *st, int i, int32_t day)
{
	char	 b[11];

	if (day == DAY_NONE)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, day_format(day, b), -1,
		    SQLITE_TRANSIENT);
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char	*t = sqlite3_column_text(st, i);

	return t == NULL ? NULL : xstrdup((const char *)t);
}

static int32_t
col_day(sqlite3_stmt *st, int i)
{
	const unsigned char	*t = sqlite3_column_text(st, i);
	int32_t			 d;

	if (t == NULL || day_parse((const char *)t, &d) < 0)
		return DAY_NONE;
	return d;
}

/* The kept statement `k`, ready to bind and step. */
static sqlite3_stmt *
cached(struct store *s, enum store_stmt k, struct derr *err)
{
	if (s->stmt[k] == NULL && sqlite3_prepare_v3(s->db, stmt_sql[k], -1,
	    SQLITE_PREPARE_PERSISTENT, &s->stmt[k], NULL) != SQLITE_OK) {
		db_err(s, err, "prepare");
		s->stmt[k] = NULL;
		return NULL;
	}
	return s->stmt[k];
}

/* Step a kept statement that returns no row; resets it for next time. */
static int
step_kept(struct store *s, sqlite3_stmt *st, const char *what,
    struct derr *err)
{
	int	 rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		db_err(s, err, what);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Step a statement that returns no row; finalizes it. */
static int
step_done(struct store *s, sqlite3_stmt *st, const char *what,
    struct derr *err)
{
	int	 rc = sqlite3_step(st);

	if (rc != SQLITE_DONE) {
		db_err(s, err, what);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

int
store_begin(struct store *s, struct derr *err)
{
	sqlite3_stmt	*st = cached(s, STMT_BEGIN, err);

	if (st == NULL || step_kept(s, st, "begin", err) < 0) {
		/* Another writer held the lock past the busy timeout. */
		if (err != NULL)
			err->transient = true;
		return -1;
	}
	return 0;
}

int
store_commit(struct store *s, struct derr *err)
{
	sqlite3_stmt	*st = cached(s, STMT_COMMIT, err);

	if (st == NULL || step_kept(s, st, "commit", err) < 0) {
		store_rollback(s);
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		/* Nothing more to do if even the rollback fails. */
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int
get_user_version(struct store *s, int *v, struct derr *err)
{
	sqlite3_stmt	*st;

	if ((st = prep(s, "PRAGMA user_version", err)) == NULL)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_err(s, err, "user_version");
	}
	*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/* No row may point at a missing one (PRAGMA foreign_key_check). */
static int
fk_check(struct store *s, struct derr *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = prep(s, "PRAGMA foreign_key_check", err)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		derr_set(err, DERR_DB, false, "a row of %s refers to a "
		    "missing row of %s", sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 2));
	else if (rc != SQLITE_DONE)
		db_err(s, err, "foreign key check");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
migrate_from(struct store *s, struct derr *err)
{
	char	 sql[64];
	size_t	 i;

	for (i = (size_t)s->version; i < migrations_count; i++) {
		if (store_begin(s, err) < 0)
			return -1;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %zu", i + 1);
		if (exec_sql(s, migrations_files[i].text, err) < 0 ||
		    fk_check(s, err) < 0 || exec_sql(s, sql, err) < 0) {
			derr_prefix(err, "migration %s",
			    migrations_files[i].name);
			store_rollback(s);
			return -1;
		}
		if (store_commit(s, err) < 0)
			return -1;
		s->version = (int)i + 1;
	}
	return 0;
}

/*
 * Bring the schema up to date, one transaction a migration.  Foreign
 * keys are off meanwhile (they cannot change inside a transaction), so
 * that a migration can rebuild a table others refer to, as SQLite
 * documents; fk_check stands in for them before each commit.
 */
static int
migrate(struct store *s, struct derr *err)
{
	int	 r;

	if (get_user_version(s, &s->version, err) < 0)
		return -1;
	if (s->version > (int)migrations_count)
		return derr_set(err, DERR_DB, false,
		    "the database has schema version %d but this dutyd knows "
		    "only up to %zu: it was written by a newer dutyd; upgrade "
		    "dutyd or restore a backup", s->version, migrations_count);
	if (s->version == (int)migrations_count)
		return 0;
	if (exec_sql(s, "PRAGMA foreign_keys = OFF", err) < 0)
		return -1;
	r = migrate_from(s, err);
	if (exec_sql(s, "PRAGMA foreign_keys = ON", r < 0 ? NULL : err) < 0)
		r = -1;
	return r;
}

static int
configure(struct store *s, struct derr *err)
{
	int	 on = 1;

	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, on, NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0,
	    NULL);
	if (exec_sql(s, "PRAGMA foreign_keys = ON", err) < 0 ||
	    exec_sql(s, "PRAGMA journal_mode = WAL", err) < 0 ||
	    exec_sql(s, "PRAGMA synchronous = FULL", err) < 0)
		return -1;
	return 0;
}

struct store *
store_open(const char *path, struct derr *err)
{
	struct store	*s;
	int		 rc;

	s = xcalloc(1, sizeof(*s));
	if (*path != '\0' && strcmp(path, ":memory:") != 0)
		s->path = xstrdup(path);
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		derr_set(err, DERR_DB, false, "%s: %s", path,
		    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		store_close(s);
		return NULL;
	}
	if (configure(s, err) < 0 || migrate(s, err) < 0) {
		derr_prefix(err, "%s", path);
		store_close(s);
		return NULL;
	}
	return s;
}

struct store *
store_open_copy(const char *path, struct derr *err)
{
	struct store	*s, *src;
	sqlite3_backup	*bk;
	int		 rc;

	if ((src = store_open(path, err)) == NULL)
		return NULL;
	if ((s = store_open(":memory:", err)) == NULL) {
		store_close(src);
		return NULL;
	}
	bk = sqlite3_backup_init(s->db, "main", src->db, "main");
	rc = bk ? sqlite3_backup_step(bk, -1) : SQLITE_ERROR;
	if (bk != NULL)
		sqlite3_backup_finish(bk);
	store_close(src);
	if (rc != SQLITE_DONE) {
		derr_set(err, DERR_DB, false, "%s: copy: %s", path,
		    sqlite3_errmsg(s->db));
		store_close(s);
		return NULL;
	}
	s->version = (int)migrations_count;
	return s;
}

void
store_close(struct store *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close(s->db);
	results_clear(s);
	free(s->results);
	journal_free(s->journal);
	free(s->path);
	free(s);
}

int
store_schema_version(const struct store *s)
{
	return s->version;
}

int
store_schema_latest(void)
{
	return (int)migrations_count;
}

/* ---- audit --------------------------------------------------------- */

static int
audit(struct store *s, const char *who, int64_t now, const char *action,
    const char *object, const char *before, const char *after,
    struct derr *err)
{
	sqlite3_stmt	*st;

	if ((st = cached(s, STMT_AUDIT, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	bind_text(st, 2, who);
	bind_text(st, 3, action);
	bind_text(st, 4, object);
	bind_text(st, 5, before);
	bind_text(st, 6, after);
	return step_kept(s, st, "audit", err);
}

int
store_audit_list(struct store *s, int limit, struct store_audit_list *out,
    struct derr *err)
{
	static const char sql[] =
	    "SELECT id, at, who, action, object, before, after FROM audit "
	    "ORDER BY id DESC LIMIT ?";
	sqlite3_stmt		*st;
	struct store_audit	*a;
	int			 rc;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		a = &out->v[out->n++];
		a->id = sqlite3_column_int64(st, 0);
		a->at = sqlite3_column_int64(st, 1);
		a->who = col_dup(st, 2);
		a->action = col_dup(st, 3);
		a->object = col_dup(st, 4);
		a->before = col_dup(st, 5);
		a->after = col_dup(st, 6);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(s, err, "audit list");
	return 0;
}

void
store_audit_list_clear(struct store_audit_list *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].who);
		free(l->v[i].action);
		free(l->v[i].object);
		free(l->v[i].before);
		free(l->v[i].after);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- ledger -------------------------------------------------------- */

static const char measure_cols[] =
    "SELECT m.id, p.code, p.title, m.code, m.text, m.kind, m.deadline, "
    "m.status, m.done_at, m.evidence, m.closed_by, m.reopened, "
    "(SELECT group_concat(person, ',') FROM (SELECT person FROM "
    "measure_owner o WHERE o.measure_id = m.id ORDER BY pos)), "
    "m.extended_from, m.extension_reason, m.extensions "
    "FROM measure m JOIN problem p ON p.id = m.problem_id ";

static void
split_owners(const char *csv, struct strv *out)
{
	const char	*p = csv, *comma;
	char		*tok;

	while (p != NULL && *p != '\0') {
		comma = strchr(p, ',');
		tok = comma ? xstrndup(p, (size_t)(comma - p)) : xstrdup(p);
		strv_push(out, tok);
		free(tok);
		p = comma ? comma + 1 : NULL;
	}
}

static void
row_measure(sqlite3_stmt *st, struct measure *m)
{
	const unsigned char	*t;
	int			 k;

	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(st, 0);
	m->problem_code = col_dup(st, 1);
	m->problem_title = col_dup(st, 2);
	m->code = col_dup(st, 3);
	m->text = col_dup(st, 4);
	t = sqlite3_column_text(st, 5);
	k = t ? measure_kind_parse((const char *)t) : -1;
	m->kind = k < 0 ? MEASURE_DEADLINE : (enum measure_kind)k;
	m->deadline = col_day(st, 6);
	t = sqlite3_column_text(st, 7);
	m->status = t && strcmp((const char *)t, "done") == 0 ?
	    MEASURE_DONE : MEASURE_OPEN;
	m->done_at = sqlite3_column_int64(st, 8);
	m->evidence = col_dup(st, 9);
	m->closed_by = col_dup(st, 10);
	m->reopened = sqlite3_column_int(st, 11);
	split_owners((const char *)sqlite3_column_text(st, 12), &m->owners);
	m->extended_from = col_day(st, 13);
	m->extension_reason = col_dup(st, 14);
	m->extensions = sqlite3_column_int(st, 15);
}

/* A one-line description of a measure for the audit's before/after. */
static char *
measure_describe(const struct measure *m)
{
	struct buf	 b;
	char		 d[11];
	size_t		 i;

	buf_init(&b, 0);
	buf_printf(&b, NULL, "problem=%s; code=%s; kind=%s; deadline=%s; "
	    "status=%s; owners=", m->problem_code ? m->problem_code : "",
	    m->code, measure_kind_name(m->kind), day_format(m->deadline, d),
	    measure_status_name(m->status));
	for (i = 0; i < m->owners.n; i++)
		buf_printf(&b, NULL, "%s%s", i ? "," : "", m->owners.v[i]);
	buf_printf(&b, NULL, "; text=%s", m->text ? m->text : "");
	if (m->evidence != NULL)
		buf_printf(&b, NULL, "; evidence=%s", m->evidence);
	return buf_take(&b);
}

/* One measure by code (id ignored) or by id: 1 found, 0 absent, -1. */
static int
measure_one(struct store *s, const char *code, int64_t id,
    struct measure *out, struct derr *err)
{
	char		 sql[1024];
	sqlite3_stmt	*st;
	int		 rc;

	snprintf(sql, sizeof(sql), "%sWHERE %s", measure_cols,
	    code != NULL ? "m.code = ?" : "m.id = ?");
	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	if (code != NULL)
		bind_text(st, 1, code);
	else
		sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_measure(st, out);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_err(s, err, "measure get");
}

int
store_measure_get(struct store *s, const char *code, struct measure *out,
    struct derr *err)
{
	return measure_one(s, code, 0, out, err);
}

int
store_measure_get_id(struct store *s, int64_t id, struct measure *out,
    struct derr *err)
{
	return measure_one(s, NULL, id, out, err);
}

/* Fill the fixed columns of a scan row. */
static void
scan_row(sqlite3_stmt *st, struct store_scan_row *r)
{
	const unsigned char	*t;
	int			 k;

	r->id = sqlite3_column_int64(st, 0);
	r->deadline = col_day(st, 1);
	t = sqlite3_column_text(st, 2);
	k = t ? measure_kind_parse((const char *)t) : -1;
	r->kind = k < 0 ? MEASURE_DEADLINE : (enum measure_kind)k;
	r->reopened = sqlite3_column_int(st, 3);
}

/*
 * The owners of measure `id`, from `own` (all owners in measure_id order),
 * comma-separated in `out`. `own` is left on the first row past `id`.
 * Returns the last sqlite3_step code.
 */
static int
scan_owners(sqlite3_stmt *own, int rc, int64_t id, struct buf *out)
{
	int64_t	 mid;

	buf_reset(out);
	for (; rc == SQLITE_ROW; rc = sqlite3_step(own)) {
		mid = sqlite3_column_int64(own, 0);
		if (mid > id)
			break;
		if (mid < id)
			continue;	/* a closed measure's owner */
		if (out->len > 0)
			buf_puts(out, ",", NULL);
		buf_puts(out, (const char *)sqlite3_column_text(own, 1), NULL);
	}
	return rc;
}

int
store_measure_scan(struct store *s,
    int (*fn)(void *, const struct store_scan_row *), void *ctx,
    struct derr *err)
{
	/*
	 * A merge join done here: open measures in rowid order, and all
	 * owners in measure_id order from the primary key's index, each
	 * read once front to back.  A join in SQL looked every measure up in
	 * that index (a b-tree descent per row): 3x slower on 1M rows; a
	 * correlated group_concat per measure was 10x slower.
	 */
	static const char msql[] =
	    "SELECT id, deadline, kind, reopened FROM measure NOT INDEXED "
	    "WHERE status = 'open' AND deadline IS NOT NULL ORDER BY id";
	static const char osql[] = "SELECT measure_id, person "
	    "FROM measure_owner ORDER BY measure_id, person";
	struct store_scan_row	 r = { 0 };
	struct buf		 owners;
	sqlite3_stmt		*st, *own;
	int			 rc, orc, stop = 0;

	if ((st = prep(s, msql, err)) == NULL)
		return -1;
	if ((own = prep(s, osql, err)) == NULL) {
		sqlite3_finalize(st);
		return -1;
	}
	buf_init(&owners, 0);
	buf_puts(&owners, "", NULL);
	orc = sqlite3_step(own);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		scan_row(st, &r);
		orc = scan_owners(own, orc, r.id, &owners);
		if (orc != SQLITE_ROW && orc != SQLITE_DONE)
			break;
		r.owners = owners.data;
		stop = fn(ctx, &r);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(own);
	buf_clear(&owners);
	if (orc != SQLITE_ROW && orc != SQLITE_DONE)
		return db_err(s, err, "measure owners scan");
	if (!stop && rc != SQLITE_DONE)
		return db_err(s, err, "measure scan");
	return 0;
}

int
store_measure_list(struct store *s, const struct store_filter *f,
    struct measure_list *out, struct derr *err)
{
	static const char where[] =
	    "WHERE (?1 IS NULL OR EXISTS (SELECT 1 FROM measure_owner o "
	    "WHERE o.measure_id = m.id AND o.person = ?1)) "
	    "AND (?2 IS NULL OR p.code = ?2) AND (?3 IS NULL OR m.status = ?3) "
	    "AND (?4 IS NULL OR m.deadline <= ?4) "
	    "AND (?5 = 0 OR m.deadline IS NOT NULL) ORDER BY p.id, m.id";
	char		 sql[2048];
	sqlite3_stmt	*st;
	int		 rc;

	snprintf(sql, sizeof(sql), "%s%s", measure_cols, where);
	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	bind_text(st, 1, f->owner);
	bind_text(st, 2, f->problem);
	bind_text(st, 3, f->status < 0 ? NULL :
	    measure_status_name((enum measure_status)f->status));
	bind_day(st, 4, f->due_before);
	sqlite3_bind_int(st, 5, f->with_deadline);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		row_measure(st, &out->v[out->n++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(s, err, "measure list");
	return 0;
}

/* The id of problem `code`, created (with `title`) if new. */
static int
problem_id(struct store *s, const char *code, const char *title,
    int64_t *id, struct derr *err)
{
	static const char ins[] =
	    "INSERT INTO problem (code, title) VALUES (?1, ?2) "
	    "ON CONFLICT (code) DO UPDATE SET title = ?2 WHERE ?2 <> '' "
	    "AND title <> ?2";
	static const char sel[] = "SELECT id FROM problem WHERE code = ?";
	sqlite3_stmt	*st;

	if ((st = prep(s, ins, err)) == NULL)
		return -1;
	bind_text(st, 1, code);
	bind_text(st, 2, title ? title : "");
	if (step_done(s, st, "problem", err) < 0)
		return -1;
	if ((st = prep(s, sel, err)) == NULL)
		return -1;
	bind_text(st, 1, code);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_err(s, err, "problem id");
	}
	*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int
owners_set(struct store *s, int64_t mid, const struct strv *owners,
    struct derr *err)
{
	static const char del[] = "DELETE FROM measure_owner WHERE measure_id = ?";
	static const char ins[] =
	    "INSERT INTO measure_owner (measure_id, person, pos) VALUES (?, ?, ?)";
	sqlite3_stmt	*st;
	size_t		 i;

	if ((st = prep(s, del, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, mid);
	if (step_done(s, st, "owners", err) < 0)
		return -1;
	for (i = 0; i < owners->n; i++) {
		if ((st = prep(s, ins, err)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, mid);
		bind_text(st, 2, owners->v[i]);
		sqlite3_bind_int(st, 3, (int)i);
		if (step_done(s, st, "owner", err) < 0)
			return -1;
	}
	return 0;
}

/* Insert one measure inside the caller's transaction. */
static int
measure_insert(struct store *s, const struct measure *m, const char *who,
    int64_t now, struct derr *err)
{
	static const char sql[] =
	    "INSERT INTO measure (problem_id, code, text, kind, deadline, "
	    "status, done_at, evidence, closed_by, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt	*st;
	int64_t		 pid;
	char		*after;
	bool		 done = m->status == MEASURE_DONE;
	int		 r;

	if (problem_id(s, m->problem_code, m->problem_title, &pid, err) < 0)
		return -1;
	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	bind_text(st, 2, m->code);
	bind_text(st, 3, m->text);
	bind_text(st, 4, measure_kind_name(m->kind));
	bind_day(st, 5, m->deadline);
	bind_text(st, 6, measure_status_name(m->status));
	if (done)
		sqlite3_bind_int64(st, 7, m->done_at ? m->done_at : now);
	bind_text(st, 8, done ? (m->evidence ? m->evidence : "") : NULL);
	bind_text(st, 9, done ? (m->closed_by ? m->closed_by : who) : NULL);
	sqlite3_bind_int64(st, 10, now);
	sqlite3_bind_int64(st, 11, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		if ((sqlite3_extended_errcode(s->db)) ==
		    SQLITE_CONSTRAINT_UNIQUE)
			return derr_set(err, DERR_INPUT, false,
			    "measure %s already exists", m->code);
		return db_err(s, err, "measure add");
	}
	sqlite3_finalize(st);
	if (owners_set(s, sqlite3_last_insert_rowid(s->db), &m->owners,
	    err) < 0)
		return -1;
	after = measure_describe(m);
	r = audit(s, who, now, "measure.add", m->code, NULL, after, err);
	free(after);
	return r;
}

int
store_measure_add(struct store *s, const struct measure *m, const char *who,
    int64_t now, struct derr *err)
{
	if (store_begin(s, err) < 0)
		return -1;
	if (measure_insert(s, m, who, now, err) < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err);
}

static bool
same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool
same_owners(const struct strv *a, const struct strv *b)
{
	size_t	 i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

static bool
measure_same(const struct measure *old, const struct measure *m)
{
	return same_str(old->text, m->text) && old->kind == m->kind &&
	    old->deadline == m->deadline &&
	    same_owners(&old->owners, &m->owners) &&
	    (m->problem_title == NULL || *m->problem_title == '\0' ||
	    same_str(old->problem_title, m->problem_title));
}

/* Update inside the caller's transaction; 1 changed, 0 same, -1 error. */
static int
measure_update(struct store *s, const struct measure *old,
    const struct measure *m, const char *who, int64_t now, struct derr *err)
{
	static const char sql[] =
	    "UPDATE measure SET text = ?, kind = ?, deadline = ?, "
	    "updated_at = ? WHERE id = ?";
	sqlite3_stmt	*st;
	struct measure	 next;
	char		*before, *after;
	int64_t		 pid;
	int		 r;

	if (measure_same(old, m))
		return 0;
	if (problem_id(s, old->problem_code, m->problem_title, &pid, err) < 0)
		return -1;
	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	bind_text(st, 1, m->text);
	bind_text(st, 2, measure_kind_name(m->kind));
	bind_day(st, 3, m->deadline);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, old->id);
	if (step_done(s, st, "measure edit", err) < 0 ||
	    owners_set(s, old->id, &m->owners, err) < 0)
		return -1;
	/*
	 * Describe the row as it now is, not `m`: the caller's problem,
	 * status and evidence are ignored by the edit.
	 */
	next = *old;
	next.text = m->text;
	next.kind = m->kind;
	next.deadline = m->deadline;
	next.owners = m->owners;
	before = measure_describe(old);
	after = measure_describe(&next);
	r = audit(s, who, now, "measure.edit", old->code, before, after, err);
	free(before);
	free(after);
	return r < 0 ? -1 : 1;
}

int
store_measure_edit(struct store *s, const struct measure *m, const char *who,
    int64_t now, struct derr *err)
{
	struct measure	 old;
	int		 r;

	if (store_begin(s, err) < 0)
		return -1;
	r = store_measure_get(s, m->code, &old, err);
	if (r == 0)
		derr_set(err, DERR_INPUT, false, "no measure %s", m->code);
	if (r > 0) {
		r = measure_update(s, &old, m, who, now, err);
		measure_clear(&old);
	} else
		r = -1;
	if (r < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err) < 0 ? -1 : r;
}

/* Set status inside the caller's transaction; 1 changed, 0 already so. */
static int
measure_set_status(struct store *s, const char *code, bool done,
    const char *text, const char *who, int64_t now, struct derr *err)
{
	static const char close_sql[] =
	    "UPDATE measure SET status = 'done', done_at = ?, evidence = ?, "
	    "closed_by = ?, updated_at = ? WHERE code = ? AND status = 'open'";
	static const char open_sql[] =
	    "UPDATE measure SET status = 'open', done_at = NULL, "
	    "evidence = NULL, closed_by = NULL, reopened = reopened + 1, "
	    "updated_at = ? WHERE code = ? AND status = 'done'";
	sqlite3_stmt	*st;
	struct measure	 old;
	char		*before, *after;
	int		 r;

	if ((r = store_measure_get(s, code, &old, err)) <= 0)
		return r < 0 ? -1 : derr_set(err, DERR_INPUT, false,
		    "no measure %s", code);
	if ((old.status == MEASURE_DONE) == done) {
		measure_clear(&old);
		return 0;
	}
	if ((st = prep(s, done ? close_sql : open_sql, err)) == NULL) {
		measure_clear(&old);
		return -1;
	}
	if (done) {
		sqlite3_bind_int64(st, 1, now);
		bind_text(st, 2, text);
		bind_text(st, 3, who);
		sqlite3_bind_int64(st, 4, now);
		bind_text(st, 5, code);
	} else {
		sqlite3_bind_int64(st, 1, now);
		bind_text(st, 2, code);
	}
	before = measure_describe(&old);
	measure_clear(&old);
	after = done ? xasprintf("status=done; evidence=%s", text) :
	    xasprintf("status=open; reason=%s", text);
	r = step_done(s, st, "measure status", err);
	if (r == 0)
		r = audit(s, who, now, done ? "measure.done" : "measure.reopen",
		    code, before, after, err);
	free(before);
	free(after);
	return r < 0 ? -1 : 1;
}

static int
status_tx(struct store *s, const char *code, bool done, const char *text,
    const char *who, int64_t now, struct derr *err)
{
	int	 r;

	if (store_begin(s, err) < 0)
		return -1;
	r = measure_set_status(s, code, done, text, who, now, err);
	if (r < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err) < 0 ? -1 : r;
}

int
store_measure_close(struct store *s, const char *code, const char *evidence,
    const char *who, int64_t now, struct derr *err)
{
	return status_tx(s, code, true, evidence, who, now, err);
}

int
store_measure_reopen(struct store *s, const char *code, const char *reason,
    const char *who, int64_t now, struct derr *err)
{
	return status_tx(s, code, false, reason, who, now, err);
}

/* ---- evidence files ------------------------------------------------ */

void
store_evidence_list_clear(struct store_evidence_list *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].code);
		free(l->v[i].name);
		free(l->v[i].who);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* One evidence row inside the caller's transaction; 1 added, 0 known. */
static int
evidence_insert(struct store *s, int64_t mid, const char *code,
    const struct store_evidence *e, const char *who, int64_t now,
    struct derr *err)
{
	static const char sql[] = "INSERT OR IGNORE INTO evidence_file "
	    "(measure_id, hash, name, size, who, at) VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3_stmt	*st;
	char		*after;
	int		 r;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, mid);
	bind_text(st, 2, e->hash);
	bind_text(st, 3, e->name);
	sqlite3_bind_int64(st, 4, e->size);
	bind_text(st, 5, who);
	sqlite3_bind_int64(st, 6, now);
	if (step_done(s, st, "evidence", err) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	after = xasprintf("file=%s; size=%lld; sha256=%s", e->name,
	    (long long)e->size, e->hash);
	r = audit(s, who, now, "evidence.add", code, NULL, after, err);
	free(after);
	return r < 0 ? -1 : 1;
}

int
store_evidence_add(struct store *s, const char *code,
    const struct store_evidence *v, size_t n, const char *close_text,
    const char *who, int64_t now, struct derr *err)
{
	struct measure	 m;
	size_t		 i;
	int		 r, added = 0;

	if (store_begin(s, err) < 0)
		return -1;
	if ((r = store_measure_get(s, code, &m, err)) <= 0) {
		store_rollback(s);
		return r < 0 ? -1 : derr_set(err, DERR_INPUT, false,
		    "no measure %s", code);
	}
	for (i = 0, r = 0; r >= 0 && i < n; i++)
		if ((r = evidence_insert(s, m.id, code, &v[i], who, now,
		    err)) > 0)
			added++;
	measure_clear(&m);
	if (r >= 0 && close_text != NULL)
		r = measure_set_status(s, code, true, close_text, who, now,
		    err);
	if (r < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err) < 0 ? -1 : added;
}

int
store_evidence_list(struct store *s, const char *code, const char *hash,
    struct store_evidence_list *out, struct derr *err)
{
	static const char sql[] = "SELECT m.code, e.hash, e.name, e.size, "
	    "e.who, e.at FROM evidence_file e JOIN measure m ON "
	    "m.id = e.measure_id WHERE (?1 IS NULL OR m.code = ?1) AND "
	    "(?2 IS NULL OR e.hash = ?2) ORDER BY e.id";
	sqlite3_stmt		*st;
	struct store_evidence	*e;
	int			 rc;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	bind_text(st, 1, code);
	bind_text(st, 2, hash);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		e = &out->v[out->n++];
		memset(e, 0, sizeof(*e));
		e->code = col_dup(st, 0);
		snprintf(e->hash, sizeof(e->hash), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		e->name = col_dup(st, 2);
		e->size = sqlite3_column_int64(st, 3);
		e->who = col_dup(st, 4);
		e->at = sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(s, err, "evidence list");
	return 0;
}

/* ---- 延期 ----------------------------------------------------------- */

static int
extension_insert(struct store *s, const struct measure *m, int32_t to,
    const char *reason, const char *approved_by, const char *who,
    int64_t now, struct derr *err)
{
	static const char ins[] = "INSERT INTO extension (measure_id, "
	    "old_deadline, new_deadline, reason, approved_by, who, at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)";
	static const char upd[] = "UPDATE measure SET deadline = ?, "
	    "kind = 'deadline', extended_from = coalesce(extended_from, ?), "
	    "extension_reason = ?, extensions = extensions + 1, "
	    "updated_at = ? WHERE id = ?";
	sqlite3_stmt	*st;

	if ((st = prep(s, ins, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, m->id);
	bind_day(st, 2, m->deadline);
	bind_day(st, 3, to);
	bind_text(st, 4, reason);
	bind_text(st, 5, approved_by);
	bind_text(st, 6, who);
	sqlite3_bind_int64(st, 7, now);
	if (step_done(s, st, "extension", err) < 0 ||
	    (st = prep(s, upd, err)) == NULL)
		return -1;
	bind_day(st, 1, to);
	bind_day(st, 2, m->deadline);
	bind_text(st, 3, reason);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, m->id);
	return step_done(s, st, "measure extend", err);
}

/* Why measure `m` cannot be extended to `to`, or NULL. */
static const char *
extension_refused(const struct measure *m, int32_t to)
{
	if (m->status == MEASURE_DONE)
		return "it is done (销号): reopen it first";
	if (m->kind == MEASURE_ONGOING)
		return "it is 长期坚持 and has no deadline";
	if (m->deadline != DAY_NONE && to <= m->deadline)
		return "the new deadline must be later than the current one "
		    "(to move it earlier, use item edit)";
	return NULL;
}

int
store_measure_extend(struct store *s, const char *code, int32_t to,
    const char *reason, const char *approved_by, const char *who,
    int64_t now, struct derr *err)
{
	struct measure	 m;
	const char	*why;
	char		*after, d1[11], d2[11];
	int		 r;

	if (store_begin(s, err) < 0)
		return -1;
	if ((r = store_measure_get(s, code, &m, err)) <= 0) {
		store_rollback(s);
		return r < 0 ? -1 : derr_set(err, DERR_INPUT, false,
		    "no measure %s", code);
	}
	if ((why = extension_refused(&m, to)) != NULL) {
		derr_set(err, DERR_INPUT, false, "%s cannot be extended: %s",
		    code, why);
		measure_clear(&m);
		store_rollback(s);
		return -1;
	}
	after = xasprintf("deadline %s -> %s; reason=%s%s%s",
	    day_format(m.deadline, d1), day_format(to, d2), reason,
	    approved_by ? "; approved_by=" : "", approved_by ? approved_by :
	    "");
	r = extension_insert(s, &m, to, reason, approved_by, who, now, err);
	if (r == 0)
		r = audit(s, who, now, "measure.extend", code, NULL, after,
		    err);
	free(after);
	measure_clear(&m);
	if (r < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err);
}

/* ---- ledger import ------------------------------------------------- */

void
store_import_report_clear(struct store_import_report *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->v[i].code);
		free(r->v[i].file);
		free(r->v[i].dutyd);
		free(r->v[i].who);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* What the ledger file said of a measure at its last import. */
struct import_base {
	bool			 found;
	char			*text;
	enum measure_kind	 kind;
	int32_t			 deadline;
	char			*owners;	/* keys joined with ',' */
	enum measure_status	 status;
};

static void
import_base_clear(struct import_base *b)
{
	free(b->text);
	free(b->owners);
	memset(b, 0, sizeof(*b));
}

static char *
owners_join(const struct strv *v)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b, 0);
	for (i = 0; i < v->n; i++)
		(void)buf_printf(&b, NULL, "%s%s", i ? "," : "", v->v[i]);
	return b.data != NULL ? buf_take(&b) : xstrdup("");
}

static int
import_base_get(struct store *s, int64_t mid, struct import_base *b,
    struct derr *err)
{
	static const char sql[] = "SELECT text, kind, deadline, owners, "
	    "status FROM import_base WHERE measure_id = ?";
	sqlite3_stmt	*st;
	int		 rc, k;

	memset(b, 0, sizeof(*b));
	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, mid);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		b->found = true;
		b->text = col_dup(st, 0);
		k = measure_kind_parse((const char *)sqlite3_column_text(st, 1));
		b->kind = k < 0 ? MEASURE_DEADLINE : (enum measure_kind)k;
		b->deadline = col_day(st, 2);
		b->owners = col_dup(st, 3);
		b->status = strcmp((const char *)sqlite3_column_text(st, 4),
		    "done") == 0 ? MEASURE_DONE : MEASURE_OPEN;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(s, err, "import base");
	return b->found ? 1 : 0;
}

/* Remember the file's values of measure `mid` for the next import. */
static int
import_base_put(struct store *s, int64_t mid, const struct measure *m,
    const char *source, int64_t now, struct derr *err)
{
	static const char sql[] = "INSERT OR REPLACE INTO import_base "
	    "(measure_id, text, kind, deadline, owners, status, source, "
	    "imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt	*st;
	char		*owners = owners_join(&m->owners);

	if ((st = prep(s, sql, err)) == NULL) {
		free(owners);
		return -1;
	}
	sqlite3_bind_int64(st, 1, mid);
	bind_text(st, 2, m->text);
	bind_text(st, 3, measure_kind_name(m->kind));
	bind_day(st, 4, m->deadline);
	bind_text(st, 5, owners);
	bind_text(st, 6, measure_status_name(m->status));
	bind_text(st, 7, source);
	sqlite3_bind_int64(st, 8, now);
	free(owners);
	return step_done(s, st, "import base", err);
}

/* Who last changed measure `code` in dutyd, and when (from the audit). */
static int
last_change(struct store *s, const char *code, char **who, int64_t *at,
    struct derr *err)
{
	static const char sql[] = "SELECT who, at FROM audit WHERE object = ? "
	    "AND action LIKE 'measure.%' ORDER BY id DESC LIMIT 1";
	sqlite3_stmt	*st;
	int		 rc;

	*who = NULL;
	*at = 0;
	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	bind_text(st, 1, code);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*who = col_dup(st, 0);
		*at = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(s, err, "audit");
	return 0;
}

/* The 整改时限 cell's meaning: a date, or the kind when it has none. */
static char *
deadline_value(enum measure_kind kind, int32_t deadline)
{
	char	 d[11];

	if (deadline != DAY_NONE)
		return xstrdup(day_format(deadline, d));
	return xstrdup(measure_kind_label(kind));
}

/* One import's work on one measure: its old and file values, the report. */
struct import_ctx {
	struct store			*s;
	const char			*who;
	const char			*source;
	int64_t				 now;
	unsigned			 flags;
	struct store_import_stats	*st;
	struct store_import_report	*rep;
};

static int
import_note(struct import_ctx *x, enum store_import_what what,
    const struct measure *m, enum store_import_field field, char *file,
    char *dutyd, struct derr *err)
{
	struct store_import_diff	*d;

	x->rep->v = xreallocarray(x->rep->v, x->rep->n + 1,
	    sizeof(*x->rep->v));
	d = &x->rep->v[x->rep->n++];
	memset(d, 0, sizeof(*d));
	d->what = what;
	d->code = xstrdup(m->code);
	d->row = m->row;
	d->field = field;
	d->file = file;
	d->dutyd = dutyd;
	if (what == STORE_IMPORT_CONFLICT || what == STORE_IMPORT_FORCED ||
	    what == STORE_IMPORT_KEPT_DONE) {
		x->st->conflicts++;
		return last_change(x->s, m->code, &d->who, &d->at, err);
	}
	return 0;
}

/*
 * Decide one field: 1 take the file's value, 0 keep dutyd's.  The file
 * wins when dutyd still has what the file said last time (only the office
 * changed it); otherwise the field changed in dutyd too: a conflict,
 * applied only with STORE_IMPORT_PREFER_FILE.
 */
static int
import_field(struct import_ctx *x, const struct measure *m,
    enum store_import_field field, bool dutyd_changed, char *file,
    char *dutyd, struct derr *err)
{
	enum store_import_what	 what = STORE_IMPORT_CHANGED;

	if (dutyd_changed)
		what = x->flags & STORE_IMPORT_PREFER_FILE ?
		    STORE_IMPORT_FORCED : STORE_IMPORT_CONFLICT;
	if (import_note(x, what, m, field, file, dutyd, err) < 0)
		return -1;
	return what != STORE_IMPORT_CONFLICT;
}

/* Text, owners and 时限 of `old` against the file's `m`, into `next`. */
static int
import_fields(struct import_ctx *x, const struct measure *m,
    const struct measure *old, const struct import_base *b,
    struct measure *next, struct derr *err)
{
	char	*fo = owners_join(&m->owners), *oo = owners_join(&old->owners);
	int	 r = 0;

	if (!same_str(m->text, old->text) && (r = import_field(x, m,
	    STORE_IMPORT_TEXT, !b->found || !same_str(b->text, old->text),
	    xstrdup(m->text), xstrdup(old->text), err)) > 0)
		next->text = m->text;
	if (r >= 0 && strcmp(fo, oo) != 0 && (r = import_field(x, m,
	    STORE_IMPORT_OWNERS, !b->found || strcmp(b->owners, oo) != 0,
	    xstrdup(fo), xstrdup(oo), err)) > 0)
		next->owners = m->owners;
	if (r >= 0 && (m->kind != old->kind || m->deadline != old->deadline) &&
	    (r = import_field(x, m, STORE_IMPORT_DEADLINE, !b->found ||
	    b->kind != old->kind || b->deadline != old->deadline,
	    deadline_value(m->kind, m->deadline),
	    deadline_value(old->kind, old->deadline), err)) > 0) {
		next->kind = m->kind;
		next->deadline = m->deadline;
	}
	free(fo);
	free(oo);
	return r < 0 ? -1 : 0;
}

/*
 * 完成情况: done in the file closes an open measure unless dutyd reopened
 * it since the last import (a conflict).  Open in the file never reopens
 * a measure done in dutyd: that takes `dutyctl item reopen`.
 * 1 closed, 0 not, -1 error.
 */
static int
import_status(struct import_ctx *x, const struct measure *m,
    const struct measure *old, const struct import_base *b, struct derr *err)
{
	bool	 reopened;
	int	 r;

	if (m->status == old->status)
		return 0;
	if (m->status == MEASURE_OPEN)
		return import_note(x, STORE_IMPORT_KEPT_DONE, m,
		    STORE_IMPORT_STATUS, xstrdup("未完成"), xstrdup("已完成"),
		    err);
	reopened = b->found ? b->status == MEASURE_DONE : old->reopened > 0;
	r = import_field(x, m, STORE_IMPORT_STATUS, reopened,
	    xstrdup("已完成"), xstrdup("未完成"), err);
	if (r <= 0)
		return r;
	r = measure_set_status(x->s, m->code, true, m->evidence ?
	    m->evidence : "", x->who, x->now, err);
	if (r > 0)
		x->st->closed++;
	return r;
}

static int
import_existing(struct import_ctx *x, const struct measure *m,
    const struct measure *old, struct derr *err)
{
	struct import_base	 b;
	struct measure		 next;
	size_t			 before = x->rep->n;
	int			 r, u = 0, c = 0;

	if (import_base_get(x->s, old->id, &b, err) < 0)
		return -1;
	next = *old;
	next.problem_title = m->problem_title;
	r = import_fields(x, m, old, &b, &next, err);
	if (r == 0 && (r = u = measure_update(x->s, old, &next, x->who,
	    x->now, err)) > 0)
		x->st->changed++;
	if (r >= 0)
		r = c = import_status(x, m, old, &b, err);
	if (r >= 0)
		r = import_base_put(x->s, old->id, m, x->source, x->now, err);
	if (r >= 0 && u == 0 && c == 0 && x->rep->n == before)
		x->st->unchanged++;
	import_base_clear(&b);
	return r < 0 ? -1 : 0;
}

/* Import one row inside the transaction. */
static int
import_one(struct import_ctx *x, const struct measure *m, struct derr *err)
{
	struct measure	 old;
	int		 r;

	if ((r = store_measure_get(x->s, m->code, &old, err)) < 0)
		return -1;
	if (r == 0) {
		x->st->added++;
		if (measure_insert(x->s, m, x->who, x->now, err) < 0 ||
		    store_measure_get(x->s, m->code, &old, err) <= 0)
			return -1;
		r = import_note(x, STORE_IMPORT_ADDED, m, STORE_IMPORT_NONE,
		    NULL, NULL, err);
		if (r == 0)
			r = import_base_put(x->s, old.id, m, x->source,
			    x->now, err);
	} else
		r = import_existing(x, m, &old, err);
	measure_clear(&old);
	return r;
}

int
store_ledger_import(struct store *s, const struct measure_list *l,
    const char *source, const char *who, int64_t now, unsigned flags,
    struct store_import_stats *stats, struct store_import_report *rep,
    struct derr *err)
{
	struct store_import_stats	 st = { 0 };
	struct store_import_report	 r = { 0 };
	struct import_ctx		 x = { s, who, source, now, flags, &st,
					    &r };
	size_t				 i;
	char				*after;
	int				 rc = 0;

	if (store_begin(s, err) < 0)
		return -1;
	for (i = 0; rc == 0 && i < l->n; i++)
		if ((rc = import_one(&x, &l->v[i], err)) < 0)
			derr_prefix(err, "measure %s", l->v[i].code);
	after = xasprintf("source=%s; added=%d; changed=%d; closed=%d; "
	    "unchanged=%d; conflicts=%d%s", source, st.added, st.changed,
	    st.closed, st.unchanged, st.conflicts, flags &
	    STORE_IMPORT_PREFER_FILE ? "; prefer-file" : "");
	if (rc == 0 && (st.added || st.changed || st.closed || st.conflicts))
		rc = audit(s, who, now, "ledger.import", source, NULL, after,
		    err);
	free(after);
	if (rc < 0 || (flags & STORE_IMPORT_DRY_RUN)) {
		store_rollback(s);
		if (rc < 0) {
			store_import_report_clear(&r);
			return -1;
		}
	} else if (store_commit(s, err) < 0) {
		store_import_report_clear(&r);
		return -1;
	}
	*stats = st;
	if (rep != NULL)
		*rep = r;
	else
		store_import_report_clear(&r);
	return 0;
}

/* ---- duties -------------------------------------------------------- */

void
occurrence_clear(struct occurrence *o)
{
	if (o == NULL)
		return;
	free(o->duty);
	free(o->person);
	free(o->target);
	free(o->period);
	free(o->note);
	free(o->evidence);
	free(o->logged_by);
	free(o->late_reason);
	free(o->removed_reason);
	memset(o, 0, sizeof(*o));
}

void
occurrence_list_clear(struct occurrence_list *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		occurrence_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static const char occ_cols[] =
    "SELECT id, duty, person, target, day, period, note, evidence, "
    "logged_by, logged_at, late_reason, removed_at, removed_reason "
    "FROM occurrence ";

static void
row_occurrence(sqlite3_stmt *st, struct occurrence *o)
{
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(st, 0);
	o->duty = col_dup(st, 1);
	o->person = col_dup(st, 2);
	o->target = col_dup(st, 3);
	o->day = col_day(st, 4);
	o->period = col_dup(st, 5);
	o->note = col_dup(st, 6);
	o->evidence = col_dup(st, 7);
	o->logged_by = col_dup(st, 8);
	o->logged_at = sqlite3_column_int64(st, 9);
	o->late_reason = col_dup(st, 10);
	o->removed_at = sqlite3_column_int64(st, 11);
	o->removed_reason = col_dup(st, 12);
}

/* "talks 2026-11-20 chen/办公室: note" for the audit trail. */
static char *
occurrence_text(const struct occurrence *o)
{
	char	 d[11];

	return xasprintf("duty=%s; person=%s; target=%s; day=%s; period=%s; "
	    "note=%s; evidence=%s%s%s", o->duty, o->person, o->target,
	    day_format(o->day, d), o->period, o->note, o->evidence,
	    o->late_reason ? "; late=" : "",
	    o->late_reason ? o->late_reason : "");
}

int
store_occurrence_add(struct store *s, const struct occurrence *o,
    const char *who, int64_t now, int64_t *id, struct derr *err)
{
	static const char sql[] =
	    "INSERT INTO occurrence (duty, person, target, day, period, note, "
	    "evidence, logged_by, logged_at, late_reason) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt	*st;
	char		*after, obj[64];

	if (store_begin(s, err) < 0)
		return -1;
	if ((st = prep(s, sql, err)) == NULL)
		goto fail;
	bind_text(st, 1, o->duty);
	bind_text(st, 2, o->person);
	bind_text(st, 3, o->target ? o->target : "");
	bind_day(st, 4, o->day);
	bind_text(st, 5, o->period);
	bind_text(st, 6, o->note ? o->note : "");
	bind_text(st, 7, o->evidence ? o->evidence : "");
	bind_text(st, 8, who);
	sqlite3_bind_int64(st, 9, now);
	bind_text(st, 10, o->late_reason);
	if (step_done(s, st, "occurrence", err) < 0)
		goto fail;
	*id = sqlite3_last_insert_rowid(s->db);
	snprintf(obj, sizeof(obj), "occurrence:%lld", (long long)*id);
	after = occurrence_text(o);
	if (audit(s, who, now, "duty.log", obj, NULL, after, err) < 0) {
		free(after);
		goto fail;
	}
	free(after);
	return store_commit(s, err);
fail:
	store_rollback(s);
	return -1;
}

int
store_occurrence_get(struct store *s, int64_t id, struct occurrence *o,
    struct derr *err)
{
	char		 sql[512];
	sqlite3_stmt	*st;
	int		 rc;

	snprintf(sql, sizeof(sql), "%sWHERE id = ?", occ_cols);
	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_occurrence(st, o);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(s, err, "occurrence");
	return rc == SQLITE_ROW;
}

int
store_occurrence_remove(struct store *s, int64_t id, const char *reason,
    const char *who, int64_t now, struct derr *err)
{
	static const char sql[] =
	    "UPDATE occurrence SET removed_at = ?, removed_reason = ? "
	    "WHERE id = ? AND removed_at IS NULL";
	struct occurrence	 o = { 0 };
	sqlite3_stmt		*st;
	char			*before, obj[64];
	int			 r;

	if (store_begin(s, err) < 0)
		return -1;
	if ((r = store_occurrence_get(s, id, &o, err)) <= 0 ||
	    o.removed_at != 0) {
		occurrence_clear(&o);
		store_rollback(s);
		return r < 0 ? -1 : 0;
	}
	before = occurrence_text(&o);
	occurrence_clear(&o);
	snprintf(obj, sizeof(obj), "occurrence:%lld", (long long)id);
	if ((st = prep(s, sql, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	bind_text(st, 2, reason);
	sqlite3_bind_int64(st, 3, id);
	if (step_done(s, st, "occurrence", err) < 0 ||
	    audit(s, who, now, "duty.unlog", obj, before, reason, err) < 0)
		goto fail;
	free(before);
	return store_commit(s, err) < 0 ? -1 : 1;
fail:
	free(before);
	store_rollback(s);
	return -1;
}

int
store_occurrence_list(struct store *s, const char *duty, int32_t from,
    int32_t to, bool removed, struct occurrence_list *out, struct derr *err)
{
	char		 sql[640];
	sqlite3_stmt	*st;
	int		 rc;

	snprintf(sql, sizeof(sql), "%sWHERE (?1 IS NULL OR duty = ?1) AND "
	    "day BETWEEN ?2 AND ?3 AND (?4 OR removed_at IS NULL) "
	    "ORDER BY day, id", occ_cols);
	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	bind_text(st, 1, duty);
	bind_day(st, 2, from);
	bind_day(st, 3, to);
	sqlite3_bind_int(st, 4, removed);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		row_occurrence(st, &out->v[out->n++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(s, err, "occurrence list");
	return 0;
}

/* A new zeroed tally at the end of `l`. */
static struct duty_tally *
tally_new(struct duty_tally_list *l)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

int
store_duty_counts(struct store *s, int32_t start, int32_t end,
    const char *period, struct duty_tally_list *out, struct derr *err)
{
	static const char sql[] =
	    "SELECT duty, person, target, count(*) FROM occurrence "
	    "WHERE removed_at IS NULL AND day BETWEEN ? AND ? "
	    "GROUP BY duty, person, target ORDER BY duty, person, target";
	struct duty_tally	*t;
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	bind_day(st, 1, start);
	bind_day(st, 2, end);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t = tally_new(out);
		t->duty = col_dup(st, 0);
		t->person = col_dup(st, 1);
		t->target = col_dup(st, 2);
		snprintf(t->period, sizeof(t->period), "%s", period);
		t->start = start;
		t->end = end;
		t->done = sqlite3_column_int(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(s, err, "duty counts");
	return 0;
}

int
store_duty_closed(struct store *s, int32_t from, int32_t to,
    struct duty_tally_list *out, struct derr *err)
{
	static const char sql[] =
	    "SELECT duty, person, target, period, start, end, done, required, "
	    "title FROM duty_period WHERE end BETWEEN ? AND ? "
	    "ORDER BY end, duty, person, target";
	struct duty_tally	*t;
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	bind_day(st, 1, from);
	bind_day(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t = tally_new(out);
		t->duty = col_dup(st, 0);
		t->person = col_dup(st, 1);
		t->target = col_dup(st, 2);
		snprintf(t->period, sizeof(t->period), "%s",
		    (const char *)sqlite3_column_text(st, 3));
		t->start = col_day(st, 4);
		t->end = col_day(st, 5);
		t->done = sqlite3_column_int(st, 6);
		t->required = sqlite3_column_int(st, 7);
		t->title = col_dup(st, 8);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(s, err, "duty periods");
	return 0;
}

int
store_duty_close(struct store *s, const struct duty_tally_list *l,
    int64_t now, struct derr *err)
{
	static const char sql[] =
	    "INSERT INTO duty_period (duty, person, target, period, start, "
	    "end, title, done, required, closed_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
	const struct duty_tally	*t;
	sqlite3_stmt		*st;
	size_t			 i;
	int			 added = 0;

	if (l->n == 0)
		return 0;
	if (store_begin(s, err) < 0)
		return -1;
	for (i = 0; i < l->n; i++) {
		t = &l->v[i];
		if ((st = prep(s, sql, err)) == NULL)
			goto fail;
		bind_text(st, 1, t->duty);
		bind_text(st, 2, t->person);
		bind_text(st, 3, t->target);
		bind_text(st, 4, t->period);
		bind_day(st, 5, t->start);
		bind_day(st, 6, t->end);
		bind_text(st, 7, t->title ? t->title : t->duty);
		sqlite3_bind_int(st, 8, t->done);
		sqlite3_bind_int(st, 9, t->required);
		sqlite3_bind_int64(st, 10, now);
		if (step_done(s, st, "duty period", err) < 0)
			goto fail;
		added += sqlite3_changes(s->db);
	}
	return store_commit(s, err) < 0 ? -1 : added;
fail:
	store_rollback(s);
	return -1;
}

/* ---- outbox -------------------------------------------------------- */

static const char *const outbox_names[] = {
	[OUTBOX_PENDING] = "pending", [OUTBOX_SENDING] = "sending",
	[OUTBOX_SENT] = "sent", [OUTBOX_FAILED] = "failed",
	[OUTBOX_DEAD] = "dead", [OUTBOX_CANCELLED] = "cancelled",
};

const char *
outbox_status_name(enum outbox_status st)
{
	return outbox_names[st];
}

/* The index of `s` in `names[0..n)`, or -1. */
static int
name_index(const char *const *names, size_t n, const char *s)
{
	size_t	 i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

int
outbox_status_parse(const char *s)
{
	return name_index(outbox_names, sizeof(outbox_names) /
	    sizeof(outbox_names[0]), s);
}

void
outbox_row_clear(struct outbox_row *r)
{
	if (r == NULL)
		return;
	free(r->key);
	free(r->kind);
	free(r->channel);
	free(r->person);
	free(r->recipient);
	free(r->recipient_name);
	free(r->subject);
	free(r->body_text);
	free(r->body_html);
	free(r->message);
	free(r->message_id);
	free(r->last_error);
	free(r->provider_id);
	memset(r, 0, sizeof(*r));
}

void
outbox_list_clear(struct outbox_list *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		outbox_row_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static const char outbox_cols[] =
    "SELECT id, key, kind, channel, person, recipient, recipient_name, "
    "subject, body_text, body_html, message_id, status, attempts, "
    "maybe_dup, created_at, first_attempt_at, next_attempt_at, sent_at, "
    "last_error, provider_id, message FROM outbox "
    "LEFT JOIN outbox_body USING (id) ";

static void
row_outbox(sqlite3_stmt *st, struct outbox_row *r)
{
	size_t	 n;
	int	 k;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->key = col_dup(st, 1);
	r->kind = col_dup(st, 2);
	r->channel = col_dup(st, 3);
	r->person = col_dup(st, 4);
	r->recipient = col_dup(st, 5);
	r->recipient_name = col_dup(st, 6);
	r->subject = col_dup(st, 7);
	r->body_text = col_dup(st, 8);
	r->body_html = col_dup(st, 9);
	r->message_id = col_dup(st, 10);
	k = outbox_status_parse((const char *)sqlite3_column_text(st, 11));
	r->status = k < 0 ? OUTBOX_PENDING : (enum outbox_status)k;
	r->attempts = sqlite3_column_int(st, 12);
	r->maybe_dup = sqlite3_column_int(st, 13) != 0;
	r->created_at = sqlite3_column_int64(st, 14);
	r->first_attempt_at = sqlite3_column_int64(st, 15);
	r->next_attempt_at = sqlite3_column_int64(st, 16);
	r->sent_at = sqlite3_column_int64(st, 17);
	r->last_error = col_dup(st, 18);
	r->provider_id = col_dup(st, 19);
	if (sqlite3_column_type(st, 20) == SQLITE_BLOB &&
	    (n = (size_t)sqlite3_column_bytes(st, 20)) > 0) {
		r->message = xmalloc(n + 1);
		memcpy(r->message, sqlite3_column_blob(st, 20), n);
		r->message[n] = '\0';
		r->message_len = n;
	}
}

static int
outbox_query(struct store *s, const char *where, int64_t a, int64_t b,
    struct outbox_list *out, struct derr *err)
{
	char		 sql[1024];
	sqlite3_stmt	*st;
	int		 rc;

	snprintf(sql, sizeof(sql), "%s%s", outbox_cols, where);
	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		row_outbox(st, &out->v[out->n++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(s, err, "outbox");
	return 0;
}

int
store_notif_exists(struct store *s, const char *key, const char *person,
    const char *channel, struct derr *err)
{
	static const char sql[] = "SELECT 1 FROM notif WHERE key = ? AND "
	    "person = ? AND channel = ?";
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	bind_text(st, 1, key);
	bind_text(st, 2, person);
	bind_text(st, 3, channel);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_err(s, err, "notif");
}

int
store_notif_add(struct store *s, const char *key, const char *person,
    const char *channel, int64_t outbox_id, int64_t now, struct derr *err)
{
	/* Not OR IGNORE: that would also swallow NOT NULL violations. */
	static const char sql[] = "INSERT INTO notif (key, person, channel, "
	    "outbox_id, created_at) VALUES (?, ?, ?, ?, ?) "
	    "ON CONFLICT (key, person, channel) DO NOTHING";
	sqlite3_stmt	*st;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	bind_text(st, 1, key);
	bind_text(st, 2, person);
	bind_text(st, 3, channel);
	sqlite3_bind_int64(st, 4, outbox_id);
	sqlite3_bind_int64(st, 5, now);
	return step_done(s, st, "notif add", err);
}

/* The row's content, in the caller's savepoint (migration 004: why). */
static int
outbox_body_insert(struct store *s, const struct outbox_row *r, int64_t id,
    struct derr *err)
{
	static const char sql[] = "INSERT INTO outbox_body (id, subject, "
	    "body_text, body_html, message) VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt	*st;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, r->subject ? r->subject : "");
	bind_text(st, 3, r->body_text ? r->body_text : "");
	bind_text(st, 4, r->body_html);
	if (r->message != NULL)
		sqlite3_bind_blob(st, 5, r->message, (int)r->message_len,
		    SQLITE_STATIC);
	return step_done(s, st, "outbox insert", err);
}

int
store_outbox_insert(struct store *s, const struct outbox_row *r, int64_t *id,
    struct derr *err)
{
	/*
	 * Ignore only a conflict on the key: OR IGNORE would also skip a row
	 * that breaks NOT NULL or CHECK and report it as already planned.
	 */
	static const char sql[] =
	    "INSERT INTO outbox (key, kind, channel, person, "
	    "recipient, recipient_name, message_id, created_at, "
	    "next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (key) DO NOTHING";
	sqlite3_stmt	*st;
	int64_t		 rowid;

	if (exec_sql(s, "SAVEPOINT outbox_insert", err) < 0)
		return -1;
	if ((st = prep(s, sql, err)) == NULL)
		goto fail;
	bind_text(st, 1, r->key);
	bind_text(st, 2, r->kind);
	bind_text(st, 3, r->channel);
	bind_text(st, 4, r->person);
	bind_text(st, 5, r->recipient);
	bind_text(st, 6, r->recipient_name ? r->recipient_name : "");
	bind_text(st, 7, r->message_id);
	sqlite3_bind_int64(st, 8, r->created_at);
	sqlite3_bind_int64(st, 9, r->next_attempt_at);
	if (step_done(s, st, "outbox insert", err) < 0)
		goto fail;
	if (sqlite3_changes(s->db) == 0)
		return exec_sql(s, "RELEASE outbox_insert", err) < 0 ? -1 : 0;
	rowid = sqlite3_last_insert_rowid(s->db);
	if (outbox_body_insert(s, r, rowid, err) < 0 ||
	    exec_sql(s, "RELEASE outbox_insert", err) < 0)
		goto fail;
	*id = rowid;
	return 1;
fail:
	(void)exec_sql(s, "ROLLBACK TO outbox_insert; RELEASE outbox_insert",
	    NULL);
	return -1;
}

int
store_outbox_due(struct store *s, int64_t now, int limit,
    struct outbox_list *out, struct derr *err)
{
	/*
	 * Pick the ids from the index first: ordering whole rows (bodies
	 * included) over every due row cost 3x more with 10,000 queued.
	 */
	return outbox_query(s, "WHERE id IN (SELECT id FROM outbox WHERE "
	    "status IN ('pending', 'failed') AND next_attempt_at <= ?1 "
	    "ORDER BY next_attempt_at, id LIMIT ?2) "
	    "ORDER BY next_attempt_at, id", now, limit, out, err);
}

int
store_outbox_list(struct store *s, int status, int limit,
    struct outbox_list *out, struct derr *err)
{
	/* The status index follows enum outbox_status. */
	return outbox_query(s, "WHERE ?1 < 0 OR status = CASE ?1 "
	    "WHEN 0 THEN 'pending' WHEN 1 THEN 'sending' WHEN 2 THEN 'sent' "
	    "WHEN 3 THEN 'failed' WHEN 4 THEN 'dead' ELSE 'cancelled' END "
	    "ORDER BY id DESC LIMIT ?2", status, limit, out, err);
}

int
store_outbox_since(struct store *s, int64_t since, struct outbox_list *out,
    struct derr *err)
{
	return outbox_query(s, "WHERE created_at >= ?1 AND ?2 = 0 "
	    "ORDER BY id", since, 0, out, err);
}

int
store_outbox_get(struct store *s, int64_t id, struct outbox_row *out,
    struct derr *err)
{
	struct outbox_list	 l = { 0 };

	if (outbox_query(s, "WHERE id = ?1 AND ?2 = 0", id, 0, &l, err) < 0)
		return -1;
	if (l.n == 0)
		return 0;
	*out = l.v[0];
	free(l.v);
	return 1;
}

int
store_outbox_next(struct store *s, int64_t *at, struct derr *err)
{
	static const char sql[] = "SELECT min(next_attempt_at) FROM outbox "
	    "WHERE status IN ('pending', 'failed')";
	sqlite3_stmt	*st;
	int		 rc, found = 0;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*at = sqlite3_column_int64(st, 0);
		found = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_err(s, err, "outbox next");
	return found;
}

int
store_outbox_sent_since(struct store *s, const char *channel,
    const char *recipient, int64_t since, int *n, int64_t *oldest,
    struct derr *err)
{
	static const char sql[] = "SELECT count(*), min(sent_at) FROM outbox "
	    "WHERE status = 'sent' AND channel = ?1 AND recipient = ?2 AND "
	    "sent_at >= ?3";
	sqlite3_stmt	*st;
	int		 rc;

	/* The round's results so far count too. */
	if (s->nresults > 0 && results_apply(s, false, err) < 0)
		return -1;
	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, recipient, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, since);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*n = sqlite3_column_int(st, 0);
		*oldest = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_err(s, err, "outbox sent count");
	return 0;
}


/*
 * Durability of the outbox while it drains.  The rule: a row is durably
 * 'sending' before its message goes out (a crash then shows it as maybe
 * delivered), and its result is recorded, where a crash of dutyd cannot
 * lose it, before the next message goes out.
 *
 * A drain round costs one fsync and two commits, not one commit per
 * message:
 * - store_outbox_claim marks every row of the round 'sending' in one
 *   transaction committed with synchronous = FULL (the WAL is fsynced),
 *   together with the boot id and a token naming the round.  The round
 *   sends them in the order of the due query (next_attempt_at, id),
 *   which a sending row keeps.
 * - store_outbox_finish appends each result, with the round's token, to
 *   the journal "DATABASE-progress" (journal.h): one write(2), no lock,
 *   no fsync.  The results wait in memory too.
 * - At the end of the round (or a stop) they are applied in one
 *   transaction, with the release of the rows not tried, committed FULL;
 *   then the journal is emptied.  Rate limits read the outbox, so a
 *   channel with limits has the results so far applied (synchronous =
 *   NORMAL) before each check: store_outbox_sent_since.
 *
 * Why this keeps the guarantees:
 * - A crash of dutyd alone (SIGKILL, abort, OOM, watchdog) loses no
 *   journal record and no commit: both are in the kernel's page cache.
 *   store_outbox_recover applies the records of the claimed round to its
 *   rows still 'sending'; then the first row still sending, in round
 *   order, is the one that was in flight: it alone is maybe delivered.
 *   The claimed rows after it were never tried and become due again.
 * - A power loss or kernel crash can lose journal records, but the claim
 *   is durable, so every row that may have gone out is still 'sending'.
 *   The machine has rebooted, so the boot id differs, and recovery
 *   treats every 'sending' row without a surviving record as maybe
 *   delivered: at most one round of messages (outbox.batch, 100 by
 *   default) may go out twice, each flagged maybe_dup; none is lost and
 *   none is resent silently.
 * - If the journal cannot be written (disk full, read-only), each result
 *   is committed on its own as before (synchronous = NORMAL: also proof
 *   against a crash of dutyd), for the rest of the process's life.
 * - A record names its round: one left behind (a failed truncate, or a
 *   database restored from a backup) never applies to a later round, and
 *   a record applies only to a row still 'sending'.
 * Meanwhile `dutyctl outbox` may show a row of the current round as
 * 'sending' after it went out.  A commit per message instead cost a
 * third of the time of the send itself (make bench).
 */
#define STATE_BOOT	"outbox_claim_boot"
#define STATE_ROUND	"outbox_claim_round"

/* A result waiting for the end of its round. */
struct store_result {
	int64_t			 id;
	int64_t			 now;
	enum outbox_status	 status;
	bool			 maybe_dup;
	int64_t			 next_attempt_at;
	char			*error;
	char			*provider_id;
};

/* daemon_state[name] = value, inside the caller's transaction. */
static int
state_put(struct store *s, const char *name, const char *value, int64_t now,
    struct derr *err)
{
	sqlite3_stmt	*st;

	if ((st = cached(s, STMT_STATE_SET, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now);
	return step_kept(s, st, "state set", err);
}

/* Commits from here on are fsynced (full) or only written (!full). */
static int
sync_set(struct store *s, bool full, struct derr *err)
{
	if (s->relaxed == !full)
		return 0;
	if (exec_sql(s, full ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL", err) < 0)
		return -1;
	s->relaxed = !full;
	return 0;
}

static void
results_clear(struct store *s)
{
	size_t	 i;

	for (i = 0; i < s->nresults; i++) {
		free(s->results[i].error);
		free(s->results[i].provider_id);
	}
	s->nresults = 0;
}

static void
result_push(struct store *s, int64_t id, const struct outbox_result *r,
    int64_t now)
{
	struct store_result	*p;

	s->results = xreallocarray(s->results, s->nresults + 1,
	    sizeof(*s->results));
	p = &s->results[s->nresults++];
	p->id = id;
	p->now = now;
	p->status = r->status;
	p->maybe_dup = r->maybe_dup;
	p->next_attempt_at = r->next_attempt_at;
	p->error = r->error ? xstrdup(r->error) : NULL;
	p->provider_id = r->provider_id && *r->provider_id ?
	    xstrdup(r->provider_id) : NULL;
}

static int
finish_row(struct store *s, const struct store_result *r, struct derr *err)
{
	sqlite3_stmt	*st;

	if ((st = cached(s, STMT_FINISH, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, outbox_status_name(r->status), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 2, r->maybe_dup);
	sqlite3_bind_int64(st, 3, r->next_attempt_at);
	bind_text(st, 4, r->error);
	bind_text(st, 5, r->provider_id);
	sqlite3_bind_int64(st, 6, r->now);
	sqlite3_bind_int64(st, 7, r->id);
	return step_kept(s, st, "outbox finish", err);
}

/* The journal is no help from now on: results are committed one by one. */
static void
journal_drop(struct store *s)
{
	journal_free(s->journal);
	s->journal = NULL;
	s->journal_off = true;
}

/*
 * Apply the waiting results in one transaction, fsynced if `end` (the
 * round ends: claimed rows not tried are released), then empty the
 * journal.  On failure the results keep waiting.
 */
static int
results_apply(struct store *s, bool end, struct derr *err)
{
	sqlite3_stmt	*st;
	size_t		 i;

	if (s->nresults == 0 && !end)
		return 0;
	if (sync_set(s, end, err) < 0 || store_begin(s, err) < 0)
		goto fail;
	for (i = 0; i < s->nresults; i++)
		if (finish_row(s, &s->results[i], err) < 0)
			goto fail;
	if (end && ((st = cached(s, STMT_RELEASE, err)) == NULL ||
	    step_kept(s, st, "outbox release", err) < 0))
		goto fail;
	if (store_commit(s, err) < 0)
		goto fail;
	results_clear(s);
	if (end)
		s->round_open = false;
	if (s->journal != NULL && journal_reset(s->journal, NULL) < 0)
		journal_drop(s);
	return 0;
fail:
	store_rollback(s);
	/* Other writers must not inherit unsynced commits; if this fails
	 * too, the next claim or recovery sets it again. */
	(void)sync_set(s, true, NULL);
	return -1;
}

/* ---- journal records: "ROUND ID STATUS DUP NOW NEXT ERROR PROVIDER" -- */

/* A field: "-" for NULL or "", else the text with space, controls, '%' and a
 * leading '-' as %XX. */
static void
field_put(struct buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;

	if (s == NULL || *s == '\0') {
		(void)buf_puts(b, " -", NULL);
		return;
	}
	(void)buf_puts(b, " ", NULL);
	for (; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '%' ||
		    (*p == '-' && p == (const unsigned char *)s))
			(void)buf_printf(b, NULL, "%%%02X", *p);
		else
			(void)buf_append(b, p, 1, NULL);
}

static char *
field_get(const char *f)
{
	char		*out, *w;
	unsigned int	 c;

	if (strcmp(f, "-") == 0)
		return NULL;
	out = w = xstrdup(f);
	for (; *f != '\0'; f++) {
		if (*f == '%' && isxdigit((unsigned char)f[1]) &&
		    isxdigit((unsigned char)f[2]) &&
		    sscanf(f + 1, "%2X", &c) == 1 && c > 0) {
			*w++ = (char)c;
			f += 2;
		} else {
			*w++ = *f;
		}
	}
	*w = '\0';
	return out;
}

static int
journal_note(struct store *s, const struct store_result *r, struct derr *err)
{
	struct buf	 b;
	int		 rc;

	/* Unbounded here: journal_append refuses what is too long. */
	buf_init(&b, 0);
	(void)buf_printf(&b, NULL, "%s %lld %d %d %lld %lld", s->round,
	    (long long)r->id, (int)r->status, r->maybe_dup ? 1 : 0,
	    (long long)r->now, (long long)r->next_attempt_at);
	field_put(&b, r->error);
	field_put(&b, r->provider_id);
	rc = journal_append(s->journal, b.data, b.len, err);
	buf_clear(&b);
	return rc;
}

struct replay {
	struct store	*s;
	const char	*round;
	int		 applied;
};

/* Apply one journal record of the claimed round; others are skipped. */
static int
replay_one(void *ctx, const char *rec, size_t len, struct derr *err)
{
	struct replay		*rp = ctx;
	struct store_result	 r = { 0 };
	char			 line[JOURNAL_RECORD_MAX + 1], round[64];
	char			 e[JOURNAL_RECORD_MAX], p[JOURNAL_RECORD_MAX];
	long long		 id, now, next;
	int			 status, dup, rc;

	memcpy(line, rec, len);
	line[len] = '\0';
	if (sscanf(line, "%63s %lld %d %d %lld %lld %4095s %4095s", round,
	    &id, &status, &dup, &now, &next, e, p) != 8 ||
	    strcmp(round, rp->round) != 0 ||
	    (status != OUTBOX_SENT && status != OUTBOX_FAILED &&
	    status != OUTBOX_DEAD))
		return 0;
	r.id = id;
	r.now = now;
	r.status = (enum outbox_status)status;
	r.maybe_dup = dup != 0;
	r.next_attempt_at = next;
	r.error = field_get(e);
	r.provider_id = field_get(p);
	rc = finish_row(rp->s, &r, err);
	rp->applied += rc == 0 && sqlite3_changes(rp->s->db) > 0;
	free(r.error);
	free(r.provider_id);
	return rc;
}

/* The journal beside the database; NULL for one in memory. */
static int
journal_ready(struct store *s)
{
	char	*path;

	if (s->journal != NULL || s->journal_off || s->path == NULL)
		return s->journal != NULL;
	path = xasprintf("%s-progress", s->path);
	s->journal = journal_open(path, NULL);
	free(path);
	if (s->journal == NULL)
		s->journal_off = true;
	return s->journal != NULL;
}

static int
claim_rows(struct store *s, const int64_t *ids, size_t n, bool *claimed,
    struct derr *err)
{
	sqlite3_stmt	*st;
	size_t		 i;
	int		 count = 0;

	if ((st = cached(s, STMT_CLAIM, err)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, ids[i]);
		if (step_kept(s, st, "outbox claim", err) < 0)
			return -1;
		claimed[i] = sqlite3_changes(s->db) > 0;
		count += claimed[i];
	}
	return count;
}

int
store_outbox_claim(struct store *s, const int64_t *ids, size_t n,
    const char *boot, bool *claimed, int64_t now, struct derr *err)
{
	int	 count;

	/* A round that ended in an error ends here: its results are
	 * applied and its rows not tried are released. */
	if (s->round_open && results_apply(s, true, err) < 0)
		return -1;
	(void)journal_ready(s);
	if (s->journal != NULL && journal_reset(s->journal, NULL) < 0)
		journal_drop(s);
	snprintf(s->round, sizeof(s->round), "%lld.%ld.%u", (long long)now,
	    (long)getpid(), ++s->rounds);
	if (sync_set(s, true, err) < 0 || store_begin(s, err) < 0)
		return -1;
	if ((count = claim_rows(s, ids, n, claimed, err)) < 0 ||
	    state_put(s, STATE_BOOT, boot ? boot : "", now, err) < 0 ||
	    state_put(s, STATE_ROUND, s->round, now, err) < 0) {
		store_rollback(s);
		return -1;
	}
	if (store_commit(s, err) < 0)
		return -1;
	s->round_open = true;
	return count;
}

int
store_outbox_finish(struct store *s, int64_t id, const struct outbox_result *r,
    int64_t next_id, int64_t now, struct derr *err)
{
	result_push(s, id, r, now);
	if (next_id > 0 && s->journal != NULL) {
		if (journal_note(s, &s->results[s->nresults - 1], NULL) == 0)
			return 1;
		/* Readers stop at a torn record: none may follow it. */
		journal_drop(s);
	}
	if (results_apply(s, next_id <= 0, err) < 0)
		return -1;
	return next_id > 0;
}

/* Did this boot make the claim? 1 yes, 0 no or unknown, -1. */
static int
same_boot(struct store *s, const char *boot, struct derr *err)
{
	char	*v = NULL;
	int	 r;

	if (boot == NULL || *boot == '\0')
		return 0;
	if ((r = store_state_get(s, STATE_BOOT, &v, err)) <= 0)
		return r;
	r = strcmp(v, boot) == 0;
	free(v);
	return r;
}

/* Apply the journal's records of the last claimed round. */
static int
replay(struct store *s, struct derr *err)
{
	struct replay	 rp = { .s = s };
	char		*round = NULL, *path;
	int		 r;

	if (s->path == NULL)
		return 0;
	if ((r = store_state_get(s, STATE_ROUND, &round, err)) <= 0)
		return r;
	rp.round = round;
	path = xasprintf("%s-progress", s->path);
	r = journal_read(path, replay_one, &rp, err);
	free(path);
	free(round);
	return r < 0 ? -1 : rp.applied;
}

int
store_outbox_recover(struct store *s, const char *boot, int64_t now,
    struct derr *err)
{
	/* ?2: only the first sending row in round order was in flight. */
	static const char sql[] = "UPDATE outbox SET status = 'pending', "
	    "maybe_dup = 1, attempts = attempts + 1, first_attempt_at = "
	    "coalesce(first_attempt_at, ?1), next_attempt_at = ?1, "
	    "last_error = 'interrupted while sending: may have been "
	    "delivered' WHERE status = 'sending' AND (?2 = 0 OR id = "
	    "(SELECT id FROM outbox WHERE status = 'sending' "
	    "ORDER BY next_attempt_at, id LIMIT 1))";
	sqlite3_stmt	*st;
	int		 same, n;

	if (sync_set(s, true, err) < 0 || store_begin(s, err) < 0)
		return -1;
	if (replay(s, err) < 0 || (same = same_boot(s, boot, err)) < 0 ||
	    (st = prep(s, sql, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, same);
	if (step_done(s, st, "outbox recover", err) < 0)
		goto fail;
	n = sqlite3_changes(s->db);
	if ((st = cached(s, STMT_RELEASE, err)) == NULL ||
	    step_kept(s, st, "outbox release", err) < 0)
		goto fail;
	if (store_commit(s, err) < 0)
		return -1;
	if (journal_ready(s) && journal_reset(s->journal, NULL) < 0)
		journal_drop(s);
	return n;
fail:
	store_rollback(s);
	return -1;
}

static int
outbox_admin(struct store *s, int64_t id, const char *sql, const char *action,
    const char *who, int64_t now, struct derr *err)
{
	sqlite3_stmt	*st;
	char		 obj[32];
	int		 n;

	if (store_begin(s, err) < 0)
		return -1;
	if ((st = prep(s, sql, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	if (step_done(s, st, action, err) < 0)
		goto fail;
	n = sqlite3_changes(s->db);
	snprintf(obj, sizeof(obj), "outbox %lld", (long long)id);
	if (n > 0 && audit(s, who, now, action, obj, NULL, NULL, err) < 0)
		goto fail;
	if (store_commit(s, err) < 0)
		return -1;
	return n > 0;
fail:
	store_rollback(s);
	return -1;
}

int
store_outbox_retry(struct store *s, int64_t id, const char *who, int64_t now,
    struct derr *err)
{
	return outbox_admin(s, id, "UPDATE outbox SET status = 'pending', "
	    "next_attempt_at = ?1, first_attempt_at = NULL WHERE id = ?2 AND "
	    "status IN ('failed', 'dead', 'cancelled')", "outbox.retry",
	    who, now, err);
}

int
store_outbox_cancel(struct store *s, int64_t id, const char *who, int64_t now,
    struct derr *err)
{
	return outbox_admin(s, id, "UPDATE outbox SET status = 'cancelled', "
	    "next_attempt_at = ?1 WHERE id = ?2 AND "
	    "status IN ('pending', 'failed')", "outbox.cancel", who, now, err);
}

int
store_outbox_counts(struct store *s, int counts[6], struct derr *err)
{
	static const char sql[] =
	    "SELECT status, count(*) FROM outbox GROUP BY status";
	sqlite3_stmt	*st;
	int		 rc, k;

	memset(counts, 0, 6 * sizeof(int));
	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		k = outbox_status_parse((const char *)sqlite3_column_text(st,
		    0));
		if (k >= 0)
			counts[k] = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(s, err, "outbox counts");
	return 0;
}

/* ---- feedback ------------------------------------------------------ */

static const char *const feedback_names[] = { "new", "assigned", "answered",
	"closed" };

const char *
feedback_status_name(enum feedback_status st)
{
	return feedback_names[st];
}

int
feedback_status_parse(const char *s)
{
	return name_index(feedback_names, sizeof(feedback_names) /
	    sizeof(feedback_names[0]), s);
}

void
feedback_clear(struct feedback *f)
{
	if (f == NULL)
		return;
	free(f->source);
	free(f->message_id);
	free(f->header_hash);
	free(f->sender);
	free(f->subject);
	free(f->excerpt);
	free(f->attachments);
	free(f->note);
	free(f->assignee);
	free(f->answer);
	free(f->answered_by);
	memset(f, 0, sizeof(*f));
	f->answer_deadline = DAY_NONE;
}

void
feedback_list_clear(struct feedback_list *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		feedback_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
bind_id(sqlite3_stmt *st, int i, int64_t v)
{
	if (v == 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

int
store_feedback_insert(struct store *s, const struct feedback *f,
    const char *who, int64_t now, int64_t *id, struct derr *err)
{
	sqlite3_stmt	*st;
	char		*obj, *after;
	int		 r;

	if ((st = cached(s, STMT_FEEDBACK_INSERT, err)) == NULL)
		return -1;
	bind_text(st, 1, f->source);
	bind_id(st, 2, f->uidvalidity);
	bind_id(st, 3, f->uid);
	bind_text(st, 4, f->message_id);
	/* The hash dedupes only mail that has no Message-ID. */
	bind_text(st, 5, f->message_id == NULL ? f->header_hash : NULL);
	bind_text(st, 6, f->sender ? f->sender : "");
	bind_text(st, 7, f->subject ? f->subject : "");
	bind_id(st, 8, f->date);
	sqlite3_bind_int(st, 9, f->date_flagged);
	bind_text(st, 10, f->excerpt ? f->excerpt : "");
	bind_text(st, 11, f->attachments ? f->attachments : "");
	bind_text(st, 12, f->note);
	bind_id(st, 13, f->size);
	sqlite3_bind_int64(st, 14, f->received_at);
	if (step_kept(s, st, "feedback insert", err) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	*id = sqlite3_last_insert_rowid(s->db);
	obj = xasprintf("feedback:%lld", (long long)*id);
	after = xasprintf("source=%s; from=%s; subject=%s", f->source,
	    f->sender ? f->sender : "", f->subject ? f->subject : "");
	r = audit(s, who, now, "feedback.add", obj, NULL, after, err);
	free(obj);
	free(after);
	return r < 0 ? -1 : 1;
}

int
store_feedback_add(struct store *s, const struct feedback *f, const char *who,
    int64_t now, int64_t *id, struct derr *err)
{
	int	 r;

	if (store_begin(s, err) < 0)
		return -1;
	r = store_feedback_insert(s, f, who, now, id, err);
	if (r < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err) < 0 ? -1 : r;
}

static const char feedback_cols[] =
    "SELECT id, source, uidvalidity, uid, message_id, header_hash, sender, "
    "subject, date, date_flagged, excerpt, attachments, note, size, status, "
    "assignee, answer_deadline, answer, assigned_at, answered_at, "
    "answered_by, received_at FROM feedback ";

static void
row_feedback(sqlite3_stmt *st, struct feedback *f)
{
	const unsigned char	*t;
	int			 k;

	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(st, 0);
	f->source = col_dup(st, 1);
	f->uidvalidity = sqlite3_column_int64(st, 2);
	f->uid = sqlite3_column_int64(st, 3);
	f->message_id = col_dup(st, 4);
	f->header_hash = col_dup(st, 5);
	f->sender = col_dup(st, 6);
	f->subject = col_dup(st, 7);
	f->date = sqlite3_column_int64(st, 8);
	f->date_flagged = sqlite3_column_int(st, 9) != 0;
	f->excerpt = col_dup(st, 10);
	f->attachments = col_dup(st, 11);
	f->note = col_dup(st, 12);
	f->size = sqlite3_column_int64(st, 13);
	t = sqlite3_column_text(st, 14);
	k = t != NULL ? feedback_status_parse((const char *)t) : -1;
	f->status = k < 0 ? FEEDBACK_NEW : (enum feedback_status)k;
	f->assignee = col_dup(st, 15);
	f->answer_deadline = col_day(st, 16);
	f->answer = col_dup(st, 17);
	f->assigned_at = sqlite3_column_int64(st, 18);
	f->answered_at = sqlite3_column_int64(st, 19);
	f->answered_by = col_dup(st, 20);
	f->received_at = sqlite3_column_int64(st, 21);
}

int
store_feedback_get(struct store *s, int64_t id, struct feedback *out,
    struct derr *err)
{
	sqlite3_stmt	*st;
	char		*sql;
	int		 rc;

	sql = xasprintf("%sWHERE id = ?", feedback_cols);
	st = prep(s, sql, err);
	free(sql);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_feedback(st, out);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_err(s, err, "feedback get");
}

int
store_feedback_list(struct store *s, const struct feedback_filter *f,
    struct feedback_list *out, struct derr *err)
{
	static const char where[] =
	    "WHERE (?1 IS NULL OR status = ?1) AND received_at >= ?2 "
	    "AND (?3 IS NULL OR (status IN ('new', 'assigned') AND "
	    "answer_deadline IS NOT NULL AND answer_deadline < ?3)) "
	    "ORDER BY received_at, id LIMIT ?4";
	sqlite3_stmt	*st;
	char		*sql;
	int		 rc;

	sql = xasprintf("%s%s", feedback_cols, where);
	st = prep(s, sql, err);
	free(sql);
	if (st == NULL)
		return -1;
	bind_text(st, 1, f->status < 0 ? NULL :
	    feedback_status_name((enum feedback_status)f->status));
	sqlite3_bind_int64(st, 2, f->since);
	bind_day(st, 3, f->overdue_on);
	sqlite3_bind_int(st, 4, f->limit > 0 ? f->limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		row_feedback(st, &out->v[out->n++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(s, err, "feedback list");
	return 0;
}

static char *
feedback_describe(const struct feedback *f)
{
	char	 d[11];

	return xasprintf("status=%s; assignee=%s; deadline=%s",
	    feedback_status_name(f->status), f->assignee ? f->assignee : "",
	    f->answer_deadline == DAY_NONE ? "" :
	    day_format(f->answer_deadline, d));
}

/* Load `id` for a change; DERR_INPUT if absent or already answered. */
static int
feedback_for_change(struct store *s, int64_t id, struct feedback *f,
    struct derr *err)
{
	int	 r = store_feedback_get(s, id, f, err);

	if (r < 0)
		return -1;
	if (r == 0)
		return derr_set(err, DERR_INPUT, false, "no feedback %lld",
		    (long long)id);
	if (f->status == FEEDBACK_ANSWERED || f->status == FEEDBACK_CLOSED) {
		derr_set(err, DERR_INPUT, false, "feedback %lld is already %s",
		    (long long)id, feedback_status_name(f->status));
		feedback_clear(f);
		return -1;
	}
	return 0;
}

static int
feedback_assign_tx(struct store *s, int64_t id, const char *assignee,
    int32_t deadline, const char *who, int64_t now, struct derr *err)
{
	static const char sql[] =
	    "UPDATE feedback SET status = 'assigned', assignee = ?, "
	    "answer_deadline = ?, assigned_at = ? WHERE id = ?";
	struct feedback	 f;
	sqlite3_stmt	*st;
	char		*before, *after, *obj;
	int		 r;

	if (feedback_for_change(s, id, &f, err) < 0)
		return -1;
	if (f.status == FEEDBACK_ASSIGNED && f.assignee != NULL &&
	    strcmp(f.assignee, assignee) == 0 && f.answer_deadline == deadline) {
		feedback_clear(&f);
		return 0;
	}
	before = feedback_describe(&f);
	free(f.assignee);
	f.assignee = xstrdup(assignee);
	f.answer_deadline = deadline;
	f.status = FEEDBACK_ASSIGNED;
	after = feedback_describe(&f);
	feedback_clear(&f);
	obj = xasprintf("feedback:%lld", (long long)id);
	r = -1;
	if ((st = prep(s, sql, err)) != NULL) {
		bind_text(st, 1, assignee);
		bind_day(st, 2, deadline);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_int64(st, 4, id);
		r = step_done(s, st, "feedback assign", err);
	}
	if (r == 0)
		r = audit(s, who, now, "feedback.assign", obj, before, after,
		    err);
	free(obj);
	free(before);
	free(after);
	return r < 0 ? -1 : 1;
}

static int
feedback_answer_tx(struct store *s, int64_t id, const char *answer,
    const char *who, int64_t now, struct derr *err)
{
	static const char sql[] =
	    "UPDATE feedback SET status = 'answered', answer = ?, "
	    "answered_at = ?, answered_by = ? WHERE id = ?";
	struct feedback	 f;
	sqlite3_stmt	*st;
	char		*before, *after, *obj;
	int		 r = -1;

	if (feedback_for_change(s, id, &f, err) < 0)
		return -1;
	before = feedback_describe(&f);
	feedback_clear(&f);
	after = xasprintf("status=answered; answer=%s", answer);
	obj = xasprintf("feedback:%lld", (long long)id);
	if ((st = prep(s, sql, err)) != NULL) {
		bind_text(st, 1, answer);
		sqlite3_bind_int64(st, 2, now);
		bind_text(st, 3, who);
		sqlite3_bind_int64(st, 4, id);
		r = step_done(s, st, "feedback answer", err);
	}
	if (r == 0)
		r = audit(s, who, now, "feedback.answer", obj, before, after,
		    err);
	free(obj);
	free(before);
	free(after);
	return r < 0 ? -1 : 1;
}

int
store_feedback_assign(struct store *s, int64_t id, const char *assignee,
    int32_t deadline, const char *who, int64_t now, struct derr *err)
{
	int	 r;

	if (store_begin(s, err) < 0)
		return -1;
	r = feedback_assign_tx(s, id, assignee, deadline, who, now, err);
	if (r < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err) < 0 ? -1 : r;
}

int
store_feedback_answer(struct store *s, int64_t id, const char *answer,
    const char *who, int64_t now, struct derr *err)
{
	int	 r;

	if (store_begin(s, err) < 0)
		return -1;
	r = feedback_answer_tx(s, id, answer, who, now, err);
	if (r < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err) < 0 ? -1 : r;
}

/* ---- mailbox state ------------------------------------------------- */

int
store_mailbox_get(struct store *s, const char *mailbox,
    struct mailbox_state *out, struct derr *err)
{
	static const char sql[] =
	    "SELECT uidvalidity, last_uid, last_poll, last_ok, next_poll, "
	    "failures, last_result FROM mailbox_state WHERE mailbox = ?";
	sqlite3_stmt		*st;
	const unsigned char	*t;
	int			 rc;

	memset(out, 0, sizeof(*out));
	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	bind_text(st, 1, mailbox);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->uidvalidity = sqlite3_column_int64(st, 0);
		out->last_uid = sqlite3_column_int64(st, 1);
		out->last_poll = sqlite3_column_int64(st, 2);
		out->last_ok = sqlite3_column_int64(st, 3);
		out->next_poll = sqlite3_column_int64(st, 4);
		out->failures = sqlite3_column_int(st, 5);
		t = sqlite3_column_text(st, 6);
		snprintf(out->last_result, sizeof(out->last_result), "%s",
		    t != NULL ? (const char *)t : "");
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_err(s, err, "mailbox state");
}

int
store_mailbox_set(struct store *s, const char *mailbox,
    const struct mailbox_state *m, struct derr *err)
{
	static const char sql[] =
	    "INSERT INTO mailbox_state (mailbox, uidvalidity, last_uid, "
	    "last_poll, last_ok, next_poll, failures, last_result) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (mailbox) "
	    "DO UPDATE SET uidvalidity = ?2, last_uid = ?3, last_poll = ?4, "
	    "last_ok = ?5, next_poll = ?6, failures = ?7, last_result = ?8";
	sqlite3_stmt	*st;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	bind_text(st, 1, mailbox);
	sqlite3_bind_int64(st, 2, m->uidvalidity);
	sqlite3_bind_int64(st, 3, m->last_uid);
	bind_id(st, 4, m->last_poll);
	bind_id(st, 5, m->last_ok);
	bind_id(st, 6, m->next_poll);
	sqlite3_bind_int(st, 7, m->failures);
	bind_text(st, 8, m->last_result);
	return step_done(s, st, "mailbox state set", err);
}

/* ---- daemon state -------------------------------------------------- */

int
store_state_get(struct store *s, const char *name, char **value,
    struct derr *err)
{
	static const char sql[] = "SELECT value FROM daemon_state WHERE name = ?";
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*value = col_dup(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_err(s, err, "state");
}

int
store_state_set(struct store *s, const char *name, const char *value,
    int64_t now, struct derr *err)
{
	static const char sql[] = "INSERT INTO daemon_state (name, value, "
	    "updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE "
	    "SET value = ?2, updated_at = ?3";
	sqlite3_stmt	*st;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	bind_text(st, 1, name);
	bind_text(st, 2, value);
	sqlite3_bind_int64(st, 3, now);
	return step_done(s, st, "state set", err);
}

/* ---- mailbox state, backup, the daemon lock ------------------------ */

int
store_mailbox_last(struct store *s, int64_t *at, char **result,
    struct derr *err)
{
	static const char sql[] = "SELECT last_poll, last_result FROM "
	    "mailbox_state WHERE last_poll IS NOT NULL ORDER BY last_poll "
	    "DESC LIMIT 1";
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*at = sqlite3_column_int64(st, 0);
		*result = col_dup(st, 1);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_err(s, err, "mailbox state");
}

/* Copy every page of `s` into the open database `to`, in steps. */
static int
backup_copy(struct store *s, sqlite3 *to, struct derr *err)
{
	sqlite3_backup	*b;
	int		 rc;

	b = sqlite3_backup_init(to, "main", s->db, "main");
	if (b == NULL)
		return derr_set(err, DERR_DB, false, "%s", sqlite3_errmsg(to));
	do {
		rc = sqlite3_backup_step(b, 256);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(50);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return derr_set(err, DERR_DB, false, "%s", sqlite3_errstr(rc));
	/* One self-contained file: no -wal beside the copy. */
	if (sqlite3_exec(to, "PRAGMA journal_mode=DELETE", NULL, NULL,
	    NULL) != SQLITE_OK)
		return derr_set(err, DERR_DB, false, "%s", sqlite3_errmsg(to));
	return 0;
}

int
store_backup(struct store *s, const char *dest, bool force, struct derr *err)
{
	sqlite3		*to = NULL;
	char		*tmp;
	struct stat	 st;
	int		 r;

	if (!force && lstat(dest, &st) == 0)
		return derr_set(err, DERR_INPUT, false, "%s exists: not "
		    "overwritten (use --force to replace it)", dest);
	tmp = xasprintf("%s.tmp-%ld", dest, (long)getpid());
	(void)unlink(tmp);	/* a leftover of a killed backup, if any */
	if (sqlite3_open_v2(tmp, &to, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		r = derr_set(err, DERR_SYS, false, "%s: %s", tmp,
		    to ? sqlite3_errmsg(to) : "cannot open");
		goto out;
	}
	r = backup_copy(s, to, err);
	/*
	 * A copy taken mid-round lacks the round's results (they are in the
	 * journal): restored, its claimed rows must all count as maybe sent.
	 */
	if (r == 0 && sqlite3_exec(to, "UPDATE daemon_state SET value = '' "
	    "WHERE name = '" STATE_BOOT "'", NULL, NULL, NULL) != SQLITE_OK)
		r = derr_set(err, DERR_DB, false, "%s: %s", tmp,
		    sqlite3_errmsg(to));
out:
	if (to != NULL && sqlite3_close(to) != SQLITE_OK && r == 0)
		r = derr_set(err, DERR_DB, false, "close %s", tmp);
	if (r == 0 && rename(tmp, dest) < 0)
		r = derr_set(err, DERR_SYS, false, "rename %s to %s: %s", tmp,
		    dest, strerror(errno));
	if (r < 0) {
		(void)unlink(tmp);
		derr_prefix(err, "backup to %s", dest);
	}
	free(tmp);
	return r;
}

/* Read the pid a daemon wrote into its lock file; 0 if none yet. */
static long
lock_pid(int fd)
{
	char		 b[24];
	ssize_t		 n;
	long long	 v;

	n = pread(fd, b, sizeof(b) - 1, 0);
	if (n <= 0)
		return 0;
	b[n] = '\0';
	str_trim(b);
	return str_to_ll(b, 1, INT32_MAX, &v) == 0 ? (long)v : 0;
}

int
store_lock(const char *db, struct derr *err)
{
	char	*path = xasprintf("%s.lock", db);
	char	 b[24];
	long	 pid;
	int	 fd, n;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		derr_set(err, DERR_SYS, false, "lock %s: %s", path,
		    strerror(errno));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		pid = lock_pid(fd);
		derr_set(err, DERR_INPUT, true, "another dutyd (pid %ld) is "
		    "already running on %s (it holds %s): stop it first",
		    pid, db, path);
		close(fd);
		free(path);
		return -1;
	}
	free(path);
	n = snprintf(b, sizeof(b), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, b, (size_t)n, 0) != n) {
		derr_set(err, DERR_SYS, false, "lock %s.lock: %s", db,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
store_lock_owner(const char *db, long *pid, struct derr *err)
{
	char	*path = xasprintf("%s.lock", db);
	int	 fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		r = derr_set(err, DERR_SYS, false, "lock %s: %s", path,
		    strerror(errno));
	free(path);
	if (fd < 0)
		return r;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		(void)flock(fd, LOCK_UN);	/* nobody held it */
	else if (errno == EWOULDBLOCK) {
		*pid = lock_pid(fd);
		r = 1;
	} else
		r = derr_set(err, DERR_SYS, false, "lock %s.lock: %s", db,
		    strerror(errno));
	close(fd);
	return r;
}
