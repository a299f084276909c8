/*
 * outbox's private header: what its files share (outbox_compose.c,
 * outbox_reply.c).  Nothing outside the outbox module includes it.
 */
#ifndef DUTYD_OUTBOX_INT_H
#define DUTYD_OUTBOX_INT_H

#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "config.h"
#include "err.h"
#include "model.h"
#include "store.h"

/*
 * Make email `row` (person, message_id and subject set) answerable: a
 * token bound to the person, the measures among the `n` notifications
 * `v` it carries and the Message-ID,
 * with the key read from replies->key_file, into row->reply_token and
 * appended to the subject as " [#TOKEN]".  0, or -1 (DERR_CONFIG if the
 * key cannot be read).
 */
int	outbox_reply_sign(const struct cfg_replies *, const struct notif *v,
	    size_t n, struct outbox_row *row, struct derr *);

/* Record row's token (none: nothing) as the row is queued; 0 or -1. */
int	outbox_reply_record(struct store *, const struct outbox_row *row,
	    const struct notif *v, size_t n, struct derr *);

/* The Message-ID of the row with `key` (caller frees), and the email of
 * `row` built as it will go out (outbox_compose.c). */
char	*outbox_row_message_id(const char *key, const char *from);
void	outbox_row_build(const struct cfg *, const struct cal *,
	    struct outbox_row *row);

/*
 * The core of the two above for any answerable email: sign `row` for
 * the measure ids `items` ("12,15"), and record the token as `kind`
 * ("reminder", "approval" with the reply `request_id` it asks about).
 */
int	outbox_reply_sign_items(const struct cfg_replies *, const char *items,
	    struct outbox_row *row, struct derr *);
int	outbox_reply_record_items(struct store *, const struct outbox_row *row,
	    const char *kind, const char *items, int64_t request_id,
	    struct derr *);

#endif
