/*
 * net: what net_imap.c, net_imap_url.c and net_imap_tls.c share; not for
 * other modules.
 * net_imap_url.c reads mailbox.url; it must not touch the network.
 */
#ifndef DUTYD_NET_IMAP_INT_H
#define DUTYD_NET_IMAP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/* mailbox.url taken apart. */
struct net_imap_url {
	char		*host;
	uint16_t	 port;
	bool		 imaps;		/* TLS from the start */
	bool		 starttls;	/* imap:// except to loopback */
	char		*mailbox;	/* %-decoded; INBOX if none */
};

/*
 * Split imap[s]://host[:port]/MAILBOX into `u` (cleared first by the
 * caller; free with net_imap_url_clear, also after a failure).  Returns
 * 0, or -1 with DERR_CONFIG naming what is wrong.
 */
int	net_imap_url_split(struct net_imap_url *u, const char *url,
	    struct derr *);
void	net_imap_url_clear(struct net_imap_url *);

/*
 * Wait for poll `events` on `fd`, at most `ms` (-1: no limit) and, when
 * `tfd` is not -1, until that timerfd fires: 1 ready, 0 time up, -1
 * (errno).
 */
int	net_imap_wait(int fd, int tfd, int events, int ms);

/*
 * TLS over the connected socket `fd` (taken: closed on failure), SNI
 * `host` unless it is an address, the handshake done before timerfd
 * `tfd` fires.  Returns the stream (a libetpan mailstream_low *: void *
 * keeps libetpan out of this header), or NULL: DERR_NET (transient) when
 * `tfd` fired, DERR_CONFIG when the handshake failed, DERR_SYS.  The
 * stream's reads and writes wait at most its timeout (set by the stream
 * above it).  The certificate is not checked here.
 */
void	*net_imap_tls_open(int fd, const char *host, uint16_t port, int tfd,
	    struct derr *);

#endif
