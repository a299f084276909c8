/*
 * dutyctl's ledger commands: item list/show/add/edit/done/reopen, import
 * and export.  Every change goes through one store call that writes its
 * audit row in the same transaction; "updated" is printed only after it.
 */
#include "cli_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"
#include "config.h"
#include "i18n.h"
#include "evidence.h"
#include "ledger.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "model.h"
#include "plan.h"
#include "sign.h"

#define CLI_CSV_MAX	(8 * 1024 * 1024)

static void
time_left(const struct cli *c, const struct measure *m, char *out, size_t n)
{
	int	 wd;

	if (m->status == MEASURE_DONE)
		snprintf(out, n, "已销号");
	else if (m->deadline == DAY_NONE)
		snprintf(out, n, "%s", m->kind == MEASURE_ONGOING ?
		    "长期坚持" : "无时限");
	else if (m->deadline == c->today)
		snprintf(out, n, "今天到期");
	else if (m->deadline > c->today) {
		wd = cal_workdays_between(c->cal, c->today, m->deadline);
		if (wd > 0)
			snprintf(out, n, "剩%d个工作日", wd);
		else
			snprintf(out, n, "剩%d天", m->deadline - c->today);
	} else
		snprintf(out, n, "逾期%d天", c->today - m->deadline);
}

static void
print_table(const struct cli *c, const struct measure_list *l)
{
	char	 dl[11], left[64], own[256], text[256];
	size_t	 i;

	cli_put_cell("编号", 10);
	cli_put_cell("状态", 6);
	cli_put_cell("时限", 10);
	cli_put_cell("剩余", 14);
	cli_put_cell("责任人", 14);
	printf("整改措施\n");
	for (i = 0; i < l->n; i++) {
		const struct measure *m = &l->v[i];

		cli_put_cell(m->code, 10);
		cli_put_cell(m->status == MEASURE_DONE ? "已完成" : "未完成", 6);
		cli_put_cell(m->deadline == DAY_NONE ? "-" :
		    day_format(m->deadline, dl), 10);
		time_left(c, m, left, sizeof(left));
		cli_put_cell(left, 14);
		cli_owner_names(c, &m->owners, text, sizeof(text));
		cli_clip(text, 14, own, sizeof(own));
		cli_put_cell(own, 14);
		cli_clip(m->text, 48, text, sizeof(text));
		printf("%s\n", text);
	}
	printf("共 %zu 项\n", l->n);
}

static int
print_json(const struct measure_list *l)
{
	struct buf	 b;
	struct derr	 err = { 0 };

	buf_init(&b, 0);
	if (ledger_export_json(l, &b, &err) < 0) {
		buf_clear(&b);
		return cli_fail_err(&err);
	}
	fwrite(b.data, 1, b.len, stdout);
	if (b.len > 0 && b.data[b.len - 1] != '\n')
		putchar('\n');
	buf_clear(&b);
	return 0;
}

static int
item_list(struct cli *c, struct cli_args *a)
{
	struct store_filter	 f;
	struct measure_list	 l = { 0 };
	struct derr		 err = { 0 };
	int			 st = -1, r;

	if (a->status != NULL && (st = measure_status_parse(a->status)) < 0)
		return cli_fail(EX_USAGE, _("--status: open or done (got \"%s\")"),
		    a->status);
	memset(&f, 0, sizeof(f));
	f.owner = a->owner;
	if (a->owner != NULL && cfg_person_find(c->cfg, a->owner) != NULL)
		f.owner = cfg_person_find(c->cfg, a->owner)->key;
	f.problem = a->problem;
	f.status = a->overdue || a->due_within >= 0 ? MEASURE_OPEN : st;
	f.due_before = DAY_NONE;
	if (a->overdue)
		f.due_before = c->today - 1;
	if (a->due_within >= 0)
		f.due_before = c->today + a->due_within;
	f.with_deadline = f.due_before != DAY_NONE;
	if (store_measure_list(c->store, &f, &l, &err) < 0)
		return cli_fail_err(&err);
	r = 0;
	if (a->json)
		r = print_json(&l);
	else
		print_table(c, &l);
	measure_list_clear(&l);
	return r;
}

/* The evidence files of measure `code`: name, size, hash, who, when. */
static void
print_files(const struct cli *c, const char *code)
{
	struct store_evidence_list	 l = { 0 };
	struct derr			 err = { 0 };
	char				 t[32];
	size_t				 i;

	if (store_evidence_list(c->store, code, NULL, &l, &err) < 0) {
		cli_fail_err(&err);
		return;
	}
	for (i = 0; i < l.n; i++) {
		cli_fmt_time(c, l.v[i].at, t, sizeof(t));
		printf(_("file:     %s (%lld bytes, sha256 %.12s…) by %s, %s\n"),
		    l.v[i].name, (long long)l.v[i].size, l.v[i].hash,
		    l.v[i].who, t);
	}
	store_evidence_list_clear(&l);
}

