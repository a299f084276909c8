/*
 * plan: a pure function from (config, calendar, snapshot of open measures,
 * now) to the reminder notifications that should exist now.  Each has a
 * deterministic key (item:42:before:3, item:42:due, item:42:overdue:
 * 2026-11-30; item:42r1:... after a reopen), so enqueueing with INSERT OR
 * IGNORE makes planning idempotent; after downtime only the current stage
 * of each item is planned (one catch-up, not one per missed stage).
 * Must not touch the store, the network or the clock.
 */
#ifndef DUTYD_PLAN_H
#define DUTYD_PLAN_H

#include <stdint.h>

#include "calendar.h"
#include "config.h"
#include "model.h"

#define PLAN_MAX_OWNERS	8

/* A compact row of the snapshot: an open measure with a deadline. */
struct plan_item {
	int64_t		 id;
	int32_t		 deadline;
	uint16_t	 owners[PLAN_MAX_OWNERS];	/* cfg people indexes */
	uint8_t		 nowners;
	uint8_t		 kind;		/* enum measure_kind */
	uint16_t	 reopened;
};

struct plan_snapshot {
	struct plan_item	*v;
	size_t			 n;
};
void	plan_snapshot_clear(struct plan_snapshot *);
void	plan_snapshot_push(struct plan_snapshot *, const struct plan_item *);

/* People who should hear about an item but cannot (no address, disabled). */
struct plan_unreachable {
	int64_t		 item_id;
	int		 person;
};

struct plan_out {
	struct notif_list	 notifs;
	struct plan_unreachable	*unreachable;
	size_t			 nunreachable;
	int64_t			 next_run;	/* next instant worth planning */
};
void	plan_out_clear(struct plan_out *);

/*
 * Plan the reminders due at `now`. Always succeeds for a valid config;
 * returns 0. Notifications come out grouped by item in snapshot order.
 */
int	plan_run(const struct cfg *, const struct cal *,
	    const struct plan_snapshot *, int64_t now, struct plan_out *);

/* The colour of an item with `days` working days left (< 0: overdue). */
enum notif_colour plan_colour(const struct cfg_reminders *, int days);

#endif
