#include "store.h"
#include "store_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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
	/* Not attempted (a paused channel): back, due at ?2. */
	[STMT_HOLD] = "UPDATE outbox SET status = CASE WHEN attempts > 0 "
	    "THEN 'failed' ELSE 'pending' END, next_attempt_at = ?2 "
	    "WHERE id = ?1 AND status = 'sending'",
	/* Claimed but not attempted: back to what it was. */
	[STMT_RELEASE] = "UPDATE outbox SET status = CASE WHEN attempts > 0 "
	    "THEN 'failed' ELSE 'pending' END WHERE status = 'sending'",
	[STMT_STATE_SET] = "INSERT INTO daemon_state (name, value, "
	    "updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE "
	    "SET value = ?2, updated_at = ?3",
	[STMT_AUDIT] = "INSERT INTO audit (at, who, action, object, before, "
	    "after) VALUES (?, ?, ?, ?, ?, ?)",
	/* Same UIDVALIDITY+UID or same bytes: the unique indexes (005).
	 * VALUES, not a SELECT from feedback itself: that made SQLite copy
	 * each row through temporary tables (a sixth of the mailbox
	 * fetch's time went there). */
	[STMT_FEEDBACK_INSERT] = "INSERT INTO feedback (source, uidvalidity, "
	    "uid, message_id, header_hash, sender, subject, date, "
	    "date_flagged, excerpt, attachments, note, size, received_at, "
	    "content_hash, kind) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14, ?15, ?16) ON CONFLICT DO NOTHING",
	/* A row from before 005 (no content hash) is the same message by
	 * the old rule: the same Message-ID, else the same header hash.
	 * Two statements, each on its index (as one with an OR, SQLite
	 * read the whole table for every message). */
	[STMT_FEEDBACK_LEGACY_MID] = "SELECT 1 FROM feedback WHERE "
	    "message_id = ?1 AND source = 'imap' AND content_hash IS NULL "
	    "LIMIT 1",
	[STMT_FEEDBACK_LEGACY_HDR] = "SELECT 1 FROM feedback WHERE "
	    "header_hash = ?1 AND message_id IS NULL AND source = 'imap' "
	    "AND content_hash IS NULL LIMIT 1",
};


#define BUSY_TIMEOUT_MS	10000


/*
 * A full disk is not a bug in dutyd: DERR_SYS (dutyctl exits 74,
 * EX_IOERR) with a sentence that says so and names the database.
 */
int
st_db_err(struct store *s, struct derr *err, const char *what)
{
	int	 code = sqlite3_extended_errcode(s->db);
	bool	 busy = (code & 0xff) == SQLITE_BUSY ||
	    (code & 0xff) == SQLITE_LOCKED;

	/* SQLite says SQLITE_FULL, or an I/O error whose errno is ENOSPC
	 * (the WAL index or the WAL itself could not grow). */
	if ((code & 0xff) == SQLITE_READONLY && s->readonly != NULL)
		return derr_set(err, DERR_SYS, false, "%s: this command "
		    "writes, but %s", what, s->readonly);
	if ((code & 0xff) == SQLITE_FULL || sqlite3_system_errno(s->db) ==
	    ENOSPC)
		return derr_set(err, DERR_SYS, true, "%s: the disk is full: "
		    "free space on the file system of %s", what,
		    s->path != NULL ? s->path : "the database");
	return derr_set(err, DERR_DB, busy, "%s: %s", what,
	    sqlite3_errmsg(s->db));
}

int
st_exec_sql(struct store *s, const char *sql, struct derr *err)
{
	char	*msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if ((sqlite3_extended_errcode(s->db) & 0xff) == SQLITE_FULL ||
		    sqlite3_system_errno(s->db) == ENOSPC)
			st_db_err(s, err, "write");
		else
			derr_set(err, DERR_DB, false, "%s", msg ? msg :
			    "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *
st_prep(struct store *s, const char *sql, struct derr *err)
{
	sqlite3_stmt	*st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		st_db_err(s, err, "prepare");
		return NULL;
	}
	return st;
}

/* Bind helpers: NULL strings bind as SQL NULL. */
void
st_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

void
st_bind_day(sqlite3_stmt *st, int i, int32_t day)
{
	char	 b[11];

	if (day == DAY_NONE)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, day_format(day, b), -1,
		    SQLITE_TRANSIENT);
}

char *
st_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char	*t = sqlite3_column_text(st, i);

	return t == NULL ? NULL : xstrdup((const char *)t);
}

int32_t
st_col_day(sqlite3_stmt *st, int i)
{
	const unsigned char	*t = sqlite3_column_text(st, i);
	int32_t			 d;

	if (t == NULL || day_parse((const char *)t, &d) < 0)
		return DAY_NONE;
	return d;
}

