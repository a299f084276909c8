/*
 * smsparam: an SMS template's parameters.  The outbox turns a rendered
 * sms-*.txt ("name=value" lines) into the JSON object the provider's
 * approved template takes; the SMS channel cleans what it sends the same
 * way.  Pure: no I/O, no clock.  Owns nothing but jansson's use for it.
 */
#include "smsparam.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util.h"

#define SMS_NAME_MAX	32
#define SMS_PARAMS_MAX	SMSPARAM_MAX

/* Length of the UTF-8 sequence at `p` (valid input), and its code point. */
static size_t
utf8_next(const unsigned char *p, uint32_t *cp)
{
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		*cp = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
		return 2;
	}
	if ((p[0] & 0xf0) == 0xe0) {
		*cp = (uint32_t)(p[0] & 0x0f) << 12 |
		    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
		return 3;
	}
	*cp = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
	    (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
	return 4;
}

/* Characters that could change what a template says or forge a sign. */
static bool
cp_dropped(uint32_t c)
{
	static const uint32_t	 drop[] = {
		'[', ']', '{', '}', '<', '>', '$', '\\', '"', '\'', '`',
		0x3010, 0x3011,		/* 【 】: the sign's brackets */
		0x3016, 0x3017,		/* 〖 〗 */
		0xff3b, 0xff3d, 0xff5b, 0xff5d,	/* ［ ］ ｛ ｝ */
		0xfeff,			/* BOM / zero-width no-break space */
		0x200b, 0x200e, 0x200f,	/* zero width, direction marks */
		0x202a, 0x202b, 0x202c, 0x202d, 0x202e,	/* bidi overrides */
	};
	size_t			 i;

	for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		if (c == drop[i])
			return true;
	return false;
}

static bool
cp_space(uint32_t c)
{
	return c < 0x20 || c == 0x7f || c == ' ' || c == 0x3000 ||
	    (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029;
}

char *
smsparam_clean(const char *s, int max)
{
	const unsigned char	*p = (const unsigned char *)s;
	struct buf		 b;
	uint32_t		 c;
	size_t			 n, len = strlen(s), cut = 0;
	int			 chars = 0;
	bool			 space = false;

	if (!str_utf8_valid(s, len))
		return NULL;
	buf_init(&b, 0);
	while (*p != '\0') {
		n = utf8_next(p, &c);
		if (cp_space(c)) {
			space = b.len > 0;
		} else if (!cp_dropped(c)) {
			if (space && chars < max) {
				if (chars == max - 1)
					cut = b.len;
				(void)buf_append(&b, " ", 1, NULL);
				chars++;
			}
			space = false;
			if (chars == max - 1)
				cut = b.len;
			if (chars >= max)
				break;
			(void)buf_append(&b, p, n, NULL);	/* unlimited */
			chars++;
		}
		p += n;
	}
	if (*p != '\0' && max > 0) {
		b.len = cut;	/* keep max - 1 characters and say so */
		(void)buf_puts(&b, "\xe2\x80\xa6", NULL);
	}
	if (b.len == 0)
		(void)buf_puts(&b, "-", NULL);
	return buf_take(&b);
}

bool
smsparam_name_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > SMS_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

static int
param_line(json_t *o, const char *line, size_t len, int lineno, int max,
    struct derr *err)
{
	const char	*eq = memchr(line, '=', len);
	char		*name, *raw, *v;

	if (eq == NULL || !smsparam_name_ok(line, (size_t)(eq - line)))
		return derr_set(err, DERR_INPUT, false, "line %d: want "
		    "name=value with a name of 1-%d letters, digits or _",
		    lineno, SMS_NAME_MAX);
	name = xstrndup(line, (size_t)(eq - line));
	raw = xstrndup(eq + 1, len - (size_t)(eq - line) - 1);
	v = smsparam_clean(raw, max);
	free(raw);
	if (v == NULL || json_object_get(o, name) != NULL ||
	    json_object_size(o) >= SMS_PARAMS_MAX ||
	    json_object_set_new(o, name, json_string(v)) != 0) {
		free(name);
		free(v);
		return derr_set(err, DERR_INPUT, false, "line %d: invalid, "
		    "repeated or too many parameters (at most %d)", lineno,
		    SMS_PARAMS_MAX);
	}
	free(name);
	free(v);
	return 0;
}

int
smsparam_build(const char *lines, int max, char **json, struct derr *err)
{
	json_t		*o = json_object();
	const char	*p = lines, *nl;
	size_t		 n;
	int		 lineno = 0;

	for (; *p != '\0'; p = nl != NULL ? nl + 1 : p + n) {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		lineno++;
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		if (n == 0)
			continue;
		if (param_line(o, p, n, lineno, max, err) < 0) {
			json_decref(o);
			return -1;
		}
	}
	*json = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (*json == NULL)
		return derr_set(err, DERR_BUG, false, "cannot encode JSON");
	return 0;
}
