/*
 * dutyctl's dispatcher: finds the subcommand in the groups' tables, parses
 * only the options that subcommand takes (any other is an error naming the
 * ones it does), opens config, calendar and store, and runs the handler.
 * Also the helpers the groups share (cli_int.h).
 */
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

#include "cli_int.h"
#include "calendar.h"
#include "config.h"
#include "i18n.h"
#include "log.h"
#include "model.h"
#include "store.h"
#include "util.h"

int
cli_fail(int code, const char *fmt, ...)
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

int
cli_exit_code(const struct derr *err)
{
	switch (err->kind) {
	case DERR_CONFIG: return EX_CONFIG;
	case DERR_INPUT: return EX_DATAERR;
	case DERR_DB: return err->transient ? EX_TEMPFAIL : EX_SOFTWARE;
	case DERR_SYS: return EX_IOERR;
	default: return EX_SOFTWARE;
	}
}

int
cli_fail_err(const struct derr *err)
{
	return cli_fail(cli_exit_code(err), "%s", err->msg);
}

/*
 * The Unix user for the audit ("alice", or "root (sudo: alice)") and the
 * login that names a person (people.unix_user): the sudo user under sudo.
 */
static void
whoami(struct cli *c)
{
	struct passwd	 pw, *res = NULL;
	char		 b[1024];
	const char	*sudo = getenv("SUDO_USER");

	c->login[0] = '\0';
	if (getpwuid_r(getuid(), &pw, b, sizeof(b), &res) != 0 || res == NULL)
		snprintf(c->who, sizeof(c->who), "uid %u", (unsigned)getuid());
	else if (sudo != NULL && !str_has_ctl(sudo) && getuid() == 0) {
		snprintf(c->who, sizeof(c->who), "%s (sudo: %.60s)",
		    pw.pw_name, sudo);
		snprintf(c->login, sizeof(c->login), "%s", sudo);
	} else {
		snprintf(c->who, sizeof(c->who), "%s", pw.pw_name);
		snprintf(c->login, sizeof(c->login), "%s", pw.pw_name);
	}
}

/* Find the person the login is; the audit then names them too. */
static void
find_me(struct cli *c)
{
	size_t	 i, n;

	for (i = 0; i < c->cfg->npeople; i++) {
		if (c->cfg->people[i].unix_user == NULL)
			continue;
		c->unix_users = true;
		if (c->me == NULL && strcmp(c->cfg->people[i].unix_user,
		    c->login) == 0)
			c->me = &c->cfg->people[i];
	}
	n = strlen(c->who);
	if (c->me != NULL && n + 4 < sizeof(c->who))
		snprintf(c->who + n, sizeof(c->who) - n, " (%s)", c->me->name);
}

/* Whether person `me` leads an owner of `m`. */
static bool
leads(const struct cfg *cfg, const struct cfg_person *me,
    const struct measure *m)
{
	const struct cfg_person	*o;
	size_t			 i;

	for (i = 0; i < m->owners.n; i++)
		if ((o = cfg_person_get(cfg, m->owners.v[i])) != NULL &&
		    strv_has(&o->leaders, me->key))
			return true;
	return false;
}

int
cli_may_decide(const struct cli *c, const struct measure *m)
{
	/* Not set up: no people.unix_user, or root itself (no sudo). */
	if (!c->unix_users || (getuid() == 0 && c->login[0] != '\0' &&
	    strcmp(c->login, "root") == 0))
		return 0;
	if (c->me == NULL)
		return cli_fail(EX_NOPERM, _("%s: %s is not anyone in "
		    "people (people.unix_user in %s): only the office "
		    "(admin) or the owner's leader may do this"), m->code,
		    c->login, c->path);
	if ((c->me->roles & (CFG_ROLE_ADMIN | CFG_ROLE_PRINCIPAL)) != 0 ||
	    leads(c->cfg, c->me, m))
		return 0;
	return cli_fail(EX_NOPERM, _("%s: %s is neither an admin nor a "
	    "leader of its owner: ask the office or the leader to do this"),
	    m->code, c->me->name);
}

