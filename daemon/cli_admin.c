/*
 * dutyctl's housekeeping commands: outbox list/show/retry/cancel, audit,
 * status, backup and init.
 */
#include "cli_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>

#include "calendar.h"
#include "config.h"
#include "evidence.h"
#include "i18n.h"
#include "log.h"
#include "model.h"
#include "sign.h"
#include "store.h"
#include "util.h"

static int
outbox_list_cmd(struct cli *c, struct cli_args *a)
{
	struct outbox_list	 l = { 0 };
	struct derr		 err = { 0 };
	char			 t[32], subj[128];
	int			 st = -1;
	size_t			 i;

	if (a->status != NULL && (st = outbox_status_parse(a->status)) < 0)
		return cli_fail(EX_USAGE, _("--status: pending, sending, sent, failed,"
		    " dead or cancelled (got \"%s\")"), a->status);
	if (store_outbox_list(c->store, st, a->limit, &l, &err) < 0)
		return cli_fail_err(&err);
	cli_put_cell(_("ID"), 6);
	cli_put_cell(_("STATUS"), 9);
	cli_put_cell(_("CHANNEL"), 7);
	cli_put_cell(_("TO"), 8);
	cli_put_cell(_("TRY"), 3);
	cli_put_cell(_("NEXT/SENT"), 16);
	printf("%s\n", _("SUBJECT"));
	for (i = 0; i < l.n; i++) {
		const struct outbox_row *r = &l.v[i];

		cli_fmt_time(c, r->status == OUTBOX_SENT ? r->sent_at :
		    r->next_attempt_at, t, sizeof(t));
		cli_clip(r->subject, 40, subj, sizeof(subj));
		printf("%-6lld %-9s %-7s %-8s %-3d %-16s %s%s\n",
		    (long long)r->id, outbox_status_name(r->status),
		    r->channel, r->person, r->attempts, t, subj,
		    r->maybe_dup ? _(" [maybe duplicated]") : "");
	}
	printf(_("%zu row(s)\n"), l.n);
	outbox_list_clear(&l);
	return 0;
}

static int
outbox_id(const struct cli_args *a, const char *what, int64_t *id)
{
	long long	 v;

	if (a->argc != 1 || str_to_ll(a->argv[0], 1, INT64_MAX, &v) < 0)
		return cli_fail(EX_USAGE, _("usage: dutyctl outbox %s ID"), what);
	*id = v;
	return 0;
}

static int
outbox_show(struct cli *c, struct cli_args *a)
{
	struct outbox_row	 r;
	struct derr		 err = { 0 };
	char			 t1[32], t2[32], t3[32], to[160];
	int64_t			 id = 0;
	int			 k;

	if ((k = outbox_id(a, "show", &id)) != 0)
		return k;
	if ((k = store_outbox_get(c->store, id, &r, &err)) <= 0)
		return k < 0 ? cli_fail_err(&err) : cli_fail(EX_DATAERR,
		    _("no outbox row %lld"), (long long)id);
	cli_fmt_time(c, r.created_at, t1, sizeof(t1));
	cli_fmt_time(c, r.next_attempt_at, t2, sizeof(t2));
	cli_fmt_time(c, r.sent_at, t3, sizeof(t3));
	addr_mask(r.recipient, to, sizeof(to));
	printf(_("id:          %lld\nkey:         %s\nstatus:      %s%s\n"
	    "channel:     %s\nto:          %s <%s> (%s)\nsubject:     %s\n"
	    "message-id:  <%s>\nattempts:    %d\ncreated:     %s\n"
	    "next try:    %s\nsent:        %s\nlast error:  %s\n"
	    "provider id: %s\n"), (long long)r.id, r.key,
	    outbox_status_name(r.status), r.maybe_dup ?
	    _(" (may have been delivered twice)") : "", r.channel,
	    r.recipient_name, r.recipient, r.person, r.subject, r.message_id,
	    r.attempts, t1, t2, t3, r.last_error ? r.last_error : "-",
	    r.provider_id ? r.provider_id : "-");
	if (r.message != NULL)
		printf(_("message:     %zu bytes, built when queued: every "
		    "attempt sends it as it is\n"), r.message_len);
	printf("\n%s\n", r.body_text);
	outbox_row_clear(&r);
	return 0;
}

