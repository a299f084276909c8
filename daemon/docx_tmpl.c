/*
 * A Word template's document.xml made ready for the mustache renderer.
 * Word keeps a paragraph's text in runs (<w:r>), each with its text in
 * <w:t>; editing splits them anywhere, so "{{title}}" may arrive as "{{"
 * in one run and "title}}" in the next, with proofing marks between.  The
 * characters of each tag move into the run where the tag starts (taking
 * its formatting); the runs themselves stay.  libxml2 parses and writes
 * the part (no network, no entities from outside).
 */
#include "docx.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#include "i18n.h"

/* libxml2's strings are unsigned char. */
#define XC(s)	((const xmlChar *)(s))
#define W_NS \
	"http://schemas.openxmlformats.org/wordprocessingml/2006/main"

/* One paragraph (<w:p>): its <w:t> elements and their text, joined. */
struct para {
	xmlNode		*node;
	xmlNode		**segs;
	size_t		 nsegs;
	char		*text;
	size_t		 len;
	size_t		*owner;		/* each byte's segment */
	int		 number;	/* 1-based, for messages */
	bool		 alone;		/* only a section tag */
	size_t		 tag_a, tag_b;	/* that tag in text */
};

struct paras {
	struct para	*v;
	size_t		 n;
};

static bool
is_w(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    xmlStrcmp(n->ns->href, XC(W_NS)) == 0 &&
	    xmlStrcmp(n->name, XC(name)) == 0;
}

/* The <w:t> under `n` that belong to its paragraph (not a nested one). */
static void
segs_collect(struct para *p, xmlNode *n)
{
	xmlNode	*c;

	for (c = n->children; c != NULL; c = c->next) {
		if (is_w(c, "p"))
			continue;
		if (is_w(c, "t")) {
			p->segs = xreallocarray(p->segs, p->nsegs + 1,
			    sizeof(*p->segs));
			p->segs[p->nsegs++] = c;
		} else
			segs_collect(p, c);
	}
}

static void
para_scan(struct para *p)
{
	struct buf	 b;
	xmlChar		*t;
	size_t		 k, i, n;

	segs_collect(p, p->node);
	buf_init(&b, 0);
	p->owner = NULL;
	for (k = 0; k < p->nsegs; k++) {
		t = xmlNodeGetContent(p->segs[k]);
		n = t ? strlen((const char *)t) : 0;
		p->owner = xreallocarray(p->owner, b.len + n + 1,
		    sizeof(*p->owner));
		for (i = 0; i < n; i++)
			p->owner[b.len + i] = k;
		buf_append(&b, t ? (const char *)t : "", n, NULL);
		xmlFree(t);
	}
	p->len = b.len;
	p->text = b.data ? buf_take(&b) : xstrdup("");
	if (p->owner == NULL)
		p->owner = xcalloc(1, sizeof(*p->owner));
}

/* Every paragraph under `n`, in document order. */
static void
paras_collect(struct paras *ps, xmlNode *n)
{
	xmlNode	*c;

	for (c = n; c != NULL; c = c->next) {
		if (is_w(c, "p")) {
			ps->v = xreallocarray(ps->v, ps->n + 1,
			    sizeof(*ps->v));
			memset(&ps->v[ps->n], 0, sizeof(ps->v[0]));
			ps->v[ps->n].node = c;
			ps->v[ps->n].number = (int)ps->n + 1;
			ps->n++;
		}
		if (c->type == XML_ELEMENT_NODE)
			paras_collect(ps, c->children);
	}
}

static void
paras_clear(struct paras *ps)
{
	size_t	 i;

	for (i = 0; i < ps->n; i++) {
		free(ps->v[i].segs);
		free(ps->v[i].text);
		free(ps->v[i].owner);
	}
	free(ps->v);
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
			return para_fail(p, err, _("this closes another "
			    "section than the one open: "), t->name);
	}
	return 0;
}

