/*
 * store: the outbox: queueing, the drain round (claim, the progress journal,
 * results applied at its end, recovery after a crash) and paused channels.
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
int
st_name_index(const char *const *names, size_t n, const char *s)
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
	return st_name_index(outbox_names, sizeof(outbox_names) /
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
	free(r->reply_token);
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

/*
 * The reply token lives in reply_token (migration 010), keyed by the
 * Message-ID of the email that carries it: a row read back carries it
 * too, so an email built when sent has its token and Reply-To.
 */
static const char outbox_cols[] =
    "SELECT id, key, kind, channel, person, recipient, recipient_name, "
    "subject, body_text, body_html, message_id, status, attempts, "
    "maybe_dup, created_at, first_attempt_at, next_attempt_at, sent_at, "
    "last_error, provider_id, message, (SELECT t.token FROM reply_token t "
    "WHERE t.message_id = outbox.message_id AND outbox.channel = 'email') "
    "FROM outbox LEFT JOIN outbox_body USING (id) ";

static void
row_outbox(sqlite3_stmt *st, struct outbox_row *r)
{
	size_t	 n;
	int	 k;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->key = st_col_dup(st, 1);
	r->kind = st_col_dup(st, 2);
	r->channel = st_col_dup(st, 3);
	r->person = st_col_dup(st, 4);
	r->recipient = st_col_dup(st, 5);
	r->recipient_name = st_col_dup(st, 6);
	r->subject = st_col_dup(st, 7);
	r->body_text = st_col_dup(st, 8);
	r->body_html = st_col_dup(st, 9);
	r->message_id = st_col_dup(st, 10);
	k = outbox_status_parse((const char *)sqlite3_column_text(st, 11));
	r->status = k < 0 ? OUTBOX_PENDING : (enum outbox_status)k;
	r->attempts = sqlite3_column_int(st, 12);
	r->maybe_dup = sqlite3_column_int(st, 13) != 0;
	r->created_at = sqlite3_column_int64(st, 14);
	r->first_attempt_at = sqlite3_column_int64(st, 15);
	r->next_attempt_at = sqlite3_column_int64(st, 16);
	r->sent_at = sqlite3_column_int64(st, 17);
	r->last_error = st_col_dup(st, 18);
	r->provider_id = st_col_dup(st, 19);
	if (sqlite3_column_type(st, 20) == SQLITE_BLOB &&
	    (n = (size_t)sqlite3_column_bytes(st, 20)) > 0) {
		r->message = xmalloc(n + 1);
		memcpy(r->message, sqlite3_column_blob(st, 20), n);
		r->message[n] = '\0';
		r->message_len = n;
	}
	r->reply_token = st_col_dup(st, 21);
}

static int
outbox_query(struct store *s, const char *where, int64_t a, int64_t b,
    struct outbox_list *out, struct derr *err)
{
	char		 sql[1024];
	sqlite3_stmt	*st;
	int		 rc;

	snprintf(sql, sizeof(sql), "%s%s", outbox_cols, where);
	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		row_outbox(st, &out->v[out->n++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return st_db_err(s, err, "outbox");
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

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, key);
	st_bind_text(st, 2, person);
	st_bind_text(st, 3, channel);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return st_db_err(s, err, "notif");
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

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, key);
	st_bind_text(st, 2, person);
	st_bind_text(st, 3, channel);
	sqlite3_bind_int64(st, 4, outbox_id);
	sqlite3_bind_int64(st, 5, now);
	return st_step_done(s, st, "notif add", err);
}

/* The row's content, in the caller's savepoint (migration 004: why). */
static int
outbox_body_insert(struct store *s, const struct outbox_row *r, int64_t id,
    struct derr *err)
{
	static const char sql[] = "INSERT INTO outbox_body (id, subject, "
	    "body_text, body_html, message) VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt	*st;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	st_bind_text(st, 2, r->subject ? r->subject : "");
	st_bind_text(st, 3, r->body_text ? r->body_text : "");
	st_bind_text(st, 4, r->body_html);
	if (r->message != NULL)
		sqlite3_bind_blob(st, 5, r->message, (int)r->message_len,
		    SQLITE_STATIC);
	return st_step_done(s, st, "outbox insert", err);
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

