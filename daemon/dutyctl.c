/*
 * dutyctl: the command line for people.  main and wiring only: global
 * options, then cli_run for the subcommand.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "i18n.h"
#include "log.h"

/* The directory of this program, for the catalog in the build tree. */
static void
exe_dir(char *out, size_t n)
{
	ssize_t	 len = readlink("/proc/self/exe", out, n - 1);
	char	*slash;

	if (len <= 0) {
		out[0] = '\0';
		return;
	}
	out[len] = '\0';
	if ((slash = strrchr(out, '/')) != NULL)
		*slash = '\0';
}

/*
 * Chinese unless the user's environment names a language; returns whether
 * it did (then general.language does not override it).
 */
static bool
language_setup(void)
{
	char	 dir[4096];
	bool	 chose = i18n_env_chose();

	if (!chose)
		(void)setenv("LANGUAGE", "zh_CN", 1);	/* only fails on ENOMEM */
	exe_dir(dir, sizeof(dir));
	i18n_init(dir[0] ? dir : NULL);
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
