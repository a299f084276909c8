/*
 * ledger, Excel in: one sheet of an .xlsx workbook turned into the rows
 * ledger_rows.c checks, so a workbook and a CSV file are held to the same
 * rules.  libzip opens the package from memory, libxml2's stream reader
 * reads its parts; neither touches the disk or the network.  A workbook
 * comes from outside: every part, the cells, the rows, the merged ranges
 * and the XML nesting have a hard limit, and a DTD is refused outright
 * (no entities, so no entity expansion).
 */
#include "ledger.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>
#include <zip.h>

#include "config.h"
#include "ledger_int.h"
#include "model.h"
#include "util.h"

#define XLSX_NOT_BOOK	"这是压缩文件，但不是Excel工作簿（.xlsx）"

struct merge {
	size_t	 r1, r2;	/* rows, 1-based, inclusive */
	size_t	 c1;		/* the range's first column, 0-based */
};

struct xlsx {
	zip_t		*zip;
	size_t		 total;		/* uncompressed bytes read */
	bool		 date1904;
	struct strv	 sst;		/* shared strings */
	bool		*date_xf;	/* per cell style: a date format */
	size_t		 nxf;
	struct strv	 fmt_ids;	/* custom number formats: id */
	struct strv	 fmt_codes;	/* and its code */
	char		*sheet_rid;	/* the chosen sheet's r:id */
	char		*sheet_name;
	struct strv	 names;		/* every sheet's name */
	char		*sheet_path;
	struct rows	 rows;
	struct merge	*mv;
	size_t		 nm;
	size_t		 ncells;	/* <c> elements read */
	size_t		 slots;		/* cells held, blanks before one too */
};

/* Cells a merged range may fill in all, so no workbook makes it slow. */
#define XLSX_FILL_BUDGET	(4u * LEDGER_XLSX_MAX_CELLS)

/* A part's or sheet's name, short enough for a message. */
static const char *
short_name(const char *name, char out[64])
{
	return ledger_shorten(name, out, 64);
}

/* Parts. */

/* Read part `name` into `out` (NUL-terminated).  1, 0 (absent) or -1. */
static int
part_read(struct xlsx *x, const char *name, struct buf *out,
    struct derr *err)
{
	zip_stat_t	 st;
	zip_file_t	*f;
	zip_int64_t	 idx, n;
	char		 tmp[8192], sn[64];
	int		 rc = 1;

	if ((idx = zip_name_locate(x->zip, name, 0)) < 0)
		return 0;
	name = short_name(name, sn);
	if (zip_stat_index(x->zip, (zip_uint64_t)idx, 0, &st) == 0 &&
	    (st.valid & ZIP_STAT_SIZE) && st.size > LEDGER_XLSX_MAX_PART)
		return derr_set(err, DERR_INPUT, false, "工作簿的%s解压后有"
		    "%llu个字节，超过了上限%u个：文件过大或是恶意构造的压缩包",
		    name, (unsigned long long)st.size, LEDGER_XLSX_MAX_PART);
	if ((f = zip_fopen_index(x->zip, (zip_uint64_t)idx, 0)) == NULL)
		return derr_set(err, DERR_INPUT, false, "工作簿的%s无法解压"
		    "（%s）", name, zip_strerror(x->zip));
	buf_init(out, 0);
	while (rc == 1 && (n = zip_fread(f, tmp, sizeof(tmp))) > 0) {
		x->total += (size_t)n;
		if (out->len + (size_t)n > LEDGER_XLSX_MAX_PART ||
		    x->total > LEDGER_XLSX_MAX_TOTAL)
			rc = derr_set(err, DERR_INPUT, false, "工作簿解压后超过了"
			    "上限%u个字节（读到%s时）：文件过大或是恶意构造的"
			    "压缩包", LEDGER_XLSX_MAX_TOTAL, name);
		else
			(void)buf_append(out, tmp, (size_t)n, NULL);
	}
	if (rc == 1 && n < 0)
		rc = derr_set(err, DERR_INPUT, false, "工作簿的%s解压出错（%s）",
		    name, zip_file_strerror(f));
	zip_fclose(f);
	if (rc == 1)
		(void)buf_append(out, "", 1, NULL);	/* unlimited buf */
	else
		buf_clear(out);
	return rc;
}

/* XML. */

