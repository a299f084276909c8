/*
 * A Word template's document.xml made ready for the mustache renderer.
 * Word keeps a paragraph's text in runs (<w:r>), each with its text in
 * <w:t>; editing splits them anywhere, so "{{title}}" may arrive as "{{"
 * in one run and "title}}" in the next, with proofing marks between.  The
 * characters of each tag move into the run where the tag starts (taking
 * its formatting); the runs themselves stay.
 */
#include "docx.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

/* The text of one <w:t> element: bytes [start, end) of the document. */
struct seg {
	size_t	 start, end;
};

struct para {
	const char	*xml;		/* the whole document */
	size_t		 start, end;	/* <w:p ...> to after </w:p> */
	struct seg	*segs;
	size_t		 nsegs;
	char		*text;		/* the segments' text, joined */
	size_t		 len;
	size_t		*owner;		/* segment of each byte of text */
	int		 number;	/* 1-based, for messages */
};

static bool
at(const char *xml, size_t len, size_t i, const char *s)
{
	size_t	 n = strlen(s);

	return i + n <= len && memcmp(xml + i, s, n) == 0;
}

/* Whether an element named `name` (e.g. "w:p") starts at i. */
static bool
elem_at(const char *xml, size_t len, size_t i, const char *name)
{
	size_t	 n = strlen(name);

	return i + n + 2 <= len && xml[i] == '<' &&
	    memcmp(xml + i + 1, name, n) == 0 &&
	    (xml[i + n + 1] == '>' || xml[i + n + 1] == ' ' ||
	    xml[i + n + 1] == '/');
}

/* The end of the paragraph starting at i (after its </w:p>), or 0. */
static size_t
para_end(const char *xml, size_t len, size_t i)
{
	const char	*gt;
	int		 depth = 0;

	for (; i < len; i++) {
		if (elem_at(xml, len, i, "w:p")) {
			gt = memchr(xml + i, '>', len - i);
			if (gt == NULL)
				return 0;
			if (gt[-1] != '/')
				depth++;
			i = (size_t)(gt - xml);
		} else if (at(xml, len, i, "</w:p>") && --depth == 0)
			return i + 6;
	}
	return 0;
}

/* Collect the <w:t> texts of paragraph `p` and who owns each byte. */
static void
para_scan(struct para *p)
{
	const char	*gt, *close;
	size_t		 i, k;

	for (i = p->start; i < p->end; i++) {
		if (!elem_at(p->xml, p->end, i, "w:t"))
			continue;
		gt = memchr(p->xml + i, '>', p->end - i);
		if (gt == NULL || gt[-1] == '/')
			continue;
		i = (size_t)(gt - p->xml) + 1;
		close = memmem(p->xml + i, p->end - i, "</w:t>", 6);
		if (close == NULL)
			break;
		p->segs = xreallocarray(p->segs, p->nsegs + 1,
		    sizeof(*p->segs));
		p->segs[p->nsegs].start = i;
		p->segs[p->nsegs].end = (size_t)(close - p->xml);
		p->nsegs++;
		i = (size_t)(close - p->xml) + 5;
	}
	p->text = xmalloc(p->end - p->start + 1);
	p->owner = xcalloc(p->end - p->start + 1, sizeof(*p->owner));
	p->len = 0;
	for (k = 0; k < p->nsegs; k++)
		for (i = p->segs[k].start; i < p->segs[k].end; i++) {
			p->owner[p->len] = k;
			p->text[p->len++] = p->xml[i];
		}
	p->text[p->len] = '\0';
}

static void
para_clear(struct para *p)
{
	free(p->segs);
	free(p->text);
	free(p->owner);
}

static int
para_fail(const struct para *p, struct derr *err, const char *what,
    const char *tag)
{
	char	*ex = str_excerpt(p->text, 30);
	int	 r;

	r = derr_set(err, DERR_INPUT, false, _("word/document.xml: paragraph "
	    "%d (\"%s\"): %s%s"), p->number, ex, what, tag ? tag : "");
	free(ex);
	return r;
}

/* One tag [a, b) of the text: its sigil and name, for the checks. */
struct tag {
	size_t	 a, b;
	char	 sigil;		/* '#', '^', '/', '!' or 0 */
	char	 name[64];
};

static void
tag_parse(const struct para *p, size_t a, size_t b, struct tag *t)
{
	size_t	 i = a + 2, j = b - 2, n;

	t->a = a;
	t->b = b;
	t->sigil = 0;
	while (i < j && p->text[i] == ' ')
		i++;
	if (i < j && strchr("#^/!", p->text[i]) != NULL)
		t->sigil = p->text[i++];
	while (i < j && p->text[i] == ' ')
		i++;
	while (j > i && p->text[j - 1] == ' ')
		j--;
	n = j - i < sizeof(t->name) - 1 ? j - i : sizeof(t->name) - 1;
	memcpy(t->name, p->text + i, n);
	t->name[n] = '\0';
}

/*
 * Find the tags of `p`, give each tag's bytes to the segment it starts
 * in, and check that sections open and close inside the paragraph.
 * Returns how many tags (the first in *first), or -1.
 */
