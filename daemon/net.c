/*
 * net: SMTP submission and HTTP POST with libcurl.  See net.h.
 */
#include "net.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "config.h"
#include "err.h"
#include "log.h"
#include "util.h"

/* SMTP servers send no body; anything beyond this is refused. */
#define NET_WRITE_MAX		(64 * 1024)
/* A stalled transfer (under 1 byte/s) fails after this many seconds
 * (IMAP; SMTP and HTTP take the configured timeout: issue 15). */
#define NET_LOW_SPEED_TIME	30L
#define NET_DEBUG_MAX		512

struct net_smtp {
	CURL		*curl;
	char		 errbuf[CURL_ERROR_SIZE];
	char		 why[CURL_ERROR_SIZE + 64];	/* curl_reason */
	char		 reply[NET_REPLY_MAX];	/* last reply line, escaped */
	char		 refusal[NET_REPLY_MAX]; /* first 4xx/5xx line */
	size_t		 written;		/* bytes seen by write_cb */
	bool		 in_auth;		/* debug_cb: hide AUTH lines */
};

struct net_upload {
	const char	*data;
	size_t		 len;
	size_t		 off;
};

static const struct net_tls_mode {
	int		 tls;
	const char	*scheme;
	const char	*protocols;
	long		 use_ssl;
} tls_modes[] = {
	{ CFG_TLS_STARTTLS,	"smtp://",	"smtp",	CURLUSESSL_ALL },
	{ CFG_TLS_IMPLICIT,	"smtps://",	"smtps", CURLUSESSL_ALL },
	{ CFG_TLS_NONE,		"smtp://",	"smtp",	CURLUSESSL_NONE },
};

/* Options every handle gets, whatever the endpoint. */
static const struct net_long_opt {
	CURLoption	 opt;
	long		 val;
} smtp_longs[] = {
	{ CURLOPT_NOSIGNAL,		1L },
	{ CURLOPT_FOLLOWLOCATION,	0L },
	{ CURLOPT_UPLOAD,		1L },
	{ CURLOPT_SSL_VERIFYPEER,	1L },
	{ CURLOPT_SSL_VERIFYHOST,	2L },
	{ CURLOPT_SSLVERSION,		CURL_SSLVERSION_TLSv1_2 },
	{ CURLOPT_LOW_SPEED_LIMIT,	1L },
};

/*
 * CURLcodes with a fixed meaning, checked before the SMTP reply code.
 * A TLS or login failure will fail every message alike: it is the
 * admin's to fix, so it is permanent and names the setting.
 */
static const struct net_code_class {
	CURLcode	 code;
	enum net_outcome outcome;
	enum derr_kind	 kind;
	const char	*hint;
} code_classes[] = {
	{ CURLE_PEER_FAILED_VERIFICATION, NET_PERMANENT, DERR_CONFIG,
	    "server certificate not trusted; set smtp.ca_file to the CA "
	    "that signed it" },
	{ CURLE_SSL_CACERT_BADFILE, NET_PERMANENT, DERR_CONFIG,
	    "cannot use the CA bundle; check smtp.ca_file" },
	{ CURLE_USE_SSL_FAILED, NET_PERMANENT, DERR_CONFIG,
	    "server does not offer STARTTLS; use smtps:// or another port" },
	{ CURLE_LOGIN_DENIED, NET_PERMANENT, DERR_CONFIG,
	    "login denied; check smtp.username and smtp.password_file" },
	{ CURLE_UNSUPPORTED_PROTOCOL, NET_PERMANENT, DERR_CONFIG,
	    "check smtp.url and smtp.tls" },
	{ CURLE_URL_MALFORMAT, NET_PERMANENT, DERR_CONFIG,
	    "check smtp.url" },
	{ CURLE_COULDNT_RESOLVE_HOST, NET_TRANSIENT, DERR_NET, NULL },
	{ CURLE_COULDNT_CONNECT, NET_TRANSIENT, DERR_NET, NULL },
};

static size_t
read_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct net_upload	*up = ud;
	size_t			 n;

	n = up->len - up->off;
	if (n > size * nmemb)
		n = size * nmemb;
	memcpy(ptr, up->data + up->off, n);
	up->off += n;
	return n;
}

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct net_smtp	*s = ud;

	(void)ptr;
	s->written += size * nmemb;
	if (s->written > NET_WRITE_MAX)
		return 0;
	return size * nmemb;
}

