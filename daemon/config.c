/*
 * config: libconfig tree -> validated struct cfg.
 *
 * Each section is a table of fields walked by walk_group(); a field's
 * handler converts one value (or one array element) and stores it.  Defaults
 * are written as text in the tables and go through the same handlers, so a
 * default can never bypass a check.  Checks that need the whole file (person
 * references, "required when enabled") run afterwards from check_tab.
 * Errors are collected with their line, sorted into file order at the end.
 */
#include "config.h"
#include "config_int.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libconfig.h>

#include "i18n.h"
#include "log.h"
#include "model.h"
#include "util.h"

#define CFG_ZONEINFO	"/usr/share/zoneinfo"
#define CFG_KEY_MAX	32

enum fkind {
	F_BOOL,
	F_INT,
	F_STR,
	F_SCALAR,	/* string or integer, the handler decides */
	F_ARRAY,	/* of `elem`, handler called per element */
	F_GROUP,
	F_LIST		/* of groups */
};

struct lderr {
	int		 key;		/* line used for sorting */
	size_t		 seq;		/* order found: keeps the sort stable */
	char		*msg;
};

/* Loader state: the tree, where relative paths start, collected errors. */
struct ld {
	const config_t	*cf;
	const char	*file;		/* path as given */
	char		*dir;		/* directory of the file */
	unsigned	 flags;
	struct lderr	*errs;
	size_t		 nerrs;
};

/* One value: from the file (s != NULL) or a default from a table. */
struct cval {
	const config_setting_t	*s;
	const char		*path;
	int			 type;	/* CONFIG_TYPE_INT, _STRING or _BOOL */
	long long		 i;
	const char		*str;
	bool			 b;
};

struct field;
typedef void (*field_fn)(struct ld *, const struct field *,
    const struct cval *, void *obj);

struct field {
	const char		*key;
	enum fkind		 kind;
	enum fkind		 elem;		/* F_ARRAY: element kind */
	long long		 min, max;	/* F_INT range (min < max) */
	const char		*def;		/* default as text, or NULL */
	bool			 required;
	field_fn		 fn;		/* NULL: store at `off` as is */
	size_t			 off;
	size_t			 noff;		/* element count of arrays */
	const struct field	*sub;		/* F_GROUP, F_LIST */
	size_t			 esize;		/* F_LIST element size */
};

#define AT(obj, off, type)	((type *)(void *)((char *)(obj) + (off)))

/* ------------------------------------------------------------------ */
/* Error collection */

static void
ld_push(struct ld *ld, int key, char *msg)
{
	ld->errs = xreallocarray(ld->errs, ld->nerrs + 1, sizeof(*ld->errs));
	ld->errs[ld->nerrs].key = key;
	ld->errs[ld->nerrs].seq = ld->nerrs;
	ld->errs[ld->nerrs].msg = msg;
	ld->nerrs++;
}

static void
ld_verr(struct ld *ld, const config_setting_t *s, const char *path,
    const char *fmt, va_list ap)
{
	const char	*file = ld->file;
	char		*what, *body, *msg;
	int		 line = 0;

	if (s != NULL) {
		line = config_setting_source_line(s);
		if (config_setting_source_file(s) != NULL)
			file = config_setting_source_file(s);
	}
	if (vasprintf(&what, fmt, ap) == -1)
		what = xstrdup("out of memory");
	/* A setting's path, then what is wrong with it ("%s：%s"). */
	body = xasprintf(_("%s: %s"), path, what);
	if (line > 0)
		msg = xasprintf("%s:%d: %s", file, line, body);
	else
		msg = xasprintf("%s: %s", file, body);
	free(body);
	free(what);
	ld_push(ld, line, msg);
}

/* Report a problem with setting `s` (or its nearest existing ancestor). */
static void __attribute__((format(printf, 4, 5)))
ld_err(struct ld *ld, const config_setting_t *s, const char *path,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	ld_verr(ld, s, path, fmt, ap);
	va_end(ap);
}

/*
 * Quote `s` for a message: controls escaped by log_escape, and if `s` is
 * not UTF-8, every byte above 0x7f as \xNN too, so messages stay UTF-8.
 */
static void
repr_string(const char *s, char *out, size_t n)
{
	char		 esc[80], hex[80];
	size_t		 o = 0;
	unsigned char	 c;

	if (str_utf8_valid(s, strlen(s))) {
		log_escape(s, esc, sizeof(esc));
		snprintf(out, n, "\"%s\"", esc);
		return;
	}
	for (; *s != '\0' && o + 5 < sizeof(hex); s++) {
		c = (unsigned char)*s;
		if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(hex + o, sizeof(hex) - o,
			    "\\x%02x", c);
		else
			hex[o++] = (char)c;
	}
	hex[o] = '\0';
	snprintf(out, n, "\"%s\"", hex);
}

/* How a value is shown after "got". */
static void
repr_setting(const config_setting_t *s, char *out, size_t n)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		repr_string(config_setting_get_string(s), out, n);
		break;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		snprintf(out, n, "%lld", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		snprintf(out, n, "%g", config_setting_get_float(s));
		break;
	case CONFIG_TYPE_BOOL:
		snprintf(out, n, "%s", config_setting_get_bool(s) ?
		    "true" : "false");
		break;
	case CONFIG_TYPE_GROUP:
		snprintf(out, n, "%s", _("a group { ... }"));
		break;
	case CONFIG_TYPE_ARRAY:
		snprintf(out, n, "%s", _("an array [ ... ]"));
		break;
	default:
		snprintf(out, n, "%s", _("a list ( ... )"));
		break;
	}
}

/* A robot webhook address is its access token: im.[N].url. */
static bool
path_secret(const char *path)
{
	size_t	 n = strlen(path);

	return strncmp(path, "im.", 3) == 0 && n > 4 &&
	    strcmp(path + n - 4, ".url") == 0;
}

/*
 * `s` fit to show in a message: a secret URL keeps its scheme and host
 * and loses the rest (https://oapi.dingtalk.com followed by "/" and three
 * stars), a secret without a scheme keeps only what comes before the
 * first '/', '?' or '=' (all of it is a token if none); any URL loses a
 * user:password@ part.  NULL if `s` needs nothing.
 */
static char *
redact(const char *s, bool secret)
{
	const char	*host = strstr(s, "://"), *end, *at;

	host = host != NULL ? host + 3 : s;
	end = host + strcspn(host, "/?#=");
	at = memchr(host, '@', (size_t)(end - host));
	if (at != NULL && (secret || host != s))
		return xasprintf("%.*s***@%.*s%s", (int)(host - s), s,
		    (int)(end - at - 1), at + 1, secret && *end != '\0' ?
		    "/***" : end);
	if (secret && *end == '\0' && host == s)
		return xstrdup("***");
	if (!secret || *end == '\0')
		return NULL;
	return xasprintf("%.*s/***", (int)(end - s), s);
}

static void __attribute__((format(printf, 3, 4)))
ld_bad(struct ld *ld, const struct cval *v, const char *fmt, ...)
{
	char	 what[512], got[96], *hidden = NULL;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (v->s != NULL && config_setting_type(v->s) == CONFIG_TYPE_STRING)
		hidden = redact(config_setting_get_string(v->s),
		    path_secret(v->path));
	if (hidden != NULL)
		repr_string(hidden, got, sizeof(got));
	else if (v->s != NULL)
		repr_setting(v->s, got, sizeof(got));
	else if (v->type == CONFIG_TYPE_STRING)
		snprintf(got, sizeof(got), "\"%s\"", v->str);
	else
		snprintf(got, sizeof(got), "%lld", v->i);
	ld_err(ld, v->s, v->path, _("%s (got %s)"), what, got);
	free(hidden);
}

/*
 * Same, for a setting found again by path in a later check; a group, array
 * or list is only named, not shown.
 */
static void
ld_bad_path(struct ld *ld, const char *path, const char *what)
{
	struct cval	 v = { 0 };

	v.s = config_lookup(ld->cf, path);
	v.path = path;
	if (v.s == NULL || config_setting_is_aggregate(v.s))
		ld_err(ld, v.s, path, "%s", what);
	else
		ld_bad(ld, &v, "%s", what);
}

/* "required setting is missing", at the line of the enclosing group. */
static void
ld_missing(struct ld *ld, const config_setting_t *parent, const char *path)
{
	ld_err(ld, parent, path, _("required setting is missing"));
}

/* For the module's other files (config_int.h). */
void
cfg_ld_bad(struct ld *ld, const char *path, const char *what)
{
	ld_bad_path(ld, path, what);
}

bool
cfg_ld_has(const struct ld *ld, const char *path)
{
	return config_lookup(ld->cf, path) != NULL;
}

void
cfg_ld_bad_near(struct ld *ld, const char *path, const char *what)
{
	const config_setting_t	*s = NULL;
	char			*up, *dot;

	if (config_lookup(ld->cf, path) != NULL) {
		ld_bad_path(ld, path, what);
		return;
	}
	up = xstrdup(path);
	while (s == NULL && (dot = strrchr(up, '.')) != NULL) {
		*dot = '\0';
		s = config_lookup(ld->cf, up);
	}
	free(up);
	ld_err(ld, s, path, "%s", what);
}

