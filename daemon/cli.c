#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "calendar.h"
#include "config.h"
#include "digest.h"
#include "ledger.h"
#include "log.h"
#include "plan.h"
#include "store.h"
#include "util.h"

#define CLI_CSV_MAX	(8 * 1024 * 1024)

struct cli {
	const char	*path;
	struct cfg	*cfg;
	struct cal	*cal;
	struct store	*store;
	char		 who[128];
	int64_t		 now;
	int32_t		 today;
	const char	*now_arg;
};

/* Options every subcommand may take; unused ones stay NULL/0. */
struct cli_args {
	const char	*owner, *problem, *problem_title, *code, *text;
	const char	*deadline, *kind, *evidence, *reason, *status;
	const char	*output, *by, *target, *date, *note, *period, *to;
	const char	*from, *subject;	/* feedback add */
	bool		 late, html, plain;
	int		 due_within;	/* -1: no filter */
	int		 limit;
	bool		 json, csv, overdue, all, force;
	int		 argc;		/* positional arguments */
	char		**argv;
};

static int
fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(int code, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Through the logger: a CSV cell or argument cannot forge lines. */
	log_err("%s", msg);
	return code;
}

static int
exit_code(const struct derr *err)
{
	switch (err->kind) {
	case DERR_CONFIG: return EX_CONFIG;
	case DERR_INPUT: return EX_DATAERR;
	case DERR_DB: return err->transient ? EX_TEMPFAIL : EX_SOFTWARE;
	case DERR_SYS: return EX_IOERR;
	default: return EX_SOFTWARE;
	}
}

static int
fail_err(const struct derr *err)
{
	return fail(exit_code(err), "%s", err->msg);
}

/* The Unix user for the audit: "alice", or "root (sudo: alice)". */
static void
whoami(char *out, size_t n)
{
	struct passwd	 pw, *res = NULL;
	char		 b[1024];
	const char	*sudo = getenv("SUDO_USER");

	if (getpwuid_r(getuid(), &pw, b, sizeof(b), &res) != 0 || res == NULL)
		snprintf(out, n, "uid %u", (unsigned)getuid());
	else if (sudo != NULL && !str_has_ctl(sudo) && getuid() == 0)
		snprintf(out, n, "%s (sudo: %.60s)", pw.pw_name, sudo);
	else
		snprintf(out, n, "%s", pw.pw_name);
}

static int
load_cfg(struct cli *c)
{
	c->cfg = cfg_report(c->path);
	return c->cfg == NULL ? EX_CONFIG : 0;
}

/* "YYYY-MM-DD HH:MM" or "YYYY-MM-DD" (09:00) in the configured zone. */
static int
set_now(struct cli *c)
{
	int32_t	 day;
	int	 min = 9 * 60;
	char	 d[11];

	if (c->now_arg != NULL) {
		if (strlen(c->now_arg) < 10)
			return fail(EX_USAGE, "--now: not \"YYYY-MM-DD HH:MM\" "
			    "(got \"%s\")", c->now_arg);
		memcpy(d, c->now_arg, 10);
		d[10] = '\0';
		if (day_parse(d, &day) < 0 || (c->now_arg[10] != '\0' &&
		    (c->now_arg[10] != ' ' ||
		    hhmm_parse(c->now_arg + 11, &min) < 0)))
			return fail(EX_USAGE, "--now: not \"YYYY-MM-DD HH:MM\" "
			    "(got \"%s\")", c->now_arg);
		c->now = cal_instant(c->cal, day, min);
	}
	cal_civil(c->cal, c->now, &c->today, &min);
	return 0;
}

static int
open_all(struct cli *c)
{
	struct derr			 err = { 0 };
	const struct cfg_general	*g;
	int				 r;

	if ((r = load_cfg(c)) != 0)
		return r;
	g = &c->cfg->general;
	c->cal = cal_new(g->timezone, g->holidays, g->nholidays, g->workdays,
	    g->nworkdays, &err);
	if (c->cal == NULL)
		return fail_err(&err);
	if ((r = set_now(c)) != 0)
		return r;
	if ((c->store = store_open_read(g->database, &err)) == NULL)
		return fail_err(&err);
	return 0;
}

