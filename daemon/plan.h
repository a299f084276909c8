/*
 * plan: a pure function from (config, calendar, snapshot of open measures,
 * assigned feedback and duty counts, now) to the notifications that
 * should exist now.  Each has a deterministic key (item:42:before:3,
 * item:42:due, item:42:overdue:2026-11-30; item:42r1:... after a reopen;
 * feedback:7:due; duty:talks:2026Q4:chen:办公室:warn:10;
 * shortfall:dues:2026-11:xu), so enqueueing with INSERT OR IGNORE makes
 * planning idempotent; after downtime only the current stage of each item
 * is planned (one catch-up, not one per missed stage).  Also the duty
 * compliance matrix and the closed periods to record.  Must not touch the
 * store, the network or the clock.
 */
#ifndef DUTYD_PLAN_H
#define DUTYD_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "calendar.h"
#include "config.h"
#include "model.h"

#define PLAN_MAX_OWNERS	8

/*
 * A compact row of the snapshot: an open measure with a deadline, or
 * (feedback set) assigned feedback with its answer deadline, reminded
 * through the same stages under keys feedback:ID:...
 */
struct plan_item {
	int64_t		 id;
	int32_t		 deadline;
	uint16_t	 owners[PLAN_MAX_OWNERS];	/* cfg people indexes */
	uint8_t		 nowners;
	uint8_t		 kind;		/* enum measure_kind */
	uint16_t	 reopened;
	uint8_t		 feedback;	/* 1: a feedback row, not a measure */
};

/*
 * What planning reads: open measures with a deadline, the occurrences of
 * duties counted over the current and previous period of each duty kind
 * (plan_duty_ranges says which), and the records of closed periods.
 */
struct plan_snapshot {
	struct plan_item	*v;
	size_t			 n;
	struct duty_tally_list	 counts;
	struct duty_tally_list	 closed;
	int32_t			 duties_since;	/* judge periods ending on or
						 * after this day (DAY_NONE:
						 * none) */
};
void	plan_snapshot_clear(struct plan_snapshot *);
void	plan_snapshot_push(struct plan_snapshot *, const struct plan_item *);

/* People who should hear about an item or duty but cannot (no address,
 * disabled). */
struct plan_unreachable {
	int64_t		 item_id;	/* 0 for a duty */
	int		 duty;		/* cfg duty index, -1 for an item */
	int		 person;
	bool		 feedback;	/* item_id is a feedback id */
};

struct plan_out {
	struct notif_list	 notifs;
	struct plan_unreachable	*unreachable;
	size_t			 nunreachable;
	int64_t			 next_run;	/* next instant worth planning */
	struct duty_tally_list	 closes;	/* periods that closed: record */
};
void	plan_out_clear(struct plan_out *);

/*
 * Plan the reminders due at `now`. Always succeeds for a valid config;
 * returns 0. Notifications come out grouped by item in snapshot order.
 */
int	plan_run(const struct cfg *, const struct cal *,
	    const struct plan_snapshot *, int64_t now, struct plan_out *);

/*
 * The periods whose occurrences planning needs, for each kind of period
 * the duties use: the current one, the previous one, and the ones before
 * it that closed since `since` (the day duties are judged from; DAY_NONE
 * for none), at most PLAN_MAX_BACK closed periods a kind, so that a
 * dutyd that was down for months still records each of them.  At most
 * PLAN_MAX_RANGES in all; returns how many were written to `out`.
 */
#define PLAN_MAX_BACK	12
#define PLAN_MAX_RANGES	(4 * (PLAN_MAX_BACK + 1))
size_t	plan_duty_ranges(const struct cfg *, int32_t today, int32_t since,
	    struct cal_period *out);

/*
 * The compliance matrix of every configured duty over its periods that
 * overlap `within` (NULL: the period containing `today`).  Open periods
 * count against the current config; closed periods that were recorded
 * keep the owners and quota they had.  The snapshot must hold the counts
 * of those periods (and their records).  Strings borrow from cfg/snap.
 */
void	plan_duty_cells(const struct cfg *, const struct cal *, int32_t today,
	    const struct cal_period *within, const struct plan_snapshot *,
	    struct duty_cells *);

/* The colour of an item with `days` working days left (< 0: overdue). */
enum notif_colour plan_colour(const struct cfg_reminders *, int days);

#endif
