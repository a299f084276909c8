/*
 * mime: build outgoing mail from structured fields with GMime 3 (the only
 * module that includes GMime).  Headers are encoded by GMime (RFC 2047 for
 * the subject and display names), bodies are UTF-8 in base64 or
 * quoted-printable, so no line is longer than 76 characters.  Every field
 * is validated before GMime sees it; this module must not paste header
 * text together, send anything or touch the disk.
 *
 * It also parses incoming mail (mime_parse) for the feedback mailbox:
 * hostile input is expected, so every step is bounded (MIME structure,
 * decoded text, excerpt) and nothing in a message can make it fail other
 * than a malformed buffer it cannot even read as headers.
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
	const char	*reply_to;	/* Reply-To address, may be NULL */
	const char	*token;		/* X-Dutyd-Token: [A-Z2-7]+, or NULL */
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

/* One incoming message, decoded. All strings UTF-8 without controls. */
struct mime_msg {
	char		*subject;	/* decoded Subject, "" if none */
	char		*from;		/* "Name <addr>" or "addr", "" if none */
	char		*message_id;	/* without <>, NULL if none or invalid */
	char		*header_hash;	/* SHA-256 hex of the raw header block */
	char		*content_hash;	/* SHA-256 hex of the whole message */
	int64_t		 date;		/* Date in Unix seconds UTC */
	bool		 date_flagged;	/* Date missing or garbage: arrival */
	char		*excerpt;	/* text/plain, else text of the HTML */
	struct strv	 attachments;	/* file names (decoded) */
	char		*note;		/* what could not be read, or NULL */
	char		*from_addr;	/* the From address alone, "" if none */
	/* "citizen", or "bounce" (multipart/report, MAILER-DAEMON,
	 * postmaster) or "auto" (RFC 3834 Auto-Submitted, X-Autoreply,
	 * Precedence auto_reply, 自动回复…): static, never freed. */
	const char	*kind;
	/* A bounce's report (RFC 3464), each NULL if it does not say:
	 * Final-Recipient's address, Action ("failed", "delayed"), Status
	 * ("5.1.1"), Diagnostic-Code ("smtp; 550 5.1.1 User unknown"), and
	 * the Message-ID (without <>) of the message it returns. */
	char		*dsn_rcpt;
	char		*dsn_action;
	char		*dsn_status;
	char		*dsn_diag;
	char		*dsn_msgid;
	/* Every recipient the report names (its per-recipient groups,
	 * each with a Final-Recipient), in order, at most MIME_DSN_MAX. */
	struct mime_dsn_rcpt	*dsn_v;
	size_t			 dsn_n;
};

/* Recipients of a bounce's report kept, at most. */
#define MIME_DSN_MAX	32
/* One recipient of a bounce's report (RFC 3464 per-recipient fields):
 * the Final-Recipient's address, and its Action, Status and
 * Diagnostic-Code, each NULL if the group does not say. */
struct mime_dsn_rcpt {
	char		*rcpt;
	char		*action;
	char		*status;
	char		*diag;
};

/* Longest excerpt kept, in characters (whitespace runs count as one). */
#define MIME_EXCERPT_MAX	500
/*
 * A message is read up to the line where it passes MIME_PARTS_MAX part
 * boundaries ("--" lines) or Content-Type lines (parts and nesting), or
 * MIME_FIELDS_MAX lines that look like header fields; `note` says so.
 */
#define MIME_PARTS_MAX		200
#define MIME_FIELDS_MAX		10000

/*
 * Parse the RFC 5322 message `data` (`len` bytes, any line ends) into
 * `out`. `arrival` (Unix seconds) stands in for a missing or unparsable
 * Date, which sets date_flagged.  A Date without a zone, or with "CST"
 * when `utc_offset` (minutes east of UTC, the office's zone) is +480, is
 * read in the office's zone and flagged as assumed.  Subject and From are
 * decoded from RFC 2047 in any charset iconv knows; GB2312, GBK and
 * EUC-CN labels are read as GB18030, and raw 8-bit header text as UTF-8
 * or else GB18030.  The excerpt comes from the first text/plain part
 * shown inline, else (or if that is blank) from the first text/html part
 * with tags, scripts and styles removed.  Past the bounds above the rest
 * is not read and `note` says so; time and memory are linear in `len`
 * whatever its structure.  Returns 0 (out filled, free with
 * mime_msg_clear) or -1 with DERR_INPUT if `data` holds no header at all.
 */
int	mime_parse(const char *data, size_t len, int64_t arrival,
	    int utc_offset, struct mime_msg *out, struct derr *);
void	mime_msg_clear(struct mime_msg *);

/*
 * Text of an HTML fragment: tags removed, script/style content dropped,
 * block tags and <br> become line breaks, entities decoded. Appends to
 * `out` (bounded by its maximum; hitting it just stops). For tests.
 */
void	mime_html_text(const char *html, size_t len, struct buf *out);

/* ---- answers to dutyd's own mail (mime_reply.c) ------------------- */

/* An attachment of an answer: its bytes, or only its name when larger
 * than the limit given to mime_reply_parse. */
struct mime_file {
	char		*name;		/* decoded, no path, no controls */
	char		*data;		/* NULL when too large */
	size_t		 len;		/* decoded size (as far as read) */
	bool		 too_big;
};

struct mime_reply {
	char		*in_reply_to;	/* first msg-id, no <>, or NULL */
	struct strv	 references;	/* msg-ids, no <>, at most 50 */
	struct strv	 auth_results;	/* Authentication-Results values */
	char		*text;		/* the reply's text, lines kept */
	struct mime_file *files;
	size_t		 nfiles;
	bool		 too_many;	/* more than MIME_REPLY_FILES */
};

#define MIME_REPLY_FILES	20
#define MIME_REPLY_TEXT_MAX	(64 * 1024)

/*
 * Parse an answer (`data`, `len` bytes, at most mailbox.max_size): the
 * threading headers, Authentication-Results, the first text/plain part
 * (else the text of the first text/html part) as UTF-8 with its line
 * breaks, at most MIME_REPLY_TEXT_MAX bytes, and the attachments, each
 * decoded up to `max_file` bytes (a larger one keeps its name and sets
 * too_big).  Returns 0 (free with mime_reply_clear) or -1 (DERR_INPUT)
 * if `data` holds no header.
 */
int	mime_reply_parse(const char *data, size_t len, size_t max_file,
	    struct mime_reply *out, struct derr *);
void	mime_reply_clear(struct mime_reply *);

#endif
