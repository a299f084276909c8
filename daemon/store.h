/*
 * store: the SQLite database.  Opens it (WAL, synchronous=FULL, foreign
 * keys, busy timeout, defensive mode), applies the embedded migrations
 * db/NNN-*.sql above PRAGMA user_version (foreign keys off meanwhile,
 * checked before each commit), and offers one function per
 * query or mutation.  Every mutation runs in BEGIN IMMEDIATE ... COMMIT
 * together with its audit row.  SQL lives here and nowhere else; sqlite3
 * types never leave store.c.  Must not know about the network or config.
 */
#ifndef DUTYD_STORE_H
#define DUTYD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"

struct store;

/*
 * Open (creating if needed) the database at `path` (":memory:" for tests)
 * and migrate it. A database whose schema is newer than this program is
 * refused (DERR_DB). Returns NULL on error.
 */
struct store *store_open(const char *path, struct derr *);
/*
 * For dutyctl: store_open, or, when the database exists but this user or
 * the file system cannot write it, the database read-only (reads work;
 * a write fails with DERR_SYS saying which of the two and which path).
 * A read-only database must have the current schema. NULL on error.
 */
struct store *store_open_read(const char *path, struct derr *);
void	store_close(struct store *);
/*
 * Open an in-memory copy of the database at `path` (for dry runs: what is
 * planned and "sent" there never reaches the real file).
 */
struct store *store_open_copy(const char *path, struct derr *);
/* Schema version of the open database, and the newest this program knows. */
int	store_schema_version(const struct store *);
int	store_schema_latest(void);

/* Explicit transactions for callers that group several calls (engine). */
int	store_begin(struct store *, struct derr *);
int	store_commit(struct store *, struct derr *);
void	store_rollback(struct store *);

/* ---- ledger -------------------------------------------------------- */

struct store_filter {
	const char	*owner;		/* person key, NULL: any */
	const char	*problem;	/* problem code, NULL: any */
	int		 status;	/* -1 any, else enum measure_status */
	int32_t		 due_before;	/* DAY_NONE, else deadline <= day */
	bool		 with_deadline;	/* only measures with a deadline */
};

/* Add one measure (creating its problem if new). Fails if the code exists. */
int	store_measure_add(struct store *, const struct measure *,
	    const char *who, int64_t now, struct derr *);
/* Look a measure up by code: 1 found (fills *out), 0 absent, -1 error. */
int	store_measure_get(struct store *, const char *code, struct measure *,
	    struct derr *);
/* Look a measure up by id: 1 found, 0 absent, -1 error. */
int	store_measure_get_id(struct store *, int64_t id, struct measure *,
	    struct derr *);

/* A row of store_measure_scan: borrowed strings, valid during the call. */
struct store_scan_row {
	int64_t			 id;
	int32_t			 deadline;
	enum measure_kind	 kind;
	int			 reopened;
	const char		*owners;	/* comma-separated person keys */
};

/*
 * Call `fn` for every open measure that has a deadline, without building
 * a list (planning over a million rows). `fn` returns 0 to go on.
 */
int	store_measure_scan(struct store *,
	    int (*fn)(void *, const struct store_scan_row *), void *,
	    struct derr *);
/*
 * Measures matching `f`, in the order they were added (problem, then
 * measure). Set status = -1 and due_before = DAY_NONE for "any".
 */
int	store_measure_list(struct store *, const struct store_filter *,
	    struct measure_list *, struct derr *);
/*
 * Replace text, owners, kind and deadline of measure `m->code` (other
 * fields ignored). Returns 1 if changed, 0 if identical, -1 on error
 * (DERR_INPUT if absent).
 */
int	store_measure_edit(struct store *, const struct measure *,
	    const char *who, int64_t now, struct derr *);
/* 销号: close with evidence. 1 closed, 0 already closed, -1 error. */
int	store_measure_close(struct store *, const char *code,
	    const char *evidence, const char *who, int64_t now, struct derr *);
/* 回头看: reopen with a reason. 1 reopened, 0 already open, -1 error. */
int	store_measure_reopen(struct store *, const char *code,
	    const char *reason, const char *who, int64_t now, struct derr *);

