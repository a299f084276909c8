/*
 * mime: the text of incoming mail's parts, for mime_parse.c and
 * mime_reply.c: decoded to UTF-8 and cleaned (valid, no controls or
 * direction overrides, spaces collapsed), format=flowed joined, cut
 * where the sender's own words end (quotes, signatures, phone trailers),
 * and HTML turned into its text.
 */
#include "mime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "mime_int.h"
#include "util.h"

/* Next character of valid UTF-8 (g_utf8_next_char casts const away). */
static const char *
utf8_next(const char *p)
{
	unsigned char	 c = (unsigned char)*p;

	if (c < 0x80)
		return p + 1;
	if (c >= 0xf0)
		return p + 4;
	if (c >= 0xe0)
		return p + 3;
	return p + 2;
}

/* Marks that reorder what follows (U+202E shows "gpj.exe" as
 * "exe.jpg"): U+061C, U+200E-F, U+202A-E, U+2066-9. */
static bool
is_bidi(const char *p)
{
	const unsigned char	*u = (const unsigned char *)p;

	if (u[0] == 0xd8 && u[1] == 0x9c)
		return true;
	if (u[0] != 0xe2 || u[1] < 0x80 || u[1] > 0x81)
		return false;
	if (u[1] == 0x80)
		return u[2] == 0x8e || u[2] == 0x8f ||
		    (u[2] >= 0xaa && u[2] <= 0xae);
	return u[2] >= 0xa6 && u[2] <= 0xa9;
}

/* The length of the character at `p` if it is valid UTF-8 as GLib's
 * g_utf8_validate judges it (no overlong form, surrogate or code point
 * past U+10FFFF), else 0; a NUL ends every sequence. */