static int
parse_args(int argc, char **argv, struct cli_args *a)
{
	static const struct option lo[] = {
		{ "owner", required_argument, NULL, 'O' },
		{ "problem", required_argument, NULL, 'P' },
		{ "problem-title", required_argument, NULL, 'T' },
		{ "code", required_argument, NULL, 'C' },
		{ "text", required_argument, NULL, 'x' },
		{ "deadline", required_argument, NULL, 'D' },
		{ "kind", required_argument, NULL, 'k' },
		{ "evidence", required_argument, NULL, 'e' },
		{ "reason", required_argument, NULL, 'r' },
		{ "status", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "due-within", required_argument, NULL, 'w' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'v' },
		{ "overdue", no_argument, NULL, 'd' },
		{ "all", no_argument, NULL, 'a' },
		{ "by", required_argument, NULL, 'b' },
		{ "target", required_argument, NULL, 't' },
		{ "date", required_argument, NULL, 'y' },
		{ "note", required_argument, NULL, 'n' },
		{ "period", required_argument, NULL, 'p' },
		{ "late", no_argument, NULL, 'L' },
		{ "to", required_argument, NULL, 'u' },
		{ "html", no_argument, NULL, 'H' },
		{ "plain", no_argument, NULL, 'X' },
		{ "from", required_argument, NULL, 'F' },
		{ "subject", required_argument, NULL, 'S' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	long long	 v;
	int		 c;

	memset(a, 0, sizeof(*a));
	a->due_within = -1;
	a->limit = 50;
	optind = 0;	/* 0, not 1: main parsed with "+" (stop at words) */
	while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		switch (c) {
		case 'O': a->owner = optarg; break;
		case 'P': a->problem = optarg; break;
		case 'T': a->problem_title = optarg; break;
		case 'C': a->code = optarg; break;
		case 'x': a->text = optarg; break;
		case 'D': a->deadline = optarg; break;
		case 'k': a->kind = optarg; break;
		case 'e': a->evidence = optarg; break;
		case 'r': a->reason = optarg; break;
		case 's': a->status = optarg; break;
		case 'o': a->output = optarg; break;
		case 'j': a->json = true; break;
		case 'v': a->csv = true; break;
		case 'd': a->overdue = true; break;
		case 'a': a->all = true; break;
		case 'b': a->by = optarg; break;
		case 't': a->target = optarg; break;
		case 'y': a->date = optarg; break;
		case 'n': a->note = optarg; break;
		case 'p': a->period = optarg; break;
		case 'L': a->late = true; break;
		case 'u': a->to = optarg; break;
		case 'H': a->html = true; break;
		case 'X': a->plain = true; break;
		case 'F': a->from = optarg; break;
		case 'S': a->subject = optarg; break;
		case 'f': a->force = true; break;
		case 'w':
		case 'l':
			if (str_to_ll(optarg, 0, 100000, &v) < 0)
				return fail(EX_USAGE, "--%s: not a number "
				    "(got \"%s\")", c == 'w' ? "due-within" :
				    "limit", optarg);
			*(c == 'w' ? &a->due_within : &a->limit) = (int)v;
			break;
		default:
			return EX_USAGE;
		}
	}
	a->argc = argc - optind;
	a->argv = argv + optind;
	return 0;
}

/* Print `s` padded with spaces to display width `w` (CJK counts 2). */
static void
put_cell(const char *s, size_t w)
{
	size_t	 sw = str_width(s);

	fputs(s, stdout);
	while (sw++ < w)
		putchar(' ');
	putchar(' ');
}

/* Copy at most `w` display columns of the first line of `s`, with "…". */
static void
clip(const char *s, size_t w, char *out, size_t n)
{
	size_t	 i = 0, o = 0, cw = 0, len;
	char	 one[8];

	while (s[i] != '\0' && s[i] != '\n' && o + 8 < n) {
		len = 1;
		while ((s[i + len] & 0xc0) == 0x80 && len < 4)
			len++;
		memcpy(one, s + i, len);
		one[len] = '\0';
		if (cw + str_width(one) > w - 1 && s[i + len] != '\0') {
			memcpy(out + o, "…", 3);
			o += 3;
			break;
		}
		memcpy(out + o, one, len);
		o += len;
		cw += str_width(one);
		i += len;
	}
	out[o] = '\0';
}

static void
owners_names(const struct cli *c, const struct strv *owners, char *out,
    size_t n)
{
	const struct cfg_person	*p;
	size_t			 i, o = 0;

	out[0] = '\0';
	for (i = 0; i < owners->n && o < n; i++) {
		p = cfg_person_get(c->cfg, owners->v[i]);
		o += (size_t)snprintf(out + o, n - o, "%s%s", i ? "、" : "",
		    p ? p->name : owners->v[i]);
	}
}

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

	put_cell("编号", 10);
	put_cell("状态", 6);
	put_cell("时限", 10);
	put_cell("剩余", 14);
	put_cell("责任人", 14);
	printf("整改措施\n");
	for (i = 0; i < l->n; i++) {
		const struct measure *m = &l->v[i];

		put_cell(m->code, 10);
		put_cell(m->status == MEASURE_DONE ? "已完成" : "未完成", 6);
		put_cell(m->deadline == DAY_NONE ? "-" :
		    day_format(m->deadline, dl), 10);
		time_left(c, m, left, sizeof(left));
		put_cell(left, 14);
		owners_names(c, &m->owners, text, sizeof(text));
		clip(text, 14, own, sizeof(own));
		put_cell(own, 14);
		clip(m->text, 48, text, sizeof(text));
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
		return fail_err(&err);
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
		return fail(EX_USAGE, "--status: open or done (got \"%s\")",
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
		return fail_err(&err);
	r = 0;
	if (a->json)
		r = print_json(&l);
	else
		print_table(c, &l);
	measure_list_clear(&l);
	return r;
}

static void
print_measure(const struct cli *c, const struct measure *m)
{
	char	 d[11], left[64], own[256];
	char	 when[64];
	time_t	 t = (time_t)m->done_at;
	struct tm tm;

	owners_names(c, &m->owners, own, sizeof(own));
	time_left(c, m, left, sizeof(left));
	printf("编号:     %s\n问题:     %s %s\n措施:     %s\n责任人:   %s\n"
	    "类型:     %s\n时限:     %s\n状态:     %s (%s)\n", m->code,
	    m->problem_code, m->problem_title, m->text, own,
	    measure_kind_label(m->kind), m->deadline == DAY_NONE ? "-" :
	    day_format(m->deadline, d), m->status == MEASURE_DONE ?
	    "已完成" : "未完成", left);
	if (m->status == MEASURE_DONE) {
		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		printf("销号:     %s 由 %s\n佐证:     %s\n", when,
		    m->closed_by ? m->closed_by : "-",
		    m->evidence ? m->evidence : "-");
	}
	if (m->reopened > 0)
		printf("重新打开: %d 次\n", m->reopened);
}

static int
need_code(const struct cli_args *a, const char *what)
{
	if (a->argc != 1)
		return fail(EX_USAGE, "usage: dutyctl item %s CODE", what);
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
		return fail_err(&err);
	if (r == 0)
		return fail(EX_DATAERR, "no measure %s (see dutyctl item list)",
		    a->argv[0]);
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
			r = fail(EX_DATAERR, "--owner: no person \"%s\" in %s",
			    tok, c->path);
			break;
		}
		if (!strv_has(out, p->key))
			strv_push(out, p->key);
	}
	free(copy);
	if (r == 0 && out->n == 0)
		r = fail(EX_USAGE, "--owner: give at least one person");
	return r;
}

