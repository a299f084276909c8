/*
 * mime: incoming mail, bounded.  Parses untrusted messages with GMime 3
 * into struct mime_msg (see mime.h): every field and part capped, header
 * blocks tamed before GMime sees them, charsets through mime_charset.c.
 * Building outgoing mail is mime.c.
 */
#include "mime.h"

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "err.h"
#include "mime_int.h"
#include "sign.h"
#include "util.h"

/* ---- parsing incoming mail ----------------------------------------- */

/* Decoded text parts larger than this are cut before the excerpt is made. */
#define MIME_TEXT_MAX		(1024 * 1024)
#define MIME_FIELD_MAX		2000
/* Raw bytes of one header field read: enough for MIME_FIELD_MAX. */
#define MIME_RAW_FIELD_MAX	(64 * 1024)
#define MIME_NAME_MAX		255

/*
 * Labels of encoded words and what the sender's mailer meant by them:
 * GBK text under GB labels, Microsoft's supersets under the standards'
 * names (Windows-1252's quotes under ISO-8859-1, NEC's ① under
 * Shift_JIS, Korean CP949 under ks_c_5601-1987), which GMime would read
 * strictly and lose.
 */
static const struct word_cs {
	const char	*label;
	const char	*cs;
} word_cs[] = {
	{ "gb2312", "GB18030" }, { "gbk", "GB18030" }, { "x-gbk", "GB18030" },
	{ "cp936", "GB18030" }, { "euc-cn", "GB18030" },
	{ "x-euc-cn", "GB18030" }, { "gb_2312-80", "GB18030" },
	{ "csgb2312", "GB18030" },
	{ "iso-8859-1", "WINDOWS-1252" }, { "latin1", "WINDOWS-1252" },
	{ "us-ascii", "WINDOWS-1252" },
	{ "shift_jis", "CP932" }, { "shift-jis", "CP932" },
	{ "x-sjis", "CP932" }, { "sjis", "CP932" },
	{ "ks_c_5601-1987", "CP949" }, { "euc-kr", "CP949" },
};

/* What an encoded word's label means, or NULL to keep it. */
static const char *
charset_fix(const char *cs)
{
	size_t	 i;

	for (i = 0; i < sizeof(word_cs) / sizeof(word_cs[0]); i++)
		if (g_ascii_strcasecmp(cs, word_cs[i].label) == 0)
			return word_cs[i].cs;
	return NULL;
}

/*
 * Rewrite the charset label of every encoded-word ("=?gb2312?B?...?=",
 * also "=?gb2312*zh?") that charset_fix knows, so GMime decodes it as
 * the sender meant (GB18030 for GB labels). Only the label between "=?"
 * and the next '?' or '*' changes.
 */
static char *
relabel_words(const char *s)
{
	GString		*g = g_string_sized_new(strlen(s) + 16);
	const char	*p = s, *q, *end, *cs;
	char		 label[32];
	size_t		 n;

	while ((q = strstr(p, "=?")) != NULL) {
		g_string_append_len(g, p, q - p + 2);
		q += 2;
		end = q;
		while (*end != '\0' && *end != '?' && *end != '*' &&
		    end - q < (ptrdiff_t)sizeof(label))
			end++;
		n = (size_t)(end - q);
		if (n < sizeof(label) && (*end == '?' || *end == '*')) {
			memcpy(label, q, n);
			label[n] = '\0';
			if ((cs = charset_fix(label)) != NULL) {
				g_string_append(g, cs);
				q = end;
			}
		}
		p = q;
	}
	g_string_append(g, p);
	return g_string_free(g, FALSE);
}

/* An encoded word "=?charset?B|Q?text?=" (RFC 2047 2). */
struct eword {
	const char	*charset;
	size_t		 cslen;
	char		 enc;		/* 'B' or 'Q' */
	const char	*text;
	size_t		 tlen;
	const char	*end;		/* after "?=" */
};