static void
print_measure(const struct cli *c, const struct measure *m)
{
	char	 d[11], left[64], own[256];
	char	 when[64];

	cli_owner_names(c, &m->owners, own, sizeof(own));
	time_left(c, m, left, sizeof(left));
	printf("编号:     %s\n问题:     %s %s\n措施:     %s\n责任人:   %s\n"
	    "类型:     %s\n时限:     %s\n状态:     %s (%s)\n", m->code,
	    m->problem_code, m->problem_title, m->text, own,
	    measure_kind_label(m->kind), m->deadline == DAY_NONE ? "-" :
	    day_format(m->deadline, d), m->status == MEASURE_DONE ?
	    "已完成" : "未完成", left);
	if (m->status == MEASURE_DONE) {
		/* In the configured zone, not the process's. */
		cli_fmt_time(c, m->done_at, when, sizeof(when));
		printf("销号:     %s 由 %s\n佐证:     %s\n", when,
		    m->closed_by ? m->closed_by : "-",
		    m->evidence ? m->evidence : "-");
	}
	if (m->reopened > 0)
		printf("重新打开: %d 次\n", m->reopened);
	if (m->extensions > 0)
		printf("延期:     %d 次，原时限 %s，原因：%s\n", m->extensions,
		    day_format(m->extended_from, d), m->extension_reason ?
		    m->extension_reason : "-");
	print_files(c, m->code);
	cli_reply_show(c, m->code);
}

static int
need_code(const struct cli_args *a, const char *what)
{
	if (a->argc != 1)
		return cli_fail(EX_USAGE, _("usage: dutyctl item %s CODE"), what);
	return 0;
}

static int
item_show(struct cli *c, struct cli_args *a)
{
	struct measure		 m;
	struct measure_list	 l = { 0 };
	struct derr		 err = { 0 };
	int			 r;

	if ((r = need_code(a, "show")) != 0)
		return r;
	if ((r = store_measure_get(c->store, a->argv[0], &m, &err)) < 0)
		return cli_fail_err(&err);
	if (r == 0)
		return cli_fail(EX_DATAERR, _("no measure %s (see dutyctl item list)"),
		    a->argv[0]);
	r = 0;
	if (a->json) {
		l.v = &m;
		l.n = 1;
		r = print_json(&l);
	} else
		print_measure(c, &m);
	measure_clear(&m);
	return r;
}

/* Owners "zhang,李娜" -> keys; every one must be a known person. */
static int
parse_owners(const struct cli *c, const char *s, struct strv *out)
{
	const struct cfg_person	*p;
	char			*copy = xstrdup(s), *tok, *save = NULL;
	int			 r = 0;

	for (tok = strtok_r(copy, ",、", &save); tok != NULL;
	    tok = strtok_r(NULL, ",、", &save)) {
		str_trim(tok);
		if (*tok == '\0')
			continue;
		if ((p = cfg_person_find(c->cfg, tok)) == NULL) {
			r = cli_fail(EX_DATAERR, _("--owner: no person \"%s\" in %s"),
			    tok, c->path);
			break;
		}
		if (!strv_has(out, p->key))
			strv_push(out, p->key);
	}
	free(copy);
	if (r == 0 && out->n == 0)
		r = cli_fail(EX_USAGE, _("--owner: give at least one person"));
	return r;
}

/* Fill kind and deadline from --kind / --deadline. */
static int
parse_kind_deadline(const struct cli_args *a, struct measure *m)
{
	int	 k;

	if (a->deadline != NULL && day_parse(a->deadline, &m->deadline) < 0)
		return cli_fail(EX_USAGE, _("--deadline: not a date YYYY-MM-DD "
		    "(got \"%s\")"), a->deadline);
	if (a->kind != NULL) {
		if ((k = measure_kind_parse(a->kind)) < 0)
			return cli_fail(EX_USAGE, "--kind: 立行立改, 限期整改 or "
			    "长期坚持 (got \"%s\")", a->kind);
		m->kind = (enum measure_kind)k;
	} else if (a->deadline != NULL)
		m->kind = MEASURE_DEADLINE;
	if (m->kind == MEASURE_ONGOING)
		m->deadline = DAY_NONE;
	if (m->kind == MEASURE_DEADLINE && m->deadline == DAY_NONE)
		return cli_fail(EX_USAGE, "a 限期整改 measure needs --deadline");
	return 0;
}

int
cli_check_text(const char *opt, const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			return cli_fail(EX_DATAERR, _("--%s: control characters are "
			    "not allowed"), opt);
	if (!str_utf8_valid(s, strlen(s)))
		return cli_fail(EX_DATAERR, _("--%s: not valid UTF-8"), opt);
	return 0;
}

