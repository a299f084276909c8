#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Howard Hinnant's days_from_civil / civil_from_days. */
int32_t
day_from_ymd(int y, int m, int d)
{
	int		 era;
	unsigned	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + (int)doe - 719468);
}

void
day_to_ymd(int32_t z, int *yp, int *mp, int *dp)
{
	int		 era, y, m, d;
	unsigned	 doe, yoe, doy, mp5;
	long		 zz = (long)z + 719468;

	era = (int)((zz >= 0 ? zz : zz - 146096) / 146097);
	doe = (unsigned)(zz - (long)era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp5 = (5 * doy + 2) / 153;
	d = (int)(doy - (153 * mp5 + 2) / 5 + 1);
	m = (int)(mp5 < 10 ? mp5 + 3 : mp5 - 9);
	*yp = y + (m <= 2);
	*mp = m;
	*dp = d;
}

static int
digits(const char *s, int n, int *out)
{
	int	 v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days in month `m` (1-12) of year `y`, Gregorian. */
static int
month_days(int y, int m)
{
	static const int	 days[12] = { 31, 28, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

int
day_parse(const char *s, int32_t *out)
{
	int	 y, m, d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	if (digits(s, 4, &y) < 0 || digits(s + 5, 2, &m) < 0 ||
	    digits(s + 8, 2, &d) < 0)
		return -1;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
		return -1;
	*out = day_from_ymd(y, m, d);
	return 0;
}

char *
day_format(int32_t z, char *out)
{
	int	 y, m, d;

	if (z == DAY_NONE) {
		out[0] = '\0';
		return out;
	}
	day_to_ymd(z, &y, &m, &d);
	y = y < 0 ? 0 : y % 10000;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
	return out;
}

int
day_weekday(int32_t z)
{
	/* 1970-01-01 was a Thursday (4). */
	int	 w = (int)(((int64_t)z % 7 + 7 + 3) % 7);

	return w + 1;
}

int
hhmm_parse(const char *s, int *minutes)
{
	int	 h, m;

	if (s == NULL || strlen(s) != 5 || s[2] != ':')
		return -1;
	if (digits(s, 2, &h) < 0 || digits(s + 3, 2, &m) < 0)
		return -1;
	if (h > 23 || m > 59)
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

static const struct {
	const char	*name;
	const char	*label;
} kinds[] = {
	[MEASURE_IMMEDIATE] = { "immediate", "立行立改" },
	[MEASURE_DEADLINE] = { "deadline", "限期整改" },
	[MEASURE_ONGOING] = { "ongoing", "长期坚持" },
};

const char *
measure_kind_label(enum measure_kind k)
{
	return kinds[k].label;
}

const char *
measure_kind_name(enum measure_kind k)
{
	return kinds[k].name;
}

int
measure_kind_parse(const char *s)
{
	size_t	 i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(s, kinds[i].name) == 0 ||
		    strcmp(s, kinds[i].label) == 0)
			return (int)i;
	return -1;
}

const char *
measure_status_name(enum measure_status st)
{
	return st == MEASURE_DONE ? "done" : "open";
}

int
measure_status_parse(const char *s)
{
	if (strcmp(s, "open") == 0)
		return MEASURE_OPEN;
	if (strcmp(s, "done") == 0)
		return MEASURE_DONE;
	return -1;
}

void
measure_clear(struct measure *m)
{
	if (m == NULL)
		return;
	free(m->problem_code);
	free(m->problem_title);
	free(m->code);
	free(m->text);
	strv_clear(&m->owners);
	free(m->evidence);
	free(m->closed_by);
	free(m->extension_reason);
	memset(m, 0, sizeof(*m));
	m->deadline = DAY_NONE;
	m->extended_from = DAY_NONE;
}

void
measure_list_clear(struct measure_list *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		measure_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
notif_list_clear(struct notif_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
notif_list_push(struct notif_list *l, const struct notif *n)
{
	/* Grow by doubling: planning may emit many notifications. */
	if ((l->n & (l->n - 1)) == 0)
		l->v = xreallocarray(l->v, l->n == 0 ? 1 : l->n * 2,
		    sizeof(*l->v));
	l->v[l->n++] = *n;
}

void
duty_tally_list_clear(struct duty_tally_list *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].duty);
		free(l->v[i].person);
		free(l->v[i].target);
		free(l->v[i].title);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
duty_tally_list_push(struct duty_tally_list *l, const struct duty_tally *t)
{
	struct duty_tally	*n;

	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	n = &l->v[l->n++];
	*n = *t;
	n->duty = xstrdup(t->duty);
	n->person = xstrdup(t->person);
	n->target = xstrdup(t->target ? t->target : "");
	n->title = t->title ? xstrdup(t->title) : NULL;
}

const struct duty_tally *
duty_tally_find(const struct duty_tally_list *l, const char *duty,
    const char *person, const char *target, int32_t start)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].start == start && strcmp(l->v[i].duty, duty) == 0 &&
		    strcmp(l->v[i].person, person) == 0 &&
		    strcmp(l->v[i].target, target ? target : "") == 0)
			return &l->v[i];
	return NULL;
}

void
duty_cells_clear(struct duty_cells *c)
{
	if (c == NULL)
		return;
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

static const char *const duty_state_names[] = {
	[DUTY_MET] = "met", [DUTY_OPEN] = "open", [DUTY_WARN] = "warn",
	[DUTY_URGENT] = "urgent", [DUTY_SHORT] = "short"
};
static const char *const duty_state_labels[] = {
	[DUTY_MET] = "已完成", [DUTY_OPEN] = "进行中", [DUTY_WARN] = "待完成",
	[DUTY_URGENT] = "临近期限", [DUTY_SHORT] = "未完成"
};

const char *
duty_state_name(enum duty_state s)
{
	return duty_state_names[s];
}

const char *
duty_state_label(enum duty_state s)
{
	return duty_state_labels[s];
}