/* An encoded word at p, ending before `end`. */
static bool
eword_at(const char *p, const char *end, struct eword *w)
{
	const char	*q, *e;

	if (end - p < 2 || p[0] != '=' || p[1] != '?')
		return false;
	/*
	 * Every scan stops at the first '?' or blank: a word holds neither,
	 * and "=?a?B?x" repeated must cost its length, not its square (a
	 * search for "?=" from every "=?" took 180 s on 1.2 MB).
	 */
	w->charset = p + 2;
	for (q = w->charset; q < end && *q != '?' && *q != ' ' &&
	    *q != '\t' && q - w->charset <= 64; q++)
		;
	if (q + 2 >= end || *q != '?' || q == w->charset)
		return false;
	w->cslen = (size_t)(q - w->charset);
	w->enc = (char)g_ascii_toupper(q[1]);
	if ((w->enc != 'B' && w->enc != 'Q') || q[2] != '?')
		return false;
	w->text = q + 3;
	for (e = w->text; e < end && *e != '?' && *e != ' ' &&
	    *e != '\t' && *e != '\r' && *e != '\n'; e++)
		;
	if (e + 1 >= end || e[0] != '?' || e[1] != '=')
		return false;
	w->tlen = (size_t)(e - w->text);
	w->end = e + 2;
	return true;
}

static bool
eword_same(const struct eword *a, const struct eword *b)
{
	return a->enc == b->enc && a->cslen == b->cslen &&
	    g_ascii_strncasecmp(a->charset, b->charset, a->cslen) == 0;
}

/* A B word in ISO-2022-JP, which GMime would read without NEC row 13. */
static bool
eword_jis(const struct eword *w)
{
	return w->enc == 'B' && w->cslen >= 11 &&
	    g_ascii_strncasecmp(w->charset, "ISO-2022-JP", 11) == 0;
}

/* The decoded bytes of B words a[0..n), joined. */
static GByteArray *
eword_bytes(const struct eword *a, size_t n)
{
	GByteArray	*bytes = g_byte_array_new();
	guchar		*d;
	gchar		*t;
	gsize		 len;
	size_t		 i;

	for (i = 0; i < n; i++) {
		t = g_strndup(a[i].text, a[i].tlen);
		d = g_base64_decode(t, &len);
		g_byte_array_append(bytes, d, (guint)len);
		g_free(d);
		g_free(t);
	}
	return bytes;
}

/* The words a[0..n) as one: Q texts joined, B texts decoded, joined and
 * encoded again (ISO-2022-JP read by mime_charset_jis, as UTF-8). */
static void
eword_join(GString *g, const struct eword *a, size_t n)
{
	GByteArray	*bytes;
	gchar		*enc;
	char		*u;
	size_t		 i;

	if (eword_jis(&a[0])) {
		bytes = eword_bytes(a, n);
		u = mime_charset_jis((const char *)bytes->data, bytes->len);
		enc = g_base64_encode((const guchar *)u, strlen(u));
		g_string_append_printf(g, "=?UTF-8?B?%s?=", enc);
		g_free(enc);
		free(u);
		g_byte_array_unref(bytes);
		return;
	}
	g_string_append(g, "=?");
	g_string_append_len(g, a[0].charset, (gssize)a[0].cslen);
	g_string_append_printf(g, "?%c?", a[0].enc);
	if (a[0].enc == 'Q') {
		for (i = 0; i < n; i++)
			g_string_append_len(g, a[i].text, (gssize)a[i].tlen);
	} else {
		bytes = eword_bytes(a, n);
		enc = g_base64_encode(bytes->data, bytes->len);
		g_string_append(g, enc);
		g_free(enc);
		g_byte_array_unref(bytes);
	}
	g_string_append(g, "?=");
}

/*
 * Adjacent encoded words of one charset and encoding become one word.
 * Some mailers split a character's bytes between two words, which RFC
 * 2047 6.3 forbids; GMime decodes each word alone and loses the rest of
 * the header from there.  Joined first, the bytes decode as one run.
 */
static char *
words_merge(const char *s)
{
	size_t		 len = strlen(s);
	GString		*g = g_string_sized_new(len + 16);
	struct eword	 w[16];
	const char	*p = s, *q, *end = s + len;
	size_t		 n;

	while (*p != '\0') {
		if (!eword_at(p, end, &w[0])) {
			g_string_append_c(g, *p++);
			continue;
		}
		n = 1;
		for (q = w[0].end; n < 16; q = w[n++].end) {
			while (*q == ' ' || *q == '\t')
				q++;
			if (!eword_at(q, end, &w[n]) ||
			    !eword_same(&w[0], &w[n]))
				break;
		}
		if (n == 1 && !eword_jis(&w[0]))
			g_string_append_len(g, p, w[0].end - p);
		else
			eword_join(g, w, n);
		p = w[n - 1].end;
	}
	return g_string_free(g, FALSE);
}

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
static char *
clean_text_n(char *s, size_t max, size_t chars)
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

static char *
clean_text(char *s, size_t max)
{
	return clean_text_n(s, max, SIZE_MAX);
}