static bool
problem_known(struct cli *c, const char *code)
{
	struct store_filter	 f;
	struct measure_list	 l = { 0 };
	struct derr		 err = { 0 };
	bool			 known;

	memset(&f, 0, sizeof(f));
	f.problem = code;
	f.status = -1;
	f.due_before = DAY_NONE;
	known = store_measure_list(c->store, &f, &l, &err) == 0 && l.n > 0;
	measure_list_clear(&l);
	return known;
}

static int
item_add(struct cli *c, struct cli_args *a)
{
	struct measure	 m;
	struct derr	 err = { 0 };
	int		 r;

	if (a->problem == NULL || a->code == NULL || a->text == NULL ||
	    a->owner == NULL || (a->deadline == NULL && a->kind == NULL))
		return cli_fail(EX_USAGE, "usage: dutyctl item add --problem P "
		    "[--problem-title T] --code C --text T --owner K[,K] "
		    "(--deadline YYYY-MM-DD | --kind 长期坚持)");
	memset(&m, 0, sizeof(m));
	m.deadline = DAY_NONE;
	m.kind = MEASURE_IMMEDIATE;
	if ((r = cli_check_text("text", a->text)) != 0 ||
	    (r = cli_check_text("code", a->code)) != 0 ||
	    (r = parse_kind_deadline(a, &m)) != 0 ||
	    (r = parse_owners(c, a->owner, &m.owners)) != 0) {
		strv_clear(&m.owners);
		return r;
	}
	if (a->problem_title == NULL && !problem_known(c, a->problem)) {
		strv_clear(&m.owners);
		return cli_fail(EX_USAGE, _("problem %s is new: give its title with "
		    "--problem-title"), a->problem);
	}
	m.problem_code = xstrdup(a->problem);
	m.problem_title = xstrdup(a->problem_title ? a->problem_title : "");
	m.code = xstrdup(a->code);
	m.text = xstrdup(a->text);
	r = store_measure_add(c->store, &m, c->who, c->now, &err);
	measure_clear(&m);
	if (r < 0)
		return cli_fail_err(&err);
	printf(_("added %s\n"), a->code);
	return 0;
}

/* Apply the options given to `m`; 0 or a sysexits code. */
static int
edit_apply(struct cli *c, const struct cli_args *a, struct measure *m)
{
	int	 r = 0;

	if (a->text != NULL) {
		if ((r = cli_check_text("text", a->text)) != 0)
			return r;
		free(m->text);
		m->text = xstrdup(a->text);
	}
	if (a->owner != NULL) {
		strv_clear(&m->owners);
		if ((r = parse_owners(c, a->owner, &m->owners)) != 0)
			return r;
	}
	if (a->deadline != NULL || a->kind != NULL)
		r = parse_kind_deadline(a, m);
	return r;
}

static int
item_edit(struct cli *c, struct cli_args *a)
{
	struct measure	 m;
	struct derr	 err = { 0 };
	int		 r;

	if (a->argc != 1 || (a->text == NULL && a->owner == NULL &&
	    a->deadline == NULL && a->kind == NULL))
		return cli_fail(EX_USAGE, _("usage: dutyctl item edit CODE "
		    "[--text T] [--owner K] [--deadline D] [--kind K] (at least "
		    "one)"));
	if ((r = store_measure_get(c->store, a->argv[0], &m, &err)) <= 0)
		return r < 0 ? cli_fail_err(&err) : cli_fail(EX_DATAERR,
		    _("no measure %s (see dutyctl item list)"), a->argv[0]);
	if ((r = edit_apply(c, a, &m)) == 0) {
		r = store_measure_edit(c->store, &m, c->who, c->now, &err);
		if (r < 0)
			r = cli_fail_err(&err);
		else {
			printf(r == 1 ? _("updated %s\n") : _("%s unchanged\n"),
			    m.code);
			r = 0;
		}
	}
	measure_clear(&m);
	return r;
}

/* The measure `code` exists and this user may decide on it: 0, or exit. */
static int
may_decide(struct cli *c, const char *code)
{
	struct measure	 m;
	struct derr	 err = { 0 };
	int		 r;

	if ((r = store_measure_get(c->store, code, &m, &err)) <= 0)
		return r < 0 ? cli_fail_err(&err) : cli_fail(EX_DATAERR,
		    _("no measure %s (see dutyctl item list)"), code);
	r = cli_may_decide(c, &m);
	measure_clear(&m);
	return r;
}

