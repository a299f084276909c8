#include "ledger.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>
#include <jansson.h>

#include "config.h"
#include "ledger_int.h"
#include "model.h"
#include "util.h"

#define IDEO_SPACE	"\xe3\x80\x80"	/* U+3000, the full-width space */
#define SAVE_AS		"请在Excel中“另存为”→“CSV UTF-8(逗号分隔)”，再导入" \
			"另存的.csv文件"

/* Problems. */

void
ledger_problems_clear(struct ledger_problems *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->v[i].column);
		free(p->v[i].msg);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* Record `reason` at `row` (0: the file) and `column` (NULL: none). */
static void
problem_add(struct ledger_problems *p, bool note, size_t row,
    const char *column, const char *reason)
{
	struct ledger_problem	*x;
	size_t			*unlisted = note ? &p->notes_unlisted :
				    &p->errors_unlisted;
	size_t			 found = note ? ++p->nnotes : ++p->nerrors;

	if (found - *unlisted > LEDGER_MAX_PROBLEMS) {
		(*unlisted)++;
		return;
	}
	p->v = xreallocarray(p->v, p->n + 1, sizeof(*p->v));
	x = &p->v[p->n++];
	x->note = note;
	x->row = row;
	x->column = column != NULL ? xstrdup(column) : NULL;
	if (row > 0 && column != NULL)
		x->msg = xasprintf("第%zu行，“%s”列：%s", row, column, reason);
	else if (row > 0)
		x->msg = xasprintf("第%zu行：%s", row, reason);
	else
		x->msg = xstrdup(reason);
}

static void
problem_addf(struct ledger_problems *p, bool note, size_t row,
    const char *column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
problem_addf(struct ledger_problems *p, bool note, size_t row,
    const char *column, const char *fmt, ...)
{
	va_list	 ap;
	char	*reason;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	reason = xmalloc(n > 0 ? (size_t)n + 1 : 1);
	reason[0] = '\0';
	va_start(ap, fmt);
	if (n > 0)
		vsnprintf(reason, (size_t)n + 1, fmt, ap);
	va_end(ap);
	problem_add(p, note, row, column, reason);
	free(reason);
}

/* A file-level error in `err` as the only problem. */
static int
problem_file(struct ledger_problems *p, struct derr *err)
{
	if (err->kind == DERR_INPUT)
		problem_add(p, false, 0, NULL, err->msg);
	return -1;
}

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
		return derr_set(err, DERR_INPUT, false, "文件的编码无法识别："
		    "既不是UTF-8也不是GB18030（第%zu个字节是0x%02x）；"
		    SAVE_AS, bad + 1, (unsigned char)data[bad]);
	return derr_set(err, DERR_INPUT, false, "文件有%s的字节顺序标记"
	    "（BOM），但第%zu个字节起不是%s；" SAVE_AS, from, bad + 3, from);
}

/* What the first bytes say a file is, when it is not text. */
static const struct {
	const char	*magic;
	size_t		 len;
	const char	*what;
} magics[] = {
	{ "PK\x03\x04", 4, "Excel工作簿（.xlsx）或其他压缩文件" },
	{ "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8,
	    "旧版Excel工作簿（.xls）或其他Office文档" },
	{ "%PDF-", 5, "PDF文件" },
};

/*
 * Workbooks, and UTF-16 without a byte order mark: ASCII characters
 * (commas, digits, line ends) put their NUL bytes on odd offsets
 * (little-endian) or on even ones (big-endian); a few CJK characters
 * (U+4E00 一) put one on the other side.
 */
static int
sniff(const char *data, size_t len, struct derr *err)
{
	size_t	 i, nul[2] = { 0, 0 }, big;

	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (len >= magics[i].len &&
		    memcmp(data, magics[i].magic, magics[i].len) == 0)
			return derr_set(err, DERR_INPUT, false, "这是%s，不是"
			    "CSV文件：" SAVE_AS, magics[i].what);
	for (i = 0; i < len; i++)
		nul[i % 2] += data[i] == '\0';
	big = nul[0] > nul[1] ? nul[0] : nul[1];
	if (big < len / 16 || big < 4 * (nul[0] + nul[1] - big) || big == 0)
		return 0;
	return derr_set(err, DERR_INPUT, false, "这是没有字节顺序标记（BOM）"
	    "的UTF-16%s文本，无法可靠识别：" SAVE_AS, nul[1] > nul[0] ?
	    "LE" : "BE");
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
	return derr_set(err, DERR_INPUT, false, "第%zu行有NUL字节：这不是"
	    "文本文件；" SAVE_AS, line);
}

