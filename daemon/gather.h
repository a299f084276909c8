/*
 * gather: turns the store, with the config and the calendar, into the
 * inputs of plan and digest, for both dutyd (engine) and dutyctl (digest
 * preview), so that what dutyctl shows is what dutyd sends.  Reads the
 * store; writes only the first-run marker of the duty records
 * ("duties_since") and only when asked.  Must not send, render or plan.
 */
#ifndef DUTYD_GATHER_H
#define DUTYD_GATHER_H

#include <stdbool.h>
#include <stdint.h>

#include "calendar.h"
#include "config.h"
#include "digest.h"
#include "err.h"
#include "model.h"
#include "plan.h"
#include "store.h"

/*
 * The duty part of a plan snapshot at `now`: counts for every period plan
 * looks at, and the records of periods closed since duties were first
 * tracked (state "duties_since"; when absent it is today, stored only if
 * `remember`, so a read-only caller sees what the daemon would).
 */
int	gather_duties(struct store *, const struct cfg *, const struct cal *,
	    int64_t now, bool remember, struct plan_snapshot *,
	    struct derr *);

/* What the week's digest is built from; `in` points into the rest. */
struct gather_digest {
	struct digest_in	 in;
	struct plan_snapshot	 snap;
	struct duty_cells	 cells;
	char			 week[16];	/* ISO week, "2026-W48" */
	int64_t			 next;		/* when the next one is due */
	bool			 due;		/* due at `now` */
};
void	gather_digest_clear(struct gather_digest *);

/*
 * Everything the digest of the week of `now` needs: the feedback window
 * (digest_since), the duty matrix and closed-period records.  `remember`
 * as for gather_duties.  0, or -1 with `err`.
 */
int	gather_digest(struct store *, const struct cfg *, const struct cal *,
	    int64_t now, bool remember, struct gather_digest *,
	    struct derr *);

#endif
