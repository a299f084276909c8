#include "ledger.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>
#include <jansson.h>

#include "config.h"
#include "model.h"
#include "util.h"

#define KIND_HINT	"use YYYY-MM-DD or a kind: 立行立改/限期整改/长期坚持"
#define IDEO_SPACE	"\xe3\x80\x80"	/* U+3000, the full-width space */

/*
 * Decoding: everything is turned into UTF-8 before libcsv sees it, so the
 * CSV parser and every check after it deal with one encoding.
 */

/* Convert with iconv; on bad input returns -1 and sets `*bad` to the offset. */
static int
iconv_utf8(const char *from, const char *in, size_t len, struct buf *out,
    size_t *bad, struct derr *err)
{
	iconv_t	 cd;
	char	 tmp[4096], *copy, *ip, *op;
	size_t	 il, ol, r;
	int	 rc = 0;

	cd = iconv_open("UTF-8", from);
	if (cd == (iconv_t)-1)
		return derr_set(err, DERR_SYS, false,
		    "iconv cannot convert from %s: %s", from, strerror(errno));
	/* iconv wants a mutable input pointer; a copy keeps `in` const. */
	copy = xmalloc(len + 1);
	memcpy(copy, in, len);
	ip = copy;
	il = len;
	while (rc == 0 && il > 0) {
		op = tmp;
		ol = sizeof(tmp);
		r = iconv(cd, &ip, &il, &op, &ol);
		if (r == (size_t)-1 && errno != E2BIG) {
			*bad = (size_t)(ip - copy);
			rc = derr_set(err, DERR_INPUT, false, "bad byte");
		} else if (buf_append(out, tmp, (size_t)(op - tmp), err) < 0)
			rc = -1;
	}
	free(copy);
	iconv_close(cd);
	return rc;
}

static int
decode_legacy(const char *from, const char *data, size_t len,
    struct buf *text, struct derr *err)
{
	size_t	 bad = 0;

	if (iconv_utf8(from, data, len, text, &bad, err) == 0)
		return 0;
	if (err != NULL && err->kind != DERR_INPUT)
		return -1;
	if (strcmp(from, "GB18030") == 0)
		return derr_set(err, DERR_INPUT, false, "invalid encoding: the "
		    "file is neither UTF-8 nor GB18030 (byte 0x%02x at offset "
		    "%zu); save it as \"CSV UTF-8\"",
		    (unsigned char)data[bad], bad);
	return derr_set(err, DERR_INPUT, false, "invalid encoding: the file "
	    "has a UTF-16 byte order mark but is not UTF-16LE (offset %zu)",
	    bad + 2);
}

static int
nul_check(const struct buf *text, struct derr *err)
{
	const char	*nul, *p;
	size_t		 line = 1;

	nul = memchr(text->data, '\0', text->len);
	if (nul == NULL)
		return 0;
	for (p = text->data; p < nul; p++)
		line += *p == '\n';
	return derr_set(err, DERR_INPUT, false, "invalid encoding: line %zu "
	    "holds a NUL byte (is it UTF-16 without a byte order mark?)",
	    line);
}

static int
decode(const char *data, size_t len, struct buf *text, struct derr *err)
{
	int	 rc;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		if (!str_utf8_valid(data + 3, len - 3))
			return derr_set(err, DERR_INPUT, false, "invalid "
			    "encoding: the file starts with a UTF-8 byte "
			    "order mark but is not valid UTF-8");
		rc = buf_append(text, data + 3, len - 3, err);
	} else if (len >= 2 && memcmp(data, "\xff\xfe", 2) == 0)
		rc = decode_legacy("UTF-16LE", data + 2, len - 2, text, err);
	else if (str_utf8_valid(data, len))
		rc = buf_append(text, data, len, err);
	else
		rc = decode_legacy("GB18030", data, len, text, err);
	if (rc == 0 && text->len > 0)
		rc = nul_check(text, err);
	return rc;
}

/*
 * CSV records.  libcsv reports every newline outside a record
 * (CSV_REPALL_NL) so blank lines keep the row numbers the user sees in
 * Excel; the LF of a CRLF pair is not a record of its own.
 */

struct row {
	struct strv	 f;
	size_t		 no;	/* CSV record number, 1-based */
};

struct rows {
	struct row	*v;
	size_t		 n;
	struct strv	 cur;
	size_t		 recno;
	int		 last;	/* terminator of the previous record */
};

/*
 * A cell that starts with = + - @ (or a tab or CR) is a formula to Excel
 * and WPS: the export writes it after a "'" (OWASP's advice), which the
 * spreadsheet does not show, and the import takes that "'" off again.
 */
static bool
csv_formula(const char *s)
{
	return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
}