static int
decode(const char *data, size_t len, struct buf *text, struct derr *err)
{
	int	 rc;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		if (!str_utf8_valid(data + 3, len - 3))
			return derr_set(err, DERR_INPUT, false, "文件以UTF-8的"
			    "字节顺序标记（BOM）开头，但内容不是有效的UTF-8；"
			    SAVE_AS);
		rc = buf_append(text, data + 3, len - 3, err);
	} else if (len >= 2 && memcmp(data, "\xff\xfe", 2) == 0)
		rc = decode_legacy("UTF-16LE", data + 2, len - 2, text, err);
	else if (len >= 2 && memcmp(data, "\xfe\xff", 2) == 0)
		rc = decode_legacy("UTF-16BE", data + 2, len - 2, text, err);
	else if (sniff(data, len, err) < 0)
		return -1;
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

/*
 * Read every record.  A quoting error ends the file: the records before
 * it are kept (and checked), and the error of record r->recno + 1 is
 * returned in `err`.
 */
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
		rc = derr_set(err, DERR_INPUT, false, "引号不成对（没加引号的"
		    "单元格里有引号，或右引号后还有文字），文件读到这里为止");
	else if (csv_fini(&p, rows_field, rows_end, r) != 0)
		rc = derr_set(err, DERR_INPUT, false, "带引号的单元格直到文件"
		    "末尾也没有结束");
	csv_free(&p);
	return rc;
}

char *
ledger_trim(char *s)
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