/* libxml2's own words stay out of dutyctl's output: xml_next says it. */
static void
xml_quiet(void *arg, xmlErrorPtr e)
{
	(void)arg;
	(void)e;
}

static void
xml_quiet_generic(void *arg, const char *fmt, ...)
{
	(void)arg;
	(void)fmt;
}

static xmlTextReaderPtr
xml_open(const struct buf *b, const char *name)
{
	xmlTextReaderPtr	 r;

	/* No XML_PARSE_NOENT or DTDLOAD: entities stay unexpanded. */
	r = xmlReaderForMemory(b->data, (int)b->len - 1, name, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_NOCDATA);
	if (r != NULL)
		xmlTextReaderSetStructuredErrorHandler(r, xml_quiet, NULL);
	return r;
}

/*
 * The next node: 1, 0 at the end, -1 on bad XML, a DTD or nesting deeper
 * than LEDGER_XLSX_MAX_DEPTH.
 */
static int
xml_next(xmlTextReaderPtr r, const char *name, struct derr *err)
{
	char	 sn[64];
	int	 rc;

	rc = xmlTextReaderRead(r);
	name = short_name(name, sn);
	if (rc < 0)
		return derr_set(err, DERR_INPUT, false, "工作簿的%s不是格式正确"
		    "的XML，文件已损坏", name);
	if (rc == 0)
		return 0;
	if (xmlTextReaderNodeType(r) == XML_READER_TYPE_DOCUMENT_TYPE)
		return derr_set(err, DERR_INPUT, false, "工作簿的%s带有文档"
		    "类型定义（DTD），Excel不会这样写，拒绝读取", name);
	if (xmlTextReaderDepth(r) > LEDGER_XLSX_MAX_DEPTH)
		return derr_set(err, DERR_INPUT, false, "工作簿的%s嵌套超过"
		    "%d层，拒绝读取", name, LEDGER_XLSX_MAX_DEPTH);
	return 1;
}

static bool
is_start(xmlTextReaderPtr r, const char *local)
{
	return xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT &&
	    strcmp((const char *)xmlTextReaderConstLocalName(r), local) == 0;
}

static bool
is_end(xmlTextReaderPtr r, const char *local)
{
	int	 t = xmlTextReaderNodeType(r);

	return (t == XML_READER_TYPE_END_ELEMENT ||
	    (t == XML_READER_TYPE_ELEMENT && xmlTextReaderIsEmptyElement(r))) &&
	    strcmp((const char *)xmlTextReaderConstLocalName(r), local) == 0;
}

/* The attribute with local name `local` (any namespace), or NULL; free. */
static char *
attr_get(xmlTextReaderPtr r, const char *local)
{
	char	*v = NULL;
	int	 rc;

	for (rc = xmlTextReaderMoveToFirstAttribute(r); rc == 1 && v == NULL;
	    rc = xmlTextReaderMoveToNextAttribute(r))
		if (strcmp((const char *)xmlTextReaderConstLocalName(r),
		    local) == 0)
			v = xstrdup((const char *)xmlTextReaderConstValue(r));
	xmlTextReaderMoveToElement(r);
	return v;
}

static bool
is_text(xmlTextReaderPtr r)
{
	int	 t = xmlTextReaderNodeType(r);

	return t == XML_READER_TYPE_TEXT ||
	    t == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
	    t == XML_READER_TYPE_WHITESPACE;
}

/*
 * Walk part `name` calling `fn` on every node; a missing part is an error
 * when `required`.  0/-1.
 */
typedef int (*xml_fn)(struct xlsx *, xmlTextReaderPtr, void *,
    struct derr *);

static int
xml_walk(struct xlsx *x, const char *name, bool required, xml_fn fn,
    void *arg, struct derr *err)
{
	struct buf		 b;
	xmlTextReaderPtr	 r;
	char			 sn[64];
	int			 rc;

	if ((rc = part_read(x, name, &b, err)) <= 0) {
		if (rc == 0 && required)
			return derr_set(err, DERR_INPUT, false, XLSX_NOT_BOOK
			    "：缺少%s", short_name(name, sn));
		return rc;
	}
	if (b.len <= 1) {
		buf_clear(&b);
		return derr_set(err, DERR_INPUT, false, "工作簿的%s是空的，文件"
		    "已损坏", short_name(name, sn));
	}
	if ((r = xml_open(&b, name)) == NULL) {
		buf_clear(&b);
		return derr_set(err, DERR_SYS, false, "libxml2: out of memory");
	}
	while ((rc = xml_next(r, name, err)) == 1)
		if (fn(x, r, arg, err) < 0) {
			rc = -1;
			break;
		}
	xmlFreeTextReader(r);
	buf_clear(&b);
	return rc;
}

