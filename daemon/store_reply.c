/*
 * store: replies by email, officers' answers to reminders (migration 010;
 * see store.h).
 */
#include "store.h"

#include <ctype.h>
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
