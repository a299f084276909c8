/*
 * mime: what mime.c, mime_parse.c and mime_charset.c share; not for other
 * modules.
 * mime_charset.c turns untrusted bytes in a stated (or unstated, or
 * wrongly stated) charset into UTF-8: an alias table for the labels
 * senders get wrong, libuchardet when the label is missing, unknown or
 * contradicted by the bytes, and an HZ-GB-2312 (RFC 1843) decoder.
 */
#ifndef DUTYD_MIME_INT_H
#define DUTYD_MIME_INT_H

#include <stdbool.h>
#include <stddef.h>

/* A Message-ID dutyd would write: printable, no <>, one @, capped. */
bool	mime_msgid_valid(const char *s);

/*
 * `n` bytes of body text labelled `label` (NULL: none) as UTF-8, NUL-
 * terminated, malloc'd (may still hold invalid sequences replaced by
 * '?').  Valid UTF-8 wins over any label; a label whose charset the bytes
 * are invalid in, a missing or unknown label, or a Latin one on Chinese
 * bytes is replaced by what libuchardet finds (Chinese charsets first).
 */
char	*mime_charset_text(const char *label, const char *bytes, size_t n);

/*
 * Fill m->dsn_* from a bounce: the first Final-Recipient, Action, Status,
 * Diagnostic-Code and Message-ID lines after its own header (`hlen`
 * bytes of `data`), within its first 64 KiB; and m->dsn_v with each
 * group of lines (up to a blank line) that has a Final-Recipient: one
 * per recipient, its fields in any order.
 */
struct mime_msg;
void	mime_dsn_read(const char *data, size_t len, size_t hlen,
	    struct mime_msg *m);

/*
 * `n` bytes of ISO-2022-JP text as UTF-8, NEC row 13 (No., circled
 * digits) included; malloc'd, '?' for what cannot be read.
 */
char	*mime_charset_jis(const char *bytes, size_t n);

/*
 * The charset of the raw 8-bit text in a header block (`n` bytes), for
 * mime_charset_header: libuchardet's guess if it is a CJK charset, else
 * GB18030.  Returns a static name.
 */
const char *mime_charset_guess_header(const char *block, size_t n);

/*
 * A raw header value with 8-bit bytes that are not UTF-8, converted from
 * `cs` (mime_charset_guess_header), else GB18030, else Big5; malloc'd.
 * NULL if the value needs nothing (ASCII or UTF-8).
 */
char	*mime_charset_header(const char *value, const char *cs);

/* ---- the text of parts (mime_text.c) ---------------------------- */

/* Decoded text parts larger than this are cut before the excerpt is made. */
#define MIME_TEXT_MAX		(1024 * 1024)

/*
 * mime_clean_text: `s` (taken, g_malloc'd) made safe to store and show:
 * valid UTF-8, controls and runs of whitespace one space, direction
 * marks dropped, trimmed, at most `max` bytes (and, for _n, `chars`
 * characters).  malloc'd.
 */
char	*mime_clean_text(char *s, size_t max);
char	*mime_clean_text_n(char *s, size_t max, size_t chars);
/* `s` (malloc'd, taken) cut to `chars` characters, with "…" if cut. */
char	*mime_excerpt_cut(char *s, size_t chars);
/* How much of `t` an excerpt can need (a character boundary). */
size_t	 mime_excerpt_span(const char *t);
/* End `t` where the sender's own words end within its first `span`
 * bytes: a quote, a signature, a phone's trailer. */
void	 mime_quote_cut(char *t, size_t span);
/* A text part's decoded text (transfer encoding, charset, flowed) as
 * UTF-8, malloc'd; GMime's GMimePart, named without its header. */
struct _GMimePart;
char	*mime_part_text(struct _GMimePart *);
/* Does `s` start with `p`, ASCII case aside? */
bool	 mime_prefix_ci(const char *s, const char *p);

#endif
