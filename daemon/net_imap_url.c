/*
 * net: mailbox.url taken apart (see net_imap_int.h).
 */
#include "net_imap_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define IMAP_MAILBOX_MAX	200
#define IMAP_HOST_MAX		255

static bool
host_is_loopback(const char *h)
{
	return strcmp(h, "127.0.0.1") == 0 || strcasecmp(h, "localhost") ==
	    0 || strcmp(h, "::1") == 0;
}

/* A mailbox name we can send as a quoted string as it is. */
static bool
mailbox_name_ok(const char *m)
{
	const unsigned char	*p;

	if (*m == '\0' || strlen(m) > IMAP_MAILBOX_MAX)
		return false;
	for (p = (const unsigned char *)m; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			return false;
	return true;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* %XX-decode `p` (a URL path); NULL if it holds %00 or a bad escape. */
static char *
url_decode(const char *p)
{
	char	*out = xmalloc(strlen(p) + 1), *o = out;
	int	 hi, lo;

	for (; *p != '\0'; p++) {
		if (*p != '%') {
			*o++ = *p;
			continue;
		}
		if ((hi = hexval(p[1])) < 0 || (lo = hexval(p[2])) < 0 ||
		    hi * 16 + lo == 0) {
			free(out);
			return NULL;
		}
		*o++ = (char)(hi * 16 + lo);
		p += 2;
	}
	*o = '\0';
	return out;
}

/* Host and port of "host[:port]" or "[v6][:port]" in [a, end). */
static int
url_authority(struct net_imap_url *s, const char *a, const char *end,
    struct derr *err)
{
	const char	*hend, *colon = NULL;
	long		 port;
	char		*q;

	if (*a == '[') {
		if ((hend = memchr(a, ']', (size_t)(end - a))) == NULL)
			goto bad;
		s->host = xstrndup(a + 1, (size_t)(hend - a - 1));
		if (hend + 1 < end && hend[1] == ':')
			colon = hend + 1;
	} else {
		colon = memchr(a, ':', (size_t)(end - a));
		hend = colon != NULL ? colon : end;
		s->host = xstrndup(a, (size_t)(hend - a));
	}
	if (*s->host == '\0' || strlen(s->host) > IMAP_HOST_MAX ||
	    strpbrk(s->host, "@/?# ") != NULL)
		goto bad;
	s->port = s->imaps ? 993 : 143;
	if (colon == NULL)
		return 0;
	port = strtol(colon + 1, &q, 10);
	if (q != end || port < 1 || port > 65535)
		goto bad;
	s->port = (uint16_t)port;
	return 0;
bad:
	return derr_set(err, DERR_CONFIG, false, "mailbox.url: not an "
	    "imap://host[:port]/MAILBOX or imaps:// URL");
}

int
net_imap_url_split(struct net_imap_url *s, const char *url, struct derr *err)
{
	const char	*a, *slash;
	char		*dec;

	if (strncasecmp(url, "imaps://", 8) == 0)
		s->imaps = true;
	else if (strncasecmp(url, "imap://", 7) != 0 || str_has_ctl(url))
		return derr_set(err, DERR_CONFIG, false, "mailbox.url must "
		    "start with imaps:// or imap://");
	a = strstr(url, "://") + 3;
	slash = strchr(a, '/');
	if (url_authority(s, a, slash != NULL ? slash : a + strlen(a),
	    err) == -1)
		return -1;
	/* imap:// means STARTTLS, except to this machine (test servers). */
	s->starttls = !s->imaps && !host_is_loopback(s->host);
	if (slash == NULL || slash[1] == '\0') {
		s->mailbox = xstrdup("INBOX");
		return 0;
	}
	if ((dec = url_decode(slash + 1)) == NULL)
		return derr_set(err, DERR_CONFIG, false, "mailbox.url: a bad "
		    "%%-escape in the mailbox name");
	s->mailbox = dec;
	if (!mailbox_name_ok(s->mailbox))
		return derr_set(err, DERR_CONFIG, false, "mailbox.url: "
		    "mailbox names must be printable ASCII without quotes "
		    "(got a %zu-byte name)", strlen(s->mailbox));
	return 0;
}

void
net_imap_url_clear(struct net_imap_url *u)
{
	free(u->host);
	free(u->mailbox);
	u->host = u->mailbox = NULL;
}