static const char *
csv_unguard(const char *s)
{
	return s[0] == '\'' && csv_formula(s + 1) ? s + 1 : s;
}

static void
rows_field(void *s, size_t len, void *data)
{
	struct rows	*r = data;

	(void)len;	/* CSV_APPEND_NULL, and NUL bytes were refused */
	strv_push(&r->cur, s != NULL ? csv_unguard(s) : "");
}

static void
rows_end(int c, void *data)
{
	struct rows	*r = data;

	if (r->cur.n == 0 && c == '\n' && r->last == '\r') {
		r->last = c;
		return;
	}
	r->last = c;
	r->recno++;
	r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
	r->v[r->n].f = r->cur;
	r->v[r->n].no = r->recno;
	r->n++;
	memset(&r->cur, 0, sizeof(r->cur));
}

static void
rows_clear(struct rows *r)
{
	size_t	 i;

	for (i = 0; i < r->n; i++)
		strv_clear(&r->v[i].f);
	free(r->v);
	strv_clear(&r->cur);
	memset(r, 0, sizeof(*r));
}

static int
rows_read(const struct buf *text, struct rows *r, struct derr *err)
{
	struct csv_parser	 p;
	int			 rc = 0;

	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL |
	    CSV_APPEND_NULL) != 0)
		return derr_set(err, DERR_SYS, false, "libcsv: out of memory");
	if (csv_parse(&p, text->data, text->len, rows_field, rows_end, r) !=
	    text->len)
		rc = derr_set(err, DERR_INPUT, false, "row %zu: bad quoting "
		    "(a quote inside an unquoted cell, or text after a "
		    "closing quote)", r->recno + 1);
	else if (csv_fini(&p, rows_field, rows_end, r) != 0)
		rc = derr_set(err, DERR_INPUT, false, "row %zu: a quoted cell "
		    "is not closed before the end of the file", r->recno + 1);
	csv_free(&p);
	return rc;
}

/* Trim ASCII white space and full-width spaces at both ends, in place. */
static char *
trim(char *s)
{
	size_t	 n, w = sizeof(IDEO_SPACE) - 1;

	for (;;) {
		str_trim(s);
		n = strlen(s);
		if (strncmp(s, IDEO_SPACE, w) == 0)
			memmove(s, s + w, n - w + 1);
		else if (n >= w && strcmp(s + n - w, IDEO_SPACE) == 0)
			s[n - w] = '\0';
		else
			return s;
	}
}

/* Copy `s` for a message: at most ~40 bytes, cut on a UTF-8 boundary. */
static const char *
shorten(const char *s, char *out, size_t n)
{
	size_t	 len = strlen(s), cut;

	if (len < n)
		return memcpy(out, s, len + 1);
	cut = n - sizeof("...");
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	memcpy(out, s, cut);
	memcpy(out + cut, "...", sizeof("..."));
	return out;
}

/* Columns. */

enum col {
	C_PROBLEM,
	C_TITLE,
	C_CODE,
	C_TEXT,
	C_OWNERS,
	C_DEADLINE,
	C_KIND,
	C_STATUS,
	C_EVIDENCE,
	C_N
};

static const struct coldef {
	const char	*what;
	bool		 required;
	bool		 multiline;	/* newline and tab allowed */
	const char	*names[7];
} coldefs[C_N] = {
	[C_PROBLEM] = { "problem code", true, false, { "problem",
	    "problem_code", "问题编号", "问题序号", "问题号" } },
	[C_TITLE] = { "problem title", false, false, { "problem_title",
	    "问题", "存在问题", "问题描述", "巡察反馈问题" } },
	[C_CODE] = { "measure code", true, false, { "code", "measure_code",
	    "序号", "编号", "措施编号" } },
	[C_TEXT] = { "measure text", true, true, { "measure", "text",
	    "整改措施", "措施", "整改内容", "整改任务" } },
	[C_OWNERS] = { "owners", true, true, { "owners", "owner", "责任人",
	    "责任领导/责任人" } },
	[C_DEADLINE] = { "deadline", false, true, { "deadline", "整改时限",
	    "完成时限", "时限" } },
	[C_KIND] = { "kind", false, false, { "kind", "整改类型", "类型" } },
	[C_STATUS] = { "status", false, false, { "status", "完成情况",
	    "整改状态" } },
	[C_EVIDENCE] = { "evidence", false, true, { "evidence", "佐证材料",
	    "完成证明" } },
};

struct header {
	int		 idx[C_N];	/* cell index, -1 if absent */
	const char	*name[C_N];	/* header text, borrowed from the row */
	size_t		 ncells;
	size_t		 no;
};