static size_t
utf8_valid(const unsigned char *p)
{
	uint32_t	 c;
	size_t		 len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xc2)
		return 0;
	if (p[0] < 0xe0) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] < 0xf0) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] < 0xf5) {
		len = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

/*
 * Make `s` (taken) safe to store and show: valid UTF-8, controls (C0
 * and C1) and runs of whitespace become one space, direction marks and
 * overrides are dropped, trimmed, at most `max` bytes cut
 * on a character boundary. Returns a malloc'd string.
 */
char *
mime_clean_text_n(char *s, size_t max, size_t chars)
{
	const unsigned char	*p;
	unsigned char		 c;
	char			*o;
	bool			 space = false;
	size_t			 clen, n = 0, len, i, nc = 0;

	/* One pass, which also makes the text valid UTF-8 (each byte that
	 * is not becomes U+FFFD, as g_utf8_make_valid does), and tests
	 * lead bytes before anything else: two passes with a call per
	 * character cost a seventh of the mailbox fetch. */
	len = s != NULL ? strlen(s) : 0;
	o = xmalloc((len < max / 3 ? len * 3 : max) + 1);
	for (p = (const unsigned char *)(s != NULL ? s : "");
	    (c = *p) != '\0' && nc < chars; p += clen) {
		/* Most Chinese text: a three-byte character no test below
		 * can match (E0, ED, EF need the full check, E2 and E3 hold
		 * direction marks and the ideographic space). */
		if (c >= 0xe4 && c <= 0xec && (p[1] & 0xc0) == 0x80 &&
		    (p[2] & 0xc0) == 0x80) {
			clen = 3;
			if (n + 3 + (space ? 1 : 0) > max)
				break;
			if (space)
				o[n++] = ' ';
			space = false;
			o[n++] = (char)c;
			o[n++] = (char)p[1];
			o[n++] = (char)p[2];
			nc++;
			continue;
		}
		clen = 1;
		if (c <= 0x20 || c == 0x7f) {		/* C0, space, DEL */
			space = n > 0;
			continue;
		}
		if (c >= 0x80 && (clen = utf8_valid(p)) == 0) {
			clen = 1;	/* not UTF-8: U+FFFD, as one character */
			if (n + 3 + (space ? 1 : 0) > max)
				break;
			if (space)
				o[n++] = ' ';
			space = false;
			memcpy(o + n, "\xef\xbf\xbd", 3);
			n += 3;
			nc++;
			continue;
		}
		/* C1 controls and the no-break space (U+0080..U+00A0), the
		 * ideographic space that indents a Chinese paragraph: a
		 * space.  Direction marks, and the byte order mark some
		 * mailers put first: nothing. */
		if ((c == 0xc2 && p[1] <= 0xa0) ||
		    (c == 0xe3 && p[1] == 0x80 && p[2] == 0x80)) {
			space = n > 0;
			continue;
		}
		if (((c == 0xd8 || c == 0xe2) && is_bidi((const char *)p)) ||
		    (c == 0xef && p[1] == 0xbb && p[2] == 0xbf))
			continue;
		if (n + clen + (space ? 1 : 0) > max)
			break;
		if (space)
			o[n++] = ' ';
		space = false;
		for (i = 0; i < clen; i++)
			o[n++] = (char)p[i];
		nc++;
	}
	o[n] = '\0';
	g_free(s);
	return o;
}

char *
mime_clean_text(char *s, size_t max)
{
	return mime_clean_text_n(s, max, SIZE_MAX);
}

/* Cut `s` (malloc'd) to `chars` characters, adding "…" when cut. */
char *
mime_excerpt_cut(char *s, size_t chars)
{
	const char	*p = s;
	char		*out;
	size_t		 i;

	for (i = 0; i < chars && *p != '\0'; i++)
		p = utf8_next(p);
	if (*p == '\0')
		return s;
	out = xasprintf("%.*s…", (int)(p - s), s);
	free(s);
	return out;
}

bool
mime_prefix_ci(const char *s, const char *p)
{
	return g_ascii_strncasecmp(s, p, strlen(p)) == 0;
}

/* The signature line "-- " starts at p. */
static bool
sig_line(const char *p)
{
	return strncmp(p, "-- \n", 4) == 0 || strncmp(p, "-- \r\n", 5) == 0;
}

/*
 * Undo format=flowed (RFC 3676 4.2): a line that ends in a space goes on
 * in the next.  With delsp=yes the space was only put there to mark the
 * break (Apple Mail breaks Chinese text, which has no spaces, so), and
 * goes too.  The signature line "-- " is not flowed.
 */
static void
flowed_join(char *s, bool delsp)
{
	const char	*r = s;
	char		*w = s;
	size_t		 nl;
	bool		 sig;

	/* Read at each line's start, before anything is written over it. */
	sig = sig_line(r);
	while (*r != '\0') {
		nl = 0;
		if (r[0] == ' ' && r[1] == '\n')
			nl = 1;
		else if (r[0] == ' ' && r[1] == '\r' && r[2] == '\n')
			nl = 2;
		if (nl > 0 && !sig) {
			if (!delsp)
				*w++ = ' ';
			r += nl + 1;
			sig = sig_line(r);
			continue;
		}
		if (*r == '\n')
			sig = sig_line(r + 1);
		*w++ = *r++;
	}
	*w = '\0';
}

/* The bytes of `dw` decoded through GMime's filter stream, in `*n`. */
static char *
wrapper_bytes(GMimeDataWrapper *dw, size_t *n)
{
	GMimeStream	*mem = g_mime_stream_mem_new();
	GByteArray	*ba;
	char		*out;

	g_mime_data_wrapper_write_to_stream(dw, mem);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	*n = ba->len;
	out = xmalloc(ba->len + 1);
	/* An empty GByteArray has no data pointer at all. */
	if (ba->len > 0)
		memcpy(out, ba->data, ba->len);
	g_object_unref(mem);
	return out;
}

/*
 * Decoded (transfer encoding and charset) text of a part, as UTF-8.
 * Base64 and quoted-printable (and bytes as they are) are decoded in one
 * step: GMime's data wrapper builds a filter stream and its objects for
 * each part (a twentieth of the mailbox fetch).  Anything else
 * (uuencode, which first looks for its "begin" line) goes through it.
 */
char *
mime_part_text(GMimePart *part)
{
	GMimeDataWrapper	*dw = g_mime_part_get_content(part);
	GMimeContentEncoding	 ce;
	GMimeStream		*src;
	GMimeEncoding		 enc;
	gint64			 len;
	ssize_t			 got;
	size_t			 n;
	const char		*v;
	char			*in, *out, *s;

	if (dw == NULL)
		return xstrdup("");
	ce = g_mime_data_wrapper_get_encoding(dw);
	if (ce != GMIME_CONTENT_ENCODING_BASE64 &&
	    ce != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
	    ce != GMIME_CONTENT_ENCODING_DEFAULT &&
	    ce != GMIME_CONTENT_ENCODING_7BIT &&
	    ce != GMIME_CONTENT_ENCODING_8BIT &&
	    ce != GMIME_CONTENT_ENCODING_BINARY)
		out = wrapper_bytes(dw, &n);
	else {
		if ((src = g_mime_data_wrapper_get_stream(dw)) == NULL ||
		    g_mime_stream_reset(src) == -1 ||
		    (len = g_mime_stream_length(src)) <= 0)
			return xstrdup("");
		in = xmalloc((size_t)len);
		for (n = 0; n < (size_t)len; n += (size_t)got)
			if ((got = g_mime_stream_read(src, in + n,
			    (size_t)len - n)) <= 0)
				break;
		if (ce == GMIME_CONTENT_ENCODING_BASE64 ||
		    ce == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE) {
			g_mime_encoding_init_decode(&enc, ce);
			out = xmalloc(g_mime_encoding_outlen(&enc, n) + 1);
			n = g_mime_encoding_flush(&enc, in, n, out);
			free(in);
		} else
			out = in;
	}
	s = n == 0 ? xstrdup("") : mime_charset_text(
	    g_mime_object_get_content_type_parameter(GMIME_OBJECT(part),
	    "charset"), out, n > MIME_TEXT_MAX ? MIME_TEXT_MAX : n);
	free(out);
	v = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part),
	    "format");
	if (v != NULL && g_ascii_strcasecmp(v, "flowed") == 0) {
		v = g_mime_object_get_content_type_parameter(
		    GMIME_OBJECT(part), "delsp");
		flowed_join(s, v != NULL && g_ascii_strcasecmp(v, "yes") == 0);
	}
	return s;
}