/*
 * Keep the last reply line (the queue id is in the 250 after DATA) and
 * the first refusal: after one, libcurl QUITs and "221 Bye" comes last.
 */
static size_t
header_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct net_smtp	*s = ud;
	char		 line[NET_REPLY_MAX];
	size_t		 n = size * nmemb;

	while (n > 0 && (ptr[n - 1] == '\n' || ptr[n - 1] == '\r'))
		n--;
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, ptr, n);
	line[n] = '\0';
	log_escape(line, s->reply, sizeof(s->reply));
	if (s->refusal[0] == '\0' && (line[0] == '4' || line[0] == '5'))
		memcpy(s->refusal, s->reply, sizeof(s->refusal));
	return size * nmemb;
}

static void
debug_line(const char *dir, const char *data, size_t size)
{
	int	 n;

	while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	n = size > NET_DEBUG_MAX ? NET_DEBUG_MAX : (int)size;
	log_debug("net: %s %.*s", dir, n, data);
}

/*
 * libcurl's protocol trace, at debug level only. Message data and TLS
 * records are never logged; from "AUTH" until the server's verdict
 * nothing sent is logged, so credentials cannot leak.
 */
static int
debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *ud)
{
	struct net_smtp	*s = ud;

	(void)c;
	if (type == CURLINFO_TEXT) {
		debug_line("*", data, size);
	} else if (type == CURLINFO_HEADER_IN) {
		if (s->in_auth && size >= 3 && strncmp(data, "334", 3) == 0)
			return 0;
		s->in_auth = false;
		debug_line("<", data, size);
	} else if (type == CURLINFO_HEADER_OUT) {
		if (size >= 5 && strncasecmp(data, "AUTH ", 5) == 0) {
			s->in_auth = true;
			debug_line(">", "AUTH (hidden)", 13);
		} else if (!s->in_auth) {
			debug_line(">", data, size);
		}
	}
	return 0;
}

static int
opt_fail(CURLcode rc, const char *what, struct derr *err)
{
	return derr_set(err, DERR_BUG, false, "cannot set %s: %s", what,
	    curl_easy_strerror(rc));
}

static int
set_str(CURL *c, CURLoption opt, const char *val, const char *what,
    struct derr *err)
{
	CURLcode	 rc;

	rc = curl_easy_setopt(c, opt, val);
	if (rc != CURLE_OK)
		return opt_fail(rc, what, err);
	return 0;
}

static int
set_long(CURL *c, CURLoption opt, long val, const char *what,
    struct derr *err)
{
	CURLcode	 rc;

	rc = curl_easy_setopt(c, opt, val);
	if (rc != CURLE_OK)
		return opt_fail(rc, what, err);
	return 0;
}

static int
set_ptr(CURL *c, CURLoption opt, void *val, const char *what,
    struct derr *err)
{
	CURLcode	 rc;

	rc = curl_easy_setopt(c, opt, val);
	if (rc != CURLE_OK)
		return opt_fail(rc, what, err);
	return 0;
}

static int
set_callbacks(struct net_smtp *s, struct derr *err)
{
	CURL	*c = s->curl;

	if (curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb) !=
	    CURLE_OK)
		return derr_set(err, DERR_BUG, false, "cannot set "
		    "callbacks");
	if (set_ptr(c, CURLOPT_WRITEDATA, s, "WRITEDATA", err) == -1 ||
	    set_ptr(c, CURLOPT_HEADERDATA, s, "HEADERDATA", err) == -1 ||
	    set_ptr(c, CURLOPT_ERRORBUFFER, s->errbuf, "ERRORBUFFER",
	    err) == -1)
		return -1;
	if (log_level_get() < LOGL_DEBUG)
		return 0;
	if (curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug_cb) != CURLE_OK)
		return derr_set(err, DERR_BUG, false, "cannot set "
		    "DEBUGFUNCTION");
	if (set_ptr(c, CURLOPT_DEBUGDATA, s, "DEBUGDATA", err) == -1 ||
	    set_long(c, CURLOPT_VERBOSE, 1L, "VERBOSE", err) == -1)
		return -1;
	return 0;
}

