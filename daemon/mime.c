/*
 * mime: outgoing mail with GMime 3 (parsing incoming mail is mime_parse.c).
 * See mime.h.
 */
#include "mime.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "err.h"
#include "mime_int.h"
#include "util.h"

/* Real UTC offsets lie within -12:00 .. +14:00; allow a margin. */
#define MIME_OFFSET_MAX		(15 * 60)
#define MIME_MSGID_MAX		250

/* Header text fields: no controls, valid UTF-8. */
static const struct mime_text_field {
	const char	*name;
	size_t		 off;
	bool		 required;
} text_fields[] = {
	{ "from name",	offsetof(struct mime_out, from_name),	false },
	{ "to name",	offsetof(struct mime_out, to_name),	false },
	{ "subject",	offsetof(struct mime_out, subject),	true },
};

static const struct mime_addr_field {
	const char	*name;
	size_t		 off;
} addr_fields[] = {
	{ "from address",	offsetof(struct mime_out, from_addr) },
	{ "to address",		offsetof(struct mime_out, to_addr) },
};

static const char *
field_get(const struct mime_out *m, size_t off)
{
	const char *const	*p;

	p = (const char *const *)(const void *)((const char *)m + off);
	return *p;
}

/* A msg-id "left@right" of printable ASCII, without <>, quotes, spaces. */
bool
mime_msgid_valid(const char *s)
{
	const unsigned char	*p;
	size_t			 len;

	if (s == NULL)
		return false;
	len = strlen(s);
	if (len < 3 || len > MIME_MSGID_MAX || strchr(s, '@') == NULL)
		return false;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("<>()\\\",;[]", *p))
			return false;
	return true;
}

static int
check_text_fields(const struct mime_out *m, struct derr *err)
{
	const char	*v;
	size_t		 i;

	for (i = 0; i < sizeof(text_fields) / sizeof(text_fields[0]); i++) {
		v = field_get(m, text_fields[i].off);
		if (v == NULL && !text_fields[i].required)
			continue;
		if (v == NULL)
			return derr_set(err, DERR_INPUT, false, "mime: no %s",
			    text_fields[i].name);
		if (str_has_ctl(v))
			return derr_set(err, DERR_INPUT, false,
			    "mime: %s contains a control character (CR, LF, "
			    "...)", text_fields[i].name);
		if (!str_utf8_valid(v, strlen(v)))
			return derr_set(err, DERR_INPUT, false,
			    "mime: %s is not valid UTF-8", text_fields[i].name);
	}
	return 0;
}

static int
check_fields(const struct mime_out *m, struct derr *err)
{
	size_t	 i;

	if (check_text_fields(m, err) == -1)
		return -1;
	for (i = 0; i < sizeof(addr_fields) / sizeof(addr_fields[0]); i++)
		if (!addr_email_valid(field_get(m, addr_fields[i].off)))
			return derr_set(err, DERR_INPUT, false,
			    "mime: invalid %s", addr_fields[i].name);
	if (!mime_msgid_valid(m->message_id))
		return derr_set(err, DERR_INPUT, false,
		    "mime: invalid Message-ID");
	if (m->reply_to != NULL && !addr_email_valid(m->reply_to))
		return derr_set(err, DERR_INPUT, false,
		    "mime: invalid Reply-To address");
	if (m->token != NULL && (m->token[0] == '\0' ||
	    strspn(m->token, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") !=
	    strlen(m->token)))
		return derr_set(err, DERR_INPUT, false, "mime: invalid token");
	if (m->text == NULL || !str_utf8_valid(m->text, strlen(m->text)))
		return derr_set(err, DERR_INPUT, false,
		    "mime: text body missing or not valid UTF-8");
	if (m->html != NULL && !str_utf8_valid(m->html, strlen(m->html)))
		return derr_set(err, DERR_INPUT, false,
		    "mime: html body is not valid UTF-8");
	if (m->utc_offset < -MIME_OFFSET_MAX || m->utc_offset > MIME_OFFSET_MAX)
		return derr_set(err, DERR_INPUT, false,
		    "mime: UTC offset out of range (got %d min)",
		    m->utc_offset);
	return 0;
}

/* The content of a quoted-printable part: GMime encodes it when written. */
static void
content_set(GMimePart *part, const char *text)
{
	GMimeStream		*mem;
	GMimeDataWrapper	*content;

	mem = g_mime_stream_mem_new_with_buffer(text, strlen(text));
	content = g_mime_data_wrapper_new_with_stream(mem,
	    GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, content);
	g_object_unref(content);
	g_object_unref(mem);
}

/*
 * Base64 content, encoded here as GMime's own encoder would write it:
 * canonical CRLF line ends first (RFC 2045 6.8), then 76-column lines.
 * With the part's encoding equal to the content's, GMime writes these
 * bytes as they are, so the text passes through one encoder instead of a
 * chain of stream filters (the cost of every message the outbox sends).
 */
static void
content_set_base64(GMimePart *part, const char *text, size_t len)
{
	GMimeStream		*mem;
	GMimeDataWrapper	*content;
	const char		*p = text, *end = text + len, *nl;
	unsigned char		*crlf, *out;
	size_t			 n = 0, olen;
	guint32			 save = 0;
	int			 state = 0;

	crlf = g_malloc(len * 2 + 1);
	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		memcpy(crlf + n, p, (size_t)(nl - p));
		n += (size_t)(nl - p);
		if (nl == text || nl[-1] != '\r')
			crlf[n++] = '\r';
		crlf[n++] = '\n';
		p = nl + 1;
	}
	memcpy(crlf + n, p, (size_t)(end - p));
	n += (size_t)(end - p);
	out = g_malloc(GMIME_BASE64_ENCODE_LEN(n));
	olen = g_mime_encoding_base64_encode_close(crlf, n, out, &state,
	    &save);
	mem = g_mime_stream_mem_new_with_buffer((const char *)out, olen);
	g_free(out);
	g_free(crlf);
	content = g_mime_data_wrapper_new_with_stream(mem,
	    GMIME_CONTENT_ENCODING_BASE64);
	g_mime_part_set_content(part, content);
	g_object_unref(content);
	g_object_unref(mem);
}

