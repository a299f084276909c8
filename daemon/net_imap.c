/*
 * net: the feedback mailbox's IMAP session through libetpan (see net.h):
 * the connection, the stream under libetpan's with the command deadline
 * and the caps, login and errors.  Listing and fetching the messages is
 * net_imap_fetch.c's.  With net_imap_tls.c, the only files that include
 * libetpan and gnutls headers.
 *
 * libetpan's mailimap parser takes a literal by the byte count the
 * server sends, so a message body is data whatever its lines look like.
 * Every connection logs in, sends ID
 * (NetEase refuses sessions without it) and EXAMINEs (or SELECTs) the
 * mailbox; a connection that broke is opened again the same way.
 *
 * TLS is net_imap_tls.c's stream over gnutls (libetpan's own had no
 * bound on its handshake), which checks no certificate: the chain the
 * server presented is checked here, against mailbox.ca_file or the
 * system's CAs and the host name, before the password is sent.
 */
#include "net.h"

#include <sys/socket.h>
#include <sys/timerfd.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "log.h"
#include "net_imap_int.h"
#include "util.h"

/* What the stream under libetpan's holds: the socket (or TLS) stream
 * it wraps and the session whose deadline and caps it enforces. */
struct imap_low {
	mailstream_low		*inner;
	struct net_imap		*s;
};

static void
imap_logger(mailstream *st, int type, const char *str, size_t size,
    void *ud)
{
	const struct net_imap	*s = ud;
	const char		*eol;
	int			 n;

	(void)st;
	if (type == MAILSTREAM_LOG_TYPE_DATA_SENT && !s->hide) {
		while (size > 0 && (str[size - 1] == '\n' ||
		    str[size - 1] == '\r'))
			size--;
		n = size > IMAP_DEBUG_MAX ? IMAP_DEBUG_MAX : (int)size;
		log_debug("net: > %.*s", n, str);
	} else if (type == MAILSTREAM_LOG_TYPE_DATA_RECEIVED && !s->quiet) {
		/* The first line of what came in; bodies are never logged. */
		eol = memchr(str, '\n', size);
		if (eol != NULL)
			size = (size_t)(eol - str);
		while (size > 0 && str[size - 1] == '\r')
			size--;
		n = size > IMAP_DEBUG_MAX ? IMAP_DEBUG_MAX : (int)size;
		log_debug("net: < %.*s", n, str);
	}
}

/* libetpan reports progress while an answer arrives: say we are alive. */
static void
imap_progress(size_t done, size_t total, void *ud)
{
	const struct net_imap	*s = ud;

	(void)done;
	(void)total;
	if (s->o.alive != NULL)
		s->o.alive(s->o.alivectx);
}

/* The next command may take `secs` seconds (monotonic, kept by the
 * kernel: net reads no clock). */
void
net_imap_arm(struct net_imap *s, size_t bytes)
{
	struct itimerspec	 its;

	memset(&its, 0, sizeof(its));
	s->cmd_secs = s->o.timeout + (int)(bytes / IMAP_RATE_MIN);
	its.it_value.tv_sec = s->cmd_secs;
	s->expired = false;
	s->too_big = 0;
	s->long_line = false;
	/* Fails only for a bad fd or value: then nothing is armed and the
	 * first read says the time is up. */
	(void)timerfd_settime(s->tfd, 0, &its, NULL);
}

/* Whole seconds left to the deadline, at least 1; 0 once it passed. */
static long
imap_left(const struct net_imap *s)
{
	struct itimerspec	 its;

	if (timerfd_gettime(s->tfd, &its) == -1 ||
	    (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0))
		return 0;
	return (long)its.it_value.tv_sec + (its.it_value.tv_nsec > 0);
}

/* The line being read ended: does it announce a literal ("{N}" at its
 * end) over the cap?  Digits that run past what was kept are too many. */
