/*
 * channels/maildir: maildir delivery.  See maildir.h.
 */
#include "channels/maildir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define MAILDIR_MSG_MAX		(4 * 1024 * 1024)
#define MAILDIR_KEY_MAX		80
#define MAILDIR_NAME_MAX	160
/* Name collisions only happen across channel instances; a few suffice. */
#define MAILDIR_TRIES		100

struct maildir_ctx {
	struct channel	 ch;
	char		*dir;
	unsigned	 seq;		/* makes names unique in this process */
};

static const char *const subdirs[] = { "tmp", "new", "cur" };

static int
mkdir_once(const char *path, struct derr *err)
{
	struct stat	 st;

	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return derr_set(err, DERR_SYS, false, "maildir: cannot create %s: %s",
	    path, strerror(errno));
}

static int
maildir_make(const char *dir, struct derr *err)
{
	char	*p;
	size_t	 i;
	int	 rc;

	if (mkdir_once(dir, err) == -1)
		return -1;
	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		p = xasprintf("%s/%s", dir, subdirs[i]);
		rc = mkdir_once(p, err);
		free(p);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* "<date>.P<pid>Q<seq>.<key>", the key reduced to [A-Za-z0-9._-]. */
static void
name_make(struct maildir_ctx *c, const struct channel_msg *msg, char *name)
{
	char		 key[MAILDIR_KEY_MAX + 1];
	const char	*k = msg->key != NULL ? msg->key : "";
	size_t		 i;

	for (i = 0; k[i] != '\0' && i < MAILDIR_KEY_MAX; i++) {
		if ((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' &&
		    k[i] <= 'Z') || (k[i] >= '0' && k[i] <= '9') ||
		    k[i] == '-' || k[i] == '_' || k[i] == '.')
			key[i] = k[i];
		else
			key[i] = '_';
	}
	key[i] = '\0';
	snprintf(name, MAILDIR_NAME_MAX, "%lld.P%ldQ%u.%s",
	    (long long)msg->date, (long)getpid(), c->seq++, key);
}

/* Write and fsync tmp/NAME. Returns 1 if the name is taken. */
static int
tmp_write(const char *path, const struct buf *b, struct derr *err)
{
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1 && errno == EEXIST)
		return 1;
	if (fd == -1)
		return derr_set(err, DERR_SYS, true, "maildir: cannot create "
		    "%s: %s", path, strerror(errno));
	if (fd_write_all(fd, b->data, b->len) == -1) {
		derr_set(err, DERR_SYS, true, "maildir: write: %s",
		    strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (fsync(fd) == -1) {
		derr_set(err, DERR_SYS, true, "maildir: cannot sync %s: %s",
		    path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) == -1) {
		unlink(path);
		return derr_set(err, DERR_SYS, true, "maildir: cannot write "
		    "%s: %s", path, strerror(errno));
	}
	return 0;
}

static int
dir_sync(const char *path, struct derr *err)
{
	int	 fd, rc;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return derr_set(err, DERR_SYS, true, "maildir: cannot open "
		    "%s: %s", path, strerror(errno));
	rc = fsync(fd);
	close(fd);
	if (rc == -1)
		return derr_set(err, DERR_SYS, true, "maildir: cannot sync "
		    "%s: %s", path, strerror(errno));
	return 0;
}

/* tmp/ to new/ without replacing anything. Returns 1 if the name is taken. */
static int
move_new(const char *tmp, const char *dst, struct derr *err)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dst, RENAME_NOREPLACE) == 0)
		return 0;
	/* Some file systems lack RENAME_NOREPLACE: link(2) never replaces. */
	if (errno == EINVAL && link(tmp, dst) == 0) {
		unlink(tmp);
		return 0;
	}
	if (errno == EEXIST)
		return 1;
	return derr_set(err, DERR_SYS, true, "maildir: cannot move %s: %s",
	    tmp, strerror(errno));
}

