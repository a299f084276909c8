/*
 * net: the network through libcurl, the only module that includes curl.h.
 * SMTP submission (one easy handle per batch, so that consecutive sends
 * reuse one connection) and HTTPS POST for provider APIs and webhooks.
 * TLS verification is always on, and every failure is classified as
 * RELIABILITY.md measured it (ok, transient, permanent, or unknown = may
 * have been delivered).  It must not build
 * messages (that is mime) or decide about retries (that is the caller).
 * Callers use it through `struct net_ops`, so tests can pass a fake.
 * One file per protocol behind this one header: net_smtp.c, net_http.c
 * and net_imap.c, with libcurl's shared helpers and the ops table in
 * net.c (private header net_int.h).
 *
 * IMAP (for the feedback mailbox) goes through libetpan, in net_imap.c:
 * its parser takes a literal by the byte count the server sends, so a
 * message is data whatever its lines look like.  Every connection logs
 * in, sends ID and EXAMINEs (or SELECTs) the mailbox; one UID FETCH asks
 * for several messages and their answers are handed out one by one.
 * TLS certificates are checked by net against mailbox.ca_file or the
 * system's CAs and the host name before the password is sent.
 */
#ifndef DUTYD_NET_H
#define DUTYD_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "util.h"

struct net_smtp_opts {
	const char	*url;		/* smtp:// or smtps://host:port */
	int		 tls;		/* enum cfg_tls */
	const char	*username;	/* NULL: no AUTH */
	const char	*password;	/* with username; copied by libcurl */
	const char	*ca_file;	/* CA bundle, NULL: the system's */
	int		 connect_timeout; /* seconds */
	int		 timeout;	/* seconds, whole transfer */
};

enum net_outcome {
	NET_OK,		/* the server accepted the message (250 after DATA) */
	NET_TRANSIENT,	/* not delivered; retrying later may succeed */
	NET_PERMANENT,	/* not delivered; retrying will not help */
	NET_UNKNOWN	/* data sent, reply lost: maybe delivered */
};

#define NET_REPLY_MAX	160

struct net_result {
	int		 curl_code;	/* CURLcode, 0 if libcurl never ran */
	long		 response_code;	/* last SMTP reply code, 0 if none */
	enum net_outcome outcome;
	char		 reply[NET_REPLY_MAX];	/* last reply line, escaped */
};

/* One SMTP session; holds the connection between sends. Opaque. */
struct net_smtp;

/* Largest HTTP answer body kept; a longer one is an error (unknown). */
#define NET_HTTP_BODY_MAX	(64 * 1024)

/* One HTTP POST. Strings are borrowed for the call. */
struct net_http_req {
	const char	*url;		/* https://..., or http:// (loopback) */
	const char *const *headers;	/* "Name: value", no CR or LF */
	size_t		 nheaders;
	const char	*body;
	size_t		 len;
	const char	*ca_file;	/* CA bundle, NULL: the system's */
	int		 connect_timeout; /* seconds */
	int		 timeout;	/* seconds, whole exchange */
};

struct net_http_resp {
	int		 curl_code;	/* CURLcode, 0 if libcurl never ran */
	long		 status;	/* HTTP status, 0 if no answer */
	/*
	 * NET_OK: an answer came (any status: the caller reads it);
	 * NET_TRANSIENT: nothing was sent (no connection, TLS handshake);
	 * NET_UNKNOWN: the request went out and no usable answer came back
	 * (timeout, connection closed, garbage, oversized body);
	 * NET_PERMANENT: configuration (untrusted certificate, bad URL).
	 */
	enum net_outcome outcome;
	long		 retry_after;	/* Retry-After seconds, 0 if none */
	struct buf	 body;		/* capped at NET_HTTP_BODY_MAX */
};