static int
imap_line_end(struct net_imap *s)
{
	size_t		 i = s->ntail, end, d;
	uint64_t	 n = 0;

	if (i > 0 && s->tail[i - 1] == '\r')
		i--;
	if (i == 0 || s->tail[i - 1] != '}')
		return 0;
	end = --i;			/* tail[i..end) will be the digits */
	while (i > 0 && s->tail[i - 1] >= '0' && s->tail[i - 1] <= '9')
		i--;
	if (i == end)
		return 0;
	if ((i == 0 && s->line_len > s->ntail) || end - i > 19) {
		s->too_big = UINT64_MAX;
		return -1;
	}
	if (i == 0 || s->tail[i - 1] != '{')
		return 0;
	for (d = i; d < end; d++)
		n = n * 10 + (uint64_t)(s->tail[d] - '0');
	if (n > s->o.max_size + IMAP_LITERAL_SLACK) {
		s->too_big = n;
		return -1;
	}
	return 0;
}

/*
 * Watch the framing of what the server sends before libetpan parses it:
 * a line that ends in "{N}" with N over max_size (plus slack), or a line
 * longer than that, fails the read, so libetpan never allocates for or
 * waits on it.  Every line is looked at, literals included: a literal
 * that is not one (text that ends in "{N}") cannot hide the next.
 */
static int
imap_scan(struct net_imap *s, const char *p, size_t n)
{
	const char	*end = p + n, *nl;
	size_t		 k;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		k = (size_t)((nl != NULL ? nl : end) - p);
		s->line_len += k;
		if (k >= IMAP_TAIL) {
			memcpy(s->tail, nl != NULL ? nl - IMAP_TAIL : end -
			    IMAP_TAIL, IMAP_TAIL);
			s->ntail = IMAP_TAIL;
		} else {
			if (s->ntail + k > IMAP_TAIL) {
				memmove(s->tail, s->tail + s->ntail + k -
				    IMAP_TAIL, IMAP_TAIL - k);
				s->ntail = IMAP_TAIL - k;
			}
			memcpy(s->tail + s->ntail, p, k);
			s->ntail += k;
		}
		if (s->line_len > s->o.max_size + IMAP_LITERAL_SLACK) {
			s->long_line = true;
			return -1;
		}
		if (nl == NULL)
			break;
		if (imap_line_end(s) == -1)
			return -1;
		s->line_len = s->ntail = 0;
		p = nl + 1;
	}
	return 0;
}

static ssize_t
low_read(mailstream_low *l, void *buf, size_t count)
{
	struct imap_low	*w = l->data;
	struct net_imap	*s = w->s;
	ssize_t		 n;
	long		 left;

	/* Once an answer broke a cap, nothing more is read for it: after
	 * the failed read libetpan's parser may try another branch, whose
	 * read would wait for bytes that are not coming (a server that
	 * announced a huge literal and stalled cost a whole timeout). */
	if (s->too_big > 0 || s->long_line)
		return -1;
	if ((left = imap_left(s)) == 0) {
		s->expired = true;
		return -1;
	}
	/* Silence may last mailbox.timeout, and not past the deadline. */
	w->inner->timeout = (unsigned long)(left < s->o.timeout ? left :
	    s->o.timeout);
	n = w->inner->driver->mailstream_read(w->inner, buf, count);
	if (n > 0 && imap_scan(s, buf, (size_t)n) == -1)
		return -1;
	if (n > 0 && s->o.alive != NULL)
		s->o.alive(s->o.alivectx);	/* bytes came: not hung */
	if (n <= 0 && imap_left(s) == 0)
		s->expired = true;
	return n;
}

static ssize_t
low_write(mailstream_low *l, const void *buf, size_t count)
{
	struct imap_low	*w = l->data;
	long		 left;

	if ((left = imap_left(w->s)) == 0) {
		w->s->expired = true;
		return -1;
	}
	w->inner->timeout = (unsigned long)(left < w->s->o.timeout ? left :
	    w->s->o.timeout);
	return w->inner->driver->mailstream_write(w->inner, buf, count);
}

