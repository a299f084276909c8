/*
 * ledger, Excel out: the workbook an office would otherwise make by hand
 * (台账, 统计, 常态化工作), written with libxlsxwriter.  Text is written
 * with worksheet_write_string, which never makes a formula, so a cell
 * that starts with = + - @ stays the text it was.
 */
#include "ledger.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "config.h"
#include "ledger_int.h"
#include "model.h"
#include "util.h"

#define XW_NCOLS	9
#define XW_MAX_WIDTH	48	/* a wider column wraps its text */
#define XW_MIN_WIDTH	8
#define XW_A4		9	/* Excel's paper code */

/* Excel's own light fills for good, neutral and bad. */
static const lxw_color_t xw_fill[] = {
	[LEDGER_STATE_OPEN] = 0,
	[LEDGER_STATE_DONE] = 0xC6EFCE,
	[LEDGER_STATE_SOON] = 0xFFEB9C,
	[LEDGER_STATE_OVERDUE] = 0xFFC7CE,
};
#define XW_NSTATES	(sizeof(xw_fill) / sizeof(xw_fill[0]))

struct xw {
	lxw_workbook	*wb;
	lxw_error	 rc;		/* the first error */
	lxw_format	*head;
	lxw_format	*merged;	/* a problem's code and title */
	lxw_format	*text[XW_NSTATES];
	lxw_format	*date[XW_NSTATES];
	lxw_format	*num;
	lxw_format	*pct;
	double		 width[XW_NCOLS];
};

static void
xw_check(struct xw *w, lxw_error rc)
{
	if (w->rc == LXW_NO_ERROR)
		w->rc = rc;
}

/* Columns wide enough for the text: a CJK character is two wide. */
static void
xw_fit(double *width, const char *s)
{
	double		 line = 0, best = 0;
	unsigned char	 c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == '\n') {
			line = 0;
			continue;
		}
		if ((c & 0xc0) == 0x80)
			continue;
		line += c >= 0xe0 ? 2.1 : 1.1;
		best = line > best ? line : best;
	}
	best += 2;
	if (best > XW_MAX_WIDTH)
		best = XW_MAX_WIDTH;
	if (best > *width)
		*width = best;
}

static lxw_format *
xw_format(struct xw *w, lxw_color_t fill, bool wrap)
{
	lxw_format	*f = workbook_add_format(w->wb);

	format_set_border(f, LXW_BORDER_THIN);
	format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
	if (wrap)
		format_set_text_wrap(f);
	if (fill != 0)
		format_set_bg_color(f, fill);
	return f;
}

static void
xw_formats(struct xw *w)
{
	size_t	 i;

	w->head = xw_format(w, 0xD9E1F2, true);
	format_set_bold(w->head);
	format_set_align(w->head, LXW_ALIGN_CENTER);
	w->merged = xw_format(w, 0, true);
	for (i = 0; i < XW_NSTATES; i++) {
		w->text[i] = xw_format(w, xw_fill[i], true);
		w->date[i] = xw_format(w, xw_fill[i], false);
		format_set_num_format(w->date[i], "yyyy-mm-dd");
		format_set_align(w->date[i], LXW_ALIGN_CENTER);
	}
	w->num = xw_format(w, 0, false);
	w->pct = xw_format(w, 0, false);
	format_set_num_format(w->pct, "0.0%");
}

static void
xw_str(struct xw *w, lxw_worksheet *ws, size_t row, size_t col,
    const char *s, lxw_format *f)
{
	xw_check(w, worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col,
	    s, f));
	if (col < XW_NCOLS)
		xw_fit(&w->width[col], s);
}

/* A header row, the print setup and the widths of a sheet. */
static void
xw_sheet_setup(struct xw *w, lxw_worksheet *ws, const char *const *head,
    size_t ncols, size_t nrows)
{
	size_t	 i;

	for (i = 0; i < ncols; i++)
		xw_str(w, ws, 0, i, head[i], w->head);
	for (i = 0; i < ncols; i++)
		xw_check(w, worksheet_set_column(ws, (lxw_col_t)i,
		    (lxw_col_t)i, w->width[i] < XW_MIN_WIDTH ? XW_MIN_WIDTH :
		    w->width[i], NULL));
	worksheet_freeze_panes(ws, 1, 0);
	xw_check(w, worksheet_autofilter(ws, 0, 0, (lxw_row_t)nrows,
	    (lxw_col_t)(ncols - 1)));
	worksheet_set_landscape(ws);
	worksheet_set_paper(ws, XW_A4);
	xw_check(w, worksheet_repeat_rows(ws, 0, 0));
	worksheet_fit_to_pages(ws, 1, 0);
}

