/*
 * journal tests: records come back in order, a missing file has none, and
 * a reader stops at the first torn or corrupt record (never skipping one
 * to read a later record), whatever the damage.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#undef malloc
#undef calloc
#undef realloc
#undef free

#include "journal.h"
#include "util.h"

struct seen {
	char	 rec[8][64];
	int	 n;
};

static int
collect(void *ctx, const char *rec, size_t len, struct derr *err)
{
	struct seen	*s = ctx;

	(void)err;
	assert_true(len < sizeof(s->rec[0]));
	assert_true(s->n < 8);
	memcpy(s->rec[s->n], rec, len);
	s->rec[s->n][len] = '\0';
	s->n++;
	return 0;
}

static char *
tmp_path(char *dir)
{
	assert_non_null(mkdtemp(dir));
	return xasprintf("%s/j", dir);
}

static void
append3(const char *path)
{
	struct derr	 err = { 0 };
	struct journal	*j;

	j = journal_open(path, &err);
	assert_non_null(j);
	assert_int_equal(journal_append(j, "first", 5, &err), 0);
	assert_int_equal(journal_append(j, "second record", 13, &err), 0);
	assert_int_equal(journal_append(j, "third\n with a newline", 22,
	    &err), 0);
	journal_free(j);
}

static void
cleanup(char *dir, char *path)
{
	unlink(path);
	rmdir(dir);
	free(path);
}

static void
test_journal_roundtrip(void **state)
{
	char		 dir[] = "/tmp/test_journal.XXXXXX";
	char		*path = tmp_path(dir);
	struct seen	 s = { .n = 0 };
	struct derr	 err = { 0 };
	struct journal	*j;
	struct stat	 st;

	(void)state;
	assert_int_equal(journal_read(path, collect, &s, &err), 0);
	append3(path);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(journal_read(path, collect, &s, &err), 3);
	assert_string_equal(s.rec[0], "first");
	assert_string_equal(s.rec[1], "second record");
	assert_string_equal(s.rec[2], "third\n with a newline");

	/* Reset forgets them; appends go on from the start. */
	j = journal_open(path, &err);
	assert_int_equal(journal_reset(j, &err), 0);
	assert_int_equal(journal_append(j, "again", 5, &err), 0);
	s.n = 0;
	assert_int_equal(journal_read(path, collect, &s, &err), 1);
	assert_string_equal(s.rec[0], "again");

	/* Too long: refused, nothing written. */
	{
		char	*big = xcalloc(1, JOURNAL_RECORD_MAX + 1);

		assert_int_equal(journal_append(j, big, JOURNAL_RECORD_MAX + 1,
		    &err), -1);
		assert_int_equal(err.kind, DERR_INPUT);
		free(big);
	}
	s.n = 0;
	assert_int_equal(journal_read(path, collect, &s, &err), 1);
	journal_free(j);
	cleanup(dir, path);
}

/* Damage at `off` (a byte flipped, or the file cut there). */
static int
read_damaged(const char *path, off_t off, bool cut, struct seen *s)
{
	struct derr	 err = { 0 };
	unsigned char	 c;
	int		 fd;

	append3(path);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	if (cut) {
		assert_int_equal(ftruncate(fd, off), 0);
	} else {
		assert_int_equal(pread(fd, &c, 1, off), 1);
		c ^= 0x20;
		assert_int_equal(pwrite(fd, &c, 1, off), 1);
	}
	close(fd);
	s->n = 0;
	return journal_read(path, collect, s, &err);
}

static void
test_journal_damage_stops_reading(void **state)
{
	char		 dir[] = "/tmp/test_journal.XXXXXX";
	char		*path = tmp_path(dir);
	struct seen	 s;
	struct stat	 st;
	off_t		 first, size, off;
	int		 n;

	(void)state;
	append3(path);
	assert_int_equal(stat(path, &st), 0);
	size = st.st_size;
	first = 22 + 5 + 1;
	unlink(path);
	/* Every cut: only the records wholly before it. */
	for (off = 0; off < size; off++) {
		n = read_damaged(path, off, true, &s);
		assert_int_equal(n, off < first ? 0 :
		    off < first + 22 + 13 + 1 ? 1 : 2);
		unlink(path);
	}
	/* Every flipped byte: the damaged record and all after it are
	 * dropped. */
	for (off = 0; off < size; off++) {
		n = read_damaged(path, off, false, &s);
		assert_int_equal(n, off < first ? 0 :
		    off < first + 22 + 13 + 1 ? 1 : 2);
		unlink(path);
	}
	/* Garbage after the records: they stay, the garbage is ignored. */
	append3(path);
	{
		int	 fd = open(path, O_WRONLY | O_APPEND);

		assert_int_equal(write(fd, "0005 zzzz\n", 10), 10);
		close(fd);
	}
	s.n = 0;
	assert_int_equal(journal_read(path, collect, &s, &(struct derr){ 0 }),
	    3);
	cleanup(dir, path);
}

/* A symlink in its place is not followed. */
static void
test_journal_refuses_symlink(void **state)
{
	char		 dir[] = "/tmp/test_journal.XXXXXX";
	char		*path = tmp_path(dir);
	char		*target = xasprintf("%s/target", dir);
	struct derr	 err = { 0 };

	(void)state;
	assert_int_equal(symlink(target, path), 0);
	assert_null(journal_open(path, &err));
	assert_int_equal(err.kind, DERR_SYS);
	assert_int_equal(access(target, F_OK), -1);
	free(target);
	cleanup(dir, path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_roundtrip),
		cmocka_unit_test(test_journal_damage_stops_reading),
		cmocka_unit_test(test_journal_refuses_symlink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
