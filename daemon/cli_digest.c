/*
 * dutyctl digest preview: this week's digest for one reader, not sent.
 */
#include "cli_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "calendar.h"
#include "config.h"
#include "digest.h"
#include "log.h"
#include "model.h"
#include "plan.h"
#include "store.h"
#include "util.h"

static int
digest_preview(struct cli *c, struct cli_args *a)
{
	struct plan_snapshot	 snap = { 0 };
	struct duty_cells	 cells = { 0 };
	struct digest_in	 in;
	struct digest_msg	 msg;
	struct derr		 err = { 0 };
	const struct cfg_person	*p;
	char			 week[16];
	int64_t			 next;
	int			 r;

	if (a->argc != 0 || (a->html && a->plain))
		return cli_fail(EX_USAGE, "usage: dutyctl digest preview "
		    "[--html|--text] [--to KEY]");
	if (a->to != NULL) {
		if ((p = cfg_person_find(c->cfg, a->to)) == NULL)
			return cli_fail(EX_DATAERR, "--to: unknown person \"%s\"",
			    a->to);
	} else if (c->cfg->digest.to.n == 0 || (p = cfg_person_get(c->cfg,
	    c->cfg->digest.to.v[0])) == NULL)
		return cli_fail(EX_CONFIG, "nobody to preview for: set digest.to "
		    "in %s, or give --to KEY", c->path);
	memset(&in, 0, sizeof(in));
	in.cfg = c->cfg;
	in.cal = c->cal;
	in.now = c->now;
	/* What this week's digest showed, or what the next one will. */
	digest_due(c->cfg, c->cal, c->now, week, &next);
	if (digest_since(c->store, week, c->now, &in.since, &err) < 0)
		return cli_fail_err(&err);
	if ((r = cli_duty_snapshot(c, NULL, &snap)) == 0 &&
	    (r = store_duty_closed(c->store, c->today - 400, c->today,
	    &snap.closed, &err)) < 0)
		r = cli_fail_err(&err);
	if (r == 0) {
		plan_duty_cells(c->cfg, c->cal, c->today, NULL, &snap, &cells);
		in.cells = &cells;
		in.closed = &snap.closed;
		if (digest_build(c->store, &in, p->key, &msg, &err) < 0)
			r = cli_fail_err(&err);
		else {
			if (a->html)
				printf("%s\n", msg.html);
			else if (a->plain)
				printf("%s\n", msg.text);
			else
				printf("Subject: %s\nTo: %s <%s>\n\n%s\n",
				    msg.subject, p->name, p->email ? p->email :
				    "no email", msg.text);
			digest_msg_clear(&msg);
		}
	}
	duty_cells_clear(&cells);
	plan_snapshot_clear(&snap);
	return r;
}

/* ---- feedback (意见箱) --------------------------------------------- */

const struct cli_cmd cli_digest_cmds[] = {
	{ "digest", "preview", digest_preview, "html plain to", NULL,
	    "this week's digest, not sent (--text: the plain part)" },
};
const size_t cli_digest_ncmds = sizeof(cli_digest_cmds) /
    sizeof(cli_digest_cmds[0]);