static const struct net_tls_mode *
tls_mode(const struct net_smtp_opts *o, struct derr *err)
{
	size_t	 i;

	for (i = 0; i < sizeof(tls_modes) / sizeof(tls_modes[0]); i++) {
		if (tls_modes[i].tls != o->tls)
			continue;
		if (o->url == NULL || strncasecmp(o->url, tls_modes[i].scheme,
		    strlen(tls_modes[i].scheme)) != 0) {
			derr_set(err, DERR_CONFIG, false, "smtp.url must "
			    "start with %s for this smtp.tls setting",
			    tls_modes[i].scheme);
			return NULL;
		}
		return &tls_modes[i];
	}
	derr_set(err, DERR_BUG, false, "unknown TLS mode %d", o->tls);
	return NULL;
}

static int
set_endpoint(CURL *c, const struct net_smtp_opts *o, struct derr *err)
{
	const struct net_tls_mode	*m;
	long				 low;

	m = tls_mode(o, err);
	if (m == NULL)
		return -1;
	/* Every limit comes from the configured timeout: a fixed 30 s
	 * stall limit ended a 300 s timeout after about 35 s. */
	low = o->timeout;
	if (set_str(c, CURLOPT_URL, o->url, "URL", err) == -1 ||
	    set_str(c, CURLOPT_PROTOCOLS_STR, m->protocols, "PROTOCOLS_STR",
	    err) == -1 ||
	    set_str(c, CURLOPT_REDIR_PROTOCOLS_STR, m->protocols,
	    "REDIR_PROTOCOLS_STR", err) == -1 ||
	    set_long(c, CURLOPT_USE_SSL, m->use_ssl, "USE_SSL", err) == -1 ||
	    set_long(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout,
	    "CONNECTTIMEOUT", err) == -1 ||
	    set_long(c, CURLOPT_TIMEOUT, o->timeout, "TIMEOUT", err) == -1 ||
	    set_long(c, CURLOPT_LOW_SPEED_TIME, low, "LOW_SPEED_TIME",
	    err) == -1)
		return -1;
	if (o->ca_file != NULL &&
	    set_str(c, CURLOPT_CAINFO, o->ca_file, "CAINFO", err) == -1)
		return -1;
	if (o->username == NULL)
		return 0;
	if (set_str(c, CURLOPT_USERNAME, o->username, "USERNAME", err) == -1 ||
	    set_str(c, CURLOPT_PASSWORD, o->password != NULL ? o->password :
	    "", "PASSWORD", err) == -1 ||
	    set_str(c, CURLOPT_LOGIN_OPTIONS, "AUTH=*", "LOGIN_OPTIONS",
	    err) == -1)
		return -1;
	return 0;
}

static int
set_all(struct net_smtp *s, const struct net_smtp_opts *o, struct derr *err)
{
	size_t	 i;

	for (i = 0; i < sizeof(smtp_longs) / sizeof(smtp_longs[0]); i++)
		if (set_long(s->curl, smtp_longs[i].opt, smtp_longs[i].val,
		    "option", err) == -1)
			return -1;
	if (set_callbacks(s, err) == -1)
		return -1;
	return set_endpoint(s->curl, o, err);
}

static void
net_smtp_free(struct net_smtp *s)
{
	if (s == NULL)
		return;
	curl_easy_cleanup(s->curl);
	free(s);
}

static struct net_smtp *
net_smtp_new(const struct net_smtp_opts *o, struct derr *err)
{
	struct net_smtp	*s;

	s = xcalloc(1, sizeof(*s));
	s->curl = curl_easy_init();
	if (s->curl == NULL) {
		free(s);
		derr_set(err, DERR_SYS, true, "cannot create a curl handle");
		return NULL;
	}
	if (set_all(s, o, err) == -1) {
		net_smtp_free(s);
		return NULL;
	}
	return s;
}

static const struct net_code_class *
code_class(CURLcode code)
{
	size_t	 i;

	for (i = 0; i < sizeof(code_classes) / sizeof(code_classes[0]); i++)
		if (code_classes[i].code == code)
			return &code_classes[i];
	return NULL;
}

