/*
 * dutyctl's feedback-mailbox commands (意见箱): feedback list/show/assign/
 * answer/add.
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
#include "ledger.h"
#include "log.h"
#include "model.h"
#include "store.h"
#include "util.h"

static int
feedback_id(const struct cli_args *a, const char *what, int64_t *id)
{
	long long	 v;

	if (a->argc != 1 || str_to_ll(a->argv[0], 1, INT64_MAX, &v) < 0)
		return cli_fail(EX_USAGE, _("usage: dutyctl feedback %s ID"), what);
	*id = v;
	return 0;
}

#define FEEDBACK_JSON_FIELDS	20

/* The --json fields of one message into f[0..FEEDBACK_JSON_FIELDS). */
static void
json_feedback(const struct cli *c, const struct feedback *x,
    struct ledger_field *f, char *t, size_t tn, char *d)
{
	const enum ledger_json_type	 s = LEDGER_JSON_NULLABLE;

	cli_fmt_time(c, x->date, t, tn);
	f[0] = (struct ledger_field){ "id", NULL, x->id, 0 };
	f[1] = (struct ledger_field){ "source", x->source, 0, s };
	f[2] = (struct ledger_field){ "status",
	    feedback_status_name(x->status), 0, s };
	f[3] = (struct ledger_field){ "from", x->sender, 0, s };
	f[4] = (struct ledger_field){ "subject", x->subject, 0, s };
	f[5] = (struct ledger_field){ "date", NULL, x->date, 0 };
	f[6] = (struct ledger_field){ "date_local", t, 0, s };
	f[7] = (struct ledger_field){ "date_flagged", NULL, x->date_flagged,
	    LEDGER_JSON_BOOL };
	f[8] = (struct ledger_field){ "excerpt", x->excerpt, 0, s };
	f[9] = (struct ledger_field){ "attachments", x->attachments, 0, s };
	f[10] = (struct ledger_field){ "note", x->note, 0, s };
	f[11] = (struct ledger_field){ "message_id", x->message_id, 0, s };
	f[12] = (struct ledger_field){ "uidvalidity", NULL, x->uidvalidity, 0 };
	f[13] = (struct ledger_field){ "uid", NULL, x->uid, 0 };
	f[14] = (struct ledger_field){ "assignee", x->assignee, 0, s };
	f[15] = (struct ledger_field){ "answer_deadline",
	    x->answer_deadline == DAY_NONE ? NULL :
	    day_format(x->answer_deadline, d), 0, s };
	f[16] = (struct ledger_field){ "answer", x->answer, 0, s };
	f[17] = (struct ledger_field){ "received_at", NULL, x->received_at, 0 };
	f[18] = (struct ledger_field){ "kind", x->kind, 0, s };
	f[19] = (struct ledger_field){ "closed_reason", x->closed_reason, 0,
	    s };
}

static int
feedback_print_json(const struct cli *c, const struct feedback *v, size_t n,
    bool one)
{
	struct ledger_field	*f = xcalloc(n ? n * FEEDBACK_JSON_FIELDS : 1,
				    sizeof(*f));
	char			(*t)[32] = xcalloc(n ? n : 1, sizeof(*t));
	char			(*d)[11] = xcalloc(n ? n : 1, sizeof(*d));
	struct buf		 b;
	struct derr		 err = { 0 };
	size_t			 i;
	int			 r;

	for (i = 0; i < n; i++)
		json_feedback(c, &v[i], &f[i * FEEDBACK_JSON_FIELDS], t[i],
		    sizeof(t[i]), d[i]);
	buf_init(&b, 0);
	r = ledger_json_records(f, FEEDBACK_JSON_FIELDS, n, one, &b, &err);
	if (r == 0)
		fwrite(b.data, 1, b.len, stdout);
	buf_clear(&b);
	free(f);
	free(t);
	free(d);
	return r < 0 ? cli_fail_err(&err) : 0;
}

static const char *
feedback_status_label(enum feedback_status st)
{
	static const char *const labels[] = { "新", "已交办", "已答复",
		"已办结" };

	return labels[st];
}

