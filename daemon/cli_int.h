/*
 * cli's private header: what the dutyctl command groups (cli_item.c,
 * cli_duty.c, cli_feedback.c, cli_digest.c, cli_admin.c) share with the
 * dispatcher in cli.c.  Each group has a table of its subcommands; each
 * subcommand names the options it takes, and cli.c refuses any other.
 * Nothing outside cli*.c includes this.
 */
#ifndef DUTYD_CLI_INT_H
#define DUTYD_CLI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "util.h"

struct cfg;
struct cfg_person;
struct cal;
struct store;
struct plan_snapshot;
struct cal_period;

/* What every subcommand works with, opened before its handler runs. */
struct cli {
	const char	*path;
	struct cfg	*cfg;
	struct cal	*cal;
	struct store	*store;
	char		 who[128];
	int64_t		 now;
	int32_t		 today;
	const char	*now_arg;
	bool		 lang_env;	/* the environment chose the language */
	char		 login[64];	/* the user's login (sudo: SUDO_USER) */
	const struct cfg_person *me;	/* the person that login is, or NULL */
	bool		 unix_users;	/* people.unix_user is set up */
};

/* The parsed options; only those the subcommand takes can be set. */
struct cli_args {
	const char	*owner, *problem, *problem_title, *code, *text;
	const char	*deadline, *kind, *evidence, *reason, *status;
	const char	*output, *by, *target, *date, *note, *period, *to;
	const char	*from, *subject;	/* feedback add */
	const char	*approved_by;		/* item extend */
	const char	*as_of;			/* report */
	const char	*docx, *bundle;		/* report */
	const char	*sheet;			/* import: a workbook's */
	bool		 xlsx;			/* export */
	struct strv	 files;			/* --file, each time given */
	bool		 late, html, plain;
	int		 due_within;	/* -1: no filter */
	int		 limit;
	bool		 json, csv, overdue, all, force, dry_run, prefer_file;
	int		 argc;		/* positional arguments */
	char		**argv;
};

typedef int (*cli_fn)(struct cli *, struct cli_args *);

/*
 * One subcommand: `name` [`sub`], its handler, the long options it takes
 * (names separated by spaces, from the table in cli.c), the positional
 * arguments for its usage line, and what it does.
 */
struct cli_cmd {
	const char	*name;
	const char	*sub;		/* NULL: no subcommand word */
	cli_fn		 fn;
	const char	*opts;
	const char	*args;
	const char	*help;
};

extern const struct cli_cmd	cli_item_cmds[];
extern const size_t		cli_item_ncmds;
extern const struct cli_cmd	cli_report_cmds[];
extern const size_t		cli_report_ncmds;
extern const struct cli_cmd	cli_duty_cmds[];
extern const size_t		cli_duty_ncmds;
extern const struct cli_cmd	cli_feedback_cmds[];
extern const size_t		cli_feedback_ncmds;
extern const struct cli_cmd	cli_digest_cmds[];
extern const size_t		cli_digest_ncmds;
extern const struct cli_cmd	cli_admin_cmds[];
extern const size_t		cli_admin_ncmds;
extern const struct cli_cmd	cli_reply_cmds[];
extern const size_t		cli_reply_ncmds;
/* item show: what the officers reported on measure `code` by email, and
 * a request waiting for approval (cli_reply.c). */
void	cli_reply_show(const struct cli *, const char *code);

/* Log "dutyctl: MSG" (through the logger, so no byte forges a line). */
int	cli_fail(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Log err's sentence; returns the sysexits code for its kind. */
int	cli_fail_err(const struct derr *err);
int	cli_exit_code(const struct derr *err);
/* Refuse control characters and invalid UTF-8 in option --`opt`. */
int	cli_check_text(const char *opt, const char *s);

struct measure;
/*
 * Whether this user may sign off, reopen or extend measure `m`: someone
 * with the admin or principal role, or a leader of one of its owners.
 * Without people.unix_user in the config (and for root itself) anyone
 * may.  0, or EX_NOPERM after saying why.
 */
int	cli_may_decide(const struct cli *c, const struct measure *m);

/* Print `s` padded to display width `w` (CJK counts 2), then a space. */
void	cli_put_cell(const char *s, size_t w);
/* Copy at most `w` display columns of the first line of `s`, with "…". */
void	cli_clip(const char *s, size_t w, char *out, size_t n);
/* The names of `owners` joined with 、 (the key when not configured). */
void	cli_owner_names(const struct cli *c, const struct strv *owners,
	    char *out, size_t n);
/* "YYYY-MM-DD HH:MM" in the configured zone, "-" for 0. */
void	cli_fmt_time(const struct cli *c, int64_t t, char *out, size_t n);
/* How far ahead cli_calendar_warn looks, in days. */
#define CLI_CAL_AHEAD	60

/*
 * Say (stdout) which years of today, the next CLI_CAL_AHEAD days and the
 * open measures' deadlines (when c->store is open) the holiday calendar
 * does not know, and how to add them.
 */
void	cli_calendar_warn(const struct cli *c);

/* Duty counts and closed-period records of every period in `within`. */
int	cli_duty_snapshot(struct cli *c, const struct cal_period *within,
	    struct plan_snapshot *snap);

#endif
