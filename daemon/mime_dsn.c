/*
 * mime: what a bounce says about the mail it returns (see mime_int.h).
 * Read from the raw bytes after the bounce's own header: delivery
 * status reports (RFC 3464) are plain 7-bit text in every MTA's
 * output, and the returned message's header follows them.
 */
#include "mime_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "util.h"

/* How far into a bounce its report is looked for. */
#define DSN_SCAN_MAX	(64 * 1024)
/* Longest value kept (a Diagnostic-Code with its continuations). */
#define DSN_VALUE_MAX	300

/* The value of the field starting at `p` (after "Name:"), continuation
 * lines joined, controls dropped, trimmed; malloc'd. */
static char *
dsn_value(const char *p, const char *end)
{
	char	*o = xmalloc(DSN_VALUE_MAX + 1);
	size_t	 n = 0;
	bool	 space = false;

	for (; p < end && n < DSN_VALUE_MAX; p++) {
		if (*p == '\n' && (p + 1 >= end || (p[1] != ' ' &&
		    p[1] != '\t')))
			break;
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			space = n > 0;
			continue;
		}
		if (space && n + 1 < DSN_VALUE_MAX)
			o[n++] = ' ';
		space = false;
		o[n++] = *p;
	}
	o[n] = '\0';
	return o;
}

/* "rfc822; <a@b>" or "<id@host>": the address or id alone. */
static char *
dsn_addr(char *v)
{
	char	*p = strchr(v, ';'), *q;

	p = p != NULL ? p + 1 : v;
	p += strspn(p, " <");
	q = xstrdup(p);
	q[strcspn(q, "> ")] = '\0';
	free(v);
	return q;
}

static const struct dsn_field {
	const char	*name;
	size_t		 off;
	bool		 addr;
} dsn_fields[] = {
	{ "Final-Recipient:", offsetof(struct mime_msg, dsn_rcpt), true },
	{ "Action:", offsetof(struct mime_msg, dsn_action), false },
	{ "Status:", offsetof(struct mime_msg, dsn_status), false },
	{ "Diagnostic-Code:", offsetof(struct mime_msg, dsn_diag), false },
	{ "Message-ID:", offsetof(struct mime_msg, dsn_msgid), true },
};

/* The per-recipient fields, in a group of lines (struct mime_dsn_rcpt). */
static const struct dsn_field rcpt_fields[] = {
	{ "Final-Recipient:", offsetof(struct mime_dsn_rcpt, rcpt), true },
	{ "Action:", offsetof(struct mime_dsn_rcpt, action), false },
	{ "Status:", offsetof(struct mime_dsn_rcpt, status), false },
	{ "Diagnostic-Code:", offsetof(struct mime_dsn_rcpt, diag), false },
};

/* If the line at `p` is field `f` of the fields at `base`, not set yet:
 * set it. */
static void
dsn_field_set(void *base, const struct dsn_field *f, const char *p,
    const char *end)
{
	size_t	 n = strlen(f->name);
	char	**slot = (char **)(void *)((char *)base + f->off);

	if (*slot != NULL || (size_t)(end - p) < n ||
	    strncasecmp(p, f->name, n) != 0)
		return;
	*slot = dsn_value(p + n, end);
	if (f->addr)
		*slot = dsn_addr(*slot);
}

/* A group of lines ended: keep it if it named a recipient. */
static void
dsn_group_end(struct mime_msg *m, struct mime_dsn_rcpt *g)
{
	if (g->rcpt != NULL && m->dsn_n < MIME_DSN_MAX) {
		m->dsn_v = xreallocarray(m->dsn_v, m->dsn_n + 1,
		    sizeof(*m->dsn_v));
		m->dsn_v[m->dsn_n++] = *g;
	} else {
		free(g->rcpt);
		free(g->action);
		free(g->status);
		free(g->diag);
	}
	memset(g, 0, sizeof(*g));
}

void
mime_dsn_read(const char *data, size_t len, size_t hlen, struct mime_msg *m)
{
	const char		*p = data + hlen, *end, *nl;
	struct mime_dsn_rcpt	 g;
	size_t			 i;

	memset(&g, 0, sizeof(g));
	end = data + (len - hlen > DSN_SCAN_MAX ? hlen + DSN_SCAN_MAX : len);
	for (; p < end; p = nl + 1) {
		for (i = 0; i < sizeof(dsn_fields) / sizeof(dsn_fields[0]);
		    i++)
			dsn_field_set(m, &dsn_fields[i], p, end);
		for (i = 0; i < sizeof(rcpt_fields) / sizeof(rcpt_fields[0]);
		    i++)
			dsn_field_set(&g, &rcpt_fields[i], p, end);
		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'))
			dsn_group_end(m, &g);
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
	}
	dsn_group_end(m, &g);
}
