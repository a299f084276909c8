/*
 * outbox: turns planned notifications into durable outbox rows (grouped:
 * one message per person and channel per run, rendered from templates;
 * an email is built there, as it will go out) and drains due rows
 * through the channels with retries and backoff.
 * Every row is committed before any network I/O; a row is 'sent' only
 * after the peer accepted it; one fsync per round of cfg->batch messages
 * (store.c says why that keeps the guarantees).  Must not plan,
 * and must not talk to the network except through `struct channel`.
 */
#ifndef DUTYD_OUTBOX_H
#define DUTYD_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "calendar.h"
#include "channels/channel.h"
#include "config.h"
#include "model.h"
#include "store.h"

struct outbox_stats {
	int	 enqueued;	/* messages (outbox rows) created */
	int	 stages;	/* reminder stages newly carried by them */
	int	 sent;
	int	 failed;	/* will be retried */
	int	 dead;
	int	 unknown;	/* reply lost: retried, may duplicate */
	int	 held;		/* not attempted: channel paused or at its
				 * rate; no attempt spent */
};

/*
 * Group `notifs` by (person, channel), drop stages already planned, render
 * each group with the templates in cfg->general.templates and insert one
 * outbox row per group (an email with its built message), all in one
 * transaction. Idempotent.
 */
int	outbox_enqueue(struct store *, const struct cfg *, const struct cal *,
	    const struct notif_list *, int64_t now, struct outbox_stats *,
	    struct derr *);

/*
 * Queue one ready-made email (the weekly digest) for `person` under `key`.
 * Returns 1 if queued, 0 if a row with that key exists, -1 (DERR_CONFIG if
 * the person has no usable address).
 */
int	outbox_enqueue_email(struct store *, const struct cfg *,
	    const struct cal *, const char *kind, const char *key,
	    const char *person,
	    const char *subject, const char *text, const char *html,
	    int64_t now, struct derr *);

/*
 * Queue one ready-made post (the weekly digest's summary) for group robot
 * `im` under `key`: `title` (DingTalk's markdown title) and `text` (the
 * message, or a webhook's JSON body).  Returns 1 if queued, 0 if a row
 * with that key exists, -1.
 */
int	outbox_enqueue_robot(struct store *, const struct cfg *,
	    const struct cfg_im *, const char *kind, const char *key,
	    const char *title, const char *text, int64_t now, struct derr *);

/*
 * Queue an email `person` can answer by replying (replies enabled): like
 * outbox_enqueue_email, text only, with the Reply-To and a token bound
 * to the person, the measure ids `items` and the email, recorded as
 * kind "approval" for the answer `request_id`.  1 queued, 0 key exists,
 * -1 (DERR_CONFIG: no usable address or key).
 */
int	outbox_enqueue_answerable(struct store *, const struct cfg *,
	    const struct cal *, const char *kind, const char *key,
	    const char *person, const char *subject, const char *text,
	    const char *items, int64_t request_id, int64_t now,
	    struct derr *);

/* The channel that carries rows of channel name `name` ("email"). */
typedef struct channel *(*outbox_channel_fn)(void *ctx, const char *name);

struct outbox_drain_opts {
	outbox_channel_fn	 channel;	/* channel for a row */
	void			*chctx;
	bool			 (*stop)(void *);	/* may be NULL */
	void			*stopctx;
	int			 utc_offset;	/* minutes, for Date: */
	bool			 keep_open;	/* the caller flushes the
						 * channels after its rounds */
	const char		*boot_id;	/* kernel boot id, NULL: unknown */
	/* The time now (Unix seconds), asked before and after each send:
	 * a request is signed when it goes, and its retry counts from when
	 * the attempt ended.  NULL: the round's `now` throughout. */
	int64_t			 (*clock)(void *);
	void			*clockctx;
};

/*
 * Send up to cfg->batch due rows. `stop` is asked between messages; when
 * it returns true the drain ends after the message in flight. Each
 * attempt is logged once. Returns the number of rows attempted, or -1.
 */
int	outbox_drain(struct store *, const struct cfg_outbox *,
	    const struct outbox_drain_opts *, int64_t now,
	    struct outbox_stats *, struct derr *);

/* Seconds to wait before attempt `attempts` + 1 of row `id`: doubling
 * from retry_min to retry_max with +-10% jitter derived from the id. */
int64_t	outbox_backoff(const struct cfg_outbox *, int64_t id, int attempts);

#endif