/*
 * Give a UTF-8 text part its text: base64 or quoted-printable, whichever
 * is shorter.  GMime judges the text itself, so the content is set once.
 */
static void
part_fill(GMimePart *part, const char *text)
{
	GMimeContentEncoding	 enc;
	size_t			 len = strlen(text);

	enc = g_mime_utils_best_encoding((const unsigned char *)text, len);
	/* 7bit allows 998-byte lines; QP keeps every line within 76. */
	if (enc == GMIME_CONTENT_ENCODING_BASE64) {
		content_set_base64(part, text, len);
	} else {
		enc = GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
		content_set(part, text);
	}
	/* A refilled part keeps its header when the encoding is the same. */
	if (g_mime_part_get_content_encoding(part) != enc)
		g_mime_part_set_content_encoding(part, enc);
}

static GMimeObject *
part_new(const char *subtype, const char *text)
{
	GMimeTextPart	*part;

	part = g_mime_text_part_new_with_subtype(subtype);
	g_mime_text_part_set_charset(part, "utf-8");
	part_fill(GMIME_PART(part), text);
	return GMIME_OBJECT(part);
}

/*
 * A multipart/alternative whose boundary comes from the Message-ID, so
 * GMime need not read /dev/urandom for every message (it makes one up
 * when the content type arrives without a boundary).  Like GMime's own
 * it starts with "=-", which base64 and quoted-printable bodies never
 * contain, so it is safe whatever the text; it need only be unique
 * within the message.
 */
