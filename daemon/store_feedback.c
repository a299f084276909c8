/*
 * store: the feedback mailbox: messages, their handling and the mailbox state.
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
	return st_name_index(feedback_names, sizeof(feedback_names) /
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
	free(f->content_hash);
	free(f->kind);
	free(f->closed_reason);
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

/* Is `f` a message stored before 005 (no content hash)?  1, 0, -1. */
static int
legacy_dup(struct store *s, const struct feedback *f, struct derr *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (f->message_id == NULL && f->header_hash == NULL)
		return 0;
	if ((st = st_cached(s, f->message_id != NULL ?
	    STMT_FEEDBACK_LEGACY_MID : STMT_FEEDBACK_LEGACY_HDR, err)) == NULL)
		return -1;
	st_bind_text(st, 1, f->message_id != NULL ? f->message_id :
	    f->header_hash);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st_db_err(s, err, "feedback duplicate check");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
store_feedback_insert(struct store *s, const struct feedback *f,
    const char *who, int64_t now, int64_t *id, struct derr *err)
{
	sqlite3_stmt	*st;
	char		*obj, *after;
	int		 r;

	if (f->source != NULL && strcmp(f->source, "imap") == 0 &&
	    (r = legacy_dup(s, f, err)) != 0)
		return r < 0 ? -1 : 0;
	if ((st = st_cached(s, STMT_FEEDBACK_INSERT, err)) == NULL)
		return -1;
	st_bind_text(st, 1, f->source);
	bind_id(st, 2, f->uidvalidity);
	bind_id(st, 3, f->uid);
	st_bind_text(st, 4, f->message_id);
	st_bind_text(st, 5, f->header_hash);
	st_bind_text(st, 6, f->sender ? f->sender : "");
	st_bind_text(st, 7, f->subject ? f->subject : "");
	bind_id(st, 8, f->date);
	sqlite3_bind_int(st, 9, f->date_flagged);
	st_bind_text(st, 10, f->excerpt ? f->excerpt : "");
	st_bind_text(st, 11, f->attachments ? f->attachments : "");
	st_bind_text(st, 12, f->note);
	bind_id(st, 13, f->size);
	sqlite3_bind_int64(st, 14, f->received_at);
	st_bind_text(st, 15, f->content_hash);
	st_bind_text(st, 16, f->kind != NULL ? f->kind : "citizen");
	if (st_step_kept(s, st, "feedback insert", err) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	*id = sqlite3_last_insert_rowid(s->db);
	obj = xasprintf("feedback:%lld", (long long)*id);
	after = xasprintf("source=%s; from=%s; subject=%s", f->source,
	    f->sender ? f->sender : "", f->subject ? f->subject : "");
	r = st_audit(s, who, now, "feedback.add", obj, NULL, after, err);
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
    "answered_by, received_at, kind, closed_reason FROM feedback ";

static void
row_feedback(sqlite3_stmt *st, struct feedback *f)
{
	const unsigned char	*t;
	int			 k;

	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(st, 0);
	f->source = st_col_dup(st, 1);
	f->uidvalidity = sqlite3_column_int64(st, 2);
	f->uid = sqlite3_column_int64(st, 3);
	f->message_id = st_col_dup(st, 4);
	f->header_hash = st_col_dup(st, 5);
	f->sender = st_col_dup(st, 6);
	f->subject = st_col_dup(st, 7);
	f->date = sqlite3_column_int64(st, 8);
	f->date_flagged = sqlite3_column_int(st, 9) != 0;
	f->excerpt = st_col_dup(st, 10);
	f->attachments = st_col_dup(st, 11);
	f->note = st_col_dup(st, 12);
	f->size = sqlite3_column_int64(st, 13);
	t = sqlite3_column_text(st, 14);
	k = t != NULL ? feedback_status_parse((const char *)t) : -1;
	f->status = k < 0 ? FEEDBACK_NEW : (enum feedback_status)k;
	f->assignee = st_col_dup(st, 15);
	f->answer_deadline = st_col_day(st, 16);
	f->answer = st_col_dup(st, 17);
	f->assigned_at = sqlite3_column_int64(st, 18);
	f->answered_at = sqlite3_column_int64(st, 19);
	f->answered_by = st_col_dup(st, 20);
	f->received_at = sqlite3_column_int64(st, 21);
	f->kind = st_col_dup(st, 22);
	f->closed_reason = st_col_dup(st, 23);
}

int
store_feedback_get(struct store *s, int64_t id, struct feedback *out,
    struct derr *err)
{
	sqlite3_stmt	*st;
	char		*sql;
	int		 rc;

	sql = xasprintf("%sWHERE id = ?", feedback_cols);
	st = st_prep(s, sql, err);
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
	return st_db_err(s, err, "feedback get");
}

int
store_feedback_list(struct store *s, const struct feedback_filter *f,
    struct feedback_list *out, struct derr *err)
{
	static const char where[] =
	    "WHERE (?1 IS NULL OR status = ?1) AND received_at >= ?2 "
	    "AND (?3 IS NULL OR (status IN ('new', 'assigned') AND "
	    "answer_deadline IS NOT NULL AND answer_deadline < ?3)) "
	    "AND (?5 = 0 OR kind = 'citizen') "
	    "ORDER BY received_at, id LIMIT ?4";
	sqlite3_stmt	*st;
	char		*sql;
	int		 rc;

	sql = xasprintf("%s%s", feedback_cols, where);
	st = st_prep(s, sql, err);
	free(sql);
	if (st == NULL)
		return -1;
	st_bind_text(st, 1, f->status < 0 ? NULL :
	    feedback_status_name((enum feedback_status)f->status));
	sqlite3_bind_int64(st, 2, f->since);
	st_bind_day(st, 3, f->overdue_on);
	sqlite3_bind_int(st, 4, f->limit > 0 ? f->limit : -1);
	sqlite3_bind_int(st, 5, f->citizen_only);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		row_feedback(st, &out->v[out->n++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return st_db_err(s, err, "feedback list");
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
	if ((st = st_prep(s, sql, err)) != NULL) {
		st_bind_text(st, 1, assignee);
		st_bind_day(st, 2, deadline);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_int64(st, 4, id);
		r = st_step_done(s, st, "feedback assign", err);
	}
	if (r == 0)
		r = st_audit(s, who, now, "feedback.assign", obj, before, after,
		    err);
	free(obj);
	free(before);
	free(after);
	return r < 0 ? -1 : 1;
}

/*
 * Settle feedback `id`: answered with `text` (the answer), or closed with
 * `text` (the reason); audited as feedback.answer / feedback.close.
 */
static int
feedback_settle_tx(struct store *s, int64_t id, bool closed,
    const char *text, const char *who, int64_t now, struct derr *err)
{
	static const char answer_sql[] =
	    "UPDATE feedback SET status = 'answered', answer = ?, "
	    "answered_at = ?, answered_by = ? WHERE id = ?";
	static const char close_sql[] =
	    "UPDATE feedback SET status = 'closed', closed_reason = ?, "
	    "answered_at = ?, answered_by = ? WHERE id = ?";
	struct feedback	 f;
	sqlite3_stmt	*st;
	char		*before, *after, *obj;
	int		 r = -1;

	if (feedback_for_change(s, id, &f, err) < 0)
		return -1;
	before = feedback_describe(&f);
	feedback_clear(&f);
	after = closed ? xasprintf("status=closed; reason=%s", text) :
	    xasprintf("status=answered; answer=%s", text);
	obj = xasprintf("feedback:%lld", (long long)id);
	if ((st = st_prep(s, closed ? close_sql : answer_sql, err)) != NULL) {
		st_bind_text(st, 1, text);
		sqlite3_bind_int64(st, 2, now);
		st_bind_text(st, 3, who);
		sqlite3_bind_int64(st, 4, id);
		r = st_step_done(s, st, closed ? "feedback close" :
		    "feedback answer", err);
	}
	if (r == 0)
		r = st_audit(s, who, now, closed ? "feedback.close" :
		    "feedback.answer", obj, before, after, err);
	free(obj);
	free(before);
	free(after);
	return r < 0 ? -1 : 1;
}

/* One change in its own transaction. */
static int
feedback_tx_end(struct store *s, int r, struct derr *err)
{
	if (r < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err) < 0 ? -1 : r;
}

int
store_feedback_assign(struct store *s, int64_t id, const char *assignee,
    int32_t deadline, const char *who, int64_t now, struct derr *err)
{
	if (store_begin(s, err) < 0)
		return -1;
	return feedback_tx_end(s, feedback_assign_tx(s, id, assignee,
	    deadline, who, now, err), err);
}

int
store_feedback_answer(struct store *s, int64_t id, const char *answer,
    const char *who, int64_t now, struct derr *err)
{
	if (store_begin(s, err) < 0)
		return -1;
	return feedback_tx_end(s, feedback_settle_tx(s, id, false, answer,
	    who, now, err), err);
}

static int
feedback_spam_tx(struct store *s, int64_t id, const char *who, int64_t now,
    struct derr *err)
{
	static const char sql[] =
	    "UPDATE feedback SET kind = 'spam' WHERE id = ?";
	struct feedback	 f;
	sqlite3_stmt	*st;
	char		*before, *obj;
	int		 r;

	if ((r = store_feedback_get(s, id, &f, err)) <= 0)
		return r < 0 ? -1 : derr_set(err, DERR_INPUT, false,
		    "no feedback %lld", (long long)id);
	if (f.kind != NULL && strcmp(f.kind, "spam") == 0) {
		feedback_clear(&f);
		return 0;
	}
	before = xasprintf("kind=%s", f.kind != NULL ? f.kind : "citizen");
	feedback_clear(&f);
	obj = xasprintf("feedback:%lld", (long long)id);
	r = -1;
	if ((st = st_prep(s, sql, err)) != NULL) {
		sqlite3_bind_int64(st, 1, id);
		r = st_step_done(s, st, "feedback spam", err);
	}
	if (r == 0)
		r = st_audit(s, who, now, "feedback.spam", obj, before,
		    "kind=spam", err);
	free(obj);
	free(before);
	return r < 0 ? -1 : 1;
}

int
store_feedback_close(struct store *s, int64_t id, const char *reason,
    const char *who, int64_t now, struct derr *err)
{
	if (store_begin(s, err) < 0)
		return -1;
	return feedback_tx_end(s, feedback_settle_tx(s, id, true, reason,
	    who, now, err), err);
}

int
store_feedback_spam(struct store *s, int64_t id, const char *who,
    int64_t now, struct derr *err)
{
	if (store_begin(s, err) < 0)
		return -1;
	return feedback_tx_end(s, feedback_spam_tx(s, id, who, now, err),
	    err);
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
	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, mailbox);
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
	return st_db_err(s, err, "mailbox state");
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

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, mailbox);
	sqlite3_bind_int64(st, 2, m->uidvalidity);
	sqlite3_bind_int64(st, 3, m->last_uid);
	bind_id(st, 4, m->last_poll);
	bind_id(st, 5, m->last_ok);
	bind_id(st, 6, m->next_poll);
	sqlite3_bind_int(st, 7, m->failures);
	st_bind_text(st, 8, m->last_result);
	return st_step_done(s, st, "mailbox state set", err);
}
