/*
 * net: libcurl's shared part (option setters, reasons, the trace) and
 * the ops table; SMTP is net_smtp.c, HTTP net_http.c, IMAP net_imap.c.
 * See net.h.
 */
#include "net.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "log.h"
#include "net_int.h"

void
net_debug_line(const char *dir, const char *data, size_t size)
{
	int	 n;

	while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	n = size > NET_DEBUG_MAX ? NET_DEBUG_MAX : (int)size;
	log_debug("net: %s %.*s", dir, n, data);
}

static int
opt_fail(CURLcode rc, const char *what, struct derr *err)
{
	return derr_set(err, DERR_BUG, false, "cannot set %s: %s", what,
	    curl_easy_strerror(rc));
}

int
net_set_str(CURL *c, CURLoption opt, const char *val, const char *what,
    struct derr *err)
{
	CURLcode	 rc;

	rc = curl_easy_setopt(c, opt, val);
	if (rc != CURLE_OK)
		return opt_fail(rc, what, err);
	return 0;
}

int
net_set_long(CURL *c, CURLoption opt, long val, const char *what,
    struct derr *err)
{
	CURLcode	 rc;

	rc = curl_easy_setopt(c, opt, val);
	if (rc != CURLE_OK)
		return opt_fail(rc, what, err);
	return 0;
}

int
net_set_ptr(CURL *c, CURLoption opt, void *val, const char *what,
    struct derr *err)
{
	CURLcode	 rc;

	rc = curl_easy_setopt(c, opt, val);
	if (rc != CURLE_OK)
		return opt_fail(rc, what, err);
	return 0;
}

/*
 * libcurl's reason for `code`, with its error buffer's detail.  When a
 * TLS read or write fails, the buffer ends in ", errno N" with whatever
 * errno was left from an earlier call (11, 115: nothing to do with the
 * cut connection), so that part is dropped and libcurl's own sentence
 * for the code leads.
 */
const char *
net_curl_reason(int code, const char *errbuf, char *out, size_t n)
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