const char *
ledger_shorten(const char *s, char *out, size_t n)
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
	const char	*what;		/* its name in messages */
	bool		 required;
	bool		 multiline;	/* newline and tab allowed */
	const char	*names[7];
} coldefs[C_N] = {
	[C_PROBLEM] = { "问题编号", true, false, { "problem",
	    "problem_code", "问题编号", "问题序号", "问题号" } },
	[C_TITLE] = { "问题", false, false, { "problem_title",
	    "问题", "存在问题", "问题描述", "巡察反馈问题" } },
	[C_CODE] = { "措施序号", true, false, { "code", "measure_code",
	    "序号", "编号", "措施编号" } },
	[C_TEXT] = { "整改措施", true, true, { "measure", "text",
	    "整改措施", "措施", "整改内容", "整改任务" } },
	[C_OWNERS] = { "责任人", true, true, { "owners", "owner", "责任人",
	    "责任领导/责任人" } },
	[C_DEADLINE] = { "整改时限", false, true, { "deadline", "整改时限",
	    "完成时限", "时限" } },
	[C_KIND] = { "整改类型", false, false, { "kind", "整改类型",
	    "类型" } },
	[C_STATUS] = { "完成情况", false, false, { "status", "完成情况",
	    "整改状态" } },
	[C_EVIDENCE] = { "佐证材料", false, true, { "evidence", "佐证材料",
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
		(void)buf_printf(b, NULL, "%s%s", i > 0 ? "、" : "",
		    coldefs[c].names[i]);	/* unlimited buf */
}

/* Name the missing column `a` (and `b`, unless C_N) with its accepted names. */
static void
header_missing(const struct header *h, enum col a, enum col b,
    struct ledger_problems *probs)
{
	struct buf	 names;

	buf_init(&names, 0);
	col_names(a, &names);
	if (b != C_N) {
		(void)buf_puts(&names, "、", NULL);	/* unlimited buf */
		col_names(b, &names);
	}
	problem_addf(probs, false, h->no, NULL, "表头没有%s%s%s列（可用的"
	    "列名：%s）", coldefs[a].what, b != C_N ? "或" : "",
	    b != C_N ? coldefs[b].what : "", names.data);
	buf_clear(&names);
}

/* Find the columns; every problem with the header is recorded.  0/-1. */
static int
header_read(const struct row *r, struct header *h,
    struct ledger_problems *probs)
{
	size_t	 i, n0 = probs->nerrors;
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
			problem_addf(probs, false, h->no, NULL, "“%s”列和“%s”"
			    "列都是%s", h->name[c], r->f.v[i],
			    coldefs[c].what);
		else {
			h->idx[c] = (int)i;
			h->name[c] = r->f.v[i];
		}
	}
	for (c = 0; c < C_N; c++)
		if (coldefs[c].required && h->idx[c] < 0)
			header_missing(h, (enum col)c, C_N, probs);
	if (h->idx[C_DEADLINE] < 0 && h->idx[C_KIND] < 0)
		header_missing(h, C_DEADLINE, C_KIND, probs);
	return probs->nerrors > n0 ? -1 : 0;
}

/* Rows. */

struct lp {
	const struct cfg	*cfg;
	int32_t			 today;
	struct ledger_problems	*probs;
	struct header		 h;
	struct measure_list	 ml;
	struct strv		 codes;		/* every measure code read */
	size_t			*code_row;	/* and its row */
	struct strv		 pcodes;	/* every problem read */
	struct strv		 ptitles;	/* its title, "": unknown */
	char			*carry;		/* problem of the row above */
	const struct row	*row;
	struct measure		 m;		/* the measure being read */
	bool			 bad;		/* a cell of the row is bad */
	bool			 kind_bad;	/* deadline or kind cell is */
	int			 kind;		/* -1: not given */
	struct ledger_deadline	 dl;		/* what 整改时限 said */
	char			 dl_cell[64];	/* and how, for notes */
};

/* Index of `problem` in lp->pcodes, or -1. */
static int
problem_find(const struct lp *lp, const char *problem)
{
	size_t	 i;

	for (i = 0; i < lp->pcodes.n; i++)
		if (strcmp(lp->pcodes.v[i], problem) == 0)
			return (int)i;
	return -1;
}

static int
cell_problem(struct lp *lp, char *s, struct derr *err)
{
	if (*s == '\0' && lp->carry == NULL)
		return derr_set(err, DERR_INPUT, false, "不能为空（第一条措施"
		    "必须写问题编号）");
	if (*s != '\0') {
		free(lp->carry);
		lp->carry = xstrdup(s);
	}
	lp->m.problem_code = xstrdup(lp->carry);
	return 0;
}

static int
cell_title(struct lp *lp, char *s, struct derr *err)
{
	char	 tmp[64], was[64];
	int	 i;

	if (lp->m.problem_code == NULL)
		return 0;	/* the problem cell is bad, and said so */
	if ((i = problem_find(lp, lp->m.problem_code)) < 0) {
		strv_push(&lp->pcodes, lp->m.problem_code);
		strv_push(&lp->ptitles, s);
		if (*s == '\0')
			return derr_set(err, DERR_INPUT, false, "不能为空（每"
			    "个问题的第一行必须写明问题）");
	} else if (*s != '\0' && lp->ptitles.v[i][0] == '\0') {
		free(lp->ptitles.v[i]);
		lp->ptitles.v[i] = xstrdup(s);
	} else if (*s != '\0' && strcmp(lp->ptitles.v[i], s) != 0)
		return derr_set(err, DERR_INPUT, false, "“%s”与问题%s前面写的"
		    "“%s”不一致", ledger_shorten(s, tmp, sizeof(tmp)),
		    lp->m.problem_code, ledger_shorten(lp->ptitles.v[i], was,
		    sizeof(was)));
	lp->m.problem_title = xstrdup(*s != '\0' ? s : lp->ptitles.v[i]);
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
				return ledger_trim(s);
			}
		}
	return s;
}

static int
cell_code(struct lp *lp, char *s, struct derr *err)
{
	size_t	 i, pl;
	char	*code;

	code_strip(s);
	if (*s == '\0')
		return derr_set(err, DERR_INPUT, false, "不能为空");
	if (lp->m.problem_code == NULL)
		return 0;	/* the problem cell is bad, and said so */
	pl = strlen(lp->m.problem_code);
	if (strncmp(s, lp->m.problem_code, pl) == 0 && s[pl] == '-')
		code = xstrdup(s);
	else
		code = xasprintf("%s-%s", lp->m.problem_code, s);
	for (i = 0; i < lp->codes.n; i++)
		if (strcmp(lp->codes.v[i], code) == 0) {
			derr_set(err, DERR_INPUT, false, "措施编号%s重复（第"
			    "%zu行已经用过）", code, lp->code_row[i]);
			free(code);
			return -1;
		}
	strv_push(&lp->codes, code);
	lp->code_row = xreallocarray(lp->code_row, lp->codes.n,
	    sizeof(*lp->code_row));
	lp->code_row[lp->codes.n - 1] = lp->row->no;
	lp->m.code = code;
	return 0;
}

