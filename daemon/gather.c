#include "gather.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* When duty records start: stored the first time, or today. */
static int
duties_since(struct store *st, int64_t now, int32_t today, bool remember,
    int32_t *since, struct derr *err)
{
	char	*v = NULL, d[11];
	int	 got;

	if ((got = store_state_get(st, "duties_since", &v, err)) < 0)
		return -1;
	if (got > 0 && day_parse(v, since) == 0) {
		free(v);
		return 0;
	}
	free(v);
	*since = today;
	if (remember && store_state_set(st, "duties_since",
	    day_format(today, d), now, err) < 0)
		return -1;
	return 0;
}

int
gather_duties(struct store *st, const struct cfg *cfg, const struct cal *cal,
    int64_t now, bool remember, struct plan_snapshot *snap, struct derr *err)
{
	struct cal_period	 r[PLAN_MAX_RANGES];
	size_t			 i, n;
	int32_t			 today, oldest;
	int			 min;

	snap->duties_since = DAY_NONE;
	if (cfg->nduties == 0)
		return 0;
	cal_civil(cal, now, &today, &min);
	if (duties_since(st, now, today, remember, &snap->duties_since,
	    err) < 0)
		return -1;
	n = plan_duty_ranges(cfg, today, snap->duties_since, r);
	oldest = today;
	for (i = 0; i < n; i++) {
		if (store_duty_counts(st, r[i].start, r[i].end, r[i].label,
		    &snap->counts, err) < 0)
			return -1;
		if (r[i].start < oldest)
			oldest = r[i].start;
	}
	return store_duty_closed(st, oldest, today, &snap->closed, err);
}

void
gather_digest_clear(struct gather_digest *g)
{
	if (g == NULL)
		return;
	duty_cells_clear(&g->cells);
	plan_snapshot_clear(&g->snap);
	memset(g, 0, sizeof(*g));
}

int
gather_digest(struct store *st, const struct cfg *cfg, const struct cal *cal,
    int64_t now, bool remember, struct gather_digest *g, struct derr *err)
{
	int32_t	 today;
	int	 min;

	memset(g, 0, sizeof(*g));
	g->due = digest_due(cfg, cal, now, g->week, &g->next);
	g->in.cfg = cfg;
	g->in.cal = cal;
	g->in.now = now;
	if (digest_since(st, g->week, now, &g->in.since, err) < 0 ||
	    gather_duties(st, cfg, cal, now, remember, &g->snap, err) < 0) {
		gather_digest_clear(g);
		return -1;
	}
	cal_civil(cal, now, &today, &min);
	plan_duty_cells(cfg, cal, today, NULL, &g->snap, &g->cells);
	g->in.cells = &g->cells;
	g->in.closed = &g->snap.closed;
	return 0;
}
