/*
 * net: what net_imap.c (the session), net_imap_fetch.c (its answers),
 * net_imap_url.c and net_imap_tls.c share; not for other modules.
 * libetpan's types stay here and in those files.
 * net_imap_url.c reads mailbox.url; it must not touch the network.
 */
#ifndef DUTYD_NET_IMAP_INT_H
#define DUTYD_NET_IMAP_INT_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libetpan/libetpan.h>

#include "err.h"
#include "net.h"

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

#define IMAP_DEBUG_MAX		512
/* libetpan's read and write buffers.  Not larger: libetpan moves what
 * is left of its read buffer down after each read, so 64 KiB cost
 * a tenth more instructions per message than 8 KiB (callgrind). */
#define IMAP_STREAM_BUF		(8 * 1024)
/* Each command has mailbox.timeout seconds, plus one per IMAP_RATE_MIN
 * bytes of mail it asks for: a trickle costs one timeout, a big message
 * on a slow line is not cut. */
#define IMAP_RATE_MIN		(32 * 1024)
/* A literal (or a line) may hold max_size plus this; a message in the
 * answer is refused above it (the header fetch asks for max_size). */
#define IMAP_LITERAL_SLACK	65536
/* Bytes kept of a line's end to read a "{N}" announcement. */
#define IMAP_TAIL		24

/* One message of the last batch, its bytes copied out of libetpan. */
struct imap_got {
	int64_t		 uid;
	char		*data;
	size_t		 len;
};

struct net_imap {
	mailimap		*imap;	/* NULL: not connected */
	struct net_imap_opts	 o;	/* strings below are owned copies */
	struct net_imap_url	 u;	/* host, port, TLS, mailbox */
	bool			 quiet;		/* debug: no lines in */
	bool			 hide;		/* debug: nothing out (login) */
	struct net_imap_box	 box;
	struct net_imap_list	 listed;
	struct imap_got		*got;
	size_t			 ngot;
	/* listed[single_lo..single_hi): a batch one of whose answers was
	 * over the cap, asked for one message a FETCH to find which. */
	size_t			 single_lo, single_hi;
	/* A FETCH sent ahead (listed[pend_lo..pend_hi)), its answer not
	 * read yet: the server sends it while mailbox parses and stores
	 * the batch before. */
	bool			 pending;
	size_t			 pend_lo, pend_hi, pend_bytes;
	/* The stream under libetpan (imap_low_driver): the command's
	 * deadline and what the server's framing announced. */
	int			 tfd;		/* timerfd, the deadline */
	int			 cmd_secs;	/* the deadline, in seconds */
	bool			 expired;
	uint64_t		 too_big;	/* a literal over the cap */
	bool			 long_line;
	size_t			 line_len;	/* of the line being read */
	size_t			 ntail;
	char			 tail[IMAP_TAIL];
};


/* The session (net_imap.c) and its answers (net_imap_fetch.c). */
void	net_imap_arm(struct net_imap *, size_t bytes);
int	net_imap_fail(struct net_imap *, int r, const char *cmd,
	    struct derr *);
void	net_imap_drop(struct net_imap *);
int	net_imap_ready(struct net_imap *, struct derr *);
void	net_imap_got_clear(struct net_imap *);
int	net_imap_list(struct net_imap *, int64_t after, size_t max,
	    struct net_imap_list *, struct derr *);
int	net_imap_fetch(struct net_imap *, int64_t uid, bool headers_only,
	    struct buf *, struct derr *);
int	net_imap_seen(struct net_imap *, int64_t uid, struct derr *);

/* mailbox.url taken apart. */

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
