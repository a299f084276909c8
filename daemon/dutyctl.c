/*
 * dutyctl: the command line for people.  main and wiring only: global
 * options, then cli_run for the subcommand.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "i18n.h"
#include "log.h"

/*
 * Chinese unless the user's environment names a language; returns whether
 * it did (then general.language does not override it).
 */
static bool
language_setup(void)
{
	bool	 chose = i18n_env_chose();

	if (!chose)
		(void)setenv("LANGUAGE", "zh_CN", 1);	/* only fails on ENOMEM */
	i18n_init();
	return chose;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "now", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*config = CFG_DEFAULT_PATH, *now_arg = NULL;
	struct timespec	 ts;
	int		 c, rc;
	bool		 lang_env;

	lang_env = language_setup();
	log_init("dutyctl", LOG_DEST_TTY, LOGL_NOTICE);
	/* Backups, exports and the database hold every citizen's message:
	 * whatever the caller's umask, nothing we create is for others. */
	umask(077);
	while ((c = getopt_long(argc, argv, "+c:h", lo, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 't': now_arg = optarg; break;
		case 'h': cli_usage(); return 0;
		default: cli_usage(); return EX_USAGE;
		}
	}
	if (optind >= argc) {
		cli_usage();
		return EX_USAGE;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	rc = cli_run(config, (int64_t)ts.tv_sec, now_arg, lang_env,
	    argc - optind, argv + optind);
	return rc;
}