/* An evidence file of a measure (its bytes are in the evidence module). */
struct store_evidence {
	char	*code;		/* the measure (lists only) */
	char	 hash[65];	/* SHA-256, lowercase hex */
	char	*name;		/* the file's name as given */
	int64_t	 size;		/* bytes */
	char	*who;		/* lists only */
	int64_t	 at;		/* lists only */
};
struct store_evidence_list {
	struct store_evidence	*v;
	size_t			 n;
};
void	store_evidence_list_clear(struct store_evidence_list *);

/*
 * Record `n` evidence files (hash, name, size) for measure `code`, each
 * with its audit row, and, when `close_text` is not NULL, sign the measure
 * off with it, all in one transaction.  A file already recorded for the
 * measure is not added again.  Returns how many were added, or -1
 * (DERR_INPUT: no such measure; DERR_DB).
 */
int	store_evidence_add(struct store *, const char *code,
	    const struct store_evidence *, size_t n, const char *close_text,
	    const char *who, int64_t now, struct derr *);

/*
 * Remove file `hash` from measure `code`, with its audit row (the file's
 * name, `reason`, `who`), in one transaction.  *still_used is set to how
 * many measures still hold the same file (0: its bytes may be deleted).
 * 1 removed, 0 the measure has no such file, -1 (DERR_DB).
 */
int	store_evidence_remove(struct store *, const char *code,
	    const char *hash, const char *reason, const char *who,
	    int64_t now, int *still_used, struct derr *);

/* The evidence files of measure `code` and/or with `hash` (NULL: any). */
int	store_evidence_list(struct store *, const char *code,
	    const char *hash, struct store_evidence_list *, struct derr *);

/*
 * 延期: move open measure `code`'s deadline later to `to`, keeping the old
 * one, `reason` and `approved_by` (a person key, or NULL) in the
 * measure's extension history, with the audit row, in one transaction.
 * 0, or -1: DERR_INPUT (no such measure; done, 长期坚持, or `to` not
 * later), DERR_DB.
 */
int	store_measure_extend(struct store *, const char *code, int32_t to,
	    const char *reason, const char *approved_by, const char *who,
	    int64_t now, struct derr *);

struct store_import_stats {
	int	 added;
	int	 changed;
	int	 closed;
	int	 unchanged;
	int	 conflicts;	/* kept dutyd's (or, prefer-file, took the file's) */
};

enum store_import_what {
	STORE_IMPORT_ADDED,	/* a new measure */
	STORE_IMPORT_CHANGED,	/* the file changed it: taken */
	STORE_IMPORT_CONFLICT,	/* changed in dutyd since the last import and
				   different in the file: dutyd's kept */
	STORE_IMPORT_FORCED,	/* such a conflict, the file's taken
				   (STORE_IMPORT_PREFER_FILE) */
	STORE_IMPORT_KEPT_DONE	/* done in dutyd, open in the file: an import
				   never reopens (dutyctl item reopen does) */
};

enum store_import_field {
	STORE_IMPORT_NONE,	/* ADDED: the whole measure */
	STORE_IMPORT_TEXT,	/* 整改措施 */
	STORE_IMPORT_OWNERS,	/* 责任人: keys joined with ',' */
	STORE_IMPORT_DEADLINE,	/* 整改时限: YYYY-MM-DD, or the kind's label */
	STORE_IMPORT_STATUS	/* 完成情况: 已完成 / 未完成 */
};

/* One difference an import found between the file and dutyd. */
struct store_import_diff {
	enum store_import_what	 what;
	enum store_import_field	 field;
	char			*code;
	int			 row;	/* the file's row */
	char			*file;	/* the file's value (NULL: ADDED) */
	char			*dutyd;	/* dutyd's before the import */
	char			*who;	/* conflicts: last changed in dutyd by */
	int64_t			 at;	/* and when (0: unknown) */
};

struct store_import_report {
	struct store_import_diff	*v;
	size_t				 n;
};
void	store_import_report_clear(struct store_import_report *);

