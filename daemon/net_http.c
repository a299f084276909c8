/*
 * net: HTTP POST with libcurl, for provider APIs and webhooks.  See
 * net.h.
 */
#include "net.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "err.h"
#include "log.h"
#include "net_int.h"
#include "util.h"

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
		net_debug_line("*", data, size);
	else if (type == CURLINFO_HEADER_IN)
		net_debug_line("<", data, size);
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
	if (net_set_ptr(c, CURLOPT_WRITEDATA, h, "WRITEDATA", err) == -1 ||
	    net_set_ptr(c, CURLOPT_ERRORBUFFER, h->errbuf, "ERRORBUFFER",
	    err) == -1)
		return -1;
	if (log_level_get() < LOGL_DEBUG)
		return 0;
	if (curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, http_debug_cb) !=
	    CURLE_OK)
		return derr_set(err, DERR_BUG, false, "cannot set "
		    "DEBUGFUNCTION");
	return net_set_long(c, CURLOPT_VERBOSE, 1L, "VERBOSE", err);
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
		if (net_set_long(c, http_longs[i].opt, http_longs[i].val,
		    "option", err) == -1)
			return -1;
	low = q->timeout;	/* as for SMTP: the configured timeout */
	if (http_callbacks(h, err) == -1 ||
	    net_set_str(c, CURLOPT_URL, q->url, "URL", err) == -1 ||
	    net_set_str(c, CURLOPT_PROTOCOLS_STR, proto, "PROTOCOLS_STR",
	    err) == -1 ||
	    net_set_str(c, CURLOPT_REDIR_PROTOCOLS_STR, proto,
	    "REDIR_PROTOCOLS_STR", err) == -1 ||
	    net_set_str(c, CURLOPT_USERAGENT, "dutyd", "USERAGENT",
	    err) == -1 ||
	    net_set_long(c, CURLOPT_CONNECTTIMEOUT, q->connect_timeout,
	    "CONNECTTIMEOUT", err) == -1 ||
	    net_set_long(c, CURLOPT_TIMEOUT, q->timeout, "TIMEOUT",
	    err) == -1 ||
	    net_set_long(c, CURLOPT_LOW_SPEED_TIME, low, "LOW_SPEED_TIME",
	    err) == -1 ||
	    net_set_ptr(c, CURLOPT_HTTPHEADER, hdrs, "HTTPHEADER", err) == -1 ||
	    net_set_long(c, CURLOPT_POSTFIELDSIZE, (long)q->len,
	    "POSTFIELDSIZE", err) == -1 ||
	    net_set_ptr(c, CURLOPT_POSTFIELDS, (void *)(uintptr_t)q->body,
	    "POSTFIELDS", err) == -1)
		return -1;
	if (q->ca_file != NULL &&
	    net_set_str(c, CURLOPT_CAINFO, q->ca_file, "CAINFO", err) == -1)
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

	why = net_curl_reason(r->curl_code, h->errbuf, buf, sizeof(buf));
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

int
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