/*
 * libcurl's reason for `code`, with its error buffer's detail.  When a
 * TLS read or write fails, the buffer ends in ", errno N" with whatever
 * errno was left from an earlier call (11, 115: nothing to do with the
 * cut connection), so that part is dropped and libcurl's own sentence
 * for the code leads.
 */
static const char *
curl_reason(int code, const char *errbuf, char *out, size_t n)
{
	const char	*e;

	if (errbuf[0] == '\0')
		return curl_easy_strerror((CURLcode)code);
	if ((e = strstr(errbuf, ", errno ")) == NULL &&
	    (e = strstr(errbuf, " (errno: ")) == NULL)
		return errbuf;
	snprintf(out, n, "%s (%.*s)", curl_easy_strerror((CURLcode)code),
	    (int)(e - errbuf), errbuf);
	return out;
}

/* The server's refusal if there was one, else libcurl's sentence. */
static const char *
curl_why(struct net_smtp *s, const struct net_result *res)
{
	if (res->response_code >= 400 && res->reply[0] != '\0')
		return res->reply;
	return curl_reason(res->curl_code, s->errbuf, s->why, sizeof(s->why));
}

/* Fill res->outcome and `err` from the CURLcode and the last reply. */
static int
classify(struct net_smtp *s, struct net_result *res, struct derr *err)
{
	const struct net_code_class	*cc;
	CURLcode			 code = (CURLcode)res->curl_code;
	long				 r = res->response_code;

	if (code == CURLE_OK) {
		res->outcome = NET_OK;
		return 0;
	}
	if (r == 354) {
		res->outcome = NET_UNKNOWN;
		return derr_set(err, DERR_NET, true, "connection lost after "
		    "the message was sent; it may have been delivered (%s)",
		    curl_why(s, res));
	}
	cc = code_class(code);
	if (cc != NULL) {
		res->outcome = cc->outcome;
		return derr_set(err, cc->kind, cc->outcome == NET_TRANSIENT,
		    "%s%s%s", curl_why(s, res), cc->hint != NULL ? "; " : "",
		    cc->hint != NULL ? cc->hint : "");
	}
	if (r >= 400 && r <= 599) {
		res->outcome = r < 500 ? NET_TRANSIENT : NET_PERMANENT;
		return derr_set(err, DERR_PEER, r < 500, "server replied %s",
		    res->reply[0] != '\0' ? res->reply : "with an error");
	}
	res->outcome = NET_TRANSIENT;
	return derr_set(err, DERR_NET, true, "%s", curl_why(s, res));
}

static int
check_addrs(const char *from, const char *const *rcpt, size_t nrcpt,
    struct derr *err)
{
	size_t	 i;

	if (!addr_email_valid(from))
		return derr_set(err, DERR_INPUT, false, "invalid sender "
		    "address");
	if (nrcpt == 0)
		return derr_set(err, DERR_INPUT, false, "no recipient");
	for (i = 0; i < nrcpt; i++)
		if (!addr_email_valid(rcpt[i]))
			return derr_set(err, DERR_INPUT, false, "invalid "
			    "recipient address");
	return 0;
}

/*
 * After a failed send the server's state is not known: a reply to the
 * final "." may still be on its way (libcurl timed out but keeps the
 * connection), and would be read as the answer to the next MAIL FROM,
 * killing a message the server never saw.  So the next send goes on a
 * new connection: a duplicate of the handle has the options but no
 * connection, and cleaning up the old one closes it.  If the duplicate
 * cannot be made the old handle stays, with reuse forbidden.
 */
static void
drop_connection(struct net_smtp *s)
{
	CURL	*fresh;

	if ((fresh = curl_easy_duphandle(s->curl)) == NULL) {
		/* (void): nothing better to do; the next send reports. */
		(void)curl_easy_setopt(s->curl, CURLOPT_FRESH_CONNECT, 1L);
		(void)curl_easy_setopt(s->curl, CURLOPT_FORBID_REUSE, 1L);
		return;
	}
	curl_easy_cleanup(s->curl);
	s->curl = fresh;
}