/* The workbook: its sheets, the one asked for, and the date system. */

static int
book_node(struct xlsx *x, xmlTextReaderPtr r, void *arg, struct derr *err)
{
	const char	*want = *(const char **)arg;
	char		*v, *name;

	(void)err;
	if (is_start(r, "workbookPr") && (v = attr_get(r, "date1904"))) {
		x->date1904 = strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
		free(v);
	}
	if (!is_start(r, "sheet") || x->names.n >= 1000)
		return 0;
	if ((name = attr_get(r, "name")) == NULL)
		return 0;
	strv_push(&x->names, name);
	if (x->sheet_rid == NULL && (want == NULL || strcmp(want, name) == 0) &&
	    (x->sheet_rid = attr_get(r, "id")) != NULL)
		x->sheet_name = xstrdup(name);
	free(name);
	return 0;
}

static int
rels_node(struct xlsx *x, xmlTextReaderPtr r, void *arg, struct derr *err)
{
	char	*id, *target;

	(void)arg;
	(void)err;
	if (!is_start(r, "Relationship") || x->sheet_path != NULL)
		return 0;
	id = attr_get(r, "Id");
	target = attr_get(r, "Target");
	if (id != NULL && target != NULL && strcmp(id, x->sheet_rid) == 0)
		x->sheet_path = target[0] == '/' ? xstrdup(target + 1) :
		    xasprintf("xl/%s", target);
	free(id);
	free(target);
	return 0;
}

static int
sheet_missing(const struct xlsx *x, const char *want, struct derr *err)
{
	struct buf	 names;
	char		 sn[64], list[128];
	size_t		 i;

	if (want == NULL)
		return derr_set(err, DERR_INPUT, false, "工作簿里没有工作表");
	buf_init(&names, 0);
	for (i = 0; i < x->names.n && i < 20; i++)
		(void)buf_printf(&names, NULL, "%s“%s”", i ? "、" : "",
		    x->names.v[i]);	/* unlimited buf */
	derr_set(err, DERR_INPUT, false, "工作簿里没有名为“%s”的工作表（有：%s）",
	    short_name(want, sn), ledger_shorten(names.data != NULL ?
	    names.data : "", list, sizeof(list)));
	buf_clear(&names);
	return -1;
}

static int
book_read(struct xlsx *x, const char *want, struct derr *err)
{
	char	 sn[64];

	if (xml_walk(x, "xl/workbook.xml", true, book_node, &want, err) < 0)
		return -1;
	if (x->sheet_rid == NULL)
		return sheet_missing(x, want, err);
	if (xml_walk(x, "xl/_rels/workbook.xml.rels", true, rels_node, NULL,
	    err) < 0)
		return -1;
	if (x->sheet_path == NULL)
		return derr_set(err, DERR_INPUT, false, XLSX_NOT_BOOK "：找不到"
		    "工作表“%s”的内容", short_name(x->sheet_name, sn));
	return 0;
}

/* Shared strings: the text of each <si>, phonetic runs (<rPh>) left out. */

struct sst_state {
	struct buf	 cur;
	bool		 in_si, in_t, in_rph;
};

static int
sst_node(struct xlsx *x, xmlTextReaderPtr r, void *arg, struct derr *err)
{
	struct sst_state	*s = arg;

	if (is_start(r, "si")) {
		if (x->sst.n >= LEDGER_XLSX_MAX_CELLS)
			return derr_set(err, DERR_INPUT, false, "工作簿的共享字符串"
			    "超过%d个，拒绝读取", LEDGER_XLSX_MAX_CELLS);
		s->in_si = true;
		s->cur.len = 0;
	}
	if (is_start(r, "rPh"))
		s->in_rph = !xmlTextReaderIsEmptyElement(r);
	else if (is_end(r, "rPh"))
		s->in_rph = false;
	if (is_start(r, "t"))
		s->in_t = !xmlTextReaderIsEmptyElement(r);
	else if (is_end(r, "t"))
		s->in_t = false;
	if (s->in_si && s->in_t && !s->in_rph && is_text(r))
		(void)buf_puts(&s->cur, (const char *)xmlTextReaderConstValue(r),
		    NULL);	/* bounded by the part's size */
	if (is_end(r, "si") && s->in_si) {
		(void)buf_append(&s->cur, "", 1, NULL);	/* unlimited buf */
		strv_push(&x->sst, s->cur.data);
		s->in_si = false;
	}
	return 0;
}

