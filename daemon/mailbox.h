/*
 * mailbox: polls the feedback mailbox (意见箱) over IMAP and stores each
 * new message as a feedback row.  Incremental by UIDVALIDITY and the last
 * UID stored; a UIDVALIDITY change re-reads the mailbox and the store
 * drops what it already has (Message-ID, else header hash).  Read-only
 * unless mark_seen.  Messages over max_size are stored from their
 * headers with a note.  A failing server backs off (recorded in
 * mailbox_state for the digest) and never stops the daemon.  Must not
 * parse mail itself (mime does) or talk to libcurl (net does).
 */
#ifndef DUTYD_MAILBOX_H
#define DUTYD_MAILBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "net.h"
#include "store.h"

/* Messages stored per transaction (each commit is an fsync: 200 cost a
 * tenth of a large fetch's time), and at most per poll. */
#define MAILBOX_COMMIT_EVERY	1000
#define MAILBOX_POLL_MAX	50000
/* Longest wait between polls of a failing server, seconds. */
#define MAILBOX_BACKOFF_MAX	(6 * 3600)

struct mime_msg;

struct mailbox_opts {
	const struct cfg_mailbox	*cfg;
	const char			*password;	/* borrowed */
	const struct net_imap_ops	*net;
	int				 utc_offset;	/* office zone, min */
	const char			*own_addr;	/* smtp.from, or NULL */
	bool				(*stop)(void *); /* between messages */
	/* Work is progressing (watchdog): between messages and while one
	 * arrives.  Gets stopctx; may be NULL. */
	void				(*alive)(void *);
	void				*stopctx;
	/* Answers to dutyd's own mail (replies by email): asked about each
	 * message before it is stored as feedback, outside any transaction
	 * (`headers_only`: larger than max_size).  1 it was an answer and
	 * is handled, 0 it is feedback, -1 a database error.  May be NULL. */
	int				(*reply)(void *, const char *raw,
	    size_t len, bool headers_only, const struct mime_msg *,
	    int64_t now, struct derr *);
	void				*replyctx;
};

struct mailbox_stats {
	int	 listed;	/* new UIDs the server reported */
	int	 stored;	/* feedback rows added */
	int	 duplicates;	/* already stored (UIDVALIDITY change) */
	int	 unreadable;	/* stored with a note: could not be read */
	int	 replies;	/* answers to dutyd's mail, not feedback */
	bool	 failed;	/* the poll failed; backing off */
};

/*
 * Poll once if a poll is due at `now` (mailbox_state.next_poll), store
 * what is new and record the outcome. Network and server failures are
 * logged here and set stats->failed; they are not errors. Returns 1 if
 * it polled, 0 if no poll was due, -1 on a database error (DERR_DB).
 */
int	mailbox_poll(struct store *, const struct mailbox_opts *, int64_t now,
	    struct mailbox_stats *, struct derr *);

/* When the next poll is due (now or earlier if overdue). -1 on error. */
int	mailbox_next(struct store *, const struct cfg_mailbox *, int64_t now,
	    int64_t *at, struct derr *);

#endif