unsigned
cfg_ld_flags(const struct ld *ld)
{
	return ld->flags;
}

size_t
cfg_ld_nerrs(const struct ld *ld)
{
	return ld->nerrs;
}

/* ------------------------------------------------------------------ */
/* Small helpers */

static char *
path_join(const char *parent, const char *key)
{
	if (parent == NULL || *parent == '\0')
		return xstrdup(key);
	return xasprintf("%s.%s", parent, key);
}

static bool
key_valid(const char *s)
{
	size_t	 n;

	n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-");
	return n >= 1 && n <= CFG_KEY_MAX && s[n] == '\0';
}

/* Resolve `p` against the config file's directory unless absolute. */
static char *
path_resolve(const struct ld *ld, const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	return xasprintf("%s/%s", ld->dir, p);
}

static int
int_desc(const void *a, const void *b)
{
	int	 x = *(const int *)a, y = *(const int *)b;

	return (x < y) - (x > y);
}

static int
day_asc(const void *a, const void *b)
{
	int32_t	 x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* ------------------------------------------------------------------ */
/* URLs */

struct url {
	char	 scheme[8];
	char	 host[256];
	bool	 userinfo;
};

static int
url_split(const char *s, struct url *u)
{
	const char	*p, *h, *end;
	size_t		 n;

	memset(u, 0, sizeof(*u));
	p = strstr(s, "://");
	if (p == NULL || p == s || (size_t)(p - s) >= sizeof(u->scheme))
		return -1;
	memcpy(u->scheme, s, (size_t)(p - s));
	h = p + 3;
	end = h + strcspn(h, "/?#");
	u->userinfo = memchr(h, '@', (size_t)(end - h)) != NULL;
	if (*h == '[') {
		h++;
		p = memchr(h, ']', (size_t)(end - h));
	} else
		p = memchr(h, ':', (size_t)(end - h));
	n = (size_t)((p != NULL ? p : end) - h);
	if (n == 0 || n >= sizeof(u->host))
		return -1;
	memcpy(u->host, h, n);
	return 0;
}

static bool
host_loopback(const char *h)
{
	return strcmp(h, "127.0.0.1") == 0 || strcmp(h, "localhost") == 0 ||
	    strcmp(h, "::1") == 0;
}

/*
 * Check `v` is a URL with one of `schemes` (NULL-terminated); returns the
 * index of the scheme or -1 (error reported).
 */
static int
url_check(struct ld *ld, const struct cval *v, const char *const *schemes,
    struct url *u)
{
	int	 i;

	if (url_split(v->str, u) == -1) {
		ld_bad(ld, v, _("not a URL"));
		return -1;
	}
	if (u->userinfo) {
		ld_bad(ld, v, _("put the user name in `username`, not the "
		    "URL"));
		return -1;
	}
	for (i = 0; schemes[i] != NULL; i++)
		if (strcmp(u->scheme, schemes[i]) == 0)
			return i;
	if (schemes[1] != NULL)
		ld_bad(ld, v, _("URL scheme must be %s or %s"), schemes[0],
		    schemes[1]);
	else
		ld_bad(ld, v, _("URL scheme must be %s"), schemes[0]);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Field handlers: convert one value and store it in `obj` */

static void
put_str(struct ld *ld, const struct field *f, const struct cval *v, void *obj)
{
	char	**p = AT(obj, f->off, char *);

	(void)ld;
	free(*p);
	*p = xstrdup(v->str);
}

static void
put_path(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	char	**p = AT(obj, f->off, char *);

	free(*p);
	*p = path_resolve(ld, v->str);
}

/* A secret or CA file: must exist; its mode is the daemon's business. */
static void
put_file(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	struct stat	 st;
	char		*p;

	p = path_resolve(ld, v->str);
	if (!(ld->flags & CFG_LOAD_NO_FILES)) {
		if (stat(p, &st) == -1) {
			ld_bad(ld, v, _("cannot access file: %s"),
			    strerror(errno));
			free(p);
			return;
		}
		if (!S_ISREG(st.st_mode)) {
			ld_bad(ld, v, _("not a regular file"));
			free(p);
			return;
		}
	}
	free(*AT(obj, f->off, char *));
	*AT(obj, f->off, char *) = p;
}

/*
 * A secret file: a path (as put_file), or "credential:NAME" for a systemd
 * credential (LoadCredential=NAME:/etc/dutyd/...), read from
 * $CREDENTIALS_DIRECTORY/NAME.  Without that variable (dutyctl, a shell)
 * the value is kept as written and only the daemon's read fails.
 */
static void
put_secret(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	const char	*name = v->str + strlen(SECRET_CREDENTIAL);
	const char	*dir = getenv("CREDENTIALS_DIRECTORY");
	struct cval	 rv = *v;
	char		*p;

	if (strncmp(v->str, SECRET_CREDENTIAL, strlen(SECRET_CREDENTIAL)) != 0) {
		put_file(ld, f, v, obj);
		return;
	}
	if (name[0] == '\0' || name[0] == '.' || strlen(name) > 64 ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") != strlen(name)) {
		ld_bad(ld, v, _("not a credential name like "
		    "credential:smtp.pass"));
		return;
	}
	if (dir == NULL || dir[0] != '/') {
		put_str(ld, f, v, obj);
		return;
	}
	p = xasprintf("%s/%s", dir, name);
	rv.str = p;
	put_file(ld, f, &rv, obj);
	free(p);
}

static void
put_tz(struct ld *ld, const struct field *f, const struct cval *v, void *obj)
{
	const char	*s = v->str;
	struct stat	 st;
	char		*p;
	bool		 ok;

	ok = strlen(s) <= 64 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_+-/") == strlen(s) &&
	    s[0] != '/' && s[0] != '-' && strstr(s, "..") == NULL;
	if (!ok) {
		ld_bad(ld, v, _("not a time zone name like Asia/Shanghai"));
		return;
	}
	p = xasprintf("%s/%s", CFG_ZONEINFO, s);
	ok = stat(p, &st) == 0 && S_ISREG(st.st_mode);
	free(p);
	if (!ok) {
		ld_bad(ld, v, _("unknown time zone, not in %s"),
		    CFG_ZONEINFO);
		return;
	}
	put_str(ld, f, v, obj);
}

static void
put_loglevel(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	if (log_level_parse(v->str) == -1) {
		ld_bad(ld, v, _("log level must be err, warn, notice, info or "
		    "debug"));
		return;
	}
	put_str(ld, f, v, obj);
}

static void
put_language(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	if (strcmp(v->str, "zh_CN") != 0 && strcmp(v->str, "en") != 0) {
		ld_bad(ld, v, _("language must be zh_CN or en"));
		return;
	}
	put_str(ld, f, v, obj);
}

static void
put_day(struct ld *ld, const struct field *f, const struct cval *v, void *obj)
{
	int32_t	**days = AT(obj, f->off, int32_t *);
	size_t	 *n = AT(obj, f->noff, size_t);
	int32_t	  d;

	if (day_parse(v->str, &d) == -1) {
		ld_bad(ld, v, _("not a date YYYY-MM-DD"));
		return;
	}
	*days = xreallocarray(*days, *n + 1, sizeof(**days));
	(*days)[(*n)++] = d;
}

static void
put_int_elem(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	int	**a = AT(obj, f->off, int *);
	size_t	 *n = AT(obj, f->noff, size_t);
	size_t	  i;

	for (i = 0; i < *n; i++)
		if ((*a)[i] == (int)v->i) {
			ld_bad(ld, v, _("listed twice"));
			return;
		}
	*a = xreallocarray(*a, *n + 1, sizeof(**a));
	(*a)[(*n)++] = (int)v->i;
}

static void
put_uint(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	(void)ld;
	*AT(obj, f->off, unsigned) = (unsigned)v->i;
}

static void
put_strv(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	struct strv	*sv = AT(obj, f->off, struct strv);

	if (strv_has(sv, v->str)) {
		ld_bad(ld, v, _("listed twice"));
		return;
	}
	strv_push(sv, v->str);
}

/* A duty target: a short label without ':' (it is part of keys). */
static void
put_target(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	if (strlen(v->str) > CFG_TARGET_MAX) {
		ld_bad(ld, v, _("a target is at most 60 bytes (20 Chinese "
		    "characters)"));
		return;
	}
	if (strchr(v->str, ':') != NULL) {
		ld_bad(ld, v, _("a target cannot hold ':'"));
		return;
	}
	put_strv(ld, f, v, obj);
}

static void
put_key(struct ld *ld, const struct field *f, const struct cval *v, void *obj)
{
	if (!key_valid(v->str)) {
		ld_bad(ld, v, _("must be 1 to 32 of a-z, 0-9, _ and -"));
		return;
	}
	put_str(ld, f, v, obj);
}

static void
put_email(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	if (!addr_email_valid(v->str)) {
		ld_bad(ld, v, _("not an email address"));
		return;
	}
	put_str(ld, f, v, obj);
}

static void
put_phone(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	if (!addr_phone_valid(v->str)) {
		ld_bad(ld, v, _("not an E.164 number like +8613800138000"));
		return;
	}
	put_str(ld, f, v, obj);
}

static void
put_time(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	int	 m;

	if (hhmm_parse(v->str, &m) == -1) {
		ld_bad(ld, v, _("not a time HH:MM"));
		return;
	}
	*AT(obj, f->off, int) = m;
}

/* Look `s` up in a NULL-terminated name table; index or -1. */
static int
name_index(const char *const *names, const char *s)
{
	int	 i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

static const char *const role_names[] = {
	"officer", "leader", "principal", "admin", NULL
};
static const char *const channel_names[] = { "email", "sms", "im", NULL };
static const char *const period_names[] = {
	"month", "quarter", "half", "year", NULL
};
static const char *const weekday_names[] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL
};
static const char *const provider_names[] = { "aliyun", "tencent", NULL };
static const char *const im_type_names[] = {
	"dingtalk", "wecom", "feishu", "webhook", NULL
};
static const char *const im_kind_names[] = {
	"reminder", "escalation", "duty", "digest", NULL
};

static void
put_role(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	int	 i = name_index(role_names, v->str);

	if (i == -1) {
		ld_bad(ld, v, _("role must be officer, leader, principal or "
		    "admin"));
		return;
	}
	*AT(obj, f->off, unsigned) |= 1u << i;
}

static void
put_channel(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	int	 i = name_index(channel_names, v->str);

	if (i == -1) {
		ld_bad(ld, v, _("channel must be email, sms or im"));
		return;
	}
	*AT(obj, f->off, unsigned) |= 1u << i;
}

static void
put_period(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	int	 i = name_index(period_names, v->str);

	if (i == -1) {
		ld_bad(ld, v, _("period must be month, quarter, half or year"));
		return;
	}
	*AT(obj, f->off, enum cfg_period) = (enum cfg_period)i;
}

static void
put_weekday(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	int	 d;

	if (v->type == CONFIG_TYPE_STRING)
		d = name_index(weekday_names, v->str) + 1;
	else
		d = v->i >= 1 && v->i <= 7 ? (int)v->i : 0;
	if (d == 0) {
		ld_bad(ld, v, _("weekday must be mon .. sun or 1 .. 7"));
		return;
	}
	*AT(obj, f->off, int) = d;
}

static void
put_provider(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	if (name_index(provider_names, v->str) == -1) {
		ld_bad(ld, v, _("SMS provider must be aliyun or tencent"));
		return;
	}
	put_str(ld, f, v, obj);
}

static void
put_im_type(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	if (name_index(im_type_names, v->str) == -1) {
		ld_bad(ld, v, _("type must be dingtalk, wecom, feishu or "
		    "webhook"));
		return;
	}
	put_str(ld, f, v, obj);
}

static void
put_im_format(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	if (strcmp(v->str, "text") != 0 && strcmp(v->str, "markdown") != 0) {
		ld_bad(ld, v, _("format must be text or markdown"));
		return;
	}
	put_str(ld, f, v, obj);
}

static void
put_im_kind(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	if (name_index(im_kind_names, v->str) == -1) {
		ld_bad(ld, v, _("kind must be reminder, escalation, duty or "
		    "digest"));
		return;
	}
	put_strv(ld, f, v, obj);
}

static void
put_smtp_url(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	static const char *const schemes[] = { "smtps", "smtp", NULL };
	struct cfg_smtp	*smtp = obj;
	struct url	 u;
	int		 i;

	i = url_check(ld, v, schemes, &u);
	if (i == -1)
		return;
	smtp->tls = i == 0 ? CFG_TLS_IMPLICIT : CFG_TLS_STARTTLS;
	put_str(ld, f, v, obj);
}

/* Runs after `url` (table order): plain SMTP only to this machine. */
static void
put_starttls(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	struct cfg_smtp	*smtp = obj;
	struct url	 u;

	(void)f;
	if (v->b || smtp->url == NULL)
		return;
	if (smtp->tls == CFG_TLS_IMPLICIT) {
		ld_bad(ld, v, _("smtps:// always uses TLS; use smtp:// for "
		    "plain SMTP"));
		return;
	}
	if (url_split(smtp->url, &u) == -1 || !host_loopback(u.host)) {
		ld_bad(ld, v, _("plain SMTP is only allowed to 127.0.0.1, "
		    "localhost or ::1, not %s"), u.host);
		return;
	}
	smtp->tls = CFG_TLS_NONE;
}

static void
put_imap_url(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	static const char *const schemes[] = { "imaps", "imap", NULL };
	struct url	 u;

	if (url_check(ld, v, schemes, &u) == -1)
		return;
	put_str(ld, f, v, obj);
}

/* HTTPS, or plain HTTP to this machine (test stand-ins, local relays). */
static void
put_https_url(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	static const char *const schemes[] = { "https", "http", NULL };
	struct url	 u;
	int		 i;

	i = url_check(ld, v, schemes, &u);
	if (i == -1)
		return;
	if (i == 1 && !host_loopback(u.host)) {
		ld_bad(ld, v, _("plain http:// is only allowed to 127.0.0.1, "
		    "localhost or ::1"));
		return;
	}
	put_str(ld, f, v, obj);
}

/* ------------------------------------------------------------------ */
/* Section tables */

#define S(k, fn_, T, m, def_, req) { .key = k, .kind = F_STR, .def = def_, \
	.required = req, .fn = fn_, .off = offsetof(T, m) }
#define I(k, T, m, lo, hi, def_) { .key = k, .kind = F_INT, .min = lo, \
	.max = hi, .def = def_, .off = offsetof(T, m) }