static int
cell_text(struct lp *lp, char *s, struct derr *err)
{
	if (*s == '\0')
		return derr_set(err, DERR_INPUT, false, "不能为空");
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

/* Add one owner; the first unknown ones are named in `bad`. */
static void
owner_add(struct lp *lp, const char *tok, struct buf *bad, size_t *nbad)
{
	const struct cfg_person	*p = cfg_person_find(lp->cfg, tok);
	char			 tmp[40];

	if (p != NULL) {
		if (!strv_has(&lp->m.owners, p->key))
			strv_push(&lp->m.owners, p->key);
		return;
	}
	if (++*nbad <= 3)
		(void)buf_printf(bad, NULL, "%s“%s”", *nbad > 1 ? "、" : "",
		    ledger_shorten(tok, tmp, sizeof(tmp)));	/* unlimited */
	else if (*nbad == 4)
		(void)buf_puts(bad, "等", NULL);	/* unlimited buf */
}

static int
cell_owners(struct lp *lp, char *s, struct derr *err)
{
	struct buf	 bad;
	char		*p = s, *start = s;
	size_t		 n, nbad = 0;
	int		 end, rc = 0;

	buf_init(&bad, 0);
	for (;;) {
		end = *p == '\0';
		n = end ? 0 : owner_sep(p);
		if (!end && n == 0) {
			p++;
			continue;
		}
		*p = '\0';
		if (*start != '\0')
			owner_add(lp, start, &bad, &nbad);
		if (end)
			break;
		p += n;
		start = p;
	}
	if (bad.len > 0)
		rc = derr_set(err, DERR_INPUT, false, "%s不在配置的人员中（"
		    "dutyd.conf的people里没有这个姓名或key）", bad.data);
	else if (lp->m.owners.n == 0)
		rc = derr_set(err, DERR_INPUT, false, "不能为空（每条措施至少"
		    "要有一位责任人）");
	buf_clear(&bad);
	return rc;
}

static int
cell_deadline(struct lp *lp, char *s, struct derr *err)
{
	char	 day[11];

	ledger_shorten(s, lp->dl_cell, sizeof(lp->dl_cell));
	if (ledger_deadline_parse(s, lp->today, &lp->dl, err) < 0)
		return -1;
	if (lp->dl.kind >= 0)
		lp->kind = lp->dl.kind;
	if (lp->dl.guessed_year)
		problem_addf(lp->probs, true, lp->row->no,
		    lp->h.name[C_DEADLINE], "“%s”没有写年份，按%s导入",
		    lp->dl_cell, day_format(lp->dl.date, day));
	return 0;
}

static int
cell_kind(struct lp *lp, char *s, struct derr *err)
{
	char	 tmp[64];
	int	 k;

	if (*s == '\0')
		return 0;
	k = ledger_kind_parse(s);
	if (k < 0)
		return derr_set(err, DERR_INPUT, false, "“%s”不是整改类型（应为"
		    "立行立改、限期整改或长期坚持）",
		    ledger_shorten(s, tmp, sizeof(tmp)));
	if (lp->kind >= 0 && lp->kind != k)
		return derr_set(err, DERR_INPUT, false, "“%s”与“%s”列的%s矛盾",
		    s, lp->h.name[C_DEADLINE], measure_kind_label(lp->kind));
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
	char	 tmp[64];
	size_t	 i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(s, words[i].word) == 0) {
			lp->m.status = words[i].st;
			return 0;
		}
	return derr_set(err, DERR_INPUT, false, "“%s”不是完成情况（应为已完成"
	    "或未完成）", ledger_shorten(s, tmp, sizeof(tmp)));
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
		return derr_set(err, DERR_INPUT, false, "单元格有%zu个字节，"
		    "太长了（最多%d个）", n, LEDGER_MAX_FIELD);
	for (p = w = (unsigned char *)s; *p != '\0'; p++) {
		if (coldefs[c].multiline && p[0] == '\r' && p[1] == '\n')
			continue;
		if ((*p < 0x20 || *p == 0x7f) && !(coldefs[c].multiline &&
		    (*p == '\n' || *p == '\t')))
			return derr_set(err, DERR_INPUT, false, "单元格里有控制"
			    "字符0x%02x", *p);
		*w++ = *p;
	}
	*w = '\0';
	return 0;
}