/* Styles: which cell formats show a number as a date. */

/* Excel's built-in date and time formats (ECMA-376 18.8.30, CJK ones). */
static bool
builtin_date(long id)
{
	return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) ||
	    (id >= 45 && id <= 47) || (id >= 50 && id <= 58);
}

/* A custom code is a date if y, d, or m without h or s is outside quotes. */
static bool
code_is_date(const char *code)
{
	bool	 y = false, m = false, hs = false;
	char	 c;

	for (; *code != '\0'; code++) {
		if (*code == '"') {
			code = strchr(code + 1, '"');
			if (code == NULL)
				break;
			continue;
		}
		if (*code == '[') {
			code = strchr(code, ']');
			if (code == NULL)
				break;
			continue;
		}
		if (*code == '\\' && code[1] != '\0') {
			code++;
			continue;
		}
		c = (char)(*code | 0x20);
		y |= c == 'y' || c == 'd' || c == 'e';
		m |= c == 'm';
		hs |= c == 'h' || c == 's';
	}
	return y || (m && !hs);
}

static bool
fmt_is_date(const struct xlsx *x, const char *id)
{
	size_t	 i;

	for (i = 0; i < x->fmt_ids.n; i++)
		if (strcmp(x->fmt_ids.v[i], id) == 0)
			return code_is_date(x->fmt_codes.v[i]);
	return builtin_date(strtol(id, NULL, 10));
}

static int
styles_node(struct xlsx *x, xmlTextReaderPtr r, void *arg, struct derr *err)
{
	bool	*in_xfs = arg;
	char	*id, *code;

	(void)err;
	if (is_start(r, "numFmt") && x->fmt_ids.n < LEDGER_XLSX_MAX_STYLES) {
		id = attr_get(r, "numFmtId");
		code = attr_get(r, "formatCode");
		if (id != NULL && code != NULL) {
			strv_push(&x->fmt_ids, id);
			strv_push(&x->fmt_codes, code);
		}
		free(id);
		free(code);
	}
	if (is_start(r, "cellXfs"))
		*in_xfs = !xmlTextReaderIsEmptyElement(r);
	else if (is_end(r, "cellXfs"))
		*in_xfs = false;
	if (*in_xfs && is_start(r, "xf") && x->nxf < LEDGER_XLSX_MAX_STYLES) {
		id = attr_get(r, "numFmtId");
		x->date_xf = xreallocarray(x->date_xf, x->nxf + 1,
		    sizeof(*x->date_xf));
		x->date_xf[x->nxf++] = id != NULL && fmt_is_date(x, id);
		free(id);
	}
	return 0;
}

/* Cells. */