static int
load_cfg(struct cli *c)
{
	c->cfg = cfg_report_flags(c->path, c->lang_env ? 0 :
	    CFG_LOAD_LANGUAGE);
	if (c->cfg == NULL)
		return EX_CONFIG;
	if (!c->lang_env && strcmp(c->cfg->general.language, "en") == 0)
		i18n_english();
	find_me(c);
	return 0;
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
			return cli_fail(EX_USAGE, _("--now: not \"YYYY-MM-DD HH:MM\" "
			    "(got \"%s\")"), c->now_arg);
		memcpy(d, c->now_arg, 10);
		d[10] = '\0';
		if (day_parse(d, &day) < 0 || (c->now_arg[10] != '\0' &&
		    (c->now_arg[10] != ' ' ||
		    hhmm_parse(c->now_arg + 11, &min) < 0)))
			return cli_fail(EX_USAGE, _("--now: not \"YYYY-MM-DD HH:MM\" "
			    "(got \"%s\")"), c->now_arg);
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
		return cli_fail_err(&err);
	if ((r = set_now(c)) != 0)
		return r;
	if ((c->store = store_open_read(g->database, &err)) == NULL)
		return cli_fail_err(&err);
	return 0;
}

/*
 * Every long option of dutyctl; a subcommand's table names the ones it
 * takes.  `code` is what getopt_long returns for it.
 */
struct cli_opt {
	const char	*name;
	int		 has_arg;
	int		 code;
};

static const struct cli_opt cli_opts[] = {
	{ "owner", required_argument, 'O' },
	{ "problem", required_argument, 'P' },
	{ "problem-title", required_argument, 'T' },
	{ "code", required_argument, 'C' },
	{ "text", required_argument, 'x' },
	{ "deadline", required_argument, 'D' },
	{ "kind", required_argument, 'k' },
	{ "evidence", required_argument, 'e' },
	{ "reason", required_argument, 'r' },
	{ "status", required_argument, 's' },
	{ "output", required_argument, 'o' },
	{ "due-within", required_argument, 'w' },
	{ "limit", required_argument, 'l' },
	{ "json", no_argument, 'j' },
	{ "csv", no_argument, 'v' },
	{ "overdue", no_argument, 'd' },
	{ "all", no_argument, 'a' },
	{ "by", required_argument, 'b' },
	{ "target", required_argument, 't' },
	{ "date", required_argument, 'y' },
	{ "note", required_argument, 'n' },
	{ "period", required_argument, 'p' },
	{ "late", no_argument, 'L' },
	{ "to", required_argument, 'u' },
	{ "html", no_argument, 'H' },
	{ "plain", no_argument, 'X' },
	{ "from", required_argument, 'F' },
	{ "subject", required_argument, 'S' },
	{ "force", no_argument, 'f' },
	{ "dry-run", no_argument, 'N' },
	{ "prefer-file", no_argument, 'R' },
	{ "approved-by", required_argument, 'A' },
	{ "file", required_argument, 'W' },
	{ "as-of", required_argument, 'Q' },
	{ "docx", required_argument, 'K' },
	{ "bundle", required_argument, 'U' },
	{ "sheet", required_argument, 'G' },
	{ "xlsx", no_argument, 'Z' },
	{ "help", no_argument, 'h' },
};
#define CLI_NOPTS	(sizeof(cli_opts) / sizeof(cli_opts[0]))

static const struct {
	const struct cli_cmd	*v;
	const size_t		*n;
} cli_groups[] = {
	{ cli_item_cmds, &cli_item_ncmds },
	{ cli_report_cmds, &cli_report_ncmds },
	{ cli_duty_cmds, &cli_duty_ncmds },
	{ cli_feedback_cmds, &cli_feedback_ncmds },
	{ cli_digest_cmds, &cli_digest_ncmds },
	{ cli_admin_cmds, &cli_admin_ncmds },
	{ cli_reply_cmds, &cli_reply_ncmds },
};
#define CLI_NGROUPS	(sizeof(cli_groups) / sizeof(cli_groups[0]))