static void
boundary_make(const char *message_id, char b[40])
{
	const unsigned char	*p;
	uint64_t		 h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	for (p = (const unsigned char *)message_id; *p != '\0'; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	snprintf(b, 40, "=-dutyd-%016llx", (unsigned long long)h);
}

static GMimeMultipart *
alternative_new(const char *message_id)
{
	GMimeContentType	*ct;
	GMimeMultipart		*alt;
	char			 b[40];

	boundary_make(message_id, b);
	ct = g_mime_content_type_new("multipart", "alternative");
	g_mime_content_type_set_parameter(ct, "boundary", b);
	alt = g_object_new(GMIME_TYPE_MULTIPART, NULL);
	g_mime_object_set_content_type(GMIME_OBJECT(alt), ct);
	g_object_unref(ct);
	return alt;
}

static GMimeObject *
body_new(const struct mime_out *m)
{
	GMimeMultipart	*alt;
	GMimeObject	*part;

	if (m->html == NULL)
		return part_new("plain", m->text);
	alt = alternative_new(m->message_id);
	part = part_new("plain", m->text);
	g_mime_multipart_add(alt, part);
	g_object_unref(part);
	part = part_new("html", m->html);
	g_mime_multipart_add(alt, part);
	g_object_unref(part);
	return GMIME_OBJECT(alt);
}

static void
mailbox_add(GMimeMessage *msg, GMimeAddressType type, const char *name,
    const char *addr)
{
	InternetAddress	*ia;

	ia = internet_address_mailbox_new(name != NULL ? name : "", addr);
	/* Without a charset GMime may pick a legacy one (e.g. gb2312). */
	internet_address_set_charset(ia, "utf-8");
	internet_address_list_add(g_mime_message_get_addresses(msg, type), ia);
	g_object_unref(ia);
}

static int
date_set(GMimeMessage *msg, int64_t date, int offset, struct derr *err)
{
	GTimeZone	*tz;
	GDateTime	*utc, *local;

	utc = g_date_time_new_from_unix_utc(date);
	if (utc == NULL)
		return derr_set(err, DERR_INPUT, false,
		    "mime: date out of range");
	tz = g_time_zone_new_offset((gint32)offset * 60);
	local = g_date_time_to_timezone(utc, tz);
	g_time_zone_unref(tz);
	g_date_time_unref(utc);
	if (local == NULL)
		return derr_set(err, DERR_INPUT, false,
		    "mime: date out of range");
	g_mime_message_set_date(msg, local);
	g_date_time_unref(local);
	return 0;
}

static GMimeMessage *
message_new(const struct mime_out *m, struct derr *err)
{
	GMimeMessage	*msg;
	GMimeObject	*body;

	msg = g_mime_message_new(TRUE);
	mailbox_add(msg, GMIME_ADDRESS_TYPE_FROM, m->from_name, m->from_addr);
	mailbox_add(msg, GMIME_ADDRESS_TYPE_TO, m->to_name, m->to_addr);
	g_mime_message_set_subject(msg, m->subject, "utf-8");
	if (date_set(msg, m->date, m->utc_offset, err) == -1) {
		g_object_unref(msg);
		return NULL;
	}
	g_mime_message_set_message_id(msg, m->message_id);
	g_mime_object_set_header(GMIME_OBJECT(msg), "MIME-Version", "1.0",
	    NULL);
	g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted",
	    "auto-generated", NULL);
	g_mime_object_set_header(GMIME_OBJECT(msg), "X-Auto-Response-Suppress",
	    "All", NULL);
	if (m->reply_to != NULL)
		mailbox_add(msg, GMIME_ADDRESS_TYPE_REPLY_TO, NULL,
		    m->reply_to);
	if (m->token != NULL)
		g_mime_object_set_header(GMIME_OBJECT(msg), "X-Dutyd-Token",
		    m->token, NULL);
	body = body_new(m);
	g_mime_message_set_mime_part(msg, body);
	g_object_unref(body);
	return msg;
}

static int
message_write(GMimeMessage *msg, bool lf, struct buf *out, struct derr *err)
{
	GMimeFormatOptions	*fo;
	GMimeStream		*stream;
	GByteArray		*bytes;
	int			 rc;

	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, lf ?
	    GMIME_NEWLINE_FORMAT_UNIX : GMIME_NEWLINE_FORMAT_DOS);
	stream = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(GMIME_OBJECT(msg), fo, stream) < 0) {
		rc = derr_set(err, DERR_BUG, false, "cannot write message");
	} else {
		bytes = g_mime_stream_mem_get_byte_array(
		    GMIME_STREAM_MEM(stream));
		rc = buf_append(out, bytes->data, bytes->len, err);
	}
	g_object_unref(stream);
	g_mime_format_options_free(fo);
	return rc;
}

void
mime_global_init(void)
{
	g_mime_init();
}

void
mime_global_cleanup(void)
{
	g_mime_shutdown();
}

/*
 * A message kept between builds: its GMime tree is refilled in place for
 * the next message of the same shape.  Building and tearing down the
 * tree (some sixty GObjects) cost more than writing the message out.
 * Every per-message field is set again on each build; the output is
 * byte-identical to a fresh build (tested).
 */
struct mime_skel {
	GMimeMessage	*msg;
	GMimePart	*text;
	GMimePart	*html;		/* NULL: text only */
	GMimeMultipart	*alt;		/* NULL: text only */
	int64_t		 date;		/* the Date header set last */
	int		 utc_offset;
};