static int
low_close(mailstream_low *l)
{
	return mailstream_low_close(((struct imap_low *)l->data)->inner);
}

static int
low_get_fd(mailstream_low *l)
{
	return mailstream_low_get_fd(((struct imap_low *)l->data)->inner);
}

static void
low_free(mailstream_low *l)
{
	struct imap_low	*w = l->data;

	mailstream_low_free(w->inner);
	free(w);
	free(l);
}

static void
low_cancel(mailstream_low *l)
{
	mailstream_low_cancel(((struct imap_low *)l->data)->inner);
}

static struct mailstream_cancel *
low_get_cancel(mailstream_low *l)
{
	return mailstream_low_get_cancel(((struct imap_low *)l->data)->inner);
}

static carray *
low_get_certificate_chain(mailstream_low *l)
{
	return mailstream_low_get_certificate_chain(
	    ((struct imap_low *)l->data)->inner);
}

static const mailstream_low_driver imap_low_driver = {
	.mailstream_read = low_read,
	.mailstream_write = low_write,
	.mailstream_close = low_close,
	.mailstream_get_fd = low_get_fd,
	.mailstream_free = low_free,
	.mailstream_cancel = low_cancel,
	.mailstream_get_cancel = low_get_cancel,
	.mailstream_get_certificate_chain = low_get_certificate_chain,
};

/* `inner` under the deadline and the caps (takes it). */
static mailstream_low *
imap_wrap(struct net_imap *s, mailstream_low *inner)
{
	struct imap_low	*w = xmalloc(sizeof(*w));

	w->inner = inner;
	w->s = s;
	s->line_len = s->ntail = 0;
	/* libetpan wants the table non-const; it never writes to it. */
	return xalloced(mailstream_low_new(w,
	    (mailstream_low_driver *)(uintptr_t)&imap_low_driver));
}

/* The server's last words (its tagged reply text), escaped. */
static const char *
imap_said(const struct net_imap *s, char *out, size_t n)
{
	out[0] = '\0';
	if (s->imap != NULL && s->imap->imap_response != NULL)
		log_escape(s->imap->imap_response, out, n);
	return out;
}

/*
 * Close the connection without a word: mailimap_free would send LOGOUT
 * and wait for an answer a broken or hostile server may never give
 * (fuzz_imap found the wait).
 */
void
net_imap_drop(struct net_imap *s)
{
	s->pending = false;	/* its answer goes with the connection */
	if (s->imap == NULL)
		return;
	if (s->imap->imap_stream != NULL) {
		mailstream_close(s->imap->imap_stream);
		s->imap->imap_stream = NULL;
	}
	mailimap_free(s->imap);
	s->imap = NULL;
}

/* The stream stopped mid-answer (deadline, cap): whatever libetpan said. */
static bool
imap_broken(const struct net_imap *s)
{
	return s->expired || s->too_big > 0 || s->long_line;
}

/* The stream stopped mid-answer: the connection cannot go on. */
static int
imap_stopped(struct net_imap *s, const char *cmd, struct derr *err)
{
	int		 secs = s->cmd_secs;
	uint64_t	 big = s->too_big;
	bool		 expired = s->expired;

	net_imap_drop(s);
	if (expired)
		return derr_set(err, DERR_NET, true, "%s: timed out: no "
		    "complete answer within %d s (mailbox.timeout)", cmd,
		    secs);
	if (big == UINT64_MAX)
		return derr_set(err, DERR_INPUT, false, "%s: the server "
		    "announced a literal of more than 19 digits", cmd);
	if (big > 0)
		return derr_set(err, DERR_INPUT, false, "%s: the server "
		    "announced %llu bytes, over mailbox.max_size", cmd,
		    (unsigned long long)big);
	return derr_set(err, DERR_PEER, true, "%s: the server sent a line "
	    "longer than mailbox.max_size; reconnecting", cmd);
}