#define STORE_IMPORT_DRY_RUN		0x1	/* report, store nothing */
#define STORE_IMPORT_PREFER_FILE	0x2	/* conflicts take the file's */

/*
 * Import a parsed ledger in one transaction.  New codes are added.  For a
 * known measure, each field (text, owners, 时限, status) that differs from
 * the file takes the file's value when dutyd still has what the file said
 * at the last import; a field also changed in dutyd since then is a
 * conflict: kept as in dutyd unless STORE_IMPORT_PREFER_FILE.  Done in the
 * file closes an open measure (unless dutyd reopened it since: a
 * conflict); open in the file never reopens a done one.  The file's values
 * are remembered for the next import.  Every change is audited; with
 * STORE_IMPORT_DRY_RUN everything is rolled back.  Importing the same
 * ledger twice changes nothing.  All or nothing.  `rep` (may be NULL) gets
 * every difference, in file order; the caller clears it.
 */
int	store_ledger_import(struct store *, const struct measure_list *,
	    const char *source, const char *who, int64_t now, unsigned flags,
	    struct store_import_stats *, struct store_import_report *rep,
	    struct derr *);

/* ---- audit --------------------------------------------------------- */

struct store_audit {
	int64_t	 id;
	int64_t	 at;
	char	*who;
	char	*action;
	char	*object;
	char	*before;
	char	*after;
};

struct store_audit_list {
	struct store_audit	*v;
	size_t			 n;
};

/* The newest `limit` audit rows, newest first. */
int	store_audit_list(struct store *, int limit, struct store_audit_list *,
	    struct derr *);
void	store_audit_list_clear(struct store_audit_list *);

/* ---- duties -------------------------------------------------------- */

/* One logged occurrence of a standing duty (a talk, a meeting, ...). */
struct occurrence {
	int64_t		 id;
	char		*duty;
	char		*person;	/* who did it */
	char		*target;	/* "" if the duty has no targets */
	int32_t		 day;
	char		*period;	/* label of the duty's period then */
	char		*note;
	char		*evidence;
	char		*logged_by;
	int64_t		 logged_at;
	char		*late_reason;	/* NULL unless logged late */
	int64_t		 removed_at;	/* 0 unless removed (unlog) */
	char		*removed_reason;
};
void	occurrence_clear(struct occurrence *);

struct occurrence_list {
	struct occurrence	*v;
	size_t			 n;
};
void	occurrence_list_clear(struct occurrence_list *);

/* Log an occurrence (id ignored; *id set), audited as `who`. */
int	store_occurrence_add(struct store *, const struct occurrence *,
	    const char *who, int64_t now, int64_t *id, struct derr *);
/*
 * Remove occurrence `id` with a reason (kept, marked removed; audited).
 * Returns 1, or 0 if there is no such occurrence or it is already removed.
 */
int	store_occurrence_remove(struct store *, int64_t id, const char *reason,
	    const char *who, int64_t now, struct derr *);
/* One occurrence: 1 found, 0 absent, -1. */
int	store_occurrence_get(struct store *, int64_t id, struct occurrence *,
	    struct derr *);
/* Occurrences of `duty` (NULL: all) with days in [from, to], by day;
 * removed ones only if `removed`. */
int	store_occurrence_list(struct store *, const char *duty, int32_t from,
	    int32_t to, bool removed, struct occurrence_list *, struct derr *);

/*
 * Append to `out` the live occurrences counted per duty, person and target
 * over [start, end], each tally labelled `period`.
 */
int	store_duty_counts(struct store *, int32_t start, int32_t end,
	    const char *period, struct duty_tally_list *out, struct derr *);
/* Append the records of closed periods that ended in [from, to]. */
int	store_duty_closed(struct store *, int32_t from, int32_t to,
	    struct duty_tally_list *out, struct derr *);
/* Record closed periods (existing records are kept as they are), in one
 * transaction. Returns the number of new records. */
int	store_duty_close(struct store *, const struct duty_tally_list *,
	    int64_t now, struct derr *);

/* ---- outbox -------------------------------------------------------- */