/* One try with a fresh name: 0 delivered, 1 name taken, -1 error. */
static int
deliver_once(struct maildir_ctx *c, const struct channel_msg *msg,
    const struct buf *b, char *name, struct derr *err)
{
	char	*tmp, *dst;
	int	 rc;

	name_make(c, msg, name);
	tmp = xasprintf("%s/tmp/%s", c->dir, name);
	dst = xasprintf("%s/new/%s", c->dir, name);
	rc = tmp_write(tmp, b, err);
	if (rc == 0) {
		rc = move_new(tmp, dst, err);
		if (rc != 0)
			unlink(tmp);
	}
	free(tmp);
	free(dst);
	return rc;
}

static int
deliver(struct maildir_ctx *c, const struct channel_msg *msg,
    const struct buf *b, char *name, struct derr *err)
{
	char	*newdir;
	int	 i, rc = 1;

	for (i = 0; i < MAILDIR_TRIES && rc == 1; i++)
		rc = deliver_once(c, msg, b, name, err);
	if (rc == 1)
		return derr_set(err, DERR_SYS, true, "maildir: no free file "
		    "name in %s", c->dir);
	if (rc == -1)
		return -1;
	newdir = xasprintf("%s/new", c->dir);
	rc = dir_sync(newdir, err);
	free(newdir);
	return rc;
}

/* A message built for the wire (CRLF) as a maildir file keeps it (LF). */
static int
lf_copy(struct buf *b, const char *raw, size_t len, struct derr *err)
{
	const char	*p = raw, *end = raw + len, *cr;

	while ((cr = memchr(p, '\r', (size_t)(end - p))) != NULL) {
		if (buf_append(b, p, (size_t)(cr - p), err) == -1)
			return -1;
		p = cr + 1;
		if (p == end || *p != '\n')	/* a lone CR stays */
			if (buf_append(b, "\r", 1, err) == -1)
				return -1;
	}
	return buf_append(b, p, (size_t)(end - p), err);
}

static enum channel_outcome
maildir_send(void *ctx, const struct channel_msg *msg, char *peer_id,
    struct derr *err)
{
	struct maildir_ctx	*c = ctx;
	struct buf		 b;
	char			 name[MAILDIR_NAME_MAX];
	int			 rc;

	peer_id[0] = '\0';
	/* The outbox built the message; it is written as it is, in LF. */
	if (msg->raw == NULL)
		return derr_set(err, DERR_BUG, false, "maildir: %s: no message "
		    "to write", msg->key), CHANNEL_PERMANENT;
	buf_init(&b, MAILDIR_MSG_MAX);
	if (lf_copy(&b, msg->raw, msg->raw_len, err) == -1) {
		buf_clear(&b);
		derr_prefix(err, "maildir");
		return CHANNEL_PERMANENT;
	}
	rc = deliver(c, msg, &b, name, err);
	buf_clear(&b);
	if (rc == -1)
		return CHANNEL_TRANSIENT;
	if (strlen(name) < 128)
		memcpy(peer_id, name, strlen(name) + 1);
	return CHANNEL_SENT;
}

static void
maildir_flush(void *ctx)
{
	(void)ctx;
}

static void
maildir_free(void *ctx)
{
	struct maildir_ctx	*c = ctx;

	if (c == NULL)
		return;
	free(c->dir);
	free(c);
}

struct channel *
maildir_channel_new(const char *dir, struct derr *err)
{
	struct maildir_ctx	*c;

	if (dir == NULL || dir[0] == '\0') {
		derr_set(err, DERR_CONFIG, false, "maildir: no directory");
		return NULL;
	}
	if (maildir_make(dir, err) == -1)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->dir = xstrdup(dir);
	c->ch.name = "maildir";
	c->ch.ctx = c;
	c->ch.send = maildir_send;
	c->ch.flush = maildir_flush;
	c->ch.free = maildir_free;
	return &c->ch;
}