	if (st_exec_sql(s, "SAVEPOINT outbox_insert", err) < 0)
		return -1;
	if ((st = st_prep(s, sql, err)) == NULL)
		goto fail;
	st_bind_text(st, 1, r->key);
	st_bind_text(st, 2, r->kind);
	st_bind_text(st, 3, r->channel);
	st_bind_text(st, 4, r->person);
	st_bind_text(st, 5, r->recipient);
	st_bind_text(st, 6, r->recipient_name ? r->recipient_name : "");
	st_bind_text(st, 7, r->message_id);
	sqlite3_bind_int64(st, 8, r->created_at);
	sqlite3_bind_int64(st, 9, r->next_attempt_at);
	if (st_step_done(s, st, "outbox insert", err) < 0)
		goto fail;
	if (sqlite3_changes(s->db) == 0)
		return st_exec_sql(s, "RELEASE outbox_insert", err) < 0 ? -1 : 0;
	rowid = sqlite3_last_insert_rowid(s->db);
	if (outbox_body_insert(s, r, rowid, err) < 0 ||
	    st_exec_sql(s, "RELEASE outbox_insert", err) < 0)
		goto fail;
	*id = rowid;
	return 1;
fail:
	(void)st_exec_sql(s, "ROLLBACK TO outbox_insert; RELEASE outbox_insert",
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
store_outbox_bounced(struct store *s, const char *message_id,
    const char *recipient, int64_t *id, struct derr *err)
{
	static const char sql[] = "SELECT id FROM outbox WHERE channel = "
	    "'email' AND status = 'sent' AND (?1 IS NULL OR message_id = ?1) "
	    "AND (?2 IS NULL OR recipient = ?2 COLLATE NOCASE) "
	    "ORDER BY sent_at DESC, id DESC LIMIT 1";
	sqlite3_stmt	*st;
	int		 rc;

	if (message_id == NULL && recipient == NULL)
		return 0;
	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, message_id);
	st_bind_text(st, 2, recipient);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : st_db_err(s, err, "outbox");
}

int
store_outbox_next(struct store *s, int64_t *at, struct derr *err)
{
	static const char sql[] = "SELECT min(next_attempt_at) FROM outbox "
	    "WHERE status IN ('pending', 'failed')";
	sqlite3_stmt	*st;
	int		 rc, found = 0;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*at = sqlite3_column_int64(st, 0);
		found = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return st_db_err(s, err, "outbox next");
	return found;
}

int
store_outbox_sent_since(struct store *s, const char *channel,
    const char *recipient, int64_t since, int *n, int64_t *oldest,
    struct derr *err)
{
	static const char sql[] = "SELECT count(*), min(sent_at) FROM outbox "
	    "WHERE status = 'sent' AND channel = ?1 AND (?2 IS NULL OR "
	    "recipient = ?2) AND sent_at >= ?3";
	sqlite3_stmt	*st;
	int		 rc;

	/* The round's results so far count too. */
	if (s->nresults > 0 && st_results_apply(s, false, err) < 0)
		return -1;
	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	st_bind_text(st, 2, recipient);
	sqlite3_bind_int64(st, 3, since);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*n = sqlite3_column_int(st, 0);
		*oldest = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return st_db_err(s, err, "outbox sent count");
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