static int
col_lookup(const char *name)
{
	size_t	 c, i;

	for (c = 0; c < C_N; c++)
		for (i = 0; i < 7 && coldefs[c].names[i] != NULL; i++)
			if (strcasecmp(name, coldefs[c].names[i]) == 0)
				return (int)c;
	return -1;
}

static void
col_names(enum col c, struct buf *b)
{
	size_t	 i;

	for (i = 0; i < 7 && coldefs[c].names[i] != NULL; i++)
		(void)buf_printf(b, NULL, "%s%s", i > 0 ? ", " : "",
		    coldefs[c].names[i]);	/* unlimited buf */
}

/* Name the missing column `a` (and `b`, unless C_N) with its accepted names. */
static int
header_missing(const struct header *h, enum col a, enum col b,
    struct derr *err)
{
	struct buf	 names;

	buf_init(&names, 0);
	col_names(a, &names);
	if (b != C_N) {
		(void)buf_puts(&names, ", ", NULL);	/* unlimited buf */
		col_names(b, &names);
	}
	derr_set(err, DERR_INPUT, false, "row %zu: no %s%s%s column "
	    "(accepted names: %s)", h->no, coldefs[a].what,
	    b != C_N ? " or " : "", b != C_N ? coldefs[b].what : "",
	    names.data);
	buf_clear(&names);
	return -1;
}

static int
header_read(const struct row *r, struct header *h, struct derr *err)
{
	size_t	 i;
	int	 c;

	for (i = 0; i < C_N; i++)
		h->idx[i] = -1;
	h->ncells = r->f.n;
	h->no = r->no;
	for (i = 0; i < r->f.n; i++) {
		c = col_lookup(r->f.v[i]);
		if (c < 0)
			continue;
		if (h->idx[c] >= 0)
			return derr_set(err, DERR_INPUT, false, "row %zu: "
			    "columns %s and %s both give the %s", h->no,
			    h->name[c], r->f.v[i], coldefs[c].what);
		h->idx[c] = (int)i;
		h->name[c] = r->f.v[i];
	}
	for (c = 0; c < C_N; c++)
		if (coldefs[c].required && h->idx[c] < 0)
			return header_missing(h, (enum col)c, C_N, err);
	if (h->idx[C_DEADLINE] < 0 && h->idx[C_KIND] < 0)
		return header_missing(h, C_DEADLINE, C_KIND, err);
	return 0;
}

/* Rows. */

struct lp {
	const struct cfg	*cfg;
	struct header		 h;
	struct measure_list	 ml;
	size_t			*rowno;	/* row of each measure in `ml` */
	const struct row	*row;
	struct measure		 m;	/* the measure being read */
	int			 kind;	/* -1: not given */
	int32_t			 date;	/* DAY_NONE: not given */
};

static const struct measure *
problem_find(const struct lp *lp, const char *problem)
{
	size_t	 i;

	for (i = lp->ml.n; i > 0; i--)
		if (strcmp(lp->ml.v[i - 1].problem_code, problem) == 0)
			return &lp->ml.v[i - 1];
	return NULL;
}

static int
cell_problem(struct lp *lp, char *s, struct derr *err)
{
	if (*s != '\0')
		lp->m.problem_code = xstrdup(s);
	else if (lp->ml.n > 0)
		lp->m.problem_code =
		    xstrdup(lp->ml.v[lp->ml.n - 1].problem_code);
	else
		return derr_set(err, DERR_INPUT, false, "empty cell (the "
		    "first measure needs a problem code)");
	return 0;
}

static int
cell_title(struct lp *lp, char *s, struct derr *err)
{
	const struct measure	*prev = problem_find(lp, lp->m.problem_code);
	char			 tmp[48];

	if (*s == '\0' && prev == NULL)
		return derr_set(err, DERR_INPUT, false, "empty cell (the "
		    "first row of a problem needs its title)");
	if (*s != '\0' && prev != NULL && strcmp(prev->problem_title, s) != 0)
		return derr_set(err, DERR_INPUT, false, "\"%s\" differs from "
		    "the title given to this problem before",
		    shorten(s, tmp, sizeof(tmp)));
	lp->m.problem_title = xstrdup(*s != '\0' ? s : prev->problem_title);
	return 0;
}

/* Strip one pair of surrounding brackets: （二） or (2). */
static char *
code_strip(char *s)
{
	static const char *const open[] = { "\xef\xbc\x88", "(" };
	static const char *const close[] = { "\xef\xbc\x89", ")" };
	size_t	 i, j, n = strlen(s), lo, lc;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			lo = strlen(open[i]);
			lc = strlen(close[j]);
			if (n >= lo + lc && strncmp(s, open[i], lo) == 0 &&
			    strcmp(s + n - lc, close[j]) == 0) {
				s[n - lc] = '\0';
				memmove(s, s + lo, n - lo - lc + 1);
				return trim(s);
			}
		}
	return s;
}

