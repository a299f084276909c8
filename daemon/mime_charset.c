/*
 * mime: charsets of incoming mail (see mime_int.h).  The only file that
 * includes uchardet.
 */
#include "mime_int.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <uchardet/uchardet.h>

#include "util.h"

#define HZ	"HZ-GB-2312"
/* Fewer 8-bit bytes than this and libuchardet's guess is noise. */
#define GUESS_MIN	16

/* Labels as senders write them, and what the bytes usually are. */
static const struct alias {
	const char	*label;
	const char	*cs;
} aliases[] = {
	{ "gb2312", "GB18030" }, { "gbk", "GB18030" }, { "x-gbk", "GB18030" },
	{ "cp936", "GB18030" }, { "ms936", "GB18030" },
	{ "windows-936", "GB18030" }, { "euc-cn", "GB18030" },
	{ "x-euc-cn", "GB18030" }, { "gb_2312-80", "GB18030" },
	{ "gb_2312", "GB18030" }, { "csgb2312", "GB18030" },
	{ "chinese", "GB18030" }, { "iso-ir-58", "GB18030" },
	{ "gb18030", "GB18030" }, { "x-mac-chinesesimp", "GB18030" },
	{ "big5", "BIG5-HKSCS" }, { "big-5", "BIG5-HKSCS" },
	{ "x-big5", "BIG5-HKSCS" }, { "cn-big5", "BIG5-HKSCS" },
	{ "big5-hkscs", "BIG5-HKSCS" }, { "cp950", "BIG5-HKSCS" },
	{ "x-x-big5", "BIG5-HKSCS" }, { "euc-tw", "EUC-TW" },
	{ "x-euc-tw", "EUC-TW" },
	{ "utf8", "UTF-8" }, { "utf-8", "UTF-8" },
	{ "unicode-1-1-utf-8", "UTF-8" }, { "x-unicode20utf8", "UTF-8" },
	{ "hz-gb-2312", HZ }, { "hz", HZ }, { "x-hz", HZ },
	{ "iso-2022-jp", "ISO-2022-JP-2" }, { "csiso2022jp", "ISO-2022-JP-2" },
	{ "shift_jis", "CP932" }, { "shift-jis", "CP932" },
	{ "x-sjis", "CP932" }, { "sjis", "CP932" }, { "windows-31j", "CP932" },
	{ "euc-jp", "EUC-JP" }, { "ks_c_5601-1987", "CP949" },
	/* Outlook writes Windows-1252's quotes and dashes (0x80-0x9f) under
	 * this label, where they would be C1 controls (WHATWG reads it so). */
	{ "iso-8859-1", "WINDOWS-1252" }, { "iso_8859-1", "WINDOWS-1252" },
	{ "latin1", "WINDOWS-1252" },
	{ "euc-kr", "CP949" }, { "x-windows-949", "CP949" },
};

static bool
is_cjk(const char *cs)
{
	return cs != NULL && (strcmp(cs, "GB18030") == 0 ||
	    strcmp(cs, "BIG5-HKSCS") == 0 || strcmp(cs, "EUC-TW") == 0 ||
	    strcmp(cs, "CP932") == 0 || strcmp(cs, "EUC-JP") == 0 ||
	    strcmp(cs, "CP949") == 0 || strcmp(cs, HZ) == 0 ||
	    strcmp(cs, "ISO-2022-JP-2") == 0);
}

static bool
swapped(const char *cs, const char *g)
{
	return (strcmp(cs, "GB18030") == 0 && strcmp(g, "BIG5-HKSCS") == 0) ||
	    (strcmp(cs, "BIG5-HKSCS") == 0 && strcmp(g, "GB18030") == 0);
}

/* Latin labels are what mailers put on bytes they did not look at. */
static bool
is_weak(const char *cs)
{
	return g_ascii_strncasecmp(cs, "iso-8859-", 9) == 0 ||
	    g_ascii_strncasecmp(cs, "windows-125", 11) == 0 ||
	    g_ascii_strncasecmp(cs, "cp125", 5) == 0 ||
	    g_ascii_strcasecmp(cs, "us-ascii") == 0 ||
	    g_ascii_strcasecmp(cs, "ascii") == 0 ||
	    g_ascii_strcasecmp(cs, "latin1") == 0;
}

static bool
iconv_knows(const char *cs)
{
	GIConv	 cd = g_iconv_open("UTF-8", cs);

	if (cd == (GIConv)-1)
		return false;
	g_iconv_close(cd);
	return true;
}

