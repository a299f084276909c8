/*
 * ledger's deadline cell (整改时限): dates as offices write them, the three
 * kinds and standing duties (每季度1次).  ledger.h lists what is accepted
 * and what is refused.  Pure: the current date is a parameter.
 */
#include "ledger_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "model.h"
#include "util.h"

#define NO_YEAR	"没有写年份（请写成2026年12月31日前或2026年底前）"
#define VAGUE	"不是确定的日期（请写明到哪一天，如2026年12月31日前）"
#define MEI	"\xe6\xaf\x8f"	/* 每 */

static const struct {
	const char		*word;
	enum measure_kind	 kind;
} kind_words[] = {
	/* Longest first: 长期坚持 is blanked before 长期 is looked for. */
	{ "立行立改", MEASURE_IMMEDIATE }, { "限期整改", MEASURE_DEADLINE },
	{ "长期坚持", MEASURE_ONGOING }, { "长期", MEASURE_ONGOING },
	{ "immediate", MEASURE_IMMEDIATE }, { "deadline", MEASURE_DEADLINE },
	{ "ongoing", MEASURE_ONGOING },
};

int
ledger_kind_parse(const char *s)
{
	size_t	 i;

	for (i = 0; i < sizeof(kind_words) / sizeof(kind_words[0]); i++)
		if (strcmp(s, kind_words[i].word) == 0)
			return (int)kind_words[i].kind;
	return -1;
}

/* Find the kind words in `s`, blank them out; -1 if two kinds differ. */
static int
kind_take(char *s, int *kind)
{
	char	*hit;
	size_t	 i;

	*kind = -1;
	for (i = 0; i < sizeof(kind_words) / sizeof(kind_words[0]); i++)
		while ((hit = strstr(s, kind_words[i].word)) != NULL) {
			if (*kind >= 0 && *kind != (int)kind_words[i].kind)
				return -1;
			*kind = (int)kind_words[i].kind;
			memset(hit, ' ', strlen(kind_words[i].word));
		}
	return 0;
}

/*
 * Full-width ０-９, －, ． and ／ (U+FF0D..U+FF19) as an input method types
 * them become ASCII; ASCII white space goes, since "2026年 12月" and
 * "限期整改\n2026-12-31" mean what they say without it.
 */
static void
narrow(char *s)
{
	unsigned char	*p = (unsigned char *)s, *w = p;

	while (*p != '\0') {
		if (p[0] == 0xef && p[1] == 0xbc && p[2] >= 0x8d &&
		    p[2] <= 0x99) {
			*w++ = (unsigned char)(p[2] - 0x60);
			p += 3;
		} else if (*p == ' ' || *p == '\t' || *p == '\n' ||
		    *p == '\r')
			p++;
		else
			*w++ = *p++;
	}
	*w = '\0';
}

/*
 * "2025-01-03（限期整改）", "立行立改，2026年底前": once the kind is gone
 * its brackets and separators go too.
 */
static void
blank_brackets(char *s)
{
	static const char *const br[] = { "（", "）", "(", ")", "，", "、",
	    "；", ",", ";" };
	char	*p;
	size_t	 i;

	for (i = 0; i < sizeof(br) / sizeof(br[0]); i++)
		for (p = strstr(s, br[i]); p != NULL; p = strstr(p, br[i]))
			memset(p, ' ', strlen(br[i]));
}

/* "于2026年12月底前完成" -> "2026年12月底". */
static void
affix_strip(char *s)
{
	static const char *const suffix[] = { "之前", "以前", "为止", "前",
	    "完成", "止" };
	static const char *const prefix[] = { "于", "在" };
	size_t	 i, n, k;
	bool	 again = true;

	while (again) {
		again = false;
		n = strlen(s);
		for (i = 0; !again && i < sizeof(suffix) / sizeof(*suffix);
		    i++) {
			k = strlen(suffix[i]);
			if (n > k && strcmp(s + n - k, suffix[i]) == 0) {
				s[n - k] = '\0';
				again = true;
			}
		}
		for (i = 0; !again && i < sizeof(prefix) / sizeof(*prefix);
		    i++) {
			k = strlen(prefix[i]);
			if (n > k && strncmp(s, prefix[i], k) == 0) {
				memmove(s, s + k, n - k + 1);
				again = true;
			}
		}
	}
}

/* Standing duties: 每季度1次, 每月至少1次, 每半年召开一次. */

static const struct {
	const char	*word;
	const char	*period;	/* cfg's name, NULL: none */
} duty_periods[] = {
	{ "季度", "quarter" }, { "季", "quarter" }, { "半年", "half" },
	{ "年", "year" }, { "月", "month" }, { "周", NULL },
	{ "星期", NULL }, { "天", NULL }, { "日", NULL },
};

