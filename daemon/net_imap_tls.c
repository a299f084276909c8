/*
 * net: TLS for the feedback mailbox's IMAP connection, under the
 * command deadline (see net_imap_int.h).  libetpan's own TLS stream runs
 * the handshake on a blocking socket with no bound on its total time: a
 * server that accepts and then drips its handshake held a poll (and
 * SIGTERM) for ever.  This one runs it non-blocking, waiting on the
 * socket and the deadline's timerfd together, and then serves libetpan's
 * reads and writes, each within the silence the stream above allows.
 * The certificate is checked by net_imap.c (tls_verify), not here.
 */
#include "net_imap_int.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <libetpan/libetpan.h>

#include "util.h"
/* A TLS stream under libetpan's (imap_tls_driver). */
struct imap_tls {
	int				 fd;
	gnutls_session_t		 ses;
	gnutls_certificate_credentials_t cred;
};

int
net_imap_wait(int fd, int tfd, int events, int ms)
{
	struct pollfd	 p[2];
	int		 r;

	memset(p, 0, sizeof(p));
	p[0].fd = fd;
	p[0].events = (short)events;
	p[1].fd = tfd;
	p[1].events = POLLIN;
	do
		r = poll(p, tfd != -1 ? 2 : 1, ms);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return -1;
	if (r == 0 || (p[1].revents & POLLIN) != 0)
		return 0;
	return 1;
}

static ssize_t
tls_read(mailstream_low *l, void *buf, size_t count)
{
	struct imap_tls	*t = l->data;
	ssize_t		 r;
	int		 ms = (int)l->timeout * 1000;

	for (;;) {
		r = gnutls_record_recv(t->ses, buf, count);
		if (r > 0)
			return r;
		if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED)
			return -1;	/* closed (0) or broken */
		/* The stream above set the timeout (at least 1 s). */
		if (net_imap_wait(t->fd, -1, POLLIN, ms) != 1)
			return -1;
	}
}

static ssize_t
tls_write(mailstream_low *l, const void *buf, size_t count)
{
	struct imap_tls	*t = l->data;
	ssize_t		 r;
	int		 ms = (int)l->timeout * 1000;

	for (;;) {
		r = gnutls_record_send(t->ses, buf, count);
		if (r > 0)
			return r;
		if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED)
			return -1;
		if (net_imap_wait(t->fd, -1, POLLOUT, ms) != 1)
			return -1;
	}
}

/* The session and credentials (not the socket). */
static void
tls_end(struct imap_tls *t)
{
	if (t->ses != NULL)
		gnutls_deinit(t->ses);
	if (t->cred != NULL)
		gnutls_certificate_free_credentials(t->cred);
	t->ses = NULL;
	t->cred = NULL;
}

static int
tls_close(mailstream_low *l)
{
	struct imap_tls	*t = l->data;

	tls_end(t);
	if (t->fd != -1)
		close(t->fd);
	t->fd = -1;
	return 0;
}

static int
tls_get_fd(mailstream_low *l)
{
	return ((struct imap_tls *)l->data)->fd;
}

static void
tls_free(mailstream_low *l)
{
	struct imap_tls	*t = l->data;

	tls_end(t);
	free(t);
	free(l);
}

static void
tls_cancel(mailstream_low *l)
{
	(void)l;		/* nothing runs in another thread */
}

static struct mailstream_cancel *
tls_get_cancel(mailstream_low *l)
{
	(void)l;
	return NULL;
}

/* The server's chain as libetpan gives it: DER in MMAPStrings. */
static carray *
tls_chain(mailstream_low *l)
{
	struct imap_tls		*t = l->data;
	const gnutls_datum_t	*d;
	carray			*c;
	unsigned int		 i, n = 0;

	if (t->ses == NULL ||
	    (d = gnutls_certificate_get_peers(t->ses, &n)) == NULL)
		return NULL;
	c = xalloced(carray_new(n > 0 ? n : 1));
	for (i = 0; i < n; i++)
		if (carray_add(c, xalloced(mmap_string_new_len((const char *)
		    d[i].data, d[i].size)), NULL) < 0)
			xalloced(NULL);		/* out of memory */
	return c;
}

static const mailstream_low_driver imap_tls_driver = {
	.mailstream_read = tls_read,
	.mailstream_write = tls_write,
	.mailstream_close = tls_close,
	.mailstream_get_fd = tls_get_fd,
	.mailstream_free = tls_free,
	.mailstream_cancel = tls_cancel,
	.mailstream_get_cancel = tls_get_cancel,
	.mailstream_get_certificate_chain = tls_chain,
};

/* The handshake, until timerfd `tfd` fires. */
static int
tls_handshake(struct imap_tls *t, const char *host, uint16_t port, int tfd,
    struct derr *err)
{
	int	 ev, r, w;

	for (;;) {
		r = gnutls_handshake(t->ses);
		if (r == 0)
			return 0;
		if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED)
			return derr_set(err, DERR_CONFIG, false, "%s port %u: "
			    "TLS handshake failed: %s", host, port,
			    gnutls_strerror(r));
		ev = gnutls_record_get_direction(t->ses) ? POLLOUT : POLLIN;
		if ((w = net_imap_wait(t->fd, tfd, ev, -1)) == 0)
			return derr_set(err, DERR_NET, true, "TLS handshake: "
			    "timed out");
		if (w == -1)
			return derr_set(err, DERR_SYS, true, "poll: %s",
			    strerror(errno));
	}
}

void *
net_imap_tls_open(int fd, const char *host, uint16_t port, int tfd,
    struct derr *err)
{
	struct imap_tls	*t = xcalloc(1, sizeof(*t));
	unsigned char	 ip[16];

	t->fd = fd;
	if (gnutls_certificate_allocate_credentials(&t->cred) < 0 ||
	    gnutls_init(&t->ses, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0 ||
	    gnutls_set_default_priority(t->ses) < 0 ||
	    gnutls_credentials_set(t->ses, GNUTLS_CRD_CERTIFICATE,
	    t->cred) < 0) {
		derr_set(err, DERR_SYS, true, "gnutls: cannot set up a "
		    "session");
		goto fail;
	}
	/* SNI names a host, never an address (RFC 6066). */
	if (inet_pton(AF_INET, host, ip) != 1 &&
	    inet_pton(AF_INET6, host, ip) != 1 &&
	    gnutls_server_name_set(t->ses, GNUTLS_NAME_DNS, host,
	    strlen(host)) < 0) {
		derr_set(err, DERR_SYS, true, "gnutls: cannot set the name");
		goto fail;
	}
	gnutls_transport_set_int(t->ses, fd);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1) {
		derr_set(err, DERR_SYS, true, "fcntl: %s", strerror(errno));
		goto fail;
	}
	if (tls_handshake(t, host, port, tfd, err) == -1)
		goto fail;
	/* libetpan wants the table non-const; it never writes to it. */
	return xalloced(mailstream_low_new(t,
	    (mailstream_low_driver *)(uintptr_t)&imap_tls_driver));
fail:
	tls_end(t);
	close(fd);
	free(t);
	return NULL;
}