static int
outbox_admin_cmd(struct cli *c, struct cli_args *a, bool retry)
{
	struct derr	 err = { 0 };
	int64_t		 id = 0;
	int		 k;

	if ((k = outbox_id(a, retry ? "retry" : "cancel", &id)) != 0)
		return k;
	k = retry ? store_outbox_retry(c->store, id, c->who, c->now, &err) :
	    store_outbox_cancel(c->store, id, c->who, c->now, &err);
	if (k < 0)
		return cli_fail_err(&err);
	if (k == 0)
		return cli_fail(EX_DATAERR, retry ? _("outbox row %lld cannot "
		    "be retried (no such row, or it is pending or sent)") :
		    _("outbox row %lld cannot be cancelled (no such row, or "
		    "it is not waiting)"), (long long)id);
	printf(retry ? _("outbox row %lld will be sent at the daemon's next "
	    "wakeup\n") : _("outbox row %lld cancelled\n"), (long long)id);
	return 0;
}

static int
outbox_retry_cmd(struct cli *c, struct cli_args *a)
{
	return outbox_admin_cmd(c, a, true);
}

static int
outbox_cancel_cmd(struct cli *c, struct cli_args *a)
{
	return outbox_admin_cmd(c, a, false);
}

static int
cmd_audit(struct cli *c, struct cli_args *a)
{
	struct store_audit_list	 l = { 0 };
	struct derr		 err = { 0 };
	char			 t[32];
	size_t			 i;

	if (store_audit_list(c->store, a->limit, &l, &err) < 0)
		return cli_fail_err(&err);
	for (i = 0; i < l.n; i++) {
		cli_fmt_time(c, l.v[i].at, t, sizeof(t));
		printf("%s  %-16s %-14s %s\n", t, l.v[i].who, l.v[i].action,
		    l.v[i].object);
		if (l.v[i].before != NULL)
			printf(_("    before: %s\n"), l.v[i].before);
		if (l.v[i].after != NULL)
			printf(_("    after:  %s\n"), l.v[i].after);
	}
	store_audit_list_clear(&l);
	return 0;
}

/* "name:  value" of a daemon_state entry, or "never". */
static int
status_state(struct cli *c, const char *label, const char *name)
{
	struct derr	 err = { 0 };
	char		*v = NULL;
	int		 k;

	if ((k = store_state_get(c->store, name, &v, &err)) < 0)
		return cli_fail_err(&err);
	cli_put_cell(_(label), 12);
	printf("%s\n", k > 0 ? v : _("never"));
	free(v);
	return 0;
}

static int
status_daemon(struct cli *c)
{
	struct derr	 err = { 0 };
	long		 pid = 0;
	int		 k;

	if ((k = store_lock_owner(c->cfg->general.database, &pid, &err)) < 0)
		return cli_fail_err(&err);
	if (k == 0)
		printf(_("daemon:      not running\n"));
	else if (pid > 0)
		printf(_("daemon:      running (pid %ld)\n"), pid);
	else
		printf(_("daemon:      running\n"));
	return 0;
}

static int
status_mailbox(struct cli *c)
{
	struct derr	 err = { 0 };
	char		 t[32], *res = NULL;
	int64_t		 at = 0;
	int		 k;

	if ((k = store_mailbox_last(c->store, &at, &res, &err)) < 0)
		return cli_fail_err(&err);
	if (k == 0) {
		printf(_("mailbox:     never polled\n"));
		return 0;
	}
	cli_fmt_time(c, at, t, sizeof(t));
	printf(_("mailbox:     last poll %s: %s\n"), t, res ? res : "-");
	free(res);
	return 0;
}

/*
 * Addresses a bounce said are failing (mailbox.c, "bounce:ADDRESS"): whose,
 * why, and the reminder that bounced.
 */
