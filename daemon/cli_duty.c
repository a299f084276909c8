/*
 * dutyctl's standing-duty commands: duty list/status/log/unlog/history.
 */
#include "cli_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"
#include "config.h"
#include "i18n.h"
#include "ledger.h"
#include "log.h"
#include "model.h"
#include "plan.h"
#include "store.h"
#include "util.h"

static const struct cfg_duty *
need_duty(const struct cli *c, const char *id)
{
	const struct cfg_duty	*d = cfg_duty_get(c->cfg, id);
	char			 ids[512];
	size_t			 i, o = 0;

	if (d != NULL)
		return d;
	ids[0] = '\0';
	for (i = 0; i < c->cfg->nduties && o < sizeof(ids); i++)
		o += (size_t)snprintf(ids + o, sizeof(ids) - o, "%s%s",
		    i ? ", " : "", c->cfg->duties[i].id);
	cli_fail(EX_DATAERR, _("unknown duty \"%s\" (configured: %s)"), id,
	    o ? ids : _("none"));
	return NULL;
}

static const char *
person_name(const struct cli *c, const char *key)
{
	const struct cfg_person	*p = cfg_person_get(c->cfg, key);

	return p ? p->name : key;
}

/* Fetch counts and records for every period of the duties in `within`. */
int
cli_duty_snapshot(struct cli *c, const struct cal_period *within,
    struct plan_snapshot *snap)
{
	struct derr		 err = { 0 };
	struct cal_period	 p, seen[64];
	size_t			 i, j, n = 0;
	int32_t			 from = within ? within->start : c->today;
	int32_t			 to = within ? within->end : c->today;
	int32_t			 lo = from, hi = to;
	bool			 dup;

	for (i = 0; i < c->cfg->nduties; i++)
		for (cal_period_of(c->cfg->duties[i].period, from, &p);
		    p.start <= to; cal_period_of(p.kind, p.end + 1, &p)) {
			for (j = 0, dup = false; j < n && !dup; j++)
				dup = seen[j].start == p.start &&
				    seen[j].end == p.end;
			if (dup || n == sizeof(seen) / sizeof(seen[0]))
				continue;
			seen[n++] = p;
			if (store_duty_counts(c->store, p.start, p.end, p.label,
			    &snap->counts, &err) < 0)
				return cli_fail_err(&err);
			lo = p.start < lo ? p.start : lo;
			hi = p.end > hi ? p.end : hi;
		}
	if (store_duty_closed(c->store, lo, hi, &snap->closed, &err) < 0)
		return cli_fail_err(&err);
	return 0;
}

static const char *
state_colour(enum duty_state s)
{
	switch (s) {
	case DUTY_MET:
		return "green";
	case DUTY_OPEN:
		return "grey";
	case DUTY_WARN:
		return "yellow";
	default:
		return "red";
	}
}

static void
print_cells(const struct cli *c, const struct duty_cells *cells)
{
	static const char *const ansi[] = {
		[DUTY_MET] = "\033[32m", [DUTY_OPEN] = "",
		[DUTY_WARN] = "\033[33m", [DUTY_URGENT] = "\033[31m",
		[DUTY_SHORT] = "\033[1;31m"
	};
	const struct duty_cell	*x;
	const struct cfg_duty	*d;
	struct cal_period	 per;
	bool			 tty = isatty(STDOUT_FILENO);
	char			 title[128], pname[32], cnt[32], end[11];
	size_t			 i;
	int			 met = 0;

	cli_put_cell("工作", 30);
	cli_put_cell("周期", 16);
	cli_put_cell("责任人", 12);
	cli_put_cell("对象", 12);
	cli_put_cell("完成", 6);
	printf("状态\n");
	for (i = 0; i < cells->n; i++) {
		x = &cells->v[i];
		d = &c->cfg->duties[x->duty];
		cli_clip(d->title, 30, title, sizeof(title));
		cli_put_cell(title, 30);
		if (cal_period_parse(x->period, &per) == 0)
			cal_period_name(&per, pname, sizeof(pname));
		else
			snprintf(pname, sizeof(pname), "%s", x->period);
		cli_put_cell(pname, 16);
		cli_put_cell(person_name(c, x->person), 12);
		cli_put_cell(*x->target ? x->target : "-", 12);
		snprintf(cnt, sizeof(cnt), "%d/%d", x->done, x->required);
		cli_put_cell(cnt, 6);
		printf("%s%s", tty ? ansi[x->state] : "",
		    duty_state_label(x->state));
		if (!x->closed && x->state != DUTY_MET)
			printf("（%s截止，剩%d个工作日）",
			    day_format(x->end, end), x->days_left);
		printf("%s\n", tty && *ansi[x->state] ? "\033[0m" : "");
		met += x->state == DUTY_MET;
	}
	printf("共 %zu 项，已完成 %d 项，未完成 %zu 项\n", cells->n, met,
	    cells->n - (size_t)met);
}

