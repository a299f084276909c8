#include "render.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

/* Node visits and list items per render; stops pathological templates. */
#define RENDER_STEPS_MAX	100000000UL
#define RENDER_DELIM_MAX	16

/* ------------------------------------------------------------------ */
/* Value tree                                                          */

struct rval_map {
	char		**keys;
	struct rval	**vals;
	size_t		  n;
	size_t		  cap;
};

struct rval_list {
	struct rval	**v;
	size_t		  n;
	size_t		  cap;
};

struct rval {
	enum rval_type	 type;
	union {
		bool		 b;
		int64_t		 i;
		double		 d;
		struct {
			char	*s;
			size_t	 len;
		} str;
		struct rval_map	 map;
		struct rval_list list;
	} u;
};

static struct rval *
rval_alloc(enum rval_type type)
{
	struct rval	*v;

	v = xcalloc(1, sizeof(*v));
	v->type = type;
	return v;
}

struct rval *
rval_null_new(void)
{
	return rval_alloc(RVAL_NULL);
}

struct rval *
rval_bool_new(bool b)
{
	struct rval	*v;

	v = rval_alloc(RVAL_BOOL);
	v->u.b = b;
	return v;
}

struct rval *
rval_int_new(int64_t i)
{
	struct rval	*v;

	v = rval_alloc(RVAL_INT);
	v->u.i = i;
	return v;
}

struct rval *
rval_double_new(double d)
{
	struct rval	*v;

	v = rval_alloc(RVAL_DOUBLE);
	v->u.d = d;
	return v;
}

struct rval *
rval_str_new(const char *s)
{
	struct rval	*v;

	if (s == NULL)
		return rval_null_new();
	v = rval_alloc(RVAL_STR);
	v->u.str.s = xstrdup(s);
	v->u.str.len = strlen(s);
	return v;
}

struct rval *
rval_map_new(void)
{
	return rval_alloc(RVAL_MAP);
}

struct rval *
rval_list_new(void)
{
	return rval_alloc(RVAL_LIST);
}

void
rval_free(struct rval *v)
{
	size_t	 i;

	if (v == NULL)
		return;
	switch (v->type) {
	case RVAL_STR:
		free(v->u.str.s);
		break;
	case RVAL_MAP:
		for (i = 0; i < v->u.map.n; i++) {
			free(v->u.map.keys[i]);
			rval_free(v->u.map.vals[i]);
		}
		free(v->u.map.keys);
		free(v->u.map.vals);
		break;
	case RVAL_LIST:
		for (i = 0; i < v->u.list.n; i++)
			rval_free(v->u.list.v[i]);
		free(v->u.list.v);
		break;
	default:
		break;
	}
	free(v);
}

enum rval_type
rval_type(const struct rval *v)
{
	return v == NULL ? RVAL_NULL : v->type;
}

static struct rval *
rval_map_get(const struct rval *map, const char *key)
{
	size_t	 i;

	if (map == NULL || map->type != RVAL_MAP)
		return NULL;
	for (i = 0; i < map->u.map.n; i++)
		if (strcmp(map->u.map.keys[i], key) == 0)
			return map->u.map.vals[i];
	return NULL;
}

void
rval_map_take(struct rval *map, const char *key, struct rval *child)
{
	struct rval_map	*m;
	size_t		 i;

	if (map == NULL || map->type != RVAL_MAP) {
		rval_free(child);
		return;
	}
	m = &map->u.map;
	for (i = 0; i < m->n; i++) {
		if (strcmp(m->keys[i], key) == 0) {
			rval_free(m->vals[i]);
			m->vals[i] = child;
			return;
		}
	}
	if (m->n == m->cap) {
		m->cap = m->cap == 0 ? 8 : m->cap * 2;
		m->keys = xreallocarray(m->keys, m->cap, sizeof(*m->keys));
		m->vals = xreallocarray(m->vals, m->cap, sizeof(*m->vals));
	}
	m->keys[m->n] = xstrdup(key);
	m->vals[m->n] = child;
	m->n++;
}

void
rval_map_set_str(struct rval *map, const char *key, const char *s)
{
	rval_map_take(map, key, rval_str_new(s));
}