static int
status_bounces(struct cli *c)
{
	struct derr			 err = { 0 };
	struct strv			 names = { 0 }, values = { 0 };
	const struct cfg_person		*p;
	char				*v, *id, *why;
	size_t				 i;
	int				 r = 0;

	if (store_state_list(c->store, "bounce:", &names, &values, &err) < 0)
		r = cli_fail_err(&err);
	for (i = 0; r == 0 && i < names.n; i++) {
		v = values.v[i];
		if ((id = strchr(v, '\t')) == NULL ||
		    (why = strchr(id + 1, '\t')) == NULL)
			continue;
		*id++ = '\0';
		*why++ = '\0';
		if (!cfg_person_email_is(c->cfg, v,
		    names.v[i] + strlen("bounce:")))
			continue;	/* the address was changed since */
		p = cfg_person_get(c->cfg, v);
		cli_put_cell(_("bounced:"), 12);
		printf(_("%s <%s> is failing: %s (outbox %s)\n"),
		    p != NULL ? p->name : v, names.v[i] + strlen("bounce:"),
		    why, id);
	}
	strv_clear(&names);
	strv_clear(&values);
	return r;
}

/* A provider refused our timestamp (outbox.c, "clock_suspect"). */
static int
status_clock(struct cli *c)
{
	struct derr	 err = { 0 };
	char		*v = NULL, *tab;
	int		 k;

	if ((k = store_state_get(c->store, "clock_suspect", &v, &err)) < 0)
		return cli_fail_err(&err);
	if (k > 0 && (tab = strchr(v, '\t')) != NULL) {
		*tab = '\0';
		cli_put_cell(_("clock:"), 12);
		printf(_("this host's clock may be wrong: %s refused the "
		    "messages' timestamp; check the system time (timedatectl)"
		    "\n             %s\n"), v, tab + 1);
	}
	free(v);
	return 0;
}

/* Channels paused as a whole (issue 15): state, cause, the server's words. */
static int
status_pauses(struct cli *c)
{
	struct derr			 err = { 0 };
	struct channel_pause_list	 l = { 0 };
	char				 since[32], until[32];
	size_t				 i;

	if (store_channel_pause_list(c->store, &l, &err) < 0)
		return cli_fail_err(&err);
	for (i = 0; i < l.n; i++) {
		cli_fmt_time(c, l.v[i].since, since, sizeof(since));
		cli_fmt_time(c, l.v[i].until, until, sizeof(until));
		cli_put_cell(_("channel:"), 12);
		printf(_("%s %s (since %s, next try %s), waiting messages "
		    "are kept\n             cause: %s\n             server's "
		    "reply: %s\n"), l.v[i].channel, l.v[i].stop ?
		    _("stopped") : _("paused"), since, until, l.v[i].cause,
		    l.v[i].reply);
	}
	channel_pause_list_clear(&l);
	return status_clock(c);
}

static int
cmd_status(struct cli *c, struct cli_args *a)
{
	struct derr	 err = { 0 };
	int		 n[6], r;

	(void)a;
	if (store_outbox_counts(c->store, n, &err) < 0)
		return cli_fail_err(&err);
	if ((r = status_daemon(c)) != 0)
		return r;
	printf(_("database:    %s (schema %d)\n"), c->cfg->general.database,
	    store_schema_version(c->store));
	if ((r = status_state(c, N_("last plan:"), "last_plan")) != 0 ||
	    (r = status_state(c, N_("next wakeup:"), "next_wakeup")) != 0)
		return r;
	printf(_("outbox:      %d pending, %d sending, %d sent, %d failed, "
	    "%d dead, %d cancelled\n"), n[0], n[1], n[2], n[3], n[4], n[5]);
	if ((r = status_pauses(c)) != 0 || (r = status_bounces(c)) != 0 ||
	    (r = status_mailbox(c)) != 0 ||
	    (r = status_state(c, N_("last digest:"), "last_digest")) != 0)
		return r;
	cli_calendar_warn(c);
	return 0;
}

struct evidence_copy {
	size_t	 files;
	int64_t	 bytes;
	size_t	 missing;	/* recorded, not on disk or damaged */
};

/* One evidence file, checked against its hash, into `dest`; 0 or exit. */
static int
evidence_copy_one(const struct cli *c, const char *hash, const char *dest,
    struct evidence_copy *n)
{
	const struct cfg_general	*g = &c->cfg->general;
	struct derr			 err = { 0 };
	char				 hex[SIGN_SHA256_HEX], *data = NULL;
	size_t				 len = 0;
	int				 r;

