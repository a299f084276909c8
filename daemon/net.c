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

/* ---- IMAP ----------------------------------------------------------- */

/* pingpong keeps a whole line in this buffer; longer lines are clipped. */
#define IMAP_BUFFER_SIZE	(1024L * 1024L)
/* Room for protocol lines around a literal, and for a UID listing. */
#define IMAP_RESP_SLACK		(64 * 1024)
#define IMAP_LIST_MAX_BYTES	(16 * 1024 * 1024)
/*
 * Messages one FETCH asks for at first: a round trip each cost more than
 * parsing and storing the message (make bench).  libcurl refuses an
 * answer of about 300 KB of lines, counting each line at several times
 * its length: a refused batch is asked again half as big.
 */
#define IMAP_BATCH_MAX		8
#define IMAP_MAILBOX_MAX	200

struct net_imap {
	CURL			*curl;
	struct net_imap_opts	 o;	/* strings below are owned copies */
	char			*base;	/* scheme://host:port/ */
	char			*mailbox;
	struct buf		 resp;	/* header stream of one command */
	char			 errbuf[CURL_ERROR_SIZE];
	bool			 quiet;	/* debug: do not log lines in */
	bool			 broken; /* out of step: reconnect */
	bool			 too_large; /* libcurl refused the response */
	struct net_imap_box	 box;
	/* Batches: the last listing, and one FETCH's answer for several of
	 * its messages (net_imap_fetch explains). */
	struct net_imap_list	 listed;
	struct buf		 batch;
	int64_t			 batch_lo, batch_hi;	/* listed index range */
	size_t			 batch_max;	/* messages a FETCH; 1: off */
};

static size_t
imap_header_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct net_imap	*s = ud;

	if (buf_append(&s->resp, ptr, size * nmemb, NULL) < 0)
		return 0;
	return size * nmemb;
}

/* Untagged lines arrive in the header stream too. */
static size_t
imap_write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	(void)ptr;
	(void)ud;
	return size * nmemb;
}

/* Commands worth tracing; LOGIN and AUTHENTICATE carry secrets. */
static bool
imap_cmd_loggable(const char *data, size_t size)
{
	static const char *const ok[] = { "CAPABILITY", "ID ", "EXAMINE ",
		"SELECT ", "UID ", "LOGOUT", "STARTTLS", NULL };
	const char	*sp = memchr(data, ' ', size);
	size_t		 i, rest;

	if (sp == NULL)
		return false;
	rest = size - (size_t)(sp + 1 - data);
	for (i = 0; ok[i] != NULL; i++)
		if (rest >= strlen(ok[i]) &&
		    strncmp(sp + 1, ok[i], strlen(ok[i])) == 0)
			return true;
	return false;
}

static int
imap_debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *ud)
{
	struct net_imap	*s = ud;

	(void)c;
	if (type == CURLINFO_TEXT)
		debug_line("*", data, size);
	else if (type == CURLINFO_HEADER_OUT)
		debug_line(">", imap_cmd_loggable(data, size) ? data :
		    "(command hidden)", imap_cmd_loggable(data, size) ? size :
		    16);
	else if (type == CURLINFO_HEADER_IN && !s->quiet)
		debug_line("<", data, size);
	return 0;
}

static bool
host_is_loopback(const char *url)
{
	static const char *const hosts[] = { "127.0.0.1", "localhost",
		"[::1]", NULL };
	const char	*h = strstr(url, "://");
	size_t		 i, n;

	if (h == NULL)
		return false;
	h += 3;
	for (i = 0; hosts[i] != NULL; i++) {
		n = strlen(hosts[i]);
		if (strncasecmp(h, hosts[i], n) == 0 &&
		    (h[n] == ':' || h[n] == '/' || h[n] == '\0'))
			return true;
	}
	return false;
}

/* A mailbox name we can put in a quoted string as it is. */
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