/* The count just before 次 ("1次", "一次", "两次"), 1 if none. */
static int
duty_times(const char *s)
{
	static const char *const cn[] = { "一", "二", "三", "四", "五", "六",
	    "七", "八", "九", "十" };
	const char	*ci = strstr(s, "次"), *b;
	size_t		 i;
	long		 v;

	if (ci == NULL)
		return 1;
	for (b = ci; b > s && b[-1] >= '0' && b[-1] <= '9'; b--)
		;
	if (b < ci && ci - b <= 3) {
		v = strtol(b, NULL, 10);
		return v < 1 ? 1 : (int)v;
	}
	if (ci - s >= 3 && strncmp(ci - 3, "两", 3) == 0)
		return 2;
	for (i = 0; ci - s >= 3 && i < sizeof(cn) / sizeof(cn[0]); i++)
		if (strncmp(ci - 3, cn[i], 3) == 0)
			return (int)i + 1;
	return 1;
}

static bool
duty_find(const char *s, struct ledger_deadline *d)
{
	const char	*p, *w;
	size_t		 i, n;

	for (p = strstr(s, MEI); p != NULL; p = strstr(p + 3, MEI))
		for (i = 0; i < sizeof(duty_periods) / sizeof(*duty_periods);
		    i++) {
			n = strlen(duty_periods[i].word);
			w = p + 3;
			if (strncmp(w, duty_periods[i].word, n) != 0)
				continue;
			d->duty = true;
			d->period = duty_periods[i].period;
			d->times = duty_times(w + n);
			return true;
		}
	return false;
}

/* Dates. */

static const char *
date_num(const char *p, int maxdig, int *v)
{
	int	 i;

	*v = 0;
	for (i = 0; p != NULL && i < maxdig && p[i] >= '0' && p[i] <= '9';
	    i++)
		*v = *v * 10 + (p[i] - '0');
	return p == NULL || i == 0 ? NULL : p + i;
}

static const char *
date_lit(const char *p, const char *lit)
{
	size_t	 n = strlen(lit);

	return p != NULL && strncmp(p, lit, n) == 0 ? p + n : NULL;
}

/* `d` 0 is the month's last day.  0 or -1. */
static int
ymd_day(int y, int m, int d, int32_t *out)
{
	char	 iso[32];

	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 0 || d > 31)
		return -1;
	if (d == 0) {
		for (d = 31; d >= 28; d--)
			if (ymd_day(y, m, d, out) == 0)
				return 0;
		return -1;
	}
	snprintf(iso, sizeof(iso), "%04d-%02d-%02d", y, m, d);
	return day_parse(iso, out);
}

/* 2026-12-31, 2026/12/31, 2026.12.31 (months and days of one digit too). */
static int
date_numeric(const char *s, int32_t *out)
{
	static const char seps[] = "-/.";
	const char	*p;
	char		 sep[2] = "";
	size_t		 i;
	int		 y, m, d;

	for (i = 0; i < sizeof(seps) - 1; i++) {
		sep[0] = seps[i];
		p = date_lit(date_num(s, 4, &y), sep);
		p = date_lit(date_num(p, 2, &m), sep);
		p = date_num(p, 2, &d);
		if (p != NULL && *p == '\0' && d > 0)
			return ymd_day(y, m, d, out);
	}
	return -1;
}

/* "底" or "末" after 年 or 月; the rest of the string must be empty. */
static const char *
date_end(const char *p)
{
	const char	*q;

	if ((q = date_lit(p, "底")) != NULL || (q = date_lit(p, "末")) != NULL)
		return q;
	return NULL;
}

/*
 * [2026年](12月(31日|31号|31|底|末|)|底|年底|末|年末): year 0 when not
 * written, day 0 for the month's end.  0, or -1 if it is not this form.
 */
static int
date_cn(const char *s, int *y, int *m, int *d)
{
	const char	*p = s, *q;

	*y = *m = *d = 0;
	if ((q = date_lit(date_num(p, 4, y), "年")) != NULL) {
		p = q;
		if ((q = date_lit(p, "年")) != NULL && date_end(q) != NULL)
			p = q;
		if ((q = date_end(p)) != NULL) {
			*m = 12;
			return *q == '\0' ? 0 : -1;
		}
	} else
		*y = 0;
	if ((q = date_lit(date_num(p, 2, m), "月")) == NULL)
		return -1;
	if (*q == '\0')
		return 0;
	if ((p = date_end(q)) != NULL)
		return *p == '\0' ? 0 : -1;
	if ((p = date_num(q, 2, d)) == NULL || *d == 0)
		return -1;
	if ((q = date_lit(p, "日")) != NULL || (q = date_lit(p, "号")) != NULL)
		p = q;
	return *p == '\0' ? 0 : -1;
}