#define BOOL(k, T, m, def_) { .key = k, .kind = F_BOOL, .def = def_, \
	.off = offsetof(T, m) }
#define ARR(k, el, fn_, T, m, def_) { .key = k, .kind = F_ARRAY, \
	.elem = el, .def = def_, .fn = fn_, .off = offsetof(T, m) }
#define IARR(k, T, m, nm, lo, hi, def_) { .key = k, .kind = F_ARRAY, \
	.elem = F_INT, .min = lo, .max = hi, .def = def_, \
	.fn = put_int_elem, .off = offsetof(T, m), .noff = offsetof(T, nm) }
#define DARR(k, T, m, nm) { .key = k, .kind = F_ARRAY, .elem = F_STR, \
	.fn = put_day, .off = offsetof(T, m), .noff = offsetof(T, nm) }
#define GROUP(k, m, tab) { .key = k, .kind = F_GROUP, .sub = tab, \
	.off = offsetof(struct cfg, m) }
#define LIST(k, m, nm, tab, T) { .key = k, .kind = F_LIST, .sub = tab, \
	.off = offsetof(struct cfg, m), .noff = offsetof(struct cfg, nm), \
	.esize = sizeof(T) }
#define END { .key = NULL }

#define DAY_S	86400
#define G	struct cfg_general
static const struct field general_tab[] = {
	S("timezone", put_tz, G, timezone, "Asia/Shanghai", false),
	S("database", put_path, G, database, NULL, true),
	S("templates", put_path, G, templates,
	    "/usr/local/share/dutyd/templates", false),
	S("office", put_str, G, office, NULL, false),
	S("log_level", put_loglevel, G, log_level, "info", false),
	S("language", put_language, G, language, "zh_CN", false),
	S("evidence_dir", put_path, G, evidence_dir, NULL, false),
	I("evidence_max", G, evidence_max, 1024, 1024 * 1024 * 1024,
	    "20971520"),
	DARR("holidays", G, holidays, nholidays),
	DARR("workdays", G, workdays, nworkdays),
	END
};
#undef G

#define P	struct cfg_person
static const struct field person_tab[] = {
	S("key", put_key, P, key, NULL, true),
	S("name", put_str, P, name, NULL, true),
	S("email", put_email, P, email, NULL, false),
	S("phone", put_phone, P, phone, NULL, false),
	ARR("roles", F_STR, put_role, P, roles, "officer"),
	ARR("leaders", F_STR, put_strv, P, leaders, NULL),
	BOOL("disabled", P, disabled, "false"),
	S("unix_user", put_str, P, unix_user, NULL, false),
	END
};
#undef P

#define T	struct cfg_smtp
static const struct field smtp_tab[] = {
	BOOL("enabled", T, enabled, "false"),
	S("url", put_smtp_url, T, url, NULL, false),
	{ .key = "starttls", .kind = F_BOOL, .def = "true",
	    .fn = put_starttls },
	S("username", put_str, T, username, NULL, false),
	S("password_file", put_secret, T, password_file, NULL, false),
	S("from", put_email, T, from, NULL, false),
	S("from_name", put_str, T, from_name, NULL, false),
	S("ca_file", put_file, T, ca_file, NULL, false),
	I("connect_timeout", T, connect_timeout, 1, 300, "10"),
	I("timeout", T, timeout, 1, 3600, "60"),
	/* NetEase answers 450/451 MI:DMC after some dozens of messages on
	 * one connection and limits a free account to a few per minute;
	 * these defaults stay under both for 126/163 (dutyd.conf(5)). */
	I("per_connection", T, per_connection, 0, 10000, "20"),
	I("rate", T, rate, 0, 10000, "10"),
	END
};
#undef T