/* "B12" into column 1 and row 12; false if it is no cell reference. */
static bool
ref_parse(const char *s, size_t *col, size_t *row)
{
	size_t	 c = 0, r = 0;

	if (*s < 'A' || *s > 'Z')
		return false;
	for (; *s >= 'A' && *s <= 'Z'; s++)
		if ((c = c * 26 + (size_t)(*s - 'A' + 1)) > 16384)
			return false;
	if (*s < '1' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((r = r * 10 + (size_t)(*s - '0')) > 1048576)
			return false;
	if (*s != '\0')
		return false;
	*col = c - 1;
	*row = r;
	return true;
}

/*
 * A serial number as a date (the 1900 system counts the 29th of February
 * 1900 that never was, serial 60; the 1904 system starts at 0).
 */
static bool
serial_date(double v, bool date1904, char out[11])
{
	double	 d = floor(v);
	int32_t	 day;

	if (!(d >= (date1904 ? 0 : 1)) || d > 2958465)
		return false;
	if (!date1904 && d == 60) {
		memcpy(out, "1900-02-29", 11);	/* shown so, refused later */
		return true;
	}
	if (date1904)
		day = (int32_t)d - 24107;
	else
		day = (int32_t)d - (d < 60 ? 25568 : 25569);
	day_format(day, out);
	return true;
}

struct cell {
	size_t		 row, col;
	char		*type;
	long		 style;
	struct buf	 v;		/* <v> or the inline string */
	bool		 in_v, in_t, in_rph;
};

/* The cell's value as text, borrowed or in `tmp`; NULL: a bad value. */
static const char *
cell_value(const struct xlsx *x, struct cell *c, char tmp[64])
{
	const char	*v = c->v.data != NULL ? c->v.data : "";
	const char	*t = c->type != NULL ? c->type : "n";
	char		*end;
	double		 d;
	long		 i;

	if (strcmp(t, "s") == 0) {
		i = strtol(v, &end, 10);
		if (end == v || *end != '\0' || i < 0 || (size_t)i >= x->sst.n)
			return NULL;
		return x->sst.v[i];
	}
	if (strcmp(t, "b") == 0)
		return strcmp(v, "1") == 0 ? "TRUE" : "FALSE";
	if (strcmp(t, "d") == 0 && strcspn(v, "T") < 64) {
		/* ISO 8601: the date part, cut before an ASCII "T". */
		memcpy(tmp, v, strcspn(v, "T"));
		tmp[strcspn(v, "T")] = '\0';
		return tmp;
	}
	if (strcmp(t, "n") != 0 || *v == '\0')
		return v;	/* inlineStr, str, e */
	d = strtod(v, &end);
	if (end == v || *end != '\0' || !isfinite(d))
		return v;
	if (c->style >= 0 && (size_t)c->style < x->nxf &&
	    x->date_xf[c->style] && serial_date(d, x->date1904, tmp))
		return tmp;
	if (d == floor(d) && fabs(d) < 1e15)
		snprintf(tmp, 64, "%.0f", d);
	else
		snprintf(tmp, 64, "%.15g", d);
	return tmp;
}

static struct row *
row_get(struct xlsx *x, size_t no)
{
	struct rows	*rs = &x->rows;

	if (rs->n > 0 && rs->v[rs->n - 1].no == no)
		return &rs->v[rs->n - 1];
	rs->v = xreallocarray(rs->v, rs->n + 1, sizeof(*rs->v));
	memset(&rs->v[rs->n], 0, sizeof(rs->v[rs->n]));
	rs->v[rs->n].no = no;
	return &rs->v[rs->n++];
}

static int
row_set(struct xlsx *x, struct row *r, size_t col, const char *v,
    struct derr *err)
{
	if (r->f.n <= col && (x->slots += col + 1 - r->f.n) >
	    LEDGER_XLSX_MAX_CELLS)
		return derr_set(err, DERR_INPUT, false, "工作表的单元格超过%d个，"
		    "拒绝读取（表格过大）", LEDGER_XLSX_MAX_CELLS);
	while (r->f.n <= col)
		strv_push(&r->f, "");
	free(r->f.v[col]);
	r->f.v[col] = xstrdup(v);
	return 0;
}

static int
cell_end(struct xlsx *x, struct cell *c, struct derr *err)
{
	const char	*v;
	char		 tmp[64];

	(void)buf_append(&c->v, "", 1, NULL);	/* unlimited buf */
	if ((v = cell_value(x, c, tmp)) == NULL)
		return derr_set(err, DERR_INPUT, false, "工作表第%zu行第%zu个"
		    "单元格引用了不存在的共享字符串，文件已损坏", c->row,
		    c->col + 1);
	if (*v == '\0')
		return 0;
	if (c->col >= LEDGER_XLSX_MAX_COLS)
		return derr_set(err, DERR_INPUT, false, "工作表第%zu行第%zu列"
		    "有内容，超出了台账的范围（最多%d列）", c->row, c->col + 1,
		    LEDGER_XLSX_MAX_COLS);
	if (c->row > LEDGER_XLSX_MAX_ROW)
		return derr_set(err, DERR_INPUT, false, "工作表第%zu行有内容，"
		    "超出了台账的范围（最多%d行）", c->row, LEDGER_XLSX_MAX_ROW);
	return row_set(x, row_get(x, c->row), c->col, v, err);
}

/* <c r="B3" t="s" s="2">: where the cell is and how to read it. */
static int
cell_start(struct xlsx *x, xmlTextReaderPtr r, struct cell *c,
    struct derr *err)
{
	char	*ref, *s;
	size_t	 col, row;

	if (++x->ncells > LEDGER_XLSX_MAX_CELLS)
		return derr_set(err, DERR_INPUT, false, "工作表的单元格超过%d个，"
		    "拒绝读取（表格过大）", LEDGER_XLSX_MAX_CELLS);
	if (c->row == 0)
		return derr_set(err, DERR_INPUT, false, "工作表有不在任何行里的"
		    "单元格，文件已损坏");
	free(c->type);
	c->type = attr_get(r, "t");
	s = attr_get(r, "s");
	c->style = s != NULL ? strtol(s, NULL, 10) : -1;
	free(s);
	c->col++;
	if ((ref = attr_get(r, "r")) != NULL) {
		if (!ref_parse(ref, &col, &row) || row != c->row) {
			free(ref);
			return derr_set(err, DERR_INPUT, false, "工作表第%zu行有"
			    "无效的单元格位置，文件已损坏", c->row);
		}
		c->col = col;
		free(ref);
	}
	c->v.len = 0;
	c->in_v = c->in_t = c->in_rph = false;
	return 0;
}

/* <row r="3">: rows come in increasing order. */
static int
row_start(xmlTextReaderPtr r, struct cell *c, struct derr *err)
{
	char	*s = attr_get(r, "r");
	long	 no = s != NULL ? strtol(s, NULL, 10) : (long)c->row + 1;

	free(s);
	if (no <= (long)c->row || no > 1048576)
		return derr_set(err, DERR_INPUT, false, "工作表第%zu行之后的行号"
		    "无效，文件已损坏", c->row);
	c->row = (size_t)no;
	c->col = (size_t)-1;
	return 0;
}

static int
merge_add(struct xlsx *x, xmlTextReaderPtr r, struct derr *err)
{
	char	*ref = attr_get(r, "ref"), *colon;
	size_t	 c1, r1, c2, r2;

	if (ref == NULL || (colon = strchr(ref, ':')) == NULL) {
		free(ref);
		return 0;
	}
	*colon = '\0';
	if (ref_parse(ref, &c1, &r1) && ref_parse(colon + 1, &c2, &r2) &&
	    r2 > r1) {
		if (x->nm >= LEDGER_XLSX_MAX_MERGES) {
			free(ref);
			return derr_set(err, DERR_INPUT, false, "工作表的合并单元格"
			    "超过%d处，拒绝读取", LEDGER_XLSX_MAX_MERGES);
		}
		x->mv = xreallocarray(x->mv, x->nm + 1, sizeof(*x->mv));
		x->mv[x->nm++] = (struct merge){ r1, r2, c1 };
	}
	free(ref);
	return 0;
}

static int
sheet_node(struct xlsx *x, xmlTextReaderPtr r, void *arg, struct derr *err)
{
	struct cell	*c = arg;

	if (is_start(r, "row"))
		return row_start(r, c, err);
	if (is_start(r, "c") && cell_start(x, r, c, err) < 0)
		return -1;
	if (is_start(r, "v") || is_start(r, "t"))
		c->in_v = !xmlTextReaderIsEmptyElement(r);
	else if (is_end(r, "v") || is_end(r, "t"))
		c->in_v = false;
	if (is_start(r, "rPh"))
		c->in_rph = !xmlTextReaderIsEmptyElement(r);
	else if (is_end(r, "rPh"))
		c->in_rph = false;
	if (c->in_v && !c->in_rph && is_text(r))
		(void)buf_puts(&c->v, (const char *)xmlTextReaderConstValue(r),
		    NULL);	/* bounded by the part's size */
	if (is_end(r, "c"))
		return cell_end(x, c, err);
	if (is_start(r, "mergeCell"))
		return merge_add(x, r, err);
	return 0;
}

/* Index of the first row numbered `no` or more. */
static size_t
row_find(const struct rows *rs, size_t no)
{
	size_t	 lo = 0, hi = rs->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (rs->v[mid].no < no)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A merged cell's value, carried into the empty cells below it. */
static int
merges_fill(struct xlsx *x, struct derr *err)
{
	struct rows	*rs = &x->rows;
	const struct merge *mg;
	size_t		 m, i, j, work = 0;

	for (m = 0; m < x->nm; m++) {
		mg = &x->mv[m];
		i = row_find(rs, mg->r1);
		if (i == rs->n || rs->v[i].no != mg->r1 ||
		    mg->c1 >= rs->v[i].f.n || rs->v[i].f.v[mg->c1][0] == '\0')
			continue;
		for (j = i + 1; j < rs->n && rs->v[j].no <= mg->r2; j++) {
			if (++work > XLSX_FILL_BUDGET)
				return derr_set(err, DERR_INPUT, false, "工作表的"
				    "合并单元格相互重叠过多，拒绝读取");
			if ((rs->v[j].f.n <= mg->c1 ||
			    rs->v[j].f.v[mg->c1][0] == '\0') &&
			    row_set(x, &rs->v[j], mg->c1, rs->v[i].f.v[mg->c1],
			    err) < 0)
				return -1;
		}
	}
	return 0;
}

static int
sheet_read(struct xlsx *x, struct derr *err)
{
	struct cell	 c;
	bool		 in_xfs = false;
	struct sst_state s;
	int		 rc;

	memset(&s, 0, sizeof(s));
	buf_init(&s.cur, 0);
	rc = xml_walk(x, "xl/sharedStrings.xml", false, sst_node, &s, err);
	buf_clear(&s.cur);
	if (rc < 0 || xml_walk(x, "xl/styles.xml", false, styles_node,
	    &in_xfs, err) < 0)
		return -1;
	memset(&c, 0, sizeof(c));
	buf_init(&c.v, 0);
	rc = xml_walk(x, x->sheet_path, true, sheet_node, &c, err);
	buf_clear(&c.v);
	free(c.type);
	if (rc == 0)
		rc = merges_fill(x, err);
	return rc;
}

static void
xlsx_clear(struct xlsx *x)
{
	if (x->zip != NULL)
		zip_discard(x->zip);
	strv_clear(&x->sst);
	free(x->date_xf);
	strv_clear(&x->fmt_ids);
	strv_clear(&x->fmt_codes);
	free(x->sheet_rid);
	free(x->sheet_name);
	strv_clear(&x->names);
	free(x->sheet_path);
	ledger_rows_clear(&x->rows);
	free(x->mv);
	memset(x, 0, sizeof(*x));
}

static int
xlsx_open(struct xlsx *x, const char *data, size_t len, struct derr *err)
{
	zip_error_t	 ze;
	zip_source_t	*src;

	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(data, len, 0, &ze)) == NULL) {
		zip_error_fini(&ze);
		return derr_set(err, DERR_SYS, false, "libzip: out of memory");
	}
	if ((x->zip = zip_open_from_source(src, ZIP_RDONLY, &ze)) == NULL) {
		zip_source_free(src);
		derr_set(err, DERR_INPUT, false, "文件以压缩包的标记开头，但无法"
		    "作为Excel工作簿打开（%s）：文件可能已损坏，请在Excel中"
		    "重新保存", zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return -1;
	}
	zip_error_fini(&ze);
	return 0;
}

int
ledger_parse_xlsx(const char *data, size_t len, const char *sheet,
    const struct cfg *cfg, int32_t today, struct measure_list *out,
    struct ledger_problems *probs, struct derr *err)
{
	struct ledger_problems	 mine = { 0 };
	struct ledger_problems	*p = probs != NULL ? probs : &mine;
	struct measure_list	 ml = { 0 };
	struct xlsx		 x;
	xmlGenericErrorFunc	 generic = xmlGenericError;
	void			*generic_arg = xmlGenericErrorContext;
	int			 rc;

	/* libxml2's I/O and encoding errors bypass the reader's handler. */
	xmlSetGenericErrorFunc(NULL, xml_quiet_generic);
	memset(&x, 0, sizeof(x));
	if (len > LEDGER_MAX_FILE) {
		derr_set(err, DERR_INPUT, false, "文件有%zu个字节，超过了上限%u"
		    "个（8 MiB）", len, LEDGER_MAX_FILE);
		rc = ledger_problem_file(p, err);
	} else if (xlsx_open(&x, len > 0 ? data : "", len, err) < 0 ||
	    book_read(&x, sheet, err) < 0 || sheet_read(&x, err) < 0)
		rc = ledger_problem_file(p, err);
	else {
		ledger_rows_parse(&x.rows, cfg, today, false, p, &ml);
		rc = p->nerrors > 0 ? ledger_problems_err(p, err) : 0;
	}
	xlsx_clear(&x);
	xmlSetGenericErrorFunc(generic_arg, generic);
	ledger_problems_clear(&mine);
	if (rc == 0)
		*out = ml;
	return rc;
}