#define DUTY_JSON_FIELDS	12

static int
print_cells_json(const struct cli *c, const struct duty_cells *cells)
{
	struct ledger_field	*f;
	struct derr		 err = { 0 };
	struct buf		 b;
	const struct duty_cell	*x;
	char			(*days)[2][11];
	size_t			 i;
	int			 r;

	f = xcalloc(cells->n ? cells->n * DUTY_JSON_FIELDS : 1, sizeof(*f));
	days = xcalloc(cells->n ? cells->n : 1, sizeof(*days));
	for (i = 0; i < cells->n; i++) {
		struct ledger_field *o = &f[i * DUTY_JSON_FIELDS];

		x = &cells->v[i];
		o[0] = (struct ledger_field){ "duty",
		    c->cfg->duties[x->duty].id, 0, 0 };
		o[1] = (struct ledger_field){ "title",
		    c->cfg->duties[x->duty].title, 0, 0 };
		o[2] = (struct ledger_field){ "period", x->period, 0, 0 };
		o[3] = (struct ledger_field){ "start",
		    day_format(x->start, days[i][0]), 0, 0 };
		o[4] = (struct ledger_field){ "end",
		    day_format(x->end, days[i][1]), 0, 0 };
		o[5] = (struct ledger_field){ "person", x->person, 0, 0 };
		o[6] = (struct ledger_field){ "target", x->target, 0, 0 };
		o[7] = (struct ledger_field){ "done", NULL, x->done, 0 };
		o[8] = (struct ledger_field){ "required", NULL, x->required, 0 };
		o[9] = (struct ledger_field){ "state",
		    duty_state_name(x->state), 0, 0 };
		o[10] = (struct ledger_field){ "colour",
		    state_colour(x->state), 0, 0 };
		o[11] = (struct ledger_field){ "days_left", NULL,
		    x->days_left, 0 };
	}
	buf_init(&b, 0);
	r = ledger_json_records(f, DUTY_JSON_FIELDS, cells->n, false, &b,
	    &err);
	if (r == 0)
		fwrite(b.data, 1, b.len, stdout);
	buf_clear(&b);
	free(days);
	free(f);
	return r < 0 ? cli_fail_err(&err) : 0;
}

static int
duty_status(struct cli *c, struct cli_args *a)
{
	struct plan_snapshot	 snap = { 0 };
	struct duty_cells	 cells = { 0 };
	struct cal_period	 within;
	int			 r;

	if (a->argc != 0)
		return cli_fail(EX_USAGE, _("usage: dutyctl duty status "
		    "[--period 2026Q4] [--json]"));
	if (a->period != NULL && cal_period_parse(a->period, &within) < 0)
		return cli_fail(EX_USAGE, _("--period: not a period like 2026-11, "
		    "2026Q4, 2026H2 or 2026 (got \"%s\")"), a->period);
	if ((r = cli_duty_snapshot(c, a->period ? &within : NULL, &snap)) == 0) {
		plan_duty_cells(c->cfg, c->cal, c->today, a->period ? &within :
		    NULL, &snap, &cells);
		if (a->json)
			r = print_cells_json(c, &cells);
		else
			print_cells(c, &cells);
	}
	duty_cells_clear(&cells);
	plan_snapshot_clear(&snap);
	return r;
}

static int
duty_list(struct cli *c, struct cli_args *a)
{
	static const char *const kinds[] = { "每月", "每季度", "每半年", "每年" };
	const struct cfg_duty	*d;
	char			 own[256], tg[512];
	size_t			 i, j, o;

	(void)a;
	for (i = 0; i < c->cfg->nduties; i++) {
		d = &c->cfg->duties[i];
		cli_owner_names(c, &d->owners, own, sizeof(own));
		for (j = 0, o = 0, tg[0] = '\0'; j < d->targets.n &&
		    o < sizeof(tg); j++)
			o += (size_t)snprintf(tg + o, sizeof(tg) - o, "%s%s",
			    j ? "、" : "", d->targets.v[j]);
		printf("%s  %s：%s不少于%d次；责任人：%s%s%s\n", d->id,
		    d->title, kinds[d->period], d->at_least, own,
		    d->targets.n ? "；对象：" : "", tg);
	}
	if (c->cfg->nduties == 0)
		printf(_("no duties configured (see duties in %s)\n"), c->path);
	return 0;
}

