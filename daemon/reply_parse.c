/*
 * reply: the first line of an officer's answer (see reply.h).  Pure: no
 * I/O, no clock.  Mail clients add quoted originals and signatures below
 * (or, for top-posting clients, above nothing): only what the officer
 * wrote is read.
 */
#include "reply.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util.h"

/* Full-width forms people type on a Chinese keyboard, and their ASCII. */
static const struct {
	const char	*wide;
	char		 ascii;
} widths[] = {
	{ "\xef\xbc\x9a", ':' },	/* ： */
	{ "\xef\xb9\x95", ':' },	/* ﹕ */
	{ "\xe3\x80\x80", ' ' },	/* ideographic space */
	{ "\xef\xbc\x8d", '-' },	/* － */
	{ "\xef\xbc\x8c", ',' },	/* ， */
	{ "\xe3\x80\x81", ',' },	/* 、 */
	{ "\xef\xbc\x8f", '/' },	/* ／ */
	{ "\xef\xbc\x8e", '.' },	/* ． */
};

/*
 * `s` with full-width colons, spaces, hyphens, commas and digits as
 * ASCII (caller frees); map[i] is where byte i of it came from in `s`
 * (caller frees), so the note can be taken from the original.
 */
static char *
narrow(const char *s, size_t **map)
{
	const char	*s0 = s;
	char		*out = xmalloc(strlen(s) + 1), *o = out;
	size_t		 i, w;

	*map = xcalloc(strlen(s) + 1, sizeof(**map));
	while (*s != '\0') {
		(*map)[o - out] = (size_t)(s - s0);
		for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
			w = strlen(widths[i].wide);
			if (strncmp(s, widths[i].wide, w) == 0)
				break;
		}
		if (i < sizeof(widths) / sizeof(widths[0])) {
			*o++ = widths[i].ascii;
			s += strlen(widths[i].wide);
		} else if ((unsigned char)s[0] == 0xef &&
		    (unsigned char)s[1] == 0xbc &&
		    (unsigned char)s[2] >= 0x90 &&
		    (unsigned char)s[2] <= 0x99) {
			*o++ = (char)('0' + ((unsigned char)s[2] - 0x90));
			s += 3;
		} else {
			*o++ = *s++;
		}
	}
	(*map)[o - out] = (size_t)(s - s0);
	*o = '\0';
	return out;
}

static bool
starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool
ends(const char *s, const char *p)
{
	size_t	 n = strlen(s), k = strlen(p);

	return n >= k && strcmp(s + n - k, p) == 0;
}

/* Where the officer's own words end: the quoted original or a signature. */
static bool
line_stops(const char *l)
{
	static const char *const heads[] = {
		"-----", "______", "发自我的", "来自我的", "Sent from my",
		"Get Outlook", "发件人:", "From:", "-- ", NULL
	};
	static const char *const tails[] = {
		"写道:", "wrote:", "原始邮件-----", NULL
	};
	size_t	 i;

	if (strcmp(l, "--") == 0)
		return true;
	for (i = 0; heads[i] != NULL; i++)
		if (starts(l, heads[i]))
			return true;
	for (i = 0; tails[i] != NULL; i++)
		if (ends(l, tails[i]))
			return true;
	return strstr(l, "原始邮件") != NULL && strstr(l, "---") != NULL;
}

