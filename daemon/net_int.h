/*
 * net: what its libcurl files share (net.c, net_smtp.c, net_http.c):
 * the option setters that check every curl_easy_setopt, libcurl's reason
 * for a failure, the debug trace's line, and the tables' row types.
 * Private to the net module; net_imap.c (libetpan) needs none of it.
 */
#ifndef DUTYD_NET_INT_H
#define DUTYD_NET_INT_H

#include <stddef.h>

#include <curl/curl.h>

#include "err.h"
#include "net.h"

/* A stalled transfer (under 1 byte/s) fails after this many seconds
 * (IMAP; SMTP and HTTP take the configured timeout: issue 15). */
#define NET_LOW_SPEED_TIME	30L
#define NET_DEBUG_MAX		512

/* An option every handle of a protocol gets. */
struct net_long_opt {
	CURLoption	 opt;
	long		 val;
};

/* What a CURLcode means: outcome, error kind, and a hint for the admin. */
struct net_code_class {
	CURLcode	 code;
	enum net_outcome outcome;
	enum derr_kind	 kind;
	const char	*hint;
};

/* One line of libcurl's trace at debug level, cut at NET_DEBUG_MAX. */
void	net_debug_line(const char *dir, const char *data, size_t size);

/* curl_easy_setopt, its failure a DERR_BUG naming option `what`. */
int	net_set_str(CURL *c, CURLoption opt, const char *val, const char *what,
	    struct derr *);
int	net_set_long(CURL *c, CURLoption opt, long val, const char *what,
	    struct derr *);
int	net_set_ptr(CURL *c, CURLoption opt, void *val, const char *what,
	    struct derr *);

/* libcurl's reason for `code` with its error buffer's detail (in `out`
 * when it must be rewritten); the result is borrowed. */
const char *net_curl_reason(int code, const char *errbuf, char *out, size_t n);

/* The protocols behind net_curl_ops (net_smtp.c, net_http.c). */
struct net_smtp *net_smtp_new(const struct net_smtp_opts *, struct derr *);
int	net_smtp_send(struct net_smtp *, const char *from,
	    const char *const *rcpt, size_t nrcpt, const char *data,
	    size_t len, struct net_result *, struct derr *);
void	net_smtp_free(struct net_smtp *);
int	net_http_post(const struct net_http_req *, struct net_http_resp *,
	    struct derr *);

#endif