enum outbox_status {
	OUTBOX_PENDING,
	OUTBOX_SENDING,
	OUTBOX_SENT,
	OUTBOX_FAILED,
	OUTBOX_DEAD,
	OUTBOX_CANCELLED
};
const char *outbox_status_name(enum outbox_status);
int	outbox_status_parse(const char *);

struct outbox_row {
	int64_t			 id;
	char			*key;
	char			*kind;		/* reminder, digest, ... */
	char			*channel;	/* email, sms, ... */
	char			*person;	/* person key */
	char			*recipient;	/* address or number */
	char			*recipient_name;
	char			*subject;
	char			*body_text;
	char			*body_html;	/* NULL if none */
	char			*message;	/* the email as sent, or NULL */
	size_t			 message_len;
	char			*message_id;
	enum outbox_status	 status;
	int			 attempts;
	bool			 maybe_dup;
	int64_t			 created_at;
	int64_t			 first_attempt_at;	/* 0 if none */
	int64_t			 next_attempt_at;
	int64_t			 sent_at;
	char			*last_error;
	char			*provider_id;
	char			*reply_token;	/* its reply_token row's, or NULL */
};
void	outbox_row_clear(struct outbox_row *);

struct outbox_list {
	struct outbox_row	*v;
	size_t			 n;
};
void	outbox_list_clear(struct outbox_list *);

/* Is stage `key` for (person, channel) already planned? 1 yes, 0 no, -1. */
int	store_notif_exists(struct store *, const char *key,
	    const char *person, const char *channel, struct derr *);
/* Record stage `key` as carried by outbox row `outbox_id`. */
int	store_notif_add(struct store *, const char *key, const char *person,
	    const char *channel, int64_t outbox_id, int64_t now, struct derr *);
/*
 * Insert a new pending row (id, status, attempts ignored) unless the key
 * exists (ON CONFLICT DO NOTHING: other constraint failures are errors).
 * Returns 1 and sets *id if inserted, 0 if the key existed.
 */
int	store_outbox_insert(struct store *, const struct outbox_row *,
	    int64_t *id, struct derr *);
/* Rows due at `now` (pending or failed, next_attempt_at <= now), oldest first. */
int	store_outbox_due(struct store *, int64_t now, int limit,
	    struct outbox_list *, struct derr *);
/*
 * The sent email a bounce returns: the last sent whose Message-ID is
 * `message_id` and whose recipient is `recipient` (any case); a NULL
 * one matches any (both NULL: none).  1 found (*id), 0 none, -1
 * (DERR_DB).
 */
int	store_outbox_bounced(struct store *, const char *message_id,
	    const char *recipient, int64_t *id, struct derr *);
/* Earliest next_attempt_at of a pending/failed row: 1 found, 0 none. */
int	store_outbox_next(struct store *, int64_t *at, struct derr *);
/*
 * Rows of `channel` to `recipient` (NULL: anyone) sent at or after
 * `since`: how many in *n, and the earliest sent_at in *oldest (0 if
 * none). 0, or -1 (DERR_DB).
 */
int	store_outbox_sent_since(struct store *, const char *channel,
	    const char *recipient, int64_t since, int *n, int64_t *oldest,
	    struct derr *);
/*
 * Claim the rows `ids[0..n)` (in the order of store_outbox_due, which is
 * the order they will be sent in) for a drain round, before any network
 * I/O, in one fsynced transaction: each row still pending or failed
 * becomes sending (claimed[i] = true); others (cancelled meanwhile) are
 * left alone.  `boot` (the kernel's boot id, NULL or "" if unknown) is
 * kept for store_outbox_recover.  Returns the number claimed, or -1.
 */
int	store_outbox_claim(struct store *, const int64_t *ids, size_t n,
	    const char *boot, bool *claimed, int64_t now, struct derr *);

struct outbox_result {
	/* sent, failed or dead; pending: not attempted (a paused channel,
	 * a rate limit): back in the queue at next_attempt_at, attempts
	 * and last_error unchanged */
	enum outbox_status	 status;
	bool			 maybe_dup;	/* a reply was lost */
	int64_t			 next_attempt_at;
	const char		*error;		/* NULL if sent */
	const char		*provider_id;
};

