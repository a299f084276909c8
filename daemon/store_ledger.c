/*
 * store: the ledger: problems and measures, their owners, sign-off, 延期,
 * evidence files, and the import with its per-field baseline (migration 007).
 * Shares the connection and helpers of store_int.h.
 */
#include "store.h"
#include "store_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "journal.h"
#include "util.h"

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
	m->problem_code = st_col_dup(st, 1);
	m->problem_title = st_col_dup(st, 2);
	m->code = st_col_dup(st, 3);
	m->text = st_col_dup(st, 4);
	t = sqlite3_column_text(st, 5);
	k = t ? measure_kind_parse((const char *)t) : -1;
	m->kind = k < 0 ? MEASURE_DEADLINE : (enum measure_kind)k;
	m->deadline = st_col_day(st, 6);
	t = sqlite3_column_text(st, 7);
	m->status = t && strcmp((const char *)t, "done") == 0 ?
	    MEASURE_DONE : MEASURE_OPEN;
	m->done_at = sqlite3_column_int64(st, 8);
	m->evidence = st_col_dup(st, 9);
	m->closed_by = st_col_dup(st, 10);
	m->reopened = sqlite3_column_int(st, 11);
	split_owners((const char *)sqlite3_column_text(st, 12), &m->owners);
	m->extended_from = st_col_day(st, 13);
	m->extension_reason = st_col_dup(st, 14);
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
	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	if (code != NULL)
		st_bind_text(st, 1, code);
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
	return st_db_err(s, err, "measure get");
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
	r->deadline = st_col_day(st, 1);
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

	if ((st = st_prep(s, msql, err)) == NULL)
		return -1;
	if ((own = st_prep(s, osql, err)) == NULL) {
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
		return st_db_err(s, err, "measure owners scan");
	if (!stop && rc != SQLITE_DONE)
		return st_db_err(s, err, "measure scan");
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
	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, f->owner);
	st_bind_text(st, 2, f->problem);
	st_bind_text(st, 3, f->status < 0 ? NULL :
	    measure_status_name((enum measure_status)f->status));
	st_bind_day(st, 4, f->due_before);
	sqlite3_bind_int(st, 5, f->with_deadline);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		row_measure(st, &out->v[out->n++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return st_db_err(s, err, "measure list");
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

	if ((st = st_prep(s, ins, err)) == NULL)
		return -1;
	st_bind_text(st, 1, code);
	st_bind_text(st, 2, title ? title : "");
	if (st_step_done(s, st, "problem", err) < 0)
		return -1;
	if ((st = st_prep(s, sel, err)) == NULL)
		return -1;
	st_bind_text(st, 1, code);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return st_db_err(s, err, "problem id");
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

	if ((st = st_prep(s, del, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, mid);
	if (st_step_done(s, st, "owners", err) < 0)
		return -1;
	for (i = 0; i < owners->n; i++) {
		if ((st = st_prep(s, ins, err)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, mid);
		st_bind_text(st, 2, owners->v[i]);
		sqlite3_bind_int(st, 3, (int)i);
		if (st_step_done(s, st, "owner", err) < 0)
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
	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	st_bind_text(st, 2, m->code);
	st_bind_text(st, 3, m->text);
	st_bind_text(st, 4, measure_kind_name(m->kind));
	st_bind_day(st, 5, m->deadline);
	st_bind_text(st, 6, measure_status_name(m->status));
	if (done)
		sqlite3_bind_int64(st, 7, m->done_at ? m->done_at : now);
	st_bind_text(st, 8, done ? (m->evidence ? m->evidence : "") : NULL);
	st_bind_text(st, 9, done ? (m->closed_by ? m->closed_by : who) : NULL);
	sqlite3_bind_int64(st, 10, now);
	sqlite3_bind_int64(st, 11, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		if ((sqlite3_extended_errcode(s->db)) ==
		    SQLITE_CONSTRAINT_UNIQUE)
			return derr_set(err, DERR_INPUT, false,
			    "measure %s already exists", m->code);
		return st_db_err(s, err, "measure add");
	}
	sqlite3_finalize(st);
	if (owners_set(s, sqlite3_last_insert_rowid(s->db), &m->owners,
	    err) < 0)
		return -1;
	after = measure_describe(m);
	r = st_audit(s, who, now, "measure.add", m->code, NULL, after, err);
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
	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, m->text);
	st_bind_text(st, 2, measure_kind_name(m->kind));
	st_bind_day(st, 3, m->deadline);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, old->id);
	if (st_step_done(s, st, "measure edit", err) < 0 ||
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
	r = st_audit(s, who, now, "measure.edit", old->code, before, after, err);
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
	if ((st = st_prep(s, done ? close_sql : open_sql, err)) == NULL) {
		measure_clear(&old);
		return -1;
	}
	if (done) {
		sqlite3_bind_int64(st, 1, now);
		st_bind_text(st, 2, text);
		st_bind_text(st, 3, who);
		sqlite3_bind_int64(st, 4, now);
		st_bind_text(st, 5, code);
	} else {
		sqlite3_bind_int64(st, 1, now);
		st_bind_text(st, 2, code);
	}
	before = measure_describe(&old);
	measure_clear(&old);
	after = done ? xasprintf("status=done; evidence=%s", text) :
	    xasprintf("status=open; reason=%s", text);
	r = st_step_done(s, st, "measure status", err);
	if (r == 0)
		r = st_audit(s, who, now, done ? "measure.done" : "measure.reopen",
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

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, mid);
	st_bind_text(st, 2, e->hash);
	st_bind_text(st, 3, e->name);
	sqlite3_bind_int64(st, 4, e->size);
	st_bind_text(st, 5, who);
	sqlite3_bind_int64(st, 6, now);
	if (st_step_done(s, st, "evidence", err) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	after = xasprintf("file=%s; size=%lld; sha256=%s", e->name,
	    (long long)e->size, e->hash);
	r = st_audit(s, who, now, "evidence.add", code, NULL, after, err);
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

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, code);
	st_bind_text(st, 2, hash);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		e = &out->v[out->n++];
		memset(e, 0, sizeof(*e));
		e->code = st_col_dup(st, 0);
		snprintf(e->hash, sizeof(e->hash), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		e->name = st_col_dup(st, 2);
		e->size = sqlite3_column_int64(st, 3);
		e->who = st_col_dup(st, 4);
		e->at = sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return st_db_err(s, err, "evidence list");
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

	if ((st = st_prep(s, ins, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, m->id);
	st_bind_day(st, 2, m->deadline);
	st_bind_day(st, 3, to);
	st_bind_text(st, 4, reason);
	st_bind_text(st, 5, approved_by);
	st_bind_text(st, 6, who);
	sqlite3_bind_int64(st, 7, now);
	if (st_step_done(s, st, "extension", err) < 0 ||
	    (st = st_prep(s, upd, err)) == NULL)
		return -1;
	st_bind_day(st, 1, to);
	st_bind_day(st, 2, m->deadline);
	st_bind_text(st, 3, reason);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, m->id);
	return st_step_done(s, st, "measure extend", err);
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
		r = st_audit(s, who, now, "measure.extend", code, NULL, after,
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
	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, mid);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		b->found = true;
		b->text = st_col_dup(st, 0);
		k = measure_kind_parse((const char *)sqlite3_column_text(st, 1));
		b->kind = k < 0 ? MEASURE_DEADLINE : (enum measure_kind)k;
		b->deadline = st_col_day(st, 2);
		b->owners = st_col_dup(st, 3);
		b->status = strcmp((const char *)sqlite3_column_text(st, 4),
		    "done") == 0 ? MEASURE_DONE : MEASURE_OPEN;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_db_err(s, err, "import base");
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

	if ((st = st_prep(s, sql, err)) == NULL) {
		free(owners);
		return -1;
	}
	sqlite3_bind_int64(st, 1, mid);
	st_bind_text(st, 2, m->text);
	st_bind_text(st, 3, measure_kind_name(m->kind));
	st_bind_day(st, 4, m->deadline);
	st_bind_text(st, 5, owners);
	st_bind_text(st, 6, measure_status_name(m->status));
	st_bind_text(st, 7, source);
	sqlite3_bind_int64(st, 8, now);
	free(owners);
	return st_step_done(s, st, "import base", err);
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
	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, code);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*who = st_col_dup(st, 0);
		*at = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_db_err(s, err, "audit");
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
		rc = st_audit(s, who, now, "ledger.import", source, NULL, after,
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