static void
evidence_clear(struct store_evidence *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/*
 * Read each --file (at most general.evidence_max bytes), store it by its
 * SHA-256 in general.evidence_dir, and describe it in (*out)[i].  0 or a
 * sysexits code; nothing is recorded in the database here.
 */
static int
files_store(struct cli *c, const struct strv *files,
    struct store_evidence **out)
{
	const struct cfg_general	*g = &c->cfg->general;
	struct store_evidence		*v = xcalloc(files->n ? files->n : 1,
					    sizeof(*v));
	struct derr			 err = { 0 };
	const char			*base;
	char				*data = NULL;
	size_t				 i, len;
	int				 r = 0;

	for (i = 0; r == 0 && i < files->n; i++) {
		base = strrchr(files->v[i], '/');
		base = base ? base + 1 : files->v[i];
		if ((r = cli_check_text("file", base)) != 0)
			break;
		if (file_read(files->v[i], (size_t)g->evidence_max, &data,
		    &len, &err) < 0 ||
		    sign_sha256_hex(data, len, v[i].hash, &err) < 0 ||
		    evidence_put(g->evidence_dir, v[i].hash, data, len,
		    &err) < 0)
			r = err.kind == DERR_INPUT ? cli_fail(EX_DATAERR,
			    _("--file: %s (general.evidence_max is %d bytes)"),
			    err.msg, g->evidence_max) : cli_fail_err(&err);
		v[i].name = xstrdup(base);
		v[i].size = (int64_t)len;
		free(data);
		data = NULL;
	}
	if (r != 0) {
		evidence_clear(v, files->n);
		return r;
	}
	*out = v;
	return 0;
}

/*
 * Store `files` and record them for measure `code` (signing it off with
 * `evidence` unless NULL), under the evidence directory's lock so that
 * an evidence rm of the same content cannot unlink the bytes between
 * the two.  0 with *added, or a sysexits code.
 */
static int
files_add(struct cli *c, const char *code, const struct strv *files,
    const char *evidence, int *added)
{
	struct store_evidence	*v = NULL;
	struct derr		 err = { 0 };
	int			 r, lock;

	if ((lock = evidence_lock(c->cfg->general.evidence_dir, &err)) < 0)
		return cli_fail_err(&err);
	if ((r = files_store(c, files, &v)) != 0) {
		evidence_unlock(lock);
		return r;
	}
	r = store_evidence_add(c->store, code, v, files->n, evidence, c->who,
	    c->now, &err);
	evidence_unlock(lock);
	evidence_clear(v, files->n);
	if (r < 0)
		return cli_fail_err(&err);
	*added = r;
	return 0;
}

/* item done --file: the sign-off and its files in one transaction. */
static int
done_with_files(struct cli *c, struct cli_args *a)
{
	int	 r, n;

	if ((r = files_add(c, a->argv[0], &a->files, a->evidence, &n)) != 0)
		return r;
	printf(_("%s done (销号), %d evidence file(s) added\n"), a->argv[0],
	    n);
	return 0;
}

/* item evidence add CODE --file F...: evidence added later, audited. */
static int
evidence_add(struct cli *c, struct cli_args *a)
{
	int	 r, n;

	if (a->argc != 2 || a->files.n == 0 || a->reason != NULL)
		return cli_fail(EX_USAGE, _("usage: dutyctl item evidence add "
		    "CODE --file FILE [--file FILE]..."));
	if ((r = may_decide(c, a->argv[1])) != 0 ||
	    (r = files_add(c, a->argv[1], &a->files, NULL, &n)) != 0)
		return r;
	printf(_("%s: %d evidence file(s) added\n"), a->argv[1], n);
	return 0;
}

/*
 * The one file of measure `code` whose hash starts with `prefix` (at
 * least 8 hex digits, as item show prints 12) into `out`; 0 or exit.
 */
static int
evidence_find(struct cli *c, const char *code, const char *prefix,
    struct store_evidence *out)
{
	struct store_evidence_list	 l = { 0 };
	struct derr			 err = { 0 };
	size_t				 i, n = strlen(prefix), hits = 0;

	if (n < 8 || n > EVIDENCE_HEX || strspn(prefix,
	    "0123456789abcdef") != n)
		return cli_fail(EX_USAGE, _("%s: not a SHA-256 (64 lowercase hex "
		    "digits, or the first 8 or more of them as item show "
		    "prints)"), prefix);
	if (store_evidence_list(c->store, code, NULL, &l, &err) < 0)
		return cli_fail_err(&err);
	for (i = 0; i < l.n; i++)
		if (strncmp(l.v[i].hash, prefix, n) == 0 && hits++ == 0) {
			snprintf(out->hash, sizeof(out->hash), "%s",
			    l.v[i].hash);
			out->name = xstrdup(l.v[i].name);
		}
	store_evidence_list_clear(&l);
	if (hits == 1)
		return 0;
	if (hits > 1)
		free(out->name);
	return hits == 0 ? cli_fail(EX_DATAERR, _("%s has no evidence file "
	    "%s (see dutyctl item show %s)"), code, prefix, code) :
	    cli_fail(EX_USAGE, _("%s: more than one file of %s starts so: "
	    "give more of the hash"), prefix, code);
}

/*
 * Remove the row of `e` from measure `code`, then its bytes when no other
 * measure holds them, all under the evidence directory's lock (see
 * files_add).  1 removed, 0 no such row, or a sysexits code.
 */
static int
evidence_drop(struct cli *c, const char *code, const struct store_evidence *e,
    const char *reason)
{
	const char	*dir = c->cfg->general.evidence_dir;
	struct derr	 err = { 0 };
	int		 r, lock, others = 0;

	if ((lock = evidence_lock(dir, &err)) < 0)
		return cli_fail_err(&err);
	r = store_evidence_remove(c->store, code, e->hash, reason, c->who,
	    c->now, &others, &err);
	if (r <= 0) {
		evidence_unlock(lock);
		return r < 0 ? cli_fail_err(&err) : cli_fail(EX_DATAERR,
		    _("%s has no evidence file %s"), code, e->hash);
	}
	if (others > 0)
		printf(_("%s: evidence file %s removed; kept in %s, as %d "
		    "other measure(s) hold the same file\n"), code, e->name,
		    dir, others);
	else if (evidence_remove(dir, e->hash, &err) < 0)
		/* The row is gone; only the bytes are left over. */
		log_warn(_("%s: evidence file %s removed, but its copy in %s "
		    "was not deleted: %s"), code, e->name, dir, err.msg);
	else
		printf(_("%s: evidence file %s removed and deleted from %s\n"),
		    code, e->name, dir);
	evidence_unlock(lock);
	return 0;
}

/* item evidence rm CODE HASH --reason R: audited; the bytes go when no
 * other measure holds the same file. */
static int
evidence_rm(struct cli *c, struct cli_args *a)
{
	struct store_evidence	 e = { 0 };
	int			 r;

	if (a->argc != 3 || a->files.n > 0 || a->reason == NULL ||
	    a->reason[strspn(a->reason, " \t")] == '\0')
		return cli_fail(EX_USAGE, _("usage: dutyctl item evidence rm "
		    "CODE SHA256 --reason \"...\""));
	if ((r = cli_check_text("reason", a->reason)) != 0 ||
	    (r = may_decide(c, a->argv[1])) != 0 ||
	    (r = evidence_find(c, a->argv[1], a->argv[2], &e)) != 0)
		return r;
	r = evidence_drop(c, a->argv[1], &e, a->reason);
	free(e.name);
	return r;
}

/* item evidence add|rm ... */
static int
item_evidence(struct cli *c, struct cli_args *a)
{
	if (a->argc >= 1 && strcmp(a->argv[0], "add") == 0)
		return evidence_add(c, a);
	if (a->argc >= 1 && strcmp(a->argv[0], "rm") == 0)
		return evidence_rm(c, a);
	return cli_fail(EX_USAGE, _("usage: dutyctl item evidence add CODE "
	    "--file FILE...  |  dutyctl item evidence rm CODE SHA256 "
	    "--reason \"...\""));
}

static int
item_status(struct cli *c, struct cli_args *a, bool done)
{
	const char	*why = done ? a->evidence : a->reason;
	struct derr	 err = { 0 };
	int		 r;

	if (a->argc != 1 || why == NULL || why[strspn(why, " \t")] == '\0')
		return cli_fail(EX_USAGE, done ?
		    "usage: dutyctl item done CODE --evidence \"佐证材料\"" :
		    "usage: dutyctl item reopen CODE --reason \"原因\"");
	if ((r = cli_check_text(done ? "evidence" : "reason", why)) != 0 ||
	    (r = may_decide(c, a->argv[0])) != 0)
		return r;
	if (done && a->files.n > 0)
		return done_with_files(c, a);
	r = done ? store_measure_close(c->store, a->argv[0], why, c->who,
	    c->now, &err) : store_measure_reopen(c->store, a->argv[0], why,
	    c->who, c->now, &err);
	if (r < 0)
		return cli_fail_err(&err);
	if (r == 0)
		printf(done ? _("%s is already done\n") :
		    _("%s is already open\n"), a->argv[0]);
	else
		printf(done ? _("%s done (销号)\n") : _("%s reopened\n"),
		    a->argv[0]);
	return 0;
}

/* 延期: a later deadline, the reason and who approved it. */
static int
item_extend(struct cli *c, struct cli_args *a)
{
	const struct cfg_person	*p = NULL;
	struct derr		 err = { 0 };
	char			 d[11];
	int32_t			 to;
	int			 r;

	if (a->argc != 1 || a->to == NULL || a->reason == NULL ||
	    a->reason[strspn(a->reason, " \t")] == '\0')
		return cli_fail(EX_USAGE, _("usage: dutyctl item extend CODE "
		    "--to YYYY-MM-DD --reason \"...\" [--approved-by KEY]"));
	if (day_parse(a->to, &to) < 0)
		return cli_fail(EX_USAGE, _("--to: not a date YYYY-MM-DD (got "
		    "\"%s\")"), a->to);
	if ((r = cli_check_text("reason", a->reason)) != 0)
		return r;
	if (a->approved_by != NULL &&
	    (p = cfg_person_find(c->cfg, a->approved_by)) == NULL)
		return cli_fail(EX_DATAERR, _("--approved-by: no person \"%s\" "
		    "in %s"), a->approved_by, c->path);
	if ((r = may_decide(c, a->argv[0])) != 0)
		return r;
	if (store_measure_extend(c->store, a->argv[0], to, a->reason,
	    p ? p->key : NULL, c->who, c->now, &err) < 0)
		return cli_fail_err(&err);
	printf(_("%s extended to %s\n"), a->argv[0], day_format(to, d));
	return 0;
}

static int
item_done(struct cli *c, struct cli_args *a)
{
	return item_status(c, a, true);
}

static int
item_reopen(struct cli *c, struct cli_args *a)
{
	return item_status(c, a, false);
}

static const char *
field_label(enum store_import_field f)
{
	static const char *const label[] = {
		[STORE_IMPORT_NONE] = "", [STORE_IMPORT_TEXT] = "整改措施",
		[STORE_IMPORT_OWNERS] = "责任人",
		[STORE_IMPORT_DEADLINE] = "整改时限",
		[STORE_IMPORT_STATUS] = "完成情况",
	};

	return label[f];
}

/* A value as the office reads it: owner keys become names. */
static void
shown_value(const struct cli *c, enum store_import_field f, const char *v,
    char *out, size_t n)
{
	struct strv	 keys = { 0 };
	char		*copy, *tok, *save = NULL;

	if (f != STORE_IMPORT_OWNERS) {
		cli_clip(v, 40, out, n);
		return;
	}
	copy = xstrdup(v);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		strv_push(&keys, tok);
	cli_owner_names(c, &keys, out, n);
	strv_clear(&keys);
	free(copy);
}

static void
print_diff(const struct cli *c, const struct store_import_diff *d)
{
	char	 fv[256], dv[256], t[32];

	printf(_("  row %d, %s"), d->row, d->code);
	if (d->what == STORE_IMPORT_ADDED) {
		printf(_(": added\n"));
		return;
	}
	shown_value(c, d->field, d->file, fv, sizeof(fv));
	shown_value(c, d->field, d->dutyd, dv, sizeof(dv));
	if (d->what == STORE_IMPORT_CHANGED) {
		printf(_(", %s: %s -> %s\n"), _(field_label(d->field)), dv, fv);
		return;
	}
	cli_fmt_time(c, d->at, t, sizeof(t));
	printf(_(", %s: file \"%s\", dutyd \"%s\" (changed in dutyd by %s "
	    "at %s)%s\n"), _(field_label(d->field)), fv, dv,
	    d->who ? d->who : "?", t, d->what == STORE_IMPORT_FORCED ?
	    _(": the file's taken (--prefer-file)") :
	    d->what == STORE_IMPORT_KEPT_DONE ? _(": kept done; an import "
	    "never reopens (dutyctl item reopen CODE --reason R does)") :
	    _(": dutyd's kept"));
}

static void
print_import(const struct cli *c, const struct cli_args *a,
    const struct store_import_stats *st,
    const struct store_import_report *rep)
{
	size_t	 i;

	printf(_("%s: %d added, %d changed, %d closed, %d unchanged, "
	    "%d conflict(s)%s\n"), a->argv[0], st->added, st->changed,
	    st->closed, st->unchanged, st->conflicts, a->dry_run ?
	    _(" (dry run: nothing was stored)") : "");
	if (a->dry_run) {
		for (i = 0; i < rep->n; i++)
			print_diff(c, &rep->v[i]);
		return;
	}
	if (st->conflicts > 0)
		printf(_("conflicts: changed in dutyd since the last import and "
		    "different in the file (--prefer-file takes the file's "
		    "values; --dry-run shows everything):\n"));
	for (i = 0; i < rep->n; i++)
		if (rep->v[i].what != STORE_IMPORT_ADDED &&
		    rep->v[i].what != STORE_IMPORT_CHANGED)
			print_diff(c, &rep->v[i]);
}

/* Every problem and note of the file, one line each, and what was left. */
static void
print_problems(const char *path, const struct ledger_problems *p)
{
	size_t	 i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].note)
			log_notice(_("%s: note: %s"), path, p->v[i].msg);
		else
			log_err(_("%s: %s"), path, p->v[i].msg);
	if (p->errors_unlisted > 0)
		log_err(_("%s: %zu more error(s) not listed"), path,
		    p->errors_unlisted);
	if (p->notes_unlisted > 0)
		log_notice(_("%s: %zu more note(s) not listed"), path,
		    p->notes_unlisted);
}

