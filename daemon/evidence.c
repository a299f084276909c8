#include "evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int
evidence_hash_ok(const char *hex)
{
	size_t	 i;

	for (i = 0; i < EVIDENCE_HEX; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') ||
		    (hex[i] >= 'a' && hex[i] <= 'f')))
			return 0;
	return hex[EVIDENCE_HEX] == '\0';
}

static int
mkdir_private(const char *path, struct derr *err)
{
	if (mkdir(path, 0700) == 0)
		path_adopt_dir_owner(path, -1);
	else if (errno != EEXIST)
		return derr_set(err, DERR_SYS, false, "%s: %s", path,
		    strerror(errno));
	return 0;
}

/* Write `data` to `tmp` (mode 0600), fsync, rename to `path`. */
static int
put_file(const char *tmp, const char *path, const void *data, size_t len,
    struct derr *err)
{
	int	 fd, e;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return derr_set(err, DERR_SYS, false, "%s: %s", tmp,
		    strerror(errno));
	path_adopt_dir_owner(tmp, fd);
	if (fd_write_all(fd, data, len) == -1 || fsync(fd) == -1) {
		e = errno;
		close(fd);
		unlink(tmp);
		return derr_set(err, DERR_SYS, false, "%s: %s", tmp,
		    strerror(e));
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		e = errno;
		unlink(tmp);
		return derr_set(err, DERR_SYS, false, "%s: %s", path,
		    strerror(e));
	}
	return 0;
}

int
evidence_put(const char *dir, const char *hex, const void *data, size_t len,
    struct derr *err)
{
	struct stat	 st;
	char		*sub, *path, *tmp;
	int		 r;

	if (!evidence_hash_ok(hex))
		return derr_set(err, DERR_BUG, false, "not a SHA-256: %s", hex);
	sub = xasprintf("%s/%.2s", dir, hex);
	path = xasprintf("%s/%s", sub, hex);
	tmp = xasprintf("%s/.%s.%ld.tmp", sub, hex, (long)getpid());
	r = mkdir_private(dir, err);
	if (r == 0)
		r = mkdir_private(sub, err);
	if (r == 0 && stat(path, &st) == -1)
		r = put_file(tmp, path, data, len, err);
	free(sub);
	free(path);
	free(tmp);
	return r;
}

int
evidence_read(const char *dir, const char *hex, size_t max, char **data,
    size_t *len, struct derr *err)
{
	char	*path;
	int	 r;

	if (!evidence_hash_ok(hex))
		return 0;
	path = xasprintf("%s/%.2s/%s", dir, hex, hex);
	if (access(path, F_OK) == -1 && errno == ENOENT)
		r = 0;
	else
		r = file_read(path, max, data, len, err) < 0 ? -1 : 1;
	free(path);
	return r;
}

int
evidence_remove(const char *dir, const char *hex, struct derr *err)
{
	char	*path;
	int	 r = 1;

	if (!evidence_hash_ok(hex))
		return 0;
	path = xasprintf("%s/%.2s/%s", dir, hex, hex);
	if (unlink(path) == -1)
		r = errno == ENOENT ? 0 : derr_set(err, DERR_SYS, false,
		    "%s: %s", path, strerror(errno));
	free(path);
	return r;
}

int
evidence_lock(const char *dir, struct derr *err)
{
	char	*path;
	int	 fd, e;

	if (mkdir_private(dir, err) < 0)
		return -1;
	path = xasprintf("%s/.lock", dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		e = errno;
		derr_set(err, DERR_SYS, false, "%s: %s", path, strerror(e));
		free(path);
		return -1;
	}
	path_adopt_dir_owner(path, fd);
	while (flock(fd, LOCK_EX) == -1) {
		if (errno == EINTR)
			continue;
		e = errno;
		close(fd);
		derr_set(err, DERR_SYS, false, "%s: %s", path, strerror(e));
		free(path);
		return -1;
	}
	free(path);
	return fd;
}

void
evidence_unlock(int fd)
{
	/* Closing the descriptor releases the flock. */
	if (fd != -1)
		close(fd);
}