/*
 * Record the result of the attempt on `id` (attempts + 1).  While
 * `next_id` > 0 (the next claimed row, about to be sent) the result goes
 * to the journal beside the database and waits in memory: the row reads
 * 'sending' until the round ends (store_outbox_sent_since applies the
 * results so far first).  With `next_id` 0 the round ends: its results
 * are applied, claimed rows not tried go back to pending (or failed) and
 * the commit is fsynced.  A database in memory, or a journal that cannot
 * be written, gets a commit per result instead.  store.c explains why
 * this keeps the outbox's guarantees.  Returns 1 if `next_id` > 0, 0 if
 * not, -1.
 */
int	store_outbox_finish(struct store *, int64_t id,
	    const struct outbox_result *, int64_t next_id, int64_t now,
	    struct derr *);
/*
 * At start, after a crash: the journal's results of the last claimed
 * round are applied, then rows left sending go back to pending.  If the
 * claim was made in this boot (`boot` as given to store_outbox_claim),
 * only the row that was in flight (the first still sending, in round
 * order) is marked maybe_dup (attempts + 1); after a reboot, or with no
 * boot id, every sending row is.  Returns how many were marked maybe_dup.
 * After a round of this process whose end could not be committed (the
 * database busy), its results are committed instead (returns 0).
 */
int	store_outbox_recover(struct store *, const char *boot, int64_t now,
	    struct derr *);
/* Rows by status (-1: all), newest first, at most `limit`. */
int	store_outbox_list(struct store *, int status, int limit,
	    struct outbox_list *, struct derr *);
/* Rows queued at or after `since` (Unix seconds), oldest first. */
int	store_outbox_since(struct store *, int64_t since,
	    struct outbox_list *, struct derr *);
/* One row by id: 1 found, 0 absent, -1. */
int	store_outbox_get(struct store *, int64_t id, struct outbox_row *,
	    struct derr *);
/* Admin: retry now (failed/dead/cancelled -> pending) or cancel. 1/0/-1. */
int	store_outbox_retry(struct store *, int64_t id, const char *who,
	    int64_t now, struct derr *);
int	store_outbox_cancel(struct store *, int64_t id, const char *who,
	    int64_t now, struct derr *);
/* A channel paused as a whole (migration 006). */
struct channel_pause {
	char		*channel;	/* "email", "sms", "im:NAME" */
	int64_t		 since;		/* first refusal of this pause */
	int64_t		 until;		/* next try */
	bool		 stop;		/* until the admin acts */
	char		*cause;		/* for the admin, Chinese */
	char		*reply;		/* the server's words */
};
struct channel_pause_list {
	struct channel_pause	*v;
	size_t			 n;
};
void	channel_pause_list_clear(struct channel_pause_list *);
/* Every paused channel, by name. 0 or -1 (DERR_DB). */
int	store_channel_pause_list(struct store *, struct channel_pause_list *,
	    struct derr *);
/*
 * Pause `p->channel` until p->until (since: kept from a pause already
 * there, else p->since). Returns 1 if the channel was not paused or its
 * cause changed (tell the admin), 0 if it was paused alike, -1 (DERR_DB).
 */
int	store_channel_pause_set(struct store *, const struct channel_pause *,
	    struct derr *);
/* A message went out on `channel`: no longer paused. 0 or -1. */
int	store_channel_pause_clear(struct store *, const char *channel,
	    struct derr *);
/*
 * At start or reload the admin may have fixed what stopped a channel:
 * every stop ends at `now` (its row stays until a message goes out, so
 * a refusal alike is not told again), and the rows it held are due.
 * Returns the number of channels woken, or -1 (DERR_DB).
 */
int	store_channel_pause_wake(struct store *, int64_t now, struct derr *);

/* Count of rows per status, indexed by enum outbox_status (6 entries). */
int	store_outbox_counts(struct store *, int counts[6], struct derr *);

/* ---- feedback (意见箱) --------------------------------------------- */

enum feedback_status {
	FEEDBACK_NEW,
	FEEDBACK_ASSIGNED,
	FEEDBACK_ANSWERED,
	FEEDBACK_CLOSED
};
const char *feedback_status_name(enum feedback_status);
int	feedback_status_parse(const char *);