static int
cmd_import(struct cli *c, struct cli_args *a)
{
	struct ledger_problems		 probs = { 0 };
	struct measure_list		 l = { 0 };
	struct store_import_stats	 st;
	struct store_import_report	 rep = { 0 };
	struct derr			 err = { 0 };
	char				*data;
	size_t				 len, nbad;
	int				 r;

	if (a->argc != 1)
		return cli_fail(EX_USAGE, _("usage: dutyctl import "
		    "LEDGER.csv|LEDGER.xlsx [--sheet NAME] [--dry-run] "
		    "[--prefer-file]"));
	if (file_read(a->argv[0], CLI_CSV_MAX, &data, &len, &err) < 0)
		return cli_fail_err(&err);
	if (len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0)
		r = ledger_parse_xlsx(data, len, a->sheet, c->cfg, c->today,
		    &l, &probs, &err);
	else if (a->sheet != NULL) {
		free(data);
		return cli_fail(EX_USAGE, _("%s: --sheet is for an Excel "
		    "workbook (.xlsx), and this file is not one"), a->argv[0]);
	} else
		r = ledger_parse_csv(data, len, c->cfg, c->today, &l, &probs,
		    &err);
	free(data);
	print_problems(a->argv[0], &probs);
	nbad = probs.nerrors;
	ledger_problems_clear(&probs);
	if (r < 0 && nbad > 0)
		return cli_fail(EX_DATAERR, _("%s: %zu error(s), nothing was "
		    "imported"), a->argv[0], nbad);
	if (r < 0) {
		measure_list_clear(&l);
		return cli_fail(EX_DATAERR, _("%s: %s (nothing was imported)"),
		    a->argv[0], err.msg);
	}
	r = store_ledger_import(c->store, &l, a->argv[0], c->who, c->now,
	    (a->dry_run ? STORE_IMPORT_DRY_RUN : 0) | (a->prefer_file ?
	    STORE_IMPORT_PREFER_FILE : 0), &st, &rep, &err);
	measure_list_clear(&l);
	if (r < 0)
		return cli_fail(cli_exit_code(&err), _("%s: %s (nothing was "
		    "imported)"), a->argv[0], err.msg);
	print_import(c, a, &st, &rep);
	store_import_report_clear(&rep);
	return 0;
}