/* Split url into base "scheme://authority/" and the decoded mailbox. */
static int
imap_split_url(struct net_imap *s, const char *url, struct derr *err)
{
	const char	*a = strstr(url, "://"), *slash;
	char		*dec;
	int		 n;

	if (a == NULL || str_has_ctl(url))
		return derr_set(err, DERR_CONFIG, false, "mailbox.url: not "
		    "an imap:// or imaps:// URL");
	slash = strchr(a + 3, '/');
	if (slash == NULL) {
		s->base = xasprintf("%s/", url);
		s->mailbox = xstrdup("INBOX");
		return 0;
	}
	s->base = xstrndup(url, (size_t)(slash - url) + 1);
	dec = curl_easy_unescape(s->curl, slash + 1, 0, &n);
	if (dec == NULL)
		return derr_set(err, DERR_SYS, true, "out of memory");
	if (n < 0 || strlen(dec) != (size_t)n) {
		curl_free(dec);
		return derr_set(err, DERR_CONFIG, false, "mailbox.url: the "
		    "mailbox name holds a NUL byte");
	}
	s->mailbox = xstrdup(*dec != '\0' ? dec : "INBOX");
	curl_free(dec);
	if (!mailbox_name_ok(s->mailbox))
		return derr_set(err, DERR_CONFIG, false, "mailbox.url: "
		    "mailbox names must be printable ASCII without quotes "
		    "(got a %zu-byte name)", strlen(s->mailbox));
	return 0;
}

static int
imap_set_tls(struct net_imap *s, struct derr *err)
{
	CURL	*c = s->curl;
	bool	 imaps = strncasecmp(s->o.url, "imaps://", 8) == 0;
	long	 use_ssl;

	if (!imaps && strncasecmp(s->o.url, "imap://", 7) != 0)
		return derr_set(err, DERR_CONFIG, false, "mailbox.url must "
		    "start with imaps:// or imap://");
	/* imap:// means STARTTLS, except to this machine (test servers). */
	use_ssl = imaps ? CURLUSESSL_ALL : host_is_loopback(s->o.url) ?
	    CURLUSESSL_NONE : CURLUSESSL_ALL;
	if (set_str(c, CURLOPT_PROTOCOLS_STR, imaps ? "imaps" : "imap",
	    "PROTOCOLS_STR", err) == -1 ||
	    set_long(c, CURLOPT_USE_SSL, use_ssl, "USE_SSL", err) == -1 ||
	    set_long(c, CURLOPT_SSL_VERIFYPEER, 1L, "VERIFYPEER", err) == -1 ||
	    set_long(c, CURLOPT_SSL_VERIFYHOST, 2L, "VERIFYHOST", err) == -1 ||
	    set_long(c, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2,
	    "SSLVERSION", err) == -1)
		return -1;
	if (s->o.ca_file != NULL &&
	    set_str(c, CURLOPT_CAINFO, s->o.ca_file, "CAINFO", err) == -1)
		return -1;
	return 0;
}

static int
imap_setup(struct net_imap *s, struct derr *err)
{
	CURL	*c = s->curl;
	long	 low = s->o.timeout < NET_LOW_SPEED_TIME ? s->o.timeout :
	    NET_LOW_SPEED_TIME;

	if (imap_set_tls(s, err) == -1 ||
	    set_str(c, CURLOPT_URL, s->base, "URL", err) == -1 ||
	    set_long(c, CURLOPT_NOSIGNAL, 1L, "NOSIGNAL", err) == -1 ||
	    set_long(c, CURLOPT_FOLLOWLOCATION, 0L, "FOLLOWLOCATION",
	    err) == -1 ||
	    set_long(c, CURLOPT_BUFFERSIZE, IMAP_BUFFER_SIZE, "BUFFERSIZE",
	    err) == -1 ||
	    set_long(c, CURLOPT_CONNECTTIMEOUT, s->o.connect_timeout,
	    "CONNECTTIMEOUT", err) == -1 ||
	    set_long(c, CURLOPT_TIMEOUT, s->o.timeout, "TIMEOUT", err) == -1 ||
	    set_long(c, CURLOPT_LOW_SPEED_LIMIT, 1L, "LOW_SPEED_LIMIT",
	    err) == -1 ||
	    set_long(c, CURLOPT_LOW_SPEED_TIME, low, "LOW_SPEED_TIME",
	    err) == -1 ||
	    set_str(c, CURLOPT_USERNAME, s->o.username, "USERNAME", err) == -1 ||
	    set_str(c, CURLOPT_PASSWORD, s->o.password != NULL ?
	    s->o.password : "", "PASSWORD", err) == -1 ||
	    set_ptr(c, CURLOPT_ERRORBUFFER, s->errbuf, "ERRORBUFFER",
	    err) == -1)
		return -1;
	if (curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, imap_header_cb) !=
	    CURLE_OK || curl_easy_setopt(c, CURLOPT_WRITEFUNCTION,
	    imap_write_cb) != CURLE_OK)
		return derr_set(err, DERR_BUG, false, "cannot set callbacks");
	if (set_ptr(c, CURLOPT_HEADERDATA, s, "HEADERDATA", err) == -1 ||
	    set_ptr(c, CURLOPT_WRITEDATA, s, "WRITEDATA", err) == -1)
		return -1;
	if (log_level_get() < LOGL_DEBUG)
		return 0;
	if (curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, imap_debug_cb) !=
	    CURLE_OK)
		return derr_set(err, DERR_BUG, false, "cannot set DEBUG");
	if (set_ptr(c, CURLOPT_DEBUGDATA, s, "DEBUGDATA", err) == -1 ||
	    set_long(c, CURLOPT_VERBOSE, 1L, "VERBOSE", err) == -1)
		return -1;
	return 0;
}