/* Cut `s` (malloc'd) to `chars` characters, adding "…" when cut. */
static char *
excerpt_cut(char *s, size_t chars)
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

static GMimeParserOptions *
parse_options(void)
{
	static const char *fallback[] = { "UTF-8", "GB18030", NULL };
	GMimeParserOptions	*o = g_mime_parser_options_new();

	g_mime_parser_options_set_fallback_charsets(o, fallback);
	g_mime_parser_options_set_allow_addresses_without_domain(o, TRUE);
	return o;
}

/*
 * The unfolded raw value of header `name` with GB labels fixed, raw 8-bit
 * text read in `hcs` (the header block's charset), or NULL.
 */
static char *
header_raw(GMimeObject *obj, const char *name, const char *hcs)
{
	GMimeHeaderList	*hl = g_mime_object_get_header_list(obj);
	GMimeHeader	*h;
	const char	*raw;
	char		*cut, *unfolded, *fixed, *merged;

	h = g_mime_header_list_get_header(hl, name);
	if (h == NULL || (raw = g_mime_header_get_raw_value(h)) == NULL)
		return NULL;
	/* What is kept is MIME_FIELD_MAX bytes: the rest is not read. */
	cut = g_strndup(raw, MIME_RAW_FIELD_MAX);
	unfolded = g_mime_utils_header_unfold(cut);
	g_free(cut);
	if ((cut = mime_charset_header(unfolded, hcs)) != NULL) {
		g_free(unfolded);
		unfolded = g_strdup(cut);
		free(cut);
	}
	fixed = relabel_words(unfolded);
	g_free(unfolded);
	merged = words_merge(fixed);
	g_free(fixed);
	return merged;
}

static char *
subject_get(GMimeObject *obj, GMimeParserOptions *o, const char *hcs)
{
	char	*raw, *dec;

	raw = header_raw(obj, "Subject", hcs);
	if (raw == NULL)
		return xstrdup("");
	dec = g_mime_utils_header_decode_text(o, raw);
	g_free(raw);
	return clean_text(dec, MIME_FIELD_MAX);
}

static char *
from_format(InternetAddress *ia)
{
	const char	*name = internet_address_get_name(ia);
	const char	*addr;

	if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
		return g_strdup(name != NULL ? name : "");
	addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
	if (name == NULL || *name == '\0')
		return g_strdup(addr != NULL ? addr : "");
	return g_strdup_printf("%s <%s>", name, addr != NULL ? addr : "");
}

/* The address of the first From mailbox, "" if none. */
static char *
from_addr_get(GMimeMessage *msg)
{
	InternetAddressList	*l = g_mime_message_get_from(msg);
	InternetAddress		*ia;
	const char		*a = NULL;

	if (l != NULL && internet_address_list_length(l) > 0) {
		ia = internet_address_list_get_address(l, 0);
		if (INTERNET_ADDRESS_IS_MAILBOX(ia))
			a = internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(ia));
	}
	return clean_text(g_strdup(a != NULL ? a : ""), MIME_FIELD_MAX);
}

static bool
prefix_ci(const char *s, const char *p)
{
	return g_ascii_strncasecmp(s, p, strlen(p)) == 0;
}

/* Subjects auto-replies start with (Chinese and English mailers). */
static const char *const auto_subjects[] = { "自动回复", "自动答复",
	"Auto:", "Auto-Reply", "Auto Reply", "Automatic reply",
	"AutoReply", "Out of Office", "Out-of-Office",
	/* read receipts sent as plain mail (Foxmail, QQ Mail) */
	"已读:", "已读：", "Read:", "Return Receipt", NULL };

/*
 * Not every message is 群众意见: a bounce (a delivery report, or mail from
 * MAILER-DAEMON or postmaster) or an auto-reply (RFC 3834 Auto-Submitted
 * other than "no", X-Autoreply, X-Autorespond, Precedence auto_reply, a
 * subject like 自动回复, or a read receipt).
 */