/* A new file is 0600 whatever the umask: fopen would make it 0666 less
 * the umask. */
static int
write_out(const char *path, const struct buf *b)
{
	FILE	*f = stdout;
	int	 fd;

	if (path != NULL && strcmp(path, "-") != 0 &&
	    ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1 || (f = fdopen(fd, "w")) == NULL)) {
		if (fd != -1)
			close(fd);
		return cli_fail(EX_CANTCREAT, "%s: %s", path, strerror(errno));
	}
	fwrite(b->data ? b->data : "", 1, b->len, f);
	if (f != stdout && fclose(f) != 0)
		return cli_fail(EX_IOERR, "%s: %s", path, strerror(errno));
	return 0;
}

/* evidence get HASH [-o FILE]: a stored file back, checked by its hash. */
static int
evidence_get(struct cli *c, struct cli_args *a)
{
	struct store_evidence_list	 l = { 0 };
	struct derr			 err = { 0 };
	struct buf			 b;
	char				 hex[SIGN_SHA256_HEX], *data = NULL;
	size_t				 len = 0;
	int				 r;

	if (a->argc != 1 || !evidence_hash_ok(a->argv[0]))
		return cli_fail(EX_USAGE, _("usage: dutyctl evidence get SHA256 "
		    "[-o FILE]   (the hash from dutyctl item show)"));
	if (store_evidence_list(c->store, NULL, a->argv[0], &l, &err) < 0)
		return cli_fail_err(&err);
	r = l.n;
	store_evidence_list_clear(&l);
	if (r == 0)
		return cli_fail(EX_DATAERR, _("no evidence file %s"), a->argv[0]);
	r = evidence_read(c->cfg->general.evidence_dir, a->argv[0],
	    (size_t)c->cfg->general.evidence_max, &data, &len, &err);
	if (r <= 0)
		return r < 0 ? cli_fail_err(&err) : cli_fail(EX_IOERR,
		    _("evidence file %s is recorded but missing from %s"),
		    a->argv[0], c->cfg->general.evidence_dir);
	if (sign_sha256_hex(data, len, hex, &err) < 0 ||
	    strcmp(hex, a->argv[0]) != 0) {
		free(data);
		return cli_fail(EX_IOERR, _("evidence file %s in %s is "
		    "damaged (its content no longer has that hash)"),
		    a->argv[0], c->cfg->general.evidence_dir);
	}
	b.data = data;
	b.len = len;
	r = write_out(a->output, &b);
	free(data);
	return r;
}