/*
 * A libetpan result as a derr.  The connection is unusable after a
 * stream or parse error: it is dropped, and the next command opens a
 * new one.  A command the server refused leaves it as it was.
 */
int
net_imap_fail(struct net_imap *s, int r, const char *cmd, struct derr *err)
{
	char	 said[NET_REPLY_MAX];

	if (imap_broken(s))
		return imap_stopped(s, cmd, err);
	switch (r) {
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		net_imap_drop(s);
		return derr_set(err, DERR_NET, true, "cannot connect to %s "
		    "port %u", s->u.host, s->u.port);
	case MAILIMAP_ERROR_STREAM:
		net_imap_drop(s);
		return derr_set(err, DERR_NET, true, "%s: the connection "
		    "failed or timed out", cmd);
	case MAILIMAP_ERROR_PARSE:
		net_imap_drop(s);
		return derr_set(err, DERR_PEER, true, "%s: the server's "
		    "answer could not be parsed; reconnecting", cmd);
	case MAILIMAP_ERROR_MEMORY:
		return derr_set(err, DERR_SYS, true, "%s: out of memory", cmd);
	default:
		imap_said(s, said, sizeof(said));
		return derr_set(err, DERR_PEER, true, "%s refused%s%s", cmd,
		    said[0] != '\0' ? ": " : "", said);
	}
}

static int
trust_load(gnutls_x509_trust_list_t tl, const char *ca_file,
    struct derr *err)
{
	int	 n;

	if (ca_file == NULL)
		n = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	else
		n = gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL,
		    GNUTLS_X509_FMT_PEM, 0, 0);
	if (n <= 0)
		return derr_set(err, DERR_CONFIG, false, "cannot use the CA "
		    "bundle %s; check mailbox.ca_file", ca_file != NULL ?
		    ca_file : "(system)");
	return 0;
}

/* The presented chain as gnutls certificates; returns how many. */
static size_t
chain_import(carray *chain, gnutls_x509_crt_t *crt, size_t max)
{
	MMAPString	*der;
	gnutls_datum_t	 d;
	size_t		 i, n = 0;

	for (i = 0; i < carray_count(chain) && n < max; i++) {
		der = carray_get(chain, (unsigned int)i);
		d.data = (unsigned char *)der->str;
		d.size = (unsigned int)der->len;
		if (gnutls_x509_crt_init(&crt[n]) < 0)
			break;
		if (gnutls_x509_crt_import(crt[n], &d, GNUTLS_X509_FMT_DER) <
		    0) {
			gnutls_x509_crt_deinit(crt[n]);
			break;
		}
		n++;
	}
	return n;
}

/* Refuse the server unless its chain leads to a trusted CA and names
 * the host (or its IP address) we connected to. */
static int
tls_verify(struct net_imap *s, struct derr *err)
{
	gnutls_x509_trust_list_t tl;
	gnutls_x509_crt_t	 crt[16];
	carray			*chain;
	unsigned int		 status = 1;
	size_t			 n = 0, i;
	int			 r = -1;

	chain = mailstream_get_certificate_chain(s->imap->imap_stream);
	if (chain != NULL)
		n = chain_import(chain, crt, 16);
	if (chain != NULL)
		mailstream_certificate_chain_free(chain);
	if (gnutls_x509_trust_list_init(&tl, 0) < 0) {
		for (i = 0; i < n; i++)
			gnutls_x509_crt_deinit(crt[i]);
		return derr_set(err, DERR_SYS, true, "gnutls: out of memory");
	}
	if (trust_load(tl, s->o.ca_file, err) == 0 && n > 0 &&
	    gnutls_x509_trust_list_verify_crt(tl, crt, (unsigned int)n, 0,
	    &status, NULL) == 0 && status == 0 &&
	    gnutls_x509_crt_check_hostname2(crt[0], s->u.host, 0) != 0)
		r = 0;
	else if (err->msg[0] == '\0')
		derr_set(err, DERR_CONFIG, false, "%s: server certificate not "
		    "trusted; set mailbox.ca_file to the CA that signed it",
		    s->u.host);
	gnutls_x509_trust_list_deinit(tl, 1);
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crt[i]);
	return r;
}

