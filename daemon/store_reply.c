/*
 * store: replies by email, officers' answers to reminders (migration 010;
 * see store.h).
 */
#include "store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_int.h"
#include "util.h"

void
reply_token_clear(struct reply_token *t)
{
	if (t == NULL)
		return;
	free(t->token);
	free(t->message_id);
	free(t->kind);
	free(t->person);
	free(t->items);
	memset(t, 0, sizeof(*t));
}

int
store_reply_token_add(struct store *s, const struct reply_token *t,
    struct derr *err)
{
	static const char sql[] = "INSERT INTO reply_token (token, "
	    "message_id, kind, person, items, request_id, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
	sqlite3_stmt	*st;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, t->token);
	st_bind_text(st, 2, t->message_id);
	st_bind_text(st, 3, t->kind);
	st_bind_text(st, 4, t->person);
	st_bind_text(st, 5, t->items);
	if (t->request_id > 0)
		sqlite3_bind_int64(st, 6, t->request_id);
	sqlite3_bind_int64(st, 7, t->created_at);
	return st_step_done(s, st, "reply token add", err);
}

static int
token_row(struct store *s, const char *sql, const char *key,
    struct reply_token *out, struct derr *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->token = st_col_dup(st, 0);
		out->message_id = st_col_dup(st, 1);
		out->kind = st_col_dup(st, 2);
		out->person = st_col_dup(st, 3);
		out->items = st_col_dup(st, 4);
		out->request_id = sqlite3_column_int64(st, 5);
		out->created_at = sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return st_db_err(s, err, "reply token");
}

int
store_reply_token_get(struct store *s, const char *token,
    const char *message_id, struct reply_token *out, struct derr *err)
{
	static const char by_token[] = "SELECT token, message_id, kind, "
	    "person, items, coalesce(request_id, 0), created_at "
	    "FROM reply_token WHERE token = ?";
	static const char by_msgid[] = "SELECT token, message_id, kind, "
	    "person, items, coalesce(request_id, 0), created_at "
	    "FROM reply_token WHERE message_id = ?";
	char	*up;
	size_t	 i;
	int	 r = 0;

	if (token != NULL) {
		up = xstrdup(token);
		for (i = 0; up[i] != '\0'; i++)
			up[i] = (char)toupper((unsigned char)up[i]);
		r = token_row(s, by_token, up, out, err);
		free(up);
	}
	if (r == 0 && message_id != NULL)
		r = token_row(s, by_msgid, message_id, out, err);
	return r;
}

void
reply_row_clear(struct reply_row *r)
{
	if (r == NULL)
		return;
	free(r->message_id);
	free(r->from_addr);
	free(r->person);
	free(r->token);
	free(r->subject);
	free(r->verb);
	free(r->code);
	free(r->text);
	free(r->status);
	free(r->reason);
	free(r->decided_by);
	free(r->decided_mid);
	free(r->answer_to);
	free(r->answer_subject);
	free(r->answer_text);
	memset(r, 0, sizeof(*r));
}