/* The Excel serial number of a civil date (1900 system, after March). */
static double
xw_serial(int32_t day)
{
	return (double)day + 25569;
}

/* Column 0 and 1 (the problem) of rows `first`..`last`, merged. */
static void
xw_problem(struct xw *w, lxw_worksheet *ws, const struct measure *m,
    size_t first, size_t last)
{
	const char	*cells[2];
	size_t		 i;

	cells[0] = m->problem_code;
	cells[1] = m->problem_title != NULL ? m->problem_title : "";
	for (i = 0; i < 2; i++) {
		if (first == last)
			xw_str(w, ws, first, i, cells[i], w->merged);
		else {
			xw_check(w, worksheet_merge_range(ws,
			    (lxw_row_t)first, (lxw_col_t)i, (lxw_row_t)last,
			    (lxw_col_t)i, cells[i], w->merged));
			xw_fit(&w->width[i], cells[i]);
		}
	}
}

static void
xw_measure(struct xw *w, lxw_worksheet *ws, size_t row,
    const struct measure *m, enum ledger_state st, const struct cfg *cfg)
{
	struct buf	 owners;
	size_t		 i;

	if ((size_t)st >= XW_NSTATES)
		st = LEDGER_STATE_OPEN;
	buf_init(&owners, 0);
	for (i = 0; i < m->owners.n; i++)
		(void)buf_printf(&owners, NULL, "%s%s", i > 0 ? "、" : "",
		    ledger_owner_cell(cfg, m->owners.v[i])); /* unlimited */
	xw_str(w, ws, row, 2, ledger_code_suffix(m), w->text[st]);
	xw_str(w, ws, row, 3, m->text, w->text[st]);
	xw_str(w, ws, row, 4, owners.data != NULL ? owners.data : "",
	    w->text[st]);
	if (m->deadline != DAY_NONE) {
		xw_check(w, worksheet_write_number(ws, (lxw_row_t)row, 5,
		    xw_serial(m->deadline), w->date[st]));
		xw_fit(&w->width[5], "2026-12-31");
	} else
		xw_str(w, ws, row, 5, "", w->date[st]);
	xw_str(w, ws, row, 6, measure_kind_label(m->kind), w->text[st]);
	xw_str(w, ws, row, 7, m->status == MEASURE_DONE ? "已完成" : "未完成",
	    w->text[st]);
	xw_str(w, ws, row, 8, m->evidence != NULL ? m->evidence : "",
	    w->text[st]);
	buf_clear(&owners);
}

static void
xw_ledger(struct xw *w, const struct ledger_book *bk)
{
	static const char *const head[XW_NCOLS] = { "问题编号", "问题", "序号",
	    "整改措施", "责任人", "整改时限", "整改类型", "完成情况",
	    "佐证材料" };
	const struct measure_list *ml = bk->ml;
	lxw_worksheet	*ws = workbook_add_worksheet(w->wb, "台账");
	size_t		 i, first = 0;

	memset(w->width, 0, sizeof(w->width));
	for (i = 0; i < ml->n; i++) {
		xw_measure(w, ws, i + 1, &ml->v[i], bk->state[i], bk->cfg);
		if (i + 1 == ml->n || strcmp(ml->v[i + 1].problem_code,
		    ml->v[i].problem_code) != 0) {
			xw_problem(w, ws, &ml->v[first], first + 1, i + 1);
			first = i + 1;
		}
	}
	xw_sheet_setup(w, ws, head, XW_NCOLS, ml->n);
}

/* One problem's counts; `p` its first measure, `n` how many. */
static void
xw_stat_row(struct xw *w, lxw_worksheet *ws, size_t row,
    const char *code, const char *title, const int cnt[4])
{
	size_t	 i;

	xw_str(w, ws, row, 0, code, w->text[0]);
	xw_str(w, ws, row, 1, title, w->text[0]);
	for (i = 0; i < 4; i++)
		xw_check(w, worksheet_write_number(ws, (lxw_row_t)row,
		    (lxw_col_t)(i + 2), cnt[i], w->num));
	xw_check(w, worksheet_write_number(ws, (lxw_row_t)row, 6,
	    cnt[0] > 0 ? (double)cnt[1] / cnt[0] : 0, w->pct));
}