struct mime_builder {
	struct mime_skel	 skel[2];	/* [0] text only, [1] with html */
};

static void
skel_clear(struct mime_skel *k)
{
	if (k->msg != NULL)
		g_object_unref(k->msg);
	memset(k, 0, sizeof(*k));
}

/* Keep the tree of `msg` (just built from `m`) for the next builds. */
static void
skel_take(struct mime_skel *k, GMimeMessage *msg, const struct mime_out *m)
{
	GMimeObject	*body = g_mime_message_get_mime_part(msg);

	k->msg = msg;
	k->date = m->date;
	k->utc_offset = m->utc_offset;
	if (m->html == NULL) {
		k->text = GMIME_PART(body);
		return;
	}
	k->alt = GMIME_MULTIPART(body);
	k->text = GMIME_PART(g_mime_multipart_get_part(k->alt, 0));
	k->html = GMIME_PART(g_mime_multipart_get_part(k->alt, 1));
}

/* Change the one mailbox of `type` in place (its header stays put). */
static void
mailbox_set(GMimeMessage *msg, GMimeAddressType type, const char *name,
    const char *addr)
{
	InternetAddress	*ia;

	ia = internet_address_list_get_address(
	    g_mime_message_get_addresses(msg, type), 0);
	if (name == NULL)
		name = "";
	if (strcmp(internet_address_get_name(ia) ? internet_address_get_name(
	    ia) : "", name) != 0)
		internet_address_set_name(ia, name);
	if (strcmp(internet_address_mailbox_get_addr(
	    INTERNET_ADDRESS_MAILBOX(ia)), addr) != 0)
		internet_address_mailbox_set_addr(INTERNET_ADDRESS_MAILBOX(ia),
		    addr);
}

static int
skel_refill(struct mime_skel *k, const struct mime_out *m, struct derr *err)
{
	char	 b[40];

	mailbox_set(k->msg, GMIME_ADDRESS_TYPE_FROM, m->from_name,
	    m->from_addr);
	mailbox_set(k->msg, GMIME_ADDRESS_TYPE_TO, m->to_name, m->to_addr);
	g_mime_message_set_subject(k->msg, m->subject, "utf-8");
	/* A round's messages share their date (GLib's is costly to make). */
	if (m->date != k->date || m->utc_offset != k->utc_offset) {
		if (date_set(k->msg, m->date, m->utc_offset, err) == -1)
			return -1;
		k->date = m->date;
		k->utc_offset = m->utc_offset;
	}
	g_mime_message_set_message_id(k->msg, m->message_id);
	part_fill(k->text, m->text);
	if (k->html != NULL) {
		part_fill(k->html, m->html);
		boundary_make(m->message_id, b);
		g_mime_multipart_set_boundary(k->alt, b);
	}
	return 0;
}

struct mime_builder *
mime_builder_new(void)
{
	return xcalloc(1, sizeof(struct mime_builder));
}

void
mime_builder_free(struct mime_builder *mb)
{
	if (mb == NULL)
		return;
	skel_clear(&mb->skel[0]);
	skel_clear(&mb->skel[1]);
	free(mb);
}

int
mime_builder_build(struct mime_builder *mb, const struct mime_out *m,
    struct buf *out, struct derr *err)
{
	struct mime_skel	*k = &mb->skel[m->html != NULL];
	GMimeMessage		*msg;
	int			 rc;

	if (check_fields(m, err) == -1)
		return -1;
	/* Answerable reminders carry headers the kept shapes lack. */
	if (m->reply_to != NULL || m->token != NULL) {
		if ((msg = message_new(m, err)) == NULL)
			return -1;
		rc = message_write(msg, m->lf, out, err);
		g_object_unref(msg);
		if (rc == -1)
			derr_prefix(err, "mime");
		return rc;
	}
	if (k->msg == NULL) {
		if ((msg = message_new(m, err)) == NULL)
			return -1;
		skel_take(k, msg, m);
	} else if (skel_refill(k, m, err) == -1) {
		return -1;
	}
	rc = message_write(k->msg, m->lf, out, err);
	if (rc == -1)
		derr_prefix(err, "mime");
	return rc;
}

int
mime_build(const struct mime_out *m, struct buf *out, struct derr *err)
{
	struct mime_builder	*mb = mime_builder_new();
	int			 rc;

	rc = mime_builder_build(mb, m, out, err);
	mime_builder_free(mb);
	return rc;
}