void
rval_map_set_int(struct rval *map, const char *key, int64_t i)
{
	rval_map_take(map, key, rval_int_new(i));
}

void
rval_map_set_double(struct rval *map, const char *key, double d)
{
	rval_map_take(map, key, rval_double_new(d));
}

void
rval_map_set_bool(struct rval *map, const char *key, bool b)
{
	rval_map_take(map, key, rval_bool_new(b));
}

struct rval *
rval_map_set_list(struct rval *map, const char *key)
{
	struct rval	*v;

	if (map == NULL || map->type != RVAL_MAP)
		return NULL;
	v = rval_list_new();
	rval_map_take(map, key, v);
	return v;
}

struct rval *
rval_map_set_map(struct rval *map, const char *key)
{
	struct rval	*v;

	if (map == NULL || map->type != RVAL_MAP)
		return NULL;
	v = rval_map_new();
	rval_map_take(map, key, v);
	return v;
}

void
rval_list_take(struct rval *list, struct rval *child)
{
	struct rval_list	*l;

	if (list == NULL || list->type != RVAL_LIST) {
		rval_free(child);
		return;
	}
	l = &list->u.list;
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 8 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = child;
}

struct rval *
rval_list_add_map(struct rval *list)
{
	struct rval	*v;

	if (list == NULL || list->type != RVAL_LIST)
		return NULL;
	v = rval_map_new();
	rval_list_take(list, v);
	return v;
}

void
rval_list_add_str(struct rval *list, const char *s)
{
	rval_list_take(list, rval_str_new(s));
}

void
rval_list_add_int(struct rval *list, int64_t i)
{
	rval_list_take(list, rval_int_new(i));
}

bool
rval_truthy(const struct rval *v)
{
	if (v == NULL)
		return false;
	switch (v->type) {
	case RVAL_NULL:
		return false;
	case RVAL_BOOL:
		return v->u.b;
	case RVAL_INT:
		return v->u.i != 0;
	case RVAL_DOUBLE:
		return v->u.d != 0.0;
	case RVAL_STR:
		return v->u.str.len > 0;
	case RVAL_LIST:
		return v->u.list.n > 0;
	default:
		return true;
	}
}

/* ------------------------------------------------------------------ */
/* Parsed templates                                                    */

enum render_kind {
	RN_TEXT,
	RN_VAR,
	RN_SECTION,
	RN_INVERTED,
	RN_PARTIAL
};

struct render_node {
	enum render_kind	 kind;
	int			 line;
	const char		*text;		/* RN_TEXT: into the source */
	size_t			 len;
	char			*name;		/* whole tag name */
	char			**parts;	/* dotted name; 0 parts: "." */
	size_t			 nparts;
	bool			 raw;		/* RN_VAR: never escape */
	char			*indent;	/* RN_PARTIAL, standalone */
	struct render_node	*child;
	struct render_node	*next;
};

struct render_tmpl {
	char			*name;	/* file or partial name, for messages */
	char			*src;
	size_t			 len;
	struct render_node	*root;
};

struct render_level {
	struct render_node	*sec;	/* NULL at the top level */
	struct render_node	**tail;
};

struct render_parser {
	struct render_tmpl	*t;
	size_t			 pos;
	size_t			 lpos;	/* newlines counted up to here */
	int			 line;
	char			 otag[RENDER_DELIM_MAX];
	char			 ctag[RENDER_DELIM_MAX];
	size_t			 olen;
	size_t			 clen;
	struct render_level	 lv[RENDER_NEST_MAX + 1];
	size_t			 depth;
	struct derr		*err;
};

/* One tag as found in the source. */
struct render_tag {
	char		 sigil;		/* 0 for a plain variable */
	const char	*body;		/* trimmed content */
	size_t		 blen;
	size_t		 start;		/* offset of the open delimiter */
	size_t		 end;		/* offset after the close delimiter */
	int		 line;
	char		*indent;	/* standalone partial indentation */
};

static void
node_free(struct render_node *n)
{
	struct render_node	*next;
	size_t			 i;

	while (n != NULL) {
		next = n->next;
		node_free(n->child);
		for (i = 0; i < n->nparts; i++)
			free(n->parts[i]);
		free(n->parts);
		free(n->name);
		free(n->indent);
		free(n);
		n = next;
	}
}