/* Record a bad cell of column `c`. */
static void
cell_bad(struct lp *lp, enum col c, const struct derr *err)
{
	lp->bad = true;
	if (c == C_DEADLINE || c == C_KIND)
		lp->kind_bad = true;
	problem_add(lp->probs, false, lp->row->no, lp->h.name[c], err->msg);
}

/* Settle kind and deadline once both columns have been read. */
static void
row_kind(struct lp *lp)
{
	enum col c = lp->h.idx[C_DEADLINE] >= 0 ? C_DEADLINE : C_KIND;
	const char *why = NULL;
	char	 day[11], tmp[128];

	if (lp->kind < 0 && lp->dl.date == DAY_NONE)
		why = "不能为空（" LEDGER_DATE_HINT "）";
	else if (lp->kind == MEASURE_ONGOING && lp->dl.date != DAY_NONE) {
		snprintf(tmp, sizeof(tmp), "长期坚持不写日期（写了%s）",
		    day_format(lp->dl.date, day));
		why = tmp;
	} else if (lp->kind == MEASURE_DEADLINE && lp->dl.date == DAY_NONE)
		why = "限期整改要写明日期（如2026-12-31、2026年12月底前）";
	if (why != NULL) {
		lp->bad = true;
		problem_add(lp->probs, false, lp->row->no, lp->h.name[c], why);
		return;
	}
	lp->m.kind = lp->kind < 0 ? MEASURE_DEADLINE :
	    (enum measure_kind)lp->kind;
	lp->m.deadline = lp->dl.date;
}

/* A title for dutyd.conf: the first line of the text, no quotes. */
static void
duty_title(const char *text, char *out, size_t n)
{
	char	*p, *w;

	ledger_shorten(text, out, n);
	out[strcspn(out, "\n")] = '\0';
	for (p = w = out; *p != '\0'; p++)
		if (*p != '"' && *p != '\\' && *p != '\t')
			*w++ = *p;
	*w = '\0';
}

/* 每季度1次 is a standing duty: say how dutyd.conf would count it. */
static void
row_duty_note(struct lp *lp)
{
	struct buf	 owners;
	char		 title[64];
	size_t		 i;

	if (!lp->dl.duty)
		return;
	if (lp->dl.period == NULL) {
		problem_addf(lp->probs, true, lp->row->no,
		    lp->h.name[C_DEADLINE], "“%s”是经常性工作，按长期坚持导入"
		    "（dutyd.conf的duties按月、季度、半年或年计数，没有更短的"
		    "周期）", lp->dl_cell);
		return;
	}
	buf_init(&owners, 0);
	for (i = 0; i < lp->m.owners.n; i++)
		(void)buf_printf(&owners, NULL, "%s\"%s\"", i > 0 ? ", " : "",
		    lp->m.owners.v[i]);	/* unlimited buf */
	duty_title(lp->m.text, title, sizeof(title));
	problem_addf(lp->probs, true, lp->row->no, lp->h.name[C_DEADLINE],
	    "“%s”是经常性工作，按长期坚持导入。建议：在dutyd.conf的duties中"
	    "配置 { id = \"…\"; title = \"%s\"; period = \"%s\"; "
	    "at_least = %d; owners = [ %s ]; }，dutyd就会按期提醒并统计",
	    lp->dl_cell, title, lp->dl.period, lp->dl.times, owners.data);
	buf_clear(&owners);
}

static char *
row_cell(const struct row *r, int idx)
{
	return idx >= 0 && (size_t)idx < r->f.n ? r->f.v[idx] : NULL;
}

/* A row wider than the header is shifted: its cells mean nothing. */
static int
row_width(struct lp *lp)
{
	size_t	 n = lp->row->f.n;

	while (n > lp->h.ncells && lp->row->f.v[n - 1][0] == '\0')
		n--;
	if (n <= lp->h.ncells)
		return 0;
	problem_addf(lp->probs, false, lp->row->no, NULL, "有%zu个单元格，"
	    "但表头只有%zu列", n, lp->h.ncells);
	return -1;
}

static void
row_cells(struct lp *lp)
{
	struct derr	 err = { 0 };
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
		if (cell_check(c, s, &err) < 0 || cell_fn[c](lp, s, &err) < 0)
			cell_bad(lp, c, &err);
	}
	if (lp->m.problem_title == NULL)
		lp->m.problem_title = xstrdup("");
}