/* The kept statement `k`, ready to bind and step. */
sqlite3_stmt *
st_cached(struct store *s, enum store_stmt k, struct derr *err)
{
	if (s->stmt[k] == NULL && sqlite3_prepare_v3(s->db, stmt_sql[k], -1,
	    SQLITE_PREPARE_PERSISTENT, &s->stmt[k], NULL) != SQLITE_OK) {
		st_db_err(s, err, "prepare");
		s->stmt[k] = NULL;
		return NULL;
	}
	return s->stmt[k];
}

/* Step a kept statement that returns no row; resets it for next time. */
int
st_step_kept(struct store *s, sqlite3_stmt *st, const char *what,
    struct derr *err)
{
	int	 rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		st_db_err(s, err, what);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Step a statement that returns no row; finalizes it. */
int
st_step_done(struct store *s, sqlite3_stmt *st, const char *what,
    struct derr *err)
{
	int	 rc = sqlite3_step(st);

	if (rc != SQLITE_DONE) {
		st_db_err(s, err, what);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

int
store_begin(struct store *s, struct derr *err)
{
	sqlite3_stmt	*st = st_cached(s, STMT_BEGIN, err);

	if (st == NULL || st_step_kept(s, st, "begin", err) < 0) {
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
	sqlite3_stmt	*st = st_cached(s, STMT_COMMIT, err);

	if (st == NULL || st_step_kept(s, st, "commit", err) < 0) {
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

	if ((st = st_prep(s, "PRAGMA user_version", err)) == NULL)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return st_db_err(s, err, "user_version");
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

	if ((st = st_prep(s, "PRAGMA foreign_key_check", err)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		derr_set(err, DERR_DB, false, "a row of %s refers to a "
		    "missing row of %s", sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 2));
	else if (rc != SQLITE_DONE)
		st_db_err(s, err, "foreign key check");
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
		if (st_exec_sql(s, migrations_files[i].text, err) < 0 ||
		    fk_check(s, err) < 0 || st_exec_sql(s, sql, err) < 0) {
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
	if (st_exec_sql(s, "PRAGMA foreign_keys = OFF", err) < 0)
		return -1;
	r = migrate_from(s, err);
	if (st_exec_sql(s, "PRAGMA foreign_keys = ON", r < 0 ? NULL : err) < 0)
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
	if (st_exec_sql(s, "PRAGMA foreign_keys = ON", err) < 0 ||
	    st_exec_sql(s, "PRAGMA journal_mode = WAL", err) < 0 ||
	    st_exec_sql(s, "PRAGMA synchronous = FULL", err) < 0)
		return -1;
	return 0;
}

/*
 * Create `path` empty with mode 0600 if it is missing: SQLite creates a
 * database 0644 less the umask, and its -wal and -shm files take the
 * database's mode, so made here they are the owner's alone whatever the
 * umask.  Any failure is SQLite's open to report.
 */
static void
create_private(const char *path, bool to_dir_owner)
{
	int	 fd;

	if (*path == '\0' || strcmp(path, ":memory:") == 0 ||
	    strncmp(path, "file:", 5) == 0)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0)
		return;
	/*
	 * A database root creates (`dutyctl init` before the service ever
	 * ran) in a directory of the service user's, e.g. StateDirectory
	 * /var/lib/dutyd, is handed to that user: 0600 and root's, the
	 * service could not open it.  SQLite gives -wal and -shm the
	 * database's owner when it runs as root.
	 */
	if (to_dir_owner)
		path_adopt_dir_owner(path, fd);
	close(fd);
}

struct store *
store_open(const char *path, struct derr *err)
{
	struct store	*s;
	int		 rc;

	s = xcalloc(1, sizeof(*s));
	if (*path != '\0' && strcmp(path, ":memory:") != 0)
		s->path = xstrdup(path);
	create_private(path, true);
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

/*
 * Why this user cannot write the database at `path`, or NULL if it can
 * (as far as access(2) and statvfs(3) tell); the caller frees.
 */
static char *
write_denied(const char *path)
{
	struct statvfs	 fs;
	char		*dir, *slash, *why = NULL;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		free(dir);
		dir = xstrdup(".");
	} else
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (statvfs(dir, &fs) == 0 && (fs.f_flag & ST_RDONLY))
		why = xasprintf("the file system holding %s is mounted "
		    "read-only", path);
	else if (access(path, W_OK) != 0 && errno == EACCES)
		why = xasprintf("user %u may not write %s (check its owner "
		    "and mode)", (unsigned)geteuid(), path);
	else if (access(dir, W_OK | X_OK) != 0 && errno == EACCES)
		why = xasprintf("user %u may not write the directory %s, where "
		    "SQLite keeps the database's -wal and -shm files",
		    (unsigned)geteuid(), dir);
	free(dir);
	return why;
}

/* "file:PATH?mode=ro[&immutable=1]", with ? # % in PATH escaped. */
static char *
ro_uri(const char *path, bool immutable)
{
	struct buf	 b;
	const char	*p;

	buf_init(&b, 0);
	(void)buf_puts(&b, "file:", NULL);
	for (p = path; *p != '\0'; p++)
		if (*p == '?' || *p == '#' || *p == '%')
			(void)buf_printf(&b, NULL, "%%%02X", (unsigned char)*p);
		else
			(void)buf_append(&b, p, 1, NULL);
	(void)buf_puts(&b, immutable ? "?mode=ro&immutable=1" : "?mode=ro",
	    NULL);
	return buf_take(&b);
}

/*
 * Read-only, for reads.  A WAL database needs its -shm file: without one
 * (no writer is connected) and no right to make it, or on a read-only
 * file system, the database is opened immutable.
 */
static struct store *
open_readonly(const char *path, char *why, struct derr *err)
{
	struct store	*s = xcalloc(1, sizeof(*s));
	char		*uri, *shm;
	int		 rc;

	s->path = xstrdup(path);
	s->readonly = why;
	/* No -shm file: no writer is connected, and none could be made. */
	shm = xasprintf("%s-shm", path);
	uri = ro_uri(path, strstr(why, "read-only") != NULL ||
	    access(shm, F_OK) != 0);
	free(shm);
	rc = sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
	free(uri);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
		rc = get_user_version(s, &s->version, err) < 0 ? -1 : 0;
	} else
		derr_set(err, DERR_SYS, false, "%s: cannot be read: %s", path,
		    why);
	if (rc == 0 && s->version != (int)migrations_count)
		rc = derr_set(err, DERR_SYS, false, "%s: schema version %d, "
		    "not %zu, and it cannot be upgraded: %s", path, s->version,
		    migrations_count, why);
	if (rc != 0) {
		store_close(s);
		return NULL;
	}
	return s;
}

struct store *
store_open_read(const char *path, struct derr *err)
{
	struct store	*s;
	struct derr	 rw = { 0 };
	char		*why;

	if ((s = store_open(path, &rw)) != NULL)
		return s;
	if (access(path, F_OK) != 0 || (why = write_denied(path)) == NULL) {
		*err = rw;
		return NULL;
	}
	return open_readonly(path, why, err);
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
	st_results_clear(s);
	free(s->results);
	journal_free(s->journal);
	free(s->path);
	free(s->readonly);
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

int
st_audit(struct store *s, const char *who, int64_t now, const char *action,
    const char *object, const char *before, const char *after,
    struct derr *err)
{
	sqlite3_stmt	*st;

	if ((st = st_cached(s, STMT_AUDIT, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	st_bind_text(st, 2, who);
	st_bind_text(st, 3, action);
	st_bind_text(st, 4, object);
	st_bind_text(st, 5, before);
	st_bind_text(st, 6, after);
	return st_step_kept(s, st, "audit", err);
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

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		a = &out->v[out->n++];
		a->id = sqlite3_column_int64(st, 0);
		a->at = sqlite3_column_int64(st, 1);
		a->who = st_col_dup(st, 2);
		a->action = st_col_dup(st, 3);
		a->object = st_col_dup(st, 4);
		a->before = st_col_dup(st, 5);
		a->after = st_col_dup(st, 6);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return st_db_err(s, err, "audit list");
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

/* ---- daemon state -------------------------------------------------- */

int
store_state_get(struct store *s, const char *name, char **value,
    struct derr *err)
{
	static const char sql[] = "SELECT value FROM daemon_state WHERE name = ?";
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*value = st_col_dup(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return st_db_err(s, err, "state");
}

int
store_state_list(struct store *s, const char *prefix, struct strv *names,
    struct strv *values, struct derr *err)
{
	static const char sql[] = "SELECT name, value FROM daemon_state "
	    "WHERE substr(name, 1, length(?1)) = ?1 ORDER BY name";
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, prefix);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		strv_push(names, (const char *)sqlite3_column_text(st, 0));
		strv_push(values, (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : st_db_err(s, err, "state");
}

int
store_state_set(struct store *s, const char *name, const char *value,
    int64_t now, struct derr *err)
{
	static const char sql[] = "INSERT INTO daemon_state (name, value, "
	    "updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE "
	    "SET value = ?2, updated_at = ?3";
	sqlite3_stmt	*st;

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	st_bind_text(st, 1, name);
	st_bind_text(st, 2, value);
	sqlite3_bind_int64(st, 3, now);
	return st_step_done(s, st, "state set", err);
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

	if ((st = st_prep(s, sql, err)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*at = sqlite3_column_int64(st, 0);
		*result = st_col_dup(st, 1);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return st_db_err(s, err, "mailbox state");
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
	create_private(tmp, false);
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