static const char *
kind_get(GMimeMessage *msg, const struct mime_msg *m)
{
	GMimeObject		*o = GMIME_OBJECT(msg);
	GMimeObject		*body = g_mime_message_get_mime_part(msg);
	GMimeContentType	*ct;
	const char		*v;
	size_t			 i;

	ct = body != NULL ? g_mime_object_get_content_type(body) : NULL;
	/* A read receipt (RFC 8098) is a report too, but nothing failed:
	 * the reader's mailer answered by itself, like an auto-reply. */
	if (ct != NULL && g_mime_content_type_is_type(ct, "multipart",
	    "report") && (v = g_mime_content_type_get_parameter(ct,
	    "report-type")) != NULL &&
	    g_ascii_strcasecmp(v, "disposition-notification") == 0)
		return "auto";
	if ((ct != NULL && g_mime_content_type_is_type(ct, "multipart",
	    "report")) || prefix_ci(m->from_addr, "mailer-daemon@") ||
	    prefix_ci(m->from_addr, "postmaster@") ||
	    g_ascii_strcasecmp(m->from_addr, "mailer-daemon") == 0)
		return "bounce";
	if ((v = g_mime_object_get_header(o, "Auto-Submitted")) != NULL)
		v += strspn(v, " \t");
	if ((v != NULL && !prefix_ci(v, "no")) ||
	    g_mime_object_get_header(o, "X-Autoreply") != NULL ||
	    g_mime_object_get_header(o, "X-Autorespond") != NULL ||
	    ((v = g_mime_object_get_header(o, "Precedence")) != NULL &&
	    strstr(v, "auto_reply") != NULL))
		return "auto";
	for (i = 0; auto_subjects[i] != NULL; i++)
		if (prefix_ci(m->subject, auto_subjects[i]))
			return "auto";
	return "citizen";
}

static char *
from_get(GMimeObject *obj, GMimeParserOptions *o, const char *hcs)
{
	InternetAddressList	*l;
	char			*raw, *out;

	raw = header_raw(obj, "From", hcs);
	if (raw == NULL)
		return xstrdup("");
	l = internet_address_list_parse(o, raw);
	if (l != NULL && internet_address_list_length(l) > 0)
		out = from_format(internet_address_list_get_address(l, 0));
	else
		out = g_mime_utils_header_decode_text(o, raw);
	if (l != NULL)
		g_object_unref(l);
	g_free(raw);
	return clean_text(out, MIME_FIELD_MAX);
}

/* msg-id without <>, printable ASCII, or NULL. */
static char *
msgid_get(GMimeMessage *msg)
{
	const char	*id = g_mime_message_get_message_id(msg);

	if (id == NULL || !mime_msgid_valid(id))
		return NULL;
	return xstrdup(id);
}

/* The raw header block: up to the first empty line. */
static size_t
header_len(const char *data, size_t len)
{
	size_t	 i;

	for (i = 0; i + 1 < len; i++) {
		if (data[i] != '\n')
			continue;
		if (data[i + 1] == '\n')
			return i + 1;
		if (data[i + 1] == '\r' && i + 2 < len && data[i + 2] == '\n')
			return i + 1;
	}
	return len;
}

/*
 * Header fields GMime can choke on, made harmless before it sees them.
 * GMime looks for the end of every "=?" to the end of its field: "=?a?B?x "
 * repeated costs the square of its length (1.3 s for 64 KB); and its
 * tokens cost some 60 bytes each (1 MB of " ?" took 60 MB).  In header
 * lines (the message's, and each part's: from a "--" line to the next
 * empty line), a field is cut after MIME_RAW_FIELD_MAX bytes, and when
 * there are more than MIME_BAD_WORDS_MAX "=?" that start no encoded word
 * (a real mail has a handful at most) each loses its '='.
 */
#define MIME_BAD_WORDS_MAX	16

struct tame {
	const char	*data;
	size_t		 len;
	size_t		 bad;		/* "=?" that start no word */
	bool		 long_field;	/* a field over MIME_RAW_FIELD_MAX */
	bool		 defang;	/* writing: drop those '=' */
	struct buf	*out;		/* NULL: only count */
};

/* The copy has no maximum (it is never longer than the message), so
 * appending cannot fail. */
static void
tame_put(struct tame *t, const char *p, size_t n)
{
	(void)buf_append(t->out, p, n, NULL);
}

/* One header line [p, eol) of a field `field` bytes long before it. */
static void
tame_line(struct tame *t, const char *p, const char *eol, size_t field)
{
	const char	*q, *keep = eol;
	struct eword	 w;

	if (field + (size_t)(eol - p) > MIME_RAW_FIELD_MAX) {
		t->long_field = true;
		keep = p + (field < MIME_RAW_FIELD_MAX ?
		    MIME_RAW_FIELD_MAX - field : 0);
	}
	for (q = p; q < keep && (q = memchr(q, '=', (size_t)(keep - q))) !=
	    NULL; q++) {
		if (q + 1 >= keep || q[1] != '?' || eword_at(q, keep, &w))
			continue;
		t->bad++;
		if (t->out != NULL) {
			tame_put(t, p, (size_t)(q - p));
			tame_put(t, t->defang ? " " : "=", 1);
			p = q + 1;
		}
	}
	if (t->out != NULL) {
		tame_put(t, p, (size_t)(keep - p));
		if (keep != eol)
			tame_put(t, "\n", 1);
	}
}

