/*
 * engine: one daemon tick.  Holds the daemon's state (config, calendar,
 * store, channels), takes a snapshot of the store, runs plan, hands the
 * result to outbox, drains the outbox, polls the mailbox, queues the
 * week's digest and says when to wake up next.
 * Reads no clock: `now` comes from dutyd.c.  Must not handle signals.
 */
#ifndef DUTYD_ENGINE_H
#define DUTYD_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

struct engine;

struct engine_opts {
	const char	*dry_run_dir;	/* non-NULL: all email to this maildir */
	bool		 (*stop)(void *);	/* asked between messages */
	void		 (*alive)(void *);	/* long work progresses */
	void		*stopctx;		/* for stop and alive */
	const char	*boot_id;	/* kernel boot id (outbox recovery) */
	/* The time now, Unix seconds (--now's offset applied), asked at
	 * each send; NULL: the tick's `now` throughout. */
	int64_t		 (*clock)(void *);
	void		*clockctx;
};

/*
 * Build the engine on `cfg` (taken: freed by engine_free or a reload):
 * opens the calendar, the database (migrating it) and the channels; reads
 * the SMTP password file. Returns NULL on error.
 */
struct engine *engine_new(struct cfg *cfg, const struct engine_opts *,
	    struct derr *);
void	engine_free(struct engine *);

/*
 * Swap in a new, already validated config (taken). On error the engine
 * keeps the old one and `cfg` is freed.
 */
int	engine_reload(struct engine *, struct cfg *, struct derr *);

/*
 * One tick at `now`: plan, enqueue, drain, and poll the feedback mailbox
 * when due. Sets *next to the next instant anything is due (plan time,
 * outbox retry or mailbox poll). Errors are logged here.
 */
int	engine_tick(struct engine *, int64_t now, int64_t *next);

/* Whether the last tick's mailbox poll could not finish (server down,
 * refused login...): dutyd --once then exits 75. */
bool	engine_poll_failed(const struct engine *);

/* Counts for status lines: outbox rows pending+failed. */
int	engine_backlog(struct engine *);

/* The instant of civil `day` at `minute` in the configured zone. */
int64_t	engine_local_instant(const struct engine *, int32_t day, int minute);

struct outbox_list;
/*
 * The notifications queued at or after `since` (a dry run's tick: what
 * would be sent).  The caller clears `out`.  0 or -1.
 */
int	engine_queued_since(struct engine *, int64_t since,
	    struct outbox_list *out, struct derr *);

#endif