static int
cell_code(struct lp *lp, char *s, struct derr *err)
{
	size_t	 i, pl = strlen(lp->m.problem_code);
	char	*code;

	code_strip(s);
	if (*s == '\0')
		return derr_set(err, DERR_INPUT, false, "empty cell");
	if (strncmp(s, lp->m.problem_code, pl) == 0 && s[pl] == '-')
		code = xstrdup(s);
	else
		code = xasprintf("%s-%s", lp->m.problem_code, s);
	for (i = 0; i < lp->ml.n; i++)
		if (strcmp(lp->ml.v[i].code, code) == 0) {
			derr_set(err, DERR_INPUT, false, "duplicate measure "
			    "code %s (already used in row %zu)", code,
			    lp->rowno[i]);
			free(code);
			return -1;
		}
	lp->m.code = code;
	return 0;
}

static int
cell_text(struct lp *lp, char *s, struct derr *err)
{
	if (*s == '\0')
		return derr_set(err, DERR_INPUT, false, "empty cell");
	lp->m.text = xstrdup(s);
	return 0;
}

/* Length of the owner separator at `p`, 0 if none. */
static size_t
owner_sep(const char *p)
{
	static const char *const seps[] = { "\xe3\x80\x81" /* 、 */,
	    "\xef\xbc\x8c" /* ， */, "\xef\xbc\x9b" /* ； */,
	    "\xef\xbc\x8f" /* ／ */, IDEO_SPACE, ",", ";", "/", " ", "\t",
	    "\n" };
	size_t	 i, n;

	for (i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
		n = strlen(seps[i]);
		if (strncmp(p, seps[i], n) == 0)
			return n;
	}
	return 0;
}

static int
owner_add(struct lp *lp, const char *tok, struct derr *err)
{
	const struct cfg_person	*p = cfg_person_find(lp->cfg, tok);
	char			 tmp[48];

	if (p == NULL)
		return derr_set(err, DERR_INPUT, false, "unknown owner \"%s\" "
		    "(not a person key or name in the configuration)",
		    shorten(tok, tmp, sizeof(tmp)));
	if (!strv_has(&lp->m.owners, p->key))
		strv_push(&lp->m.owners, p->key);
	return 0;
}

static int
cell_owners(struct lp *lp, char *s, struct derr *err)
{
	char	*p = s, *start = s;
	size_t	 n;
	int	 end;

	for (;;) {
		end = *p == '\0';
		n = end ? 0 : owner_sep(p);
		if (!end && n == 0) {
			p++;
			continue;
		}
		*p = '\0';
		if (*start != '\0' && owner_add(lp, start, err) < 0)
			return -1;
		if (end)
			break;
		p += n;
		start = p;
	}
	if (lp->m.owners.n == 0)
		return derr_set(err, DERR_INPUT, false, "empty cell (a measure "
		    "needs at least one owner)");
	return 0;
}

/* Dates: 2024-09-30, 2024/9/30, 2024.9.30, 2024年9月30日. */

static const char *
date_num(const char *p, int maxdig, int *v)
{
	int	 i;

	*v = 0;
	for (i = 0; i < maxdig && p[i] >= '0' && p[i] <= '9'; i++)
		*v = *v * 10 + (p[i] - '0');
	return i == 0 ? NULL : p + i;
}

static const char *
date_lit(const char *p, const char *lit)
{
	size_t	 n = strlen(lit);

	return p != NULL && strncmp(p, lit, n) == 0 ? p + n : NULL;
}

static int
date_parse(const char *s, int32_t *out)
{
	static const char *const seps[][3] = { { "-", "-", "" },
	    { "/", "/", "" }, { ".", ".", "" }, { "年", "月", "日" },
	    { "年", "月", "" } };
	const char	*p;
	char		 iso[32];
	size_t		 i;
	int		 y, m, d;

	for (i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
		p = date_lit(date_num(s, 4, &y), seps[i][0]);
		p = p == NULL ? NULL : date_lit(date_num(p, 2, &m), seps[i][1]);
		p = p == NULL ? NULL : date_lit(date_num(p, 2, &d), seps[i][2]);
		if (p == NULL || *p != '\0' || y < 1000)
			continue;
		snprintf(iso, sizeof(iso), "%04d-%02d-%02d", y, m, d);
		return day_parse(iso, out);
	}
	return -1;
}