static int
feedback_list_cmd(struct cli *c, struct cli_args *a)
{
	struct feedback_filter	 f = { -1, 0, DAY_NONE, 0, false };
	struct feedback_list	 l = { 0 };
	struct derr		 err = { 0 };
	char			 t[32], from[64], subj[96], d[11];
	size_t			 i;
	int			 r;

	if (a->status != NULL && (f.status = feedback_status_parse(a->status))
	    < 0)
		return cli_fail(EX_USAGE, _("--status: new, assigned, answered or "
		    "closed (got \"%s\")"), a->status);
	if (a->overdue)
		f.overdue_on = c->today;
	f.limit = a->all || a->json ? 0 : a->limit;
	if (store_feedback_list(c->store, &f, &l, &err) < 0)
		return cli_fail_err(&err);
	if (a->json) {
		r = feedback_print_json(c, l.v, l.n, false);
		feedback_list_clear(&l);
		return r;
	}
	/* The same display widths as the rows below (CJK counts 2). */
	cli_put_cell(_("ID"), 5);
	cli_put_cell(_("STATUS"), 8);
	cli_put_cell(_("DATE"), 17);
	cli_put_cell(_("FROM"), 24);
	cli_put_cell(_("ANSWER BY"), 10);
	printf("%s\n", _("SUBJECT"));
	for (i = 0; i < l.n; i++) {
		const struct feedback *fb = &l.v[i];

		cli_fmt_time(c, fb->date, t, sizeof(t));
		cli_clip(fb->sender, 24, from, sizeof(from));
		cli_clip(fb->subject, 40, subj, sizeof(subj));
		printf("%-5lld ", (long long)fb->id);
		cli_put_cell(feedback_status_label(fb->status), 8);
		printf("%-16s%s ", t, fb->date_flagged ? "*" : " ");
		cli_put_cell(from, 24);
		cli_put_cell(fb->answer_deadline == DAY_NONE ? "-" :
		    day_format(fb->answer_deadline, d), 10);
		printf("%s\n", subj);
	}
	printf(_("%zu message(s) (* no readable date: the time received)\n"),
	    l.n);
	feedback_list_clear(&l);
	return 0;
}

static const char *
feedback_kind_label(const char *kind)
{
	static const char *const k[][2] = { { "bounce", "退信" },
		{ "auto", "自动回复" }, { "own", "本单位发出的邮件" },
		{ "spam", "垃圾邮件" } };
	size_t	 i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (strcmp(kind, k[i][0]) == 0)
			return k[i][1];
	return kind;
}

static int
feedback_show(struct cli *c, struct cli_args *a)
{
	struct feedback	 f;
	struct derr	 err = { 0 };
	char		 t[32], r[32], d[11];
	int64_t		 id = 0;
	int		 k;

	if ((k = feedback_id(a, "show", &id)) != 0)
		return k;
	if ((k = store_feedback_get(c->store, id, &f, &err)) <= 0)
		return k < 0 ? cli_fail_err(&err) : cli_fail(EX_DATAERR,
		    _("no feedback %lld"), (long long)id);
	if (a->json) {
		k = feedback_print_json(c, &f, 1, true);
		feedback_clear(&f);
		return k;
	}
	cli_fmt_time(c, f.date, t, sizeof(t));
	cli_fmt_time(c, f.received_at, r, sizeof(r));
	printf("编号：%lld\n来源：%s\n状态：%s\n来信人：%s\n主题：%s\n"
	    "日期：%s%s\n收到：%s\n附件：%s\n", (long long)f.id, f.source,
	    feedback_status_label(f.status), f.sender, f.subject, t,
	    !f.date_flagged ? "" : f.date != f.received_at ?
	    "（信中日期未写时区，按本地时区估计）" :
	    "（信中日期缺失或无法识别，按收信时间）",
	    r, *f.attachments ? f.attachments : "无");
	if (f.note != NULL)
		printf("说明：%s\n", f.note);
	if (f.kind != NULL && strcmp(f.kind, "citizen") != 0)
		printf("类别：%s（不计入周报）\n", feedback_kind_label(f.kind));
	if (f.closed_reason != NULL)
		printf("办结说明：%s\n", f.closed_reason);
	if (f.assignee != NULL)
		printf("交办：%s，答复期限 %s\n", f.assignee,
		    f.answer_deadline == DAY_NONE ? "-" :
		    day_format(f.answer_deadline, d));
	if (f.answer != NULL)
		printf("答复：%s\n", f.answer);
	printf("\n%s\n", f.excerpt);
	feedback_clear(&f);
	return 0;
}

static int
feedback_assign(struct cli *c, struct cli_args *a)
{
	const struct cfg_person	*p;
	struct derr		 err = { 0 };
	int64_t			 id = 0;
	int32_t			 deadline;
	char			 d[11];
	int			 k;

	if ((k = feedback_id(a, "assign", &id)) != 0)
		return k;
	if (a->owner == NULL)
		return cli_fail(EX_USAGE, _("usage: dutyctl feedback assign ID "
		    "--owner K [--deadline YYYY-MM-DD]"));
	if ((p = cfg_person_find(c->cfg, a->owner)) == NULL)
		return cli_fail(EX_DATAERR, _("--owner: no person \"%s\" in %s"),
		    a->owner, c->cfg->path);
	if (a->deadline != NULL) {
		if (day_parse(a->deadline, &deadline) < 0)
			return cli_fail(EX_DATAERR, _("--deadline: not a date "
			    "YYYY-MM-DD (got \"%s\")"), a->deadline);
	} else {
		deadline = cal_add_workdays(c->cal, c->today,
		    c->cfg->mailbox.answer_days);
	}
	k = store_feedback_assign(c->store, id, p->key, deadline, c->who,
	    c->now, &err);
	if (k < 0)
		return cli_fail_err(&err);
	printf("feedback %lld %s %s (%s)，答复期限 %s\n", (long long)id,
	    k ? "交办给" : "已交办给", p->name, p->key,
	    day_format(deadline, d));
	return 0;
}

