#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The logger's settings: the only globals besides dutyd's signal fd. */
static const char	*log_prog = "dutyd";
static enum log_dest	 log_dest = LOG_DEST_TTY;
static enum log_level	 log_max = LOGL_INFO;

void
log_init(const char *prog, enum log_dest dest, enum log_level level)
{
	log_prog = prog;
	if (dest == LOG_DEST_AUTO)
		dest = getenv("JOURNAL_STREAM") != NULL ? LOG_DEST_JOURNAL :
		    LOG_DEST_TTY;
	log_dest = dest;
	log_max = level;
}

enum log_level
log_level_get(void)
{
	return log_max;
}

int
log_level_parse(const char *s)
{
	static const struct {
		const char	*name;
		enum log_level	 level;
	} t[] = {
		{ "crit", LOGL_CRIT }, { "err", LOGL_ERR },
		{ "error", LOGL_ERR }, { "warn", LOGL_WARN },
		{ "warning", LOGL_WARN }, { "notice", LOGL_NOTICE },
		{ "info", LOGL_INFO }, { "debug", LOGL_DEBUG },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i].name) == 0)
			return (int)t[i].level;
	return -1;
}

/*
 * `len` less a UTF-8 sequence left incomplete at the end of `s`, so a cut
 * never splits a character (a config error showed half of one).
 */
static size_t
utf8_whole(const char *s, size_t len)
{
	size_t		 j = len, need;
	unsigned char	 c;

	while (j > 0 && ((unsigned char)s[j - 1] & 0xc0) == 0x80)
		j--;
	if (j == 0 || (c = (unsigned char)s[j - 1]) < 0xc0)
		return len;
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	return len - (j - 1) < need ? j - 1 : len;
}

char *
log_escape(const char *in, char *out, size_t n)
{
	size_t			 o = 0;
	const unsigned char	*p;

	if (n == 0)
		return out;
	for (p = (const unsigned char *)in; *p != '\0'; p++) {
		char	 tmp[5];
		size_t	 k;

		if (*p < 0x20 || *p == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
			k = 4;
		} else if (*p == '\\') {
			memcpy(tmp, "\\\\", 2);
			k = 2;
		} else {
			tmp[0] = (char)*p;
			k = 1;
		}
		if (o + k + 4 > n) {
			if (n >= 4) {
				o = o > n - 4 ? n - 4 : o;
				o = utf8_whole(out, o);
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(out + o, tmp, k);
		o += k;
	}
	out[o < n ? o : n - 1] = '\0';
	return out;
}

static void
log_emit(enum log_level level, const char *fmt, va_list ap)
{
	char	 raw[2048], safe[4096];

	if (level > log_max)
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	log_escape(raw, safe, sizeof(safe));
	if (log_dest == LOG_DEST_JOURNAL)
		fprintf(stderr, "<%d>%s\n", (int)level, safe);
	else
		fprintf(stderr, "%s: %s\n", log_prog, safe);
}

#define LOG_FN(name, level)				\
void							\
name(const char *fmt, ...)				\
{							\
	va_list	 ap;					\
							\
	va_start(ap, fmt);				\
	log_emit(level, fmt, ap);			\
	va_end(ap);					\
}

LOG_FN(log_crit, LOGL_CRIT)
LOG_FN(log_err, LOGL_ERR)
LOG_FN(log_warn, LOGL_WARN)
LOG_FN(log_notice, LOGL_NOTICE)
LOG_FN(log_info, LOGL_INFO)
LOG_FN(log_debug, LOGL_DEBUG)
