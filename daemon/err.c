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
	char	 pre[256];
	char	 old[256];
	va_list	 ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", pre, old);
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
