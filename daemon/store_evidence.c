/*
 * The store's side of removing an evidence file from a measure: the row,
 * its audit, and how many measures still hold the same file, so the
 * caller knows whether the bytes may go.  (Adding and listing are with
 * the measures in store_ledger.c.)
 */
#include "store.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "util.h"

/* The row of measure `code`'s file `hash`: its name; 1, 0 or -1. */
static int
evidence_row(struct store *s, const char *code, const char *hash,
    int64_t *id, char **name, struct derr *err)
{
	static const char sql[] = "SELECT e.id, e.name FROM evidence_file e "
	    "JOIN measure m ON m.id = e.measure_id WHERE m.code = ? AND "
	    "e.hash = ?";
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, code);
	st_bind_text(st, 2, hash);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*name = st_col_dup(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_db_err(s, err, "evidence row");
	return rc == SQLITE_ROW;
}

/* Rows still naming `hash`; >= 0 or -1. */
static int
evidence_refs(struct store *s, const char *hash, struct derr *err)
{
	static const char sql[] = "SELECT count(*) FROM evidence_file "
	    "WHERE hash = ?";
	sqlite3_stmt	*st;
	int		 rc, n = 0;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, hash);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return st_db_err(s, err, "evidence refs");
	return n;
}

/* Inside the transaction: delete row `id`, audit it, count the rest. */
static int
evidence_delete(struct store *s, int64_t id, const char *code,
    const char *hash, const char *name, const char *reason,
    const char *who, int64_t now, struct derr *err)
{
	static const char sql[] = "DELETE FROM evidence_file WHERE id = ?";
	sqlite3_stmt	*st;
	char		*before, *after;
	int		 r;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (st_step_done(s, st, "evidence remove", err) < 0)
		return -1;
	before = xasprintf("file=%s; sha256=%s", name, hash);
	after = xasprintf("removed; reason=%s", reason);
	r = st_audit(s, who, now, "evidence.rm", code, before, after, err);
	free(before);
	free(after);
	return r < 0 ? -1 : evidence_refs(s, hash, err);
}

int
store_evidence_remove(struct store *s, const char *code, const char *hash,
    const char *reason, const char *who, int64_t now, int *still_used,
    struct derr *err)
{
	char	*name = NULL;
	int64_t	 id = 0;
	int	 r;

	if (store_begin(s, err) < 0)
		return -1;
	if ((r = evidence_row(s, code, hash, &id, &name, err)) <= 0) {
		store_rollback(s);
		return r;
	}
	r = evidence_delete(s, id, code, hash, name, reason, who, now, err);
	free(name);
	if (r < 0) {
		store_rollback(s);
		return -1;
	}
	if (store_commit(s, err) < 0)
		return -1;
	*still_used = r;
	return 1;
}