static void
row_parse(struct lp *lp, const struct row *r)
{
	memset(&lp->m, 0, sizeof(lp->m));
	memset(&lp->dl, 0, sizeof(lp->dl));
	lp->m.deadline = DAY_NONE;
	lp->dl.date = DAY_NONE;
	lp->kind = -1;
	lp->bad = lp->kind_bad = false;
	lp->row = r;
	if (row_width(lp) < 0) {
		measure_clear(&lp->m);
		return;
	}
	row_cells(lp);
	if (!lp->kind_bad)
		row_kind(lp);
	if (lp->bad) {
		measure_clear(&lp->m);
		return;
	}
	row_duty_note(lp);
	lp->ml.v = xreallocarray(lp->ml.v, lp->ml.n + 1, sizeof(*lp->ml.v));
	lp->m.row = (int)r->no;
	lp->ml.v[lp->ml.n++] = lp->m;
}

/* Trim every cell; true if the row is blank. */
static bool
row_blank(const struct row *r)
{
	bool	 blank = true;
	size_t	 i;

	for (i = 0; i < r->f.n; i++)
		if (*ledger_trim(r->f.v[i]) != '\0')
			blank = false;
	return blank;
}

/* The first cell of `r` that is not empty (after row_blank). */
static const char *
row_first(const struct row *r)
{
	size_t	 i;

	for (i = 0; i < r->f.n; i++)
		if (r->f.v[i][0] != '\0')
			return r->f.v[i];
	return "";
}

/* How many cells of `r` name a known column. */
static size_t
header_score(const struct row *r)
{
	size_t	 i, n = 0;

	for (i = 0; i < r->f.n; i++)
		n += col_lookup(r->f.v[i]) >= 0;
	return n;
}

/*
 * The header: the first of the first LEDGER_HEADER_ROWS rows that are not
 * blank which names two known columns, else the first of them.  The rows
 * above it are titles (某某单位巡察整改台账) and are skipped with a note.
 * Returns its index in `rows`, or rows->n if the file is blank.
 */
static size_t
header_find(const struct rows *rows, struct ledger_problems *probs)
{
	size_t	 i, seen = 0, first = rows->n, hdr = rows->n;
	char	 tmp[64];

	for (i = 0; i < rows->n && seen < LEDGER_HEADER_ROWS; i++) {
		if (row_blank(&rows->v[i]))
			continue;
		if (first == rows->n)
			first = i;
		seen++;
		if (header_score(&rows->v[i]) >= 2) {
			hdr = i;
			break;
		}
	}
	if (hdr == rows->n)
		return first;
	for (i = first; i < hdr; i++)
		if (!row_blank(&rows->v[i]))
			problem_addf(probs, true, rows->v[i].no, NULL, "“%s”"
			    "不是表头，看作表格标题，已跳过", ledger_shorten(
			    row_first(&rows->v[i]), tmp, sizeof(tmp)));
	return hdr;
}

/* Excel's "Unicode 文本" is tab-separated: the header is one cell. */
static bool
tab_separated(const struct row *r)
{
	return r->f.n == 1 && strchr(r->f.v[0], '\t') != NULL &&
	    col_lookup(r->f.v[0]) < 0;
}

static void
lp_clear(struct lp *lp)
{
	strv_clear(&lp->codes);
	free(lp->code_row);
	strv_clear(&lp->pcodes);
	strv_clear(&lp->ptitles);
	free(lp->carry);
	measure_list_clear(&lp->ml);
}

/*
 * The rows after the header, until a problem stops the file; `cut`: a
 * quoting error ended the file early.
 */
static void
rows_body(struct lp *lp, const struct rows *rows, size_t hdr, bool cut)
{
	size_t	 i, ndata = 0;

	for (i = hdr + 1; i < rows->n; i++) {
		if (row_blank(&rows->v[i]))
			continue;
		if (++ndata > LEDGER_MAX_ROWS) {
			problem_addf(lp->probs, false, rows->v[i].no, NULL,
			    "一个文件最多%d条措施，读到这里为止",
			    LEDGER_MAX_ROWS);
			return;
		}
		row_parse(lp, &rows->v[i]);
	}
	if (ndata == 0 && !cut && lp->probs->nerrors == 0)
		problem_addf(lp->probs, false, lp->h.no, NULL, "表头下面没有"
		    "任何整改措施");
}

