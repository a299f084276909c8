/*
 * channel: the interface every delivery channel implements (smtp, maildir,
 * sms, im).  A channel sends one rendered message and says
 * how it went; it never touches the outbox or the database, and builds
 * no email (the outbox does, and the email channels carry its bytes).
 * The outbox decides what an outcome means for the row (sent, retry,
 * dead, unknown).
 */
#ifndef DUTYD_CHANNEL_H
#define DUTYD_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * One message, fully rendered. Strings are UTF-8 and borrowed.  An
 * email's headers and bodies are in `raw` alone, as the outbox built it.
 */
struct channel_msg {
	const char	*key;		/* outbox idempotency key */
	const char	*to_addr;	/* email address (or phone for sms) */
	const char	*subject;	/* sms: template code; im: title */
	const char	*text;		/* sms: parameters; im: body */
	int64_t		 date;		/* Unix seconds, when queued */
	int64_t		 now;		/* Unix seconds of this attempt (signing) */
	/* Email (RFC 5322, CRLF) as the outbox built it: the email
	 * channels send these bytes and build nothing (no raw: refused).
	 * NULL for sms and im. */
	const char	*raw;
	size_t		 raw_len;
};

/* At most `max` messages to one recipient within `window` seconds. */
struct channel_limit {
	int64_t		 window;
	int		 max;
};

enum channel_outcome {
	CHANNEL_SENT,		/* the peer accepted it */
	CHANNEL_TRANSIENT,	/* not sent; retry later */
	CHANNEL_PERMANENT,	/* not sent; retrying will not help */
	CHANNEL_UNKNOWN,	/* may have been delivered; retry, may
				 * duplicate */
	CHANNEL_PAUSED		/* not sent, and the next messages would fail
				 * alike (quota, login): the channel pauses,
				 * and no message spends an attempt */
};

/*
 * What a send says beyond its outcome; the outbox clears it before each
 * send.  `cause` is for the admin, in Chinese (dutyctl status, digest).
 */
struct channel_hold {
	int64_t		 pause;		/* CHANNEL_PAUSED: seconds */
	bool		 stop;		/* CHANNEL_PAUSED: until the admin
					 * acts (probed every `pause` s) */
	int64_t		 not_before;	/* TRANSIENT/UNKNOWN: retry no sooner
					 * than this many seconds, 0: any */
	char		 cause[256];	/* CHANNEL_PAUSED: what is wrong */
	bool		 clock;		/* the peer refused our timestamp:
					 * this machine's clock looks wrong */
};

struct channel {
	const char	*name;		/* "email", "maildir", ... */
	void		*ctx;
	/*
	 * Send `msg`. Returns the outcome; on anything but CHANNEL_SENT, `err`
	 * says why (e.g. "smtp: 450 mailbox busy"). `peer_id` (size 128)
	 * receives the peer's id for the message if it gives one, else "".
	 */
	enum channel_outcome (*send)(void *ctx, const struct channel_msg *,
	    char *peer_id, struct derr *);
	/* End the batch: close connections kept open between sends. */
	void		(*flush)(void *ctx);
	void		(*free)(void *ctx);
	/* Per-recipient limits the outbox keeps before sending (may be 0). */
	const struct channel_limit *limits;
	size_t		 nlimits;
	/* Messages per minute for the whole channel, 0: no limit. */
	int		 rate;
	/* Filled by send (see struct channel_hold). */
	struct channel_hold hold;
};

#endif
