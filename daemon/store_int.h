/*
 * store's private header: the connection and the helpers its files share
 * (store.c: opening, migrations, statements, transactions, audit, state,
 * backup and the lock; store_ledger.c, store_duty.c, store_outbox.c with
 * the drain round's journal, store_feedback.c with the mailbox state,
 * store_evidence.c, store_reply.c with officers' answers by email).
 * sqlite3 types stay here and in store*.c; nothing else includes this.
 */
#ifndef DUTYD_STORE_INT_H
#define DUTYD_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store.h"

struct journal;
struct store_result;

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
	STMT_HOLD,
	STMT_RELEASE,
	STMT_STATE_SET,
	STMT_AUDIT,
	STMT_FEEDBACK_INSERT,
	STMT_FEEDBACK_LEGACY_MID,
	STMT_FEEDBACK_LEGACY_HDR,
	STMT_COUNT
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
	bool		 round_failed;	/* its results could not be
					 * committed (database busy) */
	struct store_result *results;	/* waiting for the round's end */
	size_t		 nresults;
	char		*readonly;	/* why writes cannot work, or NULL */
};

/* The boot id a drain round was claimed under (daemon_state). */
#define STATE_BOOT	"outbox_claim_boot"

/*
 * Shared by the store*.c files only: st_ is the module's private prefix.
 */
int	st_step_kept(struct store *s, sqlite3_stmt *st, const char *what,
	    struct derr *err);
int	st_step_done(struct store *s, sqlite3_stmt *st, const char *what,
	    struct derr *err);
void	st_results_clear(struct store *s);
int	st_results_apply(struct store *s, bool end, struct derr *err);
sqlite3_stmt *st_prep(struct store *s, const char *sql, struct derr *err);
int	st_name_index(const char *const *names, size_t n, const char *s);
int	st_exec_sql(struct store *s, const char *sql, struct derr *err);
int	st_db_err(struct store *s, struct derr *err, const char *what);
char *st_col_dup(sqlite3_stmt *st, int i);
int32_t	st_col_day(sqlite3_stmt *st, int i);
sqlite3_stmt *st_cached(struct store *s, enum store_stmt k, struct derr *err);
void	st_bind_text(sqlite3_stmt *st, int i, const char *v);
void	st_bind_day(sqlite3_stmt *st, int i, int32_t day);
int	st_audit(struct store *s, const char *who, int64_t now,
	    const char *action, const char *object, const char *before,
	    const char *after, struct derr *err);

#endif
