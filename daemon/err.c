#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
derr_set(struct derr *err, enum derr_kind kind, bool transient,
    const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL)
		return -1;
	err->kind = kind;
	err->transient = transient;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void
derr_prefix(struct derr *err, const char *fmt, ...)
{
	char	 buf[sizeof(err->msg)];
	size_t	 n, m;
	va_list	 ap;
	int	 r;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	n = strlen(buf);
	/* "context: " then as much of the old message as still fits. */
	if (n + 2 < sizeof(buf)) {
		memcpy(buf + n, ": ", 2);
		n += 2;
		m = strnlen(err->msg, sizeof(err->msg));
		if (m > sizeof(buf) - 1 - n)
			m = sizeof(buf) - 1 - n;
		memcpy(buf + n, err->msg, m);
		n += m;
	}
	buf[n] = '\0';
	memcpy(err->msg, buf, n + 1);
}

void
derr_clear(struct derr *err)
{
	if (err == NULL)
		return;
	memset(err, 0, sizeof(*err));
}

const char *
derr_kind_name(enum derr_kind kind)
{
	static const char *const names[] = {
		[DERR_SYS] = "system", [DERR_CONFIG] = "config",
		[DERR_DB] = "database", [DERR_NET] = "network",
		[DERR_PEER] = "peer", [DERR_INPUT] = "input",
		[DERR_BUG] = "bug",
	};

	if (kind < DERR_SYS || kind > DERR_BUG)
		return "unknown";
	return names[kind];
}