/* Find a kind word in `s`, blank it out, and return the kind (-1: none). */
static int
kind_take(char *s, int *kind)
{
	enum measure_kind	 k;
	const char		*w[2];
	char			*hit;
	size_t			 i;

	*kind = -1;
	for (k = MEASURE_IMMEDIATE; k <= MEASURE_ONGOING; k++) {
		w[0] = measure_kind_label(k);
		w[1] = measure_kind_name(k);
		for (i = 0; i < 2; i++) {
			hit = strstr(s, w[i]);
			if (hit == NULL)
				continue;
			if (*kind >= 0 && *kind != (int)k)
				return -1;
			*kind = (int)k;
			memset(hit, ' ', strlen(w[i]));
		}
	}
	return 0;
}

/* "2025-01-03（限期整改）": once the kind is gone its brackets go too. */
static void
blank_brackets(char *s)
{
	static const char *const br[] = { "\xef\xbc\x88", "\xef\xbc\x89",
	    "(", ")" };
	char	*p;
	size_t	 i;

	for (i = 0; i < sizeof(br) / sizeof(br[0]); i++)
		for (p = strstr(s, br[i]); p != NULL; p = strstr(p, br[i]))
			memset(p, ' ', strlen(br[i]));
}

static int
cell_deadline(struct lp *lp, char *s, struct derr *err)
{
	char	*rest, tmp[48];

	shorten(s, tmp, sizeof(tmp));
	rest = xstrdup(s);
	if (kind_take(rest, &lp->kind) < 0) {
		free(rest);
		return derr_set(err, DERR_INPUT, false, "\"%s\" names two "
		    "kinds", tmp);
	}
	blank_brackets(rest);
	trim(rest);
	if (*rest != '\0' && date_parse(rest, &lp->date) < 0) {
		free(rest);
		return derr_set(err, DERR_INPUT, false, "\"%s\" is not a date "
		    "(" KIND_HINT ")", tmp);
	}
	free(rest);
	return 0;
}

static int
cell_kind(struct lp *lp, char *s, struct derr *err)
{
	char	 tmp[48];
	int	 k;

	if (*s == '\0')
		return 0;
	k = measure_kind_parse(s);
	if (k < 0)
		return derr_set(err, DERR_INPUT, false, "\"%s\" is not a kind "
		    "(use 立行立改, 限期整改 or 长期坚持)",
		    shorten(s, tmp, sizeof(tmp)));
	if (lp->kind >= 0 && lp->kind != k)
		return derr_set(err, DERR_INPUT, false, "%s contradicts %s "
		    "in column %s", s, measure_kind_label(lp->kind),
		    lp->h.name[C_DEADLINE]);
	lp->kind = k;
	return 0;
}

static int
cell_status(struct lp *lp, char *s, struct derr *err)
{
	static const struct {
		const char		*word;
		enum measure_status	 st;
	} words[] = { { "", MEASURE_OPEN }, { "open", MEASURE_OPEN },
	    { "未完成", MEASURE_OPEN }, { "整改中", MEASURE_OPEN },
	    { "推进中", MEASURE_OPEN }, { "done", MEASURE_DONE },
	    { "已完成", MEASURE_DONE }, { "完成", MEASURE_DONE },
	    { "已销号", MEASURE_DONE }, { "已整改", MEASURE_DONE } };
	char	 tmp[48];
	size_t	 i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(s, words[i].word) == 0) {
			lp->m.status = words[i].st;
			return 0;
		}
	return derr_set(err, DERR_INPUT, false, "\"%s\" is not a status (use "
	    "已完成 or 未完成)", shorten(s, tmp, sizeof(tmp)));
}

static int
cell_evidence(struct lp *lp, char *s, struct derr *err)
{
	(void)err;
	if (*s != '\0')
		lp->m.evidence = xstrdup(s);
	return 0;
}

/* Run in column order: the problem code first, so later cells know it. */
static int (*const cell_fn[C_N])(struct lp *, char *, struct derr *) = {
	[C_PROBLEM] = cell_problem,
	[C_TITLE] = cell_title,
	[C_CODE] = cell_code,
	[C_TEXT] = cell_text,
	[C_OWNERS] = cell_owners,
	[C_DEADLINE] = cell_deadline,
	[C_KIND] = cell_kind,
	[C_STATUS] = cell_status,
	[C_EVIDENCE] = cell_evidence,
};

/* Size and control characters; CR LF becomes LF where newlines are allowed. */
static int
cell_check(enum col c, char *s, struct derr *err)
{
	unsigned char	*p, *w;
	size_t		 n = strlen(s);

	if (n > LEDGER_MAX_FIELD)
		return derr_set(err, DERR_INPUT, false, "cell of %zu bytes is "
		    "too long (at most %d)", n, LEDGER_MAX_FIELD);
	for (p = w = (unsigned char *)s; *p != '\0'; p++) {
		if (coldefs[c].multiline && p[0] == '\r' && p[1] == '\n')
			continue;
		if ((*p < 0x20 || *p == 0x7f) && !(coldefs[c].multiline &&
		    (*p == '\n' || *p == '\t')))
			return derr_set(err, DERR_INPUT, false, "control "
			    "character 0x%02x in the cell", *p);
		*w++ = *p;
	}
	*w = '\0';
	return 0;
}