struct net_ops {
	/*
	 * Prepare a session for `opts` (strings are copied). Nothing is sent
	 * until the first send. Returns NULL with DERR_SYS or DERR_CONFIG.
	 */
	struct net_smtp	*(*smtp_new)(const struct net_smtp_opts *,
			    struct derr *);
	/*
	 * Send `data` (`len` bytes, an RFC 5322 message with CRLF line ends;
	 * libcurl does the dot-stuffing) from envelope sender `from` to the
	 * `nrcpt` addresses in `rcpt`, reusing the open connection if any.
	 * Every address is checked with addr_email_valid before any I/O.
	 * Always fills `res`. Returns 0 if accepted (NET_OK), else -1 with
	 * `err` set: DERR_INPUT for bad addresses, DERR_CONFIG for TLS
	 * verification and login failures, DERR_PEER for SMTP replies,
	 * DERR_NET otherwise; err->transient is true for NET_TRANSIENT
	 * and NET_UNKNOWN.
	 */
	int		 (*smtp_send)(struct net_smtp *, const char *from,
			    const char *const *rcpt, size_t nrcpt,
			    const char *data, size_t len, struct net_result *,
			    struct derr *);
	/* Close the connection and free the session; NULL is a no-op. */
	void		 (*smtp_free)(struct net_smtp *);
	/*
	 * POST `req` and wait for the answer on a fresh connection; redirects
	 * are not followed. Always initialises `resp` (the caller frees
	 * resp->body with buf_clear). Returns 0 when an HTTP answer came,
	 * whatever its status; else -1 with `err` set (DERR_INPUT for a
	 * header with CR/LF, DERR_CONFIG for certificate and URL problems,
	 * DERR_NET otherwise; transient unless NET_PERMANENT).
	 */
	int		 (*http_post)(const struct net_http_req *,
			    struct net_http_resp *, struct derr *);
};

struct net_imap_opts {
	const char	*url;		/* imap[s]://host[:port]/MAILBOX */
	const char	*username;
	const char	*password;	/* copied by libcurl */
	const char	*ca_file;	/* CA bundle, NULL: the system's */
	int		 connect_timeout; /* seconds */
	int		 timeout;	/* seconds, per command */
	bool		 read_write;	/* SELECT (to mark \Seen), else EXAMINE */
	size_t		 max_size;	/* largest literal accepted, bytes */
	/* Called while a long answer arrives (the watchdog); may be NULL. */
	void		 (*alive)(void *);
	void		*alivectx;
};

/* What EXAMINE/SELECT said about the mailbox. */
struct net_imap_box {
	int64_t		 uidvalidity;
	int64_t		 uidnext;	/* 0 if the server did not say */
	int64_t		 exists;
};

struct net_imap_msg {
	int64_t		 uid;
	int64_t		 size;		/* RFC822.SIZE; max_size + 1 if larger */
};

struct net_imap_list {
	struct net_imap_msg	*v;
	size_t			 n;
};
void	net_imap_list_clear(struct net_imap_list *);

/* One IMAP session. Opaque. */
struct net_imap;

struct net_imap_ops {
	/*
	 * Connect, log in, send ID, open the mailbox (EXAMINE, or SELECT
	 * with read_write) and fill `box`. Returns NULL with `err`: DERR_
	 * CONFIG for login, TLS and URL problems (permanent), DERR_NET or
	 * DERR_PEER (transient) otherwise.
	 */
	struct net_imap	*(*imap_open)(const struct net_imap_opts *,
			    struct net_imap_box *box, struct derr *);
	/*
	 * UIDs above `after`, ascending, at most `max`, with their sizes
	 * (UID FETCH after+1:* (UID RFC822.SIZE)). 0 or -1.
	 */
	int		 (*imap_list)(struct net_imap *, int64_t after,
			    size_t max, struct net_imap_list *, struct derr *);
	/*
	 * Append message `uid` to `out` (BODY.PEEK[], or BODY.PEEK[HEADER]
	 * with headers_only, its first max_size bytes).  Returns 1, 0 if the
	 * message is gone, -1 with DERR_NET when the connection failed,
	 * DERR_PEER when the server refused or garbled the answer (the
	 * next command reconnects) or DERR_INPUT when the message is larger
	 * than max_size.
	 */
	int		 (*imap_fetch)(struct net_imap *, int64_t uid,
			    bool headers_only, struct buf *out, struct derr *);
	/* UID STORE uid +FLAGS.SILENT (\Seen); needs read_write. 0 or -1. */
	int		 (*imap_seen)(struct net_imap *, int64_t uid,
			    struct derr *);
	/* Log out, close and free; NULL is a no-op. */
	void		 (*imap_free)(struct net_imap *);
};

extern const struct net_imap_ops net_imap_etpan_ops;

/* The real thing. */
extern const struct net_ops net_curl_ops;

/* curl_global_init / curl_global_cleanup; once, early in main. */
void	net_global_init(void);
void	net_global_cleanup(void);

#endif