static const struct field maildir_tab[] = {
	S("path", put_path, struct cfg_maildir, path, NULL, false),
	END
};

#define T	struct cfg_outbox
static const struct field outbox_tab[] = {
	I("retry_min", T, retry_min, 10, DAY_S, "300"),
	I("retry_max", T, retry_max, 10, 7 * DAY_S, "4000"),
	I("give_up", T, give_up, 60, 60 * DAY_S, "432000"),
	I("batch", T, batch, 1, 10000, "100"),
	END
};
#undef T

#define T	struct cfg_reminders
static const struct field reminders_tab[] = {
	S("time", put_time, T, time, "09:00", false),
	BOOL("working_days_only", T, working_days_only, "true"),
	IARR("before", T, before, nbefore, 1, 365, "7,3,1"),
	BOOL("due_day", T, due_day, "true"),
	I("overdue_every", T, overdue_every, 1, 365, "2"),
	I("escalate_leader", T, escalate_leader, 0, 365, "3"),
	I("escalate_principal", T, escalate_principal, 0, 365, "10"),
	I("yellow", T, yellow, 0, 365, "7"),
	I("red", T, red, 0, 365, "3"),
	ARR("channels", F_STR, put_channel, T, channels, "email"),
	{ .key = "sms_from", .kind = F_INT, .min = 0, .max = 365,
	    .def = "1", .fn = put_uint, .off = offsetof(T, sms_from) },
	END
};
#undef T

#define T	struct cfg_sms
static const struct field sms_tab[] = {
	BOOL("enabled", T, enabled, "false"),
	S("provider", put_provider, T, provider, NULL, false),
	S("endpoint", put_https_url, T, endpoint, NULL, false),
	S("access_key_id", put_str, T, access_key_id, NULL, false),
	S("secret_file", put_secret, T, secret_file, NULL, false),
	S("sign_name", put_str, T, sign_name, NULL, false),
	S("sdk_app_id", put_str, T, sdk_app_id, NULL, false),
	S("region", put_str, T, region, NULL, false),
	S("template_reminder", put_str, T, template_reminder, NULL, false),
	S("template_overdue", put_str, T, template_overdue, NULL, false),
	S("template_shortfall", put_str, T, template_shortfall, NULL, false),
	S("template_duty", put_str, T, template_duty, NULL, false),
	S("ca_file", put_file, T, ca_file, NULL, false),
	I("timeout", T, timeout, 1, 300, "15"),
	/* 0: the provider's default, set in check_sms. */
	I("param_max", T, param_max, 0, 500, "0"),
	I("min_interval", T, min_interval, -1, DAY_S, "-1"),
	I("per_hour", T, per_hour, 0, 1000, "5"),
	I("per_day", T, per_day, 0, 10000, "10"),
	END
};
#undef T

#define T	struct cfg_im
static const struct field im_tab[] = {
	S("name", put_key, T, name, NULL, true),
	S("type", put_im_type, T, type, NULL, true),
	S("url", put_https_url, T, url, NULL, true),
	S("secret_file", put_secret, T, secret_file, NULL, false),
	ARR("kinds", F_STR, put_im_kind, T, kinds, "escalation,digest"),
	S("format", put_im_format, T, format, "markdown", false),
	S("body_template", put_str, T, body_template, NULL, false),
	I("timeout", T, timeout, 1, 300, "15"),
	S("ca_file", put_file, T, ca_file, NULL, false),
	END
};
#undef T

#define T	struct cfg_mailbox
static const struct field mailbox_tab[] = {
	BOOL("enabled", T, enabled, "false"),
	S("url", put_imap_url, T, url, NULL, false),
	S("username", put_str, T, username, NULL, false),
	S("password_file", put_secret, T, password_file, NULL, false),
	S("ca_file", put_file, T, ca_file, NULL, false),
	I("poll_interval", T, poll_interval, 30, DAY_S, "600"),
	I("max_size", T, max_size, 1024, 100 * 1024 * 1024, "10485760"),
	I("timeout", T, timeout, 1, 50, "25"),
	BOOL("mark_seen", T, mark_seen, "false"),
	I("answer_days", T, answer_days, 1, 365, "15"),
	END
};
#undef T

#define T	struct cfg_replies
static const struct field replies_tab[] = {
	BOOL("enabled", T, enabled, "false"),
	S("address", put_email, T, address, NULL, false),
	S("key_file", put_secret, T, key_file, NULL, false),
	BOOL("require_dkim", T, require_dkim, "false"),
	S("authserv_id", put_str, T, authserv_id, NULL, false),
	I("max_attachment", T, max_attachment, 1024, 100 * 1024 * 1024,
	    "10485760"),
	END
};
#undef T

#define T	struct cfg_duty
static const struct field duty_tab[] = {
	S("id", put_key, T, id, NULL, true),
	S("title", put_str, T, title, NULL, true),
	S("period", put_period, T, period, NULL, true),
	I("at_least", T, at_least, 1, 1000, "1"),
	{ .key = "owners", .kind = F_ARRAY, .elem = F_STR, .required = true,
	    .fn = put_strv, .off = offsetof(T, owners) },
	ARR("targets", F_STR, put_target, T, targets, NULL),
	IARR("warn", T, warn, nwarn, 1, 365, "20,10,3"),
	ARR("channels", F_STR, put_channel, T, channels, "email"),
	I("late_days", T, late_days, 0, 365, "10"),
	END
};
#undef T

#define T	struct cfg_digest
static const struct field digest_tab[] = {
	BOOL("enabled", T, enabled, "true"),
	{ .key = "weekday", .kind = F_SCALAR, .def = "mon",
	    .fn = put_weekday, .off = offsetof(T, weekday) },
	S("time", put_time, T, time, "08:30", false),
	ARR("to", F_STR, put_strv, T, to, NULL),
	END
};
#undef T

#define T	struct cfg_report
static const struct field report_tab[] = {
	S("title", put_str, T, title, NULL, false),
	S("signature", put_str, T, signature, NULL, false),
	S("phone", put_str, T, phone, NULL, false),
	S("email", put_email, T, email, NULL, false),
	S("docx_template", put_path, T, docx_template, NULL, false),
	END
};
#undef T

static const struct field root_tab[] = {
	GROUP("general", general, general_tab),
	{ .key = "people", .kind = F_LIST, .required = true, .sub = person_tab,
	    .off = offsetof(struct cfg, people),
	    .noff = offsetof(struct cfg, npeople),
	    .esize = sizeof(struct cfg_person) },
	GROUP("smtp", smtp, smtp_tab),
	GROUP("maildir", maildir, maildir_tab),
	GROUP("outbox", outbox, outbox_tab),
	GROUP("reminders", reminders, reminders_tab),
	GROUP("sms", sms, sms_tab),
	LIST("im", im, nim, im_tab, struct cfg_im),
	GROUP("mailbox", mailbox, mailbox_tab),
	GROUP("replies", replies, replies_tab),
	LIST("duties", duties, nduties, duty_tab, struct cfg_duty),
	GROUP("digest", digest, digest_tab),
	GROUP("report", report, report_tab),
	END
};

/* ------------------------------------------------------------------ */
/* The generic walker */

static const unsigned kind_types[] = {
	[F_BOOL] = 1u << CONFIG_TYPE_BOOL,
	[F_INT] = 1u << CONFIG_TYPE_INT | 1u << CONFIG_TYPE_INT64,
	[F_STR] = 1u << CONFIG_TYPE_STRING,
	[F_SCALAR] = 1u << CONFIG_TYPE_STRING | 1u << CONFIG_TYPE_INT |
	    1u << CONFIG_TYPE_INT64,
	[F_ARRAY] = 1u << CONFIG_TYPE_ARRAY | 1u << CONFIG_TYPE_LIST,
	[F_GROUP] = 1u << CONFIG_TYPE_GROUP,
	[F_LIST] = 1u << CONFIG_TYPE_LIST | 1u << CONFIG_TYPE_ARRAY,
};

static const char *const kind_want[] = {
	[F_BOOL] = N_("expected true or false"),
	[F_INT] = N_("expected an integer"),
	[F_STR] = N_("expected a string"),
	[F_SCALAR] = N_("expected a string or an integer"),
	[F_ARRAY] = N_("expected an array [ ... ]"),
	[F_GROUP] = N_("expected a group { ... }"),
	[F_LIST] = N_("expected a list ( { ... }, ... )"),
};

static void walk_group(struct ld *, const config_setting_t *,
    const config_setting_t *, const char *, const struct field *, void *);