/* Give each <w:t> the text it owns now that tags have moved. */
static void
para_apply(struct para *p)
{
	xmlNs	*xmlns;
	size_t	 k, i = 0, j;

	/* Owners never decrease: a tag's bytes only move back. */
	for (k = 0; k < p->nsegs; k++) {
		for (j = i; j < p->len && p->owner[j] == k; j++)
			;
		xmlNodeSetContent(p->segs[k], NULL);
		xmlNodeAddContentLen(p->segs[k], XC(p->text + i),
		    (int)(j - i));
		if ((xmlns = xmlSearchNsByHref(p->segs[k]->doc, p->segs[k],
		    XML_XML_NAMESPACE)) != NULL)
			xmlSetNsProp(p->segs[k], xmlns, XC("space"),
			    XC("preserve"));
		i = j;
	}
}

static int
para_do(struct para *p, struct outer *o, struct derr *err)
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
		para_apply(p);
		return 0;
	}
	p->alone = true;
	p->tag_a = first.a;
	p->tag_b = first.b;
	return outer_track(o, p, &first, err);
}

/*
 * Check and join every paragraph's tags, then put the bare tag in place
 * of each paragraph that holds one alone: last first, so that a paragraph
 * nested in another (a text box) goes before the one around it.
 */
static int
doc_prepare(xmlDoc *doc, struct derr *err)
{
	struct paras	 ps = { 0 };
	struct outer	 o;
	struct para	*p;
	xmlNode		*t;
	size_t		 i;
	int		 r = 0;

	memset(&o, 0, sizeof(o));
	paras_collect(&ps, xmlDocGetRootElement(doc));
	for (i = 0; r == 0 && i < ps.n; i++)
		r = para_do(&ps.v[i], &o, err);
	if (r == 0 && o.n > 0)
		r = derr_set(err, DERR_INPUT, false, _("word/document.xml: "
		    "paragraph %d: section \"%s\" opens here and never closes"),
		    o.para[o.n - 1], o.v[o.n - 1].name);
	for (i = ps.n; r == 0 && i-- > 0; ) {
		p = &ps.v[i];
		if (!p->alone)
			continue;
		t = xmlNewDocTextLen(doc, XC(p->text + p->tag_a),
		    (int)(p->tag_b - p->tag_a));
		xmlReplaceNode(p->node, t);
		xmlFreeNode(p->node);
	}
	paras_clear(&ps);
	return r;
}

/* The first error libxml2 raises in a parse (not its last one). */
struct xml_first {
	bool	 set;
	int	 code;
	int	 line;
	int	 col;
	char	 msg[200];
};

#if LIBXML_VERSION >= 21200
#define XML_ERR_ARG	const xmlError *
#else
#define XML_ERR_ARG	xmlErrorPtr
#endif

/*
 * The parser's structured error handler: libxml2 goes on after the first
 * well-formedness error and raises more (a missing end tag is followed by
 * "premature end of data" at the end of the part), so the first one is
 * where the template is broken.  Warnings are not kept.
 */
static void
xml_first_error(void *data, XML_ERR_ARG e)
{
	xmlParserCtxt		*ctx = data;
	struct xml_first	*f = ctx != NULL ? ctx->_private : NULL;
	const char		*m;

	if (f == NULL || f->set || e == NULL || e->level < XML_ERR_ERROR)
		return;
	m = e->message != NULL ? e->message : "";
	f->set = true;
	f->code = e->code;
	f->line = e->line;
	f->col = e->int2;
	snprintf(f->msg, sizeof(f->msg), "%.*s", (int)strcspn(m, "\n"), m);
}