static void
tmpl_free(struct render_tmpl *t)
{
	if (t == NULL)
		return;
	node_free(t->root);
	free(t->name);
	free(t->src);
	free(t);
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\f' || c == '\v';
}

static int
parser_line(struct render_parser *p, size_t at)
{
	const char	*s = p->t->src;

	/* Mostly forward; text before a tag is revisited once, backwards. */
	for (; p->lpos < at; p->lpos++)
		if (s[p->lpos] == '\n')
			p->line++;
	for (; p->lpos > at; p->lpos--)
		if (s[p->lpos - 1] == '\n')
			p->line--;
	return p->line;
}

static int
parse_fail(struct render_parser *p, int line, const char *what,
    const char *name, size_t nlen)
{
	if (name == NULL)
		return derr_set(p->err, DERR_INPUT, false, "%s:%d: %s",
		    p->t->name, line, what);
	return derr_set(p->err, DERR_INPUT, false, "%s:%d: %s \"%.*s\"",
	    p->t->name, line, what, (int)(nlen > 64 ? 64 : nlen), name);
}

static struct render_node *
parser_add(struct render_parser *p, enum render_kind kind, int line)
{
	struct render_level	*lv = &p->lv[p->depth];
	struct render_node	*n;

	n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->line = line;
	*lv->tail = n;
	lv->tail = &n->next;
	return n;
}

static void
parser_text(struct render_parser *p, size_t from, size_t to)
{
	struct render_node	*n;

	if (to <= from)
		return;
	n = parser_add(p, RN_TEXT, parser_line(p, from));
	n->text = p->t->src + from;
	n->len = to - from;
}

/* Split a dotted name into parts; "." is the implicit iterator. */
static int
node_set_name(struct render_parser *p, struct render_node *n,
    const struct render_tag *tag)
{
	const char	*s = tag->body;
	const char	*end = tag->body + tag->blen;
	const char	*dot;
	size_t		 i;

	if (tag->blen == 0)
		return parse_fail(p, tag->line, "empty tag", NULL, 0);
	for (i = 0; i < tag->blen; i++)
		if (is_space(s[i]) || s[i] == '\0')
			return parse_fail(p, tag->line, "bad name", s,
			    tag->blen);
	n->name = xstrndup(s, tag->blen);
	if (tag->blen == 1 && s[0] == '.')
		return 0;
	while (s <= end) {
		dot = memchr(s, '.', (size_t)(end - s));
		if (dot == NULL)
			dot = end;
		if (dot == s)
			return parse_fail(p, tag->line, "bad name", tag->body,
			    tag->blen);
		n->parts = xreallocarray(n->parts, n->nparts + 1,
		    sizeof(*n->parts));
		n->parts[n->nparts++] = xstrndup(s, (size_t)(dot - s));
		s = dot + 1;
	}
	return 0;
}

static int
tag_comment(struct render_parser *p, struct render_tag *tag)
{
	(void)p;
	(void)tag;
	return 0;
}

static int
tag_var(struct render_parser *p, struct render_tag *tag)
{
	struct render_node	*n;

	n = parser_add(p, RN_VAR, tag->line);
	n->raw = tag->sigil == '&' || tag->sigil == '{';
	return node_set_name(p, n, tag);
}

static int
tag_open(struct render_parser *p, struct render_tag *tag)
{
	struct render_node	*n;

	if (p->depth >= RENDER_NEST_MAX)
		return parse_fail(p, tag->line, "sections nested too deeply",
		    NULL, 0);
	n = parser_add(p, tag->sigil == '#' ? RN_SECTION : RN_INVERTED,
	    tag->line);
	if (node_set_name(p, n, tag) < 0)
		return -1;
	p->depth++;
	p->lv[p->depth].sec = n;
	p->lv[p->depth].tail = &n->child;
	return 0;
}

static int
tag_close(struct render_parser *p, struct render_tag *tag)
{
	const struct render_node	*open = p->lv[p->depth].sec;

	if (open == NULL)
		return parse_fail(p, tag->line, "close of unopened section",
		    tag->body, tag->blen);
	if (strlen(open->name) != tag->blen ||
	    memcmp(open->name, tag->body, tag->blen) != 0)
		return parse_fail(p, tag->line, "mismatched section close",
		    tag->body, tag->blen);
	p->depth--;
	return 0;
}