static int
feedback_answer(struct cli *c, struct cli_args *a)
{
	struct derr	 err = { 0 };
	int64_t		 id = 0;
	int		 k;

	if ((k = feedback_id(a, "answer", &id)) != 0)
		return k;
	if (a->text == NULL || *a->text == '\0')
		return cli_fail(EX_USAGE, _("usage: dutyctl feedback answer ID "
		    "--text ANSWER"));
	if ((k = cli_check_text("text", a->text)) != 0)
		return k;
	if (store_feedback_answer(c->store, id, a->text, c->who, c->now,
	    &err) < 0)
		return cli_fail_err(&err);
	printf("feedback %lld 已答复\n", (long long)id);
	return 0;
}

/* A message that needs no answer (a bounce, a duplicate, not for us). */
static int
feedback_close(struct cli *c, struct cli_args *a)
{
	struct derr	 err = { 0 };
	int64_t		 id = 0;
	int		 k;

	if ((k = feedback_id(a, "close", &id)) != 0)
		return k;
	if (a->reason == NULL || *a->reason == '\0')
		return cli_fail(EX_USAGE, _("usage: dutyctl feedback close ID "
		    "--reason WHY"));
	if ((k = cli_check_text("reason", a->reason)) != 0)
		return k;
	if (store_feedback_close(c->store, id, a->reason, c->who, c->now,
	    &err) < 0)
		return cli_fail_err(&err);
	printf("feedback %lld 已办结（不需答复）：%s\n", (long long)id,
	    a->reason);
	return 0;
}

static int
feedback_spam(struct cli *c, struct cli_args *a)
{
	struct derr	 err = { 0 };
	int64_t		 id = 0;
	int		 k;

	if ((k = feedback_id(a, "spam", &id)) != 0)
		return k;
	if ((k = store_feedback_spam(c->store, id, c->who, c->now, &err)) < 0)
		return cli_fail_err(&err);
	printf("feedback %lld %s\n", (long long)id, k ? "已标记为垃圾邮件" :
	    "本来就是垃圾邮件");
	return 0;
}

static int
feedback_add(struct cli *c, struct cli_args *a)
{
	struct feedback	 f;
	struct derr	 err = { 0 };
	int64_t		 id = 0;
	int		 k;

	if (a->from == NULL || a->text == NULL)
		return cli_fail(EX_USAGE, _("usage: dutyctl feedback add --from WHO "
		    "[--subject S] --text T [--kind phone|manual]"));
	if ((k = cli_check_text("from", a->from)) != 0 ||
	    (k = cli_check_text("text", a->text)) != 0 ||
	    (a->subject != NULL && (k = cli_check_text("subject", a->subject))
	    != 0))
		return k;
	if (a->kind != NULL && strcmp(a->kind, "phone") != 0 &&
	    strcmp(a->kind, "manual") != 0)
		return cli_fail(EX_USAGE, _("--kind: phone or manual (got \"%s\")"),
		    a->kind);
	memset(&f, 0, sizeof(f));
	f.source = (char *)(uintptr_t)(a->kind != NULL ? a->kind : "phone");
	f.sender = (char *)(uintptr_t)a->from;
	f.subject = (char *)(uintptr_t)(a->subject ? a->subject : "");
	f.excerpt = (char *)(uintptr_t)a->text;
	f.date = c->now;
	f.received_at = c->now;
	f.answer_deadline = DAY_NONE;
	if (store_feedback_add(c->store, &f, c->who, c->now, &id, &err) < 0)
		return cli_fail_err(&err);
	printf("feedback %lld 已登记\n", (long long)id);
	return 0;
}

const struct cli_cmd cli_feedback_cmds[] = {
	{ "feedback", "list", feedback_list_cmd, "status overdue limit all "
	    "json", NULL, N_("the feedback mailbox (意见箱)") },
	{ "feedback", "show", feedback_show, "json", "ID", N_("one message") },
	{ "feedback", "assign", feedback_assign, "owner deadline", "ID",
	    N_("give a message to an officer to answer") },
	{ "feedback", "answer", feedback_answer, "text", "ID",
	    N_("record the answer") },
	{ "feedback", "close", feedback_close, "reason", "ID",
	    N_("close a message that needs no answer, saying why") },
	{ "feedback", "spam", feedback_spam, NULL, "ID",
	    N_("mark a message as spam (left out of the digest)") },
	{ "feedback", "add", feedback_add, "from subject text kind", NULL,
	    N_("record feedback that came by phone or in person (来电、来访)") },
};
const size_t cli_feedback_ncmds = sizeof(cli_feedback_cmds) /
    sizeof(cli_feedback_cmds[0]);
