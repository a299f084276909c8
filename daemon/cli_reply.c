/*
 * dutyctl's commands for officers' answers by email (issue 18): reply
 * list, and item approve / item reject for a pending 销号 or 延期
 * request (待认定).
 */
#include "cli_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "config.h"
#include "i18n.h"
#include "model.h"
#include "reply.h"
#include "store.h"
#include "util.h"

static const char *const statuses[] = {
	"applied", "pending", "approved", "rejected", "refused", NULL
};

static const char *
status_label(const char *s)
{
	if (strcmp(s, "applied") == 0)
		return _("recorded");
	if (strcmp(s, "pending") == 0)
		return _("pending (待认定)");
	if (strcmp(s, "approved") == 0)
		return _("approved");
	if (strcmp(s, "rejected") == 0)
		return _("rejected");
	return _("refused");
}

static void
print_row(const struct cli *c, const struct reply_row *r)
{
	char	 t[32], d[11];

	cli_fmt_time(c, r->received_at, t, sizeof(t));
	printf("%-5lld %s  %-8s %-6s %-10s %s", (long long)r->id, t,
	    r->person ? r->person : r->from_addr, r->code ? r->code : "-",
	    r->verb ? r->verb : "-", status_label(r->status));
	if (r->new_deadline != DAY_NONE)
		printf("  -> %s", day_format(r->new_deadline, d));
	if (r->reason != NULL)
		printf("  (%s)", r->reason);
	printf("\n");
	if (r->text != NULL && r->text[0] != '\0')
		printf("      %s\n", r->text);
	if (r->nfiles > 0)
		printf(_("      %d file(s) as evidence\n"), r->nfiles);
}

static int
reply_list_cmd(struct cli *c, struct cli_args *a)
{
	struct reply_filter	 f = { 0 };
	struct reply_list	 l = { 0 };
	struct derr		 err = { 0 };
	size_t			 i;

	if (a->status != NULL) {
		for (i = 0; statuses[i] != NULL; i++)
			if (strcmp(statuses[i], a->status) == 0)
				break;
		if (statuses[i] == NULL)
			return cli_fail(EX_USAGE, _("--status: applied, pending, "
			    "approved, rejected or refused (got \"%s\")"),
			    a->status);
		f.status = a->status;
	}
	if (store_reply_list(c->store, &f, &l, &err) < 0)
		return cli_fail_err(&err);
	for (i = 0; i < l.n; i++)
		print_row(c, &l.v[i]);
	if (l.n == 0)
		printf(_("no replies\n"));
	reply_list_clear(&l);
	return 0;
}

/* The pending request on measure `code` into *id; 0 or an exit code. */
static int
pending_of(struct cli *c, const char *code, int64_t *id)
{
	struct measure	 m;
	struct derr	 err = { 0 };
	int		 r;

	if ((r = store_measure_get(c->store, code, &m, &err)) < 0)
		return cli_fail_err(&err);
	if (r == 0)
		return cli_fail(EX_DATAERR, _("no measure %s (see dutyctl item "
		    "list)"), code);
	r = store_reply_pending(c->store, m.id, id, &err);
	measure_clear(&m);
	if (r < 0)
		return cli_fail_err(&err);
	if (r == 0)
		return cli_fail(EX_DATAERR, _("%s has no pending request (see "
		    "dutyctl reply list --status pending)"), code);
	return 0;
}

static int
decide(struct cli *c, struct cli_args *a, bool approve)
{
	struct derr	 err = { 0 };
	int64_t		 id = 0;
	int		 r;

	if (a->argc != 1)
		return cli_fail(EX_USAGE, approve ? _("usage: dutyctl item "
		    "approve CODE") : _("usage: dutyctl item reject CODE "
		    "--reason TEXT"));
	if (!approve && (a->reason == NULL || a->reason[0] == '\0'))
		return cli_fail(EX_USAGE, _("item reject: give the reason with "
		    "--reason"));
	if (a->reason != NULL && (r = cli_check_text("reason", a->reason)) != 0)
		return r;
	if ((r = pending_of(c, a->argv[0], &id)) != 0)
		return r;
	r = reply_decide(c->store, c->cfg, id, approve, a->reason, c->who,
	    NULL, c->now, &err);
	if (r < 0)
		return cli_fail_err(&err);
	if (r == 0)
		return cli_fail(EX_DATAERR, _("%s: the request was decided "
		    "meanwhile"), a->argv[0]);
	printf(approve ? _("%s: request approved; the officer is told by "
	    "email\n") : _("%s: request rejected; the officer is told by "
	    "email\n"), a->argv[0]);
	return 0;
}

static int
item_approve(struct cli *c, struct cli_args *a)
{
	return decide(c, a, true);
}

static int
item_reject(struct cli *c, struct cli_args *a)
{
	return decide(c, a, false);
}

void
cli_reply_show(const struct cli *c, const char *code)
{
	struct reply_filter	 f = { .code = code };
	struct reply_list	 l = { 0 };
	struct derr		 err = { 0 };
	size_t			 i;

	if (!c->cfg->replies.enabled)
		return;
	if (store_reply_list(c->store, &f, &l, &err) < 0) {
		(void)cli_fail_err(&err);	/* the rest was shown */
		return;
	}
	if (l.n > 0)
		printf(_("Replies by email:\n"));
	for (i = 0; i < l.n; i++)
		print_row(c, &l.v[i]);
	reply_list_clear(&l);
}

const struct cli_cmd cli_reply_cmds[] = {
	{ "item", "approve", item_approve, "", "CODE",
	    N_("approve the 销号 or 延期 an officer asked for by email") },
	{ "item", "reject", item_reject, "reason", "CODE",
	    N_("reject the 销号 or 延期 an officer asked for, with the reason") },
	{ "reply", "list", reply_list_cmd, "status", NULL,
	    N_("officers' answers by email: recorded, pending, refused (why)") },
};
const size_t cli_reply_ncmds = sizeof(cli_reply_cmds) / sizeof(cli_reply_cmds[0]);