/* One feedback message. Strings are owned (feedback_clear). */
struct feedback {
	int64_t			 id;
	char			*source;	/* imap, phone, manual */
	int64_t			 uidvalidity;	/* 0 unless imap */
	int64_t			 uid;
	char			*message_id;	/* NULL if none */
	char			*header_hash;	/* NULL unless imap */
	char			*content_hash;	/* of the bytes fetched, or NULL */
	/* citizen (群众意见), bounce, auto (auto-reply), own (from the
	 * office's address), spam; NULL on insert: citizen. */
	char			*kind;
	char			*closed_reason;	/* dutyctl feedback close */
	char			*sender;
	char			*subject;
	int64_t			 date;		/* Unix seconds UTC */
	bool			 date_flagged;	/* date is the arrival time */
	char			*excerpt;
	char			*attachments;	/* names, one per line */
	char			*note;		/* NULL: nothing to note */
	int64_t			 size;		/* bytes on the server, 0 */
	enum feedback_status	 status;
	char			*assignee;	/* person key, NULL */
	int32_t			 answer_deadline; /* DAY_NONE if none */
	char			*answer;	/* NULL until answered */
	int64_t			 assigned_at;	/* 0 if never */
	int64_t			 answered_at;	/* 0 if never */
	char			*answered_by;
	int64_t			 received_at;
};
void	feedback_clear(struct feedback *);

struct feedback_list {
	struct feedback	*v;
	size_t		 n;
};
void	feedback_list_clear(struct feedback_list *);

/*
 * Insert one feedback row (id, status and answer fields ignored: it is
 * new) with its audit row, inside the caller's transaction (store_begin).
 * Only the same message is not inserted again: one with the same
 * UIDVALIDITY and UID, or the same content_hash (the mail read again
 * after a UIDVALIDITY change).  Two messages that share a Message-ID
 * are both stored.  Rows stored before migration 005 (no content hash)
 * still match by Message-ID, else header_hash.  Returns 1 and sets *id
 * if inserted, 0 if it was a duplicate, -1 on error (DERR_DB).
 */
int	store_feedback_insert(struct store *, const struct feedback *,
	    const char *who, int64_t now, int64_t *id, struct derr *);
/* store_feedback_insert in its own transaction (dutyctl feedback add). */
int	store_feedback_add(struct store *, const struct feedback *,
	    const char *who, int64_t now, int64_t *id, struct derr *);
/* One row by id: 1 found (fills *out), 0 absent, -1 error. */
int	store_feedback_get(struct store *, int64_t id, struct feedback *,
	    struct derr *);

struct feedback_filter {
	int		 status;	/* -1 any, else enum feedback_status */
	int64_t		 since;		/* received_at >= since; 0: any */
	int32_t		 overdue_on;	/* DAY_NONE, else unanswered (new or
					   assigned) with answer_deadline <
					   this day */
	int		 limit;		/* 0: no limit */
	bool		 citizen_only;	/* only kind citizen (the digest) */
};

/*
 * Feedback matching `f`, oldest first (received_at, then id). For the
 * digest: new since the last digest is { -1, since, DAY_NONE, 0 };
 * unanswered past the deadline is { -1, 0, today, 0 }.
 */
int	store_feedback_list(struct store *, const struct feedback_filter *,
	    struct feedback_list *, struct derr *);
/*
 * Assign feedback `id` to person `assignee` with an answer deadline
 * (status new/assigned -> assigned), audited. 1 done, 0 unchanged (same
 * assignee and deadline), -1: DERR_INPUT if absent or already answered.
 */
int	store_feedback_assign(struct store *, int64_t id, const char *assignee,
	    int32_t deadline, const char *who, int64_t now, struct derr *);
/*
 * Record the answer to feedback `id` (status -> answered), audited.
 * 1 done, -1: DERR_INPUT if absent or already answered/closed.
 */
/*
 * Close feedback `id` without an answer, saying why (`reason`), with its
 * audit row.  Returns 1, or -1: DERR_INPUT if absent or already answered
 * or closed, DERR_DB.
 */
