/*
 * mime: what an answer to dutyd's own mail holds beyond mime_parse's
 * feedback fields: the threading headers, the receiving server's
 * Authentication-Results, the whole text with its lines, and the
 * attachments' bytes (see mime.h).  The message is at most
 * mailbox.max_size; every output is capped here again.
 */
#include "mime.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "mime_int.h"
#include "util.h"

#define REF_MAX		50
#define AUTH_MAX	20
#define FIELD_MAX	4096
#define NAME_MAX_B	255

/* Valid UTF-8 with its line breaks, other controls dropped, \r gone. */
static char *
text_clean(const char *s, size_t n, size_t max)
{
	gchar	*valid = g_utf8_make_valid(s, (gssize)n);
	char	*out = xmalloc(strlen(valid) + 1), *o = out;
	const char *p;

	for (p = valid; *p != '\0' && (size_t)(o - out) < max; p++) {
		if (*p == '\t')
			*o++ = ' ';
		else if (*p == '\n' || (unsigned char)*p >= 0x20)
			*o++ = *p == 0x7f ? ' ' : *p;
	}
	/* Do not end inside a character. */
	while (o > out && ((unsigned char)o[-1] & 0x80) &&
	    !g_utf8_validate(out, o - out, NULL))
		o--;
	*o = '\0';
	g_free(valid);
	return out;
}

static char *
msgid_strip(const char *v)
{
	char	*id = g_mime_utils_decode_message_id(v);
	char	*r;

	if (id == NULL)
		return NULL;
	r = text_clean(id, strlen(id), FIELD_MAX);
	g_free(id);
	if (*r == '\0' || strpbrk(r, " \n") != NULL) {
		free(r);
		return NULL;
	}
	return r;
}

static void
threading(GMimeObject *obj, struct mime_reply *out)
{
	const char	*v;
	GMimeReferences	*refs;
	int		 i, n;
	char		*id;

	if ((v = g_mime_object_get_header(obj, "In-Reply-To")) != NULL)
		out->in_reply_to = msgid_strip(v);
	if ((v = g_mime_object_get_header(obj, "References")) == NULL)
		return;
	if ((refs = g_mime_references_parse(NULL, v)) == NULL)
		return;
	n = g_mime_references_length(refs);
	for (i = 0; i < n && i < REF_MAX; i++) {
		id = text_clean(g_mime_references_get_message_id(refs, i),
		    strlen(g_mime_references_get_message_id(refs, i)),
		    FIELD_MAX);
		strv_push(&out->references, id);
		free(id);
	}
	g_mime_references_free(refs);
}

static void
auth_results(GMimeObject *obj, struct mime_reply *out)
{
	GMimeHeaderList	*hl = g_mime_object_get_header_list(obj);
	GMimeHeader	*h;
	const char	*v;
	char		*u, *c;
	int		 i, n = g_mime_header_list_get_count(hl);

	for (i = 0; i < n && out->auth_results.n < AUTH_MAX; i++) {
		h = g_mime_header_list_get_header_at(hl, i);
		if (g_ascii_strcasecmp(g_mime_header_get_name(h),
		    "Authentication-Results") != 0 ||
		    (v = g_mime_header_get_raw_value(h)) == NULL)
			continue;
		u = g_mime_utils_header_unfold(v);
		c = text_clean(u, strlen(u), FIELD_MAX);
		g_free(u);
		strv_push(&out->auth_results, c);
		free(c);
	}
}

/* The decoded bytes of `part`, at most `max` + 1 (to tell too big). */
static GByteArray *
part_bytes(GMimePart *part, GMimeStream **mem)
{
	GMimeDataWrapper	*dw = g_mime_part_get_content(part);

	*mem = g_mime_stream_mem_new();
	if (dw != NULL)
		g_mime_data_wrapper_write_to_stream(dw, *mem);
	return g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(*mem));
}