static int
tag_partial(struct render_parser *p, struct render_tag *tag)
{
	struct render_node	*n;

	n = parser_add(p, RN_PARTIAL, tag->line);
	n->indent = tag->indent;
	tag->indent = NULL;
	return node_set_name(p, n, tag);
}

/* One delimiter of a set-delimiters tag: 1..15 bytes, no '=' or space. */
static size_t
delim_scan(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len && !is_space(s[i]); i++)
		if (s[i] == '=' || s[i] == '\0')
			return 0;
	return i < RENDER_DELIM_MAX ? i : 0;
}

static int
tag_delims(struct render_parser *p, struct render_tag *tag)
{
	const char	*s = tag->body;
	const size_t	 n = tag->blen;
	size_t		 o;
	size_t		 sp;
	size_t		 c;

	o = delim_scan(s, n);
	for (sp = o; sp < n && is_space(s[sp]); sp++)
		continue;
	c = sp < n ? delim_scan(s + sp, n - sp) : 0;
	if (o == 0 || sp == o || c == 0 || sp + c != n)
		return parse_fail(p, tag->line, "bad set-delimiters tag",
		    NULL, 0);
	memcpy(p->otag, s, o);
	p->olen = o;
	memcpy(p->ctag, s + sp, c);
	p->clen = c;
	return 0;
}

struct render_tagtype {
	char	 sigil;
	bool	 standalone;	/* may stand alone on a line */
	int	(*fn)(struct render_parser *, struct render_tag *);
};

static const struct render_tagtype render_tagtypes[] = {
	{ '!', true, tag_comment },
	{ '#', true, tag_open },
	{ '^', true, tag_open },
	{ '/', true, tag_close },
	{ '>', true, tag_partial },
	{ '=', true, tag_delims },
	{ '&', false, tag_var },
	{ '{', false, tag_var },
	{ 0, false, tag_var }
};

static const struct render_tagtype *
tagtype_find(char sigil)
{
	size_t	 i;

	for (i = 0; render_tagtypes[i].sigil != 0; i++)
		if (render_tagtypes[i].sigil == sigil)
			return &render_tagtypes[i];
	return &render_tagtypes[i];
}

/*
 * Read the tag whose open delimiter is at `start`: its sigil, trimmed body
 * and end.  {{{x}}} ends at "}" plus the close delimiter, {{=a b=}} at "="
 * plus it.
 */
static int
tag_read(struct render_parser *p, size_t start, struct render_tag *tag)
{
	const char	*s = p->t->src;
	const char	*body;
	const char	*close;
	char		 pat[RENDER_DELIM_MAX + 1];
	size_t		 plen = 0;
	size_t		 from;
	size_t		 blen;

	tag->start = start;
	tag->line = parser_line(p, start);
	from = start + p->olen;
	tag->sigil = 0;
	if (from < p->t->len && tagtype_find(s[from])->sigil != 0)
		tag->sigil = s[from++];
	if (tag->sigil == '{' || tag->sigil == '=')
		pat[plen++] = tag->sigil == '{' ? '}' : '=';
	memcpy(pat + plen, p->ctag, p->clen);
	plen += p->clen;
	close = memmem(s + from, p->t->len - from, pat, plen);
	if (close == NULL)
		return parse_fail(p, tag->line, "unclosed tag", NULL, 0);
	tag->end = (size_t)(close - s) + plen;
	body = s + from;
	blen = (size_t)(close - body);
	while (blen > 0 && is_space(*body)) {
		body++;
		blen--;
	}
	while (blen > 0 && is_space(body[blen - 1]))
		blen--;
	tag->body = body;
	tag->blen = blen;
	return 0;
}

/*
 * A standalone tag is alone on its line but for blanks.  If so, set
 * `*ls` to the line start and `*next` past the line's end, and return true.
 */