/* How each measure is coloured in the workbook, as of today. */
static enum ledger_state *
xlsx_states(const struct cli *c, const struct measure_list *l)
{
	enum ledger_state	*st = xcalloc(l->n ? l->n : 1, sizeof(*st));
	const struct measure	*m;
	size_t			 i;

	for (i = 0; i < l->n; i++) {
		m = &l->v[i];
		if (m->status == MEASURE_DONE)
			st[i] = LEDGER_STATE_DONE;
		else if (m->deadline == DAY_NONE)
			st[i] = LEDGER_STATE_OPEN;
		else if (m->deadline < c->today)
			st[i] = LEDGER_STATE_OVERDUE;
		else if (cal_workdays_between(c->cal, c->today, m->deadline) <=
		    c->cfg->reminders.yellow)
			st[i] = LEDGER_STATE_SOON;
	}
	return st;
}

/* export --xlsx -o FILE: the workbook, mode 0600. */
static int
export_xlsx(struct cli *c, struct cli_args *a, const struct measure_list *l)
{
	struct plan_snapshot	 snap = { 0 };
	struct duty_cells	 cells = { 0 };
	struct ledger_book	 bk;
	struct derr		 err = { 0 };
	enum ledger_state	*st;
	mode_t			 old;
	int			 fd, r;

	if (a->output == NULL || strcmp(a->output, "-") == 0)
		return cli_fail(EX_USAGE, _("usage: dutyctl export --xlsx -o "
		    "FILE.xlsx   (a workbook is not written to the terminal)"));
	if ((r = cli_duty_snapshot(c, NULL, &snap)) != 0)
		return r;
	plan_duty_cells(c->cfg, c->cal, c->today, NULL, &snap, &cells);
	/* Created 0600 before libxlsxwriter opens it (fopen keeps modes). */
	if ((fd = open(a->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1 || fchmod(fd, 0600) == -1) {
		r = cli_fail(EX_CANTCREAT, "%s: %s", a->output,
		    strerror(errno));
		if (fd != -1)
			close(fd);
	} else {
		close(fd);
		st = xlsx_states(c, l);
		bk = (struct ledger_book){ l, st, &cells, c->cfg, c->today };
		old = umask(077);	/* libxlsxwriter's temporary files */
		r = 0;
		if (ledger_export_xlsx(&bk, a->output, &err) < 0) {
			(void)unlink(a->output);	/* no half workbook */
			r = cli_fail_err(&err);
		}
		umask(old);
		free(st);
	}
	duty_cells_clear(&cells);
	plan_snapshot_clear(&snap);
	return r;
}

static int
cmd_export(struct cli *c, struct cli_args *a)
{
	struct store_filter	 f;
	struct measure_list	 l = { 0 };
	struct buf		 b;
	struct derr		 err = { 0 };
	int			 r;

	if (a->csv + a->json + a->xlsx != 1 || a->argc != 0)
		return cli_fail(EX_USAGE, _("usage: dutyctl export --csv|--json "
		    "[-o FILE] | --xlsx -o FILE"));
	memset(&f, 0, sizeof(f));
	f.status = -1;
	f.due_before = DAY_NONE;
	if (store_measure_list(c->store, &f, &l, &err) < 0)
		return cli_fail_err(&err);
	if (a->xlsx) {
		r = export_xlsx(c, a, &l);
		measure_list_clear(&l);
		return r;
	}
	buf_init(&b, 0);
	r = a->csv ? ledger_export_csv(&l, c->cfg, &b, &err) :
	    ledger_export_json(&l, &b, &err);
	measure_list_clear(&l);
	r = r < 0 ? cli_fail_err(&err) : write_out(a->output, &b);
	buf_clear(&b);
	return r;
}

const struct cli_cmd cli_item_cmds[] = {
	{ "item", "list", item_list, "owner problem status overdue due-within "
	    "json", NULL, N_("the ledger's measures, filtered") },
	{ "item", "show", item_show, "json", "CODE", N_("one measure") },
	{ "item", "add", item_add, "problem problem-title code text owner "
	    "deadline kind", NULL, N_("add a measure (--deadline D or --kind K)") },
	{ "item", "edit", item_edit, "text owner deadline kind", "CODE",
	    N_("change a measure's text, owners, deadline or kind") },
	{ "item", "evidence", item_evidence, "file reason",
	    "add CODE | rm CODE SHA256",
	    N_("add evidence files to a measure, or remove one (audited)") },
	{ "item", "done", item_done, "evidence file", "CODE",
	    N_("sign a measure off (销号) with its evidence") },
	{ "item", "extend", item_extend, "to reason approved-by", "CODE",
	    N_("move a measure's deadline later (延期) with the reason") },
	{ "item", "reopen", item_reopen, "reason", "CODE",
	    N_("reopen a measure (回头看) with the reason") },
	{ "import", NULL, cmd_import, "dry-run prefer-file sheet",
	    "LEDGER.csv|LEDGER.xlsx",
	    N_("import the ledger (an Excel workbook, UTF-8 or GB18030 CSV)") },
	{ "evidence", "get", evidence_get, "output", "SHA256",
	    N_("an evidence file back, checked against its hash") },
	{ "export", NULL, cmd_export, "csv json xlsx output", NULL,
	    N_("the ledger as CSV or an Excel workbook (re-importable), or "
	    "JSON") },
};
const size_t cli_item_ncmds = sizeof(cli_item_cmds) / sizeof(cli_item_cmds[0]);