/* Type- and range-check a scalar setting into `v`; 0 or -1 (reported). */
static int
scalar_get(struct ld *ld, const struct field *f, enum fkind k,
    const config_setting_t *s, struct cval *v)
{
	v->s = s;
	if (!(kind_types[k] & 1u << config_setting_type(s))) {
		ld_bad(ld, v, "%s", _(kind_want[k]));
		return -1;
	}
	v->type = config_setting_type(s) == CONFIG_TYPE_INT64 ?
	    CONFIG_TYPE_INT : config_setting_type(s);
	if (v->type == CONFIG_TYPE_BOOL)
		v->b = config_setting_get_bool(s);
	else if (v->type == CONFIG_TYPE_INT)
		v->i = config_setting_get_int64(s);
	else
		v->str = config_setting_get_string(s);
	if (v->type == CONFIG_TYPE_INT && f->min < f->max &&
	    (v->i < f->min || v->i > f->max)) {
		ld_bad(ld, v, _("must be between %lld and %lld"), f->min,
		    f->max);
		return -1;
	}
	if (v->type == CONFIG_TYPE_STRING && *v->str == '\0') {
		ld_bad(ld, v, _("must not be empty"));
		return -1;
	}
	if (v->type == CONFIG_TYPE_STRING && (str_has_ctl(v->str) ||
	    !str_utf8_valid(v->str, strlen(v->str)))) {
		ld_bad(ld, v, _("control characters or invalid UTF-8"));
		return -1;
	}
	return 0;
}

/* Store one scalar: through the handler, or as a plain bool/int/string. */
static void
scalar_put(struct ld *ld, const struct field *f, const struct cval *v,
    void *obj)
{
	if (f->fn != NULL)
		f->fn(ld, f, v, obj);
	else if (v->type == CONFIG_TYPE_BOOL)
		*AT(obj, f->off, bool) = v->b;
	else if (v->type == CONFIG_TYPE_INT)
		*AT(obj, f->off, int) = (int)v->i;
	else
		put_str(ld, f, v, obj);
}

static void
walk_array(struct ld *ld, const struct field *f, const config_setting_t *s,
    const char *path, void *obj)
{
	struct cval	 v;
	char		*ep;
	int		 i, n = config_setting_length(s);

	for (i = 0; i < n; i++) {
		memset(&v, 0, sizeof(v));
		ep = xasprintf("%s.[%d]", path, i);
		v.path = ep;
		if (scalar_get(ld, f, f->elem, config_setting_get_elem(s,
		    (unsigned)i), &v) == 0)
			scalar_put(ld, f, &v, obj);
		free(ep);
	}
}

static void
walk_list(struct ld *ld, const struct field *f, const config_setting_t *s,
    const char *path, void *obj)
{
	const config_setting_t	*e;
	struct cval		 v = { 0 };
	char			*ep, *base;
	int			 i, n = config_setting_length(s);

	base = xcalloc(n > 0 ? (size_t)n : 1, f->esize);
	*AT(obj, f->off, void *) = base;
	*AT(obj, f->noff, size_t) = (size_t)n;
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		ep = xasprintf("%s.[%d]", path, i);
		v.s = e;
		v.path = ep;
		if (config_setting_type(e) != CONFIG_TYPE_GROUP)
			ld_bad(ld, &v, "%s", _(kind_want[F_GROUP]));
		else
			walk_group(ld, e, e, ep, f->sub,
			    base + (size_t)i * f->esize);
		free(ep);
	}
}

/* A value from the file. */
static void
walk_setting(struct ld *ld, const struct field *f, const config_setting_t *s,
    const char *path, void *obj)
{
	struct cval	 v = { 0 };

	v.path = path;
	v.s = s;
	if (!(kind_types[f->kind] & 1u << config_setting_type(s)))
		ld_bad(ld, &v, "%s", _(kind_want[f->kind]));
	else if (f->kind == F_GROUP)
		walk_group(ld, s, s, path, f->sub, AT(obj, f->off, char));
	else if (f->kind == F_LIST)
		walk_list(ld, f, s, path, obj);
	else if (f->kind == F_ARRAY)
		walk_array(ld, f, s, path, obj);
	else if (scalar_get(ld, f, f->kind, s, &v) == 0)
		scalar_put(ld, f, &v, obj);
}

/* The default of an absent setting, from its text in the table. */
static void
walk_default(struct ld *ld, const struct field *f, const char *path,
    void *obj)
{
	struct cval	 v = { 0 };
	enum fkind	 k = f->kind == F_ARRAY ? f->elem : f->kind;
	char		*copy, *tok, *rest;

	v.path = path;
	copy = xstrdup(f->def);
	for (tok = copy; tok != NULL; tok = rest) {
		rest = f->kind == F_ARRAY ? strchr(tok, ',') : NULL;
		if (rest != NULL)
			*rest++ = '\0';
		v.type = k == F_BOOL ? CONFIG_TYPE_BOOL : k == F_INT ?
		    CONFIG_TYPE_INT : CONFIG_TYPE_STRING;
		v.b = strcmp(tok, "true") == 0;
		v.str = tok;
		if (k == F_INT && str_to_ll(tok, LLONG_MIN, LLONG_MAX,
		    &v.i) == -1)
			ld_bad(ld, &v, _("bad default (bug)"));
		else
			scalar_put(ld, f, &v, obj);
	}
	free(copy);
}

/*
 * Walk group `grp` (NULL if absent: defaults only) against table `tab`,
 * storing into `obj`.  `at` is the nearest existing setting, for the line
 * of "missing" errors.
 */
static void
walk_group(struct ld *ld, const config_setting_t *grp,
    const config_setting_t *at, const char *path, const struct field *tab,
    void *obj)
{
	const config_setting_t	*s;
	const struct field	*f;
	char			*sp;
	int			 i, n;

	n = grp != NULL ? config_setting_length(grp) : 0;
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(grp, (unsigned)i);
		for (f = tab; f->key != NULL; f++)
			if (strcmp(f->key, config_setting_name(s)) == 0)
				break;
		if (f->key == NULL) {
			sp = path_join(path, config_setting_name(s));
			ld_err(ld, s, sp, _("unknown setting"));
			free(sp);
		}
	}
	for (f = tab; f->key != NULL; f++) {
		s = grp != NULL ? config_setting_get_member(grp, f->key) : NULL;
		sp = path_join(path, f->key);
		if (s != NULL)
			walk_setting(ld, f, s, sp, obj);
		else if (f->required)
			ld_missing(ld, at, sp);
		else if (f->kind == F_GROUP)
			walk_group(ld, NULL, at, sp, f->sub,
			    AT(obj, f->off, char));
		else if (f->def != NULL)
			walk_default(ld, f, sp, obj);
		free(sp);
	}
}

/* ------------------------------------------------------------------ */
/* Whole-file checks */

static const struct cfg_person *
person_at(const struct cfg *cfg, const char *key, size_t *idx)
{
	size_t	 i;

	for (i = 0; key != NULL && i < cfg->npeople; i++)
		if (cfg->people[i].key != NULL &&
		    strcmp(cfg->people[i].key, key) == 0) {
			if (idx != NULL)
				*idx = i;
			return &cfg->people[i];
		}
	return NULL;
}

/* Every key in `sv` (at `path`.[i]) must name a person. */
static void
check_keys(struct ld *ld, const struct cfg *cfg, const struct strv *sv,
    const char *path)
{
	char	*ep;
	size_t	 i;

	for (i = 0; i < sv->n; i++) {
		if (person_at(cfg, sv->v[i], NULL) != NULL)
			continue;
		ep = xasprintf("%s.[%zu]", path, i);
		ld_bad_path(ld, ep, _("no such person"));
		free(ep);
	}
}

static void
check_person_dups(struct ld *ld, const struct cfg *cfg, size_t i)
{
	const struct cfg_person	*p = &cfg->people[i], *q;
	char			*ep, *what;
	size_t			 j;

	for (j = 0; j < i; j++) {
		q = &cfg->people[j];
		if (p->key != NULL && q->key != NULL &&
		    strcmp(p->key, q->key) == 0) {
			ep = xasprintf("people.[%zu].key", i);
			what = xasprintf(_("duplicate key, also "
			    "people.[%zu]"), j);
			ld_bad_path(ld, ep, what);
			free(ep);
			free(what);
		}
		if (p->unix_user != NULL && q->unix_user != NULL &&
		    strcmp(p->unix_user, q->unix_user) == 0) {
			ep = xasprintf("people.[%zu].unix_user", i);
			what = xasprintf(_("duplicate unix_user, also "
			    "people.[%zu]"), j);
			ld_bad_path(ld, ep, what);
			free(ep);
			free(what);
		}
		if (p->name != NULL && q->name != NULL &&
		    strcmp(p->name, q->name) == 0) {
			ep = xasprintf("people.[%zu].name", i);
			what = xasprintf(_("duplicate name, also people.[%zu]"),
			    j);
			ld_bad_path(ld, ep, what);
			free(ep);
			free(what);
		}
	}
}