static int
perform(struct net_smtp *s, const char *from, struct curl_slist *to,
    struct net_upload *up, struct net_result *res, struct derr *err)
{
	if (set_str(s->curl, CURLOPT_MAIL_FROM, from, "MAIL_FROM", err) == -1 ||
	    set_ptr(s->curl, CURLOPT_MAIL_RCPT, to, "MAIL_RCPT", err) == -1 ||
	    set_ptr(s->curl, CURLOPT_READDATA, up, "READDATA", err) == -1)
		return -1;
	s->errbuf[0] = '\0';
	s->reply[0] = '\0';
	s->refusal[0] = '\0';
	s->written = 0;
	s->in_auth = false;
	res->curl_code = (int)curl_easy_perform(s->curl);
	if (curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE,
	    &res->response_code) != CURLE_OK)
		res->response_code = 0;
	memcpy(res->reply, res->curl_code != CURLE_OK && s->refusal[0] != '\0' ?
	    s->refusal : s->reply, sizeof(res->reply));
	/* The list and the upload die with this call; unhook them. */
	if (set_ptr(s->curl, CURLOPT_MAIL_RCPT, NULL, "MAIL_RCPT", err) == -1 ||
	    set_ptr(s->curl, CURLOPT_READDATA, NULL, "READDATA", err) == -1)
		return -1;
	if (classify(s, res, err) == 0)
		return 0;
	drop_connection(s);
	return -1;
}

static int
net_smtp_send(struct net_smtp *s, const char *from, const char *const *rcpt,
    size_t nrcpt, const char *data, size_t len, struct net_result *res,
    struct derr *err)
{
	struct curl_slist	*to = NULL, *t;
	struct net_upload	 up = { data, len, 0 };
	size_t			 i;
	int			 rc;

	memset(res, 0, sizeof(*res));
	res->outcome = NET_PERMANENT;
	if (check_addrs(from, rcpt, nrcpt, err) == -1)
		return -1;
	for (i = 0; i < nrcpt; i++) {
		t = curl_slist_append(to, rcpt[i]);
		if (t == NULL) {
			curl_slist_free_all(to);
			res->outcome = NET_TRANSIENT;
			return derr_set(err, DERR_SYS, true, "out of memory");
		}
		to = t;
	}
	rc = perform(s, from, to, &up, res, err);
	curl_slist_free_all(to);
	return rc;
}


/* ------------------------------------------------------------------ */
/* HTTP POST */

struct net_http {
	CURL			*curl;
	struct net_http_resp	*resp;
	char			 errbuf[CURL_ERROR_SIZE];
	bool			 overflow;	/* body over the cap */
};

static const struct net_long_opt http_longs[] = {
	{ CURLOPT_NOSIGNAL,		1L },
	{ CURLOPT_FOLLOWLOCATION,	0L },
	{ CURLOPT_POST,			1L },
	{ CURLOPT_SSL_VERIFYPEER,	1L },
	{ CURLOPT_SSL_VERIFYHOST,	2L },
	{ CURLOPT_SSLVERSION,		CURL_SSLVERSION_TLSv1_2 },
	{ CURLOPT_LOW_SPEED_LIMIT,	1L },
};

/*
 * CURLcodes that say nothing left this machine: safe to retry. Anything
 * else after the request was written may have reached the provider.
 */
static const struct net_code_class http_classes[] = {
	{ CURLE_PEER_FAILED_VERIFICATION, NET_PERMANENT, DERR_CONFIG,
	    "server certificate not trusted; set ca_file to the CA that "
	    "signed it" },
	{ CURLE_SSL_CACERT_BADFILE, NET_PERMANENT, DERR_CONFIG,
	    "cannot use the CA bundle; check ca_file" },
	{ CURLE_UNSUPPORTED_PROTOCOL, NET_PERMANENT, DERR_CONFIG,
	    "check the endpoint URL" },
	{ CURLE_URL_MALFORMAT, NET_PERMANENT, DERR_CONFIG,
	    "check the endpoint URL" },
	{ CURLE_COULDNT_RESOLVE_HOST, NET_TRANSIENT, DERR_NET, NULL },
	{ CURLE_COULDNT_CONNECT, NET_TRANSIENT, DERR_NET, NULL },
	{ CURLE_SSL_CONNECT_ERROR, NET_TRANSIENT, DERR_NET, NULL },
};