static void
tame_pass(struct tame *t)
{
	const char	*p = t->data, *end = t->data + t->len, *eol;
	bool		 head = true;
	size_t		 field = 0;

	for (; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end - 1;
		if (*p == '\n' || (*p == '\r' && p + 1 < end &&
		    p[1] == '\n'))
			head = false;
		else if (eol - p >= 2 && p[0] == '-' && p[1] == '-')
			head = true;
		else if (head) {
			field = *p == ' ' || *p == '\t' ? field : 0;
			tame_line(t, p, eol + 1, field);
			field += (size_t)(eol + 1 - p);
			continue;
		}
		if (t->out != NULL)
			tame_put(t, p, (size_t)(eol + 1 - p));
	}
}

/* The message with its header fields tamed, or NULL if none needed it. */
static char *
tame_headers(const char *data, size_t len, size_t *outlen)
{
	struct tame	 t = { data, len, 0, false, false, NULL };
	struct buf	 b;

	tame_pass(&t);
	if (t.bad <= MIME_BAD_WORDS_MAX && !t.long_field)
		return NULL;
	buf_init(&b, 0);
	t.defang = t.bad > MIME_BAD_WORDS_MAX;
	t.bad = 0;
	t.out = &b;
	tame_pass(&t);
	*outlen = b.len;
	return buf_take(&b);
}

/* Does the line at p (before end) start a part ("--" or Content-Type,
 * also "Content-Type :"), or look like a header field ("name:")? */
static void
line_kind(const char *p, const char *end, bool *part, bool *field)
{
	static const char	 ct[] = "content-type";
	const char		*q = p;

	*part = end - p >= 2 && p[0] == '-' && p[1] == '-';
	*field = false;
	while (q < end && q - p < 80 && *q > ' ' && *q < 0x7f && *q != ':')
		q++;
	if (q == p)
		return;
	if ((size_t)(q - p) == sizeof(ct) - 1 &&
	    g_ascii_strncasecmp(p, ct, sizeof(ct) - 1) == 0)
		*part = true;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	*field = q < end && *q == ':';
	if (!*field)
		*part = *part && p[0] == '-';
}

/*
 * Where to stop reading: GMime's memory grows with the parts, nesting
 * levels and header fields it meets (1,000,000 empty parts took 1.4 GB),
 * none of which need a Content-Type line.  The message is read up to
 * the line where it passes MIME_PARTS_MAX part boundaries or Content-
 * Type lines, or MIME_FIELDS_MAX lines that look like header fields;
 * what a reader sees first (the excerpt) comes before that.  Linear.
 */
static size_t
scan_cut(const char *data, size_t len)
{
	const char	*p = data, *end = data + len, *eol;
	size_t		 parts = 0, fields = 0;
	bool		 part, field;

	for (; p < end; p = eol + 1) {
		line_kind(p, end, &part, &field);
		parts += part;
		fields += field;
		if (parts > MIME_PARTS_MAX || fields > MIME_FIELDS_MAX)
			return (size_t)(p - data);
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
	}
	return len;
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
static char *
part_text(GMimePart *part)
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

struct walk {
	GMimePart	*plain;
	GMimePart	*html;
	GMimeMessage	*inner;		/* the first forwarded mail */
	struct strv	*attachments;
};

/*
 * A mail forwarded as an attachment (message/rfc822): listed by its name
 * when it has one (Outlook's and Thunderbird's "forward as attachment"),
 * and kept for the excerpt in case the sender wrote nothing of his own.
 */
static void
walk_message(struct walk *w, GMimeObject *obj)
{
	const char	*fn;
	char		*name;

	fn = g_mime_object_get_content_disposition_parameter(obj, "filename");
	if (fn == NULL)
		fn = g_mime_object_get_content_type_parameter(obj, "name");
	if (fn != NULL) {
		name = clean_text(g_strdup(fn), MIME_NAME_MAX);
		strv_push(w->attachments, name);
		free(name);
	}
	if (w->inner == NULL)
		w->inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));
}

