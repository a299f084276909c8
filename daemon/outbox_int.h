/*
 * outbox: what its two files share (outbox_compose.c, outbox_deliver.c).
 * Not for use outside the outbox module.
 */
#ifndef DUTYD_OUTBOX_INT_H
#define DUTYD_OUTBOX_INT_H

#include "mime.h"
#include "store.h"
#include "util.h"

/* An email's size cap: the templates' output, encoded, with headers. */
#define OUTBOX_MAIL_MAX	(4 * 1024 * 1024)

/*
 * Build the email of `row` (RFC 5322, CRLF line ends) with mime from the
 * row's fields: sender `from_addr`/`from_name`, its recipient, subject,
 * bodies, Message-ID, and Date `row->created_at` in `utc_offset` (minutes
 * east of UTC).  The only place dutyd builds an outgoing email: at queue
 * time, and for a row queued without its message (an older dutyd, or a
 * build that failed then) when it is sent.  `mb` may be NULL; a builder
 * only makes many builds cheaper (same bytes).  Appends to `out`; returns
 * 0, or -1 with mime_build's error (DERR_INPUT, permanent).
 */
int	outbox_mail_build(struct mime_builder *mb, const char *from_addr,
	    const char *from_name, const struct outbox_row *row,
	    int utc_offset, struct buf *out, struct derr *);

#endif