static void
check_leaders(struct ld *ld, const struct cfg *cfg, size_t i)
{
	const struct cfg_person	*p = &cfg->people[i], *l;
	char			*ep;
	size_t			 j;

	for (j = 0; j < p->leaders.n; j++) {
		ep = xasprintf("people.[%zu].leaders.[%zu]", i, j);
		l = person_at(cfg, p->leaders.v[j], NULL);
		if (l == NULL)
			ld_bad_path(ld, ep, _("no such person"));
		else if (l == p)
			ld_bad_path(ld, ep, _("a person cannot be their own "
			    "leader"));
		else if (!(l->roles & (CFG_ROLE_LEADER | CFG_ROLE_PRINCIPAL)))
			ld_bad_path(ld, ep, _("has neither the leader nor the "
			    "principal role"));
		free(ep);
	}
}

static void
check_people(struct ld *ld, struct cfg *cfg)
{
	const config_setting_t	*s;
	size_t			 i;

	s = config_lookup(ld->cf, "people");
	if (cfg->npeople == 0 && s != NULL && config_setting_is_aggregate(s))
		ld_bad_path(ld, "people", _("at least one person is needed"));
	for (i = 0; i < cfg->npeople; i++) {
		check_person_dups(ld, cfg, i);
		check_leaders(ld, cfg, i);
	}
}

/*
 * An SMS template names what it carries: a duty's warnings go to its
 * owners with sms.template_duty, a closed period's shortfall to the
 * leaders with sms.template_shortfall.  Without either, that part would
 * never be sent.
 */
static void
check_duty_sms(struct ld *ld, const struct cfg *cfg, size_t i)
{
	char	*ep;

	if ((cfg->duties[i].channels & CFG_CH_SMS) == 0 || !cfg->sms.enabled)
		return;
	ep = xasprintf("duties.[%zu].channels", i);
	if (cfg->sms.template_shortfall == NULL)
		ld_bad_path(ld, ep, _("\"sms\" carries the shortfalls of a "
		    "closed period to the leaders with the approved template "
		    "sms.template_shortfall: set it"));
	if (cfg->sms.template_duty == NULL)
		ld_bad_path(ld, ep, _("\"sms\" carries the duty's warnings "
		    "to its owners with the approved template "
		    "sms.template_duty: set it"));
	free(ep);
}

static void
check_duties(struct ld *ld, struct cfg *cfg)
{
	const struct cfg_duty	*d;
	char			*ep, *what;
	size_t			 i, j;

	for (i = 0; i < cfg->nduties; i++) {
		d = &cfg->duties[i];
		for (j = 0; j < i && d->id != NULL; j++) {
			if (cfg->duties[j].id == NULL ||
			    strcmp(cfg->duties[j].id, d->id) != 0)
				continue;
			ep = xasprintf("duties.[%zu].id", i);
			what = xasprintf(_("duplicate id, also "
			    "duties.[%zu]"), j);
			ld_bad_path(ld, ep, what);
			free(ep);
			free(what);
		}
		ep = xasprintf("duties.[%zu].owners", i);
		if (d->owners.n == 0 && config_lookup(ld->cf, ep) != NULL)
			ld_bad_path(ld, ep, _("at least one owner is needed"));
		check_keys(ld, cfg, &d->owners, ep);
		free(ep);
		check_duty_sms(ld, cfg, i);
		if (d->nwarn > 1)
			qsort(d->warn, d->nwarn, sizeof(int), int_desc);
	}
}

/* With no digest.to, the digest goes to the principals. */
static void
check_digest(struct ld *ld, struct cfg *cfg)
{
	size_t	 i;

	check_keys(ld, cfg, &cfg->digest.to, "digest.to");
	if (cfg->digest.to.n > 0 || !cfg->digest.enabled)
		return;
	for (i = 0; i < cfg->npeople; i++)
		if (cfg->people[i].roles & CFG_ROLE_PRINCIPAL &&
		    cfg->people[i].key != NULL)
			strv_push(&cfg->digest.to, cfg->people[i].key);
	/* With errors already, the principal may just have been misspelt. */
	if (cfg->digest.to.n == 0 && ld->nerrs == 0)
		ld_bad_path(ld, "digest.enabled", _("nobody to send the digest "
		    "to: set digest.to or give someone the principal role"));
}

/* Settings that must be present when section `sec` is enabled. */
static void
check_needed(struct ld *ld, const char *sec, const char *const *keys,
    void *const *vals)
{
	const config_setting_t	*at;
	char			*p;
	size_t			 i;

	at = config_lookup(ld->cf, sec);
	for (i = 0; keys[i] != NULL; i++) {
		if (*(char *const *)vals[i] != NULL)
			continue;
		p = path_join(sec, keys[i]);
		if (config_lookup(ld->cf, p) == NULL)
			ld_err(ld, at, p, _("required when %s.enabled is true"),
			    sec);
		free(p);
	}
}

static void
check_smtp(struct ld *ld, struct cfg *cfg)
{
	static const char *const keys[] = { "url", "from", NULL };
	void	*vals[] = { &cfg->smtp.url, &cfg->smtp.from };

	if (cfg->smtp.enabled)
		check_needed(ld, "smtp", keys, vals);
}

static void
check_sms(struct ld *ld, struct cfg *cfg)
{
	static const char *const keys[] = { "provider", "access_key_id",
	    "secret_file", "sign_name", "template_reminder", NULL };
	struct cfg_sms	*sms = &cfg->sms;
	void		*vals[] = { &sms->provider, &sms->access_key_id,
	    &sms->secret_file, &sms->sign_name, &sms->template_reminder };
	bool		 tencent;

	tencent = sms->provider != NULL && strcmp(sms->provider,
	    "tencent") == 0;
	if (sms->enabled) {
		check_needed(ld, "sms", keys, vals);
		if (tencent && sms->sdk_app_id == NULL &&
		    config_lookup(ld->cf, "sms.sdk_app_id") == NULL)
			ld_err(ld, config_lookup(ld->cf, "sms"),
			    "sms.sdk_app_id",
			    _("required for the tencent provider"));
	}
	if (sms->endpoint == NULL)
		sms->endpoint = xstrdup(tencent ?
		    "https://sms.tencentcloudapi.com/" :
		    "https://dysmsapi.aliyuncs.com/");
	if (sms->region == NULL)
		sms->region = xstrdup(tencent ? "ap-guangzhou" :
		    "cn-hangzhou");
	if (sms->template_overdue == NULL && sms->template_reminder != NULL)
		sms->template_overdue = xstrdup(sms->template_reminder);
	/* Documented defaults: Aliyun variables up to 35 characters and one
	 * SMS a minute per number; Tencent 12 characters (the stricter,
	 * personal-account rule) and one per 30 seconds. */
	if (sms->param_max == 0)
		sms->param_max = tencent ? 12 : 35;
	if (sms->min_interval < 0)
		sms->min_interval = tencent ? 30 : 60;
}

static void
check_mailbox(struct ld *ld, struct cfg *cfg)
{
	static const char *const keys[] = { "url", "username",
	    "password_file", NULL };
	void	*vals[] = { &cfg->mailbox.url, &cfg->mailbox.username,
	    &cfg->mailbox.password_file };

	static const char *const rkeys[] = { "address", "key_file", NULL };
	void	*rvals[] = { &cfg->replies.address, &cfg->replies.key_file };

	if (cfg->mailbox.enabled)
		check_needed(ld, "mailbox", keys, vals);
	if (cfg->replies.enabled)
		check_needed(ld, "replies", rkeys, rvals);
	if (cfg->replies.enabled && !cfg->mailbox.enabled)
		ld_bad_path(ld, "replies.enabled", _("needs the mailbox "
		    "section enabled: dutyd reads the answers there"));
	if (cfg->replies.enabled && cfg->replies.require_dkim &&
	    cfg->replies.authserv_id == NULL)
		ld_bad_path(ld, "replies.require_dkim", _("needs "
		    "replies.authserv_id: the receiving server whose "
		    "Authentication-Results to trust"));
}

static void
check_im(struct ld *ld, struct cfg *cfg)
{
	char	*ep;
	size_t	 i, j;

	for (i = 0; i < cfg->nim; i++)
		for (j = 0; j < i; j++) {
			if (cfg->im[i].name == NULL || cfg->im[j].name ==
			    NULL || strcmp(cfg->im[i].name,
			    cfg->im[j].name) != 0)
				continue;
			ep = xasprintf("im.[%zu].name", i);
			ld_bad_path(ld, ep, _("duplicate name"));
			free(ep);
		}
	for (i = 0; i < cfg->nim; i++) {
		if (cfg->im[i].type == NULL ||
		    strcmp(cfg->im[i].type, "webhook") != 0 ||
		    cfg->im[i].body_template != NULL)
			continue;
		/* The shipped template in general.templates. */
		cfg->im[i].body_template = xstrdup("im-webhook.json");
	}
}