	r = evidence_read(g->evidence_dir, hash, (size_t)g->evidence_max,
	    &data, &len, &err);
	if (r < 0)
		return cli_fail_err(&err);
	if (r == 0 || sign_sha256_hex(data, len, hex, &err) < 0 ||
	    strcmp(hex, hash) != 0) {
		log_warn(_("evidence file %s is %s in %s: not in the backup"),
		    hash, r == 0 ? _("missing") : _("damaged"), g->evidence_dir);
		n->missing++;
		free(data);
		return 0;
	}
	r = evidence_put(dest, hash, data, len, &err);
	free(data);
	if (r < 0)
		return cli_fail_err(&err);
	n->files++;
	n->bytes += (int64_t)len;
	return 0;
}

/*
 * Every evidence file the database names into `dest`, in the evidence
 * directory's layout (ab/abcdef..., 0600 in 0700 directories).  Listed
 * after the database copy, so the copy names no file left out.
 */
static int
evidence_copy(struct cli *c, const char *dest, struct evidence_copy *n)
{
	struct store_evidence_list	 l = { 0 };
	struct derr			 err = { 0 };
	size_t				 i, j;
	int				 r = 0;

	if (store_evidence_list(c->store, NULL, NULL, &l, &err) < 0)
		return cli_fail_err(&err);
	for (i = 0; r == 0 && i < l.n; i++) {
		for (j = 0; j < i && strcmp(l.v[j].hash, l.v[i].hash) != 0;
		    j++)
			;
		if (j == i)	/* each file once */
			r = evidence_copy_one(c, l.v[i].hash, dest, n);
	}
	store_evidence_list_clear(&l);
	return r;
}

/* backup FILE: the database, and its evidence files in FILE.evidence/. */
static int
cmd_backup(struct cli *c, struct cli_args *a)
{
	struct evidence_copy	 n = { 0 };
	struct derr		 err = { 0 };
	struct stat		 st;
	char			*dest;
	int			 r;

	if (a->argc != 1)
		return cli_fail(EX_USAGE, _("usage: dutyctl backup FILE [--force]"));
	dest = xasprintf("%s.evidence", a->argv[0]);
	/* An existing FILE: store_backup says so. */
	if (!a->force && lstat(a->argv[0], &st) == -1 &&
	    lstat(dest, &st) == 0) {
		r = cli_fail(EX_DATAERR, _("%s exists: not overwritten (use "
		    "--force to replace it)"), dest);
		free(dest);
		return r;
	}
	if (store_backup(c->store, a->argv[0], a->force, &err) < 0) {
		free(dest);
		return cli_fail_err(&err);
	}
	printf(_("database %s backed up to %s\n"), c->cfg->general.database,
	    a->argv[0]);
	if ((r = evidence_copy(c, dest, &n)) == 0) {
		printf(_("evidence: %zu file(s), %lld bytes, copied from %s to "
		    "%s (restore: copy it back to general.evidence_dir)\n"),
		    n.files, (long long)n.bytes, c->cfg->general.evidence_dir,
		    dest);
		if (n.missing > 0)
			r = cli_fail(EX_IOERR, _("the backup lacks %zu evidence "
			    "file(s) the database names (see above)"),
			    n.missing);
	}
	free(dest);
	return r;
}

static int
cmd_init(struct cli *c, struct cli_args *a)
{
	(void)a;
	printf(_("database %s ready (schema version %d)\n"),
	    c->cfg->general.database, store_schema_version(c->store));
	return 0;
}

const struct cli_cmd cli_admin_cmds[] = {
	{ "init", NULL, cmd_init, "", NULL, N_("create or upgrade the database") },
	{ "outbox", "list", outbox_list_cmd, "status limit", NULL,
	    N_("notifications queued, sent or failed") },
	{ "outbox", "show", outbox_show, "", "ID", N_("one notification") },
	{ "outbox", "retry", outbox_retry_cmd, "", "ID",
	    N_("send a failed or dead notification again") },
	{ "outbox", "cancel", outbox_cancel_cmd, "", "ID",
	    N_("never send a waiting notification") },
	{ "audit", NULL, cmd_audit, "limit", NULL, N_("the latest changes") },
	{ "status", NULL, cmd_status, "", NULL,
	    N_("daemon, planning, outbox, mailbox") },
	{ "backup", NULL, cmd_backup, "force", "FILE",
	    N_("an online copy of the database, its evidence files in "
	    "FILE.evidence/") },
};
const size_t cli_admin_ncmds = sizeof(cli_admin_cmds) /
    sizeof(cli_admin_cmds[0]);