static void
walk_part(GMimeObject *parent, GMimeObject *obj, gpointer data)
{
	struct walk		*w = data;
	GMimeContentType	*ct;
	const char		*fn;
	char			*name;

	if (GMIME_IS_MESSAGE_PART(obj))
		walk_message(w, obj);
	if (!GMIME_IS_PART(obj))
		return;
	/* A signed message's signature (smime.p7s, OpenPGP_signature.asc)
	 * is no file the sender attached. */
	if (GMIME_IS_MULTIPART_SIGNED(parent) &&
	    g_mime_multipart_get_count(GMIME_MULTIPART(parent)) > 1 &&
	    obj == g_mime_multipart_get_part(GMIME_MULTIPART(parent),
	    GMIME_MULTIPART_SIGNED_SIGNATURE))
		return;
	ct = g_mime_object_get_content_type(obj);
	fn = g_mime_part_get_filename(GMIME_PART(obj));
	/* Text shown inline is text, even with a file name (some mailers
	 * name the body part): what a mail reader would show. */
	if (fn != NULL && !g_mime_part_is_attachment(GMIME_PART(obj)) &&
	    ct != NULL && (g_mime_content_type_is_type(ct, "text", "plain") ||
	    g_mime_content_type_is_type(ct, "text", "html")))
		fn = NULL;
	if (fn != NULL || g_mime_part_is_attachment(GMIME_PART(obj))) {
		name = clean_text(g_strdup(fn != NULL ? fn : "(未命名)"),
		    MIME_NAME_MAX);
		strv_push(w->attachments, name);
		free(name);
		return;
	}
	if (ct == NULL || g_ascii_strcasecmp(
	    g_mime_content_type_get_media_type(ct), "text") != 0)
		return;
	if (w->plain == NULL && g_mime_content_type_is_type(ct, "text",
	    "plain"))
		w->plain = GMIME_PART(obj);
	else if (w->html == NULL && g_mime_content_type_is_type(ct, "text",
	    "html"))
		w->html = GMIME_PART(obj);
}

/*
 * How much of `t` the excerpt can need: eight bytes a character (runs of
 * spaces collapse), cut at a character boundary; cleaning the rest of a
 * long body only to drop it cost more than parsing the message.
 */
static size_t
excerpt_span(const char *t)
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
		if (prefix_ci(p, words[i]))
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
static void
quote_cut(char *t, size_t span)
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
		    prefix_ci(prev, "On "))
			p = prev;
		for (i = 0; t + i < p; i++)
			if ((unsigned char)t[i] > ' ')
				break;
		if (t + i < p)
			*p = '\0';
		return;
	}
}

static char *
excerpt_of(GMimePart *part, bool html)
{
	struct buf	 b;
	char		*t, *s;

	t = part_text(part);
	if (html) {
		buf_init(&b, MIME_TEXT_MAX);
		mime_html_text(t, strlen(t), &b);
		free(t);
		t = buf_take(&b);
	}
	quote_cut(t, excerpt_span(t));
	/* One character past the excerpt tells excerpt_cut to add "…". */
	s = clean_text_n(g_strndup(t, excerpt_span(t)), MIME_TEXT_MAX,
	    MIME_EXCERPT_MAX + 1);
	free(t);
	return excerpt_cut(s, MIME_EXCERPT_MAX);
}

/* The plain text, unless it is blank beside an HTML part (some mailers
 * send an empty text/plain alternative): then the HTML's text. */
static char *
excerpt_own(struct walk *w)
{
	char	*s;

	if (w->plain != NULL) {
		s = excerpt_of(w->plain, false);
		if (*s != '\0' || w->html == NULL)
			return s;
		free(s);
	}
	return w->html != NULL ? excerpt_of(w->html, true) : xstrdup("");
}

/* The sender's words, or when there are none beside a forwarded mail,
 * the forwarded mail's: what the reader came to read. */