/* A channel asked for somewhere must have a way out. */
static void
check_channel_set(struct ld *ld, const struct cfg *cfg, unsigned ch,
    const char *path)
{
	if (ch & CFG_CH_EMAIL && !cfg->smtp.enabled && cfg->maildir.path ==
	    NULL)
		ld_bad_path(ld, path, _("email needs smtp.enabled = true or "
		    "a maildir.path"));
	if (ch & CFG_CH_SMS && !cfg->sms.enabled)
		ld_bad_path(ld, path, _("sms needs sms.enabled = true"));
	if (ch & CFG_CH_IM && cfg->nim == 0)
		ld_bad_path(ld, path, _("im needs at least one im entry"));
}

static void
check_channels(struct ld *ld, struct cfg *cfg)
{
	char	*ep;
	size_t	 i;

	check_channel_set(ld, cfg, cfg->reminders.channels,
	    "reminders.channels");
	for (i = 0; i < cfg->nduties; i++) {
		ep = xasprintf("duties.[%zu].channels", i);
		check_channel_set(ld, cfg, cfg->duties[i].channels, ep);
		free(ep);
	}
}

static void
check_reminders(struct ld *ld, struct cfg *cfg)
{
	struct cfg_reminders	*r = &cfg->reminders;

	if (r->nbefore > 1)
		qsort(r->before, r->nbefore, sizeof(int), int_desc);
	if (r->red > r->yellow)
		ld_bad_path(ld, "reminders.red", _("must not be more than "
		    "reminders.yellow"));
	if (r->escalate_principal < r->escalate_leader)
		ld_bad_path(ld, "reminders.escalate_principal", _("must not be "
		    "less than reminders.escalate_leader"));
	if (cfg->outbox.retry_max < cfg->outbox.retry_min)
		ld_bad_path(ld, "outbox.retry_max", _("must not be less than "
		    "outbox.retry_min"));
}

/* "/var/lib/dutyd/dutyd.db" -> "/var/lib/dutyd/evidence". */
static char *
evidence_default(const char *database)
{
	const char	*slash = strrchr(database, '/');

	if (slash == NULL)
		return xstrdup("evidence");
	return xasprintf("%.*s/evidence", (int)(slash - database), database);
}

static void
check_general(struct ld *ld, struct cfg *cfg)
{
	struct cfg_general	*g = &cfg->general;
	char			*ep, day[11];
	size_t			 i, j;

	/* Evidence files live beside the database unless told otherwise. */
	if (g->evidence_dir == NULL && g->database != NULL)
		g->evidence_dir = evidence_default(g->database);
	if (cfg->report.docx_template == NULL && g->templates != NULL)
		cfg->report.docx_template = xasprintf("%s/report.docx",
		    g->templates);
	if (g->nholidays > 1)
		qsort(g->holidays, g->nholidays, sizeof(int32_t), day_asc);
	if (g->nworkdays > 1)
		qsort(g->workdays, g->nworkdays, sizeof(int32_t), day_asc);
	for (i = 0; i < g->nworkdays; i++)
		for (j = 0; j < g->nholidays; j++) {
			if (g->workdays[i] != g->holidays[j])
				continue;
			ep = xasprintf(_("%s is both a holiday and a working "
			    "day"), day_format(g->workdays[i], day));
			ld_bad_path(ld, "general.workdays", ep);
			free(ep);
		}
}

/*
 * ssh's rule for keys: a file that holds a secret must not be readable by
 * group or others.  The only secret written inline is a robot webhook URL
 * (its token is in the URL: whoever has it can post to the group); the
 * file is the one that holds it, which may be one the config @includes.
 */
static void
check_file_mode(struct ld *ld, struct cfg *cfg)
{
	const config_setting_t	*s;
	const char		*file, *seen[8];
	struct stat		 st;
	size_t			 i, j, nseen = 0;
	char			 path[32], *real;

	/* Last, and only for a file that is otherwise valid. */
	if ((ld->flags & CFG_LOAD_NO_FILES) || ld->nerrs > 0)
		return;
	for (i = 0; i < cfg->nim && nseen < 8; i++) {
		snprintf(path, sizeof(path), "im.[%zu].url", i);
		s = config_lookup(ld->cf, path);
		file = s != NULL && config_setting_source_file(s) != NULL ?
		    config_setting_source_file(s) : ld->file;
		for (j = 0; j < nseen && strcmp(seen[j], file) != 0; j++)
			;
		if (j < nseen)
			continue;
		seen[nseen++] = file;
		/* libconfig names an included file as the @include wrote it. */
		real = file == ld->file ? xstrdup(file) :
		    path_resolve(ld, file);
		if (stat(real, &st) == 0 && (st.st_mode & 077) != 0)
			ld_push(ld, 0, xasprintf(_("%s: holds secrets (%s: a "
			    "robot webhook address is its access token) but "
			    "has mode %04o: it must not be readable by group "
			    "or others (run: chmod 600 %s, and chown it to the "
			    "user dutyd runs as)"), real, path,
			    (unsigned)(st.st_mode & 07777), real));
		free(real);
	}
}

static void (*const check_tab[])(struct ld *, struct cfg *) = {
	check_general, check_people, check_duties, check_digest, check_smtp,
	check_sms, check_mailbox, check_im, check_channels, cfg_check_routes,
	check_reminders,
	check_file_mode, cfg_check_templates,
};

/* ------------------------------------------------------------------ */
/* Loading */