/* The charset a label means: the alias table, else iconv's own name for
 * it, else NULL (missing, unknown, or garbage like "utf-8-purple"). */
static const char *
label_charset(const char *label, char *buf, size_t size)
{
	size_t	 i, n;

	if (label == NULL)
		return NULL;
	while (*label == ' ' || *label == '"' || *label == '\'')
		label++;
	n = strcspn(label, " \"';");
	if (n == 0 || n >= size)
		return NULL;
	memcpy(buf, label, n);
	buf[n] = '\0';
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (g_ascii_strcasecmp(buf, aliases[i].label) == 0)
			return aliases[i].cs;
	return iconv_knows(buf) ? buf : NULL;
}

static bool
has_8bit(const char *b, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((unsigned char)b[i] >= 0x80)
			return true;
	return false;
}

/* libuchardet's charset for the bytes, through the alias table; NULL
 * when it has no idea or there is too little to go on. */
static const char *
guess(const char *b, size_t n)
{
	uchardet_t	 ud;
	const char	*cs = NULL, *g;
	size_t		 i;

	if (n < GUESS_MIN || (ud = uchardet_new()) == NULL)
		return NULL;
	if (uchardet_handle_data(ud, b, n) == 0) {
		uchardet_data_end(ud);
		g = uchardet_get_charset(ud);
		for (i = 0; g != NULL && i < sizeof(aliases) /
		    sizeof(aliases[0]); i++)
			if (g_ascii_strcasecmp(g, aliases[i].label) == 0)
				cs = aliases[i].cs;
	}
	uchardet_delete(ud);
	return cs;
}

/* HZ (RFC 1843): "~{" ... "~}" hold GB2312 with the high bits off. */
static char *
hz_to_gb(const char *b, size_t n, size_t *outlen)
{
	char	*o = xmalloc(n + 1);
	size_t	 i = 0, k = 0;
	bool	 gb = false;

	while (i < n) {
		if (b[i] == '~' && i + 1 < n) {
			if (b[i + 1] == '{' || b[i + 1] == '}') {
				gb = b[i + 1] == '{';
				i += 2;
				continue;
			}
			if (b[i + 1] == '\n') {		/* line continues */
				i += 2;
				continue;
			}
			if (b[i + 1] == '~' && !gb) {
				o[k++] = '~';
				i += 2;
				continue;
			}
		}
		if (gb && b[i] > 0x20 && b[i] < 0x7f && i + 1 < n &&
		    b[i + 1] > 0x20 && b[i + 1] < 0x7f) {
			o[k++] = (char)(b[i] | 0x80);
			o[k++] = (char)(b[i + 1] | 0x80);
			i += 2;
			continue;
		}
		if (b[i] == '\n')
			gb = false;
		o[k++] = b[i++];
	}
	*outlen = k;
	return o;
}

/* The bytes in `cs` as UTF-8, or NULL if any is invalid there. */
static char *
convert_strict(const char *b, size_t n, const char *cs)
{
	gchar	*u;
	char	*r;

	u = g_convert(b, (gssize)n, "UTF-8", cs, NULL, NULL, NULL);
	if (u == NULL)
		return NULL;
	r = xstrdup(u);
	g_free(u);
	return r;
}

static char *
convert_lossy(const char *b, size_t n, const char *cs)
{
	gchar	*u;
	char	*r;

	u = g_convert_with_fallback(b, (gssize)n, "UTF-8", cs, "?", NULL,
	    NULL, NULL);
	if (u == NULL)
		return xstrndup(b, n);
	r = xstrdup(u);
	g_free(u);
	return r;
}

static char *
text_hz(const char *b, size_t n)
{
	size_t	 len;
	char	*gb = hz_to_gb(b, n, &len), *r;

	r = convert_lossy(gb, len, "GB18030");
	free(gb);
	return r;
}

/*
 * ISO-2022-JP as Japanese mailers write it (Microsoft's CP50221): JIS X
 * 0208 plus NEC's row 13 (No., circled digits), which glibc's ISO-2022-JP
 * and -JP-2 refuse ("??").  JIS X 0213 plane 1, ISO-2022-JP-3's ESC $ ( Q,
 * holds JIS X 0208 and row 13 at the same places (only 0x213D differs:
 * U+2014 for U+2015), so text that uses only ISO-2022-JP's escapes (and
 * half-width katakana) is read there; other escapes (ISO-2022-JP-2's
 * Chinese, Korean and Latin sets) keep ISO-2022-JP-2.
 */
