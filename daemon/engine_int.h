/*
 * engine's private header: what engine.c and engine_reply.c share.
 */
#ifndef DUTYD_ENGINE_INT_H
#define DUTYD_ENGINE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "config.h"
#include "err.h"
#include "plan.h"
#include "reply.h"
#include "store.h"

struct mime_msg;

/* What the mailbox's reply hook needs, for one poll. */
struct engine_reply_ctx {
	struct store		*store;
	const struct cfg	*cfg;
	struct reply_stats	 stats;
};

/* The mailbox_opts.reply hook: reply_handle on the ctx above. */
int	engine_reply_hook(void *ctx, const char *raw, size_t len,
	    bool headers_only, const struct mime_msg *, int64_t now,
	    struct derr *);

/* Log what one poll's answers came to (nothing if there were none). */
void	engine_reply_log(const struct reply_stats *);

/*
 * Queue the answers and approval requests replies recorded (reply_
 * outgoing).  Returns how many emails were queued, or -1 (DERR_DB).
 */
int	engine_replies_queue(struct store *, const struct cfg *,
	    const struct cal *, int64_t now, struct derr *);

/*
 * Drop from `snap` the measures whose 销号 an officer asked for by email
 * and that wait for approval (待认定): no reminders until it is decided.
 * 0 or -1 (DERR_DB).
 */
int	engine_reply_hold(struct store *, const struct cfg *,
	    struct plan_snapshot *, struct derr *);

#endif