/* What the commonest errors mean, for an office that edited the XML. */
static const char *
xml_error_words(int code)
{
	static const struct {
		int		 code;
		const char	*words;
	} w[] = {
		{ XML_ERR_DOCUMENT_EMPTY, N_("the part is empty") },
		{ XML_ERR_DOCUMENT_END, N_("there is more after the end of "
		    "the document element") },
		{ XML_ERR_INVALID_CHAR, N_("a character XML does not allow") },
		{ XML_ERR_UNDECLARED_ENTITY, N_("an entity XML does not know "
		    "(write & as &amp;)") },
		{ XML_WAR_UNDECLARED_ENTITY, N_("an entity XML does not know "
		    "(write & as &amp;)") },
		{ XML_ERR_ENTITYREF_SEMICOL_MISSING, N_("a \"&\" that starts "
		    "no entity (write & as &amp;)") },
		{ XML_ERR_LT_IN_ATTRIBUTE, N_("a \"<\" inside an attribute "
		    "value") },
		{ XML_ERR_ATTRIBUTE_WITHOUT_VALUE, N_("an attribute without "
		    "a quoted value") },
		{ XML_ERR_ATTRIBUTE_REDEFINED, N_("the same attribute twice "
		    "in one tag") },
		{ XML_ERR_GT_REQUIRED, N_("a tag without its \">\"") },
		{ XML_ERR_TAG_NAME_MISMATCH, N_("an end tag that does not "
		    "match the open element") },
		{ XML_ERR_TAG_NOT_FINISHED, N_("an element that is never "
		    "closed (is the part cut short?)") },
		{ XML_ERR_LTSLASH_REQUIRED, N_("an element that is never "
		    "closed") },
		{ XML_NS_ERR_UNDEFINED_NAMESPACE, N_("a namespace prefix "
		    "that is not declared") },
		{ XML_ERR_INVALID_ENCODING, N_("bytes that are not UTF-8") },
		{ XML_ERR_UNSUPPORTED_ENCODING, N_("an encoding that is not "
		    "supported") },
	};
	size_t	 i;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (w[i].code == code)
			return _(w[i].words);
	return NULL;
}

/* DERR_INPUT for a part that is not well-formed: its first error. */
static int
xml_fail(const char *part, const struct xml_first *f, struct derr *err)
{
	const char	*words;

	if (!f->set)
		return derr_set(err, DERR_INPUT, false, _("%s: not "
		    "well-formed XML"), part);
	if ((words = xml_error_words(f->code)) == NULL)
		return derr_set(err, DERR_INPUT, false, _("%s: not "
		    "well-formed XML: line %d, column %d: %s"), part, f->line,
		    f->col, f->msg);
	return derr_set(err, DERR_INPUT, false, _("%s: not well-formed XML: "
	    "line %d, column %d: %s (libxml2: %s)"), part, f->line, f->col,
	    words, f->msg);
}

/* Parse `xml` as part `part`: the document, or NULL with `err`. */
static xmlDoc *
xml_parse(const char *part, const char *xml, size_t len, struct derr *err)
{
	struct xml_first	 f = { 0 };
	xmlParserCtxt		*ctx;
	xmlDoc			*doc;

	if (len > DOCX_PART_MAX || (ctx = xmlNewParserCtxt()) == NULL) {
		derr_set(err, DERR_INPUT, false, "%s: too large", part);
		return NULL;
	}
	ctx->_private = &f;
	ctx->sax->serror = xml_first_error;
	doc = xmlCtxtReadMemory(ctx, xml, (int)len, part, "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
		if (!f.set && doc == NULL && len == 0)
			f = (struct xml_first){ true, XML_ERR_DOCUMENT_EMPTY,
			    1, 1, "Document is empty" };
		xml_fail(part, &f, err);
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctx);
	return doc;
}

int
docx_template_prepare(const char *part, const char *xml, size_t len,
    struct buf *out, struct derr *err)
{
	xmlDoc		*doc;
	xmlChar		*mem = NULL;
	int		 size = 0, r;

	buf_init(out, 0);
	if ((doc = xml_parse(part, xml, len, err)) == NULL)
		return -1;
	if ((r = doc_prepare(doc, err)) == 0) {
		xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
		if (mem != NULL)
			buf_append(out, (const char *)mem, (size_t)size, NULL);
		xmlFree(mem);
	}
	xmlFreeDoc(doc);
	return r;
}