/* The nearest such date not more than LEDGER_YEAR_PAST_DAYS ago. */
static int
year_guess(int m, int d, int32_t today, int32_t *out)
{
	int	 ty, tm, td, y;

	if (today == DAY_NONE)
		return -1;
	day_to_ymd(today, &ty, &tm, &td);
	for (y = ty - 1; y <= ty + 1; y++)
		if (ymd_day(y, m, d, out) == 0 &&
		    *out >= today - LEDGER_YEAR_PAST_DAYS)
			return 0;
	return -1;
}

static const struct {
	const char	*word;
	bool		 with_digits;	/* also when the cell has a number */
	const char	*why;
} vague_words[] = {
	{ "旬", true, VAGUE }, { "半年", true, VAGUE }, { "季度", true, VAGUE },
	{ "年底", false, NO_YEAR }, { "年末", false, NO_YEAR },
	{ "年内", false, NO_YEAR }, { "今年", false, NO_YEAR },
	{ "本年", false, NO_YEAR }, { "年前", false, NO_YEAR },
	{ "月底", false, "没有写是哪一月（请写成2026年12月底前）" },
	{ "月末", false, "没有写是哪一月（请写成2026年12月底前）" },
	{ "本月", false, "没有写是哪一月（请写成2026年12月底前）" },
	{ "尽快", false, "没有具体日期（马上改的请写立行立改，否则写明日期）" },
	{ "近期", false, "没有具体日期（马上改的请写立行立改，否则写明日期）" },
	{ "及时", false, "没有具体日期（马上改的请写立行立改，否则写明日期）" },
};

/* Why `s` (the cell `q` stripped) is not a date: always -1. */
static int
date_refuse(const char *s, const char *q, struct derr *err)
{
	size_t	 i;
	bool	 digits = strpbrk(s, "0123456789") != NULL;

	for (i = 0; i < sizeof(vague_words) / sizeof(vague_words[0]); i++)
		if ((vague_words[i].with_digits || !digits) &&
		    strstr(s, vague_words[i].word) != NULL)
			return derr_set(err, DERR_INPUT, false, "“%s”%s", q,
			    vague_words[i].why);
	return derr_set(err, DERR_INPUT, false, "“%s”不是日期（"
	    LEDGER_DATE_HINT "）", q);
}

static int
date_read(const char *s, const char *q, int32_t today,
    struct ledger_deadline *dl, struct derr *err)
{
	int32_t	 leap;
	int	 y, m, d;

	if (date_numeric(s, &dl->date) == 0)
		return 0;
	if (date_cn(s, &y, &m, &d) < 0)
		return date_refuse(s, q, err);
	if (y != 0) {
		if (ymd_day(y, m, d, &dl->date) == 0)
			return 0;
		return date_refuse(s, q, err);
	}
	/* 2000 was a leap year: 2月29日 is a date, 2月30日 never. */
	if (ymd_day(2000, m, d, &leap) < 0)
		return date_refuse(s, q, err);
	if (year_guess(m, d, today, &dl->date) < 0)
		return derr_set(err, DERR_INPUT, false, "“%s”" NO_YEAR, q);
	dl->guessed_year = true;
	return 0;
}

int
ledger_deadline_parse(const char *cell, int32_t today,
    struct ledger_deadline *dl, struct derr *err)
{
	char	*rest, q[64];
	int	 rc = 0;

	memset(dl, 0, sizeof(*dl));
	dl->kind = -1;
	dl->date = DAY_NONE;
	ledger_shorten(cell, q, sizeof(q));
	rest = xstrdup(cell);
	narrow(rest);
	if (kind_take(rest, &dl->kind) < 0)
		rc = derr_set(err, DERR_INPUT, false, "“%s”同时写了两种整改"
		    "类型", q);
	else if (duty_find(rest, dl)) {
		if (dl->kind >= 0 && dl->kind != MEASURE_ONGOING)
			rc = derr_set(err, DERR_INPUT, false, "“%s”是经常性"
			    "工作，应为长期坚持，不是%s", q,
			    measure_kind_label(dl->kind));
		dl->kind = MEASURE_ONGOING;
	} else {
		blank_brackets(rest);
		narrow(rest);
		affix_strip(rest);
		if (*rest != '\0')
			rc = date_read(rest, q, today, dl, err);
	}
	free(rest);
	return rc;
}