static bool
tag_standalone(const struct render_parser *p, const struct render_tag *tag,
    size_t *ls, size_t *next)
{
	const char	*s = p->t->src;
	size_t		 b = tag->start;
	size_t		 e = tag->end;

	while (b > p->pos && is_blank(s[b - 1]))
		b--;
	if (b > 0 && s[b - 1] != '\n')
		return false;
	while (e < p->t->len && is_blank(s[e]))
		e++;
	if (e < p->t->len && s[e] == '\r' && e + 1 < p->t->len &&
	    s[e + 1] == '\n')
		e++;
	if (e < p->t->len && s[e] != '\n')
		return false;
	*ls = b;
	*next = e < p->t->len ? e + 1 : e;
	return true;
}

/* Handle the tag at `start`; text before it goes out first. */
static int
parse_tag(struct render_parser *p, size_t start)
{
	const struct render_tagtype	*tt;
	struct render_tag		 tag;
	size_t				 ls;
	size_t				 next;
	int				 rc;

	memset(&tag, 0, sizeof(tag));
	if (tag_read(p, start, &tag) < 0)
		return -1;
	tt = tagtype_find(tag.sigil);
	if (tt->standalone && tag_standalone(p, &tag, &ls, &next)) {
		parser_text(p, p->pos, ls);
		if (tag.sigil == '>' && start > ls)
			tag.indent = xstrndup(p->t->src + ls, start - ls);
		p->pos = next;
	} else {
		parser_text(p, p->pos, start);
		p->pos = tag.end;
	}
	rc = tt->fn(p, &tag);
	free(tag.indent);
	return rc;
}

static int
parse_run(struct render_parser *p)
{
	const char	*s = p->t->src;
	const char	*open;
	const char	*name;

	while (p->pos < p->t->len) {
		open = memmem(s + p->pos, p->t->len - p->pos, p->otag,
		    p->olen);
		if (open == NULL) {
			parser_text(p, p->pos, p->t->len);
			break;
		}
		if (parse_tag(p, (size_t)(open - s)) < 0)
			return -1;
	}
	if (p->depth > 0) {
		name = p->lv[p->depth].sec->name;
		return parse_fail(p, p->lv[p->depth].sec->line,
		    "unclosed section", name, strlen(name));
	}
	return 0;
}

/*
 * Parse `src` (taking ownership; NUL-terminated, `len` bytes) as template
 * `name`.  Returns the template or NULL with DERR_INPUT.
 */