/* A file name without directories or controls, never empty. */
static char *
name_clean(const char *fn, size_t idx)
{
	const char	*base = fn;
	const char	*p;
	char		*n;

	if (fn == NULL || *fn == '\0')
		return xasprintf("附件%zu", idx + 1);
	for (p = fn; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	n = text_clean(base, strlen(base), NAME_MAX_B);
	for (p = n; *p != '\0'; p++)
		if (*p == '\n')
			n[p - n] = ' ';
	if (*n == '\0' || strcmp(n, ".") == 0 || strcmp(n, "..") == 0) {
		free(n);
		return xasprintf("附件%zu", idx + 1);
	}
	return n;
}

struct rwalk {
	struct mime_reply	*out;
	size_t			 max_file;
	GMimePart		*plain;
	GMimePart		*html;
};

static void
file_add(struct rwalk *w, GMimePart *part)
{
	struct mime_file	*f;
	GMimeStream		*mem;
	GByteArray		*ba;

	if (w->out->nfiles >= MIME_REPLY_FILES) {
		w->out->too_many = true;
		return;
	}
	w->out->files = xreallocarray(w->out->files, w->out->nfiles + 1,
	    sizeof(*w->out->files));
	f = &w->out->files[w->out->nfiles];
	memset(f, 0, sizeof(*f));
	f->name = name_clean(g_mime_part_get_filename(part), w->out->nfiles);
	w->out->nfiles++;
	ba = part_bytes(part, &mem);
	f->len = ba->len;
	if (ba->len > w->max_file) {
		f->too_big = true;
	} else {
		f->data = xmalloc(ba->len + 1);
		if (ba->len > 0)
			memcpy(f->data, ba->data, ba->len);
	}
	g_object_unref(mem);
}

static void
rwalk_part(GMimeObject *parent, GMimeObject *obj, gpointer data)
{
	struct rwalk		*w = data;
	GMimeContentType	*ct;
	bool			 text;

	(void)parent;
	if (!GMIME_IS_PART(obj))
		return;
	ct = g_mime_object_get_content_type(obj);
	text = ct != NULL && (g_mime_content_type_is_type(ct, "text",
	    "plain") || g_mime_content_type_is_type(ct, "text", "html"));
	if (g_mime_part_is_attachment(GMIME_PART(obj)) || (!text &&
	    g_mime_part_get_filename(GMIME_PART(obj)) != NULL)) {
		file_add(w, GMIME_PART(obj));
		return;
	}
	if (!text)
		return;
	if (w->plain == NULL && g_mime_content_type_is_type(ct, "text",
	    "plain"))
		w->plain = GMIME_PART(obj);
	else if (w->html == NULL && g_mime_content_type_is_type(ct, "text",
	    "html"))
		w->html = GMIME_PART(obj);
}

static char *
body_text(GMimePart *part, bool html)
{
	GMimeStream	*mem;
	GByteArray	*ba = part_bytes(part, &mem);
	struct buf	 b;
	char		*t, *r;
	size_t		 n = ba->len > MIME_REPLY_TEXT_MAX * 4 ?
			    MIME_REPLY_TEXT_MAX * 4 : ba->len;

	t = n == 0 ? xstrdup("") : mime_charset_text(
	    g_mime_object_get_content_type_parameter(GMIME_OBJECT(part),
	    "charset"), (const char *)ba->data, n);
	g_object_unref(mem);
	if (html) {
		buf_init(&b, MIME_REPLY_TEXT_MAX);
		mime_html_text(t, strlen(t), &b);
		free(t);
		t = b.len > 0 ? buf_take(&b) : xstrdup("");
		buf_clear(&b);
	}
	r = text_clean(t, strlen(t), MIME_REPLY_TEXT_MAX);
	free(t);
	return r;
}

int
mime_reply_parse(const char *data, size_t len, size_t max_file,
    struct mime_reply *out, struct derr *err)
{
	GMimeStream	*stream;
	GMimeParser	*parser;
	GMimeMessage	*msg;
	struct rwalk	 w = { 0 };

	memset(out, 0, sizeof(*out));
	stream = g_mime_stream_mem_new_with_buffer(data, len);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (msg == NULL)
		return derr_set(err, DERR_INPUT, false, "mime: not a message "
		    "(no header could be read)");
	threading(GMIME_OBJECT(msg), out);
	auth_results(GMIME_OBJECT(msg), out);
	w.out = out;
	w.max_file = max_file;
	g_mime_message_foreach(msg, rwalk_part, &w);
	if (w.plain != NULL)
		out->text = body_text(w.plain, false);
	else if (w.html != NULL)
		out->text = body_text(w.html, true);
	else
		out->text = xstrdup("");
	g_object_unref(msg);
	return 0;
}

void
mime_reply_clear(struct mime_reply *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	free(r->in_reply_to);
	strv_clear(&r->references);
	strv_clear(&r->auth_results);
	free(r->text);
	for (i = 0; i < r->nfiles; i++) {
		free(r->files[i].name);
		free(r->files[i].data);
	}
	free(r->files);
	memset(r, 0, sizeof(*r));
}