void
reply_list_clear(struct reply_list *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		reply_row_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The code of measure `id`, or NULL (caller frees). */
static char *
measure_code(struct store *s, int64_t id)
{
	static const char sql[] = "SELECT code FROM measure WHERE id = ?";
	sqlite3_stmt	*st;
	struct derr	 err;
	char		*code = NULL;

	if ((st = st_prep(s, sql, &err)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		code = st_col_dup(st, 0);
	sqlite3_finalize(st);
	return code;
}

static int
reply_insert(struct store *s, const struct reply_row *r, int64_t *id,
    struct derr *err)
{
	static const char sql[] = "INSERT INTO reply (message_id, from_addr, "
	    "person, token, subject, received_at, verb, measure_id, text, "
	    "new_deadline, status, reason, answer_to, answer_subject, "
	    "answer_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?) ON CONFLICT (message_id) DO NOTHING";
	sqlite3_stmt	*st;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, r->message_id);
	st_bind_text(st, 2, r->from_addr);
	st_bind_text(st, 3, r->person);
	st_bind_text(st, 4, r->token);
	st_bind_text(st, 5, r->subject);
	sqlite3_bind_int64(st, 6, r->received_at);
	st_bind_text(st, 7, r->verb);
	if (r->measure_id > 0)
		sqlite3_bind_int64(st, 8, r->measure_id);
	st_bind_text(st, 9, r->text != NULL ? r->text : "");
	st_bind_day(st, 10, r->new_deadline);
	st_bind_text(st, 11, r->status);
	st_bind_text(st, 12, r->reason);
	st_bind_text(st, 13, r->answer_to);
	st_bind_text(st, 14, r->answer_subject);
	st_bind_text(st, 15, r->answer_text);
	if (st_step_done(s, st, "reply add", err) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	*id = sqlite3_last_insert_rowid(s->db);
	return 1;
}

/* One file: a reply_file row and, for an accepted answer, evidence. */
static int
file_insert(struct store *s, int64_t id, const struct reply_row *r,
    const char *code, const struct store_evidence *e, int64_t now,
    struct derr *err)
{
	static const char rf[] = "INSERT OR IGNORE INTO reply_file (reply_id, "
	    "hash, name, size) VALUES (?, ?, ?, ?)";
	static const char ev[] = "INSERT OR IGNORE INTO evidence_file "
	    "(measure_id, hash, name, size, who, at) VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3_stmt	*st;
	char		*after;
	int		 rc;

	if ((st = st_prep(s, rf, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	st_bind_text(st, 2, e->hash);
	st_bind_text(st, 3, e->name);
	sqlite3_bind_int64(st, 4, e->size);
	if (st_step_done(s, st, "reply file", err) < 0)
		return -1;
	if (code == NULL || strcmp(r->status, "refused") == 0)
		return 0;
	if ((st = st_prep(s, ev, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->measure_id);
	st_bind_text(st, 2, e->hash);
	st_bind_text(st, 3, e->name);
	sqlite3_bind_int64(st, 4, e->size);
	st_bind_text(st, 5, r->person);
	sqlite3_bind_int64(st, 6, now);
	if (st_step_done(s, st, "evidence", err) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	after = xasprintf("file=%s; size=%lld; sha256=%s; message_id=%s",
	    e->name, (long long)e->size, e->hash, r->message_id);
	rc = st_audit(s, r->person, now, "evidence.add", code, NULL, after,
	    err);
	free(after);
	return rc;
}

/* The audit rows of a new answer. */
static int
reply_audit(struct store *s, int64_t id, const struct reply_row *r,
    const char *code, int64_t now, struct derr *err)
{
	char	*after, obj[32], d[11];
	int	 rc;

	snprintf(obj, sizeof(obj), "reply:%lld", (long long)id);
	after = xasprintf("message_id=%s; from=%s; verb=%s; status=%s%s%s%s%s"
	    "%s%s", r->message_id, r->from_addr, r->verb ? r->verb : "-",
	    r->status, code ? "; measure=" : "", code ? code : "",
	    r->new_deadline != DAY_NONE ? "; to=" : "",
	    r->new_deadline != DAY_NONE ? day_format(r->new_deadline, d) : "",
	    r->reason ? "; reason=" : "", r->reason ? r->reason : "");
	rc = st_audit(s, r->person ? r->person : "mail", now, "reply.receive",
	    obj, NULL, after, err);
	free(after);
	if (rc < 0 || code == NULL || strcmp(r->status, "refused") == 0)
		return rc;
	/* The measure's own history: what the officer reported. */
	after = xasprintf("%s=%s; message_id=%s", r->verb, r->text,
	    r->message_id);
	rc = st_audit(s, r->person, now, strcmp(r->verb, "progress") == 0 ?
	    "measure.progress" : "measure.request", code, NULL, after, err);
	free(after);
	return rc;
}

int
store_reply_add(struct store *s, const struct reply_row *r,
    const struct store_evidence *files, size_t n, int64_t now, int64_t *id,
    struct derr *err)
{
	char	*code = NULL;
	size_t	 i;
	int	 rc;

	if (store_begin(s, err) < 0)
		return -1;
	if ((rc = reply_insert(s, r, id, err)) <= 0) {
		store_rollback(s);
		return rc;
	}
	if (r->measure_id > 0)
		code = measure_code(s, r->measure_id);
	for (i = 0; rc >= 0 && i < n; i++)
		rc = file_insert(s, *id, r, code, &files[i], now, err);
	if (rc >= 0)
		rc = reply_audit(s, *id, r, code, now, err);
	free(code);
	if (rc < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err) < 0 ? -1 : 1;
}

#define REPLY_COLS "r.id, r.message_id, r.from_addr, r.person, r.token, " \
	"r.subject, r.received_at, r.verb, coalesce(r.measure_id, 0), " \
	"m.code, r.text, r.new_deadline, r.status, r.reason, r.decided_by, " \
	"coalesce(r.decided_at, 0), r.decided_mid, r.answer_to, " \
	"r.answer_subject, r.answer_text, r.answered, r.asked, " \
	"(SELECT count(*) FROM reply_file f WHERE f.reply_id = r.id) " \
	"FROM reply r LEFT JOIN measure m ON m.id = r.measure_id "

static void
row_read(sqlite3_stmt *st, struct reply_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->message_id = st_col_dup(st, 1);
	r->from_addr = st_col_dup(st, 2);
	r->person = st_col_dup(st, 3);
	r->token = st_col_dup(st, 4);
	r->subject = st_col_dup(st, 5);
	r->received_at = sqlite3_column_int64(st, 6);
	r->verb = st_col_dup(st, 7);
	r->measure_id = sqlite3_column_int64(st, 8);
	r->code = st_col_dup(st, 9);
	r->text = st_col_dup(st, 10);
	r->new_deadline = st_col_day(st, 11);
	r->status = st_col_dup(st, 12);
	r->reason = st_col_dup(st, 13);
	r->decided_by = st_col_dup(st, 14);
	r->decided_at = sqlite3_column_int64(st, 15);
	r->decided_mid = st_col_dup(st, 16);
	r->answer_to = st_col_dup(st, 17);
	r->answer_subject = st_col_dup(st, 18);
	r->answer_text = st_col_dup(st, 19);
	r->answered = sqlite3_column_int(st, 20) != 0;
	r->asked = sqlite3_column_int(st, 21) != 0;
	r->nfiles = sqlite3_column_int(st, 22);
}

int
store_reply_get(struct store *s, int64_t id, struct reply_row *out,
    struct derr *err)
{
	static const char sql[] = "SELECT " REPLY_COLS "WHERE r.id = ?";
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		row_read(st, out);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : st_db_err(s, err, "reply");
}

int
store_reply_list(struct store *s, const struct reply_filter *f,
    struct reply_list *out, struct derr *err)
{
	static const char sql[] = "SELECT " REPLY_COLS "WHERE "
	    "(?1 IS NULL OR r.status = ?1) AND (?2 IS NULL OR m.code = ?2) "
	    "AND r.received_at >= ?3 AND (?4 = 0 OR (r.answer_text IS NOT "
	    "NULL AND r.answered = 0) OR (r.status = 'pending' AND "
	    "r.asked = 0)) ORDER BY r.id";
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, f->status);
	st_bind_text(st, 2, f->code);
	sqlite3_bind_int64(st, 3, f->since);
	sqlite3_bind_int(st, 4, f->outgoing);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		row_read(st, &out->v[out->n++]);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : st_db_err(s, err, "reply list");
}

int
store_reply_pending(struct store *s, int64_t measure_id, int64_t *id,
    struct derr *err)
{
	static const char sql[] = "SELECT id FROM reply WHERE measure_id = ? "
	    "AND status = 'pending' ORDER BY id LIMIT 1";
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, measure_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : st_db_err(s, err, "reply pending");
}

int
store_reply_answers_since(struct store *s, const char *person, int64_t since,
    struct derr *err)
{
	static const char sql[] = "SELECT count(*) FROM reply WHERE "
	    "answer_to = ? AND received_at >= ?";
	sqlite3_stmt	*st;
	int		 rc, n = 0;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, person);
	sqlite3_bind_int64(st, 2, since);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? n : st_db_err(s, err, "reply answers");
}

int
store_reply_mark(struct store *s, int64_t id, bool asked, struct derr *err)
{
	static const char ans[] = "UPDATE reply SET answered = 1 WHERE id = ?";
	static const char ask[] = "UPDATE reply SET asked = 1 WHERE id = ?";
	sqlite3_stmt	*st;

	if ((st = st_prep(s, asked ? ask : ans, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return st_step_done(s, st, "reply mark", err);
}

int
store_reply_decide(struct store *s, int64_t id, bool approve,
    const char *who, const char *mid, const char *reason,
    const char *answer_to, const char *answer_subject,
    const char *answer_text, int64_t now, struct derr *err)
{
	static const char sql[] = "UPDATE reply SET status = ?, reason = ?, "
	    "decided_by = ?, decided_at = ?, decided_mid = ?, answer_to = ?, "
	    "answer_subject = ?, answer_text = ?, answered = 0 "
	    "WHERE id = ? AND status = 'pending'";
	sqlite3_stmt	*st;
	char		 obj[32], *after;
	int		 rc;

	if (store_begin(s, err) < 0)
		return -1;
	if ((st = st_prep(s, sql, err)) == NULL) {
		store_rollback(s);
		return -1;
	}
	st_bind_text(st, 1, approve ? "approved" : "rejected");
	st_bind_text(st, 2, reason);
	st_bind_text(st, 3, who);
	sqlite3_bind_int64(st, 4, now);
	st_bind_text(st, 5, mid);
	st_bind_text(st, 6, answer_to);
	st_bind_text(st, 7, answer_subject);
	st_bind_text(st, 8, answer_text);
	sqlite3_bind_int64(st, 9, id);
	if (st_step_done(s, st, "reply decide", err) < 0) {
		store_rollback(s);
		return -1;
	}
	if (sqlite3_changes(s->db) == 0) {
		store_rollback(s);
		return 0;
	}
	snprintf(obj, sizeof(obj), "reply:%lld", (long long)id);
	after = xasprintf("status=%s%s%s; message_id=%s", approve ?
	    "approved" : "rejected", reason ? "; reason=" : "",
	    reason ? reason : "", mid ? mid : "-");
	rc = st_audit(s, who, now, approve ? "reply.approve" : "reply.reject",
	    obj, "status=pending", after, err);
	free(after);
	if (rc < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err) < 0 ? -1 : 1;
}