	if ((st = st_cached(s, STMT_STATE_SET, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now);
	return st_step_kept(s, st, "state set", err);
}

/* Commits from here on are fsynced (full) or only written (!full). */
static int
sync_set(struct store *s, bool full, struct derr *err)
{
	if (s->relaxed == !full)
		return 0;
	if (st_exec_sql(s, full ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL", err) < 0)
		return -1;
	s->relaxed = !full;
	return 0;
}

void
st_results_clear(struct store *s)
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

	if (r->status == OUTBOX_PENDING) {
		if ((st = st_cached(s, STMT_HOLD, err)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, r->id);
		sqlite3_bind_int64(st, 2, r->next_attempt_at);
		return st_step_kept(s, st, "outbox hold", err);
	}
	if ((st = st_cached(s, STMT_FINISH, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, outbox_status_name(r->status), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 2, r->maybe_dup);
	sqlite3_bind_int64(st, 3, r->next_attempt_at);
	st_bind_text(st, 4, r->error);
	st_bind_text(st, 5, r->provider_id);
	sqlite3_bind_int64(st, 6, r->now);
	sqlite3_bind_int64(st, 7, r->id);
	return st_step_kept(s, st, "outbox finish", err);
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
int
st_results_apply(struct store *s, bool end, struct derr *err)
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
	if (end && ((st = st_cached(s, STMT_RELEASE, err)) == NULL ||
	    st_step_kept(s, st, "outbox release", err) < 0))
		goto fail;
	if (store_commit(s, err) < 0)
		goto fail;
	st_results_clear(s);
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
	    status != OUTBOX_DEAD && status != OUTBOX_PENDING))
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

	if ((st = st_cached(s, STMT_CLAIM, err)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, ids[i]);
		if (st_step_kept(s, st, "outbox claim", err) < 0)
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
	if (s->round_open && st_results_apply(s, true, err) < 0)
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
	s->round_failed = false;
	return count;
}

int
store_outbox_finish(struct store *s, int64_t id, const struct outbox_result *r,
    int64_t next_id, int64_t now, struct derr *err)
{
	result_push(s, id, r, now);
	/*
	 * The round's last result is journaled too: if the end-of-round
	 * commit fails (another writer held the lock past the busy
	 * timeout) and dutyd exits, recovery still knows the server took
	 * the message, and does not send it again.
	 */
	if (s->journal != NULL) {
		if (journal_note(s, &s->results[s->nresults - 1], NULL) == 0) {
			if (next_id > 0)
				return 1;
		} else {
			/* Readers stop at a torn record: none may follow. */
			journal_drop(s);
		}
	}
	if (st_results_apply(s, next_id <= 0, err) < 0) {
		/* Nothing is in flight: the caller stops the round here. */
		s->round_failed = true;
		return -1;
	}
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

	/*
	 * This process's round whose end could not be committed (the
	 * database was busy): its results are here, so commit them now;
	 * nothing of it was in flight.
	 */
	if (s->round_open && s->round_failed) {
		if (st_results_apply(s, true, err) < 0)
			return -1;
		s->round_failed = false;
		return 0;
	}
	if (sync_set(s, true, err) < 0 || store_begin(s, err) < 0)
		return -1;
	if (replay(s, err) < 0 || (same = same_boot(s, boot, err)) < 0 ||
	    (st = st_prep(s, sql, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, same);
	if (st_step_done(s, st, "outbox recover", err) < 0)
		goto fail;
	n = sqlite3_changes(s->db);
	if ((st = st_cached(s, STMT_RELEASE, err)) == NULL ||
	    st_step_kept(s, st, "outbox release", err) < 0)
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
	if ((st = st_prep(s, sql, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	if (st_step_done(s, st, action, err) < 0)
		goto fail;
	n = sqlite3_changes(s->db);
	snprintf(obj, sizeof(obj), "outbox %lld", (long long)id);
	if (n > 0 && st_audit(s, who, now, action, obj, NULL, NULL, err) < 0)
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
	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		k = outbox_status_parse((const char *)sqlite3_column_text(st,
		    0));
		if (k >= 0)
			counts[k] = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return st_db_err(s, err, "outbox counts");
	return 0;
}

/* ---- paused channels (migration 006) ------------------------------- */

void
channel_pause_list_clear(struct channel_pause_list *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].channel);
		free(l->v[i].cause);
		free(l->v[i].reply);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
store_channel_pause_list(struct store *s, struct channel_pause_list *out,
    struct derr *err)
{
	static const char sql[] = "SELECT channel, since, until, stop, cause, "
	    "reply FROM channel_pause ORDER BY channel";
	struct channel_pause	*p;
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		p = &out->v[out->n++];
		p->channel = st_col_dup(st, 0);
		p->since = sqlite3_column_int64(st, 1);
		p->until = sqlite3_column_int64(st, 2);
		p->stop = sqlite3_column_int(st, 3) != 0;
		p->cause = st_col_dup(st, 4);
		p->reply = st_col_dup(st, 5);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		channel_pause_list_clear(out);
		return st_db_err(s, err, "channel pause list");
	}
	return 0;
}

int
store_channel_pause_set(struct store *s, const struct channel_pause *p,
    struct derr *err)
{
	/* changes() counts the row only when it is new or its cause is. */
	static const char sql[] = "INSERT INTO channel_pause (channel, since, "
	    "until, stop, cause, reply) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
	    "ON CONFLICT (channel) DO UPDATE SET until = ?3, stop = ?4, "
	    "cause = ?5, reply = ?6 WHERE cause <> ?5";
	static const char same[] = "UPDATE channel_pause SET until = ?2, "
	    "reply = ?3 WHERE channel = ?1";
	sqlite3_stmt	*st;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, p->channel);
	sqlite3_bind_int64(st, 2, p->since);
	sqlite3_bind_int64(st, 3, p->until);
	sqlite3_bind_int(st, 4, p->stop);
	st_bind_text(st, 5, p->cause);
	st_bind_text(st, 6, p->reply != NULL ? p->reply : "");
	if (st_step_done(s, st, "channel pause", err) < 0)
		return -1;
	if (sqlite3_changes(s->db) > 0)
		return 1;
	if ((st = st_prep(s, same, err)) == NULL)
		return -1;
	st_bind_text(st, 1, p->channel);
	sqlite3_bind_int64(st, 2, p->until);
	st_bind_text(st, 3, p->reply != NULL ? p->reply : "");
	return st_step_done(s, st, "channel pause", err) < 0 ? -1 : 0;
}

int
store_channel_pause_clear(struct store *s, const char *channel,
    struct derr *err)
{
	static const char sql[] = "DELETE FROM channel_pause WHERE "
	    "channel = ?1";
	sqlite3_stmt	*st;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, channel);
	return st_step_done(s, st, "channel pause clear", err);
}

int
store_channel_pause_wake(struct store *s, int64_t now, struct derr *err)
{
	static const char rows[] = "UPDATE outbox SET next_attempt_at = ?1 "
	    "WHERE status IN ('pending', 'failed') AND EXISTS (SELECT 1 FROM "
	    "channel_pause p WHERE p.stop = 1 AND p.channel = outbox.channel "
	    "AND p.until = outbox.next_attempt_at)";
	static const char stops[] = "UPDATE channel_pause SET until = ?1 "
	    "WHERE stop = 1 AND until > ?1";
	sqlite3_stmt	*st;
	int		 n;

	if (store_begin(s, err) < 0)
		return -1;
	if ((st = st_prep(s, rows, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	if (st_step_done(s, st, "channel wake", err) < 0 ||
	    (st = st_prep(s, stops, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	if (st_step_done(s, st, "channel wake", err) < 0)
		goto fail;
	n = sqlite3_changes(s->db);
	if (store_commit(s, err) < 0)
		return -1;
	return n;
fail:
	store_rollback(s);
	return -1;
}