static size_t
http_write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct net_http	*h = ud;
	struct derr	 err;

	if (buf_append(&h->resp->body, ptr, size * nmemb, &err) < 0) {
		h->overflow = true;
		return 0;
	}
	return size * nmemb;
}

/* Answers only: request headers carry signatures and tokens. */
static int
http_debug_cb(CURL *c, curl_infotype type, char *data, size_t size,
    void *ud)
{
	(void)c;
	(void)ud;
	if (type == CURLINFO_TEXT)
		debug_line("*", data, size);
	else if (type == CURLINFO_HEADER_IN)
		debug_line("<", data, size);
	return 0;
}

static int
http_callbacks(struct net_http *h, struct derr *err)
{
	CURL	*c = h->curl;

	if (curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write_cb) !=
	    CURLE_OK)
		return derr_set(err, DERR_BUG, false, "cannot set "
		    "WRITEFUNCTION");
	if (set_ptr(c, CURLOPT_WRITEDATA, h, "WRITEDATA", err) == -1 ||
	    set_ptr(c, CURLOPT_ERRORBUFFER, h->errbuf, "ERRORBUFFER",
	    err) == -1)
		return -1;
	if (log_level_get() < LOGL_DEBUG)
		return 0;
	if (curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, http_debug_cb) !=
	    CURLE_OK)
		return derr_set(err, DERR_BUG, false, "cannot set "
		    "DEBUGFUNCTION");
	return set_long(c, CURLOPT_VERBOSE, 1L, "VERBOSE", err);
}

static int
http_setup(struct net_http *h, const struct net_http_req *q,
    struct curl_slist *hdrs, struct derr *err)
{
	CURL		*c = h->curl;
	const char	*proto;
	long		 low;
	size_t		 i;

	if (strncasecmp(q->url, "https://", 8) == 0)
		proto = "https";
	else if (strncasecmp(q->url, "http://", 7) == 0)
		proto = "http";
	else
		return derr_set(err, DERR_CONFIG, false, "endpoint must be an "
		    "https:// URL");
	for (i = 0; i < sizeof(http_longs) / sizeof(http_longs[0]); i++)
		if (set_long(c, http_longs[i].opt, http_longs[i].val, "option",
		    err) == -1)
			return -1;
	low = q->timeout;	/* as for SMTP: the configured timeout */
	if (http_callbacks(h, err) == -1 ||
	    set_str(c, CURLOPT_URL, q->url, "URL", err) == -1 ||
	    set_str(c, CURLOPT_PROTOCOLS_STR, proto, "PROTOCOLS_STR",
	    err) == -1 ||
	    set_str(c, CURLOPT_REDIR_PROTOCOLS_STR, proto,
	    "REDIR_PROTOCOLS_STR", err) == -1 ||
	    set_str(c, CURLOPT_USERAGENT, "dutyd", "USERAGENT", err) == -1 ||
	    set_long(c, CURLOPT_CONNECTTIMEOUT, q->connect_timeout,
	    "CONNECTTIMEOUT", err) == -1 ||
	    set_long(c, CURLOPT_TIMEOUT, q->timeout, "TIMEOUT", err) == -1 ||
	    set_long(c, CURLOPT_LOW_SPEED_TIME, low, "LOW_SPEED_TIME",
	    err) == -1 ||
	    set_ptr(c, CURLOPT_HTTPHEADER, hdrs, "HTTPHEADER", err) == -1 ||
	    set_long(c, CURLOPT_POSTFIELDSIZE, (long)q->len, "POSTFIELDSIZE",
	    err) == -1 ||
	    set_ptr(c, CURLOPT_POSTFIELDS, (void *)(uintptr_t)q->body,
	    "POSTFIELDS", err) == -1)
		return -1;
	if (q->ca_file != NULL &&
	    set_str(c, CURLOPT_CAINFO, q->ca_file, "CAINFO", err) == -1)
		return -1;
	return 0;
}

static int
http_headers(const struct net_http_req *q, struct curl_slist **out,
    struct derr *err)
{
	struct curl_slist	*l = NULL, *t;
	size_t			 i;