/* Fill kind and deadline from --kind / --deadline. */
static int
parse_kind_deadline(const struct cli_args *a, struct measure *m)
{
	int	 k;

	if (a->deadline != NULL && day_parse(a->deadline, &m->deadline) < 0)
		return fail(EX_USAGE, "--deadline: not a date YYYY-MM-DD "
		    "(got \"%s\")", a->deadline);
	if (a->kind != NULL) {
		if ((k = measure_kind_parse(a->kind)) < 0)
			return fail(EX_USAGE, "--kind: 立行立改, 限期整改 or "
			    "长期坚持 (got \"%s\")", a->kind);
		m->kind = (enum measure_kind)k;
	} else if (a->deadline != NULL)
		m->kind = MEASURE_DEADLINE;
	if (m->kind == MEASURE_ONGOING)
		m->deadline = DAY_NONE;
	if (m->kind == MEASURE_DEADLINE && m->deadline == DAY_NONE)
		return fail(EX_USAGE, "a 限期整改 measure needs --deadline");
	return 0;
}

static int
check_text(const char *opt, const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			return fail(EX_DATAERR, "--%s: control characters are "
			    "not allowed", opt);
	if (!str_utf8_valid(s, strlen(s)))
		return fail(EX_DATAERR, "--%s: not valid UTF-8", opt);
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
		return fail(EX_USAGE, "usage: dutyctl item add --problem P "
		    "[--problem-title T] --code C --text T --owner K[,K] "
		    "(--deadline YYYY-MM-DD | --kind 长期坚持)");
	memset(&m, 0, sizeof(m));
	m.deadline = DAY_NONE;
	m.kind = MEASURE_IMMEDIATE;
	if ((r = check_text("text", a->text)) != 0 ||
	    (r = check_text("code", a->code)) != 0 ||
	    (r = parse_kind_deadline(a, &m)) != 0 ||
	    (r = parse_owners(c, a->owner, &m.owners)) != 0) {
		strv_clear(&m.owners);
		return r;
	}
	if (a->problem_title == NULL && !problem_known(c, a->problem)) {
		strv_clear(&m.owners);
		return fail(EX_USAGE, "problem %s is new: give its title with "
		    "--problem-title", a->problem);
	}
	m.problem_code = xstrdup(a->problem);
	m.problem_title = xstrdup(a->problem_title ? a->problem_title : "");
	m.code = xstrdup(a->code);
	m.text = xstrdup(a->text);
	r = store_measure_add(c->store, &m, c->who, c->now, &err);
	measure_clear(&m);
	if (r < 0)
		return fail_err(&err);
	printf("added %s\n", a->code);
	return 0;
}

static int
item_edit(struct cli *c, struct cli_args *a)
{
	struct measure	 m;
	struct derr	 err = { 0 };
	int		 r;

	if ((r = need_code(a, "edit CODE [--text T] [--owner K] "
	    "[--deadline D] [--kind K] and not")) != 0)
		return r;
	if ((r = store_measure_get(c->store, a->argv[0], &m, &err)) <= 0)
		return r < 0 ? fail_err(&err) : fail(EX_DATAERR,
		    "no measure %s", a->argv[0]);
	if (a->text != NULL && (r = check_text("text", a->text)) == 0) {
		free(m.text);
		m.text = xstrdup(a->text);
	}
	if (r == 0 && a->owner != NULL) {
		strv_clear(&m.owners);
		r = parse_owners(c, a->owner, &m.owners);
	}
	if (r == 0 && (a->deadline != NULL || a->kind != NULL))
		r = parse_kind_deadline(a, &m);
	if (r == 0 && (r = store_measure_edit(c->store, &m, c->who, c->now,
	    &err)) < 0)
		r = fail_err(&err);
	else if (r >= 0 && r <= 1)
		printf(r == 1 ? "updated %s\n" : "%s unchanged\n", m.code), r = 0;
	measure_clear(&m);
	return r;
}