static char *
skip_space(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Separators allowed between a verb and what follows it. */
static char *
skip_sep(char *s, bool *had)
{
	*had = false;
	while (*s == ' ' || *s == '\t' || *s == ':' || *s == ',' ||
	    starts(s, "。")) {
		s += starts(s, "。") ? strlen("。") : 1;
		*had = true;
	}
	return s;
}

/* Read a date: 2027-01-15, 2027/1/15, 2027.1.15 or 2027年1月15日. */
static char *
date_read(char *s, int32_t *out)
{
	char	 buf[11];
	int	 v[3] = { 0, 0, 0 }, k, nd;

	for (k = 0; k < 3; k++) {
		for (nd = 0; *s >= '0' && *s <= '9' && nd < 4; nd++)
			v[k] = v[k] * 10 + (*s++ - '0');
		if (nd == 0 || (k == 0 && nd != 4) || (k > 0 && nd > 2))
			return NULL;
		if (k == 2) {
			if (starts(s, "日"))
				s += strlen("日");
			break;
		}
		if (*s == '-' || *s == '/' || *s == '.')
			s++;
		else if (k == 0 && starts(s, "年"))
			s += strlen("年");
		else if (k == 1 && starts(s, "月"))
			s += strlen("月");
		else
			return NULL;
	}
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", v[0], v[1], v[2]);
	if (day_parse(buf, out) < 0)
		return NULL;
	return s;
}

static const struct verb_word {
	const char	*word;
	enum reply_verb	 verb;
} verb_words[] = {
	/* Longest first where one begins another (不同意 before 同意). */
	{ "不同意", REPLY_REJECT },
	{ "不批准", REPLY_REJECT },
	{ "同意", REPLY_APPROVE },
	{ "批准", REPLY_APPROVE },
	{ "申请延期至", REPLY_EXTEND },
	{ "申请延期到", REPLY_EXTEND },
	{ "延期至", REPLY_EXTEND },
	{ "延期到", REPLY_EXTEND },
	{ "进展情况", REPLY_PROGRESS },
	{ "工作进展", REPLY_PROGRESS },
	{ "进展", REPLY_PROGRESS },
	{ "进度", REPLY_PROGRESS },
	{ "申请销号", REPLY_DONE },
	{ "销号", REPLY_DONE },
	{ "已整改完成", REPLY_DONE },
	{ "整改完成", REPLY_DONE },
	{ "已办结", REPLY_DONE },
	{ "已完成", REPLY_DONE },
	{ "完成", REPLY_DONE },
};

static const struct verb_word *
verb_at(const char *s)
{
	size_t	 i;

	for (i = 0; i < sizeof(verb_words) / sizeof(verb_words[0]); i++)
		if (starts(s, verb_words[i].word))
			return &verb_words[i];
	return NULL;
}

/*
 * The verb and its argument in `s` (narrowed, trimmed); `rest` is the
 * text the line goes on with.  0, or -1 if not understood.
 */
static int
verb_read(char *s, struct reply_line *out, char **rest)
{
	const struct verb_word	*vw = verb_at(s);
	bool			 sep;
	char			*p;

	if (vw == NULL)
		return -1;
	p = s + strlen(vw->word);
	if (vw->verb == REPLY_EXTEND) {
		if ((p = date_read(skip_space(p), &out->date)) == NULL)
			return -1;
		p = skip_sep(p, &sep);
		if (starts(p, "原因"))
			p = skip_sep(p + strlen("原因"), &sep);
	} else {
		p = skip_sep(p, &sep);
		if (!sep && *p != '\0')
			return -1;	/* 完成了吗: not a verb */
	}
	out->verb = vw->verb;
	*rest = p;
	return 0;
}

/* An item code before the verb: "八-二 已完成" or "八-二已完成". */
static int
code_and_verb(char *s, struct reply_line *out, char **rest)
{
	char	*p, *end;

	if (verb_read(s, out, rest) == 0)
		return 0;
	for (p = s + 1; *p != '\0' && p - s < REPLY_CODE_MAX; p++) {
		if (((unsigned char)*p & 0xc0) == 0x80)
			continue;	/* inside a character */
		if (verb_at(skip_space(p)) == NULL)
			continue;
		for (end = p; end > s && (end[-1] == ' ' || end[-1] == ':');)
			end--;
		if (memchr(s, ' ', (size_t)(end - s)) != NULL || end == s)
			return -1;
		if (verb_read(skip_space(p), out, rest) < 0)
			return -1;
		memcpy(out->code, s, (size_t)(end - s));
		out->code[end - s] = '\0';
		return 0;
	}
	return -1;
}

/* Cut `b` to REPLY_TEXT_MAX bytes at a character boundary. */
static void
text_cap(struct buf *b)
{
	size_t	 n = b->len;

	if (n <= REPLY_TEXT_MAX)
		return;
	n = REPLY_TEXT_MAX;
	while (n > 0 && ((unsigned char)b->data[n] & 0xc0) == 0x80)
		n--;
	b->data[n] = '\0';
	b->len = n;
}

static void
note_add(struct buf *b, const char *s)
{
	/* An unbounded buffer: the note is capped once it is whole. */
	if (b->len > 0)
		(void)buf_puts(b, "\n", NULL);
	(void)buf_puts(b, s, NULL);
}

/* The command on first line `line` (trimmed): 0, or -1. */
static int
first_line(const char *line, struct reply_line *out, struct buf *note)
{
	size_t	*map;
	char	*n = narrow(line, &map), *rest = NULL, *orig;
	int	 r;

	r = code_and_verb(n, out, &rest);
	orig = xstrdup(r == 0 ? line + map[rest - n] : line);
	note_add(note, str_trim(orig));
	free(orig);
	free(map);
	free(n);
	return r;
}

int
reply_parse(const char *body, struct reply_line *out)
{
	char		*copy = xstrdup(body != NULL ? body : ""), *line, *next;
	char		*n;
	size_t		*map;
	struct buf	 note;
	bool		 first = true;
	int		 r = -1;

	memset(out, 0, sizeof(*out));
	buf_init(&note, 0);
	for (line = copy; line != NULL && (first || note.len <
	    REPLY_TEXT_MAX * 2); line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		str_trim(line);
		n = narrow(line, &map);
		free(map);
		if (line_stops(n)) {
			free(n);
			break;
		}
		if (n[0] == '>' || (first && n[0] == '\0')) {
			free(n);
			continue;
		}
		free(n);
		if (first)
			r = first_line(line, out, &note);
		else
			note_add(&note, line);
		first = false;
	}
	free(copy);
	text_cap(&note);
	if (note.len > 0) {
		out->text = str_trim(buf_take(&note));
	} else {
		buf_clear(&note);
		out->text = xstrdup("");
	}
	/* A note or a reason says something. */
	if (r == 0 && out->text[0] == '\0' && (out->verb == REPLY_PROGRESS ||
	    out->verb == REPLY_EXTEND))
		r = -1;
	if (r < 0) {
		out->verb = REPLY_NONE;
		out->code[0] = '\0';
	}
	return r;
}

void
reply_line_clear(struct reply_line *l)
{
	if (l == NULL)
		return;
	free(l->text);
	memset(l, 0, sizeof(*l));
}

const char *
reply_verb_name(enum reply_verb v)
{
	switch (v) {
	case REPLY_PROGRESS:
		return "进展";
	case REPLY_DONE:
		return "销号申请";
	case REPLY_EXTEND:
		return "延期申请";
	case REPLY_APPROVE:
		return "同意";
	case REPLY_REJECT:
		return "不同意";
	case REPLY_NONE:
		break;
	}
	return "无法识别";
}