static char *
excerpt_get(struct walk *w)
{
	struct walk	 fw = { 0 };
	struct strv	 names = { 0 };
	char		*s;

	s = excerpt_own(w);
	if (*s != '\0' || w->inner == NULL)
		return s;
	free(s);
	fw.attachments = &names;
	g_mime_message_foreach(w->inner, walk_part, &fw);
	s = excerpt_own(&fw);
	strv_clear(&names);
	return s;
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

/*
 * The ISO 8601 zone that ends `s` ("Z", "+08:00", "-0500"), in minutes
 * east of UTC into *offset: 1 if there is one, 0 if not.
 */
static int
iso_zone(const char *s, int *offset)
{
	size_t		 n = strlen(s);
	const char	*z;

	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n > 0 && (s[n - 1] == 'Z' || s[n - 1] == 'z')) {
		*offset = 0;
		return 1;
	}
	if (n >= 6 && s[n - 3] == ':')
		z = s + n - 6;		/* "+08:00" */
	else if (n >= 5)
		z = s + n - 5;		/* "+0800" */
	else
		return 0;
	if ((z[0] != '+' && z[0] != '-') || !g_ascii_isdigit(z[1]) ||
	    !g_ascii_isdigit(z[2]) || !g_ascii_isdigit(s[n - 2]) ||
	    !g_ascii_isdigit(s[n - 1]))
		return 0;
	*offset = ((z[1] - '0') * 10 + (z[2] - '0')) * 60 +
	    (s[n - 2] - '0') * 10 + (s[n - 1] - '0');
	if (z[0] == '-')
		*offset = -*offset;
	return 1;
}

/* "YYYY-MM-DD HH:MM[:SS]" (some web forms and scripts) or "YYYY年M月D日
 * [HH:MM[:SS]]", read at `offset` minutes east of UTC unless it ends in
 * its own zone ("2026-12-01T01:00:00Z", Python's isoformat()).  2 read
 * in its own zone, 1 read in `offset`, 0 not that shape. */
static int
date_iso(const char *s, int offset, int64_t *out)
{
	GTimeZone	*tz;
	GDateTime	*d;
	int		 y, mo, da, h, mi, se = 0, n, zoned = 0;

	n = sscanf(s, "%4d-%2d-%2d%*[ T]%2d:%2d:%2d", &y, &mo, &da, &h, &mi,
	    &se);
	if (n >= 5)
		zoned = iso_zone(s, &offset);
	else {
		/* "2026年12月1日 9:00" (Chinese scripts and forms); a day
		 * without a time is read at its start. */
		h = mi = 0;
		if (sscanf(s, "%4d年%2d月%2d日 %2d:%2d:%2d", &y, &mo, &da, &h,
		    &mi, &se) < 3)
			return 0;
	}
	tz = g_time_zone_new_offset(offset * 60);
	d = g_date_time_new(tz, y, mo, da, h, mi, se);
	g_time_zone_unref(tz);
	if (d == NULL)
		return 0;
	*out = g_date_time_to_unix(d);
	g_date_time_unref(d);
	return zoned ? 2 : 1;
}

/*
 * The Date header with what it leaves unsaid filled in from the office's
 * time zone (`offset` minutes east of UTC): no zone at all, or "CST",
 * which GMime reads as US Central and a Chinese mailer means as +0800.
 * Returns a copy to give GMime, sets *assumed; NULL if nothing to fill.
 */
static char *
date_fill(const char *raw, int offset, bool *assumed)
{
	char		*s = g_strstrip(g_strdup(raw)), *p, *out = NULL;
	size_t		 n;

	if ((p = strchr(s, '(')) != NULL)	/* a comment: "(CST)" */
		*p = '\0';
	g_strchomp(s);
	n = strlen(s);
	p = strrchr(s, ' ');
	p = p != NULL ? p + 1 : s;
	if (n >= 3 && g_ascii_strcasecmp(p, "CST") == 0 && offset == 480) {
		*p = '\0';
		out = g_strdup_printf("%s+0800", s);
	} else if (strchr(p, ':') != NULL || (strlen(p) == 4 &&
	    strspn(p, "0123456789") == 4 && strchr(s, ':') != NULL)) {
		/* The time last, or asctime's year after it ("Tue Dec  1
		 * 09:00:00 2026", from scripts): no zone either way. */
		out = g_strdup_printf("%s %c%02d%02d", s, offset < 0 ? '-' :
		    '+', abs(offset) / 60, abs(offset) % 60);
	}
	g_free(s);
	*assumed = out != NULL;
	return out;
}

static void
date_get(GMimeMessage *msg, int64_t arrival, int offset,
    struct mime_msg *out)
{
	const char	*raw = g_mime_object_get_header(GMIME_OBJECT(msg),
	    "Date");
	GDateTime	*d = NULL;
	char		*filled = NULL;
	bool		 assumed = false;
	int		 iso;

