/*
 * cli: the dutyctl subcommands (check-config, init, import, item, export,
 * outbox, duty, feedback, digest, audit, status, backup).  Each subcommand is a table entry with one small
 * handler; output goes to stdout, errors to stderr via log.  Reads the
 * clock only through the `now` it is given.
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
