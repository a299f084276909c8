/*
 * net: SMTP submission with libcurl (one easy handle per batch).  See
 * net.h.
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
#include "net_int.h"
#include "util.h"

/* SMTP servers send no body; anything beyond this is refused. */
#define NET_WRITE_MAX		(64 * 1024)

struct net_smtp {
	CURL		*curl;
	char		 errbuf[CURL_ERROR_SIZE];
	char		 why[CURL_ERROR_SIZE + 64];	/* net_curl_reason */
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
static const struct net_long_opt smtp_longs[] = {
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
static const struct net_code_class code_classes[] = {
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
		net_debug_line("*", data, size);
	} else if (type == CURLINFO_HEADER_IN) {
		if (s->in_auth && size >= 3 && strncmp(data, "334", 3) == 0)
			return 0;
		s->in_auth = false;
		net_debug_line("<", data, size);
	} else if (type == CURLINFO_HEADER_OUT) {
		if (size >= 5 && strncasecmp(data, "AUTH ", 5) == 0) {
			s->in_auth = true;
			net_debug_line(">", "AUTH (hidden)", 13);
		} else if (!s->in_auth) {
			net_debug_line(">", data, size);
		}
	}
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
	if (net_set_ptr(c, CURLOPT_WRITEDATA, s, "WRITEDATA", err) == -1 ||
	    net_set_ptr(c, CURLOPT_HEADERDATA, s, "HEADERDATA", err) == -1 ||
	    net_set_ptr(c, CURLOPT_ERRORBUFFER, s->errbuf, "ERRORBUFFER",
	    err) == -1)
		return -1;
	if (log_level_get() < LOGL_DEBUG)
		return 0;
	if (curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug_cb) != CURLE_OK)
		return derr_set(err, DERR_BUG, false, "cannot set "
		    "DEBUGFUNCTION");
	if (net_set_ptr(c, CURLOPT_DEBUGDATA, s, "DEBUGDATA", err) == -1 ||
	    net_set_long(c, CURLOPT_VERBOSE, 1L, "VERBOSE", err) == -1)
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
	if (net_set_str(c, CURLOPT_URL, o->url, "URL", err) == -1 ||
	    net_set_str(c, CURLOPT_PROTOCOLS_STR, m->protocols, "PROTOCOLS_STR",
	    err) == -1 ||
	    net_set_str(c, CURLOPT_REDIR_PROTOCOLS_STR, m->protocols,
	    "REDIR_PROTOCOLS_STR", err) == -1 ||
	    net_set_long(c, CURLOPT_USE_SSL, m->use_ssl, "USE_SSL",
	    err) == -1 ||
	    net_set_long(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout,
	    "CONNECTTIMEOUT", err) == -1 ||
	    net_set_long(c, CURLOPT_TIMEOUT, o->timeout, "TIMEOUT",
	    err) == -1 ||
	    net_set_long(c, CURLOPT_LOW_SPEED_TIME, low, "LOW_SPEED_TIME",
	    err) == -1)
		return -1;
	if (o->ca_file != NULL &&
	    net_set_str(c, CURLOPT_CAINFO, o->ca_file, "CAINFO", err) == -1)
		return -1;
	if (o->username == NULL)
		return 0;
	if (net_set_str(c, CURLOPT_USERNAME, o->username, "USERNAME",
	    err) == -1 ||
	    net_set_str(c, CURLOPT_PASSWORD, o->password != NULL ? o->password :
	    "", "PASSWORD", err) == -1 ||
	    net_set_str(c, CURLOPT_LOGIN_OPTIONS, "AUTH=*", "LOGIN_OPTIONS",
	    err) == -1)
		return -1;
	return 0;
}

static int
set_all(struct net_smtp *s, const struct net_smtp_opts *o, struct derr *err)
{
	size_t	 i;

	for (i = 0; i < sizeof(smtp_longs) / sizeof(smtp_longs[0]); i++)
		if (net_set_long(s->curl, smtp_longs[i].opt, smtp_longs[i].val,
		    "option", err) == -1)
			return -1;
	if (set_callbacks(s, err) == -1)
		return -1;
	return set_endpoint(s->curl, o, err);
}

void
net_smtp_free(struct net_smtp *s)
{
	if (s == NULL)
		return;
	curl_easy_cleanup(s->curl);
	free(s);
}

struct net_smtp *
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

/* The server's refusal if there was one, else libcurl's sentence. */
static const char *
curl_why(struct net_smtp *s, const struct net_result *res)
{
	if (res->response_code >= 400 && res->reply[0] != '\0')
		return res->reply;
	return net_curl_reason(res->curl_code, s->errbuf, s->why,
	    sizeof(s->why));
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
	if (net_set_str(s->curl, CURLOPT_MAIL_FROM, from, "MAIL_FROM",
	    err) == -1 ||
	    net_set_ptr(s->curl, CURLOPT_MAIL_RCPT, to, "MAIL_RCPT",
	    err) == -1 ||
	    net_set_ptr(s->curl, CURLOPT_READDATA, up, "READDATA", err) == -1)
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
	if (net_set_ptr(s->curl, CURLOPT_MAIL_RCPT, NULL, "MAIL_RCPT",
	    err) == -1 ||
	    net_set_ptr(s->curl, CURLOPT_READDATA, NULL, "READDATA", err) == -1)
		return -1;
	if (classify(s, res, err) == 0)
		return 0;
	drop_connection(s);
	return -1;
}

int
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

