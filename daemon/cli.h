/*
 * cli: the dutyctl subcommands.  cli.c finds the subcommand in the tables
 * of the command groups (cli_item.c: item, import, export, report,
 * evidence; cli_duty.c; cli_feedback.c; cli_digest.c; cli_admin.c: init,
 * outbox, audit, status, backup), parses only the options that subcommand
 * takes, opens config, calendar and store, and runs its one small handler.
 * Output goes to stdout through gettext, errors to stderr via log.  Reads
 * the clock only through the `now` it is given; never sends.
 */
#ifndef DUTYD_CLI_H
#define DUTYD_CLI_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Run dutyctl with `argv` (argv[0] is the subcommand) on config `path`.
 * `now` is the instant to act at (Unix seconds; from --now or the clock).
 * `lang_env`: the environment chose the language, so general.language
 * does not.  Returns a sysexits.h code.
 */
int	cli_run(const char *path, int64_t now, const char *now_arg,
	    bool lang_env, int argc, char **argv);

/* Print the subcommand summary to stdout. */
void	cli_usage(void);

#endif