char *
mime_charset_jis(const char *b, size_t n)
{
	char	*o = xmalloc(n + n / 3 + 4), *r;
	size_t	 i, k = 0;

	for (i = 0; i < n; i++) {
		if (b[i] != '\x1b') {
			o[k++] = b[i];
			continue;
		}
		if (i + 2 < n && b[i + 1] == '$' && (b[i + 2] == 'B' ||
		    b[i + 2] == '@')) {
			memcpy(o + k, "\x1b$(Q", 4);
			k += 4;
			i += 2;
		} else if (i + 2 < n && b[i + 1] == '(' && (b[i + 2] == 'B' ||
		    b[i + 2] == 'J' || b[i + 2] == 'I')) {
			memcpy(o + k, b + i, 3);
			k += 3;
			i += 2;
		} else if (i + 3 < n && b[i + 1] == '$' && b[i + 2] == '(' &&
		    (b[i + 3] == 'O' || b[i + 3] == 'P' || b[i + 3] == 'Q')) {
			memcpy(o + k, b + i, 4);	/* JIS X 0213 already */
			k += 4;
			i += 3;
		} else {
			free(o);
			return convert_lossy(b, n, "ISO-2022-JP-2");
		}
	}
	r = convert_lossy(o, k, "ISO-2022-JP-3");
	free(o);
	return r;
}

/* 8-bit bytes that are not UTF-8: which charset to read them in. */
static char *
text_8bit(const char *cs, const char *b, size_t n)
{
	static const char *const tries[] = { "GB18030", "BIG5-HKSCS" };
	const char	*g = guess(b, n);
	char		*r;
	size_t		 i;

	/* GBK and Big5 share most byte pairs: a GB label on what libuchardet
	 * reads as Big5 (or the other way round) is the mislabel.  Other
	 * labels are trusted while the bytes are valid in them. */
	if (g != NULL && (cs == NULL || is_weak(cs) || swapped(cs, g)) &&
	    (r = convert_strict(b, n, g)) != NULL)
		return r;
	if (cs != NULL && (r = convert_strict(b, n, cs)) != NULL)
		return r;
	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++)
		if ((r = convert_strict(b, n, tries[i])) != NULL)
			return r;
	return convert_lossy(b, n, cs != NULL && !is_weak(cs) ? cs :
	    "GB18030");
}

char *
mime_charset_text(const char *label, const char *b, size_t n)
{
	char		 buf[64];
	const char	*cs = label_charset(label, buf, sizeof(buf));
	bool		 jp;

	if (cs != NULL && strcmp(cs, HZ) == 0)
		return text_hz(b, n);
	if (!has_8bit(b, n)) {
		/* 7-bit, but not ASCII: UTF-7 and ISO-2022 (a label says
		 * so, or escapes switch to JIS). */
		jp = cs != NULL && g_ascii_strncasecmp(cs, "ISO-2022-JP",
		    11) == 0;
		if (cs != NULL && !jp && (g_ascii_strncasecmp(cs, "UTF-7",
		    5) == 0 || g_ascii_strncasecmp(cs, "ISO-2022", 8) == 0))
			return convert_lossy(b, n, cs);
		if (jp ||
		    memmem(b, n, "\x1b$B", 3) != NULL ||
		    memmem(b, n, "\x1b$@", 3) != NULL)
			return mime_charset_jis(b, n);
		return xstrndup(b, n);
	}
	if (g_utf8_validate(b, (gssize)n, NULL))
		return xstrndup(b, n);
	return text_8bit(cs, b, n);
}

const char *
mime_charset_guess_header(const char *block, size_t n)
{
	const char	*g;
	char		*hi;
	size_t		 i, k = 0;

	/* Only the 8-bit bytes (and what separates them) tell anything. */
	hi = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		if ((unsigned char)block[i] >= 0x80 || (k > 0 &&
		    (unsigned char)hi[k - 1] >= 0x80))
			hi[k++] = block[i];
	g = guess(hi, k);
	free(hi);
	return is_cjk(g) ? g : "GB18030";
}

char *
mime_charset_header(const char *value, const char *cs)
{
	size_t	 n = strlen(value);
	char	*r;

	if (!has_8bit(value, n) || g_utf8_validate(value, (gssize)n, NULL))
		return NULL;
	if ((r = convert_strict(value, n, cs)) != NULL)
		return r;
	if ((r = convert_strict(value, n, "GB18030")) != NULL)
		return r;
	if ((r = convert_strict(value, n, "BIG5-HKSCS")) != NULL)
		return r;
	return convert_lossy(value, n, "GB18030");
}