/*
 * A blocking TCP socket to the server, within connect_timeout and the
 * deadline.  XXX getaddrinfo cannot be interrupted: a resolver that does
 * not answer costs what resolv.conf allows (timeout x attempts), not
 * mailbox.timeout; the time it took counts against the deadline.
 */
static int
tcp_connect(const struct net_imap *s, struct derr *err)
{
	struct addrinfo	 hints, *res, *ai;
	socklen_t	 len;
	char		 port[8];
	int		 fd = -1, e, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", s->u.port);
	if ((r = getaddrinfo(s->u.host, port, &hints, &res)) != 0)
		return derr_set(err, DERR_NET, true, "cannot resolve %s: %s",
		    s->u.host, gai_strerror(r));
	if (imap_left(s) == 0) {
		freeaddrinfo(res);
		return derr_set(err, DERR_NET, true, "cannot resolve %s: "
		    "timed out (mailbox.timeout)", s->u.host);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol)) == -1)
			continue;
		e = 0;
		len = sizeof(e);
		if ((connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS && net_imap_wait(fd, s->tfd, POLLOUT,
		    s->o.connect_timeout * 1000) == 1 && getsockopt(fd,
		    SOL_SOCKET, SO_ERROR, &e, &len) == 0 && e == 0)) &&
		    fcntl(fd, F_SETFL, 0) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		return derr_set(err, DERR_NET, true, "cannot connect to %s "
		    "port %u", s->u.host, s->u.port);
	return fd;
}

/* TLS over socket `fd` (taken) within the deadline: the stream, or NULL. */
static mailstream_low *
imap_tls(struct net_imap *s, int fd, struct derr *err)
{
	mailstream_low	*low;

	low = net_imap_tls_open(fd, s->u.host, s->u.port, s->tfd, err);
	if (low == NULL && err->kind == DERR_NET) {
		/* The deadline passed: said as for any command. */
		s->expired = true;
		(void)imap_stopped(s, "TLS handshake", err);	/* -1 */
	}
	return low;
}

/*
 * TCP (and TLS for imaps), the stream under the deadline, the greeting:
 * all within one mailbox.timeout.
 */
static int
imap_greet(struct net_imap *s, struct derr *err)
{
	mailstream_low	*low;
	int		 fd, r;

	net_imap_arm(s, 0);
	if ((fd = tcp_connect(s, err)) == -1)
		return -1;
	if (s->u.imaps) {
		if ((low = imap_tls(s, fd, err)) == NULL)
			return -1;
	} else if ((low = mailstream_low_socket_open(fd)) == NULL) {
		close(fd);
		return derr_set(err, DERR_SYS, true, "out of memory");
	}
	r = mailimap_connect(s->imap, xalloced(mailstream_new(imap_wrap(s,
	    low), IMAP_STREAM_BUF)));
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_AUTHENTICATED)
		return net_imap_fail(s, r, "greeting", err);
	return 0;
}

/*
 * STARTTLS, then TLS over the socket, within one mailbox.timeout.
 * Anything the server sent after its OK would be read as if it came
 * over TLS (libetpan's CVE-2020-15953): refused.
 */
