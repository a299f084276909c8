/*
 * ledger, rows in: the problems list, the header and every cell of every
 * row checked, whatever file the rows came from (CSV or a workbook).
 */
#include "ledger.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "ledger_int.h"
#include "model.h"
#include "util.h"

#define IDEO_SPACE	"\xe3\x80\x80"	/* U+3000, the full-width space */

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
void
ledger_problem_add(struct ledger_problems *p, bool note, size_t row,
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

void
ledger_problem_addf(struct ledger_problems *p, bool note, size_t row,
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
	ledger_problem_add(p, note, row, column, reason);
	free(reason);
}

/* A file-level error in `err` as the only problem. */
int
ledger_problem_file(struct ledger_problems *p, struct derr *err)
{
	if (err->kind == DERR_INPUT)
		ledger_problem_add(p, false, 0, NULL, err->msg);
	return -1;
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
	ledger_problem_addf(probs, false, h->no, NULL, "表头没有%s%s%s列（可用的"
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
			ledger_problem_addf(probs, false, h->no, NULL, "“%s”列和“%s”"
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
		ledger_problem_addf(lp->probs, true, lp->row->no,
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
	ledger_problem_add(lp->probs, false, lp->row->no, lp->h.name[c], err->msg);
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
		ledger_problem_add(lp->probs, false, lp->row->no, lp->h.name[c], why);
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
		ledger_problem_addf(lp->probs, true, lp->row->no,
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
	ledger_problem_addf(lp->probs, true, lp->row->no, lp->h.name[C_DEADLINE],
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
	ledger_problem_addf(lp->probs, false, lp->row->no, NULL, "有%zu个单元格，"
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
			ledger_problem_addf(probs, true, rows->v[i].no, NULL, "“%s”"
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
			ledger_problem_addf(lp->probs, false, rows->v[i].no, NULL,
			    "一个文件最多%d条措施，读到这里为止",
			    LEDGER_MAX_ROWS);
			return;
		}
		row_parse(lp, &rows->v[i]);
	}
	if (ndata == 0 && !cut && lp->probs->nerrors == 0)
		ledger_problem_addf(lp->probs, false, lp->h.no, NULL, "表头下面没有"
		    "任何整改措施");
}

void
ledger_rows_parse(const struct rows *rows, const struct cfg *cfg,
    int32_t today, bool cut, struct ledger_problems *probs, struct measure_list *out)
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
			ledger_problem_add(probs, false, 0, NULL, "文件是空的");
	} else if (tab_separated(&rows->v[hdr]))
		ledger_problem_addf(probs, false, rows->v[hdr].no, NULL, "这是用制表符"
		    "分隔的文本（Excel的“Unicode文本”），不是CSV：" LEDGER_SAVE_AS);
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
int
ledger_problems_err(const struct ledger_problems *p, struct derr *err)
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
void
ledger_rows_clear(struct rows *r)
{
	size_t	 i;

	for (i = 0; i < r->n; i++)
		strv_clear(&r->v[i].f);
	free(r->v);
	strv_clear(&r->cur);
	memset(r, 0, sizeof(*r));
}