static int
para_tags(struct para *p, struct tag *first, struct derr *err)
{
	struct tag	 t, stack[16], stray = { 0 };
	const char	*o, *c;
	size_t		 i, a, b, depth = 0;
	int		 n = 0;

	for (i = 0; (o = strstr(p->text + i, "{{")) != NULL; i = b) {
		a = (size_t)(o - p->text);
		c = strstr(o + 2, o[2] == '{' ? "}}}" : "}}");
		if (c == NULL)
			return para_fail(p, err, _("\"{{\" without its \"}}\" "
			    "in the same paragraph"), NULL);
		b = (size_t)(c - p->text) + (o[2] == '{' ? 3 : 2);
		for (i = a; i < b; i++)
			p->owner[i] = p->owner[a];
		tag_parse(p, a, b, &t);
		if (n++ == 0)
			*first = t;
		if (t.sigil == '#' || t.sigil == '^') {
			if (depth == sizeof(stack) / sizeof(stack[0]))
				return para_fail(p, err, _("sections nested "
				    "too deep"), NULL);
			stack[depth++] = t;
		} else if (t.sigil == '/' && (depth == 0 ||
		    strcmp(stack[--depth].name, t.name) != 0)) {
			if (n == 1) {
				stray = t;	/* fine if it stands alone */
				continue;
			}
			return para_fail(p, err, _("a section closes here that "
			    "does not open in this paragraph: "), t.name);
		}
	}
	if (stray.sigil != 0 && n > 1)
		return para_fail(p, err, _("a section closes here that does "
		    "not open in this paragraph: "), stray.name);
	if (depth > 0 && n > 1)
		return para_fail(p, err, _("a section opens here but does not "
		    "close in this paragraph (put {{#name}} and {{/name}} "
		    "each in a paragraph of its own, or both in this one): "),
		    stack[depth - 1].name);
	return n;
}

/* Whether the paragraph's text is one section or comment tag alone. */
static bool
standalone(const struct para *p, int ntags, const struct tag *t)
{
	size_t	 i;

	if (ntags != 1 || t->sigil == 0)
		return false;
	for (i = 0; i < p->len; i++)
		if ((i < t->a || i >= t->b) && p->text[i] != ' ')
			return false;
	return true;
}

/* The paragraph with each segment's new text. */
static void
para_emit(const struct para *p, struct buf *out)
{
	size_t	 k, pos = p->start, i = 0, j;

	/* Owners never decrease: a tag's bytes only move back. */
	for (k = 0; k < p->nsegs; k++) {
		buf_append(out, p->xml + pos, p->segs[k].start - pos, NULL);
		for (j = i; j < p->len && p->owner[j] == k; j++)
			;
		buf_append(out, p->text + i, j - i, NULL);
		i = j;
		pos = p->segs[k].end;
	}
	buf_append(out, p->xml + pos, p->end - pos, NULL);
}

/* The sections opened by paragraphs of their own, still open. */
struct outer {
	struct tag	 v[32];
	int		 para[32];
	size_t		 n;
};

/* A standalone section tag against the sections open around it. */
static int
outer_track(struct outer *o, const struct para *p, const struct tag *t,
    struct derr *err)
{
	if (t->sigil == '#' || t->sigil == '^') {
		if (o->n == sizeof(o->v) / sizeof(o->v[0]))
			return para_fail(p, err, _("sections nested too deep"),
			    NULL);
		o->para[o->n] = p->number;
		o->v[o->n++] = *t;
	} else if (t->sigil == '/') {
		if (o->n == 0)
			return para_fail(p, err, _("a section closes here that "
			    "was never opened: "), t->name);
		if (strcmp(o->v[--o->n].name, t->name) != 0)
			return para_fail(p, err, _("this closes another section "
			    "than the one open: "), t->name);
	}
	return 0;
}

static int
para_do(struct para *p, struct outer *o, struct buf *out, struct derr *err)
{
	struct tag	 first;
	int		 n;

	para_scan(p);
	if ((n = para_tags(p, &first, err)) < 0)
		return -1;
	if (n == 1 && first.sigil != 0 && first.sigil != '!' &&
	    !standalone(p, n, &first))
		return para_fail(p, err, _("a section tag shares its paragraph "
		    "with other text but does not open and close in it: "),
		    first.name);
	if (!standalone(p, n, &first)) {
		para_emit(p, out);
		return 0;
	}
	if (outer_track(o, p, &first, err) < 0)
		return -1;
	buf_append(out, p->text + first.a, first.b - first.a, NULL);
	return 0;
}

int
docx_template_prepare(const char *xml, size_t len, struct buf *out,
    struct derr *err)
{
	struct para	 p;
	struct outer	 o;
	size_t		 i = 0, end;
	int		 number = 0, r = 0;

	memset(&o, 0, sizeof(o));
	buf_init(out, 0);
	while (r == 0 && i < len) {
		if (!elem_at(xml, len, i, "w:p")) {
			buf_append(out, xml + i, 1, NULL);
			i++;
			continue;
		}
		if ((end = para_end(xml, len, i)) == 0) {
			r = derr_set(err, DERR_INPUT, false, _("word/document."
			    "xml: a paragraph (<w:p>) does not end"));
			break;
		}
		memset(&p, 0, sizeof(p));
		p.xml = xml;
		p.start = i;
		p.end = end;
		p.number = ++number;
		r = para_do(&p, &o, out, err);
		para_clear(&p);
		i = end;
	}
	if (r == 0 && o.n > 0)
		r = derr_set(err, DERR_INPUT, false, _("word/document.xml: "
		    "paragraph %d: section \"%s\" opens here and never closes"),
		    o.para[o.n - 1], o.v[o.n - 1].name);
	if (r < 0)
		buf_clear(out);
	return r;
}