static int
imap_starttls(struct net_imap *s, struct derr *err)
{
	mailstream_low	*plain, *low;
	int		 r, fd;

	net_imap_arm(s, 0);
	r = mailimap_starttls(s->imap);
	/* libetpan 1.9.4 refuses it too, as "not offered": say what it is. */
	if (s->imap->imap_stream != NULL &&
	    s->imap->imap_stream->read_buffer_len > 0)
		return derr_set(err, DERR_PEER, false, "STARTTLS: the server "
		    "sent data before the TLS handshake");
	if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE ||
	    imap_broken(s))
		return net_imap_fail(s, r, "STARTTLS", err);
	if (r != MAILIMAP_NO_ERROR)
		return derr_set(err, DERR_CONFIG, false, "%s: server does not "
		    "offer STARTTLS; use imaps://", s->u.host);
	plain = mailstream_get_low(s->imap->imap_stream);
	if ((fd = dup(mailstream_low_get_fd(plain))) == -1)
		return derr_set(err, DERR_SYS, true, "dup: %s",
		    strerror(errno));
	if ((low = imap_tls(s, fd, err)) == NULL)
		return -1;
	/* The plain stream goes, and its socket with it: TLS has its own
	 * descriptor of the same connection. */
	mailstream_low_close(plain);
	mailstream_low_free(plain);
	mailstream_set_low(s->imap->imap_stream, imap_wrap(s, low));
	if (log_level_get() >= LOGL_DEBUG)
		mailstream_set_logger(s->imap->imap_stream, imap_logger, s);
	return 0;
}

static int
imap_connect(struct net_imap *s, struct derr *err)
{
	s->imap = mailimap_new(0, NULL);
	if (s->imap == NULL)
		return derr_set(err, DERR_SYS, true, "out of memory");
	mailimap_set_timeout(s->imap, s->o.timeout);
	mailimap_set_progress_callback(s->imap, imap_progress, imap_progress,
	    s);
	if (imap_greet(s, err) == -1)
		return -1;
	if (log_level_get() >= LOGL_DEBUG)
		mailstream_set_logger(s->imap->imap_stream, imap_logger, s);
	if (s->u.starttls && imap_starttls(s, err) == -1)
		return -1;
	if ((s->u.imaps || s->u.starttls) && tls_verify(s, err) == -1)
		return -1;
	return 0;
}

/*
 * A string libetpan frees itself: its lists free their strings with
 * mmap_string_unref, which frees only strings registered with it (a
 * plain strdup leaks; fuzz_imap found it).
 */
static char *
etpan_str(const char *s)
{
	MMAPString	*m = xalloced(mmap_string_new(s));

	if (mmap_string_ref(m) != 0)
		xalloced(NULL);		/* out of memory */
	return m->str;
}

/* ID (RFC 2971): who we are.  A server that refuses it is no bar. */
static int
imap_id(struct net_imap *s, struct derr *err)
{
	static const char *const kv[] = { "name", "dutyd", "version", "1.0",
		"vendor", "dutyd", "support-email", "postmaster@localhost" };
	struct mailimap_id_params_list	*l, *got = NULL;
	size_t				 i;
	int				 r;

	l = xalloced(mailimap_id_params_list_new_empty());
	for (i = 0; i + 1 < sizeof(kv) / sizeof(kv[0]); i += 2)
		if (mailimap_id_params_list_add_name_value(l,
		    etpan_str(kv[i]), etpan_str(kv[i + 1])) !=
		    MAILIMAP_NO_ERROR)
			xalloced(NULL);		/* out of memory */
	net_imap_arm(s, 0);
	r = mailimap_id(s->imap, l, &got);
	mailimap_id_params_list_free(l);
	if (got != NULL)
		mailimap_id_params_list_free(got);
	if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE ||
	    r == MAILIMAP_ERROR_MEMORY || imap_broken(s))
		return net_imap_fail(s, r, "ID", err);
	return 0;
}

