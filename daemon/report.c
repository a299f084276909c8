#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docx.h"
#include "i18n.h"
#include "model.h"
#include "render.h"

#define REPORT_MAX	(4 * 1024 * 1024)	/* bytes of rendered HTML */

static const char *const cn_digit[] = { "零", "一", "二", "三", "四", "五",
	"六", "七", "八", "九", "十" };

/* 1..99 in Chinese numerals: 一, 十, 十二, 二十, 二十三. */
static void
cn_number(int n, char *out, size_t len)
{
	if (n <= 10)
		snprintf(out, len, "%s", cn_digit[n < 0 ? 0 : n]);
	else if (n < 20)
		snprintf(out, len, "十%s", cn_digit[n % 10]);
	else if (n < 100)
		snprintf(out, len, "%s十%s", cn_digit[n / 10],
		    n % 10 ? cn_digit[n % 10] : "");
	else
		snprintf(out, len, "%d", n);
}

/* "2026年12月31日". */
static void
cn_date(int32_t day, char *out, size_t len)
{
	int	 y, m, d;

	day_to_ymd(day, &y, &m, &d);
	snprintf(out, len, "%d年%d月%d日", y, m, d);
}

struct report_sums {
	int	 problems;
	int	 measures;
	int	 done;
	int	 ongoing;	/* 长期坚持 */
	int	 open;		/* with a deadline, not done */
	int	 overdue;
	int	 extended;
};

/* The measure's text without its final 。, which the report puts after
 * the state in brackets. */
static void
sentence(struct rval *v, const char *text)
{
	size_t	 n = strlen(text);
	char	*t;

	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\n'))
		n--;
	if (n >= 3 && memcmp(text + n - 3, "。", 3) == 0)
		n -= 3;
	else if (n >= 1 && text[n - 1] == '.')
		n--;
	t = xstrndup(text, n);
	rval_map_set_str(v, "text", t);
	free(t);
}

/* A measure as the report tells it, as of `as_of`. */
/* The names of measure `code`'s evidence files, joined with 、. */
static void
files_value(struct rval *v, const char *code,
    const struct store_evidence_list *ev)
{
	struct buf	 b;
	size_t		 k;

	buf_init(&b, 0);
	for (k = 0; ev != NULL && k < ev->n; k++)
		if (strcmp(ev->v[k].code, code) == 0)
			buf_printf(&b, NULL, "%s%s", b.len ? "、" : "",
			    ev->v[k].name);
	rval_map_set_str(v, "files", b.len ? b.data : "");
	rval_map_set_bool(v, "has_files", b.len > 0);
	buf_clear(&b);
}

static void
measure_words(struct rval *v, const struct measure *m, int32_t as_of,
    const struct store_evidence_list *ev, struct report_sums *s)
{
	char	 d[32], e[32];
	bool	 done = m->status == MEASURE_DONE;

	rval_map_set_str(v, "code", m->code);
	sentence(v, m->text);
	rval_map_set_bool(v, "done", done);
	rval_map_set_bool(v, "ongoing", !done && m->kind == MEASURE_ONGOING);
	rval_map_set_bool(v, "open", !done && m->kind != MEASURE_ONGOING);
	rval_map_set_str(v, "evidence", done && m->evidence ? m->evidence : "");
	rval_map_set_bool(v, "has_evidence", done && m->evidence &&
	    *m->evidence);
	files_value(v, m->code, done ? ev : NULL);
	if (m->deadline != DAY_NONE) {
		cn_date(m->deadline, d, sizeof(d));
		rval_map_set_str(v, "deadline", d);
	}
	rval_map_set_bool(v, "has_deadline", m->deadline != DAY_NONE);
	rval_map_set_bool(v, "overdue", !done && m->deadline != DAY_NONE &&
	    m->deadline < as_of);
	rval_map_set_bool(v, "extended", m->extensions > 0);
	if (m->extensions > 0) {
		cn_date(m->extended_from, e, sizeof(e));
		rval_map_set_str(v, "extended_from", e);
		rval_map_set_str(v, "extension_reason", m->extension_reason ?
		    m->extension_reason : "");
	}
	s->measures++;
	if (done)
		s->done++;
	else if (m->kind == MEASURE_ONGOING)
		s->ongoing++;
	else {
		s->open++;
		s->overdue += m->deadline != DAY_NONE && m->deadline < as_of;
	}
	s->extended += m->extensions > 0;
}

/* 二、整改落实情况 and 三、下一步工作 from the ledger. */
static void
ledger_sections(struct rval *ctx, const struct measure_list *l,
    const struct store_evidence_list *ev, int32_t as_of,
    struct report_sums *s)
{
	struct rval	*probs = rval_map_set_list(ctx, "problems");
	struct rval	*next = rval_map_set_list(ctx, "next_steps");
	struct rval	*p = NULL, *ms = NULL, *v;
	char		 num[16];
	size_t		 i;
	int		 k = 0;

	for (i = 0; i < l->n; i++) {
		const struct measure *m = &l->v[i];

		if (i == 0 || strcmp(m->problem_code,
		    l->v[i - 1].problem_code) != 0) {
			p = rval_list_add_map(probs);
			cn_number(++s->problems, num, sizeof(num));
			rval_map_set_str(p, "number", num);
			rval_map_set_str(p, "code", m->problem_code);
			rval_map_set_str(p, "title", m->problem_title);
			ms = rval_map_set_list(p, "measures");
			k = 0;
		}
		v = rval_list_add_map(ms);
		cn_number(++k, num, sizeof(num));
		rval_map_set_str(v, "number", num);
		measure_words(v, m, as_of, ev, s);
		if (m->status != MEASURE_DONE && m->kind != MEASURE_ONGOING)
			measure_words(rval_list_add_map(next), m, as_of, ev,
			    &(struct report_sums){ 0 });
	}
}