int	store_feedback_close(struct store *, int64_t id, const char *reason,
	    const char *who, int64_t now, struct derr *);
/*
 * Mark feedback `id` as spam (kind spam: out of the digest), with its
 * audit row.  Returns 1, 0 if it already was, -1: DERR_INPUT if absent,
 * DERR_DB.
 */
int	store_feedback_spam(struct store *, int64_t id, const char *who,
	    int64_t now, struct derr *);
int	store_feedback_answer(struct store *, int64_t id, const char *answer,
	    const char *who, int64_t now, struct derr *);

/* Poll state of one mailbox (its URL). */
struct mailbox_state {
	int64_t		 uidvalidity;	/* 0: never polled */
	int64_t		 last_uid;	/* highest UID stored */
	int64_t		 last_poll;	/* 0: never */
	int64_t		 last_ok;	/* last successful poll, 0: never */
	int64_t		 next_poll;	/* 0: as soon as possible */
	int		 failures;	/* consecutive failed polls */
	char		 last_result[256];	/* "ok: 3 new ..." or the error */
};

/* 1 found (fills *out), 0 never polled (*out zeroed), -1 error. */
int	store_mailbox_get(struct store *, const char *mailbox,
	    struct mailbox_state *, struct derr *);
/* Insert or replace the state of `mailbox` (no audit: daemon bookkeeping). */
int	store_mailbox_set(struct store *, const char *mailbox,
	    const struct mailbox_state *, struct derr *);

/* ---- daemon state -------------------------------------------------- */

/* A small key/value of daemon facts (last plan run, ...): 1/0/-1. */
int	store_state_get(struct store *, const char *name, char **value,
	    struct derr *);
int	store_state_set(struct store *, const char *name, const char *value,
	    int64_t now, struct derr *);
/* Every entry whose name starts with `prefix`, by name, pushed onto
 * `names` and `values` (the caller clears them).  0 or -1 (DERR_DB). */
int	store_state_list(struct store *, const char *prefix,
	    struct strv *names, struct strv *values, struct derr *);

/*
 * Names other modules write for dutyctl status: "last_plan" (engine),
 * "next_wakeup" (engine), "last_digest" (digest): free text, local time;
 * "bounce:ADDRESS" (mailbox): an email address a bounce says is failing,
 * "PERSON<TAB>OUTBOX_ID<TAB>REASON" (REASON in Chinese, with the DSN's
 * code).
 */

/* ---- mailbox state, backup, the daemon lock ------------------------ */

/*
 * The most recent mailbox poll: 1 (sets *at, Unix seconds, and *result,
 * caller frees; NULL if none recorded), 0 never polled, -1 DERR_DB.
 */
int	store_mailbox_last(struct store *, int64_t *at, char **result,
	    struct derr *);

/*
 * Copy the open database to the file `dest` with SQLite's online backup
 * (safe while the daemon writes), as one self-contained file (rollback
 * journal mode), written to a temporary name and renamed into place.
 * Refuses an existing `dest` unless `force` (DERR_INPUT). -1 on error.
 */
int	store_backup(struct store *, const char *dest, bool force,
	    struct derr *);

/*
 * One daemon per database: take an exclusive flock on `db`.lock and write
 * our pid into it.  Returns the descriptor, to keep open until exit, or -1:
 * DERR_INPUT (transient) naming the pid when another process holds it,
 * DERR_SYS when the file cannot be opened.
 */
int	store_lock(const char *db, struct derr *);
/* Is a daemon holding `db`.lock? 1 yes (*pid, 0 if unknown), 0 no, -1. */
int	store_lock_owner(const char *db, long *pid, struct derr *);

/* ---- replies by email (store_reply.c) ------------------------------ */

/* A token a sent email carried (migration 010). */
struct reply_token {
	char		*token;		/* SIGN_TOKEN_LEN upper-case base32 */
	char		*message_id;	/* of the email that carried it */
	char		*kind;		/* "reminder" or "approval" */
	char		*person;	/* whom it went to */
	char		*items;		/* measure ids "12,15" */
	int64_t		 request_id;	/* approval: the reply asked about */
	int64_t		 created_at;
};
void	reply_token_clear(struct reply_token *);

