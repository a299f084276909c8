/*
 * calendar_tz: a time zone of its own, so that two calendars with two
 * zones can live in one process and building one changes nothing else.
 * The TZif file is read once into sorted arrays: the offset at an instant
 * is one binary search.  After the last transition the footer's POSIX rule
 * is evaluated for the few years around the instant, without allocating.
 */
#include "calendar_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model.h"
#include "util.h"

#define CAL_HDR_LEN	44
#define CAL_FOOTER_MAX	255
/* Rules are evaluated within about a million years of 1970. */
#define CAL_RULE_DAYS	(365LL * 1000 * 1000)
/* Years around an instant whose rule transitions are looked at. */
#define CAL_RULE_YEARS	5

int64_t
cal_floor_div(int64_t a, int64_t b)
{
	int64_t	 q;

	q = a / b;
	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

/*
 * Reading TZif (RFC 8536).  Every read goes through cal_rd_take, which
 * refuses to step past the end of the file.
 */
struct cal_rd {
	const unsigned char	*p;
	size_t			 left;
};

struct cal_hdr {
	int		 version;	/* 1 to 4 */
	uint32_t	 isutcnt, isstdcnt, leapcnt;
	uint32_t	 timecnt, typecnt, charcnt;
};

static const unsigned char *
cal_rd_take(struct cal_rd *rd, uint64_t n)
{
	const unsigned char	*p;

	if (n > rd->left)
		return NULL;
	p = rd->p;
	rd->p += n;
	rd->left -= (size_t)n;
	return p;
}

static uint32_t
cal_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Two's complement by arithmetic, not by an out-of-range conversion. */
static int32_t
cal_sbe32(const unsigned char *p)
{
	uint32_t	 u = cal_be32(p);

	if (u <= INT32_MAX)
		return (int32_t)u;
	return -(int32_t)~u - 1;
}

static int64_t
cal_sbe64(const unsigned char *p)
{
	uint64_t	 u = (uint64_t)cal_be32(p) << 32 | cal_be32(p + 4);

	if (u <= INT64_MAX)
		return (int64_t)u;
	return -(int64_t)~u - 1;
}

static int
cal_hdr_read(struct cal_rd *rd, struct cal_hdr *h, struct derr *err)
{
	const unsigned char	*p;

	if ((p = cal_rd_take(rd, CAL_HDR_LEN)) == NULL)
		return derr_set(err, DERR_CONFIG, false, "truncated header");
	if (memcmp(p, "TZif", 4) != 0)
		return derr_set(err, DERR_CONFIG, false, "not a TZif file");
	if (p[4] == '\0')
		h->version = 1;
	else if (p[4] >= '2' && p[4] <= '4')
		h->version = p[4] - '0';
	else
		return derr_set(err, DERR_CONFIG, false,
		    "unsupported TZif version");
	h->isutcnt = cal_be32(p + 20);
	h->isstdcnt = cal_be32(p + 24);
	h->leapcnt = cal_be32(p + 28);
	h->timecnt = cal_be32(p + 32);
	h->typecnt = cal_be32(p + 36);
	h->charcnt = cal_be32(p + 40);
	return 0;
}

/* Bytes in the data block after the header; no overflow below 2^40. */
static uint64_t
cal_block_len(const struct cal_hdr *h, unsigned tsize)
{
	return (uint64_t)h->timecnt * (tsize + 1) + (uint64_t)h->typecnt * 6 +
	    h->charcnt + (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt +
	    h->isutcnt;
}

/* The checks RFC 8536 makes a MUST, for the block actually used. */
static int
cal_hdr_check(const struct cal_hdr *h, struct derr *err)
{
	if (h->leapcnt != 0)
		return derr_set(err, DERR_CONFIG, false, "counts leap "
		    "seconds (a right/ zone), which the system clock does not");
	if (h->typecnt == 0 || h->typecnt > 256 || h->charcnt == 0)
		return derr_set(err, DERR_CONFIG, false,
		    "bad type or designation count");
	if ((h->isstdcnt != 0 && h->isstdcnt != h->typecnt) ||
	    (h->isutcnt != 0 && h->isutcnt != h->typecnt))
		return derr_set(err, DERR_CONFIG, false,
		    "bad standard/UT indicator count");
	return 0;
}

static int
cal_types_check(const unsigned char *types, const struct cal_hdr *h,
    struct derr *err)
{
	const unsigned char	*t;
	int32_t			 off;
	uint32_t		 i;

	for (i = 0; i < h->typecnt; i++) {
		t = types + 6 * i;
		off = cal_sbe32(t);
		if (off < CAL_OFF_MIN || off > CAL_OFF_MAX)
			return derr_set(err, DERR_CONFIG, false,
			    "UTC offset out of range (got %ld s)", (long)off);
		if (t[4] > 1 || t[5] >= h->charcnt)
			return derr_set(err, DERR_CONFIG, false,
			    "bad local time type %lu", (unsigned long)i);
	}
	return 0;
}

static int
cal_times_read(struct cal_tz *tz, const unsigned char *times,
    const unsigned char *idx, const unsigned char *types,
    const struct cal_hdr *h, unsigned tsize, struct derr *err)
{
	const unsigned char	*t;
	size_t			 i;

	tz->n = h->timecnt;
	tz->at = xcalloc(tz->n, sizeof(*tz->at));
	tz->off = xcalloc(tz->n, sizeof(*tz->off));
	tz->dst = xcalloc(tz->n, sizeof(*tz->dst));
	for (i = 0; i < tz->n; i++) {
		if (tsize == 8)
			tz->at[i] = cal_sbe64(times + 8 * i);
		else
			tz->at[i] = cal_sbe32(times + 4 * i);
		if (i > 0 && tz->at[i] <= tz->at[i - 1])
			return derr_set(err, DERR_CONFIG, false,
			    "transitions out of order");
		if (idx[i] >= h->typecnt)
			return derr_set(err, DERR_CONFIG, false,
			    "bad type index");
		t = types + 6 * idx[i];
		tz->off[i] = cal_sbe32(t);
		tz->dst[i] = t[4];
	}
	/* RFC 8536: type 0 holds before the first transition. */
	tz->first_off = cal_sbe32(types);
	tz->first_dst = types[4] != 0;
	return 0;
}

static int
cal_block_read(struct cal_rd *rd, const struct cal_hdr *h, unsigned tsize,
    struct cal_tz *tz, struct derr *err)
{
	const unsigned char	*times, *idx, *types;

	if (cal_hdr_check(h, err) == -1)
		return -1;
	if (cal_block_len(h, tsize) > rd->left)
		return derr_set(err, DERR_CONFIG, false,
		    "truncated data block");
	times = cal_rd_take(rd, (uint64_t)h->timecnt * tsize);
	idx = cal_rd_take(rd, h->timecnt);
	types = cal_rd_take(rd, (uint64_t)h->typecnt * 6);
	/* Designations, leap seconds and indicators: not needed. */
	(void)cal_rd_take(rd, cal_block_len(h, tsize) -
	    (uint64_t)h->timecnt * (tsize + 1) - (uint64_t)h->typecnt * 6);
	if (cal_types_check(types, h, err) == -1)
		return -1;
	return cal_times_read(tz, times, idx, types, h, tsize, err);
}

/* "\nTZ string\n"; empty means: the last type goes on for ever. */
static int
cal_footer_read(struct cal_rd *rd, struct cal_tz *tz, struct derr *err)
{
	const unsigned char	*nl;
	char			 s[CAL_FOOTER_MAX + 1];
	size_t			 len;

	if (rd->left < 2 || rd->p[0] != '\n' ||
	    (nl = memchr(rd->p + 1, '\n', rd->left - 1)) == NULL)
		return derr_set(err, DERR_CONFIG, false, "truncated footer");
	len = (size_t)(nl - rd->p) - 1;
	if (len == 0)
		return 0;
	if (len > CAL_FOOTER_MAX)
		return derr_set(err, DERR_CONFIG, false, "footer too long");
	memcpy(s, rd->p + 1, len);
	s[len] = '\0';
	if (strlen(s) != len || str_has_ctl(s))
		return derr_set(err, DERR_CONFIG, false, "bad footer");
	if (cal_rule_parse(s, &tz->rule) == -1)
		return derr_set(err, DERR_CONFIG, false,
		    "footer is not a POSIX TZ rule (got \"%s\")", s);
	tz->has_rule = true;
	return 0;
}

int
cal_tz_parse(struct cal_tz *out, const unsigned char *data, size_t len,
    struct derr *err)
{
	struct cal_rd	 rd = { data, len };
	struct cal_hdr	 h;
	struct cal_tz	 tz;
	int		 rc;

	memset(&tz, 0, sizeof(tz));
	if (cal_hdr_read(&rd, &h, err) == -1)
		return -1;
	if (h.version == 1) {
		rc = cal_block_read(&rd, &h, 4, &tz, err);
	} else {
		/* Version 2+: skip the 32-bit data for the 64-bit copy. */
		if (cal_rd_take(&rd, cal_block_len(&h, 4)) == NULL)
			return derr_set(err, DERR_CONFIG, false,
			    "truncated version 1 data block");
		rc = cal_hdr_read(&rd, &h, err);
		if (rc == 0)
			rc = cal_block_read(&rd, &h, 8, &tz, err);
		if (rc == 0)
			rc = cal_footer_read(&rd, &tz, err);
	}
	if (rc == -1) {
		cal_tz_clear(&tz);
		return -1;
	}
	*out = tz;
	return 0;
}

void
cal_tz_clear(struct cal_tz *tz)
{
	if (tz == NULL)
		return;
	free(tz->at);
	free(tz->off);
	free(tz->dst);
	memset(tz, 0, sizeof(*tz));
}

/* Only names below the zoneinfo directory, as config.c checks too. */
static int
cal_tz_path(const char *dir, const char *name, char **path,
    struct derr *err)
{
	struct stat	 st;

	if (name == NULL || str_has_ctl(name))
		return derr_set(err, DERR_CONFIG, false,
		    "unknown time zone (got a control character)");
	if (name[0] == '\0' || name[0] == '/' || strstr(name, "..") != NULL)
		return derr_set(err, DERR_CONFIG, false,
		    "unknown time zone (got \"%s\")", name);
	*path = xasprintf("%s/%s", dir, name);
	if (stat(*path, &st) == -1 || !S_ISREG(st.st_mode)) {
		free(*path);
		return derr_set(err, DERR_CONFIG, false,
		    "unknown time zone, not in %s (got \"%s\")", dir, name);
	}
	return 0;
}

int
cal_tz_load(struct cal_tz *tz, const char *dir, const char *name,
    struct derr *err)
{
	struct derr	 why = { 0 };
	char		*path = NULL, *data = NULL;
	size_t		 len;
	int		 rc;

	if (cal_tz_path(dir, name, &path, err) == -1)
		return -1;
	if (file_read(path, CAL_TZIF_MAX, &data, &len, &why) == -1) {
		derr_set(err, DERR_CONFIG, false, "time zone \"%s\": %s",
		    name, why.msg);
		free(path);
		return -1;
	}
	rc = cal_tz_parse(tz, (const unsigned char *)data, len, &why);
	if (rc == -1)
		derr_set(err, DERR_CONFIG, false,
		    "time zone \"%s\": %s: %s", name, path, why.msg);
	free(data);
	free(path);
	return rc;
}

/*
 * POSIX TZ strings, with RFC 8536's extensions (rule times from -167 to
 * 167 hours).  The parser reads ASCII by hand: <ctype.h> follows the
 * locale.
 */
static bool
cal_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
cal_is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* One to three digits, at most `max`. */
static int
cal_num(const char **sp, int max, int *out)
{
	const char	*s = *sp;
	int		 v = 0, nd = 0;

	while (cal_is_digit(*s)) {
		if (++nd > 3)
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	if (nd == 0 || v > max)
		return -1;
	*out = v;
	*sp = s;
	return 0;
}

/* [+-]hh[:mm[:ss]], hh at most `maxh`, in seconds. */
static int
cal_hms(const char **sp, int maxh, int32_t *out)
{
	const char	*s = *sp;
	int		 sign = 1, h, m = 0, sec = 0;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if (cal_num(&s, maxh, &h) == -1)
		return -1;
	if (*s == ':') {
		s++;
		if (cal_num(&s, 59, &m) == -1)
			return -1;
	}
	if (*s == ':') {
		s++;
		if (cal_num(&s, 59, &sec) == -1)
			return -1;
	}
	*out = sign * (h * 3600 + m * 60 + sec);
	*sp = s;
	return 0;
}

/* "EST" or "<+1030>": the name itself is not needed. */
static int
cal_abbr(const char **sp)
{
	const char	*s = *sp;
	size_t		 n = 0;

	if (*s == '<') {
		for (s++; cal_is_alpha(*s) || cal_is_digit(*s) || *s == '+' ||
		    *s == '-'; s++)
			n++;
		if (*s++ != '>')
			return -1;
	} else {
		for (; cal_is_alpha(*s); s++)
			n++;
	}
	if (n < 3)
		return -1;
	*sp = s;
	return 0;
}

/* Jn, n or Mm.w.d, then an optional /time (default 02:00). */
static int
cal_when_parse(const char **sp, struct cal_when *w)
{
	const char	*s = *sp;

	memset(w, 0, sizeof(*w));
	if (*s == 'J') {
		s++;
		w->kind = CAL_WHEN_JULIAN;
		if (cal_num(&s, 365, &w->n) == -1 || w->n < 1)
			return -1;
	} else if (*s == 'M') {
		s++;
		w->kind = CAL_WHEN_MONTH;
		if (cal_num(&s, 12, &w->m) == -1 || w->m < 1 || *s++ != '.' ||
		    cal_num(&s, 5, &w->w) == -1 || w->w < 1 || *s++ != '.' ||
		    cal_num(&s, 6, &w->d) == -1)
			return -1;
	} else {
		w->kind = CAL_WHEN_ZERO;
		if (cal_num(&s, 365, &w->n) == -1)
			return -1;
	}
	w->secs = 2 * 3600;
	if (*s == '/') {
		s++;
		if (cal_hms(&s, 167, &w->secs) == -1)
			return -1;
	}
	*sp = s;
	return 0;
}

/* "dst[offset],start,end"; zic always writes the rule, so it is required. */
static int
cal_rule_dst(const char *s, struct cal_rule *r)
{
	int32_t	 v;

	if (cal_abbr(&s) == -1)
		return -1;
	r->has_dst = true;
	r->dst_off = r->std_off + 3600;
	if (*s != ',') {
		if (cal_hms(&s, 24, &v) == -1)
			return -1;
		r->dst_off = -v;
	}
	if (*s++ != ',' || cal_when_parse(&s, &r->start) == -1 ||
	    *s++ != ',' || cal_when_parse(&s, &r->end) == -1)
		return -1;
	return *s == '\0' ? 0 : -1;
}

int
cal_rule_parse(const char *s, struct cal_rule *out)
{
	struct cal_rule	 r;
	int32_t		 v;

	memset(&r, 0, sizeof(r));
	if (cal_abbr(&s) == -1 || cal_hms(&s, 24, &v) == -1)
		return -1;
	/* POSIX counts hours west of Greenwich; we count east. */
	r.std_off = -v;
	r.dst_off = r.std_off;
	if (*s != '\0' && cal_rule_dst(s, &r) == -1)
		return -1;
	*out = r;
	return 0;
}

/* Evaluating a rule: the transitions of the years around an instant. */
struct cal_edge {
	int64_t		 at;
	int32_t		 off;
	bool		 dst;
};

static bool
cal_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int32_t
cal_when_day(const struct cal_when *w, int y)
{
	int32_t	 first, next, d;
	int	 dow;

	if (w->kind == CAL_WHEN_JULIAN)
		return day_from_ymd(y, 1, 1) + w->n - 1 +
		    (cal_leap(y) && w->n >= 60);
	if (w->kind == CAL_WHEN_ZERO)
		return day_from_ymd(y, 1, 1) + w->n;
	first = day_from_ymd(y, w->m, 1);
	next = w->m == 12 ? day_from_ymd(y + 1, 1, 1) :
	    day_from_ymd(y, w->m + 1, 1);
	/* Day 0, 1970-01-01, was a Thursday (4; Sunday is 0). */
	dow = (int)((first % 7 + 11) % 7);
	d = first + (w->d - dow + 7) % 7 + 7 * (w->w - 1);
	while (d >= next)
		d -= 7;
	return d;
}

static int64_t
cal_when_at(const struct cal_when *w, int y, int32_t off_before)
{
	return (int64_t)cal_when_day(w, y) * 86400 + w->secs - off_before;
}

/*
 * The transitions of CAL_RULE_YEARS years from `y0`, in time order.  On a
 * tie the later one in the rule wins, so a rule that ends DST on
 * December 31 at 25:00 and starts it again on January 1 at 00:00 is DST
 * all year.
 */
static void
cal_rule_edges(const struct cal_rule *r, int y0, struct cal_edge *e)
{
	struct cal_edge	 x;
	size_t		 i, j;

	for (i = 0; i < CAL_RULE_YEARS; i++) {
		e[2 * i].at = cal_when_at(&r->start, y0 + (int)i, r->std_off);
		e[2 * i].off = r->dst_off;
		e[2 * i].dst = true;
		e[2 * i + 1].at = cal_when_at(&r->end, y0 + (int)i,
		    r->dst_off);
		e[2 * i + 1].off = r->std_off;
		e[2 * i + 1].dst = false;
	}
	for (i = 1; i < 2 * CAL_RULE_YEARS; i++) {
		x = e[i];
		for (j = i; j > 0 && e[j - 1].at > x.at; j--)
			e[j] = e[j - 1];
		e[j] = x;
	}
}

/*
 * A rule's transitions stay within a week of their year (a day number
 * plus at most 167 hours plus an offset), so the years from y-2 to y+2
 * hold the last transition at or before `t` and the first after it.
 */
static void
cal_rule_span(const struct cal_rule *r, int64_t t, struct cal_span *sp)
{
	struct cal_edge	 e[2 * CAL_RULE_YEARS];
	int64_t		 d;
	size_t		 i, k;
	int		 y, m, dd;

	sp->end = INT64_MAX;
	sp->off = r->std_off;
	sp->dst = false;
	if (!r->has_dst)
		return;
	d = cal_floor_div(t, 86400);
	if (d > CAL_RULE_DAYS)
		d = CAL_RULE_DAYS;
	if (d < -CAL_RULE_DAYS)
		d = -CAL_RULE_DAYS;
	day_to_ymd((int32_t)d, &y, &m, &dd);
	cal_rule_edges(r, y - 2, e);
	for (i = 0, k = 0; i < 2 * CAL_RULE_YEARS && e[i].at <= t; i++)
		k = i;
	sp->off = e[k].off;
	sp->dst = e[k].dst;
	for (i = k + 1; i < 2 * CAL_RULE_YEARS; i++) {
		/* Of transitions at one instant, the last decides. */
		if (i + 1 < 2 * CAL_RULE_YEARS && e[i + 1].at == e[i].at)
			continue;
		if (e[i].off != sp->off || e[i].dst != sp->dst) {
			sp->end = e[i].at;
			break;
		}
	}
}

void
cal_tz_span(const struct cal_tz *tz, int64_t t, struct cal_span *sp)
{
	size_t	 lo, hi, mid;

	if (tz->has_rule && (tz->n == 0 || t >= tz->at[tz->n - 1])) {
		cal_rule_span(&tz->rule, t, sp);
		return;
	}
	if (tz->n == 0 || t < tz->at[0]) {
		sp->end = tz->n == 0 ? INT64_MAX : tz->at[0];
		sp->off = tz->first_off;
		sp->dst = tz->first_dst;
		return;
	}
	/* at[lo] <= t < at[hi], with at[n] taken as infinity. */
	lo = 0;
	hi = tz->n;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (tz->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	sp->end = hi < tz->n ? tz->at[hi] : INT64_MAX;
	sp->off = tz->off[lo];
	sp->dst = tz->dst[lo] != 0;
}

/*
 * A wall time in the gap between `a` and `b` has two readings.  glibc's
 * mktime with tm_isdst = -1 prefers the one that lands in DST, which is
 * the offset before the gap on a spring-forward (and the offset after it
 * where DST is in winter, as in Dublin); with DST on neither or both sides
 * its answer depends on earlier calls, and the offset before is taken.
 */
static int64_t
cal_gap(const struct cal_span *a, const struct cal_span *b, int64_t wall)
{
	if (a->dst && !b->dst)
		return wall - b->off;
	return wall - a->off;
}

int64_t
cal_tz_instant(const struct cal_tz *tz, int64_t wall)
{
	struct cal_span	 cur, next;
	int64_t		 start, hi, c;

	/* Any answer is within the widest offsets of `wall`. */
	start = wall - CAL_OFF_MAX;
	hi = wall - CAL_OFF_MIN;
	cal_tz_span(tz, start, &cur);
	for (;;) {
		c = wall - cur.off;
		if (c >= start && c < cur.end)
			return c;
		if (cur.end > hi)
			break;
		cal_tz_span(tz, cur.end, &next);
		if (c >= cur.end && wall - next.off < cur.end)
			return cal_gap(&cur, &next, wall);
		start = cur.end;
		cur = next;
	}
	/* Not reached: the last span ends after every candidate. */
	return c;
}