	/* No "Expect: 100-continue" round trip before the body. */
	for (i = 0; i <= q->nheaders; i++) {
		const char *h = i < q->nheaders ? q->headers[i] : "Expect:";

		if (str_has_ctl(h)) {
			curl_slist_free_all(l);
			return derr_set(err, DERR_INPUT, false, "HTTP header "
			    "with a control character");
		}
		if ((t = curl_slist_append(l, h)) == NULL) {
			curl_slist_free_all(l);
			return derr_set(err, DERR_SYS, true, "out of memory");
		}
		l = t;
	}
	*out = l;
	return 0;
}

/* Fill outcome and `err` after a failed curl_easy_perform. */
static int
http_classify(const struct net_http *h, struct net_http_resp *r,
    long sent, struct derr *err)
{
	const struct net_code_class	*cc = NULL;
	const char			*why;
	char				 buf[CURL_ERROR_SIZE + 64];
	size_t				 i;

	why = curl_reason(r->curl_code, h->errbuf, buf, sizeof(buf));
	for (i = 0; i < sizeof(http_classes) / sizeof(http_classes[0]); i++)
		if (http_classes[i].code == (CURLcode)r->curl_code)
			cc = &http_classes[i];
	if (cc != NULL && (cc->outcome == NET_PERMANENT || sent == 0)) {
		r->outcome = cc->outcome;
		return derr_set(err, cc->kind, cc->outcome == NET_TRANSIENT,
		    "%s%s%s%s", cc->outcome == NET_TRANSIENT ? "request not "
		    "sent: " : "", why, cc->hint != NULL ? "; " : "",
		    cc->hint != NULL ? cc->hint : "");
	}
	if (sent == 0) {
		r->outcome = NET_TRANSIENT;
		return derr_set(err, DERR_NET, true, "request not sent: %s",
		    why);
	}
	r->outcome = NET_UNKNOWN;
	return derr_set(err, DERR_NET, true, "request sent, %s: it may have "
	    "been delivered (%s)", h->overflow ? "answer too long" :
	    "no usable answer", why);
}

static int
net_http_post(const struct net_http_req *q, struct net_http_resp *r,
    struct derr *err)
{
	struct net_http		 h;
	struct curl_slist	*hdrs = NULL;
	curl_off_t		 ra = 0;
	long			 sent = 0;
	int			 rc = -1;

	memset(r, 0, sizeof(*r));
	buf_init(&r->body, NET_HTTP_BODY_MAX);
	r->outcome = NET_PERMANENT;
	memset(&h, 0, sizeof(h));
	h.resp = r;
	if (http_headers(q, &hdrs, err) == -1)
		return -1;
	if ((h.curl = curl_easy_init()) == NULL) {
		curl_slist_free_all(hdrs);
		r->outcome = NET_TRANSIENT;
		return derr_set(err, DERR_SYS, true, "cannot create a curl "
		    "handle");
	}
	if (http_setup(&h, q, hdrs, err) == -1)
		goto out;
	r->curl_code = (int)curl_easy_perform(h.curl);
	if (curl_easy_getinfo(h.curl, CURLINFO_REQUEST_SIZE, &sent) !=
	    CURLE_OK)
		sent = 1;	/* cannot tell: assume the worst */
	if (r->curl_code != CURLE_OK) {
		rc = http_classify(&h, r, sent, err);
		goto out;
	}
	if (curl_easy_getinfo(h.curl, CURLINFO_RESPONSE_CODE, &r->status) !=
	    CURLE_OK)
		r->status = 0;
	if (curl_easy_getinfo(h.curl, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK &&
	    ra > 0)
		r->retry_after = ra > 86400 ? 86400 : (long)ra;
	r->outcome = NET_OK;
	rc = 0;
out:
	curl_easy_cleanup(h.curl);
	curl_slist_free_all(hdrs);
	return rc;
}

const struct net_ops net_curl_ops = {
	.smtp_new = net_smtp_new,
	.smtp_send = net_smtp_send,
	.smtp_free = net_smtp_free,
	.http_post = net_http_post,
};

void
net_global_init(void)
{
	CURLcode	 rc;

	rc = curl_global_init(CURL_GLOBAL_ALL);
	if (rc != CURLE_OK)
		log_err("net: curl_global_init: %s", curl_easy_strerror(rc));
}

void
net_global_cleanup(void)
{
	curl_global_cleanup();
}