	out->date = arrival;
	out->date_flagged = true;
	if (raw != NULL && (iso = date_iso(raw, offset, &out->date)) > 0) {
		/* flagged when the zone is assumed */
		out->date_flagged = iso == 1;
		return;
	}
	if (raw != NULL)
		filled = date_fill(raw, offset, &assumed);
	d = filled != NULL ? g_mime_utils_header_decode_date(filled) :
	    g_mime_message_get_date(msg);
	if (d != NULL) {
		out->date = g_date_time_to_unix(d);
		out->date_flagged = assumed;
	}
	if (filled != NULL && d != NULL)
		g_date_time_unref(d);
	g_free(filled);
}

static void
msg_fields(GMimeMessage *msg, GMimeParserOptions *o, int64_t arrival,
    int offset, const char *hcs, struct mime_msg *out)
{
	out->subject = subject_get(GMIME_OBJECT(msg), o, hcs);
	out->from = from_get(GMIME_OBJECT(msg), o, hcs);
	out->message_id = msgid_get(msg);
	out->from_addr = from_addr_get(msg);
	date_get(msg, arrival, offset, out);
	out->kind = kind_get(msg, out);
}

static GMimeMessage *
parse_message(const char *data, size_t len, GMimeParserOptions *o)
{
	GMimeStream	*stream;
	GMimeParser	*parser;
	GMimeMessage	*msg;

	stream = g_mime_stream_mem_new_with_buffer(data, len);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, o);
	g_object_unref(parser);
	g_object_unref(stream);
	return msg;
}

/* SHA-256 of the header block and of the whole message.  OpenSSL's
 * (sign.h), which uses the CPU's SHA instructions: GLib's GChecksum cost
 * a sixth of the mailbox fetch.  The header block is short, so hashing
 * it twice costs less than copying a digest state. */
static void
hashes(const char *data, size_t hlen, size_t len, struct mime_msg *out)
{
	char		 hex[SIGN_SHA256_HEX];
	struct derr	 e;

	/* libcrypto's digest fails only when it is broken: no hash then,
	 * and the row is deduplicated by UID alone. */
	out->header_hash = sign_sha256_hex(data, hlen, hex, &e) == 0 ?
	    xstrdup(hex) : NULL;
	out->content_hash = sign_sha256_hex(data, len, hex, &e) == 0 ?
	    xstrdup(hex) : NULL;
}

int
mime_parse(const char *data, size_t len, int64_t arrival, int utc_offset,
    struct mime_msg *out, struct derr *err)
{
	GMimeParserOptions	*o;
	GMimeMessage		*msg;
	struct walk		 w = { 0 };
	size_t			 hlen = header_len(data, len);
	size_t			 cut = scan_cut(data, len), tlen = 0;
	char			*tamed = tame_headers(data, cut, &tlen);

	memset(out, 0, sizeof(*out));
	o = parse_options();
	msg = parse_message(tamed != NULL ? tamed : data, tamed != NULL ?
	    tlen : cut, o);
	free(tamed);
	if (msg == NULL) {
		g_mime_parser_options_free(o);
		return derr_set(err, DERR_INPUT, false, "mime: not a message "
		    "(no header could be read)");
	}
	hashes(data, hlen, len, out);
	msg_fields(msg, o, arrival, utc_offset,
	    mime_charset_guess_header(data, hlen), out);
	w.attachments = &out->attachments;
	if (cut < len)
		out->note = xasprintf("邮件结构过于复杂（超过 %d 个部分或 %d 行"
		    "信头），只读取了前 %zu 字节", MIME_PARTS_MAX,
		    MIME_FIELDS_MAX, cut);
	if (strcmp(out->kind, "bounce") == 0)
		mime_dsn_read(data, cut, hlen, out);
	g_mime_message_foreach(msg, walk_part, &w);
	out->excerpt = excerpt_get(&w);
	g_object_unref(msg);
	g_mime_parser_options_free(o);
	return 0;
}

void
mime_msg_clear(struct mime_msg *m)
{
	size_t	 i;

	if (m == NULL)
		return;
	free(m->subject);
	free(m->from);
	free(m->message_id);
	free(m->header_hash);
	free(m->content_hash);
	free(m->from_addr);
	free(m->excerpt);
	strv_clear(&m->attachments);
	free(m->note);
	free(m->dsn_rcpt);
	free(m->dsn_action);
	free(m->dsn_status);
	free(m->dsn_diag);
	free(m->dsn_msgid);
	for (i = 0; i < m->dsn_n; i++) {
		free(m->dsn_v[i].rcpt);
		free(m->dsn_v[i].action);
		free(m->dsn_v[i].status);
		free(m->dsn_v[i].diag);
	}
	free(m->dsn_v);
	memset(m, 0, sizeof(*m));
}