static int
row_error(const struct lp *lp, enum col c, struct derr *err)
{
	char	 tmp[48];

	if (lp->m.problem_code != NULL)
		derr_prefix(err, "row %zu, problem %s, column %s", lp->row->no,
		    shorten(lp->m.problem_code, tmp, sizeof(tmp)),
		    lp->h.name[c]);
	else
		derr_prefix(err, "row %zu, column %s", lp->row->no,
		    lp->h.name[c]);
	return -1;
}

/* Settle kind and deadline once both columns have been read. */
static int
row_kind(struct lp *lp, struct derr *err)
{
	enum col c = lp->h.idx[C_DEADLINE] >= 0 ? C_DEADLINE : C_KIND;
	char	 day[11];

	if (lp->kind < 0 && lp->date == DAY_NONE)
		derr_set(err, DERR_INPUT, false, "empty cell (" KIND_HINT ")");
	else if (lp->kind == MEASURE_ONGOING && lp->date != DAY_NONE)
		derr_set(err, DERR_INPUT, false, "长期坚持 takes no date "
		    "(got %s)", day_format(lp->date, day));
	else if (lp->kind == MEASURE_DEADLINE && lp->date == DAY_NONE)
		derr_set(err, DERR_INPUT, false,
		    "限期整改 needs a date (" KIND_HINT ")");
	else {
		lp->m.kind = lp->kind < 0 ? MEASURE_DEADLINE :
		    (enum measure_kind)lp->kind;
		lp->m.deadline = lp->date;
		return 0;
	}
	return row_error(lp, c, err);
}

static char *
row_cell(const struct row *r, int idx)
{
	return idx >= 0 && (size_t)idx < r->f.n ? r->f.v[idx] : NULL;
}

static int
row_width(const struct lp *lp, struct derr *err)
{
	size_t	 n = lp->row->f.n;

	while (n > lp->h.ncells && lp->row->f.v[n - 1][0] == '\0')
		n--;
	if (n > lp->h.ncells)
		return derr_set(err, DERR_INPUT, false, "row %zu: %zu cells "
		    "but the header has %zu columns", lp->row->no, n,
		    lp->h.ncells);
	if (lp->ml.n >= LEDGER_MAX_ROWS)
		return derr_set(err, DERR_INPUT, false, "row %zu: more than "
		    "%d measures in one file", lp->row->no, LEDGER_MAX_ROWS);
	return 0;
}

static int
row_cells(struct lp *lp, struct derr *err)
{
	char		 empty[1];
	char		*s;
	enum col	 c;

	for (c = 0; c < C_N; c++) {
		if (lp->h.idx[c] < 0)
			continue;
		s = row_cell(lp->row, lp->h.idx[c]);
		if (s == NULL) {
			empty[0] = '\0';
			s = empty;
		}
		if (cell_check(c, s, err) < 0 || cell_fn[c](lp, s, err) < 0)
			return row_error(lp, c, err);
	}
	if (lp->m.problem_title == NULL)
		lp->m.problem_title = xstrdup("");
	return row_kind(lp, err);
}

static int
row_parse(struct lp *lp, const struct row *r, struct derr *err)
{
	memset(&lp->m, 0, sizeof(lp->m));
	lp->m.deadline = DAY_NONE;
	lp->kind = -1;
	lp->date = DAY_NONE;
	lp->row = r;
	if (row_width(lp, err) < 0 || row_cells(lp, err) < 0) {
		measure_clear(&lp->m);
		return -1;
	}
	lp->ml.v = xreallocarray(lp->ml.v, lp->ml.n + 1, sizeof(*lp->ml.v));
	lp->rowno = xreallocarray(lp->rowno, lp->ml.n + 1,
	    sizeof(*lp->rowno));
	lp->m.row = (int)r->no;
	lp->ml.v[lp->ml.n] = lp->m;
	lp->rowno[lp->ml.n] = r->no;
	lp->ml.n++;
	return 0;
}

/* Trim every cell; true if the row is blank. */
static bool
row_blank(const struct row *r)
{
	bool	 blank = true;
	size_t	 i;

	for (i = 0; i < r->f.n; i++)
		if (*trim(r->f.v[i]) != '\0')
			blank = false;
	return blank;
}