/* Whether `day` may be logged for `d` without --late, and why not. */
static int
log_window(const struct cli *c, const struct cfg_duty *d, int32_t day,
    struct cal_period *p)
{
	struct cal_period	 cur;

	cal_period_of(d->period, day, p);
	cal_period_of(d->period, c->today, &cur);
	if (p->start == cur.start)
		return 0;
	return c->today - p->end <= d->late_days ? 0 : -1;
}

static int
duty_log(struct cli *c, struct cli_args *a)
{
	const struct cfg_duty	*d;
	const struct cfg_person	*p;
	struct occurrence	 o = { 0 };
	struct cal_period	 per;
	struct derr		 err = { 0 };
	struct duty_tally_list	 t = { 0 };
	const struct duty_tally	*n;
	int64_t			 id;
	int32_t			 day = c->today;
	size_t			 i;
	char			 d1[11], d2[11], pname[32];
	int			 r;

	if (a->argc != 1 || a->by == NULL || a->note == NULL)
		return cli_fail(EX_USAGE, _("usage: dutyctl duty log ID --by KEY "
		    "[--target T] [--date YYYY-MM-DD] --note \"...\" "
		    "[--evidence \"...\"] [--late --reason \"...\"]"));
	if ((d = need_duty(c, a->argv[0])) == NULL)
		return EX_DATAERR;
	if ((p = cfg_person_find(c->cfg, a->by)) == NULL)
		return cli_fail(EX_DATAERR, _("--by: unknown person \"%s\" (a key or "
		    "name from people in %s)"), a->by, c->path);
	for (i = 0; i < d->owners.n && strcmp(d->owners.v[i], p->key); i++)
		;
	if (i == d->owners.n) {
		cli_owner_names(c, &d->owners, pname, sizeof(pname));
		return cli_fail(EX_DATAERR, _("--by: %s is not an owner of duty %s "
		    "(owners: %s)"), p->name, d->id, pname);
	}
	if (d->targets.n > 0 && a->target == NULL)
		return cli_fail(EX_USAGE, _("duty %s is done per target: give "
		    "--target (one of the duty's targets)"), d->id);
	if (d->targets.n == 0 && a->target != NULL)
		return cli_fail(EX_USAGE, _("--target: duty %s has no targets"),
		    d->id);
	for (i = 0; a->target && i < d->targets.n &&
	    strcmp(d->targets.v[i], a->target); i++)
		;
	if (a->target != NULL && i == d->targets.n)
		return cli_fail(EX_DATAERR, _("--target: \"%s\" is not a target of "
		    "duty %s"), a->target, d->id);
	if (a->date != NULL && day_parse(a->date, &day) < 0)
		return cli_fail(EX_USAGE, _("--date: not a date YYYY-MM-DD (got "
		    "\"%s\")"), a->date);
	if (day > c->today)
		return cli_fail(EX_DATAERR, _("--date: %s is in the future (today is "
		    "%s)"), day_format(day, d1), day_format(c->today, d2));
	if ((r = cli_check_text("note", a->note)) != 0 ||
	    (a->evidence && (r = cli_check_text("evidence", a->evidence)) != 0))
		return r;
	if (log_window(c, d, day, &per) < 0 && !a->late)
		return cli_fail(EX_DATAERR, _("--date: %s is in %s, which closed on "
		    "%s, more than %d day(s) ago: log it with --late --reason "
		    "\"...\""), day_format(day, d1), per.label,
		    day_format(per.end, d2), d->late_days);
	if (a->late && (a->reason == NULL ||
	    a->reason[strspn(a->reason, " \t")] == '\0'))
		return cli_fail(EX_USAGE, _("--late needs --reason \"...\""));
	o.duty = d->id;
	o.person = p->key;
	o.target = (char *)(uintptr_t)(a->target ? a->target : "");
	o.day = day;
	o.period = per.label;
	o.note = (char *)(uintptr_t)a->note;
	o.evidence = (char *)(uintptr_t)(a->evidence ? a->evidence : "");
	o.late_reason = a->late ? (char *)(uintptr_t)a->reason : NULL;
	if (store_occurrence_add(c->store, &o, c->who, c->now, &id, &err) < 0 ||
	    store_duty_counts(c->store, per.start, per.end, per.label, &t,
	    &err) < 0) {
		duty_tally_list_clear(&t);
		return cli_fail_err(&err);
	}
	n = duty_tally_find(&t, d->id, p->key, o.target, per.start);
	cal_period_name(&per, pname, sizeof(pname));
	printf("logged #%lld: %s%s%s%s, %s, %s: %s已开展%d次，要求不少于%d次\n",
	    (long long)id, d->title, *o.target ? "（" : "", o.target,
	    *o.target ? "）" : "", p->name, day_format(day, d1), pname,
	    n ? n->done : 0, d->at_least);
	duty_tally_list_clear(&t);
	return 0;
}