static const struct net_code_class imap_classes[] = {
	{ CURLE_PEER_FAILED_VERIFICATION, NET_PERMANENT, DERR_CONFIG,
	    "server certificate not trusted; set mailbox.ca_file to the CA "
	    "that signed it" },
	{ CURLE_SSL_CACERT_BADFILE, NET_PERMANENT, DERR_CONFIG,
	    "cannot use the CA bundle; check mailbox.ca_file" },
	{ CURLE_USE_SSL_FAILED, NET_PERMANENT, DERR_CONFIG,
	    "server does not offer STARTTLS; use imaps://" },
	{ CURLE_LOGIN_DENIED, NET_PERMANENT, DERR_CONFIG,
	    "login denied; check mailbox.username and mailbox.password_file "
	    "(126.com/163.com want the 授权码, not the web password)" },
	{ CURLE_UNSUPPORTED_PROTOCOL, NET_PERMANENT, DERR_CONFIG,
	    "check mailbox.url" },
	{ CURLE_URL_MALFORMAT, NET_PERMANENT, DERR_CONFIG,
	    "check mailbox.url" },
};

/* The last line of the response (the tagged reply), escaped. */
static void
imap_last_line(const struct net_imap *s, char *out, size_t n)
{
	const char	*end, *p;
	char		 line[NET_REPLY_MAX];
	size_t		 len;

	out[0] = '\0';
	if (s->resp.len == 0)
		return;
	end = s->resp.data + s->resp.len;
	while (end > s->resp.data && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	p = end;
	while (p > s->resp.data && p[-1] != '\n')
		p--;
	len = (size_t)(end - p);
	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	memcpy(line, p, len);
	line[len] = '\0';
	log_escape(line, out, n);
}

static int
imap_fail(struct net_imap *s, CURLcode rc, const char *cmd, struct derr *err)
{
	char	 last[NET_REPLY_MAX];
	size_t	 i;

	for (i = 0; i < sizeof(imap_classes) / sizeof(imap_classes[0]); i++)
		if (imap_classes[i].code == rc)
			return derr_set(err, imap_classes[i].kind, false,
			    "%s; %s", s->errbuf[0] ? s->errbuf :
			    curl_easy_strerror(rc), imap_classes[i].hint);
	if (rc == CURLE_RECV_ERROR &&
	    strncmp(s->errbuf, "Too large response", 18) == 0) {
		/* libcurl gave up mid-response: the connection is unusable. */
		s->too_large = true;
		s->broken = true;
		return derr_set(err, DERR_PEER, false, "%s: %s", cmd,
		    s->errbuf);
	}
	if (rc == CURLE_QUOTE_ERROR) {
		imap_last_line(s, last, sizeof(last));
		return derr_set(err, DERR_PEER, true, "%s refused: %s", cmd,
		    last);
	}
	return derr_set(err, DERR_NET, true, "%s: %s", cmd, s->errbuf[0] ?
	    s->errbuf : curl_easy_strerror(rc));
}

/*
 * Drop the connection that is out of step: a new handle has an empty
 * connection cache (FRESH_CONNECT would leave the old one there to be
 * picked up again).
 */
static int
imap_new_handle(struct net_imap *s, struct derr *err)
{
	curl_easy_cleanup(s->curl);
	s->curl = curl_easy_init();
	if (s->curl == NULL)
		return derr_set(err, DERR_SYS, true, "cannot create a curl "
		    "handle");
	s->broken = false;
	return imap_setup(s, err);
}

/* Run one command; `*fresh` says whether it needed a new connection. */
static int
imap_perform(struct net_imap *s, const char *cmd, bool *fresh,
    struct derr *err)
{
	CURLcode	 rc;
	long		 conns = 0;

	buf_reset(&s->resp);
	s->errbuf[0] = '\0';
	if (s->broken && imap_new_handle(s, err) == -1)
		return -1;
	if (set_str(s->curl, CURLOPT_CUSTOMREQUEST, cmd, "CUSTOMREQUEST",
	    err) == -1)
		return -1;
	rc = curl_easy_perform(s->curl);
	if (curl_easy_getinfo(s->curl, CURLINFO_NUM_CONNECTS, &conns) !=
	    CURLE_OK)
		conns = 0;
	*fresh = conns > 0;
	if (rc != CURLE_OK)
		return imap_fail(s, rc, cmd, err);
	return 0;
}

/* The number after `key` in line [p, end), or -1. */
static int64_t
line_number(const char *p, const char *end, const char *key)
{
	size_t		 klen = strlen(key);
	int64_t		 v = 0;
	int		 digits = 0;

	for (; p + klen < end; p++) {
		if (strncasecmp(p, key, klen) != 0)
			continue;
		p += klen;
		while (p < end && *p >= '0' && *p <= '9' && digits < 18) {
			v = v * 10 + (*p++ - '0');
			digits++;
		}
		return digits > 0 ? v : -1;
	}
	return -1;
}

static void
parse_box(const struct net_imap *s, struct net_imap_box *box)
{
	const char	*p = s->resp.data, *end = p + s->resp.len, *eol;
	int64_t		 v;

	memset(box, 0, sizeof(*box));
	for (; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if (end - p < 2 || p[0] != '*' || p[1] != ' ')
			continue;
		if ((v = line_number(p, eol, "[UIDVALIDITY ")) >= 0)
			box->uidvalidity = v;
		else if ((v = line_number(p, eol, "[UIDNEXT ")) >= 0)
			box->uidnext = v;
		else if (memmem(p, (size_t)(eol - p), " EXISTS", 7) != NULL)
			box->exists = strtoll(p + 2, NULL, 10);
	}
}

/* ID (RFC 2971), then EXAMINE or SELECT: what every new connection needs. */
static int
imap_session_start(struct net_imap *s, struct derr *err)
{
	static const char id_cmd[] = "ID (\"name\" \"dutyd\" \"version\" "
	    "\"1.0\" \"vendor\" \"dutyd\" \"support-email\" "
	    "\"postmaster@localhost\")";
	struct derr	 idle = { 0 };
	char		*cmd;
	bool		 fresh;
	int		 r;

	/* Servers without ID refuse it; that is not our problem. */
	if (imap_perform(s, id_cmd, &fresh, &idle) == -1 &&
	    idle.kind != DERR_PEER) {
		*err = idle;
		return -1;
	}
	cmd = xasprintf("%s \"%s\"", s->o.read_write ? "SELECT" : "EXAMINE",
	    s->mailbox);
	r = imap_perform(s, cmd, &fresh, err);
	free(cmd);
	if (r == -1)
		return -1;
	parse_box(s, &s->box);
	if (s->box.uidvalidity <= 0)
		return derr_set(err, DERR_PEER, true, "mailbox %s: the server "
		    "sent no UIDVALIDITY", s->mailbox);
	return 0;
}

/*
 * Run `cmd` in the open mailbox. A new connection (the server closed
 * the old one, or it was out of step) has no mailbox open: ID and
 * EXAMINE again, check UIDVALIDITY, and repeat the command once.
 */
static int
imap_command(struct net_imap *s, const char *cmd, struct derr *err)
{
	struct net_imap_box	 was = s->box;
	bool			 fresh = false;
	int			 r;

	r = imap_perform(s, cmd, &fresh, err);
	if (!fresh)
		return r;
	if (imap_session_start(s, err) == -1)
		return -1;
	if (s->box.uidvalidity != was.uidvalidity)
		return derr_set(err, DERR_PEER, true, "UIDVALIDITY changed "
		    "during the poll");
	return imap_perform(s, cmd, &fresh, err);
}

static void
net_imap_free(struct net_imap *s)
{
	if (s == NULL)
		return;
	curl_easy_cleanup(s->curl);
	buf_clear(&s->resp);
	buf_clear(&s->batch);
	net_imap_list_clear(&s->listed);
	free(s->base);
	free(s->mailbox);
	xfree_secret((char *)(uintptr_t)s->o.password);
	free((char *)(uintptr_t)s->o.url);
	free((char *)(uintptr_t)s->o.username);
	free((char *)(uintptr_t)s->o.ca_file);
	free(s);
}

static struct net_imap *
net_imap_open(const struct net_imap_opts *o, struct net_imap_box *box,
    struct derr *err)
{
	struct net_imap	*s = xcalloc(1, sizeof(*s));

	s->o = *o;
	s->o.url = xstrdup(o->url);
	s->o.username = xstrdup(o->username != NULL ? o->username : "");
	s->o.password = o->password != NULL ? xstrdup(o->password) : NULL;
	s->o.ca_file = o->ca_file != NULL ? xstrdup(o->ca_file) : NULL;
	buf_init(&s->resp, o->max_size + IMAP_RESP_SLACK > IMAP_LIST_MAX_BYTES ?
	    o->max_size + IMAP_RESP_SLACK : IMAP_LIST_MAX_BYTES);
	buf_init(&s->batch, 0);
	s->batch_lo = s->batch_hi = -1;
	s->batch_max = IMAP_BATCH_MAX;
	s->curl = curl_easy_init();
	if (s->curl == NULL) {
		net_imap_free(s);
		derr_set(err, DERR_SYS, true, "cannot create a curl handle");
		return NULL;
	}
	if (imap_split_url(s, o->url, err) == -1 || imap_setup(s, err) == -1 ||
	    imap_session_start(s, err) == -1) {
		net_imap_free(s);
		return NULL;
	}
	*box = s->box;
	return s;
}

static int
msg_cmp(const void *a, const void *b)
{
	const struct net_imap_msg	*x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

void
net_imap_list_clear(struct net_imap_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* UIDs searched per command: keeps the one "* SEARCH" line short. */
#define IMAP_SEARCH_SPAN	10000
/* Literal bytes per FETCH: libcurl caps a response at 300 KB of lines. */
#define IMAP_CHUNK_MAX		(200 * 1024)
#define IMAP_CHUNK_MIN		1024

/* Append the UIDs > after of the "* SEARCH" line to `out` (big = 1). */
static void
parse_search(const struct net_imap *s, int64_t after, int big, size_t max,
    struct net_imap_list *out)
{
	const char	*p = s->resp.data, *end = p + s->resp.len, *eol;
	char		*q;
	long long	 uid;

	for (; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if (eol - p < 8 || strncmp(p, "* SEARCH", 8) != 0)
			continue;
		for (p += 8; p < eol && out->n < max; p = q) {
			while (p < eol && *p == ' ')
				p++;
			uid = strtoll(p, &q, 10);
			if (q == p)
				break;
			if (uid <= after)
				continue;
			out->v = xreallocarray(out->v, out->n + 1,
			    sizeof(*out->v));
			out->v[out->n].uid = uid;
			out->v[out->n++].size = big;
		}
	}
}

static int
msg_find(const struct net_imap_list *l, int64_t uid)
{
	size_t	 lo = 0, hi = l->n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (l->v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->n && l->v[lo].uid == uid ? (int)lo : -1;
}

/*
 * libcurl hands each untagged line of a custom command to the client in
 * a way that costs more than the line itself against its 300 KB header
 * limit, so a UID FETCH listing of a few hundred messages fails.  UID
 * SEARCH answers with one line: the new UIDs, then those LARGER than
 * max_size (marked with size 1 until their size is asked for).
 */
static int
net_imap_list(struct net_imap *s, int64_t after, size_t max,
    struct net_imap_list *out, struct derr *err)
{
	struct net_imap_list	 big = { 0 };
	int64_t			 lo = after + 1, hi;
	char			*cmd;
	size_t			 i;
	int			 r = 0, k;

	do {
		hi = lo + IMAP_SEARCH_SPAN - 1;
		if (s->box.uidnext == 0 || hi >= s->box.uidnext - 1)
			cmd = xasprintf("UID SEARCH UID %lld:*", (long long)lo);
		else
			cmd = xasprintf("UID SEARCH UID %lld:%lld",
			    (long long)lo, (long long)hi);
		r = imap_command(s, cmd, err);
		free(cmd);
		if (r == 0)
			parse_search(s, after, 0, max, out);
		lo = hi + 1;
	} while (r == 0 && out->n < max && s->box.uidnext != 0 &&
	    lo < s->box.uidnext);
	if (r == -1 || out->n == 0)
		return r;
	qsort(out->v, out->n, sizeof(*out->v), msg_cmp);
	cmd = xasprintf("UID SEARCH UID %lld:* LARGER %zu", (long long)after + 1,
	    s->o.max_size);
	r = imap_command(s, cmd, err);
	free(cmd);
	if (r == 0)
		parse_search(s, after, 1, max, &big);
	for (i = 0; r == 0 && i < big.n; i++)
		if ((k = msg_find(out, big.v[i].uid)) >= 0)
			out->v[k].size = (int64_t)s->o.max_size + 1;
	net_imap_list_clear(&big);
	if (r == 0) {
		net_imap_list_clear(&s->listed);
		s->listed.v = xreallocarray(NULL, out->n, sizeof(*out->v));
		memcpy(s->listed.v, out->v, out->n * sizeof(*out->v));
		s->listed.n = out->n;
		s->batch_lo = s->batch_hi = -1;
	}
	return r;
}

/*
 * Find "* n FETCH (... {size}" in the header stream and copy the literal.
 * 1 copied, 0 no literal (message gone or NIL), -1 short or too big.
 */
static int
take_literal(struct net_imap *s, const struct buf *resp, int64_t uid,
    struct buf *out, struct derr *err)
{
	const char	*p = resp->data, *end = p + resp->len, *eol, *b;
	int64_t		 n;

	for (; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			return 0;
		if (p[0] != '*' || eol - p < 4 || eol[-1] != '\r' ||
		    eol[-2] != '}' || line_number(p, eol, "UID ") != uid)
			continue;
		b = eol - 2;
		while (b > p && b[-1] >= '0' && b[-1] <= '9')
			b--;
		if (b == p || b[-1] != '{' || eol - 2 - b > 12)
			continue;
		n = strtoll(b, NULL, 10);
		if ((size_t)n > s->o.max_size + IMAP_RESP_SLACK)
			return derr_set(err, DERR_INPUT, false, "message "
			    "UID %lld is larger than mailbox.max_size",
			    (long long)uid);
		if (n > end - (eol + 1)) {
			s->broken = true;
			return derr_set(err, DERR_PEER, true, "message UID "
			    "%lld: the response ended %lld bytes into a "
			    "%lld-byte message (a line in it looked like the "
			    "end of the response); reconnecting",
			    (long long)uid, (long long)(end - eol - 1),
			    (long long)n);
		}
		return buf_append(out, eol + 1, (size_t)n, err) < 0 ? -1 : 1;
	}
	return 0;
}

/* One partial FETCH of `len` bytes from `off`: 1, 0 (no more), -1. */
static int
fetch_chunk(struct net_imap *s, int64_t uid, bool headers_only, size_t off,
    size_t len, struct buf *out, struct derr *err)
{
	char	*cmd;
	int	 r;

	cmd = xasprintf("UID FETCH %lld (UID BODY.PEEK[%s]<%zu.%zu>)",
	    (long long)uid, headers_only ? "HEADER" : "", off, len);
	s->quiet = true;
	r = imap_command(s, cmd, err);
	s->quiet = false;
	free(cmd);
	if (r == -1)
		return -1;
	return take_literal(s, &s->resp, uid, out, err);
}

/* Whole messages the listing holds from index `i` on, to FETCH at once. */
static size_t
batch_span(const struct net_imap *s, size_t i, struct buf *cmd)
{
	size_t	 n = 0;

	buf_reset(cmd);
	(void)buf_puts(cmd, "UID FETCH ", NULL);
	for (; i < s->listed.n && n < s->batch_max &&
	    s->listed.v[i].size <= (int64_t)s->o.max_size; i++, n++)
		(void)buf_printf(cmd, NULL, "%s%lld", n ? "," : "",
		    (long long)s->listed.v[i].uid);
	(void)buf_puts(cmd, " (UID BODY.PEEK[])", NULL);
	return n;
}

/*
 * The message `uid` from a batch: one FETCH for it and the listed
 * messages after it, whose answers later calls take without a round
 * trip.  1 taken, or 2: not from a batch, the caller fetches it alone
 * (and learns whether it was expunged, or why it cannot be read).
 */
static int
batch_take(struct net_imap *s, int64_t uid, struct buf *out)
{
	struct buf	 cmd;
	struct derr	 berr = { 0 };
	size_t		 n;
	int		 k, r;

	if ((k = msg_find(&s->listed, uid)) < 0 ||
	    s->listed.v[k].size > (int64_t)s->o.max_size)
		return 2;
	while (k < s->batch_lo || k > s->batch_hi) {
		if (s->batch_max <= 1)
			return 2;
		buf_init(&cmd, 0);
		n = batch_span(s, (size_t)k, &cmd);
		s->quiet = true;
		r = n > 1 ? imap_command(s, cmd.data, &berr) : -1;
		s->quiet = false;
		buf_clear(&cmd);
		if (n <= 1)
			return 2;
		if (r == -1) {
			/* libcurl counts a line of a custom command's answer
			 * at several times its length: half as many, down to
			 * one by one.  Refused otherwise: one by one. */
			s->batch_max = s->too_large ? s->batch_max / 2 : 1;
			s->too_large = false;
			continue;
		}
		buf_reset(&s->batch);
		(void)buf_append(&s->batch, s->resp.data, s->resp.len, NULL);
		s->batch_lo = k;
		s->batch_hi = k + (int64_t)n - 1;
	}
	if (take_literal(s, &s->batch, uid, out, &berr) == 1)
		return 1;
	/*
	 * Not in the answer, or cut short: the answer ended early (a line
	 * in a message looked like its end) or the message went away.  The
	 * rest of the batch is not to be trusted; this message is fetched
	 * alone, which tells an expunged message from a lost answer.
	 */
	s->batch_lo = s->batch_hi = -1;
	buf_reset(out);
	return 2;
}

/*
 * The message in partial FETCHes, so no response passes libcurl's limit.
 * Lines starting with "* " cost libcurl far more than their length: when
 * a chunk is refused as too large, ask again for a sixteenth of it.
 */
static int
net_imap_fetch(struct net_imap *s, int64_t uid, bool headers_only,
    struct buf *out, struct derr *err)
{
	size_t	 chunk = IMAP_CHUNK_MAX, before;
	int	 r;

	if (!headers_only && (r = batch_take(s, uid, out)) != 2)
		return r;
	for (;;) {
		before = out->len;
		r = fetch_chunk(s, uid, headers_only, out->len, chunk, out,
		    err);
		if (r == -1 && s->too_large && chunk > IMAP_CHUNK_MIN) {
			s->too_large = false;
			chunk /= 16;
			if (chunk < IMAP_CHUNK_MIN)
				chunk = IMAP_CHUNK_MIN;
			continue;
		}
		if (r == -1)
			return -1;
		if (r == 0)
			return out->len > 0 ? 1 : 0;
		if (out->len - before < chunk)
			return 1;
	}
}

static int
net_imap_seen(struct net_imap *s, int64_t uid, struct derr *err)
{
	char	*cmd;
	int	 r;

	cmd = xasprintf("UID STORE %lld +FLAGS.SILENT (\\Seen)",
	    (long long)uid);
	r = imap_command(s, cmd, err);
	free(cmd);
	return r;
}

const struct net_imap_ops net_imap_curl_ops = {
	.imap_open = net_imap_open,
	.imap_list = net_imap_list,
	.imap_fetch = net_imap_fetch,
	.imap_seen = net_imap_seen,
	.imap_free = net_imap_free,
};
