/*
 * net: what net_imap.c and net_imap_url.c share; not for other modules.
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

#endif