static int
rows_parse(const struct rows *rows, const struct cfg *cfg,
    struct measure_list *out, struct derr *err)
{
	struct lp	 lp;
	size_t		 i;
	int		 rc = 0;
	bool		 header = false;

	memset(&lp, 0, sizeof(lp));
	lp.cfg = cfg;
	for (i = 0; rc == 0 && i < rows->n; i++) {
		if (row_blank(&rows->v[i]))
			continue;
		if (header)
			rc = row_parse(&lp, &rows->v[i], err);
		else
			rc = header_read(&rows->v[i], &lp.h, err);
		header = true;
	}
	if (rc == 0 && !header)
		rc = derr_set(err, DERR_INPUT, false, "the file is empty");
	else if (rc == 0 && lp.ml.n == 0)
		rc = derr_set(err, DERR_INPUT, false, "row %zu: the header is "
		    "not followed by any measure", lp.h.no);
	free(lp.rowno);
	if (rc < 0)
		measure_list_clear(&lp.ml);
	else
		*out = lp.ml;
	return rc;
}

int
ledger_parse_csv(const char *data, size_t len, const struct cfg *cfg,
    struct measure_list *out, struct derr *err)
{
	struct buf	 text;
	struct rows	 rows;
	int		 rc;

	if (len > LEDGER_MAX_FILE)
		return derr_set(err, DERR_INPUT, false, "the file is %zu "
		    "bytes; at most %u (8 MiB) are accepted", len,
		    LEDGER_MAX_FILE);
	memset(&rows, 0, sizeof(rows));
	buf_init(&text, 2 * LEDGER_MAX_FILE);
	rc = decode(len > 0 ? data : "", len, &text, err);
	if (rc == 0 && text.len > 0)
		rc = rows_read(&text, &rows, err);
	buf_clear(&text);
	if (rc == 0)
		rc = rows_parse(&rows, cfg, out, err);
	rows_clear(&rows);
	return rc;
}

/* Export. */

static bool
csv_plain(const char *s)
{
	size_t	 n = strlen(s);

	return s[strcspn(s, ",\"\r\n")] == '\0' &&
	    (n == 0 || (s[0] != ' ' && s[n - 1] != ' '));
}

/* One RFC 4180 cell, then a comma or the CRLF that ends the record. */
static int
csv_put(struct buf *b, const char *s, bool last, struct derr *err)
{
	const char	*p;
	int		 rc;

	if (csv_plain(s) && !csv_formula(s))
		rc = buf_puts(b, s, err);
	else {
		rc = buf_puts(b, csv_formula(s) ? "\"'" : "\"", err);
		for (p = s; rc == 0 && *p != '\0'; p++)
			rc = buf_append(b, *p == '"' ? "\"\"" : p,
			    *p == '"' ? 2 : 1, err);
		if (rc == 0)
			rc = buf_puts(b, "\"", err);
	}
	if (rc == 0)
		rc = buf_puts(b, last ? "\r\n" : ",", err);
	return rc;
}

static const char *
code_suffix(const struct measure *m)
{
	size_t	 n = strlen(m->problem_code);

	if (strncmp(m->code, m->problem_code, n) == 0 && m->code[n] == '-')
		return m->code + n + 1;
	return m->code;
}

/*
 * What the 责任人 cell says for `key`: the person's name, which import
 * resolves back to the same person, else the key.
 */
static const char *
owner_cell(const struct cfg *cfg, const char *key)
{
	const struct cfg_person	*p = cfg ? cfg_person_get(cfg, key) : NULL;

	if (p == NULL || p->name == NULL || cfg_person_find(cfg, p->name) != p)
		return key;
	return p->name;
}

static int
csv_measure(struct buf *b, const struct measure *m, const struct cfg *cfg,
    struct derr *err)
{
	struct buf	 owners;
	const char	*cells[9];
	char		 day[11];
	size_t		 i;
	int		 rc = 0;

	buf_init(&owners, 0);
	for (i = 0; i < m->owners.n; i++)
		(void)buf_printf(&owners, NULL, "%s%s", i > 0 ? "、" : "",
		    owner_cell(cfg, m->owners.v[i]));	/* unlimited buf */
	cells[0] = m->problem_code;
	cells[1] = m->problem_title != NULL ? m->problem_title : "";
	cells[2] = code_suffix(m);
	cells[3] = m->text;
	cells[4] = owners.data != NULL ? owners.data : "";
	cells[5] = day_format(m->deadline, day);
	cells[6] = measure_kind_label(m->kind);
	cells[7] = m->status == MEASURE_DONE ? "已完成" : "未完成";
	cells[8] = m->evidence != NULL ? m->evidence : "";
	for (i = 0; rc == 0 && i < 9; i++)
		rc = csv_put(b, cells[i], i == 8, err);
	buf_clear(&owners);
	return rc;
}

