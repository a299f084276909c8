/*
 * outbox's private header: what its files share (outbox_compose.c,
 * outbox_reply.c).  Nothing outside the outbox module includes it.
 */
#ifndef DUTYD_OUTBOX_INT_H
#define DUTYD_OUTBOX_INT_H

#include <stddef.h>
#include <stdint.h>

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

#endif
