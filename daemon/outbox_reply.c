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
outbox_reply_sign(const struct cfg_replies *rc, const struct notif *v,
    size_t n, struct outbox_row *row, struct derr *err)
{
	char	 tok[SIGN_TOKEN_LEN + 1];
	char	*key, *ids, *msg, *subject;
	int	 r;

	if (secret_file_read(rc->key_file, &key, err) < 0) {
		derr_prefix(err, "replies.key_file");
		return -1;
	}
	ids = items_csv(v, n);
	msg = notif_token_input(row->person, ids, row->message_id);
	r = sign_token(key, strlen(key), msg, tok, err);
	xfree_secret(key);
	free(msg);
	free(ids);
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
outbox_reply_record(struct store *st, const struct outbox_row *row,
    const struct notif *v, size_t n, struct derr *err)
{
	struct reply_token	 t = { 0 };
	char			 kind[] = "reminder";
	int			 r;

	if (row->reply_token == NULL)
		return 0;
	t.token = row->reply_token;
	t.message_id = row->message_id;
	t.kind = kind;
	t.person = row->person;
	t.items = items_csv(v, n);
	t.created_at = row->created_at;
	r = store_reply_token_add(st, &t, err);
	free(t.items);
	return r;
}