static void
sums_value(struct rval *ctx, const struct report_sums *s)
{
	rval_map_set_int(ctx, "problem_count", s->problems);
	rval_map_set_int(ctx, "measure_count", s->measures);
	rval_map_set_int(ctx, "done_count", s->done);
	rval_map_set_int(ctx, "open_count", s->open);
	rval_map_set_int(ctx, "ongoing_count", s->ongoing);
	rval_map_set_int(ctx, "overdue_count", s->overdue);
	rval_map_set_int(ctx, "extended_count", s->extended);
	rval_map_set_int(ctx, "percent", s->measures ? s->done * 100 /
	    s->measures : 0);
	rval_map_set_bool(ctx, "has_open", s->open > 0);
	rval_map_set_bool(ctx, "has_ongoing", s->ongoing > 0);
	rval_map_set_bool(ctx, "has_extended", s->extended > 0);
}

/* Measures signed off after `as_of` are still open in the report. */
static void
as_of_filter(struct measure_list *l, const struct cal *cal, int32_t as_of)
{
	int32_t	 day;
	int	 min;
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].status != MEASURE_DONE || l->v[i].done_at == 0)
			continue;
		cal_civil(cal, l->v[i].done_at, &day, &min);
		if (day > as_of)
			l->v[i].status = MEASURE_OPEN;
	}
}

void
report_evidence_as_of(struct store_evidence_list *ev, const struct cal *cal,
    int32_t as_of)
{
	struct store_evidence	*e;
	int32_t			 day;
	int			 min;
	size_t			 i, n = 0;

	for (i = 0; i < ev->n; i++) {
		e = &ev->v[i];
		cal_civil(cal, e->at, &day, &min);
		if (day > as_of) {
			free(e->code);
			free(e->name);
			free(e->who);
			continue;
		}
		if (n != i)
			ev->v[n] = *e;
		n++;
	}
	ev->n = n;
}

/* The report's values as of `as_of`: a new map the caller frees. */
static struct rval *
report_context(struct store *st, const struct cfg *cfg,
    const struct cal *cal, int32_t as_of, struct derr *err)
{
	struct store_filter		 f = { NULL, NULL, -1, DAY_NONE,
					    false };
	struct measure_list		 l = { 0 };
	struct store_evidence_list	 ev = { 0 };
	struct report_sums		 s = { 0 };
	struct rval			*ctx;
	char				 d[32];

	if (store_measure_list(st, &f, &l, err) < 0)
		return NULL;
	if (store_evidence_list(st, NULL, NULL, &ev, err) < 0) {
		measure_list_clear(&l);
		return NULL;
	}
	as_of_filter(&l, cal, as_of);
	report_evidence_as_of(&ev, cal, as_of);
	ctx = rval_map_new();
	rval_map_set_str(ctx, "office", cfg->general.office ?
	    cfg->general.office : "");
	rval_map_set_str(ctx, "title", cfg->report.title);
	rval_map_set_str(ctx, "signature", cfg->report.signature ?
	    cfg->report.signature : cfg->general.office);
	rval_map_set_str(ctx, "phone", cfg->report.phone);
	rval_map_set_str(ctx, "email", cfg->report.email);
	rval_map_set_bool(ctx, "has_contact", cfg->report.phone ||
	    cfg->report.email);
	cn_date(as_of, d, sizeof(d));
	rval_map_set_str(ctx, "as_of", d);
	ledger_sections(ctx, &l, &ev, as_of, &s);
	sums_value(ctx, &s);
	measure_list_clear(&l);
	store_evidence_list_clear(&ev);
	return ctx;
}

int
report_html(struct store *st, const struct cfg *cfg, const struct cal *cal,
    int32_t as_of, struct buf *out, struct derr *err)
{
	struct rval	*ctx;
	int		 r;

	if ((ctx = report_context(st, cfg, cal, as_of, err)) == NULL)
		return -1;
	buf_init(out, REPORT_MAX);
	r = render_file(cfg->general.templates, "report.html", ctx,
	    RENDER_HTML, out, err);
	rval_free(ctx);
	if (r < 0)
		buf_clear(out);
	return r;
}

int
report_docx(struct store *st, const struct cfg *cfg, const struct cal *cal,
    int32_t as_of, struct docx_pkg *pkg, struct derr *err)
{
	struct docx_part	*doc;
	struct rval		*ctx;
	struct buf		 tmpl, out;
	int			 r;

	if ((doc = docx_pkg_get(pkg, "word/document.xml")) == NULL)
		return derr_set(err, DERR_INPUT, false, _("no word/document."
		    "xml in it: not a Word document"));
	if (docx_template_prepare(doc->name, doc->data, doc->len, &tmpl,
	    err) < 0)
		return -1;
	if ((ctx = report_context(st, cfg, cal, as_of, err)) == NULL) {
		buf_clear(&tmpl);
		return -1;
	}
	buf_init(&out, REPORT_MAX);
	r = render_string(tmpl.data ? tmpl.data : "", ctx, NULL, RENDER_HTML,
	    &out, err);
	rval_free(ctx);
	buf_clear(&tmpl);
	if (r < 0) {
		derr_prefix(err, "word/document.xml");
		buf_clear(&out);
		return -1;
	}
	free(doc->data);
	doc->len = out.len;
	doc->data = buf_take(&out);
	return 0;
}