static struct render_tmpl *
tmpl_parse_take(const char *name, char *src, size_t len, struct derr *err)
{
	struct render_parser	*p;
	struct render_tmpl	*t;
	int			 rc;

	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	t->src = src;
	t->len = len;
	if (memchr(src, '\0', len) != NULL) {
		derr_set(err, DERR_INPUT, false, "%s: contains a NUL byte",
		    name);
		tmpl_free(t);
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->t = t;
	p->line = 1;
	p->err = err;
	memcpy(p->otag, "{{", 2);
	memcpy(p->ctag, "}}", 2);
	p->olen = p->clen = 2;
	p->lv[0].tail = &t->root;
	rc = parse_run(p);
	free(p);
	if (rc < 0) {
		tmpl_free(t);
		return NULL;
	}
	return t;
}

/*
 * Copy `src` with `indent` before every line (for standalone partials),
 * capped so a long indent times many lines cannot exhaust memory.
 */
static int
indent_copy(const char *src, size_t len, const char *indent, char **out,
    size_t *outlen, struct derr *err)
{
	struct buf	 b;
	size_t		 i;
	size_t		 from = 0;

	buf_init(&b, 4 * RENDER_FILE_MAX);
	for (i = 0; i < len; i++) {
		if (i == from && buf_puts(&b, indent, err) < 0)
			goto fail;
		if (src[i] != '\n')
			continue;
		if (buf_append(&b, src + from, i + 1 - from, err) < 0)
			goto fail;
		from = i + 1;
	}
	if (buf_append(&b, src + from, len - from, err) < 0)
		goto fail;
	*outlen = b.len;
	*out = buf_take(&b);
	return 0;
fail:
	buf_clear(&b);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Rendering                                                           */

struct render_cached {
	char			*name;
	char			*indent;
	struct render_tmpl	*t;
};

struct render_run {
	enum render_escape		 esc;
	struct buf			*out;
	const struct render_partials	*partials;	/* render_string */
	const char			*dir;		/* render_file */
	const char			*ext;
	struct render_cached		*cache;
	size_t				 ncache;
	const struct rval		**stack;
	size_t				 nstack;
	size_t				 capstack;
	int				 nest;
	unsigned long			 steps;
	struct derr			*err;
};

typedef int (*render_fn)(struct render_run *, const struct render_tmpl *,
    const struct render_node *);

static int render_nodes(struct render_run *, const struct render_tmpl *,
    const struct render_node *);

static void
run_push(struct render_run *r, const struct rval *v)
{
	if (r->nstack == r->capstack) {
		r->capstack = r->capstack == 0 ? 16 : r->capstack * 2;
		r->stack = xreallocarray(r->stack, r->capstack,
		    sizeof(*r->stack));
	}
	r->stack[r->nstack++] = v;
}

/*
 * The first part of a dotted name is looked up from the innermost context
 * outwards; the rest only inside what it found (the spec's "broken chain").
 */
static const struct rval *
run_lookup(const struct render_run *r, const struct render_node *n)
{
	const struct rval	*v = NULL;
	size_t			 i;

	if (n->nparts == 0)
		return r->nstack > 0 ? r->stack[r->nstack - 1] : NULL;
	for (i = r->nstack; i > 0 && v == NULL; i--)
		v = rval_map_get(r->stack[i - 1], n->parts[0]);
	for (i = 1; i < n->nparts && v != NULL; i++)
		v = rval_map_get(v, n->parts[i]);
	return v;
}

static const char *
html_entity(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

static int
put_escaped(struct buf *out, const char *s, size_t len, struct derr *err)
{
	const char	*ent;
	size_t		 i;
	size_t		 from = 0;

	for (i = 0; i < len; i++) {
		ent = html_entity(s[i]);
		if (ent == NULL)
			continue;
		if (buf_append(out, s + from, i - from, err) < 0 ||
		    buf_puts(out, ent, err) < 0)
			return -1;
		from = i + 1;
	}
	return buf_append(out, s + from, len - from, err);
}

/* For the inside of a JSON string: RFC 8259 section 7. */
static int
put_json_escaped(struct buf *out, const char *s, size_t len,
    struct derr *err)
{
	char	 e[8];
	size_t	 i, from = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		if (c == '"' || c == '\\')
			snprintf(e, sizeof(e), "\\%c", c);
		else if (c == '\n')
			snprintf(e, sizeof(e), "\\n");
		else
			snprintf(e, sizeof(e), "\\u%04x", c);
		if (buf_append(out, s + from, i - from, err) < 0 ||
		    buf_puts(out, e, err) < 0)
			return -1;
		from = i + 1;
	}
	return buf_append(out, s + from, len - from, err);
}

/* Shortest "%.Ng" that reads back as the same double. */
static void
format_double(double d, char *tmp, size_t n)
{
	int	 prec;

	for (prec = 15; prec <= 17; prec++) {
		snprintf(tmp, n, "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			return;
	}
}

static int
put_value(struct render_run *r, const struct rval *v, bool raw)
{
	char	 tmp[64];

	switch (rval_type(v)) {
	case RVAL_STR:
		if (r->esc == RENDER_HTML && !raw)
			return put_escaped(r->out, v->u.str.s, v->u.str.len,
			    r->err);
		if (r->esc == RENDER_JSON && !raw)
			return put_json_escaped(r->out, v->u.str.s,
			    v->u.str.len, r->err);
		return buf_append(r->out, v->u.str.s, v->u.str.len, r->err);
	case RVAL_BOOL:
		return buf_puts(r->out, v->u.b ? "true" : "false", r->err);
	case RVAL_INT:
		snprintf(tmp, sizeof(tmp), "%" PRId64, v->u.i);
		return buf_puts(r->out, tmp, r->err);
	case RVAL_DOUBLE:
		format_double(v->u.d, tmp, sizeof(tmp));
		return buf_puts(r->out, tmp, r->err);
	default:
		return 0;
	}
}

static int
render_text(struct render_run *r, const struct render_tmpl *t,
    const struct render_node *n)
{
	if (buf_append(r->out, n->text, n->len, r->err) < 0) {
		derr_prefix(r->err, "%s:%d", t->name, n->line);
		return -1;
	}
	return 0;
}

static int
render_var(struct render_run *r, const struct render_tmpl *t,
    const struct render_node *n)
{
	if (put_value(r, run_lookup(r, n), n->raw) < 0) {
		derr_prefix(r->err, "%s:%d", t->name, n->line);
		return -1;
	}
	return 0;
}

static int
render_with(struct render_run *r, const struct render_tmpl *t,
    const struct render_node *n, const struct rval *v)
{
	int	 rc;

	run_push(r, v);
	rc = render_nodes(r, t, n->child);
	r->nstack--;
	return rc;
}

static int
render_section(struct render_run *r, const struct render_tmpl *t,
    const struct render_node *n)
{
	const struct rval	*v;
	size_t			 i;

	v = run_lookup(r, n);
	if (!rval_truthy(v))
		return 0;
	if (v->type != RVAL_LIST)
		return render_with(r, t, n, v);
	for (i = 0; i < v->u.list.n; i++) {
		r->steps++;
		if (render_with(r, t, n, v->u.list.v[i]) < 0)
			return -1;
	}
	return 0;
}

static int
render_inverted(struct render_run *r, const struct render_tmpl *t,
    const struct render_node *n)
{
	if (rval_truthy(run_lookup(r, n)))
		return 0;
	return render_nodes(r, t, n->child);
}

static bool
name_ok(const char *name)
{
	return name[0] != '\0' && strchr(name, '/') == NULL &&
	    strstr(name, "..") == NULL;
}

/* Partial source from the caller's table: 1 found, 0 absent. */
static int
partial_from_table(const struct render_run *r, const char *name,
    char **src, size_t *len)
{
	size_t	 i;

	if (r->partials == NULL)
		return 0;
	for (i = 0; i < r->partials->n; i++) {
		if (strcmp(r->partials->v[i].name, name) != 0)
			continue;
		*src = xstrdup(r->partials->v[i].text);
		*len = strlen(*src);
		return 1;
	}
	return 0;
}

/* Partial source from the template directory: 1 found, or -1. */
static int
partial_from_dir(const struct render_run *r, const char *name, char **src,
    size_t *len)
{
	char	*path;
	int	 rc;

	if (!name_ok(name))
		return derr_set(r->err, DERR_INPUT, false,
		    "name must not contain '/' or \"..\"");
	path = xasprintf("%s/%s%s", r->dir, name, r->ext);
	rc = file_read(path, RENDER_FILE_MAX, src, len, r->err);
	free(path);
	return rc < 0 ? -1 : 1;
}

/*
 * Load, indent and parse partial `n`: 1 found, 0 absent, -1 error.  A
 * partial that cannot be read is the template's fault, so DERR_INPUT.
 */
static int
partial_load(struct render_run *r, const struct render_tmpl *t,
    const struct render_node *n, struct render_tmpl **out)
{
	char	*src = NULL;
	char	*ind = NULL;
	char	*pname;
	size_t	 len = 0;
	int	 rc;

	if (r->dir != NULL)
		rc = partial_from_dir(r, n->name, &src, &len);
	else
		rc = partial_from_table(r, n->name, &src, &len);
	if (rc > 0 && n->indent != NULL) {
		if (indent_copy(src, len, n->indent, &ind, &len, r->err) < 0)
			rc = -1;
		free(src);
		src = ind;
	}
	if (rc < 0) {
		if (r->err != NULL)
			r->err->kind = DERR_INPUT;
		derr_prefix(r->err, "%s:%d: partial \"%s\"", t->name,
		    n->line, n->name);
		return -1;
	}
	if (rc == 0)
		return 0;
	pname = xasprintf("%s%s", n->name, r->dir != NULL ? r->ext : "");
	*out = tmpl_parse_take(pname, src, len, r->err);
	free(pname);
	return *out != NULL ? 1 : -1;
}

/* The parsed partial for `n`, loaded once per (name, indent). */
static int
partial_get(struct render_run *r, const struct render_tmpl *t,
    const struct render_node *n, struct render_tmpl **out)
{
	const char		*ind = n->indent != NULL ? n->indent : "";
	struct render_cached	*c;
	size_t			 i;
	int			 rc;

	for (i = 0; i < r->ncache; i++) {
		c = &r->cache[i];
		if (strcmp(c->name, n->name) == 0 &&
		    strcmp(c->indent, ind) == 0) {
			*out = c->t;
			return c->t != NULL;
		}
	}
	*out = NULL;
	rc = partial_load(r, t, n, out);
	if (rc < 0)
		return -1;
	r->cache = xreallocarray(r->cache, r->ncache + 1, sizeof(*r->cache));
	c = &r->cache[r->ncache++];
	c->name = xstrdup(n->name);
	c->indent = xstrdup(ind);
	c->t = *out;
	return rc;
}

static int
render_partial(struct render_run *r, const struct render_tmpl *t,
    const struct render_node *n)
{
	struct render_tmpl	*pt;
	int			 rc;

	if (r->nest >= RENDER_PARTIAL_MAX)
		return derr_set(r->err, DERR_INPUT, false,
		    "%s:%d: partials nested too deeply", t->name, n->line);
	rc = partial_get(r, t, n, &pt);
	if (rc <= 0)
		return rc;
	r->nest++;
	rc = render_nodes(r, pt, pt->root);
	r->nest--;
	return rc;
}

static const render_fn render_fns[] = {
	[RN_TEXT] = render_text,
	[RN_VAR] = render_var,
	[RN_SECTION] = render_section,
	[RN_INVERTED] = render_inverted,
	[RN_PARTIAL] = render_partial
};

static int
render_nodes(struct render_run *r, const struct render_tmpl *t,
    const struct render_node *n)
{
	for (; n != NULL; n = n->next) {
		if (++r->steps > RENDER_STEPS_MAX)
			return derr_set(r->err, DERR_INPUT, false,
			    "%s:%d: template too expensive to render",
			    t->name, n->line);
		if (render_fns[n->kind](r, t, n) < 0)
			return -1;
	}
	return 0;
}

/* Render parsed `t` into r->out, which is restored on error. */
static int
run_render(struct render_run *r, const struct render_tmpl *t,
    const struct rval *ctx)
{
	size_t	 saved = r->out->len;
	size_t	 i;
	int	 rc;

	if (ctx != NULL)
		run_push(r, ctx);
	rc = render_nodes(r, t, t->root);
	if (rc < 0 && r->out->data != NULL) {
		r->out->len = saved;
		r->out->data[saved] = '\0';
	}
	for (i = 0; i < r->ncache; i++) {
		free(r->cache[i].name);
		free(r->cache[i].indent);
		tmpl_free(r->cache[i].t);
	}
	free(r->cache);
	free(r->stack);
	return rc;
}

int
render_string(const char *tmpl, const struct rval *ctx,
    const struct render_partials *partials, enum render_escape esc,
    struct buf *out, struct derr *err)
{
	struct render_run	 r;
	struct render_tmpl	*t;
	int			 rc;

	t = tmpl_parse_take("template", xstrdup(tmpl), strlen(tmpl), err);
	if (t == NULL)
		return -1;
	memset(&r, 0, sizeof(r));
	r.esc = esc;
	r.out = out;
	r.partials = partials;
	r.err = err;
	rc = run_render(&r, t, ctx);
	tmpl_free(t);
	return rc;
}

int
render_file(const char *dir, const char *name, const struct rval *ctx,
    enum render_escape esc, struct buf *out, struct derr *err)
{
	struct render_run	 r;
	struct render_tmpl	*t;
	char			*path;
	char			*src;
	const char		*ext;
	size_t			 len;
	int			 rc;

	if (!name_ok(name))
		return derr_set(err, DERR_INPUT, false,
		    "template name \"%s\" must not contain '/' or \"..\"",
		    name);
	path = xasprintf("%s/%s", dir, name);
	rc = file_read(path, RENDER_FILE_MAX, &src, &len, err);
	free(path);
	if (rc < 0)
		return -1;
	t = tmpl_parse_take(name, src, len, err);
	if (t == NULL)
		return -1;
	ext = strrchr(name, '.');
	memset(&r, 0, sizeof(r));
	r.esc = esc;
	r.out = out;
	r.dir = dir;
	r.ext = ext != NULL ? ext : "";
	r.err = err;
	rc = run_render(&r, t, ctx);
	tmpl_free(t);
	return rc;
}