/* Whether the space-separated word list `list` holds `word`. */
static bool
word_in(const char *list, const char *word)
{
	size_t		 n = strlen(word);
	const char	*p = list;

	while (p != NULL && *p != '\0') {
		while (*p == ' ')
			p++;
		if (strncmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p = strchr(p, ' ');
	}
	return false;
}

static bool
opt_known(int code)
{
	size_t	 i;

	for (i = 0; i < CLI_NOPTS; i++)
		if (cli_opts[i].code == code)
			return true;
	return false;
}

/* "dutyctl item done CODE [--evidence X]" into `out`. */
static void
cmd_usage_line(const struct cli_cmd *cmd, char *out, size_t n)
{
	const struct cli_opt	*o;
	size_t			 i, k;

	k = (size_t)snprintf(out, n, "dutyctl %s%s%s%s%s", cmd->name,
	    cmd->sub ? " " : "", cmd->sub ? cmd->sub : "",
	    cmd->args ? " " : "", cmd->args ? cmd->args : "");
	for (i = 0; i < CLI_NOPTS && k < n; i++) {
		o = &cli_opts[i];
		if (!word_in(cmd->opts, o->name))
			continue;
		k += (size_t)snprintf(out + k, n - k, " [--%s%s]", o->name,
		    o->has_arg == required_argument ? " X" : "");
	}
}

static void
cmd_help(const struct cli_cmd *cmd)
{
	char	 line[1024];

	cmd_usage_line(cmd, line, sizeof(line));
	printf(_("usage: %s\n  %s\n"), line, _(cmd->help));
}

/* An option this subcommand does not take: say which ones it does. */
static int
bad_option(const struct cli_cmd *cmd, const char *arg)
{
	char		 line[1024], name[64];
	const char	*eq;
	size_t		 i, len;
	bool		 known = false;

	cmd_usage_line(cmd, line, sizeof(line));
	name[0] = '\0';
	if (strncmp(arg, "--", 2) == 0) {
		len = (eq = strchr(arg, '=')) ? (size_t)(eq - arg - 2) :
		    strlen(arg + 2);
		snprintf(name, sizeof(name), "%.*s", (int)len, arg + 2);
		for (i = 0; i < CLI_NOPTS; i++)
			known = known || strcmp(cli_opts[i].name, name) == 0;
	}
	if (known && !word_in(cmd->opts, name))
		return cli_fail(EX_USAGE, _("%s%s%s: option --%s does not apply "
		    "to this command (usage: %s)"), cmd->name,
		    cmd->sub ? " " : "", cmd->sub ? cmd->sub : "", name, line);
	if (known)
		return cli_fail(EX_USAGE, _("%s%s%s: option --%s needs a value "
		    "(usage: %s)"), cmd->name, cmd->sub ? " " : "",
		    cmd->sub ? cmd->sub : "", name, line);
	return cli_fail(EX_USAGE, _("%s%s%s: unknown option \"%s\" (usage: %s)"),
	    cmd->name, cmd->sub ? " " : "", cmd->sub ? cmd->sub : "", arg,
	    line);
}

/* How many positional arguments `args` ("CODE", "[ID]") names. */
static size_t
words(const char *args)
{
	size_t	 n = 0;

	while (args != NULL && *args != '\0') {
		while (*args == ' ')
			args++;
		if (*args != '\0')
			n++;
		while (*args != '\0' && *args != ' ')
			args++;
	}
	return n;
}

static int
bad_arg(const struct cli_cmd *cmd, const char *arg)
{
	char	 line[1024];

	cmd_usage_line(cmd, line, sizeof(line));
	return cli_fail(EX_USAGE, _("%s%s%s: unexpected argument \"%s\" "
	    "(usage: %s)"), cmd->name, cmd->sub ? " " : "",
	    cmd->sub ? cmd->sub : "", arg, line);
}

static int
set_number(int code, const char *v, struct cli_args *a)
{
	long long	 n;

	if (str_to_ll(v, 0, 100000, &n) < 0)
		return cli_fail(EX_USAGE, _("--%s: not a number (got \"%s\")"),
		    code == 'w' ? "due-within" : "limit", v);
	*(code == 'w' ? &a->due_within : &a->limit) = (int)n;
	return 0;
}

/* Store option `code` with value `v` into `a`. */
static int
set_option(int code, const char *v, struct cli_args *a)
{
	const char	**strs[128] = {
		['O'] = &a->owner, ['P'] = &a->problem,
		['T'] = &a->problem_title, ['C'] = &a->code, ['x'] = &a->text,
		['D'] = &a->deadline, ['k'] = &a->kind, ['e'] = &a->evidence,
		['r'] = &a->reason, ['s'] = &a->status, ['o'] = &a->output,
		['b'] = &a->by, ['t'] = &a->target, ['y'] = &a->date,
		['n'] = &a->note, ['p'] = &a->period, ['u'] = &a->to,
		['F'] = &a->from, ['S'] = &a->subject,
		['A'] = &a->approved_by, ['Q'] = &a->as_of,
		['K'] = &a->docx, ['U'] = &a->bundle,
		['G'] = &a->sheet,
	};
	bool		 *flags[128] = {
		['j'] = &a->json, ['v'] = &a->csv, ['d'] = &a->overdue,
		['a'] = &a->all, ['L'] = &a->late, ['H'] = &a->html,
		['X'] = &a->plain, ['f'] = &a->force, ['N'] = &a->dry_run,
		['R'] = &a->prefer_file, ['Z'] = &a->xlsx,
	};

	if (code == 'w' || code == 'l')
		return set_number(code, v, a);
	if (code == 'W') {	/* --file may be given many times */
		strv_push(&a->files, v);
		return 0;
	}
	if (code > 0 && code < 128 && strs[code] != NULL)
		*strs[code] = v;
	else if (code > 0 && code < 128 && flags[code] != NULL)
		*flags[code] = true;
	else
		return cli_fail(EX_SOFTWARE, _("option code %d has no field"),
		    code);
	return 0;
}

/*
 * Parse argv (argv[0] a program name for getopt) with only the options
 * `cmd` takes.  Returns 0, a sysexits code, or -1 after printing --help.
 */
static int
parse_args(const struct cli_cmd *cmd, int argc, char **argv,
    struct cli_args *a)
{
	struct option	 lo[CLI_NOPTS + 1];
	size_t		 i, n = 0;
	int		 c, r;

	for (i = 0; i < CLI_NOPTS; i++)
		if (word_in(cmd->opts, cli_opts[i].name) ||
		    cli_opts[i].code == 'h')
			lo[n++] = (struct option){ cli_opts[i].name,
			    cli_opts[i].has_arg, NULL, cli_opts[i].code };
	memset(&lo[n], 0, sizeof(lo[n]));
	memset(a, 0, sizeof(*a));
	a->due_within = -1;
	a->limit = 50;
	optind = 0;	/* 0, not 1: main parsed with "+" (stop at words) */
	opterr = 0;	/* bad_option says it, with the usage */
	while ((c = getopt_long(argc, argv, word_in(cmd->opts, "output") ?
	    ":o:" : ":", lo, NULL)) != -1) {
		if (c == 'h') {
			cmd_help(cmd);
			return -1;
		}
		if (c == '?' || c == ':' || !opt_known(c))
			return bad_option(cmd, argv[optind - 1]);
		if ((r = set_option(c, optarg, a)) != 0)
			return r;
	}
	a->argc = argc - optind;
	a->argv = argv + optind;
	return 0;
}

/* Print `s` padded with spaces to display width `w` (CJK counts 2). */
void
cli_put_cell(const char *s, size_t w)
{
	size_t	 sw = str_width(s);

	fputs(s, stdout);
	while (sw++ < w)
		putchar(' ');
	putchar(' ');
}

/* Copy at most `w` display columns of the first line of `s`, with "…". */
void
cli_clip(const char *s, size_t w, char *out, size_t n)
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

void
cli_owner_names(const struct cli *c, const struct strv *owners, char *out,
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

void
cli_fmt_time(const struct cli *c, int64_t t, char *out, size_t n)
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

void
cli_usage(void)
{
	const struct cli_cmd	*cmd;
	char			 line[1024];
	size_t			 g, i;

	printf(_("usage: dutyctl [-c FILE] [--now \"YYYY-MM-DD HH:MM\"] "
	    "COMMAND ...\n  check-config\n"));
	for (g = 0; g < CLI_NGROUPS; g++)
		for (i = 0; i < *cli_groups[g].n; i++) {
			cmd = &cli_groups[g].v[i];
			cmd_usage_line(cmd, line, sizeof(line));
			printf("  %s\n      %s\n", line + strlen("dutyctl "),
			    _(cmd->help));
		}
	printf(_("dutyctl COMMAND --help shows a command's options.\n"));
}

/* Add the year of `day` to `years` (at most 8, no duplicates). */
static void
year_add(int *years, size_t *n, int32_t day)
{
	int	 y, m, d;
	size_t	 i;

	day_to_ymd(day, &y, &m, &d);
	for (i = 0; i < *n; i++)
		if (years[i] == y)
			return;
	if (*n < 8)
		years[(*n)++] = y;
}

void
cli_calendar_warn(const struct cli *c)
{
	struct store_filter	 f;
	struct measure_list	 l = { 0 };
	struct derr		 err = { 0 };
	int			 years[8];
	size_t			 n = 0, i;

	year_add(years, &n, c->today);
	year_add(years, &n, c->today + CLI_CAL_AHEAD);
	memset(&f, 0, sizeof(f));
	f.status = MEASURE_OPEN;
	f.due_before = DAY_NONE;
	f.with_deadline = true;
	if (c->store != NULL && store_measure_list(c->store, &f, &l, &err) == 0)
		for (i = 0; i < l.n; i++)
			year_add(years, &n, l.v[i].deadline);
	measure_list_clear(&l);
	for (i = 0; i < n; i++)
		if (!cal_year_known(c->cal, years[i]))
			printf(_("note: the holiday calendar does not know %d "
			    "(the State Council's 放假调休 notice): its working "
			    "days are counted as Monday to Friday; add them with "
			    "general.holidays and general.workdays in %s\n"),
			    years[i], c->path);
}

static int
check_config(const char *path, int64_t now, const char *now_arg,
    bool lang_env)
{
	struct derr	 err = { 0 };
	struct cli	 c;
	char		*sum;
	int		 min, r = 0;

	memset(&c, 0, sizeof(c));
	c.path = path;
	c.now = now;
	c.now_arg = now_arg;
	/* general.language = "en" speaks for the problems too. */
	if ((c.cfg = cfg_report_flags(path, CFG_LOAD_TEMPLATES |
	    CFG_LOAD_REPORT |
	    (lang_env ? 0 : CFG_LOAD_LANGUAGE))) == NULL)
		return EX_CONFIG;
	sum = cfg_summary(c.cfg);
	printf("%s\n", sum);
	free(sum);
	c.cal = cal_new(c.cfg->general.timezone, c.cfg->general.holidays,
	    c.cfg->general.nholidays, c.cfg->general.workdays,
	    c.cfg->general.nworkdays, &err);
	if (c.cal == NULL)
		r = cli_fail_err(&err);
	else if ((r = set_now(&c)) == 0) {
		cal_civil(c.cal, c.now, &c.today, &min);
		/* The ledger too, read from a copy: checking changes nothing. */
		if (access(c.cfg->general.database, R_OK) == 0)
			c.store = store_open_copy(c.cfg->general.database,
			    &err);
		cli_calendar_warn(&c);
	}
	store_close(c.store);
	cal_free(c.cal);
	cfg_free(c.cfg);
	return r;
}

/* Whether `name` is a command with subcommands (item, duty, ...). */
static bool
find_group(const char *name)
{
	size_t	 g, i;

	for (g = 0; g < CLI_NGROUPS; g++)
		for (i = 0; i < *cli_groups[g].n; i++)
			if (strcmp(cli_groups[g].v[i].name, name) == 0 &&
			    cli_groups[g].v[i].sub != NULL)
				return true;
	return false;
}

/* "dutyctl item": the item subcommands. */
static void
cli_usage_of(const char *name)
{
	const struct cli_cmd	*cmd;
	char			 line[1024];
	size_t			 g, i;

	printf(_("usage:\n"));
	for (g = 0; g < CLI_NGROUPS; g++)
		for (i = 0; i < *cli_groups[g].n; i++) {
			cmd = &cli_groups[g].v[i];
			if (strcmp(cmd->name, name) != 0)
				continue;
			cmd_usage_line(cmd, line, sizeof(line));
			printf("  %s\n      %s\n", line, _(cmd->help));
		}
}

static const struct cli_cmd *
find_cmd(int argc, char **argv, int *used)
{
	const struct cli_cmd	*cmd;
	size_t			 g, i;

	for (g = 0; g < CLI_NGROUPS; g++)
		for (i = 0; i < *cli_groups[g].n; i++) {
			cmd = &cli_groups[g].v[i];
			if (strcmp(argv[0], cmd->name) != 0)
				continue;
			if (cmd->sub == NULL) {
				*used = 1;
				return cmd;
			}
			if (argc > 1 && strcmp(argv[1], cmd->sub) == 0) {
				*used = 2;
				return cmd;
			}
		}
	return NULL;
}

/* Edit distance of two short ASCII words (capped at 31 bytes each). */
static size_t
distance(const char *a, const char *b)
{
	size_t	 d[32][32], i, j, la = strlen(a), lb = strlen(b), c;

	la = la > 31 ? 31 : la;
	lb = lb > 31 ? 31 : lb;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

/* The command word nearest to `w` (among names, or a name's subs). */
static const char *
nearest(const char *name, const char *w, size_t *best)
{
	const struct cli_cmd	*cmd;
	const char		*hit = NULL, *cand;
	size_t			 g, i, k;

	*best = SIZE_MAX;
	for (g = 0; g < CLI_NGROUPS; g++)
		for (i = 0; i < *cli_groups[g].n; i++) {
			cmd = &cli_groups[g].v[i];
			if (name != NULL && (strcmp(cmd->name, name) != 0 ||
			    cmd->sub == NULL))
				continue;
			cand = name != NULL ? cmd->sub : cmd->name;
			if ((k = distance(cand, w)) < *best) {
				*best = k;
				hit = cand;
			}
		}
	if (name == NULL && (k = distance("check-config", w)) < *best) {
		*best = k;
		hit = "check-config";
	}
	return hit;
}

/* No such command: say so, with the nearest one when it is close. */
static int
unknown_cmd(int argc, char **argv)
{
	const char	*name = NULL, *w = argv[0], *hit;
	size_t		 best;

	if (find_group(argv[0]) && argc > 1) {
		name = argv[0];
		w = argv[1];
	} else if (find_group(argv[0])) {
		cli_usage_of(argv[0]);
		return EX_USAGE;
	}
	hit = nearest(name, w, &best);
	if (hit != NULL && best <= 2 && best < strlen(w))
		return cli_fail(EX_USAGE, _("unknown command \"%s%s%s\"; did "
		    "you mean \"%s%s%s\"? (dutyctl --help lists the commands)"),
		    name ? name : "", name ? " " : "", w, name ? name : "",
		    name ? " " : "", hit);
	return cli_fail(EX_USAGE, _("unknown command \"%s%s%s\" (dutyctl "
	    "--help lists the commands)"), name ? name : "", name ? " " : "",
	    w);
}

int
cli_run(const char *path, int64_t now, const char *now_arg, bool lang_env,
    int argc, char **argv)
{
	static char		 plain_opt[] = "--plain";
	const struct cli_cmd	*cmd;
	struct cli_args		 a;
	struct cli		 c;
	int			 used = 0, r, i;

	if (strcmp(argv[0], "check-config") == 0)
		return check_config(path, now, now_arg, lang_env);
	if ((cmd = find_cmd(argc, argv, &used)) == NULL)
		return unknown_cmd(argc, argv);
	/* digest preview --text means the plain part, not "--text T". */
	for (i = used; strcmp(cmd->name, "digest") == 0 && i < argc; i++)
		if (strcmp(argv[i], "--text") == 0)
			argv[i] = plain_opt;
	/* getopt wants argv[0] to be a program name: keep the last word. */
	r = parse_args(cmd, argc - used + 1, argv + used - 1, &a);
	if (r == 0 && (size_t)a.argc > words(cmd->args))
		r = bad_arg(cmd, a.argv[words(cmd->args)]);
	if (r != 0) {
		strv_clear(&a.files);
		return r < 0 ? 0 : r;
	}
	memset(&c, 0, sizeof(c));
	c.path = path;
	c.now = now;
	c.now_arg = now_arg;
	c.lang_env = lang_env;
	whoami(&c);
	if ((r = open_all(&c)) == 0)
		r = cmd->fn(&c, &a);
	strv_clear(&a.files);
	store_close(c.store);
	cal_free(c.cal);
	cfg_free(c.cfg);
	return r;
}
