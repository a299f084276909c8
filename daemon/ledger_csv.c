/*
 * ledger, CSV in: the bytes of a file decoded to UTF-8 (a BOM, UTF-16,
 * GB18030), cut into records by libcsv, then checked by ledger_rows.c.
 */
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

#include "config.h"
#include "ledger_int.h"
#include "model.h"
#include "util.h"

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
		    LEDGER_SAVE_AS, bad + 1, (unsigned char)data[bad]);
	return derr_set(err, DERR_INPUT, false, "文件有%s的字节顺序标记"
	    "（BOM），但第%zu个字节起不是%s；" LEDGER_SAVE_AS, from, bad + 3,
	    from);
}

/* What the first bytes say a file is, when it is not text, and what to do. */
static const struct {
	const char	*magic;
	size_t		 len;
	const char	*what;
} magics[] = {
	{ "PK\x03\x04", 4, "Excel工作簿（.xlsx）或其他压缩文件，不是CSV文件："
	    LEDGER_SAVE_AS },
	{ "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8,
	    "旧版Excel工作簿（.xls）、设了密码的工作簿或其他Office文档，"
	    "dutyd读不了：" LEDGER_XLS_TODO },
	{ "%PDF-", 5, "PDF文件，不是CSV文件：" LEDGER_SAVE_AS },
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
			return derr_set(err, DERR_INPUT, false, "这是%s",
			    magics[i].what);
	for (i = 0; i < len; i++)
		nul[i % 2] += data[i] == '\0';
	big = nul[0] > nul[1] ? nul[0] : nul[1];
	if (big < len / 16 || big < 4 * (nul[0] + nul[1] - big) || big == 0)
		return 0;
	return derr_set(err, DERR_INPUT, false, "这是没有字节顺序标记（BOM）"
	    "的UTF-16%s文本，无法可靠识别：" LEDGER_SAVE_AS, nul[1] > nul[0] ?
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
	    "文本文件；" LEDGER_SAVE_AS, line);
}

static int
decode(const char *data, size_t len, struct buf *text, struct derr *err)
{
	int	 rc;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		if (!str_utf8_valid(data + 3, len - 3))
			return derr_set(err, DERR_INPUT, false, "文件以UTF-8的"
			    "字节顺序标记（BOM）开头，但内容不是有效的UTF-8；"
			    LEDGER_SAVE_AS);
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
 * A cell that starts with = + - @ (or a tab or CR) is a formula to Excel
 * and WPS: the export writes it after a "'" (OWASP's advice), which the
 * spreadsheet does not show, and the import takes that "'" off again.
 */
bool
ledger_csv_formula(const char *s)
{
	return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
}

const char *
ledger_csv_unguard(const char *s)
{
	return s[0] == '\'' && ledger_csv_formula(s + 1) ? s + 1 : s;
}

/*
 * CSV records.  libcsv reports every newline outside a record
 * (CSV_REPALL_NL) so blank lines keep the row numbers the user sees in
 * Excel; the LF of a CRLF pair is not a record of its own.
 */

static void
rows_field(void *s, size_t len, void *data)
{
	struct rows	*r = data;

	(void)len;	/* CSV_APPEND_NULL, and NUL bytes were refused */
	strv_push(&r->cur, s != NULL ? ledger_csv_unguard(s) : "");
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
		return ledger_problem_file(probs, err);
	}
	memset(&rows, 0, sizeof(rows));
	buf_init(&text, 2 * LEDGER_MAX_FILE);
	rc = decode(len > 0 ? data : "", len, &text, err);
	if (rc == 0 && text.len > 0)
		qrc = rows_read(&text, &rows, &qerr);
	buf_clear(&text);
	if (rc < 0 || (qrc < 0 && qerr.kind != DERR_INPUT)) {
		ledger_rows_clear(&rows);
		if (rc < 0)
			return ledger_problem_file(probs, err);
		*err = qerr;
		return -1;
	}
	qrow = rows.recno + 1;
	ledger_rows_parse(&rows, cfg, today, qrc < 0, probs, out);
	ledger_rows_clear(&rows);
	if (qrc < 0) {
		measure_list_clear(out);
		ledger_problem_add(probs, false, qrow, NULL, qerr.msg);
	}
	return probs->nerrors > 0 ? ledger_problems_err(probs, err) : 0;
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
