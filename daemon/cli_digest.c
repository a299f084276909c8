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
#include "i18n.h"
#include "digest.h"
#include "gather.h"
#include "log.h"
#include "model.h"
#include "plan.h"
#include "store.h"
#include "util.h"

static void
print_digest(const struct cli_args *a, const struct cfg_person *p,
    const struct digest_msg *msg)
{
	if (a->html)
		printf("%s\n", msg->html);
	else if (a->plain)
		printf("%s\n", msg->text);
	else
		printf(_("Subject: %s\nTo: %s <%s>\n\n%s\n"), msg->subject,
		    p->name, p->email ? p->email : _("no email"), msg->text);
}

/*
 * What this week's digest showed, or what the next one will: built from
 * what gather gives dutyd, so it is the digest dutyd queues at `now`.
 */
static int
digest_preview(struct cli *c, struct cli_args *a)
{
	struct gather_digest	 g;
	struct digest_msg	 msg;
	struct derr		 err = { 0 };
	const struct cfg_person	*p;
	int			 r = 0;

	if (a->html && a->plain)
		return cli_fail(EX_USAGE, _("usage: dutyctl digest preview "
		    "[--html|--text] [--to KEY]"));
	if (a->to != NULL) {
		if ((p = cfg_person_find(c->cfg, a->to)) == NULL)
			return cli_fail(EX_DATAERR, _("--to: unknown person "
			    "\"%s\""), a->to);
	} else if (c->cfg->digest.to.n == 0 || (p = cfg_person_get(c->cfg,
	    c->cfg->digest.to.v[0])) == NULL)
		return cli_fail(EX_CONFIG, _("nobody to preview for: set "
		    "digest.to in %s, or give --to KEY"), c->path);
	if (gather_digest(c->store, c->cfg, c->cal, c->now, false, &g,
	    &err) < 0)
		return cli_fail_err(&err);
	if (digest_build(c->store, &g.in, p->key, &msg, &err) < 0)
		r = cli_fail_err(&err);
	else {
		print_digest(a, p, &msg);
		digest_msg_clear(&msg);
	}
	gather_digest_clear(&g);
	return r;
}

const struct cli_cmd cli_digest_cmds[] = {
	{ "digest", "preview", digest_preview, "html plain to", NULL,
	    N_("this week's digest, not sent (--text: the plain part)") },
};
const size_t cli_digest_ncmds = sizeof(cli_digest_cmds) /
    sizeof(cli_digest_cmds[0]);