/*
 * Record the token of an email being queued, in the caller's transaction
 * (outbox_enqueue's).  A token already there is kept.  0 or -1 (DERR_DB).
 */
int	store_reply_token_add(struct store *, const struct reply_token *,
	    struct derr *);
/*
 * The token `token` (any case), else (token NULL or unknown) the token
 * of the email whose Message-ID is `message_id` (NULL: none).
 * 1 found (`out` filled), 0 absent, -1 DERR_DB.
 */
int	store_reply_token_get(struct store *, const char *token,
	    const char *message_id, struct reply_token *out, struct derr *);

/* An officer's answer by email, as kept (table reply). */
struct reply_row {
	int64_t		 id;
	char		*message_id;	/* its Message-ID (or sha256:HASH) */
	char		*from_addr;
	char		*person;	/* the sender, NULL if unknown */
	char		*token;
	char		*subject;
	int64_t		 received_at;
	char		*verb;		/* progress, done, extend, approve,
					 * reject; NULL: not understood */
	int64_t		 measure_id;	/* 0: none */
	char		*code;		/* the measure's code, NULL: none */
	char		*text;
	int32_t		 new_deadline;	/* extend, else DAY_NONE */
	char		*status;	/* applied, pending, approved,
					 * rejected, refused */
	char		*reason;	/* refused: why */
	char		*decided_by;
	int64_t		 decided_at;
	char		*decided_mid;
	char		*answer_to;	/* person key, NULL: no answer */
	char		*answer_subject;
	char		*answer_text;
	bool		 answered;
	bool		 asked;
	int		 nfiles;
};
void	reply_row_clear(struct reply_row *);
struct reply_list {
	struct reply_row	*v;
	size_t			 n;
};
void	reply_list_clear(struct reply_list *);

/*
 * Keep answer `r` (id, decided_*, answered, asked, code and nfiles
 * ignored) with its `n` files, in one transaction with its audit rows
 * (each naming the message's Message-ID): a progress note is audited on
 * the measure as measure.progress, and when the row is applied or
 * pending its files become the measure's evidence.  Returns 1 (sets
 * *id), 0 if an answer with that Message-ID is kept already (a replay:
 * nothing is written), -1 (DERR_DB).
 */
int	store_reply_add(struct store *, const struct reply_row *r,
	    const struct store_evidence *files, size_t n, int64_t now,
	    int64_t *id, struct derr *);

/* Answer `id`: 1 found, 0 absent, -1. */
int	store_reply_get(struct store *, int64_t id, struct reply_row *,
	    struct derr *);

/* Filter for store_reply_list: NULL / 0 fields match anything. */
struct reply_filter {
	const char	*status;
	const char	*code;		/* measure */
	int64_t		 since;		/* received at or after */
	bool		 outgoing;	/* an answer or request not queued */
};
/* Answers matching `f`, oldest first. */
int	store_reply_list(struct store *, const struct reply_filter *f,
	    struct reply_list *, struct derr *);

/* The pending request on measure `measure_id`: 1 (*id), 0 none, -1. */
int	store_reply_pending(struct store *, int64_t measure_id, int64_t *id,
	    struct derr *);

/* How many answers to `person` were recorded since `since`; -1 on error. */
int	store_reply_answers_since(struct store *, const char *person,
	    int64_t since, struct derr *);

/* Note that answer `id`'s answer (`asked` false) or its approval request
 * (`asked` true) is queued.  0 or -1. */
int	store_reply_mark(struct store *, int64_t id, bool asked,
	    struct derr *);

/*
 * Decide pending request `id`: status `approved` or `rejected`, by `who`,
 * with `reason` (rejection) and the deciding mail's `mid` (or NULL), and
 * the answer to the officer (to, subject, text), audited.  1 decided,
 * 0 if it was no longer pending, -1.
 */
int	store_reply_decide(struct store *, int64_t id, bool approve,
	    const char *who, const char *mid, const char *reason,
	    const char *answer_to, const char *answer_subject,
	    const char *answer_text, int64_t now, struct derr *);

#endif