static int
imap_login(struct net_imap *s, struct derr *err)
{
	int	 r;

	s->hide = true;
	net_imap_arm(s, 0);
	r = mailimap_login(s->imap, s->o.username, s->o.password != NULL ?
	    s->o.password : "");
	s->hide = false;
	if (r == MAILIMAP_NO_ERROR)
		return 0;
	if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE ||
	    imap_broken(s))
		return net_imap_fail(s, r, "LOGIN", err);
	return derr_set(err, DERR_CONFIG, false, "login denied; check "
	    "mailbox.username and mailbox.password_file (126.com/163.com "
	    "want the 授权码, not the web password)");
}

/* Connect, log in, ID, EXAMINE or SELECT: what every connection does. */
static int
imap_session(struct net_imap *s, struct derr *err)
{
	struct mailimap_selection_info	*si;
	int				 r;

	if (imap_connect(s, err) == -1 || imap_login(s, err) == -1 ||
	    imap_id(s, err) == -1)
		goto fail;
	net_imap_arm(s, 0);
	r = s->o.read_write ? mailimap_select(s->imap, s->u.mailbox) :
	    mailimap_examine(s->imap, s->u.mailbox);
	if (r != MAILIMAP_NO_ERROR) {
		net_imap_fail(s, r, s->o.read_write ? "SELECT" : "EXAMINE", err);
		goto fail;
	}
	si = s->imap->imap_selection_info;
	memset(&s->box, 0, sizeof(s->box));
	if (si != NULL) {
		s->box.uidvalidity = si->sel_uidvalidity;
		s->box.uidnext = si->sel_uidnext;
		s->box.exists = si->sel_exists;
	}
	if (s->box.uidvalidity <= 0) {
		derr_set(err, DERR_PEER, true, "mailbox %s: the server sent "
		    "no UIDVALIDITY", s->u.mailbox);
		goto fail;
	}
	return 0;
fail:
	net_imap_drop(s);
	return -1;
}

/* A connection for the next command: the open one, or a new one on the
 * same mailbox (same UIDVALIDITY, or the poll's UIDs mean nothing). */
int
net_imap_ready(struct net_imap *s, struct derr *err)
{
	int64_t	 was = s->box.uidvalidity;

	if (s->imap != NULL)
		return 0;
	if (imap_session(s, err) == -1)
		return -1;
	if (s->box.uidvalidity != was) {
		net_imap_drop(s);
		return derr_set(err, DERR_NET, true, "UIDVALIDITY changed "
		    "during the poll");
	}
	return 0;
}

static void
net_imap_free(struct net_imap *s)
{
	if (s == NULL)
		return;
	/* LOGOUT's answer would come after the pending FETCH's: with one
	 * in flight, the connection is only closed. */
	if (s->imap != NULL && !s->pending) {
		net_imap_arm(s, 0);
		(void)mailimap_logout(s->imap);	/* we leave either way */
	}
	net_imap_drop(s);
	net_imap_got_clear(s);
	net_imap_list_clear(&s->listed);
	if (s->tfd != -1)
		close(s->tfd);
	net_imap_url_clear(&s->u);
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

	s->tfd = -1;
	s->o = *o;
	s->o.url = xstrdup(o->url);
	s->o.username = xstrdup(o->username != NULL ? o->username : "");
	s->o.password = o->password != NULL ? xstrdup(o->password) : NULL;
	s->o.ca_file = o->ca_file != NULL ? xstrdup(o->ca_file) : NULL;
	if ((s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC |
	    TFD_NONBLOCK)) == -1) {
		derr_set(err, DERR_SYS, true, "timerfd_create: %s",
		    strerror(errno));
		net_imap_free(s);
		return NULL;
	}
	if (net_imap_url_split(&s->u, o->url, err) == -1 ||
	    imap_session(s, err) == -1) {
		net_imap_free(s);
		return NULL;
	}
	*box = s->box;
	return s;
}

const struct net_imap_ops net_imap_etpan_ops = {
	.imap_open = net_imap_open,
	.imap_list = net_imap_list,
	.imap_fetch = net_imap_fetch,
	.imap_seen = net_imap_seen,
	.imap_free = net_imap_free,
};
