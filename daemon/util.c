#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>
#include <wchar.h>

#include "log.h"

static void
oom(void)
{
	log_crit("out of memory");
	exit(EX_OSERR);
}

void *
xalloced(void *p)
{
	if (p == NULL)
		oom();
	return p;
}

void *
xmalloc(size_t n)
{
	void	*p;

	p = malloc(n == 0 ? 1 : n);
	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t sz)
{
	void	*p;

	p = calloc(n == 0 ? 1 : n, sz == 0 ? 1 : sz);
	if (p == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t sz)
{
	void	*p;

	if (sz != 0 && n > SIZE_MAX / sz)
		oom();
	p = realloc(old, n * sz == 0 ? 1 : n * sz);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	char	*p;

	p = strdup(s);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	p = strndup(s, n);
	if (p == NULL)
		oom();
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*p;
	int	 r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom();
	return p;
}

void
xfree_secret(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
buf_clear(struct buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

int
buf_append(struct buf *b, const void *p, size_t n, struct derr *err)
{
	size_t	 want;

	if (b->max != 0 && (n > b->max || b->len > b->max - n))
		return derr_set(err, DERR_INPUT, false,
		    "data exceeds the limit of %zu bytes", b->max);
	want = b->len + n + 1;
	if (want > b->cap) {
		size_t	 cap = b->cap < 64 ? 64 : b->cap;

		while (cap < want)
			cap *= 2;
		b->data = xreallocarray(b->data, cap, 1);
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s, struct derr *err)
{
	return buf_append(b, s, strlen(s), err);
}

int
buf_printf(struct buf *b, struct derr *err, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;
	int	 r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom();
	r = buf_append(b, p, (size_t)r, err);
	free(p);
	return r;
}

char *
buf_take(struct buf *b)
{
	char	*p;

	if (b->data == NULL)
		return xstrdup("");
	p = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
strv_push(struct strv *sv, const char *s)
{
	sv->v = xreallocarray(sv->v, sv->n + 1, sizeof(*sv->v));
	sv->v[sv->n++] = xstrdup(s);
}

void
strv_clear(struct strv *sv)
{
	size_t	 i;

	if (sv == NULL)
		return;
	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

bool
strv_has(const struct strv *sv, const char *s)
{
	size_t	 i;

	for (i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

bool
str_has_ctl(const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

static size_t
utf8_seq(const unsigned char *p, size_t left, uint32_t *cp)
{
	size_t	 n, i;
	uint32_t c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return n;
}

bool
str_utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n;
	uint32_t		 cp;

	while (i < len) {
		/* ASCII (HTML markup, mostly) in one quick pass. */
		while (i < len && p[i] < 0x80)
			i++;
		if (i == len)
			break;
		/* Three bytes (all of CJK) without decoding: lead E1-EC or
		 * EE-EF (E0 and ED have narrower second bytes). */
		if (len - i >= 3 && p[i] >= 0xe1 && p[i] <= 0xef &&
		    p[i] != 0xed && (p[i + 1] & 0xc0) == 0x80 &&
		    (p[i + 2] & 0xc0) == 0x80) {
			i += 3;
			continue;
		}
		n = utf8_seq(p + i, len - i, &cp);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

static int
cp_width(uint32_t c)
{
	if (c == 0)
		return 0;
	if (c < 0x20 || (c >= 0x7f && c < 0xa0))
		return 0;
	if ((c >= 0x0300 && c <= 0x036f) || c == 0x200b)
		return 0;
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1faff) ||
	    (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

size_t
str_width(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len = strlen(s), i = 0, n, w = 0;
	uint32_t		 cp;

	while (i < len) {
		n = utf8_seq(p + i, len - i, &cp);
		if (n == 0) {
			w++;
			i++;
			continue;
		}
		w += (size_t)cp_width(cp);
		i += n;
	}
	return w;
}

char *
str_trim(char *s)
{
	char	*start = s, *end;

	while (*start == ' ' || *start == '\t' || *start == '\r' ||
	    *start == '\n')
		start++;
	if (start != s)
		memmove(s, start, strlen(start) + 1);
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	return s;
}

int
str_to_ll(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static bool
email_char_ok(unsigned char c)
{
	if (c <= 0x20 || c == 0x7f)
		return false;
	return strchr("<>()[]\\,;:\"", c) == NULL;
}

bool
addr_email_valid(const char *s)
{
	const char	*at, *p, *dot;
	size_t		 len;

	if (s == NULL)
		return false;
	len = strlen(s);
	if (len < 3 || len > 254)
		return false;
	at = strrchr(s, '@');
	if (at == NULL || at == s || at[1] == '\0' || at - s > 64)
		return false;
	for (p = s; *p != '\0'; p++) {
		if (!email_char_ok((unsigned char)*p))
			return false;
		if (*p == '@' && p != at)
			return false;
	}
	dot = strchr(at + 1, '.');
	if (dot == NULL || dot == at + 1 || s[len - 1] == '.' ||
	    strstr(at, "..") != NULL || s[0] == '.' || at[-1] == '.')
		return false;
	return true;
}

bool
addr_phone_valid(const char *s)
{
	size_t	 n = 0;

	if (s == NULL || s[0] != '+' || s[1] < '1' || s[1] > '9')
		return false;
	for (s++; *s != '\0'; s++, n++)
		if (*s < '0' || *s > '9')
			return false;
	return n >= 8 && n <= 15;
}

void
addr_mask(const char *s, char *out, size_t outlen)
{
	const char	*at;
	size_t		 n;

	if (outlen == 0)
		return;
	if (s == NULL) {
		snprintf(out, outlen, "-");
		return;
	}
	at = strchr(s, '@');
	if (at != NULL) {
		n = (size_t)(at - s) < 2 ? (size_t)(at - s) : 2;
		snprintf(out, outlen, "%.*s***%s", (int)n, s, at);
		return;
	}
	n = strlen(s);
	if (n > 8)
		snprintf(out, outlen, "%.*s****%s", (int)(n - 8), s,
		    s + n - 4);
	else
		snprintf(out, outlen, "****");
}

int
file_read(const char *path, size_t max, char **out, size_t *lenp,
    struct derr *err)
{
	struct buf	 b;
	char		 chunk[8192];
	ssize_t		 r;
	int		 fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return derr_set(err, DERR_SYS, false, "%s: %s", path,
		    strerror(errno));
	buf_init(&b, max);
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			derr_set(err, DERR_SYS, false, "%s: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		if (buf_append(&b, chunk, (size_t)r, err) < 0) {
			derr_prefix(err, "%s", path);
			goto fail;
		}
	}
	close(fd);
	if (lenp != NULL)
		*lenp = b.len;
	*out = buf_take(&b);
	return 0;
fail:
	close(fd);
	buf_clear(&b);
	return -1;
}

/* The name of `uid`, or its number, in `out`. */
static void
user_name(uid_t uid, char *out, size_t n)
{
	struct passwd	 pw, *res = NULL;
	char		 buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(out, n, "%s", pw.pw_name);
	else
		snprintf(out, n, "%u", (unsigned)uid);
}

/*
 * A secret file owned by another ordinary user is that user's to change:
 * whoever logs in as them can swap in their own token.  root's files are
 * fine (the admin made them; systemd credentials are root's too).
 */
static int
secret_owner_check(const char *path, const struct stat *st,
    struct derr *err)
{
	char	 owner[64], me[64];
	uid_t	 uid = geteuid();

	if (st->st_uid == 0 || st->st_uid == uid)
		return 0;
	user_name(st->st_uid, owner, sizeof(owner));
	user_name(uid, me, sizeof(me));
	return derr_set(err, DERR_CONFIG, false, "secret file %s is owned by "
	    "%s (uid %u), but dutyd runs as %s (uid %u): it must belong to "
	    "%s%s (run: chown %s %s)", path, owner, (unsigned)st->st_uid, me,
	    (unsigned)uid, me, uid != 0 ? " or root" : "", me, path);
}

int
secret_file_read(const char *path, char **out, struct derr *err)
{
	struct stat	 st;
	char		*s;
	size_t		 len;

	if (strncmp(path, SECRET_CREDENTIAL, strlen(SECRET_CREDENTIAL)) == 0)
		return derr_set(err, DERR_CONFIG, false, "secret %s: "
		    "$CREDENTIALS_DIRECTORY is not set: start dutyd from its "
		    "systemd unit with LoadCredential=%s:/etc/dutyd/%s",
		    path, path + strlen(SECRET_CREDENTIAL),
		    path + strlen(SECRET_CREDENTIAL));
	if (stat(path, &st) < 0)
		return derr_set(err, DERR_CONFIG, false,
		    "secret file %s: %s", path, strerror(errno));
	if ((st.st_mode & 077) != 0)
		return derr_set(err, DERR_CONFIG, false,
		    "secret file %s has mode %04o: it must not be accessible "
		    "by group or others (run: chmod 600 %s)", path,
		    (unsigned)(st.st_mode & 07777), path);
	if (secret_owner_check(path, &st, err) < 0)
		return -1;
	if (file_read(path, 4096, &s, &len, err) < 0)
		return -1;
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';
	if (len == 0 || strlen(s) != len) {
		xfree_secret(s);
		return derr_set(err, DERR_CONFIG, false,
		    "secret file %s is empty or holds a NUL byte", path);
	}
	*out = s;
	return 0;
}

char *
str_excerpt(const char *s, size_t max)
{
	char	*out = xmalloc(strlen(s) + 4), *o = out;
	size_t	 chars = 0, len;
	bool	 space = false;

	while (*s != '\0' && chars < max) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
			space = o != out;
			s++;
			continue;
		}
		if (space) {
			*o++ = ' ';
			chars++;
			space = false;
		}
		for (len = 1; (s[len] & 0xc0) == 0x80 && len < 4; len++)
			;
		memcpy(o, s, len);
		o += len;
		s += len;
		chars++;
	}
	if (*s != '\0') {
		memcpy(o, "…", 3);
		o += 3;
	}
	*o = '\0';
	return out;
}

int
fd_write_all(int fd, const void *p, size_t n)
{
	const char	*c = p;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, c, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

void
path_adopt_dir_owner(const char *path, int fd)
{
	struct stat	 st;
	char		*dir, *slash;

	if (geteuid() != 0)
		return;
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) == 0 && st.st_uid != 0) {
		if (fd >= 0)
			(void)fchown(fd, st.st_uid, st.st_gid);
		else
			(void)lchown(path, st.st_uid, st.st_gid);
	}
	free(dir);
}