static void
rows_parse(const struct rows *rows, const struct cfg *cfg, int32_t today,
    bool cut, struct ledger_problems *probs, struct measure_list *out)
{
	struct lp	 lp;
	size_t		 hdr;

	memset(&lp, 0, sizeof(lp));
	lp.cfg = cfg;
	lp.today = today;
	lp.probs = probs;
	hdr = header_find(rows, probs);
	if (hdr == rows->n) {
		if (!cut)	/* else the quoting error is the problem */
			problem_add(probs, false, 0, NULL, "文件是空的");
	} else if (tab_separated(&rows->v[hdr]))
		problem_addf(probs, false, rows->v[hdr].no, NULL, "这是用制表符"
		    "分隔的文本（Excel的“Unicode文本”），不是CSV：" SAVE_AS);
	else if (header_read(&rows->v[hdr], &lp.h, probs) == 0)
		rows_body(&lp, rows, hdr, cut);
	if (probs->nerrors == 0) {
		*out = lp.ml;
		memset(&lp.ml, 0, sizeof(lp.ml));
	}
	lp_clear(&lp);
}

/* Drop a UTF-8 sequence that snprintf cut short at the end of `s`. */
static void
utf8_cut(char *s)
{
	size_t		 n = strlen(s), i = n, need;
	unsigned char	 c;

	while (i > 0 && n - i < 3 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0)
		return;
	c = (unsigned char)s[i - 1];
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	if (i - 1 + need > n)
		s[i - 1] = '\0';
}

/* The first error, and how many there are, as one sentence. */
static int
problems_err(const struct ledger_problems *p, struct derr *err)
{
	char	 more[64] = "";
	size_t	 i;

	for (i = 0; i < p->n && p->v[i].note; i++)
		;
	if (p->nerrors > 1)
		snprintf(more, sizeof(more), "（共%zu处错误）", p->nerrors);
	/* The count survives a long first message. */
	derr_set(err, DERR_INPUT, false, "%.*s", (int)(sizeof(err->msg) -
	    strlen(more) - 1), p->v[i].msg);
	utf8_cut(err->msg);
	memcpy(err->msg + strlen(err->msg), more, strlen(more) + 1);
	return -1;
}

static int
parse_csv(const char *data, size_t len, const struct cfg *cfg,
    int32_t today, struct measure_list *out, struct ledger_problems *probs,
    struct derr *err)
{
	struct derr	 qerr = { 0 };
	struct buf	 text;
	struct rows	 rows;
	size_t		 qrow;
	int		 rc, qrc = 0;

	if (len > LEDGER_MAX_FILE) {
		derr_set(err, DERR_INPUT, false, "文件有%zu个字节，超过了上限%u"
		    "个（8 MiB）", len, LEDGER_MAX_FILE);
		return problem_file(probs, err);
	}
	memset(&rows, 0, sizeof(rows));
	buf_init(&text, 2 * LEDGER_MAX_FILE);
	rc = decode(len > 0 ? data : "", len, &text, err);
	if (rc == 0 && text.len > 0)
		qrc = rows_read(&text, &rows, &qerr);
	buf_clear(&text);
	if (rc < 0 || (qrc < 0 && qerr.kind != DERR_INPUT)) {
		rows_clear(&rows);
		if (rc < 0)
			return problem_file(probs, err);
		*err = qerr;
		return -1;
	}
	qrow = rows.recno + 1;
	rows_parse(&rows, cfg, today, qrc < 0, probs, out);
	rows_clear(&rows);
	if (qrc < 0) {
		measure_list_clear(out);
		problem_add(probs, false, qrow, NULL, qerr.msg);
	}
	return probs->nerrors > 0 ? problems_err(probs, err) : 0;
}

int
ledger_parse_csv(const char *data, size_t len, const struct cfg *cfg,
    int32_t today, struct measure_list *out, struct ledger_problems *probs,
    struct derr *err)
{
	struct ledger_problems	 mine = { 0 };
	struct measure_list	 ml = { 0 };
	int			 rc;

	rc = parse_csv(data, len, cfg, today, &ml, probs != NULL ? probs :
	    &mine, err);
	ledger_problems_clear(&mine);
	if (rc == 0)
		*out = ml;
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
