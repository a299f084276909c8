/*
 * outbox: reminders officers can answer by replying (issue 18).  Each
 * email gets a token, an HMAC of whom it goes to, which measures it is
 * about and its Message-ID, in the subject (phone clients keep it) and
 * in an X-Dutyd-Token header; the store keeps the token so the mailbox
 * can tell an answer from 群众意见 and check it came back to the right
 * person.
 */
#include "outbox_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "outbox.h"
#include "sign.h"
#include "util.h"

/* The measures among the notifications, as "12,15" (caller frees). */
static char *
items_csv(const struct notif *v, size_t n)
{
	int64_t	*ids = xcalloc(n + 1, sizeof(*ids));
	char	*s;
	size_t	 i, k = 0;

	for (i = 0; i < n; i++)
		if (v[i].what == NOTIF_ITEM)
			ids[k++] = v[i].item_id;
	s = notif_items_csv(ids, k);
	free(ids);
	return s;
}

int
outbox_reply_sign_items(const struct cfg_replies *rc, const char *items,
    struct outbox_row *row, struct derr *err)
{
	char	 tok[SIGN_TOKEN_LEN + 1];
	char	*key, *msg, *subject;
	int	 r;

	if (secret_file_read(rc->key_file, &key, err) < 0) {
		derr_prefix(err, "replies.key_file");
		return -1;
	}
	msg = notif_token_input(row->person, items, row->message_id);
	r = sign_token(key, strlen(key), msg, tok, err);
	xfree_secret(key);
	free(msg);
	if (r < 0)
		return -1;
	subject = xasprintf("%s [#%s]", row->subject, tok);
	free(row->subject);
	row->subject = subject;
	free(row->reply_token);
	row->reply_token = xstrdup(tok);
	return 0;
}

int
outbox_reply_sign(const struct cfg_replies *rc, const struct notif *v,
    size_t n, struct outbox_row *row, struct derr *err)
{
	char	*ids = items_csv(v, n);
	int	 r;

	r = outbox_reply_sign_items(rc, ids, row, err);
	free(ids);
	return r;
}

int
outbox_reply_record_items(struct store *st, const struct outbox_row *row,
    const char *kind, const char *items, int64_t request_id,
    struct derr *err)
{
	struct reply_token	 t = { 0 };
	char			*k = xstrdup(kind), *ids = xstrdup(items);
	int			 r;

	if (row->reply_token == NULL) {
		free(k);
		free(ids);
		return 0;
	}
	t.token = row->reply_token;
	t.message_id = row->message_id;
	t.kind = k;
	t.person = row->person;
	t.items = ids;
	t.request_id = request_id;
	t.created_at = row->created_at;
	r = store_reply_token_add(st, &t, err);
	free(k);
	free(ids);
	return r;
}

int
outbox_reply_record(struct store *st, const struct outbox_row *row,
    const struct notif *v, size_t n, struct derr *err)
{
	char	*ids = items_csv(v, n);
	int	 r;

	r = outbox_reply_record_items(st, row, "reminder", ids, 0, err);
	free(ids);
	return r;
}

int
outbox_enqueue_answerable(struct store *st, const struct cfg *cfg,
    const struct cal *cal, const char *kind, const char *key,
    const char *person, const char *subject, const char *text,
    const char *items, int64_t request_id, int64_t now, struct derr *err)
{
	const struct cfg_person	*p = cfg_person_get(cfg, person);
	struct outbox_row	 row = { 0 };
	int64_t			 id = 0;
	int			 r;

	if (p == NULL || p->email == NULL || p->disabled)
		return derr_set(err, DERR_CONFIG, false, "%s: %s has no email "
		    "address or is disabled", key, person);
	row.key = xstrdup(key);
	row.kind = xstrdup(kind);
	row.channel = xstrdup("email");
	row.person = xstrdup(p->key);
	row.recipient = xstrdup(p->email);
	row.recipient_name = xstrdup(p->name);
	row.subject = xstrdup(subject);
	row.body_text = xstrdup(text);
	row.message_id = outbox_row_message_id(key, cfg->smtp.from);
	row.created_at = now;
	row.next_attempt_at = now;
	if (cfg->replies.enabled && outbox_reply_sign_items(&cfg->replies,
	    items, &row, err) < 0) {
		outbox_row_clear(&row);
		return -1;
	}
	outbox_row_build(cfg, cal, &row);
	if (store_begin(st, err) < 0) {
		outbox_row_clear(&row);
		return -1;
	}
	r = store_outbox_insert(st, &row, &id, err);
	if (r > 0 && outbox_reply_record_items(st, &row, "approval", items,
	    request_id, err) < 0)
		r = -1;
	outbox_row_clear(&row);
	if (r < 0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, err) < 0 ? -1 : r;
}