/*
 * How much of `t` the excerpt can need: eight bytes a character (runs of
 * spaces collapse), cut at a character boundary; cleaning the rest of a
 * long body only to drop it cost more than parsing the message.
 */
size_t
mime_excerpt_span(const char *t)
{
	size_t	 n = strnlen(t, MIME_EXCERPT_MAX * 8 + 1);

	if (n <= MIME_EXCERPT_MAX * 8)
		return n;
	while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* Does the line at p start with one of `words`? */
static bool
line_starts(const char *p, const char *const *words)
{
	size_t	 i;

	for (i = 0; words[i] != NULL; i++)
		if (mime_prefix_ci(p, words[i]))
			return true;
	return false;
}

/* Does the line [p, eol) end with `w`, blanks after it aside? */
static bool
line_ends(const char *p, const char *eol, const char *w)
{
	size_t	 n = strlen(w);

	while (eol > p && (eol[-1] == ' ' || eol[-1] == '\t' ||
	    eol[-1] == '\r'))
		eol--;
	return (size_t)(eol - p) >= n && memcmp(eol - n, w, n) == 0;
}

/* Lines that start what a reader does not want in the excerpt: the
 * phone mailers' trailers, and the first line of a quoted header block
 * (Outlook, Aliyun, Thunderbird's forward) when the next is its date. */
static const char *const trailer_lines[] = { "发自我的",
	"发自网易邮箱", "Sent from my", NULL };
static const char *const quote_from[] = { "发件人", "From:", NULL };
static const char *const quote_date[] = { "发送时间", "时间", "日期",
	"Sent:", "Date:", NULL };
static const char *const quote_marks[] = { "原始邮件", "原邮件",
	"转发的消息", "转发邮件信息", "Original Message",
	"Forwarded message", NULL };

/*
 * Is the line [p, eol) where the sender's own words end?  A quote
 * ("> "), a client's quote line ("------ 原始邮件 ------", "-----Original
 * Message-----", "…于2026年…写道：", "On … wrote:"), a header block
 * of the quoted mail (after a line of '_' or '-', or alone), a
 * signature ("-- ") or a phone's "发自我的iPhone".
 */
static bool
quote_line(const char *p, const char *eol, const char *next)
{
	const char	*q = p;
	size_t		 i;

	while (q < eol && (*q == ' ' || *q == '\t'))
		q++;
	if (q < eol && *q == '>')
		return true;
	if (eol - p >= 3 && strncmp(p, "-- ", 3) == 0 &&
	    (eol - p == 3 || (eol - p == 4 && p[3] == '\r')))
		return true;
	if (line_ends(p, eol, "写道：") || line_ends(p, eol, "写道:") ||
	    line_ends(p, eol, "wrote:") || line_starts(q, trailer_lines))
		return true;
	if (line_starts(q, quote_from) && next != NULL &&
	    line_starts(next, quote_date))
		return true;
	if (q == eol || (*q != '-' && *q != '_'))
		return false;
	for (i = 0; quote_marks[i] != NULL; i++)
		if (memmem(q, (size_t)(eol - q), quote_marks[i],
		    strlen(quote_marks[i])) != NULL)
			return true;
	/* "______" above the quoted mail's "发件人:" (Outlook). */
	return next != NULL && line_starts(next, quote_from) &&
	    strspn(q, "-_") >= 10;
}

/*
 * End `t` where the sender's own words end (quote_line), within its
 * first `span` bytes; an "On … <a@b>" line that Gmail broke before
 * "wrote:" goes too.  If nothing of the sender's own is before it (a
 * bare forward), `t` stays whole.
 */
void
mime_quote_cut(char *t, size_t span)
{
	char		*p = t, *eol, *next, *prev = NULL;
	const char	*end = t + span;
	size_t		 i;

	for (; p < end; prev = p, p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = t + span;
		next = eol < end ? eol + 1 : NULL;
		if (!quote_line(p, eol, next))
			continue;
		if (prev != NULL && line_ends(p, eol, "wrote:") &&
		    mime_prefix_ci(prev, "On "))
			p = prev;
		for (i = 0; t + i < p; i++)
			if ((unsigned char)t[i] > ' ')
				break;
		if (t + i < p)
			*p = '\0';
		return;
	}
}

static const struct mime_entity {
	const char	*name;
	const char	*text;
} entities[] = {
	{ "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" },
	{ "apos", "'" }, { "nbsp", " " }, { "ldquo", "“" }, { "rdquo", "”" },
	{ "lsquo", "‘" }, { "rsquo", "’" }, { "mdash", "—" }, { "hellip", "…" },
	{ "middot", "·" }, { "copy", "©" },
	/* What Chinese rich-text editors (UEditor, Coremail) write: em
	 * spaces to indent a paragraph, and the yuan sign. */
	{ "emsp", " " }, { "ensp", " " }, { "thinsp", " " }, { "yen", "¥" },
	{ "times", "×" }, { "divide", "÷" }, { "bull", "•" }, { "deg", "°" },
	{ "plusmn", "±" }, { "laquo", "«" }, { "raquo", "»" },
	{ "euro", "€" }, { "pound", "£" }, { "reg", "®" }, { "trade", "™" },
	{ "ndash", "–" }, { "sect", "§" },
};

/* Tags whose content is not text. */
static const char *const skip_tags[] = { "script", "style", "head",
	"title", NULL };
/* Tags that end a line of text. */
static const char *const block_tags[] = { "br", "p", "div", "tr", "li",
	"h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", NULL };

static bool
tag_in(const char *name, const char *const *list)
{
	size_t	 i;

	for (i = 0; list[i] != NULL; i++)
		if (g_ascii_strcasecmp(name, list[i]) == 0)
			return true;
	return false;
}

/* Decode the entity at `s` (after '&'); returns bytes consumed, 0 if none. */
static size_t
entity(const char *s, size_t len, struct buf *out)
{
	char		 name[12], u[8];
	size_t		 n, i;
	unsigned long	 cp;
	char		*end;

	for (n = 0; n < len && n < sizeof(name) - 1 && s[n] != ';'; n++)
		name[n] = s[n];
	if (n >= len || s[n] != ';' || n == 0)
		return 0;
	name[n] = '\0';
	if (name[0] == '#') {
		cp = name[1] == 'x' || name[1] == 'X' ?
		    strtoul(name + 2, &end, 16) : strtoul(name + 1, &end, 10);
		if (*end != '\0' || cp == 0 || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		buf_append(out, u, (size_t)g_unichar_to_utf8((gunichar)cp, u),
		    NULL);
		return n + 1;
	}
	for (i = 0; i < sizeof(entities) / sizeof(entities[0]); i++)
		if (strcmp(name, entities[i].name) == 0) {
			buf_puts(out, entities[i].text, NULL);
			return n + 1;
		}
	return 0;
}

/* The tag at html[i] == '<': its name into `name`, returns index after '>'. */
static size_t
tag_read(const char *html, size_t len, size_t i, char *name, size_t nlen,
    bool *closing)
{
	size_t	 n = 0;

	i++;
	*closing = i < len && html[i] == '/';
	if (*closing)
		i++;
	while (i < len && n < nlen - 1 && g_ascii_isalnum(html[i]))
		name[n++] = html[i++];
	name[n] = '\0';
	while (i < len && html[i] != '>')
		i++;
	return i < len ? i + 1 : len;
}

/* Index just past the "</name ...>" that ends a skipped element, or len. */
static size_t
skip_to_end(const char *html, size_t len, size_t i, const char *name)
{
	size_t	 n = strlen(name);

	for (; i + n + 2 <= len; i++) {
		if (html[i] != '<' || html[i + 1] != '/' ||
		    g_ascii_strncasecmp(html + i + 2, name, n) != 0)
			continue;
		while (i < len && html[i] != '>')
			i++;
		return i < len ? i + 1 : len;
	}
	return len;
}

/*
 * Index just past the "-->" that ends a comment whose text starts at i,
 * or len.  A comment is not a tag: "<!-- a > b -->" and Outlook's
 * conditional comments hold '>' and text that is not shown.
 */
static size_t
comment_end(const char *html, size_t len, size_t i)
{
	const char	*e = memmem(html + i, len - i, "-->", 3);

	return e != NULL ? (size_t)(e - html) + 3 : len;
}

void
mime_html_text(const char *html, size_t len, struct buf *out)
{
	char	 name[16];
	bool	 closing;
	size_t	 i = 0, n;

	while (i < len) {
		if (len - i >= 4 && memcmp(html + i, "<!--", 4) == 0) {
			i = comment_end(html, len, i + 4);
			continue;
		}
		if (html[i] == '<') {
			i = tag_read(html, len, i, name, sizeof(name),
			    &closing);
			if (!closing && tag_in(name, skip_tags))
				i = skip_to_end(html, len, i, name);
			else if (tag_in(name, block_tags))
				buf_append(out, "\n", 1, NULL);
			continue;
		}
		if (html[i] == '&' && (n = entity(html + i + 1, len - i - 1,
		    out)) > 0) {
			i += n + 1;
			continue;
		}
		if (buf_append(out, html + i, 1, NULL) < 0)
			return;
		i++;
	}
}