static int
item_status(struct cli *c, struct cli_args *a, bool done)
{
	const char	*why = done ? a->evidence : a->reason;
	struct derr	 err = { 0 };
	int		 r;

	if (a->argc != 1 || why == NULL || why[strspn(why, " \t")] == '\0')
		return fail(EX_USAGE, done ?
		    "usage: dutyctl item done CODE --evidence \"佐证材料\"" :
		    "usage: dutyctl item reopen CODE --reason \"原因\"");
	if ((r = check_text(done ? "evidence" : "reason", why)) != 0)
		return r;
	r = done ? store_measure_close(c->store, a->argv[0], why, c->who,
	    c->now, &err) : store_measure_reopen(c->store, a->argv[0], why,
	    c->who, c->now, &err);
	if (r < 0)
		return fail_err(&err);
	if (r == 0)
		printf("%s is already %s\n", a->argv[0], done ? "done" : "open");
	else
		printf("%s %s\n", a->argv[0], done ? "done (销号)" :
		    "reopened");
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

static int
cmd_import(struct cli *c, struct cli_args *a)
{
	struct measure_list		 l = { 0 };
	struct store_import_stats	 st;
	struct derr			 err = { 0 };
	char				*data;
	size_t				 len;
	int				 r;

	if (a->argc != 1)
		return fail(EX_USAGE, "usage: dutyctl import LEDGER.csv");
	if (file_read(a->argv[0], CLI_CSV_MAX, &data, &len, &err) < 0)
		return fail_err(&err);
	r = ledger_parse_csv(data, len, c->cfg, &l, &err);
	free(data);
	if (r < 0) {
		measure_list_clear(&l);
		return fail(EX_DATAERR, "%s: %s (nothing was imported)",
		    a->argv[0], err.msg);
	}
	r = store_ledger_import(c->store, &l, a->argv[0], c->who, c->now, &st,
	    &err);
	measure_list_clear(&l);
	if (r < 0)
		return fail(exit_code(&err), "%s: %s (nothing was imported)",
		    a->argv[0], err.msg);
	printf("%s: %d added, %d changed, %d closed, %d unchanged\n",
	    a->argv[0], st.added, st.changed, st.closed, st.unchanged);
	return 0;
}

static int
write_out(const char *path, const struct buf *b)
{
	FILE	*f = stdout;

	if (path != NULL && strcmp(path, "-") != 0 &&
	    (f = fopen(path, "w")) == NULL)
		return fail(EX_CANTCREAT, "%s: %s", path, strerror(errno));
	fwrite(b->data ? b->data : "", 1, b->len, f);
	if (f != stdout && fclose(f) != 0)
		return fail(EX_IOERR, "%s: %s", path, strerror(errno));
	return 0;
}

static int
cmd_export(struct cli *c, struct cli_args *a)
{
	struct store_filter	 f;
	struct measure_list	 l = { 0 };
	struct buf		 b;
	struct derr		 err = { 0 };
	int			 r;

	if (a->csv == a->json || a->argc != 0)
		return fail(EX_USAGE, "usage: dutyctl export --csv|--json "
		    "[-o FILE]");
	memset(&f, 0, sizeof(f));
	f.status = -1;
	f.due_before = DAY_NONE;
	if (store_measure_list(c->store, &f, &l, &err) < 0)
		return fail_err(&err);
	buf_init(&b, 0);
	r = a->csv ? ledger_export_csv(&l, &b, &err) :
	    ledger_export_json(&l, &b, &err);
	measure_list_clear(&l);
	r = r < 0 ? fail_err(&err) : write_out(a->output, &b);
	buf_clear(&b);
	return r;
}

static void
fmt_time(const struct cli *c, int64_t t, char *out, size_t n)
{
	int32_t	 day;
	int	 min;
	char	 d[11];

	if (t == 0) {
		snprintf(out, n, "-");
		return;
	}
	cal_civil(c->cal, t, &day, &min);
	snprintf(out, n, "%s %02d:%02d", day_format(day, d), min / 60,
	    min % 60);
}

static int
outbox_list_cmd(struct cli *c, struct cli_args *a)
{
	struct outbox_list	 l = { 0 };
	struct derr		 err = { 0 };
	char			 t[32], subj[128];
	int			 st = -1;
	size_t			 i;

	if (a->status != NULL && (st = outbox_status_parse(a->status)) < 0)
		return fail(EX_USAGE, "--status: pending, sending, sent, failed,"
		    " dead or cancelled (got \"%s\")", a->status);
	if (store_outbox_list(c->store, st, a->limit, &l, &err) < 0)
		return fail_err(&err);
	printf("%-6s %-9s %-7s %-8s %-3s %-16s %s\n", "ID", "STATUS",
	    "CHANNEL", "TO", "TRY", "NEXT/SENT", "SUBJECT");
	for (i = 0; i < l.n; i++) {
		const struct outbox_row *r = &l.v[i];

		fmt_time(c, r->status == OUTBOX_SENT ? r->sent_at :
		    r->next_attempt_at, t, sizeof(t));
		clip(r->subject, 40, subj, sizeof(subj));
		printf("%-6lld %-9s %-7s %-8s %-3d %-16s %s%s\n",
		    (long long)r->id, outbox_status_name(r->status),
		    r->channel, r->person, r->attempts, t, subj,
		    r->maybe_dup ? " [maybe duplicated]" : "");
	}
	printf("%zu row(s)\n", l.n);
	outbox_list_clear(&l);
	return 0;
}

static int
outbox_id(const struct cli_args *a, const char *what, int64_t *id)
{
	long long	 v;

	if (a->argc != 1 || str_to_ll(a->argv[0], 1, INT64_MAX, &v) < 0)
		return fail(EX_USAGE, "usage: dutyctl outbox %s ID", what);
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
		return k < 0 ? fail_err(&err) : fail(EX_DATAERR,
		    "no outbox row %lld", (long long)id);
	fmt_time(c, r.created_at, t1, sizeof(t1));
	fmt_time(c, r.next_attempt_at, t2, sizeof(t2));
	fmt_time(c, r.sent_at, t3, sizeof(t3));
	addr_mask(r.recipient, to, sizeof(to));
	printf("id:          %lld\nkey:         %s\nstatus:      %s%s\n"
	    "channel:     %s\nto:          %s <%s> (%s)\nsubject:     %s\n"
	    "message-id:  <%s>\nattempts:    %d\ncreated:     %s\n"
	    "next try:    %s\nsent:        %s\nlast error:  %s\n"
	    "provider id: %s\n", (long long)r.id, r.key,
	    outbox_status_name(r.status), r.maybe_dup ?
	    " (may have been delivered twice)" : "", r.channel,
	    r.recipient_name, r.recipient, r.person, r.subject, r.message_id,
	    r.attempts, t1, t2, t3, r.last_error ? r.last_error : "-",
	    r.provider_id ? r.provider_id : "-");
	if (r.message != NULL)
		printf("message:     %zu bytes, built when queued: every "
		    "attempt sends it as it is\n", r.message_len);
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
		return fail_err(&err);
	if (k == 0)
		return fail(EX_DATAERR, "outbox row %lld cannot be %s (no such "
		    "row, or it is %s)", (long long)id, retry ? "retried" :
		    "cancelled", retry ? "pending or sent" : "not waiting");
	printf("outbox row %lld %s\n", (long long)id, retry ?
	    "will be sent at the daemon's next wakeup" : "cancelled");
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
		return fail_err(&err);
	for (i = 0; i < l.n; i++) {
		fmt_time(c, l.v[i].at, t, sizeof(t));
		printf("%s  %-16s %-14s %s\n", t, l.v[i].who, l.v[i].action,
		    l.v[i].object);
		if (l.v[i].before != NULL)
			printf("    before: %s\n", l.v[i].before);
		if (l.v[i].after != NULL)
			printf("    after:  %s\n", l.v[i].after);
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
		return fail_err(&err);
	printf("%-13s%s\n", label, k > 0 ? v : "never");
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
		return fail_err(&err);
	if (k == 0)
		printf("daemon:      not running\n");
	else if (pid > 0)
		printf("daemon:      running (pid %ld)\n", pid);
	else
		printf("daemon:      running\n");
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
		return fail_err(&err);
	if (k == 0) {
		printf("mailbox:     never polled\n");
		return 0;
	}
	fmt_time(c, at, t, sizeof(t));
	printf("mailbox:     last poll %s: %s\n", t, res ? res : "-");
	free(res);
	return 0;
}

/* A provider refused our timestamp (outbox.c, "clock_suspect"). */
static int
status_clock(struct cli *c)
{
	struct derr	 err = { 0 };
	char		*v = NULL, *tab;
	int		 k;

	if ((k = store_state_get(c->store, "clock_suspect", &v, &err)) < 0)
		return fail_err(&err);
	if (k > 0 && (tab = strchr(v, '\t')) != NULL) {
		*tab = '\0';
		printf("clock:       本机时钟可能不准：%s 拒收了消息的时间戳，"
		    "请检查系统时间（timedatectl）\n             %s\n", v,
		    tab + 1);
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
		return fail_err(&err);
	for (i = 0; i < l.n; i++) {
		fmt_time(c, l.v[i].since, since, sizeof(since));
		fmt_time(c, l.v[i].until, until, sizeof(until));
		printf("channel:     %s %s（%s起，下次尝试 %s），待发消息保留\n"
		    "             原因：%s\n             服务器答复：%s\n",
		    l.v[i].channel, l.v[i].stop ? "已停止发送" : "已暂停",
		    since, until, l.v[i].cause, l.v[i].reply);
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
		return fail_err(&err);
	if ((r = status_daemon(c)) != 0)
		return r;
	printf("database:    %s (schema %d)\n", c->cfg->general.database,
	    store_schema_version(c->store));
	if ((r = status_state(c, "last plan:", "last_plan")) != 0 ||
	    (r = status_state(c, "next wakeup:", "next_wakeup")) != 0)
		return r;
	printf("outbox:      %d pending, %d sending, %d sent, %d failed, "
	    "%d dead, %d cancelled\n", n[0], n[1], n[2], n[3], n[4], n[5]);
	if ((r = status_pauses(c)) != 0 || (r = status_mailbox(c)) != 0)
		return r;
	return status_state(c, "last digest:", "last_digest");
}

static int
cmd_backup(struct cli *c, struct cli_args *a)
{
	struct derr	 err = { 0 };

	if (a->argc != 1)
		return fail(EX_USAGE, "usage: dutyctl backup FILE [--force]");
	if (store_backup(c->store, a->argv[0], a->force, &err) < 0)
		return fail_err(&err);
	printf("database %s backed up to %s\n", c->cfg->general.database,
	    a->argv[0]);
	return 0;
}

static int
cmd_init(struct cli *c, struct cli_args *a)
{
	(void)a;
	printf("database %s ready (schema version %d)\n",
	    c->cfg->general.database, store_schema_version(c->store));
	return 0;
}

/* ---- duties ---------------------------------------------------------- */

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
	fail(EX_DATAERR, "unknown duty \"%s\" (configured: %s)", id,
	    o ? ids : "none");
	return NULL;
}

static const char *
person_name(const struct cli *c, const char *key)
{
	const struct cfg_person	*p = cfg_person_get(c->cfg, key);

	return p ? p->name : key;
}

/* Fetch counts and records for every period of the duties in `within`. */
static int
duty_snapshot(struct cli *c, const struct cal_period *within,
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
				return fail_err(&err);
			lo = p.start < lo ? p.start : lo;
			hi = p.end > hi ? p.end : hi;
		}
	if (store_duty_closed(c->store, lo, hi, &snap->closed, &err) < 0)
		return fail_err(&err);
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

	put_cell("工作", 30);
	put_cell("周期", 16);
	put_cell("责任人", 12);
	put_cell("对象", 12);
	put_cell("完成", 6);
	printf("状态\n");
	for (i = 0; i < cells->n; i++) {
		x = &cells->v[i];
		d = &c->cfg->duties[x->duty];
		clip(d->title, 30, title, sizeof(title));
		put_cell(title, 30);
		if (cal_period_parse(x->period, &per) == 0)
			cal_period_name(&per, pname, sizeof(pname));
		else
			snprintf(pname, sizeof(pname), "%s", x->period);
		put_cell(pname, 16);
		put_cell(person_name(c, x->person), 12);
		put_cell(*x->target ? x->target : "-", 12);
		snprintf(cnt, sizeof(cnt), "%d/%d", x->done, x->required);
		put_cell(cnt, 6);
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
		    c->cfg->duties[x->duty].id, 0 };
		o[1] = (struct ledger_field){ "title",
		    c->cfg->duties[x->duty].title, 0 };
		o[2] = (struct ledger_field){ "period", x->period, 0 };
		o[3] = (struct ledger_field){ "start",
		    day_format(x->start, days[i][0]), 0 };
		o[4] = (struct ledger_field){ "end",
		    day_format(x->end, days[i][1]), 0 };
		o[5] = (struct ledger_field){ "person", x->person, 0 };
		o[6] = (struct ledger_field){ "target", x->target, 0 };
		o[7] = (struct ledger_field){ "done", NULL, x->done };
		o[8] = (struct ledger_field){ "required", NULL, x->required };
		o[9] = (struct ledger_field){ "state",
		    duty_state_name(x->state), 0 };
		o[10] = (struct ledger_field){ "colour",
		    state_colour(x->state), 0 };
		o[11] = (struct ledger_field){ "days_left", NULL,
		    x->days_left };
	}
	buf_init(&b, 0);
	r = ledger_json_records(f, DUTY_JSON_FIELDS, cells->n, &b, &err);
	if (r == 0)
		fwrite(b.data, 1, b.len, stdout);
	buf_clear(&b);
	free(days);
	free(f);
	return r < 0 ? fail_err(&err) : 0;
}

static int
duty_status(struct cli *c, struct cli_args *a)
{
	struct plan_snapshot	 snap = { 0 };
	struct duty_cells	 cells = { 0 };
	struct cal_period	 within;
	int			 r;

	if (a->argc != 0)
		return fail(EX_USAGE, "usage: dutyctl duty status "
		    "[--period 2026Q4] [--json]");
	if (a->period != NULL && cal_period_parse(a->period, &within) < 0)
		return fail(EX_USAGE, "--period: not a period like 2026-11, "
		    "2026Q4, 2026H2 or 2026 (got \"%s\")", a->period);
	if ((r = duty_snapshot(c, a->period ? &within : NULL, &snap)) == 0) {
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
		owners_names(c, &d->owners, own, sizeof(own));
		for (j = 0, o = 0, tg[0] = '\0'; j < d->targets.n &&
		    o < sizeof(tg); j++)
			o += (size_t)snprintf(tg + o, sizeof(tg) - o, "%s%s",
			    j ? "、" : "", d->targets.v[j]);
		printf("%s  %s：%s不少于%d次；责任人：%s%s%s\n", d->id,
		    d->title, kinds[d->period], d->at_least, own,
		    d->targets.n ? "；对象：" : "", tg);
	}
	if (c->cfg->nduties == 0)
		printf("no duties configured (see duties in %s)\n", c->path);
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
		return fail(EX_USAGE, "usage: dutyctl duty log ID --by KEY "
		    "[--target T] [--date YYYY-MM-DD] --note \"...\" "
		    "[--evidence \"...\"] [--late --reason \"...\"]");
	if ((d = need_duty(c, a->argv[0])) == NULL)
		return EX_DATAERR;
	if ((p = cfg_person_find(c->cfg, a->by)) == NULL)
		return fail(EX_DATAERR, "--by: unknown person \"%s\" (a key or "
		    "name from people in %s)", a->by, c->path);
	for (i = 0; i < d->owners.n && strcmp(d->owners.v[i], p->key); i++)
		;
	if (i == d->owners.n) {
		owners_names(c, &d->owners, pname, sizeof(pname));
		return fail(EX_DATAERR, "--by: %s is not an owner of duty %s "
		    "(owners: %s)", p->name, d->id, pname);
	}
	if (d->targets.n > 0 && a->target == NULL)
		return fail(EX_USAGE, "duty %s is done per target: give "
		    "--target (one of the duty's targets)", d->id);
	if (d->targets.n == 0 && a->target != NULL)
		return fail(EX_USAGE, "--target: duty %s has no targets",
		    d->id);
	for (i = 0; a->target && i < d->targets.n &&
	    strcmp(d->targets.v[i], a->target); i++)
		;
	if (a->target != NULL && i == d->targets.n)
		return fail(EX_DATAERR, "--target: \"%s\" is not a target of "
		    "duty %s", a->target, d->id);
	if (a->date != NULL && day_parse(a->date, &day) < 0)
		return fail(EX_USAGE, "--date: not a date YYYY-MM-DD (got "
		    "\"%s\")", a->date);
	if (day > c->today)
		return fail(EX_DATAERR, "--date: %s is in the future (today is "
		    "%s)", day_format(day, d1), day_format(c->today, d2));
	if ((r = check_text("note", a->note)) != 0 ||
	    (a->evidence && (r = check_text("evidence", a->evidence)) != 0))
		return r;
	if (log_window(c, d, day, &per) < 0 && !a->late)
		return fail(EX_DATAERR, "--date: %s is in %s, which closed on "
		    "%s, more than %d day(s) ago: log it with --late --reason "
		    "\"...\"", day_format(day, d1), per.label,
		    day_format(per.end, d2), d->late_days);
	if (a->late && (a->reason == NULL ||
	    a->reason[strspn(a->reason, " \t")] == '\0'))
		return fail(EX_USAGE, "--late needs --reason \"...\"");
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
		return fail_err(&err);
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
		return fail(EX_USAGE, "usage: dutyctl duty unlog ID --reason "
		    "\"...\"   (ID from dutyctl duty history)");
	if (str_to_ll(a->argv[0][0] == '#' ? a->argv[0] + 1 : a->argv[0], 1,
	    INT64_MAX, &id) < 0)
		return fail(EX_USAGE, "duty unlog: not an occurrence id (got "
		    "\"%s\")", a->argv[0]);
	if ((r = check_text("reason", a->reason)) != 0)
		return r;
	if ((r = store_occurrence_remove(c->store, id, a->reason, c->who,
	    c->now, &err)) < 0)
		return fail_err(&err);
	if (r == 0)
		return fail(EX_DATAERR, "duty unlog: no occurrence #%lld (or "
		    "it was already removed)", id);
	printf("removed #%lld\n", id);
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
		return fail(EX_USAGE, "usage: dutyctl duty history [ID] "
		    "[--period P] [--all]");
	if (a->argc == 1 && need_duty(c, a->argv[0]) == NULL)
		return EX_DATAERR;
	if (a->period == NULL)
		cal_period_of(CFG_PERIOD_YEAR, c->today, &p);
	else if (cal_period_parse(a->period, &p) < 0)
		return fail(EX_USAGE, "--period: not a period like 2026-11, "
		    "2026Q4, 2026H2 or 2026 (got \"%s\")", a->period);
	if (store_occurrence_list(c->store, a->argc ? a->argv[0] : NULL,
	    p.start, p.end, a->all, &l, &err) < 0)
		return fail_err(&err);
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

/* ---- digest ---------------------------------------------------------- */

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
		return fail(EX_USAGE, "usage: dutyctl digest preview "
		    "[--html|--text] [--to KEY]");
	if (a->to != NULL) {
		if ((p = cfg_person_find(c->cfg, a->to)) == NULL)
			return fail(EX_DATAERR, "--to: unknown person \"%s\"",
			    a->to);
	} else if (c->cfg->digest.to.n == 0 || (p = cfg_person_get(c->cfg,
	    c->cfg->digest.to.v[0])) == NULL)
		return fail(EX_CONFIG, "nobody to preview for: set digest.to "
		    "in %s, or give --to KEY", c->path);
	memset(&in, 0, sizeof(in));
	in.cfg = c->cfg;
	in.cal = c->cal;
	in.now = c->now;
	/* What this week's digest showed, or what the next one will. */
	digest_due(c->cfg, c->cal, c->now, week, &next);
	if (digest_since(c->store, week, c->now, &in.since, &err) < 0)
		return fail_err(&err);
	if ((r = duty_snapshot(c, NULL, &snap)) == 0 &&
	    (r = store_duty_closed(c->store, c->today - 400, c->today,
	    &snap.closed, &err)) < 0)
		r = fail_err(&err);
	if (r == 0) {
		plan_duty_cells(c->cfg, c->cal, c->today, NULL, &snap, &cells);
		in.cells = &cells;
		in.closed = &snap.closed;
		if (digest_build(c->store, &in, p->key, &msg, &err) < 0)
			r = fail_err(&err);
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

static int
feedback_id(const struct cli_args *a, const char *what, int64_t *id)
{
	long long	 v;

	if (a->argc != 1 || str_to_ll(a->argv[0], 1, INT64_MAX, &v) < 0)
		return fail(EX_USAGE, "usage: dutyctl feedback %s ID", what);
	*id = v;
	return 0;
}

static void
json_set_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, v != NULL ? json_string(v) : json_null());
}

static json_t *
json_feedback(const struct cli *c, const struct feedback *f)
{
	json_t	*o = json_object();
	char	 t[32], d[11];

	json_object_set_new(o, "id", json_integer(f->id));
	json_set_str(o, "source", f->source);
	json_set_str(o, "status", feedback_status_name(f->status));
	json_set_str(o, "from", f->sender);
	json_set_str(o, "subject", f->subject);
	json_object_set_new(o, "date", json_integer(f->date));
	fmt_time(c, f->date, t, sizeof(t));
	json_set_str(o, "date_local", t);
	json_object_set_new(o, "date_flagged", json_boolean(f->date_flagged));
	json_set_str(o, "excerpt", f->excerpt);
	json_set_str(o, "attachments", f->attachments);
	json_set_str(o, "note", f->note);
	json_set_str(o, "message_id", f->message_id);
	json_object_set_new(o, "uidvalidity", json_integer(f->uidvalidity));
	json_object_set_new(o, "uid", json_integer(f->uid));
	json_set_str(o, "assignee", f->assignee);
	json_set_str(o, "answer_deadline", f->answer_deadline == DAY_NONE ?
	    NULL : day_format(f->answer_deadline, d));
	json_set_str(o, "answer", f->answer);
	json_object_set_new(o, "received_at", json_integer(f->received_at));
	return o;
}

static int
feedback_print_json(const struct cli *c, const struct feedback *v, size_t n,
    bool one)
{
	json_t	*arr = json_array();
	char	*s;
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_feedback(c, &v[i]));
	s = json_dumps(one ? json_array_get(arr, 0) : arr, JSON_INDENT(2) |
	    JSON_PRESERVE_ORDER);
	json_decref(arr);
	if (s == NULL)
		return fail(EX_SOFTWARE, "cannot write JSON");
	printf("%s\n", s);
	free(s);
	return 0;
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
	struct feedback_filter	 f = { -1, 0, DAY_NONE, 0 };
	struct feedback_list	 l = { 0 };
	struct derr		 err = { 0 };
	char			 t[32], from[64], subj[96], d[11];
	size_t			 i;
	int			 r;

	if (a->status != NULL && (f.status = feedback_status_parse(a->status))
	    < 0)
		return fail(EX_USAGE, "--status: new, assigned, answered or "
		    "closed (got \"%s\")", a->status);
	if (a->overdue)
		f.overdue_on = c->today;
	f.limit = a->all || a->json ? 0 : a->limit;
	if (store_feedback_list(c->store, &f, &l, &err) < 0)
		return fail_err(&err);
	if (a->json) {
		r = feedback_print_json(c, l.v, l.n, false);
		feedback_list_clear(&l);
		return r;
	}
	printf("%-5s %-8s %-16s %-24s %-10s %s\n", "ID", "状态", "日期",
	    "来信人", "答复期限", "主题");
	for (i = 0; i < l.n; i++) {
		const struct feedback *fb = &l.v[i];

		fmt_time(c, fb->date, t, sizeof(t));
		clip(fb->sender, 24, from, sizeof(from));
		clip(fb->subject, 40, subj, sizeof(subj));
		printf("%-5lld ", (long long)fb->id);
		put_cell(feedback_status_label(fb->status), 8);
		printf("%-16s%s ", t, fb->date_flagged ? "*" : " ");
		put_cell(from, 24);
		put_cell(fb->answer_deadline == DAY_NONE ? "-" :
		    day_format(fb->answer_deadline, d), 10);
		printf("%s\n", subj);
	}
	printf("共 %zu 条（* 日期缺失或无法识别，按收信时间）\n", l.n);
	feedback_list_clear(&l);
	return 0;
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
		return k < 0 ? fail_err(&err) : fail(EX_DATAERR,
		    "no feedback %lld", (long long)id);
	if (a->json) {
		k = feedback_print_json(c, &f, 1, true);
		feedback_clear(&f);
		return k;
	}
	fmt_time(c, f.date, t, sizeof(t));
	fmt_time(c, f.received_at, r, sizeof(r));
	printf("编号：%lld\n来源：%s\n状态：%s\n来信人：%s\n主题：%s\n"
	    "日期：%s%s\n收到：%s\n附件：%s\n", (long long)f.id, f.source,
	    feedback_status_label(f.status), f.sender, f.subject, t,
	    f.date_flagged ? "（信中日期缺失或无法识别，按收信时间）" : "",
	    r, *f.attachments ? f.attachments : "无");
	if (f.note != NULL)
		printf("说明：%s\n", f.note);
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
		return fail(EX_USAGE, "usage: dutyctl feedback assign ID "
		    "--owner K [--deadline YYYY-MM-DD]");
	if ((p = cfg_person_find(c->cfg, a->owner)) == NULL)
		return fail(EX_DATAERR, "--owner: no person \"%s\" in %s",
		    a->owner, c->cfg->path);
	if (a->deadline != NULL) {
		if (day_parse(a->deadline, &deadline) < 0)
			return fail(EX_DATAERR, "--deadline: not a date "
			    "YYYY-MM-DD (got \"%s\")", a->deadline);
	} else {
		deadline = cal_add_workdays(c->cal, c->today,
		    c->cfg->mailbox.answer_days);
	}
	k = store_feedback_assign(c->store, id, p->key, deadline, c->who,
	    c->now, &err);
	if (k < 0)
		return fail_err(&err);
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
		return fail(EX_USAGE, "usage: dutyctl feedback answer ID "
		    "--text ANSWER");
	if ((k = check_text("text", a->text)) != 0)
		return k;
	if (store_feedback_answer(c->store, id, a->text, c->who, c->now,
	    &err) < 0)
		return fail_err(&err);
	printf("feedback %lld 已答复\n", (long long)id);
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
		return fail(EX_USAGE, "usage: dutyctl feedback add --from WHO "
		    "[--subject S] --text T [--kind phone|manual]");
	if ((k = check_text("from", a->from)) != 0 ||
	    (k = check_text("text", a->text)) != 0 ||
	    (a->subject != NULL && (k = check_text("subject", a->subject))
	    != 0))
		return k;
	if (a->kind != NULL && strcmp(a->kind, "phone") != 0 &&
	    strcmp(a->kind, "manual") != 0)
		return fail(EX_USAGE, "--kind: phone or manual (got \"%s\")",
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
		return fail_err(&err);
	printf("feedback %lld 已登记\n", (long long)id);
	return 0;
}

typedef int (*cli_fn)(struct cli *, struct cli_args *);

struct cli_cmd {
	const char	*name;
	const char	*sub;		/* NULL: no subcommand word */
	cli_fn		 fn;
	const char	*help;
};

static const struct cli_cmd cmds[] = {
	{ "init", NULL, cmd_init, "create or upgrade the database" },
	{ "import", NULL, cmd_import, "import LEDGER.csv (UTF-8 or GB18030)" },
	{ "item", "list", item_list, "[--owner K] [--problem P] [--status S]"
	    " [--overdue] [--due-within N] [--json]" },
	{ "item", "show", item_show, "CODE [--json]" },
	{ "item", "add", item_add, "--problem P [--problem-title T] --code C"
	    " --text T --owner K (--deadline D | --kind K)" },
	{ "item", "edit", item_edit, "CODE [--text T] [--owner K] "
	    "[--deadline D] [--kind K]" },
	{ "item", "done", item_done, "CODE --evidence E   (销号)" },
	{ "item", "reopen", item_reopen, "CODE --reason R    (回头看)" },
	{ "export", NULL, cmd_export, "--csv|--json [-o FILE]" },
	{ "outbox", "list", outbox_list_cmd, "[--status S] [--limit N]" },
	{ "outbox", "show", outbox_show, "ID" },
	{ "outbox", "retry", outbox_retry_cmd, "ID" },
	{ "outbox", "cancel", outbox_cancel_cmd, "ID" },
	{ "duty", "list", duty_list, "the standing duties of the config" },
	{ "duty", "status", duty_status, "[--period 2026Q4] [--json]   "
	    "(compliance matrix)" },
	{ "duty", "log", duty_log, "ID --by KEY [--target T] [--date D] "
	    "--note N [--evidence E] [--late --reason R]" },
	{ "duty", "unlog", duty_unlog, "OCCURRENCE --reason R" },
	{ "duty", "history", duty_history, "[ID] [--period P] [--all]" },
	{ "feedback", "list", feedback_list_cmd, "[--status S] [--overdue] "
	    "[--limit N|--all] [--json]   (意见箱)" },
	{ "feedback", "show", feedback_show, "ID [--json]" },
	{ "feedback", "assign", feedback_assign, "ID --owner K "
	    "[--deadline D]   (default: mailbox.answer_days working days)" },
	{ "feedback", "answer", feedback_answer, "ID --text ANSWER" },
	{ "feedback", "add", feedback_add, "--from WHO [--subject S] --text T "
	    "[--kind phone|manual]   (来电、来访)" },
	{ "digest", "preview", digest_preview, "[--html|--text] [--to KEY]   "
	    "(this week's digest, not sent)" },
	{ "audit", NULL, cmd_audit, "[--limit N]" },
	{ "status", NULL, cmd_status, "daemon, planning, outbox, mailbox" },
	{ "backup", NULL, cmd_backup, "FILE [--force]   (online copy)" },
};

void
cli_usage(void)
{
	size_t	 i;

	printf("usage: dutyctl [-c FILE] [--now \"YYYY-MM-DD HH:MM\"] "
	    "COMMAND ...\n  check-config\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		printf("  %s%s%s %s\n", cmds[i].name, cmds[i].sub ? " " : "",
		    cmds[i].sub ? cmds[i].sub : "", cmds[i].help);
}

static int
check_config(const char *path)
{
	struct cfg	*cfg;
	char		*sum;

	if ((cfg = cfg_report(path)) == NULL)
		return EX_CONFIG;
	sum = cfg_summary(cfg);
	printf("%s\n", sum);
	free(sum);
	cfg_free(cfg);
	return 0;
}

static const struct cli_cmd *
find_cmd(int argc, char **argv, int *used)
{
	size_t	 i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[0], cmds[i].name) != 0)
			continue;
		if (cmds[i].sub == NULL) {
			*used = 1;
			return &cmds[i];
		}
		if (argc > 1 && strcmp(argv[1], cmds[i].sub) == 0) {
			*used = 2;
			return &cmds[i];
		}
	}
	return NULL;
}

int
cli_run(const char *path, int64_t now, const char *now_arg, int argc,
    char **argv)
{
	static char		 plain_opt[] = "--plain";
	const struct cli_cmd	*cmd;
	struct cli_args		 a;
	struct cli		 c;
	int			 used = 0, r, i;

	if (strcmp(argv[0], "check-config") == 0)
		return check_config(path);
	if ((cmd = find_cmd(argc, argv, &used)) == NULL) {
		cli_usage();
		return EX_USAGE;
	}
	/* digest preview --text means the plain part, not "--text T". */
	for (i = used; strcmp(cmd->name, "digest") == 0 && i < argc; i++)
		if (strcmp(argv[i], "--text") == 0)
			argv[i] = plain_opt;
	/* getopt wants argv[0] to be a program name: keep the last word. */
	if ((r = parse_args(argc - used + 1, argv + used - 1, &a)) != 0)
		return r;
	memset(&c, 0, sizeof(c));
	c.path = path;
	c.now = now;
	c.now_arg = now_arg;
	whoami(c.who, sizeof(c.who));
	if ((r = open_all(&c)) == 0)
		r = cmd->fn(&c, &a);
	store_close(c.store);
	cal_free(c.cal);
	cfg_free(c.cfg);
	return r;
}