static int
duty_unlog(struct cli *c, struct cli_args *a)
{
	struct derr	 err = { 0 };
	long long	 id;
	int		 r;

	if (a->argc != 1 || a->reason == NULL ||
	    a->reason[strspn(a->reason, " \t")] == '\0')
		return cli_fail(EX_USAGE, _("usage: dutyctl duty unlog ID --reason "
		    "\"...\"   (ID from dutyctl duty history)"));
	if (str_to_ll(a->argv[0][0] == '#' ? a->argv[0] + 1 : a->argv[0], 1,
	    INT64_MAX, &id) < 0)
		return cli_fail(EX_USAGE, _("duty unlog: not an occurrence id (got "
		    "\"%s\")"), a->argv[0]);
	if ((r = cli_check_text("reason", a->reason)) != 0)
		return r;
	if ((r = store_occurrence_remove(c->store, id, a->reason, c->who,
	    c->now, &err)) < 0)
		return cli_fail_err(&err);
	if (r == 0)
		return cli_fail(EX_DATAERR, _("duty unlog: no occurrence #%lld (or "
		    "it was already removed)"), id);
	printf(_("removed #%lld\n"), id);
	return 0;
}

static int
duty_history(struct cli *c, struct cli_args *a)
{
	struct occurrence_list	 l = { 0 };
	struct cal_period	 p;
	struct derr		 err = { 0 };
	const struct occurrence	*o;
	char			 day[11], line[512];
	size_t			 i;

	if (a->argc > 1)
		return cli_fail(EX_USAGE, _("usage: dutyctl duty history [ID] "
		    "[--period P] [--all]"));
	if (a->argc == 1 && need_duty(c, a->argv[0]) == NULL)
		return EX_DATAERR;
	if (a->period == NULL)
		cal_period_of(CFG_PERIOD_YEAR, c->today, &p);
	else if (cal_period_parse(a->period, &p) < 0)
		return cli_fail(EX_USAGE, _("--period: not a period like 2026-11, "
		    "2026Q4, 2026H2 or 2026 (got \"%s\")"), a->period);
	if (store_occurrence_list(c->store, a->argc ? a->argv[0] : NULL,
	    p.start, p.end, a->all, &l, &err) < 0)
		return cli_fail_err(&err);
	for (i = 0; i < l.n; i++) {
		o = &l.v[i];
		snprintf(line, sizeof(line), "%s", o->note);
		printf("#%-5lld %s %-8s %s %s%s%s %s%s%s%s%s\n",
		    (long long)o->id, day_format(o->day, day), o->period,
		    o->duty, person_name(c, o->person), *o->target ? "/" : "",
		    o->target, line, o->late_reason ? " [补登]" : "",
		    o->removed_at ? " [已撤销：" : "",
		    o->removed_at ? o->removed_reason : "",
		    o->removed_at ? "]" : "");
	}
	printf("共 %zu 条\n", l.n);
	occurrence_list_clear(&l);
	return 0;
}

const struct cli_cmd cli_duty_cmds[] = {
	{ "duty", "list", duty_list, "", NULL,
	    N_("the standing duties of the config") },
	{ "duty", "status", duty_status, "period json", NULL,
	    N_("the compliance matrix of a period (default: now)") },
	{ "duty", "log", duty_log, "by target date note evidence late reason",
	    "ID", N_("record that a duty was done") },
	{ "duty", "unlog", duty_unlog, "reason", "OCCURRENCE",
	    N_("withdraw a record, with the reason") },
	{ "duty", "history", duty_history, "period all", "[ID]",
	    N_("what was recorded") },
};
const size_t cli_duty_ncmds = sizeof(cli_duty_cmds) / sizeof(cli_duty_cmds[0]);
