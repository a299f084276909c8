/*
 * mime: build outgoing mail from structured fields with GMime 3 (the only
 * module that includes GMime).  Headers are encoded by GMime (RFC 2047 for
 * the subject and display names), bodies are UTF-8 in base64 or
 * quoted-printable, so no line is longer than 76 characters.  Every field
 * is validated before GMime sees it; this module must not paste header
 * text together, send anything or touch the disk.
 * XXX parsing incoming mail (for mailbox) belongs here too and is missing.
 */
#ifndef DUTYD_MIME_H
#define DUTYD_MIME_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "util.h"

/* One outgoing message. Strings are UTF-8 and borrowed. */
struct mime_out {
	const char	*from_addr;	/* required, addr_email_valid */
	const char	*from_name;	/* display name, may be NULL */
	const char	*to_addr;	/* required, addr_email_valid */
	const char	*to_name;	/* display name, may be NULL */
	const char	*subject;	/* required, may be empty */
	const char	*text;		/* text/plain body, required */
	const char	*html;		/* text/html body, NULL: text only */
	const char	*message_id;	/* "left@right", no <> */
	int64_t		 date;		/* Unix seconds */
	int		 utc_offset;	/* minutes east of UTC, for Date: */
	bool		 lf;		/* LF line ends (maildir), else CRLF */
};

/* Initialise and shut down GMime; once per process, from main. */
void	mime_global_init(void);
void	mime_global_cleanup(void);

/*
 * Build the RFC 5322 message `m` and append it to `out` (CRLF line ends
 * unless m->lf). With html it is multipart/alternative (text/plain, then
 * text/html), else a single text/plain part. Headers: From, To, Subject,
 * Date (in m->utc_offset, e.g. +0800), Message-ID, MIME-Version,
 * Auto-Submitted: auto-generated and X-Auto-Response-Suppress: All.
 * Returns 0, or -1 with DERR_INPUT (permanent) if a header field holds
 * CR, LF or another control character, a text is not UTF-8, an address
 * is invalid, or `out` would exceed its maximum. `out` may hold a partial
 * message after an error.
 */
int	mime_build(const struct mime_out *m, struct buf *out, struct derr *);

/*
 * The same, for many messages: a builder keeps the GMime tree of the last
 * message of each shape and refills it, which is several times cheaper
 * than building it anew.  Output and errors are exactly mime_build's.
 */
struct mime_builder;
struct mime_builder *mime_builder_new(void);
void	mime_builder_free(struct mime_builder *);
int	mime_builder_build(struct mime_builder *, const struct mime_out *,
	    struct buf *, struct derr *);

#endif
