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
	return mime_clean_text(dec, MIME_FIELD_MAX);
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
	return mime_clean_text(g_strdup(a != NULL ? a : ""), MIME_FIELD_MAX);
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
	    "report")) || mime_prefix_ci(m->from_addr, "mailer-daemon@") ||
	    mime_prefix_ci(m->from_addr, "postmaster@") ||
	    g_ascii_strcasecmp(m->from_addr, "mailer-daemon") == 0)
		return "bounce";
	if ((v = g_mime_object_get_header(o, "Auto-Submitted")) != NULL)
		v += strspn(v, " \t");
	if ((v != NULL && !mime_prefix_ci(v, "no")) ||
	    g_mime_object_get_header(o, "X-Autoreply") != NULL ||
	    g_mime_object_get_header(o, "X-Autorespond") != NULL ||
	    ((v = g_mime_object_get_header(o, "Precedence")) != NULL &&
	    strstr(v, "auto_reply") != NULL))
		return "auto";
	for (i = 0; auto_subjects[i] != NULL; i++)
		if (mime_prefix_ci(m->subject, auto_subjects[i]))
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
	return mime_clean_text(out, MIME_FIELD_MAX);
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
		name = mime_clean_text(g_strdup(fn), MIME_NAME_MAX);
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
		name = mime_clean_text(g_strdup(fn != NULL ? fn : "(未命名)"),
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

static char *
excerpt_of(GMimePart *part, bool html)
{
	struct buf	 b;
	char		*t, *s;

	t = mime_part_text(part);
	if (html) {
		buf_init(&b, MIME_TEXT_MAX);
		mime_html_text(t, strlen(t), &b);
		free(t);
		t = buf_take(&b);
	}
	mime_quote_cut(t, mime_excerpt_span(t));
	/* One character past the excerpt tells mime_excerpt_cut to add "…". */
	s = mime_clean_text_n(g_strndup(t, mime_excerpt_span(t)), MIME_TEXT_MAX,
	    MIME_EXCERPT_MAX + 1);
	free(t);
	return mime_excerpt_cut(s, MIME_EXCERPT_MAX);
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

