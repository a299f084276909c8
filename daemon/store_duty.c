/*
 * store: standing duties: occurrences, counts per period and the records of
 * closed periods.
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
	o->duty = st_col_dup(st, 1);
	o->person = st_col_dup(st, 2);
	o->target = st_col_dup(st, 3);
	o->day = st_col_day(st, 4);
	o->period = st_col_dup(st, 5);
	o->note = st_col_dup(st, 6);
	o->evidence = st_col_dup(st, 7);
	o->logged_by = st_col_dup(st, 8);
	o->logged_at = sqlite3_column_int64(st, 9);
	o->late_reason = st_col_dup(st, 10);
	o->removed_at = sqlite3_column_int64(st, 11);
	o->removed_reason = st_col_dup(st, 12);
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
	if ((st = st_prep(s, sql, err)) == NULL)
		goto fail;
	st_bind_text(st, 1, o->duty);
	st_bind_text(st, 2, o->person);
	st_bind_text(st, 3, o->target ? o->target : "");
	st_bind_day(st, 4, o->day);
	st_bind_text(st, 5, o->period);
	st_bind_text(st, 6, o->note ? o->note : "");
	st_bind_text(st, 7, o->evidence ? o->evidence : "");
	st_bind_text(st, 8, who);
	sqlite3_bind_int64(st, 9, now);
	st_bind_text(st, 10, o->late_reason);
	if (st_step_done(s, st, "occurrence", err) < 0)
		goto fail;
	*id = sqlite3_last_insert_rowid(s->db);
	snprintf(obj, sizeof(obj), "occurrence:%lld", (long long)*id);
	after = occurrence_text(o);
	if (st_audit(s, who, now, "duty.log", obj, NULL, after, err) < 0) {
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
	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_occurrence(st, o);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_db_err(s, err, "occurrence");
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
	if ((st = st_prep(s, sql, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	st_bind_text(st, 2, reason);
	sqlite3_bind_int64(st, 3, id);
	if (st_step_done(s, st, "occurrence", err) < 0 ||
	    st_audit(s, who, now, "duty.unlog", obj, before, reason, err) < 0)
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
	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, duty);
	st_bind_day(st, 2, from);
	st_bind_day(st, 3, to);
	sqlite3_bind_int(st, 4, removed);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		row_occurrence(st, &out->v[out->n++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return st_db_err(s, err, "occurrence list");
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

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_day(st, 1, start);
	st_bind_day(st, 2, end);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t = tally_new(out);
		t->duty = st_col_dup(st, 0);
		t->person = st_col_dup(st, 1);
		t->target = st_col_dup(st, 2);
		snprintf(t->period, sizeof(t->period), "%s", period);
		t->start = start;
		t->end = end;
		t->done = sqlite3_column_int(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return st_db_err(s, err, "duty counts");
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

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_day(st, 1, from);
	st_bind_day(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t = tally_new(out);
		t->duty = st_col_dup(st, 0);
		t->person = st_col_dup(st, 1);
		t->target = st_col_dup(st, 2);
		snprintf(t->period, sizeof(t->period), "%s",
		    (const char *)sqlite3_column_text(st, 3));
		t->start = st_col_day(st, 4);
		t->end = st_col_day(st, 5);
		t->done = sqlite3_column_int(st, 6);
		t->required = sqlite3_column_int(st, 7);
		t->title = st_col_dup(st, 8);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return st_db_err(s, err, "duty periods");
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
		if ((st = st_prep(s, sql, err)) == NULL)
			goto fail;
		st_bind_text(st, 1, t->duty);
		st_bind_text(st, 2, t->person);
		st_bind_text(st, 3, t->target);
		st_bind_text(st, 4, t->period);
		st_bind_day(st, 5, t->start);
		st_bind_day(st, 6, t->end);
		st_bind_text(st, 7, t->title ? t->title : t->duty);
		sqlite3_bind_int(st, 8, t->done);
		sqlite3_bind_int(st, 9, t->required);
		sqlite3_bind_int64(st, 10, now);
		if (st_step_done(s, st, "duty period", err) < 0)
			goto fail;
		added += sqlite3_changes(s->db);
	}
	return store_commit(s, err) < 0 ? -1 : added;
fail:
	store_rollback(s);
	return -1;
}