int
ledger_export_csv(const struct measure_list *ml, const struct cfg *cfg,
    struct buf *out, struct derr *err)
{
	size_t	 i;

	if (buf_puts(out, "\xef\xbb\xbf" "问题编号,问题,序号,整改措施,责任人,"
	    "整改时限,整改类型,完成情况,佐证材料\r\n", err) < 0)
		return -1;
	for (i = 0; i < ml->n; i++)
		if (csv_measure(out, &ml->v[i], cfg, err) < 0)
			return -1;
	return 0;
}

/* A new object, or NULL if jansson ran out of memory. */
static json_t *
json_measure(const struct measure *m)
{
	json_t	*owners = json_array();
	char	 day[11];
	size_t	 i;

	for (i = 0; owners != NULL && i < m->owners.n; i++)
		if (json_array_append_new(owners,
		    json_string(m->owners.v[i])) != 0) {
			json_decref(owners);
			return NULL;
		}
	/* "o" steals `owners` even when packing fails. */
	return json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:o, s:s, s:s?, s:s, "
	    "s:o?, s:s?, s:s?}", "id", (json_int_t)m->id,
	    "problem", m->problem_code, "problem_title", m->problem_title,
	    "code", m->code, "text", m->text, "owners", owners,
	    "kind", measure_kind_name(m->kind),
	    "deadline", m->deadline == DAY_NONE ? NULL :
	    day_format(m->deadline, day),
	    "status", measure_status_name(m->status),
	    "done_at", m->done_at == 0 ? NULL : json_integer(m->done_at),
	    "evidence", m->evidence, "closed_by", m->closed_by);
}

struct json_sink {
	struct buf	*out;
	struct derr	*err;
	bool		 full;
};

static int
json_sink_put(const char *s, size_t n, void *data)
{
	struct json_sink	*k = data;

	if (buf_append(k->out, s, n, k->err) < 0) {
		k->full = true;
		return -1;
	}
	return 0;
}

int
ledger_export_json(const struct measure_list *ml, struct buf *out,
    struct derr *err)
{
	struct json_sink	 sink = { out, err, false };
	json_t			*arr = json_array();
	size_t			 i;
	int			 rc = 0;

	if (arr == NULL)
		return derr_set(err, DERR_SYS, false, "jansson: out of memory");
	for (i = 0; rc == 0 && i < ml->n; i++)
		if (json_array_append_new(arr, json_measure(&ml->v[i])) != 0)
			rc = derr_set(err, DERR_SYS, false,
			    "jansson: out of memory");
	if (rc == 0 && json_dump_callback(arr, json_sink_put, &sink,
	    JSON_INDENT(2)) != 0)
		rc = sink.full ? -1 : derr_set(err, DERR_SYS, false,
		    "jansson: cannot write the JSON export");
	json_decref(arr);
	if (rc == 0)
		rc = buf_puts(out, "\n", err);
	return rc;
}

static json_t *
json_field(const struct ledger_field *x)
{
	if (x->type == LEDGER_JSON_BOOL)
		return json_boolean(x->num != 0);
	if (x->str != NULL)
		return json_string(x->str);
	return x->type == LEDGER_JSON_NULLABLE ? json_null() :
	    json_integer(x->num);
}

int
ledger_json_records(const struct ledger_field *f, size_t nf, size_t nrec,
    bool one, struct buf *out, struct derr *err)
{
	struct json_sink	 sink = { out, err, false };
	json_t			*arr = json_array(), *o;
	const struct ledger_field *x;
	size_t			 r, i;
	int			 rc = 0;

	if (arr == NULL)
		return derr_set(err, DERR_SYS, false, "jansson: out of memory");
	for (r = 0; rc == 0 && r < nrec; r++) {
		if ((o = json_object()) == NULL ||
		    json_array_append_new(arr, o) != 0) {
			rc = derr_set(err, DERR_SYS, false,
			    "jansson: out of memory");
			break;
		}
		for (i = 0; i < nf; i++) {
			x = &f[r * nf + i];
			if (json_object_set_new(o, x->key, json_field(x)) != 0)
				rc = derr_set(err, DERR_SYS, false,
				    "jansson: cannot store %s", x->key);
		}
	}
	if (rc == 0 && json_dump_callback(one && nrec == 1 ?
	    json_array_get(arr, 0) : arr, json_sink_put, &sink,
	    JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		rc = sink.full ? -1 : derr_set(err, DERR_SYS, false,
		    "jansson: cannot write JSON");
	json_decref(arr);
	if (rc == 0)
		rc = buf_puts(out, "\n", err);
	return rc;
}
