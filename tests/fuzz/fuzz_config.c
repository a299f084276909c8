/*
 * fuzz_config: libFuzzer target for cfg_load, libconfig's parser plus
 * every check dutyd makes on the file the admin edits (and on any file
 * someone persuades the admin to paste in).  The input is written to a
 * file of mode 0600 in a directory made under $TMPDIR (or /tmp) at the
 * first run (removed at exit) and loaded with CFG_LOAD_NO_FILES; inputs
 * that say @include are skipped (they would read whatever file they name,
 * /dev/zero too).
 * Besides memory errors it traps when a failure lists no problem, a
 * problem line is not valid UTF-8 or does not start with the file name,
 * or a success has no summary.  Built and run by `make fuzz`;
 * `make fuzz-replay` replays tests/fuzz/corpus/config.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	 path[4096], dir[4000];

/* Leave nothing behind in $TMPDIR. */
static void
cleanup(void)
{
	(void)unlink(path);	/* may never have been written */
	(void)rmdir(dir);
}

static const char *
conf_path(void)
{
	const char	*tmp;

	if (path[0] != '\0')
		return path;
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/fuzz-config.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/dutyd.conf", dir);
	atexit(cleanup);
	return path;
}

static void
check_errors(const struct strv *errors, const char *path)
{
	size_t	 i;

	if (errors->n == 0)
		__builtin_trap();
	for (i = 0; i < errors->n; i++) {
		if (!str_utf8_valid(errors->v[i], strlen(errors->v[i])))
			__builtin_trap();
		if (strncmp(errors->v[i], path, strlen(path)) != 0)
			__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*path = conf_path();
	struct strv	 errors = { 0 };
	struct derr	 err;
	struct cfg	*cfg;
	char		*sum;
	int		 fd;

	if (memmem(data, size, "@include", 8) != NULL)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	cfg = cfg_load_flags(path, CFG_LOAD_NO_FILES, &errors, &err);
	if (cfg == NULL)
		check_errors(&errors, path);
	else {
		if ((sum = cfg_summary(cfg)) == NULL)
			__builtin_trap();
		free(sum);
		cfg_free(cfg);
	}
	strv_clear(&errors);
	return 0;
}
