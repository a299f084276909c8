/*
 * mimeprobe FILE: parse FILE as one incoming message with mime_parse and
 * print what it cost, for the size-attack tests and make bench:
 *	ms=N rss_kb_before=N rss_kb_after=N subject_bytes=N excerpt_bytes=N
 *	note=...
 * rss is the process's peak resident set (getrusage ru_maxrss) after the
 * file is read, and after the parse: the difference is what the parse
 * took at its peak.  The clock is read here only to report; nothing
 * depends on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "err.h"
#include "mime.h"
#include "util.h"

static long
maxrss_kb(void)
{
	struct rusage	 ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return -1;
	return ru.ru_maxrss;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*p;
	long	 n;

	if (f == NULL || fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1) {
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	p = xmalloc((size_t)n + 1);
	if (fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		fclose(f);
		return NULL;
	}
	fclose(f);
	memset(p + n, 0, 1);
	*len = (size_t)n;
	return p;
}

int
main(int argc, char **argv)
{
	struct mime_msg	 m;
	struct derr	 err = { 0 };
	struct timespec	 a, b;
	size_t		 len;
	char		*data;
	long		 before;
	int		 r;

	if (argc != 2) {
		fprintf(stderr, "usage: mimeprobe FILE\n");
		return 64;
	}
	if ((data = slurp(argv[1], &len)) == NULL) {
		perror(argv[1]);
		return 66;
	}
	mime_global_init();
	before = maxrss_kb();
	clock_gettime(CLOCK_MONOTONIC, &a);
	r = mime_parse(data, len, 0, 480, &m, &err);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("ms=%lld rss_kb_before=%ld rss_kb_after=%ld ",
	    (long long)((b.tv_sec - a.tv_sec) * 1000 +
	    (b.tv_nsec - a.tv_nsec) / 1000000), before, maxrss_kb());
	if (r == 0) {
		printf("subject_bytes=%zu excerpt_bytes=%zu note=%s\n",
		    strlen(m.subject), strlen(m.excerpt),
		    m.note != NULL ? m.note : "-");
		mime_msg_clear(&m);
	} else {
		printf("error=%s\n", err.msg);
	}
	free(data);
	mime_global_cleanup();
	return r == 0 ? 0 : 1;
}