static int
lderr_cmp(const void *a, const void *b)
{
	const struct lderr	*x = a, *y = b;

	if (x->key != y->key)
		return (x->key > y->key) - (x->key < y->key);
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Sort into file order (stable), hand the first CFG_MAX_ERRORS over. */
static void
ld_finish(struct ld *ld, struct strv *errors)
{
	size_t	 i;

	if (ld->nerrs > 1)
		qsort(ld->errs, ld->nerrs, sizeof(*ld->errs), lderr_cmp);
	for (i = 0; i < ld->nerrs; i++) {
		if (errors != NULL && i < CFG_MAX_ERRORS)
			strv_push(errors, ld->errs[i].msg);
		free(ld->errs[i].msg);
	}
	free(ld->errs);
	free(ld->dir);
}

static char *
dir_of(const char *path)
{
	const char	*slash = strrchr(path, '/');
	char		*d, *real;

	if (slash == NULL)
		d = xstrdup(".");
	else if (slash == path)
		d = xstrdup("/");
	else
		d = xstrndup(path, (size_t)(slash - path));
	real = realpath(d, NULL);
	if (real == NULL)
		return d;
	free(d);
	return real;
}

/* Punctuation a Chinese input method slips into a config file. */
static const struct {
	const char	*ch;
	const char	*what;
	const char	*fix;
	bool		 quote;
} wide_punct[] = {
	{ "；", N_("a full-width semicolon"), ";", false },
	{ "：", N_("a full-width colon"), ":", false },
	{ "，", N_("a full-width comma"), ",", false },
	{ "“", N_("a Chinese opening quote"), "\"", true },
	{ "”", N_("a Chinese closing quote"), "\"", true },
	{ "＝", N_("a full-width equals sign"), "=", false },
	{ "（", N_("a full-width parenthesis"), "(", false },
	{ "）", N_("a full-width parenthesis"), ")", false },
	{ "　", N_("a full-width space"), " ", false },
};

/*
 * The first wide_punct entry outside a string or comment in line `s`, or
 * a Chinese quote inside a string the line leaves open ("张三”;), or -1.
 */
static int
wide_find(const char *s)
{
	const char	*p;
	bool		 str = false;
	size_t		 i;

	for (p = s; *p != '\0'; p++) {
		if (str && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			str = !str;
		else if (!str && (*p == '#' || strncmp(p, "//", 2) == 0))
			break;
		else if (!str)
			for (i = 0; i < sizeof(wide_punct) /
			    sizeof(wide_punct[0]); i++)
				if (strncmp(p, wide_punct[i].ch,
				    strlen(wide_punct[i].ch)) == 0)
					return (int)i;
	}
	for (i = 0; str && i < sizeof(wide_punct) / sizeof(wide_punct[0]);
	    i++)
		if (wide_punct[i].quote && strstr(s, wide_punct[i].ch) != NULL)
			return (int)i;
	return -1;
}

/*
 * libconfig says only "syntax error": name a full-width character on the
 * reported line, or the line before it, and its ASCII replacement.
 */
static char *
syntax_hint(const char *file, int line)
{
	FILE	*fp = fopen(file, "r");
	char	*text = NULL, *prev = NULL, *hint = NULL;
	size_t	 cap = 0;
	int	 no = 0, i;

	if (line <= 0 && fp != NULL)
		fclose(fp);
	if (line <= 0)
		return NULL;
	while (fp != NULL && no < line && getline(&text, &cap, fp) != -1) {
		if (++no == line - 1)
			prev = xstrdup(text);
	}
	if (no == line && (i = wide_find(text)) >= 0)
		hint = xasprintf(_(" (line %d has %s \"%s\": use "
		    "\"%s\")"), line, _(wide_punct[i].what),
		    wide_punct[i].ch, wide_punct[i].fix);
	else if (no == line && prev != NULL && (i = wide_find(prev)) >= 0)
		hint = xasprintf(_(" (line %d has %s \"%s\": use "
		    "\"%s\")"), line - 1, _(wide_punct[i].what),
		    wide_punct[i].ch, wide_punct[i].fix);
	if (fp != NULL)
		fclose(fp);
	free(text);
	free(prev);
	return hint;
}

/*
 * libconfig's own parse; syntax errors stop at the first one, which goes
 * into the list like any other; `err` only counts it.
 */
static int
parse(config_t *cf, const char *path, struct ld *ld, struct derr *err)
{
	FILE		*fp;
	const char	*file, *text;
	char		*hint;

	fp = fopen(path, "r");
	if (fp == NULL)
		return derr_set(err, DERR_SYS, false, "%s: %s", path,
		    strerror(errno));
	config_set_include_dir(cf, ld->dir);
	if (config_read(cf, fp) == CONFIG_TRUE) {
		fclose(fp);
		return 0;
	}
	fclose(fp);
	file = config_error_file(cf) != NULL ? config_error_file(cf) : path;
	hint = syntax_hint(file, config_error_line(cf));
	/* libconfig's words, in the one case people meet. */
	text = config_error_text(cf);
	if (strcmp(text, "syntax error") == 0)
		text = _("syntax error");
	ld_push(ld, config_error_line(cf), xasprintf("%s:%d: %s%s", file,
	    config_error_line(cf), text, hint != NULL ? hint : ""));
	free(hint);
	return derr_set(err, DERR_CONFIG, false, ngettext("%s: %zu error",
	    "%s: %zu errors", 1), path, (size_t)1);
}

struct cfg *
cfg_load_flags(const char *path, unsigned flags, struct strv *errors,
    struct derr *err)
{
	struct ld	 ld = { 0 };
	struct cfg	*cfg;
	config_t	 cf;
	const char	*lang;
	size_t		 i, n;

	ld.file = path;
	ld.dir = dir_of(path);
	ld.flags = flags;
	ld.cf = &cf;
	config_init(&cf);
	if (parse(&cf, path, &ld, err) == -1) {
		config_destroy(&cf);
		ld_finish(&ld, errors);
		return NULL;
	}
	/* Either way: a reload that drops language = "en" speaks Chinese. */
	if (flags & CFG_LOAD_LANGUAGE)
		i18n_set_english(config_lookup_string(&cf, "general.language",
		    &lang) == CONFIG_TRUE && strcmp(lang, "en") == 0);
	cfg = xcalloc(1, sizeof(*cfg));
	cfg->path = xstrdup(path);
	walk_group(&ld, config_root_setting(&cf), NULL, "", root_tab, cfg);
	for (i = 0; i < sizeof(check_tab) / sizeof(check_tab[0]); i++)
		check_tab[i](&ld, cfg);
	config_destroy(&cf);
	n = ld.nerrs;
	ld_finish(&ld, errors);
	if (n == 0)
		return cfg;
	cfg_free(cfg);
	if (n > CFG_MAX_ERRORS)
		derr_set(err, DERR_CONFIG, false, _("%s: %zu errors (first %d "
		    "shown)"), path, n, CFG_MAX_ERRORS);
	else
		derr_set(err, DERR_CONFIG, false, ngettext("%s: %zu error",
		    "%s: %zu errors", n), path, n);
	return NULL;
}

struct cfg *
cfg_load(const char *path, struct strv *errors, struct derr *err)
{
	return cfg_load_flags(path, 0, errors, err);
}

struct cfg *
cfg_report(const char *path)
{
	return cfg_report_flags(path, 0);
}

struct cfg *
cfg_report_flags(const char *path, unsigned flags)
{
	struct strv	 errors = { 0 };
	struct derr	 err = { 0 };
	struct cfg	*cfg;
	size_t		 i;

	cfg = cfg_load_flags(path, flags, &errors, &err);
	for (i = 0; i < errors.n; i++)
		log_err("%s", errors.v[i]);
	if (cfg == NULL)
		log_err("%s", err.msg);
	strv_clear(&errors);
	return cfg;
}

/* ------------------------------------------------------------------ */
/* Freeing */

static void
person_clear(struct cfg_person *p)
{
	free(p->key);
	free(p->name);
	free(p->email);
	free(p->phone);
	free(p->unix_user);
	strv_clear(&p->leaders);
}

static void
duty_clear(struct cfg_duty *d)
{
	free(d->id);
	free(d->title);
	strv_clear(&d->owners);
	strv_clear(&d->targets);
	free(d->warn);
}

static void
im_clear(struct cfg_im *im)
{
	free(im->name);
	free(im->type);
	free(im->url);
	free(im->secret_file);
	strv_clear(&im->kinds);
	free(im->format);
	free(im->body_template);
	free(im->ca_file);
}

static void
strs_free(char **v[], size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(*v[i]);
}

static void
sections_clear(struct cfg *c)
{
	struct cfg_sms	*s = &c->sms;
	char		**strs[] = {
		&c->general.timezone, &c->general.database,
		&c->general.templates, &c->general.office,
		&c->general.log_level, &c->general.language,
		&c->general.evidence_dir, &c->smtp.url,
		&c->smtp.username,
		&c->smtp.password_file, &c->smtp.from, &c->smtp.from_name,
		&c->smtp.ca_file, &c->maildir.path, &s->provider, &s->endpoint,
		&s->access_key_id, &s->secret_file, &s->sign_name,
		&s->sdk_app_id, &s->region, &s->template_reminder,
		&s->template_overdue, &s->template_shortfall, &s->template_duty,
		&s->ca_file,
		&c->mailbox.url,
		&c->mailbox.username, &c->mailbox.password_file,
		&c->mailbox.ca_file, &c->report.title, &c->report.signature,
		&c->report.phone, &c->report.email, &c->report.docx_template,
		&c->replies.address,
		&c->replies.key_file, &c->replies.authserv_id
	};

	strs_free(strs, sizeof(strs) / sizeof(strs[0]));
	free(c->general.holidays);
	free(c->general.workdays);
	free(c->reminders.before);
	strv_clear(&c->digest.to);
}

void
cfg_free(struct cfg *cfg)
{
	size_t	 i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->npeople; i++)
		person_clear(&cfg->people[i]);
	free(cfg->people);
	for (i = 0; i < cfg->nim; i++)
		im_clear(&cfg->im[i]);
	free(cfg->im);
	for (i = 0; i < cfg->nduties; i++)
		duty_clear(&cfg->duties[i]);
	free(cfg->duties);
	sections_clear(cfg);
	free(cfg->path);
	free(cfg);
}

/* ------------------------------------------------------------------ */
/* Lookups */

const struct cfg_person *
cfg_person_get(const struct cfg *cfg, const char *key)
{
	return person_at(cfg, key, NULL);
}

bool
cfg_person_email_is(const struct cfg *cfg, const char *key,
    const char *address)
{
	const struct cfg_person	*p = person_at(cfg, key, NULL);

	return p != NULL && p->email != NULL && address != NULL &&
	    strcasecmp(p->email, address) == 0;
}

const struct cfg_person *
cfg_person_find(const struct cfg *cfg, const char *s)
{
	size_t	 i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < cfg->npeople; i++)
		if (strcmp(cfg->people[i].key, s) == 0 ||
		    strcmp(cfg->people[i].name, s) == 0)
			return &cfg->people[i];
	return NULL;
}

const struct cfg_duty *
cfg_duty_get(const struct cfg *cfg, const char *id)
{
	size_t	 i;

	for (i = 0; id != NULL && i < cfg->nduties; i++)
		if (strcmp(cfg->duties[i].id, id) == 0)
			return &cfg->duties[i];
	return NULL;
}

char *
cfg_summary(const struct cfg *cfg)
{
	char	*email, *s;

	if (cfg->smtp.enabled)
		email = xasprintf(_("email via %s"), cfg->smtp.url);
	else if (cfg->maildir.path != NULL)
		email = xasprintf(_("email to maildir %s"), cfg->maildir.path);
	else
		email = xstrdup(_("no email"));
	s = xasprintf(cfg->npeople == 1 && cfg->nduties == 1 ?
	    _("configuration OK: %zu person, %zu duty, %s, sms %s, %zu im, "
	    "mailbox %s, database %s") : cfg->npeople == 1 ?
	    _("configuration OK: %zu person, %zu duties, %s, sms %s, %zu im, "
	    "mailbox %s, database %s") : cfg->nduties == 1 ?
	    _("configuration OK: %zu people, %zu duty, %s, sms %s, %zu im, "
	    "mailbox %s, database %s") :
	    _("configuration OK: %zu people, %zu duties, %s, sms %s, %zu im, "
	    "mailbox %s, database %s"), cfg->npeople, cfg->nduties, email,
	    cfg->sms.enabled ? cfg->sms.provider : _("off"), cfg->nim,
	    cfg->mailbox.enabled ? cfg->mailbox.url : _("off"),
	    cfg->general.database);
	free(email);
	return s;
}