static void
xw_stats(struct xw *w, const struct ledger_book *bk)
{
	static const char *const head[] = { "问题编号", "问题", "措施数",
	    "已完成", "未完成", "已逾期", "完成率" };
	const struct measure_list *ml = bk->ml;
	lxw_worksheet	*ws = workbook_add_worksheet(w->wb, "统计");
	const struct measure *m;
	int		 cnt[4] = { 0 }, all[4] = { 0 };
	size_t		 i, j, row = 0;

	memset(w->width, 0, sizeof(w->width));
	for (i = 0; i < ml->n; i++) {
		m = &ml->v[i];
		cnt[0]++;
		cnt[1] += m->status == MEASURE_DONE;
		cnt[2] += m->status != MEASURE_DONE;
		cnt[3] += bk->state[i] == LEDGER_STATE_OVERDUE;
		if (i + 1 < ml->n && strcmp(ml->v[i + 1].problem_code,
		    m->problem_code) == 0)
			continue;
		xw_stat_row(w, ws, ++row, m->problem_code,
		    m->problem_title != NULL ? m->problem_title : "", cnt);
		for (j = 0; j < 4; j++) {
			all[j] += cnt[j];
			cnt[j] = 0;
		}
	}
	xw_stat_row(w, ws, ++row, "合计", "", all);
	xw_sheet_setup(w, ws, head, 7, row);
}

static const char *
xw_person(const struct cfg *cfg, const char *key)
{
	const struct cfg_person	*p = cfg != NULL ? cfg_person_get(cfg, key) :
				    NULL;

	return p != NULL && p->name != NULL ? p->name : key;
}

static size_t
xw_duty_state(enum duty_state s)
{
	switch (s) {
	case DUTY_MET:
		return LEDGER_STATE_DONE;
	case DUTY_OPEN:
		return LEDGER_STATE_OPEN;
	case DUTY_WARN:
		return LEDGER_STATE_SOON;
	default:
		return LEDGER_STATE_OVERDUE;
	}
}

static void
xw_duties(struct xw *w, const struct ledger_book *bk)
{
	static const char *const head[] = { "工作", "周期", "责任人", "对象",
	    "完成", "应完成", "状态" };
	lxw_worksheet		*ws = workbook_add_worksheet(w->wb,
				    "常态化工作");
	const struct duty_cell	*x;
	size_t			 i, st, n = 0;

	memset(w->width, 0, sizeof(w->width));
	for (i = 0; bk->duties != NULL && i < bk->duties->n; i++) {
		x = &bk->duties->v[i];
		st = xw_duty_state(x->state);
		xw_str(w, ws, ++n, 0, bk->cfg != NULL && x->duty >= 0 &&
		    (size_t)x->duty < bk->cfg->nduties ?
		    bk->cfg->duties[x->duty].title : "", w->text[st]);
		xw_str(w, ws, n, 1, x->period, w->text[st]);
		xw_str(w, ws, n, 2, xw_person(bk->cfg, x->person),
		    w->text[st]);
		xw_str(w, ws, n, 3, x->target, w->text[st]);
		xw_check(w, worksheet_write_number(ws, (lxw_row_t)n, 4,
		    x->done, w->text[st]));
		xw_check(w, worksheet_write_number(ws, (lxw_row_t)n, 5,
		    x->required, w->text[st]));
		xw_str(w, ws, n, 6, duty_state_label(x->state), w->text[st]);
	}
	xw_sheet_setup(w, ws, head, 7, n);
}

int
ledger_export_xlsx(const struct ledger_book *bk, const char *path,
    struct derr *err)
{
	struct xw	 w;
	lxw_error	 rc;

	memset(&w, 0, sizeof(w));
	if ((w.wb = workbook_new(path)) == NULL)
		return derr_set(err, DERR_SYS, false, "libxlsxwriter: cannot "
		    "start the workbook %s", path);
	xw_formats(&w);
	xw_ledger(&w, bk);
	xw_stats(&w, bk);
	xw_duties(&w, bk);
	rc = workbook_close(w.wb);
	if (w.rc != LXW_NO_ERROR)
		rc = w.rc;
	if (rc != LXW_NO_ERROR)
		return derr_set(err, DERR_SYS, false, "libxlsxwriter: %s: %s",
		    path, lxw_strerror(rc));
	return 0;
}
